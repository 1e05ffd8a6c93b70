"""Tracked click-to-chat links and printable QR codes: ``/l/<code>`` and its images.

``GET /l/<code>`` records the click (``?s=qr``: a scan of the printed code) and answers
302 to ``https://wa.me/<digits>?text=...``, built by ``gw().placements`` from the
business's stored number only. Unknown and retired codes get a friendly page, never a
redirect. Images: ``qr.png``, ``qr.svg`` (``size``, ``ec``, ``logo``, ``caption``,
``lang``) and ``poster.pdf`` (A6).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from gateway.core.consent import Business
from gateway.core.i18n import LANGUAGES
from gateway.http import gw, language
from gateway.placements import texts
from gateway.placements.model import PlacementError
from gateway.placements.qr import parse_options

CHANNEL = "link"
bp = Blueprint("links", __name__)

STATUS = {"unknown": 404, "retired": 410, "unavailable": 503}
FORMATS = {"qr.png": "png", "qr.svg": "svg", "poster.pdf": "pdf"}


def page(outcome: str, lang: str, business: Business | None = None) -> Any:
    """The friendly page for a code that leads nowhere, in the visitor's language."""
    name = business.name if business else ""
    html = render_template("links/unavailable.html", lang=lang,
                           title=texts.page(f"{outcome}_title", lang),
                           message=texts.page(outcome, lang, name=name))
    response = Response(html, STATUS[outcome], mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/l/<code>", merge_slashes=False)
def follow(code: str) -> Any:
    """Count the click or scan, then hand the visitor to WhatsApp."""
    lang = language()
    visit = gw().placements.visit(
        code, scan=request.args.get("s") == "qr", lang=lang,
        user_agent=request.user_agent.string, referrer=request.referrer,
        ip=request.remote_addr, record=request.method == "GET")  # HEAD: link checkers
    if visit.outcome != "redirect" or visit.location is None:
        return page(visit.outcome, lang, visit.business)
    response = redirect(visit.location, 302)
    response.headers["Cache-Control"] = "no-store"  # every scan must reach us to be counted
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/l/<code>/<any('qr.png', 'qr.svg', 'poster.pdf'):name>", merge_slashes=False)
def image(code: str, name: str) -> Any:
    """A printable QR code or A6 poster of an active placement (cached, with an ETag)."""
    service = gw().placements
    found = service.resolve(code)
    lang = language()
    if found is None:
        return page("unknown", lang)
    placement, business = found
    if not placement.active:
        return page("retired", lang, business)
    chosen = request.args.get("lang") or business.languages[0]
    if chosen not in LANGUAGES:
        raise PlacementError("bad_field", field="lang", field_name="lang", detail="ja or en")
    fmt = FORMATS[name]
    opts = parse_options(request.args, lang=chosen,
                         has_logo=service.logo_path(business) is not None)
    rendered = service.render(placement, business, fmt, opts, base=request.url_root)
    response = Response(rendered.body, mimetype=rendered.mimetype)
    response.set_etag(rendered.etag)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Disposition"] = f'inline; filename="{placement.code}-{name}"'
    return response.make_conditional(request)


@bp.get("/l/<path:rest>", merge_slashes=False)
def not_a_code(rest: str) -> Any:
    """Anything else under /l/ (crafted paths, slashes): the same friendly page, no redirect."""
    return page("unknown", language())
