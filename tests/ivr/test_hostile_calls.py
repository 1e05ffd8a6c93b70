"""Signed voice requests carrying bytes no caller says: stored scrubbed, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.ivr.conftest import PUBLIC_BASE, Call, twilio_post


def test_control_characters_in_speech_are_replaced(client: FlaskClient, gw: Any,
                                                   business: Any) -> None:
    call = Call(client)
    call.start()
    call.speak("日本語\x00\x1b", 0.9)  # the language step hears it
    steps = gw.ivr.calls.steps(call.sid)
    assert steps and "\x00" not in str(steps) and "\ufffd" in str(steps)


@pytest.mark.parametrize("sid", ["CA" + "0" * 100, "CA\x00abc", "CA abc"])
def test_a_malformed_call_sid_is_a_400_and_nothing_stored(client: FlaskClient, gw: Any,
                                                           business: Any, sid: str) -> None:
    res = twilio_post(client, PUBLIC_BASE + "/hooks/twilio/voice",
                      {"CallSid": sid, "From": "+819012345678", "To": "+815031234567"})
    assert res.status_code == 400
    assert gw.ivr.count(business.id) == (0, 0)


def test_an_absurd_caller_id_is_treated_as_withheld(client: FlaskClient, gw: Any,
                                                    business: Any) -> None:
    call = Call(client, caller="+81" + "9" * 3000)
    call.start()
    assert call.gather is not None
