"""The Flask application: settings, the container, then every edge mounted in one loop.

``create_app`` is what gunicorn serves (``'gateway.app:create_app()'``) and what the CLI
builds; nothing else imports this module. Stores and services are built by
``gateway.container``; the core API, each area's hook (``gateway.areas``) and each channel
adapter (``channels.ADAPTERS``) mount their blueprints here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from channels import ADAPTERS
from gateway import api, container, http, openapi
from gateway.areas import AREAS
from gateway.core import redact
from gateway.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent


class _Mount:
    """The app's side of every area hook: blueprints and OpenAPI paths (commands are
    gateway/cli.py's side)."""

    def __init__(self, app: Flask, csrf: CSRFProtect):
        self.app = app
        self.csrf = csrf
        self.paths: dict[str, Any] = {}

    def blueprint(self, bp: Blueprint, *, openapi: Mapping[str, Any] | None = None,
                  csrf: bool = True) -> None:
        self.app.register_blueprint(bp)
        if not csrf:
            self.csrf.exempt(bp)
        self.paths.update(openapi or {})

    def commands(self, *commands: click.Command) -> None:
        """Commands belong to the CLI group, not to the app."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment (tests pass DATABASE_URL etc.)."""
    settings = Settings.load(config)
    redact.install()  # no phone number or user ID in any log line of this process
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_bulk_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_base_url
                                   and settings.public_base_url.startswith("https")),
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.config.update({k: v for k, v in (config or {}).items() if k.isupper()})
    if settings.trusted_proxies:
        # Only where the deployment says proxies set them: otherwise anyone could spoof the
        # client address (rate limits, evidence) with an X-Forwarded-For header.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)

    app.extensions["gateway"] = container.build(settings, (a.CHANNEL for a in ADAPTERS))
    http.init_app(app)
    mount = _Mount(app, CSRFProtect(app))
    mount.blueprint(api.bp, csrf=False)  # bearer-token API: no cookies, so no CSRF
    for area in AREAS:
        area.register(mount)
    for adapter in ADAPTERS:  # provider webhooks are signature-checked instead of CSRF
        mount.blueprint(adapter.bp, csrf=not getattr(adapter, "CSRF_EXEMPT", False))
    app.extensions["openapi"] = openapi.spec(mount.paths)
    logging.getLogger("gateway").setLevel(logging.INFO)
    return app
