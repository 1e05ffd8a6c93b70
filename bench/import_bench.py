"""Import a CSV into a fresh store and print rows/s, wall and CPU time, peak memory, and
whether the counts and the ledger chain check out.

    python bench/make_csv.py 1000000 -o bench/out/optins-1m.csv
    python bench/import_bench.py bench/out/optins-1m.csv
    python bench/import_bench.py bench/out/optins-1m.csv \\
        --database-url postgresql://postgres@127.0.0.1:5432/test

SQLite goes to a new file under bench/out/ (``--keep`` leaves it for export_bench.py);
PostgreSQL to a new schema, dropped afterwards unless ``--keep``. Peak RSS comes from
``resource.getrusage`` for the importing process itself; the largest of its worker
processes (they normalise rows; the importing process writes), and the peak of their
summed PSS (proportional set size: shared pages counted once) -- the import's whole
footprint; the last two are sampled every 0.1 s from /proc while the import runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_ENV = {"SECRET_KEY": "bench-secret-key", "SUBJECT_KEY": "bench-subject-key"}


def pg_schema(url: str, schema: str, *, create: bool) -> str:
    """The URL of a schema of ``url``'s database (created, or dropped when create=False)."""
    from sqlalchemy import create_engine, text

    from gateway.store.engine import normalise_url

    base = normalise_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"' if create else
                          f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def mib(kib: int) -> float:
    return kib / 1024


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0  # a process that just ended


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


class TreeMemory:
    """Peak summed PSS of this process and its children, and the largest child's own peak
    RSS (VmHWM), sampled in a thread (Linux). ``getrusage`` cannot give the latter: a
    spawned child's maxrss includes the parent's RSS at the moment it forked."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak_kib = 0
        self.child_peak_kib = 0
        self.supported = Path("/proc/self/smaps_rollup").exists()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            children = _children(me)
            total = sum(_pss_kib(pid) for pid in [me, *children])
            self.peak_kib = max(self.peak_kib, total)
            self.child_peak_kib = max([self.child_peak_kib, *map(_hwm_kib, children)])

    def __enter__(self) -> TreeMemory:
        if self.supported:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self.supported:
            self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite)")
    parser.add_argument("--workers", type=int, default=None,
                        help="normaliser processes (default: one per CPU)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    schema = f"bench_{tag}"
    if args.database_url:
        url = pg_schema(args.database_url, schema, create=True)
    else:
        url = f"sqlite:///{out / f'import-{tag}.db'}"
    os.environ.update(BENCH_ENV, DATABASE_URL=url, INSTANCE_PATH=str(out / f"instance-{tag}"))

    from gateway.app import create_app
    from gateway.cli import DEMO, setup_business

    app = create_app()
    gw = app.extensions["gateway"]
    try:
        gw.db.upgrade()
        business = setup_business(gw.store, **DEMO)
        expected = json.loads(Path(str(args.file) + ".json").read_text()) \
            if Path(str(args.file) + ".json").exists() else None
        print(f"importing {args.file} ({args.file.stat().st_size / 1e6:.1f} MB) into "
              f"{gw.db.dialect}, workers={args.workers if args.workers is not None else 'auto'}",
              flush=True)
        cpu0 = os.times()
        started = time.monotonic()
        job = gw.imports.create_job(business, args.file, source="cli", actor="bench")
        with TreeMemory() as tree:
            job = gw.imports.run(job.id, workers=args.workers)
        wall = time.monotonic() - started
        cpu = os.times()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = job.recorded + job.duplicates + job.failed
        print(f"status            {job.status}")
        print(f"rows              {rows:,} (recorded {job.recorded:,}, duplicates "
              f"{job.duplicates:,}, bad {job.failed:,})")
        print(f"wall time         {wall:.1f} s  ->  {rows / wall:,.0f} rows/s")
        print(f"cpu time          importer {cpu.user - cpu0.user + cpu.system - cpu0.system:.1f} s"
              f", workers {cpu.children_user - cpu0.children_user + cpu.children_system - cpu0.children_system:.1f} s")
        worker = f"{mib(tree.child_peak_kib):.0f} MiB" if tree.supported else "n/a"
        total = f"{mib(tree.peak_kib):.0f} MiB PSS" if tree.supported else "n/a (no /proc)"
        print(f"peak memory       importer {mib(own):.0f} MiB RSS, largest worker {worker} RSS; "
              f"all processes together {total}")
        print(f"load average      {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ok = True
        if expected is not None:
            match = (job.recorded + job.duplicates, job.failed) == (expected["good"],
                                                                    expected["bad"])
            ok &= match
            print(f"counts            {'ok' if match else 'MISMATCH'} (expected good "
                  f"{expected['good']:,}, bad {expected['bad']:,})")
        events = gw.store.count_events(business.id)
        ok &= events == job.recorded
        started = time.monotonic()
        result = gw.store.verify(business.slug)
        ok &= result.ok and result.entries == events
        print(f"ledger            {events:,} events; chain "
              f"{'verifies' if result.ok else 'BROKEN: ' + str(result.problem)} "
              f"({time.monotonic() - started:.1f} s)")
        if args.keep:
            print(f"kept              DATABASE_URL='{url}'")
        sys.exit(0 if ok else 1)
    finally:
        gw.db.dispose()
        if args.database_url and not args.keep:
            pg_schema(args.database_url, schema, create=False)


if __name__ == "__main__":
    main()
