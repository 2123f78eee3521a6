"""Calling an agent runtime over HTTP: one POST, and what its answer means.

A call either returns the runtime's JSON answer (None when empty or not JSON) or raises:
`RuntimeTimedOut` when the request went out whole and no answer came in time (the runtime has
it: it must not be sent again), `TransientSendError` for network failures, 429 and 5xx,
`PermanentSendError` for other 4xx; HTTP failures are named by the runtime's error code
(`{"error": "missing_coke_account_id"}` -> `missing_coke_account_id (HTTP 400)`).
"""

import httpx

from clawscale.channels.base import (
    PermanentSendError,
    SendError,
    TransientSendError,
    raise_for_http_status,
)
from clawscale.domain.runtime.forwarding import RuntimeCall
from clawscale.http_urls import parsed_url

RUNTIME = "agent runtime"


class RuntimeTimedOut(SendError):
    """The runtime received the whole request but did not answer in time."""


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def runtime_refusal(response: httpx.Response) -> SendError:
    """The error for a runtime's HTTP failure, named by the error code it answered
    (`{"error": "missing_coke_account_id"}`) and the status: transient for 429 and 5xx,
    permanent for other 4xx."""
    answer = _json_or_none(response)
    code = answer.get("error") if isinstance(answer, dict) else None
    detail = f"{code} (HTTP {response.status_code})" if isinstance(code, str) and code else None
    try:
        raise_for_http_status(response, RUNTIME)
    except TransientSendError as error:
        return TransientSendError(detail or str(error), error.retry_after)
    except PermanentSendError as error:
        return PermanentSendError(detail or str(error))
    raise AssertionError("runtime_refusal is for failed responses only")


async def call_runtime(client: httpx.AsyncClient, call: RuntimeCall) -> object:
    """POST to the runtime; its JSON answer (None when empty or not JSON), or a SendError:
    `RuntimeTimedOut` when the request went out whole and no answer came within the call's
    timeout, transient for other network failures."""
    headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
    timeout = client.timeout
    if call.timeout_seconds is not None:
        timeout = httpx.Timeout(client.timeout.connect, read=call.timeout_seconds)
    try:
        response = await client.post(
            parsed_url(call.url), json=call.body, headers=headers, timeout=timeout
        )
    except httpx.ReadTimeout as error:
        waited = f"{timeout.read:g} s" if timeout.read is not None else "its timeout"
        raise RuntimeTimedOut(f"runtime_timeout: no answer within {waited}") from error
    except httpx.HTTPError as error:
        raise TransientSendError(f"{RUNTIME} unreachable: {type(error).__name__}") from error
    if response.status_code >= 400:
        raise runtime_refusal(response)
    return _json_or_none(response)
