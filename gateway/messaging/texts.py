"""Every text the SMS and WhatsApp conversations send, in Japanese and English.

The opt-in *request* itself is not here: it is the business's current wording (kinds
``whatsapp`` and ``sms``), so each event can record the exact wording id and hash. These
are the frames around it: how to answer, confirmations, help, opt-out receipts.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "first_contact": {
        "en": "Thanks for your message, our team will reply here shortly.",
        "ja": "メッセージありがとうございます。担当者からこちらで返信いたします。",
    },
    "how_to_choose": {
        "en": "Reply with the numbers of the topics you want (for example 1 3), ALL for all of "
              "them, or NO for none:",
        "ja": "ご希望の番号を返信してください（例：1 3）。すべての場合は「すべて」、"
              "希望しない場合は「いいえ」と返信してください。",
    },
    "sms_topics": {
        "en": "Which WhatsApp messages from {name} would you like? Reply with the numbers (for "
              "example 1 3), ALL for all of them, or NO for none:",
        "ja": "{name}から WhatsApp で受け取りたいお知らせの番号を返信してください（例：1 3）。"
              "すべての場合は「すべて」、希望しない場合は「いいえ」:",
    },
    "list_button": {"en": "Choose topics", "ja": "種類を選ぶ"},
    "list_section": {"en": "Topics", "ja": "お知らせの種類"},
    "row_all": {"en": "All topics", "ja": "すべて"},
    "row_none": {"en": "No thanks", "ja": "希望しない"},
    "confirm_optin": {
        "en": "Thank you! {name} will send you WhatsApp messages about: {topics}. {frequency} "
              "Reply STOP to stop all messages, or STOP and a topic (for example STOP OFFERS) to "
              "stop one. Reply HELP for help.",
        "ja": "ありがとうございます。{name}から WhatsApp で次のお知らせをお送りします：{topics}。"
              "{frequency}すべて停止するには「停止」、種類ごとに停止するには「オファー停止」のように"
              "返信してください。ヘルプは「ヘルプ」。",
    },
    "opted_out_all": {
        "en": "{name}: you will no longer receive WhatsApp messages from us (all topics). "
              "Reply START to opt in again.",
        "ja": "{name}：今後、WhatsApp でのお知らせ（すべての種類）はお送りしません。"
              "再開するには「はい」と返信してください。",
    },
    "opted_out_topics": {
        "en": "{name}: you will no longer receive WhatsApp messages about: {topics}. Your other "
              "choices are unchanged. Reply STOP to stop everything.",
        "ja": "{name}：今後、次のお知らせは WhatsApp でお送りしません：{topics}。"
              "ほかの種類は変わりません。すべて停止するには「停止」と返信してください。",
    },
    "sms_opt_out_only_sms": {
        "en": "{name}: you will no longer receive text messages from us. Your WhatsApp choices "
              "are unchanged; reply STOP on WhatsApp to stop those too.",
        "ja": "{name}：今後、SMS はお送りしません。WhatsApp の設定は変わりません。"
              "WhatsApp も停止するには WhatsApp で「停止」と返信してください。",
    },
    "declined": {
        "en": "No problem: {name} will not send you WhatsApp messages. Reply START if you change "
              "your mind.",
        "ja": "承知しました。{name}から WhatsApp でお知らせはお送りしません。"
              "気が変わったら「はい」と返信してください。",
    },
    "reask": {
        "en": "Sorry, we did not understand. To get WhatsApp messages from {name}, reply with the "
              "topic numbers (for example 1 3), ALL, or NO.",
        "ja": "申し訳ありません、内容を確認できませんでした。{name}から WhatsApp でお知らせを"
              "受け取る場合は番号（例：1 3）か「すべて」を、不要な場合は「いいえ」と返信してください。",
    },
    "sms_reask": {
        "en": "Sorry, we did not understand. Reply YES to get WhatsApp messages from {name}, or "
              "STOP to opt out.",
        "ja": "申し訳ありません、内容を確認できませんでした。{name}からの WhatsApp メッセージを"
              "希望する場合は「はい」、停止は「停止」と返信してください。",
    },
    "expired": {
        "en": "That question has expired; here it is again.",
        "ja": "前回のご案内は有効期限が切れたため、改めてお送りします。",
    },
    "help": {
        "en": "{name}: WhatsApp messages about the topics you choose. {frequency} Contact: "
              "{contact}. Reply START to choose topics, STOP to stop all messages.",
        "ja": "{name}：お選びいただいた種類のお知らせを WhatsApp でお送りします。{frequency}"
              "お問い合わせ：{contact}。種類を選ぶには「はい」、すべて停止するには「停止」と"
              "返信してください。",
    },
    "confirmed": {
        "en": "Thank you, your number is confirmed. {name} will send you WhatsApp messages as "
              "you chose. Reply STOP at any time to stop.",
        "ja": "ありがとうございます。番号が確認されました。お選びいただいた内容で{name}から "
              "WhatsApp でお知らせをお送りします。停止はいつでも「停止」と返信してください。",
    },
    "confirm_unknown": {
        "en": "This confirmation code is unknown, already used or expired. Please request a new "
              "one on our website.",
        "ja": "この確認コードは無効、使用済み、または有効期限切れです。ウェブサイトで新しいコードを"
              "発行してください。",
    },
    "frequency": {"en": "Message frequency varies.", "ja": "配信頻度は内容により異なります。"},
    "rates": {"en": "Msg & data rates may apply.", "ja": "通信料がかかる場合があります。"},
    "list_sep": {"en": ", ", "ja": "、"},
}


def text(key: str, lang: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (English if missing), formatted with ``params``."""
    entry = TEXTS[key]
    return (entry.get(lang) or entry["en"]).format(**params)


def setting_text(value: Any, lang: str, fallback: str) -> str:
    """A business setting that may be a plain string or a {"en": ..., "ja": ...} mapping."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), fallback))
    return str(value) if value else fallback
