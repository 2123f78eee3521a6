"""Watching what an engine does during a block: a SQLAlchemy event handler attached for it."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def listening(engine: sa.Engine, event: str, handler: Callable[..., None]) -> Iterator[None]:
    """`handler` is called on each `event` of `engine` while the block runs."""
    sa.event.listen(engine, event, handler)
    try:
        yield
    finally:
        sa.event.remove(engine, event, handler)
