"""Overview, sources, wordings and API keys pages; language; security headers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Action, Business, Capture
from tests.admin.conftest import opt_in

PAGES = ["/admin/", "/admin/contacts", "/admin/sources", "/admin/sources?days=7",
         "/admin/wordings", "/admin/api-keys", "/admin/placements", "/admin/imports"]


def scenario(gw: Any, business: Business, now: datetime) -> None:
    """25 SMS opt-ins (15 opt out) against 40 web-form opt-ins (1 opts out)."""
    for i in range(25):
        opt_in(gw, business, f"+8190{10000000 + i}", channel="sms", method="keyword",
               wording_kind="sms", occurred_at=now - timedelta(days=2), idempotency_key=f"s{i}")
    for i in range(40):
        opt_in(gw, business, f"+8180{10000000 + i}", occurred_at=now - timedelta(days=20),
               idempotency_key=f"w{i}", evidence={"placement_code": "POSTER22"})
    for i in list(range(15)):
        gw.service.capture(Capture(business=business.slug, phone=f"+8190{10000000 + i}",
                                   channel="whatsapp", method="keyword", action=Action.OPT_OUT,
                                   occurred_at=now - timedelta(days=1)), business)
    gw.service.capture(Capture(business=business.slug, phone="+818010000000", channel="sms",
                               method="keyword", action=Action.OPT_OUT,
                               occurred_at=now - timedelta(days=10)), business)


def test_overview_counts(boss: FlaskClient, gw: Any, business: Business) -> None:
    empty = boss.get("/admin/").get_data(as_text=True)
    assert "No consent recorded yet" in empty
    scenario(gw, business, datetime.now(UTC))
    html = boss.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-kpi="contacts">65<', html)
    assert re.search(r'data-kpi="opted_in">49<', html)  # 65 minus 16 who opted out of all
    flags = html[html.index('data-testid="flags"'):]
    flags = flags[:flags.index("</div>")]
    assert "Opt-out rate clearly above your baseline" in flags
    assert "<strong>SMS</strong>" in flags and "<strong>sms · ja · v1</strong>" in flags
    assert "POSTER22" not in flags and "Web form" not in flags
    assert "24.6%" in html  # 16 of 65 opted out
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>',
                                html, re.S).group(1))
    ins, outs = data["overview"]["datasets"]
    assert sum(ins["data"]) == 65 and sum(outs["data"]) == 16
    assert len(data["overview"]["labels"]) == 30


def test_sources_page_and_json(boss: FlaskClient, gw: Any, business: Business) -> None:
    scenario(gw, business, datetime.now(UTC))
    html = boss.get("/admin/sources").get_data(as_text=True)
    assert 'data-testid="flags"' in html and "60.0% (15/25)" in html
    assert 'class="flagged"' in html and "Clearly above baseline" in html
    data = boss.get("/admin/api/sources?days=30").json
    sms = data["rates"]["channel"][0]
    assert (sms["key"], sms["members"], sms["opted_out"], sms["flagged"]) == ("sms", 25, 15,
                                                                               True)
    assert sms["label"] == "SMS" and data["business_rate"] == round(16 / 65, 4)
    assert data["rates"]["placement"][0]["key"] == "POSTER22"
    assert data["rates"]["placement"][0]["members"] == 40
    assert [w["key"] for w in data["rates"]["wording"]] == ["demo-sms-ja-v1", "demo-web_form-ja-v1"]
    # the 7-day view: the web-form opt-ins (20 days ago) are outside it
    week = boss.get("/admin/api/sources?days=7").json
    assert [g["key"] for g in week["rates"]["channel"]] == ["sms"]
    assert len(week["charts"]["by_channel"]["labels"]) == 7
    assert boss.get("/admin/api/sources?days=9999").json["days"] == 30


def test_create_wording_version_validated(boss: FlaskClient, gw: Any, business: Business
                                         ) -> None:
    before = len(gw.store.list_wordings(business.id))
    res = boss.post("/admin/wordings", data={"kind": "widget", "language": "ja",
                                             "text": "お得な情報をメッセージでお届けします。"})
    assert res.status_code == 400
    assert "事業者名" not in res.get_data(as_text=True)  # English UI...
    assert "does not name the business" in res.get_data(as_text=True)
    res = boss.post("/admin/wordings?lang=ja", data={
        "kind": "widget", "language": "ja", "text": "Sakura Coffee からお得な情報をメールでお届け。"})
    assert res.status_code == 400 and "WhatsApp" in res.get_data(as_text=True)
    assert "含まれていません" in res.get_data(as_text=True)  # ...and the Japanese one
    assert len(gw.store.list_wordings(business.id)) == before
    text = "さくらコーヒーから WhatsApp で新メニューのお知らせ。\r\n停止は「停止」と返信。  "
    res = boss.post("/admin/wordings?lang=en", data={"kind": "widget", "language": "ja",
                                                     "text": text})
    assert res.status_code == 302 and res.headers["Location"] == "/admin/wordings#w-widget-ja"
    current = gw.store.current_wording(business.id, "widget", "ja")
    assert current.version == 2
    assert current.text == "さくらコーヒーから WhatsApp で新メニューのお知らせ。\n停止は「停止」と返信。"
    html = boss.get("/admin/wordings").get_data(as_text=True)
    assert "Saved demo-widget-ja-v2" in html and current.sha256[:12] in html
    assert boss.post("/admin/wordings", data={"kind": "widget", "language": "fr",
                                              "text": "x" * 20}).status_code == 400


def test_wordings_compare_versions(boss: FlaskClient, gw: Any, business: Business) -> None:
    now = datetime.now(UTC)
    v1 = gw.store.current_wording(business.id, "sms", "ja")
    v2 = gw.store.add_wording(business.id, "sms", "ja", v1.text + "（新）")
    for i in range(30):
        opt_in(gw, business, f"+8190{20000000 + i}", channel="sms", method="keyword",
               wording_id=(v1 if i < 20 else v2).id, occurred_at=now - timedelta(days=3))
    for i in range(20, 30):
        gw.service.capture(Capture(business=business.slug, phone=f"+8190{20000000 + i}",
                                   channel="sms", method="keyword", action=Action.OPT_OUT),
                           business)
    html = boss.get("/admin/wordings").get_data(as_text=True)
    section = html[html.index('id="w-sms-ja"'):]
    section = section[:section.index("</section>")]
    assert section.index("v2") < section.index("v1")  # newest first
    assert "100.0%" in section and "0.0%" in section


def test_api_keys_shown_once_and_revoked(boss: FlaskClient, client: FlaskClient, gw: Any,
                                         business: Business) -> None:
    res = boss.post("/admin/api-keys", data={"label": "Shopify checkout"})
    key = re.search(r'data-testid="new-key">(og_[^<]+)<', res.get_data(as_text=True)).group(1)
    assert res.headers["Cache-Control"] == "no-store"
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/eligibility?phone=090-1234-5678&topic=offers",
                      headers=auth).status_code == 200
    listing = boss.get("/admin/api-keys").get_data(as_text=True)
    assert key not in listing and "Shopify checkout" in listing and key.split("_")[1] in listing
    key_id = gw.admin_store.api_keys(business.id)[0].id
    res = boss.post(f"/admin/api-keys/{key_id}/revoke")
    assert res.status_code == 302
    assert client.get("/api/v1/eligibility?phone=090-1234-5678&topic=offers",
                      headers=auth).status_code == 401
    assert "Revoked" in boss.get("/admin/api-keys").get_data(as_text=True)
    assert boss.post(f"/admin/api-keys/{key_id}/revoke").status_code == 404  # already revoked


def test_language_switch_is_remembered(boss: FlaskClient) -> None:
    html = boss.get("/admin/?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html and "概要" in html and "ログアウト" in html
    html = boss.get("/admin/sources").get_data(as_text=True)
    assert '<html lang="ja">' in html and "取得経路" in html
    html = boss.get("/admin/sources?lang=en&days=7").get_data(as_text=True)
    assert "Sources" in html and 'href="/admin/sources?days=7&amp;lang=ja"' in html
    assert '<html lang="en">' in boss.get("/admin/").get_data(as_text=True)


def test_japanese_browser_gets_japanese_login(client: FlaskClient) -> None:
    html = client.get("/admin/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(
        as_text=True)
    assert "ログイン" in html and "パスワード" in html


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.styles: int = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "style" or any(k == "style" for k, _ in attrs):
            self.styles += 1
        self.handlers += [k for k, _ in attrs if k.startswith("on")]


@pytest.mark.parametrize("page", PAGES)
def test_strict_csp_and_no_inline_code(boss: FlaskClient, gw: Any, business: Business,
                                       page: str) -> None:
    scenario(gw, business, datetime.now(UTC))
    res = boss.get(page)
    assert res.status_code == 200
    csp = res.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert res.headers["Cache-Control"] == "no-store"
    parser = Scripts()
    parser.feed(res.get_data(as_text=True))
    assert parser.handlers == [] and parser.styles == 0
    for script in parser.scripts:
        assert script.get("src") or script.get("type") == "application/json", script


def test_no_nav_slots_left(boss: FlaskClient) -> None:
    html = boss.get("/admin/").get_data(as_text=True)
    # placements (tests/adminplace) and imports (tests/adminimp) have their own pages now
    assert "data-nav-slot" not in html and 'href="/admin/imports"' in html
