"""Phone parsing speed: the full ``phonenumbers`` parse against ``to_e164``'s fast path.

Usage (from the repository root):

    .venv/bin/python bench/phone_bench.py [--calls 200000] [--seed 7]

Builds a realistic CSV-import mix (90% plain Japanese mobiles written ``090…`` with JP
or ``+8190…``; 10% others: US, UK and Korean numbers, landlines, invalid and malformed
input, full-width digits), times ``phones._full_parse`` and ``phones.to_e164`` (fast
path with fallback) over the same inputs in the same run, checks that both gave the
same answers, and prints calls/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.core import phones  # noqa: E402
from gateway.core.errors import InvalidPhone  # noqa: E402

OTHERS = [
    ("+14155550100", None), ("(415) 555-0100", "US"), ("+447400123456", None),
    ("07400 123456", "GB"), ("+447700900123", None), ("+821012345678", None),
    ("010-1234-5678", "KR"), ("03-1234-5678", "JP"), ("+81312345678", None),
    ("０９０－１２３４－５６７８", "JP"), ("090-1234", "JP"), ("not a number", "JP"),
    ("9012345678", "JP"), ("+81 90 1234 5678", None), ("whatsapp:+819012345678", None),
]


def workload(calls: int, seed: int) -> list[tuple[str, str | None]]:
    rnd = random.Random(seed)
    rows: list[tuple[str, str | None]] = []
    for _ in range(calls):
        if rnd.random() < 0.9:
            tail = f"{rnd.choice('789')}0{rnd.randrange(10 ** 8):08d}"
            rows.append(("0" + tail, "JP") if rnd.random() < 0.6 else ("+81" + tail, None))
        else:
            rows.append(rnd.choice(OTHERS))
    return rows


def run(fn: Any, rows: list[tuple[str, str | None]]) -> tuple[float, list[object]]:
    answers: list[object] = []
    start = time.perf_counter()
    for raw, country in rows:
        try:
            answers.append(fn(raw, country))
        except InvalidPhone as exc:
            answers.append((exc.code, exc.field, exc.params))
    return time.perf_counter() - start, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = workload(args.calls, args.seed)
    run(phones.to_e164, rows[:2000])  # load and compile the metadata used
    run(phones._full_parse, rows[:2000])
    full_s, full = run(phones._full_parse, rows)
    fast_s, fast = run(phones.to_e164, rows)
    if full != fast:
        raise SystemExit("the fast path answered differently from the full parse")
    print(f"{args.calls} calls, 90% plain JP mobiles; same answers: yes")
    print(f"full parse : {args.calls / full_s:12,.0f} calls/s  ({full_s / args.calls * 1e6:.2f} µs/call)")
    print(f"fast path  : {args.calls / fast_s:12,.0f} calls/s  ({fast_s / args.calls * 1e6:.2f} µs/call)")
    print(f"ratio      : {full_s / fast_s:.2f}x")


if __name__ == "__main__":
    main()
