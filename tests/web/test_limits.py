"""Abuse limits on the public forms: per IP, per number, storage outages, shared Redis."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.core.consent import Business
from gateway.web.limits import WebRateLimiter, phone_key
from gateway.web.texts import text
from tests.web.conftest import FormClient


def test_too_many_posts_from_one_address_get_a_friendly_429(
        app: Any, gw: Any, business: Business, optin_form: FormClient) -> None:
    app.extensions["web_rate_limiter"] = WebRateLimiter("memory://", "3 per minute",
                                                        "100 per hour")
    phones = ["090-1111-0001", "090-1111-0002", "090-1111-0003", "090-1111-0004"]
    answers = [optin_form.submit({"phone": p, "topics": ["offers"]}, query="?lang=ja")
               for p in phones]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert text("too_many", "ja") in answers[-1].get_data(as_text=True)
    assert answers[-1].headers["Retry-After"] == "60"
    assert gw.store.count_events(business.id) == 3


def test_one_number_is_limited_across_addresses_and_spellings(
        app: Any, gw: Any, business: Business, optin_form: FormClient) -> None:
    app.extensions["web_rate_limiter"] = WebRateLimiter("memory://", "100 per minute",
                                                        "2 per hour")
    spellings = ["090-1234-5678", "+81 90 1234 5678", "０９０１２３４５６７８"]
    statuses = []
    for i, phone in enumerate(spellings):
        _html, fields = optin_form.open("?lang=en")
        response = optin_form.client.post(
            "/b/demo/optin?lang=en", environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"},
            data={**fields, "phone": phone, "country": "JP", "topics": ["offers"]})
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert gw.store.count_events(business.id) == 2


def test_opting_out_is_never_limited_per_number(app: Any, client: Any, gw: Any,
                                                business: Business) -> None:
    app.extensions["web_rate_limiter"] = WebRateLimiter("memory://", "100 per minute",
                                                        "1 per hour")
    optout = FormClient(client, "/b/demo/optout")
    for _ in range(3):
        assert optout.submit({"phone": "090-1234-5678", "all_topics": "y"}).status_code == 200


def test_a_broken_storage_keeps_the_form_open() -> None:
    limiter = WebRateLimiter("redis://127.0.0.1:1", "1 per minute", "1 per minute")
    assert limiter.allow("s", "203.0.113.1", "+819012345678")
    assert limiter.allow("s", "203.0.113.1", "+819012345678")


def test_phone_key_is_the_number_however_typed() -> None:
    assert phone_key("090-1234-5678", "JP") == phone_key("+81 90 1234 5678", "US") == \
        "+819012345678"
    assert phone_key("12-34", "JP") == "1234"
    assert phone_key("  ", "JP") is None


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1).close()
    except OSError:
        return None
    return url


def test_processes_share_counts_through_redis() -> None:
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379 (or REDIS_URL): shared limits not tested")
    scope = f"test-{uuid.uuid4().hex}"  # keys of this run only
    first = WebRateLimiter(url, "2 per minute", "100 per hour")
    second = WebRateLimiter(url, "2 per minute", "100 per hour")
    assert first.allow(scope, "203.0.113.9", None)
    assert second.allow(scope, "203.0.113.9", None)
    assert not first.allow(scope, "203.0.113.9", None)
    assert not second.allow(scope, "203.0.113.9", None)
