"""With CSRF protection on (as in production), every dashboard form needs its token."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.admin.conftest import PASSWORD, opt_in


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_login_without_token_is_rejected(csrf_app: Flask, staff: dict[str, int]) -> None:
    client = csrf_app.test_client()
    res = client.post("/admin/login", data={"username": "boss", "password": PASSWORD})
    assert res.status_code == 400
    with client.session_transaction() as s:
        assert "admin_uid" not in s
    page = client.get("/admin/login").get_data(as_text=True)
    res = client.post("/admin/login", data={"username": "boss", "password": PASSWORD,
                                            "csrf_token": token(page)})
    assert res.status_code == 302


def signed_in(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    client.post("/admin/login", data={"username": "boss", "password": PASSWORD,
                                      "csrf_token": token(page)})
    return client, token(client.get("/admin/api-keys").get_data(as_text=True))


def test_every_form_needs_the_token(csrf_app: Flask, staff: dict[str, int], gw: Any,
                                    business: Business) -> None:
    recorded = opt_in(gw, business, "090-1111-2222")
    contact = gw.admin_store.contact_by_ref(business.id, recorded.event.subject_ref)
    gw.store.create_api_key(business.id, "live")
    key_id = gw.admin_store.api_keys(business.id)[0].id
    client, good = signed_in(csrf_app)
    forms = {
        f"/admin/contacts/{contact.id}/opt-out": {"nonce": "n1", "confirm": "y"},
        "/admin/wordings": {"kind": "web_form", "language": "ja",
                            "text": "Sakura Coffee から WhatsApp でお知らせを受け取る。停止は「停止」。"},
        "/admin/api-keys": {"label": "x"},
        f"/admin/api-keys/{key_id}/revoke": {},
        "/admin/logout": {},
    }
    events = gw.store.count_events(business.id)
    for path, data in forms.items():
        for bad in ({}, {"csrf_token": "forged"}):
            res = client.post(path, data={**data, **bad})
            assert res.status_code == 400, path
    assert gw.store.count_events(business.id) == events
    assert client.get("/admin/").status_code == 200  # still signed in: logout was refused
    # with the token, each works
    assert client.post("/admin/api-keys", data={"label": "x", "csrf_token": good}
                       ).status_code == 200
    res = client.post(f"/admin/contacts/{contact.id}/opt-out",
                      data={"nonce": "n1", "confirm": "y", "csrf_token": good})
    assert res.status_code == 302
    assert gw.store.count_events(business.id) == events + 1
    assert client.post("/admin/logout", data={"csrf_token": good}).status_code == 302
