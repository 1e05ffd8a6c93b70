"""Twilio SMS and WhatsApp through the real endpoint, signed with the SDK's algorithm."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from gateway.core.consent import Business
from tests.conftest import TWILIO_TOKEN
from tests.messaging.conftest import (
    CUSTOMER,
    TWILIO_NUMBER,
    new_sid,
    sms,
    twilio_post,
    twilio_wa,
    twiml_messages,
)

ALL = ("order_updates", "offers", "newsletter", "product_recommendations")


def allowed(gw: Any, business: Business, topic: str, phone: str = CUSTOMER) -> bool:
    return bool(gw.service.eligibility(business, phone, topic).allowed)


def events(gw: Any, business: Business, phone: str = CUSTOMER) -> list[Any]:
    return gw.store.contact_events(business, gw.service.ref(business, phone))


def nothing_stored(gw: Any, business: Business) -> bool:
    return (gw.store.count_events(business.id) == 0 and gw.messaging.store.count_inbound() == 0
            and not gw.messaging.store.conversations(business.id))


def test_whatsapp_conversation_in_japanese(client: FlaskClient, gw: Any,
                                           business: Business) -> None:
    first = twiml_messages(twilio_wa(client, "こんにちは、明日は営業していますか？",
                                     ProfileName="山田花子"))
    assert first[0].startswith("メッセージありがとうございます")
    assert "さくらコーヒー" in first[1] or "Sakura Coffee" in first[1]
    assert "WhatsApp" in first[1] and "1. 注文・配送のお知らせ" in first[1]
    assert gw.store.count_events(business.id) == 0  # a first message is never an opt-in
    assert not allowed(gw, business, "offers")

    sid = new_sid()
    done = twiml_messages(twilio_wa(client, "２ ３", sid=sid, ProfileName="山田花子"))
    assert "お得なキャンペーン情報、ニュースレター" in done[0] and "停止" in done[0]
    assert allowed(gw, business, "offers") and allowed(gw, business, "newsletter")
    assert not allowed(gw, business, "order_updates")

    (event,) = events(gw, business)
    wording = gw.store.get_wording(event.wording.id)
    assert wording.kind == "whatsapp" and wording.language == "ja"
    assert event.wording.sha256 == wording.sha256
    assert event.channel == "whatsapp" and event.method == "keyword"
    assert event.evidence["message_id"] == sid and event.evidence["body"] == "２ ３"
    assert event.evidence["question_prompted_by"].startswith("SM")
    assert event.personal["profile_name"] == "山田花子"  # personal data: erasable vault
    assert "山田花子" not in str(dict(event.evidence))
    assert event.sender == "whatsapp:+81345678901"  # the sender it arrived on (opt-out scope)


def test_whatsapp_conversation_in_english_with_window(client: FlaskClient, gw: Any,
                                                      business: Business) -> None:
    twiml_messages(twilio_wa(client, "Hello, do you sell oat milk?"))
    window = gw.service.eligibility(business, CUSTOMER, "offers").window_open_until
    assert window is not None  # R2: the 24-hour window is known from the inbound message
    done = twiml_messages(twilio_wa(client, "ALL"))
    assert done[0].startswith("Thank you! Sakura Coffee will send you WhatsApp messages")
    assert all(allowed(gw, business, t) for t in ALL)
    assert events(gw, business)[0].language == "en"


def test_sms_flow_records_channel_sms_with_the_sms_wording(client: FlaskClient, gw: Any,
                                                           business: Business) -> None:
    q1 = twiml_messages(sms(client, "Is my order ready?"))
    assert "Reply YES" in q1[0] and "WhatsApp" in q1[0]
    q2 = twiml_messages(sms(client, "YES"))
    assert "1. Order and delivery updates" in q2[0]
    done = twiml_messages(sms(client, "1 2"))
    assert "Msg & data rates may apply" in done[0] and "STOP" in done[0]
    (event,) = events(gw, business)
    assert event.channel == "sms" and event.topics == ("order_updates", "offers")
    assert gw.store.get_wording(event.wording.id).kind == "sms"
    assert event.evidence["yes_message_id"].startswith("SM")


def test_same_message_sid_twice_records_once_and_answers_the_same(
        client: FlaskClient, gw: Any, business: Business) -> None:
    twilio_wa(client, "hello")
    sid = new_sid()
    first = twiml_messages(twilio_wa(client, "1 3", sid=sid))
    again = twiml_messages(twilio_wa(client, "1 3", sid=sid))
    assert first == again and first
    assert gw.store.count_events(business.id) == 1
    assert gw.messaging.store.count_inbound() == 2


def test_forged_signature_is_refused_and_stores_nothing(client: FlaskClient, gw: Any,
                                                        business: Business) -> None:
    params = {"MessageSid": new_sid(), "From": CUSTOMER, "To": TWILIO_NUMBER, "Body": "STOP"}
    assert twilio_post(client, params, token="not-the-token").status_code == 403
    assert twilio_post(client, params, signature="").status_code == 403  # missing header
    good = twilio_post(client, params)  # sign, then tamper with a parameter
    assert good.status_code == 200
    tampered = dict(params, MessageSid=new_sid(), Body="1 2 3 4")
    sig = good.request.headers["X-Twilio-Signature"]
    assert twilio_post(client, tampered, signature=sig).status_code == 403
    assert len(events(gw, business)) == 1  # only the properly signed STOP


def test_forged_requests_store_nothing_at_all(client: FlaskClient, gw: Any,
                                              business: Business) -> None:
    for body in ("hello", "ALL", "STOP"):
        params = {"MessageSid": new_sid(), "From": f"whatsapp:{CUSTOMER}",
                  "To": "whatsapp:+81345678901", "Body": body}
        assert twilio_post(client, params, token="wrong").status_code == 403
        assert twilio_post(client, params, signature="").status_code == 403
    status = {"MessageSid": new_sid(), "MessageStatus": "failed", "ErrorCode": "21610",
              "From": TWILIO_NUMBER, "To": CUSTOMER}
    assert twilio_post(client, status, path="/hooks/twilio/status",
                       token="wrong").status_code == 403
    assert nothing_stored(gw, business)
    state = gw.store.contact_state(business.id, gw.service.ref(business, CUSTOMER))
    assert not state.exists  # not even the 24-hour window was touched


def test_per_business_token_is_accepted(client: FlaskClient, gw: Any, business: Business) -> None:
    gw.store.update_business("demo", settings={"twilio_auth_token": "own-token"})
    params = {"MessageSid": new_sid(), "From": CUSTOMER, "To": TWILIO_NUMBER, "Body": "HELP"}
    assert twilio_post(client, params, token="own-token").status_code == 200
    assert twilio_post(client, dict(params, MessageSid=new_sid()),
                       token=TWILIO_TOKEN).status_code == 200


def test_unknown_number_is_404_after_the_signature(client: FlaskClient, business: Business) -> None:
    params = {"MessageSid": new_sid(), "From": CUSTOMER, "To": "+815099999999", "Body": "hi"}
    response = twilio_post(client, params)
    assert response.status_code == 404 and response.json["error"]["code"] == "business_unknown"
    assert twilio_post(client, params, token="wrong").status_code == 403


def test_sms_stop_is_recorded_and_left_to_twilio_to_answer(client: FlaskClient, gw: Any,
                                                           business: Business) -> None:
    twiml_messages(twilio_wa(client, "hi"))
    twiml_messages(twilio_wa(client, "ALL"))
    assert twiml_messages(sms(client, "STOP")) == []  # Twilio sends its own STOP reply
    assert not any(allowed(gw, business, t) for t in ALL)  # R5: SMS STOP ends WhatsApp too
    event = events(gw, business)[-1]
    assert event.channel == "sms" and event.action == "opt_out" and event.all_topics


def test_opt_out_type_stop_is_honoured_whatever_the_body(client: FlaskClient, gw: Any,
                                                         business: Business) -> None:
    twiml_messages(twilio_wa(client, "hi"))
    twiml_messages(twilio_wa(client, "1 2"))
    assert twiml_messages(sms(client, "ARRET", OptOutType="STOP")) == []
    assert not allowed(gw, business, "order_updates") and not allowed(gw, business, "offers")
    event = events(gw, business)[-1]
    assert event.evidence["opt_out_type"] == "STOP" and event.evidence["body"] == "ARRET"
    assert event.evidence["rule"] == "twilio_opt_out_type"


def test_opt_out_type_start_asks_again_and_never_opts_in(client: FlaskClient, gw: Any,
                                                         business: Business) -> None:
    replies = twiml_messages(sms(client, "UNSTOP", OptOutType="START"))
    assert "Reply YES" in replies[0]
    assert gw.store.count_events(business.id) == 0


def test_japanese_stop_on_sms_gets_our_confirmation(client: FlaskClient, gw: Any,
                                                    business: Business) -> None:
    replies = twiml_messages(sms(client, "配信停止"))
    assert replies and "お送りしません" in replies[0]
    assert events(gw, business)[-1].action == "opt_out"


def test_topic_scoped_stop_leaves_the_other_topics_on(client: FlaskClient, gw: Any,
                                                      business: Business) -> None:
    twiml_messages(twilio_wa(client, "hi"))
    twiml_messages(twilio_wa(client, "ALL"))
    replies = twiml_messages(twilio_wa(client, "STOP OFFERS"))
    assert "Offers and promotions" in replies[0] and "other choices are unchanged" in replies[0]
    assert not allowed(gw, business, "offers")
    assert all(allowed(gw, business, t) for t in ALL if t != "offers")
    replies = twiml_messages(twilio_wa(client, "ニュースレター停止"))
    assert "ニュースレター" in replies[0]
    assert not allowed(gw, business, "newsletter") and allowed(gw, business, "order_updates")


def test_natural_language_opt_outs_through_the_endpoint(client: FlaskClient, gw: Any,
                                                        business: Business) -> None:
    other = "+819011112222"
    for phone in (CUSTOMER, other):
        twiml_messages(twilio_wa(client, "hi", frm=phone))
        twiml_messages(twilio_wa(client, "ALL", frm=phone))
    twiml_messages(twilio_wa(client, "please stop messaging me"))
    twiml_messages(twilio_wa(client, "もう送らないで", frm=other))
    assert not any(allowed(gw, business, t) for t in ALL)
    assert not any(allowed(gw, business, t, other) for t in ALL)
    assert events(gw, business, other)[-1].evidence["rule"] == "nl_ja_mou_okuranaide"


def test_false_positive_changes_nothing(client: FlaskClient, gw: Any, business: Business) -> None:
    twiml_messages(twilio_wa(client, "hi"))
    twiml_messages(twilio_wa(client, "ALL"))
    assert twiml_messages(twilio_wa(client, "I will stop by the store tomorrow")) == []
    assert twiml_messages(twilio_wa(client, "停止ボタンはどこ？"))[0].startswith("Sakura Coffee：")
    assert all(allowed(gw, business, t) for t in ALL)


def test_click_to_whatsapp_ad_referral_is_the_source(client: FlaskClient, gw: Any,
                                                     business: Business) -> None:
    twiml_messages(twilio_wa(client, "Hi! I saw your ad", ReferralSourceId="120210000000001",
                             ReferralSourceType="ad", ReferralCtwaClid="ARAkLkA8rmlF",
                             ReferralHeadline="Spring blend",
                             ReferralSourceUrl="https://fb.me/abc"))
    twiml_messages(twilio_wa(client, "2"))
    (event,) = events(gw, business)
    assert event.channel == "ad"
    assert event.evidence["referral"] == {"source_id": "120210000000001", "source_type": "ad",
                                          "ctwa_clid": "ARAkLkA8rmlF", "headline": "Spring blend",
                                          "source_url": "https://fb.me/abc"}


def test_help_and_unknown_sender(client: FlaskClient, gw: Any, business: Business) -> None:
    replies = twiml_messages(sms(client, "HELP"))
    assert "Sakura Coffee" in replies[0] and "STOP" in replies[0]
    assert twiml_messages(sms(client, "hi", frm="Vodafone")) == []  # alphanumeric sender
    assert gw.store.count_events(business.id) == 0


def test_missing_fields_get_a_clear_400(client: FlaskClient, business: Business) -> None:
    response = twilio_post(client, {"To": TWILIO_NUMBER, "Body": "hi"})
    assert response.status_code == 400 and "MessageSid" in response.json["error"]["message"]


def test_status_callback_21610_and_63014_end_every_topic(client: FlaskClient, gw: Any,
                                                         business: Business) -> None:
    other = "+819011112222"
    for phone in (CUSTOMER, other):
        twiml_messages(twilio_wa(client, "hi", frm=phone))
        twiml_messages(twilio_wa(client, "ALL", frm=phone))
    ok = {"MessageSid": new_sid(), "MessageStatus": "delivered", "From": TWILIO_NUMBER,
          "To": CUSTOMER}
    assert twilio_post(client, ok, path="/hooks/twilio/status").status_code == 204
    assert all(allowed(gw, business, t) for t in ALL)
    sid = new_sid()
    failed = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "21610",
              "From": TWILIO_NUMBER, "To": CUSTOMER}
    for _ in range(2):  # a retried callback records one event
        assert twilio_post(client, failed, path="/hooks/twilio/status").status_code == 204
    assert not any(allowed(gw, business, t) for t in ALL)
    stop = events(gw, business)[-1]
    assert stop.channel == "sms" and stop.method == "provider"
    assert stop.evidence["signal"] == "twilio_error_21610" and stop.evidence["message_sid"] == sid
    blocked = {"MessageSid": new_sid(), "MessageStatus": "failed", "ErrorCode": "63014",
               "From": "whatsapp:+81345678901", "To": f"whatsapp:{other}"}
    assert twilio_post(client, blocked, path="/hooks/twilio/status").status_code == 204
    assert not any(allowed(gw, business, t, other) for t in ALL)
    assert events(gw, business, other)[-1].channel == "whatsapp"
    assert gw.store.count_events(business.id) == 4


def test_status_callback_other_errors_change_nothing(client: FlaskClient, gw: Any,
                                                     business: Business) -> None:
    twiml_messages(twilio_wa(client, "hi"))
    twiml_messages(twilio_wa(client, "ALL"))
    for code in ("30003", "63016", ""):
        params = {"MessageSid": new_sid(), "MessageStatus": "failed", "ErrorCode": code,
                  "From": TWILIO_NUMBER, "To": CUSTOMER}
        assert twilio_post(client, params, path="/hooks/twilio/status").status_code == 204
    assert gw.store.count_events(business.id) == 1
