"""Personal WeChat media, fetched from WeChat's CDN and decrypted into data URLs the runtime
reads inline (as the seed's gateway did: iLink gives no URL a runtime could open itself).

An iLink media item (`image_item`, `voice_item`, `file_item`, `video_item`) names its file's
`media.full_url` and the AES-128 key, as hex in `aeskey` or as base64 of that hex in
`media.aes_key`; the file is AES-128-ECB with PKCS#7 padding. A file is kept inline only when
the runtime takes it inline (Coke's bridge: a content type it trusts, up to MAX_INLINE_BYTES
each and MAX_INLINE_TOTAL_BYTES a message; beyond them it refuses the whole message). Any other
attachment, or one whose download fails, keeps its description without a `url`.
"""

import asyncio
import base64
import binascii
import logging
from dataclasses import replace

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from clawscale.channels.base import InboundMessage

logger = logging.getLogger(__name__)

MAX_INLINE_BYTES = 2 * 1024 * 1024
MAX_INLINE_TOTAL_BYTES = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 30.0
INLINE_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "audio/ogg",
        "audio/mpeg",
        "audio/silk",
        "video/mp4",
        "application/pdf",
    }
)


def _key_and_url(attachment: dict[str, object]) -> tuple[bytes, str] | None:
    """The AES key and CDN URL of an attachment's iLink item, when it names both."""
    item = attachment.get("item")
    kind = attachment.get("type")
    detail = item.get(f"{kind}_item") if isinstance(item, dict) else None
    if not isinstance(detail, dict):
        return None
    media = detail.get("media")
    media = media if isinstance(media, dict) else {}
    url = media.get("full_url")
    hex_key = detail.get("aeskey")
    if not hex_key and isinstance(media.get("aes_key"), str):
        try:
            hex_key = base64.b64decode(media["aes_key"]).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            return None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    try:
        key = bytes.fromhex(hex_key) if isinstance(hex_key, str) else b""
    except ValueError:
        return None
    return (key, url) if len(key) == 16 else None


def decrypt(key: bytes, data: bytes) -> bytes:
    """AES-128-ECB with PKCS#7 padding, as WeChat's CDN stores media; ValueError when `data`
    is not such a file under `key`."""
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


async def _download(client: httpx.AsyncClient, key: bytes, url: str) -> bytes | None:
    """The decrypted file, or None when it cannot be had (logged)."""
    try:
        response = await client.get(url, timeout=DOWNLOAD_TIMEOUT_SECONDS)
        response.raise_for_status()
        return decrypt(key, response.content)
    except (httpx.HTTPError, ValueError) as error:
        logger.info("WeChat media could not be fetched: %s", type(error).__name__)
        return None


async def _inlined(
    client: httpx.AsyncClient, attachments: tuple[dict[str, object], ...]
) -> tuple[dict[str, object], ...]:
    """The attachments, each one the runtime takes inline with its file as a data URL."""
    wanted = [
        (index, found)
        for index, attachment in enumerate(attachments)
        if attachment.get("contentType") in INLINE_CONTENT_TYPES
        and (found := _key_and_url(attachment))
    ]
    files = await asyncio.gather(*(_download(client, *found) for _, found in wanted))
    result, total = list(attachments), 0
    for (index, _), data in zip(wanted, files, strict=True):
        if data is None or len(data) > min(MAX_INLINE_BYTES, MAX_INLINE_TOTAL_BYTES - total):
            continue
        total += len(data)
        content_type = result[index]["contentType"]
        encoded = base64.b64encode(data).decode("ascii")
        result[index] = {
            **result[index],
            "url": f"data:{content_type};base64,{encoded}",
            "size": len(data),
        }
    return tuple(result)


async def with_media(
    client: httpx.AsyncClient, messages: tuple[InboundMessage, ...]
) -> tuple[InboundMessage, ...]:
    """The messages, their media fetched and inlined where the runtime can take it."""
    return tuple(
        [
            replace(message, attachments=await _inlined(client, message.attachments))
            if message.attachments
            else message
            for message in messages
        ]
    )
