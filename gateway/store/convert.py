"""Row <-> domain conversions (kept apart so the store file stays about SQL)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from gateway.core.consent import Action, Business, ConsentEvent, Status, Topic, Wording, WordingRef
from gateway.store.tables import BusinessRow, EventRow, WordingRow


def topics_to_json(topics: tuple[Topic, ...]) -> list[dict[str, Any]]:
    return [{"key": t.key, "category": t.category, "labels": dict(t.labels)} for t in topics]


def business_from_row(row: BusinessRow) -> Business:
    return Business(
        id=row.id,
        slug=row.slug,
        name=row.name,
        whatsapp_number=row.whatsapp_number,
        country=row.country,
        languages=tuple(row.languages),
        topics=tuple(Topic(t["key"], t.get("category", "marketing"), t.get("labels", {}))
                     for t in row.topics),
        aliases=tuple(row.aliases or ()),
        double_opt_in=row.double_opt_in,
        policy_id=row.policy_id,
        opt_out_scope=row.opt_out_scope,
        settings=MappingProxyType(dict(row.settings or {}, twilio_numbers=list(
            row.twilio_numbers or []), meta_phone_number_id=row.meta_phone_number_id)),
    )


def wording_from_row(row: WordingRow) -> Wording:
    return Wording(row.id, row.business_id, row.kind, row.language, row.version, row.text,
                   row.sha256, bool(row.inline))


def event_from_row(row: EventRow, slug: str, phone: str | None,
                   personal: dict[str, Any] | None, user_id: str | None = None
                   ) -> ConsentEvent:
    wording = None
    if row.wording_id is not None:
        wording = WordingRef(row.wording_id, row.wording_version or 0,
                             row.wording_language or "", row.wording_sha256 or "")
    return ConsentEvent(
        event_id=row.id,
        business_id=row.business_id,
        business_slug=slug,
        phone=phone or "",
        subject_ref=row.subject_ref,
        action=Action(row.action),
        status=Status(row.status),
        topics=tuple(row.topics),
        all_topics=row.all_topics,
        channel=row.channel,
        method=row.method,
        wording=wording,
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        language=row.language,
        occurred_at=row.occurred_at,
        idempotency_key=row.idempotency_key,
        evidence=MappingProxyType(dict(row.evidence or {})),
        personal=MappingProxyType(dict(personal or {})),
        sender=row.sender,
        actor=row.actor,
        fingerprint=getattr(row, "request_sha256", None),
        user_id=user_id,
        seq=row.seq,
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def event_to_row(event: ConsentEvent, contact_id: int, seq: int, prev_hash: str, digest: str |
                 None, entry_hash: str) -> EventRow:
    return EventRow(**event_values(event, contact_id, seq, prev_hash, digest, entry_hash))


def event_values(event: ConsentEvent, contact_id: int, seq: int, prev_hash: str,
                 digest: str | None, entry_hash: str) -> dict[str, Any]:
    """The ledger row's columns of a recorded event."""
    w = event.wording
    assert event.recorded_at is not None
    return dict(
        id=event.event_id, business_id=event.business_id, seq=seq, contact_id=contact_id,
        subject_ref=event.subject_ref, action=str(event.action), status=str(event.status),
        topics=list(event.topics), all_topics=event.all_topics, channel=event.channel,
        method=event.method, wording_id=w.id if w else None, wording_version=w.version if w else
        None, wording_language=w.language if w else None, wording_sha256=w.sha256 if w else None,
        policy_id=event.policy_id, policy_version=event.policy_version, language=event.language,
        occurred_at=event.occurred_at, recorded_at=event.recorded_at,
        idempotency_key=event.idempotency_key, evidence=dict(event.evidence),
        personal_digest=digest, sender=event.sender, actor=event.actor, prev_hash=prev_hash,
        hash=entry_hash, request_sha256=event.fingerprint,
    )
