"""Which adapter serves which channel kind."""

from clawscale.channels.base import ChannelAdapter
from clawscale.channels.wechat_personal import ILinkAdapter
from clawscale.channels.whatsapp_evolution import EvolutionAdapter
from clawscale.settings import Settings


def build_adapters(settings: Settings) -> dict[str, ChannelAdapter]:
    """One adapter per supported kind, with the configured provider base URLs."""
    adapters: list[ChannelAdapter] = [
        EvolutionAdapter(default_base_url=settings.EVOLUTION_API_BASE_URL),
        ILinkAdapter(default_base_url=settings.WECHAT_ILINK_BASE_URL),
    ]
    return {adapter.kind: adapter for adapter in adapters}
