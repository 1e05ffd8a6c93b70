"""The contacts workspace at a million contacts: page times on SQLite and PostgreSQL.

    python bench/contacts.py                     # 1,000,000 contacts, both stores
    python bench/contacts.py --contacts 100000 --stores sqlite --runs 20
    python bench/contacts.py --pg-url postgresql://postgres@127.0.0.1:5432/test --keep

Each store is seeded (bench/_contacts_seed.py: contacts, events, consent state, links, in
bulk) and then asked for the first page, pages under each filter and a combination, the
next page, a page 90 % deep in the keyset, and a page of a walk that began before 500
contacts moved; each query runs ``--runs`` times after 3 warm-up runs, timed in-process
around ``AdminStore.contacts_page`` (the SQL and the records, no HTTP). Two rows time
the whole ``GET /admin/contacts`` through Flask's test client (session, page rendering),
and one row streams a filtered CSV export; one more times a single eligibility answer.
PostgreSQL: a database of its own on the server of ``--pg-url``, dropped afterwards
(``--keep`` leaves it, and the SQLite file).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._contacts_seed import seed  # noqa: E402
from bench._server import percentile  # noqa: E402

PG_DATABASE = "optin_bench_contacts"
TARGET_MS = 100.0
WARMUP = 3


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pg_database(url: str, *, create: bool) -> str:
    """A database of its own beside ``url``'s (created, or dropped when create=False)."""
    from sqlalchemy import create_engine, text

    from gateway.store.engine import normalise_url

    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + PG_DATABASE


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def cases(gw: Any, business: Any, codes: list[str], seeded: Any, now: datetime
          ) -> list[tuple[str, dict[str, Any], Any]]:
    """(name, filter fields, cursor or None) of every measured page."""
    from gateway.admin.contact_filters import Cursor

    month = now - timedelta(days=30)
    old = now - timedelta(days=700)
    with gw.db.reading() as s:
        at, row_id = s.connection().exec_driver_sql(
            "SELECT last_activity_at, id FROM contacts ORDER BY last_activity_at DESC, id DESC "
            f"LIMIT 1 OFFSET {int(seeded.contacts * 0.9)}").one()
        head = s.connection().exec_driver_sql("SELECT MAX(seq) FROM ledger_heads").scalar()
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    deep = Cursor(int(head), now, at.replace(tzinfo=UTC) if at.tzinfo is None else at,
                  int(row_id), 18001)
    first = gw.admin_store.contacts_page(business.id, _filter())
    ref = gw.service.ref(business, seeded.sample_phones[0])
    return [
        ("first page", {}, None),
        ("next page (page 2)", {}, first.next),
        ("page 90% deep", {}, deep),
        ("topic offers + opted in", {"topic": "offers", "status": "opted_in"}, None),
        ("topic newsletter + opted out", {"topic": "newsletter", "status": "opted_out"}, None),
        ("pending (any topic)", {"status": "pending"}, None),
        ("channel qr (any event)", {"channel": "qr"}, None),
        ("channel ivr (rare)", {"channel": "ivr"}, None),
        ("placement, most used", {"placement": codes[0]}, None),
        ("placement, least used", {"placement": codes[-1]}, None),
        ("activity last 30 days", {"since": month}, None),
        ("activity, one month 2 years ago", {"since": old, "until": old + timedelta(30)},
         None),
        ("created, one month 2 years ago", {"dates": "created", "since": old,
                                            "until": old + timedelta(30)}, None),
        ("erased", {"erased": True}, None),
        ("linked", {"linked": True}, None),
        ("not erased, not linked", {"erased": False, "linked": False}, None),
        ("number, exact (any format)", {"refs": (ref,), "text": "090", "digits": None},
         None),
        ("name contains 'Tanaka'", {"text": "Tanaka"}, None),
        ("digits contain '4321'", {"text": "4321", "digits": "4321"}, None),
        ("name contains a rare name", {"text": seeded.rare_name}, None),
        ("combination: offers opted in, qr, last year, not erased",
         {"topic": "offers", "status": "opted_in", "channel": "qr",
          "since": now - timedelta(days=365), "erased": False}, None),
        ("combination, page 90% deep", {"topic": "offers", "status": "opted_in",
                                        "erased": False}, deep),
    ]


def _valid(phones: list[str]) -> list[str]:
    """The seeded numbers a customer could have given (the seed writes some that are not)."""
    from gateway.core.errors import GatewayError
    from gateway.core.phones import to_e164

    out = []
    for phone in phones:
        try:
            out.append(to_e164(phone))
        except GatewayError:
            continue
    return out


def _filter(**fields: Any) -> Any:
    from gateway.admin.contact_filters import ContactFilter

    return ContactFilter(**fields)


def moved_case(gw: Any, business: Any, seeded: Any, runs: int) -> tuple[str, list[float]]:
    """Page 2 of a walk that began before 500 contacts got a new event (real write path)."""
    from gateway.core.consent import Capture

    page = gw.admin_store.contacts_page(business.id, _filter())
    rng = random.Random(7)
    for n in range(500):
        cid = rng.randrange(1, seeded.contacts)
        gw.service.capture(Capture(
            business=business.slug,
            phone=f"+8190{10_000_000 + (cid * 7919) % 90_000_000:08d}",  # valid mobiles
            channel="sms", method="keyword", topics=("offers",), wording_kind="sms",
            idempotency_key=f"bench-moved-{n}"), business)
    times = timed(lambda: gw.admin_store.contacts_page(business.id, _filter(),
                                                       after=page.next), runs)
    return "page 2 after 500 contacts moved", times


def http_cases(app: Any, gw: Any, business: Any, runs: int) -> list[tuple[str, list[float]]]:
    from werkzeug.security import generate_password_hash

    gw.store.create_admin("bench", generate_password_hash("bench-pass", "pbkdf2:sha256:1000"),
                          "admin", None)
    client = app.test_client()
    client.post("/admin/login", data={"username": "bench", "password": "bench-pass"})
    out = []
    for name, query in (("HTTP: GET /admin/contacts", ""),
                        ("HTTP: filtered (offers opted in, qr)",
                         "?topic=offers&status=opted_in&channel=qr")):
        def get(query: str = query) -> None:
            res = client.get("/admin/contacts" + query)
            assert res.status_code == 200, res.status_code
        out.append((name, timed(get, runs)))
    return out


def export_case(gw: Any, business: Any) -> str:
    """Stream the CSV of a filtered view (opted out of newsletter) to /dev/null."""
    from gateway.admin.contact_export import contacts_csv

    before = rss_mib()
    started = time.perf_counter()
    rows = size = 0
    blocks = gw.admin_store.contact_blocks(business.id, _filter(topic="newsletter",
                                                               status="opted_out"))
    for chunk in contacts_csv(blocks, business.topic_keys):
        size += len(chunk)
        rows += chunk.count(b"\n")
    wall = time.perf_counter() - started
    return (f"export CSV (newsletter opted out): {rows - 1:,} rows, {size / 1e6:.1f} MB in "
            f"{wall:.1f} s ({(rows - 1) / wall:,.0f} rows/s); peak RSS {before:.0f} -> "
            f"{rss_mib():.0f} MiB")


def run_store(kind: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from gateway.app import create_app
    from gateway.cli import setup_business

    url = (pg_database(args.pg_url, create=True) if kind == "postgresql"
           else f"sqlite:///{work / 'contacts.db'}")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret",
                      "SUBJECT_KEY": "bench-subject", "INSTANCE_PATH": str(work / "instance"),
                      "WTF_CSRF_ENABLED": False})
    gw = app.extensions["gateway"]
    report: dict[str, Any] = {"store": kind, "rows": []}
    try:
        gw.db.upgrade()
        business = setup_business(gw.store, slug="bench", name="Bench Coffee",
                                  whatsapp="+81345678901", country="JP", languages=("ja", "en"))
        kinds = ("store", "poster", "ad", "website", "event")
        codes = [gw.placements.create(business, kind=kinds[k % 5], label=f"Spot {k}")
                 for k in range(40)]
        placements = [(p.code, p.kind, p.label) for p in codes]
        now = datetime.now(UTC)
        started = time.perf_counter()
        with gw.db.write_engine.begin() as conn:
            seeded = seed(conn, business, placements, args.contacts, now, random.Random(1),
                          lambda phone: gw.service.ref(business, phone))
        report["seed_s"] = time.perf_counter() - started
        started = time.perf_counter()
        with gw.db.write_engine.begin() as conn:  # the statistics a live store would have
            conn.exec_driver_sql("ANALYZE")
        report["analyze_s"] = time.perf_counter() - started
        report["seeded"] = seeded
        report["rss_seeded"] = rss_mib()
        print(f"{kind}: seeded {seeded.contacts:,} contacts, {seeded.events:,} events, "
              f"{seeded.states:,} state rows, {seeded.links:,} links in "
              f"{report['seed_s']:.0f} s (+ ANALYZE {report['analyze_s']:.1f} s)", flush=True)
        for name, fields, cursor in cases(gw, business, [c for c, _k, _l in placements],
                                          seeded, now):
            flt = _filter(**fields)
            got = gw.admin_store.contacts_page(business.id, flt, after=cursor)
            times = timed(lambda flt=flt, cursor=cursor: gw.admin_store.contacts_page(
                business.id, flt, after=cursor), args.runs)
            report["rows"].append((name, times, len(got.contacts)))
            print(f"  {name:58s} p95 {percentile(times, 95):7.1f} ms", flush=True)
        for name, times in http_cases(app, gw, business, args.runs):
            report["rows"].append((name, times, 50))
        phones = iter(_valid(seeded.sample_phones) * (args.runs + WARMUP))
        report["rows"].append(("eligibility of one number (service, in-process)", timed(
            lambda: gw.service.eligibility(business, next(phones), "offers"), args.runs), 1))
        name, times = moved_case(gw, business, seeded, args.runs)
        report["rows"].append((name, times, 50))
        report["export"] = export_case(gw, business)
        report["rss_end"] = rss_mib()
    finally:
        gw.db.dispose()
        if kind == "postgresql" and not args.keep:
            pg_database(args.pg_url, create=False)
    return report


def print_table(reports: list[dict[str, Any]], runs: int) -> None:
    names = [r[0] for r in reports[0]["rows"]]
    stores = [r["store"] for r in reports]
    print(f"\ncontacts workspace, {reports[0]['seeded'].contacts:,} contacts, {runs} runs per "
          f"query after {WARMUP} warm-up runs; ms (p50 / p95 / p99); rows = contacts on "
          "the page; target p95 < 100 ms")
    head = f"{'query':58s}" + "".join(f" | {s:>24s}" for s in stores)
    print(head)
    print("-" * len(head))
    missed = []
    for i, name in enumerate(names):
        cells = []
        for report in reports:
            _name, times, count = report["rows"][i]
            p95 = percentile(times, 95)
            flag = "!" if p95 >= TARGET_MS else " "
            if p95 >= TARGET_MS:
                missed.append(f"{report['store']}: {name}")
            cells.append(f"{percentile(times, 50):6.1f} {p95:6.1f}{flag}"
                         f"{percentile(times, 99):6.1f} {count:3d}")
        print(f"{name:58s}" + "".join(f" | {c:>24s}" for c in cells))
    for report in reports:
        s = report["seeded"]
        print(f"{report['store']}: seed {report['seed_s']:.0f} s for {s.contacts:,} contacts / "
              f"{s.events:,} events / {s.states:,} state rows (ANALYZE "
              f"{report['analyze_s']:.1f} s); peak RSS {report['rss_seeded']:.0f} MiB after "
              f"seeding, {report['rss_end']:.0f} MiB at the end")
        print(f"{report['store']}: {report['export']}")
    print("over target (p95 >= 100 ms): " + ("; ".join(missed) if missed else "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="optin-contacts-"))
    reports = []
    try:
        for kind in args.stores.split(","):
            reports.append(run_store(kind, args, work))
    finally:
        if args.keep:
            print(f"kept: {work} and database {PG_DATABASE}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(reports, args.runs)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
