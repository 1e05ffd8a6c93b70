"""The placements area: in-store QR codes, tracked wa.me links, posters, attribution.

``model`` holds placements, funnels and the attribution rules, ``qr`` and ``fonts`` draw
codes and posters, ``service`` creates placements and counts visits; ``api``, ``openapi`` and
``cli`` are its edges (docs/placements.md). The ``/l/<code>`` redirect is a channel
(``channels/links.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """This area's hook: its API with OpenAPI paths, and its commands (imported here, so the
    pure modules stay Flask-free)."""
    from gateway.placements import api, cli, openapi

    registry.blueprint(api.bp, openapi=openapi.PATHS, csrf=False)  # bearer keys, no cookies
    registry.commands(*cli.COMMANDS)
