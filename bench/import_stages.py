"""Time the two stages of an import apart: normalising rows, then writing them.

    python bench/import_stages.py bench/out/optins-1m.csv
    python bench/import_stages.py bench/out/optins-1m.csv --workers 1 --rows 200000

Stage 1 runs the import's own worker function over the file with a pool of worker
processes and keeps their answers in a temporary file; stage 2 feeds those rows to the
bulk store in transactions of BATCH_ROWS rows, as the importer does (without the job
checkpoint, a single row per transaction). A real import runs both at once on the same
cores, so each stage alone bounds what the whole import can reach: if either takes longer
than a target, no overlap of the two meets it. SQLite only (a new file under bench/out/).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_ENV = {"SECRET_KEY": "bench-secret-key", "SUBJECT_KEY": "bench-subject-key"}
_LENGTH = struct.Struct("<I")


def _normalise(chunk: list[tuple[int, list[str]]]) -> bytes:
    from gateway.imports.worker import work

    return work(chunk, datetime.now(UTC))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _child_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rows", type=int, default=None, help="stop after this many rows")
    args = parser.parse_args()

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    os.environ.update(BENCH_ENV, DATABASE_URL=f"sqlite:///{out / f'stages-{tag}.db'}",
                      INSTANCE_PATH=str(out / f"instance-{tag}"))

    from gateway.app import create_app
    from gateway.cli import DEMO, setup_business
    from gateway.imports.importer import BATCH_ROWS, CHUNK_ROWS
    from gateway.imports.pipeline import in_chunks
    from gateway.imports.rows import RowReader, inspect_file
    from gateway.imports.worker import init_worker, unmarshal

    app = create_app()
    gw = app.extensions["gateway"]
    gw.db.upgrade()
    business = setup_business(gw.store, **DEMO)
    job = gw.imports.create_job(business, args.file, source="cli", actor="bench")
    encoding = inspect_file(args.file).encoding
    ctx = gw.imports.job_context(job, business, encoding)

    with tempfile.TemporaryFile(dir=out) as spool:
        # Stage 1: the workers alone (the parent only reads the CSV and spools answers).
        rows = good = 0
        cpu0, child0, started = _cpu(), _child_cpu(), time.monotonic()
        with RowReader(args.file, encoding) as reader:
            source = reader.rows()
            if args.rows is not None:
                source = (r for r, _ in zip(source, range(args.rows), strict=False))
            pool = multiprocessing.get_context("spawn").Pool(
                args.workers, initializer=init_worker, initargs=(ctx, os.getpid()))
            try:
                for blob in pool.imap(_normalise, in_chunks(source, CHUNK_ROWS)):
                    spool.write(_LENGTH.pack(len(blob)))
                    spool.write(blob)
                    goods, bads, _links = unmarshal(blob)
                    rows += len(goods) + len(bads)
                    good += len(goods)
            finally:
                pool.close()
                pool.join()
        wall = time.monotonic() - started
        print(f"normalise  {rows:,} rows ({good:,} good) with {args.workers} workers: "
              f"{wall:.1f} s, {rows / wall:,.0f} rows/s; CPU workers "
              f"{_child_cpu() - child0:.1f} s ({(_child_cpu() - child0) / rows * 1e6:.0f} "
              f"µs/row), reader {_cpu() - cpu0:.1f} s")

        # Stage 2: the writer alone, from the spooled rows.
        spool.seek(0)

        def batches() -> Iterator[list]:
            while header := spool.read(_LENGTH.size):
                goods, _, _ = unmarshal(spool.read(_LENGTH.unpack(header)[0]))
                yield goods

        written = 0
        gc.disable()  # as the importer does while rows stream through (_collector_paused)
        cpu0, started = _cpu(), time.monotonic()
        pending = batches()
        more = True
        while more:
            with gw.imports.jobs.bulk.writer(business.id) as writer:
                in_tx = 0
                while in_tx < BATCH_ROWS:
                    goods = next(pending, None)
                    if goods is None:
                        more = False
                        break
                    written += sum(writer.add(goods))
                    in_tx += len(goods)
        wall = time.monotonic() - started
        cpu = _cpu() - cpu0
        gc.enable()
        print(f"write      {written:,} events: {wall:.1f} s, {written / wall:,.0f} rows/s; "
              f"CPU {cpu:.1f} s ({cpu / max(written, 1) * 1e6:.0f} µs/row)")
        print(f"peak RSS   writer {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
              f" MiB")
        events = gw.store.count_events(business.id)
        result = gw.store.verify(business.slug)
        print(f"ledger     {events:,} events; chain "
              f"{'verifies' if result.ok else 'BROKEN: ' + str(result.problem)}")
    gw.db.dispose()
    sys.exit(0 if result.ok and events == written == good else 1)


if __name__ == "__main__":
    main()
