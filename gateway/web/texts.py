"""Customer-facing texts of the web channel (hosted form, widget, opt-out), Japanese and English.

Kept out of ``gateway.i18n`` so the web area owns its words; a missing translation is a
missing key, which ``tests/web/test_texts.py`` catches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("ja", "en")

TEXTS: dict[str, dict[str, str]] = {
    "optin_title": {"en": "WhatsApp messages from {name}",
                    "ja": "{name}からの WhatsApp メッセージ"},
    "optin_intro": {"en": "Choose what {name} may send you on WhatsApp. Signing up is optional.",
                    "ja": "{name}から WhatsApp で受け取るお知らせを選んでください。登録は任意です。"},
    "phone_label": {"en": "Mobile number (used for WhatsApp)",
                    "ja": "携帯電話番号（WhatsApp で使用している番号）"},
    "phone_hint": {"en": "For example 090-1234-5678 or +81 90 1234 5678",
                   "ja": "例：090-1234-5678 または +81 90 1234 5678"},
    "country_label": {"en": "Country or region of the number", "ja": "電話番号の国・地域"},
    "topics_legend": {"en": "Which messages do you want?", "ja": "受け取りたいメッセージ"},
    "topics_hint": {"en": "Tick at least one. Nothing is ticked for you.",
                    "ja": "1つ以上チェックしてください（最初はどれも選ばれていません）。"},
    "name_label": {"en": "Name (optional)", "ja": "お名前（任意）"},
    "consent_heading": {"en": "By signing up you agree to this:",
                        "ja": "登録すると、次の内容に同意したことになります："},
    "submit": {"en": "Sign up for WhatsApp messages", "ja": "同意して WhatsApp で受け取る"},
    "optional_note": {"en": "Not signing up changes nothing else: you can simply close this page.",
                      "ja": "登録しなくても、他のサービスには影響ありません。このページを閉じるだけで結構です。"},
    "optout_link": {"en": "Already signed up? Stop messages here.",
                    "ja": "登録済みの方：配信停止はこちら"},
    "other_language": {"en": "日本語", "ja": "English"},
    "thanks_title": {"en": "Thank you!", "ja": "ご登録ありがとうございます"},
    "thanks_body": {"en": "{name} may now send you WhatsApp messages about:",
                    "ja": "{name}から WhatsApp で次のお知らせをお送りします："},
    "thanks_pending_title": {"en": "One more step: confirm on WhatsApp",
                             "ja": "あと1ステップ：WhatsApp で確認してください"},
    "thanks_pending_body": {
        "en": "You chose these messages from {name}. They start once you confirm that this "
              "WhatsApp number is yours:",
        "ja": "{name}からの次のお知らせを選びました。この WhatsApp 番号がご本人のものと確認でき次第、"
              "配信を開始します："},
    "confirm_button": {"en": "Confirm on WhatsApp", "ja": "WhatsApp で確認する"},
    "confirm_hint": {
        "en": "The button opens WhatsApp with a prepared message containing the code {code}. "
              "Send it as it is. The code works once, for {hours} hours.",
        "ja": "ボタンを押すと、確認コード {code} 入りのメッセージが WhatsApp に用意されます。"
              "そのまま送信してください。コードは{hours}時間以内に1回だけ使えます。"},
    "confirm_prefill": {
        "en": "Hello {name}, I confirm that I want WhatsApp messages from {name}. {token}",
        "ja": "{name}からの WhatsApp メッセージの受け取りを確認します。{token}"},
    "how_to_stop": {
        "en": "You can stop at any time: reply STOP to {name} on WhatsApp, or use the opt-out page.",
        "ja": "いつでも停止できます：WhatsApp で{name}に「停止」と返信するか、配信停止ページをご利用ください。"},
    "optout_legend": {"en": "Which messages do you want to stop?",
                      "ja": "停止したいメッセージ"},
    "sender_number": {"en": "WhatsApp {number}", "ja": "WhatsApp：{number}"},
    "open_whatsapp": {"en": "Open WhatsApp", "ja": "WhatsApp を開く"},
    "open_whatsapp_hint": {"en": "Say hello to {name} on WhatsApp now, so their messages reach "
                                 "you from a chat you know.",
                           "ja": "いま WhatsApp で{name}にあいさつしておくと、"
                                 "お知らせが見慣れたチャットに届きます。"},
    "optout_page_link": {"en": "Opt-out page", "ja": "配信停止ページ"},
    "optout_title": {"en": "Stop WhatsApp messages from {name}",
                     "ja": "{name}からの WhatsApp メッセージを停止"},
    "optout_intro": {"en": "Enter your number and choose what to stop. It takes effect at once.",
                     "ja": "電話番号を入力し、停止するお知らせを選んでください。すぐに反映されます。"},
    "optout_all": {"en": "All messages from {name}", "ja": "{name}からのすべてのメッセージ"},
    "optout_submit": {"en": "Stop these messages", "ja": "配信を停止する"},
    "optout_need_choice": {"en": "Choose the messages to stop, or “All messages”.",
                           "ja": "停止するお知らせを選ぶか、「すべてのメッセージ」を選んでください。"},
    "optout_done_title": {"en": "Done: messages stopped", "ja": "配信停止を受け付けました"},
    "optout_done_body": {"en": "{name} will no longer send WhatsApp messages to {phone} about:",
                         "ja": "{name}から {phone} への次のお知らせの WhatsApp 配信を停止しました："},
    "optout_done_all": {"en": "anything (all messages)", "ja": "すべてのお知らせ"},
    "back_to_optin": {"en": "Sign up again", "ja": "登録ページへ"},
    "not_found": {"en": "We could not find this page. Please check the link you were given.",
                  "ja": "ページが見つかりませんでした。お手元のリンクをご確認ください。"},
    "form_expired": {"en": "This form has expired or was opened in another window. "
                           "Nothing was saved. Please fill it in again.",
                     "ja": "フォームの有効期限が切れたか、別のウィンドウで開かれました。"
                           "何も保存されていません。もう一度入力してください。"},
    "wording_changed": {"en": "The text of this form has changed. Nothing was saved. "
                              "Please read it and submit again.",
                        "ja": "フォームの文言が更新されました。何も保存されていません。"
                              "内容をご確認のうえ、もう一度送信してください。"},
    "too_long": {"en": "This is too long (at most {max} characters).",
                 "ja": "長すぎます（{max}文字以内）。"},
    "bot_refused": {"en": "We could not accept this form. Nothing was saved.",
                    "ja": "このフォームを受け付けられませんでした。何も保存されていません。"},
    "too_many": {"en": "Too many attempts. Please wait a few minutes and try again.",
                 "ja": "試行回数が多すぎます。数分待ってからもう一度お試しください。"},
    "too_large": {"en": "The form sent too much data. Nothing was saved.",
                  "ja": "送信されたデータが大きすぎます。何も保存されていません。"},
    "try_again": {"en": "Back to the form", "ja": "フォームに戻る"},
    "honeypot_label": {"en": "Leave this field empty", "ja": "この欄は空欄のままにしてください"},
    # widget
    "widget_open": {"en": "Chat with {name} on WhatsApp", "ja": "WhatsApp で{name}とチャット"},
    "widget_chat": {"en": "Chat with {name} on WhatsApp", "ja": "WhatsApp で{name}とチャット"},
    "widget_updates": {"en": "Get updates on WhatsApp", "ja": "WhatsApp でお知らせを受け取る"},
    "widget_close": {"en": "Close", "ja": "閉じる"},
    "widget_greeting": {"en": "Questions? {name} answers on WhatsApp.",
                        "ja": "ご質問は WhatsApp で{name}へどうぞ。"},
    "widget_form_title": {"en": "Sign-up form for WhatsApp updates from {name}",
                          "ja": "{name}の WhatsApp お知らせ登録フォーム"},
    "widget_elsewhere": {"en": "This site cannot show the sign-up form yet, so it opens on "
                               "{name}'s own page in a new tab.",
                         "ja": "このサイトではまだ申し込みフォームを表示できないため、"
                               "{name}のページを新しいタブで開きます。"},
    "chat_prefill": {"en": "Hello {name}, I have a question.",
                     "ja": "{name}さん、こんにちは。問い合わせです。"},
}


def text(key: str, lang: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (English if missing), with ``params`` filled in."""
    entry = TEXTS[key]
    return (entry.get(lang) or entry["en"]).format(**params)


def texts(lang: str, keys: tuple[str, ...], params: Mapping[str, Any]) -> dict[str, str]:
    """Several texts at once (e.g. the widget's labels)."""
    return {key: text(key, lang, **params) for key in keys}
