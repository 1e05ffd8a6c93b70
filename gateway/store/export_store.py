"""Streaming reads for exports: current consent state and the ledger, in constant memory.

Rows are fetched in blocks through a server-side cursor (PostgreSQL) or SQLite's own
stepping, so a million-row export holds one block at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select

from gateway import ledger
from gateway.consent import Action, Business, ConsentEvent, Status, WordingRef
from gateway.store.engine import Database
from gateway.store.tables import ContactRow, EventRow, LedgerHead, StateRow, WordingRow

BLOCK = 5000


@dataclass(frozen=True, slots=True)
class StateLine:
    phone: str
    name: str | None
    topic: str
    status: str  # opted_in, pending, opted_out
    since: datetime
    channel: str
    event_id: str


class ExportStore:
    def __init__(self, db: Database):
        self.db = db

    def head(self, business_id: int) -> tuple[int, str]:
        with self.db.reading() as s:
            row = s.get(LedgerHead, business_id)
            return (row.seq, row.hash) if row else (0, ledger.GENESIS)

    def wording_texts(self, business_id: int) -> dict[str, str]:
        with self.db.reading() as s:
            return {w.id: w.text for w in s.scalars(select(WordingRow).where(
                WordingRow.business_id == business_id).order_by(WordingRow.id))}

    def iter_state(self, business_id: int) -> Iterator[StateLine]:
        """Current state per contact and topic; erased contacts (no number) are left out."""
        stmt = (select(ContactRow.phone, ContactRow.name, StateRow.topic, StateRow.status,
                       StateRow.occurred_at, StateRow.channel, StateRow.event_id)
                .join(ContactRow, ContactRow.id == StateRow.contact_id)
                .where(StateRow.business_id == business_id, ContactRow.phone.is_not(None))
                .order_by(StateRow.contact_id, StateRow.topic))
        with self.db.reading() as s:
            result = s.execute(stmt.execution_options(yield_per=BLOCK))
            try:
                for row in result:
                    yield StateLine(*row)
            finally:
                result.close()

    def iter_ledger(self, business: Business, upto_seq: int
                    ) -> Iterator[tuple[dict[str, object], str]]:
        """(payload, hash) of each entry up to ``upto_seq``, in chain order: the payload is
        what the hash commits to, rebuilt by :func:`gateway.ledger.payload`."""
        e = EventRow
        stmt = (select(e.id, e.subject_ref, e.action, e.status, e.topics, e.all_topics,
                       e.channel, e.method, e.wording_id, e.wording_version,
                       e.wording_language, e.wording_sha256, e.policy_id, e.policy_version,
                       e.language, e.occurred_at, e.recorded_at, e.idempotency_key,
                       e.evidence, e.personal_digest, e.sender, e.actor, e.prev_hash, e.hash,
                       e.seq)
                .where(e.business_id == business.id, e.seq <= upto_seq).order_by(e.seq))
        empty: MappingProxyType[str, object] = MappingProxyType({})
        with self.db.reading() as s:
            result = s.execute(stmt.execution_options(yield_per=BLOCK))
            try:
                for r in result:
                    wording = WordingRef(r.wording_id, r.wording_version or 0,
                                         r.wording_language or "", r.wording_sha256 or "") \
                        if r.wording_id is not None else None
                    event = ConsentEvent(
                        r.id, business.id, business.slug, "", r.subject_ref, Action(r.action),
                        Status(r.status), tuple(r.topics), r.all_topics, r.channel, r.method,
                        wording, r.policy_id, r.policy_version, r.language, r.occurred_at,
                        r.idempotency_key, MappingProxyType(r.evidence or {}), empty,
                        r.sender, r.actor)
                    yield ledger.payload(event, seq=r.seq, recorded_at=r.recorded_at,
                                         prev_hash=r.prev_hash,
                                         personal_hash=r.personal_digest), r.hash
            finally:
                result.close()
