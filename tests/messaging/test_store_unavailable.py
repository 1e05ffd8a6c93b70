"""When the database cannot be written (here: SQLite's write lock held past the timeout by
another process's transaction), every door answers 503 with Retry-After and records
nothing, so API clients and webhook senders retry; a webhook delivery is never
acknowledged as if its message were handled. The retry then records once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from gateway.store import writer_queue
from tests.conftest import make_url
from tests.messaging.conftest import (
    CUSTOMER,
    meta_delivery,
    meta_message,
    meta_post,
    new_sid,
    sms,
)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite: the outage is its write lock held past the timeout."""
    yield from make_url("sqlite", tmp_path)


@contextmanager
def store_locked(app_config: dict[str, Any]) -> Iterator[None]:
    """Another writer holds the database's write queue (writers give up after 0.3 s)."""
    path = app_config["DATABASE_URL"].split("///", 1)[1] + "-writer.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(writer_queue, "TIMEOUT", 0.3)
            yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@pytest.fixture
def locked(app_config: dict[str, Any]) -> Iterator[None]:
    with store_locked(app_config):
        yield


def events(gw: Any) -> int:
    return int(gw.store.count_events())


def test_the_api_answers_503_in_the_callers_language_and_the_retry_records_once(
        client: FlaskClient, gw: Any, business: Business, auth: dict[str, str],
        app_config: dict[str, Any]) -> None:
    body = {"phone": "090-1234-5678", "topics": ["offers"], "idempotency_key": "order-1"}
    with store_locked(app_config):
        res = client.post("/api/v1/consents", json=body, headers=auth)
        ja = client.post("/api/v1/consents", json=body, headers={**auth, "Accept-Language": "ja"})
    assert res.status_code == 503, res.get_data(as_text=True)
    assert res.headers["Retry-After"] == "1"
    assert res.json["error"]["code"] == "store_unavailable"
    assert "retry" in res.json["error"]["message"].lower()
    assert ja.status_code == 503 and "再試行" in ja.json["error"]["message"]
    assert events(gw) == 0
    again = client.post("/api/v1/consents", json=body, headers=auth)
    assert again.status_code == 201
    assert client.post("/api/v1/consents", json=body, headers=auth).status_code == 200
    assert events(gw) == 1


def test_a_twilio_message_is_not_acknowledged_while_the_store_is_down(
        client: FlaskClient, gw: Any, business: Business, locked: None) -> None:
    sid = new_sid()
    res = sms(client, "STOP", sid=sid)
    assert res.status_code == 503 and res.headers["Retry-After"] == "1"
    assert events(gw) == 0


def test_a_meta_delivery_is_not_acknowledged_while_the_store_is_down(
        client: FlaskClient, gw: Any, business: Business, locked: None) -> None:
    # The channel skips one bad item of a delivery and answers 200 for the rest; an outage
    # is not a bad item: answering 200 would tell Meta the messages were handled.
    res = meta_post(client, meta_delivery(meta_message(text="STOP")))
    assert res.status_code == 503
    assert events(gw) == 0


def test_after_the_outage_the_redelivered_messages_are_handled_once(
        client: FlaskClient, gw: Any, business: Business, app_config: dict[str, Any]) -> None:
    sid = new_sid()
    message = meta_message(text="STOP")
    with store_locked(app_config):
        assert sms(client, "STOP", sid=sid).status_code == 503
        assert meta_post(client, meta_delivery(message)).status_code == 503
    assert sms(client, "STOP", sid=sid).status_code == 200  # Twilio retries the same SID
    assert meta_post(client, meta_delivery(message)).status_code == 200  # Meta redelivers
    assert sms(client, "STOP", sid=sid).status_code == 200
    recorded = events(gw)
    assert recorded >= 2  # an opt-out from each
    assert meta_post(client, meta_delivery(message)).status_code == 200
    assert events(gw) == recorded
    assert not gw.service.eligibility(business, CUSTOMER, "offers").allowed
