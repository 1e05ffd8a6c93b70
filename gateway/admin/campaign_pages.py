"""Campaign check page of the dashboard: a planned campaign's numbers, checked before the send.

Staff paste or upload the numbers (or WhatsApp user IDs) and pick a topic or a template
category; every line goes through ``gw().service.eligibility_batch``, exactly as
``POST /api/v1/eligibility`` answers it, and the page shows the same breakdown as the API's
summary: allowed, blocked by consent, blocked by the platform, by reason, with the first
lines not allowed. Running it is admin-only (``auth._guard`` answers 403 to viewers' POSTs).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import abort, render_template
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from gateway.admin.auth import current_business, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.forms import Storable
from gateway.admin.views import helpers
from gateway.core.consent import Business
from gateway.core.delivery import CATEGORIES, REASONS
from gateway.core.eligibility import Summary
from gateway.core.errors import GatewayError
from gateway.http import gw

MAX_UPLOAD = 64 << 20  # bytes; a million numbers take about 15 MB
MAX_PASTE = 2 << 20  # characters pasted into the box
SAMPLES = 200  # lines not allowed shown on the page
CONSENT_REASONS = ("no_consent", "opted_out", "topic_not_chosen", "pending_confirmation")


class CampaignForm(FlaskForm):
    what = SelectField(validators=[DataRequired()])  # topic:<key> or category:<name>
    numbers = TextAreaField(validators=[Length(max=MAX_PASTE), Storable(multiline=True)])
    file = FileField(validators=[FileSize(max_size=MAX_UPLOAD)])


def _business() -> Business:
    business = current_business()
    if business is None:
        abort(404)
    return business


def choices(business: Business) -> list[tuple[str, str]]:
    """Every topic with the category it is sent as, then each category the business uses."""
    language = lang()
    out = [(f"topic:{topic.key}", t("campaign.topic_option", label=topic.label(language),
                                    category=topic.category)) for topic in business.topics]
    used = [c for c in CATEGORIES if any(tp.category == c for tp in business.topics)]
    return out + [(f"category:{c}", t("campaign.category_option", category=c)) for c in used]


def decode(data: bytes) -> str | None:
    """UTF-8 (BOM or not), else CP932 (Excel's Shift_JIS), as the importer reads CSVs."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def identifiers(text: str) -> Iterator[str]:
    """The first cell of each non-empty line; a header line (phone / user_id) is skipped."""
    for n, row in enumerate(csv.reader(io.StringIO(text))):
        cell = (row[0] if row else "").strip()
        if not cell or (n == 0 and cell.lower() in ("phone", "user_id", "number", "電話番号")):
            continue
        yield cell


def _page(business: Business, form: CampaignForm, status: int = 200, **result: Any) -> Any:
    return render_template("admin/campaign.html", form=form, max_mb=MAX_UPLOAD >> 20,
                           consent_reasons=CONSENT_REASONS, platform_reasons=REASONS,
                           **result, **helpers(business)), status


@bp.get("/campaign")
def campaign() -> Any:
    business = current_business()
    if business is None:
        return render_template("admin/empty.html")
    form = CampaignForm(formdata=None)
    form.what.choices = choices(business)
    return _page(business, form if is_admin() else None)  # type: ignore[arg-type]


@bp.post("/campaign")
def check_campaign() -> Any:
    """Answer every line as the batch API does; show the summary and the first refusals."""
    business = _business()
    form = CampaignForm()
    form.what.choices = choices(business)
    if not form.validate_on_submit():
        if form.what.errors:
            form.what.errors = [t("campaign.err_what")]
        if form.file.errors:
            form.file.errors = [t("campaign.err_file", mb=MAX_UPLOAD >> 20)]
        return _page(business, form, 400)
    text = form.numbers.data or ""
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        decoded = decode(upload.read())
        if decoded is None:
            form.file.errors = [t("campaign.err_file", mb=MAX_UPLOAD >> 20)]
            return _page(business, form, 400)
        text = f"{text}\n{decoded}"
    kind, _, name = (form.what.data or "").partition(":")
    items = list(identifiers(text))
    if not items:
        form.numbers.errors = [t("campaign.err_empty")]
        return _page(business, form, 400)
    try:
        answers = gw().service.eligibility_batch(
            business, name if kind == "topic" else None, items,
            category=name if kind == "category" else None)
        summary, samples = Summary(), []
        for line in answers:
            summary.add(line)
            if not line["allowed"] and len(samples) < SAMPLES:
                samples.append(_sample(line))
    except GatewayError as exc:
        form.what.errors = [exc.message(lang())]
        return _page(business, form, 400)
    label = dict(form.what.choices).get(form.what.data or "", name)  # type: ignore[arg-type]
    return _page(business, form, result=summary.as_dict(), samples=samples, what=label)


def _sample(line: dict[str, Any]) -> dict[str, Any]:
    deliverable = line.get("deliverable") or {}
    until = deliverable.get("until")
    reason = "error" if "error" in line else line["reason"]
    return {"who": line.get("user_id") or line.get("phone") or "", "reason": reason,
            "until": datetime.fromisoformat(until) if until else None,
            "platform": reason in REASONS, "topic": line.get("topic")}
