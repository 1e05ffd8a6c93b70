"""Customer-facing texts of placements (links, QR captions, posters, pages) in ja and en.

Pure module. Every text that names the business takes ``{name}``; prefilled messages
also take ``{token}`` (``ref:CODE``), always set off by a space or bracket so
``gateway.codes.find_placement_code`` finds it after Japanese text too.
"""

from __future__ import annotations

# The draft the customer sends on WhatsApp (editable by them: attribution, not consent).
PREFILLED: dict[str, str] = {
    "en": "Hello {name}! I'd like to chat on WhatsApp. ({token})",
    "ja": "{name}さん、こんにちは！WhatsApp でチャットしたいです。（{token}）",
}
# How a custom message gets its token appended.
TOKEN_SUFFIX: dict[str, str] = {"en": " ({token})", "ja": "（{token}）"}

# What an In-App Signup link's opt-in records as its wording when staff give none: the
# business's name and WhatsApp, as the opt-in policy asks (the signup screen is Meta's).
SIGNUP_WORDING: dict[str, str] = {
    "en": "Sign up for messages from {name} on WhatsApp: offers and news. You can stop them "
          "at any time in WhatsApp.",
    "ja": "{name}からの WhatsApp メッセージ（お得な情報・お知らせ）に登録します。"
          "WhatsApp でいつでも停止できます。",
}

CAPTION: dict[str, str] = {
    "en": "Scan to chat with {name} on WhatsApp",
    "ja": "スキャンして{name}と WhatsApp でチャット",
}

POSTER: dict[str, dict[str, str]] = {
    "cta": {"ja": "WhatsApp でお気軽にチャット", "en": "Chat with us on WhatsApp"},
    "how": {"ja": "スマートフォンのカメラで読み取ると、{name}とのチャットが開きます。",
            "en": "Point your phone camera at the code to open a chat with {name}."},
    "consent": {"ja": "お知らせを受け取るかどうかはチャットの中でお選びいただけます。"
                      "「停止」と送ればいつでも止められます。",
                "en": "In the chat we ask which messages you want, if any. "
                      "Reply STOP at any time."},
    "or": {"ja": "またはこちら：", "en": "or open:"},
}

PAGES: dict[str, dict[str, str]] = {
    "unknown_title": {"ja": "このリンクは無効です", "en": "This link is not valid"},
    "unknown": {"ja": "このリンクまたは QR コードは見つかりませんでした。入力や読み取りに誤りがないか"
                      "お確かめいただくか、お店のスタッフにお尋ねください。",
                "en": "We could not find this link or QR code. Please check it, or ask the "
                      "staff for a new one."},
    "retired_title": {"ja": "この QR コードは使われていません",
                      "en": "This QR code is no longer in use"},
    "retired": {"ja": "{name}のこのリンク・QR コードは現在使われていません。お店のスタッフに"
                      "新しいものをお尋ねいただくか、WhatsApp で{name}を直接お探しください。",
                "en": "This link or QR code of {name} is no longer in use. Please ask the "
                      "staff for the current one, or look for {name} on WhatsApp directly."},
    "unavailable_title": {"ja": "ただいま利用できません", "en": "Not available right now"},
    "unavailable": {"ja": "{name}の WhatsApp チャットへのリンクは、ただいま利用できません。"
                          "時間をおいてお試しください。",
                    "en": "The WhatsApp chat link of {name} is not available right now. "
                          "Please try again later."},
}

ERRORS: dict[str, dict[str, str]] = {
    "placement_unknown": {"en": "This business has no placement “{value}”.",
                          "ja": "この事業者に設置場所「{value}」はありません。"},
}


def text(table: dict[str, str], lang: str, **values: str) -> str:
    """``table[lang]`` (English when missing) formatted with ``values``."""
    return (table.get(lang) or table["en"]).format(**values)


def page(key: str, lang: str, **values: str) -> str:
    return text(PAGES[key], lang, **values)


def poster(key: str, lang: str, **values: str) -> str:
    return text(POSTER[key], lang, **values)
