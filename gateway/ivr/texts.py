"""Spoken prompts of the IVR (everything except the opt-in request), Japanese and English.

The request itself is the business's current ``ivr`` wording (``gateway.core.wordings``), so the
exact text a caller heard is versioned and hashed like every other wording. These prompts
are identified in the evidence by ``ivr:<key>:<lang>`` plus the SHA-256 of the template,
never of the filled text: a filled read-back contains the caller's number.
"""

from __future__ import annotations

import hashlib

LANGS = ("ja", "en")
# <Say language> and <Gather language> per prompt language (Twilio locale codes).
LOCALES = {"ja": "ja-JP", "en": "en-US"}
# Amazon Polly voices through Twilio; a business may override them in settings["ivr_voices"].
VOICES = {"ja": "Polly.Mizuki", "en": "Polly.Joanna"}
# Speech hints help the recogniser with the few words the IVR understands.
HINTS = {"ja": "はい,いいえ,停止", "en": "yes,no,stop"}

TEXTS: dict[str, dict[str, str]] = {
    # The bilingual language choice: each half is spoken in its own language.
    "choose_ja": {"ja": "日本語は1を、", "en": "日本語は1を、"},
    "choose_en": {"ja": "For English press 2.", "en": "For English press 2."},
    "number_caller_id": {"en": "You are calling from {digits}.",
                         "ja": "お電話の番号は、{digits}、です。"},
    "number_keyed": {
        "en": "WhatsApp messages would go to the number you entered, {digits}, instead of the "
              "number you are calling from.",
        "ja": "WhatsApp のお知らせは、お電話の番号ではなく、入力された番号、{digits}、に"
              "お送りします。"},
    "caller_withheld": {
        "en": "Your number is not shown. Please enter the mobile number you use for WhatsApp, "
              "then press the hash key.",
        "ja": "番号が非通知のため、WhatsApp でお使いの携帯電話番号を入力し、最後にシャープを"
              "押してください。"},
    "caller_not_mobile": {
        "en": "The number you are calling from cannot receive WhatsApp messages. Please enter "
              "the mobile number you use for WhatsApp, then press the hash key.",
        "ja": "お電話の番号では WhatsApp のお知らせを受け取れません。WhatsApp でお使いの"
              "携帯電話番号を入力し、最後にシャープを押してください。"},
    "number_again": {
        "en": "Please enter the mobile number you use for WhatsApp, then press the hash key.",
        "ja": "WhatsApp でお使いの携帯電話番号を入力し、最後にシャープを押してください。"},
    "number_invalid": {"en": "Sorry, that is not a mobile number we can use.",
                       "ja": "申し訳ありません。その番号はご利用いただけません。"},
    "number_readback": {
        "en": "You entered {digits}. If this is correct, press 1. To enter it again, press 2.",
        "ja": "入力された番号は、{digits}、です。よろしければ1を、入力し直す場合は2を"
              "押してください。"},
    "no_input": {"en": "Sorry, I did not hear an answer.",
                 "ja": "申し訳ありません。お返事を確認できませんでした。"},
    "invalid": {"en": "Sorry, I did not understand.",
                "ja": "申し訳ありません。聞き取れませんでした。"},
    "speech_confirm": {
        "en": "I heard: {heard}. If that is right, press 1. If not, press 2.",
        "ja": "「{heard}」と承りました。よろしければ1を、違う場合は2を押してください。"},
    "heard_all": {"en": "yes, all topics", "ja": "はい、すべてのお知らせ"},
    "heard_declined": {"en": "no thanks", "ja": "いいえ、希望しません"},
    "heard_opt_out": {"en": "stop all WhatsApp messages", "ja": "WhatsApp をすべて停止"},
    "heard_yes": {"en": "yes", "ja": "はい"},
    "heard_no": {"en": "no", "ja": "いいえ"},
    "topics_intro": {
        "en": "Please answer for each kind of message.",
        "ja": "お知らせの種類ごとにお答えください。"},
    "topic_question": {
        "en": "{label}. Press 1 for yes, or 2 for no.",
        "ja": "{label}。希望する場合は1を、希望しない場合は2を押してください。"},
    "record_intro": {
        "en": "To keep a recording of your agreement, please say: yes, I agree, after the "
              "beep, then press the hash key.",
        "ja": "ご同意の記録のため、発信音のあとに「はい、同意します」とお話しになり、"
              "シャープを押してください。"},
    "done_opt_in": {
        "en": "Thank you. We recorded that you agree to receive WhatsApp messages from {name} "
              "about: {topics}. To stop at any time, reply STOP on WhatsApp, or call this "
              "number and press 8. Goodbye.",
        "ja": "ありがとうございます。{name}からの WhatsApp のお知らせ、{topics}、への同意を"
              "記録しました。停止するには、WhatsApp で「停止」と返信するか、この番号にお電話の"
              "うえ8を押してください。失礼いたします。"},
    "done_opt_out": {
        "en": "We recorded that you do not want any WhatsApp messages from {name}. We will not "
              "send you any. To sign up again later, call this number. Goodbye.",
        "ja": "{name}からの WhatsApp メッセージをすべて停止したことを記録しました。今後は"
              "お送りしません。再開をご希望の場合は、この番号にお電話ください。"
              "失礼いたします。"},
    "declined": {
        "en": "No problem. Nothing has been recorded. Thank you for calling {name}. Goodbye.",
        "ja": "承知しました。何も記録していません。{name}にお電話いただきありがとうございました。"
              "失礼いたします。"},
    "no_topics": {
        "en": "You did not choose any kind of message, so nothing has been recorded. Goodbye.",
        "ja": "お知らせの種類が選ばれなかったため、何も記録していません。失礼いたします。"},
    "goodbye_no_answer": {
        "en": "We did not receive an answer, so nothing has been recorded. Thank you for "
              "calling {name}. Goodbye.",
        "ja": "お返事を確認できなかったため、何も記録していません。{name}にお電話いただき"
              "ありがとうございました。失礼いたします。"},
    "unavailable": {
        "en": "Sorry, this service is not available at the moment. Nothing has been recorded. "
              "Goodbye.",
        "ja": "申し訳ありません。ただいまこのサービスはご利用いただけません。何も記録して"
              "いません。失礼いたします。"},
}

LIST_SEP = {"en": ", ", "ja": "、"}
DIGIT_SEP = {"en": " ", "ja": "、"}
GROUP_SEP = {"en": ", ", "ja": "、 "}
PLUS = {"en": "plus", "ja": "プラス"}


def text(key: str, lang: str, **params: object) -> str:
    """The prompt ``key`` in ``lang`` (English if missing), filled with ``params``."""
    entry = TEXTS[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**params) if params else template


def template_hash(key: str, lang: str) -> str:
    """SHA-256 of the unfilled template: identifies the wording without personal data."""
    entry = TEXTS[key]
    return hashlib.sha256((entry.get(lang) or entry["en"]).encode("utf-8")).hexdigest()


def join_list(items: list[str], lang: str) -> str:
    """Topic labels as one spoken list."""
    if lang == "en" and len(items) > 1:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return LIST_SEP.get(lang, ", ").join(items)
