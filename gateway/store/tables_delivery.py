"""Tables of delivery: what the platform showed about reaching a person, and its rules.

Neither is a consent record: facts are not in the ledger (a 131049 is no opt-out) and expire;
rules are data an operator keeps current without a release (docs/delivery.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class DeliveryFactRow(Base):
    """One delivery fact of one subject (a failed send's error, a free entry point), with
    the status or message that showed it; recorded once per source however often sent."""

    __tablename__ = "delivery_facts"
    __table_args__ = (
        UniqueConstraint("business_id", "provider", "source_id", "kind",
                         name="uq_delivery_facts_source"),
        Index("ix_delivery_facts_subject", "business_id", "subject_ref", "until"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    code: Mapped[str] = mapped_column(String(16), default="")
    provider: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlatformRuleRow(Base):
    """A delivery rule of the platform: kind, country, category, since/until and its
    source. Ended by setting ``until``, never deleted, so old answers stay explainable."""

    __tablename__ = "platform_rules"
    __table_args__ = (Index("ix_platform_rules_kind", "kind", "country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    country: Mapped[str] = mapped_column(String(2))  # ISO alpha-2, or "*"
    category: Mapped[str | None] = mapped_column(String(16))  # None: every category
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
