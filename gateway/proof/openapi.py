"""OpenAPI paths of the proof endpoints (merged into ``gateway.openapi.spec``)."""

from __future__ import annotations

from typing import Any

from gateway.core.limits import text_schema

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, media: str = JSON) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed request", 401: "Missing or wrong API key", 404: "Not found",
            409: "The ledger does not verify", 422: "Not acceptable (message says why)",
            503: "LEDGER_SIGNING_KEY is not configured"}
    return {str(c): {"description": text[c], "content": {JSON: {"schema": _ref("Error")}}}
            for c in codes}


PHONE = {"name": "phone", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "E.164, or a national number in the business's country"}

RECEIPT_PARAMS = [
    PHONE,
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "html"],
                                                  "default": "json"}},
    {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["ja", "en"]},
     "description": "Language of the page and purpose labels (default: the business's first)"},
    {"name": "copy", "in": "query", "schema": {"type": "string", "enum": ["auditor", "customer"],
                                                "default": "auditor"},
     "description": "auditor: masked number, no personal data; customer: the person's own copy"},
]

ERASE = {"type": "object", "additionalProperties": False,
         "properties": {"reason": text_schema("reason")}}
NOTES = {"type": "object", "required": ["notes"], "additionalProperties": False,
         "properties": {"notes": {"type": "array", "minItems": 1, "maxItems": 100,
                                  "items": {"type": "string", "maxLength": 4096}}}}
WEBHOOK = {"type": "object", "required": ["url"], "additionalProperties": False,
           "properties": {"url": text_schema("url", format="uri"),
                          "description": text_schema("description")}}

PATHS: dict[str, Any] = {
    "/contacts/{phone}/receipt": {"get": {
        "summary": "Consent receipt (ISO/IEC TS 27560 / Kantara CR v1.1) with ledger proofs",
        "description": "Every event with its exact wording, evidence, policy and ledger entry, "
                       "a Merkle inclusion proof against the latest signed checkpoint, signed "
                       "(detached JWS, EdDSA). `format=html` returns a printable page.",
        "parameters": RECEIPT_PARAMS,
        "responses": {"200": {"description": "The receipt", "content": {
            JSON: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}},
            **_errors(400, 401, 404, 422)}}},
    "/contacts/{phone}/export": {"get": {
        "summary": "Data-access export: everything held on one number",
        "parameters": [PHONE],
        "responses": {"200": _ok("State, events with evidence and personal data, receipt, "
                                 "suppression and audit entries"), **_errors(401, 404, 422)}}},
    "/contacts/{phone}/erase": {"post": {
        "summary": "Erase one person's personal data (proof and a keyed-hash suppression stay)",
        "parameters": [PHONE],
        "requestBody": {"required": False, "content": {JSON: {"schema": ERASE}}},
        "responses": {"200": _ok("What was removed"), **_errors(400, 401, 422)}}},
    "/ledger/public-key": {"get": {
        "summary": "The gateway's Ed25519 ledger key (raw, PEM and C2SP verifier key)",
        "security": [],
        "responses": {"200": _ok("The public key"), **_errors(503)}}},
    "/ledger/checkpoints": {
        "get": {"summary": "Signed checkpoints of this business's ledger, newest first",
                "parameters": [{"name": "limit", "in": "query",
                                "schema": {"type": "integer", "default": 100}}],
                "responses": {"200": _ok("Checkpoints (C2SP signed notes)"),
                              **_errors(400, 401)}},
        "post": {"summary": "Sign the current head now",
                 "responses": {"201": _ok("Signed"), "200": _ok("Nothing new since the last"),
                               **_errors(401, 409, 503)}}},
    "/ledger/checkpoints/verify": {"post": {
        "summary": "Check signed notes kept outside the gateway against the chain",
        "requestBody": {"required": True, "content": {JSON: {"schema": NOTES}}},
        "responses": {"200": _ok("One result per note"), **_errors(400, 401)}}},
    "/webhooks": {
        "post": {"summary": "Register a change-notification endpoint (secret shown once)",
                 "requestBody": {"required": True, "content": {JSON: {"schema": WEBHOOK}}},
                 "responses": {"201": _ok("The webhook with its signing secret"),
                               **_errors(400, 401, 422)}},
        "get": {"summary": "Registered endpoints with delivery counts",
                "responses": {"200": _ok("Webhooks"), **_errors(401)}}},
    "/webhooks/{webhook_id}": {"delete": {
        "summary": "Stop notifications to an endpoint",
        "parameters": [{"name": "webhook_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"204": {"description": "Deleted"}, **_errors(401, 404)}}},
}
