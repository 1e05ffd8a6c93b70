"""``optin-gateway import`` and ``optin-gateway export`` (added by the hook in imports/__init__.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, Any

import click
from flask import current_app
from flask.cli import with_appcontext

from gateway.core.errors import GatewayError
from gateway.core.ledger import Verification
from gateway.imports.exports import error_report, export_blocks, verify_ledger_file
from gateway.imports.jobs import DONE, ImportJob


def _gw() -> Any:
    return current_app.extensions["gateway"]


def _business(slug: str) -> Any:
    business = _gw().store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    return business


class ProgressLine:
    """One stderr line: percent of the file, rows, rows/s, ETA; redrawn in place on a
    terminal, printed every few seconds otherwise (logs stay readable)."""

    def __init__(self, job: ImportJob, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.rows0, self.bytes0 = job.rows_processed, job.bytes_processed
        self.size = job.size_bytes
        self.last = 0.0

    def __call__(self, job: ImportJob, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < (0.25 if self.tty else 5.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rows = job.rows_processed - self.rows0
        done = job.bytes_processed - self.bytes0
        left = self.size - job.bytes_processed
        eta = "--:--" if done <= 0 else _clock(elapsed * left / done)
        fraction = job.progress
        bar = ("#" * int(fraction * 20)).ljust(20, ".")
        line = (f"{fraction * 100:5.1f}% [{bar}] {job.rows_processed:,} rows  "
                f"{rows / elapsed:,.0f} rows/s  ETA {eta}  recorded {job.recorded:,}  "
                f"bad {job.failed:,}")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@click.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Normaliser processes (default: one per CPU for large files, 0 = in-process)")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the bad-row report (default FILE.errors.csv)")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en",
              help="Language of the report's reasons")
@click.option("--new", is_flag=True, help="Start a new job even if this file's last one "
              "was interrupted (rows already recorded are still skipped)")
@click.option("--batch-rows", type=click.IntRange(1), default=None,
              help="Rows per transaction (default 10000; smaller holds locks for less time)")
@click.option("--quiet", is_flag=True, help="No progress line")
@with_appcontext
def import_command(slug: str, file: Path, workers: int | None, errors_path: Path | None,
                   lang: str, new: bool, batch_rows: int | None, quiet: bool) -> None:
    """Import paper opt-ins and opt-outs from a CSV FILE (UTF-8 or Shift_JIS)."""
    importer = _gw().imports
    business = _business(slug)
    try:
        job, resumed = importer.job_for_file(business, file, actor="cli", new=new)
    except GatewayError as exc:
        raise click.ClickException(exc.message(lang)) from None
    if resumed:
        click.echo(f"resuming import job {job.id} after row {job.rows_processed + 1:,} "
                   f"({job.recorded:,} recorded so far)", err=True)
    else:
        click.echo(f"import job {job.id}: {file} ({job.encoding}, {job.size_bytes:,} bytes)",
                   err=True)
    progress = None if quiet else ProgressLine(job)
    started = time.monotonic()
    try:
        job = importer.run(job.id, workers=workers, progress=progress, batch_rows=batch_rows)
    except GatewayError as exc:
        raise click.ClickException(exc.message(lang)) from None
    if progress is not None:
        progress(job, final=True)
    elapsed = time.monotonic() - started
    if job.status != DONE:
        raise click.ClickException(f"import job {job.id} failed: {job.error_message(lang)}")
    report = None
    if job.failed:
        report = errors_path or file.with_name(file.name + ".errors.csv")
        with report.open("wb") as out:
            for block in error_report(job.columns, importer.jobs.iter_errors(job.id), lang):
                out.write(block)
    rate = job.rows_processed / elapsed if elapsed > 0 else 0.0
    click.echo(f"import job {job.id} done in {elapsed:.1f} s ({rate:,.0f} rows/s)\n"
               f"  rows:              {job.recorded + job.duplicates + job.failed:>12,}\n"
               f"  recorded:          {job.recorded:>12,}\n"
               f"  already recorded:  {job.duplicates:>12,}\n"
               f"  bad rows:          {job.failed:>12,}"
               + (f"  -> {report}" if report else ""))


@click.command("export")
@click.argument("slug")
@click.option("--what", type=click.Choice(["state", "ledger"]), default="state",
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="csv or jsonl (default: csv for state, jsonl for the ledger)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output)")
@click.option("--bom", is_flag=True, help="Start a CSV with a UTF-8 BOM (for Excel)")
@with_appcontext
def export_command(slug: str, what: str, fmt: str | None, output: Path | None,
                   bom: bool) -> None:
    """Stream SLUG's current consent state (CSV/JSONL) or its full ledger (JSONL)."""
    business = _business(slug)
    fmt = fmt or ("csv" if what == "state" else "jsonl")
    if what == "ledger" and fmt != "jsonl":
        raise click.ClickException("the ledger exports as JSONL only (--format jsonl)")
    blocks = export_blocks(_gw().exports, business, what, fmt, now=_gw().store.clock(),
                           bom=bom)
    if output is None:
        stream = sys.stdout.buffer
        for block in blocks:
            stream.write(block)
        stream.flush()
        return
    with output.open("wb") as out:
        for block in blocks:
            out.write(block)
    click.echo(f"wrote {output}", err=True)


def verify_file(path: Path) -> Verification:
    """``verify-ledger --file``: check an exported ledger JSONL without a database."""
    with path.open("rb") as f:
        return verify_ledger_file(f)


COMMANDS = (import_command, export_command)
