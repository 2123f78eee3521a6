"""Re-encrypting every stored credential under a new CLAWSCALE_SECRET_KEY.

Channel configs and secrets, agent tokens, and the PKCE verifiers and Google tokens unfinished
calendar import runs hold are re-encrypted in one transaction: either all of
them move to the new key or none does. Values already under the new key are left readable, so a
rerun after a partial deployment is harmless.
"""

from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlmodel import Session, col, select

from clawscale.crypto import reencrypt_text
from clawscale.domain.calendar_import.runs import UNFINISHED
from clawscale.domain.errors import Invalid
from clawscale.models import Agent, CalendarImportRun, Channel


@dataclass(frozen=True)
class RotationReport:
    """How many stored values were re-encrypted."""

    channels: int
    agents: int
    import_runs: int = 0


def _rotated(old_key: str, new_key: str, ciphertext: str, what: str) -> str:
    if not ciphertext:
        return ciphertext
    try:
        return reencrypt_text(old_key, new_key, ciphertext)
    except InvalidToken as error:
        raise Invalid("unknown_secret_key", f"{what} opens with neither key") from error


def reencrypt_credentials(db: Session, old_key: str, new_key: str) -> RotationReport:
    """Move every channel credential and agent token from `old_key` to `new_key`."""
    channels = db.exec(select(Channel).with_for_update()).all()
    for channel in channels:
        channel.config_encrypted = _rotated(
            old_key, new_key, channel.config_encrypted, f"channel {channel.id} config"
        )
        channel.secrets_encrypted = _rotated(
            old_key, new_key, channel.secrets_encrypted, f"channel {channel.id} secrets"
        )
        db.add(channel)
    agents = db.exec(select(Agent).with_for_update()).all()
    for agent in agents:
        agent.token_encrypted = _rotated(
            old_key, new_key, agent.token_encrypted, f"agent {agent.id}"
        )
        db.add(agent)
    runs = db.exec(
        select(CalendarImportRun)
        .where(col(CalendarImportRun.status).in_(UNFINISHED))
        .with_for_update()
    ).all()
    for run in runs:
        what = f"calendar import run {run.id}"
        run.code_verifier_encrypted = _rotated(
            old_key, new_key, run.code_verifier_encrypted or "", what
        )
        run.tokens_encrypted = _rotated(old_key, new_key, run.tokens_encrypted or "", what) or None
        db.add(run)
    db.flush()
    return RotationReport(channels=len(channels), agents=len(agents), import_runs=len(runs))
