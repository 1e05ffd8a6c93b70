"""The dashboard's writes (admins only; auth._guard answers 403 to viewers before these run).

Consent changes go through ``gw().service.capture`` like every channel: the staff opt-out
is a ledger event with channel ``admin``, method ``admin`` and the staff user as actor.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for

from gateway.admin.auth import current_business, current_user, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.forms import ApiKeyForm, OptOutForm
from gateway.admin.views import contact, keys_page, wording_form, wording_page
from gateway.core.consent import Action, Business, Capture
from gateway.core.errors import GatewayError
from gateway.core.normaliser import check_wording
from gateway.http import gw


def _business() -> Business:
    business = current_business()
    if business is None:
        abort(404)
    return business


@bp.post("/contacts/<id:contact_id>/opt-out")
def opt_out(contact_id: int) -> Any:
    """Record an opt-out on the customer's behalf (a revocation source: phone call, e-mail)."""
    business = _business()
    summary = gw().admin_store.contact(business.id, contact_id)
    if summary is None:
        abort(404)
    form = OptOutForm()
    if not form.validate_on_submit() or not summary.identifier:
        return contact(contact_id, form=form), 400
    chosen = [k for k in request.form.getlist("topic") if k in business.topic_keys]
    user = current_user()
    capture = Capture(
        business=business.slug, phone=summary.phone or "",
        user_id=None if summary.phone else summary.user_id, channel="admin", method="admin",
        action=Action.OPT_OUT, topics=tuple(chosen) or None,
        # One id per rendered form: a double click or a resubmitted page records once.
        idempotency_key=f"admin-optout:{form.nonce.data}",
        evidence={"staff_user": user.username, "reason": (form.reason.data or "").strip(),
                  "via": "admin dashboard"},
        actor=f"staff:{user.username}",
    )
    gw().service.capture(capture, business)
    flash(t("contact.optout_done"))
    return redirect(url_for("admin.contact", contact_id=contact_id))


@bp.post("/wordings")
def create_wording() -> Any:
    """A new immutable version; it must name the business and (by policy) say WhatsApp."""
    business = _business()
    form = wording_form(business)
    if not form.validate_on_submit():
        return wording_page(business, form, 400)
    body = "\n".join(line.rstrip() for line in (form.text.data or "").strip().splitlines())
    try:
        check_wording(body, business, business.policy)
    except GatewayError as exc:
        form.text.errors = [exc.message(lang())]
        return wording_page(business, form, 400)
    wording = gw().store.add_wording(business.id, form.kind.data or "", form.language.data or "",
                                     body)
    flash(t("wordings.created", id=wording.id))
    return redirect(url_for("admin.wordings") + f"#w-{wording.kind}-{wording.language}")


@bp.post("/api-keys")
def create_api_key() -> Any:
    """Create a key and show it once in this response (never stored in the session)."""
    business = _business()
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return keys_page(business), 400
    label = (form.label.data or "").strip() or f"admin:{current_user().username}"
    key = gw().store.create_api_key(business.id, label)
    return keys_page(business, new_key=key)


@bp.post("/api-keys/<id:key_id>/revoke")
def revoke_api_key(key_id: int) -> Any:
    business = _business()
    if not gw().admin_store.revoke_api_key(business.id, key_id):
        abort(404)
    gw().store.cache.clear()  # this process refuses the key at once, others within seconds
    flash(t("keys.revoked_done"))
    return redirect(url_for("admin.api_keys"))
