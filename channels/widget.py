"""The website widget's server side: its iframe form, its labels and its chat link (M2).

``static/widget.js`` on the business's own site shows a WhatsApp button; its panel links to
``/b/<slug>/chat`` (a 302 to ``wa.me``) and embeds ``/b/<slug>/widget``, a compact opt-in
form recorded with channel ``widget``.

Why ``CSRF_EXEMPT``: the form lives in a cross-site iframe, where browsers withhold the
session cookie that Flask-WTF's CSRF token is checked against. The form carries its own
stateless token instead (:class:`SignedCSRF`): signed with the secret key, bound to the
business, and valid for a limited time.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from channels.web_form import OptInForm, Variant, find_business, handle_optin
from gateway.core.business_settings import DEFAULT_ACCENT, accent, ink_on
from gateway.http import language
from gateway.web.rules import origin_allowed, page_language, wa_me_url, widget_csp
from gateway.web.texts import text, texts

CHANNEL = "widget"
CSRF_EXEMPT = True  # the form checks its own signed token (see the module docstring)
TOKEN_MAX_AGE = 24 * 3600  # a panel may stay open a long time; the token only binds a form

bp = Blueprint("widget", __name__)

WIDGET = Variant("widget", "widget", "widget-optin", "web/widget.html", "widget.form")
LABELS = ("widget_open", "widget_chat", "widget_updates", "widget_close", "widget_greeting",
          "widget_form_title", "widget_elsewhere")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="widget-form")


class SignedCSRF(CSRF):
    """A CSRF token that needs no cookie: a timed signature over the business."""

    def setup_form(self, form: Any) -> Any:
        self.context = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return str(_serializer().dumps(self.context))

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        try:
            data = _serializer().loads(field.data or "", max_age=TOKEN_MAX_AGE)
        except BadData:
            raise ValidationError("csrf") from None
        if data != self.context:
            raise ValidationError("csrf")


class WidgetForm(OptInForm):
    class Meta:
        csrf_class = SignedCSRF
        csrf_context: Any = None


@bp.route("/b/<slug>/widget", methods=["GET", "POST"])
def form(slug: str) -> Response:
    """The compact opt-in form shown in the widget's iframe (channel ``widget``)."""
    business = find_business(slug)
    response = handle_optin(slug, WIDGET, WidgetForm, meta={"csrf_context": {"b": slug}})
    # Framed by the business's own sites only; the app-wide "X-Frame-Options: DENY" would
    # forbid every frame, so this response states its policy in CSP instead.
    response.headers["Content-Security-Policy"] = widget_csp(business.settings)
    return response


@bp.get("/b/<slug>/widget.json")
def labels(slug: str) -> Response:
    """Name and labels for widget.js, readable from any origin (public, no cookies)."""
    business = find_business(slug)
    lang = page_language(language(), business)
    body = {
        "business": business.slug,
        "name": business.name,
        "lang": lang,
        "labels": texts(lang, LABELS, {"name": business.name}),
        "chat_url": url_for("widget.chat", slug=slug, lang=lang, _external=True),
        "form_url": url_for("widget.form", slug=slug, lang=lang, _external=True),
        # A site not yet allowed to frame the form gets the hosted page in a new tab and a
        # sentence saying so, instead of the browser's "refused to connect" in the panel.
        "optin_url": url_for("web_form.optin", slug=slug, lang=lang, _external=True),
        "embed_allowed": origin_allowed(request.headers.get("Origin"), business.settings),
        "accent": accent(business.settings),
        "accent_ink": ink_on(accent(business.settings) or DEFAULT_ACCENT),
    }
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Origin")  # embed_allowed depends on the asking site
    return response


@bp.get("/b/<slug>/chat")
def chat(slug: str) -> Response:
    """302 to ``wa.me`` for the stored number, with a greeting naming the business."""
    business = find_business(slug)
    lang = page_language(language(), business)
    greeting = text("chat_prefill", lang, name=business.name)
    response = redirect(wa_me_url(business.whatsapp_number, greeting), 302)
    response.headers["Cache-Control"] = "no-store"
    return response
