"""`/chat/[channel_id]` (public, no sign-in): a web chat channel's conversation, full screen.

The page itself is a frame: the site header (left out with `?embed=1`, as in the widget's
iframe), an empty container and, hidden, every word the chat shows in the page's language.
`assets/webchat/chat.js` does the rest in the browser against the chat API
(`docs/web_chat.md`): it reads the API's address and the channel from the container's data
attributes, renders the conversation into the container (which React leaves alone, as it has no
children) and reads its words from the hidden labels each time it writes them, so the language
switch changes them too."""

import reflex as rx

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.layout import settled, site_header
from clawscale.components.translated import t
from clawscale.i18n.catalogs import N_
from clawscale.settings import get_settings
from clawscale.web_links import WEB_CHAT_PATH

CONTAINER_ID = "web-chat"
LABELS_ID = "web-chat-labels"
SCRIPT = "/webchat/chat.js"
STYLESHEET = "/webchat/chat.css"
EMBED_PARAMETER = "embed"

LABELS: dict[str, str] = {
    "title": N_("Chat"),
    "log": N_("Conversation"),
    "you": N_("You"),
    "agent": N_("Assistant"),
    "sending": N_("Sending…"),
    "failed": N_("Not sent."),
    "retry": N_("Retry"),
    "rate_limited": N_("You are writing too fast. Wait a moment, then retry."),
    "earlier": N_("Earlier messages"),
    "loading": N_("Loading the conversation…"),
    "empty": N_("No messages yet. Write the first one below."),
    "message": N_("Your message"),
    "placeholder": N_("Write a message…"),
    "send": N_("Send"),
    "attachment": N_("Attachment"),
    "unavailable": N_("This chat is not available on this site."),
    "not_found": N_("This chat does not exist or is closed."),
    "offline": N_("Cannot reach the chat. Trying again…"),
}
"""What chat.js writes, by the key its labels are found under (`data-label`)."""


class WebChatState(rx.State):
    """What chat.js needs from the server: the API's public address, the channel of the path,
    and whether the page is shown in the widget's frame."""

    api_url: str = ""
    channel_id: str = ""
    embedded: bool = False
    loaded: bool = False

    @rx.event
    def load(self) -> None:
        """On load: the channel of the path, `?embed=1`, and where the API answers."""
        self.api_url = get_settings().CLAWSCALE_PUBLIC_API_URL.rstrip("/")
        self.channel_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.embedded = self.router.url.query_parameters.get(EMBED_PARAMETER) == "1"
        self.loaded = True


SPEC = PageSpec(
    WEB_CHAT_PATH + "/[channel_id]",
    N_("Chat"),
    N_("Write to the agent of this chat and read its replies as they come."),
    Section.PUBLIC,
)
State = WebChatState


def labels() -> rx.Component:
    """Every word chat.js shows, hidden, in the page's language."""
    return rx.el.div(
        *(rx.el.span(t(text), custom_attrs={"data-label": key}) for key, text in LABELS.items()),
        id=LABELS_ID,
        hidden=True,
    )


def chat_container() -> rx.Component:
    """The element chat.js renders the conversation into (React gives it no children)."""
    return rx.el.div(
        id=CONTAINER_ID,
        custom_attrs={"data-api": State.api_url, "data-channel": State.channel_id},
        flex_grow="1",
        min_height="0",
        display="flex",
        flex_direction="column",
    )


def chat_page() -> rx.Component:
    """The site header (not in the widget's frame), the chat filling the rest of the window,
    its words, and its script."""
    frame = rx.flex(
        rx.cond(State.embedded, rx.fragment(), site_header(SPEC.section, SPEC.route)),
        rx.el.main(chat_container(), labels(), flex_grow="1", min_height="0", display="flex"),
        direction="column",
        height="100dvh",
    )
    return rx.fragment(
        rx.el.link(rel="stylesheet", href=STYLESHEET),
        rx.script(src=SCRIPT),
        settled(rx.cond(State.loaded, frame, rx.box(min_height="100vh"))),
    )


PAGE = SitePage(SPEC, chat_page, on_load=(State.load,))
