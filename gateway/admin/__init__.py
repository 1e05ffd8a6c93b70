"""The staff dashboard at /admin: sign-in, overview, contacts, sources (R10), wordings, keys.

``auth`` signs staff in and guards every page, ``views``, ``actions``, ``import_pages`` and
``placement_pages`` attach their routes to the blueprint in ``blueprint``; ``texts`` holds
every label in Japanese and English (docs/admin.md). Like the channels, the dashboard is a
door onto the areas: every consent write still goes through ``gw().service.capture``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """Mount the dashboard (staff sessions, CSRF on every form)."""
    from gateway.admin import (  # noqa: F401 - attach the routes
        actions,
        auth,
        campaign_pages,
        contact_pages,
        import_pages,
        placement_pages,
        settings_pages,
        views,
    )
    from gateway.admin.blueprint import bp

    registry.blueprint(bp)
