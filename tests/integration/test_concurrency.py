"""Several processes write to one store at once: one event per key, a valid chain."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from gateway.core.consent import Business

WORKERS = 4
PER_WORKER = 25


def _writer(config: dict[str, Any], key: str, worker: int, barrier: Any, out: Any) -> None:
    from gateway.app import create_app

    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    barrier.wait()
    codes = []
    for n in range(PER_WORKER):
        # Shared keys: every worker posts the same delivery (a webhook retried everywhere).
        shared = client.post("/api/v1/consents", headers=headers, json={
            "phone": f"+81901111{n:04d}", "topics": ["offers"], "idempotency_key": f"shared-{n}"})
        # Own keys: distinct events from each worker, interleaved with the shared ones.
        own = client.post("/api/v1/consents", headers=headers, json={
            "phone": f"+8180{1000 + worker}{n:04d}", "topics": ["newsletter"],
            "idempotency_key": f"own-{worker}-{n}"})
        opt_out = client.post("/api/v1/opt-outs", headers=headers, json={
            "phone": f"+81901111{n:04d}", "topics": ["newsletter"],
            "idempotency_key": f"out-{n}"})
        codes += [shared.status_code, own.status_code, opt_out.status_code]
    out.put(codes)
    app.extensions["gateway"].db.dispose()


def test_concurrent_writers_keep_one_event_per_key_and_a_valid_chain(
        app_config: dict[str, Any], gw: Any, business: Business, api_key: str) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(app_config, api_key, w, barrier, out))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    codes = [c for r in results for c in r]
    assert set(codes) <= {200, 201}
    # Each shared key was created exactly once across all workers.
    assert codes.count(201) == PER_WORKER + WORKERS * PER_WORKER + PER_WORKER
    assert gw.store.count_events(business.id) == PER_WORKER * (2 + WORKERS)
    verification = gw.store.verify("demo")
    assert verification.ok and verification.entries == PER_WORKER * (2 + WORKERS)
    for n in (0, PER_WORKER - 1):
        assert gw.service.eligibility(business, f"+81901111{n:04d}", "offers").allowed
        assert gw.service.eligibility(business, f"+81901111{n:04d}", "newsletter").reason in (
            "opted_out", "topic_not_chosen")
