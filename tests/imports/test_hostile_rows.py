"""A CSV with good rows and hostile ones: every good row is recorded, every bad one is in
the report, the job ends done, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError

from gateway.core import limits
from gateway.core.clock import utcnow
from gateway.core.consent import Business
from gateway.core.outbox import Worker
from gateway.imports.jobs import DONE
from gateway.store.bulk_store import BulkWriter
from tests.imports.helpers import row, write_csv

GOOD = [row(f"090-7777-{n:04d}", "offers", name=f"Guest {n}") for n in range(5)]


def run(gw: Any, business: Business, path: Path, **kw: Any) -> Any:
    job = gw.imports.create_job(business, path, source="cli", actor="test")
    return gw.imports.run(job.id, workers=0, **kw)


@pytest.mark.parametrize(("bad", "code"), [
    (row("090-7777-9001", "offers", name="x" * 201), "too_long"),
    (row("090-7777-9002", "offers", at="0001-01-01T00:00:00+14:00"), "time_too_early"),
    (row("090-7777-9003", "offers", name="Ta\x00ro"), "control_character"),
    (row("090-7777-9004", "offers", staff="\x00" * 5000), "evidence_bad_text"),
])
def test_a_hostile_row_costs_only_itself(gw: Any, business: Business, tmp_path: Path,
                                         bad: list[str], code: str) -> None:
    job = run(gw, business, write_csv(tmp_path / "f.csv", [*GOOD[:3], bad, *GOOD[3:]]))
    assert (job.status, job.recorded, job.failed) == (DONE, 5, 1)
    (error,) = gw.imports.jobs.iter_errors(job.id)
    assert error[0] == 5 and error[2] == code  # the header is row 1
    assert "\x00" not in "".join(error[4])  # the report itself is storable
    assert gw.store.count_events(business.id) == 5 and gw.store.verify("demo").ok


def test_rows_the_database_refuses_go_to_the_report(gw: Any, business: Business,
                                                    tmp_path: Path, monkeypatch: Any) -> None:
    """Should a row pass every check and still be refused by the database, its chunk is
    written again row by row: that row is reported, the others are recorded."""
    original = BulkWriter.add

    def refusing(self: BulkWriter, rows: Any) -> list[bool]:
        if any(r.name == "REFUSE" for r in rows):
            raise DataError("INSERT INTO contacts", {}, Exception("value too long"))
        return original(self, rows)

    monkeypatch.setattr(BulkWriter, "add", refusing)
    bad = row("090-7777-9005", "offers", name="REFUSE")
    job = run(gw, business, write_csv(tmp_path / "f.csv", [*GOOD[:2], bad, *GOOD[2:]]))
    assert (job.status, job.recorded, job.failed, job.rows_processed) == (DONE, 5, 1, 6)
    (error,) = gw.imports.jobs.iter_errors(job.id)
    assert (error[0], error[2]) == (4, "store_rejected")
    assert gw.store.count_events(business.id) == 5 and gw.store.verify("demo").ok


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite stores any length
def test_a_value_postgresql_refuses_is_isolated(gw: Any, business: Business, tmp_path: Path,
                                                monkeypatch: Any) -> None:
    monkeypatch.setitem(limits.MAX_LENGTH, "name", 10_000)  # let it past the checks
    bad = row("090-7777-9006", "offers", name="y" * 300)
    job = run(gw, business, write_csv(tmp_path / "f.csv", [*GOOD, bad]))
    assert (job.status, job.recorded, job.failed) == (DONE, 5, 1)
    assert next(gw.imports.jobs.iter_errors(job.id))[2] == "store_rejected"


def test_an_upload_left_running_by_a_dead_process_is_resumed(gw: Any, business: Business,
                                                              tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", GOOD)
    job = gw.imports.create_job(business, path, source="api", actor="test")
    with gw.db.writing() as s:  # as a crashed process leaves it: running, lease expired
        s.execute(text("UPDATE import_jobs SET status = 'running', lease_owner = 'gone:1', "
                       "lease_until = :t WHERE id = :id"),
                  {"t": utcnow().replace(year=2020), "id": job.id})
    assert gw.imports.requeue_stale() == 1
    assert gw.imports.requeue_stale() == 1  # safe to repeat: queued once
    assert Worker(gw.outbox, gw.outbox_handlers, utcnow).run_once() == 1
    done = gw.imports.jobs.get_job(job.id)
    assert (done.status, done.recorded) == (DONE, 5)
