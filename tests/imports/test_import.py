"""CSV imports end to end on a real store (SQLite and PostgreSQL): counts, the error
report, encodings, idempotency, ordering, resuming after a failure."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import IntegrityError

from gateway.cli import main
from gateway.core.consent import Business
from gateway.imports.exports import error_report
from gateway.imports.jobs import DONE, FAILED
from gateway.imports.texts import ImportProblem
from tests.imports.helpers import row, write_csv

MIXED = [
    row("090-1111-0001", "offers newsletter", name="山田 太郎"),             # 2 good
    row("+81 80 1111 0002", "order_updates;offers", language="en",
        location="Shibuya, Tokyo", staff="Alice"),                          # 3 good: quoted comma
    row("090-12", "offers"),                                                # 4 bad: number
    row("090-1111-0004", "offers coupons"),                                 # 5 bad: topic
    row("090-1111-0005", "offers", at="2026-13-01T10:00:00+09:00"),         # 6 bad: date
    row("090-1111-0006", "offers", at="2026-10-01 10:00"),                  # 7 bad: no zone
    row("090-1111-0007", "offers", location="博多店\n2F カウンター"),          # 8 good: newline
    [],                                                                     # 9 blank line
    row("090-1111-0008", "", action="opt_out"),                             # 10 good: all topics
    row("03-1234-5678", "offers"),                                          # 11 bad: landline
    row("090-1111-0010", "offers", at=""),                                  # 12 bad: no time
    ["090-1111-0011", "", "offers"],                                        # 13 bad: short row
    [*row("090-1111-0012", "offers"), "surplus"],                           # 14 bad: extra value
    row("090-1111-0013", "offers", action="subscribe"),                     # 15 bad: action
]
EXPECTED_ERRORS = [  # (row, column, code)
    (4, "phone", "phone_too_short"), (5, "topics", "unknown_topic"),
    (6, "occurred_at", "time_invalid"), (7, "occurred_at", "time_no_zone"),
    (11, "phone", "phone_not_mobile"), (12, "occurred_at", "time_missing"),
    (13, "occurred_at", "time_missing"), (14, "", "extra_values"),
    (15, "action", "unknown_action")]


def run_import(gw: Any, business: Business, path: Path, **kw: Any) -> Any:
    job = gw.imports.create_job(business, path, source="cli", actor="test")
    return gw.imports.run(job.id, **kw)


def report(gw: Any, job: Any, lang: str = "en") -> list[list[str]]:
    raw = b"".join(error_report(job.columns, gw.imports.jobs.iter_errors(job.id), lang))
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def status(gw: Any, business: Business, phone: str, topic: str = "offers") -> str:
    return str(gw.service.eligibility(business, phone, topic).reason)


def test_mixed_file_records_good_rows_and_reports_bad_ones(gw: Any, business: Business,
                                                           tmp_path: Path) -> None:
    job = run_import(gw, business, write_csv(tmp_path / "mixed.csv", MIXED))
    assert job.status == DONE
    assert (job.recorded, job.duplicates, job.failed) == (4, 0, 9)
    assert gw.store.count_events(business.id) == 4
    lines = report(gw, job)
    assert lines[0][:4] == ["row", "column", "code", "reason"] and lines[0][4] == "phone"
    assert [(int(r[0]), r[1], r[2]) for r in lines[1:]] == EXPECTED_ERRORS
    assert lines[1][4:7] == ["090-12", "", "offers"]  # the original values
    assert "coupons" in lines[2][3]
    assert "タイムゾーン" in report(gw, job, "ja")[4][3]
    # The good rows, as the normaliser made them: paper, signature, paper wording.
    _, state, events = gw.service.contact(business, "+819011110001")
    assert state.name == "山田 太郎" and state.topics["offers"].status == "opted_in"
    event = events[0]
    assert (event.channel, event.method) == ("paper", "signature")
    assert event.wording.id == "demo-paper-ja-v1" and event.actor == f"import:{job.id}"
    assert event.evidence["import_job"] == job.id and event.evidence["row"] == 2
    assert event.evidence["file_sha256"] == job.sha256 and event.idempotency_key.startswith(
        "import:")
    # Imported events get time-ordered UUIDs (version 7), increasing with the row number.
    later = gw.service.contact(business, "+818011110002")[2][0]
    assert uuid.UUID(event.event_id).version == 7 and later.event_id > event.event_id
    _, _, events = gw.service.contact(business, "+818011110002")
    assert events[0].evidence["location"] == "Shibuya, Tokyo"
    assert events[0].wording.id == "demo-paper-en-v1"
    _, _, events = gw.service.contact(business, "+819011110007")
    assert events[0].evidence["location"] == "博多店\n2F カウンター"
    assert all(status(gw, business, "090-1111-0008", t) == "opted_out"
               for t in business.topic_keys)
    assert gw.store.verify("demo").ok


def test_shift_jis_and_bom_files_import_the_same(gw: Any, business: Business,
                                                 tmp_path: Path) -> None:
    rows = [row("090-2222-0001", "offers", name="髙橋 美咲", location="札幌店")]
    sjis = run_import(gw, business, write_csv(tmp_path / "sjis.csv", rows, encoding="cp932"))
    assert (sjis.encoding, sjis.recorded) == ("cp932", 1)
    bom = run_import(gw, business, write_csv(tmp_path / "bom.csv", rows,
                                             encoding="utf-8-sig"))
    assert (bom.encoding, bom.recorded, bom.duplicates) == ("utf-8-sig", 0, 1)
    e164, state, events = gw.service.contact(business, "090-2222-0001")
    assert state.name == "髙橋 美咲" and events[0].evidence["location"] == "札幌店"


def test_reimport_records_nothing_twice(gw: Any, business: Business, tmp_path: Path) -> None:
    first = run_import(gw, business, write_csv(tmp_path / "a.csv", MIXED))
    again = run_import(gw, business, write_csv(tmp_path / "a.csv", MIXED))
    assert (again.recorded, again.duplicates, again.failed) == (0, first.recorded, 9)
    # Same rows in another order, other number spellings, other columns order: still known.
    shuffled = [row("+819011110007", "offers", location="博多店\n2F カウンター"),
                row("09011110001", "newsletter;offers", name="Taro")]
    other = run_import(gw, business, write_csv(tmp_path / "b.csv", shuffled))
    assert (other.recorded, other.duplicates) == (0, 2)
    assert gw.store.count_events(business.id) == first.recorded
    assert gw.store.verify("demo").ok


def test_old_imported_opt_in_never_revives_a_later_opt_out(gw: Any, business: Business,
                                                           client: Any, auth: dict[str, str],
                                                           tmp_path: Path) -> None:
    res = client.post("/api/v1/opt-outs", headers=auth, json={
        "phone": "090-3333-0001", "occurred_at": "2026-10-05T09:00:00+09:00"})
    assert res.status_code == 201
    job = run_import(gw, business, write_csv(tmp_path / "old.csv", [
        row("090-3333-0001", "offers newsletter", at="2026-09-01T10:00:00+09:00"),
        row("090-3333-0002", "offers", at="2026-09-01T10:00:00+09:00"),
        row("090-3333-0002", "", action="opt_out", at="2026-08-01T10:00:00+09:00")]))
    assert job.recorded == 3  # all kept as evidence in the ledger...
    assert status(gw, business, "090-3333-0001") == "opted_out"  # ...the later opt-out wins
    assert status(gw, business, "090-3333-0001", "newsletter") == "opted_out"
    assert status(gw, business, "090-3333-0002") == "consented"  # older opt-out in the file


def test_missing_column_fails_clearly_before_anything_is_recorded(
        gw: Any, business: Business, tmp_path: Path, app_config: dict[str, Any],
        monkeypatch: Any) -> None:
    path = write_csv(tmp_path / "nophone.csv", [["offers", "2026-10-01T10:00:00+09:00"]],
                     header=("topics", "occurred_at"))
    with pytest.raises(ImportProblem) as exc:
        gw.imports.create_job(business, path, source="cli", actor="test")
    assert "phone" in exc.value.message("en")
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    res = CliRunner().invoke(main, ["import", "demo", str(path)])
    assert res.exit_code == 1 and "no column phone" in res.output
    assert gw.store.count_events(business.id) == 0


def test_cli_import_prints_progress_and_totals(gw: Any, business: Business, tmp_path: Path,
                                               app_config: dict[str, Any],
                                               monkeypatch: Any) -> None:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    path = write_csv(tmp_path / "mixed.csv", MIXED)
    res = CliRunner().invoke(main, ["import", "demo", str(path), "--lang", "ja"])
    assert res.exit_code == 0, res.output
    assert "rows/s" in res.output and "ETA" in res.output  # the progress line (stderr)
    assert "recorded:                     4" in res.output
    assert "bad rows:                     9" in res.output
    lines = (tmp_path / "mixed.csv.errors.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("行,列,コード,理由")
    res = CliRunner().invoke(main, ["import", "demo", str(path)])
    assert "already recorded:             4" in res.output


def test_a_failed_batch_is_retried_from_its_checkpoint(gw: Any, business: Business,
                                                       tmp_path: Path, monkeypatch: Any) -> None:
    import gateway.imports.importer as importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 3)
    rows = [row(f"090-4444-{n:04d}", "offers") for n in range(10)] + [row("bad", "offers")]
    path = write_csv(tmp_path / "f.csv", rows)
    job = gw.imports.create_job(business, path, source="cli", actor="test")
    calls = {"n": 0}
    original = gw.imports.jobs.checkpoint

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(gw.imports.jobs, "checkpoint", flaky)
    with pytest.raises(RuntimeError):
        gw.imports.run(job.id, workers=0)
    half = gw.imports.jobs.get_job(job.id)
    assert half.rows_processed == 6 and half.recorded == 6 and half.status == "running"
    done = gw.imports.run(job.id, workers=0)  # a dead owner's lease is taken over
    assert (done.status, done.recorded, done.duplicates, done.failed) == (DONE, 10, 0, 1)
    assert gw.store.count_events(business.id) == 10 and gw.store.verify("demo").ok


def test_a_conflicting_transaction_is_redone_from_its_checkpoint(
        gw: Any, business: Business, tmp_path: Path, monkeypatch: Any) -> None:
    """A unique-key clash (PostgreSQL: a contact added meanwhile without the ledger lock)
    rolls the transaction back; the importer goes again from its checkpoint."""
    import gateway.imports.importer as importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 4)
    rows = [row(f"090-6666-{n:04d}", "offers") for n in range(10)]
    job = gw.imports.create_job(business, write_csv(tmp_path / "f.csv", rows), source="cli",
                                actor="test")
    calls = {"n": 0}
    original = gw.imports.jobs.checkpoint

    def clash(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise IntegrityError("INSERT INTO contacts", {}, Exception("UNIQUE constraint"))
        return original(*args, **kwargs)

    monkeypatch.setattr(gw.imports.jobs, "checkpoint", clash)
    done = gw.imports.run(job.id, workers=0)
    assert calls["n"] == 4  # 4 rows, a clash, then 4, 4 and 2 again
    assert (done.status, done.rows_processed, done.recorded, done.duplicates) == \
        (DONE, 10, 10, 0)
    assert gw.store.count_events(business.id) == 10 and gw.store.verify("demo").ok


def test_worker_processes_give_the_same_result(gw: Any, business: Business,
                                               tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", MIXED * 3)
    job = run_import(gw, business, path, workers=2)
    assert (job.recorded, job.duplicates, job.failed) == (4, 8, 27)
    assert [(int(r[0]), r[2]) for r in report(gw, job)[1:10]] == [
        (r, c) for r, _, c in EXPECTED_ERRORS]


def test_unreadable_file_fails_the_job(gw: Any, business: Business, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [row()])
    job = gw.imports.create_job(business, path, source="cli", actor="test")
    path.unlink()
    failed = gw.imports.run(job.id)
    assert failed.status == FAILED and failed.error_code == "file_missing"
    assert "f.csv" in failed.error_message("en")


def test_future_times_are_refused(gw: Any, business: Business, tmp_path: Path) -> None:
    future = datetime(2999, 1, 1, tzinfo=UTC).isoformat()
    job = run_import(gw, business, write_csv(tmp_path / "f.csv", [row(at=future)]))
    assert job.failed == 1 and next(gw.imports.jobs.iter_errors(job.id))[2] == "time_in_future"
