"""The floor for bench/webhook_bench.py: the least a Twilio messaging webhook must do.

A minimal Flask app that checks the Twilio signature with the SDK, parses the sender with
phonenumbers, inserts one row and answers empty TwiML, on the same database URL, under the
same gunicorn and load as the gateway. The gateway's throughput over this one's, measured
in the same run, says how much of the cost is the gateway's own (issue: at least 0.3).

    gunicorn 'bench._floor_app:create_app()'   (DATABASE_URL, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL)
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from flask import Flask, Response, abort, request
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator

TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
META = MetaData()
INBOUND = Table("floor_inbound", META, Column("id", Integer, primary_key=True),
                Column("sid", String(64), unique=True), Column("sender", String(20)),
                Column("body", String(1600)), Column("at", DateTime(timezone=True)))


def _engine(database_url: str) -> Any:
    if not database_url.startswith("sqlite"):
        return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(database_url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # The gateway's own SQLite settings (gateway/store/engine.py): a fair comparison.
        dbapi_conn.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def prepare(database_url: str) -> None:
    """Create the floor's table once, before the gunicorn workers start."""
    engine = _engine(database_url)
    META.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    engine = _engine(os.environ["DATABASE_URL"])
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"]
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/hooks/twilio/messaging")
    def messaging() -> Response:
        form = request.form.to_dict()
        if not validator.validate(base + request.path, form,
                                  request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        number = phonenumbers.parse(form.get("From", "").removeprefix("whatsapp:"), "JP")
        if not phonenumbers.is_valid_number(number):
            abort(400)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        try:
            with engine.begin() as conn:
                conn.execute(insert(INBOUND).values(sid=form.get("MessageSid"), sender=e164,
                                                    body=form.get("Body", ""),
                                                    at=datetime.now(UTC)))
        except IntegrityError:
            pass  # a redelivery of the same MessageSid: answered again, stored once
        return Response(TWIML, mimetype="text/xml")

    return app
