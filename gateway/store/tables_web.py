"""Tables of the web channel: double opt-in confirmation codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime

ACTIVE = text("status = 'active'")


class ConfirmationRow(Base):
    """One code per pending web opt-in; an active code is unique within its business."""

    __tablename__ = "web_confirmations"
    __table_args__ = (
        Index("uq_web_confirmations_active_code", "business_id", "code", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
        Index("ix_web_confirmations_code", "business_id", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    code: Mapped[str] = mapped_column(String(12))
    subject_ref: Mapped[str] = mapped_column(String(64))
    pending_event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topics: Mapped[list[str]] = mapped_column(Json)
    wording_id: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))  # active, used, expired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_key: Mapped[str | None] = mapped_column(String(200))
    confirmed_event_id: Mapped[str | None] = mapped_column(String(36))
