"""`/channels/wechat-personal` (signed-in only): the customer's own WeChat account — its state,
the QR code and live progress while connecting, the connected account and its last activity,
and connect / disconnect / delete (the last two after a confirmation). A connect refused
because access has lapsed offers the way to renew it on `/account`."""

import reflex as rx
from reflex.event import EventHandler
from reflex.vars import Var

from clawscale.pages.account import detail, section_card
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, message_callout
from clawscale.pages.links import button_link
from clawscale.pages.shell import page_shell
from clawscale.state.wechat_personal import WeChatPersonalState as State
from clawscale.web_links import WECHAT_PERSONAL_PATH

SPEC = PageSpec(
    WECHAT_PERSONAL_PATH,
    "Personal WeChat",
    "Link your own WeChat account by scanning a QR code, and disconnect it at any time.",
    Section.CUSTOMER,
)

STATUS_BADGES: dict[str, tuple[str, str]] = {
    "missing": ("Not set up", "gray"),
    "pending": ("Waiting for login", "amber"),
    "connected": ("Connected", "green"),
    "disconnected": ("Disconnected", "gray"),
    "error": ("Needs a new login", "red"),
}
PROGRESS: dict[str, str] = {
    "wait": "Scan this code with WeChat on your phone.",
    "scaned": "Scanned — confirm the login in WeChat on your phone.",
    "expired": "This code expired. Get a new one to try again.",
}
SUMMARIES: dict[str, str] = {
    "missing": "You have no personal WeChat channel yet.",
    "pending": "Connect your WeChat account by scanning a QR code.",
    "connected": "Messages sent to your WeChat account reach your agent, and its replies go back.",
    "disconnected": "This channel is stopped. Connect again, or delete it.",
    "error": "WeChat ended the session. Scan a new code to reconnect.",
}


def state_badge() -> rx.Component:
    """The channel's state as a coloured badge."""
    badges = [
        (status, rx.badge(label, color_scheme=color, variant="soft", size="2"))
        for status, (label, color) in STATUS_BADGES.items()
    ]
    return rx.match(State.status, *badges, rx.badge(State.status, variant="soft", size="2"))


def text_for(value: Var, texts: dict[str, str]) -> rx.Component:
    """The text matching `value` (nothing for others)."""
    return rx.match(value, *texts.items(), "")


def qr_login() -> rx.Component:
    """The QR code to scan and how far the login got, announced as it changes."""
    return rx.flex(
        rx.image(
            src=State.qr,
            alt="QR code to scan with WeChat",
            width="240px",
            height="240px",
            border="1px solid var(--gray-a5)",
            border_radius="var(--radius-3)",
        ),
        rx.flex(
            rx.cond(State.following, rx.spinner(size="2"), rx.fragment()),
            rx.text(text_for(State.login_status, PROGRESS), size="3", weight="medium"),
            spacing="2",
            align="center",
        ),
        rx.text(
            "Can't scan? ",
            rx.link("Open the login link", href=State.qr_url, is_external=True),
            " on the phone where WeChat is signed in.",
            size="2",
            color_scheme="gray",
        ),
        direction="column",
        spacing="3",
        align="start",
    )


def account() -> rx.Component:
    """The logged-in WeChat account and when it was last heard from."""
    return rx.data_list.root(
        detail("WeChat account", rx.code(State.account_id, variant="ghost")),
        detail("Logged in by", State.scanned_by),
        detail("Last activity", rx.cond(State.last_activity != "", State.last_activity, "None")),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def confirmed_button(
    label: str, title: str, description: str, on_confirm: EventHandler
) -> rx.Component:
    """A button that asks for confirmation before `on_confirm` runs."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                label, variant="soft", color_scheme="red", loading=State.busy, cursor="pointer"
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", cursor="pointer")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        f"Yes, {label.lower()}",
                        color_scheme="red",
                        on_click=on_confirm,
                        cursor="pointer",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="28rem",
        ),
    )


def action(label: str | Var, on_click: EventHandler) -> rx.Component:
    """A primary action button."""
    return rx.button(label, on_click=on_click, loading=State.busy, size="3", cursor="pointer")


def actions() -> rx.Component:
    """What the customer may do in the current state."""
    return rx.flex(
        rx.cond(State.access_lapsed, button_link("Renew access", "/account"), rx.fragment()),
        rx.cond(State.status == "missing", action("Create channel", State.create), rx.fragment()),
        rx.cond(
            State.can_connect,
            action(
                rx.cond(State.login_status == "expired", "Get a new code", "Connect WeChat"),
                State.connect,
            ),
            rx.fragment(),
        ),
        rx.cond(
            State.can_disconnect,
            confirmed_button(
                "Disconnect",
                "Disconnect WeChat?",
                "Messages to your WeChat account will no longer reach your agent, and the "
                "login is forgotten. You can connect again later.",
                State.disconnect,
            ),
            rx.fragment(),
        ),
        rx.cond(
            State.can_delete,
            confirmed_button(
                "Delete",
                "Delete this channel?",
                "The channel and its credentials are removed. You can create a new one later.",
                State.delete,
            ),
            rx.fragment(),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def channel_card() -> rx.Component:
    """The channel: state, summary, QR login or account, problems and actions."""
    return section_card(
        "Your WeChat channel",
        rx.flex(rx.text("Status", weight="medium"), state_badge(), spacing="3", align="center"),
        rx.text(text_for(State.status, SUMMARIES), size="3", color_scheme="gray"),
        rx.cond(State.login_live, qr_login(), rx.fragment()),
        rx.cond(State.status == "connected", account(), rx.fragment()),
        rx.cond(
            (State.last_error != "") & (State.status != "connected"),
            message_callout("Last error: " + State.last_error, "error"),
            rx.fragment(),
        ),
        answer(State.problem, "error"),
        actions(),
    )


def verify_first() -> rx.Component:
    """Shown to a signed-in customer whose email is not verified yet."""
    return rx.flex(
        message_callout("Verify your email address before connecting WeChat.", "error"),
        rx.flex(button_link("Go to your account", "/account", variant="soft")),
        direction="column",
        spacing="4",
    )


def wechat_personal_page() -> rx.Component:
    """The channel, once loaded."""
    return page_shell(
        SPEC,
        rx.cond(
            State.loaded,
            rx.cond(State.identity_active, channel_card(), verify_first()),
            rx.flex(rx.spinner(), rx.text("Loading your channel…"), spacing="3", align="center"),
        ),
    )


PAGE = SitePage(SPEC, wechat_personal_page, on_load=(State.load,))
