"""The outbox: outbound calls (Graph API replies, change notifications) leave the request path.

A webhook view only *enqueues*; ``optin-gateway worker`` claims due items and runs the
handler registered for their ``kind``. A handler raises :class:`RetryLater` (or any error)
to be retried with exponential backoff, :class:`GiveUp` to stop. Each item has a unique
``dedupe_key``, so enqueueing the same thing twice (a retried webhook) sends it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

log = logging.getLogger("gateway.outbox")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    business_id: int | None
    payload: Mapping[str, Any]
    dedupe_key: str
    attempts: int


class RetryLater(Exception):
    """Temporary failure (timeout, 5xx, 429): try again after a backoff."""


class GiveUp(Exception):
    """Permanent failure (4xx that will not change): mark the item dead."""


Handler = Callable[[OutboxItem], None]


class OutboxStore(Protocol):
    def enqueue(self, kind: str, payload: Mapping[str, Any], dedupe_key: str,
                business_id: int | None = None) -> bool: ...
    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]: ...
    def mark_sent(self, item_id: int, now: datetime) -> None: ...
    def mark_retry(self, item_id: int, next_at: datetime, error: str) -> None: ...
    def mark_dead(self, item_id: int, error: str) -> None: ...
    def beat(self, worker: str, now: datetime, *, started: bool = False) -> None: ...


def backoff(attempts: int, base: float = 2.0, cap: float = 3600.0) -> timedelta:
    """1st retry after 2 s, then 4, 8, ... capped at an hour."""
    return timedelta(seconds=min(cap, base ** max(1, attempts)))


BEAT_EVERY = 10.0  # seconds between a running worker's heartbeats


class Worker:
    """Runs due outbox items through their handlers."""

    def __init__(self, store: OutboxStore, handlers: Mapping[str, Handler],
                 clock: Callable[[], datetime], *, max_attempts: int = 8,
                 lease: timedelta = timedelta(minutes=2)):
        self.store = store
        self.handlers = handlers
        self.clock = clock
        self.max_attempts = max_attempts
        self.lease = lease

    def run_once(self, limit: int = 50) -> int:
        """Process up to ``limit`` due items; returns how many were attempted."""
        items = self.store.claim(self.clock(), limit, self.lease)
        for item in items:
            self._run(item)
        return len(items)

    def _run(self, item: OutboxItem) -> None:
        handler = self.handlers.get(item.kind)
        if handler is None:
            self.store.mark_dead(item.id, f"no handler for kind {item.kind!r}")
            return
        try:
            handler(item)
        except GiveUp as exc:
            log.warning("outbox %s %s gave up: %s", item.kind, item.id, exc)
            self.store.mark_dead(item.id, str(exc)[:500])
        except Exception as exc:  # noqa: BLE001 - every other failure is retried
            attempts = item.attempts + 1
            if attempts >= self.max_attempts:
                self.store.mark_dead(item.id, f"after {attempts} attempts: {exc}"[:500])
            else:
                self.store.mark_retry(item.id, self.clock() + backoff(attempts), str(exc)[:500])
        else:
            self.store.mark_sent(item.id, self.clock())

    def run_forever(self, idle_sleep: float = 0.5, stop: Callable[[], bool] = lambda: False,
                    *, name: str | None = None, beat_every: float = BEAT_EVERY) -> None:
        """Work until ``stop()``; when ``name`` is given, say so in the store now and then,
        so the dashboard can tell staff that jobs wait because no worker runs."""
        last_beat = -beat_every
        while not stop():
            if name and time.monotonic() - last_beat >= beat_every:
                self.store.beat(name, self.clock(), started=last_beat < 0)
                last_beat = time.monotonic()
            if self.run_once() == 0:
                time.sleep(idle_sleep)
