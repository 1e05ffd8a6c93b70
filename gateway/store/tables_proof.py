"""Tables of the proof area: signed checkpoints, suppressions, audit log, webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class CheckpointRow(Base):
    """A signed head of one business's chain (C2SP note over the RFC 9162 root)."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (UniqueConstraint("business_id", "size",
                                       name="uq_ledger_checkpoints_business_size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    size: Mapped[int] = mapped_column(BigInteger)  # = seq of the last entry covered
    root: Mapped[str] = mapped_column(String(64))  # hex Merkle root of entries 1..size
    head_hash: Mapped[str] = mapped_column(String(64))  # chain hash of entry `size`
    origin: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)  # the signed note, verbatim
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuppressionRow(Base):
    """An erased person, by keyed hash only: imports may not bring them back (ICO: suppress)."""

    __tablename__ = "suppressions"

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A fresh, direct opt-in after the erasure lifts it (the event that did is kept).
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_event_id: Mapped[str | None] = mapped_column(String(36))


class AuditRow(Base):
    """Who did what outside the consent ledger (erasures, webhook changes). No phone numbers."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "business_id", "subject_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(Json)


class WebhookRow(Base):
    """A business's change-notification endpoint."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The signing secret must be *usable* at every delivery (HMAC needs the key itself), so
    # it cannot be stored as a hash like API keys are; it is encrypted instead (AES-GCM with
    # a key derived from SUBJECT_KEY, which lives outside the database).
    secret_encrypted: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(12))  # last characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
