"""Placements through the API and the store: create, list, read, retire, validate, logo."""

from __future__ import annotations

import io
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from gateway.core.codes import PLACEMENT_ALPHABET, find_placement_code
from gateway.core.consent import Business
from gateway.core.errors import Conflict
from gateway.placements import service as placement_service
from tests.conftest import PUBLIC_BASE
from tests.placements.conftest import decode, scan_url


def test_create_list_get_retire(client: FlaskClient, auth: dict[str, str]) -> None:
    res = client.post("/api/v1/placements", headers=auth,
                      json={"kind": "store", "label": "Shibuya store", "topic": "offers"})
    assert res.status_code == 201
    body = res.get_json()
    code = body["code"]
    assert len(code) == 8 and set(code) <= set(PLACEMENT_ALPHABET)
    assert body["status"] == "active" and body["topic"] == "offers"
    assert body["link"] == f"{PUBLIC_BASE}/l/{code}"
    assert body["qr_url"] == f"{PUBLIC_BASE}/l/{code}?s=qr"
    assert body["qr_png"] == f"{PUBLIC_BASE}/l/{code}/qr.png"
    assert body["poster_pdf"] == f"{PUBLIC_BASE}/l/{code}/poster.pdf"
    assert body["short_link"] == f"gateway.example.test/l/{code}"
    for lang in ("ja", "en"):
        assert "Sakura Coffee" in body["messages"][lang]
        assert find_placement_code(body["messages"][lang]) == code

    second = client.post("/api/v1/placements", headers=auth,
                         json={"kind": "event", "label": "Tokyo fair"}).get_json()
    listed = client.get("/api/v1/placements", headers=auth).get_json()["placements"]
    assert [p["code"] for p in listed] == [code, second["code"]]
    assert client.get(f"/api/v1/placements/{code.lower()}", headers=auth).get_json() == body

    retired = client.post(f"/api/v1/placements/{code}/retire", headers=auth).get_json()
    assert retired["status"] == "retired" and retired["retired_at"]
    again = client.post(f"/api/v1/placements/{code}/retire", headers=auth).get_json()
    assert again["retired_at"] == retired["retired_at"]
    active = client.get("/api/v1/placements?status=active", headers=auth).get_json()
    assert [p["code"] for p in active["placements"]] == [second["code"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"label": "x"}, "kind"),
    ({"kind": "billboard", "label": "x"}, "kind"),
    ({"kind": "store"}, "label"),
    ({"kind": "store", "label": "  "}, "label"),
    ({"kind": "store", "label": "x" * 201}, "label"),
    ({"kind": "store", "label": 5}, "label"),
    ({"kind": "store", "label": "x", "topic": "lottery"}, "topic"),
    ({"kind": "store", "label": "x", "messages": {"en": "Hi there!"}}, "messages.en"),
    ({"kind": "store", "label": "x", "messages": {"ja": "Sakura Coffee ref:ABCDEF"}},
     "messages.ja"),
    ({"kind": "store", "label": "x", "messages": {"en": 3}}, "messages"),
    ({"kind": "store", "label": "x", "messages": "hi"}, "messages"),
])
def test_bad_input_is_a_400_naming_the_field(client: FlaskClient, auth: dict[str, str],
                                             gw: Any, business: Business,
                                             body: dict[str, Any], field: str) -> None:
    res = client.post("/api/v1/placements", headers=auth, json=body)
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["field"] == field
    assert gw.placements.list(business) == []


def test_custom_message_keeps_the_text_and_adds_the_code(client: FlaskClient,
                                                         auth: dict[str, str]) -> None:
    res = client.post("/api/v1/placements", headers=auth, json={
        "kind": "event", "label": "Fair", "messages": {"ja": "さくらコーヒーのブースから来ました"}})
    body = res.get_json()
    assert body["messages"]["ja"] == f"さくらコーヒーのブースから来ました（ref:{body['code']}）"
    assert body["messages"]["en"].startswith("Hello Sakura Coffee!")


def test_other_business_codes_and_missing_keys(client: FlaskClient, gw: Any, auth: dict[str, str],
                                               us_business: Business) -> None:
    theirs = gw.placements.create(us_business, kind="store", label="SF")
    res = client.get(f"/api/v1/placements/{theirs.code}", headers=auth)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "placement_unknown"
    assert client.post(f"/api/v1/placements/{theirs.code}/retire", headers=auth
                       ).status_code == 404
    assert client.get(f"/api/v1/placements/{theirs.code}/funnel", headers=auth
                      ).status_code == 404
    assert client.get("/api/v1/placements").status_code == 401
    assert client.post("/api/v1/placements", json={"kind": "store", "label": "x"}
                       ).status_code == 401
    assert client.get("/api/v1/placements?status=gone", headers=auth).status_code == 400


def test_english_only_business_sends_english_to_everyone(client: FlaskClient, gw: Any,
                                                         us_business: Business) -> None:
    placement = gw.placements.create(us_business, kind="website", label="Site")
    assert set(placement.messages) == {"en"}
    res = client.get(f"/l/{placement.code}", headers={"Accept-Language": "ja"})
    assert res.headers["Location"].startswith("https://wa.me/14155550123?text=Hello%20Bay%20Shop")


def test_code_collisions_draw_a_new_code(gw: Any, business: Business,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    codes = chain(["AAAAAAAA", "AAAAAAAA", "AAAAAAAA", "BBBBBBBB"], repeat("CCCCCCCC"))
    monkeypatch.setattr(placement_service, "new_placement_code", lambda: next(codes))
    first = gw.placements.create(business, kind="store", label="one")
    second = gw.placements.create(business, kind="store", label="two")
    assert (first.code, second.code) == ("AAAAAAAA", "BBBBBBBB")
    with pytest.raises(Conflict):
        gw.placements.store.create(business_id=business.id, code="AAAAAAAA", kind="store",
                                   label="dup", messages={}, topic=None, actor=None)


def test_logo_upload_validated_and_used(client: FlaskClient, auth: dict[str, str], gw: Any,
                                        business: Business, logo_file: Path) -> None:
    placement = gw.placements.create(business, kind="store", label="x")
    bad = client.put("/api/v1/business/logo", headers=auth, data=b"not an image")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "logo"
    no_logo = client.get(f"/l/{placement.code}/qr.png?logo=1")
    assert no_logo.status_code == 400
    plain = client.get(f"/l/{placement.code}/qr.png?size=300")
    ok = client.put("/api/v1/business/logo", headers=auth, data=logo_file.read_bytes(),
                    content_type="image/png")
    assert ok.status_code == 200
    stored = gw.store.get_business(business.slug).settings["logo_path"]
    assert Path(stored).is_file() and str(gw.settings.instance_path) in stored
    with_logo = client.get(f"/l/{placement.code}/qr.png?size=300")  # logo by default now
    assert with_logo.get_data() != plain.get_data()
    assert with_logo.headers["ETag"] != plain.headers["ETag"]
    img = Image.open(io.BytesIO(with_logo.data)).convert("RGB")
    assert img.getpixel((150, 150))[2] < 100  # yellow/red centre, not black/white
    assert decode(img) == [scan_url(placement.code)]
    without = client.get(f"/l/{placement.code}/qr.png?size=300&logo=0")
    assert without.get_data() == plain.get_data()


@pytest.mark.parametrize("query", ["size=50", "size=4096", "size=abc", "size=-1", "ec=X",
                                   "caption=maybe", "lang=fr", "size=1e3"])
def test_image_options_are_validated(client: FlaskClient, placement: Any, query: str) -> None:
    res = client.get(f"/l/{placement.code}/qr.png?{query}")
    assert res.status_code == 400


def test_images_are_cached_with_etags(client: FlaskClient, gw: Any, placement: Any) -> None:
    first = client.get(f"/l/{placement.code}/qr.svg?size=256")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    misses = gw.placements.cache.misses
    second = client.get(f"/l/{placement.code}/qr.svg?size=256")
    assert second.data == first.data and gw.placements.cache.misses == misses
    cond = client.get(f"/l/{placement.code}/qr.svg?size=256",
                      headers={"If-None-Match": first.headers["ETag"]})
    assert cond.status_code == 304 and cond.data == b""
    other = client.get(f"/l/{placement.code}/qr.svg?size=300")
    assert other.headers["ETag"] != first.headers["ETag"]


def test_cache_is_bounded() -> None:
    cache = placement_service.ImageCache(max_items=3, max_bytes=10)
    for i in range(5):
        cache.get_or_make(str(i), lambda i=i: placement_service.Rendered(b"x" * 4, "a", str(i)))
    assert list(cache._items) == ["3", "4"]  # 12 bytes > 10: the oldest went first
