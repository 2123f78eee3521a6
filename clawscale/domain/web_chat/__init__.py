"""Web chat: the visitors of `web_chat` channels, their tokens, and the messages of their chats
(the visitor's through the inbound path, the agent's as the dispatcher delivers them).

Entry points: `visitors.new_visitor` / `visitors.visitor_of`, `conversations.write`,
`conversations.deliver`, `conversations.history`, `conversations.messages_since`; the hosted page
and widget links in `embedding`.
"""
