"""Forged and repeated requests, the receipt, the optional recording and erasure."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from tests.ivr.conftest import (
    CALLER,
    CALLER_DIGITS,
    PUBLIC_BASE,
    Call,
    events_of,
    sign,
    twilio_post,
)
from tests.proof.conftest import dump_text


def _stored(gw: Any, business: Any) -> tuple[Any, ...]:
    return (gw.ivr.count(business.id), gw.store.count_events(business.id))


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{urlencode({'t': token})}"


def test_bad_signature_is_refused_and_nothing_is_stored(call: Any, client: FlaskClient,
                                                         gw: Any, business: Any) -> None:
    c: Call = call()
    params = dict(c.base)
    url = PUBLIC_BASE + "/hooks/twilio/voice"
    for signature in ("", "bm90IGEgc2lnbmF0dXJl", sign(url, params, "someone-elses-token"),
                      sign(url + "?x=1", params)):
        res = twilio_post(client, url, params, signature=signature)
        assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    assert _stored(gw, business) == ((0, 0), 0)

    c.start()
    c.press("2")
    before = _stored(gw, business)
    action = c.action()
    # Twilio's parameters changed after signing (a caller cannot re-sign without the token).
    res = twilio_post(client, action, {**c.base, "Digits": "1"},
                      signature=sign(PUBLIC_BASE + urlsplit(action).path, {**c.base,
                                                                          "Digits": "9"}))
    assert res.status_code == 403
    assert _stored(gw, business) == before and events_of(gw, business) == []


def test_forged_step_tokens_are_refused(call: Any, client: FlaskClient, gw: Any, business: Any,
                                        app: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    action = c.action()
    token = parse_qs(urlsplit(action).query)["t"][0]
    good = URLSafeSerializer(app.config["SECRET_KEY"], salt="ivr-step-v1").loads(token)
    assert good == {"c": c.sid, "s": "request", "n": 2}
    before = _stored(gw, business)
    mine = URLSafeSerializer("guessed-secret", salt="ivr-step-v1")
    forged = [
        _with_token(action, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        _with_token(action, mine.dumps({**good, "s": "request"})),  # wrong key
        action.replace("/request?", "/topic?"),  # step in the path differs from the token
        _with_token(action, URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps(
            good)),
        urlsplit(action).path,  # no token at all
    ]
    for url in forged:
        # Signed correctly by "Twilio": only the gateway's own token check stops these.
        res = twilio_post(client, url, {**c.base, "Digits": "1"})
        assert res.status_code == 403, url
    # A genuine token of this call replayed into another call.
    other: Call = call()
    other.start()
    other.press("2")
    res = twilio_post(client, action, {**other.base, "Digits": "1"})
    assert res.status_code == 403
    assert gw.store.count_events(business.id) == 0
    assert gw.ivr.count(business.id)[1] == before[0][1] + 2  # only the other call's steps
    # The real request still works afterwards.
    c.press("1")
    assert c.hung_up and len(events_of(gw, business)) == 1


def test_a_token_from_the_future_or_another_business_is_refused(
        call: Any, client: FlaskClient, gw: Any, business: Any, us_business: Any,
        app: Any) -> None:
    c: Call = call()
    c.start()
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt="ivr-step-v1")
    ahead = f"/hooks/twilio/voice/language?t={signer.dumps({'c': c.sid, 's': 'language', 'n': 5})}"
    assert twilio_post(client, ahead, {**c.base, "Digits": "2"}).status_code == 403
    # Same CallSid and token, but sent to another business's number.
    res = twilio_post(client, c.action(), {**c.base, "To": "+14155550199", "Digits": "2"})
    assert res.status_code == 403
    assert gw.ivr.load(c.sid).seq == 1


def test_a_repeated_step_records_once(call: Any, client: FlaskClient, gw: Any,
                                      business: Any) -> None:
    c: Call = call()
    first = c.start()
    again = c.repeat()  # Twilio retried the first request
    assert again.status_code == 200
    assert ET.tostring(ET.fromstring(again.data)) == ET.tostring(first)  # noqa: S314
    c.press("2")
    language_request = c.last
    c.press("1")
    answered = c.root
    assert answered is not None
    for _ in range(3):
        res = c.repeat()
        assert res.status_code == 200
        assert ET.tostring(ET.fromstring(res.data)) == ET.tostring(answered)  # noqa: S314
    [event] = events_of(gw, business)
    assert event.idempotency_key.startswith(f"ivr:{c.sid}:request:")
    assert gw.ivr.count(business.id) == (1, 3)
    # An earlier step repeated late gets its first answer again and changes nothing.
    assert language_request is not None
    late = twilio_post(client, *language_request)
    assert late.status_code == 200 and b"/hooks/twilio/voice/request?t=" in late.data
    assert gw.ivr.load(c.sid).finished and gw.ivr.count(business.id) == (1, 3)
    assert len(events_of(gw, business)) == 1


def test_repeated_key_8_records_one_opt_out(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.press("8")
    assert c.repeat().status_code == 200
    assert [e.action for e in events_of(gw, business)] == ["opt_out"]


def test_the_receipt_shows_the_ivr_evidence(call: Any, client: FlaskClient, gw: Any,
                                            business: Any, auth: dict[str, str]) -> None:
    c: Call = call(extra={"StirVerstat": "TN-Validation-Passed-A"})
    c.start()
    c.press("1")
    c.speak("はい", 0.95)
    receipt = client.get(f"/api/v1/contacts/{CALLER}/receipt", headers=auth)
    assert receipt.status_code == 200
    [ev] = receipt.get_json()["x-ocg"]["events"]
    assert ev["sourceChannel"] == "ivr" and ev["method"] == "speech"
    wording = gw.store.current_wording(business.id, "ivr", "ja")
    assert ev["notice"]["id"] == wording.id and ev["notice"]["text"] == wording.text
    assert ev["notice"]["textMatchesHash"] is True and ev["language"] == "ja"
    evidence = ev["evidence"]
    assert evidence["call_sid"] == c.sid and evidence["stir_verstat"] == \
        "TN-Validation-Passed-A"
    assert evidence["steps"][-1]["speech"] == "はい" and \
        evidence["steps"][-1]["confidence"] == "0.950"
    assert "personal" not in ev  # the auditor copy
    assert CALLER_DIGITS not in json.dumps(receipt.get_json()["x-ocg"]["events"])
    customer = client.get(f"/api/v1/contacts/{CALLER}/receipt?copy=customer",
                          headers=auth).get_json()
    assert customer["x-ocg"]["events"][0]["personal"]["caller_id"] == CALLER
    page = client.get(f"/api/v1/contacts/{CALLER}/receipt?format=html", headers=auth)
    assert page.status_code == 200 and c.sid in page.get_data(as_text=True)


def test_optional_recording_of_a_spoken_yes(call: Any, gw: Any, business: Any) -> None:
    gw.store.update_business("demo", settings={"ivr_record_consent": True})
    c: Call = call()
    c.start()
    c.press("2")
    c.press("1")
    assert c.root is not None
    record = c.root.find("Record")
    assert record is not None and c.root.find("Gather") is None
    assert record.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/record?t=")
    assert record.get("maxLength") == "10" and record.get("finishOnKey") == "#"
    assert record.get("playBeep") == "true"
    assert c.root.find("Redirect").text == record.get("action")  # type: ignore[union-attr]
    assert "please say: yes, I agree, after the beep" in c.text
    assert events_of(gw, business) == []  # recorded only after the recording
    c.recorded("RE" + "b" * 32)
    assert c.hung_up and "We recorded" in c.text
    [event] = events_of(gw, business)
    rec = event.evidence["recording"]
    assert rec["sid"] == "RE" + "b" * 32 and rec["url"].endswith("/Recordings/RE" + "b" * 32)
    assert rec["present"] is True and rec["duration"] == "2"


def test_silence_at_the_recording_still_records_the_key_press(call: Any, gw: Any,
                                                              business: Any) -> None:
    gw.store.update_business("demo", settings={"ivr_record_consent": True})
    c: Call = call()
    c.start()
    c.press("2")
    c.press("2")
    for key in ("1", "2", "2", "2"):
        c.press(key)
    assert c.root is not None and c.root.find("Record") is not None
    c.silence()
    assert c.hung_up
    [event] = events_of(gw, business)
    assert event.topics == ("order_updates",)
    assert event.evidence["recording"]["present"] is False


def test_unknown_number_is_politely_refused(client: FlaskClient, gw: Any, business: Any) -> None:
    c = Call(client, to="+815099999999")
    c.start()
    assert c.hung_up and "not available" in c.text
    assert gw.ivr.count() == (0, 0)


def test_erasure_deletes_the_call_state_and_the_ledger_has_no_number(
        call: Any, client: FlaskClient, gw: Any, business: Any, auth: dict[str, str]) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.press("1")
    export = client.get(f"/api/v1/contacts/{CALLER}/export", headers=auth).get_json()
    assert [x["call_sid"] for x in export["other"]["ivr_calls"]] == [c.sid]
    assert CALLER in dump_text(gw)
    res = client.post(f"/api/v1/contacts/{CALLER}/erase", headers=auth, json={})
    assert res.status_code == 200, res.get_json()
    out = res.get_json()
    assert out["other"] == {"ivr_calls": 1} and out["ledger_residue_seqs"] == []
    after = dump_text(gw)
    assert CALLER_DIGITS not in after and "0 9 0, 1 2 3 4" not in after
    assert gw.ivr.count(business.id) == (0, 0)
    assert client.get("/api/v1/ledger/verify", headers=auth).get_json()["ok"] is True


def test_concurrent_duplicates_record_once(call: Any, app: Any, gw: Any,
                                           business: Any) -> None:
    """Twilio retries while the first request is still running: one event, one answer."""
    c: Call = call()
    c.start()
    c.press("2")
    url, params = c.action(), {**c.base, "Digits": "1"}
    barrier = threading.Barrier(6)
    bodies: list[bytes] = []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        res = twilio_post(client, url, params)
        assert res.status_code == 200
        bodies.append(res.data)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bodies) == 6 and len(set(bodies)) == 1
    assert b"We recorded" in bodies[0]
    assert len(events_of(gw, business)) == 1
    assert gw.ivr.count(business.id) == (1, 3)
