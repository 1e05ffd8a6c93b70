"""The area packages with an edge, listed once: ``app.py`` and ``cli.py`` loop over them.

Each package's ``__init__.py`` holds its one hook, ``register(registry)``, which mounts the
area's blueprint (with its OpenAPI paths) and adds its commands. Importing a package runs no
code of its area: the hook imports its edge modules only when called, so the area's pure
modules still import without Flask. A new area is its package plus one line here.
"""

from __future__ import annotations

from types import ModuleType

from gateway import admin, imports, ivr, messaging, placements, proof

AREAS: tuple[ModuleType, ...] = (messaging, ivr, placements, imports, proof, admin)
