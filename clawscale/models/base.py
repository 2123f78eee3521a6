"""Building blocks shared by every table: ids, UTC timestamps and the column types for them."""

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field

ID_LENGTH = 40


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """A prefixed random id such as `ck_3f9a...`: unguessable, never sequential."""
    return f"{prefix}_{secrets.token_hex(12)}"


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored with its time zone and always read back as aware UTC.

    SQLite keeps no zone; PostgreSQL does. Either way Python sees aware UTC datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def id_field(prefix: str) -> Any:
    """A primary-key column holding a fresh `prefix_...` id."""
    return Field(
        default_factory=lambda: new_id(prefix),
        primary_key=True,
        max_length=ID_LENGTH,
    )


def created_at_field(*, index: bool = False) -> Any:
    """A non-null timestamp defaulting to now."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def timestamp_field(*, index: bool = False) -> Any:
    """An optional timestamp column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


class StrEnumString(sa.TypeDecorator[str]):
    """A StrEnum stored as its string (portable: no database enum types) and read back as the
    enum member; a stored value the enum does not know is read as the plain string."""

    impl = sa.String(24)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return value


def enum_field(default: StrEnum, *, index: bool = False) -> Any:
    """A short string column for a StrEnum value, read back as the enum."""
    return Field(default=default, sa_type=StrEnumString(type(default)), nullable=False, index=index)


def foreign_key_field(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key to `target` (`table.column`), indexed by default."""
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        nullable=nullable,
        index=index,
        max_length=ID_LENGTH,
    )


def json_field() -> Any:
    """A JSON document column (JSON on PostgreSQL, text on SQLite)."""
    return Field(default_factory=dict, sa_type=sa.JSON, nullable=False)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> sa.Index:
    """An index of the rows meeting `where` (SQL), on SQLite and PostgreSQL alike."""
    predicate = sa.text(where)
    return sa.Index(
        name, *columns, unique=unique, sqlite_where=predicate, postgresql_where=predicate
    )
