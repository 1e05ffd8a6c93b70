"""SQL of the messaging area: conversation state and the processed-message log.

Duplicate deliveries are settled by the unique ``(provider, message_id)`` key, not by a
read-then-write: the first request to insert the row handles the message, every later one
returns the reply stored with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from gateway.messaging.conversation import State
from gateway.store.engine import Database
from gateway.store.tables_messaging import ConversationRow, InboundMessageRow

# Statements built once on the tables: every webhook runs these, and building them per
# call cost more than running them (see gateway/store/record_sql.py).
_IN = InboundMessageRow.__table__
_CONV = ConversationRow.__table__
_THIS_MESSAGE = (_IN.c.provider == bindparam("p"), _IN.c.message_id == bindparam("m"))
CLAIM = _IN.insert()
INBOUND = select(_IN.c.status, _IN.c.reply).where(*_THIS_MESSAGE)
FINISH = _IN.update().where(*_THIS_MESSAGE)
_THIS_CONVERSATION = (_CONV.c.business_id == bindparam("b"),
                      _CONV.c.subject_ref == bindparam("ref"),
                      _CONV.c.channel == bindparam("ch"), _CONV.c.sender == bindparam("s"))
CONVERSATION = select(_CONV).where(*_THIS_CONVERSATION)
CHANGE_CONVERSATION = _CONV.update().where(*_THIS_CONVERSATION)
ADD_CONVERSATION = _CONV.insert()


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a message id: ours to handle, or someone else's result."""

    new: bool
    status: str = "processing"
    reply: list[dict[str, Any]] | None = None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def state_from_row(row: Any) -> State:
    data = dict(row.data or {})
    return State(step=row.step, language=row.language, attribution=dict(row.attribution or {}),
                 started_at=row.started_at, updated_at=row.updated_at,
                 asked_at=_time(data.get("asked_at")), asked_count=int(data.get("asked_count", 0)),
                 wording_id=data.get("wording_id"),
                 question_message_id=data.get("question_message_id"),
                 yes_message_id=data.get("yes_message_id"), retries=int(data.get("retries", 0)))


class SqlMessagingStore:
    def __init__(self, db: Database, clock: Callable[[], datetime]):
        self.db = db
        self.clock = clock

    def transaction(self) -> AbstractContextManager[None]:
        """Everything written inside commits together (gateway.store.engine.unit_of_work)."""
        return self.db.unit_of_work()

    # -- processed messages ---------------------------------------------------------------

    def claim_inbound(self, provider: str, message_id: str, business_id: int | None) -> Claim:
        """Insert the message id; if it exists already, return what is stored for it."""
        now = self.clock()
        try:
            with self.db.writing() as s:
                s.connection().execute(CLAIM, {
                    "provider": provider, "message_id": message_id, "business_id": business_id,
                    "status": "processing", "created_at": now, "updated_at": now})
            return Claim(True)
        except IntegrityError:
            existing = self.get_inbound(provider, message_id)
            if existing is None:  # released in between: let the caller retry later
                return Claim(False)
            return existing

    def get_inbound(self, provider: str, message_id: str) -> Claim | None:
        with self.db.reading() as s:
            row = s.connection().execute(INBOUND, {"p": provider, "m": message_id}).first()
            return Claim(False, row.status, row.reply) if row else None

    def count_inbound(self, business_id: int | None = None) -> int:
        with self.db.reading() as s:
            stmt = select(func.count()).select_from(InboundMessageRow)
            if business_id is not None:
                stmt = stmt.where(InboundMessageRow.business_id == business_id)
            return int(s.scalar(stmt) or 0)

    # -- conversations --------------------------------------------------------------------

    def load_conversation(self, business_id: int, subject_ref: str, channel: str,
                          sender: str | None) -> State | None:
        with self.db.reading() as s:
            row = s.connection().execute(CONVERSATION, _key(business_id, subject_ref, channel,
                                                            sender)).first()
            return state_from_row(row) if row else None

    def save_conversation(self, business_id: int, subject_ref: str, channel: str,
                          sender: str | None, state: State) -> None:
        """Insert or update the conversation's row (last writer wins)."""
        self._upsert(business_id, subject_ref, channel, sender, state, None)

    def complete(self, provider: str, message_id: str, reply: list[dict[str, Any]],
                 intent: str, business_id: int, subject_ref: str, channel: str,
                 sender: str | None, state: State) -> None:
        """Save the dialog state and mark the message done, in one transaction."""
        self._upsert(business_id, subject_ref, channel, sender, state,
                     (provider, message_id, reply, intent))

    def _upsert(self, business_id: int, subject_ref: str, channel: str, sender: str | None,
                state: State, done: tuple[str, str, list[dict[str, Any]], str] | None) -> None:
        now = self.clock()
        values = dict(step=state.step, language=state.language,
                      attribution=dict(state.attribution or {}), data=state.data(),
                      started_at=state.started_at or now, updated_at=state.updated_at or now)
        key = _key(business_id, subject_ref, channel, sender)
        for _attempt in range(3):
            try:
                with self.db.writing() as s:
                    conn = s.connection()
                    if not conn.execute(CHANGE_CONVERSATION, {**key, **values}).rowcount:
                        conn.execute(ADD_CONVERSATION, {
                            "business_id": business_id, "subject_ref": subject_ref,
                            "channel": channel, "sender": sender or "", **values})
                    if done is not None:
                        provider, message_id, reply, intent = done
                        conn.execute(FINISH, {"p": provider, "m": message_id, "status": "done",
                                              "reply": reply, "intent": intent[:30],
                                              "updated_at": now})
                return
            except IntegrityError:
                continue  # a concurrent first message inserted the row: update it instead
        raise RuntimeError("conversation row could not be written")

    def conversations(self, business_id: int) -> Sequence[ConversationRow]:
        with self.db.reading() as s:
            return list(s.scalars(select(ConversationRow).where(
                ConversationRow.business_id == business_id).order_by(ConversationRow.id)))


def _key(business_id: int, subject_ref: str, channel: str, sender: str | None
         ) -> dict[str, Any]:
    """The parameters naming one conversation (``_THIS_CONVERSATION``)."""
    return {"b": business_id, "ref": subject_ref, "ch": channel, "s": sender or ""}
