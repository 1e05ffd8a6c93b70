"""Consent events formatted for the bulk write path, ahead of the write.

Pure (no SQLAlchemy): import worker processes run :func:`bulk_row` on every good row, so
the one writing process (:mod:`gateway.store.bulk_store`) only looks up, chains and inserts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from gateway.core.chain_template import ChainTemplate, make_template
from gateway.core.consent import STATE_OF, ConsentEvent

# consent_events columns a worker formats (the writer adds seq, contact, time, hashes).
EVENT_HEAD = ("id", "business_id", "subject_ref", "action", "status", "topics", "all_topics",
              "channel", "method", "wording_id", "wording_version", "wording_language",
              "wording_sha256", "policy_id", "policy_version", "language", "occurred_at",
              "idempotency_key", "evidence", "personal_digest", "sender", "actor")


class BulkRow(NamedTuple):
    """One event as the bulk path writes it, formatted for one dialect (see bulk_row).

    Plain values only (no enums or datetimes): import workers send these to the writing
    process by the hundred thousand, as plain tuples (marshal)."""

    event_id: str
    subject_ref: str
    phone: str
    name: str | None  # the contact's name, if this event gives one
    idempotency_key: str
    action: str  # Action value
    state: str  # what it makes a topic: opted_in, pending or opted_out
    topics: tuple[str, ...]
    occurred: str  # occurred_at as fixed-width UTC text: sorts as the times do
    channel: str
    head: tuple[Any, ...]  # EVENT_HEAD values, as the driver takes them
    personal: str | None  # the vault row's JSON
    user_id: str | None  # the subject's WhatsApp user ID when it has no number (phone "")
    template: ChainTemplate


def bulk_row(event: ConsentEvent, personal_hash: str | None, *, dialect: str,
             idempotency_key: str | None = None) -> BulkRow:
    """``event`` ready for :meth:`BulkWriter.add` on ``dialect`` ("sqlite" or
    "postgresql"), optionally under another idempotency key (an import's row key: cheaper
    than copying the event). Pure: import workers run it."""
    pg = dialect == "postgresql"
    event_id = event.event_id
    key = idempotency_key or event.idempotency_key
    occurred = time_text(event.occurred_at)
    w = event.wording
    personal = event.personal
    head = (
        event_id, event.business_id, event.subject_ref, str(event.action), str(event.status),
        _dumps(list(event.topics)), event.all_topics if pg else int(event.all_topics),
        event.channel, event.method, w.id if w else None, w.version if w else None,
        w.language if w else None, w.sha256 if w else None, event.policy_id,
        event.policy_version, event.language, occurred + UTC_SUFFIX if pg else occurred, key,
        _dumps(dict(event.evidence)), personal_hash, event.sender, event.actor)
    return BulkRow(
        event_id, event.subject_ref, event.phone,
        personal.get("name") or personal.get("profile_name"), key, str(event.action),
        STATE_OF[(event.action, event.status)], event.topics, occurred, event.channel, head,
        _dumps(dict(personal)) if personal else None, event.user_id,
        make_template(event, personal_hash, idempotency_key=key))


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # e.g. an int beyond 64 bits: the standard library takes anything JSON
        return json.dumps(value, ensure_ascii=False)


def time_text(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores: naive UTC with microseconds. Fixed
    width, so comparing two of them compares the times; PostgreSQL reads it with
    UTC_SUFFIX appended."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


UTC_SUFFIX = "+00:00"
