"""Opt-out scope per business and the honour-deadline report (issue 9), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.core.consent import Business, Capture, Eligibility

WA_A = "whatsapp:+81345678901"
WA_B = "whatsapp:+81345678902"
SMS = "sms:+815031234567"
PHONE = "+819012345678"


def opt_in(gw: Any, business: Business, **kw: Any) -> None:
    gw.service.capture(Capture(business=business.slug, phone=PHONE, channel="api",
                               method="api", topics=("offers", "order_updates"),
                               wording_kind="api", **kw), business)


def opt_out(gw: Any, business: Business, sender: str | None, **kw: Any) -> Any:
    channel = "sms" if sender and sender.startswith("sms:") else "whatsapp"
    return gw.service.capture(Capture(business=business.slug, phone=PHONE, channel=channel,
                                      method="keyword", action="opt_out", sender=sender,
                                      **kw), business).event


def ask(gw: Any, business: Business, sender: str | None = None, topic: str = "offers"
        ) -> Eligibility:
    return gw.service.eligibility(business, PHONE, topic, sender=sender)


def set_scope(gw: Any, business: Business, scope: str) -> Business:
    return gw.store.update_business(business.slug, opt_out_scope=scope)


def test_default_scope_ends_everything_and_names_the_rule(gw: Any, business: Business) -> None:
    opt_in(gw, business)
    event = opt_out(gw, business, SMS)
    assert event.evidence["scope"] == {"rule": "business", "applies_to": "business",
                                       "sender": SMS}
    for sender in (None, WA_A, WA_B):
        answer = ask(gw, business, sender)
        assert not answer.allowed and answer.reason == "opted_out"
        assert "whole business" in answer.rule and "sms" in answer.rule


def test_whatsapp_numbers_scope_sms_stop_leaves_whatsapp(gw: Any, business: Business) -> None:
    business = set_scope(gw, business, "whatsapp_numbers")
    opt_in(gw, business)
    assert opt_out(gw, business, SMS).evidence["scope"]["applies_to"] == "sender"
    assert ask(gw, business, WA_A).allowed and ask(gw, business).allowed
    assert not ask(gw, business, SMS).allowed
    opt_out(gw, business, WA_B)  # a WhatsApp number: every WhatsApp number ends
    assert not ask(gw, business, WA_A).allowed and not ask(gw, business).allowed


def test_sender_scope_ends_only_that_sender(gw: Any, business: Business) -> None:
    business = set_scope(gw, business, "sender")
    opt_in(gw, business)
    event = opt_out(gw, business, WA_A, topics=("offers",))
    blocked = ask(gw, business, WA_A)
    assert not blocked.allowed and blocked.event_id == event.event_id
    assert WA_A in blocked.rule and "that sender only" in blocked.rule
    assert ask(gw, business, WA_B).allowed
    assert ask(gw, business, WA_A, topic="order_updates").allowed  # topic-scoped
    batch = list(gw.service.eligibility_batch(business, "offers", [PHONE], sender=WA_A))
    assert batch[0]["allowed"] is False and batch[0]["reason"] == "opted_out"
    assert list(gw.service.eligibility_batch(business, "offers", [PHONE], sender=WA_B)
                )[0]["allowed"] is True


def test_fresh_opt_in_lifts_a_sender_opt_out(gw: Any, business: Business) -> None:
    business = set_scope(gw, business, "sender")
    t0 = datetime.now(UTC) - timedelta(hours=1)
    opt_in(gw, business, occurred_at=t0)
    opt_out(gw, business, WA_A, occurred_at=t0 + timedelta(minutes=1))
    assert not ask(gw, business, WA_A).allowed
    opt_in(gw, business, occurred_at=t0 + timedelta(minutes=2), idempotency_key="again")
    assert ask(gw, business, WA_A).allowed


def test_opt_outs_without_a_sender_are_always_business_wide(gw: Any, business: Business
                                                            ) -> None:
    business = set_scope(gw, business, "sender")
    opt_in(gw, business)
    event = opt_out(gw, business, None)
    assert event.evidence["scope"]["applies_to"] == "business"
    assert not ask(gw, business, WA_B).allowed


def test_changing_the_scope_never_rewrites_old_events(gw: Any, business: Business) -> None:
    opt_in(gw, business)
    opt_out(gw, business, SMS)
    set_scope(gw, business, "sender")
    assert not ask(gw, business, WA_A).allowed  # decided under the old rule, still holds
    assert gw.store.verify(business.slug).ok


def test_honour_report_is_empty_when_opt_outs_are_honoured(gw: Any, business: Business,
                                                            client: Any, auth: dict[str, str]
                                                            ) -> None:
    opt_in(gw, business)
    assert ask(gw, business).allowed
    event = opt_out(gw, business, SMS)
    received = datetime.fromisoformat(event.evidence["received_at"])
    assert received <= event.recorded_at  # received, then in effect in the same request
    assert not ask(gw, business).allowed
    list(gw.service.eligibility_batch(business, "offers", [PHONE]))
    report = client.get("/api/v1/reports/honour", headers=auth).get_json()
    assert report == {"ok": True, "late_answers": []}


def test_honour_report_lists_a_late_allowed_answer(gw: Any, business: Business, client: Any,
                                                   auth: dict[str, str]) -> None:
    opt_in(gw, business)
    event = opt_out(gw, business, None)
    # What a broken gateway (or a stale cache) would have said after the opt-out arrived:
    stale = Eligibility(True, "consented", PHONE, "offers")
    gw.answers.record(business.id, gw.service.ref(business, PHONE), stale, None)
    report = client.get("/api/v1/reports/honour", headers=auth).get_json()
    assert report["ok"] is False
    [late] = report["late_answers"]
    assert late["opt_out_event_id"] == event.event_id and late["topic"] == "offers"


@pytest.mark.parametrize("scope", ["business", "whatsapp_numbers", "sender"])
def test_eligibility_api_takes_a_sender(gw: Any, business: Business, client: Any,
                                        auth: dict[str, str], scope: str) -> None:
    business = set_scope(gw, business, scope)
    opt_in(gw, business)
    opt_out(gw, business, WA_A)
    res = client.get("/api/v1/eligibility?phone=%2B819012345678&topic=offers"
                     "&sender=whatsapp:%2B81345678902", headers=auth).get_json()
    assert res["allowed"] is (scope == "sender")


def test_an_ivr_key_8_is_business_wide_whatever_the_scope(gw: Any, business: Business) -> None:
    business = set_scope(gw, business, "sender")
    opt_in(gw, business)
    event = gw.service.capture(Capture(business=business.slug, phone=PHONE, channel="ivr",
                                       method="dtmf", action="opt_out",
                                       sender="+815031234567"), business).event
    assert event.evidence["scope"]["applies_to"] == "business"
    assert not ask(gw, business, WA_A).allowed
