"""OpenAPI paths of ``/api/v1/placements`` (merged into ``gateway.openapi.spec``)."""

from __future__ import annotations

from typing import Any

from gateway.core.i18n import LANGUAGES
from gateway.core.limits import text_schema

JSON = "application/json"
ERROR = {"$ref": "#/components/schemas/Error"}

PLACEMENT: dict[str, Any] = {
    "type": "object",
    "required": ["code", "kind", "label", "status", "messages", "link", "qr_png"],
    "properties": {
        "code": {"type": "string", "examples": ["K7Q2ZPAB"],
                 "description": "Short unguessable code; the chat carries it as ref:CODE"},
        "kind": {"type": "string",
                 "enum": ["store", "event", "poster", "website", "ad", "other"]},
        "label": {"type": "string"},
        "topic": {"type": ["string", "null"], "description": "Topic preset for the chat"},
        "status": {"type": "string", "enum": ["active", "retired"]},
        "messages": {"type": "object", "additionalProperties": {"type": "string"},
                     "description": "Prefilled WhatsApp text per language (ja, en)"},
        "created_at": {"type": "string", "format": "date-time"},
        "retired_at": {"type": ["string", "null"], "format": "date-time"},
        "link": {"type": "string", "description": "Tracked link /l/CODE (clicks)"},
        "qr_url": {"type": "string", "description": "What the QR code encodes (?s=qr: scans)"},
        "short_link": {"type": "string", "description": "The link as printed, no scheme"},
        "qr_png": {"type": "string"}, "qr_svg": {"type": "string"},
        "poster_pdf": {"type": "string", "description": "Printable A6 poster"},
    },
}

FUNNEL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "kind": {"type": "string"}, "label": {"type": "string"},
        "status": {"type": "string"},
        "scans": {"type": "integer", "description": "QR scans by people"},
        "clicks": {"type": "integer", "description": "Link clicks by people"},
        "visits": {"type": "integer", "description": "scans + clicks"},
        "bot_hits": {"type": "integer", "description": "Link previews and bots, not counted"},
        "unique_visitors": {"type": "integer", "description": "Distinct keyed IP hashes"},
        "chats_started": {"type": "integer",
                          "description": "Conversations whose first message carried the code"},
        "chats_stale": {"type": "integer",
                        "description": "Code in a chat with no scan/click in the last 7 days"},
        "opt_ins": {"type": "integer",
                    "description": "Contacts with a confirmed opt-in carrying the code"},
        "opt_ins_pending": {"type": "integer"},
        "opt_outs": {"type": "integer",
                     "description": "Of those contacts, how many opted out later"},
        "rates": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
    },
}

_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_WINDOW = [{"name": n, "in": "query", "required": False,
            "schema": {"type": "string", "format": "date-time"}} for n in ("since", "until")]


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed request", 401: "Missing or wrong API key",
            404: "No such placement for this business", 409: "Could not draw a free code"}
    return {str(c): {"description": text[c], "content": {JSON: {"schema": ERROR}}}
            for c in codes}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": {JSON: {"schema": schema}}}}


CREATE = {
    "type": "object", "required": ["kind", "label"], "additionalProperties": False,
    "properties": {
        "kind": PLACEMENT["properties"]["kind"],
        "label": text_schema("label", examples=["Shibuya store counter"]),
        "topic": text_schema("topic"),
        "messages": {"type": "object", "propertyNames": {"enum": list(LANGUAGES)},
                     "additionalProperties": text_schema("wording_text", multiline=True),
                     "description": "Own prefilled text per language; must name the "
                                    "business; ref:CODE is appended"}}}

PATHS: dict[str, Any] = {
    "/placements": {
        "post": {
            "summary": "Create a placement (QR code / tracked link) for the key's business",
            "requestBody": {"required": True, "content": {JSON: {"schema": CREATE}}},
            "responses": {"201": {"description": "Created, with its code and URLs",
                                  "content": {JSON: {"schema": PLACEMENT}}},
                          **_errors(400, 401, 409)}},
        "get": {
            "summary": "List placements",
            "parameters": [{"name": "status", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["active", "retired"]}}],
            "responses": {**_ok("The placements", {"type": "object", "properties": {
                "placements": {"type": "array", "items": PLACEMENT}}}), **_errors(400, 401)}},
    },
    "/placements/funnel": {"get": {
        "summary": "Funnel of every placement, with totals",
        "parameters": _WINDOW,
        "responses": {**_ok("Funnels", {"type": "object", "properties": {
            "placements": {"type": "array", "items": FUNNEL},
            "totals": {"type": "object"}}}), **_errors(400, 401)}}},
    "/placements/{code}": {"get": {
        "summary": "One placement", "parameters": [_CODE],
        "responses": {**_ok("The placement", PLACEMENT), **_errors(401, 404)}}},
    "/placements/{code}/retire": {"post": {
        "summary": "Retire a placement (its link then shows a friendly page, HTTP 410)",
        "parameters": [_CODE],
        "responses": {**_ok("The retired placement", PLACEMENT), **_errors(401, 404)}}},
    "/placements/{code}/funnel": {"get": {
        "summary": "Scans/clicks → chats started → opt-ins → later opt-outs",
        "parameters": [_CODE, *_WINDOW],
        "responses": {**_ok("The funnel", FUNNEL), **_errors(400, 401, 404)}}},
    "/business/logo": {"put": {
        "summary": "Upload the logo shown in the centre of QR codes and on posters",
        "requestBody": {"required": True, "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {**_ok("Stored", {"type": "object"}), **_errors(400, 401)}}},
}
