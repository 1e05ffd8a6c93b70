"""Journeys a customer really takes, through the real signed endpoints of several areas.

* scan a store's QR code -> WhatsApp opens with the code -> the chat's opt-in carries the
  placement (issue 6);
* a web opt-in under double opt-in -> "Confirm on WhatsApp" -> eligible (issue 3 + 4);
* one contact opted in through the web form, the IVR and WhatsApp; each revocation source
  ends WhatsApp eligibility within the same request, and the receipt names it (issue 9).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.conftest import PUBLIC_BASE
from tests.ivr.conftest import Call
from tests.messaging.conftest import CUSTOMER, twilio_wa, twiml_messages
from tests.placements.conftest import decode, follow
from tests.web.conftest import FormClient

ALL = ("order_updates", "offers", "newsletter", "product_recommendations")


def eligible(gw: Any, business: Business, topic: str, phone: str = CUSTOMER) -> bool:
    return bool(gw.service.eligibility(business, phone, topic).allowed)


def test_qr_scan_to_whatsapp_opt_in_carries_the_placement(client: FlaskClient, gw: Any,
                                                           business: Business) -> None:
    placement = gw.placements.create(business, kind="store", label="Shibuya store")
    png = client.get(f"/l/{placement.code}/qr.png?size=512")
    [url] = decode(png.data)  # what a phone camera reads
    assert url == f"{PUBLIC_BASE}/l/{placement.code}?s=qr"
    digits, text = follow(client, url, **{"User-Agent": "Mozilla/5.0 (iPhone)"})
    assert digits == business.whatsapp_number.lstrip("+") and placement.code in text

    first = twiml_messages(twilio_wa(client, text))  # the prefilled draft, sent as is
    assert "WhatsApp" in " ".join(first)
    assert gw.store.count_events(business.id) == 0  # attribution is not consent
    twiml_messages(twilio_wa(client, "2"))
    assert eligible(gw, business, "offers") and not eligible(gw, business, "newsletter")

    [event] = gw.store.contact_events(business, gw.service.ref(business, CUSTOMER))
    assert event.channel == "qr"
    assert event.evidence["placement_code"] == placement.code
    assert event.evidence["placement_label"] == "Shibuya store"
    assert int(event.evidence["seconds_to_first_message"]) >= 0
    funnel = client.get(f"/api/v1/placements/{placement.code}/funnel", headers={
        "Authorization": f"Bearer {gw.store.create_api_key(business.id)}"}).get_json()
    counts = funnel.get("funnel", funnel)
    assert (counts["scans"], counts["chats_started"], counts["opt_ins"]) == (1, 1, 1)


def test_web_double_opt_in_confirmed_on_whatsapp(client: FlaskClient, gw: Any,
                                                  business: Business) -> None:
    business = gw.store.update_business(business.slug, double_opt_in=True)
    form = FormClient(client, f"/b/{business.slug}/optin")
    page = form.submit({"phone": "090-1234-5678", "topics": ["offers"]})
    assert page.status_code == 200
    assert gw.service.eligibility(business, CUSTOMER, "offers").reason == \
        "pending_confirmation"
    html = page.get_data(as_text=True)
    link = unescape(re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1))
    parts = urlsplit(link)
    assert parts.path.strip("/") == business.whatsapp_number.lstrip("+")
    prefilled = parse_qs(parts.query)["text"][0]

    reply = twiml_messages(twilio_wa(client, prefilled))  # the customer taps Send
    assert reply and eligible(gw, business, "offers")
    events = gw.store.contact_events(business, gw.service.ref(business, CUSTOMER))
    assert [(e.channel, str(e.status)) for e in events] == [("web_form", "pending"),
                                                             ("whatsapp", "confirmed")]


def opted_in_three_ways(client: FlaskClient, gw: Any, business: Business) -> None:
    """WhatsApp chat (offers), web form (order updates), IVR (all topics)."""
    assert twiml_messages(twilio_wa(client, "hello"))  # asked which topics
    twiml_messages(twilio_wa(client, "2"))
    form = FormClient(client, f"/b/{business.slug}/optin")
    assert form.submit({"phone": "090-1234-5678", "topics": ["order_updates"]}
                       ).status_code == 200
    call = Call(client, caller=CUSTOMER)
    call.start()
    call.press("2")  # English
    call.press("1")  # all topics
    channels = {e.channel for e in gw.store.contact_events(
        business, gw.service.ref(business, CUSTOMER))}
    assert channels == {"web_form", "ivr", "whatsapp"}, channels
    assert all(eligible(gw, business, t) for t in ALL)


def _web_page(client: FlaskClient, business: Business, key: str) -> None:
    form = FormClient(client, f"/b/{business.slug}/optout")
    assert form.submit({"phone": "090-1234-5678", "all_topics": "y"}).status_code == 200


def _ivr_key_8(client: FlaskClient, business: Business, key: str) -> None:
    call = Call(client, caller=CUSTOMER)  # each step asserts a 200 with valid TwiML
    call.start()
    call.press("2")
    call.press("8")
    assert call.hung_up


def _whatsapp_stop(client: FlaskClient, business: Business, key: str) -> None:
    assert twilio_wa(client, "STOP").status_code == 200


def _api(client: FlaskClient, business: Business, key: str) -> None:
    assert client.post("/api/v1/opt-outs", json={"phone": CUSTOMER},
                       headers={"Authorization": f"Bearer {key}"}).status_code == 201


SOURCES: dict[str, tuple[Callable[[FlaskClient, Business, str], None], str]] = {
    "web opt-out page": (_web_page, "web_form"),
    "IVR key 8": (_ivr_key_8, "ivr"),
    "WhatsApp STOP": (_whatsapp_stop, "whatsapp"),
    "API": (_api, "api"),
}


@pytest.mark.parametrize("source", list(SOURCES))
def test_any_revocation_source_ends_eligibility_and_the_receipt_names_it(
        source: str, client: FlaskClient, gw: Any, business: Business, api_key: str) -> None:
    opted_in_three_ways(client, gw, business)
    send, channel = SOURCES[source]
    send(client, business, api_key)
    # Within the same request: the next question already gets "no".
    for topic in ALL:
        answer = gw.service.eligibility(business, CUSTOMER, topic)
        assert not answer.allowed and answer.reason == "opted_out", (topic, answer)
    receipt = client.get("/api/v1/contacts/%2B819012345678/receipt",
                         headers={"Authorization": f"Bearer {api_key}"}).get_json()
    withdrawals = receipt["x-ocg"]["withdrawals"]
    assert [w["sourceChannel"] for w in withdrawals] == [channel]
    sources = {e["sourceChannel"] for e in receipt["x-ocg"]["events"]}
    assert {"web_form", "ivr", "whatsapp"} <= sources
    report = client.get("/api/v1/reports/honour",
                        headers={"Authorization": f"Bearer {api_key}"}).get_json()
    assert report["ok"] is True
