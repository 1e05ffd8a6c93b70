"""Roles (admin / read-only viewer) and business scope (bound users see one business)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.admin.auth import SELF_POSTS
from gateway.core.consent import Business
from tests.admin.conftest import login, opt_in


def admin_posts(app: Flask) -> list[str]:
    """Every POST route of the dashboard except sign-in and sign-out, with sample ids."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")
             and "POST" in (r.methods or ()) and r.endpoint not in SELF_POSTS]
    return [re.sub(r"<(?:int|id):[a-z_]+>", "1", r.rule) for r in rules]


def test_the_dashboard_has_the_expected_writes(app: Flask) -> None:
    assert sorted(admin_posts(app)) == ["/admin/api-keys", "/admin/api-keys/1/revoke", "/admin/campaign",
                                        "/admin/contacts/1/opt-out", "/admin/imports", "/admin/placements",
                                        "/admin/placements/<code>/retire", "/admin/settings",
                                        "/admin/wordings"]


def test_viewer_gets_403_on_every_post_and_nothing_changes(
        app: Flask, client: FlaskClient, staff: dict[str, int], gw: Any,
        business: Business) -> None:
    recorded = opt_in(gw, business, "090-1111-2222")
    contact = gw.admin_store.contact_by_ref(business.id, recorded.event.subject_ref)
    gw.store.create_api_key(business.id, "live")
    key_id = gw.admin_store.api_keys(business.id)[0].id
    events, wordings = gw.store.count_events(business.id), len(gw.store.list_wordings(business.id))
    assert login(client, "viewer").status_code == 302
    bodies = {"nonce": "n1", "confirm": "y", "kind": "web_form", "language": "ja",
              "text": "Sakura Coffee から WhatsApp でお知らせ（停止は「停止」）", "label": "x"}
    for path in admin_posts(app):
        path = path.replace("/contacts/1/", f"/contacts/{contact.id}/").replace(
            "/api-keys/1/", f"/api-keys/{key_id}/")
        res = client.post(path, data=bodies)
        assert res.status_code == 403, path
    assert gw.store.count_events(business.id) == events
    assert len(gw.store.list_wordings(business.id)) == wordings
    assert [k.revoked_at for k in gw.admin_store.api_keys(business.id)] == [None]
    # ...but the viewer reads everything and sees no forms
    for page in ("/admin/", "/admin/contacts", f"/admin/contacts/{contact.id}", "/admin/sources",
                 "/admin/wordings", "/admin/api-keys", "/admin/api/sources"):
        res = client.get(page)
        assert res.status_code == 200, page
        if page != "/admin/api/sources":
            assert res.data.count(b'method="post"') == 1, page  # only "log out"
    html = client.get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert "/opt-out" not in html and "read-only" in html
    assert client.post("/admin/logout").status_code == 302  # a viewer may still sign out


def test_admin_can_post(boss: FlaskClient, gw: Any, business: Business) -> None:
    res = boss.post("/admin/api-keys", data={"label": "shop"})
    assert res.status_code == 200 and b"og_" in res.data


def test_bound_user_sees_only_their_business(client: FlaskClient, staff: dict[str, int],
                                             gw: Any, business: Business,
                                             us_business: Business) -> None:
    jp = opt_in(gw, business, "090-1111-2222")
    jp_contact = gw.admin_store.contact_by_ref(business.id, jp.event.subject_ref)
    us = opt_in(gw, us_business, "+1 415 555 0142", wording_kind="web_form")
    us_contact = gw.admin_store.contact_by_ref(us_business.id, us.event.subject_ref)
    jp_key = gw.store.create_api_key(business.id, "jp")
    jp_key_id = gw.admin_store.api_keys(business.id)[0].id
    assert login(client, "bay").status_code == 302
    html = client.get("/admin/").get_data(as_text=True)
    assert "Bay Shop" in html and "Sakura Coffee" not in html
    assert 'name="b"' not in html  # no business switcher for a bound user
    assert client.get("/admin/?b=demo").status_code == 404
    assert client.get("/admin/contacts?b=demo").status_code == 404
    assert client.get(f"/admin/contacts/{jp_contact.id}").status_code == 404
    assert client.get(f"/admin/contacts/{us_contact.id}").status_code == 200
    # a Japanese number typed in the search finds nothing in the US business
    res = client.get("/admin/contacts", query_string={"q": "090-1111-2222"})
    assert res.status_code == 200 and b"No contact matches" in res.data
    assert client.get("/admin/contacts", query_string={"q": "Sakura"}).status_code == 200
    assert client.post(f"/admin/contacts/{jp_contact.id}/opt-out",
                       data={"nonce": "n", "confirm": "y"}).status_code == 404
    assert client.post(f"/admin/api-keys/{jp_key_id}/revoke").status_code == 404
    assert gw.store.authenticate_api_key(jp_key) is not None
    assert b"og_" not in client.get("/admin/api-keys").data
    data = client.get("/admin/api/sources").json
    assert data["rates"]["channel"][0]["members"] == 1  # only the US opt-in


@pytest.mark.parametrize("page", ["/admin/", "/admin/sources", "/admin/wordings"])
def test_unbound_user_switches_business(boss: FlaskClient, gw: Any, business: Business,
                                        us_business: Business, page: str) -> None:
    html = boss.get(page).get_data(as_text=True)
    assert 'name="b"' in html and "Bay Shop" in html  # the switcher lists both
    assert 'biz-name" data-testid="business-name">Sakura Coffee' in html
    html = boss.get(page + "?b=bayshop").get_data(as_text=True)
    assert 'data-testid="business-name">Bay Shop' in html
    html = boss.get(page).get_data(as_text=True)  # remembered in the session
    assert 'data-testid="business-name">Bay Shop' in html
    assert boss.get(page + "?b=nope").status_code == 404
