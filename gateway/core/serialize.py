"""Domain objects as JSON-ready dicts (API answers, exports, receipts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.core.consent import ConsentEvent, Eligibility
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


def eligibility_json(answer: Eligibility) -> dict[str, Any]:
    return {
        "allowed": answer.allowed,
        "reason": answer.reason,
        "rule": answer.rule,
        "phone": answer.phone or None,
        "user_id": answer.user_id,
        "decided_by": answer.decided_by,
        "topic": answer.topic,
        "event_id": answer.event_id,
        "since": ts(answer.since),
        "window_open_until": ts(answer.window_open_until),
    }
