"""The bulk path writes the same chain, contacts and state as ``SqlStore.record``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.cli import setup_business
from gateway.core import ledger
from gateway.core.consent import Capture, ConsentEvent
from gateway.core.errors import NotFound
from gateway.core.service import ConsentService
from gateway.imports.bulk_rows import BulkRow, bulk_row
from gateway.store import Database, SqlStore, bulk_store
from gateway.store.bulk_store import BulkStore
from gateway.store.tables import ContactRow, EventRow, PersonalRow, StateRow
from tests.conftest import make_url

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC)
KEY = b"test-subject-key"


def _store(url: str) -> tuple[Database, SqlStore, ConsentService]:
    db = Database(url)
    db.upgrade()
    store = SqlStore(db, clock=lambda: NOW)
    setup_business(store, slug="demo", name="Sakura Coffee", aliases=("さくらコーヒー",),
                   whatsapp="+81345678901", country="JP", languages=("ja", "en"))
    return db, store, ConsentService(store, subject_key=KEY, clock=lambda: NOW)


def _events(service: ConsentService) -> list[tuple[ConsentEvent, str | None]]:
    business = service.business("demo")
    a, b, c = "090-1234-5678", "080-2222-3333", "+81 70 4444 5555"

    def cap(phone: str, at: datetime, **kw: Any) -> Capture:
        base: dict[str, Any] = dict(business="demo", phone=phone, channel="paper",
                                    method="signature", topics=("offers", "newsletter"),
                                    wording_kind="paper", occurred_at=at,
                                    evidence={"evidence_ref": "F-1", "row": 2},
                                    actor="import:test")
        base.update(kw)
        return Capture(**base)

    captures = [
        cap(a, T0, personal={"name": "山田 太郎"}),
        cap(b, T0, topics=("order_updates",)),
        cap(a, T0 + timedelta(days=2), action="opt_out", topics=None, wording_kind=None),
        cap(a, T0 + timedelta(days=1)),  # older than the opt-out: ledger only
        cap(c, T0, pending=True, idempotency_key="pending-c"),
        cap(c, T0 + timedelta(hours=1), idempotency_key="confirmed-c"),
        cap(c, T0 + timedelta(hours=2), pending=True, idempotency_key="pending-again-c"),
        cap(b, T0, action="opt_out", topics=("order_updates",), wording_kind=None),  # tie
        cap(b, T0 + timedelta(days=3), topics=("order_updates",), personal={"name": "Hanako"},
            evidence={"evidence_ref": "sentinel 7361904582713650429"}),  # no template
    ]
    out = []
    for capture in captures:
        event = service.prepare(capture, business)
        out.append((event, ledger.personal_digest(KEY, event.personal)))
    return out


def _rows(db: Database, events: list[ConsentEvent]) -> list[BulkRow]:
    return [bulk_row(e, None, dialect=db.dialect) for e in events]


def _dump(db: Database) -> dict[str, Any]:
    with db.reading() as s:
        events = [(r.seq, r.id, r.idempotency_key, r.prev_hash, r.hash, r.personal_digest)
                  for r in s.scalars(select(EventRow).order_by(EventRow.seq))]
        contacts = sorted((r.subject_ref, r.phone, r.name) for r in s.scalars(select(ContactRow)))
        ids = {r.id: r.subject_ref for r in s.scalars(select(ContactRow))}
        state = sorted((ids[r.contact_id], r.topic, r.status, r.occurred_at, r.event_id,
                        r.channel) for r in s.scalars(select(StateRow)))
        personal = sorted((r.event_id, ids[r.contact_id], tuple(sorted(r.data.items())))
                          for r in s.scalars(select(PersonalRow)))
    return {"events": events, "contacts": contacts, "state": state, "personal": personal}


@contextmanager
def _recorded_and_bulk_rows(database_url: str, second_url: str
                            ) -> Iterator[tuple[Database, Database, SqlStore, list[BulkRow]]]:
    """The sample events recorded one by one (``record``) into a first store, and the same
    events as bulk rows for a second, empty one: (db1, db2, store2, rows)."""
    db1, store1, service1 = _store(database_url)
    db2, store2, _ = _store(second_url)
    try:
        events = _events(service1)
        for event, digest in events:
            store1.record(event, digest)
        yield db1, db2, store2, [bulk_row(e, d, dialect=db2.dialect) for e, d in events]
    finally:
        db1.dispose()
        db2.dispose()


def test_bulk_and_single_paths_write_identical_chains(database_url: str,
                                                      second_url: str) -> None:
    with _recorded_and_bulk_rows(database_url, second_url) as (db1, db2, store2, items):
        # The last event's evidence holds the fixed sequence sentinel: its template was cut
        # at random sentinels instead, and still hashes as `record` does.
        assert b"7361904582713650429" in b"".join(items[-1].template.parts)
        bulk = BulkStore(db2, clock=lambda: NOW)
        with bulk.writer(1) as writer:
            first = writer.add(items[:4])
        with bulk.writer(1) as writer:
            second = writer.add(items[4:] + items[:2])  # repeats are skipped
        assert first == [True] * 4
        assert second == [True] * 5 + [False, False]
        one, two = _dump(db1), _dump(db2)
        assert one["events"] == two["events"]
        assert one == two
        assert writer.prev == one["events"][-1][4] and writer.seq == len(items)
        assert store2.verify("demo").ok and store2.verify("demo").entries == len(items)


def test_bulk_state_follows_the_ordering_rules(database_url: str) -> None:
    db, store, service = _store(database_url)
    try:
        business = service.business("demo")
        events = [event for event, _ in _events(service)]
        with BulkStore(db, clock=lambda: NOW).writer(business.id) as writer:
            writer.add(_rows(db, events))
        state = store.contact_state(business.id, service.ref(business, "+819012345678"))
        assert {t: s.status for t, s in state.topics.items()} == {
            t: "opted_out" for t in business.topic_keys}
        assert state.name == "山田 太郎"
        b = store.contact_state(business.id, service.ref(business, "+818022223333"))
        assert b.topics["order_updates"].status == "opted_in"  # later re-opt-in wins
        assert b.name == "Hanako"
        c = store.contact_state(business.id, service.ref(business, "+817044445555"))
        assert c.topics["offers"].status == "opted_in"  # a later pending never downgrades
        assert store.verify("demo").ok
    finally:
        db.dispose()


def test_a_failing_batch_writes_nothing(database_url: str) -> None:
    db, store, service = _store(database_url)
    try:
        events = [e for e, _ in _events(service)]

        with pytest.raises(RuntimeError), BulkStore(db).writer(1) as writer:
            assert writer.add(_rows(db, events)) == [True] * len(events)
            raise RuntimeError("crash after the writes, before commit")
        assert store.count_events(1) == 0
        assert _dump(db)["contacts"] == [] and store.verify("demo").ok
        broken = dataclasses.replace(events[0], business_id=999)
        with pytest.raises(NotFound), BulkStore(db).writer(999) as writer:
            writer.add(_rows(db, [broken]))  # unknown business: nothing written
    finally:
        db.dispose()


def test_one_transaction_of_many_batches_writes_the_same_chain(database_url: str,
                                                               second_url: str) -> None:
    """Later batches of an open transaction see the earlier ones: contacts, keys, state."""
    with _recorded_and_bulk_rows(database_url, second_url) as (db1, db2, store2, rows):
        with BulkStore(db2, clock=lambda: NOW).writer(1) as writer:
            created = [writer.add([row])[0] for row in rows] + writer.add(rows[:3])
        assert created == [True] * len(rows) + [False] * 3
        assert _dump(db1) == _dump(db2)
        assert store2.verify("demo").ok


def _estimated_rows(db: Database, table: str) -> float:
    with db.reading() as s:
        return float(s.connection().exec_driver_sql(
            f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass").scalar_one())


@pytest.fixture
def postgresql_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("postgresql", tmp_path)  # skips, saying why, without PostgreSQL


def test_a_bulk_load_keeps_postgresql_statistics_fresh(postgresql_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without statistics PostgreSQL plans every key lookup as a scan of the whole business
    (a million-row import took 586 s on a server without autovacuum): once a load has
    written more events than the last ANALYZE saw, the bulk path analyses again."""
    monkeypatch.setattr(bulk_store, "ANALYZE_MIN_ROWS", 3)
    db, store, service = _store(postgresql_url)
    try:
        events = [e for e, _ in _events(service)]
        assert _estimated_rows(db, "consent_events") < 0  # never analysed
        bulk = BulkStore(db)
        with bulk.writer(1) as writer:
            writer.add(_rows(db, events[:2]))  # fewer than ANALYZE_MIN_ROWS: not yet
        assert _estimated_rows(db, "consent_events") < 0
        with bulk.writer(1) as writer:
            writer.add(_rows(db, events[2:]))
        assert _estimated_rows(db, "consent_events") == len(events) == store.count_events(1)
        assert _estimated_rows(db, "contacts") == 3
        with bulk.writer(1) as writer:  # a few more than the statistics know: no new ANALYZE
            writer.add(_rows(db, [dataclasses.replace(events[0], event_id="e-extra",
                                                      idempotency_key="extra")] * 4))
        assert _estimated_rows(db, "consent_events") == len(events)
    finally:
        db.dispose()


def test_sqlite_finds_known_contacts_facets_and_state_by_contact(tmp_path: Path) -> None:
    """SQLite has no statistics during a load: the facets and state of a batch's known
    contacts must be found by contact, not by reading every row of the business (that cost
    21 s of a million-row import for the facets)."""
    db, _store_, _service = _store(f"sqlite:///{tmp_path / 'plan.db'}")

    def plan(sql: str) -> str:
        sql = sql.replace("%s", "?").replace("{IN}", "IN (?, ?)")
        with db.reading() as s:
            return " ".join(str(row[-1]) for row in s.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", (1, 5, 6)))

    try:
        assert "ix_contact_facets_contact (contact_id=?)" in plan(bulk_store.FACETS_OF_CONTACTS)
        assert "(business_id=? AND contact_id=?)" in plan(bulk_store.STATE_OF_CONTACTS)
    finally:
        db.dispose()
