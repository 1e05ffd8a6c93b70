"""The funnel counts a scripted scenario: 5 scans → 3 chats → 2 opt-ins → 1 later opt-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business, Capture
from tests.placements.conftest import chat_opt_in


def opt_out(gw: Any, business: Business, phone: str, at: datetime, key: str) -> None:
    gw.service.capture(Capture(business=business.slug, phone=phone, channel="whatsapp",
                               method="keyword", action="opt_out", occurred_at=at,
                               idempotency_key=key, evidence={"body": "STOP"}), business)


def test_scripted_funnel(client: FlaskClient, gw: Any, business: Business,
                         auth: dict[str, str]) -> None:
    t0 = datetime.now(UTC) - timedelta(days=2)
    gw.placements.clock = lambda: t0
    res = client.post("/api/v1/placements", headers=auth,
                      json={"kind": "store", "label": "Shibuya store", "topic": "offers"})
    assert res.status_code == 201
    code = res.get_json()["code"]
    other = gw.placements.create(business, kind="event", label="Tokyo fair")

    for i in range(5):  # 5 scans by people at the counter
        client.get(f"/l/{code}?s=qr", environ_base={"REMOTE_ADDR": f"192.0.2.{i % 4}"},
                   headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14)"})
    client.get(f"/l/{code}", headers={"User-Agent": "WhatsApp/2.23 A"})  # link preview: bot
    client.get(f"/l/{other.code}", headers={"User-Agent": "Mozilla/5.0"})  # other placement

    text = f"こんにちは (ref:{code})"
    phones = ["+819012340001", "+819012340002", "+819012340003"]
    for n in range(len(phones)):  # 3 chats; the first two say yes
        at = t0 + timedelta(minutes=n + 1)
        found = gw.placements.attribution(business, code, at, conversation_ref=f"conv-{n}")
        assert found is not None and found["evidence"]["placement_topic"] == "offers"
    for n, phone in enumerate(phones[:2]):
        chat_opt_in(gw, business, text, phone=phone, first_message_at=t0 + timedelta(
            minutes=n + 1), conversation_ref=f"conv-{n}", message_id=f"wamid.{n}")
    # the first contact says yes again later (still one opt-in), then stops: 1 later opt-out
    chat_opt_in(gw, business, text, phone=phones[0], first_message_at=t0 + timedelta(hours=1),
                conversation_ref="conv-0", message_id="wamid.again")
    opt_out(gw, business, phones[0], t0 + timedelta(days=1), "stop-0")
    # the second contact had opted out *before* scanning: not a later opt-out
    opt_out(gw, business, phones[1], t0 - timedelta(days=30), "stop-old")
    # the other placement: one chat, one opt-in, which must not leak into this funnel
    found, _ = chat_opt_in(gw, business, f"hi (ref:{other.code})", phone="+819012340009",
                           first_message_at=t0 + timedelta(minutes=9),
                           conversation_ref="conv-x", message_id="wamid.x")
    assert found is not None and found["channel"] == "link"

    funnel = client.get(f"/api/v1/placements/{code}/funnel", headers=auth).get_json()
    assert {k: funnel[k] for k in ("scans", "clicks", "visits", "bot_hits", "unique_visitors",
                                   "chats_started", "chats_stale", "opt_ins", "opt_outs")} == {
        "scans": 5, "clicks": 0, "visits": 5, "bot_hits": 1, "unique_visitors": 4,
        "chats_started": 3, "chats_stale": 0, "opt_ins": 2, "opt_outs": 1}
    assert funnel["rates"] == {"chat_per_visit": 0.6, "opt_in_per_chat": 0.6667,
                               "opt_out_per_opt_in": 0.5}

    everything = client.get("/api/v1/placements/funnel", headers=auth).get_json()
    by_code = {f["code"]: f for f in everything["placements"]}
    assert (by_code[other.code]["clicks"], by_code[other.code]["chats_started"],
            by_code[other.code]["opt_ins"], by_code[other.code]["opt_outs"]) == (1, 1, 1, 0)
    assert everything["totals"]["opt_ins"] == 3 and everything["totals"]["visits"] == 6

    # a window after the scans and chats: only what happened in it
    since = (t0 + timedelta(hours=2)).isoformat()
    later = client.get(f"/api/v1/placements/{code}/funnel", headers=auth,
                       query_string={"since": since}).get_json()
    assert (later["scans"], later["chats_started"], later["opt_ins"]) == (0, 0, 0)
    bad = client.get(f"/api/v1/placements/{code}/funnel?since=yesterday", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "since"


def test_pending_double_opt_in_is_counted_apart(gw: Any, business: Business) -> None:
    placement = gw.placements.create(business, kind="website", label="Form")
    gw.service.capture(Capture(
        business=business.slug, phone="+819012340055", channel="link", method="checkbox",
        topics=("offers",), wording_kind="web_form", pending=True, idempotency_key="p1",
        evidence={"placement_code": placement.code}), business)
    funnel = gw.placements.funnel(business, placement.code)[0]
    assert (funnel.opt_ins, funnel.opt_ins_pending) == (0, 1)
