"""`/channels` (signed-in only): the customer's channel index. Each channel they own (today
their personal WeChat channel, in whatever state it is in) shows its state as a badge and in
words, what to do next (connect, finish the login, reconnect, or first verify the email or
renew lapsed access) and the way into its page; a customer with no channel yet is invited to
connect personal WeChat.

The list is paginated on the server, and read again every few seconds while the page is open
(`LiveState`), so a login confirmed or a WeChat session ended elsewhere shows without a
reload."""

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.channels.wechat_personal.adapter import KIND as WECHAT_PERSONAL
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.details import detail
from clawscale.components.links import button_link
from clawscale.components.paging import pager
from clawscale.components.shell import loaded_page
from clawscale.components.translated import local_time, t
from clawscale.domain.channels.customer_channels import (
    ChannelSummary,
    NextStep,
    access_blocker,
    channel_summaries,
    count_owned_channels,
)
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings
from clawscale.state.admin.pagination import PAGE_SIZE, PaginationState, TablePage, page_offset
from clawscale.state.backend import DomainWork
from clawscale.state.customer_session import CustomerSessionState, signed_in_account
from clawscale.state.live import LiveState
from clawscale.web_links import (
    ACCOUNT_PATH,
    CHANNELS_PATH,
    SUBSCRIPTION_PATH,
    WECHAT_PERSONAL_PATH,
)

KIND_PAGES = {WECHAT_PERSONAL: WECHAT_PERSONAL_PATH}
"""Where each kind of channel a customer owns is managed."""


@dataclass(frozen=True)
class ChannelItem:
    """One channel as the index shows it: codes, ids and ISO times (the page words them)."""

    id: str
    kind: str
    status: str
    login_live: bool
    account: str
    last_activity: str
    next_step: str
    href: str


@dataclass(frozen=True)
class ChannelsRead:
    """What the page shows: a page of the customer's channels, and the next step of a customer
    who has none (connect, or what stands in the way)."""

    page: TablePage[ChannelItem]
    empty_step: str


def channel_item(summary: ChannelSummary) -> ChannelItem:
    """A channel of the domain's index as the page's row."""
    view = summary.view
    return ChannelItem(
        id=view.channel_id or "",
        kind=summary.kind,
        status=view.status,
        login_live=view.login_live,
        account=view.ilink_bot_id or "",
        last_activity=view.last_activity_at.isoformat() if view.last_activity_at else "",
        next_step=summary.next_step,
        href=KIND_PAGES.get(summary.kind, CHANNELS_PATH),
    )


def channels_read(
    db: Session, settings: Settings, token: str | None, offset: int
) -> ChannelsRead | None:
    """The signed-in customer's channels at `offset` (snapped to a page that exists); None
    when the session is not live."""
    account = signed_in_account(db, settings, token)
    if account is None:
        return None
    blocker = access_blocker(db, settings, account)
    total = count_owned_channels(db, account.customer.id)
    start = page_offset(offset, total)
    summaries = channel_summaries(db, settings, account.customer.id, blocker, PAGE_SIZE, start)
    rows = [channel_item(summary) for summary in summaries]
    return ChannelsRead(TablePage(rows, start, total), blocker or NextStep.CONNECT)


class ChannelsState(LiveState, PaginationState, CustomerSessionState):
    """The customer's channels, read on load, on paging and every few seconds."""

    rows: list[ChannelItem] = rx.field(default_factory=list)
    loaded: bool = False
    empty_step: str = ""
    """The `NextStep` of a customer with no channel."""

    def _reading(self) -> DomainWork[ChannelsRead | None]:
        token, offset = self._session_token(), self.offset
        return lambda db, settings: channels_read(db, settings, token, offset)

    def _show_read(self, found: Any) -> EventSpec | None:
        redirect = self._found_for_customer(found)
        if redirect is None:
            self._show_rows(found.page)
            self.empty_step = found.empty_step
        return redirect

    async def _load_page(self) -> EventSpec | None:
        return await self._read_again()

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: the first page of the customer's channels, or off to sign in."""
        self.offset = 0
        return await self._read_again()


SPEC = PageSpec(
    CHANNELS_PATH,
    N_("Channels"),
    N_("See every chat channel connected to your agent and its status at a glance."),
    Section.CUSTOMER,
)

KIND_NAMES = {WECHAT_PERSONAL: N_("Personal WeChat")}
STATUS_BADGES: dict[str, tuple[str, str]] = {
    "pending": (N_("Waiting for login"), "amber"),
    "connected": (N_("Connected"), "green"),
    "disconnected": (N_("Disconnected"), "gray"),
    "error": (N_("Needs a new login"), "red"),
}
STATE_WORDS: dict[str, str] = {
    "pending": N_("Not connected yet. Connect it by scanning a QR code with WeChat."),
    "connected": N_(
        "Messages sent to this WeChat account reach your agent, and its replies go back."
    ),
    "disconnected": N_("Stopped: messages to this WeChat account no longer reach your agent."),
    "error": N_("WeChat ended the session, so no messages arrive. Scan a new code to reconnect."),
}
LOGIN_UNDER_WAY = N_("A login is under way: scan the QR code and confirm it in WeChat.")
STEP_ADVICE: dict[str, tuple[str, str]] = {
    NextStep.VERIFY_EMAIL: (N_("Verify your email address before connecting WeChat."), "amber"),
    NextStep.RENEW: (N_("Your access has lapsed. Renew it so your agent answers again."), "amber"),
    NextStep.SUSPENDED: (N_("This account is suspended."), "red"),
}
"""What stands in the way, said above the actions, and its colour."""
ELSEWHERE = tuple(str(step) for step in STEP_ADVICE)
"""The steps that lead away from the channel's page (or nowhere)."""


@dataclass(frozen=True)
class StepAction:
    """The button of a next step: its label, and where it goes (None: the channel's page)."""

    label: str
    target: str | None = None
    variant: str = "solid"


STEP_ACTIONS: dict[str, StepAction] = {
    NextStep.CONNECT: StepAction(N_("Connect WeChat")),
    NextStep.FINISH_LOGIN: StepAction(N_("Finish connecting")),
    NextStep.RECONNECT: StepAction(N_("Reconnect")),
    NextStep.MANAGE: StepAction(N_("Manage"), variant="soft"),
    NextStep.VERIFY_EMAIL: StepAction(N_("Verify your email"), ACCOUNT_PATH),
    NextStep.RENEW: StepAction(N_("Renew access"), SUBSCRIPTION_PATH),
}


def state_badge(status: Var[str]) -> rx.Component:
    """The channel's state as a coloured badge."""
    badges = [
        (code, rx.badge(t(label), color_scheme=color, variant="soft", size="2"))
        for code, (label, color) in STATUS_BADGES.items()
    ]
    return rx.match(status, *badges, rx.badge(status, variant="soft", size="2"))


def state_words(row: Var[ChannelItem]) -> rx.Component:
    """The channel's state in a sentence."""
    words = rx.match(row.status, *((code, t(text)) for code, text in STATE_WORDS.items()), "")
    return rx.text(rx.cond(row.login_live, t(LOGIN_UNDER_WAY), words), size="3")


def advice(step: Var[str]) -> rx.Component:
    """What stands in the way of the channels, when something does."""
    callouts = [
        (str(code), rx.callout(t(text), icon="circle-alert", color_scheme=color, variant="surface"))
        for code, (text, color) in STEP_ADVICE.items()
    ]
    return rx.match(step, *callouts, rx.fragment())


def step_actions(step: Var[str], page: Var[str] | str, *, open_page: bool) -> rx.Component:
    """The button of the next step (to the channel's `page`, the account or the subscription);
    with `open_page`, a way into the channel's page when the step leads elsewhere."""
    buttons = [
        (str(code), button_link(t(action.label), action.target or page, variant=action.variant))
        for code, action in STEP_ACTIONS.items()
    ]
    way_in = rx.match(
        step,
        (*ELSEWHERE, button_link(t("Open channel"), page, variant="soft")),
        rx.fragment(),
    )
    return rx.flex(
        rx.match(step, *buttons, rx.fragment()),
        way_in if open_page else rx.fragment(),
        spacing="3",
        wrap="wrap",
    )


def channel_details(row: Var[ChannelItem]) -> rx.Component:
    """The connected WeChat account and when it was last heard from."""
    return rx.data_list.root(
        detail(t("WeChat account"), rx.code(row.account, variant="ghost", word_break="break-all")),
        detail(
            t("Last activity"),
            rx.cond(row.last_activity != "", local_time(row.last_activity), t("No messages yet")),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def channel_card(row: Var[ChannelItem]) -> rx.Component:
    """One channel: its kind and state, the state in words, the connected account, and what to
    do next."""
    name = rx.match(row.kind, *((kind, t(label)) for kind, label in KIND_NAMES.items()), row.kind)
    return rx.card(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.icon("message-circle", size=20, color="var(--accent-11)"),
                    rx.heading(name, as_="h2", size="4"),
                    align="center",
                    spacing="2",
                ),
                state_badge(row.status),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            state_words(row),
            rx.cond(row.status == "connected", channel_details(row), rx.fragment()),
            advice(row.next_step),
            step_actions(row.next_step, row.href, open_page=True),
            direction="column",
            spacing="4",
        ),
        size="3",
    )


def empty_state() -> rx.Component:
    """No channel yet: an invitation to connect personal WeChat (or what stands in the way)."""
    return rx.card(
        rx.flex(
            rx.center(
                rx.icon("message-circle-plus", size=22, color="var(--accent-11)"),
                width="44px",
                height="44px",
                border_radius="50%",
                background="var(--accent-a3)",
            ),
            rx.heading(t("No channels yet"), as_="h2", size="4"),
            rx.text(
                t(
                    "Connect your personal WeChat: messages people send to it reach your agent, "
                    "and its replies go back."
                ),
                size="3",
                color_scheme="gray",
            ),
            advice(ChannelsState.empty_step),
            rx.cond(
                ChannelsState.empty_step == str(NextStep.CONNECT),
                button_link(t("Connect personal WeChat"), WECHAT_PERSONAL_PATH),
                step_actions(ChannelsState.empty_step, WECHAT_PERSONAL_PATH, open_page=False),
            ),
            direction="column",
            align="start",
            spacing="4",
        ),
        size="3",
    )


def channel_list() -> rx.Component:
    """The customer's channels and the pager, or the empty state; read again while shown."""
    return rx.flex(
        rx.cond(
            ChannelsState.total > 0,
            rx.flex(
                rx.foreach(ChannelsState.rows, channel_card),
                pager(ChannelsState, ChannelsState.rows.length()),
                direction="column",
                spacing="4",
            ),
            empty_state(),
        ),
        direction="column",
        on_mount=ChannelsState.start,
        on_unmount=ChannelsState.stop,
    )


def channels_page() -> rx.Component:
    """The channel index, once loaded."""
    return loaded_page(SPEC, ChannelsState.loaded, channel_list(), t("Loading your channels…"))


PAGE = SitePage(SPEC, channels_page, on_load=(ChannelsState.load,))
