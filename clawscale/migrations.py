"""Applies and inspects Alembic migrations for a given database URL."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from clawscale.settings import PROJECT_ROOT

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the project's migrations, pointed at `database_url`."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(Path(PROJECT_ROOT) / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Bring the database at `database_url` to the newest migration."""
    command.upgrade(alembic_config(database_url), "head")


def pending_model_changes(database_url: str) -> list[object]:
    """What autogenerate would still add: empty when the models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import clawscale.models  # noqa: F401
    from clawscale.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()
