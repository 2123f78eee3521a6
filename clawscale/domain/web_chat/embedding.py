"""Where a web chat channel is found on the web: its hosted page, and the snippet a site pastes
to show it in a corner (`assets/webchat/widget.js`), both under DOMAIN_CLIENT."""

from html import escape

from clawscale.settings import Settings
from clawscale.web_links import WEB_CHAT_PATH, WEB_CHAT_WIDGET_PATH, web_url


def chat_page_url(settings: Settings, channel_id: str) -> str:
    """The channel's chat, full screen: `{web}/chat/{channel_id}`."""
    return web_url(settings, f"{WEB_CHAT_PATH}/{channel_id}")


def widget_snippet(settings: Settings, channel_id: str) -> str:
    """The `<script>` a site adds to its pages to show the channel's chat button."""
    source = escape(web_url(settings, WEB_CHAT_WIDGET_PATH))
    return f'<script src="{source}" data-channel="{escape(channel_id)}" async></script>'
