"""The honour-deadline record: answers given to eligibility checks, and the report over them.

Answers are buffered in memory and written in batches (every ``flush_every`` answers or
``max_age`` seconds, and at exit), so a campaign's million checks cost a few inserts, not a
million transactions. A crash can lose at most the unflushed tail: the report says so.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from gateway.core.consent import Eligibility
from gateway.store.engine import Database
from gateway.store.tables import EligibilityAnswerRow, EventRow

log = logging.getLogger("gateway.answers")


@dataclass(frozen=True)
class LateAnswer:
    """An 'allowed' answer given after an opt-out had reached the gateway."""

    opt_out_event_id: str
    seq: int
    topic: str
    received_at: str
    effective_at: datetime
    answered_at: datetime
    sender: str | None


class SqlAnswerLog:
    def __init__(self, db: Database, clock: Any, *, flush_every: int = 500,
                 max_age: float = 0.5):
        self.db = db
        self.clock = clock
        self.flush_every = flush_every
        self.max_age = max_age
        self._buffer: list[dict[str, Any]] = []
        self._oldest = 0.0
        self._lock = threading.Lock()
        atexit.register(self.close)
        db.on_dispose.append(self.close)

    def close(self) -> None:
        """Write what is buffered; called when the database is disposed and at exit."""
        atexit.unregister(self.close)
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - at shutdown, losing the log must not crash
            log.exception("could not write %d buffered eligibility answers",
                          len(self._buffer))

    def record(self, business_id: int, subject_ref: str, answer: Eligibility,
               sender: str | None) -> None:
        """Remember one answer (called by ConsentService.eligibility)."""
        self.record_many(business_id, [(subject_ref, answer.topic, answer.allowed,
                                        answer.reason)], sender)

    def record_many(self, business_id: int, answers: list[tuple[str, str, bool, str]],
                    sender: str | None = None) -> None:
        now = self.clock()
        rows = [{"business_id": business_id, "subject_ref": ref, "topic": topic,
                 "sender": sender, "allowed": allowed, "reason": reason, "answered_at": now}
                for ref, topic, allowed, reason in answers]
        with self._lock:
            if not self._buffer:
                self._oldest = time.monotonic()
            self._buffer.extend(rows)
            due = len(self._buffer) >= self.flush_every or \
                time.monotonic() - self._oldest >= self.max_age
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._buffer = self._buffer, []
        if rows:
            with self.db.writing() as s:
                s.execute(insert(EligibilityAnswerRow), rows)

    def late_answers(self, business_id: int, since: datetime | None = None
                     ) -> Iterator[LateAnswer]:
        """Every 'allowed' answer given after an opt-out's receipt for the same number/topic.

        A correct gateway yields nothing: eligibility refuses from the moment the opt-out is
        recorded, and an answer computed before that is timestamped before receipt.
        """
        self.flush()
        stmt = select(EventRow).where(EventRow.business_id == business_id,
                                      EventRow.action == "opt_out")
        if since is not None:
            stmt = stmt.where(EventRow.recorded_at >= since)
        with self.db.reading() as s:
            for event in s.scalars(stmt.order_by(EventRow.seq)):
                received = (event.evidence or {}).get("received_at")
                if not received:
                    continue
                received_at = datetime.fromisoformat(received)
                scope = (event.evidence or {}).get("scope") or {}
                query = select(EligibilityAnswerRow).where(
                    EligibilityAnswerRow.business_id == business_id,
                    EligibilityAnswerRow.subject_ref == event.subject_ref,
                    EligibilityAnswerRow.allowed.is_(True),
                    EligibilityAnswerRow.topic.in_(event.topics),
                    EligibilityAnswerRow.answered_at > received_at)
                if scope.get("applies_to") == "sender":
                    query = query.where(EligibilityAnswerRow.sender == event.sender)
                reopt = [(e.recorded_at, set(e.topics)) for e in s.scalars(select(EventRow).where(
                    EventRow.business_id == business_id,
                    EventRow.subject_ref == event.subject_ref,
                    EventRow.action == "opt_in", EventRow.status == "confirmed",
                    EventRow.occurred_at > event.occurred_at))]
                for answer in s.scalars(query):
                    # A later opt-in to the topic legitimately allows sending again.
                    if any(at <= answer.answered_at and answer.topic in topics
                           for at, topics in reopt):
                        continue
                    yield LateAnswer(event.id, event.seq, answer.topic, received,
                                     event.recorded_at, answer.answered_at, answer.sender)
