"""Messaging tests: real endpoints, signed like Twilio and Meta sign, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from tests.conftest import META_SECRET, PUBLIC_BASE, TWILIO_TOKEN, make_url

CUSTOMER = "+819012345678"
CUSTOMER_WA = "819012345678"
TWILIO_NUMBER = "+815031234567"
WHATSAPP_NUMBER = "+81345678901"
META_PNID = "100000000000001"
_sids = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032d}"


def twilio_post(client: FlaskClient, params: dict[str, str], *,
                path: str = "/hooks/twilio/messaging", token: str = TWILIO_TOKEN,
                signature: str | None = None) -> TestResponse:
    """POST form params signed with the SDK's own algorithm over the public URL."""
    sig = signature if signature is not None else \
        RequestValidator(token).compute_signature(PUBLIC_BASE + path, params)
    headers = {"X-Twilio-Signature": sig} if sig else {}
    return client.post(path, data=params, headers=headers)


def sms(client: FlaskClient, body: str, *, sid: str | None = None, frm: str = CUSTOMER,
        to: str = TWILIO_NUMBER, **extra: str) -> TestResponse:
    return twilio_post(client, {"MessageSid": sid or new_sid(), "AccountSid": "AC" + "0" * 32,
                                "From": frm, "To": to, "Body": body, **extra})


def twilio_wa(client: FlaskClient, body: str, *, sid: str | None = None, frm: str = CUSTOMER,
              **extra: str) -> TestResponse:
    return sms(client, body, sid=sid, frm=f"whatsapp:{frm}", to=f"whatsapp:{WHATSAPP_NUMBER}",
               WaId=frm.lstrip("+"), **extra)


def twiml_messages(response: TestResponse) -> list[str]:
    """The <Message> bodies of a TwiML answer, parsed as XML."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own TwiML, in a test
    assert root.tag == "Response"
    return [(m.text or "").strip() for m in root.findall("Message")]


# -- Meta -------------------------------------------------------------------------------------

def meta_sign(raw: bytes, secret: str = META_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def meta_post(client: FlaskClient, body: dict[str, Any] | bytes, *, secret: str = META_SECRET,
              signature: str | None = None) -> TestResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    sig = signature if signature is not None else meta_sign(raw, secret)
    headers = {"Content-Type": "application/json"}
    if sig:
        headers["X-Hub-Signature-256"] = sig
    return client.post("/hooks/meta/whatsapp", data=raw, headers=headers)


def wamid() -> str:
    return f"wamid.HBgM{next(_sids):020d}"


def meta_message(kind: str = "text", *, text: str = "", wa_id: str = CUSTOMER_WA,
                 mid: str | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"from": wa_id, "id": mid or wamid(),
                               "timestamp": str(int(time.time()) - 1), "type": kind}
    if kind == "text":
        message["text"] = {"body": text}
    message.update(extra)
    return message


def list_reply(row_id: str, title: str = "", **kw: Any) -> dict[str, Any]:
    return meta_message("interactive", interactive={
        "type": "list_reply", "list_reply": {"id": row_id, "title": title or row_id}}, **kw)


def meta_delivery(*messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None,
                  pnid: str = META_PNID, display: str = "81345678901",
                  names: dict[str, str] | None = None) -> dict[str, Any]:
    contacts = [{"profile": {"name": (names or {}).get(m["from"], "Hanako")}, "wa_id": m["from"]}
                for m in messages]
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": display,
                                          "phone_number_id": pnid}}
    if messages:
        value["contacts"] = contacts
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}


def user_preference(value: str, *, wa_id: str = CUSTOMER_WA, ts: int | None = None,
                    pnid: str = META_PNID) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
        "field": "user_preferences", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "81345678901", "phone_number_id": pnid},
            "contacts": [{"wa_id": wa_id, "profile": {"name": "Hanako"}}],
            "user_preferences": [{"wa_id": wa_id, "detail": "User requested to stop marketing "
                                  "messages", "category": "marketing_messages", "value": value,
                                  "timestamp": ts or int(time.time()) - 1}]}}]}]}


# -- fakes for other areas' services ----------------------------------------------------------

@dataclass
class FakeConfirmations:
    """Area *web*'s interface: confirm(business, code, phone, *, evidence, ...) -> Recorded."""

    valid: set[str] = field(default_factory=set)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def confirm(self, business: Any, code: str, phone_e164: str, *, evidence: Any,
                occurred_at: Any, idempotency_key: str) -> Any:
        self.calls.append({"code": code, "phone": phone_e164, "evidence": dict(evidence),
                           "key": idempotency_key})
        return object() if code in self.valid else None


@dataclass
class FakePlacements:
    """Area *placements*' interface: attribution(business, code, first_message_at, ...)."""

    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def attribution(self, business: Any, code: str, first_message_at: Any, *,
                    conversation_ref: str) -> dict[str, Any] | None:
        self.calls.append({"code": code, "ref": conversation_ref})
        return self.known.get(code)


# -- a fake Graph API -------------------------------------------------------------------------

class FakeGraph:
    """A local HTTP server standing in for graph.facebook.com; scripted status codes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = []  # status codes to answer, in order; then 200
        self.delay = 0.0
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status = graph.script.pop(0) if graph.script else 200
                graph.requests.append({"path": self.path, "body": body, "status": status,
                                       "auth": self.headers.get("Authorization")})
                if graph.delay:
                    time.sleep(graph.delay)
                answer = {"messages": [{"id": f"wamid.OUT{len(graph.requests)}"}]} \
                    if status == 200 else {"error": {"code": status, "message": "scripted"}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["status"] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    yield fake
    fake.close()


@pytest.fixture
def app_config(app_config: dict[str, Any], graph: FakeGraph) -> dict[str, Any]:
    return {**app_config, "GRAPH_API_BASE": graph.url, "META_ACCESS_TOKEN": "test-graph-token"}
