"""The built-in demo agent: an agent runtime served by the gateway itself, and the web chat it
answers on, so a fresh development machine shows a whole round trip with nothing configured.

Entry points: `setup.ensure_demo` (the agent and its chat, made once), `replies.echo_reply`
and `replies.pushed_reply` (what the agent answers to a forward).
"""
