"""Plain records the proof store hands to the proof service (no SQL types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CheckpointRecord:
    id: int
    business_id: int
    size: int
    root: str  # hex
    head_hash: str
    origin: str
    key_id: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class ContactInfo:
    """The erasable and operational fields of one contact row."""

    phone: str | None
    name: str | None
    wa_id: str | None
    created_at: datetime
    erased_at: datetime | None
    last_inbound_at: datetime | None


@dataclass(frozen=True)
class Suppression:
    reason: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by_event_id: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject_ref: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class WebhookRecord:
    id: int
    business_id: int
    url: str
    description: str
    secret_encrypted: str
    secret_hint: str
    created_at: datetime
    deleted_at: datetime | None = None
    deliveries: dict[str, int] = field(default_factory=dict)  # outbox status -> count
    last_error: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One stored ledger entry of a contact: the exact payload its hash commits to."""

    event_id: str
    seq: int
    hash: str
    prev_hash: str
    payload: dict[str, Any]
