"""`/admin/shared-channels/[shared_channel_id]`: one shared channel — its settings (secrets
only as set or not), the webhook URL to paste into the provider, shown only when the admin
asks for it (the request is audited: the URL holds the channel's path token), or for a web chat
the snippet a website embeds and the chat's own page (its webhook token never leaves the
server), the edit form, and connect, disconnect and archive (the last two after a
confirmation).

Connect, disconnect and archive call the provider first (`change_shared_channel`): a refusal
shows as a message and leaves the channel as it was. Every change is audited by the domain."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var
from sqlmodel import Session

from clawscale.channels.web_chat.adapter import KIND as WEB_CHAT
from clawscale.channels.webhooks import ProviderError
from clawscale.components.admin.channel_tables import kind_text, kind_words
from clawscale.components.admin.console import console_page
from clawscale.components.admin.shared_channel_form import (
    CONFIG,
    DEFAULT_AGENT,
    FORM_MESSAGES,
    KEEP_HINT,
    SECRETS,
    SETTINGS_PROBLEM,
    AgentChoice,
    KindField,
    agent_choices,
    agent_field,
    agent_id_of,
    agent_text,
    agent_words,
    channel_name_problem,
    field_label,
    field_text,
    issue_problems,
    kind_inputs,
    submitted,
)
from clawscale.components.admin.tables import (
    empty_state,
    loading_rows,
    state_badge,
    time_or_never,
)
from clawscale.components.admin.widgets import (
    confirm_dialog,
    copy_field,
    facts,
    icon_submit,
    row_badge,
    section_title,
)
from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import answer, form_field
from clawscale.components.translated import chosen, t, table_time
from clawscale.db import get_engine
from clawscale.domain.channels.connections import change_shared_channel_alone
from clawscale.domain.channels.shared import (
    InvalidChannelData,
    SharedChannelChanges,
    get_shared_channel,
    reveal_webhook_url,
    shared_channel_view,
    update_shared_channel,
)
from clawscale.domain.errors import DomainError, NotFound
from clawscale.domain.web_chat.embedding import chat_page_url, widget_snippet
from clawscale.i18n.catalogs import N_
from clawscale.models import AdminAccount, ChannelStatus
from clawscale.pages.admin.shared_channels.index import (
    SPEC as LIST_SPEC,
)
from clawscale.settings import Settings
from clawscale.state.admin.badges import state_color, state_label
from clawscale.state.admin.display import NOTHING, iso_time
from clawscale.state.admin.session import AdminSessionState, AdminSignedOut
from clawscale.state.form import FormState, field_value, reset_form

HTTP_TIMEOUT_SECONDS = 15.0
EDIT_FORM_ID = "edit-shared-channel-form"
DISCONNECT = "disconnect"
ARCHIVE = "archive"
WEBHOOK_URL = "webhook-url"
SNIPPET = "snippet"
CHAT_PAGE = "chat-page"


@dataclass(frozen=True)
class Setting:
    """A config value, or whether a secret is set, with its name in words (an English message
    id)."""

    label: str
    value: str = ""
    is_set: bool = False


@dataclass(frozen=True)
class ChannelDetail:
    """The channel as the page shows it (never a secret's value): its kind and state in words
    (English message ids), its agent's name ("" for the default agent), its times ISO
    strings."""

    id: str = ""
    name: str = ""
    kind: str = ""
    kind_label: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    connected: bool = False
    agent_choice: str = DEFAULT_AGENT
    agent: str = ""
    receives_webhooks: bool = False
    web_chat: bool = False
    chat_url: str = ""
    widget_snippet: str = ""
    config: list[Setting] = field(default_factory=list)
    secrets: list[Setting] = field(default_factory=list)
    last_activity: str = ""
    last_error: str = ""
    created: str = ""
    updated: str = ""


@dataclass(frozen=True)
class DetailPage:
    """The channel, its config values by name (the edit form's defaults), and the agents."""

    detail: ChannelDetail
    config: dict[str, str]
    agents: list[AgentChoice]


def detail_page(db: Session, settings: Settings, channel_id: str) -> DetailPage:
    """The live shared channel `channel_id` in words (NotFound otherwise)."""
    view = shared_channel_view(db, settings, get_shared_channel(db, channel_id))
    channel = view.channel
    web_chat = channel.kind == WEB_CHAT
    detail = ChannelDetail(
        id=channel.id,
        name=channel.name,
        kind=channel.kind,
        kind_label=kind_words(channel.kind),
        status=channel.status,
        status_label=state_label(channel.status),
        status_color=state_color(channel.status),
        connected=channel.status == ChannelStatus.CONNECTED,
        agent_choice=channel.owner_agent_id or DEFAULT_AGENT,
        agent=agent_words(view),
        receives_webhooks=view.receives_webhooks,
        web_chat=web_chat,
        chat_url=chat_page_url(settings, channel.id) if web_chat else "",
        widget_snippet=widget_snippet(settings, channel.id) if web_chat else "",
        config=[Setting(field_label(name), value) for name, value in view.config.items()],
        secrets=[
            Setting(field_label(name), is_set=flag) for name, flag in view.secret_flags.items()
        ],
        last_activity=iso_time(channel.last_activity_at),
        last_error=channel.last_error or "",
        created=iso_time(channel.created_at),
        updated=iso_time(channel.updated_at),
    )
    return DetailPage(detail, view.config, agent_choices(db))


def edit_channel(
    db: Session,
    settings: Settings,
    admin: AdminAccount,
    channel_id: str,
    changes: SharedChannelChanges,
) -> DetailPage:
    """Apply the changes (audited); the channel as it now is."""
    channel = get_shared_channel(db, channel_id)
    update_shared_channel(db, settings, admin.id, channel, changes)
    return detail_page(db, settings, channel_id)


DONE: dict[ChannelStatus, str] = {
    ChannelStatus.CONNECTED: N_("Connected: the provider now sends this channel's messages here."),
    ChannelStatus.DISCONNECTED: N_("Disconnected: the provider no longer sends messages here."),
    ChannelStatus.ARCHIVED: N_(
        "Archived: the channel is gone from the list and its secrets are erased."
    ),
}
SAVED = N_("Saved {name}.")
NOTHING_TO_SAVE = N_("Nothing to save: every field is as it was.")
PROVIDER_REFUSED = N_(
    "The provider refused: {error}. Nothing was changed; check the channel's settings and try "
    "again."
)
GONE = N_("This shared channel is gone: it may have been archived. Go back to the list.")
PROBLEMS: dict[str, str] = {
    "shared_channel_not_found": GONE,
    "disconnect_before_config_change": N_("Disconnect the channel before changing its settings."),
    "unsupported_shared_channel_kind": N_("The gateway no longer serves this kind of channel."),
    "no_webhook_url": N_("This channel receives no webhooks: it has no webhook URL."),
}
FAILED = N_("That did not work. Reload the page and try again.")
OUTCOMES: tuple[str, ...] = (*DONE.values(), *PROBLEMS.values(), FAILED)
"""Every answer a change of the channel or its form may give (besides `PROVIDER_REFUSED`)."""


def problem_of(error: DomainError) -> str:
    """What went wrong, in words the page translates."""
    return PROBLEMS.get(error.code, FAILED)


class SharedChannelDetailState(FormState, AdminSessionState):
    """The channel shown, the edit form, and the connection change asked for (`outcome`,
    `outcome_error`: of `OUTCOMES` or `PROVIDER_REFUSED`, with what the provider said in
    `provider_error`)."""

    MESSAGES: ClassVar[tuple[str, ...]] = (SAVED, NOTHING_TO_SAVE, *OUTCOMES, *FORM_MESSAGES)

    loaded: bool = False
    missing: bool = False
    archived: bool = False
    channel: ChannelDetail = ChannelDetail()
    config: dict[str, str] = rx.field(default_factory=dict)
    agents: list[AgentChoice] = rx.field(default_factory=list)
    edit_agent: str = DEFAULT_AGENT
    copied: str = ""
    """What was last put on the clipboard (`WEBHOOK_URL`, `SNIPPET` or `CHAT_PAGE`)."""
    webhook_url: str = ""
    """The webhook URL, only once the admin asked to see it (an audited request)."""
    acting: bool = False
    outcome: str = ""
    outcome_error: str = ""
    provider_error: str = ""
    confirming: str = ""

    def _channel_id(self) -> str:
        """The id in the page's path."""
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    def _show(self, page: DetailPage) -> None:
        self.channel, self.config, self.agents = page.detail, page.config, page.agents
        self.edit_agent = page.detail.agent_choice
        self.loaded, self.missing = True, False

    async def _reload(self) -> EventSpec | None:
        channel_id = self._channel_id()
        try:
            page = await self._as_admin(
                lambda db, settings, _me: detail_page(db, settings, channel_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        except NotFound:
            self.loaded, self.missing = True, True
            return None
        self._show(page)
        return None

    @rx.event
    async def load(self) -> EventSpec | None:
        """On load: check the admin, then the channel of the path."""
        self._clear_form()
        self.loaded = self.missing = self.archived = self.acting = False
        self.outcome = self.outcome_error = self.provider_error = self.confirming = ""
        self.copied = self.webhook_url = ""
        if not await self._refresh_session():
            return self._signed_out()
        return await self._reload()

    @rx.event
    def choose_agent(self, choice: str) -> None:
        """The agent the edit form will give the channel."""
        if choice:  # a form reset clears the choice: the agent stays as it was
            self.edit_agent = choice

    @rx.event
    async def show_webhook_url(self) -> EventSpec | None:
        """Reveal the webhook URL (the domain audits the request)."""
        self.outcome = self.outcome_error = ""
        channel_id = self._channel_id()
        try:
            self.webhook_url = await self._as_admin(
                lambda db, settings, me: reveal_webhook_url(db, settings, me.id, channel_id)
            )
        except AdminSignedOut:
            return self._signed_out()
        except DomainError as error:
            self.outcome_error = problem_of(error)
        return None

    @rx.event
    def mark_copied(self, what: str) -> None:
        """`what` is on the clipboard."""
        self.copied = what

    def _changes(self, form_data: dict[str, Any], name: str) -> SharedChannelChanges:
        """Only what differs from the channel as shown (blank secrets keep their values)."""
        current = self.channel
        config = {
            key: value
            for key, value in submitted(form_data, CONFIG).items()
            if value != self.config.get(key, "")
        }
        secrets = {key: value for key, value in submitted(form_data, SECRETS).items() if value}
        agent_changed = self.edit_agent != current.agent_choice
        agent_id = agent_id_of(self.edit_agent) if agent_changed else None
        return SharedChannelChanges(
            name=name if name != current.name else None,
            agent_id=agent_id,
            clear_agent=agent_changed and agent_id is None,
            config=config or None,
            secrets=secrets or None,
        )

    @rx.event
    async def save(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check and save the edit form."""
        self._begin_submit()
        self.outcome = self.outcome_error = ""
        name = field_value(form_data, "name").strip()
        if self._rejected({"name": channel_name_problem(name)}):
            return
        changes = self._changes(form_data, name)
        if not changes.field_names():
            self._done(NOTHING_TO_SAVE)
            return
        yield None
        channel_id = self._channel_id()
        try:
            page = await self._as_admin(
                lambda db, settings, me: edit_channel(db, settings, me, channel_id, changes)
            )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except InvalidChannelData as error:
            self._rejected(issue_problems(error))
            self._fail(SETTINGS_PROBLEM)
            return
        except DomainError as error:
            self._fail(problem_of(error))
            return
        self._show(page)
        self._done(SAVED)
        yield reset_form(EDIT_FORM_ID)

    async def _change(self, target: ChannelStatus) -> AsyncIterator[EventSpec | None]:
        """Ask the provider, then show the channel as it now is (or why nothing changed)."""
        self._clear_form()
        self.outcome = self.outcome_error = ""
        self.acting = True
        yield None
        channel_id = self._channel_id()
        try:
            admin_id, settings = await self._as_admin(lambda _db, settings, me: (me.id, settings))
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as client:
                await change_shared_channel_alone(
                    get_engine(), settings, client, channel_id, admin_id, target
                )
        except AdminSignedOut:
            yield self._signed_out()
            return
        except ProviderError as error:
            self.outcome_error, self.provider_error = PROVIDER_REFUSED, str(error)
        except DomainError as error:
            self.outcome_error = problem_of(error)
        else:
            self.outcome = DONE[target]
            self.archived = target == ChannelStatus.ARCHIVED
        finally:
            self.acting = False
            self.confirming = ""
        if not self.archived:
            yield await self._reload()

    @rx.event
    async def connect(self) -> AsyncIterator[EventSpec | None]:
        """Register the webhook URL with the provider."""
        async for step in self._change(ChannelStatus.CONNECTED):
            yield step

    @rx.event
    def set_disconnect_open(self, is_open: bool) -> None:
        """Open or close the disconnect confirmation."""
        self.confirming = DISCONNECT if is_open else ""

    @rx.event
    def set_archive_open(self, is_open: bool) -> None:
        """Open or close the archive confirmation."""
        self.confirming = ARCHIVE if is_open else ""

    @rx.event
    async def disconnect(self) -> AsyncIterator[EventSpec | None]:
        """After the confirmation: clear the webhook at the provider."""
        async for step in self._change(ChannelStatus.DISCONNECTED):
            yield step

    @rx.event
    async def archive(self) -> AsyncIterator[EventSpec | None]:
        """After the confirmation: archive the channel (disconnecting it first when needed)."""
        async for step in self._change(ChannelStatus.ARCHIVED):
            yield step


SPEC = PageSpec(
    LIST_SPEC.route + "/[shared_channel_id]",
    N_("Shared channel"),
    N_("Paste the webhook URL into the provider, edit the channel's settings, and connect it."),
    Section.ADMIN,
)
State = SharedChannelDetailState


def back_link() -> rx.Component:
    """Back to the list."""
    return rx.link(
        rx.flex(
            rx.icon("arrow-left", size=16), t("All shared channels"), align="center", spacing="1"
        ),
        href=LIST_SPEC.route,
        size="2",
        width="fit-content",
    )


def setting_value(setting: Var[Setting]) -> rx.Component:
    """A config value as it is."""
    return rx.data_list.item(
        rx.data_list.label(field_text(setting.label), min_width="9rem"),
        rx.data_list.value(rx.text(setting.value, overflow_wrap="anywhere")),
    )


def secret_flag(setting: Var[Setting]) -> rx.Component:
    """Whether a secret is set (never its value)."""
    return rx.data_list.item(
        rx.data_list.label(field_text(setting.label), min_width="9rem"),
        rx.data_list.value(
            rx.cond(
                setting.is_set,
                state_badge(N_("Set"), "green"),
                state_badge(N_("Not set"), "gray"),
            )
        ),
    )


def settings_list(
    items: Var[list[Setting]], item: Callable[[Var[Setting]], rx.Component]
) -> rx.Component:
    """Settings as label and value pairs."""
    return rx.data_list.root(
        rx.foreach(items, item),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
    )


def copy_box(value: Var[str], label: str, copy_label: str, what: str) -> rx.Component:
    """`value` with its Copy button, which says Copied while it was the last thing copied."""
    return copy_field(value, label, copy_label, State.copied == what, State.mark_copied(what))


def webhook_box() -> rx.Component:
    """The URL to paste into the provider: behind Show webhook URL (audited), then with Copy."""
    return rx.fragment(
        rx.heading(t("Webhook URL"), as_="h3", size="3"),
        rx.text(
            t(
                "Paste this URL into the provider's webhook setting (Connect does it for "
                "you where the provider allows). It holds the channel's secret path token: "
                "share it only with the provider. Showing it is written to the audit log."
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            State.webhook_url != "",
            copy_box(State.webhook_url, N_("Webhook URL"), N_("Copy webhook URL"), WEBHOOK_URL),
            rx.button(
                rx.icon("eye", size=16),
                t("Show webhook URL"),
                on_click=State.show_webhook_url,
                variant="soft",
                width="fit-content",
                cursor="pointer",
            ),
        ),
    )


def embed_box() -> rx.Component:
    """A web chat's snippet for a website and its own page, each with Copy."""
    channel = State.channel
    return rx.fragment(
        rx.heading(t("Embed on a website"), as_="h3", size="3"),
        rx.text(
            t(
                "Add this snippet to the pages of a website listed in Allowed sites: a chat "
                "button appears in the bottom corner. Visitors can also chat on the chat's own "
                "page."
            ),
            size="2",
            color_scheme="gray",
        ),
        copy_box(channel.widget_snippet, N_("Website snippet"), N_("Copy the snippet"), SNIPPET),
        rx.text(t("Chat page"), size="2", weight="medium"),
        copy_box(channel.chat_url, N_("Chat page"), N_("Copy the chat page link"), CHAT_PAGE),
    )


def actions() -> rx.Component:
    """Connect (when not connected), Disconnect (when connected), and Archive."""
    return rx.flex(
        rx.cond(
            State.channel.connected,
            rx.button(
                rx.icon("unplug", size=16),
                t("Disconnect"),
                on_click=State.set_disconnect_open(True),
                variant="soft",
                color_scheme="gray",
                cursor="pointer",
            ),
            rx.button(
                rx.icon("plug", size=16),
                t("Connect"),
                on_click=State.connect,
                loading=State.acting,
                cursor="pointer",
            ),
        ),
        rx.button(
            rx.icon("archive", size=16),
            t("Archive"),
            on_click=State.set_archive_open(True),
            variant="soft",
            color_scheme="red",
            cursor="pointer",
        ),
        spacing="3",
        wrap="wrap",
    )


def overview() -> rx.Component:
    """The channel's facts, webhook URL and actions."""
    channel = State.channel
    return rx.card(
        rx.flex(
            rx.flex(
                rx.heading(channel.name, as_="h2", size="5", overflow_wrap="anywhere"),
                row_badge(channel.status_label, channel.status_color),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            facts(
                [
                    (N_("ID"), rx.code(channel.id, variant="ghost", size="2")),
                    (N_("Kind"), kind_text(channel.kind_label)),
                    (N_("Agent"), agent_text(channel.agent)),
                    (N_("Last activity (UTC)"), time_or_never(channel.last_activity)),
                    (
                        N_("Last error"),
                        rx.cond(
                            channel.last_error != "",
                            rx.text(channel.last_error, color_scheme="red"),
                            rx.text(NOTHING),
                        ),
                    ),
                    (N_("Created (UTC)"), table_time(channel.created)),
                    (N_("Updated (UTC)"), table_time(channel.updated)),
                ]
            ),
            rx.cond(
                channel.web_chat,
                embed_box(),
                rx.cond(channel.receives_webhooks, webhook_box(), rx.fragment()),
            ),
            rx.heading(t("Settings"), as_="h3", size="3"),
            settings_list(channel.config, setting_value),
            settings_list(channel.secrets, secret_flag),
            actions(),
            direction="column",
            spacing="4",
        ),
        size="3",
    )


def current_value(setting: KindField) -> Var[str] | str:
    """The edit form starts from the channel's config values (secrets start blank)."""
    return State.config.get(setting.key, "").to(str)


def edit_form() -> rx.Component:
    """Name, agent and, while disconnected, the kind's settings."""
    channel = State.channel
    return rx.el.form(
        rx.flex(
            answer(chosen(State.form_error, State.MESSAGES), "error"),
            answer(chosen(State.notice, State.MESSAGES, name=channel.name), "success"),
            rx.grid(
                form_field(
                    State,
                    t("Channel name"),
                    "name",
                    autocomplete="off",
                    default_value=channel.name,
                ),
                agent_field(State, State.edit_agent, State.choose_agent, State.agents),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            rx.cond(
                channel.connected,
                rx.callout(
                    t("Disconnect the channel to change its provider settings."),
                    icon="info",
                    color_scheme="gray",
                    variant="surface",
                ),
                kind_inputs(State, channel.kind, current_value, KEEP_HINT),
            ),
            rx.flex(icon_submit("save", N_("Save changes"), State)),
            direction="column",
            spacing="4",
        ),
        id=EDIT_FORM_ID,
        on_submit=State.save,
        no_validate=True,
        width="100%",
    )


def dialogs() -> rx.Component:
    """The confirmations of Disconnect and Archive."""
    return rx.fragment(
        confirm_dialog(
            N_("Disconnect this channel?"),
            rx.text(
                t(
                    "The provider stops sending this channel's messages to the gateway until "
                    "you connect it again. The change is written to the audit log."
                )
            ),
            N_("Yes, disconnect"),
            is_open=State.confirming == "disconnect",
            on_open_change=State.set_disconnect_open,
            on_confirm=State.disconnect,
            busy=State.acting,
        ),
        confirm_dialog(
            N_("Archive this channel?"),
            rx.text(
                t(
                    "It is disconnected at the provider, its secrets are erased and it leaves "
                    "the list for good. The change is written to the audit log."
                )
            ),
            N_("Yes, archive"),
            is_open=State.confirming == "archive",
            on_open_change=State.set_archive_open,
            on_confirm=State.archive,
            busy=State.acting,
        ),
    )


def channel_view() -> rx.Component:
    """The channel, its edit form and the dialogs."""
    return rx.flex(
        overview(),
        rx.card(
            rx.flex(
                section_title(
                    N_("Edit the channel"),
                    N_("Secret fields start blank: leave them blank to keep the current values."),
                ),
                edit_form(),
                direction="column",
                spacing="4",
            ),
            size="3",
        ),
        dialogs(),
        direction="column",
        spacing="5",
    )


def detail_body() -> rx.Component:
    """The channel, or why it cannot be shown."""
    return rx.cond(
        State.loaded,
        rx.cond(
            State.archived,
            empty_state(
                "archive",
                N_("Channel archived"),
                N_(
                    "It no longer receives or sends messages. Go back to the list to see the "
                    "other shared channels, or create one."
                ),
            ),
            rx.cond(
                State.missing,
                empty_state(
                    "share-2",
                    N_("No such shared channel"),
                    N_(
                        "It may have been archived. Go back to the list to see the shared "
                        "channels there are, or create one."
                    ),
                ),
                channel_view(),
            ),
        ),
        loading_rows(N_("the channel")),
    )


def outcome_problem() -> Var[str]:
    """Why the last change failed, in the page's language ("" when it did not)."""
    return rx.cond(
        State.outcome_error == PROVIDER_REFUSED,
        t(PROVIDER_REFUSED, error=State.provider_error),
        chosen(State.outcome_error, OUTCOMES),
    ).to(str)


def shared_channel_detail_page() -> rx.Component:
    """The way back, the outcome of the last change, and the channel."""
    return console_page(
        SPEC,
        back_link(),
        answer(outcome_problem(), "error"),
        answer(chosen(State.outcome, OUTCOMES), "success"),
        detail_body(),
    )


PAGE = SitePage(SPEC, shared_channel_detail_page, on_load=(State.load,))
