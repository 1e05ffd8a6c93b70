"""The dashboard's campaign check and the placements page's In-App Signup links, signed in
as staff (CSRF off here, as in tests/admin; the forms carry their tokens)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.admin.texts import TEXTS
from gateway.core.consent import Business
from tests.admin.conftest import login, make_staff
from tests.delivery.conftest import INDIA_PNID, INDIA_WHATSAPP, meta_status, opt_in

INDIA = {"pnid": INDIA_PNID, "display": INDIA_WHATSAPP.lstrip("+")}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": False}


@pytest.fixture
def staff(client: FlaskClient, gw: Any, india: Business, business: Business) -> FlaskClient:
    make_staff(gw, "boss")
    make_staff(gw, "viewer", "viewer")
    assert login(client, "boss").status_code == 302
    return client


def counts(html: str) -> dict[str, str]:
    found = re.findall(r'data-count="(\w+)">([\d,]+)<', html)
    return {k: v.replace(",", "") for k, v in found}


def test_campaign_check_shows_the_same_breakdown_as_the_api(
        staff: FlaskClient, client: FlaskClient, gw: Any, india: Business) -> None:
    for phone in ("+919800000001", "+919800000002", "+919800000030", "+14155550101"):
        opt_in(gw, india, phone, "offers")
    meta_status(client, "+919800000030", code=131049, **INDIA)
    page = staff.get("/admin/campaign?b=chai&lang=en")
    assert page.status_code == 200 and 'value="topic:offers"' in page.get_data(as_text=True)
    pasted = "phone\n+919800000001\n+919800000002\n+919800000030\n+14155550101\n+919800000099\n"
    res = staff.post("/admin/campaign?b=chai&lang=en", data={
        "what": "topic:offers", "numbers": pasted,
        "file": (io.BytesIO(b"98000 00002,extra\nnonsense\n"), "list.csv")},
        content_type="multipart/form-data")
    html = res.get_data(as_text=True)
    assert res.status_code == 200, html
    assert counts(html) == {"total": "7", "allowed": "3", "blocked_by_consent": "1",
                            "blocked_by_platform": "2", "errors": "1", "consented": "3",
                            "country_rule": "1", "error": "1", "marketing_limit": "1",
                            "no_consent": "1"}
    assert "Per-user marketing limit" in html and "while the rule stands" in html
    ja = staff.post("/admin/campaign?b=chai&lang=ja", data={
        "what": "category:marketing", "numbers": "+919800000030"})
    assert "ユーザーごとのマーケティング上限" in ja.get_data(as_text=True)


def test_campaign_check_refuses_empty_lists_and_viewers(staff: FlaskClient, client: FlaskClient,
                                                        india: Business) -> None:
    res = staff.post("/admin/campaign?b=chai&lang=en", data={"what": "topic:offers"})
    assert res.status_code == 400 and TEXTS["campaign.err_empty"][0] in res.get_data(
        as_text=True)
    staff.post("/admin/logout")
    assert login(client, "viewer").status_code == 302
    assert client.get("/admin/campaign?b=chai").status_code == 200
    assert client.post("/admin/campaign?b=chai", data={"what": "topic:offers",
                                                       "numbers": "+919800000001"}
                       ).status_code == 403


def test_the_placements_page_makes_signup_links_where_meta_offers_them(
        staff: FlaskClient, gw: Any, india: Business) -> None:
    form = staff.get("/admin/placements/new?b=chai&lang=en").get_data(as_text=True)
    assert 'value="signup"' in form
    res = staff.post("/admin/placements?b=chai&lang=en", data={
        "kind": "website", "label": "Footer signup", "topic": "offers",
        "link_type": "signup", "signup_id": "1234567890"})
    assert res.status_code == 302, res.get_data(as_text=True)
    (link,) = [p for p in gw.placements.list(india) if p.signup_id]
    page = staff.get(res.headers["Location"] + "?b=chai&lang=en").get_data(as_text=True)
    assert "https://wa.me/912240001234/signup/1234567890" in page
    assert "Chai Point" in link.messages["en"] and "WhatsApp" in link.messages["en"]
    bad = staff.post("/admin/placements?b=chai&lang=en", data={
        "kind": "website", "label": "x", "link_type": "signup", "signup_id": "12 34"})
    assert bad.status_code == 400
    assert TEXTS["pform.err_signup"][0] in bad.get_data(as_text=True)
    unnamed = staff.post("/admin/placements?b=chai&lang=en", data={
        "kind": "website", "label": "x", "link_type": "signup", "signup_id": "55",
        "message_en": "Sign up for our WhatsApp news"})
    assert unnamed.status_code == 400
    assert "must name Chai Point" in unnamed.get_data(as_text=True)
    japan = staff.get("/admin/placements/new?b=demo&lang=en").get_data(as_text=True)
    assert 'data-testid="signup-off"' in japan and 'value="signup"' not in japan
