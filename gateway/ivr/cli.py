"""CLI of the IVR: per-business settings, the spoken request's wording, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from gateway.core.errors import GatewayError
from gateway.core.normaliser import check_wording
from gateway.ivr.flow import DEFAULT_THRESHOLD, REQUEST_KEYS
from gateway.ivr.texts import LANGS, VOICES

PROVIDER_KEYS = ("twilio_numbers", "meta_phone_number_id")  # derived, not stored in settings


def _gw() -> Any:
    return current_app.extensions["gateway"]


@click.command("configure-ivr")
@click.argument("slug")
@click.option("--record-consent/--no-record-consent", default=None,
              help="Also record a short spoken 'yes' (<Record>) as evidence")
@click.option("--speech-confidence", type=click.FloatRange(0.0, 1.0), default=None,
              help=f"Below this, a spoken answer is confirmed by a key (default "
                   f"{DEFAULT_THRESHOLD})")
@click.option("--voice", "voices", multiple=True, metavar="LANG=VOICE",
              help=f"Twilio <Say> voice per language, e.g. ja=Polly.Takumi (defaults: "
                   f"{', '.join(f'{k}={v}' for k, v in VOICES.items())})")
@with_appcontext
def configure_ivr(slug: str, record_consent: bool | None, speech_confidence: float | None,
                  voices: tuple[str, ...]) -> None:
    """Change how the IVR of one business behaves (other settings are kept)."""
    store = _gw().store
    business = store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    settings = {k: v for k, v in business.settings.items() if k not in PROVIDER_KEYS}
    if record_consent is not None:
        settings["ivr_record_consent"] = record_consent
    if speech_confidence is not None:
        settings["ivr_speech_confidence"] = speech_confidence
    if voices:
        chosen = dict(settings.get("ivr_voices") or {})
        for item in voices:
            lang, sep, voice = item.partition("=")
            if not sep or lang not in LANGS or not voice.strip():
                raise click.BadParameter(f"{item!r}: use ja=VOICE or en=VOICE", param_hint="--voice")
            chosen[lang] = voice.strip()
        settings["ivr_voices"] = chosen
    store.update_business(slug, settings=settings)
    voice_list = {**VOICES, **dict(settings.get("ivr_voices") or {})}
    click.echo(f"{slug}: record consent {'on' if settings.get('ivr_record_consent') else 'off'}, "
               f"speech confidence {settings.get('ivr_speech_confidence', DEFAULT_THRESHOLD)}, "
               f"voices {', '.join(f'{k}={v}' for k, v in voice_list.items())}")


@click.command("purge-ivr-calls")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True,
              help="Delete call state (caller numbers, replayable TwiML) older than this")
@with_appcontext
def purge_ivr_calls(days: int) -> None:
    """Retention: drop old IVR call state; recorded consent events are not touched."""
    gw = _gw()
    removed = gw.ivr.purge(gw.service.clock() - timedelta(days=days))
    click.echo(f"removed {removed} IVR call(s) older than {days} days")


@click.command("set-ivr-wording")
@click.argument("slug")
@click.option("--lang", type=click.Choice(LANGS), required=True)
@click.argument("text")
@with_appcontext
def set_ivr_wording(slug: str, lang: str, text: str) -> None:
    """Store a new version of the request the IVR speaks (old events keep theirs)."""
    store = _gw().store
    business = store.get_business(slug)
    if business is None:
        raise click.ClickException(f"no business {slug!r}")
    text = " ".join(text.split())
    try:
        check_wording(text, business, business.policy)  # names the business (R6), WhatsApp (R7)
    except GatewayError as exc:
        raise click.ClickException(exc.message("en")) from None
    folded = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    missing = [key for key in REQUEST_KEYS if key not in folded]
    if missing:
        raise click.ClickException(
            f"the request must say what each key does: {', '.join(missing)} not mentioned "
            "(1 all topics, 2 choose topics, 9 no thanks, 8 stop all WhatsApp messages)")
    wording = store.add_wording(business.id, "ivr", lang, text)
    click.echo(f"{wording.id} sha256 {wording.sha256}")


COMMANDS = (configure_ivr, purge_ivr_calls, set_ivr_wording)
