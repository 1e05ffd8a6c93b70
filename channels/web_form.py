"""Hosted opt-in and opt-out forms: ``/b/<slug>/optin`` and ``/b/<slug>/optout`` (M2).

WTForms parses, Flask-WTF checks CSRF, the consent core judges: this module only turns a
submitted form into a :class:`gateway.core.consent.Capture` (:func:`parse_optin`, pure) and
renders the answer. ``channels.widget`` reuses the same form in a compact variant.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from gateway.core.consent import Action, Business, Capture, ConsentEvent, Status, Wording
from gateway.core.errors import Conflict, GatewayError
from gateway.core.limits import scrub
from gateway.core.phones import readable
from gateway.http import gw, language
from gateway.web.branding import brand_css, brand_version, logo_file
from gateway.web.confirmations import TTL, Confirmation, confirm_link
from gateway.web.limits import IP_LIMITS, PHONE_LIMITS, WebRateLimiter, phone_key
from gateway.web.rules import PAGE_CSP, country_choices, evidence_url, page_language, wa_me_url
from gateway.web.texts import text

CHANNEL = "web_form"
FORM_VERSION = 1
MAX_BODY = 16 * 1024  # a filled form is well under 2 kB
LIMITS = {"phone": 40, "name": 100}
_SUBMISSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

bp = Blueprint("web_form", __name__)


@bp.record_once
def _rate_limits(state: Any) -> None:
    """One limiter per app: memory by default, Redis when REDIS_URL is set."""
    config = state.app.config
    uri = (config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL")
           or os.environ.get("REDIS_URL") or "memory://")
    state.app.extensions["web_rate_limiter"] = WebRateLimiter(
        uri, config.get("WEB_RATE_LIMIT_IP") or os.environ.get("WEB_RATE_LIMIT_IP") or IP_LIMITS,
        config.get("WEB_RATE_LIMIT_PHONE") or os.environ.get("WEB_RATE_LIMIT_PHONE")
        or PHONE_LIMITS)


class MultiCheckbox(SelectMultipleField):
    """One checkbox per choice; the choices are checked only by the visitor."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OptInForm(FlaskForm):
    phone = StringField()
    country = SelectField(validate_choice=False)  # the normaliser explains a bad country
    topics = MultiCheckbox(validate_choice=False)  # ...and an unknown topic
    name = StringField()
    submission_id = HiddenField()
    wording_id = HiddenField()
    page_url = HiddenField()
    referrer = HiddenField()
    website = StringField()  # honeypot: hidden from people, filled by bots


class OptOutForm(FlaskForm):
    phone = StringField()
    country = SelectField(validate_choice=False)
    topics = MultiCheckbox(validate_choice=False)
    all_topics = BooleanField()
    submission_id = HiddenField()
    website = StringField()


@dataclass(frozen=True)
class Variant:
    """What differs between the hosted form and the widget's compact one."""

    channel: str
    wording_kind: str
    form_id: str
    template: str
    endpoint: str


HOSTED = Variant("web_form", "web_form", "hosted-optin", "web/optin.html", "web_form.optin")


# -- pure: a submitted form -> Capture ---------------------------------------------------------


def parse_optin(business: Business, data: Mapping[str, Any], wording: Wording, *, variant: Variant,
                lang: str, client: Mapping[str, Any]) -> Capture:
    """A Capture from the form's fields and the request's facts; rules are the core's."""
    evidence = {
        "form_id": variant.form_id,
        "form_version": FORM_VERSION,
        "submission_id": data["submission_id"],
        "user_agent": scrub(client.get("user_agent"), 500, multiline=False) or None,
        "page_url": evidence_url(data.get("page_url")),
        "referrer": evidence_url(data.get("referrer")),
        "form_url": client.get("form_url"),
        "language": lang,
    }
    name = (data.get("name") or "").strip()
    return Capture(
        business=business.slug, phone=data.get("phone") or "",
        country=data.get("country") or business.country, channel=variant.channel,
        method="checkbox", action=Action.OPT_IN, topics=tuple(data.get("topics") or ()),
        wording_id=wording.id, language=lang,
        idempotency_key=f"{variant.form_id}:{data['submission_id']}", evidence=evidence,
        personal={"ip": client.get("ip"), "name": name or None},
        pending=business.double_opt_in)


def parse_optout(business: Business, data: Mapping[str, Any], *, lang: str,
                 client: Mapping[str, Any]) -> Capture:
    """An opt-out of the ticked topics, or of all of them."""
    topics = None if data.get("all_topics") else tuple(data.get("topics") or ())
    return Capture(
        business=business.slug, phone=data.get("phone") or "",
        country=data.get("country") or business.country, channel=CHANNEL, method="checkbox",
        action=Action.OPT_OUT, topics=topics, language=lang,
        idempotency_key=f"hosted-optout:{data['submission_id']}",
        evidence={"form_id": "hosted-optout", "form_version": FORM_VERSION,
                  "submission_id": data["submission_id"], "language": lang,
                  "user_agent": scrub(client.get("user_agent"), 500, multiline=False) or None,
                  "form_url": client.get("form_url")},
        personal={"ip": client.get("ip")})


# -- shared view helpers (also used by channels.widget) ----------------------------------------


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render one of the channel's pages with its security headers (and the business's
    look: its logo, colour and WhatsApp number, when the page is about one)."""
    business = context.get("business")
    if isinstance(business, Business):
        context.setdefault("brand", {
            "css": url_for("web_form.brand", slug=business.slug,
                           v=brand_version(business.settings)),
            "logo": url_for("web_form.logo", slug=business.slug,
                            v=brand_version(business.settings))
            if logo_file(business.settings) else None,
            "number": readable(business.whatsapp_number)})
    response = make_response(render_template(template, t=text, **context), status)
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(key: str, lang: str, status: int, back: str | None = None) -> Response:
    return page("web/message.html", status, lang=lang, message=text(key, lang), back=back)


def find_business(slug: str) -> Business:
    """The business, or a friendly 404 page in the visitor's language."""
    business = gw().service.find_business(slug)
    if business is None:
        abort(message_page("not_found", language(), 404))
    return business


def limit_body(lang: str) -> None:
    """Refuse oversized posts with a friendly page before the form is parsed."""
    request.max_content_length = MAX_BODY
    if (request.content_length or 0) > MAX_BODY:
        abort(message_page("too_large", lang, 413))


def limit_rate(lang: str, business: Business, *, per_phone: bool = True) -> None:
    """Too many submissions from this address (or for this number): a friendly 429."""
    limiter: WebRateLimiter = current_app.extensions["web_rate_limiter"]
    phone = phone_key(request.form.get("phone"), request.form.get("country") or
                      business.country) if per_phone else None
    if not limiter.allow(f"web:{business.id}", request.remote_addr, phone):
        response = message_page("too_many", lang, 429)
        response.headers["Retry-After"] = "60"
        abort(response)


def client_facts() -> dict[str, Any]:
    return {"ip": request.remote_addr, "user_agent": request.user_agent.string,
            "form_url": request.base_url}


def new_submission_id() -> str:
    return secrets.token_urlsafe(16)


def too_long(form: FlaskForm, lang: str) -> dict[str, str]:
    return {name: text("too_long", lang, max=limit) for name, limit in LIMITS.items()
            if name in form and len(form[name].data or "") > limit}


def error_slot(exc: GatewayError) -> str:
    """Which field an error from the core belongs next to."""
    if exc.field in ("phone", "country"):
        return exc.field
    return "topics" if exc.field == "topics" else "form"


def setup_choices(form: FlaskForm, business: Business, lang: str) -> None:
    form.country.choices = country_choices(lang, business.country)
    form.topics.choices = [(t.key, t.label(lang)) for t in business.topics]


def shown_wording(business: Business, kind: str, lang: str) -> Wording:
    wording = gw().service.current_wording(business.id, kind, lang)
    if wording is None:  # a business without this wording cannot ask for consent here
        abort(message_page("not_found", lang, 404))
    return wording


def submitted_wording(business: Business, kind: str, wording_id: str | None) -> Wording | None:
    """The wording the visitor was shown, if it really is one of this form's."""
    wording = gw().service.wording(wording_id) if wording_id else None
    if wording is None or wording.business_id != business.id or wording.kind != kind:
        return None
    return wording


def topic_labels(business: Business, event: ConsentEvent, lang: str) -> list[str]:
    return [t.label(lang) for t in business.topics if t.key in event.topics]


def handle_optin(slug: str, variant: Variant, form_class: type[OptInForm],
                 **form_kwargs: Any) -> Response:
    """GET renders the form; POST records the opt-in or re-renders it with the errors."""
    business = find_business(slug)
    lang = page_language(language(), business)
    ctx = {"business": business, "lang": lang, "variant": variant}
    if request.method == "POST":
        limit_body(lang)
        limit_rate(lang, business)
    form = form_class(**form_kwargs)
    setup_choices(form, business, lang)
    if request.method == "GET":
        wording = shown_wording(business, variant.wording_kind, lang)
        form.submission_id.data = new_submission_id()
        form.wording_id.data = wording.id
        form.country.data = business.country
        form.page_url.data = request.args.get("page") or request.url
        form.referrer.data = request.referrer or ""
        return page(variant.template, form=form, wording=wording, errors={}, **ctx)

    errors: dict[str, str] = {}
    wording = submitted_wording(business, variant.wording_kind, form.wording_id.data)
    if form.website.data:
        return message_page("bot_refused", lang, 400)
    if not form.validate() or not _SUBMISSION.match(form.submission_id.data or ""):
        errors["form"] = text("form_expired", lang)
    elif wording is None:
        errors["form"] = text("wording_changed", lang)
    errors.update(too_long(form, lang))
    if not errors:
        assert wording is not None
        capture = parse_optin(business, form.data, wording, variant=variant, lang=lang,
                              client=client_facts())
        try:
            recorded = gw().service.capture(capture, business)
        except Conflict:
            errors["form"] = text("form_expired", lang)
        except GatewayError as exc:
            errors[error_slot(exc)] = exc.message(lang)
        else:
            return _thanks(business, recorded.event, variant, lang)
    # Re-render with what the visitor typed; a fresh id and the current wording if needed.
    if wording is None or "form" in errors:
        wording = shown_wording(business, variant.wording_kind, lang)
        form.wording_id.data = wording.id
        form.submission_id.data = new_submission_id()
    status = 400 if "form" in errors else 422
    return page(variant.template, status, form=form, wording=wording, errors=errors, **ctx)


def _thanks(business: Business, event: ConsentEvent, variant: Variant, lang: str) -> Response:
    confirmation: Confirmation | None = None
    service = getattr(gw(), "confirmations", None)
    if event.status is Status.PENDING and service is not None:
        confirmation = service.issue(business, event)
    link = confirm_link(business, confirmation.code, lang) if confirmation else None
    return page("web/thanks.html", business=business, lang=lang, variant=variant,
                topics=topic_labels(business, event, lang), confirmation=confirmation,
                confirm_url=link, hours=int(TTL.total_seconds() // 3600),
                chat_url=wa_me_url(business.whatsapp_number,
                                   text("chat_prefill", lang, name=business.name)),
                optout_url=url_for("web_form.optout", slug=business.slug, lang=lang))


# -- views ---------------------------------------------------------------------------------


@bp.route("/b/<slug>/optin", methods=["GET", "POST"])
def optin(slug: str) -> Response:
    """The hosted opt-in form."""
    return handle_optin(slug, HOSTED, OptInForm)


@bp.route("/b/<slug>/optout", methods=["GET", "POST"])
def optout(slug: str) -> Response:
    """Stop some or all WhatsApp messages; recorded at once, whatever the number's history."""
    business = find_business(slug)
    lang = page_language(language(), business)
    if request.method == "POST":
        limit_body(lang)
        limit_rate(lang, business, per_phone=False)  # stopping must stay easy (R5)
    form = OptOutForm()
    setup_choices(form, business, lang)
    errors: dict[str, str] = {}
    if request.method == "GET":
        form.submission_id.data = new_submission_id()
        form.country.data = business.country
    else:
        if form.website.data:
            return message_page("bot_refused", lang, 400)
        if not form.validate() or not _SUBMISSION.match(form.submission_id.data or ""):
            errors["form"] = text("form_expired", lang)
        elif not form.all_topics.data and not form.topics.data:
            errors["topics"] = text("optout_need_choice", lang)
        errors.update(too_long(form, lang))
        if not errors:
            capture = parse_optout(business, form.data, lang=lang, client=client_facts())
            try:
                recorded = gw().service.capture(capture, business)
            except Conflict:
                errors["form"] = text("form_expired", lang)
            except GatewayError as exc:
                errors[error_slot(exc)] = exc.message(lang)
            else:
                event = recorded.event
                return page("web/optout_done.html", business=business, lang=lang,
                            phone=event.phone, all_topics=event.all_topics,
                            topics=topic_labels(business, event, lang))
        if "form" in errors:
            form.submission_id.data = new_submission_id()
    return page("web/optout.html", 200 if not errors else 422, form=form, errors=errors,
                business=business, lang=lang)


@bp.get("/b/<slug>/brand.css")
def brand(slug: str) -> Response:
    """The business's colours for its customer pages (a stylesheet: no inline style)."""
    response = make_response(brand_css(find_business(slug).settings))
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "public, max-age=300"  # pages link it with ?v=
    return response


@bp.get("/b/<slug>/logo.png")
def logo(slug: str) -> Response:
    """The business's logo, as the placements service re-encoded it (PNG)."""
    path = logo_file(find_business(slug).settings)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=300, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(_exc: CSRFError) -> Response:
    """A missing or stale CSRF token: nothing stored; say so and offer the form again."""
    lang = language()
    slug = (request.view_args or {}).get("slug", "")
    endpoint = request.endpoint or "web_form.optin"
    return message_page("form_expired", lang, 400, back=url_for(endpoint, slug=slug, lang=lang))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return message_page("too_large", language(), 413)
