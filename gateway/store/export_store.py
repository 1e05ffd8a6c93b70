"""Streaming reads for exports: current consent state and the ledger, in constant memory.

Rows come in blocks from a server-side cursor (PostgreSQL) or SQLite's own stepping, so a
million-row export holds one block at a time. For speed (>= 100,000 rows/s) the rows are
read through the driver, not the ORM, and times go out as ``ledger.iso`` text without a
round trip through ``strftime``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from gateway.core import ledger
from gateway.core.consent import Business
from gateway.store.engine import Database
from gateway.store.tables import LedgerHead, WordingRow

BLOCK = 5000

STATE_SQL = (
    "SELECT c.phone, c.name, s.topic, s.status, s.occurred_at, s.channel, s.event_id, "
    "c.user_id FROM consent_state s JOIN contacts c ON c.id = s.contact_id "
    "WHERE s.business_id = {p} AND (c.phone IS NOT NULL OR c.user_id IS NOT NULL) "
    "ORDER BY s.contact_id, s.topic")
# The payload each hash commits to (gateway.ledger.payload), built by the database itself:
# its JSON functions are far faster than building dicts in Python. Any difference from
# ledger.payload would fail verification of the exported file;
# tests/imports/test_exports.py also compares the two entry by entry.
_SQLITE_TIME = ("substr({c}, 1, 10) || 'T' || substr({c}, 12, 8) || '.' || "
                "substr({c} || '.000000', 21, 6) || 'Z'")
_PG_TIME = "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_LEDGER_FIELDS = (
    "'schema', '{schema}', 'event_id', id, 'business', {p}, 'seq', seq, "
    "'subject_ref', subject_ref, 'action', action, 'status', status, "
    "'topics', {json}(topics), 'all_topics', {bool}, 'channel', channel, 'method', method, "
    "'wording', CASE WHEN wording_id IS NULL THEN NULL ELSE {obj}('id', wording_id, "
    "'version', COALESCE(wording_version, 0), 'language', COALESCE(wording_language, ''), "
    "'sha256', COALESCE(wording_sha256, '')) END, "
    "'policy', {obj}('id', policy_id, 'version', policy_version), 'language', language, "
    "'occurred_at', {occurred}, 'recorded_at', {recorded}, "
    "'idempotency_key', idempotency_key, 'evidence', {json}(evidence), "
    "'personal_digest', personal_digest, 'sender', sender, 'actor', actor, "
    "'prev_hash', prev_hash")
LEDGER_SQL = {
    "sqlite": ("""SELECT '{"hash":"' || hash || '","entry":' || json_object("""
               + _LEDGER_FIELDS.format(
                   schema=ledger.SCHEMA, p="?", json="json", obj="json_object",
                   bool="CASE WHEN all_topics THEN json('true') ELSE json('false') END",
                   occurred=_SQLITE_TIME.format(c="occurred_at"),
                   recorded=_SQLITE_TIME.format(c="recorded_at"))
               + """) || '}' FROM consent_events WHERE business_id = ? AND seq <= ? """
               "ORDER BY seq"),
    "postgresql": ("""SELECT '{"hash":"' || hash || '","entry":' || json_build_object("""
                   + _LEDGER_FIELDS.format(
                       schema=ledger.SCHEMA, p="%s::text", json="", obj="json_build_object",
                       bool="all_topics", occurred=_PG_TIME.format(c="occurred_at"),
                       recorded=_PG_TIME.format(c="recorded_at"))
                   + """)::text || '}' FROM consent_events WHERE business_id = %s """
                   "AND seq <= %s ORDER BY seq"),
}

@dataclass(frozen=True, slots=True)
class StateLine:
    phone: str | None  # None for a subject known by WhatsApp user ID alone
    name: str | None
    topic: str
    status: str  # opted_in, pending, opted_out
    since: str  # ledger.iso form
    channel: str
    event_id: str
    user_id: str | None = None


def iso_text(value: datetime | str) -> str:
    """``ledger.iso`` of a stored time: a datetime (PostgreSQL) or SQLite's text form."""
    if isinstance(value, str):  # "YYYY-MM-DD HH:MM:SS[.ffffff]", naive UTC
        return f"{value[:10]}T{value[11:19]}.{value[20:26].ljust(6, '0')}Z"
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


class ExportStore:
    def __init__(self, db: Database):
        self.db = db

    def head(self, business_id: int) -> tuple[int, str]:
        with self.db.reading() as s:
            row = s.get(LedgerHead, business_id)
            return (row.seq, row.hash) if row else (0, ledger.GENESIS)

    def wording_texts(self, business_id: int) -> dict[str, str]:
        with self.db.reading() as s:
            return {w.id: w.text for w in s.scalars(select(WordingRow).where(
                WordingRow.business_id == business_id).order_by(WordingRow.id))}

    def _blocks(self, sql: str, *params: Any, raw: bool = False, as_bytes: bool = False
                ) -> Iterator[list[Any]]:
        """Rows in blocks, straight from the driver: a server-side (named) cursor on
        PostgreSQL, SQLite's stepping cursor otherwise (``as_bytes``: text as UTF-8 bytes,
        which saves decoding and re-encoding long lines)."""
        pg = self.db.dialect == "postgresql"
        sql = sql if raw else sql.format(p="%s" if pg else "?")
        with self.db.read_engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            cursor = dbapi.cursor(name="ocg_export") if pg else dbapi.cursor()
            text_factory = None if pg else dbapi.text_factory
            if as_bytes and not pg:
                dbapi.text_factory = bytes  # restored below: the connection goes back to the pool
            try:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(BLOCK):
                    yield rows
            finally:
                cursor.close()
                if text_factory is not None:
                    dbapi.text_factory = text_factory
                conn.rollback()

    def state_blocks(self, business_id: int) -> Iterator[list[StateLine]]:
        """Current state per contact and topic; erased contacts (no identifier) are left out."""
        for rows in self._blocks(STATE_SQL, business_id):
            yield [StateLine(r[0], r[1], r[2], r[3], iso_text(r[4]), r[5], r[6], r[7])
                   for r in rows]

    def iter_state(self, business_id: int) -> Iterator[StateLine]:
        for block in self.state_blocks(business_id):
            yield from block

    def ledger_blocks(self, business: Business, upto_seq: int) -> Iterator[bytes]:
        """Export lines ``{"hash", "entry"}`` of each entry up to ``upto_seq``, in chain
        order, a block of lines at a time; ``entry`` is the payload the hash commits to."""
        sql = LEDGER_SQL[self.db.dialect]
        for rows in self._blocks(sql, business.slug, business.id, upto_seq, raw=True,
                                 as_bytes=True):
            lines = [r[0] if isinstance(r[0], bytes) else r[0].encode() for r in rows]
            lines.append(b"")
            yield b"\n".join(lines)
