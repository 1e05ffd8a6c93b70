"""IVR tests: whole calls through the real endpoints, signed like Twilio signs them.

Everything here runs on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_BASE, TWILIO_TOKEN, make_url

CALLER = "+819012345678"
CALLER_DIGITS = "819012345678"
TWILIO_NUMBER = "+815031234567"
_sids = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


def sign(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


def twilio_post(client: FlaskClient, url: str, params: dict[str, str], *,
                token: str = TWILIO_TOKEN, signature: str | None = None) -> Any:
    """POST ``params`` to ``url`` (absolute or path) with Twilio's signature over it."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    full = PUBLIC_BASE + path
    sig = signature if signature is not None else sign(full, params, token)
    return client.post(path, data=params, headers={"X-Twilio-Signature": sig})


def check_twiml(root: ET.Element) -> None:
    """What every reply must hold: spoken text in a known locale, Gathers that match it."""
    assert root.tag == "Response"
    for say in root.iter("Say"):
        assert say.get("language") in ("ja-JP", "en-US"), ET.tostring(say)
        assert say.get("voice", "").startswith("Polly."), ET.tostring(say)
        assert (say.text or "").strip()
    for gather in root.iter("Gather"):
        assert gather.get("method") == "POST"
        assert gather.get("action", "").startswith(PUBLIC_BASE + "/hooks/twilio/voice/")
        lang = gather.get("language")
        if lang is not None:  # the bilingual language choice has none
            assert {s.get("language") for s in gather.iter("Say")} == {lang}
        # Silence falls through to a Redirect back to the same step.
        redirect = root.find("Redirect")
        assert redirect is not None and redirect.text == gather.get("action")


class Call:
    """One phone call: keeps the current TwiML and answers it like Twilio would."""

    def __init__(self, client: FlaskClient, *, caller: str = CALLER, to: str = TWILIO_NUMBER,
                 sid: str | None = None, extra: dict[str, str] | None = None):
        self.client = client
        self.sid = sid or f"CA{next(_sids):032x}"
        self.base = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": caller,
                     "To": to, "CallStatus": "in-progress", "Direction": "inbound",
                     "ApiVersion": "2010-04-01", **(extra or {})}
        self.root: ET.Element | None = None
        self.last: tuple[str, dict[str, str]] | None = None
        self.spoken: list[str] = []

    def _post(self, url: str, params: dict[str, str]) -> ET.Element:
        self.last = (url, params)
        res = twilio_post(self.client, url, params)
        assert res.status_code == 200, res.data[:500]
        assert res.mimetype == "text/xml"
        self.root = ET.fromstring(res.data)  # noqa: S314 - our own TwiML, in a test
        check_twiml(self.root)
        self.spoken += [s.text or "" for s in self.root.iter("Say")]
        return self.root

    def start(self) -> ET.Element:
        return self._post(PUBLIC_BASE + "/hooks/twilio/voice", dict(self.base))

    @property
    def gather(self) -> ET.Element:
        assert self.root is not None
        found = self.root.find("Gather")
        assert found is not None, ET.tostring(self.root)
        return found

    @property
    def text(self) -> str:
        assert self.root is not None
        return " ".join(s.text or "" for s in self.root.iter("Say"))

    def action(self) -> str:
        assert self.root is not None
        node = self.root.find("Gather")
        if node is None:
            node = self.root.find("Record")
        assert node is not None, ET.tostring(self.root)
        return str(node.get("action"))

    def press(self, digits: str) -> ET.Element:
        return self._post(self.action(), {**self.base, "Digits": digits})

    def speak(self, speech: str, confidence: float | None) -> ET.Element:
        params = {**self.base, "SpeechResult": speech}
        if confidence is not None:
            params["Confidence"] = f"{confidence}"
        return self._post(self.action(), params)

    def silence(self) -> ET.Element:
        """The Gather timed out: Twilio follows the Redirect, without Digits."""
        assert self.root is not None
        redirect = self.root.find("Redirect")
        assert redirect is not None and redirect.text
        return self._post(redirect.text, dict(self.base))

    def recorded(self, sid: str = "RE" + "a" * 32) -> ET.Element:
        url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}"
        return self._post(self.action(), {**self.base, "RecordingUrl": url,
                                          "RecordingSid": sid, "RecordingDuration": "2",
                                          "Digits": "#"})

    def repeat(self) -> Any:
        """Send the last request again, exactly (Twilio retrying)."""
        assert self.last is not None
        return twilio_post(self.client, *self.last)

    @property
    def hung_up(self) -> bool:
        assert self.root is not None
        return self.root.find("Hangup") is not None and self.root.find("Gather") is None


@pytest.fixture
def call(client: FlaskClient, business: Any) -> Any:
    """A factory of calls to the demo business's Twilio number."""
    def make(**kwargs: Any) -> Call:
        return Call(client, **kwargs)
    return make


def events_of(gw: Any, business: Any, phone: str = CALLER) -> list[Any]:
    """Every consent event of one number, in ledger order."""
    return list(gw.store.contact_events(business, gw.service.ref(business, phone)))
