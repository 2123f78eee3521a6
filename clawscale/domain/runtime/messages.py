"""What the agent runtime receives for one inbound message: the body of a forward.

The shape is the one Coke's bridge reads (`connector/clawscale_bridge/app.py` in openCoke) and
the seed's gateway sent: `messages` (the person's text and its attachments, each with `url`,
`filename`, `contentType` and `size`) and `metadata` with the conversation's ids, the customer
as the runtime knows it (`customerId`, `cokeAccountId` / `coke_account_id`,
`cokeAccountDisplayName`, `clawscaleUserId`), the channel's scope and the customer's access
(`accountStatus`, `emailVerified`, `subscriptionActive`, `subscriptionExpiresAt`,
`accountAccessAllowed`, `accountAccessDeniedReason`, `renewalUrl`). `forwardAttempt` counts
the forwards of this event, so a runtime seeing an `inboundEventId` again can tell a retry.
"""

from dataclasses import dataclass
from typing import Protocol

from clawscale.domain.billing.access import AccessDecision, Subscriber
from clawscale.domain.billing.links import renewal_link
from clawscale.domain.inbound.placement import KeyedConversation, conversation_key
from clawscale.domain.runtime.bridge import clawscale_user_id
from clawscale.models import ChannelScope
from clawscale.settings import Settings
from clawscale.web_links import ACCOUNT_PATH, web_url

ATTACHMENT_KEYS = {"mime_type": "contentType", "file_name": "filename", "file_size": "size"}
"""Keys of attachments stored before they were named as the runtime reads them."""


class ForwardedEvent(Protocol):
    """The columns of the event a forward is made from."""

    @property
    def id(self) -> str: ...

    @property
    def attempts(self) -> int: ...

    @property
    def payload(self) -> dict[str, object]: ...


class ForwardedCustomer(Subscriber, Protocol):
    """The columns of the event's customer a forward names."""

    @property
    def display_name(self) -> str: ...


class ForwardedChannel(Protocol):
    """The columns of the event's channel a forward names."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def scope(self) -> ChannelScope: ...


class ForwardedSender(Protocol):
    """The columns of the event's sender (end user) a forward names."""

    @property
    def id(self) -> str: ...

    @property
    def external_id(self) -> str: ...


@dataclass(frozen=True)
class ForwardContext:
    """Everything a forward's body is made from: the event and the rows it belongs to (or the
    columns of them the claim read), and the customer's access as decided when the forward was
    claimed."""

    event: ForwardedEvent
    customer: ForwardedCustomer
    channel: ForwardedChannel
    conversation: KeyedConversation
    end_user: ForwardedSender
    access: AccessDecision


def runtime_attachment(stored: dict[str, object]) -> dict[str, object]:
    """An attachment as the runtime reads it: `url`, `filename`, `contentType` and `size` when
    known (other keys the adapter kept ride along)."""
    attachment = {ATTACHMENT_KEYS.get(key, key): value for key, value in stored.items()}
    attachment.setdefault("filename", "attachment")
    return attachment


def renewal_url(settings: Settings, customer_id: str, shared_channel: bool) -> str:
    """Where the person renews access: on a shared channel, a signed checkout link that needs
    no sign-in (the runtime answers a lapsed customer with it); else the account page."""
    if shared_channel:
        return renewal_link(settings, customer_id)
    return web_url(settings, ACCOUNT_PATH)


def _account_metadata(settings: Settings, context: ForwardContext) -> dict[str, object]:
    customer, access = context.customer, context.access
    shared = context.channel.scope == ChannelScope.SHARED
    return {
        "customerId": customer.id,
        "customer_id": customer.id,
        "cokeAccountId": customer.id,
        "coke_account_id": customer.id,
        "cokeAccountDisplayName": customer.display_name,
        "clawscaleUserId": clawscale_user_id(settings.COKE_PLATFORM_TENANT_ID, customer.id),
        "channelScope": "tenant_shared" if shared else "personal",
        "accountStatus": "suspended" if customer.suspended else "normal",
        "emailVerified": access.email_verified,
        "subscriptionActive": access.subscription_active,
        "subscriptionExpiresAt": access.expires_at.isoformat().replace("+00:00", "Z"),
        "accountAccessAllowed": access.allowed,
        "accountAccessDeniedReason": access.reason.value if access.reason else None,
        "renewalUrl": renewal_url(settings, customer.id, shared),
    }


def forward_body(settings: Settings, context: ForwardContext) -> dict[str, object]:
    """The JSON body of the forward of `context.event` (CONTRACT.md, "Runtime boundary", as the
    runtime's bridge reads it)."""
    event, channel, end_user = context.event, context.channel, context.end_user
    payload = event.payload
    message: dict[str, object] = {"role": "user", "content": str(payload.get("text") or "")}
    stored_attachments = payload.get("attachments")
    if isinstance(stored_attachments, list) and stored_attachments:
        message["attachments"] = [
            runtime_attachment(item) for item in stored_attachments if isinstance(item, dict)
        ]
    metadata = {
        "tenantId": settings.COKE_PLATFORM_TENANT_ID,
        "channelId": channel.id,
        "endUserId": end_user.id,
        "conversationId": context.conversation.id,
        "gatewayConversationId": context.conversation.id,
        "inboundEventId": event.id,
        "forwardAttempt": event.attempts,
        "externalId": end_user.external_id,
        "businessConversationKey": conversation_key(context.conversation),
        "sender": str(payload.get("sender_name") or end_user.external_id),
        "platform": channel.kind,
        **_account_metadata(settings, context),
    }
    return {"messages": [message], "metadata": metadata}
