"""The table of planned pages: route, title, description and site section, in one place."""

from dataclasses import dataclass
from enum import StrEnum


class Section(StrEnum):
    """The part of the site a page belongs to; it decides the navigation shown."""

    PUBLIC = "public"
    CUSTOMER = "customer"
    ADMIN = "admin"


SECTION_LABELS: dict[Section, str] = {
    Section.PUBLIC: "Account access",
    Section.CUSTOMER: "Your workspace",
    Section.ADMIN: "Admin console",
}


@dataclass(frozen=True)
class PageSpec:
    """One page: where it lives, what it is called, what it will do, and its section."""

    route: str
    title: str
    description: str
    section: Section
    in_nav: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "/auth/login",
        "Sign in",
        "Sign in with your email and password to manage your channels and agent.",
        Section.PUBLIC,
        in_nav=True,
    ),
    PageSpec(
        "/auth/register",
        "Create account",
        "Create a ClawScale account and start a free trial for your personal AI agent.",
        Section.PUBLIC,
        in_nav=True,
    ),
    PageSpec(
        "/auth/verify-email",
        "Verify your email",
        "Confirm your email address with the link we sent you to activate your account.",
        Section.PUBLIC,
    ),
    PageSpec(
        "/auth/forgot-password",
        "Forgot password",
        "Ask for a password reset link, sent to the email address on your account.",
        Section.PUBLIC,
    ),
    PageSpec(
        "/auth/reset-password",
        "Reset password",
        "Choose a new password with the reset link from your email.",
        Section.PUBLIC,
    ),
    PageSpec(
        "/auth/claim",
        "Claim your account",
        "Claim the account created for you when you first messaged an agent, and set a password.",
        Section.PUBLIC,
    ),
    PageSpec(
        "/channels",
        "Channels",
        "See every chat channel connected to your agent and its status at a glance.",
        Section.CUSTOMER,
        in_nav=True,
    ),
    PageSpec(
        "/channels/wechat-personal",
        "Personal WeChat",
        "Link your own WeChat account by scanning a QR code, and disconnect it at any time.",
        Section.CUSTOMER,
        in_nav=True,
    ),
    PageSpec(
        "/account",
        "Account",
        "Manage your profile, password, subscription and access pass.",
        Section.CUSTOMER,
        in_nav=True,
    ),
    PageSpec(
        "/admin/login",
        "Admin sign in",
        "Sign in to the ClawScale admin console with your administrator account.",
        Section.ADMIN,
    ),
    PageSpec(
        "/admin",
        "Overview",
        "Gateway health at a glance: customers, channels, agents and delivery backlog.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/agents",
        "Agents",
        "Register agent runtimes, their endpoints and tokens, and choose the default agent.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/customers",
        "Customers",
        "Browse customers, their members and agent bindings, and suspend or restore access.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/channels",
        "Channels",
        "Inspect every personal and shared channel, its status and its last error.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/shared-channels",
        "Shared channels",
        "Connect WhatsApp, WeChat, iMessage/SMS and Telegram channels shared by an agent.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/deliveries",
        "Deliveries",
        "Follow outbound deliveries and their attempts, and retry the ones that failed.",
        Section.ADMIN,
        in_nav=True,
    ),
    PageSpec(
        "/admin/admins",
        "Admins",
        "Invite, deactivate and review the administrators of this gateway.",
        Section.ADMIN,
        in_nav=True,
    ),
)


def nav_pages(section: Section) -> tuple[PageSpec, ...]:
    """The pages listed in the navigation of `section`, in table order."""
    return tuple(page for page in PAGES if page.section is section and page.in_nav)
