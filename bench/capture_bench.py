"""Captures per second through ConsentService.capture in one process, with and without
group commit, on a fresh store: the write path without HTTP in the way.

Usage: python bench/capture_bench.py [--threads 8] [--seconds 6] [--no-group-commit]
                                     [--window-ms 0] [--database-url postgresql://…]

Each thread records its own customers' opt-ins (two topics, checkout evidence) for one
business as fast as it can. Prints captures/s, p50/p99 latency, CPU per capture, the sizes
of the batches group commit formed, peak RSS, and whether the ledger verifies. PostgreSQL:
the database's tables are dropped first!
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import bench_env, percentile, prepare, reset_postgres, workdir  # noqa: E402
from gateway.core.consent import Capture  # noqa: E402


def counting(store: Any) -> Counter[int]:
    """Count the size of every batch the store's group commit runs."""
    sizes: Counter[int] = Counter()
    run = store.group_commit.run_batch

    def counted(key: Any, writes: Any) -> Any:
        sizes[len(writes)] += 1
        return run(key, writes)

    store.group_commit.run_batch = counted
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=8, choices=range(1, 28))
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--no-group-commit", action="store_true")
    parser.add_argument("--window-ms", type=float, default=0.0,
                        help="let a batch's leader wait this long for more writers")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        reset_postgres(args.database_url)
    ctx = prepare(bench_env(args.database_url, workdir()))
    gw, business = ctx["gw"], ctx["business"]
    sizes: Counter[int] = Counter()
    if args.no_group_commit:
        gw.store.group_commit = None
    else:
        gw.store.group_commit.window = args.window_ms / 1000
        sizes = counting(gw.store)
    latencies: list[list[float]] = [[] for _ in range(args.threads)]
    barrier = threading.Barrier(args.threads + 1)

    def run(i: int) -> None:
        barrier.wait()
        end = time.perf_counter() + args.seconds
        n = 0
        while time.perf_counter() < end:
            n += 1
            capture = Capture(business=business.slug, phone=f"+81{(90, 80, 70)[i % 3]}{i // 3 + 1}{n:07d}",
                              topics=("offers", "order_updates"), channel="checkout",
                              method="api", wording_kind="checkout",
                              idempotency_key=f"t{i}-{n}", evidence={"order_id": f"{i}-{n}"})
            t = time.perf_counter()
            gw.service.capture(capture, business)
            latencies[i].append(time.perf_counter() - t)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    barrier.wait()
    for t in threads:
        t.join()
    cpu = time.process_time() - cpu
    lat = sorted(x for per in latencies for x in per)
    store = "PostgreSQL" if args.database_url else "SQLite"
    mode = "off" if args.no_group_commit else "on"
    print(f"{store}, {args.threads} threads, group commit {mode}, {args.seconds:.0f} s")
    print(f"captures/s {len(lat) / args.seconds:8.0f}   p50 {percentile(lat, 50) * 1000:.1f} ms"
          f"   p99 {percentile(lat, 99) * 1000:.1f} ms   cpu/capture {cpu / len(lat) * 1000:.2f} ms")
    if sizes:
        print("batches (size: count): " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    stored = gw.store.count_events(business.id)
    print(f"events in store {stored} (captures {len(lat)}) -> "
          f"{'OK' if stored == len(lat) else 'MISMATCH'}; ledger verifies: "
          f"{gw.store.verify().ok}")
    gw.db.dispose()


if __name__ == "__main__":
    main()
