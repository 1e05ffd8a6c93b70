"""SQLAlchemy 2.x typed models for the consent store (the schema Alembic migrates)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class BusinessRow(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    whatsapp_number: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list[str]] = mapped_column(Json)
    topics: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    aliases: Mapped[list[str]] = mapped_column(Json, default=list)
    twilio_numbers: Mapped[list[str]] = mapped_column(Json, default=list)
    meta_phone_number_id: Mapped[str | None] = mapped_column(String(40), index=True)
    double_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    policy_id: Mapped[str] = mapped_column(String(40))
    opt_out_scope: Mapped[str] = mapped_column(String(20), default="business")
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerHead(Base):
    """Per-business chain head; locking its row serialises writers (PostgreSQL)."""

    __tablename__ = "ledger_heads"

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class WordingRow(Base):
    """Immutable wording versions: a new text is a new row, never an update."""

    __tablename__ = "wordings"
    __table_args__ = (UniqueConstraint("business_id", "kind", "language", "version"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sent with an API capture: a version like any other, but never the current wording.
    inline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


# Few contacts are erased or linked: their pages read partial indexes of their own.
_ERASED = text("erased_at IS NOT NULL")
_LINKED = text("linked")


def _created_at(context: Any) -> Any:
    """A new contact's last activity until its first event: when it was created."""
    return context.get_current_parameters()["created_at"]


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("business_id", "subject_ref"),
        Index("ix_contacts_activity", "business_id", "last_activity_at", "id"),
        Index("ix_contacts_activity_seq", "business_id", "activity_seq"),
        Index("ix_contacts_created", "business_id", "created_at", "id"),
        Index("ix_contacts_erased", "business_id", "last_activity_at", "id",
              sqlite_where=_ERASED, postgresql_where=_ERASED),
        Index("ix_contacts_linked", "business_id", "last_activity_at", "id",
              sqlite_where=_LINKED, postgresql_where=_LINKED),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    # Erasable personal data: set to NULL on erasure, the subject_ref stays. A contact is
    # one identifier: a phone number, or a WhatsApp user ID (BSUID); links join them.
    phone: Mapped[str | None] = mapped_column(String(20))
    wa_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(String(140))
    username: Mapped[str | None] = mapped_column(String(100))  # display only, never a key
    # Has a link to another subject: only then does a campaign list look links up.
    linked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The latest end of the subject's delivery facts (tables_delivery): read with the topic
    # state, so a campaign list looks facts up only for the few subjects that have them.
    delivery_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The contacts workspace pages newest activity first over an index, not an aggregate
    # over the ledger: the latest occurred_at of the contact's events (created_at before
    # any). activity_seq: the ledger seq of the event that last set it (0: no event yet),
    # so a page walk can place contacts that moved after it began where they were.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_created_at)
    activity_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class ContactFacetRow(Base):
    """What the contacts workspace filters on beyond the contact row: each channel and each
    placement code any of the contact's events came through (kind ``channel`` or
    ``placement``). Written with the events (gateway.store.facets), never removed: the
    ledger they summarise is append-only."""

    __tablename__ = "contact_facets"
    # A contact's facets (the import checks which it has already): PostgreSQL cannot skip
    # the primary key's leading columns, and scanned the whole table per batch without it.
    __table_args__ = (Index("ix_contact_facets_contact", "contact_id"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)


class IdentityLinkRow(Base):
    """Two subjects known to be one person (``same``), or a person's old and new identifier
    (``moved``, a -> b); written with the ledger entry that proves it, never changed."""

    __tablename__ = "identity_links"
    __table_args__ = (Index("ix_identity_links_b", "business_id", "b"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    a: Mapped[str] = mapped_column(String(64), primary_key=True)
    b: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRow(Base):
    """The append-only ledger (UPDATE and DELETE are refused by a trigger)."""

    __tablename__ = "consent_events"
    __table_args__ = (
        UniqueConstraint("business_id", "seq", name="uq_consent_events_business_seq"),
        UniqueConstraint("business_id", "idempotency_key", name="uq_consent_events_business_key"),
        Index("ix_consent_events_contact", "contact_id", "occurred_at"),
        Index("ix_consent_events_business_recorded", "business_id", "recorded_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    topics: Mapped[list[str]] = mapped_column(Json)
    all_topics: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20))
    wording_id: Mapped[str | None] = mapped_column(String(120))
    wording_version: Mapped[int | None] = mapped_column(Integer)
    wording_language: Mapped[str | None] = mapped_column(String(8))
    wording_sha256: Mapped[str | None] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idempotency_key: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(Json)
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(80))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the API request that carried the event (idempotency conflicts); not hashed.
    request_sha256: Mapped[str | None] = mapped_column(String(64))


class PersonalRow(Base):
    """Erasable vault: the personal data behind an event's ``personal_digest``."""

    __tablename__ = "event_personal"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(Json)


class StateRow(Base):
    """Current consent per business, contact and topic (derived from the ledger)."""

    __tablename__ = "consent_state"
    # The contacts with a given state (a rare one: pending confirmations) without a scan.
    __table_args__ = (Index("ix_consent_state_status", "business_id", "status", "topic",
                            "contact_id"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))  # opted_in, pending, opted_out
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminUserRow(Base):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))  # admin or viewer
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxRow(Base):
    """Outbound work (Graph API sends, change notifications), done by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, sent, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SenderOptOutRow(Base):
    """Opt-outs that end sends from one sender only (business opt-out scope ``sender``)."""

    __tablename__ = "sender_opt_outs"

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    sender: Mapped[str] = mapped_column(String(40), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[str] = mapped_column(String(36))


class EligibilityAnswerRow(Base):
    """Answers given to 'may I send?', kept for the honour-deadline report."""

    __tablename__ = "eligibility_answers"
    __table_args__ = (Index("ix_eligibility_answers_subject", "business_id", "subject_ref",
                            "answered_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject_ref: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str | None] = mapped_column(String(40))
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(24))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
