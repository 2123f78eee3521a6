"""The `linq` channel kind: iMessage and SMS through Linq. `adapter` parses and verifies what
the provider sends us and makes the provider calls (sending, connecting).
"""
