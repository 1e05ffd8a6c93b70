"""Staff forms refuse control characters with a message, never a 500 (PostgreSQL refuses
NUL bytes outright)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business


@pytest.mark.parametrize(("path", "data"), [
    ("/admin/wordings", {"kind": "web_form", "language": "ja",
                         "text": "Sakura Coffee から WhatsApp で\x00お知らせ"}),
    ("/admin/api-keys", {"label": "shop\x00"}),
    ("/admin/placements", {"kind": "store", "label": "Counter\x00", "topic": ""}),
])
def test_control_characters_are_a_form_error(boss: FlaskClient, gw: Any, business: Business,
                                             path: str, data: dict[str, str]) -> None:
    before = (len(gw.store.list_wordings(business.id)), gw.admin_store.api_keys(business.id))
    res = boss.post(path, data=data)
    assert res.status_code == 400
    assert (len(gw.store.list_wordings(business.id)),
            gw.admin_store.api_keys(business.id)) == before
    assert gw.placements.list(business) == []


def test_a_nul_username_is_a_failed_sign_in(client: FlaskClient, staff: dict[str, int]) -> None:
    res = client.post("/admin/login", data={"username": "boss\x00", "password": "x"})
    assert res.status_code == 200 and b"/admin/login" in res.data
