"""The store on a real database: idempotency, ordering, opt-out wins, append-only, tamper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.core.consent import Business, Capture
from gateway.core.errors import Conflict

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def cap(business: Business, **fields: Any) -> Capture:
    base: dict[str, Any] = {"business": business.slug, "phone": "090-1234-5678",
                            "channel": "api", "method": "api", "topics": ("offers",),
                            "wording_kind": "api"}
    base.update(fields)
    return Capture(**base)


def state(gw: Any, business: Business, topic: str = "offers", phone: str = "090-1234-5678"
          ) -> str:
    return str(gw.service.eligibility(business, phone, topic).reason)


def test_record_appends_and_updates_state(gw: Any, business: Business) -> None:
    result = gw.service.capture(cap(business, personal={"name": "Taro"}))
    assert result.created and result.event.seq == 1
    assert result.event.prev_hash == "0" * 64 and len(result.event.hash) == 64
    assert state(gw, business) == "consented"
    assert state(gw, business, "newsletter") == "topic_not_chosen"
    assert gw.service.eligibility(business, "090-9999-0000", "offers").reason == "no_consent"


def test_same_idempotency_key_twice_writes_once(gw: Any, business: Business) -> None:
    first = gw.service.capture(cap(business, idempotency_key="SMabc"))
    again = gw.service.capture(cap(business, idempotency_key="SMabc"))
    assert not again.created and again.event.event_id == first.event.event_id
    assert again.event.hash == first.event.hash
    assert gw.store.count_events(business.id) == 1


def test_reused_key_for_another_event_is_a_conflict(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, idempotency_key="k"))
    with pytest.raises(Conflict):
        gw.service.capture(cap(business, idempotency_key="k", phone="090-1111-2222"))
    assert gw.store.count_events(business.id) == 1


def test_opt_out_wins_and_names_no_topics_means_all(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, topics=("offers", "newsletter", "order_updates")))
    gw.service.capture(cap(business, action="opt_out", topics=None, wording_kind=None))
    for topic in business.topic_keys:
        assert state(gw, business, topic) in ("opted_out",)


def test_topic_scoped_opt_out_leaves_other_topics(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, topics=("offers", "order_updates")))
    gw.service.capture(cap(business, action="opt_out", topics=("offers",)))
    assert state(gw, business, "offers") == "opted_out"
    assert state(gw, business, "order_updates") == "consented"


def test_old_paper_opt_in_never_revives_a_later_opt_out(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, action="opt_out", topics=None, occurred_at=T0))
    old = gw.service.capture(cap(business, channel="paper", method="signature",
                                 wording_kind="paper", occurred_at=T0 - timedelta(days=30)))
    assert old.created  # kept in the ledger as evidence...
    assert state(gw, business) == "opted_out"  # ...but it does not change the state


def test_later_opt_in_after_opt_out_counts(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, action="opt_out", topics=None, occurred_at=T0))
    gw.service.capture(cap(business, occurred_at=T0 + timedelta(minutes=1)))
    assert state(gw, business) == "consented"


def test_tie_goes_to_the_opt_out(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, occurred_at=T0))
    gw.service.capture(cap(business, action="opt_out", occurred_at=T0))
    assert state(gw, business) == "opted_out"
    gw.service.capture(cap(business, occurred_at=T0, idempotency_key="again"))
    assert state(gw, business) == "opted_out"


def test_late_arriving_old_opt_out_does_not_undo_newer_opt_in(gw: Any, business: Business
                                                               ) -> None:
    gw.service.capture(cap(business, occurred_at=T0))
    gw.service.capture(cap(business, action="opt_out", occurred_at=T0 - timedelta(hours=1)))
    assert state(gw, business) == "consented"


def test_pending_is_not_eligible_and_never_downgrades(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, pending=True, occurred_at=T0))
    assert state(gw, business) == "pending_confirmation"
    gw.service.capture(cap(business, occurred_at=T0 + timedelta(minutes=1)))
    assert state(gw, business) == "consented"
    gw.service.capture(cap(business, pending=True, occurred_at=T0 + timedelta(minutes=2)))
    assert state(gw, business) == "consented"


def test_contacts_are_per_business(gw: Any, business: Business, us_business: Business) -> None:
    gw.service.capture(cap(business))
    assert gw.service.eligibility(us_business, "+819012345678", "offers").reason == "no_consent"


def test_ledger_verifies_and_keeps_personal_data_out(gw: Any, business: Business) -> None:
    for n in range(5):
        gw.service.capture(cap(business, phone=f"090-1234-567{n}", personal={"name": "Hanako"}))
    result = gw.store.verify()
    assert result.ok and result.entries == 5
    with gw.db.reading() as s:
        raw = s.execute(text("SELECT topics, evidence, idempotency_key, subject_ref "
                             "FROM consent_events")).all()
    assert "+8190" not in repr(raw) and "Hanako" not in repr(raw)


def test_ledger_rows_cannot_be_updated_or_deleted(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business))
    for statement in ("UPDATE consent_events SET topics = '[]'", "DELETE FROM consent_events"):
        with pytest.raises(DBAPIError, match="append-only"), gw.db.writing() as s:
            s.execute(text(statement))
    assert gw.store.count_events() == 1


def _drop_guard(gw: Any) -> None:
    """What an attacker with owner rights would do first."""
    with gw.db.writing() as s:
        if gw.db.dialect == "postgresql":
            s.execute(text("ALTER TABLE consent_events DISABLE TRIGGER consent_events_no_change"))
        else:
            s.execute(text("DROP TRIGGER consent_events_no_update"))
            s.execute(text("DROP TRIGGER consent_events_no_delete"))


def test_tampered_row_is_named_by_verify(gw: Any, business: Business) -> None:
    for n in range(4):
        gw.service.capture(cap(business, phone=f"090-1234-567{n}"))
    _drop_guard(gw)
    with gw.db.writing() as s:
        s.execute(text("UPDATE consent_events SET channel = 'paper' WHERE seq = 3"))
    result = gw.store.verify("demo")
    assert not result.ok and result.problem.seq == 3  # type: ignore[union-attr]


def test_deleted_tail_is_caught_by_the_head(gw: Any, business: Business) -> None:
    for n in range(3):
        gw.service.capture(cap(business, phone=f"090-1234-567{n}"))
    _drop_guard(gw)
    with gw.db.writing() as s:
        s.execute(text("DELETE FROM consent_events WHERE seq = 3"))
    result = gw.store.verify("demo")
    assert not result.ok and "removed" in result.problem.reason  # type: ignore[union-attr]


def test_bulk_state_matches_single_answers(gw: Any, business: Business) -> None:
    gw.service.capture(cap(business, phone="090-1111-0001", topics=("offers",)))
    gw.service.capture(cap(business, phone="090-1111-0002", topics=("newsletter",)))
    gw.service.capture(cap(business, phone="090-1111-0003", action="opt_out", topics=None))
    phones = ["+819011110001", "+819011110002", "+819011110003", "+819011110004", "nonsense"]
    answers = list(gw.service.eligibility_batch(business, "offers", phones))
    assert [a.get("reason") for a in answers] == ["consented", "topic_not_chosen", "opted_out",
                                                   "no_consent", None]
    assert answers[-1]["error"]["code"] == "invalid_phone"
    singles = [gw.service.eligibility(business, p, "offers") for p in phones[:4]]
    assert [s.allowed for s in singles] == [a["allowed"] for a in answers[:4]]


def test_wording_versions_are_immutable_new_rows(gw: Any, business: Business) -> None:
    v1 = gw.store.current_wording(business.id, "web_form", "en")
    v2 = gw.store.add_wording(business.id, "web_form", "en", v1.text + " (v2)")
    assert v2.version == v1.version + 1 and v2.id != v1.id
    assert gw.store.get_wording(v1.id).text == v1.text
