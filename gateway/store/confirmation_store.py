"""SQL for double opt-in confirmation codes (the port in ``gateway.web.confirmations``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.store.engine import Database
from gateway.store.guards import findable
from gateway.store.tables_web import ConfirmationRow
from gateway.web.confirmations import CodeTaken, Confirmation


def _domain(row: ConfirmationRow) -> Confirmation:
    return Confirmation(
        business_id=row.business_id, code=row.code, subject_ref=row.subject_ref,
        pending_event_id=row.pending_event_id, topics=tuple(row.topics),
        wording_id=row.wording_id, language=row.language, created_at=row.created_at,
        expires_at=row.expires_at, status=row.status, used_at=row.used_at,
        used_key=row.used_key, confirmed_event_id=row.confirmed_event_id, id=row.id)


class SqlConfirmations:
    def __init__(self, db: Database, clock: Callable[[], datetime]):
        self.db = db
        self.clock = clock

    def add(self, c: Confirmation) -> Confirmation:
        """Insert; the existing one if the event has one; CodeTaken if the code is active."""
        try:
            with self.db.writing() as s:
                row = ConfirmationRow(
                    business_id=c.business_id, code=c.code, subject_ref=c.subject_ref,
                    pending_event_id=c.pending_event_id, topics=list(c.topics),
                    wording_id=c.wording_id, language=c.language, status=c.status,
                    created_at=c.created_at, expires_at=c.expires_at)
                s.add(row)
                s.flush()
                return _domain(row)
        except IntegrityError:
            existing = self.for_event(c.pending_event_id)  # a concurrent double submit
            if existing is not None:
                return existing
            raise CodeTaken(c.code) from None

    def for_event(self, pending_event_id: str) -> Confirmation | None:
        if not findable(pending_event_id, 36):
            return None
        with self.db.reading() as s:
            row = s.scalar(select(ConfirmationRow).where(
                ConfirmationRow.pending_event_id == pending_event_id))
            return _domain(row) if row else None

    def lookup(self, business_id: int, code: str) -> Confirmation | None:
        """The active confirmation with this code, else the latest one that had it."""
        if not findable(code, 12):
            return None
        with self.db.reading() as s:
            rows = s.scalars(select(ConfirmationRow).where(
                ConfirmationRow.business_id == business_id, ConfirmationRow.code == code)
                .order_by(ConfirmationRow.id.desc())).all()
            active = [r for r in rows if r.status == "active"]
            row = active[0] if active else (rows[0] if rows else None)
            return _domain(row) if row else None

    def expire_stale(self, business_id: int, now: datetime) -> int:
        with self.db.writing() as s:
            result = s.execute(update(ConfirmationRow).where(
                ConfirmationRow.business_id == business_id, ConfirmationRow.status == "active",
                ConfirmationRow.expires_at <= now).values(status="expired"))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def claim(self, confirmation_id: int, now: datetime, key: str) -> bool:
        """Mark used if still active and unexpired; False if another call got there first."""
        with self.db.writing() as s:
            result = s.execute(update(ConfirmationRow).where(
                ConfirmationRow.id == confirmation_id, ConfirmationRow.status == "active",
                ConfirmationRow.expires_at > now).values(status="used", used_at=now,
                                                         used_key=key))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def release(self, confirmation_id: int) -> None:
        with self.db.writing() as s:
            s.execute(update(ConfirmationRow).where(ConfirmationRow.id == confirmation_id)
                      .values(status="active", used_at=None, used_key=None))

    def set_event(self, confirmation_id: int, event_id: str) -> None:
        with self.db.writing() as s:
            s.execute(update(ConfirmationRow).where(ConfirmationRow.id == confirmation_id)
                      .values(confirmed_event_id=event_id))
