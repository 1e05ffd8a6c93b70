"""Group commit: concurrent writes to one chain share one transaction.

Every consent write of a business takes the lock on its chain head and holds it until the
commit, so writers of one business go one at a time, and each pays a lock, a head update
and a commit (an fsync on PostgreSQL). Here the writes that arrive while a transaction is
running wait in a queue per key (the business); when it ends, the first of them leads the
next transaction for all of them (up to ``max_batch``). Nobody waits for a timer when the
chain is idle, and under load the lock is taken once per batch, not once per event.

A caller returns only once the batch that holds its write has committed (or failed): what
is acknowledged is durable, and a crash before the commit loses only writes nobody was told
about. ``run_batch`` decides each item's outcome (a result or an exception), so one bad
item never costs the others their answer.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T]):
    __slots__ = ("item", "outcome", "lead", "done")

    def __init__(self, item: T):
        self.item = item
        self.outcome: Any = None
        self.lead = False
        self.done = threading.Event()


class GroupCommit(Generic[T, R]):
    """Gathers concurrent :meth:`submit` calls per key into calls of ``run_batch``.

    ``run_batch(key, items)`` returns one outcome per item, in order: a result, or an
    exception to raise in that item's caller. ``window`` (seconds) lets a leader wait that
    long for more writers before it starts, but only while the key is busy (its last batch
    held more than one write): a lone write to an idle chain never waits.
    """

    def __init__(self, run_batch: Callable[[Hashable, Sequence[T]], list[R | BaseException]],
                 *, max_batch: int = 64, window: float = 0.0):
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.window = window
        self._mutex = threading.Lock()
        self._queues: dict[Hashable, deque[_Slot[T]]] = {}
        self._running: set[Hashable] = set()
        self._last_size: dict[Hashable, int] = {}  # of each key's latest batch

    def submit(self, key: Hashable, item: T) -> R:
        slot: _Slot[T] = _Slot(item)
        with self._mutex:
            self._queues.setdefault(key, deque()).append(slot)
            slot.lead = key not in self._running
            self._running.add(key)
        if not slot.lead:
            slot.done.wait()
        if slot.lead:  # first in line, or handed the lead when the last batch ended
            self._lead(key)
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome  # type: ignore[no-any-return]

    def _lead(self, key: Hashable) -> None:
        if self.window and self._last_size.get(key, 0) > 1:
            time.sleep(self.window)
        with self._mutex:
            queue = self._queues[key]
            batch = [queue.popleft() for _ in range(min(self.max_batch, len(queue)))]
            self._last_size[key] = len(batch)
        try:
            outcomes = self.run_batch(key, [s.item for s in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError("run_batch returned a wrong number of outcomes")
        except BaseException as exc:  # noqa: BLE001 - every caller of the batch hears of it
            outcomes = [exc] * len(batch)
        finally:
            self._hand_over(key)
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome = outcome
            slot.lead = False
            slot.done.set()

    def _hand_over(self, key: Hashable) -> None:
        """Wake the first writer still waiting to lead the next batch, or end the run."""
        with self._mutex:
            queue = self._queues[key]
            if queue:
                queue[0].lead = True
                queue[0].done.set()
            else:
                self._running.discard(key)
                del self._queues[key]
