"""Batch eligibility: 1,000,000 E.164 numbers through POST /api/v1/eligibility (NDJSON).

Usage: python bench/eligibility_batch_bench.py [--numbers 1000000] [--known 20000]
                                              [--database-url postgresql://…]

Records ``--known`` opt-ins through the real write path, starts gunicorn, streams the
numbers up as NDJSON from this process and reads the answers as they stream back.
Prints numbers/s, wall time and the allowed count (which must equal the known opt-ins).
"""

from __future__ import annotations

import argparse
import http.client
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import Gunicorn, bench_env, prepare, reset_postgres, workdir  # noqa: E402
from gateway.core.consent import Capture  # noqa: E402


def number(i: int) -> str:
    return f"+81901{i:07d}"


def body(total: int) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for i in range(total):
        chunk.append(f'"{number(i)}"\n'.encode())
        if len(chunk) == 10000:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--known", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        reset_postgres(args.database_url)
    env = bench_env(args.database_url, workdir())
    ctx = prepare(env)
    gw, business = ctx["gw"], ctx["business"]
    t = time.perf_counter()
    step = max(1, args.numbers // max(args.known, 1))
    for k in range(args.known):
        gw.service.capture(Capture(business="bench", phone=number(k * step), channel="api",
                                   method="api", topics=("offers",), wording_kind="api",
                                   idempotency_key=f"seed-{k}"), business)
    print(f"seeded {args.known} opt-ins through ConsentService.capture in "
          f"{time.perf_counter() - t:.1f} s")
    server = Gunicorn(env, workers=1)
    try:
        # Send from a thread while reading here: the server answers as it reads, so a
        # client that writes everything first deadlocks once both socket buffers fill.
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=600)
        head = (f"POST /api/v1/eligibility?topic=offers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {ctx['key']}\r\nContent-Type: application/x-ndjson\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()

        def send() -> None:
            sock.sendall(head)
            for block in body(args.numbers):
                sock.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
            sock.sendall(b"0\r\n\r\n")

        started = time.perf_counter()
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        res = http.client.HTTPResponse(sock)
        res.begin()
        lines = allowed = 0
        first_byte = None
        for line in res:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            lines += 1
            allowed += b'"allowed":true' in line
        wall = time.perf_counter() - started
        sender.join()
        sock.close()
    finally:
        server.stop()
    print(f"store: {'PostgreSQL' if args.database_url else 'SQLite'}; status {res.status}")
    print(f"{lines} answers in {wall:.2f} s = {lines / wall:,.0f} numbers/s "
          f"(first answer after {first_byte or 0:.2f} s); allowed {allowed} "
          f"(expected {args.known}) -> {'OK' if allowed == args.known else 'MISMATCH'}")


if __name__ == "__main__":
    main()
