"""Runs CSV import jobs: read, normalise every row, record good rows in batches.

One process reads the file and writes; for large files, worker processes normalise (phone
parsing dominates the cost, and the ledger's hash chain must be written by one process in
order). Each batch of rows commits together with the job's checkpoint, so a killed import
resumes exactly after its last committed batch; row idempotency keys make re-importing
the same rows a no-op as well.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from gateway.core.consent import Business, Wording
from gateway.core.errors import StoreRejected, WriteConflict
from gateway.core.identity import PHONE, USER_ID, Identifier
from gateway.core.outbox import OutboxItem, RetryLater
from gateway.core.service import ConsentService
from gateway.imports.bulk_rows import BulkRow
from gateway.imports.jobs import DONE, UNFINISHED, ImportJob, new_job_id, new_owner, owner_is_dead
from gateway.imports.pipeline import collector_paused, in_chunks, prepared
from gateway.imports.rows import FileInfo, RowReader, inspect_file
from gateway.imports.texts import ImportBusy, ImportProblem
from gateway.imports.worker import Bad, JobContext, LinkRequest, plain, row_of

log = logging.getLogger("gateway.importer")

CHUNK_ROWS = 1000  # rows per task sent to a worker
BATCH_ROWS = 100_000  # rows per transaction (with the job's checkpoint), at most...
BATCH_SECONDS = 5.0  # ...and seconds per transaction: other writers wait for its lock
CONFLICT_RETRIES = 2
INLINE_BYTES = 4 << 20  # smaller files are normalised in-process: no worker start-up
LEASE = timedelta(minutes=2)
OUTBOX_KIND = "import"

SLICE_SECONDS = 30.0  # an outbox run imports this long, then queues its continuation
# No heartbeat for this long: no worker runs (it beats every 10 s, between slices).
WORKER_QUIET = timedelta(seconds=2 * SLICE_SECONDS + 60)

ProgressFn = Callable[[ImportJob], None]


class Stores(Protocol):
    """What the importer needs from the consent store."""

    def business_by_id(self, business_id: int) -> Business | None: ...
    def list_wordings(self, business_id: int) -> list[Wording]: ...


class Transaction(Protocol):
    """One open bulk transaction of a job (``ImportStore.transaction`` yields it)."""

    rows: int

    def add(self, rows: Sequence[BulkRow], errors: Sequence[Bad], *, count: int,
            bytes_processed: int) -> None: ...
    def applied_to(self, job: ImportJob) -> ImportJob: ...


class JobStore(Protocol):
    """Import jobs and their bulk writes; ``gateway.store.imports_store.ImportStore``
    implements it. ``transaction`` raises ``WriteConflict`` when a concurrent writer
    clashed (nothing was written: retry from the job's checkpoint)."""

    dialect: str

    def create_job(self, job_id: str, business_id: int, *, source: str, actor: str | None,
                   filename: str, path: str, info: FileInfo, columns: Sequence[str]
                   ) -> ImportJob: ...
    def get_job(self, job_id: str, business_id: int | None = None) -> ImportJob: ...
    def find_unfinished(self, business_id: int, sha256: str) -> ImportJob | None: ...
    def list_jobs(self, business_id: int, limit: int = 50) -> list[ImportJob]: ...
    def claim(self, job_id: str, owner: str, lease: timedelta,
              owner_is_dead: Callable[[str | None], bool]) -> ImportJob: ...
    def transaction(self, job: ImportJob, owner: str, *, lease: timedelta
                    ) -> AbstractContextManager[Transaction]: ...
    def finish(self, job_id: str, owner: str, *, failed: bool = False,
               error_code: str | None = None, error_params: dict[str, Any] | None = None
               ) -> ImportJob: ...
    def release(self, job_id: str, owner: str) -> None: ...
    def iter_errors(self, job_id: str) -> Iterator[Any]: ...
    def stale_jobs(self, now: datetime) -> list[ImportJob]: ...


def _id_prefix(job: ImportJob) -> int:
    """UUIDv7 fields above the row number: unix ms (48), version 7 (4), 12 + 30 bits of
    the job id, variant 0b10 (2); the low 32 bits are left for the row number."""
    ms = int(job.created_at.timestamp() * 1000) & ((1 << 48) - 1)
    salt = int(hashlib.sha256(job.id.encode()).hexdigest()[:11], 16) & ((1 << 42) - 1)
    return (ms << 80) | (0x7 << 76) | ((salt >> 30) << 64) | (0b10 << 62) | \
        ((salt & ((1 << 30) - 1)) << 32)


# -- jobs ------------------------------------------------------------------------------------

class Importer:
    """Creates, runs and resumes import jobs (CLI, API and the outbox worker share it)."""

    def __init__(self, store: Stores, jobs: JobStore, service: ConsentService, outbox: Any,
                 upload_dir: Path, clock: Callable[[], datetime]):
        self.store = store
        self.jobs = jobs
        self.service = service
        self.outbox = outbox
        self.upload_dir = upload_dir
        self.clock = clock

    # creating

    def create_job(self, business: Business, path: Path, *, source: str, actor: str | None,
                   filename: str | None = None, job_id: str | None = None) -> ImportJob:
        """Inspect ``path`` (encoding, header) and register a queued job for it."""
        info = inspect_file(path)
        with RowReader(path, info.encoding) as reader:
            header = reader.header
        return self.jobs.create_job(job_id or new_job_id(), business.id, source=source,
                                    actor=actor, filename=filename or path.name,
                                    path=str(path.resolve()), info=info, columns=header.names)

    def job_for_file(self, business: Business, path: Path, *, actor: str | None,
                     new: bool = False) -> tuple[ImportJob, bool]:
        """The unfinished job for this very file (to resume), or a new one."""
        info = inspect_file(path)
        if not new:
            job = self.jobs.find_unfinished(business.id, info.sha256)
            if job is not None and Path(job.path).exists():
                return job, True
        return self.create_job(business, path, source="cli", actor=actor), False

    def save_upload(self, business: Business, stream: Any, filename: str, *, actor: str | None
                    ) -> ImportJob:
        """Store an uploaded file under the instance folder and register its job."""
        job_id = new_job_id()
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        path = self.upload_dir / f"{job_id}.csv"
        stream.save(str(path))
        try:
            return self.create_job(business, path, source="api", actor=actor,
                                   filename=filename, job_id=job_id)
        except ImportProblem:
            path.unlink(missing_ok=True)
            raise

    def enqueue(self, job: ImportJob) -> None:
        self.outbox.enqueue(OUTBOX_KIND, {"job_id": job.id},
                            f"import:{job.id}:{job.rows_processed}", job.business_id)

    def worker_quiet(self) -> tuple[bool, datetime | None]:
        """Whether no worker has been seen for a while (jobs would wait), and when one was
        last seen (None: never)."""
        seen = self.outbox.last_beat()
        return seen is None or self.clock() - seen > WORKER_QUIET, seen

    def requeue_stale(self) -> int:
        """Queue every unfinished job nobody holds (its process died, or failed mid-way) for
        the outbox worker, which resumes it from its checkpoint; safe to repeat."""
        # Uploads only: a CLI job's file is on the machine that ran it (rerun the command).
        stale = [job for job in self.jobs.stale_jobs(self.clock()) if job.source != "cli"]
        for job in stale:
            self.outbox.enqueue(OUTBOX_KIND, {"job_id": job.id},
                                f"import:{job.id}:{job.rows_processed}:stale:"
                                f"{job.updated_at.timestamp():.0f}", job.business_id)
        return len(stale)

    def handle_outbox(self, item: OutboxItem) -> None:
        """Outbox handler: import for a time slice, then queue the rest (other kinds of
        outbox work are not held up by a million-row file)."""
        try:
            job = self.run(str(item.payload["job_id"]), time_limit=SLICE_SECONDS)
        except ImportBusy as exc:
            raise RetryLater(str(exc)) from None
        if job.status in UNFINISHED:
            self.enqueue(job)

    # running

    def run(self, job_id: str, *, workers: int | None = None,
            progress: ProgressFn | None = None, time_limit: float | None = None,
            batch_rows: int | None = None) -> ImportJob:
        """Import (or resume) a job until done, or until ``time_limit`` seconds have passed.

        ``batch_rows``: rows per transaction (default BATCH_ROWS; a transaction also ends
        after BATCH_SECONDS). Smaller ones hold the business's ledger lock (on SQLite, the
        database write lock) for less time; larger ones write each index page fewer times."""
        owner = new_owner()
        job = self.jobs.claim(job_id, owner, LEASE, owner_is_dead)
        if job.status not in UNFINISHED:
            return job
        business = self.store.business_by_id(job.business_id)
        path = Path(job.path)
        if business is None or not path.exists():
            return self.jobs.finish(job_id, owner, failed=True, error_code="file_missing",
                                    error_params={"path": path.name})
        try:
            encoding = job.encoding or inspect_file(path).encoding
            ctx = self.job_context(job, business, encoding)
        except ImportProblem as exc:
            return self.jobs.finish(job_id, owner, failed=True, error_code=exc.code,
                                    error_params=plain(exc.params))
        if workers is None:
            workers = (os.cpu_count() or 1) if job.size_bytes > INLINE_BYTES else 0
        careful = False
        try:
            for attempt in range(CONFLICT_RETRIES + 1):
                try:
                    with RowReader(path, encoding) as reader, collector_paused():
                        finished = self._pump(job, ctx, reader, owner, workers, progress,
                                              time_limit, batch_rows or BATCH_ROWS, careful)
                    break
                except (WriteConflict, StoreRejected) as exc:
                    # WriteConflict: a contact was added meanwhile by a path without the
                    # ledger lock. StoreRejected: the database refused a row the checks let
                    # through. Either way the transaction wrote nothing: go again from the
                    # checkpoint, after a refusal one chunk per transaction (see _write).
                    if attempt == CONFLICT_RETRIES or (careful and
                                                       isinstance(exc, StoreRejected)):
                        raise
                    careful = careful or isinstance(exc, StoreRejected)
                    job = self.jobs.get_job(job_id)
        except ImportProblem as exc:
            return self.jobs.finish(job_id, owner, failed=True, error_code=exc.code,
                                    error_params=plain(exc.params))
        except BaseException:
            # Interrupted or failed mid-way: the job stays resumable from its last checkpoint;
            # give the lease back so a rerun can start at once.
            try:
                self.jobs.release(job_id, owner)
            except Exception:  # noqa: BLE001 - the original error matters more
                log.exception("could not release import job %s", job_id)
            raise
        if finished:
            return self.jobs.finish(job_id, owner)
        self.jobs.release(job_id, owner)
        return self.jobs.get_job(job_id)

    def _pump_carefully(self, job: ImportJob, ctx: JobContext, reader: RowReader, owner: str,
                        workers: int, progress: ProgressFn | None) -> bool:
        """Import one chunk per transaction; a chunk the database refuses is written row by
        row, and each row it still refuses goes to the error report: one bad row never costs
        the good ones."""
        results = prepared(ctx, reader, in_chunks(_after_checkpoint(job, reader), CHUNK_ROWS),
                           workers, self.clock)
        try:
            for goods, bads, links, count, at_bytes in results:
                try:
                    with self.jobs.transaction(job, owner, lease=LEASE) as tx:
                        tx.add(goods, bads, count=count, bytes_processed=at_bytes)
                except StoreRejected:
                    job, refused = self._one_by_one(job, owner, goods)
                    with self.jobs.transaction(job, owner, lease=LEASE) as tx:
                        tx.add([], [*bads, *refused], count=count, bytes_processed=at_bytes)
                job = tx.applied_to(job)
                self._link(job, links)
                if progress is not None:
                    progress(job)
            return True
        finally:
            results.close()

    def _one_by_one(self, job: ImportJob, owner: str, goods: Sequence[BulkRow]
                    ) -> tuple[ImportJob, list[Bad]]:
        """Each row in its own transaction; the rows the database refuses, as bad rows."""
        refused: list[Bad] = []
        for good in goods:
            try:
                with self.jobs.transaction(job, owner, lease=LEASE) as tx:
                    tx.add([good], [], count=0, bytes_processed=job.bytes_processed)
            except StoreRejected:
                log.warning("import job %s: row %s refused by the database", job.id,
                            row_of(good.event_id))
                refused.append((row_of(good.event_id), None, "store_rejected", {}, []))
                continue
            job = tx.applied_to(job)
        return job, refused

    def _link(self, job: ImportJob, links: Sequence[LinkRequest]) -> None:
        """Rows that named a number and a WhatsApp user ID: one person, linked once their
        events are committed (a rerun links again harmlessly: a link is kept once)."""
        if not links:
            return
        business = self.store.business_by_id(job.business_id)
        assert business is not None
        for row, phone, user, occurred in links:
            self.service.link(business, Identifier(PHONE, phone), Identifier(USER_ID, user),
                              evidence={"import_job": job.id, "row": row,
                                        "file_sha256": job.sha256},
                              occurred_at=datetime.fromisoformat(occurred), channel="paper",
                              actor=f"import:{job.id}")

    def job_context(self, job: ImportJob, business: Business, encoding: str) -> JobContext:
        """What the workers need to normalise ``job``'s rows (ImportProblem: bad header)."""
        with RowReader(Path(job.path), encoding) as reader:
            header = reader.header
        hook = self.service.suppressed_refs
        return JobContext(
            business=dataclasses.replace(business, settings=dict(business.settings)),
            wordings=tuple(self.store.list_wordings(business.id)),
            subject_key=self.service.subject_key, allowed_channels=self.service.allowed_channels,
            job_id=job.id, sha256=job.sha256, header=header, id_prefix=_id_prefix(job),
            dialect=self.jobs.dialect,
            refused=frozenset(hook(job.business_id)) if hook is not None else frozenset())

    def _pump(self, job: ImportJob, ctx: JobContext, reader: RowReader, owner: str,
              workers: int, progress: ProgressFn | None, time_limit: float | None,
              batch_rows: int, careful: bool = False) -> bool:
        """Import from the job's checkpoint; True when the file is done, False when the time
        limit stopped it (the rest is for the next run). ``careful``: one chunk per
        transaction, and a chunk the database refuses is written row by row."""
        if careful:
            return self._pump_carefully(job, ctx, reader, owner, workers, progress)
        rows = _after_checkpoint(job, reader)
        started = time.monotonic()
        results = prepared(ctx, reader, in_chunks(rows, min(CHUNK_ROWS, batch_rows)), workers,
                           self.clock)
        try:
            while True:
                links: list[LinkRequest] = []
                with self.jobs.transaction(job, owner, lease=LEASE) as tx:
                    opened = time.monotonic()
                    done = out_of_time = False
                    while not (done or out_of_time):
                        result = next(results, None)
                        if result is None:
                            done = True
                            break
                        goods, bads, found, count, at_bytes = result
                        tx.add(goods, bads, count=count, bytes_processed=at_bytes)
                        links += found
                        if progress is not None:
                            progress(tx.applied_to(job))
                        now = time.monotonic()
                        out_of_time = time_limit is not None and now - started > time_limit
                        if tx.rows >= batch_rows or now - opened >= BATCH_SECONDS:
                            break
                job = tx.applied_to(job)
                self._link(job, links)
                if done:
                    return True
                if out_of_time:
                    # Rows read ahead but not committed are read again by the next run.
                    return next(results, None) is None
        finally:
            results.close()


def _after_checkpoint(job: ImportJob, reader: RowReader) -> Iterator[tuple[int, list[str]]]:
    """The file's rows after what the job has committed (a resumed job skips those)."""
    rows = reader.rows()
    for _ in range(job.rows_processed):
        if next(rows, None) is None:
            break
    return rows


__all__ = ["Importer", "ImportJob", "FileInfo", "DONE"]
