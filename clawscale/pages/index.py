"""The landing page at `/`: the product pitch, the ways in, and three key features."""

from dataclasses import dataclass

import reflex as rx

from clawscale.components.catalogue import Section
from clawscale.components.layout import page_layout
from clawscale.components.links import button_link
from clawscale.components.translated import t
from clawscale.i18n.catalogs import N_

LANDING_ROUTE = "/"
LANDING_TITLE = N_("ClawScale — your AI agent on every chat channel")
LANDING_DESCRIPTION = N_(
    "Connect your personal WeChat and shared WhatsApp, WeChat, iMessage/SMS and Telegram "
    "channels to your AI agent."
)
HERO_HEADING = N_("Your AI agent, on every chat app people already use")
CHANNEL_NAMES = (N_("WeChat"), N_("WhatsApp"), N_("iMessage / SMS"), N_("Telegram"))
"""The channels' names, as each language writes them (WeChat is 微信 in Chinese)."""


@dataclass(frozen=True)
class Feature:
    """One selling point of the landing page; `title` and `text` are English message ids."""

    icon: str
    title: str
    text: str


FEATURES: tuple[Feature, ...] = (
    Feature(
        "message-circle",
        N_("Your personal WeChat"),
        N_(
            "Scan a QR code to link your own WeChat account, and your agent answers your "
            "contacts in your name."
        ),
    ),
    Feature(
        "radio-tower",
        N_("Shared channels"),
        N_(
            "One WhatsApp number, WeChat account, iMessage/SMS line or Telegram bot serves "
            "every customer of an agent."
        ),
    ),
    Feature(
        "network",
        N_("Many-to-many routing"),
        N_(
            "Many users meet many agents across channels; each reply goes back exactly once, "
            "through the conversation it belongs to."
        ),
    ),
)


def hero() -> rx.Component:
    """The pitch, the calls to action, and the channels supported."""
    return rx.flex(
        rx.badge(t("Multi-tenant IM gateway for AI agents"), size="2", radius="full"),
        rx.heading(
            t(HERO_HEADING),
            as_="h1",
            size=rx.breakpoints(initial="8", md="9"),
            max_width="18em",
            line_height="1.1",
        ),
        rx.text(
            t(
                "Connect your personal WeChat, or shared WhatsApp, WeChat, iMessage/SMS and "
                "Telegram channels, to your AI agent. ClawScale routes every conversation "
                "between many users and many agents, across every channel."
            ),
            as_="p",
            size=rx.breakpoints(initial="4", sm="5"),
            color_scheme="gray",
            max_width="36em",
        ),
        rx.flex(
            button_link(t("Create account"), "/auth/register"),
            button_link(t("Sign in"), "/auth/login", variant="soft"),
            spacing="3",
            wrap="wrap",
            justify="center",
        ),
        rx.flex(
            *[rx.badge(t(name), variant="outline", color_scheme="gray") for name in CHANNEL_NAMES],
            spacing="2",
            wrap="wrap",
            justify="center",
            aria_label=t("Supported channels"),
        ),
        direction="column",
        align="center",
        text_align="center",
        spacing="5",
        padding_top=rx.breakpoints(initial="48px", sm="88px"),
        padding_bottom=rx.breakpoints(initial="40px", sm="64px"),
    )


def feature_card(feature: Feature) -> rx.Component:
    """One feature: an icon, a short title and a sentence."""
    return rx.card(
        rx.flex(
            rx.center(
                rx.icon(feature.icon, size=20),
                width="40px",
                height="40px",
                border_radius="var(--radius-3)",
                background="var(--accent-a3)",
                color="var(--accent-11)",
            ),
            rx.heading(t(feature.title), as_="h3", size="4"),
            rx.text(t(feature.text), as_="p", size="2", color_scheme="gray"),
            direction="column",
            spacing="3",
        ),
        size="3",
    )


def features() -> rx.Component:
    """The three features, side by side from tablet width up."""
    return rx.el.section(
        rx.heading(
            t("Why ClawScale"), as_="h2", size="6", text_align="center", margin_bottom="24px"
        ),
        rx.grid(
            *[feature_card(feature) for feature in FEATURES],
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="4",
        ),
        padding_bottom="80px",
        aria_label=t("Features"),
    )


def landing_page() -> rx.Component:
    """The landing page in the public layout."""
    return page_layout(hero(), features(), section=Section.PUBLIC, current_route=LANDING_ROUTE)
