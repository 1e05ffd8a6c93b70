"""Placements list with funnels, create, detail, retire; roles, scope, escaping, CSP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from tests.admin.conftest import login
from tests.admin.test_pages import Scripts
from tests.conftest import PUBLIC_BASE
from tests.placements.conftest import chat_opt_in

HOSTILE = "<img src=x onerror=alert(1)>"


class Rows(HTMLParser):
    """Cells marked ``data-col`` per table row (``data-code`` or ``data-testid``)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._row: str | None = None
        self._col: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and (a.get("data-code") or a.get("data-testid")):
            self._row = a.get("data-code") or a.get("data-testid")
            self.rows[self._row] = {}
        elif self._row and a.get("data-col"):
            self._col = a["data-col"]

    def handle_data(self, data: str) -> None:
        if self._row and self._col:
            self.rows[self._row][self._col] = data.strip()
            self._col = None


def cells(html: str) -> dict[str, dict[str, str]]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def chart_data(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html,
                      re.S)
    assert found
    return json.loads(found.group(1))


def opt_out(gw: Any, business: Business, phone: str, at: datetime, key: str) -> None:
    gw.service.capture(Capture(business=business.slug, phone=phone, channel="whatsapp",
                               method="keyword", action="opt_out", occurred_at=at,
                               idempotency_key=key, evidence={"body": "STOP"}), business)


def scripted(client: FlaskClient, gw: Any, business: Business) -> tuple[str, str]:
    """5 scans (+1 preview bot) → 3 chats → 2 opt-ins → 1 later opt-out; another placement
    with 1 click → 1 chat → 1 opt-in. Scans go through the public /l/<code> route."""
    t0 = datetime.now(UTC) - timedelta(days=2)
    gw.placements.clock = lambda: t0
    shop = gw.placements.create(business, kind="store", label="Shibuya store", topic="offers")
    fair = gw.placements.create(business, kind="event", label="Tokyo fair")
    for i in range(5):
        assert client.get(f"/l/{shop.code}?s=qr", environ_base={"REMOTE_ADDR": f"192.0.2.{i}"},
                          headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14)"}
                          ).status_code == 302
    client.get(f"/l/{shop.code}", headers={"User-Agent": "WhatsApp/2.23 A"})
    client.get(f"/l/{fair.code}", headers={"User-Agent": "Mozilla/5.0"})
    phones = ["+819012340001", "+819012340002", "+819012340003"]
    for n in range(3):
        assert gw.placements.attribution(business, shop.code, t0 + timedelta(minutes=n + 1),
                                         conversation_ref=f"conv-{n}") is not None
    for n, phone in enumerate(phones[:2]):
        chat_opt_in(gw, business, f"こんにちは (ref:{shop.code})", phone=phone,
                    first_message_at=t0 + timedelta(minutes=n + 1),
                    conversation_ref=f"conv-{n}", message_id=f"wamid.{n}")
    opt_out(gw, business, phones[0], t0 + timedelta(days=1), "stop-0")
    chat_opt_in(gw, business, f"hi (ref:{fair.code})", phone="+819012340009",
                first_message_at=t0 + timedelta(minutes=9), conversation_ref="conv-x",
                message_id="wamid.x")
    return shop.code, fair.code


def test_list_shows_the_funnel_of_each_placement_and_totals(
        boss: FlaskClient, gw: Any, business: Business, auth: dict[str, str]) -> None:
    empty = boss.get("/admin/placements").get_data(as_text=True)
    assert 'data-testid="no-placements"' in empty and "No placements yet" in empty
    shop, fair = scripted(boss, gw, business)
    html = boss.get("/admin/placements").get_data(as_text=True)
    rows = cells(html)
    assert rows[shop] == {"scans": "5", "clicks": "0", "chats_started": "3", "chat_rate": "60.0%",
                          "opt_ins": "2", "opt_in_rate": "66.7%", "opt_outs": "1",
                          "opt_out_rate": "50.0%"}
    assert rows[fair] == {"scans": "0", "clicks": "1", "chats_started": "1",
                          "chat_rate": "100.0%", "opt_ins": "1", "opt_in_rate": "100.0%",
                          "opt_outs": "0", "opt_out_rate": "0.0%"}
    assert rows["totals"] == {"scans": "5", "clicks": "1", "chats_started": "4",
                              "chat_rate": "66.7%", "opt_ins": "3", "opt_in_rate": "75.0%",
                              "opt_outs": "1", "opt_out_rate": "33.3%"}
    assert re.search(r'data-kpi="visits">6<', html) and re.search(r'data-kpi="active">2<', html)
    assert "Shibuya store" in html and "Store" in html and "Event" in html
    charts = chart_data(html)
    assert charts["funnel"]["values"] == [6, 4, 3, 1]
    assert charts["funnel"]["rates"] == [None, 66.7, 75.0, 33.3]
    by = charts["by_placement"]
    assert by["labels"] == [f"Tokyo fair ({fair})", f"Shibuya store ({shop})"]  # newest first
    assert [d["data"] for d in by["datasets"]] == [[1, 5], [1, 3], [1, 2], [0, 1]]
    # the same funnel as the API serves
    api = boss.get("/api/v1/placements/funnel", headers=auth).get_json()
    mine = boss.get("/admin/api/placements").get_json()
    assert [{k: v for k, v in p.items() if k != "created_at"} for p in mine["placements"]] \
        == api["placements"]
    assert {k: v for k, v in mine["totals"].items() if k != "rates"} == api["totals"]
    assert mine["totals"]["rates"] == {"chat_per_visit": 0.6667, "opt_in_per_chat": 0.75,
                                       "opt_out_per_opt_in": 0.3333}
    # a window after everything: zeros, placements still listed
    gw.placements.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    week = cells(boss.get("/admin/placements?days=7").get_data(as_text=True))
    assert week[shop]["scans"] == "0" and week["totals"]["opt_ins"] == "0"
    # status filter
    gw.placements.retire(business, fair)
    active = cells(boss.get("/admin/placements?status=active").get_data(as_text=True))
    assert set(active) == {shop, "totals"} and active["totals"]["opt_ins"] == "2"
    # the funnel of one placement on its page
    page = boss.get(f"/admin/placements/{shop}").get_data(as_text=True)
    steps = dict(re.findall(r'data-step="(\w+)">([\d,]+)<', page))
    assert steps == {"visits": "5", "chats": "3", "opt_ins": "2", "opt_outs": "1"}
    assert "60.0% of scans &amp; clicks" in page and "50.0% of opt-ins" in page
    assert chart_data(page)["funnel"]["values"] == [5, 3, 2, 1]


def test_nav_link_is_a_page_not_a_slot(boss: FlaskClient) -> None:
    html = boss.get("/admin/placements").get_data(as_text=True)
    nav = html[html.index('<aside class="sidebar">'):html.index("</aside>")]
    link = re.search(r'<a href="/admin/placements" class="active">', nav)
    assert link, nav
    assert 'data-nav-slot="placements"' not in html


def test_admin_creates_a_placement(boss: FlaskClient, gw: Any, business: Business) -> None:
    form = boss.get("/admin/placements/new").get_data(as_text=True)
    assert 'name="message_ja"' in form and 'name="message_en"' in form
    assert 'value="store"' in form and 'value="offers"' in form
    res = boss.post("/admin/placements", data={
        "kind": "poster", "label": "  Station poster  ", "topic": "offers",
        "message_ja": "", "message_en": "Hi Sakura Coffee, I saw your poster!"})
    assert res.status_code == 302
    [made] = gw.placements.list(business)
    assert res.headers["Location"] == f"/admin/placements/{made.code}"
    assert (made.kind, made.label, made.topic, made.actor) == ("poster", "Station poster",
                                                              "offers", "staff:boss")
    assert made.messages["en"] == f"Hi Sakura Coffee, I saw your poster! (ref:{made.code})"
    assert made.messages["ja"].startswith("Sakura Coffeeさん") and f"ref:{made.code}" in \
        made.messages["ja"]
    html = boss.get(res.headers["Location"]).get_data(as_text=True)
    assert f"Placement {made.code} created" in html
    assert f'data-testid="tracked-link">{PUBLIC_BASE}/l/{made.code}<' in html
    assert f'data-testid="qr-url">{PUBLIC_BASE}/l/{made.code}?s=qr<' in html
    assert f'src="/l/{made.code}/qr.png?size=512&amp;ec=M&amp;caption=1&amp;lang=ja"' in html
    assert f'href="/l/{made.code}/qr.svg?' in html and f'href="/l/{made.code}/poster.pdf"' in html
    assert "I saw your poster! (ref:" in html and "Offers and promotions" in html
    png = boss.get(f"/l/{made.code}/qr.png?size=512&ec=M&caption=1&lang=ja")
    assert png.status_code == 200 and png.mimetype == "image/png"


def test_create_uses_the_service_checks(boss: FlaskClient, gw: Any, business: Business
                                        ) -> None:
    base = {"kind": "store", "label": "Counter", "topic": "", "message_ja": "", "message_en": ""}
    cases = [
        ({"label": "   "}, "Enter a label of 1 to 200 characters."),
        ({"label": "x" * 201}, "Enter a label of 1 to 200 characters."),
        ({"kind": "billboard"}, "Choose a kind."),
        ({"topic": "lottery"}, "Choose one of the business"),
        ({"message_en": "Hello! I'd like to chat."}, "The message must name Sakura Coffee"),
        ({"message_ja": "さくらコーヒーさん、こんにちは (ref:ABCDEFGH)"}, "Leave out “ref:” codes"),
        ({"message_en": "Sakura Coffee " + "x" * 490}, "at most 500 characters"),
    ]
    for change, error in cases:
        res = boss.post("/admin/placements", data={**base, **change})
        html = res.get_data(as_text=True)
        assert res.status_code == 400, change
        assert error in html, (change, html[html.find("field-error"):][:300])
    assert gw.placements.list(business) == []
    res = boss.post("/admin/placements?lang=ja", data={**base, "message_en": "hello"})
    assert "メッセージにSakura Coffeeを含めてください" in res.get_data(as_text=True)
    # the business's other name counts as naming it
    res = boss.post("/admin/placements", data={**base, "message_ja": "さくらコーヒーです"})
    assert res.status_code == 302
    assert gw.placements.list(business)[0].messages["ja"].startswith("さくらコーヒーです（ref:")


def test_viewer_sees_everything_and_changes_nothing(client: FlaskClient, staff: dict[str, int],
                                                    gw: Any, business: Business) -> None:
    made = gw.placements.create(business, kind="store", label="Counter")
    assert login(client, "viewer").status_code == 302
    for path in ("/admin/placements", f"/admin/placements/{made.code}",
                 "/admin/api/placements"):
        res = client.get(path)
        assert res.status_code == 200, path
        if "/api/" not in path:
            assert res.data.count(b'method="post"') == 1, path  # only "log out"
            assert b"/admin/placements/new" not in res.data
    html = client.get(f"/admin/placements/{made.code}").get_data(as_text=True)
    assert "qr.png" in html and "/retire" not in html
    assert client.get("/admin/placements/new").status_code == 403
    assert client.post("/admin/placements", data={"kind": "store", "label": "x"}
                       ).status_code == 403
    assert client.post(f"/admin/placements/{made.code}/retire", data={"confirm": "y"}
                       ).status_code == 403
    assert [(p.code, p.status) for p in gw.placements.list(business)] == [(made.code, "active")]


def test_retire_with_confirmation_then_the_link_answers_410(
        boss: FlaskClient, gw: Any, business: Business) -> None:
    made = gw.placements.create(business, kind="poster", label="Old poster")
    assert boss.get(f"/l/{made.code}?s=qr").status_code == 302
    page = boss.get(f"/admin/placements/{made.code}").get_data(as_text=True)
    assert 'data-testid="retire-form"' in page and "printed and shared copies of" in page
    res = boss.post(f"/admin/placements/{made.code}/retire", data={})
    assert res.status_code == 400 and "Tick the box to confirm." in res.get_data(as_text=True)
    assert gw.placements.get(business, made.code).active
    res = boss.post(f"/admin/placements/{made.code.lower()}/retire", data={"confirm": "y"})
    assert res.status_code == 302 and res.headers["Location"] == f"/admin/placements/{made.code}"
    assert gw.placements.get(business, made.code).status == "retired"
    gone = boss.get(f"/l/{made.code}?s=qr")
    assert gone.status_code == 410 and "Location" not in gone.headers
    assert "no longer in use" in gone.get_data(as_text=True)
    assert boss.get(f"/l/{made.code}/qr.png").status_code == 410
    html = boss.get(f"/admin/placements/{made.code}").get_data(as_text=True)
    assert f"Placement {made.code} retired" in html and 'data-testid="retired-note"' in html
    assert 'data-testid="qr-image"' not in html and 'data-testid="retire-form"' not in html
    assert re.search(r'data-step="visits">1<', html)  # the history stays
    listing = boss.get("/admin/placements").get_data(as_text=True)
    assert '<span class="pill retired">Retired</span>' in listing
    # retiring twice changes nothing; an unknown code is a 404
    assert boss.post(f"/admin/placements/{made.code}/retire", data={"confirm": "y"}
                     ).status_code == 302
    assert boss.post("/admin/placements/ZZZZZZZZ/retire", data={"confirm": "y"}
                     ).status_code == 404
    assert boss.get("/admin/placements/ZZZZZZZZ").status_code == 404
    assert boss.get("/admin/placements/..%2Fetc").status_code == 404


def test_crafted_label_is_escaped(boss: FlaskClient, gw: Any, business: Business) -> None:
    made = gw.placements.create(business, kind="other", label=HOSTILE)
    for path in ("/admin/placements", f"/admin/placements/{made.code}"):
        html = boss.get(path).get_data(as_text=True)
        assert HOSTILE not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert chart_data(html)  # the JSON block parses: no early </script>
    listing = boss.get("/admin/placements").get_data(as_text=True)
    assert chart_data(listing)["by_placement"]["labels"] == [f"{HOSTILE} ({made.code})"]
    assert "\\u003cimg" in listing


def test_business_scope(client: FlaskClient, staff: dict[str, int], gw: Any, business: Business,
                        us_business: Business) -> None:
    jp = gw.placements.create(business, kind="store", label="Tokyo counter")
    us = gw.placements.create(us_business, kind="store", label="Bay counter")
    assert login(client, "bay").status_code == 302
    html = client.get("/admin/placements").get_data(as_text=True)
    assert "Bay counter" in html and "Tokyo counter" not in html
    assert client.get(f"/admin/placements/{jp.code}").status_code == 404
    assert client.post(f"/admin/placements/{jp.code}/retire", data={"confirm": "y"}
                       ).status_code == 404
    assert gw.placements.get(business, jp.code).active
    page = client.get(f"/admin/placements/{us.code}").get_data(as_text=True)
    assert 'data-testid="message-en"' in page
    assert 'data-testid="message-ja"' not in page  # an English-only business
    form = client.get("/admin/placements/new").get_data(as_text=True)
    assert 'name="message_en"' in form and 'name="message_ja"' not in form


def test_qr_options_are_bounded(boss: FlaskClient, gw: Any, business: Business) -> None:
    made = gw.placements.create(business, kind="store", label="Counter")
    html = boss.get(f"/admin/placements/{made.code}?size=1024&ec=H&caption=0&qlang=en"
                    ).get_data(as_text=True)
    assert f'href="/l/{made.code}/qr.png?size=1024&amp;ec=H&amp;caption=0&amp;lang=en"' in html
    assert f'src="/l/{made.code}/qr.png?size=512&amp;ec=H&amp;caption=0&amp;lang=en"' in html
    assert 'lang="en"' in html[:200]  # ?qlang= is the caption's, not the dashboard's language
    assert boss.get(f"/l/{made.code}/qr.png?size=1024&ec=H&caption=0&lang=en").status_code == 200
    for crafted in ("size=99999", "size=300", "ec=Z", "logo=1", "caption=maybe", "qlang=fr"):
        res = boss.get(f"/admin/placements/{made.code}?{crafted}")
        assert res.status_code == 200, crafted
        assert f'src="/l/{made.code}/qr.png?size=512&amp;ec=M&amp;caption=1&amp;lang=ja"' in \
            res.get_data(as_text=True), crafted
    assert 'name="logo"' not in html  # no logo uploaded: no logo option (it would be a 400)


def test_pages_keep_the_strict_csp(boss: FlaskClient, gw: Any, business: Business) -> None:
    made = gw.placements.create(business, kind="store", label="Counter")
    for path in ("/admin/placements", "/admin/placements/new", f"/admin/placements/{made.code}"):
        res = boss.get(path)
        assert res.status_code == 200
        assert "unsafe-inline" not in res.headers["Content-Security-Policy"]
        assert res.headers["Cache-Control"] == "no-store"
        parser = Scripts()
        parser.feed(res.get_data(as_text=True))
        assert parser.handlers == [] and parser.styles == 0, path
        for script in parser.scripts:
            assert script.get("src") or script.get("type") == "application/json", script


def test_json_needs_a_session(client: FlaskClient) -> None:
    res = client.get("/admin/api/placements")
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/admin/placements").status_code == 302
