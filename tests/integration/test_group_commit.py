"""Group commit on a real store (SQLite and PostgreSQL): concurrent captures of one
business share transactions, and nothing is acknowledged before it is committed."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.core.consent import Business, Capture
from gateway.core.errors import Conflict
from gateway.store import record_sql
from gateway.store.consent_store import _Write
from gateway.store.tables import EventRow, LedgerHead

ROOT = Path(__file__).resolve().parents[2]


def capture(key: str, phone: str, topics: tuple[str, ...] = ("offers",), **extra: Any
            ) -> Capture:
    return Capture(business="demo", phone=phone, channel="checkout", method="api",
                   topics=topics, wording_kind="checkout", idempotency_key=key, **extra)


def batch_sizes(gw: Any) -> Counter[int]:
    """Count the size of every batch the store's group commit runs from now on."""
    sizes: Counter[int] = Counter()
    run = gw.store.group_commit.run_batch

    def counted(key: Any, writes: Any) -> Any:
        sizes[len(writes)] += 1
        return run(key, writes)

    gw.store.group_commit.run_batch = counted
    return sizes


def in_threads(count: int, work: Any) -> list[Any]:
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def stored_keys(gw: Any, business: Business) -> list[str]:
    with gw.db.reading() as s:
        return list(s.scalars(select(EventRow.idempotency_key)
                              .where(EventRow.business_id == business.id)))


def assert_gap_free(gw: Any, business: Business, expected: int) -> None:
    with gw.db.reading() as s:
        seqs = list(s.scalars(select(EventRow.seq).where(EventRow.business_id == business.id)
                              .order_by(EventRow.seq)))
        head = s.get(LedgerHead, business.id)
    assert seqs == list(range(1, expected + 1))
    assert head is not None and head.seq == expected
    assert gw.store.verify("demo").ok


def test_concurrent_captures_share_transactions_and_each_gets_its_own_event(
        gw: Any, business: Business) -> None:
    gw.proof.add_webhook(business, "https://93.184.216.34/hook", "CRM", actor="test")
    sizes = batch_sizes(gw)
    per_thread = 30

    def work(i: int) -> list[Any]:
        return [gw.service.capture(capture(f"k-{i}-{n}", f"+81901{i:02d}{n:05d}"), business)
                for n in range(per_thread)]

    results = in_threads(8, work)
    events = [r.event for per in results for r in per]
    assert all(r.created for per in results for r in per)
    assert len({e.event_id for e in events}) == 8 * per_thread
    assert max(sizes) > 1, f"no batch formed: {sizes}"  # the test really gathered
    assert_gap_free(gw, business, 8 * per_thread)
    # Each answer is the event as stored, with its own place in the chain.
    assert sorted(e.seq for e in events) == list(range(1, 8 * per_thread + 1))
    announced = {item.payload["event_id"] for item in gw.outbox.items("webhook")}
    assert announced == {e.event_id for e in events}
    assert gw.service.eligibility(business, "+819010700029", "offers").allowed  # i=7, n=29


def test_one_batch_holding_a_redelivery_a_reused_key_and_new_events(
        gw: Any, business: Business) -> None:
    first = gw.service.capture(capture("used", "+819011110000"), business)

    def write(i: int) -> _Write:
        if i % 4 == 0:  # the same delivery again: the stored event
            c = capture("used", "+819011110000")
        elif i % 4 == 1:  # the same key for another person: a conflict for that caller only
            c = capture("used", "+819022220000")
        elif i % 4 == 2:  # a new key, sent twice within the batch: recorded once
            c = capture(f"new-{i}", f"+8190333{i:05d}")
        else:
            c = capture(f"new-{i - 1}", f"+8190333{i - 1:05d}")
        return _Write(gw.service.prepare(c, business), None, None)

    # All sixteen in one transaction, as group commit gathers them.
    results = gw.store._record_batch(business.id, [write(i) for i in range(16)])
    for i, result in enumerate(results):
        if i % 4 == 0:
            assert not result.created and result.event.event_id == first.event.event_id
        elif i % 4 == 1:
            assert isinstance(result, Conflict) and result.code == "idempotency_reused"
        elif i % 4 == 2:
            assert result.created, result
        else:  # the in-batch redelivery answers with the event recorded just before it
            assert not result.created and result.event.event_id == results[i - 1].event.event_id
    assert_gap_free(gw, business, 1 + 4)


def test_the_same_new_key_from_many_callers_at_once_records_once(
        gw: Any, business: Business) -> None:
    results = in_threads(12, lambda i: gw.service.capture(
        capture("same-order", "+819044440000"), business))
    assert [r.created for r in results].count(True) == 1
    assert len({r.event.event_id for r in results}) == 1
    assert_gap_free(gw, business, 1)


def test_a_batch_that_clashes_with_another_writer_is_undone_and_each_write_goes_alone(
        gw: Any, business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    real = record_sql.ChainBatch.flush
    state = {"flushes": 0}

    def clash_once(batch: record_sql.ChainBatch, *args: Any) -> None:
        real(batch, *args)  # every row of the batch written...
        state["flushes"] += 1
        if state["flushes"] == 1:  # ...then another process's row is found in the way
            raise IntegrityError("INSERT", {}, Exception("duplicate key (another process)"))

    monkeypatch.setattr(record_sql.ChainBatch, "flush", clash_once)
    writes = [capture(f"clash-{n}", f"+8190555{n:05d}") for n in range(6)]
    results = gw.store._record_batch(business.id, [
        _Write(gw.service.prepare(c, business), None, None) for c in writes])
    assert all(r.created for r in results)
    assert sorted(stored_keys(gw, business)) == sorted(c.idempotency_key for c in writes)
    assert_gap_free(gw, business, 6)


# -- several processes -------------------------------------------------------------------

PROCESSES, THREADS, PER_THREAD = 3, 4, 15


def _process(config: dict[str, Any], worker: int, barrier: Any, out: Any) -> None:
    from gateway.app import create_app

    app = create_app(config)
    gw = app.extensions["gateway"]
    business = gw.store.get_business("demo")
    sizes = batch_sizes(gw)
    barrier.wait()

    def work(i: int) -> list[tuple[str, bool]]:
        done = []
        for n in range(PER_THREAD):
            # Shared keys: every process records the same orders (a retried delivery).
            shared = gw.service.capture(capture(f"shared-{i}-{n}", f"+819020{i}{n:05d}"),
                                        business)
            own = gw.service.capture(capture(f"own-{worker}-{i}-{n}",
                                             f"+819030{worker}{i}{n:04d}"), business)
            done += [(shared.event.event_id, shared.created), (own.event.event_id, own.created)]
        return done

    results = in_threads(THREADS, work)
    out.put(([x for r in results for x in r] if all(isinstance(r, list) for r in results)
             else [repr(r) for r in results], dict(sizes)))
    gw.db.dispose()


def test_batches_from_several_processes_keep_the_chain_gap_free(
        app_config: dict[str, Any], gw: Any, business: Business) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [ctx.Process(target=_process, args=(app_config, w, barrier, out))
             for w in range(PROCESSES)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    answers = [a for outcomes, _sizes in reports for a in outcomes]
    assert all(isinstance(a, tuple) for a in answers), answers[:3]
    shared = THREADS * PER_THREAD
    own = PROCESSES * THREADS * PER_THREAD
    assert [created for _id, created in answers].count(True) == shared + own
    assert len({event_id for event_id, _created in answers}) == shared + own
    assert any(int(size) > 1 for _outcomes, sizes in reports for size in sizes)
    assert_gap_free(gw, business, shared + own)


# -- kill -9 between gathering and commit ------------------------------------------------

CHILD = '''
import json, os, signal, sys, threading
sys.path.insert(0, {root!r})
from sqlalchemy import text
from gateway.app import create_app
from gateway.store import record_sql
from gateway.store.consent_store import _Write
from tests.integration.test_group_commit import capture

app = create_app({config!r})
gw = app.extensions["gateway"]
business = gw.store.get_business("demo")
out = threading.Lock()
real_advance = record_sql.advance_head

def advance_or_die(conn, business_id, seq, digest):
    # The last statement before a batch commits: with two or more writes gathered, die.
    pending = [r[0] for r in conn.execute(text(
        "SELECT idempotency_key FROM consent_events WHERE business_id = :b AND seq > "
        "(SELECT seq FROM ledger_heads WHERE business_id = :b)"), {{"b": business_id}})]
    if len(pending) >= 2:
        with out:
            print("in flight " + json.dumps(pending), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    real_advance(conn, business_id, seq, digest)

record_sql.advance_head = advance_or_die

def writer(i):
    for n in range(200):
        key = f"kill-{{i}}-{{n}}"
        gw.service.capture(capture(key, f"+819040{{i:02d}}{{n:04d}}"), business)
        with out:
            print("acked " + key, flush=True)

threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
'''


def test_kill_9_between_gathering_and_commit_acknowledges_nothing_that_was_lost(
        app_config: dict[str, Any], gw: Any, business: Business) -> None:
    script = CHILD.format(root=str(ROOT), config=app_config)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=180, cwd=ROOT, env={**os.environ})
    assert child.returncode == -9, child.stderr[-2000:]
    lines = child.stdout.splitlines()
    in_flight = json.loads(next(x for x in lines if x.startswith("in flight "))[10:])
    acked = {x[6:] for x in lines if x.startswith("acked ")}
    assert len(in_flight) >= 2
    assert not acked & set(in_flight)  # nobody heard of a write that was not committed
    stored = set(stored_keys(gw, business))
    assert acked <= stored  # everything acknowledged survived the kill
    assert not stored & set(in_flight)  # the gathered batch is gone whole
    assert_gap_free(gw, business, len(stored))
    # The callers' retries (a provider redelivers) record the lost writes once each.
    for key in in_flight:
        i, n = (int(part) for part in key.split("-")[1:])
        assert gw.service.capture(capture(key, f"+819040{i:02d}{n:04d}"), business).created
    assert_gap_free(gw, business, len(stored) + len(in_flight))
