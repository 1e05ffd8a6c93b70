"""Tables of the imports area: import jobs (with their resumable checkpoint) and bad rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.tables import Base, Json, UTCDateTime


class ImportJobRow(Base):
    """One CSV import. ``rows_processed`` is the checkpoint: it is committed in the same
    transaction as the rows it counts, so a resumed job starts exactly where the last
    committed batch ended."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_business_sha", "business_id", "sha256"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    status: Mapped[str] = mapped_column(String(12))  # queued, running, done, failed
    source: Mapped[str] = mapped_column(String(10))  # cli or api
    actor: Mapped[str | None] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str | None] = mapped_column(String(20))
    columns: Mapped[list[str]] = mapped_column(Json, default=list)
    rows_processed: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_processed: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(Json)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportErrorRow(Base):
    """One bad row of a job: where, why (code + params, rendered ja/en on download), and
    the row's original values."""

    __tablename__ = "import_errors"

    job_id: Mapped[str] = mapped_column(ForeignKey("import_jobs.id"), primary_key=True)
    row: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    column: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    values: Mapped[list[str]] = mapped_column(Json)
