"""SQL of the proof area: checkpoints, per-contact ledger reads, erasure, suppressions, webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from gateway.core import ledger
from gateway.core.consent import Business, ConsentEvent
from gateway.proof.records import (
    AuditEntry,
    CheckpointRecord,
    ContactInfo,
    LedgerEntry,
    Suppression,
    WebhookRecord,
)
from gateway.store.convert import event_from_row
from gateway.store.engine import Database
from gateway.store.tables import (
    BusinessRow,
    ContactRow,
    EventRow,
    LedgerHead,
    OutboxRow,
    PersonalRow,
)
from gateway.store.tables_proof import AuditRow, CheckpointRow, SuppressionRow, WebhookRow

Clock = Callable[[], datetime]


def _checkpoint(row: CheckpointRow) -> CheckpointRecord:
    return CheckpointRecord(row.id, row.business_id, row.size, row.root, row.head_hash,
                            row.origin, row.key_id, row.note, row.created_at)


def _webhook(row: WebhookRow) -> WebhookRecord:
    return WebhookRecord(row.id, row.business_id, row.url, row.description,
                         row.secret_encrypted, row.secret_hint, row.created_at, row.deleted_at)


class SqlProofStore:
    """Reads the core tables (never writes the ledger) and owns the proof tables."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    # -- chain and checkpoints ----------------------------------------------------------------

    def head(self, business_id: int) -> tuple[int, str]:
        with self.db.reading() as s:
            row = s.get(LedgerHead, business_id)
            return (row.seq, row.hash) if row else (0, ledger.GENESIS)

    def entry_hashes(self, business_id: int, upto: int | None = None
                     ) -> Iterator[tuple[int, str]]:
        """(seq, hash) of the business's entries in seq order, streamed."""
        stmt = select(EventRow.seq, EventRow.hash).where(EventRow.business_id == business_id)
        if upto is not None:
            stmt = stmt.where(EventRow.seq <= upto)
        with self.db.reading() as s:
            result = s.execute(stmt.order_by(EventRow.seq).execution_options(yield_per=5000))
            try:
                for seq, digest in result:
                    yield int(seq), str(digest)
            finally:
                result.close()  # server-side cursor on PostgreSQL

    def add_checkpoint(self, business_id: int, *, size: int, root: str, head_hash: str,
                       origin: str, key_id: str, note: str) -> CheckpointRecord | None:
        """Store a signed checkpoint; None if one of this size exists already (a race)."""
        row = CheckpointRow(business_id=business_id, size=size, root=root, head_hash=head_hash,
                            origin=origin, key_id=key_id, note=note, created_at=self.clock())
        try:
            with self.db.writing() as s:
                s.add(row)
        except IntegrityError:
            return None
        return _checkpoint(row)

    def checkpoints(self, business_id: int, limit: int | None = None,
                    newest_first: bool = False) -> list[CheckpointRecord]:
        order = (CheckpointRow.size.desc(), CheckpointRow.id.desc()) if newest_first else (
            CheckpointRow.size, CheckpointRow.id)
        stmt = select(CheckpointRow).where(CheckpointRow.business_id == business_id) \
            .order_by(*order).limit(limit)
        with self.db.reading() as s:
            return [_checkpoint(r) for r in s.scalars(stmt)]

    def latest_checkpoint(self, business_id: int) -> CheckpointRecord | None:
        found = self.checkpoints(business_id, limit=1, newest_first=True)
        return found[0] if found else None

    # -- one contact ----------------------------------------------------------------------

    def _contact(self, s: Any, business_id: int, subject_ref: str) -> ContactRow | None:
        return s.scalar(select(ContactRow).where(ContactRow.business_id == business_id,
                                                 ContactRow.subject_ref == subject_ref))

    def contact_info(self, business_id: int, subject_ref: str) -> ContactInfo | None:
        with self.db.reading() as s:
            row = self._contact(s, business_id, subject_ref)
            if row is None:
                return None
            return ContactInfo(row.phone, row.name, row.wa_id, row.created_at, row.erased_at,
                               row.last_inbound_at)

    def ledger_entries(self, business: Business, subject_ref: str) -> list[LedgerEntry]:
        """The contact's entries with the exact payload each hash commits to."""
        with self.db.reading() as s:
            contact = self._contact(s, business.id, subject_ref)
            if contact is None:
                return []
            rows = s.scalars(select(EventRow).where(EventRow.contact_id == contact.id)
                             .order_by(EventRow.seq))
            out = []
            for row in rows:
                event = event_from_row(row, business.slug, None, None)
                body = ledger.payload(event, seq=row.seq, recorded_at=row.recorded_at,
                                      prev_hash=row.prev_hash, personal_hash=row.personal_digest)
                out.append(LedgerEntry(row.id, row.seq, row.hash, row.prev_hash, body))
            return out

    def event_by_id(self, business: Business, event_id: str) -> ConsentEvent | None:
        """One event with the contact's current number (None after an erasure)."""
        with self.db.reading() as s:
            row = s.get(EventRow, event_id)
            if row is None or row.business_id != business.id:
                return None
            contact = s.get(ContactRow, row.contact_id)
            return event_from_row(row, business.slug, contact.phone if contact else None, None,
                                  contact.user_id if contact else None)

    def event_ids_since(self, business_id: int, since: datetime) -> list[str]:
        """Ids of the events recorded at or after ``since``, in ledger order."""
        with self.db.reading() as s:
            return list(s.scalars(select(EventRow.id).where(
                EventRow.business_id == business_id, EventRow.recorded_at >= since)
                .order_by(EventRow.seq)))

    # -- erasure and suppression ----------------------------------------------------------

    def suppression(self, business_id: int, subject_ref: str) -> Suppression | None:
        with self.db.reading() as s:
            row = s.get(SuppressionRow, (business_id, subject_ref))
            return Suppression(row.reason, row.created_at, row.lifted_at,
                               row.lifted_by_event_id) if row else None

    def active_suppressions(self, business_id: int) -> frozenset[str]:
        """Subject refs erased at their request and not yet lifted by a fresh opt-in."""
        with self.db.reading() as s:
            return frozenset(s.scalars(select(SuppressionRow.subject_ref).where(
                SuppressionRow.business_id == business_id, SuppressionRow.lifted_at.is_(None))))

    def has_active_suppressions(self, business_id: int) -> bool:
        with self.db.reading() as s:
            return s.scalar(select(SuppressionRow.subject_ref).where(
                SuppressionRow.business_id == business_id,
                SuppressionRow.lifted_at.is_(None)).limit(1)) is not None

    def lift_suppression(self, business_id: int, subject_ref: str, event_id: str,
                         occurred_at: datetime) -> bool:
        """Lift an active suppression if the opt-in happened after it was set."""
        with self.db.writing() as s:
            row = s.get(SuppressionRow, (business_id, subject_ref))
            if row is None or row.lifted_at is not None or occurred_at <= row.created_at:
                return False
            row.lifted_at = self.clock()
            row.lifted_by_event_id = event_id
            s.add(AuditRow(business_id=business_id, at=row.lifted_at, actor="gateway",
                           action="suppression_lifted", subject_ref=subject_ref,
                           detail={"event_id": event_id}))
            return True

    def erase(self, business_id: int, subject_ref: str, e164: str, *, actor: str,
              reason: str, detail: dict[str, Any]) -> dict[str, Any]:
        """Remove one person's personal data, suppress the keyed hash, audit; one transaction."""
        now = self.clock()
        digits = e164.lstrip("+")
        counts: dict[str, Any] = {"contact": False, "personal_rows": 0, "outbox_items": 0}
        with self.db.writing() as s:
            contact = self._contact(s, business_id, subject_ref)
            if contact is not None:
                counts["contact"] = True
                counts["personal_rows"] = s.execute(delete(PersonalRow).where(
                    PersonalRow.contact_id == contact.id)).rowcount
                contact.phone = None
                contact.name = None
                contact.wa_id = None
                contact.user_id = None
                contact.username = None
                contact.erased_at = now
            # Queued work that still carries the number (a WhatsApp send, a notification):
            # dropped, so nothing goes to an erased person and no copy of the number stays.
            counts["outbox_items"] = s.execute(delete(OutboxRow).where(
                OutboxRow.business_id == business_id,
                cast(OutboxRow.payload, Text).like(f"%{digits}%"))).rowcount
            suppression = s.get(SuppressionRow, (business_id, subject_ref))
            if suppression is None:
                s.add(SuppressionRow(business_id=business_id, subject_ref=subject_ref,
                                     reason=reason, created_at=now))
            else:
                suppression.reason = reason
                suppression.created_at = now
                suppression.lifted_at = None
                suppression.lifted_by_event_id = None
            s.add(AuditRow(business_id=business_id, at=now, actor=actor[:80], action="erase",
                           subject_ref=subject_ref, detail={**detail, **counts}))
        counts["erased_at"] = now
        return counts

    def ledger_mentions(self, business_id: int, subject_ref: str, e164: str) -> list[int]:
        """Seqs of the contact's ledger entries whose hashed fields still hold the number.

        The ledger cannot be edited, so channels must never put a raw number in evidence;
        this finds it if one did, so the erasure report can say so.
        """
        digits = e164.lstrip("+")
        with self.db.reading() as s:
            stmt = select(EventRow.seq).where(
                EventRow.business_id == business_id, EventRow.subject_ref == subject_ref,
                or_(cast(EventRow.evidence, Text).like(f"%{digits}%"),
                    EventRow.idempotency_key.like(f"%{digits}%"),
                    EventRow.actor.like(f"%{digits}%")))
            return [int(x) for x in s.scalars(stmt)]

    def audit(self, business_id: int, *, actor: str, action: str, subject_ref: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        with self.db.writing() as s:
            s.add(AuditRow(business_id=business_id, at=self.clock(), actor=actor[:80],
                           action=action, subject_ref=subject_ref, detail=detail or {}))

    def audit_entries(self, business_id: int, subject_ref: str | None = None) -> list[AuditEntry]:
        stmt = select(AuditRow).where(AuditRow.business_id == business_id)
        if subject_ref is not None:
            stmt = stmt.where(AuditRow.subject_ref == subject_ref)
        with self.db.reading() as s:
            return [AuditEntry(r.id, r.at, r.actor, r.action, r.subject_ref, dict(r.detail))
                    for r in s.scalars(stmt.order_by(AuditRow.id))]

    # -- webhooks -------------------------------------------------------------------------

    def create_webhook(self, business_id: int, *, url: str, description: str,
                       secret_encrypted: str, secret_hint: str) -> WebhookRecord:
        row = WebhookRow(business_id=business_id, url=url, description=description,
                         secret_encrypted=secret_encrypted, secret_hint=secret_hint,
                         created_at=self.clock())
        with self.db.writing() as s:
            s.add(row)
            s.flush()
        return _webhook(row)

    def webhook(self, webhook_id: int) -> WebhookRecord | None:
        with self.db.reading() as s:
            row = s.get(WebhookRow, webhook_id)
            return _webhook(row) if row else None

    def active_webhooks(self, business_id: int) -> list[WebhookRecord]:
        with self.db.reading() as s:
            rows = s.scalars(select(WebhookRow).where(WebhookRow.business_id == business_id,
                                                      WebhookRow.deleted_at.is_(None))
                             .order_by(WebhookRow.id))
            return [_webhook(r) for r in rows]

    def webhooks_with_stats(self, business_id: int) -> list[WebhookRecord]:
        """Active webhooks with their delivery counts per outbox status."""
        hooks = self.active_webhooks(business_id)
        out = []
        with self.db.reading() as s:
            for hook in hooks:
                prefix = f"webhook:{hook.id}:"
                stats = {status: count for status, count in s.execute(
                    select(OutboxRow.status, func.count()).where(
                        OutboxRow.kind == "webhook", OutboxRow.dedupe_key.startswith(prefix))
                    .group_by(OutboxRow.status))}
                last_error = s.scalar(select(OutboxRow.last_error).where(
                    OutboxRow.kind == "webhook", OutboxRow.dedupe_key.startswith(prefix),
                    OutboxRow.last_error.is_not(None)).order_by(OutboxRow.id.desc()).limit(1))
                out.append(WebhookRecord(**{**hook.__dict__, "deliveries": {
                    k: int(v) for k, v in stats.items()}, "last_error": last_error}))
        return out

    def delete_webhook(self, business_id: int, webhook_id: int) -> bool:
        with self.db.writing() as s:
            row = s.get(WebhookRow, webhook_id)
            if row is None or row.business_id != business_id or row.deleted_at is not None:
                return False
            row.deleted_at = self.clock()
            return True

    def business_ids(self) -> Sequence[int]:
        with self.db.reading() as s:
            return list(s.scalars(select(BusinessRow.id).order_by(BusinessRow.id)))
