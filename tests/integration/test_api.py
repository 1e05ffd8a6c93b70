"""The JSON API through the Flask client: each status code, and nothing written on errors."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business

OPT_IN = {"phone": "090-1234-5678", "topics": ["offers", "order_updates"],
          "channel": "checkout", "evidence": {"order_id": "A-1001", "pre_ticked": False},
          "name": "山田 太郎", "occurred_at": "2026-11-20T10:00:00+09:00"}


def post(client: FlaskClient, auth: dict[str, str], path: str, body: Any, **kw: Any) -> Any:
    return client.post(f"/api/v1/{path}", json=body, headers=auth, **kw)


def test_consent_created_then_same_key_returns_same_event(client: FlaskClient,
                                                          auth: dict[str, str], gw: Any) -> None:
    first = post(client, auth, "consents", {**OPT_IN, "idempotency_key": "order-A-1001"})
    assert first.status_code == 201
    body = first.get_json()
    assert body["phone"] == "+819012345678" and body["channel"] == "checkout"
    assert body["method"] == "checkbox" and body["wording"]["id"] == "demo-checkout-ja-v1"
    assert body["occurred_at"] == "2026-11-20T01:00:00.000000Z"
    assert body["ledger"]["seq"] == 1
    again = post(client, auth, "consents", {**OPT_IN, "idempotency_key": "order-A-1001"})
    assert again.status_code == 200 and again.get_json()["event_id"] == body["event_id"]
    header = client.post("/api/v1/consents", json=OPT_IN,
                         headers={**auth, "Idempotency-Key": "order-A-1001"})
    assert header.status_code == 200
    assert gw.store.count_events() == 1


def test_opt_out_and_eligibility_reasons(client: FlaskClient, auth: dict[str, str]) -> None:
    assert post(client, auth, "consents", OPT_IN).status_code == 201
    ask = lambda topic: client.get(f"/api/v1/eligibility?phone=%2B819012345678&topic={topic}",  # noqa: E731
                                   headers=auth).get_json()
    assert ask("offers")["allowed"] is True and ask("offers")["reason"] == "consented"
    assert ask("newsletter")["reason"] == "topic_not_chosen"
    out = post(client, auth, "opt-outs", {"phone": "+819012345678", "topics": ["offers"]})
    assert out.status_code == 201 and out.get_json()["action"] == "opt_out"
    assert ask("offers") | {} == ask("offers") and ask("offers")["reason"] == "opted_out"
    assert ask("order_updates")["allowed"] is True


def test_contact_view_lists_events_with_evidence(client: FlaskClient, auth: dict[str, str]
                                                 ) -> None:
    post(client, auth, "consents", OPT_IN)
    view = client.get("/api/v1/contacts/090-1234-5678", headers=auth)
    assert view.status_code == 200
    data = view.get_json()
    assert data["topics"]["offers"]["status"] == "opted_in"
    assert data["events"][0]["evidence"]["order_id"] == "A-1001"
    assert data["events"][0]["personal"]["name"] == "山田 太郎"
    missing = client.get("/api/v1/contacts/%2B819099998888", headers=auth)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "contact_unknown"


def test_batch_eligibility_streams_ndjson(client: FlaskClient, auth: dict[str, str]) -> None:
    post(client, auth, "consents", OPT_IN)
    body = b'"+819012345678"\n{"phone": "090-5555-0000"}\n+819012345678\n\nnot-a-number\n'
    res = client.post("/api/v1/eligibility?topic=offers", data=body, headers=auth)
    assert res.status_code == 200 and res.mimetype == "application/x-ndjson"
    lines = [orjson.loads(line) for line in res.data.splitlines()]
    assert [line["allowed"] for line in lines] == [True, False, True, False]
    assert lines[1]["reason"] == "no_consent" and "error" in lines[3]


@pytest.mark.parametrize(("path", "body", "status", "code", "field"), [
    ("consents", b"{not json", 400, "bad_json", None),
    ("consents", b"[1, 2]", 400, "bad_json", None),
    ("consents", {"topics": ["offers"]}, 400, "missing_field", "phone"),
    ("consents", {"phone": 819012345678, "topics": ["offers"]}, 400, "bad_field", "phone"),
    ("consents", {"phone": "090-1234-5678", "topics": "offers"}, 400, "bad_field", "topics"),
    ("consents", {"phone": "03-1234-5678", "topics": ["offers"]}, 422, "phone_not_mobile",
     "phone"),
    ("consents", {"phone": "090-1234-5678", "topics": ["lottery"]}, 422, "unknown_topic",
     "topics"),
    ("consents", {"phone": "090-1234-5678", "topics": []}, 422, "no_topics", "topics"),
    ("consents", {"phone": "090-1234-5678", "topics": ["offers"], "channel": "sms"}, 422,
     "unknown_channel", "channel"),
    ("consents", {"phone": "090-1234-5678", "topics": ["offers"], "wording_id": "nope"}, 422,
     "wording_unknown", "wording_id"),
    ("consents", {"phone": "090-1234-5678", "topics": ["offers"],
                  "occurred_at": "2030-01-01T00:00:00Z"}, 422, "time_in_future", "occurred_at"),
    ("consents", {"phone": "090-1234-5678", "topics": ["offers"],
                  "occurred_at": "2026-01-01T00:00:00"}, 422, "time_no_zone", "occurred_at"),
    ("consents", {"phone": "090-1234-5678", "topics": ["offers"],
                  "evidence": {"pre_ticked": True}}, 422, "pre_ticked", "topics"),
    ("opt-outs", {"phone": "+1 900 555 0100"}, 422, "phone_not_mobile", "phone"),
])
def test_bad_requests_get_json_errors_and_write_nothing(
        client: FlaskClient, auth: dict[str, str], gw: Any, path: str, body: Any, status: int,
        code: str, field: str | None) -> None:
    if isinstance(body, bytes):
        res = client.post(f"/api/v1/{path}", data=body, headers=auth,
                          content_type="application/json")
    else:
        res = post(client, auth, path, body)
    assert res.status_code == status, res.get_json()
    error = res.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert gw.store.count_events() == 0


def test_reused_idempotency_key_is_409(client: FlaskClient, auth: dict[str, str]) -> None:
    post(client, auth, "consents", {**OPT_IN, "idempotency_key": "k1"})
    res = post(client, auth, "consents", {**OPT_IN, "phone": "090-2222-3333",
                                          "idempotency_key": "k1"})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "idempotency_reused"


def test_too_large_is_413(client: FlaskClient, auth: dict[str, str], gw: Any) -> None:
    res = post(client, auth, "consents", {**OPT_IN, "evidence": {"blob": "x" * (2 << 20)}})
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "too_large"
    assert gw.store.count_events() == 0


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer og_abc_def", "Basic xyz"])
def test_missing_or_wrong_key_is_401(client: FlaskClient, business: Business,
                                     header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    res = client.post("/api/v1/consents", json=OPT_IN, headers=headers)
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"


def test_revoked_key_is_401(client: FlaskClient, gw: Any, business: Business) -> None:
    key = gw.store.create_api_key(business.id)
    found = gw.store.authenticate_api_key(key)
    assert found is not None
    gw.store.revoke_api_key(found[1])
    res = client.get("/api/v1/business", headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 401


def test_keys_are_stored_hashed(gw: Any, api_key: str) -> None:
    from sqlalchemy import text
    with gw.db.reading() as s:
        stored = s.execute(text("SELECT prefix, key_hash FROM api_keys")).all()
    assert api_key not in repr(stored)


def test_eligibility_missing_params_and_unknown_topic(client: FlaskClient, auth: dict[str, str]
                                                      ) -> None:
    assert client.get("/api/v1/eligibility?topic=offers", headers=auth).status_code == 400
    res = client.get("/api/v1/eligibility?phone=09012345678&topic=lottery", headers=auth)
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "unknown_topic"
    assert client.post("/api/v1/eligibility", data=b"", headers=auth).status_code == 400


def test_ledger_verify_endpoint(client: FlaskClient, auth: dict[str, str]) -> None:
    post(client, auth, "consents", OPT_IN)
    assert client.get("/api/v1/ledger/verify", headers=auth).get_json() == {
        "ok": True, "entries": 1, "businesses": 1, "checkpoints": 0}


def test_new_wording_must_pass_the_policy(client: FlaskClient, auth: dict[str, str]) -> None:
    bad = post(client, auth, "wordings", {"kind": "web_form", "language": "en",
                                          "text": "Get our SMS offers from Sakura Coffee"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "wording_no_whatsapp"
    good = post(client, auth, "wordings", {"kind": "web_form", "language": "en",
                                           "text": "Sakura Coffee offers on WhatsApp: yes!"})
    assert good.status_code == 201 and good.get_json()["version"] == 2


def test_openapi_document_is_valid_and_lists_every_route(client: FlaskClient, app: Any) -> None:
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1"))
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert routes == set(doc["paths"])


def test_unknown_endpoint_and_healthz(client: FlaskClient, auth: dict[str, str]) -> None:
    res = client.get("/api/v1/nope", headers=auth)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    assert client.get("/healthz").get_json() == {"ok": True}
