"""The navigation: what a signed-out visitor, a signed-in customer and an admin see."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    """One navigation link; `icon` names a Lucide icon (the admin console shows them)."""

    label: str
    route: str
    icon: str = ""


SIGNED_OUT_NAV: tuple[NavItem, ...] = (
    NavItem("Sign in", "/auth/login"),
    NavItem("Create account", "/auth/register"),
)
CUSTOMER_NAV: tuple[NavItem, ...] = (
    NavItem("Channels", "/channels"),
    NavItem("Personal WeChat", "/channels/wechat-personal"),
    NavItem("Account", "/account"),
)
ADMIN_NAV: tuple[NavItem, ...] = (
    NavItem("Overview", "/admin", "layout-dashboard"),
    NavItem("Customers", "/admin/customers", "users"),
    NavItem("Channels", "/admin/channels", "radio-tower"),
    NavItem("Shared channels", "/admin/shared-channels", "share-2"),
    NavItem("Agents", "/admin/agents", "bot"),
    NavItem("Deliveries", "/admin/deliveries", "send"),
    NavItem("Admins", "/admin/admins", "shield-check"),
    NavItem("Audit log", "/admin/audit", "scroll-text"),
)
