"""Freezing a process's start-up heap: what was alive is left out of later collections, what
is made after is still collected, cycles included."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from clawscale.startup_heap import freeze_startup_heap


class Node:
    """An object that can sit in a reference cycle and be watched with a weak reference."""

    def __init__(self) -> None:
        self.partner: Node | None = None


def cycle() -> Node:
    first, second = Node(), Node()
    first.partner, second.partner = second, first
    return first


def tracked(target: object) -> bool:
    """Whether `target` is in a generation a collection walks (frozen ones are not)."""
    return any(candidate is target for candidate in gc.get_objects())


@pytest.fixture
def frozen() -> Iterator[None]:
    """`freeze_startup_heap` called in this test process, undone afterwards."""
    freeze_startup_heap()
    try:
        yield
    finally:
        gc.unfreeze()


def test_what_was_alive_is_left_out_of_collections(request):
    started_with = cycle()
    assert tracked(started_with)

    request.getfixturevalue("frozen")

    assert not tracked(started_with)
    assert gc.get_freeze_count() > 0


def test_cycles_made_after_are_still_collected(frozen):
    made_after = cycle()
    assert tracked(made_after)
    watcher = weakref.ref(made_after)

    del made_after
    gc.collect()

    assert watcher() is None
