"""Each delivery constraint from a signed status webhook to the eligibility answer, and back
to allowed when it ends (docs/delivery.md). None of them is a consent event."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.delivery.conftest import (
    IN_CUSTOMER,
    INDIA_PNID,
    INDIA_WHATSAPP,
    JP_CUSTOMER,
    Clock,
    meta_status,
    meta_text,
    opt_in,
    twilio_status,
)
from tests.messaging.conftest import twilio_wa, wamid

INDIA = {"pnid": INDIA_PNID, "display": INDIA_WHATSAPP.lstrip("+")}


def ask(gw: Any, business: Business, topic: str, phone: str = IN_CUSTOMER) -> Any:
    return gw.service.eligibility(business, phone, topic)


def api(client: FlaskClient, gw: Any, business: Business, query: str) -> dict[str, Any]:
    key = gw.store.create_api_key(business.id, "delivery tests")
    res = client.get(f"/api/v1/eligibility?{query}", headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 200, res.get_data(as_text=True)
    return dict(res.json)


def ledger_size(gw: Any, business: Business) -> int:
    return int(gw.store.count_events(business.id))


def test_meta_131049_is_a_24_hour_cooldown_not_an_opt_out(
        client: FlaskClient, gw: Any, india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers", "order_updates")
    events = ledger_size(gw, india)
    sid = wamid()
    res = meta_status(client, IN_CUSTOMER, code=131049, sid=sid, **INDIA)
    assert res.status_code == 200 and res.json["handled"] == 1
    assert meta_status(client, IN_CUSTOMER, code=131049, sid=sid, **INDIA).json["handled"] == 0

    answer = api(client, gw, india, "phone=%2B919812345678&topic=offers")
    assert answer["allowed"] is False and answer["reason"] == "marketing_limit"
    assert answer["category"] == "marketing"
    assert answer["consent"] == {"ok": True, "reason": "consented",
                                 "rule": "R8: opted in to this topic"}
    assert answer["deliverable"]["ok"] is False
    assert answer["deliverable"]["reason"] == "marketing_limit"
    assert answer["deliverable"]["source"]["code"] == "131049"
    assert answer["deliverable"]["source"]["source_id"] == sid
    assert "not an opt-out" in answer["rule"]
    assert ask(gw, india, "order_updates").allowed  # utility is never capped
    assert ledger_size(gw, india) == events  # a delivery fact, not a consent event

    clock.later(hours=23, minutes=59)
    assert not ask(gw, india, "offers").allowed
    clock.later(minutes=2)
    back = ask(gw, india, "offers")
    assert back.allowed and back.reason == "consented" and back.deliverable.ok


def test_twilio_63049_is_the_same_cooldown(client: FlaskClient, gw: Any, india: Business,
                                           clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    assert twilio_status(client, IN_CUSTOMER, "63049", sender=INDIA_WHATSAPP).status_code == 204
    answer = ask(gw, india, "offers")
    assert (answer.allowed, answer.reason, answer.consent) == (False, "marketing_limit", True)
    assert answer.deliverable.source["provider"] == "twilio"
    assert answer.deliverable.source["code"] == "63049"
    clock.later(hours=24, minutes=1)
    assert ask(gw, india, "offers").allowed


@pytest.mark.parametrize("customer", [JP_CUSTOMER, "+447400123456"])
def test_131049_is_not_assumed_where_meta_says_the_limit_is_off(
        client: FlaskClient, gw: Any, business: Business, india: Business,
        customer: str) -> None:
    """Meta: no per-user limit for a business number or a user in the EEA, UK, JP, KR: the
    Japanese business for anyone, the Indian business for a Japanese or British user."""
    for biz, pnid, display in ((business, "100000000000001", "81345678901"),
                               (india, INDIA_PNID, INDIA_WHATSAPP.lstrip("+"))):
        opt_in(gw, biz, customer, "offers")
        assert meta_status(client, customer, code=131049, pnid=pnid,
                           display=display).json["handled"] == 1
        answer = ask(gw, biz, "offers", customer)
        assert answer.allowed and answer.deliverable.ok, (biz.slug, answer)
        history = gw.service.delivery.history(biz.id, [gw.service.ref(biz, customer)])
        assert [f.code for f in history] == ["131049"]  # kept as evidence all the same


def test_130472_holdout_allows_marketing_only_inside_a_window(
        client: FlaskClient, gw: Any, india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers", "order_updates")
    assert meta_status(client, IN_CUSTOMER, code=130472, **INDIA).json["handled"] == 1
    held = ask(gw, india, "offers")
    assert (held.allowed, held.reason) == (False, "experiment_holdout")
    assert held.deliverable.until is not None
    assert ask(gw, india, "order_updates").allowed

    assert meta_text(client, IN_CUSTOMER, "hi", **INDIA).status_code == 200  # window opens
    inside = ask(gw, india, "offers")
    assert inside.allowed and inside.window_open_until is not None
    clock.later(hours=24, minutes=5)
    assert ask(gw, india, "offers").reason == "experiment_holdout"
    clock.later(days=30)
    assert ask(gw, india, "offers").allowed  # re-checked after a month


def test_twilio_63032_holdout_and_a_whatsapp_message_opens_the_window(
        client: FlaskClient, gw: Any, india: Business) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    twilio_status(client, IN_CUSTOMER, "63032", sender=INDIA_WHATSAPP)
    assert ask(gw, india, "offers").reason == "experiment_holdout"
    twilio_wa(client, "hello", frm=IN_CUSTOMER, To=f"whatsapp:{INDIA_WHATSAPP}")
    assert ask(gw, india, "offers").allowed


@pytest.mark.parametrize("provider", ["meta", "twilio"])
def test_undeliverable_blocks_every_category_until_a_week_or_a_message(
        provider: str, client: FlaskClient, gw: Any, india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers", "order_updates")
    if provider == "meta":
        meta_status(client, IN_CUSTOMER, code=131026, **INDIA)
    else:
        twilio_status(client, IN_CUSTOMER, "63024", sender=INDIA_WHATSAPP)
    for topic in ("offers", "order_updates"):
        answer = ask(gw, india, topic)
        assert (answer.allowed, answer.reason, answer.consent) == (False, "undeliverable", True)
    clock.later(days=7, minutes=1)
    assert ask(gw, india, "order_updates").allowed and ask(gw, india, "offers").allowed


def test_a_message_after_an_undeliverable_status_lifts_it(client: FlaskClient, gw: Any,
                                                          india: Business) -> None:
    opt_in(gw, india, IN_CUSTOMER, "order_updates")
    meta_status(client, IN_CUSTOMER, code=131026, **INDIA)
    assert not ask(gw, india, "order_updates").allowed
    meta_text(client, IN_CUSTOMER, "hi", **INDIA)  # they are on WhatsApp after all
    assert ask(gw, india, "order_updates").allowed


def test_other_failures_record_nothing(client: FlaskClient, gw: Any, india: Business) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    assert meta_status(client, IN_CUSTOMER, code=131047, **INDIA).json["handled"] == 0
    assert meta_status(client, IN_CUSTOMER, "delivered", **INDIA).json["handled"] == 0
    assert gw.service.delivery.history(india.id, [gw.service.ref(india, IN_CUSTOMER)]) == []
    assert ask(gw, india, "offers").allowed


def test_the_contact_view_lists_delivery_facts_apart_from_events(
        client: FlaskClient, gw: Any, india: Business, clock: Clock) -> None:
    opt_in(gw, india, IN_CUSTOMER, "offers")
    sid = wamid()
    meta_status(client, IN_CUSTOMER, code=131049, sid=sid, **INDIA)
    key = gw.store.create_api_key(india.id, "contact view")
    view = client.get("/api/v1/contacts/%2B919812345678",
                      headers={"Authorization": f"Bearer {key}"}).json
    (fact,) = view["delivery_facts"]
    assert (fact["kind"], fact["code"], fact["source_id"], fact["active"]) == \
        ("marketing_limit", "131049", sid, True)
    assert fact["evidence"]["error"] == {"code": 131049, "title": "error 131049"}
    assert [e["action"] for e in view["events"]] == ["opt_in"]
    clock.later(days=2)
    later = client.get("/api/v1/contacts/%2B919812345678",
                       headers={"Authorization": f"Bearer {key}"}).json
    assert later["delivery_facts"][0]["active"] is False  # ended, kept as evidence
