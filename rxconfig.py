"""Reflex configuration, driven by clawscale.settings so one set of variables drives everything."""

import reflex as rx
from reflex.plugins import SitemapPlugin

from clawscale.reflex_startup import quiet_reflex_startup
from clawscale.settings import get_settings

settings = get_settings()
quiet_reflex_startup(settings)

config = rx.Config(
    app_name="clawscale",
    db_url=settings.DATABASE_URL,
    redis_url=settings.REDIS_URL or None,
    api_url=settings.CLAWSCALE_PUBLIC_API_URL,
    deploy_url=settings.DOMAIN_CLIENT,
    cors_allowed_origins=settings.cors_origins,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="indigo", radius="medium")
        ),
    ],
    disable_plugins=[SitemapPlugin],
)
