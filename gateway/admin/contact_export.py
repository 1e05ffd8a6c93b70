"""The contacts workspace's export: the filtered view as CSV, streamed block by block.

Pure: turns the store's blocks of :class:`WorkspaceContact` into bytes, so a million rows
never sit in memory. Every text cell goes through ``gateway.imports.exports.cell``: a name
like ``=HYPERLINK(…)`` cannot run as a formula in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from gateway.admin.contact_filters import WorkspaceContact
from gateway.core.ledger import iso
from gateway.imports.exports import cell, csv_stream

COLUMNS = ("phone", "user_id", "username", "name", "created_at", "last_activity_at",
           "erased_at", "linked")


def contacts_csv(blocks: Iterable[Sequence[WorkspaceContact]], topics: Sequence[str]
                 ) -> Iterator[bytes]:
    """A header, then one row per contact: identifiers, times (UTC), and its current status
    per topic (``opted_in``, ``pending``, ``opted_out`` or empty). UTF-8 with a BOM, for
    Excel (Japanese names)."""
    header = (*COLUMNS, *(cell(f"topic:{t}") for t in topics))
    return csv_stream(header, ((cell(c.phone), cell(c.user_id), cell(c.username), cell(c.name),
                                iso(c.created_at), iso(c.last_activity_at),
                                iso(c.erased_at) if c.erased_at else "",
                                "yes" if c.linked else "no",
                                *(c.topics.get(t, "") for t in topics))
                               for block in blocks for c in block), bom=True)
