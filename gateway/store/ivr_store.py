"""SQL for IVR call state: create, advance with compare-and-set, replay, erase, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from gateway.ivr.model import IvrCall, StepWrite
from gateway.store.engine import Database
from gateway.store.tables_ivr import IvrCallRow, IvrStepRow


class SqlIvrStore:
    def __init__(self, db: Database, clock: Callable[[], datetime]):
        self.db = db
        self.clock = clock

    def _apply(self, row: IvrCallRow, w: StepWrite, now: datetime) -> IvrStepRow:
        row.seq, row.step, row.state = w.n + 1, str(w.state.get("step", "")), w.state
        row.finished, row.outcome, row.updated_at = w.outcome is not None, w.outcome, now
        row.subject_ref = w.subject_ref or row.subject_ref
        row.event_id = w.event_id or row.event_id
        return IvrStepRow(call_id=row.id, n=w.n, step=w.step, answer=w.answer, twiml=w.twiml,
                          created_at=now)

    def start(self, call_sid: str, business_id: int, w: StepWrite) -> bool:
        """Create the call with its first step; False if the CallSid is already known."""
        now = self.clock()
        try:
            with self.db.writing() as s:
                row = IvrCallRow(call_sid=call_sid, business_id=business_id, seq=0, step="",
                                 state={}, created_at=now, updated_at=now)
                s.add(row)
                s.flush()
                s.add(self._apply(row, w, now))
        except IntegrityError:
            return False
        return True

    def load(self, call_sid: str) -> IvrCall | None:
        with self.db.reading() as s:
            row = s.scalar(select(IvrCallRow).where(IvrCallRow.call_sid == call_sid))
            if row is None:
                return None
            return IvrCall(row.call_sid, row.business_id, row.seq, dict(row.state),
                           row.finished, row.created_at)

    def advance(self, call_sid: str, w: StepWrite) -> bool:
        """Save step ``w.n`` if the call still expects it; False if another request did."""
        now = self.clock()
        try:
            with self.db.writing() as s:
                done = s.execute(update(IvrCallRow).where(
                    IvrCallRow.call_sid == call_sid, IvrCallRow.seq == w.n).values(
                    seq=w.n + 1)).rowcount  # type: ignore[attr-defined]
                if done != 1:
                    return False
                row = s.scalar(select(IvrCallRow).where(IvrCallRow.call_sid == call_sid))
                assert row is not None
                s.add(self._apply(row, w, now))
        except IntegrityError:
            return False
        return True

    def reply_for(self, call_sid: str, n: int) -> str | None:
        """The TwiML already sent for step ``n`` (Twilio retried the request)."""
        with self.db.reading() as s:
            return s.scalar(select(IvrStepRow.twiml).join(
                IvrCallRow, IvrCallRow.id == IvrStepRow.call_id).where(
                IvrCallRow.call_sid == call_sid, IvrStepRow.n == n))

    def steps(self, call_sid: str) -> list[tuple[int, str, dict[str, Any]]]:
        with self.db.reading() as s:
            rows = s.execute(select(IvrStepRow.n, IvrStepRow.step, IvrStepRow.answer).join(
                IvrCallRow, IvrCallRow.id == IvrStepRow.call_id).where(
                IvrCallRow.call_sid == call_sid).order_by(IvrStepRow.n)).all()
            return [(int(n), str(step), dict(answer)) for n, step, answer in rows]

    def count(self, business_id: int | None = None) -> tuple[int, int]:
        """(calls, steps) stored: what tests use to prove nothing was written."""
        with self.db.reading() as s:
            calls = select(IvrCallRow.id)
            if business_id is not None:
                calls = calls.where(IvrCallRow.business_id == business_id)
            ids = list(s.scalars(calls))
            steps = len(list(s.scalars(select(IvrStepRow.id).where(
                IvrStepRow.call_id.in_(ids))))) if ids else 0
            return len(ids), steps

    def export(self, business_id: int, subject_ref: str) -> list[dict[str, Any]]:
        """The calls held on one number (data-access request)."""
        with self.db.reading() as s:
            rows = s.scalars(select(IvrCallRow).where(
                IvrCallRow.business_id == business_id, IvrCallRow.subject_ref == subject_ref)
                .order_by(IvrCallRow.id)).all()
            return [{"call_sid": r.call_sid, "started_at": r.created_at.isoformat(),
                     "outcome": r.outcome, "event_id": r.event_id, "state": dict(r.state)}
                    for r in rows]

    def erase(self, business_id: int, subject_ref: str) -> int:
        """Delete the calls (state and replayable TwiML hold the number) of one person."""
        with self.db.writing() as s:
            ids = list(s.scalars(select(IvrCallRow.id).where(
                IvrCallRow.business_id == business_id, IvrCallRow.subject_ref == subject_ref)))
            if not ids:
                return 0
            s.execute(delete(IvrStepRow).where(IvrStepRow.call_id.in_(ids)))
            s.execute(delete(IvrCallRow).where(IvrCallRow.id.in_(ids)))
            return len(ids)

    def purge(self, before: datetime) -> int:
        """Delete calls last touched before ``before`` (retention of personal data)."""
        with self.db.writing() as s:
            ids = list(s.scalars(select(IvrCallRow.id).where(IvrCallRow.updated_at < before)))
            if ids:
                s.execute(delete(IvrStepRow).where(IvrStepRow.call_id.in_(ids)))
                s.execute(delete(IvrCallRow).where(IvrCallRow.id.in_(ids)))
            return len(ids)
