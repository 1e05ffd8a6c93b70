"""A longer fuzzing run than CI's: every API operation (Schemathesis, from the OpenAPI
document) and the signed webhooks and the public form (Hypothesis), N examples each.

    .venv/bin/python bench/fuzz.py [--examples 1000] [--pg]

Prints the operations covered, examples per test, failures and the time taken; exit status
is pytest's. --pg runs on the local PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--pg", action="store_true", help="fuzz against PostgreSQL")
    args = parser.parse_args()
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    if args.pg:
        env["TEST_DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or PG
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/fuzz"], cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    summary = (run.stdout.strip().splitlines() or [""])[-1]
    tests = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed)", summary))
    print(f"store: {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"tests: {tests} (each up to {args.examples} examples)")
    print(f"result: {summary}")
    print(f"time: {took:.0f} s")
    if run.returncode:
        print(run.stdout[-4000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
