"""Calls to a provider's API outside `base.post_json`: management calls and unclassified sends.

Failures become `ProviderError` with the provider's name and the HTTP status only: never a URL
(Telegram's carry the bot token), a header or a response body.
"""

import httpx

from clawscale.channels.base import TransientSendError
from clawscale.channels.webhooks import ProviderError
from clawscale.http_urls import parsed_url


def json_object(response: httpx.Response) -> dict[str, object]:
    """The response body when it is a JSON object, else an empty one."""
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


async def call_provider(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: dict[str, object] | None = None,
    accept_statuses: tuple[int, ...] = (),
) -> dict[str, object]:
    """One management call; its JSON object answer, or ProviderError on failure.

    `accept_statuses` are error statuses that count as success (e.g. 404 when deleting
    something that is already gone).
    """
    try:
        response = await client.request(method, url, headers=headers, json=body)
    except httpx.HTTPError as error:
        raise ProviderError(f"{provider} unreachable: {type(error).__name__}") from error
    if response.status_code >= 400 and response.status_code not in accept_statuses:
        raise ProviderError(f"{provider} answered HTTP {response.status_code}")
    return json_object(response)


async def post_unclassified(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    body: dict[str, object],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST JSON for a send whose kind reads failures from the body itself: network failures
    and timeouts are transient; the response is returned whatever its status."""
    try:
        return await client.post(parsed_url(url), json=body, headers=headers or {})
    except httpx.HTTPError as error:
        raise TransientSendError(f"{provider} unreachable: {type(error).__name__}") from error
