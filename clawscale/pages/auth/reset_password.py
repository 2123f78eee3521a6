"""`/auth/reset-password`: a new password with the mailed link, then a way back to sign in."""

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from clawscale.components.catalogue import PageSpec, Section, SitePage
from clawscale.components.forms import aside, form_card, message_callout
from clawscale.components.link_forms import new_password_form, unless_link_missing
from clawscale.components.links import button_link
from clawscale.components.shell import page_shell
from clawscale.components.translated import t
from clawscale.domain.accounts.customers import reset_password
from clawscale.domain.errors import InvalidToken
from clawscale.i18n.catalogs import N_
from clawscale.state.backend import run_domain
from clawscale.state.form import field_value
from clawscale.state.link_forms import LINK_INVALID, LinkFormState, new_password_problems


def password_changed(db: Session, token: str, password: str) -> bool:
    """Whether the reset token set the new password (every earlier session then ends)."""
    try:
        reset_password(db, token, password)
    except InvalidToken:
        return False
    return True


class ResetPasswordState(LinkFormState):
    """Sets a new password with the mailed token."""

    @rx.event
    async def submit(self, form_data: dict[str, Any]) -> AsyncIterator[None]:
        """Check the new password (twice), then set it."""
        self._begin_submit()
        if self._rejected(new_password_problems(form_data)):
            return
        token, password = self._link_token(), field_value(form_data, "password")
        yield None
        if not await run_domain(lambda db, _settings: password_changed(db, token, password)):
            self._fail(LINK_INVALID)
            return
        self.completed = True
        self._done()
        await self._refresh_session()


SPEC = PageSpec(
    "/auth/reset-password",
    N_("Reset password"),
    N_("Choose a new password with the reset link from your email."),
    Section.PUBLIC,
)


def password_changed_notice() -> rx.Component:
    """The good news, and the way to sign in."""
    return form_card(
        message_callout(
            t("Your password has been changed. Sign in with your new password."), "success"
        ),
        button_link(t("Sign in"), "/auth/login"),
    )


def reset_password_page() -> rx.Component:
    """The new-password form, or what became of it."""
    return page_shell(
        SPEC,
        unless_link_missing(
            ResetPasswordState,
            rx.cond(
                ResetPasswordState.completed,
                password_changed_notice(),
                new_password_form(
                    ResetPasswordState, ResetPasswordState.submit, t("Set new password")
                ),
            ),
        ),
        aside(
            t("Link not working?"),
            " ",
            rx.link(t("Ask for a new one"), href="/auth/forgot-password"),
        ),
        form_width=True,
    )


PAGE = SitePage(SPEC, reset_password_page, on_load=(ResetPasswordState.open_link,))
