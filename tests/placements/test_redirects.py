"""/l/<code>: the only redirect target is wa.me, whatever the code or the parameters."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.core.codes import find_placement_code
from gateway.core.consent import Business
from gateway.placements.model import Placement, is_whatsapp_url
from gateway.store.tables_placements import PlacementHitRow

CRAFTED_PATHS = [
    "//evil.com", "/%2F%2Fevil.com", "%2F%2Fevil", "\\evil.com", "%5Cevil.com", "/\\evil.com",
    "evil.com", "https://evil.com", "https:%2F%2Fevil.com", "@evil.com", "%40evil.com",
    "K7Q2ZPAB%0d%0aLocation:%20https://evil.com", "K7Q2ZPAB%0D%0ASet-Cookie:x=1",
    "%E2%80%AEK7Q2", "ｋ７ｑ２ｚｐａｂ", "K7Q2ZPAB" * 40, "A" * 5000, "..%2F..%2Fadmin",
    "../admin", "%00", "K7Q2%00ZPAB", "javascript:alert(1)", "data:text/html,hi",
    "ＡＢＣＤＥＦ", "ref:K7Q2ZPAB", "%F0%9F%98%80", "", "/", "//", "///evil.com",
]
CRAFTED_PARAMS = [
    "next=https://evil.com", "url=https://evil.com", "url=//evil.com", "redirect=//evil.com",
    "s=qr&next=//evil.com", "to=https://evil.com/%2F..", "lang=ja&url=%2F%2Fevil.com",
    "text=hacked", "phone=15550000000", "s=https://evil.com", "lang=%0d%0aX:1",
    "s=qr%0d%0aLocation:%20https://evil.com", "host=evil.com", "digits=1", "s=qr&s=link",
]


def assert_safe(res: Any) -> None:
    """A redirect only ever to https://wa.me or api.whatsapp.com; anything else is no redirect."""
    location = res.headers.get("Location")
    if 300 <= res.status_code < 400 or location is not None:
        assert location is not None, res.status_code
        assert is_whatsapp_url(location), location
        parts = urlsplit(location)
        assert parts.scheme == "https" and parts.netloc in ("wa.me", "api.whatsapp.com")
        assert parts.path == "/81345678901"  # the stored number, and nothing else
    assert "evil" not in "".join(f"{k}{v}" for k, v in res.headers.items())


def test_crafted_codes_never_redirect_off_whatsapp(client: FlaskClient, placement: Placement
                                                  ) -> None:
    for path in CRAFTED_PATHS:
        for method in (client.get, client.head):
            res = method(f"/l/{path}")
            assert_safe(res)
            assert res.status_code in (302, 404, 405), (path, res.status_code)
        assert_safe(client.get(f"/l/{placement.code}/{path}"))


def test_crafted_parameters_cannot_change_the_target(client: FlaskClient, business: Business,
                                                     placement: Placement) -> None:
    for params in CRAFTED_PARAMS:
        res = client.get(f"/l/{placement.code}?{params}")
        assert res.status_code == 302, params
        assert_safe(res)
        text = parse_qs(urlsplit(res.headers["Location"]).query)["text"][0]
        assert text in placement.messages.values()  # the stored draft, never a parameter


def test_random_inputs_never_redirect_elsewhere(client: FlaskClient, placement: Placement
                                                ) -> None:
    rng = random.Random(20261124)
    alphabet = "/\\:@%?#.&=\r\n\t ABCDEFGHJKMNPQRSTUVWXYZ23456789abcxyzé日本語😀\x00"
    for _ in range(300):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        res = client.get("/l/" + quote(raw, safe="/?=&:@"))
        assert_safe(res)
        assert res.status_code < 500


def test_link_redirects_to_the_business_number_with_the_code(
        client: FlaskClient, business: Business, placement: Placement) -> None:
    res = client.get(f"/l/{placement.code}", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert res.status_code == 302
    assert res.headers["Cache-Control"] == "no-store"
    target = urlsplit(res.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://wa.me/81345678901"
    text = parse_qs(target.query)["text"][0]
    assert text == placement.messages["en"] and find_placement_code(text) == placement.code
    # lowercase codes (typed by hand) work too; ?lang= beats Accept-Language
    res = client.get(f"/l/{placement.code.lower()}?lang=ja")
    assert parse_qs(urlsplit(res.headers["Location"]).query)["text"][0] == \
        placement.messages["ja"]


def test_unknown_code_gets_a_friendly_page_in_the_visitors_language(
        client: FlaskClient, gw: Any) -> None:
    res = client.get("/l/ZZZZ2222", headers={"Accept-Language": "ja"})
    assert res.status_code == 404 and "Location" not in res.headers
    page = res.get_data(as_text=True)
    assert "このリンクは無効です" in page and '<html lang="ja">' in page
    res = client.get("/l/ZZZZ2222/qr.png", headers={"Accept-Language": "en"})
    assert res.status_code == 404 and "This link is not valid" in res.get_data(as_text=True)
    with gw.db.reading() as s:
        assert s.scalars(select(PlacementHitRow)).all() == []


def test_retired_code_gets_410_naming_the_business_and_no_redirect(
        client: FlaskClient, gw: Any, business: Business, placement: Placement) -> None:
    gw.placements.retire(business, placement.code)
    for path in ("", "?s=qr", "/qr.png", "/qr.svg", "/poster.pdf"):
        res = client.get(f"/l/{placement.code}{path}", headers={"Accept-Language": "en"})
        assert res.status_code == 410 and "Location" not in res.headers
        assert "Sakura Coffee" in res.get_data(as_text=True)
    res = client.get(f"/l/{placement.code}", headers={"Accept-Language": "ja"})
    assert "使われていません" in res.get_data(as_text=True)


def test_business_without_a_usable_number_gets_no_redirect(
        client: FlaskClient, gw: Any, business: Business, placement: Placement) -> None:
    gw.store.update_business(business.slug, whatsapp_number="https://evil.com/")
    res = client.get(f"/l/{placement.code}")
    assert res.status_code == 503 and "Location" not in res.headers


def test_click_is_recorded_with_a_keyed_ip_hash_never_the_raw_ip(
        client: FlaskClient, gw: Any, placement: Placement) -> None:
    client.get(f"/l/{placement.code}?s=qr", headers={
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
        "Referer": "https://shop.example/menu?email=taro@example.com"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"})
    client.get(f"/l/{placement.code}", environ_base={"REMOTE_ADDR": "198.51.100.9"},
               headers={"User-Agent": "facebookexternalhit/1.1"})
    client.head(f"/l/{placement.code}")  # link checkers: not counted
    with gw.db.reading() as s:
        rows = s.scalars(select(PlacementHitRow).order_by(PlacementHitRow.id)).all()
    assert [(r.via, r.bot) for r in rows] == [("qr", False), ("link", True)]
    scan = rows[0]
    assert scan.ip_hash == gw.placements.ip_hash("203.0.113.77") and len(scan.ip_hash) == 64
    assert scan.referrer == "https://shop.example/menu"  # no query: it may hold personal data
    assert scan.user_agent.startswith("Mozilla/5.0 (iPhone")
    for row in rows:
        assert "203.0.113.77" not in str(vars(row)) and "198.51.100.9" not in str(vars(row))
    assert gw.placements.ip_hash("203.0.113.77") != gw.placements.ip_hash("203.0.113.78")
