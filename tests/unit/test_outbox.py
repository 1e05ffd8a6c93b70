"""The outbox worker against an in-memory fake store: retries, backoff, give-up, dedupe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.core.outbox import GiveUp, OutboxItem, RetryLater, Worker, backoff


class FakeOutbox:
    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}

    def enqueue(self, kind: str, payload: Mapping[str, Any], dedupe_key: str,
                business_id: int | None = None) -> bool:
        if any(i["item"].dedupe_key == dedupe_key for i in self.items.values()):
            return False
        n = len(self.items) + 1
        self.items[n] = {"item": OutboxItem(n, kind, business_id, payload, dedupe_key, 0),
                         "status": "pending", "due": datetime.min.replace(tzinfo=UTC)}
        return True

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        due = [i for i in self.items.values() if i["status"] == "pending" and i["due"] <= now]
        for i in due:
            i["due"] = now + lease
        return [i["item"] for i in due[:limit]]

    def _bump(self, item_id: int, **fields: Any) -> None:
        entry = self.items[item_id]
        entry["item"] = replace(entry["item"], attempts=entry["item"].attempts + 1)
        entry.update(fields)

    def mark_sent(self, item_id: int, now: datetime) -> None:
        self._bump(item_id, status="sent")

    def mark_retry(self, item_id: int, next_at: datetime, error: str) -> None:
        self._bump(item_id, due=next_at, error=error)

    def mark_dead(self, item_id: int, error: str) -> None:
        self._bump(item_id, status="dead", error=error)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_retry_with_backoff_then_success_sends_once() -> None:
    store, clock, calls = FakeOutbox(), Clock(), []

    def flaky(item: OutboxItem) -> None:
        calls.append(item.id)
        if len(calls) < 3:
            raise RetryLater("HTTP 503")

    assert store.enqueue("send", {"to": "x"}, "k1")
    assert not store.enqueue("send", {"to": "x"}, "k1")  # duplicate delivery: one item
    worker = Worker(store, {"send": flaky}, clock)
    assert worker.run_once() == 1 and store.items[1]["status"] == "pending"
    assert worker.run_once() == 0  # not due yet
    clock.now += backoff(1)
    worker.run_once()
    clock.now += backoff(2)
    worker.run_once()
    assert store.items[1]["status"] == "sent" and calls == [1, 1, 1]
    clock.now += timedelta(days=1)
    assert worker.run_once() == 0  # sent items never go out again


def test_give_up_and_max_attempts_and_unknown_kind() -> None:
    store, clock = FakeOutbox(), Clock()

    def refuse(item: OutboxItem) -> None:
        raise GiveUp("HTTP 400 invalid recipient")

    def broken(item: OutboxItem) -> None:
        raise RuntimeError("boom")

    store.enqueue("refuse", {}, "a")
    store.enqueue("broken", {}, "b")
    store.enqueue("mystery", {}, "c")
    worker = Worker(store, {"refuse": refuse, "broken": broken}, clock, max_attempts=3)
    for _ in range(5):
        worker.run_once()
        clock.now += timedelta(hours=2)
    assert [store.items[n]["status"] for n in (1, 2, 3)] == ["dead", "dead", "dead"]
    assert store.items[2]["item"].attempts == 3
    assert "no handler" in store.items[3]["error"]


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) < backoff(2) < backoff(5)
    assert backoff(30) == timedelta(hours=1)
