"""The imports area: paper forms and bulk CSV imports as resumable jobs, and exports.

``rows`` reads and checks CSV rows, ``worker`` normalises them in worker processes,
``bulk_rows`` shapes them for the bulk ledger writer, ``importer`` runs the jobs, ``jobs``
and ``texts`` describe them, ``exports`` streams state and ledger; ``api``, ``openapi`` and
``cli`` are its edges (docs/imports.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.registry import Registry


def register(registry: Registry) -> None:
    """This area's hook: its API with OpenAPI paths, and its commands (imported here: the
    import workers load this package's pure modules and must not load Flask)."""
    from gateway.imports import api, cli, openapi

    registry.blueprint(api.bp, openapi=openapi.PATHS, csrf=False)  # bearer keys, no cookies
    registry.commands(*cli.COMMANDS)
