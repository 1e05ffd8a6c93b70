"""The worker side of an import: CSV rows -> events formatted for the bulk store.

Runs in the import's worker processes (see :mod:`gateway.imports.importer`), so it stays pure: no
Flask, no SQLAlchemy (tests/test_boundaries.py). A worker then weighs what the normaliser
and ``phonenumbers`` weigh, not the whole web application.
"""

from __future__ import annotations

import gc
import marshal
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.core import identity, ledger
from gateway.core.chain_template import ChainTemplate
from gateway.core.consent import Business, Wording
from gateway.core.errors import GatewayError
from gateway.core.limits import scrub
from gateway.core.service import ConsentService
from gateway.imports.bulk_rows import BulkRow, bulk_row
from gateway.imports.rows import Header, is_blank, row_capture, row_key

Bad = tuple[int, str | None, str, dict[str, Any], list[str]]
# (row, phone, user ID, occurred_at ISO): a row naming both is one person: link them
LinkRequest = tuple[int, str, str, str]
REPORT_CELL = 1000  # characters of a bad row's cell kept in the error report
REPORT_CELLS = 100


@dataclass(frozen=True)
class JobContext:
    """Everything needed to normalise rows, picklable for worker processes."""

    business: Business
    wordings: tuple[Wording, ...]
    subject_key: bytes
    allowed_channels: frozenset[str]
    job_id: str
    sha256: str
    header: Header
    id_prefix: int  # see event_id
    dialect: str  # rows are formatted for the store's driver in the workers
    refused: frozenset[str]  # subject refs of erased numbers

    def event_id(self, row: int) -> str:
        """A time-ordered UUID (version 7 layout, RFC 9562) per job and row: the job's
        start in ms, 42 bits of the job id, the row number. Imported events then append to
        the primary-key index in file order instead of scattering a million random uuid4
        keys through it (the bulk path's largest cost after the number parsing)."""
        n = self.id_prefix | (row & 0xFFFFFFFF)
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def row_of(event_id: str) -> int:
    """The row number an imported event's id carries (see JobContext.event_id)."""
    return int(event_id.replace("-", ""), 16) & 0xFFFFFFFF


class _Snapshot:
    """The read side of the store as of the job's start: what ConsentService.prepare uses."""

    def __init__(self, business: Business, wordings: Iterable[Wording]):
        self.business = business
        self.by_id = {w.id: w for w in wordings}
        self.current: dict[tuple[str, str], Wording] = {}
        for w in sorted(self.by_id.values(), key=lambda w: w.version):
            self.current[(w.kind, w.language)] = w

    def get_business(self, slug: str) -> Business | None:
        return self.business if slug == self.business.slug else None

    def get_wording(self, wording_id: str) -> Wording | None:
        return self.by_id.get(wording_id)

    def current_wording(self, business_id: int, kind: str, language: str) -> Wording | None:
        return self.current.get((kind, language)) if business_id == self.business.id else None


class Preparer:
    """Rows -> (good rows formatted for the bulk store, bad rows for the report)."""

    def __init__(self, ctx: JobContext):
        self.ctx = ctx
        self.now = datetime.min
        store: Any = _Snapshot(ctx.business, ctx.wordings)
        self.service = ConsentService(store, subject_key=ctx.subject_key,
                                      clock=lambda: self.now,
                                      allowed_channels=ctx.allowed_channels)

    def run(self, rows: Sequence[tuple[int, list[str]]], now: datetime
            ) -> tuple[list[BulkRow], list[Bad], list[LinkRequest]]:
        """Good rows for the bulk store, bad rows for the report, and links to record for
        rows that name a number and a WhatsApp user ID together."""
        self.now = now
        ctx = self.ctx
        business = ctx.business
        refused = ctx.refused
        goods: list[BulkRow] = []
        bads: list[Bad] = []
        links: list[LinkRequest] = []
        for row, cells in rows:
            if is_blank(cells):
                continue
            try:
                capture = row_capture(business, ctx.header, cells, row, job_id=ctx.job_id,
                                      sha256=ctx.sha256)
                both = identity.user_id(capture.user_id) \
                    if capture.phone and capture.user_id else None
                # The same validation as every channel (ConsentService.prepare -> normalise).
                event = self.service.prepare(capture, business, event_id=ctx.event_id(row))
            except GatewayError as exc:
                bads.append((row, exc.field, exc.code, plain(exc.params), reported(cells)))
                continue
            if event.subject_ref in refused:
                # Erased numbers are never re-imported without fresh consent (the proof
                # area's rule, which ConsentService.capture applies to single captures).
                bads.append((row, "phone", "suppressed_after_erasure", {}, [event.phone]))
                continue
            goods.append(bulk_row(event, ledger.personal_digest(ctx.subject_key,
                                                                event.personal),
                                  dialect=ctx.dialect, idempotency_key=row_key(event)))
            if both is not None:
                links.append((row, event.phone, both, event.occurred_at.isoformat()))
        return goods, bads, links


def plain(params: dict[str, Any]) -> dict[str, Any]:
    """An error's parameters as JSON-safe values (for the job's error report)."""
    return {k: v if isinstance(v, int | None) else scrub(v, REPORT_CELL)
            for k, v in params.items()}


def reported(cells: Sequence[str]) -> list[str]:
    """A bad row's cells as its report keeps them: control characters replaced, long cells
    cut, so the report itself can always be stored."""
    return [scrub(cell, REPORT_CELL) for cell in cells[:REPORT_CELLS]]


_WORKER: Preparer | None = None


def init_worker(ctx: JobContext, parent: int) -> None:
    """Pool initializer: one Preparer per worker process, which exits with ``parent``."""
    global _WORKER
    _WORKER = Preparer(ctx)
    # A worker's objects die with each chunk by reference counting and form no cycles, so
    # the cyclic collector only burns time scanning them (measured: ~10% of a worker's CPU).
    gc.disable()

    def watch() -> None:  # a killed importer must not leave its workers behind
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def work(rows: list[tuple[int, list[str]]], now: datetime) -> bytes:
    """One chunk of (row number, cells), normalised in a worker; see :func:`unmarshal`."""
    assert _WORKER is not None
    goods, bads, links = _WORKER.run(rows, now)
    # marshal, not pickle: plain tuples of text, about half the cost both ways (measured);
    # both ends are this same program.
    return marshal.dumps(([(*row[:-1], tuple(row.template)) for row in goods], bads, links))


def unmarshal(blob: bytes) -> tuple[list[BulkRow], list[Bad], list[LinkRequest]]:
    """A worker's answer: good rows for the bulk store, bad rows for the report, links."""
    goods, bads, links = marshal.loads(blob)  # noqa: S302 - from our own worker processes
    return [BulkRow(*row[:-1], ChainTemplate(*row[-1])) for row in goods], bads, links
