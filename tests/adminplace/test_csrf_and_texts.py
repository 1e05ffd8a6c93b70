"""CSRF on the placement forms (as in production), and every new text in both languages."""

from __future__ import annotations

from typing import Any

from flask import Flask

from gateway.admin.texts import TEXTS
from gateway.core.consent import Business
from gateway.placements.model import KINDS, STATUSES
from tests.admin.test_csrf import signed_in, token


def test_create_and_retire_need_the_token(csrf_app: Flask, staff: dict[str, int], gw: Any,
                                          business: Business) -> None:
    made = gw.placements.create(business, kind="store", label="Counter")
    client, _ = signed_in(csrf_app)
    create = {"kind": "event", "label": "Fair", "topic": "", "message_ja": "", "message_en": ""}
    for bad in ({}, {"csrf_token": "forged"}):
        assert client.post("/admin/placements", data={**create, **bad}).status_code == 400
        assert client.post(f"/admin/placements/{made.code}/retire",
                           data={"confirm": "y", **bad}).status_code == 400
    assert [(p.code, p.status) for p in gw.placements.list(business)] == [(made.code, "active")]
    # the token the pages themselves render works
    good = token(client.get("/admin/placements/new").get_data(as_text=True))
    res = client.post("/admin/placements", data={**create, "csrf_token": good})
    assert res.status_code == 302 and len(gw.placements.list(business)) == 2
    good = token(client.get(f"/admin/placements/{made.code}").get_data(as_text=True))
    res = client.post(f"/admin/placements/{made.code}/retire",
                      data={"confirm": "y", "csrf_token": good})
    assert res.status_code == 302
    assert gw.placements.get(business, made.code).status == "retired"


def test_dynamic_keys_exist_in_both_languages() -> None:
    keys = [f"pkind.{k}" for k in KINDS] + [f"pstatus.{s}" for s in STATUSES] + [
        f"funnel.{s}" for s in ("visits", "chats", "opt_ins", "opt_outs")]
    for key in keys:
        en, ja = TEXTS[key]
        assert en.strip() and ja.strip() and en != ja, key
