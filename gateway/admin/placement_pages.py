"""Placements & QR pages of the dashboard: list with funnels, create, detail, retire.

Everything goes through ``gw().placements`` (the service the API and the CLI use): the same
validation of labels and prefilled messages, the same funnel counts. Writes are admin-only
(``auth._guard`` answers 403 to viewers before these views run).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from gateway.admin.auth import current_business, current_user, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.forms import PlacementForm, RetireForm
from gateway.admin.views import helpers
from gateway.core.consent import Business
from gateway.core.serialize import ts
from gateway.http import gw
from gateway.placements.model import (
    KINDS,
    STATUSES,
    Funnel,
    Placement,
    PlacementError,
    PlacementNotFound,
    signup_url,
)
from gateway.placements.qr import QrOptions, parse_options
from gateway.placements.service import PlacementService
from gateway.placements.texts import PREFILLED

PERIODS = (7, 30)  # and "all time" (no ?days=)
SIZES = (256, 512, 1024, 2048)
EC_LEVELS = (("L", "L · 7%"), ("M", "M · 15%"), ("Q", "Q · 25%"), ("H", "H · 30%"))
# Summed over placements, as the API's totals (unique visitors do not add up across codes).
COUNTS = ("scans", "clicks", "visits", "bot_hits", "chats_started", "chats_stale", "opt_ins",
          "opt_ins_pending", "opt_outs")
STEP_COLOURS = ("#2f6fdb", "#128c7e", "#0ca678", "#d64545")
PREVIEW_SIZE = 512  # the preview is drawn at this width whatever size is downloaded
SAMPLE_REF = "ref:XXXXXXXX"  # stands for the code in the default drafts shown on the form


def _service() -> PlacementService:
    service = gw().placements
    if service is None:
        abort(404)
    return service


def _business() -> Business:
    business = current_business()
    if business is None:
        abort(404)
    return business


def _placement(business: Business, code: str) -> Placement:
    """This business's placement, else 404 (another business's code is simply not there)."""
    try:
        return _service().get(business, code)
    except PlacementNotFound:
        abort(404)


def _days() -> int | None:
    raw = request.args.get("days", "")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else None


def _since(days: int | None) -> datetime | None:
    return _service().clock() - timedelta(days=days) if days else None


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def totals(funnels: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums over placements, with the same rates as each placement's funnel."""
    out: dict[str, Any] = {k: sum(int(f[k]) for f in funnels) for k in COUNTS}
    out["rates"] = {"chat_per_visit": rate(out["chats_started"], out["visits"]),
                    "opt_in_per_chat": rate(out["opt_ins"], out["chats_started"]),
                    "opt_out_per_opt_in": rate(out["opt_outs"], out["opt_ins"])}
    return out


def steps(f: dict[str, Any]) -> list[dict[str, Any]]:
    """The four funnel steps with the rate from the step before (None for the first)."""
    r = f["rates"]
    return [{"key": "visits", "value": f["visits"], "rate": None, "of": None},
            {"key": "chats", "value": f["chats_started"], "rate": r["chat_per_visit"],
             "of": "funnel.of_visits"},
            {"key": "opt_ins", "value": f["opt_ins"], "rate": r["opt_in_per_chat"],
             "of": "funnel.of_chats"},
            {"key": "opt_outs", "value": f["opt_outs"], "rate": r["opt_out_per_opt_in"],
             "of": "funnel.of_opt_ins"}]


def funnel_chart(f: dict[str, Any]) -> dict[str, Any]:
    """Chart data of one funnel: one bar per step, each with its rate from the step before."""
    return {"labels": [t(f"funnel.{s['key']}") for s in steps(f)],
            "values": [s["value"] for s in steps(f)],
            "rates": [None if s["rate"] is None else round(s["rate"] * 100, 1)
                      for s in steps(f)],
            "colors": list(STEP_COLOURS), "rate_label": t("funnel.rate_label")}


def by_placement_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Grouped bars: every placement's four steps side by side."""
    keys = (("visits", "visits"), ("chats", "chats_started"), ("opt_ins", "opt_ins"),
            ("opt_outs", "opt_outs"))
    return {"labels": [f"{r['label']} ({r['code']})" for r in rows],
            "datasets": [{"label": t(f"funnel.{name}"), "data": [r[key] for r in rows],
                          "color": STEP_COLOURS[i]} for i, (name, key) in enumerate(keys)]}


def _funnels(business: Business, days: int | None) -> list[dict[str, Any]]:
    return [f.as_dict() for f in _service().funnel(business, since=_since(days))]


def _status_filter() -> str | None:
    status = request.args.get("status")
    return status if status in STATUSES else None


@bp.get("/placements")
def placements() -> Any:
    """Every placement of the business with its funnel, totals and charts."""
    business = current_business()
    if business is None:
        return render_template("admin/empty.html")
    days, status = _days(), _status_filter()
    found = {p.code: p for p in _service().list(business)}
    funnels = [f for f in _funnels(business, days) if f["code"] in found]
    counts = {s: sum(1 for p in found.values() if p.status == s) for s in STATUSES}
    rows = [dict(f, placement=found[f["code"]]) for f in funnels
            if status is None or f["status"] == status]
    # Active first, newest first: the codes staff are printing now are on top.
    rows.sort(key=lambda r: (r["placement"].status != "active",
                             -r["placement"].created_at.timestamp(), r["code"]))
    total = totals(rows)
    charts = {"funnel": funnel_chart(total), "by_placement": by_placement_chart(rows)}
    return render_template("admin/placements.html", rows=rows, total=total, counts=counts,
                           steps=steps(total), charts=charts, days=days, periods=PERIODS,
                           status=status, **helpers(business))


@bp.get("/api/placements")
def placements_json() -> Any:
    """The funnel of every placement and totals, as ``GET /api/v1/placements/funnel`` has it."""
    business = _business()
    funnels = _funnels(business, _days())
    total = totals(funnels)
    total["rates"] = {k: None if v is None else round(v, 4) for k, v in total["rates"].items()}
    created = {p.code: ts(p.created_at) for p in _service().list(business)}
    return jsonify({"placements": [dict(f, created_at=created.get(f["code"]))
                                   for f in funnels], "totals": total})


def placement_form(business: Business, **kwargs: Any) -> PlacementForm:
    form = PlacementForm(**kwargs)
    form.kind.choices = [(k, t(f"pkind.{k}")) for k in KINDS]
    form.topic.choices = [("", t("pform.no_topic"))] + [
        (topic.key, topic.label(lang())) for topic in business.topics]
    return form


def form_page(business: Business, form: PlacementForm, status: int = 200,
              signup_errors: tuple[str, ...] = ()) -> Any:
    languages = [code for code in ("ja", "en") if code in business.languages] or ["en"]
    defaults = {code: PREFILLED[code].format(name=business.name, token=SAMPLE_REF)
                for code in languages}
    offered = _service().signup_offered
    return render_template("admin/placement_new.html", form=form, languages=languages,
                           defaults=defaults, signup_offered=bool(offered and offered(business)),
                           link_type=request.form.get("link_type", "chat"),
                           signup_id=request.form.get("signup_id", "")[:64],
                           signup_errors=signup_errors, **helpers(business)), status


@bp.get("/placements/new")
def new_placement() -> Any:
    business = _business()
    if not is_admin():
        abort(403)  # viewers never see forms
    return form_page(business, placement_form(business, formdata=None))


def _localise_errors(form: PlacementForm, business: Business) -> None:
    """WTForms speaks English only: our own text per field, in the dashboard language."""
    if form.label.errors:
        form.label.errors = [t("pform.err_label")]
    if form.kind.errors:
        form.kind.errors = [t("pform.err_kind")]
    if form.topic.errors:
        form.topic.errors = [t("pform.err_topic")]
    for field in (form.message_ja, form.message_en):
        if field.errors:
            field.errors = [t("pform.err_length")]


def _service_error(form: PlacementForm, business: Business, exc: PlacementError) -> None:
    """Show the service's own verdict on the field it names (label, topic, messages.xx)."""
    detail = str(exc.params.get("detail", ""))
    if "name the business" in detail:
        message = t("pform.err_name", name=business.name)
    elif "ref:" in detail:
        message = t("pform.err_ref")
    elif "characters" in detail:
        message = t("pform.err_length")
    else:
        message = exc.message(lang())
    target = {"label": form.label, "kind": form.kind, "topic": form.topic,
              "messages.ja": form.message_ja, "messages.en": form.message_en}.get(exc.field or "")
    if target is None:
        target = form.label
    target.errors = [*target.errors, message]


@bp.post("/placements")
def create_placement() -> Any:
    """Create a placement with the service's own checks, then show its code, link and QR."""
    business = _business()
    form = placement_form(business)
    if not form.validate_on_submit():
        _localise_errors(form, business)
        return form_page(business, form, 400)
    messages = {code: text for code, text in (("ja", form.message_ja.data),
                                                ("en", form.message_en.data))
                if text and text.strip() and code in business.languages}
    # An In-App Signup link (Meta's opt-in deep link) instead of a wa.me chat link.
    signup_id = request.form.get("signup_id", "") \
        if request.form.get("link_type") == "signup" else None
    try:
        placement = _service().create(
            business, kind=form.kind.data or "", label=form.label.data or "",
            topic=form.topic.data or None, messages=messages or None,
            actor=f"staff:{current_user().username}", signup_id=signup_id)
    except PlacementError as exc:
        if exc.field == "signup_id":
            return form_page(business, form, 400, (t("pform.err_signup") if "letters" in str(
                exc.params.get("detail")) else t("pform.signup_off"),))
        if signup_id is not None and exc.field in ("messages.ja", "messages.en") and \
                "characters" not in str(exc.params.get("detail")):
            field = form.message_ja if exc.field == "messages.ja" else form.message_en
            field.errors = [*field.errors, t("pform.err_wording", name=business.name)]
            return form_page(business, form, 400)
        _service_error(form, business, exc)
        return form_page(business, form, 400)
    flash(t("placements.created", code=placement.code))
    return redirect(url_for("admin.placement", code=placement.code))


def qr_options(business: Business, has_logo: bool) -> tuple[QrOptions, dict[str, str]]:
    """The image options chosen on the page (``qlang``: ``lang`` is the dashboard's own)."""
    args = {k: request.args[k] for k in ("size", "ec", "logo", "caption")
            if request.args.get(k)}
    qlang = request.args.get("qlang")
    chosen = qlang if qlang in ("ja", "en") else business.languages[0]
    try:
        opts = parse_options(args, lang=chosen, has_logo=has_logo)
    except PlacementError:
        opts = parse_options({}, lang=chosen, has_logo=has_logo)  # a crafted URL: defaults
    if opts.size not in SIZES:
        opts = QrOptions(512, opts.ec, opts.logo, opts.caption, opts.lang)
    query = {"size": str(opts.size), "ec": opts.ec, "caption": "1" if opts.caption else "0",
             "lang": opts.lang}
    if has_logo:
        query["logo"] = "1" if opts.logo else "0"
    return opts, query


@bp.get("/placements/<code>")
def placement(code: str, retire_form: RetireForm | None = None) -> Any:
    """One placement: its QR code and downloads, link, messages, funnel and retire action."""
    business = _business()
    found = _placement(business, code)
    if code != found.code:
        return redirect(url_for("admin.placement", code=found.code))
    service = _service()
    days = _days()
    funnel: Funnel = service.funnel(business, found.code, since=_since(days))[0]
    data = funnel.as_dict()
    has_logo = service.logo_path(business) is not None
    opts, query = qr_options(business, has_logo)
    links = service.links(found, request.url_root)
    # The public image routes of channels/links.py, with the options chosen here.
    image = {fmt: url_for("links.image", code=found.code, name=f"qr.{fmt}", **query)
             for fmt in ("png", "svg")}
    preview = url_for("links.image", code=found.code, name="qr.png",
                      **{**query, "size": str(PREVIEW_SIZE)})
    if retire_form is None and is_admin() and found.active:
        retire_form = RetireForm(formdata=None)
    return render_template(
        "admin/placement.html", p=found, f=data, steps=steps(data), links=links, opts=opts,
        sizes=SIZES, ec_levels=EC_LEVELS, has_logo=has_logo, image=image, preview=preview,
        poster=url_for("links.image", code=found.code, name="poster.pdf"), days=days, periods=PERIODS,
        retire_form=retire_form, charts={"funnel": funnel_chart(data)},
        signup_link=signup_url(business.whatsapp_number, found.signup_id)
        if found.signup_id else None,
        topic=business.topic(found.topic) if found.topic else None, **helpers(business))


@bp.post("/placements/<code>/retire")
def retire_placement(code: str) -> Any:
    """Retire after the confirm box: the code's link and images answer 410 from now on."""
    business = _business()
    found = _placement(business, code)
    form = RetireForm()
    if not form.validate_on_submit():
        form.confirm.errors = [t("placement.retire_needs_confirm")]
        return placement(found.code, retire_form=form), 400
    _service().retire(business, found.code)
    flash(t("placement.retired_done", code=found.code))
    return redirect(url_for("admin.placement", code=found.code))
