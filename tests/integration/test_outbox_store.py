"""The SQL outbox on both databases: dedupe, leases, outcomes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.core.outbox import RetryLater, Worker


def test_enqueue_dedupes_and_worker_delivers(gw: Any) -> None:
    assert gw.outbox.enqueue("ping", {"n": 1}, "ping-1")
    assert not gw.outbox.enqueue("ping", {"n": 1}, "ping-1")
    seen: list[dict[str, Any]] = []
    worker = Worker(gw.outbox, {"ping": lambda item: seen.append(dict(item.payload))},
                    gw.store.clock)
    assert worker.run_once() == 1 and seen == [{"n": 1}]
    assert worker.run_once() == 0
    [row] = gw.outbox.items("ping")
    assert row.status == "sent" and row.attempts == 1


def test_claimed_items_are_leased_and_failures_scheduled(gw: Any) -> None:
    gw.outbox.enqueue("ping", {}, "p")
    now = gw.store.clock()
    assert len(gw.outbox.claim(now, 10, timedelta(minutes=2))) == 1
    assert gw.outbox.claim(now, 10, timedelta(minutes=2)) == []  # leased to the first worker

    def fail(item: Any) -> None:
        raise RetryLater("503")

    later = now + timedelta(minutes=3)
    worker = Worker(gw.outbox, {"ping": fail}, lambda: later)
    assert worker.run_once() == 1
    [row] = gw.outbox.items()
    assert row.status == "pending" and row.attempts == 1 and row.last_error == "503"
    assert row.next_attempt_at > later
