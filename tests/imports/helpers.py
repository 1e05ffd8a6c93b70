"""Small CSV builders shared by the imports tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

HEADER = ("phone", "country", "topics", "action", "occurred_at", "evidence_ref", "staff",
          "location", "language", "wording_id", "name")


def write_csv(path: Path, rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER,
              encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def row(phone: str = "090-1234-5678", topics: str = "offers", *, action: str = "",
        at: str = "2026-10-01T10:00:00+09:00", ref: str = "F-1", staff: str = "田中",
        location: str = "渋谷店", language: str = "ja", wording: str = "", name: str = "",
        country: str = "") -> list[str]:
    return [phone, country, topics, action, at, ref, staff, location, language, wording, name]
