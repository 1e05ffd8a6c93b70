"""The proof area: consent receipts, signed ledger checkpoints, erasure, change notifications.

``checkpoints`` and ``merkle`` sign and prove the ledger, ``receipts`` builds the signed
receipt of one person, ``webhooks`` and ``signing`` deliver change notifications, ``service``
ties them to the stores' ports; ``api``, ``openapi`` and ``cli`` are its edges
(docs/proof.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """This area's hook: its API with OpenAPI paths, and its commands (imported here, so the
    pure modules stay Flask-free)."""
    from gateway.proof import api, cli, openapi

    registry.blueprint(api.bp, openapi=openapi.PATHS, csrf=False)  # bearer keys, no cookies
    registry.commands(*cli.COMMANDS)
