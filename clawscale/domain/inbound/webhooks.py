"""Provider webhooks of shared channels: verified, parsed and stored before the provider hears 200.

In one transaction: the channel is found (`channel_cache`: its credentials decrypted once per
change, the cached channel assumed and its row checked by the lookup of the webhook's messages,
or on its own when there is none or the request fails on it; a missing, other-kind or not
`connected` channel is `channel_not_found`), the request verified (path token, then the kind's
own proof; a rejection stores nothing), the JSON parsed and each message routed through the one
inbound path (`inbound.intake`), which deduplicates by the provider's message id. The
transaction commits before the answer (the API commits concurrent webhooks together:
`clawscale.group_commit`, which runs every `WebhookStore.prepare`, the verifying and parsing,
before the first webhook's messages are routed, so that what is stored about all of them is
read in one statement), so a 200 means the messages are durable; a database failure is
`storage_unavailable` (503) so the provider delivers again. Forwarding to the runtime happens
later, in the worker.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from clawscale.channels.base import ChannelCredentials, InboundMessage
from clawscale.channels.webhooks import (
    ChallengeAdapter,
    SharedChannelAdapter,
    WebhookRequest,
    parse_json_body,
    verify_path_token,
)
from clawscale.db import session_scope
from clawscale.domain.errors import DomainError, NotFound, Unavailable
from clawscale.domain.inbound.channel_cache import ChannelCache, ChannelChanged
from clawscale.domain.inbound.intake import (
    StagedMessage,
    expect_messages,
    stage_inbound_message,
    store_staged_messages,
)
from clawscale.models import Channel, ChannelScope, ChannelStatus
from clawscale.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookOutcome:
    """How many messages were stored now, were stored before, or could not be routed."""

    received: int = 0
    duplicates: int = 0
    skipped: int = 0


def _verified_channel(
    db: Session,
    settings: Settings,
    channels: ChannelCache,
    kind: str,
    channel_id: str,
    request: WebhookRequest,
    *,
    connected_only: bool,
    assume: bool = False,
) -> tuple[Channel, ChannelCredentials]:
    find = channels.assumed if assume else channels.channel
    found = find(db, settings, channel_id)
    if found is None:
        raise NotFound("channel_not_found", "No such connected channel.")
    channel, credentials = found
    live = channel.status == ChannelStatus.CONNECTED or (
        not connected_only and channel.status != ChannelStatus.ARCHIVED
    )
    if not live or channel.kind != kind or channel.scope != ChannelScope.SHARED:
        raise NotFound("channel_not_found", "No such connected channel.")
    verify_path_token(credentials, request)
    return channel, credentials


@dataclass
class WebhookStore:
    """The work of storing one webhook request, in three steps of the caller's transaction
    (run by the group commit, which commits before the provider is answered): `prepare`
    verifies and parses it and says which messages are about to be routed (`expect_messages`),
    calling it routes them up to their events (`stage_inbound_message`), `finish` stores the
    staged events (`store_staged_messages`) and says what became of its messages.

    Raises NotFound `channel_not_found`, WebhookRejected or MalformedPayload (nothing stored),
    or ChannelChanged when the cached channel it assumed had changed (to be run again).
    """

    settings: Settings
    channels: ChannelCache
    adapter: SharedChannelAdapter
    channel_id: str
    request: WebhookRequest
    _channel: Channel | None = None
    _messages: list[InboundMessage] = field(default_factory=list)
    _staged: list[StagedMessage] = field(default_factory=list)
    _skipped: int = 0

    def prepare(self, db: Session) -> None:
        """Verify and parse the request in `db`, and expect its messages there. The channel is
        the cached one, assumed as it is (`ChannelCache.assumed`: the lookup of its messages
        confirms it); a request it fails is tried again on the channel as stored, so that no
        answer rests on a stale channel."""
        try:
            self._prepare(db, assume=True)
        except Exception:
            if not self.channels.is_assumed(db, self.channel_id):
                raise
            self._prepare(db, assume=False)

    def _prepare(self, db: Session, *, assume: bool) -> None:
        channel, credentials = _verified_channel(
            db,
            self.settings,
            self.channels,
            self.adapter.kind,
            self.channel_id,
            self.request,
            connected_only=True,
            assume=assume,
        )
        self.adapter.verify_request(credentials, self.request)
        self._messages = self.adapter.parse_inbound(credentials, parse_json_body(self.request.body))
        self._channel = channel
        expect_messages(db, channel, self._messages)

    def __call__(self, db: Session) -> None:
        """Stage the prepared messages (one the domain refuses is skipped and logged)."""
        if self._channel is None:
            raise RuntimeError("a webhook is prepared before its messages are staged")
        self._staged, self._skipped = [], 0
        for message in self._messages:
            try:
                self._staged.append(stage_inbound_message(db, self._channel, message))
            except DomainError as error:
                logger.warning("channel %s: message skipped (%s)", self.channel_id, error.code)
                self._skipped += 1

    def finish(self, db: Session) -> WebhookOutcome:
        """Store what this transaction staged; how many of this webhook's messages were stored
        now, had been stored before, or were skipped (the channel confirmed first, if no
        lookup did)."""
        self.channels.confirm_assumed(db, self.channel_id)
        store_staged_messages(db)
        duplicates = sum(bool(staged.outcome().duplicate) for staged in self._staged)
        return WebhookOutcome(len(self._staged) - duplicates, duplicates, self._skipped)


def storage_failed(channel_id: str, error: SQLAlchemyError | ChannelChanged) -> Unavailable:
    """The answer when a webhook's transaction failed (or its channel changed under it even
    when run alone): `storage_unavailable`, so the provider delivers again."""
    logger.warning("channel %s: webhook not stored (%s)", channel_id, type(error).__name__)
    return Unavailable("storage_unavailable", "The message could not be stored.")


def log_receipt(channel_id: str, outcome: WebhookOutcome) -> None:
    """Note a committed webhook that stored or skipped messages."""
    if outcome.received or outcome.skipped:
        logger.info(
            "channel %s: %d stored, %d duplicates, %d skipped",
            channel_id,
            outcome.received,
            outcome.duplicates,
            outcome.skipped,
        )


def answer_challenge(
    engine: Engine,
    settings: Settings,
    channels: ChannelCache,
    kind: str,
    challenger: ChallengeAdapter,
    channel_id: str,
    request: WebhookRequest,
) -> str:
    """The text proving the URL is ours to a provider's GET challenge.

    Answered for any channel not archived: a provider may verify the URL while `connect` is
    still registering it. Raises NotFound `channel_not_found` or WebhookRejected.
    """
    with session_scope(engine) as db:
        _, credentials = _verified_channel(
            db, settings, channels, kind, channel_id, request, connected_only=False
        )
        return challenger.answer_challenge(credentials, request)
