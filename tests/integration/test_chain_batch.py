"""A batch writes what the same events written one at a time write: chain, contacts,
consent state, sender-scoped opt-outs and facets, for any mix of people, topics, times
(ties and out of order), pending opt-ins, repeated and reused keys (Hypothesis)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.cli import setup_business
from gateway.core import ledger
from gateway.core.consent import Capture, Recorded
from gateway.core.errors import Conflict
from gateway.core.service import ConsentService
from gateway.store import Database, SqlStore
from gateway.store.consent_store import _Write
from gateway.store.tables import (
    ContactFacetRow,
    ContactRow,
    EventRow,
    SenderOptOutRow,
    StateRow,
)
from tests.conftest import make_url

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = b"test-subject-key"
PHONES = ("090-1234-5678", "080-2222-3333", "+81 70 4444 5555", "+819011112222")
TOPICS = ("offers", "newsletter", "order_updates")
SENDER = "sms:+815031234567"
_slugs = itertools.count()


@pytest.fixture
def two_stores(database_url: str, tmp_path: Path) -> Iterator[list[tuple[SqlStore, Database]]]:
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    (tmp_path / "second").mkdir()
    urls = make_url(kind, tmp_path / "second")
    stores = []
    for url in (database_url, next(urls)):
        db = Database(url)
        db.upgrade()
        stores.append((SqlStore(db, clock=lambda: NOW), db))
    yield stores
    for _store, db in stores:
        db.dispose()
    urls.close()


operation = st.fixed_dictionaries({
    "person": st.integers(0, len(PHONES) - 1),
    "opt_out": st.booleans(),
    "topics": st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3, unique=True),
    "minutes": st.integers(0, 4),  # few values: ties and out-of-order times are common
    "pending": st.booleans(),
    "key": st.integers(0, 9),  # repeats: redeliveries, and reused keys (conflicts)
    "sender_scoped": st.booleans(),
    "name": st.sampled_from([None, "山田 太郎", "Hanako"]),
    "placement": st.sampled_from([None, "shop-1", "poster-7"]),
})


def _capture(slug: str, op: dict[str, Any]) -> Capture:
    evidence: dict[str, Any] = {"evidence_ref": "F-1"}
    if op["placement"]:
        evidence["placement_code"] = op["placement"]
    sender = None
    if op["opt_out"] and op["sender_scoped"]:
        sender = SENDER
        evidence["scope"] = {"rule": "senders", "applies_to": "sender", "sender": SENDER}
    return Capture(business=slug, phone=PHONES[op["person"]], channel="paper",
                   method="signature", action="opt_out" if op["opt_out"] else "opt_in",
                   topics=tuple(op["topics"]),
                   wording_kind=None if op["opt_out"] else "paper",
                   occurred_at=T0 + timedelta(minutes=op["minutes"]),
                   pending=op["pending"] and not op["opt_out"],
                   idempotency_key=f"k{op['key']}", evidence=evidence, sender=sender,
                   personal={"name": op["name"]} if op["name"] else {})


def _answer(outcome: Recorded | BaseException) -> tuple[Any, ...]:
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, Conflict), outcome
        return ("conflict", outcome.code)
    return (outcome.created, outcome.event.event_id, outcome.event.seq, outcome.event.hash)


def _dump(db: Database, business_id: int) -> dict[str, Any]:
    with db.reading() as s:
        refs = {r.id: r.subject_ref for r in s.scalars(
            select(ContactRow).where(ContactRow.business_id == business_id))}
        mine = business_id
        return {
            "events": [(r.seq, r.id, r.idempotency_key, r.contact_id in refs, r.prev_hash,
                        r.hash) for r in s.scalars(select(EventRow).where(
                            EventRow.business_id == mine).order_by(EventRow.seq))],
            "contacts": sorted((r.subject_ref, r.phone, r.name, r.linked, r.last_activity_at,
                                r.activity_seq) for r in s.scalars(
                select(ContactRow).where(ContactRow.business_id == mine))),
            "state": sorted((refs[r.contact_id], r.topic, r.status, r.occurred_at, r.event_id,
                             r.channel) for r in s.scalars(
                select(StateRow).where(StateRow.business_id == mine))),
            "senders": sorted((refs[r.contact_id], r.topic, r.sender, r.occurred_at,
                               r.event_id) for r in s.scalars(
                select(SenderOptOutRow).where(SenderOptOutRow.business_id == mine))),
            "facets": sorted((refs[r.contact_id], r.kind, r.value) for r in s.scalars(
                select(ContactFacetRow).where(ContactFacetRow.business_id == mine))),
        }


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_a_batch_writes_what_the_same_events_one_by_one_write(
        two_stores: list[tuple[SqlStore, Database]], ops: list[dict[str, Any]]) -> None:
    slug = f"b{next(_slugs)}"
    (one_by_one, db1), (batched, db2) = two_stores
    businesses = [setup_business(store, slug=slug, name="Sakura Coffee", whatsapp="+81345678901",
                                 country="JP", languages=("ja", "en"))
                  for store in (one_by_one, batched)]
    assert businesses[0].id == businesses[1].id
    business = businesses[0]
    service = ConsentService(one_by_one, subject_key=KEY, clock=lambda: NOW)
    writes = []
    for op in ops:
        event = service.prepare(_capture(slug, op), business)
        writes.append(_Write(event, ledger.personal_digest(KEY, event.personal), None))

    singles: list[Recorded | BaseException] = []
    for write in writes:
        try:
            singles.append(one_by_one.record(write.event, write.personal_hash))
        except Conflict as exc:
            singles.append(exc)
    together = batched._record_batch(business.id, writes)

    assert [_answer(o) for o in together] == [_answer(o) for o in singles]
    assert _dump(db2, business.id) == _dump(db1, business.id)
    assert batched.verify(slug).ok
