"""Withheld or unusable caller ID (the caller keys a number), no input and wrong keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ivr.conftest import PUBLIC_BASE, Call, events_of

KEYED = "+819087654321"


@pytest.mark.parametrize("caller", ["anonymous", "unknown", "restricted", "", "+266696687"])
def test_withheld_caller_id_asks_for_a_number(call: Any, gw: Any, business: Any,
                                              caller: str) -> None:
    c: Call = call(caller=caller)
    c.start()
    c.press("2")
    g = c.gather
    assert g.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/number?t=")
    assert g.get("finishOnKey") == "#" and g.get("numDigits") is None
    assert g.get("input") == "dtmf" and g.get("language") == "en-US"
    assert c.text == ("Your number is not shown. Please enter the mobile number you use for "
                      "WhatsApp, then press the hash key.")
    assert gw.ivr.count(business.id) == (1, 2)


def test_withheld_caller_bad_then_good_number(call: Any, gw: Any, business: Any) -> None:
    c: Call = call(caller="anonymous")
    c.start()
    c.press("2")
    c.press("12345")  # too short
    assert c.text == ("Sorry, that is not a mobile number we can use. Please enter the mobile "
                      "number you use for WhatsApp, then press the hash key.")
    c.press("0312345678")  # a Tokyo landline: no WhatsApp
    assert c.text.startswith("Sorry, that is not a mobile number we can use.")
    c.press("09087654321")
    g = c.gather
    assert g.get("numDigits") == "1" and g.get("input") == "dtmf"
    assert c.text == ("You entered 0 9 0, 8 7 6 5, 4 3 2 1. If this is correct, press 1. "
                      "To enter it again, press 2.")
    c.press("1")
    assert c.text.startswith("WhatsApp messages would go to the number you entered, "
                             "0 9 0, 8 7 6 5, 4 3 2 1, instead of the number you are calling "
                             "from.")
    c.press("1")
    assert c.hung_up and "We recorded" in c.text
    [event] = events_of(gw, business, KEYED)
    ev = event.evidence
    assert ev["caller_number_source"] == "keyed" and ev["caller_id_status"] == "withheld"
    assert [(s["step"], s.get("digits")) for s in ev["steps"]] == [
        ("language", "2"), ("number", "(phone number)"), ("number", "(phone number)"),
        ("number", "(phone number)"), ("number_confirm", "1"), ("request", "1")]
    assert ev["steps"][4]["prompts"] == [{"id": "ivr:number_readback:en",
                                          "sha256": ev["steps"][4]["prompts"][0]["sha256"]}]
    text = json.dumps(dict(ev), ensure_ascii=False)
    assert "87654321" not in text and "8 7 6 5" not in text
    assert event.personal == {"caller_id": "anonymous", "keyed_number": "09087654321"}


def test_keyed_number_can_be_entered_again(call: Any, gw: Any, business: Any) -> None:
    c: Call = call(caller="restricted")
    c.start()
    c.press("1")
    assert c.text.startswith("番号が非通知のため")
    c.press("09011112222")
    assert "0、9、0、 1、1、1、1、 2、2、2、2" in c.text
    c.press("2")  # not right
    assert c.text.startswith("WhatsApp でお使いの携帯電話番号を入力し")
    c.press("09087654321")
    c.press("1")
    c.press("9")
    assert c.hung_up and events_of(gw, business, KEYED) == [] and \
        events_of(gw, business, "+819011112222") == []


def test_landline_caller_keys_a_mobile(call: Any, gw: Any, business: Any) -> None:
    c: Call = call(caller="+81312345678")
    c.start()
    c.press("2")
    assert c.text.startswith("The number you are calling from cannot receive WhatsApp")
    c.press("+819087654321".replace("+", "*"))  # international form with * for +
    c.press("1")
    c.press("1")
    [event] = events_of(gw, business, KEYED)
    assert event.evidence["caller_id_status"] == "not_mobile"


def test_silence_is_asked_again_twice_then_goodbye(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("2")
    request_prompt = c.text
    c.silence()
    assert c.text.startswith("Sorry, I did not hear an answer.")
    assert c.text.endswith(request_prompt.split(". ", 1)[1])  # the request is read again
    c.silence()
    assert not c.hung_up
    c.silence()
    assert c.hung_up
    assert c.text == ("We did not receive an answer, so nothing has been recorded. Thank you "
                      "for calling Sakura Coffee. Goodbye.")
    assert events_of(gw, business) == []
    assert gw.store.count_events(business.id) == 0
    call_state = gw.ivr.load(c.sid)
    assert call_state.finished and call_state.state["outcome"] == "no_answer"


def test_wrong_keys_are_asked_again_twice_then_goodbye(call: Any, gw: Any,
                                                       business: Any) -> None:
    c: Call = call()
    c.start()
    c.press("5")  # no such language
    assert c.root is not None and c.gather.get("action", "").split("?")[0].endswith("/language")
    c.press("1")
    c.press("3")
    assert c.text.startswith("申し訳ありません。聞き取れませんでした。")
    c.press("*")
    c.silence()
    assert c.hung_up and "何も記録していません" in c.text
    assert gw.store.count_events(business.id) == 0


def test_no_input_on_the_language_choice(call: Any, gw: Any, business: Any) -> None:
    c: Call = call()
    c.start()
    for _ in range(2):
        c.silence()
        assert c.gather.get("input") == "dtmf"
    c.silence()
    assert c.hung_up and gw.store.count_events(business.id) == 0
