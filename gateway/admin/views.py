"""Read-only pages of the dashboard and their JSON chart data (/admin/api/...)."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from flask import abort, g, jsonify, render_template, request, url_for

from gateway.admin import stats
from gateway.admin.auth import current_business, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.display import business_tz, local, pct, phone, tz_name
from gateway.admin.forms import ApiKeyForm, ButtonForm, OptOutForm, WordingForm
from gateway.admin.records import ContactSummary
from gateway.admin.texts import CHANNELS, METHODS, label
from gateway.core.consent import Action, Business, ConsentEvent
from gateway.core.wordings import DEFAULTS
from gateway.http import gw
from gateway.proof.evidence_labels import evidence_label, labelled
from gateway.proof.receipt_page import receipt_page

PERIODS = (7, 30)
HISTORY_DAYS = 30  # look-back for "new" badges, whatever the period shown
PALETTE = ["#128c7e", "#2f6fdb", "#f59f00", "#8e44ad", "#e8590c", "#0ca678", "#c2255c",
           "#5c7cfa", "#74b816", "#1098ad", "#862e9c", "#495057"]


def _business_or_empty() -> Business | None:
    return current_business()


def _now() -> datetime:
    return gw().admin_store.clock()


def _days() -> int:
    try:
        days = int(request.args.get("days", 30))
    except ValueError:
        days = 30
    return days if days in PERIODS else 30


def helpers(business: Business) -> dict[str, Any]:
    """Formatting functions the templates share."""
    tz = business_tz(business)
    language = lang()

    def topic_label(key: str) -> str:
        topic = business.topic(key)
        return topic.label(language) if topic else key

    return {"tz": tz, "tz_name": tz_name(tz), "plain": plain, "phone": phone, "pct": pct,
            "when": lambda v, s=False: local(v, tz, s), "channel_label": lambda c: label(CHANNELS, c, language),
            "method_label": lambda m: label(METHODS, m, language), "topic_label": topic_label,
            "evidence": lambda values: labelled(values or {}, language),
            "evidence_label": lambda key: evidence_label(key, language)}


def plain(value: Any) -> str:
    """Evidence values as text (escaped by the template like everything else)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _series(daily: dict[str, Any], name: Any) -> dict[str, Any]:
    series = daily["series"]
    return {"labels": daily["labels"],
            "datasets": [{"label": name(key), "data": values, "color": _colour(i)}
                         for i, (key, values) in enumerate(series.items())]}


def _rates_json(table: stats.RateTable, name: Any) -> list[dict[str, Any]]:
    return [dict(g.as_json(), label=name(g.key)) for g in table.groups]


def query_start(now: datetime, days: int, business: Business) -> datetime:
    """Early enough for the rate window and for the first local day of the daily charts."""
    tz = business_tz(business)
    first_day = stats.local_days(now, days, tz)[0]
    return min(now - timedelta(days=days), datetime.combine(first_day, time.min, tz))


def source_report(business: Business, days: int, events: list[ConsentEvent] | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Everything the sources page shows, from one read of the window's events."""
    now = now or _now()
    tz = business_tz(business)
    start = now - timedelta(days=days)
    if events is None:
        events = gw().admin_store.events_since(
            business, query_start(now, max(days, HISTORY_DAYS), business))
    language = lang()
    channel_name = lambda c: label(CHANNELS, c, language)  # noqa: E731
    wordings = {w.id: w for w in gw().store.list_wordings(business.id)}

    def wording_name(wid: str) -> str:
        w = wordings.get(wid)
        return f"{w.kind} · {w.language} · v{w.version}" if w else wid

    tables = {kind: stats.opt_out_rates(events, fn, start=start, end=now,
                                        history=stats.first_seen(events, fn))
              for kind, fn in stats.GROUPINGS.items()}
    by_channel = stats.daily_counts(events, stats.by_channel, end=now, days=days, tz=tz)
    by_placement = stats.daily_counts(events, stats.by_placement, end=now, days=days, tz=tz)
    labels = {stats.by_placement(e): e.evidence.get("placement_label") for e in events}

    def placement_name(code: str) -> str:
        text = labels.get(code)
        return f"{text} ({code})" if isinstance(text, str) and text else code

    names = {"channel": channel_name, "placement": placement_name, "wording": wording_name}
    charts = {
        "days": days,
        "by_channel": _series(by_channel, channel_name),
        "by_placement": _series(by_placement, placement_name),
        "rates": {"labels": [channel_name(g.key) for g in tables["channel"].groups],
                  "values": [round(g.rate * 100, 2) for g in tables["channel"].groups],
                  "flagged": [g.flagged for g in tables["channel"].groups],
                  "baseline": round(tables["channel"].rate * 100, 2),
                  "baseline_label": t("baseline"), "axis": t("col.rate")},
    }
    flagged = [(kind, names[kind](g.key), g) for kind, table in tables.items()
               for g in table.flagged]
    return {"tables": tables, "names": names, "charts": charts, "days": days,
            "flagged": flagged,
            "json": {"days": days, "charts": charts,
                     "rates": {k: _rates_json(v, names[k]) for k, v in tables.items()},
                     "business_rate": round(tables["channel"].rate, 4)}}


@bp.get("/")
def overview() -> Any:
    business = _business_or_empty()
    if business is None:
        return render_template("admin/empty.html")
    now = _now()
    events = gw().admin_store.events_since(business, query_start(now, 30, business))
    tz = business_tz(business)
    week = stats.totals(events, start=now - timedelta(days=7), end=now)
    month = stats.totals(events, start=now - timedelta(days=30), end=now)
    report = source_report(business, 30, events, now)
    ins = stats.daily_counts(events, lambda e: "in", end=now, days=30, tz=tz)
    outs = stats.daily_counts(events, lambda e: "out", end=now, days=30, tz=tz,
                              action=Action.OPT_OUT)
    zeros = [0] * len(ins["labels"])
    chart = {"labels": ins["labels"], "datasets": [
        {"label": t("kpi.opt_ins"), "data": ins["series"].get("in", zeros), "color": PALETTE[0]},
        {"label": t("kpi.opt_outs"), "data": outs["series"].get("out", zeros),
         "color": "#d64545"}]}
    return render_template(
        "admin/overview.html", counts=gw().admin_store.overview(business.id), week=week,
        month=month, rate=report["tables"]["channel"].rate, flagged=report["flagged"],
        chart=chart,
        recent=gw().admin_store.recent_events(business, 12), **helpers(business))


# The contacts workspace (/admin/contacts and its export): gateway/admin/contact_pages.py.


def receipt_url(summary: ContactSummary) -> str | None:
    """The printable receipt of a contact whose identifier is still held (not erased)."""
    if not summary.identifier:
        return None
    return url_for("admin.receipt", contact_id=summary.id, lang=lang())


# Only the receipt's own print button may run: its inline handler, allowed by hash.
RECEIPT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "script-src 'unsafe-hashes' 'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/contacts/<id:contact_id>/receipt")
def receipt(contact_id: int) -> Any:
    """The consent receipt as a printable page, for staff to hand to the customer or Meta."""
    business = _business_or_empty()
    summary = gw().admin_store.contact(business.id, contact_id) if business else None
    if business is None or summary is None or not summary.identifier:
        abort(404)
    copy = "customer" if request.args.get("copy") == "customer" else "auditor"
    data = gw().proof.receipt(business, summary.phone or "", copy=copy, lang=lang(),
                              user_id=None if summary.phone else summary.user_id)
    g.csp_override = RECEIPT_CSP  # the receipt template is self-contained (inline print CSS)
    return render_template("proof/receipt.html", **receipt_page(data, business, lang()))


@bp.get("/contacts/<id:contact_id>")
def contact(contact_id: int, form: OptOutForm | None = None) -> Any:
    business = _business_or_empty()
    if business is None:
        abort(404)
    summary = gw().admin_store.contact(business.id, contact_id)
    if summary is None:
        abort(404)
    if summary.identifier:  # the person, across every linked identifier
        _asked, state, events = gw().service.contact(
            business, summary.phone or "", user_id=None if summary.phone else summary.user_id)
        links = gw().service.linked(business.id, [summary.subject_ref])
        known = gw().store.identifiers(business.id, {r for link in links
                                                     for r in (link.a, link.b)})
        linked = sorted(v for r, v in known.items() if v and r != summary.subject_ref)
    else:  # erased: what the subject itself still has (events without personal data)
        state = gw().store.contact_state(business.id, summary.subject_ref)
        events = gw().store.contact_events(business, summary.subject_ref)
        linked = []
    wordings = {w.id: w for w in gw().store.list_wordings(business.id)}
    if form is None and is_admin():
        form = OptOutForm(formdata=None)
    if form is not None and not form.nonce.data:
        form.nonce.data = secrets.token_urlsafe(16)
    return render_template("admin/contact.html", contact=summary, state=state,
                           events=list(reversed(events)), wordings=wordings, form=form,
                           linked=linked,
                           receipt=receipt_url(summary), now=_now(), **helpers(business))


@bp.get("/sources")
def sources() -> Any:
    business = _business_or_empty()
    if business is None:
        return render_template("admin/empty.html")
    report = source_report(business, _days())
    return render_template("admin/sources.html", report=report, periods=PERIODS,
                           min_sample=stats.MIN_SAMPLE, lift=int(stats.MIN_LIFT * 100),
                           **helpers(business))


@bp.get("/api/sources")
def sources_json() -> Any:
    """The sources report as JSON (session-authenticated), for the charts or a spreadsheet."""
    business = _business_or_empty()
    if business is None:
        abort(404)
    return jsonify(source_report(business, _days())["json"])


def wording_page(business: Business, form: WordingForm | None = None, status: int = 200,
                 created: str | None = None) -> Any:
    now = _now()
    days = _days()
    events = gw().admin_store.events_since(
        business, query_start(now, max(days, HISTORY_DAYS), business))
    rates = {g.key: g for g in stats.opt_out_rates(
        events, stats.by_wording, start=now - timedelta(days=days), end=now,
        history=stats.first_seen(events, stats.by_wording)).groups}
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for w in gw().store.list_wordings(business.id):
        groups[(w.kind, w.language)].append(w)
    for versions in groups.values():
        versions.sort(key=lambda w: -w.version)
    if form is None and is_admin():
        form = wording_form(business, formdata=None)
    kinds = list(DEFAULTS)
    langs = list(business.languages)

    def order(item: tuple[tuple[str, str], Any]) -> tuple[int, str, int, str]:
        (kind, language), _versions = item
        return (kinds.index(kind) if kind in kinds else len(kinds), kind,
                langs.index(language) if language in langs else len(langs), language)

    return render_template("admin/wordings.html", groups=dict(sorted(groups.items(), key=order)),
                           rates=rates, form=form, days=days, periods=PERIODS,
                           **helpers(business)), status


def wording_form(business: Business, **kwargs: Any) -> WordingForm:
    form = WordingForm(**kwargs)
    kinds = list(DEFAULTS) + sorted({w.kind for w in gw().store.list_wordings(business.id)}
                                    - set(DEFAULTS))
    form.kind.choices = [(k, t(f"kind.{k}")) for k in kinds]
    form.language.choices = [(code, {"ja": "日本語", "en": "English"}.get(code, code))
                             for code in business.languages]
    return form


@bp.get("/wordings")
def wordings() -> Any:
    business = _business_or_empty()
    if business is None:
        return render_template("admin/empty.html")
    return wording_page(business)


def keys_page(business: Business, new_key: str | None = None) -> Any:
    return render_template("admin/api_keys.html", keys=gw().admin_store.api_keys(business.id),
                           form=ApiKeyForm(formdata=None) if is_admin() else None,
                           revoke_form=ButtonForm(), new_key=new_key, **helpers(business))


@bp.get("/api-keys")
def api_keys() -> Any:
    business = _business_or_empty()
    if business is None:
        return render_template("admin/empty.html")
    return keys_page(business)


# Placements & QR has its own pages: gateway/admin/placement_pages.py; imports & exports too:
# gateway/admin/import_pages.py.
