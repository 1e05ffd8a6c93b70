"""The keyword and natural-language rules: true and false positives, English and Japanese."""

from __future__ import annotations

import pytest

from gateway.core.consent import DEFAULT_TOPICS, Topic
from gateway.messaging.keywords import Intent, classify, detect_language, is_twilio_default_keyword

T = DEFAULT_TOPICS
MARKETING = ("offers", "newsletter", "product_recommendations")


@pytest.mark.parametrize("text", [
    "STOP", "stop", "Stop.", "ＳＴＯＰ", " stop! ", "STOPALL", "UNSUBSCRIBE", "cancel", "END",
    "quit", "REVOKE", "OPTOUT", "opt out", "STOP ALL", "STOP PLEASE", "stop 🙏",
    "停止", "配信停止", "ストップ", "解除", "配信解除", "停止してください", "停止します", "停止。",
])
def test_opt_out_keywords_end_every_topic(text: str) -> None:
    result = classify(text, T)
    assert result.intent is Intent.OPT_OUT and result.topics is None, result


@pytest.mark.parametrize(("text", "topics"), [
    ("STOP OFFERS", ("offers",)),
    ("stop offers please", ("offers",)),
    ("Stop promotions", ("offers",)),
    ("STOP NEWSLETTER", ("newsletter",)),
    ("unsubscribe newsletter", ("newsletter",)),
    ("STOP ORDER UPDATES", ("order_updates",)),
    ("stop offers and newsletter", ("offers", "newsletter")),
    ("STOP MARKETING", MARKETING),
    ("オファー停止", ("offers",)),
    ("キャンペーン情報の配信停止", ("offers",)),
    ("ニュースレターを停止してください", ("newsletter",)),
    ("メルマガ解除", ("newsletter",)),
    ("おすすめ商品の配信停止", ("product_recommendations",)),
    ("注文のお知らせ停止", ("order_updates",)),
    ("広告停止", MARKETING),
])
def test_topic_scoped_opt_outs_name_only_that_topic(text: str, topics: tuple[str, ...]) -> None:
    result = classify(text, T)
    assert result.intent is Intent.OPT_OUT, result
    assert result.topics == topics


def test_a_business_topic_label_works_as_a_stop_scope() -> None:
    topics = (*T, Topic("events", "marketing", {"en": "Store events", "ja": "店舗イベント"}))
    assert classify("STOP STORE EVENTS", topics).topics == ("events",)
    assert classify("店舗イベント停止", topics).topics == ("events",)
    assert classify("STOP EVENTS", topics).topics == ("events",)  # the key itself


@pytest.mark.parametrize(("text", "rule"), [
    ("please stop messaging me", None),
    ("Please stop texting me", None),
    ("don't text me anymore", "nl_en_dont_contact"),
    ("Do not contact me again", "nl_en_dont_contact"),
    ("please don't send me any more messages", "nl_en_dont_send"),
    ("remove me from your list", "nl_en_remove_me"),
    ("I want to unsubscribe", "nl_en_remove_me"),
    ("no more messages please", None),
    ("I don't want these messages", "nl_en_dont_want"),
    ("Can you stop sending me these?", "nl_en_stop_messaging"),
    ("leave me alone", "nl_en_leave_alone"),
    ("もう送らないで", "nl_ja_mou_okuranaide"),
    ("もう送らないでください", "nl_ja_mou_okuranaide"),
    ("二度と連絡しないで", "nl_ja_mou_okuranaide"),
    ("メッセージ不要", None),
    ("メッセージはもういりません", "nl_ja_message_fuyou"),
    ("通知はいらない", None),
    ("連絡しないでください", "nl_ja_message_okuranaide"),
    ("お知らせを受け取りたくないです", "nl_ja_message_tomete"),
    ("配信停止してもらえますか？", "nl_ja_message_tomete"),
    ("受信拒否します", "nl_ja_kyohi"),
])
def test_natural_language_opt_outs(text: str, rule: str | None) -> None:
    result = classify(text, T)
    assert result.intent is Intent.OPT_OUT and result.topics is None, result
    if rule:
        assert result.rule == rule


@pytest.mark.parametrize("text", [
    "stop by the store tomorrow",
    "I'll stop by later",
    "I want to cancel my order",
    "when does the sale end?",
    "stop order",  # a parcel, not messages
    "please don't send me the wrong size again",
    "Don't stop sending me offers, I love them",
    "can you send me the menu?",
    "hello",
    "STOP 2",
    "明日お店に寄ります",
    "まだ送らないでください、住所が変わります",  # "don't ship yet": no "anymore", no message word
    "配送を止めてください",  # stop the delivery (parcel), not messages
    "注文を停止",
    "キャンセル",  # mostly an order in a shop chat; documented in docs/messaging.md
    "もう送りました",
    "送料は無料ですか？",
])
def test_false_positives_are_not_opt_outs(text: str) -> None:
    assert classify(text, T).intent is not Intent.OPT_OUT


@pytest.mark.parametrize("text", ["停止ボタンはどこ？", "配信停止の方法を教えて", "how do I unsubscribe?",
                                  "Where is the stop button?"])
def test_a_question_about_stopping_gets_help_not_an_opt_out(text: str) -> None:
    # Judgement: someone asking *how* to stop has not stopped yet; the help reply tells them.
    result = classify(text, T)
    assert result.intent is Intent.HELP and result.rule == "question_about_stopping"


@pytest.mark.parametrize(("text", "topics"), [
    ("1 3", ("order_updates", "newsletter")),
    ("1,3", ("order_updates", "newsletter")),
    ("１、３", ("order_updates", "newsletter")),
    ("3 1", ("order_updates", "newsletter")),
    ("13", ("order_updates", "newsletter")),
    ("2", ("offers",)),
    ("1と2", ("order_updates", "offers")),
    ("ALL", tuple(t.key for t in T)),
    ("all", tuple(t.key for t in T)),
    ("すべて", tuple(t.key for t in T)),
    ("全部", tuple(t.key for t in T)),
    ("offers and newsletter", ("offers", "newsletter")),
    ("オファーとニュースレター", ("offers", "newsletter")),
    ("orders", ("order_updates",)),
])
def test_topic_choices(text: str, topics: tuple[str, ...]) -> None:
    result = classify(text, T)
    assert result.intent is Intent.CHOICE and result.topics == topics


@pytest.mark.parametrize("text", ["5", "0", "1 9", "2024", "12345"])
def test_numbers_outside_the_list_are_not_a_choice(text: str) -> None:
    assert classify(text, T).intent is Intent.UNKNOWN


@pytest.mark.parametrize(("text", "intent"), [
    ("START", Intent.OPT_IN), ("yes", Intent.OPT_IN), ("UNSTOP", Intent.OPT_IN),
    ("JOIN", Intent.OPT_IN), ("WhatsApp", Intent.OPT_IN), ("はい", Intent.OPT_IN),
    ("希望します", Intent.OPT_IN), ("登録", Intent.OPT_IN),
    ("HELP", Intent.HELP), ("info", Intent.HELP), ("ヘルプ", Intent.HELP),
    ("NO", Intent.DECLINE), ("no thanks", Intent.DECLINE), ("いいえ", Intent.DECLINE),
    ("結構です", Intent.DECLINE),
])
def test_other_keywords(text: str, intent: Intent) -> None:
    assert classify(text, T).intent is intent


@pytest.mark.parametrize("text", ["", "   ", "ok", "thanks!", "yes I have a question about my order",
                                  "はい、質問があります", "sure why not", "👍"])
def test_unclear_messages_are_never_consent(text: str) -> None:
    assert classify(text, T).intent in (Intent.UNKNOWN,)


def test_language_detection() -> None:
    assert detect_language("停止") == "ja"
    assert detect_language("ｽﾄｯﾌﾟ") == "ja"  # half-width katakana
    assert detect_language("STOP") == "en"
    assert detect_language("1 3") is None
    assert detect_language("") is None


def test_twilio_acts_itself_only_on_its_own_default_keywords() -> None:
    assert is_twilio_default_keyword("Stop") == "STOP"
    assert is_twilio_default_keyword("cancel") == "STOP"
    assert is_twilio_default_keyword("STOP OFFERS") is None
    assert is_twilio_default_keyword("停止") is None
    assert is_twilio_default_keyword("yes") == "START"
    assert is_twilio_default_keyword("info") == "HELP"
