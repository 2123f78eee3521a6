"""Which adapter serves which channel kind."""

from clawscale.channels.base import ChannelAdapter
from clawscale.channels.linq.adapter import LinqAdapter
from clawscale.channels.telegram.adapter import TelegramAdapter
from clawscale.channels.web_chat.adapter import WebChatAdapter
from clawscale.channels.webhooks import SharedChannelAdapter
from clawscale.channels.wechat_ecloud.adapter import GeWeAdapter
from clawscale.channels.wechat_personal.adapter import ILinkAdapter
from clawscale.channels.whatsapp_business.adapter import WhatsAppBusinessAdapter
from clawscale.channels.whatsapp_evolution.adapter import EvolutionAdapter
from clawscale.settings import Settings

SHARED_KINDS: tuple[type[SharedChannelAdapter], ...] = (
    EvolutionAdapter,
    GeWeAdapter,
    LinqAdapter,
    TelegramAdapter,
    WebChatAdapter,
    WhatsAppBusinessAdapter,
)


def every_secret_name() -> tuple[str, ...]:
    """Every secret any shared kind may hold, in order (the admin API's `has_...` flags)."""
    return tuple(dict.fromkeys(name for kind in SHARED_KINDS for name in kind.schema.secret_names))


def build_shared_adapters(settings: Settings) -> dict[str, SharedChannelAdapter]:
    """The kinds an admin configures as shared channels, with the configured base URLs."""
    adapters: list[SharedChannelAdapter] = [
        EvolutionAdapter(default_base_url=settings.EVOLUTION_API_BASE_URL),
        GeWeAdapter(default_base_url=settings.GEWE_API_BASE_URL),
        LinqAdapter(default_base_url=settings.LINQ_API_BASE_URL),
        TelegramAdapter(default_base_url=settings.TELEGRAM_API_BASE_URL),
        WebChatAdapter(default_base_url=settings.CLAWSCALE_PUBLIC_API_URL),
        WhatsAppBusinessAdapter(default_base_url=settings.WHATSAPP_GRAPH_API_BASE_URL),
    ]
    return {adapter.kind: adapter for adapter in adapters}


def build_adapters(settings: Settings) -> dict[str, ChannelAdapter]:
    """One adapter per supported kind (shared and personal), for sending."""
    adapters: dict[str, ChannelAdapter] = dict(build_shared_adapters(settings))
    personal = ILinkAdapter(default_base_url=settings.WECHAT_ILINK_BASE_URL)
    adapters[personal.kind] = personal
    return adapters
