"""The imports and exports API: upload, background job via the outbox worker, status,
error report, streamed exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson

import gateway.imports.api as api_imports
from gateway.core.clock import utcnow
from gateway.core.consent import Business
from gateway.core.outbox import Worker
from tests.imports.helpers import row, write_csv
from tests.imports.test_import import MIXED


def upload(client: Any, auth: dict[str, str], path: Path, name: str = "forms.csv",
           query: str = "") -> Any:
    with path.open("rb") as f:
        return client.post(f"/api/v1/imports{query}", headers=auth,
                           data={"file": (f, name)}, content_type="multipart/form-data")


def test_small_upload_is_imported_at_once(client: Any, auth: dict[str, str], gw: Any,
                                          business: Business, tmp_path: Path) -> None:
    res = upload(client, auth, write_csv(tmp_path / "mixed.csv", MIXED))
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["status"] == "done" and body["filename"] == "forms.csv"
    assert body["rows"] == {"processed": 14, "recorded": 4, "duplicates": 0, "failed": 9}
    stored = gw.settings.instance_path / "imports" / f"{body['id']}.csv"
    assert stored.read_bytes() == (tmp_path / "mixed.csv").read_bytes()
    errors = client.get(body["errors_url"] + "?lang=ja", headers=auth)
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(errors.data.decode("utf-8-sig"))))
    assert lines[0][:2] == ["行", "列"] and len(lines) == 10
    event = gw.service.contact(business, "+819011110001")[2][0]
    assert event.actor == f"import:{body['id']}"


def test_large_upload_runs_in_the_worker(client: Any, auth: dict[str, str], gw: Any,
                                         business: Business, tmp_path: Path,
                                         monkeypatch: Any) -> None:
    monkeypatch.setattr(api_imports, "INLINE_BYTES", 100)
    res = upload(client, auth, write_csv(tmp_path / "mixed.csv", MIXED))
    assert res.status_code == 202
    body = res.get_json()
    assert res.headers["Location"] == body["status_url"] == f"/api/v1/imports/{body['id']}"
    assert body["status"] == "queued" and gw.store.count_events(business.id) == 0
    assert [i.kind for i in gw.outbox.items()] == ["import"]
    assert Worker(gw.outbox, gw.outbox_handlers, utcnow).run_once() == 1
    status = client.get(body["status_url"], headers=auth).get_json()
    assert status["status"] == "done" and status["progress"] == 1.0
    assert status["rows"]["recorded"] == 4 and status["rows"]["failed"] == 9
    assert gw.outbox.items()[0].status == "sent"


def test_a_long_job_continues_in_slices(gw: Any, business: Business, tmp_path: Path,
                                        monkeypatch: Any) -> None:
    import gateway.imports.importer as importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    monkeypatch.setattr(importer, "SLICE_SECONDS", 0.0)  # one batch per outbox run
    rows = [row(f"090-5555-{n:04d}", "offers") for n in range(5)]
    job = gw.imports.create_job(business, write_csv(tmp_path / "f.csv", rows), source="api",
                                actor="test")
    gw.imports.enqueue(job)
    worker = Worker(gw.outbox, gw.outbox_handlers, utcnow)
    runs = 0
    while worker.run_once():
        runs += 1
    assert runs == 3
    done = gw.imports.jobs.get_job(job.id)
    assert (done.status, done.recorded) == ("done", 5)
    assert all(i.status == "sent" for i in gw.outbox.items())


def test_upload_errors_are_json(client: Any, auth: dict[str, str], tmp_path: Path) -> None:
    assert client.post("/api/v1/imports", data={}).status_code == 401
    res = client.post("/api/v1/imports", headers=auth, data={},
                      content_type="multipart/form-data")
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "upload_missing"
    bad = write_csv(tmp_path / "bad.csv", [["x"]], header=("name",))
    res = upload(client, auth, bad)
    assert res.status_code == 422 and "phone" in res.get_json()["error"]["message"]
    res = client.get("/api/v1/imports/imp_nope", headers=auth)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "job_unknown"


def test_another_business_cannot_see_a_job(client: Any, auth: dict[str, str], gw: Any,
                                           us_business: Business, tmp_path: Path) -> None:
    body = upload(client, auth, write_csv(tmp_path / "f.csv", [row()])).get_json()
    other = {"Authorization": "Bearer " + gw.store.create_api_key(us_business.id)}
    assert client.get(body["status_url"], headers=other).status_code == 404
    assert client.get(body["errors_url"], headers=other).status_code == 404


def test_exports_stream_state_and_ledger(client: Any, auth: dict[str, str], gw: Any,
                                         business: Business, tmp_path: Path) -> None:
    upload(client, auth, write_csv(tmp_path / "mixed.csv", MIXED))
    res = client.get("/api/v1/exports/state.csv", headers=auth)
    assert res.status_code == 200 and res.is_streamed
    lines = list(csv.DictReader(io.StringIO(res.data.decode())))
    assert len(lines) == 2 + 2 + 1 + 4  # topics of rows 2, 3, 8 and the all-topics opt-out
    first = next(r for r in lines if r["phone"] == "+819011110001" and r["topics"] == "offers")
    assert first["state"] == "opted_in" and first["action"] == "opt_in"
    assert first["name"] == "山田 太郎" and first["occurred_at"] == "2026-10-01T01:00:00.000000Z"
    assert client.get("/api/v1/exports/state.csv?bom=1", headers=auth).data.startswith(
        b"\xef\xbb\xbf")
    jsonl = client.get("/api/v1/exports/state.jsonl", headers=auth)
    items = [orjson.loads(x) for x in jsonl.data.splitlines()]
    assert len(items) == len(lines) and {i["status"] for i in items} == {"opted_in",
                                                                         "opted_out"}
    ledger = client.get("/api/v1/exports/ledger.jsonl", headers=auth).data.splitlines()
    header = orjson.loads(ledger[0])
    assert header["business"] == "demo" and header["head"]["seq"] == 4
    assert "demo-paper-ja-v1" in header["wordings"] and len(ledger) == 5
    assert "phone" not in orjson.loads(ledger[1])["entry"]  # auditors get subject refs only
