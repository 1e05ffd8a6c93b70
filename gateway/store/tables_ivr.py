"""Tables of the IVR channel: one row per call (its state) and one per answered step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class IvrCallRow(Base):
    """Server-side call state keyed by CallSid; ``seq`` is the next step token expected."""

    __tablename__ = "ivr_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    # Keyed digest of the number once known: what erasure and export look up.
    subject_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict[str, Any]] = mapped_column(Json)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(20))
    event_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IvrStepRow(Base):
    """One processed request of a call: the answer and the TwiML sent back (for replays)."""

    __tablename__ = "ivr_steps"
    __table_args__ = (UniqueConstraint("call_id", "n", name="uq_ivr_steps_call_n"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("ivr_calls.id", ondelete="CASCADE"),
                                         index=True)
    n: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))
    answer: Mapped[dict[str, Any]] = mapped_column(Json)
    twiml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
