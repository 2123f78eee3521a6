"""`/channels/wechat-personal` (signed-in only): the customer's own WeChat account — its state,
the QR code and live progress while connecting, the connected account and its last activity,
and connect / disconnect / delete (the last two after a confirmation). A connect refused
because access has lapsed offers the way to renew it on `/account`.

Handlers call the domain directly (never our HTTP API), as the customer of the page's session
cookie, which is resolved afresh for every action. While a QR login is under way a background
event asks WeChat how it stands about once a second and shows each step."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import reflex as rx
from reflex.event import EventHandler, EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.details import detail, section_card
from clawscale.components.forms import answer, message_callout
from clawscale.components.links import button_link
from clawscale.components.shell import loaded_page
from clawscale.components.translated import chosen, local_time, t
from clawscale.db import get_engine
from clawscale.domain.billing.access import DenialReason
from clawscale.domain.channels.wechat_login import follow_login, start_login
from clawscale.domain.channels.wechat_personal import (
    LIVE_LOGIN,
    SESSION_EXPIRED_ERROR,
    Action,
    ChannelView,
    allows,
    archive_channel,
    channel_view,
    disconnect_channel,
    ensure_channel,
    view_of,
)
from clawscale.domain.errors import DomainError
from clawscale.i18n.catalogs import N_
from clawscale.models import ClaimStatus
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.web_links import WECHAT_PERSONAL_PATH

FOLLOW_SECONDS = 300.0
FOLLOW_PAUSE_SECONDS = 1.0
FOLLOW_WAIT_SECONDS = 1.0
HTTP_TIMEOUT_SECONDS = 15.0
VERIFY_FIRST = N_("Verify your email address before connecting WeChat.")
PROBLEMS: dict[str, str] = {
    DenialReason.SUBSCRIPTION_REQUIRED: N_("Your access has lapsed. Renew it to connect WeChat."),
    DenialReason.ACCOUNT_SUSPENDED: N_("This account is suspended."),
    DenialReason.EMAIL_NOT_VERIFIED: VERIFY_FIRST,
    "channel_already_connected": N_("Your WeChat is already connected."),
    "channel_archived": N_("This channel was deleted. Reload the page to create a new one."),
    "disconnect_before_archive": N_("Disconnect the channel before deleting it."),
    "channel_not_found": N_("You have no personal WeChat channel."),
    "ilink_unavailable": N_("WeChat did not give a login QR code; try again."),
}
"""What the page says when the domain refuses an action, by the refusal's code."""
ACTION_FAILED = N_("That did not work. Reload the page and try again.")
PROBLEM_MESSAGES = (*PROBLEMS.values(), ACTION_FAILED)


@dataclass(frozen=True)
class PageCustomer:
    """Who the page acts for, and whether their identity may manage channels yet."""

    customer_id: str
    active: bool


def page_customer(db: Session, settings: Settings, token: str | None) -> PageCustomer | None:
    """The customer behind the page's session cookie; None when signed out."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    return PageCustomer(account.customer.id, account.identity.claim_status == ClaimStatus.ACTIVE)


class WeChatPersonalState(CustomerSessionState):
    """The channel as the page shows it."""

    loaded: bool = False
    identity_active: bool = False
    status: str = ""
    login_status: str = ""
    qr: str = ""
    qr_url: str = ""
    account_id: str = ""
    scanned_by: str = ""
    last_activity: str = ""
    """When the channel was last heard from, ISO 8601 in UTC; "" when never."""
    last_error: str = ""
    problem: str = ""
    """Why the last action was refused, one of `PROBLEM_MESSAGES` (message ids), or ""."""
    access_lapsed: bool = False
    busy: bool = False
    following: bool = False
    _follow_round: int = 0

    def _show(self, view: ChannelView) -> None:
        self.status = view.status
        self.login_status = view.login_status or ""
        self.qr = view.qr or ""
        self.qr_url = view.qr_url or ""
        self.account_id = view.ilink_bot_id or ""
        self.scanned_by = view.ilink_user_id or ""
        self.last_activity = view.last_activity_at.isoformat() if view.last_activity_at else ""
        self.last_error = view.last_error or ""
        self.loaded = True

    @rx.var
    def login_live(self) -> bool:
        """Whether a QR code is waiting to be scanned or confirmed."""
        return self.status == "pending" and self.login_status in LIVE_LOGIN

    @rx.var
    def can_connect(self) -> bool:
        """Whether to offer a (new) QR login."""
        return allows(self.status, Action.START_LOGIN) and not self.login_live

    @rx.var
    def can_disconnect(self) -> bool:
        """Whether to offer to disconnect (not when already disconnected)."""
        return allows(self.status, Action.DISCONNECT) and self.status != "disconnected"

    @rx.var
    def can_delete(self) -> bool:
        """Whether to offer to delete the channel."""
        return allows(self.status, Action.ARCHIVE)

    async def _customer(self) -> PageCustomer | None:
        token = self._session_token()
        customer = await run_domain(lambda db, settings: page_customer(db, settings, token))
        self.signed_in = customer is not None
        self.session_checked = True
        return customer

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """On load: the channel of the signed-in customer, or off to sign in."""
        self.problem = ""
        self.access_lapsed = False
        customer = await self._customer()
        if customer is None:
            self.reset()
            yield self._to_login()
            return
        self.identity_active = customer.active
        view = await run_domain(
            lambda db, settings: channel_view(db, settings, customer.customer_id)
        )
        self._show(view)
        if self.login_live:
            yield WeChatPersonalState.follow

    async def _act(
        self, work: Callable[[str], Awaitable[ChannelView]]
    ) -> AsyncIterator[EventSpec | None]:
        """Run one action for the page's customer, showing a spinner and any problem."""
        self.busy = True
        self.problem = ""
        self.access_lapsed = False
        yield None
        try:
            customer = await self._customer()
            if customer is None:
                yield self._to_login()
                return
            if not customer.active:
                self.problem = VERIFY_FIRST
                return
            self._show(await work(customer.customer_id))
        except DomainError as error:
            self.problem = PROBLEMS.get(error.code, ACTION_FAILED)
            self.access_lapsed = error.code == DenialReason.SUBSCRIPTION_REQUIRED
        finally:
            self.busy = False

    @rx.event
    async def create(self) -> AsyncIterator[EventSpec | None]:
        """Create the customer's channel."""

        async def work(customer_id: str) -> ChannelView:
            return await run_domain(
                lambda db, settings: view_of(settings, ensure_channel(db, settings, customer_id))
            )

        async for step in self._act(work):
            yield step

    @rx.event
    async def connect(self) -> AsyncIterator[EventSpec | None]:
        """Ask WeChat for a QR code, show it, and follow the scan."""

        async def work(customer_id: str) -> ChannelView:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
                return await start_login(get_engine(), get_settings(), client, customer_id)

        async for step in self._act(work):
            yield step
        if self.login_live:
            yield WeChatPersonalState.follow

    @rx.event
    async def disconnect(self) -> AsyncIterator[EventSpec | None]:
        """Stop the channel: credentials cleared, polling stops."""
        self.following = False

        async def work(customer_id: str) -> ChannelView:
            return await run_domain(
                lambda db, settings: disconnect_channel(db, settings, customer_id)
            )

        async for step in self._act(work):
            yield step

    @rx.event
    async def delete(self) -> AsyncIterator[EventSpec | None]:
        """Archive the channel; the page then offers to create a new one."""

        async def work(customer_id: str) -> ChannelView:
            await run_domain(lambda db, settings: archive_channel(db, settings, customer_id))
            return await run_domain(lambda db, settings: channel_view(db, settings, customer_id))

        async for step in self._act(work):
            yield step

    @rx.event(background=True)
    async def follow(self) -> None:
        """Follow the QR login about once a second until it ends, expires or times out."""
        async with self:
            if self.following:
                return
            self.following = True
            self._follow_round += 1
            round_number = self._follow_round
            token = self._session_token()
        try:
            customer = await run_domain(lambda db, settings: page_customer(db, settings, token))
            if customer is not None and customer.active:
                await self._follow(customer.customer_id, round_number)
        finally:
            async with self:
                if self._follow_round == round_number:
                    self.following = False

    async def _follow(self, customer_id: str, round_number: int) -> None:
        """Ask, show, pause; stop when the login ends or this round is no longer current
        (a disconnect, or a newer round after a new code)."""
        deadline = time.monotonic() + FOLLOW_SECONDS
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
            while time.monotonic() < deadline:
                view = await follow_login(
                    get_engine(), get_settings(), client, customer_id, FOLLOW_WAIT_SECONDS
                )
                async with self:
                    if not self.following or self._follow_round != round_number:
                        return
                    self._show(view)
                    if not self.login_live:
                        return
                await asyncio.sleep(FOLLOW_PAUSE_SECONDS)


SPEC = PageSpec(
    WECHAT_PERSONAL_PATH,
    N_("Personal WeChat"),
    N_("Link your own WeChat account by scanning a QR code, and disconnect it at any time."),
    Section.CUSTOMER,
)

STATUS_BADGES: dict[str, tuple[str, str]] = {
    "missing": (N_("Not set up"), "gray"),
    "pending": (N_("Waiting for login"), "amber"),
    "connected": (N_("Connected"), "green"),
    "disconnected": (N_("Disconnected"), "gray"),
    "error": (N_("Needs a new login"), "red"),
}
PROGRESS: dict[str, str] = {
    "wait": N_("Scan this code with WeChat on your phone."),
    "scaned": N_("Scanned — confirm the login in WeChat on your phone."),
    "expired": N_("This code expired. Get a new one to try again."),
}
SUMMARIES: dict[str, str] = {
    "missing": N_("You have no personal WeChat channel yet."),
    "pending": N_("Connect your WeChat account by scanning a QR code."),
    "connected": N_(
        "Messages sent to your WeChat account reach your agent, and its replies go back."
    ),
    "disconnected": N_("This channel is stopped. Connect again, or delete it."),
    "error": N_("WeChat ended the session. Scan a new code to reconnect."),
}


@dataclass(frozen=True)
class Confirmation:
    """A button that asks first: its label, the dialog's title and text, and the button that
    confirms (`N_`-marked message ids)."""

    label: str
    title: str
    description: str
    confirm: str


DISCONNECT = Confirmation(
    N_("Disconnect"),
    N_("Disconnect WeChat?"),
    N_(
        "Messages to your WeChat account will no longer reach your agent, and the login is "
        "forgotten. You can connect again later."
    ),
    N_("Yes, disconnect"),
)
DELETE = Confirmation(
    N_("Delete"),
    N_("Delete this channel?"),
    N_("The channel and its credentials are removed. You can create a new one later."),
    N_("Yes, delete"),
)


def state_badge() -> rx.Component:
    """The channel's state as a coloured badge."""
    badges = [
        (status, rx.badge(t(label), color_scheme=color, variant="soft", size="2"))
        for status, (label, color) in STATUS_BADGES.items()
    ]
    return rx.match(
        WeChatPersonalState.status,
        *badges,
        rx.badge(WeChatPersonalState.status, variant="soft", size="2"),
    )


def text_for(value: Var, texts: dict[str, str]) -> Var[str]:
    """The text (an `N_`-marked message id) matching `value`, translated; "" for others."""
    return rx.match(value, *((key, t(text)) for key, text in texts.items()), "").to(str)


def qr_login() -> rx.Component:
    """The QR code to scan and how far the login got, announced as it changes."""
    return rx.flex(
        rx.image(
            src=WeChatPersonalState.qr,
            alt=t("QR code to scan with WeChat"),
            width="240px",
            height="240px",
            border="1px solid var(--gray-a5)",
            border_radius="var(--radius-3)",
        ),
        rx.flex(
            rx.cond(WeChatPersonalState.following, rx.spinner(size="2"), rx.fragment()),
            rx.text(
                text_for(WeChatPersonalState.login_status, PROGRESS), size="3", weight="medium"
            ),
            spacing="2",
            align="center",
        ),
        rx.text(
            t("Can't scan? On the phone where WeChat is signed in:"),
            " ",
            rx.link(t("Open the login link"), href=WeChatPersonalState.qr_url, is_external=True),
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
        detail(t("WeChat account"), rx.code(WeChatPersonalState.account_id, variant="ghost")),
        detail(t("Logged in by"), WeChatPersonalState.scanned_by),
        detail(
            t("Last activity"),
            rx.cond(
                WeChatPersonalState.last_activity != "",
                local_time(WeChatPersonalState.last_activity),
                t("None yet"),
            ),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def confirmed_button(asked: Confirmation, on_confirm: EventHandler) -> rx.Component:
    """A button that asks for confirmation before `on_confirm` runs."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                t(asked.label),
                variant="soft",
                color_scheme="red",
                loading=WeChatPersonalState.busy,
                cursor="pointer",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t(asked.title)),
            rx.alert_dialog.description(t(asked.description)),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(t("Cancel"), variant="soft", color_scheme="gray", cursor="pointer")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        t(asked.confirm), color_scheme="red", on_click=on_confirm, cursor="pointer"
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="28rem",
        ),
    )


def action(label: Var[str], on_click: EventHandler) -> rx.Component:
    """A primary action button."""
    return rx.button(
        label, on_click=on_click, loading=WeChatPersonalState.busy, size="3", cursor="pointer"
    )


def actions() -> rx.Component:
    """What the customer may do in the current state."""
    return rx.flex(
        rx.cond(
            WeChatPersonalState.access_lapsed,
            button_link(t("Renew access"), "/account"),
            rx.fragment(),
        ),
        rx.cond(
            WeChatPersonalState.status == "missing",
            action(t("Create channel"), WeChatPersonalState.create),
            rx.fragment(),
        ),
        rx.cond(
            WeChatPersonalState.can_connect,
            action(
                rx.cond(
                    WeChatPersonalState.login_status == "expired",
                    t("Get a new code"),
                    t("Connect WeChat"),
                ),
                WeChatPersonalState.connect,
            ),
            rx.fragment(),
        ),
        rx.cond(
            WeChatPersonalState.can_disconnect,
            confirmed_button(DISCONNECT, WeChatPersonalState.disconnect),
            rx.fragment(),
        ),
        rx.cond(
            WeChatPersonalState.can_delete,
            confirmed_button(DELETE, WeChatPersonalState.delete),
            rx.fragment(),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def last_error() -> rx.Component:
    """What went wrong last (its code), unless the channel works or the summary already says
    it (WeChat ended the session)."""
    error = WeChatPersonalState.last_error
    return rx.cond(
        (error != "")
        & (error != SESSION_EXPIRED_ERROR)
        & (WeChatPersonalState.status != "connected"),
        message_callout(t("Last error: {error}", error=error), "error"),
        rx.fragment(),
    )


def channel_card() -> rx.Component:
    """The channel: state, summary, QR login or account, problems and actions."""
    return section_card(
        t("Your WeChat channel"),
        rx.flex(rx.text(t("Status"), weight="medium"), state_badge(), spacing="3", align="center"),
        rx.text(text_for(WeChatPersonalState.status, SUMMARIES), size="3", color_scheme="gray"),
        rx.cond(WeChatPersonalState.login_live, qr_login(), rx.fragment()),
        rx.cond(WeChatPersonalState.status == "connected", account(), rx.fragment()),
        last_error(),
        answer(chosen(WeChatPersonalState.problem, PROBLEM_MESSAGES), "error"),
        actions(),
    )


def verify_first() -> rx.Component:
    """Shown to a signed-in customer whose email is not verified yet."""
    return rx.flex(
        message_callout(t(VERIFY_FIRST), "error"),
        rx.flex(button_link(t("Go to your account"), "/account", variant="soft")),
        direction="column",
        spacing="4",
    )


def wechat_personal_page() -> rx.Component:
    """The channel, once loaded."""
    return loaded_page(
        SPEC,
        WeChatPersonalState.loaded,
        rx.cond(WeChatPersonalState.identity_active, channel_card(), verify_first()),
        t("Loading your channel…"),
    )


PAGE = SitePage(SPEC, wechat_personal_page, on_load=(WeChatPersonalState.load,))
