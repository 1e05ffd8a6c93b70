"""Shared web plumbing: the container, errors as HTML or JSON, API keys, JSON bodies, downloads.

Every area's ``api.py`` and the channels build on these; none of them import ``gateway.app``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

import orjson
from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    stream_with_context,
)
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from gateway.core.consent import Business
from gateway.core.errors import GatewayError, InvalidCapture, StoreUnavailable, Unauthorized
from gateway.core.i18n import ERRORS, pick_language
from gateway.core.identity import is_bsuid
from gateway.core.limits import LINE_PATTERN, TEXT_PATTERN, check_text

if TYPE_CHECKING:
    from gateway.container import Gateway


def gw() -> Gateway:
    """The current app's Gateway (store, service, settings)."""
    return current_app.extensions["gateway"]  # type: ignore[no-any-return]


def wants_json() -> bool:
    path = request.path
    return path.startswith(("/api/", "/hooks/")) or request.accept_mimetypes.best == \
        "application/json"


def language() -> str:
    """The visitor's language: ?lang=, then Accept-Language, then English."""
    accept = [lang for lang, _q in request.accept_languages]
    return pick_language(request.args.get("lang"), accept)


def error_json(status: int, code: str, message: str, field: str | None = None, *,
               lang: str = "en") -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "field": field}}
    response = jsonify(body)
    response.status_code = status
    # The message follows Accept-Language; the code is what programs should read.
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


def _gateway_error(exc: GatewayError) -> Any:
    lang = language()
    if wants_json():
        return error_json(exc.status, exc.code, exc.message(lang), exc.field, lang=lang)
    return render_template("error.html", message=exc.message(lang), status=exc.status,
                           lang=lang), exc.status


def _store_unavailable(exc: StoreUnavailable) -> Any:
    """503 with Retry-After: API clients and webhook senders (Twilio, Meta) retry."""
    current_app.logger.warning("store unavailable on %s", request.path)
    lang = language()
    if wants_json():
        response = error_json(exc.status, exc.code, exc.message(lang), lang=lang)
    else:
        response = make_response(render_template(
            "error.html", message=exc.message(lang), status=exc.status, lang=lang), exc.status)
    response.headers["Retry-After"] = "1"
    return response


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "too_many_requests"}

HTTP_MESSAGES = {
    "en": {400: "The request could not be understood.", 403: "This request is not allowed.",
           404: "This page does not exist.", 405: "This method is not allowed here.",
           413: "The request is too large.", 500: "Something went wrong on our side."},
    "ja": {400: "リクエストを理解できませんでした。", 403: "このリクエストは許可されていません。",
           404: "このページは存在しません。", 405: "この操作はここでは使えません。",
           413: "リクエストが大きすぎます。", 500: "システムでエラーが発生しました。"},
}

INTERNAL_JSON = {
    "en": "Something went wrong on our side; nothing was recorded. Please retry.",
    "ja": "システムでエラーが発生しました。何も記録されていません。もう一度お試しください。",
}


NO_ENDPOINT = {"en": "No such API endpoint.", "ja": "そのAPIエンドポイントはありません。"}


def api_not_found() -> Response:
    """The JSON 404 of an API blueprint, in the caller's language."""
    lang = language()
    return error_json(404, "not_found", NO_ENDPOINT[lang], lang=lang)


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    lang = language()
    if wants_json():
        message = (HTTP_MESSAGES[lang].get(status) if lang != "en" else None) or \
            exc.description or HTTP_MESSAGES["en"].get(status, "Error")
        return error_json(status, HTTP_CODES.get(status, "error"), message, lang=lang)
    message = HTTP_MESSAGES[lang].get(status) or exc.description
    return render_template("error.html", message=message, status=status, lang=lang), status


def _unexpected(exc: Exception) -> Any:
    current_app.logger.exception("unhandled error on %s", request.path)
    lang = language()
    if wants_json():
        return error_json(500, "internal", INTERNAL_JSON[lang], lang=lang)
    return render_template("error.html", message=HTTP_MESSAGES[lang][500], status=500,
                           lang=lang), 500


# -- the JSON API: bearer keys, bodies, fields, streamed files ------------------------------

F = TypeVar("F", bound=Callable[..., Any])


class BadRequest(GatewayError):
    status = 400
    code = "bad_field"


def require_key(view: F) -> F:
    """Authenticate ``Authorization: Bearer <key>``; the key decides the business."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        found = gw().store.authenticate_api_key(key.strip()) if scheme.lower() == "bearer" \
            else None
        if found is None:
            raise Unauthorized("unauthorized")
        g.business, g.api_key_id = found
        return view(*args, **kwargs)

    return cast(F, wrapper)


def business() -> Business:
    return cast(Business, g.business)


def json_body(schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The request body as a JSON object, with a 400/413 that says what is wrong; with
    ``schema`` (the operation's schema in the OpenAPI document), also of that shape:
    unknown fields, wrong types, over-long or control-character texts are refused by name
    before anything reaches the normaliser."""
    limit = gw().settings.max_json_bytes
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    try:
        data = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as exc:
        raise BadRequest("bad_json", detail=str(exc).split(":")[0]) from None
    if not isinstance(data, dict):
        raise BadRequest("bad_json", detail="expected a JSON object")
    if schema is not None:
        check_shape(data, schema)
    return data


@functools.cache
def _validator(schema_json: bytes) -> Draft202012Validator:
    return Draft202012Validator(orjson.loads(schema_json))


def check_shape(data: Any, schema: Mapping[str, Any]) -> None:
    """Raise a 400 naming the first field of ``data`` that ``schema`` refuses; unknown
    fields first (a misspelt field must never be silently dropped). The error's ``field``
    is the top-level field; its message names the full path (``wording.text``)."""
    validator = _validator(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = unknown[0] if unknown else best_match(errors)
    path = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        path += sorted(str(k) for k in error.instance if k not in known)[:1]
        code = "unknown_field"
    elif error.validator == "required":
        path.append(next(k for k in error.validator_value if k not in error.instance))
        code = "missing_field"
    elif error.validator == "anyOf" and all(set(option) == {"required"}
                                            for option in error.validator_value):
        path.append(error.validator_value[0]["required"][0])  # e.g. phone (or user_id)
        code = "missing_field"
    elif error.validator == "pattern" and error.validator_value in (LINE_PATTERN, TEXT_PATTERN):
        code = "control_character"
    else:
        code = "too_long" if error.validator == "maxLength" else "bad_field"
    name = ".".join(path) or "body"
    top = path[0] if path else None
    if error.validator == "enum" and f"unknown_{name}" in ERRORS:
        # A value the domain does not know (channel, action, method, language): 422 with
        # the domain's own message, as the normaliser would answer.
        raise InvalidCapture(f"unknown_{name}", field=name, value=str(error.instance)[:40])
    raise BadRequest(code, field=top, field_name=name, max=error.validator_value,
                     detail=error.message[:200])


def header_text(name: str, field: str) -> str | None:
    """A request header held to ``field``'s limits (length, no control characters): 400."""
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return check_text(value, field)
    except InvalidCapture as exc:
        raise BadRequest(exc.code, field=field, **exc.params) from None


def fingerprint(data: Mapping[str, Any], *context: str) -> str:
    """SHA-256 of a request body (canonical JSON, the idempotency key left out) and its
    ``context`` (which operation): the same key with another request is a conflict."""
    body = {k: v for k, v in data.items() if k != "idempotency_key"}
    return hashlib.sha256(orjson.dumps([*context, body], option=orjson.OPT_SORT_KEYS)
                          ).hexdigest()


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], *,
          required: bool = False, default: Any = None) -> Any:
    value = data.get(name, default)
    if value is None:
        if required:
            raise BadRequest("missing_field", field=name, field_name=name)
        return default
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise BadRequest("bad_field", field=name, field_name=name,
                         detail=f"expected {names.replace('str', 'a string')}")
    return value


def contact_key(who: str) -> tuple[str, str | None]:
    """(phone, user_id) for a path segment naming a person either way (told apart by shape:
    a WhatsApp user ID is never read as a number)."""
    return ("", who) if is_bsuid(who) else (who, None)


def download(blocks: Iterator[bytes], mimetype: str, filename: str) -> Response:
    """A streamed attachment (the API's and the admin's exports and error reports)."""
    response = Response(stream_with_context(blocks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to 2**31 - 1; anything larger is a 404, not an overflow in
    the database driver."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.register_error_handler(GatewayError, _gateway_error)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness plus a trivial query, so a broken database shows up."""
        gw().store.count_events(-1)
        return {"ok": True}

    @app.get("/favicon.ico")
    def favicon() -> Any:
        """Browsers ask for it on every page that names no icon (receipts, error pages)."""
        return app.send_static_file("admin-icon.svg")

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        # A page that states its own frame-ancestors policy (the widget) governs framing.
        if response.mimetype == "text/html" and \
                "frame-ancestors" not in response.headers.get("Content-Security-Policy", ""):
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response
