"""The dashboard's settings page: what staff can change, the same checks as the CLI, the
logo re-encoded, roles and CSRF, and the customer pages taking the business's look."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gateway.core.consent import Business
from tests.admin.conftest import login
from tests.admin.test_csrf import signed_in, token


def form(business: Business, **changes: Any) -> dict[str, Any]:
    """What the page posts when nothing is touched, with ``changes`` on top."""
    data: dict[str, Any] = {
        "name": business.name, "languages": ",".join(business.languages),
        "frame_ancestors": "\n".join(business.settings.get("frame_ancestors") or []),
        "policy": business.policy_id, "opt_out_scope": business.opt_out_scope,
        "accent": "#128c7e", "default_accent": "y"}
    for topic in business.topics:
        for code in ("ja", "en"):
            data[f"topic-{topic.key}-{code}"] = topic.labels[code]
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def image(fmt: str = "JPEG", size: tuple[int, int] = (120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (107, 62, 38)).save(out, fmt)
    return out.getvalue()


def fresh(gw: Any) -> Business:
    gw.store.cache.clear()
    return gw.store.get_business("demo")


def test_admin_changes_sites_languages_colour_topics_and_logo(
        boss: FlaskClient, gw: Any, business: Business) -> None:
    page = boss.get("/admin/settings?lang=en").get_data(as_text=True)
    assert 'data-testid="settings-form"' in page and "Sites that may show the sign-up form" in page
    res = boss.post("/admin/settings", data={
        **form(business, frame_ancestors="https://shop.example/\nhttps://*.sakura.example",
               languages="en,ja", accent="#6B3E26", default_accent=None,
               **{"topic-offers-en": "Deals", "new-key": "events", "new-category": "marketing",
                  "new-ja": "イベント情報", "new-en": "Events"}),
        "logo": (io.BytesIO(image()), "logo.jpg")}, content_type="multipart/form-data")
    assert res.status_code == 302 and res.headers["Location"] == "/admin/settings"
    updated = fresh(gw)
    assert updated.settings["frame_ancestors"] == ["https://shop.example",
                                                   "https://*.sakura.example"]
    assert updated.languages == ("en", "ja") and updated.settings["accent"] == "#6b3e26"
    assert updated.topic("offers").labels["en"] == "Deals"
    assert updated.topic("events").category == "marketing"
    logo = boss.get("/b/demo/logo.png")
    body = logo.get_data()
    logo.close()  # a file response: close it as a browser would finish reading
    assert logo.status_code == 200 and logo.mimetype == "image/png"  # re-encoded, not the JPEG
    assert Image.open(io.BytesIO(body)).size == (120, 60)
    assert "Settings saved." in boss.get("/admin/settings?lang=en").get_data(as_text=True)


def test_a_bad_value_is_refused_by_name_and_nothing_changes(
        boss: FlaskClient, gw: Any, business: Business) -> None:
    for changes, said in (
            ({"frame_ancestors": "https://shop.example; script-src *"}, "is not a site address"),
            ({"topic-offers-ja": ""}, "label in Japanese and in English"),
            ({"new-key": "Bad Key", "new-ja": "x", "new-en": "x"}, "cannot be a topic key"),
            ({"new-key": "offers", "new-ja": "x", "new-en": "x"}, "cannot be a topic key"),
            ({"accent": "red", "default_accent": None}, "colour like #128c7e"),
            ({"languages": "fr"}, "Not a valid choice")):
        res = boss.post("/admin/settings?lang=en", data=form(business, **changes))
        assert res.status_code == 400, changes
        assert said in res.get_data(as_text=True), changes
    assert fresh(gw).settings == business.settings and fresh(gw).topics == business.topics
    ja = boss.post("/admin/settings?lang=ja", data=form(business, frame_ancestors="ftp://x"))
    assert "サイトのアドレスではありません" in ja.get_data(as_text=True)


def test_a_bad_logo_is_refused_and_the_other_settings_are_kept(
        boss: FlaskClient, gw: Any, business: Business) -> None:
    res = boss.post("/admin/settings?lang=en", data={
        **form(business, name="Sakura Coffee Kyoto"),
        "logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.png")},
        content_type="multipart/form-data")
    assert res.status_code == 400 and "The other settings were saved" in res.get_data(True)
    assert fresh(gw).name == "Sakura Coffee Kyoto"
    assert boss.get("/b/demo/logo.png").status_code == 404


def test_viewers_read_the_settings_but_cannot_post(client: FlaskClient, staff: dict[str, int],
                                                   gw: Any, business: Business) -> None:
    assert login(client, "viewer").status_code == 302
    page = client.get("/admin/settings?lang=en").get_data(as_text=True)
    assert 'data-testid="settings-view"' in page and "an administrator can change them" in page
    assert page.count('method="post"') == 1  # only "log out"
    assert client.post("/admin/settings", data=form(business, name="Hacked")).status_code == 403
    assert fresh(gw).name == business.name


def test_saving_needs_the_csrf_token(csrf_app: Flask, staff: dict[str, int], gw: Any,
                                     business: Business) -> None:
    client, _ = signed_in(csrf_app)
    assert client.post("/admin/settings", data=form(business, name="X")).status_code == 400
    good = token(client.get("/admin/settings").get_data(as_text=True))
    res = client.post("/admin/settings", data={**form(business, name="Sakura"),
                                               "csrf_token": good})
    assert res.status_code == 302 and fresh(gw).name == "Sakura"


def test_customer_pages_take_the_business_look(boss: FlaskClient, client: FlaskClient,
                                               gw: Any, business: Business) -> None:
    plain = client.get("/b/demo/optin?lang=en").get_data(as_text=True)
    assert "/b/demo/brand.css" in plain and "brand-logo" not in plain
    assert "WhatsApp +81 3-4567-8901" in plain  # the number messages will come from
    boss.post("/admin/settings", data={**form(business, accent="#ffd166", default_accent=None),
                                       "logo": (io.BytesIO(image("PNG")), "l.png")},
              content_type="multipart/form-data")
    page = client.get("/b/demo/optin?lang=ja").get_data(as_text=True)
    css_url = re.search(r'href="(/b/demo/brand\.css\?v=[0-9a-f]+)"', page)
    assert css_url and css_url.group(1) not in plain  # a new look, a new address
    assert 'class="brand-logo" src="/b/demo/logo.png?v=' in page
    css = client.get(css_url.group(1)).get_data(as_text=True)
    assert "--brand:#ffd166" in css and "--brand-ink:#111111" in css  # dark text on yellow
    widget = client.get("/b/demo/widget.json").get_json()
    assert (widget["accent"], widget["accent_ink"]) == ("#ffd166", "#111111")
