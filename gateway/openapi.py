"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``GET /api/v1/openapi.json``): the core's
paths here, each area's in its own ``openapi.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.consent import METHODS
from gateway.core.delivery import CATEGORIES
from gateway.core.delivery import REASONS as DELIVERY_REASONS
from gateway.core.i18n import LANGUAGES
from gateway.core.limits import MAX_EVIDENCE_BYTES, MAX_LENGTH, MAX_TOPICS, text_schema

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed request", 401: "Missing or wrong API key", 404: "Not found",
            409: "Idempotency key reused for a different event", 413: "Request too large",
            422: "The capture breaks a consent rule (message says which)",
            503: "The database is unavailable; nothing was recorded; retry (Retry-After)"}
    return {str(c): {"description": text[c], "content": {JSON: {"schema": _ref("Error")}}}
            for c in codes}


def _phone_param(location: str) -> dict[str, Any]:
    return {"name": "phone", "in": location, "required": True, "schema": {"type": "string"},
            "description": "E.164, or a national number in the business's country"}


USER_ID_PATTERN = "^[A-Z]{2}\\.(ENT\\.)?[A-Za-z0-9]{1,128}$"
USER_ID_PARAM = {"name": "user_id", "in": "query", "required": False,
                 "schema": {"type": "string", "pattern": USER_ID_PATTERN},
                 "description": "A WhatsApp business-scoped user ID (instead of phone)"}
TOPIC_PARAM = {"name": "topic", "in": "query", "required": False, "schema": {"type": "string"},
               "description": "A topic key of the business (or ask by category)"}
CATEGORY_PARAM = {"name": "category", "in": "query", "required": False,
                  "schema": {"type": "string", "enum": list(CATEGORIES)},
                  "description": "Instead of topic: the template category; consent is any "
                                 "topic the business sends as it"}
SUMMARY_PARAM = {"name": "summary", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
                 "description": "true: a last line {\"summary\": {total, allowed, "
                                "blocked_by_consent, blocked_by_platform, errors, by_reason}}"}
SENDER_PARAM = {"name": "sender", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "The sender the template would go out from, e.g. "
                               "whatsapp:+81345678901 (matters with opt-out scope 'sender')"}

CAPTURE = {
    "type": "object",
    "anyOf": [{"required": ["phone"]}, {"required": ["user_id"]}],
    "additionalProperties": False,
    "description": "Unknown fields are refused (400 unknown_field), never dropped.",
    "properties": {
        "phone": text_schema("phone", examples=["+819012345678", "090-1234-5678"]),
        "user_id": {"type": "string", "pattern": USER_ID_PATTERN,
                    "examples": ["JP.13491208655302741918"],
                    "description": "WhatsApp business-scoped user ID, for a person known "
                                   "without a number (with phone: the two are linked)"},
        "country": {"type": "string", "pattern": "^[A-Za-z]{2}$",
                    "description": "ISO 3166 alpha-2 for national numbers"},
        "topics": {"type": "array", "maxItems": MAX_TOPICS, "items": text_schema("topic"),
                   "description": "Topic keys; required for opt-ins, omit on opt-outs for all"},
        "action": {"type": "string", "enum": ["opt_in", "opt_out"], "default": "opt_in"},
        "channel": {"type": "string",
                    "enum": ["api", "checkout", "web_form", "paper", "ad", "admin"],
                    "default": "api"},
        "method": {"type": "string", "enum": sorted(METHODS), "default": "api"},
        "wording_id": text_schema("wording_id", description="Exact wording version shown"),
        "wording_kind": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$",
                         "description": "Use the current wording of a kind (default: the "
                                        "channel); with wording.text, file the text under it"},
        "wording": {
            "type": "object", "additionalProperties": False, "required": ["text"],
            "description": "The exact text the customer was shown, instead of wording_id: "
                           "checked like any wording, kept once per distinct text as a "
                           "version of the business's wording of that kind",
            "properties": {"text": text_schema("wording_text", multiline=True),
                           "language": {"type": "string", "enum": list(LANGUAGES)}}},
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "occurred_at": {"type": "string", "format": "date-time", "maxLength": 64,
                        "description": "When the customer acted (with a time zone, not "
                                       "before 2009)"},
        "idempotency_key": text_schema(
            "idempotency_key", description="Also as the Idempotency-Key header. The same key "
            "with the same body answers the first event (200); with any other body, 409"),
        "evidence": {"type": "object", "maxProperties": 64, "additionalProperties": True,
                     "description": f"What proves it (order id, page...): at most "
                                    f"{MAX_EVIDENCE_BYTES} bytes of JSON, texts up to "
                                    f"{MAX_LENGTH['evidence_text']} characters"},
        "name": text_schema("name", description="Personal data: kept in the erasable vault"),
    },
}

WORDING = {
    "type": "object", "required": ["kind", "language", "text"], "additionalProperties": False,
    "properties": {"kind": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
                   "language": {"type": "string", "enum": list(LANGUAGES)},
                   "text": text_schema("wording_text", multiline=True)}}

EVENT = {
    "type": "object",
    "required": ["event_id", "action", "status", "topics", "channel", "occurred_at", "ledger"],
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "business": {"type": "string"},
        "phone": {"type": ["string", "null"]},
        "action": {"type": "string", "enum": ["opt_in", "opt_out"]},
        "status": {"type": "string", "enum": ["confirmed", "pending"]},
        "topics": {"type": "array", "items": {"type": "string"}},
        "all_topics": {"type": "boolean"},
        "channel": {"type": "string"},
        "method": {"type": "string"},
        "wording": {"type": ["object", "null"]},
        "policy": {"type": "object"},
        "language": {"type": ["string", "null"]},
        "occurred_at": {"type": "string", "format": "date-time"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "idempotency_key": {"type": "string"},
        "evidence": {"type": "object"},
        "ledger": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "hash": {"type": "string"},
            "prev_hash": {"type": "string"}}},
    },
}

CONSENT_REASONS = ["consented", "no_consent", "opted_out", "topic_not_chosen",
                   "pending_confirmation"]
TIME = {"type": ["string", "null"], "format": "date-time"}
ELIGIBILITY = {
    "type": "object",
    "required": ["allowed", "reason", "consent", "deliverable"],
    "properties": {
        "allowed": {"type": "boolean", "description": "Consent and deliverable now"},
        "reason": {"type": "string", "enum": CONSENT_REASONS + list(DELIVERY_REASONS),
                   "description": "The consent's reason, or the platform's when the person "
                                  "consented but it will not deliver"},
        "rule": {"type": "string"},
        "category": {"type": ["string", "null"], "enum": [*CATEGORIES, None]},
        "consent": {"type": "object", "required": ["ok", "reason"], "properties": {
            "ok": {"type": "boolean"}, "reason": {"type": "string", "enum": CONSENT_REASONS},
            "rule": {"type": "string"}}},
        "deliverable": {"type": "object", "required": ["ok", "reason", "until"], "properties": {
            "ok": {"type": "boolean"},
            "reason": {"type": ["string", "null"], "enum": [*DELIVERY_REASONS, None]},
            "until": {**TIME, "description": "When the block ends (null: while the rule "
                                             "stands, or nothing blocks)"},
            "since": TIME, "rule": {"type": ["string", "null"]},
            "source": {"type": ["object", "null"],
                       "description": "The delivery fact or platform rule behind it"}}},
        "free_window_until": {**TIME, "description": "Until when a send of this category "
                                                     "is free (free entry point window)"},
        "phone": {"type": ["string", "null"]},
        "user_id": {"type": ["string", "null"], "description": "When asked by user ID"},
        "decided_by": {"type": ["string", "null"],
                       "description": "The linked identifier the deciding event was "
                                      "recorded under, when it is not the one asked"},
        "topic": {"type": "string"},
        "event_id": {"type": ["string", "null"]},
        "since": {"type": ["string", "null"], "format": "date-time"},
        "window_open_until": {**TIME, "description": "24 h after the last message or "
                                                     "WhatsApp call"},
    },
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "field": {"type": ["string", "null"]}}}},
}


def _created(description: str) -> dict[str, Any]:
    return {
        "201": {"description": description, "content": {JSON: {"schema": _ref("Event")}}},
        "200": {"description": "Same idempotency key: the first event, nothing written",
                "content": {JSON: {"schema": _ref("Event")}}},
    }


def spec(area_paths: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole document: the core's paths, then ``area_paths`` (each area's ``openapi.py``,
    collected by create_app through the area hooks)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Opt-in Gateway API", "version": "1.0.0",
                 "description": "Record WhatsApp opt-ins and opt-outs and ask who may be "
                                "messaged. Authenticate with `Authorization: Bearer <key>`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/consents": {"post": {
                "summary": "Record an opt-in (or an opt-out with action=opt_out)",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True,
                                "content": {JSON: {"schema": _ref("Capture")}}},
                "responses": {**_created("Recorded"), **_errors(400, 401, 409, 413, 422, 503)}}},
            "/opt-outs": {"post": {
                "summary": "Record an opt-out of some topics, or all when none are given",
                "requestBody": {"required": True,
                                "content": {JSON: {"schema": _ref("Capture")}}},
                "responses": {**_created("Recorded"), **_errors(400, 401, 409, 413, 422, 503)}}},
            "/eligibility": {
                "get": {"summary": "May a template on this topic go to this person?",
                        "description": "Ask by phone or by user_id (one of them). Links "
                                       "between a person's identifiers count: an opt-out "
                                       "under any of them wins.",
                        "parameters": [{**_phone_param("query"), "required": False},
                                       USER_ID_PARAM, TOPIC_PARAM, CATEGORY_PARAM,
                                       SENDER_PARAM],
                        "responses": {"200": {"description": "The answer and its reason",
                                              "content": {JSON: {"schema": _ref("Eligibility")}}},
                                      **_errors(400, 401, 422)}},
                "post": {"summary": "Batch: NDJSON numbers or user IDs in ({\"phone\": …}, "
                                    "{\"user_id\": …} or a bare value), NDJSON answers out, "
                                    "in order",
                         "description": "Each line as the single answer has it: "
                                        "allowed, reason, consent, deliverable, "
                                        "free_window_until.",
                         "parameters": [TOPIC_PARAM, CATEGORY_PARAM, SENDER_PARAM,
                                        SUMMARY_PARAM],
                         "requestBody": {"required": True, "content": {
                             "application/x-ndjson": {"schema": {"type": "string"}}}},
                         "responses": {"200": {"description": "One JSON answer per line",
                                               "content": {"application/x-ndjson": {
                                                   "schema": {"type": "string"}}}},
                                       **_errors(400, 401, 413, 422)}}},
            "/contacts/{phone}": {"get": {
                "summary": "State per topic and every event of one person, by phone number "
                           "or WhatsApp user ID (with the events of linked identifiers and "
                           "the links, and the delivery facts apart from them)",
                "parameters": [{**_phone_param("path"),
                                "description": "E.164, a national number, or a user ID"}],
                "responses": {"200": {"description": "The contact",
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **_errors(401, 404, 422)}}},
            "/ledger/verify": {"get": {
                "summary": "Verify this business's hash chain and signed checkpoints",
                "responses": {"200": {"description": "ok, or the first bad entry",
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **_errors(401)}}},
            "/reports/honour": {"get": {
                "summary": "Allowed eligibility answers given after an opt-out's receipt",
                "responses": {"200": {"description": "ok is true when the list is empty",
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **_errors(401)}}},
            "/business": {"get": {
                "summary": "The key's business: topics, languages, wordings",
                "responses": {"200": {"description": "The business",
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **_errors(401)}}},
            "/wordings": {"post": {
                "summary": "Add a wording version (must name the business and WhatsApp)",
                "requestBody": {"required": True, "content": {JSON: {"schema": WORDING}}},
                "responses": {"201": {"description": "Created",
                                      "content": {JSON: {"schema": {"type": "object"}}}},
                              **_errors(400, 401, 422)}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            **(area_paths or {}),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Capture": CAPTURE, "Event": EVENT, "Eligibility": ELIGIBILITY,
                        "Error": ERROR},
        },
    }
