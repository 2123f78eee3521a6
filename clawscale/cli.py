"""The `python -m clawscale` command line: the start-up check, migrations, admin accounts, the
demo agent, secret rotation, importing a seed gateway's database."""

import argparse
import os
import sys
from collections.abc import Sequence

from sqlmodel import Session

from clawscale.db import get_engine, session_scope
from clawscale.domain.accounts.admins import create_admin
from clawscale.domain.channels.secret_rotation import reencrypt_credentials
from clawscale.domain.demo_agent.setup import ensure_demo
from clawscale.domain.errors import DomainError
from clawscale.domain.switch_over.progress import ProgressBar
from clawscale.domain.switch_over.run import DEFAULT_HISTORY_DAYS, ImportOptions, import_seed
from clawscale.domain.web_chat.embedding import chat_page_url
from clawscale.migrations import upgrade_database
from clawscale.settings import Settings, get_settings
from clawscale.startup_checks import log_startup_warnings, refuse_to_start_on_problems
from clawscale.workers.lifespan import create_bootstrap_admin


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m clawscale", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "check",
        help="refuse a start with unsafe or inconsistent settings (one line per problem); "
        "else print the start plan, NAME=value per line, for scripts/run",
    )

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="apply every pending migration")

    admin = commands.add_parser("admin", help="admin accounts").add_subparsers(
        dest="action", required=True
    )
    create = admin.add_parser("create", help="create an admin account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    admin.add_parser(
        "bootstrap",
        help="create ADMIN_BOOTSTRAP_EMAIL's admin when no admin exists yet",
    )

    demo = commands.add_parser("demo", help="the built-in demo agent").add_subparsers(
        dest="action", required=True
    )
    demo.add_parser(
        "bootstrap",
        help="make the demo agent and its web chat when wanted (development, or DEMO_AGENT=true)",
    )

    secrets = commands.add_parser("secrets", help="stored credentials").add_subparsers(
        dest="action", required=True
    )
    rotate = secrets.add_parser(
        "reencrypt",
        help="re-encrypt stored credentials from --old-key to the current CLAWSCALE_SECRET_KEY",
    )
    rotate.add_argument("--old-key", required=True)

    seed = commands.add_parser(
        "import-seed",
        help="import a seed (TypeScript) gateway's PostgreSQL database; safe to run again",
    )
    seed.add_argument("--from", dest="source_url", required=True, help="postgresql://...")
    seed.add_argument("--dry-run", action="store_true", help="print what would be imported")
    seed.add_argument("--history-days", type=int, default=DEFAULT_HISTORY_DAYS)
    seed.add_argument(
        "--evolution-api-key",
        default=os.environ.get("EVOLUTION_API_KEY", ""),
        help="the seed's EVOLUTION_API_KEY (default: that variable), kept on Evolution channels",
    )
    seed.add_argument(
        "--linq-api-key",
        default=os.environ.get("LINQ_API_KEY", ""),
        help="the seed's LINQ_API_KEY (default: that variable), kept on Linq channels",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success, 1 when a rule refused it."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        settings = get_settings()
        log_startup_warnings(settings)
        refuse_to_start_on_problems(settings)
        print(start_plan(settings))
        return 0
    if args.command == "db":
        upgrade_database(get_settings().DATABASE_URL)
        print("database is at the newest migration")
        return 0
    if args.command == "demo":
        print(bootstrap_demo())
        return 0
    if args.command == "import-seed":
        return _import_seed(args)
    if args.action == "bootstrap":
        create_bootstrap_admin()
        return 0
    try:
        with session_scope(get_engine()) as session:
            print(_run_in_session(session, args))
    except DomainError as error:
        return _refused(error)
    return 0


def _refused(error: DomainError) -> int:
    """Say on stderr which rule refused the command; the exit status for it."""
    print(f"error: {error.code}: {error.message or ''}".rstrip(": "), file=sys.stderr)
    return 1


def _import_seed(args: argparse.Namespace) -> int:
    """Import the seed's database: progress on stderr, the report on stdout."""
    options = ImportOptions(
        source_url=args.source_url,
        dry_run=args.dry_run,
        history_days=args.history_days,
        evolution_api_key=args.evolution_api_key,
        linq_api_key=args.linq_api_key,
    )
    try:
        report = import_seed(get_engine(), get_settings(), options, ProgressBar(sys.stderr))
    except DomainError as error:
        return _refused(error)
    print(report.render())
    return 0


def start_plan(settings: Settings) -> str:
    """The resolved values scripts/run starts with, `NAME=value` per line: the same settings
    every process of the gateway reads (environment over the env file, URLs following ports)."""
    plan = {
        "CLAWSCALE_ENV": settings.CLAWSCALE_ENV.value,
        "WEB_PORT": settings.WEB_PORT,
        "API_PORT": settings.API_PORT,
        "CLAWSCALE_PUBLIC_API_URL": settings.CLAWSCALE_PUBLIC_API_URL,
        "DOMAIN_CLIENT": settings.DOMAIN_CLIENT,
        "GRANIAN_WORKERS": settings.backend_workers,
        "CLAWSCALE_RUN_WORKERS": str(settings.CLAWSCALE_RUN_WORKERS).lower(),
        "STOP_GRACE_SECONDS": round(settings.STOP_GRACE_SECONDS),
    }
    return "\n".join(f"{name}={value}" for name, value in plan.items())


def bootstrap_demo() -> str:
    """Make the demo agent and its chat when the settings want them; the line saying where
    to chat with it."""
    settings = get_settings()
    if not settings.demo_agent_wanted:
        return "demo agent: off (DEMO_AGENT=true turns it on)"
    with session_scope(get_engine()) as session:
        demo = ensure_demo(session, settings)
        return f"chat with the demo agent: {chat_page_url(settings, demo.channel.id)}"


def _run_in_session(session: Session, args: argparse.Namespace) -> str:
    if args.action == "reencrypt":
        report = reencrypt_credentials(session, args.old_key, get_settings().CLAWSCALE_SECRET_KEY)
        return (
            f"re-encrypted {report.channels} channels, {report.agents} agents and "
            f"{report.import_runs} unfinished calendar imports"
        )
    admin = create_admin(session, args.email, args.password)
    return f"created admin {admin.email} ({admin.id})"
