"""The header navigation: what a signed-out visitor, a signed-in customer and an admin see."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    """One header link."""

    label: str
    route: str


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
    NavItem("Overview", "/admin"),
    NavItem("Agents", "/admin/agents"),
    NavItem("Customers", "/admin/customers"),
    NavItem("Channels", "/admin/channels"),
    NavItem("Shared channels", "/admin/shared-channels"),
    NavItem("Deliveries", "/admin/deliveries"),
    NavItem("Admins", "/admin/admins"),
)
