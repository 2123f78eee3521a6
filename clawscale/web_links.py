"""Links into the web app that the gateway hands out (emails, API answers, the runtime's
metadata): the paths of the pages it links to, and absolute URLs under DOMAIN_CLIENT."""

from urllib.parse import urlencode

from clawscale.settings import Settings

ACCOUNT_PATH = "/account"
SUBSCRIPTION_PATH = "/account/subscription"
CHANNELS_PATH = "/channels"
WECHAT_PERSONAL_PATH = "/channels/wechat-personal"
WEB_CHAT_PATH = "/chat"
"""A web chat channel's hosted page is `/chat/{channel_id}`."""
WEB_CHAT_WIDGET_PATH = "/webchat/widget.js"
"""The script a site embeds to show a web chat (`assets/webchat/widget.js`)."""


def web_url(settings: Settings, path: str, **params: str) -> str:
    """The absolute URL of a page of the web app, with `params` as its query."""
    url = f"{settings.DOMAIN_CLIENT.rstrip('/')}{path}"
    return f"{url}?{urlencode(params)}" if params else url
