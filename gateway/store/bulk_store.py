"""The bulk write path: many already-normalised events in one transaction.

Same contract as :meth:`SqlStore.record`, batched: writers of a business are serialised
on its ledger head row; events continue the hash chain in the order given, byte-identical
to what ``record`` would write one by one (tests/imports/test_bulk_store.py); a known
idempotency key (in the store, or earlier in the batch) is skipped; contacts and consent
state follow the same ordering rule (:func:`gateway.store.consent_store.supersedes`).

Speed: reads go through SQLAlchemy Core (typed results), but the bulk INSERTs bypass its
per-row type processing (measured at ~3x the cost of the DBAPI call itself) and hand
pre-formatted tuples to the driver's ``executemany`` (SQLite) or ``COPY`` (PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from gateway import ledger
from gateway.chain_template import ChainTemplate
from gateway.consent import ConsentEvent
from gateway.errors import Conflict, NotFound
from gateway.store.consent_store import STATE_OF, supersedes, utcnow
from gateway.store.engine import Database
from gateway.store.tables import ContactRow, EventRow, LedgerHead, PersonalRow, StateRow

IN_CHUNK = 900  # bound parameters per IN (...) query
SQLITE_CACHE_KIB = 65536  # page cache of the writing connection: random index inserts at 1M rows

EVENT_COLUMNS = ("id", "business_id", "seq", "contact_id", "subject_ref", "action", "status",
                 "topics", "all_topics", "channel", "method", "wording_id", "wording_version",
                 "wording_language", "wording_sha256", "policy_id", "policy_version",
                 "language", "occurred_at", "recorded_at", "idempotency_key", "evidence",
                 "personal_digest", "sender", "actor", "prev_hash", "hash")
STATE_COLUMNS = ("business_id", "contact_id", "topic", "status", "occurred_at", "event_id",
                 "channel", "updated_at")
CONTACT_COLUMNS = ("business_id", "subject_ref", "phone", "name", "created_at")
PERSONAL_COLUMNS = ("event_id", "contact_id", "data")
JSON_COLUMNS = frozenset({"topics", "evidence", "data"})


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
    # The text form SQLAlchemy's SQLite DATETIME writes (naive UTC, microseconds).
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Writer:
    """Dialect-specific statement text and value formatting for one transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.time: Callable[[datetime], Any] = (lambda v: v) if self.pg else _sqlite_time
        self.flag: Callable[[bool], Any] = bool if self.pg else int

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]],
               *, conflict: str | None = None, copy: bool = True) -> None:
        if not rows:
            return
        if self.pg and copy and conflict is None:
            raw = self.conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            return
        mark = "%s" if self.pg else "?"
        marks = ", ".join(f"{mark}::jsonb" if self.pg and c in JSON_COLUMNS else mark
                          for c in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if conflict:
            sql += f" ON CONFLICT ({conflict}) DO NOTHING"
        self.conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.exec_driver_sql(sql if self.pg else sql.replace("%s", "?"),
                                      rows)  # type: ignore[arg-type]


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
            except IntegrityError:
                continue  # a concurrent writer won a race on a contact: decide again
        raise Conflict("conflict", field="idempotency_key")

    def _record_once(self, business_id: int, items: Sequence[BulkItem],
                     extra: Extra | None) -> BatchResult:
        with self.db.writing() as s:
            conn = s.connection()
            w = _Writer(conn)
            if not w.pg:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            # The same per-business lock as SqlStore.record (a no-op on SQLite, whose
            # BEGIN IMMEDIATE already holds the database write lock).
            head = conn.execute(select(LedgerHead.seq, LedgerHead.hash)
                                .where(LedgerHead.business_id == business_id)
                                .with_for_update()).one_or_none()
            if head is None:
                raise NotFound("business_unknown", value=str(business_id))
            created, fresh = self._fresh(conn, business_id, items)
            seq, prev = int(head.seq), str(head.hash)
            if fresh:
                now = self.clock()
                contacts = self._contacts(conn, w, business_id, fresh, now)
                events: list[tuple[Any, ...]] = []
                personal: list[tuple[Any, ...]] = []
                for item in fresh:
                    seq += 1
                    event = item.event
                    if item.template is not None:
                        digest = item.template.entry_hash(seq, now, prev)
                    else:
                        digest = ledger.entry_hash(prev, ledger.payload(
                            event, seq=seq, recorded_at=now, prev_hash=prev,
                            personal_hash=item.personal_hash))
                    contact_id = contacts[event.subject_ref]
                    events.append(self._event_row(w, event, contact_id, seq, now, prev,
                                                  item.personal_hash, digest))
                    if event.personal:
                        personal.append((event.event_id, contact_id,
                                         _dumps(dict(event.personal))))
                    prev = digest
                w.insert(EventRow.__tablename__, EVENT_COLUMNS, events)
                w.insert(PersonalRow.__tablename__, PERSONAL_COLUMNS, personal)
                self._state(conn, w, business_id, fresh, contacts, now)
                conn.execute(update(LedgerHead).where(LedgerHead.business_id == business_id)
                             .values(seq=seq, hash=prev))
            if extra is not None:
                extra(conn, created)
            return BatchResult(created, seq, prev)

    @staticmethod
    def _fresh(conn: Connection, business_id: int, items: Sequence[BulkItem]
               ) -> tuple[list[bool], list[BulkItem]]:
        keys = list({item.event.idempotency_key for item in items})
        known: set[str] = set()
        for chunk in _chunks(keys):
            known.update(conn.execute(select(EventRow.idempotency_key).where(
                EventRow.business_id == business_id,
                EventRow.idempotency_key.in_(chunk))).scalars())
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
    def _contacts(conn: Connection, w: _Writer, business_id: int, fresh: list[BulkItem],
                  now: datetime) -> dict[str, int]:
        """Contact id per subject_ref: existing ones updated like ``record`` does (phone
        restored after an erasure, last name given wins), missing ones inserted."""
        wanted: dict[str, tuple[str, str | None]] = {}
        for item in fresh:
            event = item.event
            name = event.personal.get("name") or event.personal.get("profile_name")
            old = wanted.get(event.subject_ref)
            wanted[event.subject_ref] = (event.phone, name or (old[1] if old else None))
        ids: dict[str, int] = {}
        refs = list(wanted)
        changes: list[tuple[Any, ...]] = []
        for chunk in _chunks(refs):
            for row in conn.execute(select(ContactRow.id, ContactRow.subject_ref,
                                           ContactRow.phone, ContactRow.name).where(
                    ContactRow.business_id == business_id, ContactRow.subject_ref.in_(chunk))):
                ids[row.subject_ref] = row.id
                phone, name = wanted[row.subject_ref]
                if phone != row.phone or (name and name != row.name):
                    changes.append((phone, name or row.name, row.id))
        missing = [ref for ref in refs if ref not in ids]
        created_at = w.time(now)
        w.insert(ContactRow.__tablename__, CONTACT_COLUMNS,
                 [(business_id, ref, *wanted[ref], created_at) for ref in missing],
                 conflict="business_id, subject_ref")
        for chunk in _chunks(missing):
            ids.update((r.subject_ref, r.id) for r in conn.execute(
                select(ContactRow.id, ContactRow.subject_ref).where(
                    ContactRow.business_id == business_id, ContactRow.subject_ref.in_(chunk))))
        w.execute_many("UPDATE contacts SET phone = %s, name = %s WHERE id = %s", changes)
        return ids

    @staticmethod
    def _event_row(w: _Writer, event: ConsentEvent, contact_id: int, seq: int,
                   now: datetime, prev: str, personal_hash: str | None,
                   digest: str) -> tuple[Any, ...]:
        wording = event.wording
        return (
            event.event_id, event.business_id, seq, contact_id, event.subject_ref,
            str(event.action), str(event.status), _dumps(list(event.topics)),
            w.flag(event.all_topics), event.channel, event.method,
            wording.id if wording else None, wording.version if wording else None,
            wording.language if wording else None, wording.sha256 if wording else None,
            event.policy_id, event.policy_version, event.language, w.time(event.occurred_at),
            w.time(now), event.idempotency_key, _dumps(dict(event.evidence)), personal_hash,
            event.sender, event.actor, prev, digest,
        )

    @staticmethod
    def _state(conn: Connection, w: _Writer, business_id: int, fresh: list[BulkItem],
               contacts: dict[str, int], now: datetime) -> None:
        """Apply the events to consent_state in order, with the rule ``record`` uses."""
        contact_ids = sorted({contacts[item.event.subject_ref] for item in fresh})
        # (contact, topic) -> [status, occurred_at, event_id, channel, is_new, changed]
        table: dict[tuple[int, str], list[Any]] = {}
        for chunk in _chunks(contact_ids):
            for row in conn.execute(select(StateRow.contact_id, StateRow.topic, StateRow.status,
                                           StateRow.occurred_at).where(
                    StateRow.business_id == business_id, StateRow.contact_id.in_(chunk))):
                table[(row.contact_id, row.topic)] = [row.status, row.occurred_at, None, None,
                                                      False, False]
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
        updated_at = w.time(now)
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for (contact_id, topic), (status, at, event_id, channel, new, changed) in table.items():
            if new:
                inserts.append((business_id, contact_id, topic, status, w.time(at), event_id,
                                channel, updated_at))
            elif changed:
                updates.append((status, w.time(at), event_id, channel, updated_at, business_id,
                                contact_id, topic))
        w.insert(StateRow.__tablename__, STATE_COLUMNS, inserts)
        w.execute_many("UPDATE consent_state SET status = %s, occurred_at = %s, event_id = %s, "
                       "channel = %s, updated_at = %s WHERE business_id = %s AND "
                       "contact_id = %s AND topic = %s", updates)
