"""Proof endpoints of ``/api/v1``: receipts, export, erasure, checkpoints, webhooks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request

from gateway.core.consent import Business
from gateway.core.i18n import LANGUAGES, pick_language
from gateway.core.serialize import ts
from gateway.http import BadRequest, business, contact_key, field, gw, json_body, require_key
from gateway.proof.openapi import ERASE, NOTES, WEBHOOK
from gateway.proof.receipt_page import receipt_page
from gateway.proof.service import ProofService

bp = Blueprint("api_proof", __name__, url_prefix="/api/v1")

def proof() -> ProofService:
    service = gw().proof
    assert service is not None, "the container wires the proof service"
    return service


def _actor() -> str:
    return f"api_key:{g.api_key_id}"


# -- receipts ---------------------------------------------------------------------------------

def render_receipt(receipt: dict[str, Any], biz: Business, lang: str) -> str:
    """The printable page of a receipt."""
    return render_template("proof/receipt.html", **receipt_page(receipt, biz, lang))


def _lang(biz: Business) -> str:
    requested = request.args.get("lang")
    if requested and requested not in LANGUAGES:
        raise BadRequest("bad_field", field="lang", field_name="lang", detail="use ja or en")
    return pick_language(requested, [], default=biz.languages[0] if biz.languages else "en")


@bp.get("/contacts/<path:phone>/receipt")
@require_key
def get_receipt(phone: str) -> Any:
    """The consent receipt of one number: JSON, or ``?format=html`` for a printable page."""
    biz = business()
    copy = request.args.get("copy", "auditor")
    if copy not in ("auditor", "customer"):
        raise BadRequest("bad_field", field="copy", field_name="copy",
                         detail="use auditor or customer")
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "html"):
        raise BadRequest("bad_field", field="format", field_name="format",
                         detail="use json or html")
    lang = _lang(biz)
    number, user = contact_key(phone)
    receipt = proof().receipt(biz, number, copy=copy, lang=lang, user_id=user)
    if fmt == "html":
        response = Response(render_receipt(receipt, biz, lang), mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response
    return receipt


@bp.get("/contacts/<path:phone>/export")
@require_key
def get_export(phone: str) -> Any:
    """Everything held on one number, for a data-access request."""
    number, user = contact_key(phone)
    response = jsonify(proof().export(business(), number, user_id=user))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/contacts/<path:phone>/erase")
@require_key
def post_erase(phone: str) -> Any:
    """Erase one person's personal data; the proof stays, re-import is blocked."""
    data = json_body(ERASE) if request.get_data(cache=True).strip() else {}
    reason = field(data, "reason", str, default="request")
    number, user = contact_key(phone)
    return proof().erase(business(), number, actor=_actor(), reason=reason, user_id=user)


# -- ledger -----------------------------------------------------------------------------------

@bp.get("/ledger/public-key")
def get_public_key() -> Any:
    """The Ed25519 key that signs checkpoints and receipts (public; no API key needed)."""
    return proof().public_key()


def _checkpoint_json(cp: Any) -> dict[str, Any]:
    return {"id": cp.id, "size": cp.size, "root_hash": cp.root, "head_hash": cp.head_hash,
            "origin": cp.origin, "key_id": cp.key_id, "note": cp.note,
            "created_at": ts(cp.created_at)}


@bp.get("/ledger/checkpoints")
@require_key
def get_checkpoints() -> Any:
    """This business's signed checkpoints, newest first (keep copies outside the gateway)."""
    try:
        limit = min(max(int(request.args.get("limit", "100")), 1), 1000)
    except ValueError:
        raise BadRequest("bad_field", field="limit", field_name="limit",
                         detail="expected a number") from None
    rows = proof().store.checkpoints(business().id, limit=limit, newest_first=True)
    return {"checkpoints": [_checkpoint_json(cp) for cp in rows]}


@bp.post("/ledger/checkpoints")
@require_key
def post_checkpoint() -> Any:
    """Sign the current head now (201), or return the latest if nothing changed (200)."""
    record, created = proof().checkpoint(business())
    if record is None:
        return {"checkpoint": None, "created": False}, 200
    return {"checkpoint": _checkpoint_json(record), "created": created}, 201 if created else 200


@bp.post("/ledger/checkpoints/verify")
@require_key
def post_verify_notes() -> Any:
    """Check signed notes kept outside the gateway against the current chain."""
    notes = field(json_body(NOTES), "notes", list, required=True)
    results = proof().verify_notes(business(), notes)
    return {"ok": all(r["ok"] for r in results), "results": results}


# -- webhooks ---------------------------------------------------------------------------------

def _webhook_json(hook: Any) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "description": hook.description,
            "secret_hint": "…" + hook.secret_hint, "created_at": ts(hook.created_at),
            "deliveries": hook.deliveries, "last_error": hook.last_error}


@bp.post("/webhooks")
@require_key
def post_webhook() -> Any:
    """Register an endpoint for change notifications; its secret is shown only here."""
    data = json_body(WEBHOOK)
    url = field(data, "url", str, required=True)
    description = field(data, "description", str, default="")
    hook, secret = proof().add_webhook(business(), url, description, actor=_actor())
    return {**_webhook_json(hook), "secret": secret,
            "events": ["consent.opt_in", "consent.opt_out", "ledger.checkpoint"]}, 201


@bp.get("/webhooks")
@require_key
def get_webhooks() -> Any:
    """Registered endpoints with delivery counts (pending, sent, dead)."""
    return {"webhooks": [_webhook_json(h) for h in
                         proof().store.webhooks_with_stats(business().id)]}


@bp.delete("/webhooks/<id:webhook_id>")
@require_key
def delete_webhook(webhook_id: int) -> Any:
    """Stop notifications to an endpoint (queued deliveries are dropped)."""
    proof().delete_webhook(business(), webhook_id, actor=_actor())
    return Response(status=204)
