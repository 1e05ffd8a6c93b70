"""What did the customer mean? Keyword and small-rule classification of an inbound text.

English and Japanese, NFKC-normalised (full-width letters and digits fold to ASCII) and
case-insensitive. Pure standard library: a small, tested rule set, not a model.

Principles:

* an unclear message is never consent: the default intent is ``unknown``;
* keywords count only as the whole message (as Twilio does: "STOP" is an opt-out, "stop by
  the store tomorrow" is not), plus a few explicit phrasings;
* topic-scoped opt-outs ("STOP OFFERS", 「オファー停止」) name a topic by a *message-kind*
  name ("order updates", 「注文のお知らせ」), never by a bare noun such as "order" or
  「配送」, because "stop order" / 「配送を止めて」 are about a parcel, not about messages;
* a *question* about stopping ("how do I unsubscribe?", 「停止ボタンはどこ？」) is answered
  with help (which says how to stop); it is not itself an opt-out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gateway.core.consent import Topic


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"  # START, YES, はい...: wants the question (never consent by itself)
    HELP = "help"
    CHOICE = "choice"  # topics picked by number, name or ALL
    DECLINE = "decline"  # NO, いいえ: an answer to the question
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Classified:
    intent: Intent
    topics: tuple[str, ...] | None = None  # OPT_OUT: None = all topics; CHOICE: chosen keys
    rule: str = ""  # which rule decided (kept as evidence)


# Twilio's default keyword lists (protocols.md §3) come first; the rest are ours.
TWILIO_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke",
                            "optout"})
TWILIO_OPT_IN = frozenset({"start", "yes", "unstop"})
TWILIO_HELP = frozenset({"help", "info"})

OPT_OUT_WORDS = TWILIO_OPT_OUT | {
    "stop all", "opt out", "opt-out", "stop please", "please stop", "stop it", "stop now",
    "stop messages", "stop messaging", "stop texting", "stop everything", "unsubscribe me",
    # Japanese. Not キャンセル / 中止 on their own: in a shop chat they mostly mean an order.
    "停止", "配信停止", "ストップ", "すとっぷ", "解除", "配信解除", "登録解除", "受信停止",
    "やめて", "止めて", "とめて", "全部停止", "すべて停止", "全て停止", "停止希望",
}
OPT_IN_WORDS = TWILIO_OPT_IN | {
    "join", "whatsapp", "subscribe", "yes please", "y", "opt in", "optin", "sign me up",
    "はい", "希望", "希望する", "希望します", "登録", "登録する", "登録します", "同意", "同意する",
    "同意します", "開始", "スタート", "受け取る", "受け取ります", "ワッツアップ",
}
HELP_WORDS = TWILIO_HELP | {"ヘルプ", "使い方", "問い合わせ", "お問い合わせ", "へるぷ"}
DECLINE_WORDS = {
    "no", "n", "nope", "no thanks", "no thank you", "not now", "none",
    "いいえ", "いや", "不要", "結構です", "けっこうです", "いらない", "いりません", "要らない",
    "希望しない", "希望しません", "遠慮します", "なし",
}
ALL_WORDS = {"all", "everything", "all topics", "all of them", "すべて", "全て", "全部", "ぜんぶ",
             "全部お願いします", "すべてお願いします", "全部希望"}

# Names that denote a *kind of message*, usable after STOP / before 停止.
STOP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_updates": ("order updates", "order update", "order notifications", "delivery updates",
                      "shipping updates", "order and delivery updates", "注文のお知らせ",
                      "配送のお知らせ", "注文・配送のお知らせ", "注文通知", "配送通知"),
    "offers": ("offers", "offer", "promotions", "promotion", "promos", "promo", "deals",
               "offers and promotions", "オファー", "キャンペーン", "キャンペーン情報", "セール情報",
               "お得な情報", "お得なキャンペーン情報", "プロモーション", "クーポン"),
    "newsletter": ("newsletter", "newsletters", "news", "ニュースレター", "メルマガ", "ニュース"),
    "product_recommendations": ("recommendations", "recommendation", "product recommendations",
                                "おすすめ", "おすすめ商品", "おすすめ商品のご案内", "レコメンド"),
}
# Broader names accepted only while we are waiting for a topic choice.
CHOICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_updates": ("orders", "order", "delivery", "shipping", "注文", "配送"),
}
# Every marketing-category topic at once.
MARKETING_WORDS = ("marketing", "ads", "advertising", "promotional messages", "宣伝", "広告",
                   "販促")

_JA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_EDGE_JUNK = " \t\r\n.,!?;:'\"()[]{}<>~-_。、．，！？：；「」『』（）【】〜…・*"
_NUMBERS = re.compile(r"^\d+(?:\s*(?:[,、/&+・]|and|と|\s)\s*\d+)*$")
_SEPARATORS = re.compile(r"\s*(?:,|、|&|\+|/|・|\band\b|と|および|及び)\s*")
_JA_POLITE = re.compile(r"(?:して(?:ください|下さい|くれ|ほしい|欲しい)?|します|でお願いします|"
                        r"お願いします|をお願いします|お願い|です|で)$")


def fold(text: str | None) -> str:
    """NFKC, case-folded, curly quotes straightened, inner whitespace collapsed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", folded).strip()


def _core(folded: str) -> str:
    """The message without punctuation, emoji or spaces at its edges."""
    text = folded.strip(_EDGE_JUNK)
    while text and unicodedata.category(text[-1]).startswith("S"):  # trailing emoji etc.
        text = text[:-1].strip(_EDGE_JUNK)
    return text


def detect_language(text: str | None) -> str | None:
    """'ja' for Japanese script, 'en' for Latin letters, None if it cannot tell (digits)."""
    if not text:
        return None
    if _JA.search(text):
        return "ja"
    if _LATIN.search(unicodedata.normalize("NFKC", text)):
        return "en"
    return None


def _names(topic: Topic, extra: dict[str, tuple[str, ...]]) -> set[str]:
    names = {topic.key.casefold(), topic.key.replace("_", " ").casefold()}
    names.update(fold(label) for label in topic.labels.values() if label)
    names.update(fold(s) for s in STOP_SYNONYMS.get(topic.key, ()))
    names.update(fold(s) for s in extra.get(topic.key, ()))
    return {n for n in names if n}


def _topics_named(text: str, topics: Sequence[Topic], *, broad: bool) -> tuple[str, ...] | None:
    """Topic keys for a text like "offers and newsletter" / 「オファーとニュースレター」."""
    extra = CHOICE_SYNONYMS if broad else {}
    text = re.sub(r"^(?:the|my|all|your)\s+", "", text)
    text = re.sub(r"\s+(?:messages|msgs|texts|please|updates please)$", "", text)
    if text in (fold(w) for w in MARKETING_WORDS):
        keys = tuple(t.key for t in topics if t.category == "marketing")
        return keys or None
    chosen: list[str] = []
    for part in _SEPARATORS.split(text):
        part = _core(part)
        if not part:
            continue
        match = next((t.key for t in topics if part in _names(t, extra)), None)
        if match is None:
            return None
        if match not in chosen:
            chosen.append(match)
    return tuple(k for k in (t.key for t in topics) if k in chosen) or None


def _numbers(text: str, topics: Sequence[Topic]) -> tuple[str, ...] | None:
    if not _NUMBERS.match(text):
        return None
    digits = re.findall(r"\d+", text)
    if len(digits) == 1 and len(digits[0]) > 1 and len(topics) < 10:
        digits = list(digits[0])  # "13" typed for "1 3"
    picked: list[str] = []
    for d in digits:
        n = int(d)
        if not 1 <= n <= len(topics):
            return None
        key = topics[n - 1].key
        if key not in picked:
            picked.append(key)
    return tuple(t.key for t in topics if t.key in picked)


# -- topic-scoped opt-outs ------------------------------------------------------------------

_EN_SCOPED = re.compile(r"^(?:please\s+)?(?:stop|unsubscribe|cancel|end|quit|opt\s*-?\s*out|"
                        r"no more)\s+(?:(?:of|from|to|sending|sending me)\s+)?(?P<topic>.+?)"
                        r"(?:\s+please)?$")
_JA_SCOPED = re.compile(r"^(?P<topic>.+?)(?:の|を|は|も)?(?:配信|受信|通知)?(?:を)?"
                        r"(?:停止|解除|ストップ|不要|いらない|いりません|やめて|止めて|とめて)$")
_FILLERS = {"please", "now", "it", "all", "them", "messages", "texting", "messaging", "sending",
            "everything", "this", "that", "texting me", "messaging me", "sending me messages",
            "all messages", "the messages", "these messages", "msgs", "texts",
            "メッセージ", "全部", "すべて", "全て", "通知", "お知らせ", "連絡", "ライン", "配信",
            "whatsapp", "ワッツアップ"}


def _scoped_opt_out(core: str, topics: Sequence[Topic]) -> Classified | None:
    for pattern, lang in ((_EN_SCOPED, "en"), (_JA_SCOPED, "ja")):
        text = core if lang == "en" else _JA_POLITE.sub("", core.replace(" ", ""))
        match = pattern.match(text)
        if not match:
            continue
        part = _core(match.group("topic"))
        if part in _FILLERS:
            return Classified(Intent.OPT_OUT, None, f"keyword_{lang}_all")
        named = _topics_named(part, topics, broad=False)
        if named:
            return Classified(Intent.OPT_OUT, named, f"keyword_{lang}_topic")
    return None


# -- questions about stopping, and natural-language opt-outs ------------------------------

_STOPPISH_EN = re.compile(r"\b(?:stop|unsubscribe|opt\s*-?\s*out|cancel)")
_QUESTION_EN = re.compile(r"^(?:how|where|what|which|is there|are there)\b|"
                          r"\b(?:how do i|how can i|how to|where is|where's|where do i)\b")
_STOPPISH_JA = re.compile(r"停止|解除|ストップ|止め|やめ")
_QUESTION_JA = re.compile(r"どこ|どう|方法|やり方|どうやって|どうすれ|どうしたら|何|なに")

NL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("nl_en_stop_messaging", re.compile(
        r"(?<!don't )(?<!dont )(?<!do not )(?<!never )\b(?:stop|quit|cease)\s+(?:(?:the|all|your"
        r"|these)\s+)?(?:messaging|texting|sending|contacting|emailing|spamming|whatsapping|"
        r"writing|messages|texts|spam)\b")),
    ("nl_en_dont_contact", re.compile(
        r"\b(?:don't|dont|do not|never)\s+(?:ever\s+)?(?:text|message|contact|whatsapp|msg|spam|"
        r"call or text|write to)\s+(?:me|us)\b")),
    ("nl_en_dont_send", re.compile(
        r"\b(?:don't|dont|do not|never)\s+send\s+(?:me\s+|us\s+)?(?:any\s*more\s+|anymore\s+|more"
        r"\s+|any\s+|these\s+|your\s+)?(?:messages|texts|promotions|offers|ads|marketing|spam|"
        r"whatsapps?)\b")),
    ("nl_en_remove_me", re.compile(
        r"\b(?:remove me from|take me off|unsubscribe me|opt me out|i (?:want|would like|'d like)"
        r" to (?:unsubscribe|opt\s*-?\s*out))\b")),
    ("nl_en_no_more", re.compile(
        r"\bno more\s+(?:messages|texts|spam|promotions|offers|whatsapps?)\b")),
    ("nl_en_dont_want", re.compile(
        r"\bi\s+(?:don't|dont|do not|no longer)\s+want\s+(?:to\s+(?:receive|get)\s+)?(?:any\s*more"
        r"\s+|anymore\s+|any\s+|these\s+|your\s+|more\s+)?(?:messages|texts|promotions|whatsapps?"
        r"|spam|marketing)\b")),
    ("nl_en_leave_alone", re.compile(r"\bleave me alone\b")),
    # Japanese: either "anymore" (もう/二度と) or a message-kind object must be present, so
    # 「まだ送らないで」 (don't ship it yet) is not an opt-out.
    ("nl_ja_mou_okuranaide", re.compile(
        r"(?:もう|二度と)\S{0,8}?(?:送ら|送信し|連絡し|配信し|メッセージし|送ってこ)ないで")),
    ("nl_ja_message_okuranaide", re.compile(
        r"(?:メッセージ|メール|連絡|通知|お知らせ|案内|配信|ライン|whatsapp|ワッツアップ)"
        r"(?:を|は|も)?(?:もう)?(?:送ら|送信し|配信し|し|送ってこ)ないで")),
    ("nl_ja_message_fuyou", re.compile(
        r"(?:メッセージ|メール|通知|お知らせ|案内|配信|連絡)(?:は|を|が|も)?(?:もう)?"
        r"(?:不要|いらない|いりません|要りません|要らない|必要ない|必要ありません|結構です|"
        r"けっこうです)")),
    ("nl_ja_message_tomete", re.compile(
        r"(?:メッセージ|メール|通知|お知らせ|案内|配信)(?:を|は)?(?:受け取りたくない|受け取りません|"
        r"受信したくない|止めて|とめて|やめて|停止して|停止し|ストップして|解除して)")),
    ("nl_ja_haishin_teishi", re.compile(r"(?:配信|通知|メッセージ|メルマガ)(?:を|の)?(?:停止|解除)")),
    ("nl_ja_kyohi", re.compile(r"受信拒否|登録(?:を)?解除")),
)


def natural_opt_out(folded: str) -> str | None:
    """The name of the rule recognising ``folded`` as an opt-out in plain words, or None."""
    compact = folded.replace(" ", "") if _JA.search(folded) else folded
    for name, pattern in NL_RULES:
        if pattern.search(compact if name.startswith("nl_ja") else folded):
            return name
    return None


def _question_about_stopping(folded: str) -> bool:
    if _STOPPISH_EN.search(folded) and _QUESTION_EN.search(folded):
        return True
    return bool(_STOPPISH_JA.search(folded) and _QUESTION_JA.search(folded))


def _in(core: str, words: Iterable[str]) -> bool:
    return core in words or core.replace(" ", "") in words


def classify(text: str | None, topics: Sequence[Topic] = ()) -> Classified:
    """Classify one inbound text against a business's topics (in the order they are listed)."""
    folded = fold(text)
    core = _core(folded)
    if not core:
        return Classified(Intent.UNKNOWN, rule="empty")
    polite = _JA_POLITE.sub("", core.replace(" ", "")) if _JA.search(core) else core
    if _in(core, OPT_OUT_WORDS) or (polite != core and polite in OPT_OUT_WORDS):
        return Classified(Intent.OPT_OUT, None, "keyword")
    if _in(core, HELP_WORDS):
        return Classified(Intent.HELP, rule="keyword")
    if _in(core, ALL_WORDS):
        return Classified(Intent.CHOICE, tuple(t.key for t in topics), "all")
    if _in(core, OPT_IN_WORDS) or (polite != core and polite in OPT_IN_WORDS):
        return Classified(Intent.OPT_IN, rule="keyword")
    if _in(core, DECLINE_WORDS):
        return Classified(Intent.DECLINE, rule="keyword")
    numbers = _numbers(core, topics)
    if numbers:
        return Classified(Intent.CHOICE, numbers, "numbers")
    if _question_about_stopping(folded):
        return Classified(Intent.HELP, rule="question_about_stopping")
    scoped = _scoped_opt_out(core, topics)
    if scoped is not None:
        return scoped
    rule = natural_opt_out(folded)
    if rule is not None:
        return Classified(Intent.OPT_OUT, None, rule)
    named = _topics_named(core, topics, broad=True)
    if named:
        return Classified(Intent.CHOICE, named, "names")
    return Classified(Intent.UNKNOWN, rule="no_rule")


def is_twilio_default_keyword(text: str | None) -> str | None:
    """'STOP' / 'START' / 'HELP' if Twilio itself acts on this SMS body (its default lists)."""
    core = _core(fold(text))
    if core in TWILIO_OPT_OUT:
        return "STOP"
    if core in TWILIO_OPT_IN:
        return "START"
    if core in TWILIO_HELP:
        return "HELP"
    return None
