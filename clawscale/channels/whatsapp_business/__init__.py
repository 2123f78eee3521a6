"""The `whatsapp_business` channel kind: WhatsApp through Meta's Cloud API. `adapter` parses and
verifies what the provider sends us and makes the provider calls (sending, connecting).
"""
