"""SqlDirectory: the SQL of businesses, their wordings, API keys and staff accounts.

Read on every webhook and API call, so lookups go through a short-lived cache that every
write here clears; :class:`~gateway.store.consent_store.SqlStore` adds the ledger on top.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from gateway.core import ledger
from gateway.core.clock import utcnow
from gateway.core.consent import DEFAULT_POLICY, DEFAULT_TOPICS, Business, Topic, Wording
from gateway.core.errors import Conflict, NotFound
from gateway.core.normaliser import sha256_text
from gateway.store.cache import TTLCache
from gateway.store.convert import business_from_row, topics_to_json, wording_from_row
from gateway.store.engine import Database
from gateway.store.guards import findable
from gateway.store.tables import AdminUserRow, ApiKeyRow, BusinessRow, LedgerHead, WordingRow

Clock = Callable[[], datetime]


class SqlDirectory:
    """Businesses, wordings, API keys and staff on SQLAlchemy (SQLite or PostgreSQL)."""

    def __init__(self, db: Database, clock: Clock = utcnow, cache_ttl: float = 5.0):
        self.db = db
        self.clock = clock
        self.cache = TTLCache(cache_ttl)

    # -- businesses ---------------------------------------------------------------------------

    def create_business(
        self, *, slug: str, name: str, whatsapp_number: str, country: str,
        languages: Sequence[str] = ("ja", "en"), topics: Sequence[Topic] = DEFAULT_TOPICS,
        aliases: Sequence[str] = (), twilio_numbers: Sequence[str] = (),
        meta_phone_number_id: str | None = None, double_opt_in: bool = False,
        policy_id: str = DEFAULT_POLICY, opt_out_scope: str = "business",
        settings: dict[str, Any] | None = None,
    ) -> Business:
        """Create a business and its empty ledger chain; 409 if the slug is taken."""
        row = BusinessRow(
            slug=slug, name=name, whatsapp_number=whatsapp_number, country=country.upper(),
            languages=list(languages), topics=topics_to_json(tuple(topics)),
            aliases=list(aliases), twilio_numbers=list(twilio_numbers),
            meta_phone_number_id=meta_phone_number_id, double_opt_in=double_opt_in,
            policy_id=policy_id, opt_out_scope=opt_out_scope, settings=settings or {},
            created_at=self.clock(),
        )
        try:
            with self.db.writing() as s:
                s.add(row)
                s.flush()
                s.add(LedgerHead(business_id=row.id, seq=0, hash=ledger.GENESIS))
        except IntegrityError:
            raise Conflict("conflict", field="slug", value=slug) from None
        self.cache.clear()
        return business_from_row(row)

    def update_business(self, slug: str, **fields: Any) -> Business:
        """Change settings (never the ledger); e.g. policy_id, double_opt_in, settings."""
        with self.db.writing() as s:
            row = s.scalar(select(BusinessRow).where(BusinessRow.slug == slug))
            if row is None:
                raise NotFound("business_unknown", value=slug)
            for key, value in fields.items():
                if key == "topics":
                    value = topics_to_json(tuple(value))
                setattr(row, key, value)
        self.cache.clear()
        return business_from_row(row)

    def get_business(self, slug: str) -> Business | None:
        return next((b for b in self.list_businesses() if b.slug == slug), None)

    def business_by_id(self, business_id: int) -> Business | None:
        return next((b for b in self.list_businesses() if b.id == business_id), None)

    def list_businesses(self) -> list[Business]:
        """Every business (cached: read on every webhook and API call)."""
        def load() -> list[Business]:
            with self.db.reading() as s:
                return [business_from_row(r) for r in s.scalars(select(BusinessRow).order_by(
                    BusinessRow.id))]
        return self.cache.get("businesses", load)

    def business_for_number(self, e164: str) -> Business | None:
        """The business that owns ``e164`` as its WhatsApp number or a Twilio number."""
        for business in self.list_businesses():
            if e164 == business.whatsapp_number or e164 in business.settings["twilio_numbers"]:
                return business
        return None

    def business_for_meta_id(self, phone_number_id: str) -> Business | None:
        return next((b for b in self.list_businesses()
                     if b.settings.get("meta_phone_number_id") == phone_number_id), None)

    # -- wordings -----------------------------------------------------------------------------

    def add_wording(self, business_id: int, kind: str, language: str, text: str) -> Wording:
        """Store a new immutable version; the previous ones stay for old events."""
        with self.db.writing() as s:
            slug = s.scalar(select(BusinessRow.slug).where(BusinessRow.id == business_id))
            current = s.scalar(select(func.max(WordingRow.version)).where(
                WordingRow.business_id == business_id, WordingRow.kind == kind,
                WordingRow.language == language)) or 0
            version = current + 1
            row = WordingRow(id=f"{slug}-{kind}-{language}-v{version}", business_id=business_id,
                             kind=kind, language=language, version=version, text=text,
                             sha256=sha256_text(text), created_at=self.clock())
            s.add(row)
        self.cache.clear()
        return wording_from_row(row)

    def get_wording(self, wording_id: str) -> Wording | None:
        if not findable(wording_id, 120):
            return None
        def load() -> Wording | None:
            with self.db.reading() as s:
                row = s.get(WordingRow, wording_id)
                return wording_from_row(row) if row else None
        return self.cache.get(("wording", wording_id), load, forever=True)  # immutable rows

    def current_wording(self, business_id: int, kind: str, language: str) -> Wording | None:
        def load() -> Wording | None:
            with self.db.reading() as s:
                row = s.scalar(select(WordingRow).where(
                    WordingRow.business_id == business_id, WordingRow.kind == kind,
                    WordingRow.language == language, WordingRow.inline.is_(False))
                    .order_by(WordingRow.version.desc()).limit(1))
                return wording_from_row(row) if row else None
        return self.cache.get(("current", business_id, kind, language), load)

    def list_wordings(self, business_id: int) -> list[Wording]:
        with self.db.reading() as s:
            rows = s.scalars(select(WordingRow).where(WordingRow.business_id == business_id)
                             .order_by(WordingRow.kind, WordingRow.language, WordingRow.version))
            return [wording_from_row(r) for r in rows]

    # -- API keys and staff -------------------------------------------------------------------

    def create_api_key(self, business_id: int, label: str = "") -> str:
        """A new key, returned once; only its SHA-256 is stored (256 random bits)."""
        prefix = secrets.token_hex(6)
        key = f"og_{prefix}_{secrets.token_urlsafe(32)}"
        with self.db.writing() as s:
            s.add(ApiKeyRow(business_id=business_id, prefix=prefix, label=label,
                            key_hash=hashlib.sha256(key.encode()).hexdigest(),
                            created_at=self.clock()))
        return key

    def authenticate_api_key(self, key: str) -> tuple[Business, int] | None:
        """The business a key belongs to, with the key's id; None for any bad key."""
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "og" or not findable(parts[1], 16):
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()

        def load() -> tuple[int, int] | None:
            with self.db.reading() as s:
                row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == parts[1]))
                if row is None or row.revoked_at is not None:
                    return None
                if not secrets.compare_digest(row.key_hash, digest):
                    return None
                return row.business_id, row.id

        # Cached by the key's hash (never the key): a revocation reaches every process
        # within the cache's lifetime, this one at once.
        found = self.cache.get(("api_key", digest), load)
        if found is None:
            return None
        business = self.business_by_id(found[0])
        return (business, found[1]) if business else None

    def revoke_api_key(self, key_id: int) -> None:
        with self.db.writing() as s:
            s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id)
                      .values(revoked_at=self.clock()))
        self.cache.clear()

    def create_admin(self, username: str, password_hash: str, role: str = "admin",
                     business_id: int | None = None) -> int:
        try:
            with self.db.writing() as s:
                row = AdminUserRow(username=username, password_hash=password_hash, role=role,
                                   business_id=business_id, created_at=self.clock())
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            raise Conflict("conflict", field="username", value=username) from None

    def get_admin(self, username: str) -> AdminUserRow | None:
        if not findable(username, 120):
            return None
        with self.db.reading() as s:
            return s.scalar(select(AdminUserRow).where(AdminUserRow.username == username))
