"""Delivery facts and platform rules: real endpoints signed as Twilio and Meta sign them, on
SQLite and (with TEST_DATABASE_URL) PostgreSQL. Time moves by swapping the service clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.cli import setup_business
from gateway.core.consent import Business, Capture
from tests.conftest import make_url
from tests.messaging.conftest import META_PNID, meta_post, new_sid, twilio_post, wamid

INDIA_PNID = "100000000000091"
INDIA_WHATSAPP = "+912240001234"  # Meta's per-user marketing limit applies in India
INDIA_TWILIO = "+912240009999"
IN_CUSTOMER = "+919812345678"
JP_CUSTOMER = "+819012345678"
US_CUSTOMER = "+14155550100"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def india(gw: Any) -> Business:
    """A business whose number is in India: no exemption from the per-user limit, and
    In-App Signup offered."""
    return setup_business(gw.store, slug="chai", name="Chai Point", whatsapp=INDIA_WHATSAPP,
                          country="IN", languages=("en",), twilio_numbers=(INDIA_TWILIO,),
                          meta_phone_number_id=INDIA_PNID)


class Clock:
    """The service's clock, moved by tests: ``clock.later(hours=24)``."""

    def __init__(self, gw: Any):
        self.gw = gw
        self.now = datetime.now(UTC)
        gw.service.clock = lambda: self.now

    def later(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock(gw: Any) -> Clock:
    return Clock(gw)


def opt_in(gw: Any, business: Business, phone: str, *topics: str, **kw: Any) -> Any:
    """An opt-in through the one write path (checkout, the business's checkout wording)."""
    capture = Capture(business=business.slug, phone=phone, channel="checkout",
                      method="checkbox", topics=topics, wording_kind="checkout",
                      language=business.languages[0],
                      occurred_at=(datetime.now(UTC) - timedelta(minutes=5)).isoformat(), **kw)
    return gw.service.capture(capture, business)


def stamp(at: datetime | None = None) -> str:
    return str(int((at or datetime.now(UTC)).timestamp()) - 1)


def meta_change(field: str, value: dict[str, Any], *, pnid: str = META_PNID,
                display: str = "81345678901") -> dict[str, Any]:
    """A signed-ready Cloud API delivery of one change."""
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
        "field": field, "value": {"messaging_product": "whatsapp",
                                  "metadata": {"display_phone_number": display,
                                               "phone_number_id": pnid}, **value}}]}]}


def meta_status(client: FlaskClient, to: str, status: str = "failed", *, code: int | None = None,
                sid: str | None = None, pnid: str = META_PNID, display: str = "81345678901",
                **extra: Any) -> Any:
    """A status webhook for a message the business sent to ``to`` (E.164)."""
    item: dict[str, Any] = {"id": sid or wamid(), "status": status, "timestamp": stamp(),
                            "recipient_id": to.lstrip("+"), **extra}
    if code is not None:
        item["errors"] = [{"code": code, "title": f"error {code}"}]
    return meta_post(client, meta_change("messages", {"statuses": [item]}, pnid=pnid,
                                         display=display))


def twilio_status(client: FlaskClient, to: str, code: str, *, sender: str,
                  sid: str | None = None) -> Any:
    """A status callback of a WhatsApp message that failed with Twilio's ``code``."""
    return twilio_post(client, {"MessageSid": sid or new_sid(), "MessageStatus": "failed",
                                "ErrorCode": code, "From": f"whatsapp:{sender}",
                                "To": f"whatsapp:{to}", "AccountSid": "AC" + "0" * 32},
                       path="/hooks/twilio/status")


def meta_text(client: FlaskClient, frm: str, text: str = "hello", *, pnid: str = META_PNID,
              display: str = "81345678901", **extra: Any) -> Any:
    message = {"from": frm.lstrip("+"), "id": wamid(), "timestamp": str(int(time.time()) - 1),
               "type": "text", "text": {"body": text}, **extra}
    return meta_post(client, meta_change("messages", {
        "contacts": [{"profile": {"name": "Priya"}, "wa_id": frm.lstrip("+")}],
        "messages": [message]}, pnid=pnid, display=display))
