"""Change notifications: registration, signed deliveries checked by a real receiver, retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.outbox import Worker
from gateway.proof import signing as webhook_signing
from gateway.proof import webhooks
from tests.proof.conftest import PHONE, dump_text, opt_in


class Receiver:
    """A local HTTP endpoint that checks signatures like a business's CRM would."""

    def __init__(self) -> None:
        self.secret = ""
        self.statuses: list[int] = []  # responses to give, in order; then 200
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.append({
                    "status": status, "body": json.loads(raw), "headers": dict(self.headers),
                    "valid": webhook_signing.verify(raw, self.headers, receiver.secret)})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/optin"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def delivered(self) -> list[dict[str, Any]]:
        return [r for r in self.received if 200 <= r["status"] < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()
    r.thread.join(5)


def register(client: FlaskClient, auth: dict[str, str], url: str) -> dict[str, Any]:
    res = client.post("/api/v1/webhooks", headers=auth, json={"url": url, "description": "CRM"})
    assert res.status_code == 201, res.get_json()
    return dict(res.get_json())


def run_worker(gw: Any, at: datetime | None = None) -> int:
    moment = at or datetime.now(UTC)
    return Worker(gw.outbox, gw.outbox_handlers, lambda: moment).run_once(limit=100)


def test_every_consent_change_is_delivered_signed(client: FlaskClient, auth: dict[str, str],
                                                  gw: Any, receiver: Receiver) -> None:
    hook = register(client, auth, receiver.url)
    receiver.secret = hook["secret"]
    assert hook["secret"].startswith("whsec_") and hook["events"][0] == "consent.opt_in"
    listed = client.get("/api/v1/webhooks", headers=auth).get_json()["webhooks"]
    assert listed[0]["url"] == receiver.url and "secret" not in listed[0]
    assert listed[0]["secret_hint"].endswith(hook["secret"][-4:])
    assert hook["secret"] not in dump_text(gw)  # stored encrypted, never in clear

    first = opt_in(client, auth, "checkout")
    out = client.post("/api/v1/opt-outs", headers=auth, json={"phone": PHONE,
                                                              "topics": ["order_updates"]})
    keys = [i.dedupe_key for i in gw.outbox.items("webhook")]
    assert keys == [f"webhook:{hook['id']}:{first['event_id']}",
                    f"webhook:{hook['id']}:{out.get_json()['event_id']}"]
    assert run_worker(gw) == 2
    assert [r["valid"] for r in receiver.received] == [True, True]
    bodies = [r["body"] for r in receiver.received]
    assert [b["type"] for b in bodies] == ["consent.opt_in", "consent.opt_out"]
    assert bodies[0]["event"]["phone"] == PHONE and bodies[0]["event"]["channel"] == "checkout"
    assert bodies[0]["event_id"] == first["event_id"] and bodies[0]["business"] == "demo"
    headers = receiver.received[0]["headers"]
    assert headers["X-OptIn-Event-Id"] == first["event_id"]
    assert headers["X-OptIn-Signature"].startswith("sha256=")
    assert {i.status for i in gw.outbox.items("webhook")} == {"sent"}
    # The same delivery replayed later with its old headers no longer verifies.
    raw = webhooks.body(bodies[0])
    later = datetime.now(UTC).timestamp() + 3600
    assert not webhook_signing.verify(raw, headers, hook["secret"], now=later)


def test_a_failed_delivery_is_retried_and_delivered_once(client: FlaskClient,
                                                         auth: dict[str, str], gw: Any,
                                                         receiver: Receiver) -> None:
    receiver.secret = register(client, auth, receiver.url)["secret"]
    receiver.statuses = [500]
    event = opt_in(client, auth, "web_form")
    now = datetime.now(UTC)
    assert run_worker(gw, now) == 1
    (item,) = gw.outbox.items("webhook")
    assert item.status == "pending" and item.attempts == 1 and item.last_error == "HTTP 500"
    assert run_worker(gw, now) == 0  # backing off: not due yet
    assert run_worker(gw, now + timedelta(minutes=5)) == 1
    assert run_worker(gw, now + timedelta(hours=1)) == 0
    assert [r["status"] for r in receiver.received] == [500, 200]
    assert len(receiver.delivered) == 1 and receiver.delivered[0]["valid"]
    assert receiver.delivered[0]["body"]["event_id"] == event["event_id"]
    assert gw.outbox.items("webhook")[0].status == "sent"
    stats = client.get("/api/v1/webhooks", headers=auth).get_json()["webhooks"][0]
    assert stats["deliveries"] == {"sent": 1} and stats["last_error"] is None


def test_client_errors_give_up_and_unreachable_receivers_retry(client: FlaskClient,
                                                               auth: dict[str, str], gw: Any,
                                                               receiver: Receiver) -> None:
    receiver.secret = register(client, auth, receiver.url)["secret"]
    receiver.statuses = [410]
    opt_in(client, auth, "api")
    run_worker(gw)
    assert gw.outbox.items("webhook")[0].status == "dead"
    # A receiver that is down: connection refused is a temporary failure.
    dead_url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()
    opt_in(client, auth, "paper")
    run_worker(gw)
    item = gw.outbox.items("webhook")[1]
    assert item.status == "pending" and "ConnectionError" in (item.last_error or "")
    assert dead_url.startswith("http://127.0.0.1")


def test_deleted_webhooks_stop_receiving(client: FlaskClient, auth: dict[str, str], gw: Any,
                                         receiver: Receiver) -> None:
    hook = register(client, auth, receiver.url)
    opt_in(client, auth, "api")  # queued before the deletion...
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth).status_code == 204
    run_worker(gw)
    assert receiver.received == [] and gw.outbox.items("webhook")[0].status == "dead"
    opt_in(client, auth, "checkout")  # ...and nothing is queued after it
    assert len(gw.outbox.items("webhook")) == 1
    assert client.get("/api/v1/webhooks", headers=auth).get_json() == {"webhooks": []}
    again = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth)
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "webhook_unknown"


def test_checkpoints_are_published_to_webhooks(client: FlaskClient, auth: dict[str, str],
                                               gw: Any, receiver: Receiver) -> None:
    receiver.secret = register(client, auth, receiver.url)["secret"]
    opt_in(client, auth, "api")
    cp = client.post("/api/v1/ledger/checkpoints", headers=auth).get_json()["checkpoint"]
    run_worker(gw)
    bodies = [r["body"] for r in receiver.delivered]
    assert bodies[-1]["type"] == "ledger.checkpoint"
    assert bodies[-1]["checkpoint"]["note"] == cp["note"]
    assert receiver.delivered[-1]["headers"]["X-OptIn-Event-Id"] == f"checkpoint:{cp['id']}"
    # What the receiver kept verifies against the gateway later.
    check = client.post("/api/v1/ledger/checkpoints/verify", headers=auth,
                        json={"notes": [bodies[-1]["checkpoint"]["note"]]}).get_json()
    assert check == {"ok": True, "results": [{"ok": True, "size": 1, "root_hash": cp["root_hash"],
                                              "origin": cp["origin"]}]}


def test_notification_after_erasure_carries_no_number(client: FlaskClient,
                                                      auth: dict[str, str], gw: Any,
                                                      receiver: Receiver) -> None:
    receiver.secret = register(client, auth, receiver.url)["secret"]
    opt_in(client, auth, "api")
    client.post(f"/api/v1/contacts/{PHONE}/erase", headers=auth)
    run_worker(gw)
    bodies = [r["body"] for r in receiver.delivered]
    assert [b["type"] for b in bodies] == ["consent.opt_in", "consent.opt_out"]
    assert all(b["event"]["phone"] is None and b["contact_erased"] for b in bodies)


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://example.com/x", "webhook_url_invalid"),
    ("https://user:pw@example.com/x", "webhook_url_invalid"),
    ("not a url", "webhook_url_invalid"),
    ("https://no-such-host.invalid/x", "webhook_url_invalid"),
])
def test_bad_urls_are_refused(client: FlaskClient, auth: dict[str, str], url: str,
                              code: str) -> None:
    res = client.post("/api/v1/webhooks", headers=auth, json={"url": url})
    assert res.status_code == 422 and res.get_json()["error"]["code"] == code


def test_private_addresses_and_http_are_refused_by_default() -> None:
    for url in ("http://127.0.0.1:9/x", "https://127.0.0.1/x", "https://10.0.0.8/x",
                "https://[::1]/x", "https://169.254.169.254/latest"):
        with pytest.raises(webhooks.WebhookError):
            webhooks.check_url(url)
    assert webhooks.check_url("http://127.0.0.1:9/x", allow_private=True)


def test_secret_box_round_trip() -> None:
    box = webhooks.SecretBox(b"subject key")
    sealed = box.seal("whsec_abc")
    assert "whsec_abc" not in sealed and box.open(sealed) == "whsec_abc"
    with pytest.raises(ValueError):
        webhooks.SecretBox(b"another key").open(sealed)


def test_resync_queues_what_was_missed_once(app_config: dict[str, Any], monkeypatch: Any,
                                            client: FlaskClient, auth: dict[str, str],
                                            gw: Any, receiver: Receiver) -> None:
    from click.testing import CliRunner

    from gateway.cli import main

    # Events recorded before the webhook existed: resync announces them on request.
    opt_in(client, auth, "api")
    opt_in(client, auth, "checkout")
    receiver.secret = register(client, auth, receiver.url)["secret"]
    assert gw.outbox.items("webhook") == []
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    res = CliRunner().invoke(main, ["webhooks-resync", "demo", "--since", since],
                             catch_exceptions=False)
    assert res.exit_code == 0 and "queued 2" in res.output
    again = CliRunner().invoke(main, ["webhooks-resync", "demo", "--since", since])
    assert "queued 0" in again.output
    run_worker(gw)
    assert len(receiver.delivered) == 2 and all(r["valid"] for r in receiver.delivered)
