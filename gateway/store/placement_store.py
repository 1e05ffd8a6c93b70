"""SQL of placements: codes, clicks/scans, chats started, and the funnel queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError

from gateway.core.consent import Business
from gateway.core.errors import Conflict, NotFound
from gateway.placements.model import Hit, Placement, PlacementNotFound
from gateway.store.consent_store import chunks
from gateway.store.convert import business_from_row
from gateway.store.engine import Database
from gateway.store.tables import BusinessRow, EventRow
from gateway.store.tables_placements import PlacementChatRow, PlacementHitRow, PlacementRow

Clock = Callable[[], datetime]


def _placement(row: PlacementRow) -> Placement:
    return Placement(row.id, row.business_id, row.code, row.kind, row.label,
                     MappingProxyType(dict(row.messages or {})), row.topic, row.status,
                     row.created_at, row.retired_at, row.actor, row.signup_id)


def _window(column: Any, since: datetime | None, until: datetime | None
            ) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(column >= since)
    if until is not None:
        out.append(column < until)
    return out


class SqlPlacementStore:
    """Placements on SQLAlchemy (SQLite or PostgreSQL)."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    # -- placements -----------------------------------------------------------------------

    def create(self, *, business_id: int, code: str, kind: str, label: str,
               messages: dict[str, str], topic: str | None, actor: str | None,
               signup_id: str | None = None) -> Placement:
        """Insert; :class:`Conflict` if the code exists (the caller draws a new one)."""
        row = PlacementRow(business_id=business_id, code=code, kind=kind, label=label,
                           messages=messages, topic=topic, status="active", actor=actor,
                           signup_id=signup_id, created_at=self.clock())
        try:
            with self.db.writing() as s:
                s.add(row)
        except IntegrityError:
            raise Conflict("conflict", field="code", value=code) from None
        return _placement(row)

    def find(self, code: str) -> tuple[Placement, Business] | None:
        """A placement of any business by its code, with its business (public links)."""
        with self.db.reading() as s:
            found = s.execute(select(PlacementRow, BusinessRow).join(
                BusinessRow, BusinessRow.id == PlacementRow.business_id).where(
                PlacementRow.code == code)).first()
            return (_placement(found[0]), business_from_row(found[1])) if found else None

    def by_signup(self, business_id: int, signup_id: str) -> Placement | None:
        """The business's newest In-App Signup link with this Meta signup id."""
        with self.db.reading() as s:
            row = s.scalar(select(PlacementRow).where(
                PlacementRow.business_id == business_id, PlacementRow.signup_id == signup_id
            ).order_by(PlacementRow.id.desc()).limit(1))
            return _placement(row) if row is not None else None

    def get(self, business_id: int, code: str) -> Placement | None:
        with self.db.reading() as s:
            row = s.scalar(select(PlacementRow).where(PlacementRow.business_id == business_id,
                                                      PlacementRow.code == code))
            return _placement(row) if row else None

    def list(self, business_id: int, status: str | None = None) -> list[Placement]:
        stmt = select(PlacementRow).where(PlacementRow.business_id == business_id)
        if status:
            stmt = stmt.where(PlacementRow.status == status)
        with self.db.reading() as s:
            return [_placement(r) for r in s.scalars(stmt.order_by(PlacementRow.created_at,
                                                                   PlacementRow.id))]

    def retire(self, business_id: int, code: str) -> Placement:
        """Mark retired (idempotent: the first retirement time stays)."""
        with self.db.writing() as s:
            row = s.scalar(select(PlacementRow).where(PlacementRow.business_id == business_id,
                                                      PlacementRow.code == code))
            if row is None:
                raise PlacementNotFound(field="code", value=code)
            if row.status != "retired":
                row.status = "retired"
                row.retired_at = self.clock()
            return _placement(row)

    # -- clicks, scans, chats -------------------------------------------------------------

    def add_hit(self, placement: Placement, *, at: datetime, via: str, bot: bool,
                user_agent: str | None, referrer: str | None, ip_hash: str | None,
                lang: str | None) -> None:
        with self.db.writing() as s:
            s.add(PlacementHitRow(placement_id=placement.id, business_id=placement.business_id,
                                  at=at, via=via, bot=bot, user_agent=user_agent,
                                  referrer=referrer, ip_hash=ip_hash, lang=lang))

    def last_hit(self, placement_id: int, not_after: datetime) -> Hit | None:
        """The latest click or scan by a person (not a link unfurler) up to ``not_after``."""
        with self.db.reading() as s:
            row = s.execute(select(PlacementHitRow.at, PlacementHitRow.via).where(
                PlacementHitRow.placement_id == placement_id, PlacementHitRow.bot.is_(False),
                PlacementHitRow.at <= not_after).order_by(PlacementHitRow.at.desc(),
                                                          PlacementHitRow.id.desc())
                .limit(1)).first()
            return Hit(placement_id, row[0], row[1]) if row else None

    def chat(self, placement_id: int, conversation_ref: str) -> PlacementChatRow | None:
        with self.db.reading() as s:
            return s.scalar(select(PlacementChatRow).where(
                PlacementChatRow.placement_id == placement_id,
                PlacementChatRow.conversation_ref == conversation_ref))

    def add_chat(self, placement: Placement, *, conversation_ref: str,
                 first_message_at: datetime, stale: bool, channel: str | None,
                 evidence: dict[str, Any]) -> PlacementChatRow:
        """Record a chat started; the same conversation twice keeps the first record."""
        row = PlacementChatRow(placement_id=placement.id, business_id=placement.business_id,
                               conversation_ref=conversation_ref,
                               first_message_at=first_message_at, stale=stale, channel=channel,
                               evidence=evidence, created_at=self.clock())
        try:
            with self.db.writing() as s:
                s.add(row)
            return row
        except IntegrityError:
            existing = self.chat(placement.id, conversation_ref)
            assert existing is not None
            return existing

    # -- funnel ---------------------------------------------------------------------------

    def funnel_counts(self, business_id: int, placements: Sequence[Placement],
                      since: datetime | None = None, until: datetime | None = None
                      ) -> dict[str, dict[str, int]]:
        """Per code: scans, clicks, bot hits, unique visitors, chats, opt-ins, later opt-outs."""
        by_id = {p.id: p.code for p in placements}
        counts: dict[str, dict[str, int]] = {p.code: defaultdict(int) for p in placements}
        if not placements:
            return {}
        ids = list(by_id)
        with self.db.reading() as s:
            hits = s.execute(select(PlacementHitRow.placement_id, PlacementHitRow.via,
                                    PlacementHitRow.bot, func.count())
                             .where(PlacementHitRow.placement_id.in_(ids),
                                    *_window(PlacementHitRow.at, since, until))
                             .group_by(PlacementHitRow.placement_id, PlacementHitRow.via,
                                       PlacementHitRow.bot))
            for pid, via, bot, n in hits:
                key = "bot_hits" if bot else ("scans" if via == "qr" else "clicks")
                counts[by_id[pid]][key] += n
            visitors = s.execute(select(PlacementHitRow.placement_id,
                                        func.count(PlacementHitRow.ip_hash.distinct()))
                                 .where(PlacementHitRow.placement_id.in_(ids),
                                        PlacementHitRow.bot.is_(False),
                                        *_window(PlacementHitRow.at, since, until))
                                 .group_by(PlacementHitRow.placement_id))
            for pid, n in visitors:
                counts[by_id[pid]]["unique_visitors"] = n
            chats = s.execute(select(PlacementChatRow.placement_id, PlacementChatRow.stale,
                                     func.count())
                              .where(PlacementChatRow.placement_id.in_(ids),
                                     *_window(PlacementChatRow.first_message_at, since, until))
                              .group_by(PlacementChatRow.placement_id, PlacementChatRow.stale))
            for pid, stale, n in chats:
                counts[by_id[pid]]["chats_stale" if stale else "chats_started"] += n
        self._consent_counts(business_id, counts, since, until)
        return {code: dict(c) for code, c in counts.items()}

    def _consent_counts(self, business_id: int, counts: dict[str, dict[str, int]],
                        since: datetime | None, until: datetime | None) -> None:
        """Opt-ins whose evidence carries a code, and later opt-outs of those contacts."""
        code_of = EventRow.evidence["placement_code"].as_string()
        first_in: dict[tuple[str, str], datetime] = {}  # (code, contact) -> first opt-in
        pending: set[tuple[str, str]] = set()
        with self.db.reading() as s:
            for batch in chunks(list(counts), 500):
                rows = s.execute(select(code_of, EventRow.subject_ref, EventRow.status,
                                        EventRow.occurred_at)
                                 .where(EventRow.business_id == business_id,
                                        EventRow.action == "opt_in", code_of.in_(batch),
                                        *_window(EventRow.occurred_at, since, until)))
                for code, ref, status, at in rows:
                    if status != "confirmed":
                        pending.add((code, ref))
                        continue
                    key = (code, ref)
                    if key not in first_in or at < first_in[key]:
                        first_in[key] = at
            last_out: dict[str, datetime] = {}
            refs = sorted({ref for _, ref in first_in})
            for batch in chunks(refs, 500):
                rows = s.execute(select(EventRow.subject_ref, func.max(EventRow.occurred_at))
                                 .where(EventRow.business_id == business_id,
                                        EventRow.action == "opt_out",
                                        EventRow.subject_ref.in_(batch),
                                        *_window(EventRow.occurred_at, None, until))
                                 .group_by(EventRow.subject_ref))
                last_out.update({ref: at for ref, at in rows})
        for (code, ref), at in first_in.items():
            counts[code]["opt_ins"] += 1
            if ref in last_out and last_out[ref] > at:
                counts[code]["opt_outs"] += 1
        for code, ref in pending:
            if (code, ref) not in first_in:
                counts[code]["opt_ins_pending"] += 1

    # -- business logo --------------------------------------------------------------------

    def set_business_setting(self, business_id: int, key: str, value: Any) -> None:
        with self.db.writing() as s:
            row = s.get(BusinessRow, business_id)
            if row is None:
                raise NotFound("business_unknown", value=str(business_id))
            row.settings = {**(row.settings or {}), key: value}
