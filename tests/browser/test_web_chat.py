"""The web chat in Chromium against the running app: a visitor talks with the built-in demo
agent on the hosted page `/chat/{channel_id}` (its echo, then its reply pushed through
`/api/outbound`, both arriving live), finds the conversation again after a reload, never sees
another visitor's, and is given a fresh conversation for a forged token; the widget on a site
the channel allows opens a working chat, and on a site it does not allow says so; the page
speaks Chinese at a phone's and a laptop's width; and the admin finds the snippet to embed.

The app's workers (in the harness's process) forward each message to the demo agent, which the
gateway serves itself, and deliver its replies to the chat's own API."""

import secrets
from collections.abc import Callable, Iterator

import jwt
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FrameLocator,
    Locator,
    Page,
    Route,
    WebSocket,
    expect,
)

from tests.browser.conftest import FLOW_SECONDS, AdminLogin, RunningApp
from tests.browser.languages import english_words, screenshots
from tests.fakes.website import website

pytestmark = pytest.mark.browser

REPLY_MS = FLOW_SECONDS * 1000
ECHO = "You wrote: {text}"
PUSHED = "This second reply was pushed through /api/outbound"
TOKEN_KEY = "clawscale-web-chat:{channel_id}"
EMPTY = "No messages yet. Write the first one below."
STREAM = "**/api/webchat/*/stream?*"
Chat = Page | FrameLocator


def demo_chat(running_app: RunningApp) -> str:
    """The demo agent's own chat (made as `python -m clawscale demo bootstrap` makes it)."""
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.demo_agent.setup import ensure_demo
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        return ensure_demo(db, get_settings()).channel.id


def another_chat(name: str, allowed_origins: str = "") -> str:
    """A further connected web chat of the demo agent, embeddable on `allowed_origins`."""
    from clawscale.channels.web_chat.adapter import ALLOWED_ORIGINS, KIND
    from clawscale.channels.webhooks import WEBHOOK_TOKEN
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.shared import new_webhook_token
    from clawscale.domain.channels.store import create_channel
    from clawscale.domain.demo_agent.setup import ensure_demo
    from clawscale.models import ChannelScope, ChannelStatus
    from clawscale.settings import get_settings

    settings = get_settings()
    with session_scope(get_engine()) as db:
        channel = create_channel(
            db,
            settings,
            KIND,
            ChannelScope.SHARED,
            name=name,
            owner_agent_id=ensure_demo(db, settings).agent.id,
            status=ChannelStatus.CONNECTED,
            config={ALLOWED_ORIGINS: allowed_origins},
            secrets={WEBHOOK_TOKEN: new_webhook_token()},
        )
        return channel.id


def webhook_token(channel_id: str) -> str:
    """The channel's secret webhook token."""
    from clawscale.channels.webhooks import WEBHOOK_TOKEN
    from clawscale.db import get_engine, session_scope
    from clawscale.domain.channels.store import channel_credentials
    from clawscale.models import Channel
    from clawscale.settings import get_settings

    with session_scope(get_engine()) as db:
        channel = db.get(Channel, channel_id)
        assert channel is not None
        return channel_credentials(get_settings(), channel).secrets[WEBHOOK_TOKEN]


@pytest.fixture
def chat_id(running_app: RunningApp) -> str:
    """The demo agent's chat."""
    return demo_chat(running_app)


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[[], BrowserContext]]:
    """More fresh browser profiles (other visitors), closed after the test."""
    opened: list[BrowserContext] = []

    def open_one() -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


def unique(word: str) -> str:
    """A message no other test writes."""
    return f"{word} {secrets.token_hex(3)}"


def messages(chat: Chat, role: str, text: str) -> Locator:
    """The messages of `role` ("visitor" or "agent") holding `text`."""
    return chat.locator(f".wc-message[data-role={role}]").filter(has_text=text)


def write(chat: Chat, text: str, box: str = "Your message", send: str = "Send") -> None:
    """Type `text` into the composer and send it."""
    chat.get_by_role("textbox", name=box).fill(text)
    chat.get_by_role("button", name=send).click()


def expect_both_replies(chat: Chat, text: str) -> None:
    """The visitor's message shows, then the demo agent's echo, then its pushed reply."""
    expect(messages(chat, "visitor", text)).to_have_count(1)
    expect(messages(chat, "agent", ECHO.format(text=text))).to_have_count(1, timeout=REPLY_MS)
    expect(messages(chat, "agent", PUSHED)).not_to_have_count(0, timeout=REPLY_MS)


def visitor_token(page: Page, channel_id: str) -> str:
    """The visitor token the page keeps for the channel ("" for none)."""
    key = TOKEN_KEY.format(channel_id=channel_id)
    return page.evaluate("key => localStorage.getItem(key) || ''", key)


def test_a_visitor_gets_the_demo_agents_replies_live_and_the_history_after_a_reload(
    page: Page, frontend_url: str, chat_id: str
) -> None:
    page.goto(f"{frontend_url}/chat/{chat_id}")
    expect(page.get_by_role("heading", name="Demo chat", level=1)).to_be_visible()
    expect(page.get_by_role("log").get_by_text(EMPTY)).to_be_visible()
    page.evaluate("window.sameDocument = true")
    text = unique("Hello demo")

    write(page, text)

    expect_both_replies(page, text)
    assert page.evaluate("window.sameDocument === true"), "the page was reloaded"
    expect(messages(page, "visitor", text).locator(".wc-author")).to_have_text("You")
    expect(messages(page, "agent", PUSHED).first.locator(".wc-author")).to_have_text("Assistant")

    page.reload()

    expect(messages(page, "visitor", text)).to_have_count(1)
    expect(messages(page, "agent", ECHO.format(text=text))).to_have_count(1)
    expect(messages(page, "agent", PUSHED)).to_have_count(1)
    expect(page.locator(".wc-message")).to_have_count(3)


def test_a_retry_after_a_lost_answer_sends_the_message_once(
    page: Page, frontend_url: str, chat_id: str
) -> None:
    lost: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST" or lost:
            route.fallback()
            return
        lost.append(route.request.post_data_json["client_message_id"])
        route.fetch()
        route.abort("connectionreset")

    page.route("**/api/webchat/*/messages", lose_the_first_answer)
    page.route(STREAM, lambda route: route.abort())  # until the retry: no news of the message
    page.goto(f"{frontend_url}/chat/{chat_id}")
    text = unique("Said once")

    write(page, text)

    retry = page.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    expect(page.get_by_role("log")).to_contain_text("Not sent.")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.post_data or ""))
    retry.click()
    page.unroute(STREAM)
    expect_both_replies(page, text)
    assert [body for body in sent if lost[0] in body], "the retry sent another client id"
    page.reload()
    expect(messages(page, "visitor", text)).to_have_count(1)
    expect(messages(page, "agent", ECHO.format(text=text))).to_have_count(1)


def test_two_visitors_never_see_each_others_messages(
    context: BrowserContext,
    new_context: Callable[[], BrowserContext],
    frontend_url: str,
    chat_id: str,
) -> None:
    first, second = context.new_page(), new_context().new_page()
    first_text, second_text = unique("From the first"), unique("From the second")
    for page, text in ((first, first_text), (second, second_text)):
        page.goto(f"{frontend_url}/chat/{chat_id}")
        write(page, text)

    for page, own, other in ((first, first_text, second_text), (second, second_text, first_text)):
        expect_both_replies(page, own)
        expect(page.get_by_text(other)).to_have_count(0)
        page.reload()
        expect(messages(page, "visitor", own)).to_have_count(1)
        expect(page.get_by_text(other)).to_have_count(0)
    assert visitor_token(first, chat_id) != visitor_token(second, chat_id)


def test_a_forged_visitor_token_gets_a_fresh_visitor_and_none_of_the_history(
    page: Page, new_context: Callable[[], BrowserContext], frontend_url: str, chat_id: str
) -> None:
    page.goto(f"{frontend_url}/chat/{chat_id}")
    private = unique("Only mine")
    write(page, private)
    expect(messages(page, "agent", ECHO.format(text=private))).to_have_count(1, timeout=REPLY_MS)
    victim = jwt.decode(visitor_token(page, chat_id), options={"verify_signature": False})
    forged = jwt.encode(victim, "a key that is not the channel's own key", "HS256")
    key = TOKEN_KEY.format(channel_id=chat_id)
    intruder = new_context()
    intruder.add_init_script(
        f"localStorage.getItem({key!r}) === null && localStorage.setItem({key!r}, {forged!r})"
    )
    stranger = intruder.new_page()

    stranger.goto(f"{frontend_url}/chat/{chat_id}")

    expect(stranger.get_by_role("log").get_by_text(EMPTY)).to_be_visible()
    expect(stranger.get_by_text(private)).to_have_count(0)
    fresh = visitor_token(stranger, chat_id)
    assert fresh and fresh != forged
    assert jwt.decode(fresh, options={"verify_signature": False})["sub"] != victim["sub"]
    text = unique("A fresh start")
    write(stranger, text)
    expect(messages(stranger, "agent", ECHO.format(text=text))).to_have_count(1, timeout=REPLY_MS)
    expect(stranger.get_by_text(private)).to_have_count(0)


def widget_page(channel_id: str) -> str:
    """A shop's page embedding the chat of `channel_id`, in the language `lang`."""
    from clawscale.domain.web_chat.embedding import widget_snippet
    from clawscale.settings import get_settings

    snippet = widget_snippet(get_settings(), channel_id)
    return f"<!doctype html><html lang='{{lang}}'><body><h1>Shop</h1>{snippet}</body></html>"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_widget_on_an_allowed_site_opens_a_working_chat(
    page: Page, frontend_url: str, width: int
) -> None:
    with website() as shop:
        chat_id = another_chat("Shop chat", allowed_origins=f"https://elsewhere.example {shop.url}")
        shop.html = widget_page(chat_id).format(lang="en")
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(shop.url)
        toggle = page.get_by_role("button", name="Open the chat window")

        toggle.click()

        frame = page.frame_locator("iframe[title='Chat']")
        expect(frame.get_by_role("heading", name="Shop chat")).to_be_visible()
        expect(frame.get_by_role("navigation")).to_have_count(0)
        expect(frame.get_by_text("ClawScale")).to_have_count(0)
        box = page.locator("iframe[title='Chat']").bounding_box()
        assert box is not None
        assert (box["width"] == width) is (width == 390), "full screen on a phone only"
        text = unique("Bought anything")
        write(frame, text)
        expect(messages(frame, "agent", ECHO.format(text=text))).to_have_count(1, timeout=REPLY_MS)
        page.get_by_role("button", name="Minimise the chat window").click()
        expect(page.locator("iframe[title='Chat']")).to_be_hidden()


def test_the_widget_on_a_site_not_allowed_says_the_chat_is_not_available(
    page: Page, frontend_url: str
) -> None:
    with website() as shop:
        chat_id = another_chat("Elsewhere chat", allowed_origins="https://elsewhere.example")
        shop.html = widget_page(chat_id).format(lang="zh-CN")
        page.goto(shop.url)

        page.get_by_role("button", name="打开聊天窗口").click()

        frame = page.frame_locator("iframe[title='聊天']")
        expect(frame.get_by_role("status")).to_have_text("此聊天无法在本网站使用。")
        expect(frame.get_by_role("textbox")).to_have_count(0)
        expect(frame.locator(".wc-message")).to_have_count(0)


def test_an_unknown_chat_says_so(page: Page, frontend_url: str) -> None:
    page.goto(f"{frontend_url}/chat/no-such-chat")

    expect(page.get_by_role("status")).to_have_text("This chat does not exist or is closed.")
    expect(page.get_by_role("textbox")).to_have_count(0)


def test_the_chat_in_chinese_has_no_english_words(
    chinese_page: Page, frontend_url: str, running_app: RunningApp
) -> None:
    chat_id = another_chat("客服聊天")
    chinese_page.goto(f"{frontend_url}/chat/{chat_id}")
    expect(
        chinese_page.get_by_role("log").get_by_text("还没有消息。在下方写下第一条吧。")
    ).to_be_visible()
    assert english_words(chinese_page) == []
    text = unique("你好")

    write(chinese_page, text, box="你的消息", send="发送")

    expect(messages(chinese_page, "agent", PUSHED)).to_have_count(1, timeout=REPLY_MS)
    authors = chinese_page.locator(".wc-author").all_inner_texts()
    assert authors == ["你", "助手", "助手"]
    assert english_words(chinese_page, ".wc-head") == []
    assert english_words(chinese_page, ".wc-composer") == []
    screenshots(chinese_page, "web-chat")


def test_the_admin_sees_the_snippet_to_embed_and_never_the_webhook_token(
    page: Page, frontend_url: str, signed_in_admin: AdminLogin, chat_id: str
) -> None:
    received: list[str] = []

    def listen(socket: WebSocket) -> None:
        socket.on("framereceived", lambda frame: received.append(str(frame)))

    page.on("websocket", listen)
    page.goto(f"{frontend_url}/admin/shared-channels/{chat_id}")

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Embed on a website")).to_be_visible()
    snippet = main.get_by_label("Website snippet")
    expect(snippet).to_contain_text(f'{frontend_url}/webchat/widget.js" data-channel="{chat_id}"')
    expect(main.get_by_label("Chat page", exact=True)).to_have_text(
        f"{frontend_url}/chat/{chat_id}"
    )
    expect(main.get_by_role("heading", name="Webhook URL")).to_have_count(0)
    expect(main.get_by_label("Webhook URL")).to_have_count(0)
    assert received, "the page's state never arrived"
    assert not [frame for frame in received if webhook_token(chat_id) in frame]
    assert webhook_token(chat_id) not in page.content()
    main.get_by_role("button", name="Copy the snippet").click()
    expect(main.get_by_role("button", name="Copy the snippet")).to_contain_text("Copied")
