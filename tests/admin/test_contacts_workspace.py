"""The contacts workspace page and its export: filters from the query string, keyset page
links, search in any number format, roles, escaping, both languages, hostile input."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.admin.contact_filters import ContactFilter
from gateway.core.consent import Business
from tests.admin.conftest import login, opt_in

ROWS = re.compile(r'<tr data-contact="(\d+)">')


def ids(html: str) -> list[int]:
    return [int(x) for x in ROWS.findall(html)]


def next_link(html: str) -> str | None:
    found = re.search(r'rel="next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def shop(gw: Any, business: Business) -> dict[str, Any]:
    """120 web opt-ins to offers, 12 of them (every tenth) by QR code at a placement; a
    hostile name; a contact opted out of the newsletter."""
    placement = gw.placements.create(business, kind="store", label="Shibuya counter")
    for i in range(120):
        qr = i % 10 == 0
        opt_in(gw, business, f"+81901234{i:04d}", channel="qr" if qr else "web_form",
               method="button" if qr else "checkbox",
               wording_kind="whatsapp" if qr else "web_form",
               evidence={"placement_code": placement.code} if qr else {},
               personal={"name": f"Customer {i}"}, idempotency_key=f"shop-{i}")
    opt_in(gw, business, "+819055550000", personal={"name": '=HYPERLINK("http://x","y")'},
           idempotency_key="formula")
    opt_in(gw, business, "+819055550001", topics=("newsletter",), action="opt_out",
           wording_kind=None, personal={"name": "<script>alert(1)</script>"},
           idempotency_key="script")
    return {"placement": placement.code}


def test_pages_walk_every_contact_with_shareable_links(boss: FlaskClient, gw: Any,
                                                       business: Business, shop: Any) -> None:
    res = boss.get("/admin/contacts")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and len(ids(html)) == 50
    assert "Page 1 · more than 50 contacts" in html and 'rel="prev"' not in html
    seen, link = ids(html), next_link(html)
    while link:
        html = boss.get(link).get_data(as_text=True)
        seen += ids(html)
        link = next_link(html)
    assert len(seen) == len(set(seen)) == 122
    assert "Page 3" in html and 'rel="prev"' in html
    filtered = boss.get("/admin/contacts", query_string={"channel": "qr"})
    html = filtered.get_data(as_text=True)
    assert len(ids(html)) == 12 and "12 contacts" in html and next_link(html) is None
    assert 'value="qr" selected' in html  # the form shows the filter it applied


def test_filters_from_the_query_string(boss: FlaskClient, gw: Any, business: Business,
                                       shop: Any) -> None:
    by_placement = ids(boss.get("/admin/contacts", query_string={
        "placement": shop["placement"]}).get_data(as_text=True))
    assert len(by_placement) == 12
    html = boss.get("/admin/contacts", query_string={
        "topic": "newsletter", "status": "opted_out"}).get_data(as_text=True)
    assert len(ids(html)) == 1 and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    none = boss.get("/admin/contacts", query_string={"status": "pending"})
    assert "No contact matches these filters." in none.get_data(as_text=True)
    html = boss.get("/admin/contacts", query_string={"erased": "yes"}).get_data(as_text=True)
    assert ids(html) == []


@pytest.mark.parametrize("query", ["090-1234-0007", "+81 90 1234 0007", "819012340007",
                                   "whatsapp:+819012340007", "０９０１２３４０００７"])
def test_search_any_number_format(boss: FlaskClient, gw: Any, business: Business, shop: Any,
                                  query: str) -> None:
    found = gw.admin_store.contact_by_ref(business.id, gw.service.ref(business,
                                                                      "+819012340007"))
    alone = boss.get("/admin/contacts", query_string={"q": query})
    assert alone.status_code == 302 and alone.headers["Location"].endswith(f"/{found.id}")
    # With a filter the number narrows the list instead of opening the contact.
    html = boss.get("/admin/contacts", query_string={"q": query, "topic": "offers"}
                    ).get_data(as_text=True)
    assert ids(html) == [found.id]
    assert ids(boss.get("/admin/contacts", query_string={"q": query, "channel": "qr"}
                        ).get_data(as_text=True)) == []


def test_export_is_the_filtered_view_and_safe_in_a_spreadsheet(boss: FlaskClient, gw: Any,
                                                               business: Business,
                                                               shop: Any) -> None:
    page = boss.get("/admin/contacts", query_string={"topic": "offers", "status": "opted_in"})
    html = page.get_data(as_text=True)
    link = re.search(r'href="(/admin/contacts/export\.csv[^"]*)"', html).group(1)
    res = boss.get(link.replace("&amp;", "&"))
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.headers["Content-Disposition"] == 'attachment; filename="demo-contacts.csv"'
    rows = list(csv.DictReader(io.StringIO(res.data.decode("utf-8-sig"))))
    view: list[int] = []
    link = "/admin/contacts?topic=offers&status=opted_in"
    while link:
        body = boss.get(link).get_data(as_text=True)
        view += ids(body)
        link = next_link(body)
    phones = {c.id: c.phone for c in gw.admin_store.contacts_page(
        business.id, ContactFilter(), size=500).contacts}
    assert [r["phone"] for r in rows] == [phones[i] for i in view]
    assert len(rows) == 121 and {r["topic:offers"] for r in rows} == {"opted_in"}
    formula = next(r for r in rows if "HYPERLINK" in r["name"])
    assert formula["name"] == '\'=HYPERLINK("http://x","y")'
    assert formula["phone"] == "+819055550000"  # a plain number stays a number


def test_export_is_for_admins_and_refuses_a_filter_it_cannot_read(
        client: FlaskClient, staff: dict[str, int], shop: Any) -> None:
    assert login(client, "viewer").status_code == 302
    page = client.get("/admin/contacts").get_data(as_text=True)
    assert "export.csv" not in page and len(ids(page)) == 50  # viewers read, page by page
    assert client.get("/admin/contacts/export.csv").status_code == 403
    client.post("/admin/logout")
    assert login(client, "boss").status_code == 302
    res = client.get("/admin/contacts/export.csv", query_string={"topic": "nope"})
    assert res.status_code == 400 and res.mimetype == "text/html"
    assert "Nothing was exported" in res.get_data(as_text=True)


@pytest.mark.parametrize(("args", "message"), [
    ({"q": "x" * 5000}, "“Search” is too long"),
    ({"q": "ken\x00"}, "cannot be searched for"),
    ({"topic": "nope\x00"}, "cannot be searched for"),
    ({"topic": "not-a-topic"}, "no topic “not-a-topic”"),
    ({"channel": "carrier-pigeon"}, "“carrier-pigeon” is not a channel"),
    ({"status": "maybe"}, "“maybe” is not a status"),
    ({"placement": "ZZZZZZZZ"}, "no placement “ZZZZZZZZ”"),
    ({"from": "2024-02-30"}, "“2024-02-30” is not a date"),
    ({"from": "0001-01-01"}, "“0001-01-01” is not a date"),
    ({"to": "yesterday"}, "“yesterday” is not a date"),
    ({"from": "2025-05-02", "to": "2025-05-01"}, "start date is after the end date"),
    ({"erased": "maybe"}, "is not a choice for “Erased”"),
    ({"after": "1~2~3"}, "page link is not valid"),
    ({"before": "9" * 19 + "~1~1~1~1"}, "page link is not valid"),
    ({"after": "0~99999999999999999999~1~1~1"}, "page link is not valid"),
    ({"after": "0~1~1~1~0"}, "page link is not valid"),
])
def test_hostile_query_strings_give_a_page_with_a_message(boss: FlaskClient, shop: Any,
                                                          args: dict[str, str],
                                                          message: str) -> None:
    res = boss.get("/admin/contacts", query_string=args)
    html = res.get_data(as_text=True)
    assert res.status_code == 200, args
    assert message in html, html[html.find("filter-messages") - 200:][:600]
    assert len(ids(html)) > 0  # the rest of the filter still applies


def test_texts_in_japanese_and_a_cursor_from_another_walk(boss: FlaskClient, gw: Any,
                                                          business: Business,
                                                          shop: Any) -> None:
    html = boss.get("/admin/contacts?lang=ja&topic=nope").get_data(as_text=True)
    assert "適用" in html and "最終アクティビティ" in html
    assert "この事業者には「nope」という種類がないため" in html
    assert "この一覧をエクスポート（CSV）" in html
    # A cursor is just a position: one from a hand-made link still gives a valid page.
    res = boss.get("/admin/contacts", query_string={"after": "1~0~0~0~2"})
    assert res.status_code == 200 and ids(res.get_data(as_text=True)) == []
    assert "ここから先に連絡先はありません。" in res.get_data(as_text=True)
