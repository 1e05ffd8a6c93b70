"""What an area's hook may mount: a blueprint (with its OpenAPI paths) and CLI commands.

Every area package with an HTTP or command-line edge has one hook in its ``__init__.py``,
``register(registry: Registry)``. ``gateway.app`` calls it with a registry that mounts
blueprints, ``gateway.cli`` with one that adds commands, both looping over
``gateway.areas.AREAS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import click
    from flask import Blueprint


class Registry(Protocol):
    def blueprint(self, bp: Blueprint, *, openapi: Mapping[str, Any] | None = None,
                  csrf: bool = True) -> None:
        """Mount ``bp``; ``openapi``: its paths in ``/api/v1/openapi.json``; ``csrf=False``
        for bearer-key APIs and signature-checked webhooks (no cookies to protect)."""

    def commands(self, *commands: click.Command) -> None:
        """Add ``optin-gateway`` subcommands."""
