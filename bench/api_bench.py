"""Throughput of the JSON API under gunicorn: POST consents and GET eligibility.

Usage: python bench/api_bench.py [--seconds 15] [--clients 4] [--database-url postgresql://…]

Starts the gateway under gunicorn (gthread) on a throwaway SQLite file (or the given
PostgreSQL database, whose tables are dropped first!), drives it from separate load
processes for a fixed time, and prints requests/s, p50/p99 latency and errors. Afterwards
it checks that the events in the store equal the acknowledged (201) consent requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import Gunicorn, bench_env, percentile, prepare, reset_postgres, workdir  # noqa: E402

Request = tuple[str, str, str | None, dict[str, str]]  # method, path, body, headers


def _drive(port: int, seconds: float, request_for: Callable[[int], Request]
           ) -> tuple[list[float], list[int]]:
    """Send request_for(1), request_for(2), ... on one keep-alive connection for
    ``seconds``; latencies and statuses (0: the connection failed and was reopened)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    statuses: list[int] = []
    end = time.perf_counter() + seconds
    n = 0
    failed = False
    while time.perf_counter() < end:
        n += 1
        method, path, body, headers = request_for(n)
        t = time.perf_counter()
        try:
            conn.request(method, path, body, headers)
            res = conn.getresponse()
            res.read()
            status = res.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        latencies.append(time.perf_counter() - t)
        if status not in (200, 201) and not failed:
            failed = True
            print("first error:", status, file=sys.stderr)
        statuses.append(status)
    return latencies, statuses


def _consent_load(port: int, key: str, client_id: int, seconds: float, out: mp.Queue) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def request(n: int) -> Request:
        body = json.dumps({"phone": f"+8190{client_id + 1}{n:07d}",
                           "topics": ["offers", "order_updates"], "channel": "checkout",
                           "idempotency_key": f"c{client_id}-{n}",
                           "evidence": {"order_id": f"{client_id}-{n}"}})
        return "POST", "/api/v1/consents", body, headers

    latencies, statuses = _drive(port, seconds, request)
    created = statuses.count(201)
    out.put((latencies, created, len(statuses) - created))


def _eligibility_load(port: int, key: str, client_id: int, seconds: float, known: int,
                      out: mp.Queue) -> None:
    headers = {"Authorization": f"Bearer {key}"}

    def request(n: int) -> Request:
        phone = f"%2B8190{(n % 4) + 1}{(n * 7919) % max(known, 1) + 1:07d}"
        return "GET", f"/api/v1/eligibility?phone={phone}&topic=offers", None, headers

    latencies, statuses = _drive(port, seconds, request)
    ok = statuses.count(200)
    out.put((latencies, ok, len(statuses) - ok))


def run_phase(name: str, target, args_for, clients: int, seconds: float) -> tuple[int, int]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), out)) for i in range(clients)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - started
    lat = sorted(x for r in results for x in r[0])
    good = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    print(f"{name:<16} {len(lat) / seconds:8.0f} req/s   p50 {percentile(lat, 50) * 1000:6.1f} ms"
          f"   p99 {percentile(lat, 99) * 1000:6.1f} ms   ok {good}   errors {errors}"
          f"   (wall {wall:.1f} s)")
    return good, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = workdir()
    if args.database_url:
        reset_postgres(args.database_url)
    env = bench_env(args.database_url, work)
    ctx = prepare(env)
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"store: {db}; gunicorn gthread workers={args.workers} threads=4; "
          f"{args.clients} load processes; {args.seconds:.0f} s per phase")
    server = Gunicorn(env, workers=args.workers)
    try:
        created, _ = run_phase("POST consents", _consent_load,
                               lambda i: (server.port, ctx["key"], i, args.seconds),
                               args.clients, args.seconds)
        per_client = created // max(args.clients, 1)
        run_phase("GET eligibility", _eligibility_load,
                  lambda i: (server.port, ctx["key"], i, args.seconds, per_client),
                  args.clients, args.seconds)
    finally:
        server.stop()
    stored = ctx["gw"].store.count_events()
    verdict = "OK" if stored == created else "MISMATCH"
    print(f"events in store: {stored}; acknowledged 201s: {created} -> {verdict}")
    print(f"ledger verifies: {ctx['gw'].store.verify().ok}")


if __name__ == "__main__":
    main()
