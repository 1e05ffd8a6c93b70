"""SQL for the outbox: enqueue idempotently, claim with a lease, record outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from gateway.core.outbox import OutboxItem
from gateway.store.engine import Database
from gateway.store.tables import OutboxRow
from gateway.store.tables_workers import WorkerBeatRow

FORGET_WORKERS = timedelta(days=1)  # rows of workers gone longer than this are dropped


class SqlOutbox:
    def __init__(self, db: Database, clock: Any):
        self.db = db
        self.clock = clock

    def enqueue(self, kind: str, payload: Mapping[str, Any], dedupe_key: str,
                business_id: int | None = None) -> bool:
        """Add an item; False (and nothing added) if ``dedupe_key`` is already queued."""
        now = self.clock()
        try:
            with self.db.writing() as s:
                s.add(OutboxRow(kind=kind, business_id=business_id, payload=dict(payload),
                                dedupe_key=dedupe_key, status="pending", attempts=0,
                                next_attempt_at=now, created_at=now))
        except IntegrityError:
            return False
        return True

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Due items, leased so another worker skips them until the lease runs out."""
        with self.db.writing() as s:
            stmt = (select(OutboxRow).where(OutboxRow.status == "pending",
                                            OutboxRow.next_attempt_at <= now)
                    .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit))
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(s.scalars(stmt))
            for row in rows:
                row.next_attempt_at = now + lease  # crash mid-send: retried after the lease
            return [OutboxItem(r.id, r.kind, r.business_id, dict(r.payload), r.dedupe_key,
                               r.attempts) for r in rows]

    def mark_sent(self, item_id: int, now: datetime) -> None:
        with self.db.writing() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
                status="sent", sent_at=now, attempts=OutboxRow.attempts + 1, last_error=None))

    def mark_retry(self, item_id: int, next_at: datetime, error: str) -> None:
        with self.db.writing() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
                next_attempt_at=next_at, attempts=OutboxRow.attempts + 1, last_error=error))

    def mark_dead(self, item_id: int, error: str) -> None:
        with self.db.writing() as s:
            s.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(
                status="dead", attempts=OutboxRow.attempts + 1, last_error=error))

    def items(self, kind: str | None = None) -> list[OutboxRow]:
        """All items (tests and the admin's delivery view)."""
        with self.db.reading() as s:
            stmt = select(OutboxRow).order_by(OutboxRow.id)
            if kind:
                stmt = stmt.where(OutboxRow.kind == kind)
            return list(s.scalars(stmt))

    # -- worker heartbeats (the dashboard warns when nobody runs the jobs) -----------------

    def beat(self, worker: str, now: datetime, *, started: bool = False) -> None:
        """Record that ``worker`` (host:pid) is alive at ``now``."""
        with self.db.writing() as s:
            row = s.get(WorkerBeatRow, worker)
            if row is None:
                s.add(WorkerBeatRow(worker=worker[:120], started_at=now, seen_at=now))
            else:
                row.seen_at = now
            if started:
                s.execute(delete(WorkerBeatRow).where(
                    WorkerBeatRow.seen_at < now - FORGET_WORKERS))

    def last_beat(self) -> datetime | None:
        """When any worker was last seen alive (None: never)."""
        with self.db.reading() as s:
            # Ordered, not max(): an aggregate would bypass the column's UTC type on SQLite.
            return s.scalar(select(WorkerBeatRow.seen_at)
                            .order_by(WorkerBeatRow.seen_at.desc()).limit(1))
