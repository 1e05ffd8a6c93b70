"""The ``optin-gateway`` command: a Flask CLI group with the core's commands.

The process's entry point (``[project.scripts]``): it builds the app with
``gateway.app.create_app`` and adds each area's commands through its hook
(``gateway.areas``), the same loop ``create_app`` runs for blueprints.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from werkzeug.security import generate_password_hash

from gateway.app import create_app
from gateway.areas import AREAS
from gateway.core.business_settings import SCOPES, SettingsProblem
from gateway.core.business_settings import apply as apply_settings
from gateway.core.config import ConfigError, Settings
from gateway.core.consent import DEFAULT_POLICY, POLICIES, Business
from gateway.core.errors import GatewayError
from gateway.core.phones import to_e164
from gateway.core.wordings import default_wordings


def _create_app() -> Any:
    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().call_on_close(app.extensions["gateway"].db.dispose)
    return app


main = FlaskGroup(create_app=_create_app, help="Opt-in Gateway: WhatsApp consent capture.",
                  add_version_option=False)


def _gw() -> Any:
    return current_app.extensions["gateway"]


def setup_business(store: Any, *, slug: str, name: str, whatsapp: str, country: str,
                   languages: tuple[str, ...], twilio_numbers: tuple[str, ...] = (),
                   aliases: tuple[str, ...] = (), meta_phone_number_id: str | None = None,
                   double_opt_in: bool = False, policy: str = DEFAULT_POLICY) -> Business:
    """Create a business with its default wordings in each of its languages."""
    business = store.create_business(
        slug=slug, name=name, whatsapp_number=to_e164(whatsapp, country, customer=False), country=country,
        languages=languages, aliases=aliases,
        twilio_numbers=[to_e164(n, country, customer=False) for n in twilio_numbers],
        meta_phone_number_id=meta_phone_number_id, double_opt_in=double_opt_in,
        policy_id=policy)
    for kind, lang, text in default_wordings(name, languages):
        store.add_wording(business.id, kind, lang, text)
    return business


@main.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    _gw().db.upgrade()
    click.echo(f"schema is up to date ({_gw().db.dialect})")


@main.command("create-business")
@click.argument("slug")
@click.option("--name", required=True, help="Display name said and shown to customers (R6)")
@click.option("--whatsapp", required=True, help="The business's WhatsApp number, E.164")
@click.option("--country", required=True, help="Default country for national numbers, e.g. JP")
@click.option("--twilio-number", "twilio_numbers", multiple=True, help="Twilio SMS/voice number")
@click.option("--language", "languages", multiple=True, help="ja and/or en (first = default)")
@click.option("--alias", "aliases", multiple=True, help="Another spelling of the name")
@click.option("--meta-phone-number-id", default=None, help="Cloud API phone_number_id")
@click.option("--double-opt-in/--no-double-opt-in", default=False)
@click.option("--policy", type=click.Choice(sorted(POLICIES)), default=DEFAULT_POLICY)
@with_appcontext
def create_business(slug: str, name: str, whatsapp: str, country: str,
                    twilio_numbers: tuple[str, ...], languages: tuple[str, ...],
                    aliases: tuple[str, ...], meta_phone_number_id: str | None,
                    double_opt_in: bool, policy: str) -> None:
    """Create a business with default Japanese/English wordings."""
    try:
        business = setup_business(_gw().store, slug=slug, name=name, whatsapp=whatsapp,
                                  country=country.upper(), languages=languages or ("ja", "en"),
                                  twilio_numbers=twilio_numbers, aliases=aliases,
                                  meta_phone_number_id=meta_phone_number_id,
                                  double_opt_in=double_opt_in, policy=policy)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(f"created business {business.slug} ({business.name}, {business.whatsapp_number})")


@main.command("create-api-key")
@click.argument("slug")
@click.option("--label", default="")
@with_appcontext
def create_api_key(slug: str, label: str) -> None:
    """Print a new API key for SLUG (shown once; only its hash is stored)."""
    business = _gw().store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    click.echo(_gw().store.create_api_key(business.id, label))


@main.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["admin", "viewer"]), default="admin")
@click.option("--business", "slug", default=None, help="Limit the user to one business")
@with_appcontext
def create_admin(username: str, password: str, role: str, slug: str | None) -> None:
    """Create a staff user for /admin (password stored as a scrypt hash)."""
    business_id = None
    if slug:
        business = _gw().store.get_business(slug)
        if business is None:
            raise click.ClickException(f"no business {slug!r}")
        business_id = business.id
    try:
        _gw().store.create_admin(username, generate_password_hash(password), role, business_id)
    except GatewayError:
        raise click.ClickException(f"user {username!r} exists already") from None
    click.echo(f"created {role} {username}")


@main.command("verify-ledger", with_appcontext=False)
@click.argument("slug", required=False)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Verify an exported ledger JSONL instead of the database (no set-up needed)")
def verify_ledger(slug: str | None, file: str | None) -> None:
    """Verify the hash chain(s); exit 1 and name the first bad entry if broken."""
    if file is not None:
        from gateway.imports.cli import verify_file

        result = verify_file(Path(file))
    else:
        ctx = click.get_current_context()  # the database check needs the configured app
        ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        try:
            result = _gw().proof.verify(slug)
        except GatewayError as exc:
            raise click.ClickException(exc.message("en")) from None
    if result.ok:
        signed = getattr(result, "checkpoints", None)  # a file carries no checkpoints
        click.echo(f"ok: {result.entries} entries in {result.businesses} business chain(s)"
                   + (f", {signed} signed checkpoint(s)" if signed is not None else ""))
        return
    p = result.problem
    assert p is not None
    click.echo(f"BROKEN: business {p.business}, seq {p.seq}, event {p.event_id}: {p.reason}",
               err=True)
    sys.exit(1)


@main.command("configure-business")
@click.argument("slug")
@click.option("--policy", type=click.Choice(sorted(POLICIES)), default=None,
              help="Opt-in policy new events are judged under (old events keep theirs)")
@click.option("--double-opt-in/--no-double-opt-in", default=None)
@click.option("--opt-out-scope", type=click.Choice(SCOPES), default=None)
@click.option("--frame-ancestor", "frame_ancestors", multiple=True,
              help="Origin allowed to embed the widget form (repeat; replaces the list)")
@click.option("--language", "languages", multiple=True,
              help="ja and/or en (repeat; first = default; replaces the list)")
@click.option("--accent", default=None, help="Brand colour of customer pages, e.g. #6b3e26 "
              "('' for the default)")
@click.option("--name", default=None)
@with_appcontext
def configure_business(slug: str, policy: str | None, double_opt_in: bool | None,
                       opt_out_scope: str | None, frame_ancestors: tuple[str, ...],
                       languages: tuple[str, ...], accent: str | None,
                       name: str | None) -> None:
    """Change a business's settings (checked as the dashboard's settings page checks them);
    the ledger is never rewritten."""
    store = _gw().store
    business = store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    proposed = {"policy": policy, "double_opt_in": double_opt_in,
                "opt_out_scope": opt_out_scope, "name": name, "accent": accent,
                "frame_ancestors": frame_ancestors or None, "languages": languages or None}
    if all(v is None for v in proposed.values()):
        raise click.UsageError("nothing to change")
    try:
        updated = apply_settings(store, business, **proposed)
    except SettingsProblem as exc:
        hint = {"frame_ancestors": "frame-ancestor", "languages": "language"}.get(
            exc.field or "", (exc.field or "").replace("_", "-"))
        raise click.BadParameter(exc.message("en"), param_hint=f"--{hint}") from None
    click.echo(f"{updated.slug}: policy {updated.policy.id} v{updated.policy.version}, "
               f"double opt-in {'on' if updated.double_opt_in else 'off'}, "
               f"opt-out scope {updated.opt_out_scope}, languages {' '.join(updated.languages)}")


@main.command("honour-report")
@click.argument("slug")
@with_appcontext
def honour_report(slug: str) -> None:
    """List 'allowed' answers given after an opt-out had arrived; exit 1 if there are any."""
    gw = _gw()
    business = gw.store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    late = list(gw.answers.late_answers(business.id))
    for a in late:
        click.echo(f"LATE: opt-out seq {a.seq} ({a.opt_out_event_id}) received {a.received_at}, "
                   f"topic {a.topic} answered allowed at {a.answered_at.isoformat()}")
    if late:
        sys.exit(1)
    click.echo("ok: no send-eligibility answer was given after an opt-out's receipt")


@main.command("worker")
@click.option("--once", is_flag=True, help="Process what is due now, then exit")
@with_appcontext
def worker(once: bool) -> None:
    """Deliver the outbox: WhatsApp replies and change notifications, with retries."""
    from gateway.core.clock import utcnow
    from gateway.core.outbox import Worker

    gw = _gw()
    runner = Worker(gw.outbox, gw.outbox_handlers, utcnow)
    resumed = gw.imports.requeue_stale()  # jobs left behind by a process that died
    if resumed:
        click.echo(f"resuming {resumed} unfinished import job(s)")
    if once:
        click.echo(f"processed {runner.run_once(limit=1000)} item(s)")
        return
    click.echo(f"worker running; handlers: {', '.join(sorted(gw.outbox_handlers)) or 'none'}")
    runner.run_forever(name=f"{socket.gethostname()}:{os.getpid()}")


@main.command("make-migration", hidden=True, with_appcontext=False)
@click.argument("message")
@click.option("--rev-id", required=True, help="e.g. 0003_messaging")
def make_migration(message: str, rev_id: str) -> None:
    """Developers: autogenerate an Alembic revision from the models (on a scratch SQLite)."""
    from gateway.store.engine import make_revision

    make_revision(message, rev_id)
    click.echo("now replace gateway.store.tables.UTCDateTime(timezone=True) with UTCDateTime()")


DEMO = {"slug": "demo", "name": "Sakura Coffee", "aliases": ("さくらコーヒー",),
        "whatsapp": "+81345678901", "country": "JP", "languages": ("ja", "en"),
        "twilio_numbers": ("+815031234567",), "meta_phone_number_id": "100000000000001"}


@main.command("demo", with_appcontext=False)
@click.option("--serve/--no-serve", default=False,
              help="Then run the web server, the worker and a sample shop page (Ctrl-C stops all)")
@click.option("--port", default=5000, show_default=True)
@click.option("--sample-port", type=int, default=None,
              help="Port of the sample shop page that embeds the widget  [default: port + 1]")
def demo(serve: bool, port: int, sample_port: int | None) -> None:
    """Create the local SQLite store, a demo business, an API key and an admin; print them."""
    from gateway.demo import sample_origin
    from gateway.demo import serve as serve_demo

    sample_port = sample_port or port + 1
    settings = Settings.load(create_local_secrets=True)
    app = create_app()
    click.get_current_context().call_on_close(app.extensions["gateway"].db.dispose)
    with app.app_context():
        gw = _gw()
        gw.db.upgrade()
        business = gw.store.get_business(DEMO["slug"])
        if business is None:
            business = setup_business(gw.store, **DEMO)
        # The sample shop may embed the sign-up form, as a business's own site would be.
        allowed = list(business.settings.get("frame_ancestors") or [])
        if sample_origin(sample_port) not in allowed:
            business = apply_settings(gw.store, business, frame_ancestors=[
                *allowed, sample_origin(sample_port)])
        from gateway.admin.demo_data import seed_demo  # demo consent across every channel

        seeded = seed_demo(gw, business)
        key = gw.store.create_api_key(business.id, "demo")
        password = secrets.token_urlsafe(12)
        if gw.store.get_admin("admin") is None:
            gw.store.create_admin("admin", generate_password_hash(password), "admin")
        else:
            password = "(unchanged since the first demo run)"  # noqa: S105 - a message
    base = f"http://127.0.0.1:{port}"
    click.echo(f"""Demo ready ({settings.database_url})
  business:  {business.name} (slug {business.slug}), WhatsApp {business.whatsapp_number}
  data:      {seeded["opt_ins"]} opt-ins and {seeded["opt_outs"]} opt-outs added (none on a rerun)
  API key:   {key}
  admin:     {base}/admin  user admin  password {password}
  opt-in:    {base}/b/{business.slug}/optin
  widget:    {sample_origin(sample_port)}/  (a sample shop page on another origin)
  try:       curl -H 'Authorization: Bearer {key}' '{base}/api/v1/eligibility?phone=090-1234-5678&topic=offers'""")
    if serve:
        click.echo("Starting the web server, the worker and the sample shop page (Ctrl-C stops "
                   "them all)")
        sys.exit(serve_demo(port, sample_port, business.slug, business.name))


class _Commands:
    """The CLI's side of every area hook: commands (blueprints are gateway/app.py's side)."""

    def blueprint(self, bp: Blueprint, *, openapi: Mapping[str, Any] | None = None,
                  csrf: bool = True) -> None:
        """Blueprints belong to the app, not to the command group."""

    def commands(self, *commands: click.Command) -> None:
        for command in commands:
            main.add_command(command)


for _area in AREAS:
    _area.register(_Commands())
