"""What the gateway refuses to start with, and what it warns of at every start.

`startup_problems` lists each setting that would make a production start unsafe or broken, one
line each naming the variable and what is wrong: a secret left empty or at its development
default, mail with nowhere to go, a public URL on this host that names another port than the
one served, several backend processes without Redis to share their page state. Development
refuses nothing. `startup_warnings` lists what is allowed but worth saying at each start (mail
switched off). `scripts/run` (through `python -m clawscale check`), `python -m clawscale.workers`
and the Reflex app all go through `refuse_to_start_on_problems`.
"""

import logging
import sys
from urllib.parse import urlsplit

from clawscale.settings import SECRETS_WITH_DEV_DEFAULTS, Environment, MailTransport, Settings

logger = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def _secret_problems(settings: Settings) -> list[str]:
    problems = []
    for name, default in SECRETS_WITH_DEV_DEFAULTS.items():
        value = getattr(settings, name)
        if not value:
            problems.append(f"{name} is empty: set it to a long random value")
        elif value == default:
            problems.append(f"{name} is the development default: set it to a long random value")
    return problems


def _mail_problems(settings: Settings) -> list[str]:
    if settings.MAIL_TRANSPORT is MailTransport.RESEND and not settings.RESEND_API_KEY:
        return [
            "RESEND_API_KEY is empty while MAIL_TRANSPORT=resend: set RESEND_API_KEY, "
            "or MAIL_TRANSPORT=none to run without sending mail"
        ]
    return []


def _port_problem(name: str, url: str, port_name: str, port: int) -> list[str]:
    """A problem when `url` names this host on another port than `port`."""
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        return []
    named = parts.port or (443 if parts.scheme == "https" else 80)
    if named == port:
        return []
    return [
        f"{name} is {url}, port {named}, but {port_name} is {port}: make them agree, "
        f"or unset {name} to follow {port_name}"
    ]


def _address_problems(settings: Settings) -> list[str]:
    return _port_problem(
        "CLAWSCALE_PUBLIC_API_URL", settings.CLAWSCALE_PUBLIC_API_URL, "API_PORT", settings.API_PORT
    ) + _port_problem("DOMAIN_CLIENT", settings.DOMAIN_CLIENT, "WEB_PORT", settings.WEB_PORT)


def _backend_problems(settings: Settings) -> list[str]:
    if settings.backend_workers < 1:
        return [f"GRANIAN_WORKERS is {settings.backend_workers}: it must be at least 1"]
    if settings.backend_workers > 1 and not settings.REDIS_URL:
        return [
            f"GRANIAN_WORKERS is {settings.backend_workers} but REDIS_URL is empty: several "
            "backend processes share page state through Redis; set REDIS_URL or GRANIAN_WORKERS=1"
        ]
    return []


def startup_problems(settings: Settings) -> list[str]:
    """Every reason to refuse this start, one line each (none in development)."""
    if settings.CLAWSCALE_ENV is not Environment.PRODUCTION:
        return []
    return (
        _secret_problems(settings)
        + _mail_problems(settings)
        + _address_problems(settings)
        + _backend_problems(settings)
    )


def startup_warnings(settings: Settings) -> list[str]:
    """What this start allows but an operator should read, one line each."""
    if settings.MAIL_TRANSPORT is MailTransport.NONE:
        return [
            "MAIL_TRANSPORT=none: no mail will be sent (sign-up, password reset and billing "
            "mails are kept for admins to see)"
        ]
    return []


def log_startup_warnings(settings: Settings) -> None:
    """Log each of `startup_warnings` (a start that warns still starts)."""
    for warning in startup_warnings(settings):
        logger.warning(warning)


def refuse_to_start_on_problems(settings: Settings) -> None:
    """On any problem print one line each to stderr and exit with status 2, no traceback."""
    problems = startup_problems(settings)
    if not problems:
        return
    for problem in problems:
        print(f"refusing to start: {problem}", file=sys.stderr)
    raise SystemExit(2)
