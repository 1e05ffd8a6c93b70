"""CLI of placements: create one, print its poster, list, retire, funnel, logo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from gateway.core.consent import Business
from gateway.core.errors import GatewayError
from gateway.placements.model import KINDS


def _gw() -> Any:
    return current_app.extensions["gateway"]


def _business(slug: str) -> Business:
    business = _gw().store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    return business  # type: ignore[no-any-return]


def _warn_base() -> None:
    if not _gw().settings.public_base_url:
        click.echo("note: PUBLIC_BASE_URL is not set; these links point at this machine. "
                   "Set it to the gateway's public URL before printing codes.", err=True)


@click.command("create-placement")
@click.argument("slug")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="Where the code lives")
@click.option("--label", required=True, help='For staff, e.g. "Shibuya store counter"')
@click.option("--topic", default=None, help="Topic preset offered first in the chat")
@click.option("--message-ja", default=None, help="Own prefilled text (must name the business)")
@click.option("--message-en", default=None, help="Own prefilled text (must name the business)")
@click.option("--poster", "poster", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the printable A6 poster PDF to this file")
@with_appcontext
def create_placement(slug: str, kind: str, label: str, topic: str | None,
                     message_ja: str | None, message_en: str | None,
                     poster: Path | None) -> None:
    """Create a QR code / tracked link for SLUG; print its code, link and QR URL."""
    business = _business(slug)
    custom = {k: v for k, v in (("ja", message_ja), ("en", message_en)) if v}
    service = _gw().placements
    try:
        placement = service.create(business, kind=kind, label=label, topic=topic,
                                   messages=custom or None, actor="cli")
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    _warn_base()
    links = service.links(placement)
    click.echo(f"code:    {placement.code}")
    click.echo(f"link:    {links['link']}")
    click.echo(f"qr:      {links['qr_png']}")
    click.echo(f"poster:  {links['poster_pdf']}")
    for lang, text in placement.messages.items():
        click.echo(f"message ({lang}): {text}")
    if poster is not None:
        _write_poster(business, placement.code, poster)


def _write_poster(business: Business, code: str, out: Path) -> None:
    service = _gw().placements
    placement = service.get(business, code)
    rendered = service.render(placement, business, "pdf")
    out.write_bytes(rendered.body)
    click.echo(f"wrote {out} (A6 poster, {len(rendered.body) // 1024} KiB)")


@click.command("placement-poster")
@click.argument("slug")
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="PDF file to write")
@with_appcontext
def placement_poster(slug: str, code: str, output: Path) -> None:
    """Write the printable A6 poster (PDF) of placement CODE."""
    try:
        _write_poster(_business(slug), code, output)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None


@click.command("list-placements")
@click.argument("slug")
@click.option("--status", type=click.Choice(["active", "retired"]), default=None)
@with_appcontext
def list_placements(slug: str, status: str | None) -> None:
    """List the placements of SLUG with their funnel counts."""
    business = _business(slug)
    service = _gw().placements
    funnels = {f.code: f for f in service.funnel(business)}
    for p in service.list(business, status):
        f = funnels[p.code]
        click.echo(f"{p.code}  {p.status:7}  {p.kind:7}  {p.label}  scans {f.scans}  clicks "
                   f"{f.clicks}  chats {f.chats_started}  opt-ins {f.opt_ins}  opt-outs "
                   f"{f.opt_outs}")


@click.command("retire-placement")
@click.argument("slug")
@click.argument("code")
@with_appcontext
def retire_placement(slug: str, code: str) -> None:
    """Retire CODE: its link and QR code then show a friendly 'no longer in use' page."""
    try:
        placement = _gw().placements.retire(_business(slug), code)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(f"retired {placement.code} ({placement.label})")


@click.command("set-logo")
@click.argument("slug")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def set_logo(slug: str, image: Path) -> None:
    """Use IMAGE (PNG/JPEG/WebP/GIF) as the logo in the centre of SLUG's QR codes."""
    try:
        path = _gw().placements.set_logo(_business(slug), image.read_bytes())
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(f"logo stored as {path}")


COMMANDS = (create_placement, placement_poster, list_placements, retire_placement, set_logo)
