"""Hypothesis fuzzing of the signed provider endpoints and the public form: arbitrary text in
every field, odd shapes, deliveries mixing good and bad items. Signatures are made with the
providers' real algorithms, so the inputs reach the parsers. No 5xx, the ledger verifies.

``FUZZ_EXAMPLES`` sets the examples per test (see test_api_fuzz.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from gateway.core.consent import Business
from tests.conftest import META_SECRET, PUBLIC_BASE, TWILIO_TOKEN
from tests.web.conftest import hidden_fields

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# Text as hostile as it gets: control characters, NUL, surrogate-free unicode, long runs.
TEXT = st.one_of(st.text(max_size=60), st.text(alphabet=st.characters(codec="utf-8"),
                                               max_size=600),
                 st.sampled_from(["", "STOP", "YES", "はい", "confirm:123456", "ref:ABCDEFGH",
                                  "\x00", "=cmd", "0" * 5000]))
# Mostly well-formed, so most inputs get past the first checks and exercise what follows.
NUMBER = st.one_of(st.from_regex(r"\A(whatsapp:)?\+81(70|80|90)[0-9]{8}\Z"),
                   st.sampled_from(["090-1234-5678", "+815031234567", "", "+0",
                                    "+81" + "9" * 300]), TEXT)
SID = st.one_of(*[st.from_regex(r"\A(SM|CA)[0-9a-f]{32}\Z")] * 3, TEXT)


def twilio(client: FlaskClient, path: str, params: dict[str, str]) -> Any:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_BASE + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


@given(params=st.fixed_dictionaries(
    {"MessageSid": SID, "From": NUMBER, "To": st.sampled_from(
        ["+815031234567", "whatsapp:+81345678901"]), "Body": TEXT},
    optional={"ProfileName": TEXT, "ButtonPayload": TEXT, "OptOutType": TEXT,
              "ReferralCtwaClid": TEXT, "WaId": TEXT, "NumMedia": TEXT}))
@FUZZ
def test_twilio_messages(client: FlaskClient, gw: Any, business: Business,
                         params: dict[str, str]) -> None:
    res = twilio(client, "/hooks/twilio/messaging", params)
    assert res.status_code < 500
    assert gw.store.verify().ok
    event(f"answered {res.status_code}")


@given(params=st.fixed_dictionaries(
    {"MessageSid": SID, "From": st.just("+815031234567"), "To": NUMBER,
     "MessageStatus": st.sampled_from(["failed", "undelivered", "sent", ""]),
     "ErrorCode": st.one_of(st.sampled_from(["21610", "63014", "30003"]), TEXT)}))
@FUZZ
def test_twilio_statuses(client: FlaskClient, gw: Any, business: Business,
                         params: dict[str, str]) -> None:
    assert twilio(client, "/hooks/twilio/status", params).status_code < 500


@given(params=st.fixed_dictionaries(
    {"CallSid": SID, "From": NUMBER, "To": st.just("+815031234567")},
    optional={"StirVerstat": TEXT, "Digits": TEXT, "SpeechResult": TEXT,
              "Confidence": TEXT}))
@FUZZ
def test_twilio_voice(client: FlaskClient, gw: Any, business: Business,
                      params: dict[str, str]) -> None:
    res = twilio(client, "/hooks/twilio/voice", params)
    assert res.status_code < 500
    if res.status_code == 200 and b"action=" in res.data:  # answer the first question
        action = res.data.split(b'action="', 1)[1].split(b'"', 1)[0].decode()
        path = action.replace(PUBLIC_BASE, "").replace("&amp;", "&")
        answer = {**params, "Digits": params.get("Digits", "1")}
        assert twilio(client, path, answer).status_code < 500


JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), TEXT),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(TEXT, inner, max_size=3)),
                          max_leaves=8)
GOOD_MESSAGE = st.fixed_dictionaries(
    {"from": st.from_regex(r"\A81(70|80|90)[0-9]{8}\Z"),
     "id": st.from_regex(r"\Awamid\.[A-Za-z0-9]{20}\Z"), "type": st.just("text"),
     "timestamp": st.just("1781000000"), "text": st.fixed_dictionaries({"body": TEXT})})
ODD_MESSAGE = st.fixed_dictionaries(
    {"from": st.one_of(st.just("819012345678"), JSON_VALUE),
     "id": st.one_of(st.from_regex(r"\Awamid\.[A-Za-z0-9]{20}\Z"), JSON_VALUE),
     "type": st.sampled_from(["text", "interactive", "button", "image", "system", "x"]),
     "timestamp": st.one_of(st.just("1781000000"), JSON_VALUE)},
    optional={"text": st.one_of(st.fixed_dictionaries({"body": TEXT}), JSON_VALUE),
              "interactive": JSON_VALUE, "button": JSON_VALUE, "referral": JSON_VALUE,
              "context": JSON_VALUE})
MESSAGE = st.one_of(GOOD_MESSAGE, GOOD_MESSAGE, ODD_MESSAGE)
METADATA = st.just({"phone_number_id": "100000000000001", "display_phone_number": "81345678901"})
GOOD_VALUE = st.fixed_dictionaries(
    {"metadata": METADATA, "messages": st.lists(MESSAGE, min_size=1, max_size=3)},
    optional={"contacts": JSON_VALUE, "statuses": st.lists(JSON_VALUE, max_size=2)})
ODD_VALUE = st.fixed_dictionaries(
    {"metadata": st.one_of(METADATA, JSON_VALUE)},
    optional={"messages": st.one_of(st.lists(MESSAGE, max_size=3), JSON_VALUE),
              "statuses": st.one_of(st.lists(JSON_VALUE, max_size=2), JSON_VALUE),
              "contacts": JSON_VALUE, "user_preferences": JSON_VALUE})
VALUE = st.one_of(GOOD_VALUE, GOOD_VALUE, ODD_VALUE)
CHANGE = st.fixed_dictionaries({"field": st.sampled_from(["messages", "messages",
                                                          "user_preferences", "x"]),
                                "value": st.one_of(VALUE, VALUE, JSON_VALUE)})
DELIVERY = st.fixed_dictionaries({"object": st.just("whatsapp_business_account"), "entry": (
    st.one_of(*[st.lists(st.fixed_dictionaries({"changes": st.one_of(
        st.lists(CHANGE, min_size=1, max_size=3), JSON_VALUE)}), min_size=1, max_size=3)] * 3,
        JSON_VALUE))})


@given(body=DELIVERY)
@FUZZ
def test_meta_deliveries(client: FlaskClient, gw: Any, business: Business,
                         body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    res = client.post("/hooks/meta/whatsapp", data=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": signature})
    assert res.status_code < 500
    assert gw.store.verify().ok
    event("handled" if res.status_code == 200 and res.get_json()["handled"] else "ignored")


@given(answers=st.fixed_dictionaries(
    {"phone": NUMBER, "name": TEXT, "country": st.one_of(st.just("JP"), TEXT),
     "topics": st.lists(st.one_of(st.sampled_from(["offers", "newsletter"]), TEXT),
                        max_size=3)},
    optional={"page_url": TEXT, "referrer": TEXT, "website": TEXT, "wording_id": TEXT,
              "submission_id": TEXT}))
@FUZZ
def test_the_public_form(client: FlaskClient, gw: Any, business: Business,
                         answers: dict[str, Any]) -> None:
    page = client.get("/b/demo/optin?lang=ja")
    fields = hidden_fields(page.get_data(as_text=True))
    res = client.post("/b/demo/optin?lang=ja", data={**fields, **answers},
                      headers={"User-Agent": "".join(
                          c for c in answers["name"][:200] if c not in "\r\n").encode(
                          "latin-1", "replace").decode("latin-1")})
    assert res.status_code < 500
    assert gw.store.verify().ok
