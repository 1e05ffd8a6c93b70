"""Tables of the messaging area: dialog state per conversation and processed inbound messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class ConversationRow(Base):
    """One SMS / WhatsApp dialog per business, contact, channel and business number."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("business_id", "subject_ref", "channel", "sender",
                                       name="uq_conversations_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(40))  # "" when unknown
    step: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    attribution: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundMessageRow(Base):
    """A provider message we handled, with the reply we gave: a redelivery changes nothing."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("provider", "message_id",
                                       name="uq_inbound_messages_provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(120))
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))
    status: Mapped[str] = mapped_column(String(12))  # processing, done
    intent: Mapped[str | None] = mapped_column(String(30))
    reply: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
