"""SQL of import jobs: create, claim with a lease, commit rows with their checkpoint, report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from gateway.core.clock import utcnow
from gateway.imports.bulk_rows import BulkRow
from gateway.imports.jobs import DONE, FAILED, QUEUED, RUNNING, UNFINISHED, ImportJob
from gateway.imports.rows import FileInfo
from gateway.imports.texts import ImportBusy, ImportNotFound
from gateway.store.bulk_store import BulkStore, BulkWriter
from gateway.store.engine import Database
from gateway.store.guards import findable
from gateway.store.tables_imports import ImportErrorRow, ImportJobRow

# (row, column, code, params, original values)
RowError = tuple[int, str | None, str, dict[str, Any], list[str]]


def _job(row: ImportJobRow) -> ImportJob:
    return ImportJob(
        id=row.id, business_id=row.business_id, status=row.status, source=row.source,
        actor=row.actor, filename=row.filename, path=row.path, sha256=row.sha256,
        size_bytes=row.size_bytes, encoding=row.encoding, columns=tuple(row.columns or ()),
        rows_processed=row.rows_processed, bytes_processed=row.bytes_processed,
        recorded=row.recorded, duplicates=row.duplicates, failed=row.failed,
        error_code=row.error_code, error_params=row.error_params, lease_owner=row.lease_owner,
        lease_until=row.lease_until, created_at=row.created_at, started_at=row.started_at,
        updated_at=row.updated_at, finished_at=row.finished_at)


class ImportTransaction:
    """One open import transaction: what it recorded, and where the file stands after it."""

    def __init__(self, writer: BulkWriter, job: ImportJob):
        self.writer = writer
        self.job_id = job.id
        self.rows = self.recorded = self.duplicates = self.failed = 0
        self.rows_processed, self.bytes_processed = job.rows_processed, job.bytes_processed

    def add(self, rows: Sequence[BulkRow], errors: Sequence[RowError], *, count: int,
            bytes_processed: int) -> None:
        """Record good ``rows`` and report ``errors``, which were the next ``count`` rows
        of the file, ending at byte ``bytes_processed``."""
        created = self.writer.add(rows) if rows else []
        recorded = sum(created)
        if errors:
            self.writer.conn.execute(insert(ImportErrorRow), [
                {"job_id": self.job_id, "row": row, "column": column, "code": code,
                 "params": params, "values": values}
                for row, column, code, params, values in errors])
        self.rows += count
        self.recorded += recorded
        self.duplicates += len(created) - recorded
        self.failed += len(errors)
        self.rows_processed += count
        self.bytes_processed = bytes_processed

    def applied_to(self, job: ImportJob) -> ImportJob:
        """``job`` (as it stood when this transaction began) advanced past it."""
        return dataclasses.replace(
            job, rows_processed=self.rows_processed, bytes_processed=self.bytes_processed,
            recorded=job.recorded + self.recorded, duplicates=job.duplicates + self.duplicates,
            failed=job.failed + self.failed)


class ImportStore:
    def __init__(self, db: Database, bulk: BulkStore, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.bulk = bulk
        self.clock = clock

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: the workers shape rows for this driver."""
        return self.bulk.dialect

    def create_job(self, job_id: str, business_id: int, *, source: str, actor: str | None,
                   filename: str, path: str, info: FileInfo, columns: Sequence[str]
                   ) -> ImportJob:
        now = self.clock()
        row = ImportJobRow(
            id=job_id, business_id=business_id, status=QUEUED, source=source, actor=actor,
            filename=filename[:255], path=path, sha256=info.sha256, size_bytes=info.size,
            encoding=info.encoding, columns=list(columns), rows_processed=0,
            bytes_processed=0, recorded=0, duplicates=0, failed=0, created_at=now,
            updated_at=now)
        with self.db.writing() as s:
            s.add(row)
        return _job(row)

    def get_job(self, job_id: str, business_id: int | None = None) -> ImportJob:
        if not findable(job_id, 40):
            raise ImportNotFound(value=job_id[:40])
        with self.db.reading() as s:
            row = s.get(ImportJobRow, job_id)
        if row is None or (business_id is not None and row.business_id != business_id):
            raise ImportNotFound(value=job_id)
        return _job(row)

    def find_unfinished(self, business_id: int, sha256: str) -> ImportJob | None:
        """The latest queued or interrupted job of this business for the same file."""
        with self.db.reading() as s:
            row = s.scalar(select(ImportJobRow).where(
                ImportJobRow.business_id == business_id, ImportJobRow.sha256 == sha256,
                ImportJobRow.status.in_(UNFINISHED)).order_by(
                ImportJobRow.created_at.desc()).limit(1))
        return _job(row) if row else None

    def list_jobs(self, business_id: int, limit: int = 50) -> list[ImportJob]:
        with self.db.reading() as s:
            return [_job(r) for r in s.scalars(select(ImportJobRow).where(
                ImportJobRow.business_id == business_id).order_by(
                ImportJobRow.created_at.desc()).limit(limit))]

    def stale_jobs(self, now: datetime) -> list[ImportJob]:
        """Unfinished jobs nobody holds (no lease, or an expired one): left behind by a
        process that died or failed mid-way."""
        with self.db.reading() as s:
            return [_job(r) for r in s.scalars(select(ImportJobRow).where(
                ImportJobRow.status.in_(UNFINISHED),
                or_(ImportJobRow.lease_until.is_(None), ImportJobRow.lease_until < now))
                .order_by(ImportJobRow.created_at))]

    def claim(self, job_id: str, owner: str, lease: timedelta,
              owner_is_dead: Callable[[str | None], bool]) -> ImportJob:
        """Take the job's lease (compare-and-set); ImportBusy while a live owner holds it."""
        now = self.clock()
        job = self.get_job(job_id)
        if job.status not in UNFINISHED:
            return job
        held = job.lease_owner is not None and job.lease_owner != owner and \
            job.lease_until is not None and job.lease_until > now
        if held and not owner_is_dead(job.lease_owner):
            raise ImportBusy(value=job_id, owner=job.lease_owner)
        with self.db.writing() as s:
            stmt = update(ImportJobRow).where(ImportJobRow.id == job_id)
            stmt = stmt.where(ImportJobRow.lease_owner.is_(None)) if job.lease_owner is None \
                else stmt.where(ImportJobRow.lease_owner == job.lease_owner)
            done = s.execute(stmt.values(
                status=RUNNING, lease_owner=owner, lease_until=now + lease, updated_at=now,
                started_at=job.started_at or now)).rowcount  # type: ignore[attr-defined]
        if done != 1:
            raise ImportBusy(value=job_id, owner="another process")
        return self.get_job(job_id)

    @contextmanager
    def transaction(self, job: ImportJob, owner: str, *, lease: timedelta
                    ) -> Iterator[ImportTransaction]:
        """One bulk transaction of ``job``: rows and bad rows go in with
        :meth:`ImportTransaction.add`; the job's checkpoint is written last, so the rows and
        the checkpoint that counts them commit together or not at all."""
        with self.bulk.writer(job.business_id) as writer:
            tx = ImportTransaction(writer, job)
            yield tx
            if tx.rows or tx.recorded or tx.duplicates or tx.failed:
                self.checkpoint(writer.conn, job.id, owner, tx, lease)

    def checkpoint(self, conn: Connection, job_id: str, owner: str, tx: ImportTransaction,
                   lease: timedelta) -> None:
        """Advance the job past ``tx``. Only matches while ``owner`` holds the lease: a
        process that lost its job to another one rolls back instead of writing it twice."""
        now = self.clock()
        result = conn.execute(update(ImportJobRow).where(
            ImportJobRow.id == job_id, ImportJobRow.lease_owner == owner).values(
            rows_processed=tx.rows_processed, bytes_processed=tx.bytes_processed,
            recorded=ImportJobRow.recorded + tx.recorded,
            duplicates=ImportJobRow.duplicates + tx.duplicates,
            failed=ImportJobRow.failed + tx.failed, updated_at=now, lease_until=now + lease))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ImportBusy(value=job_id, owner="another process")

    def finish(self, job_id: str, owner: str, *, failed: bool = False,
               error_code: str | None = None, error_params: dict[str, Any] | None = None
               ) -> ImportJob:
        now = self.clock()
        with self.db.writing() as s:
            s.execute(update(ImportJobRow).where(
                ImportJobRow.id == job_id,
                or_(ImportJobRow.lease_owner == owner, ImportJobRow.lease_owner.is_(None))
            ).values(status=FAILED if failed else DONE, error_code=error_code,
                     error_params=error_params, finished_at=now, updated_at=now,
                     lease_owner=None, lease_until=None))
        return self.get_job(job_id)

    def release(self, job_id: str, owner: str) -> None:
        """Give the lease back (interrupted): the job stays resumable at its checkpoint."""
        with self.db.writing() as s:
            s.execute(update(ImportJobRow).where(
                ImportJobRow.id == job_id, ImportJobRow.lease_owner == owner).values(
                lease_owner=None, lease_until=None, updated_at=self.clock()))

    def iter_errors(self, job_id: str) -> Iterator[RowError]:
        """Bad rows in row order, streamed."""
        with self.db.reading() as s:
            rows = s.execute(select(ImportErrorRow.row, ImportErrorRow.column,
                                    ImportErrorRow.code, ImportErrorRow.params,
                                    ImportErrorRow.values)
                             .where(ImportErrorRow.job_id == job_id)
                             .order_by(ImportErrorRow.row).execution_options(yield_per=2000))
            try:
                for row in rows:
                    yield (row.row, row.column, row.code, dict(row.params or {}),
                           list(row.values or []))
            finally:
                rows.close()


__all__ = ["ImportStore", "RowError", "DONE", "FAILED", "QUEUED", "RUNNING"]
