"""`/auth/claim`: the person a chat account was made for chooses a password and signs in; their
email is written in the page's language from then on."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.link_forms import new_password_form, unless_link_missing
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import claim, start_session
from clawscale.domain.errors import InvalidToken
from clawscale.i18n.catalogs import N_
from clawscale.settings import Settings, get_settings
from clawscale.state.backend import run_domain
from clawscale.state.form import field_value
from clawscale.state.link_forms import LINK_INVALID, LinkFormState, new_password_problems
from clawscale.state.locale import LocaleState
from clawscale.state.redirects import sign_in_redirect


def claim_and_sign_in(
    db: Session, settings: Settings, token: str, password: str, locale: str
) -> str | None:
    """A session token once the claim is finished (email in `locale` from now on); None for a
    bad or used link."""
    try:
        identity = claim(db, token, password, locale)
    except InvalidToken:
        return None
    return start_session(db, settings, identity).token


class ClaimState(LinkFormState):
    """Finishes a claim (pending -> active) and signs the person in."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Check the password (twice), claim, and go on to the link's `next` page."""
        self._begin_submit()
        if self._rejected(new_password_problems(form_data)):
            return
        token, password = self._link_token(), field_value(form_data, "password")
        locale = (await self.get_state(LocaleState)).lang
        yield None
        session_token = await run_domain(
            lambda db, settings: claim_and_sign_in(db, settings, token, password, locale)
        )
        if session_token is None:
            self._fail(LINK_INVALID)
            return
        yield sign_in_redirect(get_settings(), session_token, self._next_path())


SPEC = PageSpec(
    "/auth/claim",
    N_("Claim your account"),
    N_("Claim the account created for you when you first messaged an agent, and set a password."),
    Section.PUBLIC,
)


def claim_page() -> rx.Component:
    """The password form of the claim link."""
    return page_shell(
        SPEC,
        unless_link_missing(
            ClaimState, new_password_form(ClaimState, ClaimState.submit, t("Claim account"))
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, claim_page, on_load=(ClaimState.open_link,))
