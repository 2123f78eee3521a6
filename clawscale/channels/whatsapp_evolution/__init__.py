"""The `whatsapp_evolution` channel kind: WhatsApp through an Evolution API server. `adapter`
parses and verifies what the provider sends us and makes the provider calls (sending,
connecting).
"""
