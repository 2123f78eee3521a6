"""The `wechat_personal` channel kind: a customer's own WeChat through iLink. `adapter` parses
and verifies what the provider sends us and makes the provider calls (sending, connecting).
`media` fetches its files from WeChat's CDN.
"""
