"""The `wechat_ecloud` channel kind: WeChat through GeWe (eCloud). `adapter` parses and verifies
what the provider sends us and makes the provider calls (sending, connecting).
"""
