"""Signed deliveries of an unexpected shape: each bad item is refused alone, never at the
cost of the good ones, and never with a 500 (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.messaging.conftest import (
    CUSTOMER,
    meta_delivery,
    meta_message,
    meta_post,
    new_sid,
    sms,
    twilio_wa,
    user_preference,
)


def events(gw: Any, business: Business, phone: str = CUSTOMER) -> list[Any]:
    return list(gw.store.contact_events(business, gw.service.ref(business, phone)))


def test_an_over_long_message_id_costs_only_its_own_item(client: FlaskClient, gw: Any,
                                                         business: Business) -> None:
    bad = meta_delivery(meta_message(text="STOP", mid="wamid." + "A" * 300))
    good = meta_delivery(meta_message(text="STOP"))
    body = {"object": "whatsapp_business_account",
            "entry": bad["entry"] + good["entry"]}
    for _attempt in range(2):  # Meta's retry answers the same
        res = meta_post(client, body)
        assert res.status_code == 200 and res.get_json()["handled"] == 1
    recorded = events(gw, business)
    assert [e.action for e in recorded] == ["opt_out"]


@pytest.mark.parametrize("body", [
    {"entry": "x"}, {"entry": [None, 5, "x"]},
    {"entry": [{"changes": [None, 5, "x"]}]},
    {"entry": [{"changes": [{"field": "messages", "value": "x"}]}]},
    {"entry": [{"changes": [{"field": "messages", "value": {"messages": [[1]]}}]}]},
    {"entry": [{"changes": [{"field": "messages", "value": {
        "metadata": "x", "messages": [{"id": 5, "from": [], "type": "text"}]}}]}]},
    {"entry": [{"changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "100000000000001"},
        "messages": [{"id": {"x": 1}, "from": "819012345678", "type": "text",
                      "text": "STOP", "timestamp": "soon"}],
        "statuses": [{"status": "failed", "errors": "x", "id": None}]}}]}]},
    {"entry": [{"changes": [{"field": "user_preferences", "value": {
        "metadata": {"phone_number_id": "100000000000001"},
        "user_preferences": [{"category": "marketing_messages", "value": "stop",
                              "wa_id": "8190" + "1" * 80, "timestamp": "x" * 500}]}}]}]},
])
def test_signed_bodies_of_the_wrong_shape_are_no_500(client: FlaskClient, gw: Any,
                                                     business: Business,
                                                     body: dict[str, Any]) -> None:
    res = meta_post(client, {"object": "whatsapp_business_account", **body})
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.get_json()["handled"] == 0
    assert gw.store.count_events(business.id) == 0


def test_control_characters_in_a_message_are_replaced_not_fatal(client: FlaskClient, gw: Any,
                                                                  business: Business) -> None:
    res = meta_post(client, meta_delivery(meta_message(text="STOP\x00\x1b"),
                                          names={"819012345678": "Ha\x00nako" + "x" * 300}))
    assert res.status_code == 200 and res.get_json()["handled"] == 1
    (event,) = events(gw, business)
    assert event.action == "opt_out"
    evidence = json.dumps(event.evidence, default=dict)
    assert "\\u0000" not in evidence and "\\ufffd" in evidence


def test_a_user_preference_with_an_odd_timestamp_still_stops(client: FlaskClient, gw: Any,
                                                             business: Business) -> None:
    body = user_preference("stop")
    body["entry"][0]["changes"][0]["value"]["user_preferences"][0]["timestamp"] = "x" * 500
    assert meta_post(client, body).get_json()["handled"] == 1


def test_twilio_body_with_nul_is_recorded_scrubbed(client: FlaskClient, gw: Any,
                                                   business: Business) -> None:
    res = twilio_wa(client, "STOP\x00", ProfileName="Taro\x00" + "y" * 500)
    assert res.status_code == 200
    (event,) = events(gw, business)
    assert event.action == "opt_out"


@pytest.mark.parametrize("sid", ["SM" + "0" * 200, "SM\x00123", "SM 1; DROP"])
def test_a_malformed_message_sid_is_a_400_and_nothing_written(client: FlaskClient, gw: Any,
                                                              business: Business,
                                                              sid: str) -> None:
    res = sms(client, "STOP", sid=sid)
    assert res.status_code == 400
    assert gw.store.count_events(business.id) == 0


def test_an_absurd_from_is_ignored_not_a_500(client: FlaskClient, gw: Any,
                                             business: Business) -> None:
    res = sms(client, "YES", frm="+81" + "9" * 5000, sid=new_sid())
    assert res.status_code == 200
    assert gw.store.count_events(business.id) == 0
