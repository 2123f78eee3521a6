"""Upserting mapped rows into our tables by primary key, counting what changed."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from clawscale.domain.switch_over.plan import MappedRow, TableImport
from clawscale.domain.switch_over.report import TableCounts
from clawscale.domain.switch_over.sealed import SealedDocument, SealedText
from clawscale.settings import Settings


def _primary_key(model: type[SQLModel], values: MappedRow) -> Any:
    columns = sa.inspect(model).primary_key
    key = tuple(values[column.name] for column in columns)
    return key[0] if len(key) == 1 else key


def _stored(settings: Settings, value: Any) -> Any:
    return value.seal(settings) if isinstance(value, SealedDocument | SealedText) else value


def _same(settings: Settings, mapped: Any, current: Any) -> bool:
    if isinstance(mapped, SealedDocument | SealedText):
        return mapped.matches(settings, current)
    return mapped == current


def _differences(
    settings: Settings, plan: TableImport, existing: SQLModel, values: MappedRow
) -> dict[str, Any]:
    kept = plan.kept_on_reimport(existing)
    return {
        name: value
        for name, value in values.items()
        if name not in kept and not _same(settings, value, getattr(existing, name))
    }


def upsert_batch(
    db: Session,
    settings: Settings,
    plan: TableImport,
    rows: Sequence[MappedRow],
    counts: TableCounts,
    *,
    write: bool,
) -> None:
    """Insert the rows we lack, update the ones that differ, count the rest as unchanged; with
    `write` false nothing is added to the session (a dry run)."""
    for values in rows:
        existing = db.get(plan.model, _primary_key(plan.model, values))
        if existing is None:
            counts.inserted += 1
            if write:
                stored = {name: _stored(settings, value) for name, value in values.items()}
                db.add(plan.model(**stored))
            continue
        changes = _differences(settings, plan, existing, values)
        if not changes:
            counts.unchanged += 1
            continue
        counts.updated += 1
        if write:
            for name, value in changes.items():
                setattr(existing, name, _stored(settings, value))
            db.add(existing)
    if write:
        db.flush()
