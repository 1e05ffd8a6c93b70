"""Change notifications queued in the transaction that records their event.

An event and the outbox rows announcing it to the business's webhooks commit together or
not at all: a crash between two transactions can no longer lose a notification, and a
rolled-back write never announces an event that does not exist. The webhooks are read in
that transaction, under the business's ledger lock, so a webhook registered a moment ago
hears of the next event in every process. Both write paths use this: ``SqlStore.record``
one event at a time, the bulk path (imports) a batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from gateway.store.tables import OutboxRow
from gateway.store.tables_proof import WebhookRow

KIND = "webhook"
COLUMNS = ("kind", "business_id", "payload", "dedupe_key", "status", "attempts",
           "next_attempt_at", "created_at")


def dedupe_key(webhook_id: int, event_id: str) -> str:
    """One notification per (webhook, event), whoever queues it (also ``webhooks-resync``)."""
    return f"webhook:{webhook_id}:{event_id}"


_HOOKS = WebhookRow.__table__
# Built once: on the single-capture path, building them cost more than running them.
ACTIVE = select(_HOOKS.c.id).where(_HOOKS.c.business_id == bindparam("b"),
                                   _HOOKS.c.deleted_at.is_(None)).order_by(_HOOKS.c.id)
ADD = OutboxRow.__table__.insert()


def _active(conn: Connection, business_id: int) -> list[int]:
    return list(conn.execute(ACTIVE, {"b": business_id}).scalars())


def queue(conn: Connection, business_id: int, event_ids: Sequence[str], now: datetime
          ) -> None:
    """Queue one notification per active webhook for each newly recorded event."""
    hooks = _active(conn, business_id) if event_ids else []
    if hooks:
        conn.execute(ADD, [
            {"kind": KIND, "business_id": business_id,
             "payload": {"webhook_id": hook, "event_id": event_id},
             "dedupe_key": dedupe_key(hook, event_id), "status": "pending", "attempts": 0,
             "next_attempt_at": now, "created_at": now}
            for event_id in event_ids for hook in hooks])


def bulk_rows(conn: Connection, business_id: int, event_ids: Sequence[str], when: Any,
              ) -> list[tuple[Any, ...]]:
    """The outbox rows (in ``COLUMNS`` order, for a driver-level insert) announcing a batch
    of new events; ``when`` is the time already in the driver's format."""
    hooks = _active(conn, business_id)
    return [(KIND, business_id, json.dumps({"webhook_id": hook, "event_id": event_id}),
             dedupe_key(hook, event_id), "pending", 0, when, when)
            for event_id in event_ids for hook in hooks]

