"""One SQLite writer at a time across processes, queued in the kernel.

SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5 … up to
100 ms between tries), so under several gunicorn processes a write often sleeps far longer
than the lock is held. Writing connections take an exclusive ``flock`` on a file beside
the database before ``BEGIN IMMEDIATE`` and drop it right after their commit or rollback,
so the next writer goes as soon as the lock is free. The wait is bounded like SQLite's
own (``busy_timeout``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any

POLL = 0.0005  # seconds between tries; a write holds the lock for about a millisecond
TIMEOUT = 30.0


def connection_class(database_path: str) -> type[sqlite3.Connection]:
    """A sqlite3 connection class whose transactions queue on ``<database>-writer.lock``."""
    lock_path = database_path + "-writer.lock"

    class QueuedWriter(sqlite3.Connection):
        _lock_fd: int | None = None
        _holding = False

        def queue_for_write(self) -> None:
            """Wait for the file lock (call before BEGIN IMMEDIATE)."""
            if self._lock_fd is None:  # one open file per connection: flock excludes them
                self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.monotonic() + TIMEOUT
            while True:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._holding = True
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise sqlite3.OperationalError("database is locked") from None
                    time.sleep(POLL)

        def leave_queue(self) -> None:
            if self._holding and self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                self._holding = False

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.leave_queue()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.leave_queue()

        def close(self) -> None:
            self.leave_queue()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            super().close()

    return QueuedWriter


def queue_for_write(dbapi_connection: Any) -> None:
    dbapi_connection.queue_for_write()


def leave_queue(dbapi_connection: Any) -> None:
    dbapi_connection.leave_queue()
