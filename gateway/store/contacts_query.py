"""The contacts workspace's SQL: filtered pages newest activity first, and the export.

Keyset paging over ``ix_contacts_activity`` (business, last activity, id): a page reads on
from where the last one ended, never an OFFSET, so page 20,000 costs what page 1 costs.
How a page finds its rows depends on the filter (measured in bench/contacts.py):

- first the newest ``WINDOW`` contacts of the walk, probed by primary key: a dense filter
  (a state most contacts have, a common channel) fills its page there;
- else a selective part with an index (a placement, a rare channel or status, a created
  range, a whole number): its contact ids, if at most ``MAX_DRIVEN``, sorted;
- erased or linked contacts: partial indexes of their own, in the walk's order;
- parts of a name or number have no index: every contact of the business is read once.

A walk through the pages stays exact while the ledger grows: its cursors carry the ledger
head (``as_of_seq``) of its first page. Contacts whose activity moved since (their
``activity_seq`` is newer) are read apart and put back where they were then, their last
activity recomputed from their events up to that head; contacts created since are left
out. So each contact that existed when the walk began appears on exactly one page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from gateway.admin.contact_filters import (
    PAGE_SIZE,
    ContactFilter,
    ContactPage,
    Cursor,
    WorkspaceContact,
)
from gateway.store.engine import Database
from gateway.store.facets import CHANNEL, PLACEMENT
from gateway.store.tables import (
    ContactFacetRow,
    ContactRow,
    EventRow,
    LedgerHead,
    StateRow,
    UTCDateTime,
)

# Contacts moved since a walk began (each costs a look at its events on every page)
MAX_MOVED = 2000  # beyond which the walk restarts from the present
# A page starts from an indexed part of the filter with at most this many contacts: sorting
# 50,000 rows costs about what walking to 51 matches of a 1 % filter costs (bench).
MAX_DRIVEN = 50_000
SMALL_DRIVER = 1000  # few enough: no need to count the other parts
# Newest contacts of the walk a page reads in order before it tries another way: enough
# for 51 matches of a filter holding ~1 % of the contacts.
WINDOW = 5000
EXPORT_BLOCK, IN_CHUNK = 1000, 500

C = ContactRow
F = ContactFacetRow
_COLUMNS = (C.id, C.subject_ref, C.phone, C.user_id, C.username, C.name, C.created_at,
            C.erased_at, C.linked, C.last_activity_at)

Key = tuple[datetime, int]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Part:
    """One condition of a filter on contacts, and the contact ids it selects when an index
    can list them (``source``): a page may start from the smallest such list."""

    condition: ColumnElement[bool]
    source: Select[Any] | None = None


def parts(business_id: int, flt: ContactFilter, *, scan: bool = False) -> list[Part]:
    """The filter as conditions on contacts, except its dates: they bound the walk's own
    order (``_key_range``). ``scan``: keep SQLite from reading the business's contacts
    through an index."""
    other = aliased(ContactRow)
    business = C.business_id + 0 if scan else C.business_id
    out = [Part(business == business_id)]
    if flt.topic or flt.status:
        state = [StateRow.business_id == business_id]
        if flt.topic:
            state.append(StateRow.topic == flt.topic)
        if flt.status:
            state.append(StateRow.status == flt.status)
        out.append(Part(exists().where(*state, StateRow.contact_id == C.id),
                        # ix_consent_state_status lists a status (with or without a topic)
                        select(StateRow.contact_id).where(*state) if flt.status else None))
    for kind, value in ((PLACEMENT, flt.placement), (CHANNEL, flt.channel)):
        if value:
            facet = (F.business_id == business_id, F.kind == kind, F.value == value)
            out.append(Part(exists().where(*facet, F.contact_id == C.id),
                            select(F.contact_id).where(*facet)))
    if flt.erased is not None:
        out.append(Part(C.erased_at.is_not(None) if flt.erased else C.erased_at.is_(None)))
    if flt.linked is not None:
        out.append(Part(C.linked.is_(flt.linked)))
    if flt.refs:  # a whole number or user ID: that contact, whatever else the text matches
        out.append(Part(C.subject_ref.in_(flt.refs), select(other.id).where(
            other.business_id == business_id, other.subject_ref.in_(flt.refs))))
    else:
        terms: list[ColumnElement[bool]] = []
        if flt.text:
            pattern = f"%{_escape_like(flt.text)}%"
            terms += [C.name.ilike(pattern, escape="\\"),
                      C.username.ilike(pattern, escape="\\")]
        if flt.digits:
            terms.append(C.phone.like(f"%{flt.digits}%"))
        if terms:
            out.append(Part(or_(*terms)))
    return out


def where(business_id: int, flt: ContactFilter) -> list[ColumnElement[bool]]:
    return [part.condition for part in parts(business_id, flt)]


def _range(column: Any, flt: ContactFilter) -> list[ColumnElement[bool]]:
    out = []
    if flt.since:
        out.append(column >= flt.since)
    if flt.until:
        out.append(column < flt.until)
    return out


def _in_dates(flt: ContactFilter, value: datetime) -> bool:
    return (flt.since is None or value >= flt.since) and (flt.until is None or
                                                          value < flt.until)


def sort_key(flt: ContactFilter) -> Any:
    """The walk's order: last activity, or (dates=created) when the contact was created;
    each has its index with the business and the id (the tie-breaker)."""
    return C.created_at if flt.dates == "created" else C.last_activity_at


def _aware(value: Any) -> datetime:
    """Aggregates bypass the column type: SQLite hands back naive UTC text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ContactsWorkspace:
    """Mixed into the admin store: ``self.db`` and ``self.clock`` come from it."""

    db: Database
    clock: Callable[[], datetime]

    def contacts_page(self, business_id: int, flt: ContactFilter, *,
                      after: Cursor | None = None, before: Cursor | None = None,
                      size: int = PAGE_SIZE) -> ContactPage:
        """One page of the filtered contacts, newest first (see the module doc)."""
        cursor = after or before
        backwards = after is None and before is not None
        with self.db.reading() as s:
            restarted = False
            if cursor is None:
                as_of_seq, as_of = self._head(s, business_id), self.clock()
            else:
                as_of_seq, as_of = cursor.as_of_seq, cursor.as_of
                if self._moved_count(s, business_id, as_of_seq) > MAX_MOVED:
                    as_of_seq, as_of, restarted = self._head(s, business_id), self.clock(), True
            walk = _Walk(s, business_id, flt, as_of_seq, as_of, size)
            bound = (cursor.at, cursor.id) if cursor else None
            rows = walk.rows(bound, backwards)
            if backwards and len(rows) <= size:
                # Back at the start (the page before was the first): show the first page.
                rows, bound, backwards = walk.rows(None, False), None, False
            more = len(rows) > size
            rows = rows[:size]
            if backwards:
                rows.reverse()
            contacts = _with_topics(s, business_id, [r for _key, r in rows])
        number = cursor.page if cursor and bound is not None else 1

        def at(key: Key, page: int) -> Cursor:
            return Cursor(as_of_seq, as_of, key[0], key[1], page)

        next_cursor = at(rows[-1][0], number + 1) if rows and (more or backwards) else None
        previous = at(rows[0][0], number - 1) if rows and bound is not None else None
        return ContactPage(contacts, next_cursor, previous, number, restarted)

    def contact_blocks(self, business_id: int, flt: ContactFilter,
                       block: int = EXPORT_BLOCK) -> Iterator[list[WorkspaceContact]]:
        """Every contact the filter selects in the page's order, a block at a time from one
        statement (one consistent read), each with its topics: the export."""
        key = sort_key(flt)
        stmt = (select(*_COLUMNS).where(*where(business_id, flt), *_range(key, flt))
                .order_by(key.desc(), C.id.desc()).execution_options(yield_per=block))
        with self.db.reading() as s:
            result = s.execute(stmt)
            try:
                for part in result.partitions():
                    yield _with_topics(s, business_id, list(part))
            finally:
                result.close()  # a server-side cursor on PostgreSQL: close it explicitly

    @staticmethod
    def _head(s: Session, business_id: int) -> int:
        return int(s.scalar(select(LedgerHead.seq).where(LedgerHead.business_id == business_id))
                   or 0)

    @staticmethod
    def _moved_count(s: Session, business_id: int, as_of_seq: int) -> int:
        moved = (select(C.id).where(C.business_id == business_id, C.activity_seq > as_of_seq)
                 .limit(MAX_MOVED + 1).subquery())
        return int(s.scalar(select(func.count()).select_from(moved)) or 0)


def _past(column: Any, bound: Key, backwards: bool, *, upto: bool = False
          ) -> ColumnElement[bool]:
    """Rows after ``bound`` in the walk's order by ``column`` (before it, going backwards);
    ``upto``: the rows up to it, itself included."""
    key = tuple_(column, C.id)
    mark = tuple_(bindparam(None, bound[0], type_=UTCDateTime()), bound[1])
    if upto:
        return key <= mark if backwards else key >= mark
    return key > mark if backwards else key < mark


class _Walk:
    """The rows of one page of one walk (a filter, as of a ledger head)."""

    def __init__(self, s: Session, business_id: int, flt: ContactFilter, as_of_seq: int,
                 as_of: datetime, size: int):
        self.s, self.business_id, self.flt, self.size = s, business_id, flt, size
        self.as_of_seq, self.as_of = as_of_seq, as_of
        self.sqlite = s.get_bind().dialect.name == "sqlite"
        self.parts = parts(business_id, flt)
        self.conditions = [part.condition for part in self.parts]
        self.key = sort_key(flt)
        self.by_activity = self.key is C.last_activity_at  # keys that move (see _moved)

    def rows(self, bound: Key | None, backwards: bool) -> list[tuple[Key, Any]]:
        """Up to size + 1 rows past ``bound`` in the walk's order (reversed when going
        backwards), each with the key it is ordered by."""
        stmt = self._base(self.conditions, bound, backwards)
        if self.flt.refs:  # a whole number: its contacts, through the unique index
            found: list[tuple[Key, Any]] | None = self._run(stmt, backwards, sort=True)
        elif len(self.parts) == 1 or self.flt.erased or self.flt.linked:
            found = self._run(stmt, backwards)  # the walk's index (or a partial one), in order
        else:
            found = self._window(stmt, bound, backwards)
        if found is None:  # matches are sparse among the newest contacts
            driver = self._driver()
            if driver is not None:
                found = self._driven(driver, bound, backwards)
            elif self.flt.text or self.flt.digits:
                # In table order, then sorted: on SQLite ~5x faster than through the index.
                scan = [p.condition for p in parts(self.business_id, self.flt, scan=True)]
                found = self._run(self._base(scan, bound, backwards), backwards, sort=True)
            else:
                found = self._run(stmt, backwards)
        if self.by_activity:
            moved = self._moved()
            if bound is not None:
                moved = [m for m in moved if (m[0] > bound if backwards else m[0] < bound)]
            found += moved
            found.sort(key=lambda item: item[0], reverse=not backwards)
        return found[:self.size + 1]

    def _order(self, key: Any, row_id: Any, backwards: bool) -> tuple[Any, Any]:
        return (key.asc(), row_id.asc()) if backwards else (key.desc(), row_id.desc())

    def _keyed(self, rows: Any) -> list[tuple[Key, Any]]:
        name = self.key.key
        return [((getattr(r, name), r.id), r) for r in rows]

    def _base(self, conditions: list[ColumnElement[bool]], bound: Key | None,
              backwards: bool) -> Select[Any]:
        stmt = select(*_COLUMNS).where(*conditions, *_range(self.key, self.flt))
        if self.by_activity:  # as they were when the walk began; the moved ones: _moved
            stmt = stmt.where(C.activity_seq <= self.as_of_seq)
        return stmt if bound is None else stmt.where(_past(self.key, bound, backwards))

    def _run(self, stmt: Select[Any], backwards: bool, *, sort: bool = False
             ) -> list[tuple[Key, Any]]:
        key, row_id = self.key, C.id
        if sort:
            # Sort the rows found rather than walk the index that has their order: both
            # planners would pick it, betting that matches are spread evenly along it.
            key = type_coerce(key, String()).concat(literal_column("''")) if self.sqlite \
                else key + literal_column("interval '0 s'")
            row_id = row_id + literal_column("0")
        rows = self.s.execute(stmt.order_by(*self._order(key, row_id, backwards))
                              .limit(self.size + 1))
        return self._keyed(rows)

    def _window(self, stmt: Select[Any], bound: Key | None, backwards: bool
                ) -> list[tuple[Key, Any]] | None:
        """The page from the next WINDOW contacts of the walk, or None when they hold
        too few matches."""
        edge_stmt = select(self.key, C.id).where(  # an index-only read
            C.business_id == self.business_id, *_range(self.key, self.flt))
        if bound is not None:
            edge_stmt = edge_stmt.where(_past(self.key, bound, backwards))
        edge = self.s.execute(edge_stmt.order_by(*self._order(self.key, C.id, backwards))
                              .offset(WINDOW).limit(1)).first()
        if edge is None:  # the whole rest of the walk is a window
            return self._run(stmt, backwards)
        found = self._run(stmt.where(_past(self.key, (edge[0], edge[1]), backwards,
                                           upto=True)), backwards)
        return found if len(found) > self.size else None

    def _driven(self, driver: Part, bound: Key | None, backwards: bool
                ) -> list[tuple[Key, Any]]:
        """The page among the contacts ``driver`` lists, with the other conditions."""
        assert driver.source is not None
        rest = self._base([p.condition for p in self.parts if p is not driver], bound,
                          backwards)
        if self.sqlite:
            return self._run(rest.where(C.id.in_(driver.source)), backwards, sort=True)
        # PostgreSQL would hash-join a scan of every contact; a lateral subquery it cannot
        # flatten (LIMIT 1: one row per id anyway) makes it look each listed contact up by
        # its key instead.
        ids = driver.source.distinct().subquery()
        one = rest.where(C.id == list(ids.c)[0]).limit(1).lateral()
        rows = self.s.execute(select(one).select_from(ids.join(one, true())).order_by(
            *self._order(one.c[self.key.key], one.c.id, backwards)).limit(self.size + 1))
        return self._keyed(rows)

    def _driver(self) -> Part | None:
        """The smallest indexed part of the filter, if it holds at most MAX_DRIVEN contacts."""
        best: tuple[int, Part] | None = None
        for part in self.parts:
            if part.source is None:
                continue
            counted = select(func.count()).select_from(
                part.source.limit(MAX_DRIVEN + 1).subquery())
            n = int(self.s.scalar(counted) or 0)
            if n <= MAX_DRIVEN and (best is None or n < best[0]):
                best = (n, part)
            if n <= SMALL_DRIVER:
                break
        return best[1] if best else None

    def _moved(self) -> list[tuple[Key, Any]]:
        """Contacts of the filter whose activity moved after the walk began, keyed by their
        activity then: their latest event up to ``as_of_seq``, else their creation (if they
        existed); those created later are left out."""
        s = self.s
        rows = list(s.execute(select(*_COLUMNS).where(
            *self.conditions, C.activity_seq > self.as_of_seq).limit(MAX_MOVED + 1)))
        if not rows:
            return []
        then: dict[int, datetime] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), IN_CHUNK):
            for contact_id, last in s.execute(
                    select(EventRow.contact_id, func.max(EventRow.occurred_at))
                    .where(EventRow.contact_id.in_(ids[start:start + IN_CHUNK]),
                           EventRow.seq <= self.as_of_seq)
                    .group_by(EventRow.contact_id)):
                then[contact_id] = _aware(last)
        out = []
        for r in rows:
            key_at = then.get(r.id) or (r.created_at if r.created_at <= self.as_of else None)
            if key_at is not None and _in_dates(self.flt, key_at):
                out.append(((key_at, r.id), r))
        return out


def _with_topics(s: Session, business_id: int, rows: Sequence[Any]) -> list[WorkspaceContact]:
    """Each row as a record with its current state per topic (one query per block)."""
    topics: dict[int, dict[str, str]] = {r.id: {} for r in rows}
    ids = list(topics)
    for start in range(0, len(ids), IN_CHUNK):
        for contact_id, topic, status in s.execute(
                select(StateRow.contact_id, StateRow.topic, StateRow.status).where(
                    and_(StateRow.business_id == business_id,
                         StateRow.contact_id.in_(ids[start:start + IN_CHUNK])))):
            topics[contact_id][topic] = status
    return [WorkspaceContact(r.id, r.subject_ref, r.phone, r.user_id, r.username, r.name,
                             r.created_at, r.erased_at, bool(r.linked), r.last_activity_at,
                             topics[r.id]) for r in rows]
