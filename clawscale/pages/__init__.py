"""The web pages of the gateway, one module per route holding the page and its State, at the
path the URL names (`/admin/deliveries` is `pages/admin/deliveries.py`, a folder's root page is
its `index.py`): the landing page, the customer sign-in and account pages, the channel index,
personal WeChat, the subscription and payment history, the Google Calendar import (the hand-off
link from chat, claiming a chat-made account, the import page), the admin console (sign-in,
overview, customers, channels, shared channels and each one's page, agents, deliveries, mail,
admins, audit log), a web chat channel's public chat, the development mailbox (development
only), and the page for a path no route matches."""

import reflex as rx

from clawscale.components.catalogue import SitePage
from clawscale.components.layout import is_development, page_title
from clawscale.components.translated import t
from clawscale.pages import not_found
from clawscale.pages.account import calendar_import as account_calendar_import
from clawscale.pages.account import index as account
from clawscale.pages.account import subscription as account_subscription
from clawscale.pages.admin import admins as admin_admins
from clawscale.pages.admin import agents as admin_agents
from clawscale.pages.admin import audit as admin_audit
from clawscale.pages.admin import channels as admin_channels
from clawscale.pages.admin import customers as admin_customers
from clawscale.pages.admin import deliveries as admin_deliveries
from clawscale.pages.admin import index as admin_overview
from clawscale.pages.admin import login as admin_login
from clawscale.pages.admin import mail as admin_mail
from clawscale.pages.admin.shared_channels import detail as admin_shared_channel_detail
from clawscale.pages.admin.shared_channels import index as admin_shared_channels
from clawscale.pages.auth import (
    claim,
    claim_entry,
    forgot_password,
    login,
    register,
    reset_password,
    verify_email,
)
from clawscale.pages.channels import index as channels
from clawscale.pages.channels import wechat_personal
from clawscale.pages.chat import channel as web_chat
from clawscale.pages.dev import mailbox as dev_mailbox
from clawscale.pages.handoff import calendar_import as handoff_calendar_import
from clawscale.pages.index import LANDING_DESCRIPTION, LANDING_ROUTE, LANDING_TITLE, landing_page
from clawscale.settings import Settings, get_settings
from clawscale.state.customer_session import CustomerSessionState
from clawscale.state.locale import LocaleState

BUILT_PAGES: tuple[SitePage, ...] = (
    login.PAGE,
    register.PAGE,
    verify_email.PAGE,
    forgot_password.PAGE,
    reset_password.PAGE,
    claim.PAGE,
    claim_entry.PAGE,
    handoff_calendar_import.PAGE,
    account.PAGE,
    account_subscription.PAGE,
    account_calendar_import.PAGE,
    channels.PAGE,
    wechat_personal.PAGE,
    admin_login.PAGE,
    admin_admins.PAGE,
    admin_audit.PAGE,
    admin_deliveries.PAGE,
    admin_mail.PAGE,
    admin_customers.PAGE,
    admin_overview.PAGE,
    admin_channels.PAGE,
    admin_agents.PAGE,
    admin_shared_channels.PAGE,
    admin_shared_channel_detail.PAGE,
    web_chat.PAGE,
)


def site_pages(settings: Settings) -> tuple[SitePage, ...]:
    """Every page but the landing page; the mailbox only in development."""
    development = (dev_mailbox.PAGE,) if is_development(settings) else ()
    return (*BUILT_PAGES, *development)


def routed_paths(settings: Settings) -> list[str]:
    """The route of every page a path can reach (the `404` page is where none matches)."""
    return [LANDING_ROUTE, *(page.spec.route for page in site_pages(settings))]


def register_pages(app: rx.App) -> None:
    """Add the landing page, every other page and the page for unknown paths to `app`."""
    app.add_page(
        landing_page,
        route=LANDING_ROUTE,
        title=t(LANDING_TITLE),
        description=LANDING_DESCRIPTION,
        on_load=[LocaleState.settle, CustomerSessionState.check_session],
    )
    for page in (*site_pages(get_settings()), not_found.PAGE):
        app.add_page(
            page.render,
            route=page.spec.route,
            title=page_title(page.spec),
            description=page.spec.description,
            on_load=[LocaleState.settle, *page.on_load],
        )
