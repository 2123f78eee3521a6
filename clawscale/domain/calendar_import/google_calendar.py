"""Reading a person's primary Google calendar (Calendar API v3) with their access token.

The primary calendar's entry gives the account (its id is the account's email), its time zone
and default reminders; its events are read page by page (2,500 at a time, deleted ones
included, as the seed does, so the runtime can tell cancellations). The calendar's default
reminders are sent as `default_reminders`, the key Coke's import reads, and as the seed's
`defaultReminders`, which Coke ignores. A Google error becomes
`GoogleRefused` with Google's reason (`insufficientPermissions`, `authError`, ...).
"""

from dataclasses import dataclass
from typing import Any

import httpx

from clawscale.domain.calendar_import.oauth import GoogleRefused
from clawscale.settings import Settings

PAGE_SIZE = 2500
MAX_PAGES = 40
"""At most 100,000 events are read; a calendar larger than that is cut there."""


@dataclass(frozen=True)
class PrimaryCalendar:
    """What the runtime is sent: the account, the calendar's defaults and its events."""

    account_email: str | None
    defaults: dict[str, Any]
    events: list[dict[str, Any]]


def _reason(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        details = error.get("errors") or [{}]
        return str(details[0].get("reason") or error.get("status") or "google_calendar_api_failed")
    except (ValueError, AttributeError, TypeError):
        return "google_calendar_api_failed"


async def _get(
    client: httpx.AsyncClient, url: str, token: str, params: dict[str, str] | None = None
) -> dict[str, Any]:
    try:
        response = await client.get(
            url, params=params, headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.HTTPError:
        raise GoogleRefused("google_calendar_api_unreachable") from None
    if response.status_code != 200:
        raise GoogleRefused(_reason(response))
    try:
        body = response.json()
    except ValueError:
        raise GoogleRefused("google_calendar_api_invalid_response") from None
    if not isinstance(body, dict):
        raise GoogleRefused("google_calendar_api_invalid_response")
    return body


async def read_primary_calendar(
    client: httpx.AsyncClient, settings: Settings, access_token: str
) -> PrimaryCalendar:
    """The primary calendar and every one of its events."""
    base = settings.GOOGLE_CALENDAR_API_URL.rstrip("/")
    entry = await _get(client, f"{base}/users/me/calendarList/primary", access_token)
    events: list[dict[str, Any]] = []
    page_token = ""
    for _page in range(MAX_PAGES):
        params = {"maxResults": str(PAGE_SIZE), "showDeleted": "true"}
        if page_token:
            params["pageToken"] = page_token
        page = await _get(client, f"{base}/calendars/primary/events", access_token, params)
        events.extend(item for item in page.get("items") or [] if isinstance(item, dict))
        page_token = str(page.get("nextPageToken") or "")
        if not page_token:
            break
    reminders = entry.get("defaultReminders")
    return PrimaryCalendar(
        account_email=entry.get("id") if isinstance(entry.get("id"), str) else None,
        defaults={
            "timezone": entry.get("timeZone"),
            "default_reminders": reminders if isinstance(reminders, list) else [],
            "defaultReminders": reminders if isinstance(reminders, list) else [],
        },
        events=events,
    )
