"""Export formats: consent state as CSV/JSONL, the ledger as verifiable JSONL.

Pure: turns row iterators into blocks of bytes (streamed to a file or an HTTP response),
and verifies an exported ledger file with :func:`gateway.ledger.verify_chain`.

Ledger JSONL: per business, one header line ``{"format", "business", "head": {"seq",
"hash"}, "exported_at", "wordings": {id: text}}``, then one line per entry
``{"hash", "entry"}`` where ``entry`` is exactly the payload the hash commits to. The
head lets a verifier notice entries cut off the end; the wording texts let it check that
each wording still matches the hash its events recorded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import orjson

from gateway.core import ledger
from gateway.imports.rows import FORMULA_START

FORMAT = "ocg-ledger/1"
STATE_COLUMNS = ("phone", "name", "topics", "state", "action", "status", "occurred_at",
                 "channel", "event_id", "user_id")
BLOCK_BYTES = 1 << 16
# State -> the import columns that recreate it (an export imports back into the same state).
_AS_IMPORT = {"opted_in": ("opt_in", "confirmed"), "pending": ("opt_in", "pending"),
              "opted_out": ("opt_out", "confirmed")}


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def cell(value: Any) -> str:
    """A CSV cell safe to open in a spreadsheet: text a spreadsheet would run as a formula
    (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, as OWASP
    advises. A plain number (+819012345678) is left alone; it cannot run anything. The
    importer reads such cells back without the apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_stream(header: Sequence[str], rows: Iterable[Iterable[Any]], *, bom: bool = False
               ) -> Iterator[bytes]:
    """``header`` then ``rows`` as CSV bytes in blocks of about BLOCK_BYTES, so a million
    rows never sit in memory; with ``bom``, UTF-8 with a BOM (Excel reads Japanese right).
    Cells are written as given: callers pass text through :func:`cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if bom:
        yield b"\xef\xbb\xbf"
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if out.tell() >= BLOCK_BYTES:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode()


class StateLine(Protocol):
    phone: str | None
    user_id: str | None
    name: str | None
    topic: str
    status: str
    since: str  # ledger.iso form
    channel: str
    event_id: str


def state_csv(blocks: Iterable[Sequence[StateLine]], *, bom: bool = False) -> Iterator[bytes]:
    """Current state, one row per contact and topic, in the import file format."""
    return csv_stream(STATE_COLUMNS, ((cell(r.phone), cell(r.name), cell(r.topic), r.status,
                                       *_AS_IMPORT[r.status], r.since, cell(r.channel),
                                       r.event_id, cell(r.user_id))
                                      for block in blocks for r in block), bom=bom)


def state_jsonl(blocks: Iterable[Sequence[StateLine]]) -> Iterator[bytes]:
    for block in blocks:
        yield b"".join(orjson.dumps({"phone": r.phone, "user_id": r.user_id, "name": r.name,
                                     "topic": r.topic,
                                     "status": r.status, "since": r.since,
                                     "channel": r.channel, "event_id": r.event_id}) + b"\n"
                       for r in block)


def ledger_jsonl(business: str, head: tuple[int, str], exported_at: datetime,
                 wordings: Mapping[str, str], blocks: Iterable[bytes]) -> Iterator[bytes]:
    """A header line, then the entry lines (``{"hash", "entry"}``) as the store gives them."""
    header = {"format": FORMAT, "business": business,
              "head": {"seq": head[0], "hash": head[1]},
              "exported_at": ledger.iso(exported_at), "wordings": dict(wordings)}
    yield orjson.dumps(header) + b"\n"
    yield from blocks


class _LedgerFile:
    """Reads an exported ledger: header lines, and the entry lines after each."""

    def __init__(self, lines: Iterable[bytes | str]):
        self.lines = iter(lines)
        self.header: dict[str, Any] | None = self._next()
        self.last: ledger.StoredEntry | None = None

    def _next(self) -> dict[str, Any] | None:
        for raw in self.lines:
            if raw.strip():
                item: dict[str, Any] = orjson.loads(raw)
                return item
        return None

    def entries(self, slug: str, wordings: Mapping[str, str]) -> Iterator[ledger.StoredEntry]:
        """This section's entries; stops at the next header line (kept in ``header``)."""
        self.header, self.last = None, None
        while (item := self._next()) is not None:
            if "entry" not in item:
                self.header = item
                return
            body = item["entry"]
            wording = body.get("wording") or {}
            self.last = ledger.StoredEntry(
                slug, int(body.get("seq", 0)), str(body.get("event_id", "")), body,
                str(body.get("prev_hash", "")), str(item.get("hash", "")),
                wordings.get(wording.get("id", "")))
            yield self.last


def verify_ledger_file(lines: Iterable[bytes | str]) -> ledger.Verification:
    """Verify an exported ledger: every chain, and that none was cut short of its head. A
    line that is not what an export writes is a bad entry, never a crash."""
    try:
        return _verify_file(lines)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _bad(0, 0, "?", 0, f"a line of the file cannot be read: {type(exc).__name__}")


def _verify_file(lines: Iterable[bytes | str]) -> ledger.Verification:
    reader = _LedgerFile(lines)
    total = businesses = 0
    if reader.header is None:
        return _bad(0, 0, "?", 0, "the file is empty")
    while (header := reader.header) is not None:
        if header.get("format") != FORMAT:
            return _bad(total, businesses, "?", 0, "not an exported ledger (no header line)")
        businesses += 1
        slug = str(header.get("business", ""))
        result = ledger.verify_chain(reader.entries(slug, header.get("wordings") or {}))
        total += result.entries
        if not result.ok:
            return ledger.Verification(False, total, businesses, result.problem)
        seq, digest = int(header["head"]["seq"]), str(header["head"]["hash"])
        end = reader.last
        if (end.seq if end else 0) != seq or (end.hash if end else ledger.GENESIS) != digest:
            return _bad(total, businesses, slug, seq,
                        f"the header says {seq} entries ending in {digest[:12]}..., the file "
                        f"has {result.entries} (entries were cut off or added)")
    return ledger.Verification(True, total, businesses)


def _bad(total: int, businesses: int, slug: str, seq: int, reason: str
         ) -> ledger.Verification:
    return ledger.Verification(False, total, businesses, ledger.Problem(slug, seq, "", reason))


def export_blocks(exports: Any, business: Any, what: str, fmt: str, *, now: datetime,
                  bom: bool = False) -> Iterator[bytes]:
    """The byte blocks of one export (``what``: state or ledger), for the CLI and the API."""
    if what == "ledger":
        head = exports.head(business.id)
        return ledger_jsonl(business.slug, head, now, exports.wording_texts(business.id),
                            exports.ledger_blocks(business, head[0]))
    blocks = exports.state_blocks(business.id)
    return state_csv(blocks, bom=bom) if fmt == "csv" else state_jsonl(blocks)


def error_report(columns: Iterable[str],
                 errors: Iterable[tuple[int, str | None, str, dict[str, Any], list[str]]],
                 lang: str = "en") -> Iterator[bytes]:
    """The bad rows of an import: row number, column, code, reason (in ``lang``), then the
    row's original values under the file's own header. UTF-8 with a BOM, for Excel."""
    from gateway.imports.texts import REPORT_HEADER, reason

    header = (*REPORT_HEADER.get(lang, REPORT_HEADER["en"]), *(cell(c) for c in columns))
    return csv_stream(header, ((row, cell(column), code, cell(reason(code, lang, params)),
                                *(cell(v) for v in values))
                               for row, column, code, params, values in errors), bom=True)
