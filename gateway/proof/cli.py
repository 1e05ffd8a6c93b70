"""Proof commands: sign checkpoints, erase a person, export one number, check receipts/notes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from gateway.core.errors import GatewayError
from gateway.core.identity import is_bsuid


def _proof() -> Any:
    return current_app.extensions["gateway"].proof


def _business(slug: str) -> Any:
    business = current_app.extensions["gateway"].store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    return business


def _who(raw: str) -> tuple[str, str | None]:
    """(phone, user_id): a WhatsApp user ID is told apart from a number by its shape."""
    return ("", raw) if is_bsuid(raw) else (raw, None)


def _sign_all(slug: str | None, force: bool) -> None:
    store = current_app.extensions["gateway"].store
    businesses = [_business(slug)] if slug else store.list_businesses()
    for business in businesses:
        record, created = _proof().checkpoint(business, force=force)
        if record is None:
            click.echo(f"{business.slug}: empty ledger, nothing to sign")
        elif created:
            click.echo(f"{business.slug}: signed checkpoint #{record.id}, size {record.size}, "
                       f"root {record.root[:16]}…")
        else:
            click.echo(f"{business.slug}: unchanged since checkpoint #{record.id} "
                       f"(size {record.size})")


@click.command("checkpoint")
@click.argument("slug", required=False)
@click.option("--every", type=int, default=0, metavar="SECONDS",
              help="Keep running and sign again every SECONDS (a sidecar instead of cron)")
@click.option("--force", is_flag=True, help="Sign even if nothing changed")
@with_appcontext
def checkpoint(slug: str | None, every: int, force: bool) -> None:
    """Sign the head of each business's ledger (or SLUG's) and keep the checkpoint."""
    while True:
        try:
            _sign_all(slug, force)
        except GatewayError as exc:
            raise click.ClickException(exc.message("en")) from None
        if every <= 0:
            return
        time.sleep(every)


@click.command("erase")
@click.argument("slug")
@click.argument("phone")
@click.option("--reason", default="request", show_default=True)
@click.option("--actor", default="cli", show_default=True, help="Who asked (for the audit)")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@with_appcontext
def erase(slug: str, phone: str, reason: str, actor: str, yes: bool) -> None:
    """Erase PHONE's personal data at SLUG (PHONE may be a WhatsApp user ID), under every
    identifier linked to it; the proof and a suppression record stay."""
    business = _business(slug)
    if not yes:
        click.confirm(f"Erase the personal data of {phone} at {business.name}? This cannot be "
                      "undone", abort=True)
    try:
        number, user = _who(phone)
        result = _proof().erase(business, number, actor=f"cli:{actor}", reason=reason,
                                user_id=user)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@click.command("export-contact")
@click.argument("slug")
@click.argument("phone")
@with_appcontext
def export_contact(slug: str, phone: str) -> None:
    """Print everything held on PHONE (or a WhatsApp user ID) at SLUG as JSON."""
    try:
        number, user = _who(phone)
        data = _proof().export(_business(slug), number, user_id=user)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("verify-receipt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None,
              help="base64/PEM/verifier key; default: the key embedded in the receipt")
def verify_receipt(file: Path, public_key: str | None) -> None:
    """Check a JSON receipt offline: signature, entry hashes, inclusion proofs, checkpoint."""
    from gateway.proof.checkpoints import BadKey, parse_public_key
    from gateway.proof.receipts import verify_receipt as check

    receipt = json.loads(file.read_text())
    embedded = ((receipt.get("x-ocg") or {}).get("ledger") or {}).get("publicKey") or {}
    key_text = public_key or embedded.get("public_key")
    if not key_text:
        raise click.ClickException("no public key: pass --public-key")
    try:
        key = parse_public_key(key_text)
    except BadKey as exc:
        raise click.ClickException(str(exc)) from None
    problems = check(receipt, key)
    if not public_key:
        click.echo("note: checked against the key embedded in the receipt; compare it with "
                   "the gateway's published key (GET /api/v1/ledger/public-key)", err=True)
    if problems:
        for problem in problems:
            click.echo(f"BAD: {problem}", err=True)
        sys.exit(1)
    events = len((receipt.get("x-ocg") or {}).get("events", []))
    click.echo(f"ok: receipt {receipt.get('consentReceiptID')} with {events} event(s) verifies")


@click.command("verify-checkpoint")
@click.argument("slug")
@click.argument("notes", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_checkpoint(slug: str, notes: tuple[Path, ...]) -> None:
    """Check checkpoint notes kept outside the database against SLUG's current chain."""
    results = _proof().verify_notes(_business(slug), [p.read_text() for p in notes])
    bad = 0
    for path, result in zip(notes, results, strict=True):
        if result["ok"]:
            click.echo(f"ok: {path} (size {result['size']})")
        else:
            bad += 1
            click.echo(f"BAD: {path}: {result['reason']}", err=True)
    if bad:
        sys.exit(1)


@click.command("webhooks-resync")
@click.argument("slug")
@click.option("--since", required=True, help="ISO 8601 time with zone, e.g. 2026-11-24T09:00Z")
@with_appcontext
def webhooks_resync(slug: str, since: str) -> None:
    """Queue change notifications of every event recorded since --since (safe to repeat)."""
    from gateway.core.clock import utcnow
    from gateway.core.normaliser import parse_time

    try:
        moment = parse_time(since, utcnow())
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    count = _proof().resync(_business(slug), moment)
    click.echo(f"queued {count} notification(s); run `optin-gateway worker` to deliver them")


COMMANDS = (checkpoint, erase, export_contact, verify_receipt, verify_checkpoint,
            webhooks_resync)
