"""The dialog as a pure state machine: no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.core.consent import Action, Business, Wording
from gateway.core.normaliser import sha256_text
from gateway.core.wordings import DEFAULTS
from gateway.messaging.conversation import (
    AWAIT_TOPICS,
    AWAIT_YES,
    IDLE,
    Context,
    Inbound,
    Outcome,
    State,
    advance,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def business(**settings: Any) -> Business:
    return Business(1, "demo", "Sakura Coffee", "+81345678901", "JP", ("ja", "en"),
                    settings=settings)


def wording(kind: str, lang: str) -> Wording | None:
    text = DEFAULTS[kind][lang].format(name="Sakura Coffee")
    return Wording(f"demo-{kind}-{lang}-v1", 1, kind, lang, 1, text, sha256_text(text))


class Chat:
    """Drives the engine like the store would: keeps the state between messages."""

    def __init__(self, channel: str = "whatsapp", interactive: bool = False, **settings: Any):
        self.b = business(**settings)
        self.channel = channel
        self.interactive = interactive
        self.state: State | None = None
        self.now = T0
        self.n = 0
        self.opted_in: frozenset[str] = frozenset()

    def say(self, text: str = "", *, after: timedelta = timedelta(minutes=1),
            **fields: Any) -> Outcome:
        self.now += after
        self.n += 1
        inbound = Inbound(provider="twilio", message_id=f"SM{self.n}", channel=self.channel,
                          phone="+819012345678", occurred_at=self.now, text=text,
                          interactive=self.interactive, **fields)
        outcome = advance(self.b, self.state, inbound,
                          Context(wording, opted_in=self.opted_in, now=self.now))
        self.state = outcome.state
        return outcome


def test_whatsapp_first_message_gets_the_question_and_is_never_an_opt_in() -> None:
    chat = Chat()
    first = chat.say("こんにちは、明日は営業していますか？")
    assert first.captures == ()
    assert [r.text for r in first.replies][0].startswith("メッセージありがとうございます")
    question = first.replies[1].text
    assert "Sakura Coffee" in question and "WhatsApp" in question
    assert "1. 注文・配送のお知らせ" in question and "4. おすすめ商品のご案内" in question
    assert chat.state and chat.state.step == AWAIT_TOPICS
    assert chat.state.wording_id == "demo-whatsapp-ja-v1"

    answer = chat.say("2 3")
    (capture,) = answer.captures
    assert capture.action == Action.OPT_IN and capture.topics == ("offers", "newsletter")
    assert capture.wording_id == "demo-whatsapp-ja-v1" and capture.channel == "whatsapp"
    assert capture.evidence["question_prompted_by"] == "SM1"
    assert capture.evidence["message_id"] == "SM2" and capture.idempotency_key == "twilio:SM2"
    assert "お得なキャンペーン情報、ニュースレター" in answer.replies[0].text
    assert "停止" in answer.replies[0].text  # how to stop
    assert chat.state.step == IDLE


def test_english_customer_gets_english_and_the_english_wording() -> None:
    chat = Chat()
    first = chat.say("Hi, are you open tomorrow?")
    assert first.replies[0].text.startswith("Thanks for your message")
    assert chat.state and chat.state.wording_id == "demo-whatsapp-en-v1"
    done = chat.say("ALL")
    assert done.captures[0].topics == ("order_updates", "offers", "newsletter",
                                       "product_recommendations")
    assert done.captures[0].language == "en"
    assert "Reply STOP" in done.replies[0].text


def test_the_first_contact_question_is_asked_once_per_contact() -> None:
    chat = Chat()
    chat.say("hello")
    chat.say("just a question about beans")  # unclear: asked again once
    quiet = chat.say("and another one")
    assert quiet.replies == () and quiet.captures == ()
    later = chat.say("hello again", after=timedelta(days=3))  # a new conversation
    assert later.replies == () and later.captures == ()


def test_unclear_answer_is_asked_again_once_then_quiet() -> None:
    chat = Chat()
    chat.say("hello")
    again = chat.say("what do you mean?")
    assert len(again.replies) == 1 and "1 3" in again.replies[0].text
    assert again.captures == ()
    assert chat.say("hmm").replies == ()
    assert chat.state and chat.state.step == IDLE
    assert chat.say("1 3").captures == ()  # no open question: numbers mean nothing


def test_decline_records_an_opt_out_saying_so() -> None:
    chat = Chat()
    chat.say("hello")
    outcome = chat.say("no thanks")
    (capture,) = outcome.captures
    assert capture.action == Action.OPT_OUT and capture.topics is None
    assert capture.evidence["declined"] is True
    assert "will not send" in outcome.replies[0].text


def test_sms_asks_about_whatsapp_then_topics_and_records_channel_sms() -> None:
    chat = Chat("sms")
    first = chat.say("Is my order ready?")
    assert len(first.replies) == 1  # one SMS: thanks + the sms wording
    assert "Reply YES" in first.replies[0].text and "WhatsApp" in first.replies[0].text
    assert chat.state and chat.state.step == AWAIT_YES
    assert chat.state.wording_id == "demo-sms-en-v1"
    topics = chat.say("YES")
    assert "1. Order and delivery updates" in topics.replies[0].text
    assert topics.captures == ()
    done = chat.say("1")
    (capture,) = done.captures
    assert capture.channel == "sms" and capture.wording_id == "demo-sms-en-v1"
    assert capture.evidence["yes_message_id"] == "SM2"
    assert capture.evidence["question_prompted_by"] == "SM1"
    assert "Msg & data rates may apply" in done.replies[0].text


def test_sms_numbers_before_yes_are_not_consent() -> None:
    chat = Chat("sms")
    chat.say("はい")  # a keyword: the question, in Japanese
    assert chat.state and chat.state.step == AWAIT_YES and chat.state.language == "ja"
    again = chat.say("1 3")
    assert again.captures == () and "「はい」" in again.replies[0].text


def test_topic_scoped_stop_leaves_the_open_question_and_other_topics() -> None:
    chat = Chat()
    chat.say("hi")
    outcome = chat.say("STOP OFFERS")
    assert outcome.captures[0].topics == ("offers",)
    assert "Offers and promotions" in outcome.replies[0].text
    assert chat.state and chat.state.step == AWAIT_TOPICS


def test_stop_at_any_point_ends_everything() -> None:
    chat = Chat()
    chat.say("hi")
    outcome = chat.say("停止")
    assert outcome.captures[0].action == Action.OPT_OUT and outcome.captures[0].topics is None
    assert outcome.replies[0].text.startswith("Sakura Coffee：今後")
    assert chat.state and chat.state.step == IDLE


def test_an_expired_question_is_asked_again_instead_of_taking_the_answer() -> None:
    chat = Chat()
    chat.say("hi")
    late = chat.say("1 3", after=timedelta(hours=25))
    assert late.captures == ()
    assert "expired" in late.replies[0].text
    assert chat.state and chat.state.step == AWAIT_TOPICS
    assert chat.say("1 3").captures[0].topics == ("order_updates", "newsletter")


def test_interactive_providers_get_a_list_within_whatsapp_limits() -> None:
    chat = Chat(interactive=True)
    question = chat.say("hello").replies[1]
    ids = [c.id for c in question.choices]
    assert ids == ["topics:all", "topic:order_updates", "topic:offers", "topic:newsletter",
                   "topic:product_recommendations", "optin:no"]
    assert all(len(c.title) <= 24 and len(c.description) <= 72 for c in question.choices)
    assert question.button and len(question.button) <= 20
    picked = chat.say("Offers and promotions", button_id="topic:offers")
    assert picked.captures[0].topics == ("offers",) and picked.captures[0].method == "button"


def test_attribution_sets_the_channel_and_merges_evidence() -> None:
    chat = Chat()
    ad = {"channel": "ad", "evidence": {"referral": {"source_id": "AD1", "ctwa_clid": "C1"}}}
    first = chat.say("Hi! I saw your ad", attribution=ad)
    assert first.captures == ()
    capture = chat.say("2").captures[0]
    assert capture.channel == "ad" and capture.evidence["referral"]["ctwa_clid"] == "C1"


def test_a_qr_code_asks_again_even_after_the_first_contact_question() -> None:
    chat = Chat()
    chat.say("hello")
    chat.say("no")
    qr = {"channel": "qr", "evidence": {"placement_code": "K7Q2ZP"}}
    outcome = chat.say("ref:K7Q2ZP", after=timedelta(days=2), attribution=qr)
    assert chat.state and chat.state.step == AWAIT_TOPICS
    assert outcome.replies
    capture = chat.say("ALL").captures[0]
    assert capture.channel == "qr" and capture.evidence["placement_code"] == "K7Q2ZP"


@pytest.mark.parametrize(("keyword", "intent"), [("STOP", "opt_out"), ("START", "opt_in"),
                                                  ("HELP", "help")])
def test_twilio_opt_out_type_overrides_the_text(keyword: str, intent: str) -> None:
    chat = Chat("sms")
    outcome = chat.say("ARRET", provider_keyword=keyword)
    assert outcome.intent == intent


def test_help_names_contact_details_and_how_to_stop() -> None:
    chat = Chat("sms", help_contact={"en": "hello@sakura.example", "ja": "03-1234-5678"})
    outcome = chat.say("HELP")
    text = outcome.replies[0].text
    assert "hello@sakura.example" in text and "STOP" in text and "rates" in text
    assert outcome.captures == ()


def test_settings_turn_questions_off() -> None:
    assert Chat(whatsapp_first_contact_question="never").say("hello").replies == ()
    assert Chat("sms", sms_ask_whatsapp=False).say("hello").replies == ()
    chat = Chat("sms", sms_opt_out_ends_whatsapp=False)
    outcome = chat.say("STOP")
    assert outcome.captures == () and "text messages" in outcome.replies[0].text


def test_a_contact_opted_in_to_everything_is_not_asked() -> None:
    chat = Chat()
    chat.opted_in = frozenset(business().topic_keys)
    assert chat.say("hello").replies == ()


def test_confirmation_codes_answer_and_record_nothing_here() -> None:
    chat = Chat()
    ok = chat.say("confirm:123456", confirmation=True)
    assert ok.captures == () and "confirmed" in ok.replies[0].text
    bad = chat.say("confirm:999999", confirmation=False)
    assert "unknown" in bad.replies[0].text


def test_no_wording_means_no_question() -> None:
    chat = Chat()
    outcome = advance(chat.b, None, Inbound("twilio", "SM1", "whatsapp", "+819012345678", T0,
                                            "hello"), Context(lambda k, lang: None, now=T0))
    assert outcome.captures == () and outcome.state.step == IDLE
