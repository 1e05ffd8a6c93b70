"""Import a CSV into a fresh store and print rows/s, wall and CPU time, peak memory, and
whether the counts and the ledger chain check out.

    python bench/make_csv.py 1000000 -o bench/out/optins-1m.csv
    python bench/import_bench.py bench/out/optins-1m.csv
    python bench/import_bench.py bench/out/optins-1m.csv \\
        --database-url postgresql://postgres@127.0.0.1:5432/test

SQLite goes to a new file under bench/out/ (``--keep`` leaves it for export_bench.py);
PostgreSQL to a new schema, dropped afterwards unless ``--keep``. Peak RSS comes from
``resource.getrusage``: the importing process itself, and the largest of its worker
processes (they normalise rows; the importing process writes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
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
        job = gw.imports.run(job.id, workers=args.workers)
        wall = time.monotonic() - started
        cpu = os.times()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rows = job.recorded + job.duplicates + job.failed
        print(f"status            {job.status}")
        print(f"rows              {rows:,} (recorded {job.recorded:,}, duplicates "
              f"{job.duplicates:,}, bad {job.failed:,})")
        print(f"wall time         {wall:.1f} s  ->  {rows / wall:,.0f} rows/s")
        print(f"cpu time          importer {cpu.user - cpu0.user + cpu.system - cpu0.system:.1f} s"
              f", workers {cpu.children_user - cpu0.children_user + cpu.children_system - cpu0.children_system:.1f} s")
        print(f"peak RSS          importer {mib(own):.0f} MiB, largest worker "
              f"{mib(children):.0f} MiB")
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
