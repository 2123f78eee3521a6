"""`/admin/shared-channels/[shared_channel_id]`: one shared channel — its settings (secrets
only as set or not), the webhook URL to paste into the provider, the edit form, and connect,
disconnect and archive (the last two after a confirmation)."""

from collections.abc import Callable

import reflex as rx
from reflex.vars import Var

from clawscale.pages.admin.admins import section_title
from clawscale.pages.admin.console import console_page
from clawscale.pages.admin.shared_channels import (
    KEEP_HINT,
    agent_field,
    kind_inputs,
)
from clawscale.pages.admin.shared_channels import (
    SPEC as LIST_SPEC,
)
from clawscale.pages.admin.tables import empty_state, loading_rows, state_badge
from clawscale.pages.admin.widgets import confirm_dialog, facts, row_badge
from clawscale.pages.catalogue import PageSpec, Section, SitePage
from clawscale.pages.forms import answer, form_field
from clawscale.state.admin.shared_channel_detail import (
    EDIT_FORM_ID,
    Setting,
    SharedChannelDetailState,
)
from clawscale.state.admin.shared_channels import KindField

SPEC = PageSpec(
    LIST_SPEC.route + "/[shared_channel_id]",
    "Shared channel",
    "Paste the webhook URL into the provider, edit the channel's settings, and connect it.",
    Section.ADMIN,
)
State = SharedChannelDetailState


def back_link() -> rx.Component:
    """Back to the list."""
    return rx.link(
        rx.flex(rx.icon("arrow-left", size=16), "All shared channels", align="center", spacing="1"),
        href=LIST_SPEC.route,
        size="2",
        width="fit-content",
    )


def setting_value(setting: Var[Setting]) -> rx.Component:
    """A config value as it is."""
    return rx.data_list.item(
        rx.data_list.label(setting.label, min_width="9rem"),
        rx.data_list.value(rx.text(setting.value, overflow_wrap="anywhere")),
    )


def secret_flag(setting: Var[Setting]) -> rx.Component:
    """Whether a secret is set (never its value)."""
    return rx.data_list.item(
        rx.data_list.label(setting.label, min_width="9rem"),
        rx.data_list.value(
            rx.cond(setting.is_set, state_badge("Set", "green"), state_badge("Not set", "gray"))
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


def webhook_box() -> rx.Component:
    """The URL to paste into the provider, with Copy."""
    url = State.channel.webhook_url
    return rx.flex(
        rx.code(url, variant="soft", size="2", overflow_wrap="anywhere", aria_label="Webhook URL"),
        rx.button(
            rx.icon(rx.cond(State.copied, "check", "copy"), size=16),
            rx.cond(State.copied, "Copied", "Copy"),
            on_click=[rx.set_clipboard(url), State.mark_copied],
            variant="soft",
            size="2",
            cursor="pointer",
            aria_label="Copy webhook URL",
            flex_shrink="0",
        ),
        align="center",
        spacing="3",
        wrap=rx.breakpoints(initial="wrap", sm="nowrap"),
    )


def actions() -> rx.Component:
    """Connect (when not connected), Disconnect (when connected), and Archive."""
    return rx.flex(
        rx.cond(
            State.channel.connected,
            rx.button(
                rx.icon("unplug", size=16),
                "Disconnect",
                on_click=State.set_disconnect_open(True),
                variant="soft",
                color_scheme="gray",
                cursor="pointer",
            ),
            rx.button(
                rx.icon("plug", size=16),
                "Connect",
                on_click=State.connect,
                loading=State.acting,
                cursor="pointer",
            ),
        ),
        rx.button(
            rx.icon("archive", size=16),
            "Archive",
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
                    ("Id", channel.id),
                    ("Kind", channel.kind_label),
                    ("Agent", channel.agent),
                    ("Last activity (UTC)", channel.last_activity),
                    (
                        "Last error",
                        rx.cond(
                            channel.last_error != "",
                            rx.text(channel.last_error, color_scheme="red"),
                            rx.text("—"),
                        ),
                    ),
                    ("Created (UTC)", channel.created),
                    ("Updated (UTC)", channel.updated),
                ]
            ),
            rx.heading("Webhook URL", as_="h3", size="3"),
            rx.text(
                "Paste this URL into the provider's webhook setting (Connect does it for you "
                "where the provider allows). It holds the channel's secret path token: share "
                "it only with the provider.",
                size="2",
                color_scheme="gray",
            ),
            webhook_box(),
            rx.heading("Settings", as_="h3", size="3"),
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
            answer(State.form_error, "error"),
            answer(State.notice, "success"),
            rx.grid(
                form_field(State, "Name", "name", autocomplete="off", default_value=channel.name),
                agent_field(State, State.edit_agent, State.choose_agent, State.agents),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
            ),
            rx.cond(
                channel.connected,
                rx.callout(
                    "Disconnect the channel to change its provider settings.",
                    icon="info",
                    color_scheme="gray",
                    variant="surface",
                ),
                kind_inputs(State, channel.kind, current_value, KEEP_HINT),
            ),
            rx.flex(
                rx.button(
                    rx.icon("save", size=16),
                    "Save changes",
                    type="submit",
                    loading=State.submitting,
                    cursor="pointer",
                )
            ),
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
            "Disconnect this channel?",
            rx.text(
                "The provider stops sending this channel's messages to the gateway until you "
                "connect it again. The change is written to the audit log."
            ),
            "Yes, disconnect",
            is_open=State.confirming == "disconnect",
            on_open_change=State.set_disconnect_open,
            on_confirm=State.disconnect,
            busy=State.acting,
        ),
        confirm_dialog(
            "Archive this channel?",
            rx.text(
                "It is disconnected at the provider, its secrets are erased and it leaves the "
                "list for good. The change is written to the audit log."
            ),
            "Yes, archive",
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
                    "Edit the channel",
                    "Secret fields start blank: leave them blank to keep the current values.",
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
                "Channel archived",
                "It no longer receives or sends messages. Go back to the list to see the "
                "other shared channels, or create one.",
            ),
            rx.cond(
                State.missing,
                empty_state(
                    "share-2",
                    "No such shared channel",
                    "It may have been archived. Go back to the list to see the shared "
                    "channels there are, or create one.",
                ),
                channel_view(),
            ),
        ),
        loading_rows("the channel"),
    )


def shared_channel_detail_page() -> rx.Component:
    """The way back, the outcome of the last change, and the channel."""
    return console_page(
        SPEC,
        back_link(),
        answer(State.outcome_error, "error"),
        answer(State.outcome, "success"),
        detail_body(),
    )


PAGE = SitePage(SPEC, shared_channel_detail_page, on_load=(State.load,))
