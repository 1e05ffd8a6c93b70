"""Delivery facts and platform rules in SQL (gateway.core.delivery is the pure side)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from gateway.core.delivery import DeliveryFact, PlatformRule, Rules
from gateway.core.errors import NotFound
from gateway.store.cache import TTLCache
from gateway.store.engine import Database
from gateway.store.tables import ContactRow
from gateway.store.tables_delivery import DeliveryFactRow, PlatformRuleRow

NO_END = datetime(9999, 12, 31, tzinfo=UTC)  # delivery_until of a fact without an end
CHUNK = 2000


def _fact(row: Any) -> DeliveryFact:
    return DeliveryFact(row.kind, row.occurred_at, row.until, row.code, row.provider,
                        row.source_id, dict(row.evidence or {}), row.subject_ref)


def _rule(row: PlatformRuleRow) -> PlatformRule:
    return PlatformRule(row.kind, row.country, row.category, row.since, row.source, row.until,
                        row.note, row.id)


class SqlDeliveryStore:
    """Implements gateway.core.delivery.DeliveryReads, and the writes behind it."""

    def __init__(self, db: Database, clock: Callable[[], datetime], cache_ttl: float = 30.0):
        self.db = db
        self.clock = clock
        self.cache = TTLCache(cache_ttl)  # the rules: read for every eligibility answer

    # -- facts ----------------------------------------------------------------------------

    def record_fact(self, business_id: int, subject_ref: str, fact: DeliveryFact, *,
                    phone: str | None = None, user_id: str | None = None) -> bool:
        """Keep ``fact`` once per (provider, source id, kind); raise the subject's
        ``delivery_until`` so campaign lists find it. False if it was already recorded."""
        for _attempt in range(3):
            try:
                with self.db.writing() as s:
                    self._write(s, business_id, subject_ref, fact, phone, user_id)
                return True
            except IntegrityError:
                with self.db.reading() as s:
                    seen = s.scalar(select(DeliveryFactRow.id).where(
                        DeliveryFactRow.business_id == business_id,
                        DeliveryFactRow.provider == fact.provider,
                        DeliveryFactRow.source_id == fact.source_id,
                        DeliveryFactRow.kind == fact.kind))
                if seen is not None:
                    return False  # a redelivered status: recorded once
                # else two first contacts with this subject at once: try again
        raise RuntimeError("delivery fact not recorded after three attempts")

    def _write(self, s: Any, business_id: int, ref: str, fact: DeliveryFact,
               phone: str | None, user_id: str | None) -> None:
        now = self.clock()
        until = fact.until or NO_END
        contact = s.scalar(select(ContactRow).where(ContactRow.business_id == business_id,
                                                    ContactRow.subject_ref == ref))
        if contact is None:
            s.add(ContactRow(business_id=business_id, subject_ref=ref, phone=phone,
                             user_id=user_id, delivery_until=until, created_at=now))
        elif contact.delivery_until is None or contact.delivery_until < until:
            contact.delivery_until = until
        s.add(DeliveryFactRow(business_id=business_id, subject_ref=ref, kind=fact.kind,
                              code=fact.code[:16], provider=fact.provider,
                              source_id=fact.source_id[:200], occurred_at=fact.occurred_at,
                              until=fact.until, evidence=dict(fact.evidence),
                              recorded_at=now))

    def facts(self, business_id: int, refs: Iterable[str], now: datetime
              ) -> dict[str, list[DeliveryFact]]:
        """ref -> its facts still in force at ``now`` (absent when it has none)."""
        wanted = sorted(set(refs))
        out: dict[str, list[DeliveryFact]] = {}
        with self.db.reading() as s:
            for start in range(0, len(wanted), CHUNK):
                stmt = select(DeliveryFactRow).where(
                    DeliveryFactRow.business_id == business_id,
                    DeliveryFactRow.subject_ref.in_(wanted[start:start + CHUNK]),
                    or_(DeliveryFactRow.until.is_(None), DeliveryFactRow.until > now)
                ).order_by(DeliveryFactRow.occurred_at)
                for row in s.scalars(stmt):
                    out.setdefault(row.subject_ref, []).append(_fact(row))
        return out

    def history(self, business_id: int, refs: Iterable[str], limit: int = 100
                ) -> list[DeliveryFact]:
        """Every fact of these subjects, expired ones too, newest first (the contact view)."""
        with self.db.reading() as s:
            rows = s.scalars(select(DeliveryFactRow).where(
                DeliveryFactRow.business_id == business_id,
                DeliveryFactRow.subject_ref.in_(sorted(set(refs)))
            ).order_by(DeliveryFactRow.occurred_at.desc()).limit(limit))
            return [_fact(r) for r in rows]

    # -- platform rules --------------------------------------------------------------------

    def rules(self) -> Rules:
        def load() -> Rules:
            with self.db.reading() as s:
                return Rules(_rule(r) for r in s.scalars(
                    select(PlatformRuleRow).order_by(PlatformRuleRow.id)))
        return self.cache.get("rules", load)

    def list_rules(self) -> list[PlatformRule]:
        with self.db.reading() as s:
            return [_rule(r) for r in s.scalars(select(PlatformRuleRow).order_by(
                PlatformRuleRow.kind, PlatformRuleRow.country, PlatformRuleRow.id))]

    def add_rule(self, rule: PlatformRule, actor: str | None = None) -> PlatformRule:
        row = PlatformRuleRow(kind=rule.kind, country=rule.country, category=rule.category,
                              since=rule.since, until=rule.until, source=rule.source,
                              note=rule.note, actor=actor, created_at=self.clock())
        with self.db.writing() as s:
            s.add(row)
            s.flush()
            added = _rule(row)
        self.cache.clear()
        return added

    def end_rule(self, rule_id: int, at: datetime, actor: str | None = None) -> PlatformRule:
        """A rule the platform dropped: it stops applying at ``at``; the row stays."""
        with self.db.writing() as s:
            row = s.get(PlatformRuleRow, rule_id)
            if row is None:
                raise NotFound("rule_unknown", field="id", value=str(rule_id))
            row.until = at
            row.actor = actor or row.actor
            ended = _rule(row)
        self.cache.clear()
        return ended
