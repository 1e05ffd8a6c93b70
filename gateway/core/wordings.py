"""Default opt-in wordings per capture kind, in Japanese and English.

Each names the business (R6), says WhatsApp (R7), lists that the customer
chooses topics (R8) and says how to opt out (R5). Businesses add their own
versions later; every event keeps the id and hash of the exact text used.
"""

from __future__ import annotations

DEFAULTS: dict[str, dict[str, str]] = {
    "web_form": {
        "en": "Yes, I want to receive WhatsApp messages from {name} about the topics I ticked. "
              "I can stop at any time by replying STOP on WhatsApp or on the opt-out page.",
        "ja": "{name}から、選んだ種類のお知らせを WhatsApp で受け取ることに同意します。"
              "WhatsApp で「停止」と返信するか、配信停止ページからいつでも停止できます。",
    },
    "widget": {
        "en": "Get updates from {name} on WhatsApp about the topics you choose. "
              "Reply STOP on WhatsApp at any time to stop.",
        "ja": "{name}からのお知らせを WhatsApp で受け取る（選んだ種類のみ）。"
              "WhatsApp で「停止」と返信すればいつでも停止できます。",
    },
    "checkout": {
        "en": "Send me WhatsApp messages from {name} about this order and the topics I chose "
              "(optional). Reply STOP on WhatsApp to stop.",
        "ja": "この注文と選んだ種類について、{name}から WhatsApp でお知らせを受け取る（任意）。"
              "WhatsApp で「停止」と返信すれば停止できます。",
    },
    "sms": {
        "en": "{name}: would you like to get our messages on WhatsApp instead? Reply YES to "
              "opt in to WhatsApp messages from {name}. Reply STOP to opt out at any time.",
        "ja": "{name}です。今後のお知らせを WhatsApp で受け取りますか？ {name}からの WhatsApp "
              "メッセージを希望する場合は「はい」と返信してください。停止はいつでも「停止」と返信。",
    },
    "whatsapp": {
        "en": "Would you like {name} to send you messages here on WhatsApp? Choose the topics "
              "you want. You can reply STOP at any time to stop.",
        "ja": "{name}からのお知らせをこの WhatsApp で受け取りますか？ 受け取りたい種類を選んで"
              "ください。「停止」と返信すればいつでも停止できます。",
    },
    "ivr": {
        "en": "{name} would like to send you messages on WhatsApp, to the number you are "
              "calling from. Press 1 to agree to all topics, 2 to choose topics one by one, "
              "9 for no thanks, or 8 to stop all WhatsApp messages from {name}. You can stop "
              "at any time by replying STOP on WhatsApp.",
        "ja": "{name}から、お電話の番号の WhatsApp にお知らせをお送りしてもよろしいですか。"
              "すべてのお知らせに同意する場合は1を、種類を選ぶ場合は2を、希望しない場合は9を、"
              "{name}からの WhatsApp メッセージをすべて停止する場合は8を押してください。"
              "WhatsApp で「停止」と返信すればいつでも停止できます。",
    },
    "paper": {
        "en": "I agree to receive WhatsApp messages from {name} about the topics ticked above. "
              "I can stop at any time by replying STOP on WhatsApp.",
        "ja": "上でチェックした種類について、{name}から WhatsApp でお知らせを受け取ることに"
              "同意します。WhatsApp で「停止」と返信すればいつでも停止できます。",
    },
    "api": {
        "en": "I agree to receive WhatsApp messages from {name} about the chosen topics. "
              "Reply STOP on WhatsApp to stop at any time.",
        "ja": "選んだ種類について、{name}から WhatsApp でお知らせを受け取ることに同意します。"
              "WhatsApp で「停止」と返信すればいつでも停止できます。",
    },
}


def default_wordings(name: str, languages: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(kind, language, text) for every default wording of a business."""
    return [(kind, lang, texts[lang].format(name=name))
            for kind, texts in DEFAULTS.items() for lang in languages if lang in texts]
