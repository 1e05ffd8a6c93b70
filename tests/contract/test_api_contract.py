"""The API's strict contract: every hostile or careless input is a 4xx naming the field,
and nothing of it is written."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business

GOOD = {"phone": "090-1234-5678", "topics": ["offers"], "channel": "checkout",
        "evidence": {"order_id": "A-1"}, "name": "山田 太郎",
        "occurred_at": "2026-11-20T10:00:00+09:00"}
CHECKOUT_TEXT = ("Send me Sakura Coffee offers on WhatsApp. You can stop at any time by "
                 "replying STOP.")


def post(client: FlaskClient, auth: dict[str, str], body: Any, path: str = "consents",
         **headers: str) -> Any:
    return client.post(f"/api/v1/{path}", json=body, headers={**auth, **headers})


def written(gw: Any) -> int:
    return int(gw.store.count_events())


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({**GOOD, "source": {"order_id": "A-1"}}, 400, "unknown_field", "source"),
    ({**GOOD, "wording": {"text": CHECKOUT_TEXT, "kind": "checkout"}}, 400, "unknown_field",
     "wording"),
    ({**GOOD, "name": "x" * 201}, 400, "too_long", "name"),
    ({**GOOD, "name": "Taro\x00"}, 400, "control_character", "name"),
    ({**GOOD, "evidence": {"note": "a\x00b"}}, 422, "evidence_bad_text", "evidence"),
    ({**GOOD, "evidence": {"n": 2**60}}, 422, "evidence_bad_number", "evidence"),
    ({**GOOD, "idempotency_key": "k" * 201}, 400, "too_long", "idempotency_key"),
    ({**GOOD, "occurred_at": "0001-01-01T00:00:00+14:00"}, 422, "time_too_early",
     "occurred_at"),
    ({**GOOD, "occurred_at": "2008-12-31T23:59:59Z"}, 422, "time_too_early", "occurred_at"),
    ({**GOOD, "language": "xx"}, 422, "unknown_language", "language"),
    ({**GOOD, "wording_kind": "../../x"}, 400, "bad_field", "wording_kind"),
    ({**GOOD, "topics": ["offers"] * 33}, 400, "bad_field", "topics"),
    ({**GOOD, "phone": "+8190\x001234"}, 400, "control_character", "phone"),
])
def test_bad_input_is_refused_naming_the_field(client: FlaskClient, auth: dict[str, str],
                                               gw: Any, body: dict[str, Any], status: int,
                                               code: str, field: str) -> None:
    res = post(client, auth, body)
    assert res.status_code == status, res.get_json()
    error = res.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert written(gw) == 0


def test_an_unknown_field_is_named_in_the_message(client: FlaskClient,
                                                   auth: dict[str, str]) -> None:
    res = post(client, auth, {**GOOD, "wording": {"text": CHECKOUT_TEXT, "kind": "x"}})
    assert "wording.kind" in res.get_json()["error"]["message"]


def test_an_over_long_idempotency_header_is_refused_not_cut(client: FlaskClient,
                                                              auth: dict[str, str],
                                                              gw: Any) -> None:
    base = "k" * 200
    assert post(client, auth, GOOD, **{"Idempotency-Key": base}).status_code == 201
    res = post(client, auth, GOOD, **{"Idempotency-Key": base + "2"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "too_long"
    assert written(gw) == 1


@pytest.mark.parametrize("change", [{"occurred_at": "2026-11-20T11:00:00+09:00"},
                                    {"evidence": {"order_id": "A-2"}}, {"name": "Hanako"},
                                    {"topics": ["offers", "newsletter"]}])
def test_the_same_key_with_another_body_is_a_conflict(client: FlaskClient,
                                                      auth: dict[str, str], gw: Any,
                                                      change: dict[str, Any]) -> None:
    first = post(client, auth, {**GOOD, "idempotency_key": "order-A-1"})
    assert first.status_code == 201
    res = post(client, auth, {**GOOD, **change, "idempotency_key": "order-A-1"})
    assert res.status_code == 409
    error = res.get_json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_reused", "idempotency_key")
    assert "order-A-1" in error["message"]
    same = post(client, auth, {**GOOD, "idempotency_key": "order-A-1"})
    assert same.status_code == 200
    assert same.get_json()["event_id"] == first.get_json()["event_id"]
    assert written(gw) == 1


def test_inline_wording_is_checked_stored_once_and_shown_on_the_receipt(
        client: FlaskClient, auth: dict[str, str], gw: Any, business: Business) -> None:
    hosted_before = gw.store.current_wording(business.id, "checkout", "en")
    body = {**GOOD, "wording": {"text": CHECKOUT_TEXT, "language": "en"}}
    first = post(client, auth, body).get_json()
    second = post(client, auth, {**body, "phone": "090-1111-2222"}).get_json()
    wording = first["wording"]
    assert wording["id"] == second["wording"]["id"]  # one version per distinct text
    stored = gw.store.get_wording(wording["id"])
    assert stored.text == CHECKOUT_TEXT and stored.inline and stored.language == "en"
    # The business's own current wording of that kind is not replaced by an API's text.
    assert gw.store.current_wording(business.id, "checkout", "en") == hosted_before
    receipt = client.get("/api/v1/contacts/090-1234-5678/receipt", headers=auth).get_json()
    assert CHECKOUT_TEXT in str(receipt)
    other = post(client, auth, {**body, "phone": "090-3333-4444",
                                "wording": {"text": CHECKOUT_TEXT + " Thanks!",
                                            "language": "en"}}).get_json()
    assert other["wording"]["id"] != wording["id"]
    assert other["wording"]["version"] == wording["version"] + 1


def test_inline_wording_must_name_the_business_and_whatsapp(client: FlaskClient,
                                                             auth: dict[str, str],
                                                             gw: Any) -> None:
    res = post(client, auth, {**GOOD, "wording": {"text": "Send me offers by SMS."}})
    assert res.status_code == 422
    assert res.get_json()["error"]["code"] == "wording_no_business"
    both = post(client, auth, {**GOOD, "wording_id": "demo-checkout-ja-v1",
                               "wording": {"text": CHECKOUT_TEXT}})
    assert both.status_code == 422 and both.get_json()["error"]["code"] == "wording_ambiguous"
    assert written(gw) == 0


@pytest.mark.parametrize(("path", "body", "field"), [
    ("wordings", {"kind": "checkout", "language": "ja", "text": "さくらコーヒー WhatsApp",
                  "extra": 1}, "extra"),
    ("wordings", {"kind": "../x", "language": "ja", "text": "さくらコーヒー WhatsApp"},
     "kind"),
    ("placements", {"kind": "store", "label": "Counter", "colour": "red"}, "colour"),
    ("placements", {"kind": "store", "label": "Counter\x00"}, "label"),
    ("webhooks", {"url": "https://example.com/hook", "secret": "x"}, "secret"),
    ("ledger/checkpoints/verify", {"notes": []}, "notes"),
    ("contacts/090-1234-5678/erase", {"reason": "x" * 201}, "reason"),
])
def test_every_json_operation_refuses_unknown_and_bad_fields(
        client: FlaskClient, auth: dict[str, str], path: str, body: dict[str, Any],
        field: str) -> None:
    res = post(client, auth, body, path)
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["field"] == field


def test_a_broken_webhook_url_is_a_422_not_a_500(client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    res = post(client, auth, {"url": "http://[::1"}, "webhooks")
    assert res.status_code == 422
    assert res.get_json()["error"]["code"] == "webhook_url_invalid"


@pytest.mark.parametrize("query", ["since=0566-05-19T06:01:00Z&until=0001-01-01T01:16:35%2B06:01",
                                   "since=9999-12-31T23:59:59-05:00", "until=x"])
def test_a_window_beyond_the_calendar_is_a_400(client: FlaskClient, auth: dict[str, str],
                                               query: str) -> None:
    """Found by the long fuzzing run (bench/fuzz.py): a zone that overflows the year."""
    res = client.get(f"/api/v1/placements/funnel?{query}", headers=auth)
    assert res.status_code == 400 and res.get_json()["error"]["field"] in ("since", "until")
