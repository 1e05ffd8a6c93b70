"""Customer-facing and error texts in English and Japanese.

Every text a customer or staff member reads lives here (or in templates), so
that a missing translation is a missing dictionary key, caught by tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LANGUAGES = ("en", "ja")

ERRORS: dict[str, dict[str, str]] = {
    "invalid_phone": {
        "en": "“{value}” is not a phone number we can understand. Please enter a mobile number, "
        "for example 090-1234-5678 or +81 90 1234 5678.",
        "ja": "「{value}」は電話番号として認識できません。携帯電話番号を入力してください"
        "（例：090-1234-5678 または +81 90 1234 5678）。",
    },
    "phone_too_short": {
        "en": "“{value}” is too short to be a phone number.",
        "ja": "「{value}」は電話番号としては短すぎます。",
    },
    "phone_too_long": {
        "en": "“{value}” is too long to be a phone number.",
        "ja": "「{value}」は電話番号としては長すぎます。",
    },
    "phone_not_mobile": {
        "en": "{value} is a {kind} number, which cannot receive WhatsApp messages. "
        "Please use a mobile number.",
        "ja": "{value} は{kind_ja}のため、WhatsApp のメッセージを受け取れません。"
        "携帯電話番号を入力してください。",
    },
    "phone_is_user_id": {
        "en": "“{value}” is a WhatsApp user ID, not a phone number: send it as user_id.",
        "ja": "「{value}」は電話番号ではなく WhatsApp のユーザー ID です。user_id として送ってください。",
    },
    "invalid_user_id": {
        "en": "“{value}” is not a WhatsApp user ID (two capital letters, a dot and up to 128 "
              "letters or digits, such as JP.13491208655302741918).",
        "ja": "「{value}」は WhatsApp のユーザー ID ではありません（例: JP.13491208655302741918 の"
              "ように大文字2文字、ピリオド、128文字以内の英数字）。",
    },
    "phone_missing": {
        "en": "Please enter your mobile phone number.",
        "ja": "携帯電話番号を入力してください。",
    },
    "unknown_country": {
        "en": "“{value}” is not a country code we know (use two letters, such as JP or US).",
        "ja": "「{value}」は国コードとして認識できません（JP や US のような2文字で指定してください）。",
    },
    "unknown_topic": {
        "en": "“{value}” is not one of this business's message topics ({allowed}).",
        "ja": "「{value}」はこの事業者のメッセージの種類にありません（{allowed}）。",
    },
    "unknown_category": {
        "en": "“{value}” is not a WhatsApp template category ({allowed}).",
        "ja": "「{value}」は WhatsApp のテンプレートのカテゴリではありません（{allowed}）。",
    },
    "no_topic_in_category": {
        "en": "None of this business's message topics is sent as a {value} template.",
        "ja": "この事業者のメッセージの種類に、{value} テンプレートで送るものはありません。",
    },
    "rule_unknown": {
        "en": "There is no platform rule {value}.",
        "ja": "プラットフォームのルール {value} はありません。",
    },
    "no_topics": {
        "en": "Please choose at least one kind of message you want to receive.",
        "ja": "受け取りたいメッセージの種類を1つ以上選んでください。",
    },
    "unknown_action": {
        "en": "“{value}” is not a consent action; use opt_in or opt_out.",
        "ja": "「{value}」は同意の操作として認識できません（opt_in または opt_out）。",
    },
    "unknown_channel": {
        "en": "“{value}” is not a known source channel.",
        "ja": "「{value}」は既知の取得チャネルではありません。",
    },
    "unknown_method": {
        "en": "“{value}” is not a known capture method.",
        "ja": "「{value}」は既知の取得方法ではありません。",
    },
    "pre_ticked": {
        "en": "A pre-ticked box is not consent: the customer must tick it themselves.",
        "ja": "最初からチェックされた項目は同意になりません。お客様ご自身でチェックしてください。",
    },
    "wording_missing": {
        "en": "An opt-in needs the exact wording the customer saw or heard (wording_id).",
        "ja": "オプトインには、お客様に表示・案内した文言（wording_id）が必要です。",
    },
    "wording_unknown": {
        "en": "Wording “{value}” does not exist for this business.",
        "ja": "文言「{value}」はこの事業者に存在しません。",
    },
    "wording_no_business": {
        "en": "The wording does not name the business “{business}”, so customers cannot tell "
        "who will message them.",
        "ja": "文言に事業者名「{business}」が含まれていないため、誰から連絡が来るのか分かりません。",
    },
    "wording_no_whatsapp": {
        "en": "The wording does not say WhatsApp; consent to other channels is not consent "
        "to WhatsApp messages.",
        "ja": "文言に「WhatsApp」が含まれていません。他のチャネルへの同意は WhatsApp "
        "メッセージへの同意になりません。",
    },
    "time_in_future": {
        "en": "The time {value} is in the future.",
        "ja": "時刻 {value} は未来の時刻です。",
    },
    "time_no_zone": {
        "en": "The time “{value}” has no time zone; add one, such as +09:00 or Z.",
        "ja": "時刻「{value}」にタイムゾーンがありません（+09:00 や Z を付けてください）。",
    },
    "time_invalid": {
        "en": "“{value}” is not a time in ISO 8601 format (for example 2026-11-24T10:00:00+09:00).",
        "ja": "「{value}」は ISO 8601 形式の時刻ではありません（例：2026-11-24T10:00:00+09:00）。",
    },
    "idempotency_reused": {
        "en": "The idempotency key “{value}” was already used for a different request; "
              "nothing was recorded. Use a new key for a new request.",
        "ja": "冪等キー「{value}」は別の内容のリクエストで使用済みです。何も記録していません。"
              "新しいリクエストには新しいキーを使ってください。",
    },
    "business_unknown": {
        "en": "There is no business “{value}”.",
        "ja": "事業者「{value}」は存在しません。",
    },
    "contact_unknown": {
        "en": "No consent is recorded for this number.",
        "ja": "この番号の同意記録はありません。",
    },
    "not_found": {"en": "Not found.", "ja": "見つかりません。"},
    "unauthorized": {
        "en": "Send a valid API key as “Authorization: Bearer <key>”.",
        "ja": "有効な API キーを「Authorization: Bearer <key>」で送ってください。",
    },
    "bad_json": {
        "en": "The request body is not valid JSON: {detail}",
        "ja": "リクエスト本文が正しい JSON ではありません：{detail}",
    },
    "bad_field": {
        "en": "The field “{field_name}” is not valid: {detail}",
        "ja": "項目「{field_name}」が正しくありません：{detail}",
    },
    "missing_field": {
        "en": "The field “{field_name}” is required.",
        "ja": "項目「{field_name}」は必須です。",
    },
    "too_large": {
        "en": "The request is too large.",
        "ja": "リクエストが大きすぎます。",
    },
    "invalid": {"en": "The request is not valid.", "ja": "リクエストが正しくありません。"},
    "error": {"en": "Something went wrong.", "ja": "エラーが発生しました。"},
    "conflict": {"en": "Conflict.", "ja": "競合が発生しました。"},
    # what the gateway accepts at all (gateway.core.limits)
    "too_long": {"en": "“{field_name}” is too long (at most {max} characters).",
                 "ja": "「{field_name}」が長すぎます（{max}文字まで）。"},
    "control_character": {
        "en": "“{field_name}” contains a control character (such as NUL or a line break) "
              "that cannot be stored.",
        "ja": "「{field_name}」に保存できない制御文字（NUL や改行など）が含まれています。"},
    "unknown_field": {
        "en": "“{field_name}” is not a field of this request; nothing was recorded. "
              "Check the spelling against the API description (openapi.json).",
        "ja": "「{field_name}」はこのリクエストの項目ではありません。何も記録していません。"
              "API の説明（openapi.json）で綴りを確認してください。"},
    "unknown_language": {"en": "“{value}” is not a language we support (use ja or en).",
                         "ja": "「{value}」は対応していない言語です（ja または en）。"},
    "too_many_topics": {"en": "Too many topics (at most {max}).",
                        "ja": "メッセージの種類が多すぎます（{max}件まで）。"},
    "bad_wording_kind": {
        "en": "A wording kind is lower-case letters, digits and _ (at most 40), such as "
              "checkout.",
        "ja": "文言の種類は小文字英字・数字・_ の40文字以内で指定してください（例: checkout）。"},
    "personal_bad": {"en": "The personal details are not plain short texts.",
                     "ja": "個人情報の項目が短いテキストではありません。"},
    "time_too_early": {
        "en": "{value} is before WhatsApp existed; give the time the customer acted.",
        "ja": "{value} は WhatsApp が存在する前の日時です。お客様が操作した日時を指定してください。"},
    "evidence_too_deep": {"en": "The evidence is nested too deeply (at most 6 levels).",
                          "ja": "証跡の入れ子が深すぎます（6段階まで）。"},
    "evidence_bad_key": {
        "en": "Evidence keys are short texts (at most 64 characters, no control characters).",
        "ja": "証跡の項目名は64文字以内のテキストで、制御文字を含められません。"},
    "evidence_bad_text": {
        "en": "An evidence value is too long (at most 4096 characters) or contains a control "
              "character.",
        "ja": "証跡の値が長すぎる（4096文字まで）か、制御文字を含んでいます。"},
    "evidence_bad_number": {
        "en": "An evidence number is not finite or too large to keep exactly.",
        "ja": "証跡の数値が有限でないか、正確に保存できないほど大きい値です。"},
    "evidence_too_large": {"en": "The evidence is too large (at most {max} bytes).",
                           "ja": "証跡が大きすぎます（{max}バイトまで）。"},
    "wording_ambiguous": {
        "en": "Give either wording_id or wording.text, not both.",
        "ja": "wording_id と wording.text のどちらか一方だけを指定してください。"},
    "store_rejected": {"en": "The database refused a value of this row; nothing of it was "
                             "recorded.",
                       "ja": "この行の値をデータベースが受け付けませんでした。この行は記録されていません。"},
    "store_unavailable": {
        "en": "The database is unavailable just now; nothing was recorded. Please retry.",
        "ja": "ただいまデータベースを利用できません。何も記録されていません。再試行してください。"},
    "write_conflict": {"en": "Another write got there first; nothing was written. Please retry.",
                       "ja": "他の書き込みと競合しました。何も記録されていません。再試行してください。"},
    # proof area: erasure, checkpoints, webhooks
    "suppressed_after_erasure": {
        "en": "This person's data was erased at their request; they cannot be imported again. "
        "Only a fresh opt-in made directly by them (web, WhatsApp, phone…) can add them back.",
        "ja": "この方のデータはご本人の依頼により消去済みのため、インポートで再登録できません。"
        "ご本人によるウェブ・WhatsApp・電話などでの新たなオプトインのみで再登録されます。",
    },
    "signing_key_missing": {
        "en": "The ledger signing key is not configured: set LEDGER_SIGNING_KEY.",
        "ja": "台帳の署名鍵が設定されていません。LEDGER_SIGNING_KEY を設定してください。",
    },
    "ledger_broken": {
        "en": "The ledger does not verify (seq {seq}: {reason}); nothing was signed.",
        "ja": "台帳の検証に失敗しました（seq {seq}：{reason}）。署名は行いませんでした。",
    },
    "webhook_url_invalid": {
        "en": "“{value}” cannot be used as a webhook URL: {detail}.",
        "ja": "「{value}」は Webhook の URL として使えません：{detail}。",
    },
    "webhook_url_private": {
        "en": "“{value}” points to a private or local network address; webhooks go only to "
        "public HTTPS endpoints.",
        "ja": "「{value}」はプライベートまたはローカルのアドレスです。Webhook の送信先は公開された "
        "HTTPS のエンドポイントに限られます。",
    },
    "webhook_unknown": {
        "en": "There is no webhook {value}.",
        "ja": "Webhook {value} は存在しません。",
    },
}

NUMBER_KINDS_JA = {
    "landline": "固定電話番号",
    "premium-rate": "有料番号",
    "toll-free": "フリーダイヤル番号",
    "shared-cost": "ナビダイヤル等の番号",
    "pager": "ポケベル番号",
    "voicemail": "留守番電話番号",
    "universal access": "統一番号",
}


def pick_language(requested: str | None, accept: Iterable[str] = (), default: str = "en") -> str:
    """First supported language from an explicit choice, then an Accept-Language list."""
    for candidate in ([requested] if requested else []) + list(accept):
        short = (candidate or "").split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return default


def error_message(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """Format the message for ``code`` in ``lang``, falling back to English."""
    texts = ERRORS.get(code) or ERRORS["error"]
    template = texts.get(lang) or texts["en"]
    values = dict(params)
    if "kind" in values:
        values.setdefault("kind_ja", NUMBER_KINDS_JA.get(str(values["kind"]), str(values["kind"])))
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return texts["en"] if lang != "en" else code
