"""`web_chat`: the gateway's own chat for websites (a hosted page and an embeddable widget)."""
