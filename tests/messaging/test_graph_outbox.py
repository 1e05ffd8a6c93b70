"""The worker delivers WhatsApp replies to a local fake Graph API, with retries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from gateway.core.clock import utcnow
from gateway.core.consent import Business
from gateway.core.outbox import Worker
from gateway.messaging.conversation import Choice, Reply
from gateway.messaging.whatsapp_send import graph_messages
from tests.messaging.conftest import (
    CUSTOMER_WA,
    FakeGraph,
    meta_delivery,
    meta_message,
    meta_post,
)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def worker(gw: Any, clock: Clock) -> Worker:
    return Worker(gw.outbox, gw.outbox_handlers, clock)


def statuses(gw: Any) -> list[str]:
    return [item.status for item in gw.outbox.items("whatsapp_send")]


def test_replies_reach_the_graph_api(client: FlaskClient, gw: Any, business: Business,
                                     graph: FakeGraph) -> None:
    response = meta_post(client, meta_delivery(meta_message(text="hello")))
    assert response.status_code == 200
    assert graph.requests == []  # the webhook never waits on Graph
    clock = Clock()
    assert worker(gw, clock).run_once() == 2
    assert statuses(gw) == ["sent", "sent"]
    first, second = graph.requests
    assert first["path"] == "/v21.0/100000000000001/messages"
    assert first["auth"] == "Bearer test-graph-token"
    assert first["body"]["to"] == CUSTOMER_WA and first["body"]["type"] == "text"
    assert second["body"]["type"] == "interactive"
    assert worker(gw, clock).run_once() == 0  # nothing is sent twice


def test_a_500_is_retried_later_without_sending_twice(client: FlaskClient, gw: Any,
                                                      business: Business,
                                                      graph: FakeGraph) -> None:
    meta_post(client, meta_delivery(meta_message(text="STOP")))  # one reply
    graph.script = [500]
    clock = Clock()
    run = worker(gw, clock)
    assert run.run_once() == 1
    (item,) = gw.outbox.items("whatsapp_send")
    assert item.status == "pending" and item.attempts == 1 and "500" in item.last_error
    assert run.run_once() == 0  # backing off: not due yet
    clock.now += timedelta(seconds=3)
    assert run.run_once() == 1
    clock.now += timedelta(hours=1)
    assert run.run_once() == 0
    assert [r["status"] for r in graph.requests] == [500, 200]
    assert len(graph.delivered()) == 1 and statuses(gw) == ["sent"]


def test_429_retries_and_other_4xx_gives_up(client: FlaskClient, gw: Any, business: Business,
                                            graph: FakeGraph) -> None:
    meta_post(client, meta_delivery(meta_message(text="STOP")))
    graph.script = [429, 400]
    clock = Clock()
    run = worker(gw, clock)
    run.run_once()
    clock.now += timedelta(seconds=3)
    run.run_once()
    (item,) = gw.outbox.items("whatsapp_send")
    assert item.status == "dead" and "400" in item.last_error
    clock.now += timedelta(hours=2)
    assert run.run_once() == 0 and len(graph.requests) == 2


def test_a_redelivered_webhook_does_not_send_again(client: FlaskClient, gw: Any,
                                                   business: Business, graph: FakeGraph) -> None:
    message = meta_message(text="HELP")
    meta_post(client, meta_delivery(message))
    clock = Clock()
    worker(gw, clock).run_once()
    meta_post(client, meta_delivery(message))
    worker(gw, clock).run_once()
    assert len(graph.delivered()) == 1


def test_an_unreachable_graph_is_retried(app: Any, gw: Any, business: Business,
                                         graph: FakeGraph, client: FlaskClient) -> None:
    meta_post(client, meta_delivery(meta_message(text="HELP")))
    graph.close()  # connection refused
    clock = Clock()
    worker(gw, clock).run_once()
    (item,) = gw.outbox.items("whatsapp_send")
    assert item.status == "pending" and "unreachable" in item.last_error


def test_no_access_token_gives_up_with_a_clear_message(gw: Any, business: Business,
                                                       client: FlaskClient,
                                                       monkeypatch: Any) -> None:
    monkeypatch.delenv("META_ACCESS_TOKEN", raising=False)
    gw.settings.extra.pop("META_ACCESS_TOKEN", None)  # type: ignore[attr-defined]
    meta_post(client, meta_delivery(meta_message(text="HELP")))
    worker(gw, Clock()).run_once()
    (item,) = gw.outbox.items("whatsapp_send")
    assert item.status == "dead" and "META_ACCESS_TOKEN" in item.last_error


def test_long_wording_is_never_cut_in_a_list_message() -> None:
    reply = Reply("x" * 1500, (Choice("topics:all", "All topics"),), "Choose topics", "Topics")
    text, interactive = graph_messages("819012345678", reply)
    assert text["text"]["body"] == "x" * 1500
    assert interactive["interactive"]["body"]["text"] == "Choose topics"
