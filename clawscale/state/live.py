"""A customer page that keeps what it shows current: it reads it again every few seconds while
it is open, so a change made elsewhere (a WeChat session ending, a payment Stripe confirms)
shows without a reload.

The page calls `start` when its content mounts and `stop` when it unmounts; a background task
then reads every `REFRESH_SECONDS` until the page is left (it unmounts, or the route changes).
A new start ends the task of an earlier one (React's development double mount starts twice).
The State says what to read (`_reading`, run by `run_domain` in one transaction) and how to
show it (`_show_read`, which answers the sign-in redirect when the session has ended); its
load handler and its pager read the same way through `_read_again`."""

import asyncio
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from clawscale.state.backend import DomainWork, run_domain

REFRESH_SECONDS = 5.0


class LiveState(rx.State, mixin=True):
    """Reads the page's content again every few seconds while the page is open."""

    _watch: int = 0
    _watched_path: str = ""

    def _reading(self) -> DomainWork[Any]:
        """What to read, with the state's parameters (session, page) captured now."""
        raise NotImplementedError

    def _show_read(self, found: Any) -> EventSpec | None:
        """Show what `_reading` found; the sign-in redirect when it found no session."""
        raise NotImplementedError

    async def _read_again(self) -> EventSpec | None:
        """Read the page's content now and show it."""
        return self._show_read(await run_domain(self._reading()))

    @rx.event
    def start(self) -> EventSpec:
        """The content is on screen: read it again every few seconds until the page is left."""
        self._watch += 1
        self._watched_path = self.router.url.path
        return type(self).watch

    @rx.event
    def stop(self) -> None:
        """The page was left: the reading ends at its next tick."""
        self._watched_path = ""

    def _still_watching(self, watch: int) -> bool:
        return watch == self._watch and self._watched_path == self.router.url.path

    @rx.event(background=True)
    async def watch(self) -> EventSpec | None:
        """Read and show the content every `REFRESH_SECONDS` while this page stays open."""
        async with self:
            watch = self._watch
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            async with self:
                if not self._still_watching(watch):
                    return None
                reading = self._reading()
            found = await run_domain(reading)
            async with self:
                if not self._still_watching(watch):
                    return None
                redirect = self._show_read(found)
                if redirect is not None:
                    self._watched_path = ""
                    return redirect
