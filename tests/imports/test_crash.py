"""Kill -9 in the middle of an import, then rerun: every good row exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from gateway.core.consent import Business
from gateway.imports.rows import inspect_file

ROOT = Path(__file__).resolve().parents[2]
ROWS = 40_000


def _env(app_config: dict[str, Any], marker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in app_config}
    env.update({k: v for k, v in app_config.items() if k.isupper() and isinstance(v, str)})
    env["IMPORT_CRASH_TEST"] = marker
    return env


def _processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if f"IMPORT_CRASH_TEST={marker}".encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_killed_import_resumes_and_records_every_good_row_once(
        gw: Any, business: Business, tmp_path: Path, app_config: dict[str, Any]) -> None:
    path = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_csv.py"), str(ROWS), "-o",
                    str(path)], check=True, capture_output=True)
    expected = json.loads(Path(str(path) + ".json").read_text())
    marker = uuid.uuid4().hex
    env = _env(app_config, marker)
    command = [str(Path(sys.executable).parent / "optin-gateway"), "import", "demo", str(path),
               "--workers", "2", "--batch-rows", "4000"]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sha = inspect_file(path).sha256
    deadline = time.monotonic() + 120
    job = None
    while time.monotonic() < deadline and proc.poll() is None:
        job = gw.imports.jobs.find_unfinished(business.id, sha)
        if job is not None and job.rows_processed >= 8000:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()

    crashed = gw.imports.jobs.get_job(job.id)  # type: ignore[union-attr]
    assert crashed.status == "running" and 8000 <= crashed.rows_processed < ROWS
    # The checkpoint and the rows it counts were committed together.
    assert gw.store.count_events(business.id) == crashed.recorded
    time.sleep(1.5)  # the worker processes notice their parent is gone
    assert _processes_with(marker) == []

    rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"resuming import job {crashed.id}" in rerun.stderr
    done = gw.imports.jobs.get_job(crashed.id)
    assert done.status == "done" and done.rows_processed == ROWS
    assert (done.recorded, done.duplicates, done.failed) == (expected["good"], 0,
                                                              expected["bad"])
    assert gw.store.count_events(business.id) == expected["good"]
    with gw.db.reading() as s:
        keys = s.execute(text("SELECT COUNT(DISTINCT idempotency_key) FROM consent_events")
                         ).scalar()
        errors = s.execute(text("SELECT COUNT(*) FROM import_errors")).scalar()
    assert keys == expected["good"] and errors == expected["bad"]
    result = gw.store.verify("demo")
    assert result.ok and result.entries == expected["good"]
