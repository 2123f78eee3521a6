"""The SQLModel tables of the gateway; importing this package registers every table."""

from clawscale.models.accounts import (
    AdminAccount,
    AuthSession,
    ClaimStatus,
    Customer,
    CustomerKind,
    Identity,
    Membership,
    MembershipRole,
    OneTimeToken,
    SessionSubject,
    TokenPurpose,
)
from clawscale.models.agents import Agent, AgentBinding, ProvisionStatus
from clawscale.models.audit import AuditLog
from clawscale.models.billing import AccessPass, StripeEvent
from clawscale.models.calendar_import import (
    CalendarImportHandoff,
    CalendarImportRun,
    HandoffStatus,
    ImportRunStatus,
    ImportTrigger,
)
from clawscale.models.channels import (
    Channel,
    ChannelScope,
    ChannelStatus,
    Conversation,
    DeliveryRoute,
    EndUser,
)
from clawscale.models.identities import ExternalIdentity
from clawscale.models.mail import EmailMessage, EmailStatus
from clawscale.models.messages import (
    DeliveryAttempt,
    DeliveryStatus,
    InboundEvent,
    InboundStatus,
    OutboundDelivery,
)
from clawscale.models.web_chat import WebChatMessage, WebChatRole

__all__ = [
    "AccessPass",
    "AdminAccount",
    "Agent",
    "AgentBinding",
    "AuditLog",
    "AuthSession",
    "CalendarImportHandoff",
    "CalendarImportRun",
    "Channel",
    "ChannelScope",
    "ChannelStatus",
    "ClaimStatus",
    "Conversation",
    "Customer",
    "CustomerKind",
    "DeliveryAttempt",
    "DeliveryRoute",
    "DeliveryStatus",
    "EmailMessage",
    "EmailStatus",
    "EndUser",
    "ExternalIdentity",
    "HandoffStatus",
    "Identity",
    "ImportRunStatus",
    "ImportTrigger",
    "InboundEvent",
    "InboundStatus",
    "Membership",
    "MembershipRole",
    "OneTimeToken",
    "OutboundDelivery",
    "ProvisionStatus",
    "SessionSubject",
    "StripeEvent",
    "TokenPurpose",
    "WebChatMessage",
    "WebChatRole",
]
