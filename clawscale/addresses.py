"""How providers write a person's address: WhatsApp's digits-only `wa_id`, Linq's `+` and
digits phone number. Shared by the adapters (reading webhooks) and the identity rules."""

import re

NON_DIGITS = re.compile(r"[^0-9]")


def digits_only(value: str) -> str:
    """The ASCII digits of `value`, in order (a WhatsApp `wa_id`)."""
    return NON_DIGITS.sub("", value)


def plus_and_digits(value: str) -> str:
    """`+` and the digits of `value` (a Linq `phone_number`); empty when there are no digits."""
    digits = digits_only(value)
    return f"+{digits}" if digits else ""
