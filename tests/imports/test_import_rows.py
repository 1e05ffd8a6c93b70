"""The import file format: encodings, header mapping, one row into a Capture (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.consent import Business, Wording
from gateway.imports.rows import RowReader, inspect_file, map_header, row_capture, row_key
from gateway.imports.texts import ImportProblem
from tests.imports.helpers import HEADER, row, write_csv

BUSINESS = Business(1, "demo", "Sakura Coffee", "+81345678901", "JP")


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932"), ("shift_jis", "cp932")])
def test_encodings_are_detected_from_the_whole_file(tmp_path: Path, encoding: str,
                                                     expected: str) -> None:
    rows = [row(name="山田 太郎", location="渋谷店")] * 3 + [row(name="髙橋 ①")] \
        if encoding == "cp932" else [row(name="山田 太郎", location="渋谷店")] * 3
    path = write_csv(tmp_path / "f.csv", rows, encoding=encoding)
    info = inspect_file(path)
    assert info.encoding == expected
    with RowReader(path, info.encoding) as reader:
        assert reader.header.names == HEADER  # no BOM left in "phone"
        cells = [c for _, c in reader.rows()]
    assert cells[0][10] == "山田 太郎" and cells[0][7] == "渋谷店"


def test_late_shift_jis_bytes_are_not_mistaken_for_utf8(tmp_path: Path) -> None:
    ascii_rows = [row(ref=f"F-{i}") for i in range(40000)]  # > 1 MiB of plain ASCII first
    path = write_csv(tmp_path / "f.csv", [*ascii_rows, row(name="山田")], encoding="cp932")
    assert path.stat().st_size > 1 << 20
    assert inspect_file(path).encoding == "cp932"


def test_undecodable_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"phone,topics,occurred_at\n\x81\xff\xfe,offers,x\n")
    with pytest.raises(ImportProblem) as exc:
        inspect_file(path)
    assert exc.value.code == "encoding_unknown"
    assert "UTF-8" in exc.value.message("en") and "Shift_JIS" in exc.value.message("ja")


@pytest.mark.parametrize(("header", "missing"), [
    (["Phone", "Topics"], "occurred_at"),
    (["topics", "occurred_at", "name"], "phone"),
    (["phone", "occurred_at"], "topics"),
])
def test_missing_required_column_names_it(header: list[str], missing: str) -> None:
    with pytest.raises(ImportProblem) as exc:
        map_header(header)
    assert exc.value.code == "missing_columns"
    assert missing in exc.value.message("en") and missing in exc.value.message("ja")


def test_header_matching_ignores_case_width_and_spaces() -> None:
    header = map_header(["ＰＨＯＮＥ", " Occurred At ", "topics", "evidence-ref", "memo"])
    assert header.index == {"phone": 0, "occurred_at": 1, "topics": 2, "evidence_ref": 3}
    assert header.ignored == ("memo",)
    assert map_header(["phone", "occurred_at", "action"]).index["action"] == 2  # opt-out list
    with pytest.raises(ImportProblem, match="twice"):
        map_header(["phone", "Phone", "occurred_at", "topics"])


def _capture(cells: list[str]):  # type: ignore[no-untyped-def]
    return row_capture(BUSINESS, map_header(list(HEADER)), cells, 7, job_id="imp_1",
                       sha256="ab" * 32)


def test_a_row_becomes_a_paper_capture() -> None:
    capture = _capture(row(topics="offers; newsletter　order_updates", name="山田",
                           action="Opt-In"))
    assert (capture.channel, capture.method, capture.action) == ("paper", "signature", "opt_in")
    assert capture.topics == ("offers", "newsletter", "order_updates")
    assert capture.wording_kind == "paper" and capture.wording_id is None
    assert capture.actor == "import:imp_1" and capture.personal == {"name": "山田"}
    assert dict(capture.evidence) == {"evidence_ref": "F-1", "staff": "田中",
                                      "location": "渋谷店", "import_job": "imp_1", "row": 7,
                                      "file_sha256": "ab" * 32}


def test_an_opt_out_without_topics_means_all_topics() -> None:
    assert _capture(row(topics="", action="opt-out")).topics is None


@pytest.mark.parametrize(("cells", "code"), [
    (row(at=""), "time_missing"),
    (row(language="fr"), "unknown_language"),
    ([*row(), "extra"], "extra_values"),
])
def test_import_only_problems(cells: list[str], code: str) -> None:
    with pytest.raises(ImportProblem) as exc:
        _capture(cells)
    assert exc.value.code == code
    assert exc.value.message("ja") != exc.value.message("en")


def test_the_row_key_is_stable_across_versions() -> None:
    """Re-importing a file imported by an earlier version must find its keys: the key is
    SHA-256 of this exact JSON text (json.dumps, compact, UTF-8 kept)."""
    import hashlib
    import json
    from datetime import UTC, datetime

    from gateway.core.normaliser import normalise

    text = "Sakura Coffee から WhatsApp でお知らせを受け取ります"
    wording = Wording(id="w_paper_ja_1", business_id=1, kind="paper", language="ja",
                      version=1, text=text, sha256=hashlib.sha256(text.encode()).hexdigest())
    capture = _capture(row(topics="offers newsletter", staff="田中 \"花子\"", name="山田"))
    event = normalise(capture, BUSINESS, wording, now=datetime(2026, 11, 1, tzinfo=UTC),
                      subject_key=b"k")
    body = json.dumps([
        event.business_id, event.subject_ref, "opt_in", "confirmed", ["offers", "newsletter"],
        False, event.occurred_at.isoformat(), "F-1", "田中 \"花子\"", "渋谷店", "ja",
        "w_paper_ja_1"], ensure_ascii=False, separators=(",", ":"))
    assert row_key(event) == "import:" + hashlib.sha256(body.encode()).hexdigest()
