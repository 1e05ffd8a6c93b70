"""The bulk write path: many already-normalised events in one transaction.

Same contract as :meth:`SqlStore.record`, batched: writers of a business are serialised
on its ledger head row; events continue the hash chain in the order given, byte-identical
to what ``record`` would write one by one (tests/imports/test_bulk_store.py); a known
idempotency key (in the store, or earlier in the batch) is skipped; contacts and consent
state follow the same ordering rule (:func:`gateway.store.consent_store.supersedes`).

Speed (measured, see docs/imports.md): SQLAlchemy's per-row type processing costs about
three times the DBAPI call itself, so the batch statements here hand pre-formatted
tuples straight to the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from gateway import ledger
from gateway.chain_template import ChainTemplate
from gateway.consent import ConsentEvent
from gateway.errors import Conflict, NotFound
from gateway.store.consent_store import STATE_OF, supersedes, utcnow
from gateway.store.engine import Database
from gateway.store.tables import ContactRow, EventRow, PersonalRow, StateRow

IN_CHUNK = 2000  # bound parameters per IN (...) lookup on SQLite
SQLITE_CACHE_KIB = 32768  # page cache of the writing connection (random index inserts)

EVENT_COLUMNS = ("id", "business_id", "seq", "contact_id", "subject_ref", "action", "status",
                 "topics", "all_topics", "channel", "method", "wording_id", "wording_version",
                 "wording_language", "wording_sha256", "policy_id", "policy_version",
                 "language", "occurred_at", "recorded_at", "idempotency_key", "evidence",
                 "personal_digest", "sender", "actor", "prev_hash", "hash")
STATE_COLUMNS = ("business_id", "contact_id", "topic", "status", "occurred_at", "event_id",
                 "channel", "updated_at")
CONTACT_COLUMNS = ("id", "business_id", "subject_ref", "phone", "name", "created_at")
PERSONAL_COLUMNS = ("event_id", "contact_id", "data")
Extra = Callable[[Connection, list[bool]], None]


@dataclass(frozen=True, slots=True)
class BulkItem:
    """One event to record, with what ``record`` would get beside it."""

    event: ConsentEvent
    personal_hash: str | None = None
    template: ChainTemplate | None = None  # precomputed canonical bytes (optional)


@dataclass(frozen=True)
class BatchResult:
    created: list[bool]  # per item: recorded now (False: its key was already known)
    head_seq: int
    head_hash: str

    @property
    def recorded(self) -> int:
        return sum(self.created)

    @property
    def duplicates(self) -> int:
        return len(self.created) - self.recorded


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # e.g. an int beyond 64 bits: the standard library takes anything JSON
        return json.dumps(value, ensure_ascii=False)


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores: naive UTC with microseconds."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


class _Sql:
    """Dialect differences of one transaction: placeholders, value formats, bulk insert."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.time: Callable[[datetime], Any] = (lambda v: v) if self.pg else _sqlite_time
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


class BulkStore:
    """Batch writes of consent events (imports); see the module docstring."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.clock = clock

    def record_batch(self, business_id: int, items: Sequence[BulkItem], *,
                     extra: Extra | None = None) -> BatchResult:
        """Record ``items`` in order, atomically. ``extra(conn, created)`` runs last in the
        same transaction (the importer's checkpoint), so a batch and its bookkeeping commit
        together or not at all."""
        for _attempt in range(3):
            try:
                return self._record_once(business_id, items, extra)
            except (IntegrityError, psycopg.errors.UniqueViolation):
                continue  # a concurrent writer added one of these contacts: decide again
        raise Conflict("conflict", field="idempotency_key")

    def _record_once(self, business_id: int, items: Sequence[BulkItem],
                     extra: Extra | None) -> BatchResult:
        with self.db.writing() as s:
            sql = _Sql(s.connection())
            if not sql.pg:
                sql.conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            # The same per-business lock as SqlStore.record (on SQLite, BEGIN IMMEDIATE
            # already holds the database write lock).
            head = sql.rows("SELECT seq, hash FROM ledger_heads WHERE business_id = %s"
                            + (" FOR UPDATE" if sql.pg else ""), business_id)
            if not head:
                raise NotFound("business_unknown", value=str(business_id))
            seq, prev = int(head[0][0]), str(head[0][1])
            created, fresh = self._fresh(sql, business_id, items)
            if fresh:
                now = self.clock()
                contacts, new = self._contacts(sql, business_id, fresh, now)
                seq, prev = self._events(sql, fresh, contacts, seq, prev, now)
                self._state(sql, business_id, fresh, contacts, new, now)
                sql.update_many("UPDATE ledger_heads SET seq = %s, hash = %s "
                                "WHERE business_id = %s", [(seq, prev, business_id)])
            if extra is not None:
                extra(sql.conn, created)
            return BatchResult(created, seq, prev)

    @staticmethod
    def _fresh(sql: _Sql, business_id: int, items: Sequence[BulkItem]
               ) -> tuple[list[bool], list[BulkItem]]:
        keys = list({item.event.idempotency_key for item in items})
        known = {r[0] for r in sql.lookup(
            "SELECT idempotency_key FROM consent_events WHERE business_id = %s AND "
            "idempotency_key {IN}", business_id, keys)}
        created: list[bool] = []
        fresh: list[BulkItem] = []
        for item in items:
            key = item.event.idempotency_key
            if key in known:
                created.append(False)
                continue
            known.add(key)  # the same row twice in one batch: the first one counts
            created.append(True)
            fresh.append(item)
        return created, fresh

    @staticmethod
    def _contacts(sql: _Sql, business_id: int, fresh: list[BulkItem], now: datetime
                  ) -> tuple[dict[str, int], set[int]]:
        """Contact id per subject_ref, and which ids are new. Existing contacts change as
        ``record`` changes them (phone restored after an erasure, last name given wins)."""
        wanted: dict[str, tuple[str, str | None]] = {}
        for item in fresh:
            event = item.event
            name = event.personal.get("name") or event.personal.get("profile_name")
            old = wanted.get(event.subject_ref)
            wanted[event.subject_ref] = (event.phone, name or (old[1] if old else None))
        ids: dict[str, int] = {}
        changes: list[tuple[Any, ...]] = []
        for contact_id, ref, phone_now, name_now in sql.lookup(
                "SELECT id, subject_ref, phone, name FROM contacts WHERE business_id = %s "
                "AND subject_ref {IN}", business_id, list(wanted)):
            ids[ref] = contact_id
            phone, name = wanted[ref]
            if phone != phone_now or (name and name != name_now):
                changes.append((phone, name or name_now, contact_id))
        missing = [ref for ref in wanted if ref not in ids]
        new_ids = sql.new_contact_ids(len(missing))
        created_at = sql.time(now)
        sql.insert(ContactRow.__tablename__, CONTACT_COLUMNS,
                   [(cid, business_id, ref, *wanted[ref], created_at)
                    for cid, ref in zip(new_ids, missing, strict=True)])
        ids.update(zip(missing, new_ids, strict=True))
        sql.update_many("UPDATE contacts SET phone = %s, name = %s WHERE id = %s", changes)
        return ids, set(new_ids)

    @staticmethod
    def _events(sql: _Sql, fresh: list[BulkItem], contacts: dict[str, int], seq: int,
                prev: str, now: datetime) -> tuple[int, str]:
        """Continue the chain; insert the events and their personal data."""
        recorded_at = sql.time(now)
        recorded_iso = ledger.iso(now).encode()
        time, flag = sql.time, sql.flag
        events: list[tuple[Any, ...]] = []
        personal: list[tuple[Any, ...]] = []
        for item in fresh:
            seq += 1
            event = item.event
            if item.template is not None:
                digest = item.template.hash_with(seq, recorded_iso, prev)
            else:
                digest = ledger.entry_hash(prev, ledger.payload(
                    event, seq=seq, recorded_at=now, prev_hash=prev,
                    personal_hash=item.personal_hash))
            contact_id = contacts[event.subject_ref]
            w = event.wording
            events.append((
                event.event_id, event.business_id, seq, contact_id, event.subject_ref,
                str(event.action), str(event.status), _dumps(list(event.topics)),
                flag(event.all_topics), event.channel, event.method,
                w.id if w else None, w.version if w else None, w.language if w else None,
                w.sha256 if w else None, event.policy_id, event.policy_version,
                event.language, time(event.occurred_at), recorded_at, event.idempotency_key,
                _dumps(dict(event.evidence)), item.personal_hash, event.sender, event.actor,
                prev, digest))
            if event.personal:
                personal.append((event.event_id, contact_id, _dumps(dict(event.personal))))
            prev = digest
        sql.insert(EventRow.__tablename__, EVENT_COLUMNS, events)
        sql.insert(PersonalRow.__tablename__, PERSONAL_COLUMNS, personal)
        return seq, prev

    @staticmethod
    def _state(sql: _Sql, business_id: int, fresh: list[BulkItem], contacts: dict[str, int],
               new: set[int], now: datetime) -> None:
        """Apply the events to consent_state in order, with the rule ``record`` uses."""
        # (contact, topic) -> [status, occurred_at, event_id, channel, is_new, changed]
        table: dict[tuple[int, str], list[Any]] = {}
        existing = sorted({contacts[i.event.subject_ref] for i in fresh} - new)
        for contact_id, topic, status, occurred_at in sql.lookup(
                "SELECT contact_id, topic, status, occurred_at FROM consent_state "
                "WHERE business_id = %s AND contact_id {IN}", business_id, existing):
            if isinstance(occurred_at, str):  # SQLite: the stored text, naive UTC
                occurred_at = datetime.fromisoformat(occurred_at).replace(tzinfo=UTC)
            table[(contact_id, topic)] = [status, occurred_at, None, None, False, False]
        for item in fresh:
            event = item.event
            status = STATE_OF[(event.action, event.status)]
            contact_id = contacts[event.subject_ref]
            for topic in event.topics:
                current = table.get((contact_id, topic))
                if current is None:
                    table[(contact_id, topic)] = [status, event.occurred_at, event.event_id,
                                                  event.channel, True, True]
                elif supersedes(event.action, status, event.occurred_at, current[0],
                                current[1]):
                    current[:4] = [status, event.occurred_at, event.event_id, event.channel]
                    current[5] = True
        updated_at = sql.time(now)
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for (contact_id, topic), (status, at, event_id, channel, is_new, changed) in \
                table.items():
            if is_new:
                inserts.append((business_id, contact_id, topic, status, sql.time(at),
                                event_id, channel, updated_at))
            elif changed:
                updates.append((status, sql.time(at), event_id, channel, updated_at,
                                business_id, contact_id, topic))
        sql.insert(StateRow.__tablename__, STATE_COLUMNS, inserts)
        sql.update_many("UPDATE consent_state SET status = %s, occurred_at = %s, "
                        "event_id = %s, channel = %s, updated_at = %s WHERE business_id = %s "
                        "AND contact_id = %s AND topic = %s", updates)

