"""Queries of the admin dashboard: overview counts, contact search, keys, login throttling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from gateway.admin.records import (
    ApiKeyInfo,
    ContactSummary,
    LoginPicture,
    RecentEvent,
    StaffUser,
)
from gateway.core.consent import Business, ConsentEvent
from gateway.store.contacts_query import ContactsWorkspace
from gateway.store.convert import event_from_row
from gateway.store.engine import Database
from gateway.store.guards import findable, storable
from gateway.store.tables import AdminUserRow, ApiKeyRow, ContactRow, EventRow, StateRow
from gateway.store.tables_admin import AdminLoginAttemptRow

Clock = Callable[[], datetime]
KEEP_ATTEMPTS = timedelta(days=1)  # failures; a success is kept longer (known addresses)
KEEP_SUCCESSES = timedelta(days=30)


def _staff(row: AdminUserRow) -> StaffUser:
    return StaffUser(row.id, row.username, row.role, row.business_id, row.password_hash)


class AdminStore(ContactsWorkspace):
    """Read-mostly queries for /admin; consent writes still go through ConsentService.
    The contacts workspace's pages and export: ContactsWorkspace."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    # -- staff and login throttling -----------------------------------------------------------

    def staff_by_name(self, username: str) -> StaffUser | None:
        if not findable(username, 120):
            return None
        with self.db.reading() as s:
            row = s.scalar(select(AdminUserRow).where(AdminUserRow.username == username))
            return _staff(row) if row else None

    def staff_by_id(self, user_id: int) -> StaffUser | None:
        with self.db.reading() as s:
            row = s.get(AdminUserRow, user_id)
            return _staff(row) if row else None

    def record_login(self, username: str, ip: str, succeeded: bool) -> None:
        """Keep the attempt; prune attempts older than a day on the way."""
        now = self.clock()
        with self.db.writing() as s:
            s.add(AdminLoginAttemptRow(username=storable(username, 120),
                                       ip=storable(ip, 64), succeeded=succeeded, at=now))
            s.execute(delete(AdminLoginAttemptRow).where(
                AdminLoginAttemptRow.at < now - KEEP_ATTEMPTS,
                AdminLoginAttemptRow.succeeded.is_(False)))
            s.execute(delete(AdminLoginAttemptRow).where(
                AdminLoginAttemptRow.at < now - KEEP_SUCCESSES))

    def recent_failures(self, username: str, ip: str, since: datetime) -> tuple[int, int]:
        """Failed attempts since ``since``: (for this username, from this IP)."""
        base = select(func.count()).select_from(AdminLoginAttemptRow).where(
            AdminLoginAttemptRow.succeeded.is_(False), AdminLoginAttemptRow.at >= since)
        with self.db.reading() as s:
            by_user = s.scalar(base.where(
                AdminLoginAttemptRow.username == storable(username, 120)))
            by_ip = s.scalar(base.where(AdminLoginAttemptRow.ip == storable(ip, 64)))
        return int(by_user or 0), int(by_ip or 0)

    def login_picture(self, username: str, ip: str, since: datetime, trusted_since: datetime
                      ) -> LoginPicture:
        """What the sign-in throttle needs about ``username`` from ``ip``."""
        user, addr = storable(username, 120), storable(ip, 64)
        failed = (AdminLoginAttemptRow.succeeded.is_(False), AdminLoginAttemptRow.at >= since)
        count = select(func.count()).select_from(AdminLoginAttemptRow).where(*failed)
        with self.db.reading() as s:
            by_user = s.scalar(count.where(AdminLoginAttemptRow.username == user))
            by_ip = s.scalar(count.where(AdminLoginAttemptRow.ip == addr))
            by_pair = s.scalar(count.where(AdminLoginAttemptRow.username == user,
                                           AdminLoginAttemptRow.ip == addr))
            last = s.scalar(select(func.max(AdminLoginAttemptRow.at)).where(
                *failed, AdminLoginAttemptRow.username == user))
            known = s.scalar(select(AdminLoginAttemptRow.id).where(
                AdminLoginAttemptRow.username == user, AdminLoginAttemptRow.ip == addr,
                AdminLoginAttemptRow.succeeded.is_(True),
                AdminLoginAttemptRow.at >= trusted_since).limit(1))
        return LoginPicture(int(by_user or 0), int(by_ip or 0), int(by_pair or 0),
                            _aware(last), known is not None)

    # -- overview -----------------------------------------------------------------------------

    def overview(self, business_id: int) -> dict[str, object]:
        """Contacts, contacts opted in to anything now, events, and state counts per topic."""
        with self.db.reading() as s:
            contacts = s.scalar(select(func.count()).select_from(ContactRow).where(
                ContactRow.business_id == business_id, ContactRow.erased_at.is_(None)))
            opted_in = s.scalar(select(func.count(func.distinct(StateRow.contact_id))).where(
                StateRow.business_id == business_id, StateRow.status == "opted_in"))
            events = s.scalar(select(func.count()).select_from(EventRow).where(
                EventRow.business_id == business_id))
            per_topic: dict[str, dict[str, int]] = {}
            for topic, status, count in s.execute(
                    select(StateRow.topic, StateRow.status, func.count())
                    .where(StateRow.business_id == business_id)
                    .group_by(StateRow.topic, StateRow.status)):
                per_topic.setdefault(topic, {})[status] = int(count)
        return {"contacts": int(contacts or 0), "opted_in": int(opted_in or 0),
                "events": int(events or 0), "per_topic": per_topic}

    def events_since(self, business: Business, since: datetime) -> list[ConsentEvent]:
        """Every consent event the customer made at or after ``since`` (no personal data;
        links between identifiers are not consents and are left out)."""
        with self.db.reading() as s:
            rows = s.scalars(select(EventRow).where(
                EventRow.business_id == business.id, EventRow.occurred_at >= since,
                EventRow.action != "link")
                .order_by(EventRow.occurred_at, EventRow.seq))
            return [event_from_row(r, business.slug, None, None) for r in rows]

    def recent_events(self, business: Business, limit: int = 10) -> list[RecentEvent]:
        """The latest events (by when the customer acted) with their contact."""
        stmt = (select(EventRow, ContactRow.name, ContactRow.phone, ContactRow.user_id)
                .join(ContactRow, ContactRow.id == EventRow.contact_id)
                .where(EventRow.business_id == business.id)
                .order_by(EventRow.occurred_at.desc(), EventRow.seq.desc()).limit(limit))
        with self.db.reading() as s:
            return [RecentEvent(event_from_row(row, business.slug, phone, None, user_id),
                                row.contact_id, name)
                    for row, name, phone, user_id in s.execute(stmt)]

    # -- contacts -----------------------------------------------------------------------------

    @staticmethod
    def _summaries(s: Session, where: list[ColumnElement[bool]], limit: int
                   ) -> list[ContactSummary]:
        last = (select(EventRow.contact_id, func.max(EventRow.occurred_at).label("last"))
                .group_by(EventRow.contact_id).subquery())
        opted = (select(StateRow.contact_id, func.count().label("n"))
                 .where(StateRow.status == "opted_in").group_by(StateRow.contact_id).subquery())
        stmt = (select(ContactRow, last.c.last, opted.c.n)
                .outerjoin(last, last.c.contact_id == ContactRow.id)
                .outerjoin(opted, opted.c.contact_id == ContactRow.id)
                .where(*where).order_by(last.c.last.desc().nulls_last(), ContactRow.id.desc())
                .limit(limit))
        return [ContactSummary(c.id, c.subject_ref, c.phone, c.name, c.created_at, c.erased_at,
                               _aware(last_at), int(n or 0), c.user_id, c.username)
                for c, last_at, n in s.execute(stmt)]

    def contact(self, business_id: int, contact_id: int) -> ContactSummary | None:
        with self.db.reading() as s:
            found = self._summaries(s, [ContactRow.business_id == business_id,
                                        ContactRow.id == contact_id], 1)
        return found[0] if found else None

    def contact_by_ref(self, business_id: int, subject_ref: str) -> ContactSummary | None:
        with self.db.reading() as s:
            found = self._summaries(s, [ContactRow.business_id == business_id,
                                        ContactRow.subject_ref == subject_ref], 1)
        return found[0] if found else None

    def search_contacts(self, business_id: int, text: str, limit: int = 50
                        ) -> list[ContactSummary]:
        """Contacts whose name contains ``text`` or whose number contains its digits."""
        text = text.strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        terms = []
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            terms.append(ContactRow.name.ilike(f"%{escaped}%", escape="\\"))
            terms.append(ContactRow.username.ilike(f"%{escaped}%", escape="\\"))
        if len(digits) >= 4:
            terms.append(ContactRow.phone.like(f"%{digits}%"))
        with self.db.reading() as s:
            where = [ContactRow.business_id == business_id]
            if terms:
                where.append(or_(*terms))
            return self._summaries(s, where, limit)

    # -- API keys -----------------------------------------------------------------------------

    def api_keys(self, business_id: int) -> list[ApiKeyInfo]:
        with self.db.reading() as s:
            rows = s.scalars(select(ApiKeyRow).where(ApiKeyRow.business_id == business_id)
                             .order_by(ApiKeyRow.revoked_at.is_not(None), ApiKeyRow.id.desc()))
            return [ApiKeyInfo(r.id, r.prefix, r.label, r.created_at, r.revoked_at)
                    for r in rows]

    def revoke_api_key(self, business_id: int, key_id: int) -> bool:
        """Revoke a key of this business; False if there is no such live key."""
        with self.db.writing() as s:
            result = s.execute(update(ApiKeyRow).where(
                ApiKeyRow.id == key_id, ApiKeyRow.business_id == business_id,
                ApiKeyRow.revoked_at.is_(None)).values(revoked_at=self.clock()))
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
