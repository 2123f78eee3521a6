"""The floors: the gateway's two jobs done as barely as they can be, to measure it against.

Out, a reply posted to `/api/outbound` is stored and then sent to the fake provider's
`sendText`; in, an Evolution `messages.upsert` webhook is stored and then forwarded to the fake
runtime's `/agent`. Each has a bare Starlette app (`server`, under granian like the gateway's
API) that stores a row and NOTIFYs, and a one-process asyncio worker (`worker`, like
`python -m clawscale.workers`) that claims rows, sends them and records the outcomes.
"""
