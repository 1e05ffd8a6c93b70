"""Whole IVR calls: language, the request, keys and speech, topics, opt-out, confirmation."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from tests.ivr.conftest import CALLER, CALLER_DIGITS, PUBLIC_BASE, Call, events_of


def test_english_keys_all_topics(call: Any, gw: Any, business: Any, auth: dict[str, str],
                                 client: FlaskClient) -> None:
    c: Call = call(extra={"StirVerstat": "TN-Validation-Passed-A"})
    root = c.start()
    # Language choice first: each half in its own language and voice, one key, keys only.
    g = c.gather
    assert g.get("input") == "dtmf" and g.get("numDigits") == "1"
    assert g.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/language?t=")
    says = g.findall("Say")
    assert [(s.get("language"), s.get("voice")) for s in says] == [
        ("ja-JP", "Polly.Mizuki"), ("en-US", "Polly.Joanna")]
    assert says[0].text == "日本語は1を、" and "For English press 2" in (says[1].text or "")
    assert root.find("Redirect") is not None

    c.press("2")
    g = c.gather
    assert g.get("input") == "dtmf speech" and g.get("language") == "en-US"
    assert g.get("numDigits") == "1" and g.get("hints") == "yes,no,stop"
    assert g.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/request?t=")
    wording = gw.store.current_wording(business.id, "ivr", "en")
    says = [s.text for s in g.findall("Say")]
    # The number read back digit by digit, then the business's exact IVR wording.
    assert says[0] == "You are calling from 0 9 0, 1 2 3 4, 5 6 7 8."
    assert says[1] == wording.text
    assert "Sakura Coffee" in says[1] and "WhatsApp" in says[1]
    for key in ("Press 1", "2 to choose", "9 for no", "8 to stop"):
        assert key in says[1]

    c.press("1")
    assert c.hung_up
    assert "We recorded that you agree to receive WhatsApp messages from Sakura Coffee" in c.text
    assert "reply STOP on WhatsApp" in c.text and "press 8" in c.text

    [event] = events_of(gw, business)
    assert (event.channel, event.method, event.action) == ("ivr", "dtmf", "opt_in")
    assert event.topics == business.topic_keys and event.all_topics
    assert event.wording.id == wording.id and event.wording.sha256 == wording.sha256
    assert event.language == "en" and event.sender == "+815031234567"
    ev = event.evidence
    assert ev["call_sid"] == c.sid and ev["caller_number_source"] == "caller_id"
    assert ev["stir_verstat"] == "TN-Validation-Passed-A"
    assert ev["wording"]["en"] == {"id": wording.id, "version": 1, "sha256": wording.sha256}
    assert [(s["step"], s["input"], s.get("digits")) for s in ev["steps"]] == [
        ("language", "dtmf", "2"), ("request", "dtmf", "1")]
    assert ev["steps"][1]["prompts"][1] == {"id": wording.id, "sha256": wording.sha256}
    assert ev["steps"][0]["at"] <= ev["decided_at"]
    assert ev["confirmation_prompt"]["id"] == "ivr:done_opt_in:en"
    # The ledger hashes the evidence and cannot be erased: no phone number in it.
    assert CALLER_DIGITS not in json.dumps(dict(ev), ensure_ascii=False)
    assert "9012345678" not in event.idempotency_key
    assert event.personal["caller_id"] == CALLER
    assert gw.proof.store.ledger_mentions(business.id, event.subject_ref, CALLER) == []

    for topic in business.topic_keys:
        ok = client.get(f"/api/v1/eligibility?phone={CALLER}&topic={topic}", headers=auth)
        assert ok.get_json()["allowed"] is True


def test_japanese_speech_all_topics(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("1")
    g = c.gather
    assert g.get("language") == "ja-JP" and g.get("hints") == "はい,いいえ,停止"
    assert {s.get("voice") for s in g.iter("Say")} == {"Polly.Mizuki"}
    wording = gw.store.current_wording(business.id, "ivr", "ja")
    assert c.text.startswith("お電話の番号は、0、9、0、 1、2、3、4、 5、6、7、8、です。")
    assert wording.text in c.text

    c.speak("はい、お願いします", 0.92)
    assert c.hung_up
    assert "同意を記録しました" in c.text and "「停止」と返信" in c.text and "8を押して" in c.text
    [event] = events_of(gw, business)
    assert (event.method, event.language, event.wording.id) == ("speech", "ja", wording.id)
    step = event.evidence["steps"][-1]
    assert step == {**step, "input": "speech", "speech": "はい、お願いします",
                    "confidence": "0.920"}


def test_low_confidence_speech_is_confirmed_with_a_key(call: Any, gw: Any,
                                                      business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.speak("yes", 0.41)
    g = c.gather
    assert g.get("input") == "dtmf" and g.get("numDigits") == "1"
    assert g.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/speech_confirm")
    assert "I heard: yes, all topics. If that is right, press 1" in c.text
    assert events_of(gw, business) == []  # nothing yet

    c.press("1")
    assert c.hung_up and "We recorded" in c.text
    [event] = events_of(gw, business)
    assert event.method == "dtmf"  # the key press made it binding
    steps = [(s["step"], s["input"], s.get("speech"), s.get("confidence"), s.get("digits"))
             for s in event.evidence["steps"]]
    assert steps[1:] == [("request", "speech", "yes", "0.410", None),
                         ("speech_confirm", "dtmf", None, None, "1")]


def test_low_confidence_speech_then_not_what_i_meant(call: Any, gw: Any,
                                                     business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.speak("yes", None)  # Twilio does not promise a Confidence: treated as low
    assert "I heard: yes, all topics" in c.text
    c.press("2")
    # Back to the request, read again.
    assert c.gather.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/request")
    assert gw.store.current_wording(business.id, "ivr", "en").text in c.text
    c.press("9")
    assert c.hung_up and "Nothing has been recorded" in c.text
    assert events_of(gw, business) == []


def test_unclear_speech_is_never_consent(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.speak("yes no maybe", 0.95)
    assert c.text.startswith("Sorry, I did not understand.")
    c.speak("what is this", 0.99)
    c.speak("I don't agree", 0.97)
    assert c.hung_up and "nothing has been recorded" in c.text
    assert events_of(gw, business) == []


def test_spoken_no_is_no_thanks(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("1")
    c.speak("いいえ", 0.9)
    assert c.hung_up and "何も記録していません" in c.text
    assert events_of(gw, business) == []


def test_topic_by_topic(call: Any, gw: Any, business: Any, client: FlaskClient,
                        auth: dict[str, str]) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.press("2")
    assert c.text.startswith("Please answer for each kind of message.")
    labels = []
    for answer in ("1", "2", "speech:yes please", "2"):
        g = c.gather
        assert g.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/topic?t=")
        assert g.get("input") == "dtmf speech" and g.get("numDigits") == "1"
        labels.append(c.text)
        if answer.startswith("speech:"):
            c.speak(answer[7:], 0.9)
        else:
            c.press(answer)
    assert [any(t.label("en") in text for text in labels) for t in business.topics] == \
        [True] * 4
    assert "Order and delivery updates. Press 1 for yes, or 2 for no." in labels[0]
    assert c.hung_up
    assert "about: Order and delivery updates and Newsletter." in c.text
    [event] = events_of(gw, business)
    assert event.topics == ("order_updates", "newsletter") and not event.all_topics
    assert event.evidence["choice"] == "topic_by_topic"
    assert event.method == "dtmf"
    assert [s["step"] for s in event.evidence["steps"]] == [
        "language", "request", "topic", "topic", "topic", "topic"]
    offers = client.get(f"/api/v1/eligibility?phone={CALLER}&topic=offers", headers=auth)
    assert offers.get_json()["reason"] == "topic_not_chosen"


def test_topic_by_topic_choosing_none_records_nothing(call: Any, gw: Any,
                                                      business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.press("2")
    for _ in business.topics:
        c.press("2")
    assert c.hung_up and "did not choose any kind of message" in c.text
    assert events_of(gw, business) == []


def test_key_8_stops_every_topic(call: Any, gw: Any, business: Any, client: FlaskClient,
                                 auth: dict[str, str]) -> None:
    first: Call = call()
    first.start()
    first.press("2")
    first.press("1")
    second: Call = call()
    second.start()
    second.press("1")
    second.press("8")
    assert second.hung_up
    assert "WhatsApp メッセージをすべて停止したことを記録しました" in second.text
    opt_in, opt_out = events_of(gw, business)
    assert (opt_out.action, opt_out.channel, opt_out.method) == ("opt_out", "ivr", "dtmf")
    assert opt_out.all_topics and opt_out.evidence["call_sid"] == second.sid
    assert opt_out.evidence["choice"] == "stop_all_whatsapp"
    assert opt_out.evidence["steps"][-1]["digits"] == "8"
    assert opt_in.evidence["choice"] == "all_topics"
    for topic in business.topic_keys:
        res = client.get(f"/api/v1/eligibility?phone={CALLER}&topic={topic}", headers=auth)
        assert res.get_json()["allowed"] is False
        assert res.get_json()["reason"] == "opted_out"


def test_spoken_stop_is_an_opt_out(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    c.speak("stop", 0.88)
    assert c.hung_up and "do not want any WhatsApp messages" in c.text
    [event] = events_of(gw, business)
    assert (event.action, event.method) == ("opt_out", "speech")


def test_single_language_business_skips_the_choice(client: FlaskClient, gw: Any,
                                                   us_business: Any) -> None:
    c = Call(client, caller="+14155550100", to="+14155550199")
    c.start()
    g = c.gather
    assert g.get("language") == "en-US"
    assert c.text.startswith("You are calling from 4 1 5, 5 5 5, 0 1 0 0.")
    c.press("1")
    assert c.hung_up
    [event] = events_of(gw, us_business, "+14155550100")
    assert event.language == "en" and event.channel == "ivr"


def test_foreign_caller_is_read_back_internationally(call: Any) -> None:
    c: Call = call(caller="+447911123456")
    c.start()
    c.press("2")
    assert c.text.startswith("You are calling from plus 4 4, 7 9 1 1, 1 2 3 4 5 6.")
    c.press("9")
    c = call(caller="+447911123456")
    c.start()
    c.press("1")
    assert c.text.startswith("お電話の番号は、プラス、4、4、 7、9、1、1、 1、2、3、4、5、6、です。")
