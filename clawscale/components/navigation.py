"""The navigation: what a signed-out visitor, a signed-in customer and an admin see."""

from dataclasses import dataclass

from clawscale.i18n.catalogs import N_


@dataclass(frozen=True)
class NavItem:
    """One navigation link (its label an English message id); `icon` names a Lucide icon (the
    admin console shows them)."""

    label: str
    route: str
    icon: str = ""


SIGNED_OUT_NAV: tuple[NavItem, ...] = (
    NavItem(N_("Sign in"), "/auth/login"),
    NavItem(N_("Create account"), "/auth/register"),
)
CUSTOMER_NAV: tuple[NavItem, ...] = (
    NavItem(N_("Channels"), "/channels"),
    NavItem(N_("Personal WeChat"), "/channels/wechat-personal"),
    NavItem(N_("Billing"), "/account/subscription"),
    NavItem(N_("Account"), "/account"),
)
ADMIN_NAV: tuple[NavItem, ...] = (
    NavItem(N_("Overview"), "/admin", "layout-dashboard"),
    NavItem(N_("Customers"), "/admin/customers", "users"),
    NavItem(N_("Channels"), "/admin/channels", "radio-tower"),
    NavItem(N_("Shared channels"), "/admin/shared-channels", "share-2"),
    NavItem(N_("Agents"), "/admin/agents", "bot"),
    NavItem(N_("Deliveries"), "/admin/deliveries", "send"),
    NavItem(N_("Mail"), "/admin/mail", "mail"),
    NavItem(N_("Admins"), "/admin/admins", "shield-check"),
    NavItem(N_("Audit log"), "/admin/audit", "scroll-text"),
)
