"""Where a web chat is found: the hosted page's URL and the widget snippet, under
DOMAIN_CLIENT."""

from clawscale.domain.web_chat.embedding import chat_page_url, widget_snippet
from clawscale.settings import Settings


def test_the_chat_page_and_the_snippet_are_under_the_web_app() -> None:
    settings = Settings(DOMAIN_CLIENT="https://chat.example/")

    assert chat_page_url(settings, "ch_1") == "https://chat.example/chat/ch_1"
    assert widget_snippet(settings, "ch_1") == (
        '<script src="https://chat.example/webchat/widget.js" data-channel="ch_1" async></script>'
    )


def test_the_snippet_escapes_what_it_quotes() -> None:
    settings = Settings(DOMAIN_CLIENT='https://chat.example/"x')

    snippet = widget_snippet(settings, 'ch_"><b>')

    assert '"x/' not in snippet and "<b>" not in snippet
    assert 'data-channel="ch_&quot;&gt;&lt;b&gt;"' in snippet
