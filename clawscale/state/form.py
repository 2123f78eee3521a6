"""What every page form keeps between submits: its problems, a notice, and whether it is busy.

Passwords never live here: handlers read them from the submitted form data and forget them.
"""

import json
from collections.abc import Mapping
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec


def field_value(form_data: Mapping[str, object], name: str) -> str:
    """A submitted field as text ("" when missing)."""
    value = form_data.get(name, "")
    return value if isinstance(value, str) else ""


class FormState(rx.State, mixin=True):
    """Field problems by input name, a problem with the whole form, a neutral notice, and a
    busy flag that disables the submit button. Each is an English message id, one of the
    State's `MESSAGES` (the page shows it in its language)."""

    MESSAGES: ClassVar[tuple[str, ...]] = ()

    errors: dict[str, str] = rx.field(default_factory=dict)
    form_error: str = ""
    notice: str = ""
    submitting: bool = False

    def _clear_form(self) -> None:
        """Forget the last answer."""
        self.errors = {}
        self.form_error = ""
        self.notice = ""
        self.submitting = False

    @rx.event
    def clear_form(self) -> None:
        """On load: a fresh form, without the answers of an earlier visit."""
        self._clear_form()

    def _begin_submit(self) -> None:
        """Forget the last answer and mark the form busy."""
        self._clear_form()
        self.submitting = True

    def _rejected(self, problems: Mapping[str, str]) -> bool:
        """Show the fields' problems ("" means fine); whether there were any."""
        found = {name: problem for name, problem in problems.items() if problem}
        if found:
            self.errors = found
            self.submitting = False
        return bool(found)

    def _fail(self, message: str) -> None:
        """Show a problem with the whole form."""
        self.form_error = message
        self.submitting = False

    def _done(self, notice: str = "") -> None:
        """The form went through; optionally say what happened."""
        self.notice = notice
        self.submitting = False


def reset_form(form_id: str) -> EventSpec:
    """Empty the browser's form `form_id` (its inputs are uncontrolled)."""
    return rx.call_script(f"document.getElementById({json.dumps(form_id)})?.reset()")
