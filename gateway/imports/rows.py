"""CSV import rows -> Captures: encoding, header mapping, one row, the row's idempotency key.

Pure standard library: knows the import file format, not the database (the normaliser
still decides whether a row is a valid consent).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gateway.core.consent import Action, Business, Capture, ConsentEvent
from gateway.core.ledger import payload_bytes
from gateway.imports.texts import ImportProblem

COLUMNS = ("phone", "country", "topics", "action", "occurred_at", "evidence_ref", "staff",
           "location", "language", "wording_id", "name", "status", "user_id")
REQUIRED = ("occurred_at",)  # and phone or user_id (a WhatsApp user ID), or both
CHANNEL, METHOD, WORDING_KIND = "paper", "signature", "paper"
_TOPIC_SPLIT = re.compile(r"[\s;,、]+")
_ACTIONS = {"": "opt_in", "opt_in": "opt_in", "optin": "opt_in", "in": "opt_in",
            "opt_out": "opt_out", "optout": "opt_out", "out": "opt_out"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileInfo:
    sha256: str
    size: int
    encoding: str  # "utf-8-sig", "utf-8" or "cp932"


def inspect_file(path: Path) -> FileInfo:
    """SHA-256, size and encoding. UTF-8 (with or without BOM) when every byte decodes as
    UTF-8; else CP932 (Excel's Shift_JIS, a superset of it) when every byte decodes as that.

    Shift_JIS text is almost never valid UTF-8 (its lead bytes 0x81-0x9F are UTF-8
    continuation bytes), so checking the whole file, not a sample, makes this reliable.
    """
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    ok_utf8 = True
    size = 0
    head = b""
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if not head:
                head = chunk[:3]
            size += len(chunk)
            digest.update(chunk)
            if ok_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    ok_utf8 = False
    if ok_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            ok_utf8 = False
    if ok_utf8:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        return FileInfo(digest.hexdigest(), size, encoding)
    if _decodes(path, "cp932"):
        return FileInfo(digest.hexdigest(), size, "cp932")
    raise ImportProblem("encoding_unknown")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def column_name(cell: str) -> str:
    """Header cells match case-insensitively, ignoring width, spaces and hyphens."""
    name = unicodedata.normalize("NFKC", cell).strip().lower()
    return re.sub(r"[\s\-]+", "_", name)


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]  # the header row as written (the error report repeats it)
    index: dict[str, int]  # known column -> position
    ignored: tuple[str, ...]  # columns this importer does not use


def map_header(cells: Sequence[str]) -> Header:
    """Map the header row by name; a clear error for a missing or doubled column."""
    if not any(c.strip() for c in cells):
        raise ImportProblem("empty_file")
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(cells):
        name = column_name(cell)
        if name not in COLUMNS:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if name in index:
            raise ImportProblem("duplicate_column", column=name)
        index[name] = position
    missing = [c for c in REQUIRED if c not in index]
    if "phone" not in index and "user_id" not in index:
        missing.insert(0, "phone")
    if "topics" not in index and "action" not in index:
        missing.append("topics")  # a file of opt-ins only: nothing could be valid
    if missing:
        raise ImportProblem("missing_columns", columns=", ".join(missing),
                            found=", ".join(c.strip() for c in cells if c.strip()) or "-")
    return Header(tuple(cells), index, tuple(ignored))


class RowReader:
    """The records of an import file, numbered as a spreadsheet shows them (header = 1)."""

    FIELD_LIMIT = 1 << 20

    def __init__(self, path: Path, encoding: str):
        csv.field_size_limit(self.FIELD_LIMIT)
        self.file: IO[str] = path.open(encoding=encoding, newline="")
        self.reader = csv.reader(self.file)
        try:
            first = next(self.reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            self.close()
            raise ImportProblem("not_csv", detail=str(exc)) from None
        if first is None:
            self.close()
            raise ImportProblem("empty_file")
        try:
            self.header = map_header(first)
        except ImportProblem:
            self.close()
            raise
        self.row_number = 1

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) for every record after the header, blank ones included."""
        while True:
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ImportProblem("not_csv", detail=f"row {self.row_number + 1}: {exc}"
                                    ) from None
            self.row_number += 1
            yield self.row_number, cells

    @property
    def bytes_read(self) -> int:
        return self.file.buffer.tell()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def is_blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


# What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_START = frozenset("=+-@\t\r")


def row_capture(business: Business, header: Header, cells: Sequence[str], row: int, *,
                job_id: str, sha256: str) -> Capture:
    """One record as a paper-form Capture; raises ImportProblem for what only an import
    can get wrong (the normaliser judges the rest)."""
    names = header.names
    if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
        raise ImportProblem("extra_values", count=len(cells), expected=len(names))
    index = header.index

    def get(name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(cells):
            return ""
        cell = cells[position].strip()
        # An export neutralised this cell for spreadsheets ('=…); read back what it held.
        return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell

    raw_action = get("action")
    action = _ACTIONS.get(re.sub(r"[\s\-]+", "_", unicodedata.normalize(
        "NFKC", raw_action).lower()), raw_action)
    topics: tuple[str, ...] | None = None
    if "topics" in index:
        text = unicodedata.normalize("NFKC", get("topics")).lower()
        topics = tuple(t for t in _TOPIC_SPLIT.split(text) if t)
        if not topics and action == Action.OPT_OUT:
            topics = None  # an opt-out naming no topic ends them all
    elif action == Action.OPT_IN:
        raise ImportProblem("topics_column_missing", field="topics")
    occurred_at = get("occurred_at")
    if not occurred_at:
        raise ImportProblem("time_missing", field="occurred_at")
    language = get("language").lower() or None
    if language is not None and language not in business.languages:
        raise ImportProblem("unknown_language", field="language", value=language,
                            allowed=", ".join(business.languages))
    status = get("status").lower()
    if status not in ("", "confirmed", "pending"):
        raise ImportProblem("unknown_status", field="status", value=status)
    wording_id = get("wording_id") or None
    name = get("name")
    evidence = {"evidence_ref": get("evidence_ref") or None, "staff": get("staff") or None,
                "location": get("location") or None, "import_job": job_id, "row": row,
                "file_sha256": sha256}
    return Capture(
        business=business.slug, phone=get("phone"), user_id=get("user_id") or None,
        country=get("country") or None,
        channel=CHANNEL, method=METHOD, action=action, topics=topics, wording_id=wording_id,
        wording_kind=None if wording_id else WORDING_KIND, language=language,
        occurred_at=occurred_at, idempotency_key="import", evidence=evidence,
        personal={"name": name} if name else {}, pending=status == "pending",
        actor=f"import:{job_id}",
    )


def row_key(event: ConsentEvent) -> str:
    """The row's idempotency key: the business and the row's *content* once normalised
    (number, action, topics, time, form reference, staff, place, language, wording) -- not
    the row number, job or file, so the same row imported again is recognised. Built on the
    keyed ``subject_ref``, never the bare number, since the key is kept in the ledger."""
    evidence = event.evidence
    wording = event.wording
    body = payload_bytes([  # the bytes of json.dumps(..., ensure_ascii=False), compact
        event.business_id, event.subject_ref, str(event.action), str(event.status),
        list(event.topics), event.all_topics, event.occurred_at.isoformat(),
        evidence.get("evidence_ref"), evidence.get("staff"), evidence.get("location"),
        event.language, wording.id if wording else None,
    ])
    return "import:" + hashlib.sha256(body).hexdigest()
