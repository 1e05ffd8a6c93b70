"""Benchmark ``POST /hooks/twilio/messaging`` under gunicorn, then check the store's counts.

Starts the gateway under gunicorn on a fresh SQLite file (and on a fresh PostgreSQL schema
when ``--postgres URL`` is given), drives signed Twilio requests from separate load
processes for a fixed time, and prints requests/s, p50/p99 latency and errors. Every
simulated customer runs a whole conversation on a fresh number (SMS or WhatsApp:
hello -> YES/question -> "1 2" opt-in -> STOP opt-out) and 5% of requests are redelivered with
the same MessageSid, so afterwards the number of ledger events and processed messages is
known exactly and checked, and the ledger chain is verified. Each store is then timed with
the floor (bench/_floor_app.py: signature check, number parse, one insert) under the same
gunicorn and load, and the ratio printed.

    .venv/bin/python bench/webhook_bench.py --seconds 20
    .venv/bin/python bench/webhook_bench.py --seconds 20 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-twilio-token"
MAX_SECONDS = 120
TWILIO_NUMBER = "+815031234567"
WHATSAPP_NUMBER = "+81345678901"
# (body, does it record a consent event?)
SMS_SCRIPT = [("hello", False), ("YES", False), ("1 2", True), ("STOP", True)]
WA_SCRIPT = [("hello", False), ("1 2", True), ("STOP", True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bin_path(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).parent / name)


# -- load process -------------------------------------------------------------------------

def load_process(base: str, seconds: float, threads: int, proc: int, out: Any) -> None:
    """One load process: ``threads`` customers at a time, each a whole conversation."""
    deadline = time.monotonic() + seconds
    results: list[dict[str, Any]] = []

    def customer_loop(tid: int) -> None:
        session = requests.Session()
        validator = RequestValidator(TOKEN)
        stats = {"lat": [], "errors": 0, "ok": 0, "events": 0, "dupes": 0, "error_kinds": {}}
        rng = random.Random(proc * 1000 + tid)
        cycle = 0
        url = base + "/hooks/twilio/messaging"
        while time.monotonic() < deadline:
            cycle += 1
            phone = f"+8190{proc + 1}{tid:03d}{cycle % 10000:04d}"  # valid JP mobiles
            whatsapp = cycle % 2 == 0
            script = WA_SCRIPT if whatsapp else SMS_SCRIPT
            for body, records in script:
                if time.monotonic() >= deadline:
                    break
                params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
                          "From": f"whatsapp:{phone}" if whatsapp else phone,
                          "To": f"whatsapp:{WHATSAPP_NUMBER}" if whatsapp else TWILIO_NUMBER,
                          "Body": body, "NumMedia": "0"}
                headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
                sends = 2 if rng.random() < 0.05 else 1  # Twilio-style redelivery
                for attempt in range(sends):
                    start = time.perf_counter()
                    try:
                        r = session.post(url, data=params, headers=headers, timeout=15)
                        ok = r.status_code == 200 and r.text.startswith("<?xml")
                        kind = str(r.status_code)
                    except requests.RequestException as exc:
                        ok, kind = False, exc.__class__.__name__
                    stats["lat"].append(time.perf_counter() - start)
                    if not ok:
                        stats["errors"] += 1
                        stats["error_kinds"][kind] = stats["error_kinds"].get(kind, 0) + 1
                        break
                    stats["ok"] += 1
                    if attempt == 0 and records:
                        stats["events"] += 1
                    if attempt == 1:
                        stats["dupes"] += 1
                else:
                    continue
                break  # a failed step ends this customer's conversation
        results.append(stats)

    workers = [threading.Thread(target=customer_loop, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(results)


# -- server ---------------------------------------------------------------------------------

def postgres_schema(url: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    schema = "bench_" + uuid.uuid4().hex[:10]
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def run(label: str, database_url: str, args: argparse.Namespace, tmp: Path,
        *, floor: bool = False) -> dict[str, Any]:
    """One timed run against the gateway, or against the minimal floor app (bench/_floor_app.py)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret",
           "SUBJECT_KEY": "bench-subject", "TWILIO_AUTH_TOKEN": TOKEN,
           "PUBLIC_BASE_URL": base, "INSTANCE_PATH": str(tmp / "instance")}
    cli = bin_path("optin-gateway")
    if floor:
        sys.path.insert(0, str(ROOT))
        from bench._floor_app import prepare

        prepare(database_url)
    else:
        subprocess.run([cli, "init-db"], env=env, check=True, capture_output=True)
        subprocess.run([cli, "create-business", "demo", "--name", "Sakura Coffee", "--whatsapp",
                        WHATSAPP_NUMBER, "--country", "JP", "--twilio-number", TWILIO_NUMBER,
                        "--language", "ja", "--language", "en"], env=env, check=True,
                       capture_output=True)
    log = open(tmp / f"gunicorn-{label}.log", "w")  # noqa: SIM115 - closed below
    app = "bench._floor_app:create_app()" if floor else "gateway.app:create_app()"
    server = subprocess.Popen([bin_path("gunicorn"), "--workers", str(args.workers), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", app],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise SystemExit(f"gunicorn did not start; see {log.name}")
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=load_process, args=(base, args.seconds, args.threads, p,
                                                        queue)) for p in range(args.processes)]
        started = time.monotonic()
        for p in procs:
            p.start()
        stats = [s for _ in procs for s in queue.get(timeout=args.seconds + 120)]
        for p in procs:
            p.join(timeout=30)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {"label": label, "stats": stats, "elapsed": elapsed,
            "counts": None if floor else store_counts(database_url, env)}


def store_counts(database_url: str, env: dict[str, str]) -> dict[str, Any]:
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "SUBJECT_KEY", "INSTANCE_PATH")})
    from gateway.app import create_app

    app = create_app({"DATABASE_URL": database_url})
    gw = app.extensions["gateway"]
    try:
        business = gw.store.get_business("demo")
        return {"events": gw.store.count_events(business.id),
                "inbound": gw.messaging.store.count_inbound(business.id),
                "ledger_ok": gw.store.verify("demo").ok}
    finally:
        gw.db.dispose()


def report(result: dict[str, Any]) -> bool:
    stats = result["stats"]
    lat = sorted(x for s in stats for x in s["lat"])
    ok = sum(s["ok"] for s in stats)
    errors = sum(s["errors"] for s in stats)
    events = sum(s["events"] for s in stats)
    dupes = sum(s["dupes"] for s in stats)
    kinds: dict[str, int] = {}
    for s in stats:
        for k, v in s["error_kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    print(f"\n== {result['label']} ==")
    print(f"requests: {len(lat)} in {result['elapsed']:.1f} s -> "
          f"{len(lat) / result['elapsed']:.0f} req/s")
    print(f"latency: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
          f"max {lat[-1] * 1000:.1f} ms" if lat else "latency: no requests")
    print(f"errors: {errors} {kinds or ''}")
    print(f"redeliveries (same MessageSid): {dupes}")
    result["rate"] = len(lat) / result["elapsed"]
    counts = result["counts"]
    if counts is None:  # the floor stores no consent
        return errors == 0
    # Each successful first delivery is one processed message; redeliveries add nothing.
    expected_inbound = ok - dupes
    good = (counts["events"] == events and counts["inbound"] == expected_inbound
            and counts["ledger_ok"] and errors == 0)
    print(f"store: events {counts['events']} (expected {events}), processed messages "
          f"{counts['inbound']} (expected {expected_inbound}), ledger "
          f"{'verifies' if counts['ledger_ok'] else 'BROKEN'} -> {'OK' if good else 'MISMATCH'}")
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help=f"≤ {MAX_SECONDS}")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--processes", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=8, help="customers per load process")
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the minimal app run in the same conditions (bench/_floor_app.py)")
    args = parser.parse_args()
    args.seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    print(f"gunicorn workers {args.workers}, load {args.processes} processes x {args.threads} "
          f"threads, {args.seconds:.0f} s per database, CPUs {os.cpu_count()}")
    all_good = True
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp_name:
        tmp = Path(tmp_name)
        stores = [] if args.skip_sqlite else [("SQLite", lambda name: (
            f"sqlite:///{tmp / name}.db", lambda: None))]
        if args.postgres:
            stores.append(("PostgreSQL", lambda _name: postgres_schema(args.postgres)))
        for label, make in stores:
            rates = {}
            for floor in ((False, True) if args.floor else (False,)):
                name = f"{label} floor (minimal app)" if floor else label
                url, drop = make("floor" if floor else "bench")
                try:
                    result = run(name, url, args, tmp, floor=floor)
                    all_good &= report(result)
                    rates[floor] = result["rate"]
                finally:
                    drop()
            if args.floor:
                print(f"{label}: gateway / floor = {rates[False]:.0f} / {rates[True]:.0f} req/s "
                      f"= {rates[False] / rates[True]:.2f}")
    return 0 if all_good else 1


if __name__ == "__main__":
    sys.exit(main())
