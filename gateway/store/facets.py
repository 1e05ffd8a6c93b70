"""Contact facets: the channels and placement codes a contact's events came through.

Kept beside the ledger (``contact_facets``) so the contacts workspace can find the few
contacts of a rare channel or placement through an index, instead of reading every
contact's events (a placement's code sits inside the events' JSON evidence, which neither
store indexes portably). Both write paths add them under the business's ledger lock:
``SqlStore.record`` one event at a time, the bulk path a batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from gateway.store.tables import ContactFacetRow

# Built once (statement construction cost more than the insert): SQLite, PostgreSQL.
_ADD = (sqlite_insert(ContactFacetRow.__table__).on_conflict_do_nothing(),
        pg_insert(ContactFacetRow.__table__).on_conflict_do_nothing())
MAX_VALUE = 40  # the column; a longer code in some API client's evidence is not indexed
CHANNEL, PLACEMENT = "channel", "placement"


def placement_of(evidence: Mapping[str, Any]) -> str | None:
    """The placement code of an event, read as the dashboard's statistics read it
    (gateway.admin.stats.by_placement): ``placement_code``, else ``placement`` (a code, or
    a dict with ``code``)."""
    value = evidence.get("placement_code") or evidence.get("placement")
    if isinstance(value, Mapping):
        value = value.get("code")
    if value in (None, "") or isinstance(value, bool | list | dict):
        return None
    return str(value)


def facets_of(channel: str, evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) of one event."""
    out = [(CHANNEL, channel)]
    code = placement_of(evidence)
    if code is not None and len(code) <= MAX_VALUE:
        out.append((PLACEMENT, code))
    return out


def add_facets(conn: Connection, facets: Iterable[tuple[int, str, str, int]]) -> None:
    """Record (business id, kind, value, contact id) facets; known ones stay as they are."""
    rows = [{"business_id": business_id, "kind": kind, "value": value,
             "contact_id": contact_id} for business_id, kind, value, contact_id in facets]
    if rows:
        conn.execute(_ADD[conn.dialect.name == "postgresql"], rows)
