"""The staff dashboard at /admin: sign-in, overview, contacts, sources (R10), wordings, keys.

The blueprint is registered by ``gateway.app.create_app``; the modules below attach their
routes to it. Every consent write still goes through ``gw().service.capture``.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from gateway.admin import actions, auth, import_pages, placement_pages, views  # noqa: E402,F401 - attach the routes
