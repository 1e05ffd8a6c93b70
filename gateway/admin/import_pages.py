"""Imports & exports page of the dashboard: CSV upload, recent jobs, error reports, exports.

Uploads go through ``gw().imports`` exactly as ``POST /api/v1/imports`` does (``save_upload``
then the job), but always as a background job run by ``optin-gateway worker``; the error
report and the exports stream through the same functions as the API (``error_report``,
``export_blocks``). Uploads are admin-only (``auth._guard`` answers 403 to viewers' POSTs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import abort, flash, redirect, render_template, url_for

from gateway.admin.auth import current_business, current_user, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.forms import ImportForm
from gateway.admin.views import helpers
from gateway.core.consent import Business
from gateway.http import download, gw
from gateway.imports.exports import error_report, export_blocks
from gateway.imports.jobs import ImportJob
from gateway.imports.texts import ImportNotFound, ImportProblem

MAX_UPLOAD_BYTES = 64 << 20  # the dashboard's limit; bigger files go through the CLI
RECENT_JOBS = 50
EXPORTS = (("state_csv", "state", "csv"), ("state_jsonl", "state", "jsonl"),
           ("ledger_jsonl", "ledger", "jsonl"))


def _business() -> Business:
    business = current_business()
    if business is None:
        abort(404)
    return business


def upload_limit() -> int:
    return min(MAX_UPLOAD_BYTES, int(gw().settings.max_bulk_bytes))


def import_form(**kwargs: Any) -> ImportForm:
    return ImportForm(max_bytes=upload_limit(), **kwargs)


def imports_page(business: Business, form: ImportForm | None = None, status: int = 200) -> Any:
    if form is None and is_admin():
        form = import_form(formdata=None)
    jobs: list[ImportJob] = gw().imports.jobs.list_jobs(business.id, RECENT_JOBS)
    exports = [(name, url_for(f"admin.export_{name}")) for name, _, _ in EXPORTS]
    quiet, seen = gw().imports.worker_quiet()
    waiting = any(job.status in ("queued", "running") for job in jobs)
    return render_template("admin/imports.html", jobs=jobs, form=form, exports=exports,
                           no_worker=quiet and waiting, worker_seen=seen,
                           max_mb=upload_limit() >> 20, **helpers(business)), status


@bp.get("/imports")
def imports() -> Any:
    """Recent import jobs of the business, the upload form (admins) and export downloads."""
    business = current_business()
    if business is None:
        return render_template("admin/empty.html")
    return imports_page(business)


@bp.post("/imports")
def upload_import() -> Any:
    """Save the CSV, register its job and queue it for the worker, as the API does."""
    business = _business()
    form = import_form()
    if not form.validate_on_submit():
        if form.file.errors:
            form.file.errors = [t("imports.err_file", mb=upload_limit() >> 20)]
        return imports_page(business, form, 400)
    upload = form.file.data
    try:
        job = gw().imports.save_upload(business, upload, upload.filename or "upload.csv",
                                       actor=f"staff:{current_user().username}")
    except ImportProblem as exc:
        form.file.errors = [exc.message(lang())]
        return imports_page(business, form, 400)
    gw().imports.enqueue(job)
    flash(t("imports.queued", name=job.filename))
    return redirect(url_for("admin.imports"))


@bp.get("/imports/<job_id>/errors.csv")
def import_errors(job_id: str) -> Any:
    """The bad rows of one of this business's jobs, with reasons in the dashboard language."""
    business = _business()
    jobs = gw().imports.jobs
    try:
        job = jobs.get_job(job_id, business.id)
    except ImportNotFound:
        abort(404)
    blocks = error_report(job.columns, jobs.iter_errors(job.id), lang())
    return download(blocks, "text/csv; charset=utf-8", f"{job.id}-errors.csv")


def _export(what: str, fmt: str) -> Iterator[bytes]:
    business = _business()
    return export_blocks(gw().exports, business, what, fmt, now=gw().store.clock())


@bp.get("/exports/state.csv")
def export_state_csv() -> Any:
    """Current consent state (re-importable CSV), as ``GET /api/v1/exports/state.csv``."""
    return download(_export("state", "csv"), "text/csv; charset=utf-8",
                     f"{_business().slug}-state.csv")


@bp.get("/exports/state.jsonl")
def export_state_jsonl() -> Any:
    return download(_export("state", "jsonl"), "application/x-ndjson",
                     f"{_business().slug}-state.jsonl")


@bp.get("/exports/ledger.jsonl")
def export_ledger_jsonl() -> Any:
    return download(_export("ledger", "jsonl"), "application/x-ndjson",
                     f"{_business().slug}-ledger.jsonl")
