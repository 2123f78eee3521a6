"""Sorting a list by a column the caller names, from an allow-list.

A list query maps each sort key it offers to a column object; a requested key is only ever
looked up in that mapping, so no user input reaches the SQL text. An unknown key (or none)
falls back to the query's own default order. Every order ends with a unique column so pages
never overlap or skip rows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import asc, desc


@dataclass(frozen=True)
class Sort:
    """A requested order: a column key and its direction."""

    key: str = ""
    descending: bool = False


SortColumns = Mapping[str, Any]


def is_known(sort: Sort | None, columns: SortColumns) -> bool:
    """Whether `sort` names one of `columns`."""
    return sort is not None and sort.key in columns


def order_by(
    columns: SortColumns, sort: Sort | None, default: Sequence[Any], unique: Any
) -> list[Any]:
    """ORDER BY clauses: `sort`'s column (empty values last either way) then `unique` in the
    same direction; `default` when `sort` names none of `columns`."""
    if sort is None or not is_known(sort, columns):
        return list(default)
    direction = desc if sort.descending else asc
    return [direction(columns[sort.key]).nulls_last(), direction(unique)]
