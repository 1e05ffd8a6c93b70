"""``/api/v1/placements``: create, list, read and retire placements; their funnels; the logo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, request

from gateway.core.serialize import ts
from gateway.http import BadRequest, api_not_found, business, field, gw, json_body, require_key
from gateway.placements.model import Funnel, Placement
from gateway.placements.openapi import CREATE
from gateway.placements.service import MAX_LOGO_BYTES, PlacementService

bp = Blueprint("api_placements", __name__, url_prefix="/api/v1")


def _service() -> PlacementService:
    service = gw().placements
    assert service is not None
    return service


def placement_json(placement: Placement) -> dict[str, Any]:
    """A placement with its links (the code, link, QR and poster URLs) and wa.me texts."""
    return {
        "code": placement.code,
        "kind": placement.kind,
        "label": placement.label,
        "topic": placement.topic,
        "status": placement.status,
        "messages": dict(placement.messages),
        "created_at": ts(placement.created_at),
        "retired_at": ts(placement.retired_at),
        **_service().links(placement, request.url_root),
    }


def _window() -> tuple[datetime | None, datetime | None]:
    """``since`` / ``until`` query parameters (ISO 8601 with a zone)."""
    out: list[datetime | None] = []
    for name in ("since", "until"):
        raw = (request.args.get(name) or "").strip()
        parsed = None
        if raw:
            try:
                parsed = datetime.fromisoformat(raw.replace("z", "Z"))
                # A zone that takes the time past year 1 or 9999 overflows: refuse it too.
                parsed = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
            except (ValueError, OverflowError):
                parsed = None
            if parsed is None:
                raise BadRequest("bad_field", field=name, field_name=name,
                                 detail="an ISO 8601 time with a zone, e.g. 2026-11-01T00:00:00Z")
        out.append(parsed)
    return out[0], out[1]


def _funnels(funnels: list[Funnel]) -> dict[str, Any]:
    items = [f.as_dict() for f in funnels]
    keys = ("scans", "clicks", "visits", "bot_hits", "chats_started", "chats_stale", "opt_ins",
            "opt_ins_pending", "opt_outs")
    totals = {k: sum(int(i[k]) for i in items) for k in keys}
    return {"placements": items, "totals": totals}


@bp.post("/placements")
@require_key
def create_placement() -> Any:
    """Create a placement; 201 with its code, link, QR code and poster URLs."""
    data = json_body(CREATE)
    messages = field(data, "messages", dict)
    placement = _service().create(
        business(), kind=field(data, "kind", str, required=True),
        label=field(data, "label", str, required=True), topic=field(data, "topic", str),
        messages=messages, actor=f"api_key:{g.api_key_id}")
    return placement_json(placement), 201


@bp.get("/placements")
@require_key
def list_placements() -> Any:
    """All placements of the key's business (``?status=active|retired``)."""
    found = _service().list(business(), request.args.get("status") or None)
    return {"placements": [placement_json(p) for p in found]}


@bp.get("/placements/funnel")
@require_key
def all_funnels() -> Any:
    """Funnel of every placement, with totals (``since``/``until`` optional)."""
    since, until = _window()
    return _funnels(_service().funnel(business(), since=since, until=until))


@bp.get("/placements/<code>")
@require_key
def get_placement(code: str) -> Any:
    return placement_json(_service().get(business(), code))


@bp.post("/placements/<code>/retire")
@require_key
def retire_placement(code: str) -> Any:
    """Retire: the link and images answer 410 with a friendly page; history stays."""
    return placement_json(_service().retire(business(), code))


@bp.get("/placements/<code>/funnel")
@require_key
def placement_funnel(code: str) -> Any:
    """Scans/clicks → chats started → opt-ins → later opt-outs of one placement."""
    since, until = _window()
    return _service().funnel(business(), code, since=since, until=until)[0].as_dict()


@bp.put("/business/logo")
@require_key
def put_logo() -> Any:
    """Upload the business logo (raw PNG/JPEG/WebP/GIF body) shown in QR codes and posters."""
    if (request.content_length or 0) > MAX_LOGO_BYTES:
        raise BadRequest("bad_field", field="logo", field_name="logo",
                         detail=f"an image of at most {MAX_LOGO_BYTES >> 20} MB")
    _service().set_logo(business(), request.get_data(cache=False))
    gw().store.cache.clear()  # the business's settings changed
    return {"logo": True}


@bp.errorhandler(404)
def _api_404(_exc: Exception) -> Any:
    return api_not_found()
