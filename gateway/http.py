"""Shared web plumbing: access to the Gateway, error pages/JSON, health check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from gateway.core.errors import GatewayError
from gateway.core.i18n import pick_language

if TYPE_CHECKING:
    from gateway.app import Gateway


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


def error_json(status: int, code: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "field": field}}
    response = jsonify(body)
    response.status_code = status
    return response


def _gateway_error(exc: GatewayError) -> Any:
    if wants_json():
        return error_json(exc.status, exc.code, exc.message("en"), exc.field)
    lang = language()
    return render_template("error.html", message=exc.message(lang), status=exc.status,
                           lang=lang), exc.status


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


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    if wants_json():
        return error_json(status, HTTP_CODES.get(status, "error"),
                          exc.description or HTTP_MESSAGES["en"].get(status, "Error"))
    lang = language()
    message = HTTP_MESSAGES[lang].get(status) or exc.description
    return render_template("error.html", message=message, status=status, lang=lang), status


def _unexpected(exc: Exception) -> Any:
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return error_json(500, "internal", "Something went wrong on our side; nothing was "
                          "recorded. Please retry.")
    lang = language()
    return render_template("error.html", message=HTTP_MESSAGES[lang][500], status=500,
                           lang=lang), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(GatewayError, _gateway_error)
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
