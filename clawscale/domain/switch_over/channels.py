"""Channels: the seed's plain JSON config split into our sealed config and secrets, per kind,
keeping each channel's id and webhook token so its provider URL stays valid.

The seed kept Evolution's and Linq's API keys in its environment (`EVOLUTION_API_KEY`,
`LINQ_API_KEY`); ours keeps them on each channel, so the import puts them there.
"""

from collections.abc import Callable, Mapping

from clawscale.domain.switch_over.plan import ImportContext, MappedRow, TableImport
from clawscale.domain.switch_over.sealed import SealedDocument
from clawscale.domain.switch_over.source import SeedRow, as_utc
from clawscale.models import Channel, ChannelScope

Documents = tuple[dict[str, str], dict[str, str]]
SHARED_OWNERSHIP = "shared"
CONFIRMED_LOGIN = "confirmed"


def _text(config: Mapping[str, object], key: str) -> str:
    value = config.get(key)
    return value.strip() if isinstance(value, str) else ""


def _present(document: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in document.items() if value}


def _evolution(config: Mapping[str, object], context: ImportContext) -> Documents:
    return (
        _present({"instance": _text(config, "instanceName")}),
        _present(
            {"webhook_token": _text(config, "webhookToken"), "api_key": context.evolution_api_key}
        ),
    )


def _ecloud(config: Mapping[str, object], context: ImportContext) -> Documents:
    return (
        _present({"app_id": _text(config, "appId"), "base_url": _text(config, "baseUrl")}),
        _present(
            {"gewe_token": _text(config, "token"), "webhook_token": _text(config, "webhookToken")}
        ),
    )


def _linq(config: Mapping[str, object], context: ImportContext) -> Documents:
    return (
        _present(
            {
                "from_number": _text(config, "fromNumber"),
                "webhook_subscription_id": _text(config, "webhookSubscriptionId"),
            }
        ),
        _present(
            {
                "api_key": context.linq_api_key,
                "signing_secret": _text(config, "signingSecret"),
                "webhook_token": _text(config, "webhookToken"),
            }
        ),
    )


def _wechat_personal(config: Mapping[str, object], context: ImportContext) -> Documents:
    token = _text(config, "token")
    return (
        _present(
            {
                "baseurl": _text(config, "baseUrl"),
                "ilink_bot_id": _text(config, "botId"),
                "login_status": CONFIRMED_LOGIN if token else "",
            }
        ),
        _present({"bot_token": token}),
    )


DOCUMENTS_BY_KIND: dict[str, Callable[[Mapping[str, object], ImportContext], Documents]] = {
    "whatsapp_evolution": _evolution,
    "wechat_ecloud": _ecloud,
    "linq": _linq,
    "wechat_personal": _wechat_personal,
}
"""The kinds both gateways serve; the seed's retired kinds (slack, discord, ...) are skipped."""


def _channel(row: SeedRow, context: ImportContext) -> MappedRow | None:
    documents = DOCUMENTS_BY_KIND.get(row["type"])
    if documents is None:
        return None
    config, secrets = documents(row["config"] or {}, context)
    shared = row["ownership_kind"] == SHARED_OWNERSHIP
    owner = row["customer_id"] or context.customer_of_seed_user.get(
        row["owner_clawscale_user_id"] or ""
    )
    context.remember("channel", row["id"])
    return {
        "id": row["id"],
        "kind": row["type"],
        "scope": ChannelScope.SHARED if shared else ChannelScope.PERSONAL,
        "owner_customer_id": None if shared or not context.has("customer", owner) else owner,
        "owner_agent_id": row["agent_id"] if context.has("agent", row["agent_id"]) else None,
        "name": row["name"],
        "status": row["status"],
        "config_encrypted": SealedDocument(config),
        "secrets_encrypted": SealedDocument(secrets),
        "created_at": as_utc(row["created_at"]),
        "updated_at": as_utc(row["updated_at"]),
    }


TABLES = (
    TableImport(
        "channels",
        "channels",
        (
            "id",
            "type",
            "ownership_kind",
            "customer_id",
            "agent_id",
            "owner_clawscale_user_id",
            "name",
            "status",
            "config",
            "created_at",
            "updated_at",
        ),
        Channel,
        _channel,
    ),
)
