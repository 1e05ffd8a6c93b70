"""``optin-gateway sign-twilio`` / ``sign-meta``: sign a webhook request so it can be replayed;
``platform-rules`` and ``topic-category``: the WhatsApp platform's delivery rules and the
template category of each topic (docs/delivery.md).

They compute exactly what Twilio and Meta compute (the SDK's ``RequestValidator`` for
Twilio, HMAC-SHA256 of the raw body for Meta) and print a ready ``curl`` command, so a new
user can drive the gateway's webhooks by hand and watch an opt-in appear with provenance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shlex
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from twilio.request_validator import RequestValidator

from gateway.core.delivery import CATEGORIES, RULE_KINDS
from gateway.core.errors import GatewayError

LOCAL = "http://127.0.0.1:5000"


def _gw() -> Any:
    return current_app.extensions["gateway"]


def _url(url: str) -> str:
    """A path is taken relative to PUBLIC_BASE_URL (else the local development server)."""
    if url.startswith("/"):
        return (_gw().settings.public_base_url or LOCAL) + url
    return url


def _business_setting(slug: str | None, key: str) -> str | None:
    if not slug:
        return None
    business = _gw().store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    value = business.settings.get(key)
    return value if isinstance(value, str) and value else None


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@click.command("sign-twilio")
@click.argument("url")
@click.argument("params", nargs=-1)
@click.option("--token", default=None, help="Auth token (default: the business's, else "
              "TWILIO_AUTH_TOKEN)")
@click.option("--business", "slug", default=None, help="Use this business's own Twilio token")
@click.option("--target", default=None, help="Where curl sends it, if not URL (e.g. behind a "
              "proxy: sign the public URL, post to the local one)")
@with_appcontext
def sign_twilio(url: str, params: tuple[str, ...], token: str | None, slug: str | None,
                target: str | None) -> None:
    """Sign a Twilio form POST to URL with Param=Value pairs; print the signature and curl.

    Example: optin-gateway sign-twilio /hooks/twilio/messaging From=+819012345678
    To=+815031234567 Body=START MessageSid=SM0001
    """
    token = token or _business_setting(slug, "twilio_auth_token") or \
        _gw().settings.twilio_auth_token
    if not token:
        raise click.ClickException("no Twilio auth token: pass --token or set TWILIO_AUTH_TOKEN")
    form: dict[str, str] = {}
    for pair in params:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.ClickException(f"expected Param=Value, got {pair!r}")
        form[name] = value
    full = _url(url)
    signature = twilio_signature(token, full, form)
    data = " ".join(f"--data-urlencode {shlex.quote(f'{k}={v}')}" for k, v in form.items())
    click.echo(f"X-Twilio-Signature: {signature}")
    click.echo(f"curl -s -X POST {shlex.quote(target or full)} "
               f"-H {shlex.quote('X-Twilio-Signature: ' + signature)} {data}")


@click.command("sign-meta")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--secret", default=None, help="App secret (default: META_APP_SECRET)")
@click.option("--url", default="/hooks/meta/whatsapp", show_default=True)
@with_appcontext
def sign_meta(file: Path, secret: str | None, url: str) -> None:
    """Sign a Meta Cloud API webhook body (JSON FILE, sent byte for byte); print curl."""
    secret = secret or _gw().settings.meta_app_secret
    if not secret:
        raise click.ClickException("no Meta app secret: pass --secret or set META_APP_SECRET")
    signature = meta_signature(secret, file.read_bytes())
    click.echo(f"X-Hub-Signature-256: {signature}")
    click.echo(f"curl -s -X POST {shlex.quote(_url(url))} "
               f"-H 'Content-Type: application/json' "
               f"-H {shlex.quote('X-Hub-Signature-256: ' + signature)} "
               f"--data-binary @{shlex.quote(str(file))}")


# Per-business settings of the messaging area (stored in the business's settings JSON).
SETTINGS = {
    "whatsapp_first_contact_question": "once | always | never: ask a customer who writes first "
                                       "on WhatsApp (default once per contact)",
    "sms_ask_whatsapp": "once | always | never: on SMS, ask whether to continue on WhatsApp",
    "sms_opt_out_ends_whatsapp": "true | false: an SMS opt-out also ends WhatsApp consent "
                                 "(default true)",
    "help_contact": 'text or {"en": ..., "ja": ...}: contact details in the HELP reply',
    "message_frequency": 'text or {"en": ..., "ja": ...}: frequency in confirmations',
    "twilio_auth_token": "this business's own Twilio auth token",
    "meta_app_secret": "this business's own Meta app secret",
    "meta_verify_token": "this business's own Meta verify token",
    "meta_access_token": "token for sending replies through the Graph API",
}
SECRET_SETTINGS = {"twilio_auth_token", "meta_app_secret", "meta_verify_token",
                   "meta_access_token"}
DERIVED = {"twilio_numbers", "meta_phone_number_id"}  # columns, shown in settings on read


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@click.command("messaging-settings")
@click.argument("slug")
@click.argument("pairs", nargs=-1)
@with_appcontext
def messaging_settings(slug: str, pairs: tuple[str, ...]) -> None:
    """Show or change a business's messaging settings: KEY=VALUE (JSON or text), KEY= to unset.

    Example: optin-gateway messaging-settings demo sms_opt_out_ends_whatsapp=false
    'help_contact={"en": "hello@sakura.example", "ja": "03-1234-5678"}'
    """
    business = _gw().store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    settings = {k: v for k, v in business.settings.items() if k not in DERIVED}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in SETTINGS:
            raise click.ClickException(f"expected KEY=VALUE with KEY one of: {', '.join(SETTINGS)}")
        if raw == "":
            settings.pop(key, None)
        else:
            settings[key] = _value(raw) if key not in SECRET_SETTINGS else raw
    if pairs:
        _gw().store.update_business(slug, settings=settings)
    for key, help_text in SETTINGS.items():
        shown = settings.get(key, "(default)")
        if key in SECRET_SETTINGS and key in settings:
            shown = "(set)"
        click.echo(f"{key} = {json.dumps(shown, ensure_ascii=False)}    # {help_text}")


# -- the platform's delivery rules and the template category of each topic -----------------

def _day(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(f"{raw!r} is not a date (YYYY-MM-DD) or ISO time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@click.group("platform-rules")
def platform_rules() -> None:
    """The WhatsApp platform's delivery rules: list, add, end (docs/delivery.md)."""


@platform_rules.command("list")
@click.option("--kind", type=click.Choice(RULE_KINDS), default=None)
@with_appcontext
def rules_list(kind: str | None) -> None:
    """Every rule, ended ones too: id, kind, country, category, since, until, source."""
    for rule in _gw().messaging.platform.rules():
        if kind is None or rule.kind == kind:
            click.echo("\t".join([str(rule.id), rule.kind, rule.country, rule.category or "*",
                                  rule.since.date().isoformat(),
                                  rule.until.date().isoformat() if rule.until else "-",
                                  rule.source]))


@platform_rules.command("add")
@click.argument("kind", type=click.Choice(RULE_KINDS))
@click.argument("country")
@click.option("--category", type=click.Choice(CATEGORIES), default=None,
              help="Template category (default: every category)")
@click.option("--since", required=True, help="When the platform started applying it")
@click.option("--until", default=None, help="When it stops (if announced)")
@click.option("--source", required=True, help="Where the platform says so (URL, notice)")
@click.option("--note", default="")
@with_appcontext
def rules_add(kind: str, country: str, category: str | None, since: str, until: str | None,
              source: str, note: str) -> None:
    """Add a rule, e.g.: platform-rules add not_delivered US --category marketing
    --since 2025-04-01 --source https://developers.facebook.com/…"""
    try:
        rule = _gw().messaging.platform.add_rule(
            kind, country, category, since=_day(since), until=_day(until), source=source,
            note=note, actor="cli")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"rule {rule.id} added: {rule.kind} {rule.country} {rule.category or '*'}")


@platform_rules.command("end")
@click.argument("rule_id", type=int)
@click.option("--at", "at", default=None, help="When it stopped applying (default: now)")
@with_appcontext
def rules_end(rule_id: int, at: str | None) -> None:
    """End a rule the platform dropped; it stays listed for the answers it explained."""
    when = _day(at) or _gw().service.clock()
    try:
        rule = _gw().messaging.platform.end_rule(rule_id, when, actor="cli")
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    click.echo(f"rule {rule.id} ends {when.isoformat()}")


@click.command("topic-category")
@click.argument("slug")
@click.argument("topic")
@click.argument("category", type=click.Choice(CATEGORIES))
@with_appcontext
def topic_category(slug: str, topic: str, category: str) -> None:
    """Set the template category a topic is sent as (marketing, utility, authentication)."""
    business = _gw().store.get_business(slug)
    if business is None or business.topic(topic) is None:
        raise click.ClickException(f"no topic {topic!r} for business {slug!r}")
    topics = tuple(replace(t, category=category) if t.key == topic else t
                   for t in business.topics)
    _gw().store.update_business(slug, topics=topics)
    click.echo(f"{slug}: {topic} is sent as a {category} template")


COMMANDS = (sign_twilio, sign_meta, messaging_settings, platform_rules, topic_category)
