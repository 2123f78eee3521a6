"""Where a web chat is found: its hosted page and the snippet a website embeds."""

from clawscale.settings import Settings
from clawscale.web_links import web_url

CHAT_PATH = "/chat/{channel_id}"


def chat_page_url(settings: Settings, channel_id: str) -> str:
    """The absolute URL of the chat's hosted page."""
    return web_url(settings, CHAT_PATH.format(channel_id=channel_id))
