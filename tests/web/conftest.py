"""Fixtures of the web channel tests: form helpers, a double opt-in business, live servers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from gateway.core.consent import Business, ConsentEvent
from tests.conftest import make_url

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a rendered form (CSRF token, submission id, wording id...)."""
    out = {}
    for tag in HIDDEN.findall(html):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            out[attrs["name"]] = unescape(attrs.get("value", ""))
    return out


class FormClient:
    """GET a form like a browser, then POST it back with the visitor's answers."""

    def __init__(self, client: FlaskClient, path: str):
        self.client = client
        self.path = path

    def open(self, query: str = "", **headers: str) -> tuple[str, dict[str, str]]:
        response = self.client.get(self.path + query, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        html = response.get_data(as_text=True)
        return html, hidden_fields(html)

    def submit(self, answers: dict[str, Any], query: str = "?lang=en",
               headers: dict[str, str] | None = None, **overrides: str) -> Any:
        _html, fields = self.open(query, **(headers or {}))
        data: dict[str, Any] = {**fields, "country": "JP", **answers, **overrides}
        return self.client.post(self.path + query, data=data, headers=headers or {})


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Rate limits counted in memory per app, even where REDIS_URL is set."""
    return {**app_config, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def optin_form(client: FlaskClient, business: Business) -> FormClient:
    return FormClient(client, f"/b/{business.slug}/optin")


@pytest.fixture
def widget_form(client: FlaskClient, business: Business) -> FormClient:
    return FormClient(client, f"/b/{business.slug}/widget")


@pytest.fixture
def dbl_business(gw: Any, business: Business) -> Business:
    """The demo business with double opt-in switched on."""
    return gw.store.update_business(business.slug, double_opt_in=True)


def events_of(gw: Any, business: Business, e164: str) -> list[ConsentEvent]:
    """Every stored event of one number, oldest first."""
    return list(gw.store.contact_events(business, gw.service.ref(business, e164)))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Web tests run on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""
    yield from make_url(request.param, tmp_path)


class Live:
    """A WSGI app on a real server in a background thread."""

    def __init__(self, app: Any):
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
