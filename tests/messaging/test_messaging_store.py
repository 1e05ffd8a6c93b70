"""The messaging store on SQLite and PostgreSQL: claims, conversations, concurrent duplicates."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from gateway.core.consent import Business
from gateway.messaging.conversation import AWAIT_TOPICS, State
from tests.messaging.conftest import new_sid, twilio_wa, twiml_messages


def test_claim_finish_and_release(gw: Any, business: Business) -> None:
    store = gw.messaging.store
    assert store.claim_inbound("twilio", "SM1", business.id).new
    again = store.claim_inbound("twilio", "SM1", business.id)
    assert not again.new and again.status == "processing" and again.reply is None
    t = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    store.complete("twilio", "SM1", [{"text": "hi"}], "help", business.id, "ref", "sms", None,
                   State(step="idle", started_at=t, updated_at=t))
    done = store.claim_inbound("twilio", "SM1", business.id)
    assert done.status == "done" and done.reply == [{"text": "hi"}]
    assert store.claim_inbound("meta", "SM1", business.id).new  # ids are per provider
    with contextlib.suppress(RuntimeError), store.transaction():
        assert store.claim_inbound("meta", "SM2", business.id).new
        raise RuntimeError  # handling failed: the claim is rolled back with the rest
    assert store.claim_inbound("meta", "SM2", business.id).new  # a failed one can be retried


def test_conversation_round_trip(gw: Any, business: Business) -> None:
    store = gw.messaging.store
    t = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    state = State(step=AWAIT_TOPICS, language="ja", attribution={"channel": "qr"},
                  started_at=t, updated_at=t, asked_at=t, asked_count=1,
                  wording_id="demo-whatsapp-ja-v1", question_message_id="SM1", retries=1)
    assert store.load_conversation(business.id, "ref", "whatsapp", "+81345678901") is None
    store.save_conversation(business.id, "ref", "whatsapp", "+81345678901", state)
    assert store.load_conversation(business.id, "ref", "whatsapp", "+81345678901") == state
    store.save_conversation(business.id, "ref", "whatsapp", "+81345678901",
                            State(step="idle", started_at=t, updated_at=t))
    assert store.load_conversation(business.id, "ref", "whatsapp", "+81345678901").step == "idle"
    assert store.load_conversation(business.id, "ref", "sms", "+81345678901") is None
    assert len(store.conversations(business.id)) == 1


def test_concurrent_duplicate_deliveries_record_one_event(app: Flask, gw: Any,
                                                          business: Business) -> None:
    twiml_messages(twilio_wa(app.test_client(), "hello"))
    sid = new_sid()
    replies: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        try:
            client = app.test_client()
            barrier.wait()
            replies.append(twiml_messages(twilio_wa(client, "ALL", sid=sid)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert gw.store.count_events(business.id) == 1
    assert len(replies) == 6 and all(r == replies[0] for r in replies) and replies[0]
    assert gw.store.verify().ok
