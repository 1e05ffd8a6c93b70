"""Stream exports of a store and print rows/s, MB/s and peak memory.

    python bench/import_bench.py bench/out/optins-1m.csv --keep   # prints DATABASE_URL
    python bench/export_bench.py --database-url 'sqlite:///bench/out/import-XXXX.db'
    python bench/export_bench.py --database-url '...' --only ledger --verify

Each export is streamed to a file under bench/out/ (or /dev/null with ``--null``), the
way the CLI and the API stream it; ``--verify`` then checks the ledger file offline.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPORTS = (("state", "csv"), ("state", "jsonl"), ("ledger", "jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slug", default="demo")
    parser.add_argument("--only", choices=("state", "ledger"), default=None)
    parser.add_argument("--null", action="store_true", help="write to /dev/null")
    parser.add_argument("--verify", action="store_true", help="verify the ledger file")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("SUBJECT_KEY", "bench-subject-key")
    os.environ["DATABASE_URL"] = args.database_url
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("INSTANCE_PATH", str(out / "instance-export"))

    from gateway.app import create_app
    from gateway.imports.exports import export_blocks, verify_ledger_file

    app = create_app()
    gw = app.extensions["gateway"]
    try:
        business = gw.store.get_business(args.slug)
        if business is None:
            sys.exit(f"no business {args.slug!r} in {args.database_url}")
        for what, fmt in EXPORTS:
            if args.only and what != args.only:
                continue
            target = Path(os.devnull) if args.null else out / f"export-{what}.{fmt}"
            started = time.monotonic()
            size = lines = 0
            with target.open("wb") as f:
                for block in export_blocks(gw.exports, business, what, fmt,
                                           now=gw.store.clock()):
                    f.write(block)
                    size += len(block)
                    lines += block.count(b"\n")
            wall = time.monotonic() - started
            rows = lines - 1  # a header line (CSV header, ledger header)
            if fmt == "jsonl" and what == "state":
                rows = lines
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{what}.{fmt:6s} {rows:>10,} rows  {wall:6.1f} s  {rows / wall:>9,.0f} "
                  f"rows/s  {size / wall / 1e6:6.1f} MB/s  peak RSS so far {peak:.0f} MiB  "
                  f"-> {target}", flush=True)
            if args.verify and what == "ledger" and not args.null:
                started = time.monotonic()
                with target.open("rb") as f:
                    result = verify_ledger_file(f)
                print(f"verify --file     {'ok' if result.ok else result.problem}: "
                      f"{result.entries:,} entries in {time.monotonic() - started:.1f} s")
        print(f"load average      {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        gw.db.dispose()


if __name__ == "__main__":
    main()
