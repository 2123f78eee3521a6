"""Values stored encrypted under our key: sealed on insert, compared by their plaintext (a fresh
encryption differs every time, so a re-import compares what they say)."""

from dataclasses import dataclass

from clawscale.crypto import decrypt_text, encrypt_text
from clawscale.domain.channels.store import open_document, seal_document
from clawscale.settings import Settings


@dataclass(frozen=True)
class SealedDocument:
    """A channel's config or secrets document."""

    document: dict[str, str]

    def seal(self, settings: Settings) -> str:
        return seal_document(settings, self.document)

    def matches(self, settings: Settings, stored: str) -> bool:
        try:
            return open_document(settings, stored) == self.document
        except ValueError:
            return False


@dataclass(frozen=True)
class SealedText:
    """One secret text, such as an agent's token ("" stays "")."""

    text: str

    def seal(self, settings: Settings) -> str:
        return encrypt_text(settings.CLAWSCALE_SECRET_KEY, self.text) if self.text else ""

    def matches(self, settings: Settings, stored: str) -> bool:
        opened = decrypt_text(settings.CLAWSCALE_SECRET_KEY, stored) if stored else ""
        return opened == self.text


Sealed = SealedDocument | SealedText
