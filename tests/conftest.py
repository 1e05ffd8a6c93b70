"""Shared fixtures: a real database (SQLite file; PostgreSQL when TEST_DATABASE_URL is set),
the app on it with a demo business, a Flask client and an API key."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from gateway.app import create_app
from gateway.cli import setup_business
from gateway.core.consent import Business

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP = ("TEST_DATABASE_URL is not set: PostgreSQL store tests skipped, SQLite only "
           "(.ci/run sets it to the local PostgreSQL)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

TWILIO_TOKEN = "test-twilio-auth-token-0123456789"
META_SECRET = "test-meta-app-secret"
META_VERIFY = "test-meta-verify-token"
PUBLIC_BASE = "https://gateway.example.test"


def pytest_report_header(config: Any) -> str:
    return ("store tests: SQLite and PostgreSQL" if PG_URL else
            "store tests: SQLite only (set TEST_DATABASE_URL for PostgreSQL)")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) \
        if PG_URL.startswith("postgresql://") else PG_URL
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "postgresql":
        if not PG_URL:
            pytest.skip(PG_SKIP)
        yield from pg_schema_url()
    else:
        yield f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite by default; tests/integration overrides this to run on both databases."""
    yield from make_url("sqlite", tmp_path)


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "SUBJECT_KEY": "test-subject-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "META_APP_SECRET": META_SECRET,
        "META_VERIFY_TOKEN": META_VERIFY,
        "TESTING": True,
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(app_config)
    gw = application.extensions["gateway"]
    gw.db.upgrade()
    yield application
    gw.db.dispose()


@pytest.fixture
def gw(app: Flask) -> Any:
    return app.extensions["gateway"]


@pytest.fixture
def business(gw: Any) -> Business:
    """The demo business: Japanese first, English second, one Twilio number."""
    return setup_business(gw.store, slug="demo", name="Sakura Coffee", aliases=("さくらコーヒー",),
                          whatsapp="+81345678901", country="JP", languages=("ja", "en"),
                          twilio_numbers=("+815031234567",),
                          meta_phone_number_id="100000000000001")


@pytest.fixture
def us_business(gw: Any) -> Business:
    return setup_business(gw.store, slug="bayshop", name="Bay Shop", whatsapp="+14155550123",
                          country="US", languages=("en",), twilio_numbers=("+14155550199",))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api_key(gw: Any, business: Business) -> str:
    return str(gw.store.create_api_key(business.id, "tests"))


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
