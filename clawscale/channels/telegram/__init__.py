"""The `telegram` channel kind: Telegram bots. `adapter` parses and verifies what the provider
sends us and makes the provider calls (sending, connecting).
"""
