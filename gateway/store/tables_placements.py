"""Tables of placements: the codes, their clicks/scans and the chats they started."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class PlacementRow(Base):
    """A QR code / tracked link of one business: ``/l/<code>``."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_business", "business_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    messages: Mapped[dict[str, str]] = mapped_column(Json)  # language -> prefilled text
    topic: Mapped[str | None] = mapped_column(String(40))
    # An In-App Signup link (wa.me/<number>/signup/<id>): Meta's signup entity id; None for
    # a chat link.
    signup_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))  # active, retired
    actor: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlacementHitRow(Base):
    """One click or scan; the IP only as a keyed hash, never raw."""

    __tablename__ = "placement_hits"
    __table_args__ = (Index("ix_placement_hits_placement_at", "placement_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(4))  # qr (a scan) or link (a click)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    referrer: Mapped[str | None] = mapped_column(String(500))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(8))


class PlacementChatRow(Base):
    """A conversation whose first message carried the code: "chat started" in the funnel."""

    __tablename__ = "placement_chats"
    __table_args__ = (UniqueConstraint("placement_id", "conversation_ref",
                                       name="uq_placement_chats_conversation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    conversation_ref: Mapped[str] = mapped_column(String(200))
    first_message_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stale: Mapped[bool] = mapped_column(Boolean, default=False)  # no recent click or scan
    channel: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
