"""OpenAPI paths of the imports area (merged into ``gateway.openapi.spec``)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
CSV = "text/csv"
NDJSON = "application/x-ndjson"

_ERROR = {"$ref": "#/components/schemas/Error"}
_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
_LANG = {"name": "lang", "in": "query", "required": False,
         "schema": {"type": "string", "enum": ["en", "ja"], "default": "en"},
         "description": "Language of error messages and report reasons"}

JOB = {
    "type": "object",
    "required": ["id", "status", "rows"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "filename": {"type": "string"},
        "sha256": {"type": "string"},
        "size_bytes": {"type": "integer"},
        "encoding": {"type": ["string", "null"], "enum": ["utf-8", "utf-8-sig", "cp932", None]},
        "columns": {"type": "array", "items": {"type": "string"}},
        "progress": {"type": "number", "minimum": 0, "maximum": 1,
                     "description": "Share of the file's bytes processed"},
        "rows": {"type": "object", "properties": {
            "processed": {"type": "integer", "description": "Records read (checkpoint)"},
            "recorded": {"type": "integer", "description": "Good rows recorded by this job"},
            "duplicates": {"type": "integer",
                           "description": "Good rows already recorded (same content)"},
            "failed": {"type": "integer", "description": "Bad rows (see errors_url)"}}},
        "error": {"type": ["object", "null"], "description": "Why the whole file failed"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "status_url": {"type": "string"},
        "errors_url": {"type": "string"},
    },
}


def _err(*codes: int) -> dict[str, Any]:
    text = {401: "Missing or wrong API key", 404: "No such job for this business",
            413: "File too large", 422: "Not a usable CSV (message says why)"}
    return {str(c): {"description": text[c], "content": {JSON: {"schema": _ERROR}}}
            for c in codes}


def _stream(kind: str, summary: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {
        "200": {"description": "Streamed", "content": {kind: {"schema": {"type": "string"}}}},
        **_err(401)}}}


PATHS: dict[str, Any] = {
    "/imports": {"post": {
        "summary": "Import paper opt-ins/opt-outs from a CSV (UTF-8 or Shift_JIS)",
        "description": "Columns by header name: phone, occurred_at (required), topics "
                       "(required for opt-ins), action, country, evidence_ref, staff, "
                       "location, language, wording_id, name. Files up to 1 MB are imported "
                       "during the request (201); larger ones are queued (202) and run by "
                       "`optin-gateway worker`; poll the status URL.",
        "parameters": [_LANG],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {
            "201": {"description": "Imported", "content": {JSON: {"schema": JOB}}},
            "202": {"description": "Queued; see Location", "content": {JSON: {"schema": JOB}}},
            **_err(401, 413, 422)}}},
    "/imports/{job_id}": {"get": {
        "summary": "Status of an import job: rows processed, recorded, duplicates, failed",
        "parameters": [_JOB_ID, _LANG],
        "responses": {"200": {"description": "The job", "content": {JSON: {"schema": JOB}}},
                      **_err(401, 404)}}},
    "/imports/{job_id}/errors.csv": {"get": {
        "summary": "The bad rows: row, column, code, reason, then the original values",
        "parameters": [_JOB_ID, _LANG],
        "responses": {"200": {"description": "UTF-8 CSV with a BOM",
                              "content": {CSV: {"schema": {"type": "string"}}}},
                      **_err(401, 404)}}},
    "/exports/state.csv": _stream(CSV, "Current consent state, one row per number and topic "
                                       "(the import format; ?bom=1 for Excel)"),
    "/exports/state.jsonl": _stream(NDJSON, "Current consent state as JSON lines"),
    "/exports/ledger.jsonl": _stream(NDJSON, "The full ledger, verifiable with "
                                             "`optin-gateway verify-ledger --file`"),
}
