"""Domain objects as JSON-ready dicts (API answers, exports, receipts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.core.consent import ConsentEvent, Eligibility
from gateway.core.delivery import Deliverability, DeliveryFact
from gateway.core.ledger import iso


def ts(value: datetime | None) -> str | None:
    return iso(value) if value else None


def event_json(event: ConsentEvent, *, personal: bool = False) -> dict[str, Any]:
    w = event.wording
    out: dict[str, Any] = {
        "event_id": event.event_id,
        "business": event.business_slug,
        "phone": event.phone or None,
        "user_id": event.user_id,
        "action": str(event.action),
        "status": str(event.status),
        "topics": list(event.topics),
        "all_topics": event.all_topics,
        "channel": event.channel,
        "method": event.method,
        "wording": None if w is None else {"id": w.id, "version": w.version,
                                           "language": w.language, "sha256": w.sha256},
        "policy": {"id": event.policy_id, "version": event.policy_version},
        "language": event.language,
        "occurred_at": ts(event.occurred_at),
        "recorded_at": ts(event.recorded_at),
        "idempotency_key": event.idempotency_key,
        "sender": event.sender,
        "evidence": dict(event.evidence),
        "ledger": {"seq": event.seq, "hash": event.hash, "prev_hash": event.prev_hash},
    }
    if personal:
        out["personal"] = dict(event.personal)
    return out


def link_json(event: ConsentEvent) -> dict[str, Any]:
    """A link event as the person's contact view and receipt show it."""
    link = event.evidence.get("link") or {}
    return {"event_id": event.event_id, "kind": link.get("kind"),
            "occurred_at": ts(event.occurred_at), "channel": event.channel,
            "evidence": {k: v for k, v in event.evidence.items() if k != "link"},
            "ledger": {"seq": event.seq, "hash": event.hash}}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def delivery_fact_json(fact: DeliveryFact, now: datetime) -> dict[str, Any]:
    """A delivery fact as the contact view shows it: never a consent event."""
    return {"kind": fact.kind, "provider": fact.provider, "code": fact.code or None,
            "source_id": fact.source_id or None, "occurred_at": ts(fact.occurred_at),
            "until": ts(fact.until), "active": fact.active(now),
            "evidence": _plain(dict(fact.evidence))}


def deliverable_json(delivery: Deliverability | None) -> dict[str, Any]:
    """The platform's side of an answer: deliverable now, or why not, since and until."""
    if delivery is None:
        return {"ok": True, "reason": None, "until": None}
    return {"ok": delivery.ok, "reason": delivery.reason, "until": ts(delivery.until),
            "since": ts(delivery.since), "rule": delivery.rule or None,
            "source": _plain(dict(delivery.source)) if delivery.source else None}


def eligibility_json(answer: Eligibility) -> dict[str, Any]:
    delivery = answer.deliverable
    return {
        "allowed": answer.allowed,
        "reason": answer.reason,
        "rule": answer.rule,
        "phone": answer.phone or None,
        "user_id": answer.user_id,
        "decided_by": answer.decided_by,
        "topic": answer.topic,
        "category": answer.category or None,
        "event_id": answer.event_id,
        "since": ts(answer.since),
        "window_open_until": ts(answer.window_open_until),
        "free_window_until": ts(delivery.free_window_until) if delivery else None,
        "consent": {"ok": answer.allowed if answer.consent is None else answer.consent,
                    "reason": answer.consent_reason or answer.reason,
                    "rule": answer.consent_rule or answer.rule},
        "deliverable": deliverable_json(delivery),
    }
