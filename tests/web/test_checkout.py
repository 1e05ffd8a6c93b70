"""The checkout checkbox (M3) through the server-to-server API, as docs/web.md shows it.

The merchant's side below is the code from the docs: it calls the gateway only when the
customer ticked the box, and the order goes through whatever the gateway answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gateway.core.consent import Business
from tests.web.conftest import Live, events_of

PHONE = "+819012345678"


def record_checkout_consent(gateway: str, api_key: str, order: dict[str, Any],
                            form: dict[str, Any], request_meta: dict[str, str]) -> str | None:
    """Merchant side (docs/web.md): returns the event id, or None. Never raises."""
    topics = form.get("whatsapp_topics") or []
    if not topics:  # box left unticked: nothing to record, nothing to ask
        return None
    try:
        response = requests.post(
            f"{gateway}/api/v1/consents",
            headers={"Authorization": f"Bearer {api_key}",
                     "Idempotency-Key": f"checkout-{order['id']}"},
            json={"phone": order["phone"], "channel": "checkout", "topics": topics,
                  "wording_id": form["whatsapp_wording_id"], "language": form["lang"],
                  "evidence": {"order_id": order["id"], "pre_ticked": False,
                               "ip": request_meta["ip"],
                               "user_agent": request_meta["user_agent"],
                               "checkbox_text": form["whatsapp_wording_text"]}},
            timeout=3)
    except requests.RequestException:
        return None  # the gateway being down never blocks an order
    return str(response.json()["event_id"]) if response.status_code in (200, 201) else None


def place_order(gateway: str, api_key: str, order: dict[str, Any], form: dict[str, Any]) -> dict:
    """A toy checkout: the order is confirmed first; consent is an optional extra."""
    confirmed = {**order, "status": "confirmed"}
    meta = {"ip": "198.51.100.20", "user_agent": "ShopBrowser/2.0"}
    confirmed["whatsapp_event"] = record_checkout_consent(gateway, api_key, order, form, meta)
    return confirmed


@pytest.fixture
def gateway_url(app: Any, business: Business) -> Iterator[str]:
    live = Live(app)
    try:
        yield f"http://127.0.0.1:{live.port}"
    finally:
        live.stop()


@pytest.fixture
def checkout_form(client: Any, auth: dict[str, str]) -> dict[str, Any]:
    """What the merchant's checkout page shows: the current checkout wording, nothing ticked."""
    info = client.get("/api/v1/business", headers=auth).get_json()
    [wording] = [w for w in info["wordings"] if w["kind"] == "checkout" and w["language"] == "ja"]
    return {"lang": "ja", "whatsapp_wording_id": wording["id"],
            "whatsapp_wording_text": wording["text"], "whatsapp_topics": []}


def test_ticked_box_records_a_checkout_opt_in_with_the_order(
        gateway_url: str, api_key: str, gw: Any, business: Business,
        checkout_form: dict[str, Any]) -> None:
    order = {"id": "A-1001", "phone": "090-1234-5678", "total": 1160}
    ticked = {**checkout_form, "whatsapp_topics": ["order_updates"]}
    placed = place_order(gateway_url, api_key, order, ticked)
    assert placed["status"] == "confirmed" and placed["whatsapp_event"]
    [event] = events_of(gw, business, PHONE)
    assert (event.channel, event.method, event.topics) == ("checkout", "checkbox",
                                                           ("order_updates",))
    assert event.wording.id == checkout_form["whatsapp_wording_id"]
    assert event.evidence["order_id"] == "A-1001" and event.evidence["pre_ticked"] is False
    assert event.evidence["checkbox_text"] == checkout_form["whatsapp_wording_text"]
    assert event.idempotency_key == "checkout-A-1001"
    assert gw.service.eligibility(business, PHONE, "order_updates").allowed
    assert not gw.service.eligibility(business, PHONE, "offers").allowed
    # The same order submitted twice (a retry) records once.
    assert place_order(gateway_url, api_key, order, ticked)["whatsapp_event"] == \
        placed["whatsapp_event"]
    assert gw.store.count_events(business.id) == 1


def test_a_pre_ticked_box_is_refused(client: Any, auth: dict[str, str], gw: Any,
                                     business: Business, checkout_form: dict[str, Any]) -> None:
    response = client.post("/api/v1/consents", headers=auth, json={
        "phone": "090-1234-5678", "channel": "checkout", "topics": ["order_updates"],
        "wording_id": checkout_form["whatsapp_wording_id"],
        "evidence": {"order_id": "A-1002", "pre_ticked": True}})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "pre_ticked"
    assert gw.store.count_events(business.id) == 0


def test_declining_records_nothing_and_never_blocks_the_order(
        gateway_url: str, api_key: str, client: Any, auth: dict[str, str], gw: Any,
        business: Business, checkout_form: dict[str, Any]) -> None:
    order = {"id": "A-1003", "phone": "090-1234-5678", "total": 520}
    placed = place_order(gateway_url, api_key, order, checkout_form)  # box left unticked
    assert placed["status"] == "confirmed" and placed["whatsapp_event"] is None
    # Even a merchant that sends the empty choice gets a refusal, not a consent.
    response = client.post("/api/v1/consents", headers=auth, json={
        "phone": "090-1234-5678", "channel": "checkout", "topics": [],
        "wording_id": checkout_form["whatsapp_wording_id"], "evidence": {"order_id": "A-1003"}})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "no_topics"
    # A gateway that is down does not stop the order either.
    ticked = {**checkout_form, "whatsapp_topics": ["order_updates"]}
    down = place_order("http://127.0.0.1:9", api_key, {**order, "id": "A-1004"}, ticked)
    assert down["status"] == "confirmed" and down["whatsapp_event"] is None
    assert gw.store.count_events(business.id) == 0
