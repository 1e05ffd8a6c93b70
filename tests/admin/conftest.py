"""Admin tests run on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.

Forms are posted without CSRF tokens here (WTF_CSRF_ENABLED off); test_csrf.py turns the
check back on to prove every form needs its token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from gateway.app import create_app
from gateway.core.consent import Business, Capture
from tests.conftest import make_url

PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": False}


def make_staff(gw: Any, username: str, role: str = "admin", business_id: int | None = None,
               password: str = PASSWORD) -> int:
    # A cheap hash keeps the tests fast; production uses werkzeug's default (scrypt).
    return int(gw.store.create_admin(username, generate_password_hash(
        password, method="pbkdf2:sha256:1000"), role, business_id))


@pytest.fixture
def staff(gw: Any, business: Business, us_business: Business) -> dict[str, int]:
    """boss: admin of everything; viewer: read-only; bay: admin bound to the US shop."""
    return {"boss": make_staff(gw, "boss"), "viewer": make_staff(gw, "viewer", "viewer"),
            "bay": make_staff(gw, "bay", "admin", us_business.id)}


def login(client: FlaskClient, username: str, password: str = PASSWORD, **kw: Any) -> Any:
    return client.post("/admin/login", data={"username": username, "password": password}, **kw)


@pytest.fixture
def csrf_app(app_config: dict[str, Any], app: Flask) -> Iterator[Flask]:
    """The same database, with WTF_CSRF_ENABLED back on (as in production)."""
    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    assert application.config["WTF_CSRF_ENABLED"] is True
    yield application
    application.extensions["gateway"].db.dispose()


@pytest.fixture
def boss(client: FlaskClient, staff: dict[str, int]) -> FlaskClient:
    assert login(client, "boss").status_code == 302
    return client


def opt_in(gw: Any, business: Business, phone: str, topics: tuple[str, ...] = ("offers",),
           channel: str = "web_form", method: str = "checkbox", **kw: Any) -> Any:
    """Record an opt-in through the one write path, with the channel's default wording."""
    capture = Capture(business=business.slug, phone=phone, channel=channel, method=method,
                      topics=topics, wording_kind=kw.pop("wording_kind", "web_form"), **kw)
    return gw.service.capture(capture, business)
