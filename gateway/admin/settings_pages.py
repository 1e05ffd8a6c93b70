"""Business settings page of the dashboard: sites allowed to embed the widget, languages,
topics, double opt-in, policy, opt-out scope and branding (logo, accent colour).

Every value is checked by ``gateway.core.business_settings`` (the CLI's
``configure-business`` uses the same rules); the logo goes through the placements service,
which re-encodes it with Pillow, as the API's ``PUT /business/logo`` does. Viewers see the
page; only admins may save (``auth`` answers 403 to a viewer's POST).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from gateway.admin.auth import current_business, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.forms import SettingsForm
from gateway.admin.views import helpers
from gateway.core.business_settings import CATEGORIES, SCOPES, SettingsProblem
from gateway.core.business_settings import apply as apply_settings
from gateway.core.consent import POLICIES, Business, Topic
from gateway.http import gw
from gateway.placements.service import MAX_LOGO_BYTES, PlacementError
from gateway.web.branding import DEFAULT_ACCENT

LANGUAGE_SETS = (("ja,en", "settings.lang_ja_en"), ("en,ja", "settings.lang_en_ja"),
                 ("ja", "settings.lang_ja"), ("en", "settings.lang_en"))
NEW_TOPIC = "new"  # form prefix of the blank row that adds a topic


def _business() -> Business:
    business = current_business()
    if business is None:
        abort(404)
    return business


def settings_form(business: Business, formdata: Any = None) -> SettingsForm:
    form = SettingsForm(formdata=formdata)
    form.languages.choices = [(value, t(key)) for value, key in LANGUAGE_SETS]
    form.policy.choices = [(p, t(f"settings.policy_{p}")) for p in sorted(POLICIES)]
    form.opt_out_scope.choices = [(s, t(f"settings.scope_{s}")) for s in SCOPES]
    if formdata is None:
        form.name.data = business.name
        form.languages.data = ",".join(business.languages)
        form.frame_ancestors.data = "\n".join(business.settings.get("frame_ancestors") or [])
        form.double_opt_in.data = business.double_opt_in
        form.policy.data = business.policy_id
        form.opt_out_scope.data = business.opt_out_scope
        # A colour input always sends a colour: "default" is its own box, ticked when unset.
        form.accent.data = business.settings.get("accent") or DEFAULT_ACCENT
        form.default_accent.data = not business.settings.get("accent")
    return form


def proposed_topics(business: Business) -> list[Topic]:
    """The topics as posted: each existing one relabelled, plus the new row if filled in."""
    topics = [Topic(topic.key, topic.category,
                    {code: request.form.get(f"topic-{topic.key}-{code}", "")
                     for code in ("ja", "en")}) for topic in business.topics]
    key = request.form.get(f"{NEW_TOPIC}-key", "").strip()
    if key:
        topics.append(Topic(key, request.form.get(f"{NEW_TOPIC}-category", ""),
                            {code: request.form.get(f"{NEW_TOPIC}-{code}", "")
                             for code in ("ja", "en")}))
    return topics


def settings_page(business: Business, form: SettingsForm, status: int = 200,
                  problem: str | None = None) -> Any:
    has_logo = bool(business.settings.get("logo_path"))
    return render_template(
        "admin/settings.html", form=form, problem=problem, categories=CATEGORIES,
        topics=business.topics, new_topic=NEW_TOPIC, posted=request.form,
        has_logo=has_logo, logo_url=url_for("web_form.logo", slug=business.slug)
        if has_logo else None, **helpers(business)), status


@bp.get("/settings")
def settings() -> Any:
    """The business's settings (admins can change them)."""
    business = current_business()
    if business is None:
        return render_template("admin/empty.html")
    return settings_page(business, settings_form(business))


@bp.post("/settings")
def save_settings() -> Any:
    """Check every value, store them together, then the logo (if one was chosen)."""
    business = _business()
    form = settings_form(business, request.form)
    if not form.validate_on_submit():
        return settings_page(business, form, 400)
    if not is_admin():  # the guard refuses viewers' POSTs first; this is a second lock
        abort(403)
    try:
        updated = apply_settings(
            gw().store, business, name=form.name.data, policy=form.policy.data,
            double_opt_in=form.double_opt_in.data, opt_out_scope=form.opt_out_scope.data,
            languages=(form.languages.data or "").split(","),
            frame_ancestors=(form.frame_ancestors.data or "").splitlines(),
            accent="" if form.default_accent.data else (form.accent.data or ""),
            topics=proposed_topics(business))
    except SettingsProblem as exc:
        return settings_page(business, form, 400, problem=exc.message(lang()))
    upload = request.files.get("logo")
    if upload is not None and upload.filename and gw().placements is not None:
        try:
            gw().placements.set_logo(updated, upload.read(MAX_LOGO_BYTES + 1))
        except PlacementError:
            return settings_page(updated, form, 400, problem=t("settings.bad_logo"))
        gw().store.cache.clear()  # the logo is a business setting: show it at once
    flash(t("settings.saved"), "ok")
    return redirect(url_for("admin.settings"))
