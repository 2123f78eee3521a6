"""A small pool of psycopg 3 async connections in autocommit mode, opened on first use."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg


class Pool:
    """`size` connections to `dsn`, handed out one request at a time. The first request opens
    them all; the others wait for it rather than each opening connections of its own."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self.size = size
        self._idle: asyncio.Queue[psycopg.AsyncConnection] | None = None
        self._opening = asyncio.Lock()

    async def _connections(self) -> asyncio.Queue[psycopg.AsyncConnection]:
        async with self._opening:
            if self._idle is None:
                idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
                for _ in range(self.size):
                    idle.put_nowait(
                        await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                    )
                self._idle = idle
        return self._idle

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection of the pool's for the block."""
        idle = self._idle or await self._connections()
        connection = await idle.get()
        try:
            yield connection
        finally:
            idle.put_nowait(connection)
