"""The migrations build exactly the schema the models describe, on both stores: a column or
index added to a table module without its migration (or the reverse) fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import gateway.store.models  # noqa: F401 - every table module, so the metadata is complete
from gateway.store.engine import Database
from gateway.store.tables import Base


def _material(diff: Any) -> bool:
    # SQLite reports server defaults and some types loosely; structure is what must agree.
    kind = diff[0][0] if isinstance(diff, list) else diff[0]
    return kind not in ("modify_default", "modify_type", "modify_nullable")


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        with db.write_engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diffs = [d for d in compare_metadata(context, Base.metadata) if _material(d)]
    finally:
        db.dispose()
    assert diffs == [], diffs
