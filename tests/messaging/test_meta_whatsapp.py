"""Meta Cloud API webhook through the real endpoint, signed with HMAC-SHA256 of the raw body."""

from __future__ import annotations

import json
import time
from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.conftest import META_VERIFY
from tests.messaging.conftest import (
    CUSTOMER,
    CUSTOMER_WA,
    FakeConfirmations,
    FakePlacements,
    list_reply,
    meta_delivery,
    meta_message,
    meta_post,
    user_preference,
    wamid,
)

ALL = ("order_updates", "offers", "newsletter", "product_recommendations")
MARKETING = ("offers", "newsletter", "product_recommendations")


def allowed(gw: Any, business: Business, topic: str, phone: str = CUSTOMER) -> bool:
    return bool(gw.service.eligibility(business, phone, topic).allowed)


def events(gw: Any, business: Business, phone: str = CUSTOMER) -> list[Any]:
    return gw.store.contact_events(business, gw.service.ref(business, phone))


def sent(gw: Any) -> list[dict[str, Any]]:
    return [dict(item.payload) for item in gw.outbox.items("whatsapp_send")]


def opt_in(client: FlaskClient, topics: str = "ALL", wa_id: str = CUSTOMER_WA) -> None:
    """Opt in two minutes ago (so provider signals stamped later come after it)."""
    at = str(int(time.time()) - 120)
    for text in ("hello", topics):
        message = meta_message(text=text, wa_id=wa_id, timestamp=at)
        assert meta_post(client, meta_delivery(message)).json["ok"]


def test_verify_handshake(client: FlaskClient, gw: Any, business: Business) -> None:
    ok = client.get("/hooks/meta/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": META_VERIFY, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    assert ok.mimetype == "text/plain"
    bad = client.get("/hooks/meta/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert bad.status_code == 403
    assert client.get("/hooks/meta/whatsapp").status_code == 403
    gw.store.update_business("demo", settings={"meta_verify_token": "shop-own-token"})
    own = client.get("/hooks/meta/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "shop-own-token", "hub.challenge": "42"})
    assert own.get_data(as_text=True) == "42"


def test_conversation_with_a_list_reply(client: FlaskClient, gw: Any, business: Business) -> None:
    first = meta_message(text="こんにちは")
    response = meta_post(client, meta_delivery(first, names={CUSTOMER_WA: "山田花子"}))
    assert response.status_code == 200 and response.json == {"ok": True, "handled": 1}
    intro, question = sent(gw)
    assert intro["phone_number_id"] == "100000000000001"
    assert intro["message"]["text"]["body"].startswith("メッセージありがとうございます")
    interactive = question["message"]["interactive"]
    assert question["message"]["to"] == CUSTOMER_WA and interactive["type"] == "list"
    assert "WhatsApp" in interactive["body"]["text"]
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows][:2] == ["topics:all", "topic:order_updates"]
    assert gw.store.count_events(business.id) == 0

    answer = list_reply("topic:offers", "お得なキャンペーン情報")
    meta_post(client, meta_delivery(answer, names={CUSTOMER_WA: "山田花子"}))
    assert allowed(gw, business, "offers") and not allowed(gw, business, "newsletter")
    (event,) = events(gw, business)
    assert event.method == "button" and event.evidence["button_id"] == "topic:offers"
    assert event.evidence["message_id"] == answer["id"]
    assert event.evidence["question_prompted_by"] == first["id"]
    assert event.personal["profile_name"] == "山田花子"
    assert gw.store.get_wording(event.wording.id).kind == "whatsapp"
    assert "お得なキャンペーン情報" in sent(gw)[-1]["message"]["text"]["body"]


def test_button_reply_and_english(client: FlaskClient, gw: Any, business: Business) -> None:
    meta_post(client, meta_delivery(meta_message(text="Hi there")))
    assert sent(gw)[0]["message"]["text"]["body"].startswith("Thanks for your message")
    button = meta_message("interactive", interactive={
        "type": "button_reply", "button_reply": {"id": "topics:all", "title": "All topics"}})
    meta_post(client, meta_delivery(button))
    assert all(allowed(gw, business, t) for t in ALL)


def test_a_delivery_with_several_messages_and_entries(client: FlaskClient, gw: Any,
                                                      business: Business) -> None:
    a, b = "819011110001", "819011110002"
    body = meta_delivery(meta_message(text="hello", wa_id=a), meta_message(text="hi", wa_id=b))
    second = meta_delivery(meta_message(text="STOP", wa_id="819011110003"))
    body["entry"].append(second["entry"][0])
    response = meta_post(client, body)
    assert response.json["handled"] == 3
    both = meta_delivery(meta_message(text="ALL", wa_id=a), meta_message(text="1", wa_id=b))
    assert meta_post(client, both).json["handled"] == 2
    assert all(allowed(gw, business, t, "+" + a) for t in ALL)
    assert allowed(gw, business, "order_updates", "+" + b)
    assert not allowed(gw, business, "offers", "+" + b)
    assert events(gw, business, "+819011110003")[0].action == "opt_out"


def test_same_wamid_twice_records_once_and_sends_once(client: FlaskClient, gw: Any,
                                                      business: Business) -> None:
    meta_post(client, meta_delivery(meta_message(text="hello")))
    answer = meta_message(text="1 3")
    meta_post(client, meta_delivery(answer))
    meta_post(client, meta_delivery(answer))
    assert gw.store.count_events(business.id) == 1
    keys = [item.dedupe_key for item in gw.outbox.items("whatsapp_send")]
    assert keys.count(f"{answer['id']}:reply:0") == 1 and len(keys) == 3


def test_forged_or_missing_signature_is_refused(client: FlaskClient, gw: Any,
                                                business: Business) -> None:
    body = meta_delivery(meta_message(text="ALL"))
    assert meta_post(client, body, secret="wrong-secret").status_code == 403
    assert meta_post(client, body, signature="").status_code == 403
    assert meta_post(client, body, signature="sha256=00").status_code == 403
    raw = json.dumps(body).encode()
    good = meta_post(client, raw).request.headers["X-Hub-Signature-256"]
    tampered = raw.replace(b"ALL", b"STOP")
    assert meta_post(client, tampered, signature=good).status_code == 403
    assert meta_post(client, user_preference("stop"), secret="wrong").status_code == 403
    assert gw.store.count_events(business.id) == 0
    assert len(gw.outbox.items()) == 2  # only the good delivery: thanks + the question


def test_per_business_app_secret_only_reaches_that_business(client: FlaskClient, gw: Any,
                                                            business: Business,
                                                            us_business: Business) -> None:
    gw.store.update_business("demo", settings={"meta_app_secret": "shop-secret"})
    ok = meta_post(client, meta_delivery(meta_message(text="STOP")), secret="shop-secret")
    assert ok.status_code == 200 and ok.json["handled"] == 1
    # Signed with demo's secret but aimed at another business: refused.
    other = meta_delivery(meta_message(text="STOP", wa_id="14155550100"), pnid="999",
                          display="14155550123")
    assert meta_post(client, other, secret="shop-secret").status_code == 403
    assert gw.store.count_events(us_business.id) == 0


def test_bad_json_with_a_good_signature_is_400(client: FlaskClient, business: Business) -> None:
    response = meta_post(client, b"{not json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_business_found_by_display_number(client: FlaskClient, gw: Any, business: Business) -> None:
    meta_post(client, meta_delivery(meta_message(text="STOP"), pnid="unknown-id"))
    assert events(gw, business)[0].action == "opt_out"
    unknown = meta_post(client, meta_delivery(meta_message(text="STOP"), pnid="x",
                                              display="15550001111"))
    assert unknown.status_code == 200 and unknown.json["handled"] == 0


def test_statuses_are_ignored_safely(client: FlaskClient, gw: Any, business: Business) -> None:
    opt_in(client)
    statuses = [{"id": wamid(), "status": s, "timestamp": str(int(time.time())),
                 "recipient_id": CUSTOMER_WA} for s in ("sent", "delivered", "read")]
    statuses.append({"id": wamid(), "status": "failed", "timestamp": str(int(time.time())),
                     "recipient_id": CUSTOMER_WA,
                     "errors": [{"code": 131047, "title": "Re-engagement message"}]})
    response = meta_post(client, meta_delivery(statuses=statuses))
    assert response.status_code == 200 and response.json["handled"] == 0
    assert all(allowed(gw, business, t) for t in ALL)


def test_error_131050_ends_marketing_topics_only(client: FlaskClient, gw: Any,
                                                 business: Business) -> None:
    opt_in(client)
    failed = {"id": wamid(), "status": "failed", "timestamp": str(int(time.time())),
              "recipient_id": CUSTOMER_WA,
              "errors": [{"code": 131050, "title": "User has stopped marketing messages"}]}
    meta_post(client, meta_delivery(statuses=[failed]))
    meta_post(client, meta_delivery(statuses=[failed]))  # redelivered: one event
    assert allowed(gw, business, "order_updates")
    assert not any(allowed(gw, business, t) for t in MARKETING)
    stop = events(gw, business)[-1]
    assert stop.evidence["signal"] == "meta_error_131050" and stop.method == "provider"
    assert len(events(gw, business)) == 2


def test_user_preferences_stop_and_resume(client: FlaskClient, gw: Any,
                                          business: Business) -> None:
    opt_in(client, "1 2 3")  # order updates, offers, newsletter; not recommendations
    now = int(time.time())
    meta_post(client, user_preference("stop", ts=now - 30))
    assert allowed(gw, business, "order_updates")  # utility: not a marketing message
    assert not any(allowed(gw, business, t) for t in MARKETING)
    stop = events(gw, business)[-1]
    assert stop.evidence["signal"] == "meta_user_preferences"
    assert set(stop.evidence["restorable"]) == {"offers", "newsletter"}

    meta_post(client, user_preference("resume", ts=now - 10))
    assert allowed(gw, business, "offers") and allowed(gw, business, "newsletter")
    assert not allowed(gw, business, "product_recommendations")  # never consented before
    resume = events(gw, business)[-1]
    original = events(gw, business)[0]
    assert resume.action == "opt_in" and resume.evidence["restores_event"] == original.event_id
    assert resume.wording.id == original.wording.id  # the wording they agreed to
    meta_post(client, user_preference("resume", ts=now - 10))  # redelivered
    assert len(events(gw, business)) == 3


def test_resume_does_not_undo_a_later_topic_stop(client: FlaskClient, gw: Any,
                                                 business: Business) -> None:
    opt_in(client, "ALL")
    now = int(time.time())
    meta_post(client, user_preference("stop", ts=now - 60))
    failed = {"id": wamid(), "status": "failed", "timestamp": str(now - 50),
              "recipient_id": CUSTOMER_WA, "errors": [{"code": 131050}]}
    meta_post(client, meta_delivery(statuses=[failed]))  # a second stop signal carries over
    meta_post(client, meta_delivery(meta_message(text="STOP NEWSLETTER")))
    meta_post(client, user_preference("resume"))
    assert allowed(gw, business, "offers") and allowed(gw, business, "product_recommendations")
    assert not allowed(gw, business, "newsletter")  # the customer's own STOP still holds


def test_resume_without_a_stop_restores_nothing(client: FlaskClient, gw: Any,
                                                business: Business) -> None:
    meta_post(client, user_preference("resume"))
    assert gw.store.count_events(business.id) == 0


def test_template_quick_reply_stop_promotions(client: FlaskClient, gw: Any,
                                              business: Business) -> None:
    opt_in(client)
    quick = meta_message("button", button={"payload": "STOP_PROMOTIONS",
                                           "text": "Stop promotions"})
    meta_post(client, meta_delivery(quick))
    assert not allowed(gw, business, "offers")
    assert allowed(gw, business, "order_updates") and allowed(gw, business, "newsletter")


def test_ad_referral_makes_the_source_an_ad(client: FlaskClient, gw: Any,
                                            business: Business) -> None:
    referral = {"source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120210000000001",
                "source_type": "ad", "headline": "Spring blend", "body": "Chat with us",
                "media_type": "image", "image_url": "https://example.test/i.jpg",
                "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6"}
    meta_post(client, meta_delivery(meta_message(text="Hi! Can I get more info?",
                                                 referral=referral)))
    meta_post(client, meta_delivery(meta_message(text="2")))
    (event,) = events(gw, business)
    assert event.channel == "ad"
    assert event.evidence["referral"]["ctwa_clid"] == referral["ctwa_clid"]
    assert event.evidence["referral"]["source_id"] == "120210000000001"


def test_confirmation_code_calls_the_web_area(client: FlaskClient, gw: Any,
                                              business: Business) -> None:
    gw.confirmations = FakeConfirmations(valid={"482913"})
    meta_post(client, meta_delivery(meta_message(text="confirm:482913")))
    call = gw.confirmations.calls[0]
    assert call["code"] == "482913" and call["phone"] == CUSTOMER
    assert call["key"].startswith("meta:wamid.") and call["key"].endswith(":confirm")
    assert "confirmed" in sent(gw)[-1]["message"]["text"]["body"]
    meta_post(client, meta_delivery(meta_message(text="確認コード：000000")))
    assert "無効" in sent(gw)[-1]["message"]["text"]["body"]


def test_placement_code_on_the_first_message_attributes_the_opt_in(
        client: FlaskClient, gw: Any, business: Business) -> None:
    gw.placements = FakePlacements(known={"K7Q2ZP7N": {"channel": "qr", "evidence": {
        "placement_code": "K7Q2ZP7N", "placement_kind": "poster", "label": "Shibuya store",
        "seconds_to_first_message": 12}}})
    first = meta_message(text="こんにちは ref:K7Q2ZP7N")
    meta_post(client, meta_delivery(first))
    assert gw.placements.calls == [{"code": "K7Q2ZP7N", "ref": f"meta:{first['id']}"}]
    meta_post(client, meta_delivery(meta_message(text="すべて")))
    (event,) = events(gw, business)
    assert event.channel == "qr" and event.evidence["label"] == "Shibuya store"
    meta_post(client, meta_delivery(meta_message(text="ref:K7Q2ZP7N again")))
    assert len(gw.placements.calls) == 1  # only the first message of a conversation


def test_unknown_placement_code_leaves_the_channel_whatsapp(client: FlaskClient, gw: Any,
                                                            business: Business) -> None:
    gw.placements = FakePlacements()
    meta_post(client, meta_delivery(meta_message(text="ref:ZZZZZZZZ")))
    meta_post(client, meta_delivery(meta_message(text="1")))
    assert events(gw, business)[0].channel == "whatsapp"


def test_reactions_and_system_messages_are_skipped(client: FlaskClient, gw: Any,
                                                   business: Business) -> None:
    reaction = meta_message("reaction", reaction={"message_id": "wamid.X", "emoji": "👍"})
    response = meta_post(client, meta_delivery(reaction))
    assert response.json["handled"] == 0 and gw.outbox.items() == []
