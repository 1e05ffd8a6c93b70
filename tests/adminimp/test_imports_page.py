"""Upload through the dashboard, the jobs table, the error report, exports, roles, CSRF."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.admin.texts import TEXTS
from gateway.core.clock import utcnow
from gateway.core.consent import Business
from gateway.core.outbox import Worker
from tests.admin.conftest import login, opt_in
from tests.admin.test_csrf import signed_in, token
from tests.imports.helpers import row, write_csv
from tests.imports.test_import import MIXED


def upload(client: FlaskClient, path: Path, name: str = "forms.csv", **data: str) -> Any:
    with path.open("rb") as f:
        return client.post("/admin/imports", data={"file": (f, name), **data},
                           content_type="multipart/form-data")


def cells(html: str, job_id: str) -> dict[str, str]:
    tr = html[html.index(f'data-job="{job_id}"'):]
    tr = tr[:tr.index("</tr>")]
    return dict(re.findall(r'data-count="(\w+)">(\d+)<', tr))


def test_upload_queues_a_job_and_the_page_shows_its_counts(
        boss: FlaskClient, gw: Any, business: Business, tmp_path: Path) -> None:
    res = upload(boss, write_csv(tmp_path / "mixed.csv", MIXED))
    assert res.status_code == 302 and res.headers["Location"] == "/admin/imports"
    [job] = gw.imports.jobs.list_jobs(business.id)
    assert job.status == "queued" and job.actor == "staff:boss" and job.filename == "forms.csv"
    assert job.source == "api"  # stored and queued exactly as the API does
    assert [i.kind for i in gw.outbox.items()] == ["import"]
    page = boss.get("/admin/imports?lang=en").get_data(as_text=True)
    assert "forms.csv uploaded" in page and 'data-status="queued"' in page

    assert Worker(gw.outbox, gw.outbox_handlers, utcnow).run_once() == 1
    page = boss.get("/admin/imports?lang=en").get_data(as_text=True)
    assert 'data-status="done"' in page
    assert cells(page, job.id) == {"processed": "14", "recorded": "4", "duplicates": "0",
                                   "failed": "9"}
    link = f"/admin/imports/{job.id}/errors.csv"
    assert f'href="{link}"' in page
    errors = boss.get(link)
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    assert errors.headers["Content-Disposition"] == f'attachment; filename="{job.id}-errors.csv"'
    lines = list(csv.reader(io.StringIO(errors.data.decode("utf-8-sig"))))
    assert len(lines) == 10 and lines[1][:3] == ["4", "phone", "phone_too_short"]
    assert "090-12" in lines[1]  # the bad row's own values
    ja = boss.get(link + "?lang=ja")  # the dashboard language picks the report's
    assert ja.data.decode("utf-8-sig").startswith("行,列")
    event = gw.service.contact(business, "+819011110001")[2][0]
    assert event.actor == f"import:{job.id}"


def test_run_directly_and_bad_files(boss: FlaskClient, gw: Any, business: Business,
                                    tmp_path: Path) -> None:
    assert upload(boss, write_csv(tmp_path / "ok.csv", [row("090-2222-0001")])).status_code == 302
    [job] = gw.imports.jobs.list_jobs(business.id)
    done = gw.imports.run(job.id, workers=0)
    assert (done.status, done.recorded, done.failed) == ("done", 1, 0)
    page = boss.get("/admin/imports").get_data(as_text=True)
    assert cells(page, job.id)["recorded"] == "1" and f"/imports/{job.id}/errors.csv" not in page
    # not a CSV with our header: refused on the page, nothing queued
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"foo,bar\n1,2\n")
    res = upload(boss, bad, "bad.csv")
    assert res.status_code == 400 and 'role="alert"' in res.get_data(as_text=True)
    assert len(gw.imports.jobs.list_jobs(business.id)) == 1
    # no file at all
    res = boss.post("/admin/imports", data={}, content_type="multipart/form-data")
    assert res.status_code == 400
    # another business's job is not there
    assert boss.get("/admin/imports/nope/errors.csv").status_code == 404


def test_upload_size_is_limited(boss: FlaskClient, gw: Any, business: Business,
                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gateway.admin.import_pages as pages

    monkeypatch.setattr(pages, "MAX_UPLOAD_BYTES", 100)
    res = upload(boss, write_csv(tmp_path / "mixed.csv", MIXED))
    assert res.status_code == 400 and gw.imports.jobs.list_jobs(business.id) == []


def test_viewer_sees_and_downloads_but_cannot_upload(
        client: FlaskClient, staff: dict[str, int], gw: Any, business: Business,
        tmp_path: Path) -> None:
    job = gw.imports.create_job(business, write_csv(tmp_path / "m.csv", MIXED), source="api",
                                actor="test")
    gw.imports.run(job.id, workers=0)
    assert login(client, "viewer").status_code == 302
    page = client.get("/admin/imports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="import-upload"' not in html
    assert cells(html, job.id)["failed"] == "9"
    assert client.get(f"/admin/imports/{job.id}/errors.csv").status_code == 200
    assert client.get("/admin/exports/state.csv").status_code == 200
    res = upload(client, write_csv(tmp_path / "mixed.csv", MIXED))
    assert res.status_code == 403
    assert len(gw.imports.jobs.list_jobs(business.id)) == 1


def test_exports(boss: FlaskClient, gw: Any, business: Business) -> None:
    opt_in(gw, business, "+819012345678")
    opt_in(gw, business, "+819012345679", topics=("offers", "newsletter"))
    page = boss.get("/admin/imports").get_data(as_text=True)
    for href in ("/admin/exports/state.csv", "/admin/exports/state.jsonl",
                 "/admin/exports/ledger.jsonl"):
        assert f'href="{href}"' in page
    res = boss.get("/admin/exports/state.csv")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.headers["Content-Disposition"] == f'attachment; filename="{business.slug}-state.csv"'
    rows = list(csv.DictReader(io.StringIO(res.data.decode("utf-8-sig"))))
    assert {(r["phone"], r["topics"]) for r in rows} >= {("+819012345678", "offers"),
                                                        ("+819012345679", "newsletter")}
    res = boss.get("/admin/exports/state.jsonl")
    assert res.status_code == 200 and res.mimetype == "application/x-ndjson"
    lines = [orjson.loads(x) for x in res.data.splitlines() if x]
    assert len(lines) == len(rows) == 3
    res = boss.get("/admin/exports/ledger.jsonl")
    assert res.status_code == 200 and res.mimetype == "application/x-ndjson"
    ledger = [orjson.loads(x) for x in res.data.splitlines() if x]
    assert len(ledger) >= 3  # a header line and the two opt-in entries at least


def test_upload_needs_the_csrf_token(csrf_app: Flask, staff: dict[str, int], gw: Any,
                                     business: Business, tmp_path: Path) -> None:
    client, _ = signed_in(csrf_app)
    path = write_csv(tmp_path / "mixed.csv", MIXED)
    for bad in ({}, {"csrf_token": "forged"}):
        assert upload(client, path, **bad).status_code == 400
    assert gw.imports.jobs.list_jobs(business.id) == []
    good = token(client.get("/admin/imports").get_data(as_text=True))
    assert upload(client, path, csrf_token=good).status_code == 302
    assert len(gw.imports.jobs.list_jobs(business.id)) == 1


def test_texts_in_both_languages(boss: FlaskClient) -> None:
    for key in ("imports.status_queued", "imports.status_running", "imports.status_done",
                "imports.status_failed", "exports.state_csv", "exports.state_jsonl",
                "exports.ledger_jsonl"):
        assert key in TEXTS
    for key, (en, ja) in TEXTS.items():
        if key.startswith(("imports.", "exports.")):
            assert en and ja and en != ja, key
    assert "最近のインポート" in boss.get("/admin/imports?lang=ja").get_data(as_text=True)
    assert "Recent imports" in boss.get("/admin/imports?lang=en").get_data(as_text=True)


def test_waiting_jobs_without_a_worker_say_how_to_start_one(
        boss: FlaskClient, gw: Any, business: Business, tmp_path: Path) -> None:
    from datetime import timedelta

    from gateway.imports.importer import WORKER_QUIET

    quiet = boss.get("/admin/imports?lang=en").get_data(as_text=True)
    assert 'data-testid="no-worker"' not in quiet  # nothing waits: nothing to say
    upload(boss, write_csv(tmp_path / "mixed.csv", MIXED))
    page = boss.get("/admin/imports?lang=en").get_data(as_text=True)
    assert 'data-testid="no-worker"' in page and "optin-gateway worker" in page
    assert "No worker has been seen" in page
    ja = boss.get("/admin/imports?lang=ja").get_data(as_text=True)
    assert "ワーカーが動いていません" in ja

    # A running worker beats as it starts: the warning goes while it is alive...
    runner = Worker(gw.outbox, {}, utcnow)
    runner.run_forever(name="host-a:123", stop=iter([False, True]).__next__, idle_sleep=0)
    assert 'data-testid="no-worker"' not in boss.get("/admin/imports").get_data(as_text=True)
    # ...and comes back, with when it was last seen, once it has been silent too long.
    gw.outbox.beat("host-a:123", utcnow() - WORKER_QUIET - timedelta(seconds=5))
    again = boss.get("/admin/imports?lang=en").get_data(as_text=True)
    assert 'data-testid="no-worker"' in again and "A worker was last seen" in again
