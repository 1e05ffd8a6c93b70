"""Cost of the proof features on a ledger of N entries (SQLite file, or DATABASE_URL).

    .venv/bin/python bench/proof_bench.py [N]

Prints: time to append N events, to sign a checkpoint (full verification first), to
verify chain + checkpoints, and to build one signed receipt with Merkle proofs.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import time
from pathlib import Path

from gateway.app import create_app
from gateway.cli import setup_business
from gateway.core.consent import Capture


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="proof-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SUBJECT_KEY": "bench",
                      "INSTANCE_PATH": str(tmp), "LEDGER_SIGNING_KEY":
                      base64.b64encode(b"k" * 32).decode()})
    gw = app.extensions["gateway"]
    gw.db.upgrade()
    business = setup_business(gw.store, slug="bench", name="Sakura Coffee", whatsapp="+81345678901",
                              country="JP", languages=("ja",))
    start = time.perf_counter()
    for i in range(n):
        gw.service.capture(Capture(business="bench", phone=f"+8190{10000000 + i}",
                                   channel="api", method="api", topics=("offers",),
                                   wording_kind="api", idempotency_key=f"b{i}"), business)
    append = time.perf_counter() - start
    t0 = time.perf_counter()
    record, _ = gw.proof.checkpoint(business)
    sign = time.perf_counter() - t0
    t0 = time.perf_counter()
    ok = gw.proof.verify("bench").ok
    verify = time.perf_counter() - t0
    t0 = time.perf_counter()
    receipt = gw.proof.receipt(business, "+819010000007")
    build = time.perf_counter() - t0
    proof = receipt["x-ocg"]["events"][0]["ledger"]["inclusionProof"]
    print(f"entries: {n} ({gw.db.dialect})")
    print(f"append:            {append:8.2f} s  ({n / append:,.0f} events/s, incl. listeners)")
    print(f"checkpoint:        {sign:8.3f} s  (verify chain + Merkle root + Ed25519), size "
          f"{record.size}")
    print(f"verify-ledger:     {verify:8.3f} s  ok={ok}")
    print(f"receipt (1 event): {build:8.3f} s  audit path {len(proof['auditPath'])} hashes")
    gw.db.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
