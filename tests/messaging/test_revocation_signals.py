"""Issue 9, messaging signals: each one, through its real signed endpoint, ends the right topics.

One contact opted in through three channels (API checkout, SMS, Meta WhatsApp); any one
signal ends WhatsApp eligibility within the same request, and the deciding event names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.messaging.conftest import (
    CUSTOMER,
    CUSTOMER_WA,
    TWILIO_NUMBER,
    meta_delivery,
    meta_message,
    meta_post,
    new_sid,
    sms,
    twilio_post,
    twilio_wa,
    user_preference,
    wamid,
)

ALL = ("order_updates", "offers", "newsletter", "product_recommendations")
MARKETING = ("offers", "newsletter", "product_recommendations")


def soon() -> int:
    """A provider stamp just after now (clamped to the receipt time by the adapter)."""
    return int(time.time()) + 2


def _status(client: FlaskClient, code: str, to: str) -> Any:
    return twilio_post(client, {"MessageSid": new_sid(), "MessageStatus": "undelivered",
                                "ErrorCode": code, "From": TWILIO_NUMBER, "To": to},
                       path="/hooks/twilio/status")


def _meta_failed(client: FlaskClient) -> Any:
    return meta_post(client, meta_delivery(statuses=[{
        "id": wamid(), "status": "failed", "timestamp": str(soon()), "recipient_id": CUSTOMER_WA,
        "errors": [{"code": 131050, "title": "User has stopped marketing messages"}]}]))


SIGNALS: dict[str, tuple[Callable[[FlaskClient], Any], tuple[str, ...], str, str]] = {
    # name: (send it, topics it ends, evidence key, evidence value)
    "sms STOP": (lambda c: sms(c, "STOP"), ALL, "rule", "keyword"),
    "sms 配信停止": (lambda c: sms(c, "配信停止"), ALL, "rule", "keyword"),
    "sms OptOutType=STOP": (lambda c: sms(c, "ARRET", OptOutType="STOP"), ALL,
                            "opt_out_type", "STOP"),
    "twilio whatsapp STOP OFFERS": (lambda c: twilio_wa(c, "STOP OFFERS"), ("offers",), "rule",
                                    "keyword_en_topic"),
    "twilio whatsapp オファー停止": (lambda c: twilio_wa(c, "オファー停止"), ("offers",), "rule",
                                  "keyword_ja_topic"),
    "twilio whatsapp NL en": (lambda c: twilio_wa(c, "don't text me anymore"), ALL, "rule",
                              "nl_en_dont_contact"),
    "twilio whatsapp NL ja": (lambda c: twilio_wa(c, "もう送らないで"), ALL, "rule",
                              "nl_ja_mou_okuranaide"),
    "meta text STOP": (lambda c: meta_post(c, meta_delivery(meta_message(
        text="stop", timestamp=str(soon())))), ALL, "provider", "meta"),
    "meta quick reply Stop promotions": (
        lambda c: meta_post(c, meta_delivery(meta_message(
            "button", button={"payload": "STOP_PROMOS", "text": "Stop promotions"},
            timestamp=str(soon())))),
        ("offers",), "button_id", "STOP_PROMOS"),
    "meta user_preferences stop": (lambda c: meta_post(c, user_preference("stop", ts=soon())),
                                   MARKETING, "signal", "meta_user_preferences"),
    "meta status 131050": (_meta_failed, MARKETING, "signal", "meta_error_131050"),
    "twilio status 21610": (lambda c: _status(c, "21610", CUSTOMER), ALL, "signal",
                            "twilio_error_21610"),
    "twilio status 63014": (lambda c: _status(c, "63014", f"whatsapp:{CUSTOMER}"), ALL,
                            "signal", "twilio_error_63014"),
}


def opted_in_through_three_channels(client: FlaskClient, gw: Any, business: Business,
                                    auth: dict[str, str]) -> None:
    ten_minutes_ago = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    response = client.post("/api/v1/consents", headers=auth, json={
        "phone": "090-1234-5678", "topics": ["order_updates"], "channel": "checkout",
        "idempotency_key": "order-1001", "occurred_at": ten_minutes_ago})
    assert response.status_code == 201, response.json
    at = str(int(time.time()) - 120)
    for text in ("こんにちは", "2 3"):
        meta_post(client, meta_delivery(meta_message(text=text, timestamp=at)))
    for text in ("hello", "YES", "4"):
        sms(client, text)
    channels = {e.channel for e in gw.store.contact_events(business, gw.service.ref(
        business, CUSTOMER))}
    assert channels == {"checkout", "whatsapp", "sms"}
    assert all(gw.service.eligibility(business, CUSTOMER, t).allowed for t in ALL)


@pytest.mark.parametrize("name", list(SIGNALS))
def test_signal_ends_the_right_topics(name: str, client: FlaskClient, gw: Any,
                                      business: Business, auth: dict[str, str]) -> None:
    opted_in_through_three_channels(client, gw, business, auth)
    send, ended, key, value = SIGNALS[name]
    response = send(client)
    assert response.status_code in (200, 204)
    for topic in ALL:
        answer = gw.service.eligibility(business, CUSTOMER, topic)
        assert answer.allowed is (topic not in ended), (topic, answer)
        if topic in ended:
            assert answer.reason == "opted_out"
            (event,) = [e for e in gw.store.contact_events(business, gw.service.ref(
                business, CUSTOMER)) if e.event_id == answer.event_id]
            assert event.action == "opt_out" and event.evidence[key] == value
