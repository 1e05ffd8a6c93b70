"""``/api/v1/imports`` (CSV upload, job status, error report) and ``/api/v1/exports``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, g, request, url_for

from gateway.core.serialize import ts
from gateway.http import business, download, gw, require_key
from gateway.imports.exports import error_report, export_blocks
from gateway.imports.jobs import ImportJob
from gateway.imports.texts import ImportProblem

bp = Blueprint("api_imports", __name__, url_prefix="/api/v1")

INLINE_BYTES = 1 << 20  # uploads up to this size are imported during the request


def job_json(job: ImportJob, lang: str = "en") -> dict[str, Any]:
    error = None
    if job.error_code:
        error = {"code": job.error_code, "message": job.error_message(lang)}
    return {
        "id": job.id,
        "status": job.status,
        "filename": job.filename,
        "sha256": job.sha256,
        "size_bytes": job.size_bytes,
        "encoding": job.encoding,
        "columns": list(job.columns),
        "progress": round(job.progress, 4),
        "rows": {"processed": job.rows_processed, "recorded": job.recorded,
                 "duplicates": job.duplicates, "failed": job.failed},
        "error": error,
        "created_at": ts(job.created_at),
        "started_at": ts(job.started_at),
        "finished_at": ts(job.finished_at),
        "status_url": url_for("api_imports.get_import", job_id=job.id),
        "errors_url": url_for("api_imports.get_import_errors", job_id=job.id),
    }


def _lang() -> str:
    lang = request.args.get("lang", "en")
    return lang if lang in ("en", "ja") else "en"


@bp.post("/imports")
@require_key
def post_import() -> Any:
    """Upload a CSV (multipart field ``file``): small files are imported at once (201),
    larger ones become a background job run by ``optin-gateway worker`` (202)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ImportProblem("upload_missing", field="file")
    importer = gw().imports
    job = importer.save_upload(business(), upload, upload.filename,
                               actor=f"api_key:{g.api_key_id}")
    if job.size_bytes <= INLINE_BYTES:
        job = importer.run(job.id, workers=0)
        return job_json(job, _lang()), 201
    importer.enqueue(job)
    body = job_json(job, _lang())
    return body, 202, {"Location": body["status_url"]}


@bp.get("/imports/<job_id>")
@require_key
def get_import(job_id: str) -> Any:
    """Status of an import job: rows processed, recorded, duplicates and failed."""
    return job_json(gw().imports.jobs.get_job(job_id, business().id), _lang())


@bp.get("/imports/<job_id>/errors.csv")
@require_key
def get_import_errors(job_id: str) -> Any:
    """The bad rows of a job, with reasons (``?lang=ja`` for Japanese), as CSV."""
    jobs = gw().imports.jobs
    job = jobs.get_job(job_id, business().id)
    blocks = error_report(job.columns, jobs.iter_errors(job.id), _lang())
    return download(blocks, "text/csv; charset=utf-8", f"{job.id}-errors.csv")


def _export(what: str, fmt: str, *, bom: bool = False) -> Iterator[bytes]:
    return export_blocks(gw().exports, business(), what, fmt, now=gw().store.clock(), bom=bom)


@bp.get("/exports/state.csv")
@require_key
def export_state_csv() -> Any:
    """Current consent state, one row per number and topic (re-importable CSV)."""
    return download(_export("state", "csv", bom=request.args.get("bom") == "1"),
                     "text/csv; charset=utf-8", f"{business().slug}-state.csv")


@bp.get("/exports/state.jsonl")
@require_key
def export_state_jsonl() -> Any:
    """Current consent state as JSON lines."""
    return download(_export("state", "jsonl"),
                     "application/x-ndjson", f"{business().slug}-state.jsonl")


@bp.get("/exports/ledger.jsonl")
@require_key
def export_ledger_jsonl() -> Any:
    """The full ledger for auditors; check it with ``optin-gateway verify-ledger --file``."""
    return download(_export("ledger", "jsonl"),
                     "application/x-ndjson", f"{business().slug}-ledger.jsonl")
