"""The bulk write path: many already-normalised events in one transaction.

Same contract as :meth:`SqlStore.record`, batched: writers of a business are serialised
on its ledger head row; events continue the hash chain in the order given, byte-identical
to what ``record`` would write one by one (tests/imports/test_bulk_store.py); a known
idempotency key (in the store, or earlier in the batch) is skipped; contacts and consent
state follow the same ordering rule (:func:`gateway.consent.supersedes`).

Speed (measured, see docs/imports.md): SQLAlchemy's per-row type processing costs about
three times the DBAPI call itself, so the batch statements here hand pre-formatted
tuples straight to the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. A
:class:`gateway.imports.bulk_rows.BulkRow` is formatted ahead of time (by the import workers), so the
one writing process only looks up, chains and inserts; and one transaction may take many
batches (:meth:`BulkStore.writer`), since on SQLite each commit rewrites every index page
the transaction touched, and two of the indexes are random by nature.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DataError, IntegrityError

from gateway.core import ledger
from gateway.core.clock import utcnow
from gateway.core.consent import Action, supersedes
from gateway.core.errors import NotFound, StoreRejected, WriteConflict
from gateway.imports.bulk_rows import EVENT_HEAD, UTC_SUFFIX, BulkRow, time_text
from gateway.store import notifications
from gateway.store.engine import Database
from gateway.store.facets import facets_of
from gateway.store.tables import (
    ContactFacetRow,
    ContactRow,
    EventRow,
    OutboxRow,
    PersonalRow,
    StateRow,
)

IN_CHUNK = 2000  # bound parameters per IN (...) lookup on SQLite
SQLITE_CACHE_KIB = 65536  # page cache of the writing connection (random index inserts)
ANALYZE_MIN_ROWS = 20_000  # see BulkStore._refresh_statistics
ANALYZED_TABLES = ("consent_events", "contacts", "consent_state", "event_personal")

EVENT_COLUMNS = (*EVENT_HEAD, "seq", "contact_id", "recorded_at", "prev_hash", "hash")
STATE_COLUMNS = ("business_id", "contact_id", "topic", "status", "occurred_at", "event_id",
                 "channel", "updated_at")
CONTACT_COLUMNS = ("id", "business_id", "subject_ref", "phone", "user_id", "name", "created_at",
                   "last_activity_at", "activity_seq")
PERSONAL_COLUMNS = ("event_id", "contact_id", "data")
FACET_COLUMNS = ("business_id", "kind", "value", "contact_id")
EVIDENCE = EVENT_HEAD.index("evidence")
# "+business_id": SQLite's planner (no statistics) would otherwise search the primary key
# by business, reading every facet of it per batch (21 s of a million-row import); the
# unary plus keeps it on the contact index. PostgreSQL reads it the same.
FACETS_OF_CONTACTS = ("SELECT contact_id, kind, value FROM contact_facets "
                      "WHERE +business_id = %s AND contact_id {IN}")
STATE_OF_CONTACTS = ("SELECT contact_id, topic, status, occurred_at FROM consent_state "
                     "WHERE business_id = %s AND contact_id {IN}")  # its primary key


_ACTIONS = {str(a): a for a in Action}


class _Sql:
    """Dialect differences of one transaction: placeholders, value formats, bulk insert."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.time: Callable[[datetime], Any] = (lambda v: v) if self.pg else time_text
        self.text_time: Callable[[str], str] = (
            (lambda v: v + UTC_SUFFIX) if self.pg else (lambda v: v))
        self.flag: Callable[[bool], Any] = bool if self.pg else int

    def rows(self, sql: str, *params: Any) -> list[Any]:
        return list(self.conn.exec_driver_sql(sql if self.pg else sql.replace("%s", "?"),
                                              params))

    def lookup(self, sql: str, business_id: int, values: Sequence[Any]) -> list[Any]:
        """``sql`` has ``{IN}`` where the values go: one array on PostgreSQL, chunked
        placeholder lists on SQLite."""
        if not values:
            return []
        if self.pg:
            return self.rows(sql.replace("{IN}", "= ANY(%s)"), business_id, list(values))
        out: list[Any] = []
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start:start + IN_CHUNK]
            out.extend(self.rows(sql.replace("{IN}", f"IN ({', '.join('?' * len(chunk))})"),
                                 business_id, *chunk))
        return out

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.pg:
            raw = self.conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                                  f"VALUES ({marks})", rows)  # type: ignore[arg-type]

    def update_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.exec_driver_sql(sql if self.pg else sql.replace("%s", "?"),
                                      rows)  # type: ignore[arg-type]

    def new_contact_ids(self, count: int) -> list[int]:
        """Ids for new contacts. SQLite: after the current maximum (this transaction holds
        the database write lock). PostgreSQL: from the column's own sequence, as an
        ordinary INSERT would take them."""
        if count == 0:
            return []
        if self.pg:
            return [r[0] for r in self.rows(
                "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) "
                "FROM generate_series(1, %s)", count)]
        start = self.rows("SELECT COALESCE(MAX(id), 0) FROM contacts")[0][0]
        return list(range(start + 1, start + 1 + count))


class BulkWriter:
    """One open bulk transaction of one business: batches in, chained and inserted."""

    def __init__(self, sql: _Sql, business_id: int, seq: int, prev: str,
                 clock: Callable[[], datetime]):
        self.sql = sql
        self.business_id = business_id
        self.seq = seq
        self.prev = prev
        self.clock = clock

    @property
    def conn(self) -> Connection:
        return self.sql.conn

    def add(self, rows: Sequence[BulkRow]) -> list[bool]:
        """Record ``rows`` in order; per row, whether it was recorded (False: its key was
        known already, in the store or earlier in this transaction)."""
        created, fresh = self._fresh(rows)
        if fresh:
            now = self.clock()
            contacts, new = self._contacts(fresh, now)
            self._events(fresh, contacts, now)
            self._state(fresh, contacts, new, now)
            self._facets(fresh, contacts, new)
        return created

    def _fresh(self, rows: Sequence[BulkRow]) -> tuple[list[bool], list[BulkRow]]:
        keys = list({row.idempotency_key for row in rows})
        known = {r[0] for r in self.sql.lookup(
            "SELECT idempotency_key FROM consent_events WHERE business_id = %s AND "
            "idempotency_key {IN}", self.business_id, keys)}
        created: list[bool] = []
        fresh: list[BulkRow] = []
        for row in rows:
            key = row.idempotency_key
            if key in known:
                created.append(False)
                continue
            known.add(key)  # the same row twice in one batch: the first one counts
            created.append(True)
            fresh.append(row)
        return created, fresh

    def _contacts(self, fresh: list[BulkRow], now: datetime) -> tuple[dict[str, int], set[int]]:
        """Contact id per subject_ref, and which ids are new. Existing contacts change as
        ``record`` changes them (phone restored after an erasure, last name given wins)."""
        sql, business_id = self.sql, self.business_id
        wanted: dict[str, tuple[str | None, str | None, str | None]] = {}
        for row in fresh:
            old = wanted.get(row.subject_ref)
            wanted[row.subject_ref] = (row.phone or None, row.user_id,
                                       row.name or (old[2] if old else None))
        ids: dict[str, int] = {}
        changes: list[tuple[Any, ...]] = []
        # ref -> [last activity (time text), its seq]: record_sql.contact_for_write's rule
        activity: dict[str, list[Any]] = {}
        found = sql.lookup(
            "SELECT id, subject_ref, phone, user_id, name, last_activity_at, activity_seq "
            "FROM contacts WHERE business_id = %s AND subject_ref {IN}", business_id,
            list(wanted))
        for contact_id, ref, _phone, _user, _name, last_at, last_seq in found:
            ids[ref] = contact_id
            activity[ref] = [last_at if isinstance(last_at, str) else time_text(last_at),
                             int(last_seq)]
        for n, row in enumerate(fresh, start=self.seq + 1):  # the seqs _events will give
            current = activity.setdefault(row.subject_ref, ["", 0])
            if not current[1] or row.occurred > current[0]:
                current[:] = [row.occurred, n]
        for contact_id, ref, phone_now, user_now, name_now, _at, last_seq in found:
            phone, user, name = wanted[ref]
            at, seq = activity[ref]
            if phone != phone_now or user != user_now or (name and name != name_now) or \
                    seq != last_seq:
                changes.append((phone, user, name or name_now, sql.text_time(at), seq,
                                contact_id))
        missing = [ref for ref in wanted if ref not in ids]
        new_ids = sql.new_contact_ids(len(missing))
        created_at = sql.time(now)
        sql.insert(ContactRow.__tablename__, CONTACT_COLUMNS,
                   [(cid, business_id, ref, *wanted[ref], created_at,
                     sql.text_time(activity[ref][0]), activity[ref][1])
                    for cid, ref in zip(new_ids, missing, strict=True)])
        ids.update(zip(missing, new_ids, strict=True))
        sql.update_many("UPDATE contacts SET phone = %s, user_id = %s, name = %s, "
                        "last_activity_at = %s, activity_seq = %s WHERE id = %s", changes)
        return ids, set(new_ids)

    def _events(self, fresh: list[BulkRow], contacts: dict[str, int], now: datetime) -> None:
        """Continue the chain; insert the events and their personal data."""
        recorded_at = self.sql.time(now)
        recorded_iso = ledger.iso(now).encode()
        seq, prev = self.seq, self.prev
        events: list[tuple[Any, ...]] = []
        personal: list[tuple[Any, ...]] = []
        for row in fresh:
            seq += 1
            digest = row.template.hash_with(seq, recorded_iso, prev)
            contact_id = contacts[row.subject_ref]
            events.append(row.head + (seq, contact_id, recorded_at, prev, digest))
            if row.personal is not None:
                personal.append((row.event_id, contact_id, row.personal))
            prev = digest
        self.sql.insert(EventRow.__tablename__, EVENT_COLUMNS, events)
        self.sql.insert(PersonalRow.__tablename__, PERSONAL_COLUMNS, personal)
        self.sql.insert(OutboxRow.__tablename__, notifications.COLUMNS, notifications.bulk_rows(
            self.conn, self.business_id, [row.event_id for row in fresh], recorded_at))
        self.seq, self.prev = seq, prev

    def _facets(self, fresh: list[BulkRow], contacts: dict[str, int], new: set[int]) -> None:
        """The channels and placements of the batch's contacts (gateway.store.facets), as
        ``record`` adds them; only contacts that existed before may have some already."""
        wanted: set[tuple[int, str, str, int]] = set()
        for row in fresh:
            evidence = row.head[EVIDENCE]  # JSON text: parsed only when it may name one
            found = facets_of(row.channel, json.loads(evidence)
                              if '"placement' in evidence else {})
            contact_id = contacts[row.subject_ref]
            wanted.update((self.business_id, kind, value, contact_id) for kind, value in found)
        existing = sorted({contact_id for *_rest, contact_id in wanted} - new)
        known = {(self.business_id, kind, value, contact_id)
                 for contact_id, kind, value in self.sql.lookup(
                     FACETS_OF_CONTACTS, self.business_id, existing)}
        self.sql.insert(ContactFacetRow.__tablename__, FACET_COLUMNS, sorted(wanted - known))

    def _state(self, fresh: list[BulkRow], contacts: dict[str, int], new: set[int],
               now: datetime) -> None:
        """Apply the events to consent_state in order, with the rule ``record`` uses."""
        sql, business_id = self.sql, self.business_id
        # (contact, topic) -> [status, occurred (time_text), event_id, channel, is_new, changed]
        table: dict[tuple[int, str], list[Any]] = {}
        existing = sorted({contacts[row.subject_ref] for row in fresh} - new)
        for contact_id, topic, status, occurred_at in sql.lookup(
                STATE_OF_CONTACTS, business_id, existing):
            if not isinstance(occurred_at, str):  # PostgreSQL: a datetime; SQLite: the text
                occurred_at = time_text(occurred_at)
            table[(contact_id, topic)] = [status, occurred_at, None, None, False, False]
        for row in fresh:
            status = row.state
            contact_id = contacts[row.subject_ref]
            for topic in row.topics:
                current = table.get((contact_id, topic))
                if current is None:
                    table[(contact_id, topic)] = [status, row.occurred, row.event_id,
                                                  row.channel, True, True]
                elif supersedes(_ACTIONS[row.action], status, row.occurred, current[0],
                                current[1]):
                    current[:4] = [status, row.occurred, row.event_id, row.channel]
                    current[5] = True
        updated_at = sql.time(now)
        at_sql = sql.text_time
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for (contact_id, topic), (status, at, event_id, channel, is_new, changed) in \
                table.items():
            if is_new:
                inserts.append((business_id, contact_id, topic, status, at_sql(at), event_id,
                                channel, updated_at))
            elif changed:
                updates.append((status, at_sql(at), event_id, channel, updated_at,
                                business_id, contact_id, topic))
        sql.insert(StateRow.__tablename__, STATE_COLUMNS, inserts)
        sql.update_many("UPDATE consent_state SET status = %s, occurred_at = %s, "
                        "event_id = %s, channel = %s, updated_at = %s WHERE business_id = %s "
                        "AND contact_id = %s AND topic = %s", updates)


class BulkStore:
    """Batch writes of consent events (imports); see the module docstring."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock
        self._unanalysed = 0  # events this process wrote since its last ANALYZE

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @contextmanager
    def writer(self, business_id: int) -> Iterator[BulkWriter]:
        """One transaction for any number of :meth:`BulkWriter.add` calls, committed when
        the block ends (rolled back if it raises). It holds the business's ledger lock
        throughout (on SQLite, the database write lock): keep it to seconds.

        On PostgreSQL a contact added meanwhile by a path that does not take the ledger
        lock (an inbound message) makes the insert fail with IntegrityError or
        UniqueViolation: nothing is written, and a retry sees that contact."""
        with _conflicts_retryable(), self.db.writing() as s:
            sql = _Sql(s.connection())
            if not sql.pg:
                sql.conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            # The same per-business lock as SqlStore.record (on SQLite, BEGIN IMMEDIATE
            # already holds the database write lock).
            head = sql.rows("SELECT seq, hash FROM ledger_heads WHERE business_id = %s"
                            + (" FOR UPDATE" if sql.pg else ""), business_id)
            if not head:
                raise NotFound("business_unknown", value=str(business_id))
            seq = int(head[0][0])
            writer = BulkWriter(sql, business_id, seq, str(head[0][1]), self.clock)
            yield writer
            if writer.seq != seq:
                sql.update_many("UPDATE ledger_heads SET seq = %s, hash = %s "
                                "WHERE business_id = %s", [(writer.seq, writer.prev,
                                                            business_id)])
        if self.dialect == "postgresql":
            self._unanalysed += writer.seq - seq
            self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """ANALYZE the tables a bulk load grows once it has written more events than they
        held at their last ANALYZE (so a few times per load, doubling). Without statistics
        PostgreSQL plans each key lookup as a scan of the whole business (measured: a
        million-row import into a fresh store on a server without autovacuum took 586 s),
        and autovacuum, where it runs, analyses only well after a commit."""
        if self._unanalysed < ANALYZE_MIN_ROWS:
            return
        with self.db.writing() as s:
            known = s.connection().exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'consent_events'::regclass"
            ).scalar_one()
            if self._unanalysed < known:
                return
            s.connection().exec_driver_sql(f"ANALYZE {', '.join(ANALYZED_TABLES)}")
        self._unanalysed = 0


# What a clash with a concurrent writer raises; nothing was written, so retry.
RETRYABLE = (IntegrityError, psycopg.errors.UniqueViolation)


@contextmanager
def _conflicts_retryable() -> Iterator[None]:
    """The driver's errors as the core's: a clash is a WriteConflict (retry), a value the
    database refuses a StoreRejected (isolate the row); callers never see SQL exceptions."""
    try:
        yield
    # "from None": the driver's messages quote the rows, personal data included.
    except RETRYABLE:
        raise WriteConflict() from None
    except (DataError, psycopg.errors.DataError):
        raise StoreRejected() from None
