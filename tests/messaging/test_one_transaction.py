"""A handled message is one transaction: its dedupe row, the 24-hour window, its consent
event, the conversation step, the stored reply and (Cloud API) the queued replies commit
together or not at all, so a crash leaves nothing and the provider's retry records once.
On SQLite and PostgreSQL; the kill -9 case in a real child process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from tests.messaging.conftest import (
    CUSTOMER,
    meta_delivery,
    meta_message,
    meta_post,
    new_sid,
    sms,
)

ROOT = Path(__file__).resolve().parents[2]


class Crash(RuntimeError):
    pass


def opted_in(gw: Any, business: Business) -> Any:
    return gw.service.capture(Capture(business=business.slug, phone=CUSTOMER, channel="web_form",
                                      method="checkbox", topics=("offers",),
                                      wording_kind="web_form"), business)


def traces(gw: Any, business: Business) -> tuple[int, int, int, int]:
    """(events, processed messages, conversations, outbox rows) of the business."""
    return (gw.store.count_events(business.id), gw.messaging.store.count_inbound(),
            len(gw.messaging.store.conversations(business.id)), len(gw.outbox.items()))


def crash_after(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> None:
    """Make ``target.name`` do its work, then fail (as if the process died before commit)."""
    real = getattr(target, name)

    def then_crash(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(target, name, then_crash)


def test_a_twilio_message_that_fails_before_commit_leaves_nothing(
        client: FlaskClient, gw: Any, business: Business,
        monkeypatch: pytest.MonkeyPatch) -> None:
    opted_in(gw, business)
    before = traces(gw, business)
    sid = new_sid()
    crash_after(monkeypatch, gw.messaging.store, "complete")  # the last write of a message
    assert sms(client, "STOP", sid=sid).status_code == 500  # Twilio will retry
    assert traces(gw, business) == before
    assert gw.service.eligibility(business, CUSTOMER, "offers").allowed
    monkeypatch.undo()
    res = sms(client, "STOP", sid=sid)  # Twilio retries the same MessageSid
    assert res.status_code == 200
    again = sms(client, "STOP", sid=sid)
    assert again.data == res.data  # a redelivery: the stored answer, nothing recorded
    assert traces(gw, business)[:2] == (before[0] + 1, before[1] + 1)
    assert not gw.service.eligibility(business, CUSTOMER, "offers").allowed


def test_a_cloud_api_message_and_its_queued_replies_commit_together(
        client: FlaskClient, gw: Any, business: Business,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = traces(gw, business)
    message = meta_message(text="hello")
    crash_after(monkeypatch, gw.messaging, "queue_whatsapp")  # after handle() returned
    assert meta_post(client, meta_delivery(message)).status_code == 500  # Meta will retry
    assert traces(gw, business) == before  # no dedupe row, conversation, window or reply
    monkeypatch.undo()
    assert meta_post(client, meta_delivery(message)).status_code == 200
    assert meta_post(client, meta_delivery(message)).status_code == 200  # redelivered
    events, inbound, conversations, outbox = traces(gw, business)
    assert (inbound, conversations) == (before[1] + 1, before[2] + 1)
    replies = [i for i in gw.outbox.items() if i.kind == "whatsapp_send"]
    assert outbox - before[3] == len(replies) >= 1  # the question, queued once


CHILD = textwrap.dedent('''
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from gateway.app import create_app
    from gateway.cli import setup_business
    from tests.messaging.conftest import sms

    app = create_app({config!r})
    gw = app.extensions["gateway"]
    business = gw.store.get_business("demo")
    store = gw.messaging.store
    real = store.complete

    def complete_then_die(*args, **kwargs):
        real(*args, **kwargs)
        print("all written, not committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    store.complete = complete_then_die
    sms(app.test_client(), "STOP", sid={sid!r})
''')


def test_kill_9_before_commit_loses_the_message_whole_and_the_retry_records_it_once(
        app_config: dict[str, Any], client: FlaskClient, gw: Any, business: Business,
        tmp_path: Path) -> None:
    opted_in(gw, business)
    before = traces(gw, business)
    sid = new_sid()
    script = CHILD.format(root=str(ROOT), config={**app_config, "TESTING": True}, sid=sid)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120, cwd=ROOT, env={**os.environ})
    assert child.returncode == -9, child.stderr[-2000:]
    assert "all written, not committed" in child.stdout
    assert traces(gw, business) == before
    assert gw.service.eligibility(business, CUSTOMER, "offers").allowed
    assert sms(client, "STOP", sid=sid).status_code == 200
    assert traces(gw, business)[:2] == (before[0] + 1, before[1] + 1)
    assert gw.store.verify("demo").ok
