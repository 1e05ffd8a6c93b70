"""Change notifications commit with their event: an outbox row exists if and only if its
event does, on both write paths (one capture; a CSV import), on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.core.consent import Business, Capture
from gateway.core.outbox import Worker
from gateway.imports.jobs import DONE
from gateway.store import notifications
from gateway.store.bulk_store import BulkWriter
from tests.imports.helpers import row, write_csv


class Boom(RuntimeError):
    pass


def hooks(gw: Any, business: Business, count: int = 2) -> list[int]:
    return [gw.proof.add_webhook(business, f"http://127.0.0.1:9/hook{i}", "CRM",
                                 actor="test")[0].id for i in range(count)]


def announced(gw: Any) -> list[tuple[int, str]]:
    """(webhook id, event id) of every queued notification."""
    return sorted((i.payload["webhook_id"], i.payload["event_id"])
                  for i in gw.outbox.items("webhook"))


def recorded(gw: Any, business: Business) -> list[str]:
    return list(gw.proof.store.event_ids_since(business.id, datetime(2000, 1, 1, tzinfo=UTC)))


def capture(phone: str, key: str) -> Capture:
    return Capture(business="demo", phone=phone, topics=("offers",), channel="web_form",
                   method="checkbox", wording_kind="web_form", idempotency_key=key)


def test_every_recorded_event_is_announced_once_per_webhook(gw: Any, business: Business) -> None:
    ids = hooks(gw, business)
    rng = random.Random(7)
    for _ in range(40):  # new captures and redeliveries of earlier keys
        n = rng.randrange(25)
        gw.service.capture(capture(f"+8190{10000000 + n:08d}", f"k{n}"))
    events = recorded(gw, business)
    assert 0 < len(events) <= 25
    assert announced(gw) == sorted((h, e) for h in ids for e in events)


def test_imported_events_are_announced_and_a_reimport_adds_none(
        gw: Any, business: Business, tmp_path: Path) -> None:
    ids = hooks(gw, business, 1)
    path = write_csv(tmp_path / "paper.csv", [row(f"090-2222-{i:04d}") for i in range(30)])
    job = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="t").id)
    assert (job.status, job.recorded) == (DONE, 30)
    events = recorded(gw, business)
    assert announced(gw) == sorted((ids[0], e) for e in events)
    again = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="t").id)
    assert again.recorded == 0 and len(announced(gw)) == 30
    # ...and the worker delivers them as any other notification (here: a closed port, so
    # every attempt is a retry, never a loss)
    later = datetime.now(UTC) + timedelta(minutes=1)
    Worker(gw.outbox, gw.outbox_handlers, lambda: later).run_once(limit=100)
    assert {i.status for i in gw.outbox.items("webhook")} == {"pending"}


def test_a_write_that_fails_after_queueing_leaves_neither(
        gw: Any, business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    hooks(gw, business)
    gw.service.capture(capture("+819011110000", "before"))
    before = (recorded(gw, business), announced(gw))
    real = notifications.queue

    def queue_then_crash(*args: Any) -> None:
        real(*args)
        raise Boom  # e.g. the connection drops before the commit

    monkeypatch.setattr(notifications, "queue", queue_then_crash)
    with pytest.raises(Boom):
        gw.service.capture(capture("+819011110001", "lost"))
    assert (recorded(gw, business), announced(gw)) == before
    monkeypatch.setattr(notifications, "queue", real)
    gw.service.capture(capture("+819011110001", "lost"))  # the retry records and announces
    assert len(announced(gw)) == len(before[1]) + 2


def test_an_import_batch_that_fails_after_queueing_leaves_neither(
        gw: Any, business: Business, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hooks(gw, business, 1)

    def crash(*args: Any) -> None:
        raise Boom

    monkeypatch.setattr(BulkWriter, "_facets", crash)  # runs after events and outbox rows
    path = write_csv(tmp_path / "paper.csv", [row(f"090-3333-{i:04d}") for i in range(10)])
    job = gw.imports.create_job(business, path, source="cli", actor="t")
    with contextlib.suppress(Boom):  # the job may also just report the failure
        gw.imports.run(job.id)
    assert recorded(gw, business) == [] and announced(gw) == []
