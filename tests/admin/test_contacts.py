"""Contact search in any number format, the timeline, and the staff opt-out."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from tests.admin.conftest import opt_in


@pytest.fixture
def ken(gw: Any, business: Business) -> Any:
    """A contact with a web opt-in and a WhatsApp opt-in, with evidence and personal data."""
    opt_in(gw, business, "090-1234-5678", ("offers", "newsletter"),
           evidence={"form_id": "hosted-optin", "page_url": "https://sakura.example/contact"},
           personal={"name": "Ken Tanaka", "ip": "203.0.113.5"}, idempotency_key="form:1")
    recorded = gw.service.capture(Capture(
        business=business.slug, phone="819012345678", phone_is_wa_id=True, channel="whatsapp",
        method="button", topics=("order_updates",), wording_kind="whatsapp", language="en",
        idempotency_key="wamid.ABC", evidence={"wamid": "wamid.ABC", "button": "yes"}), business)
    return gw.admin_store.contact_by_ref(business.id, recorded.event.subject_ref)


@pytest.mark.parametrize("query", [
    "090-1234-5678", "09012345678", "+81 90 1234 5678", "+819012345678",
    "whatsapp:+819012345678", "０９０－１２３４－５６７８", "819012345678", " (090) 1234 5678 ",
])
def test_search_any_number_format_opens_the_contact(boss: FlaskClient, ken: Any,
                                                    query: str) -> None:
    res = boss.get("/admin/contacts", query_string={"q": query})
    assert res.status_code == 302, query
    assert res.headers["Location"] == f"/admin/contacts/{ken.id}"


def test_partial_search_by_name_or_digits(boss: FlaskClient, ken: Any, gw: Any,
                                          business: Business) -> None:
    opt_in(gw, business, "080-5555-0000", personal={"name": "100%_real"})
    for query in ("ken", "TANAKA", "5678", "1234-5678"):
        html = boss.get("/admin/contacts", query_string={"q": query}).get_data(as_text=True)
        assert f"/admin/contacts/{ken.id}" in html and "Ken Tanaka" in html, query
        assert "100%_real" not in html
    # LIKE wildcards in the query are literal characters
    html = boss.get("/admin/contacts", query_string={"q": "%_"}).get_data(as_text=True)
    assert "100%_real" in html and "Ken Tanaka" not in html
    html = boss.get("/admin/contacts", query_string={"q": "090-9999-0000"}).get_data(as_text=True)
    assert "No contact matches “090-9999-0000”" in html
    html = boss.get("/admin/contacts").get_data(as_text=True)  # no query: most recent first
    assert html.index("+81 90-1234-5678") > 0 and html.index("100%_real") < html.index(
        "Ken Tanaka")


def test_timeline_shows_every_event_with_its_proof(boss: FlaskClient, ken: Any, gw: Any,
                                                   business: Business) -> None:
    html = boss.get(f"/admin/contacts/{ken.id}").get_data(as_text=True)
    events = gw.store.contact_events(business, ken.subject_ref)
    assert len(events) == 2
    for event in events:
        assert event.hash in html and f"#{event.seq}" in html
        assert event.wording.id in html and event.wording.sha256 in html
        wording = gw.store.get_wording(event.wording.id)
        assert wording.text in html  # the exact text, in a <details> shown on demand
    assert "https://sakura.example/contact" in html and "wamid.ABC" in html
    assert "203.0.113.5" in html and "Personal data (erasable)" in html
    assert "Web form" in html and "Checkbox" in html and "WhatsApp" in html
    assert "+81 90-1234-5678" in html and "Ken Tanaka" in html
    assert f'href="/admin/contacts/{ken.id}/receipt?lang=en"' in html
    assert "Asia/Tokyo" in html  # times are shown in the business's zone, and say so


def test_staff_open_the_printable_receipt(boss: FlaskClient, ken: Any, gw: Any,
                                          business: Business) -> None:
    res = boss.get(f"/admin/contacts/{ken.id}/receipt?lang=ja")
    assert res.status_code == 200 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    for event in gw.store.contact_events(business, ken.subject_ref):
        assert event.hash in html and gw.store.get_wording(event.wording.id).text in html
    assert "'unsafe-inline'" not in res.headers["Content-Security-Policy"].split("script-src")[1]
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]
    assert boss.get("/admin/contacts/999999/receipt").status_code == 404


def test_staff_opt_out_goes_through_the_ledger(boss: FlaskClient, ken: Any, gw: Any,
                                               business: Business) -> None:
    form = {"nonce": "form-123", "confirm": "y", "reason": "phoned the shop",
            "topic": ["offers", "not-a-topic"]}
    res = boss.post(f"/admin/contacts/{ken.id}/opt-out", data=form)
    assert res.status_code == 302
    assert boss.post(f"/admin/contacts/{ken.id}/opt-out", data=form).status_code == 302
    events = gw.store.contact_events(business, ken.subject_ref)
    assert len(events) == 3  # the second submit of the same form recorded nothing
    out = events[-1]
    assert (out.action, out.channel, out.method, out.topics) == ("opt_out", "admin", "admin",
                                                                  ("offers",))
    assert out.actor == "staff:boss"
    assert out.evidence["reason"] == "phoned the shop" and out.evidence["staff_user"] == "boss"
    offers = gw.service.eligibility(business, "+819012345678", "offers")
    assert (offers.allowed, offers.reason) == (False, "opted_out")
    assert gw.service.eligibility(business, "+819012345678", "newsletter").allowed
    html = boss.get(f"/admin/contacts/{ken.id}").get_data(as_text=True)
    assert "Opt-out recorded." in html and "Staff (admin)" in html
    assert gw.store.verify("demo").ok


def test_staff_opt_out_of_everything_needs_confirmation(boss: FlaskClient, ken: Any, gw: Any,
                                                        business: Business) -> None:
    res = boss.post(f"/admin/contacts/{ken.id}/opt-out", data={"nonce": "f2"})
    assert res.status_code == 400 and gw.store.count_events(business.id) == 2
    boss.post(f"/admin/contacts/{ken.id}/opt-out", data={"nonce": "f3", "confirm": "y"})
    for topic in business.topic_keys:
        assert gw.service.eligibility(business, "090-1234-5678", topic).reason == "opted_out"


def test_unknown_contact_is_404(boss: FlaskClient, business: Business) -> None:
    assert boss.get("/admin/contacts/999999").status_code == 404
