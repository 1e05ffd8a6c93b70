"""Japanese and English texts of the consent receipt (labels, explanations)."""

from __future__ import annotations

from collections.abc import Mapping

RECEIPT: dict[str, dict[str, str]] = {
    "title": {"en": "Consent receipt", "ja": "同意記録の証明書"},
    "subtitle": {
        "en": "Record of consent to WhatsApp messages from {business}",
        "ja": "{business}からの WhatsApp メッセージ受信に関する同意の記録",
    },
    "copy_customer": {"en": "Customer copy", "ja": "お客様控え"},
    "copy_auditor": {"en": "Copy for auditors (number masked)",
                     "ja": "監査用（電話番号は一部伏せ字）"},
    "controller": {"en": "Business (controller)", "ja": "事業者（管理者）"},
    "subject": {"en": "WhatsApp number", "ja": "WhatsApp 番号"},
    "name": {"en": "Name", "ja": "お名前"},
    "generated": {"en": "Issued", "ja": "発行日時"},
    "receipt_id": {"en": "Receipt ID", "ja": "証明書 ID"},
    "status_heading": {"en": "Current choices", "ja": "現在の受信設定"},
    "topic": {"en": "Kind of message", "ja": "メッセージの種類"},
    "status": {"en": "Status", "ja": "状態"},
    "since": {"en": "Since", "ja": "日時"},
    "opted_in": {"en": "Agreed", "ja": "同意済み"},
    "opted_out": {"en": "Withdrawn", "ja": "撤回済み"},
    "pending": {"en": "Waiting for confirmation", "ja": "確認待ち"},
    "none": {"en": "No consent on record", "ja": "同意の記録はありません"},
    "history": {"en": "History of every consent and withdrawal",
                "ja": "同意と撤回のすべての履歴"},
    "opt_in": {"en": "Consent given", "ja": "同意"},
    "opt_out": {"en": "Consent withdrawn", "ja": "同意の撤回"},
    "when": {"en": "When the customer acted", "ja": "お客様の操作日時"},
    "recorded": {"en": "Recorded", "ja": "記録日時"},
    "channel": {"en": "Where", "ja": "取得経路"},
    "method": {"en": "How", "ja": "方法"},
    "topics": {"en": "Kinds of message", "ja": "メッセージの種類"},
    "all_topics": {"en": "All kinds", "ja": "すべての種類"},
    "wording": {"en": "Exact wording shown or heard", "ja": "表示・案内した文言（原文）"},
    "wording_hash": {"en": "SHA-256 of the wording", "ja": "文言の SHA-256"},
    "wording_ok": {"en": "matches the stored text", "ja": "保存された文言と一致"},
    "wording_bad": {"en": "DOES NOT match the stored text", "ja": "保存された文言と一致しません"},
    "no_wording": {"en": "(no wording: a withdrawal needs none)",
                   "ja": "（撤回には文言は不要です）"},
    "policy": {"en": "Opt-in policy applied", "ja": "適用したオプトイン方針"},
    "evidence": {"en": "Evidence", "ja": "証跡"},
    "by": {"en": "Recorded by", "ja": "記録者"},
    "ledger": {"en": "Ledger entry", "ja": "台帳の記録"},
    "included": {"en": "Included in signed checkpoint of {size} entries",
                 "ja": "{size} 件の署名済みチェックポイントに含まれています"},
    "not_yet": {"en": "Not yet covered by a signed checkpoint (the next one will include it)",
                "ja": "まだ署名済みチェックポイントに含まれていません（次回に含まれます）"},
    "withdraw_heading": {"en": "How to stop these messages", "ja": "配信を停止するには"},
    "verify_heading": {"en": "How to check this receipt", "ja": "この証明書の検証方法"},
    "verify_text": {
        "en": "Each event is an entry of {business}'s tamper-evident consent ledger (a "
              "SHA-256 hash chain). The gateway signs the ledger's Merkle root (RFC 9162) "
              "with its Ed25519 key; the inclusion proofs in the JSON version of this receipt "
              "show each entry is in the signed checkpoint below.",
        "ja": "各履歴は{business}の改ざん検知可能な同意台帳（SHA-256 ハッシュチェーン）の記録です。"
              "ゲートウェイは台帳のマークルルート（RFC 9162）を Ed25519 鍵で署名しています。"
              "JSON 版の証明書に含まれる包含証明で、各記録が下記の署名済みチェックポイントに"
              "含まれることを確認できます。",
    },
    "checkpoint": {"en": "Signed checkpoint", "ja": "署名済みチェックポイント"},
    "public_key": {"en": "Gateway public key", "ja": "ゲートウェイ公開鍵"},
    "no_checkpoint": {"en": "No signed checkpoint yet.", "ja": "署名済みチェックポイントはまだありません。"},
    "erased": {"en": "Personal data erased on {date}; this record keeps only what proves "
                     "consent and its withdrawal.",
               "ja": "{date} に個人データを消去しました。この記録には同意と撤回の証明に必要な"
                     "情報のみが残っています。"},
    "print": {"en": "Print", "ja": "印刷"},
    "json": {"en": "JSON version", "ja": "JSON 版"},
    "footer": {
        "en": "Issued by the Opt-in Gateway on behalf of {business}. Format after ISO/IEC TS "
              "27560 and the Kantara Consent Receipt v1.1.",
        "ja": "{business}に代わり Opt-in Gateway が発行。ISO/IEC TS 27560 および Kantara "
              "Consent Receipt v1.1 に準拠した形式です。",
    },
}

CHANNEL_LABELS: dict[str, dict[str, str]] = {
    "web_form": {"en": "Website form", "ja": "ウェブサイトのフォーム"},
    "widget": {"en": "Website chat widget", "ja": "ウェブサイトのチャットウィジェット"},
    "checkout": {"en": "Checkout", "ja": "ご注文手続き"},
    "sms": {"en": "SMS", "ja": "SMS"},
    "ivr": {"en": "Phone call (IVR)", "ja": "お電話（自動音声）"},
    "whatsapp": {"en": "WhatsApp chat", "ja": "WhatsApp のチャット"},
    "qr": {"en": "QR code", "ja": "QR コード"},
    "link": {"en": "Chat link", "ja": "チャットリンク"},
    "ad": {"en": "Click-to-WhatsApp ad", "ja": "WhatsApp 広告"},
    "paper": {"en": "Signed paper form", "ja": "署名入りの申込書"},
    "api": {"en": "The business's system (API)", "ja": "事業者のシステム（API）"},
    "admin": {"en": "Staff of the business", "ja": "事業者のスタッフ"},
}

METHOD_LABELS: dict[str, dict[str, str]] = {
    "checkbox": {"en": "ticked a box", "ja": "チェックボックスを選択"},
    "keyword": {"en": "sent a keyword", "ja": "キーワードを送信"},
    "dtmf": {"en": "pressed a key on the phone", "ja": "電話のボタンを押下"},
    "speech": {"en": "said it on the phone", "ja": "電話で発話"},
    "button": {"en": "tapped a button", "ja": "ボタンをタップ"},
    "signature": {"en": "signed", "ja": "署名"},
    "api": {"en": "reported by the business's system", "ja": "事業者のシステムから登録"},
    "admin": {"en": "entered by staff", "ja": "スタッフが登録"},
    "provider": {"en": "reported by WhatsApp", "ja": "WhatsApp から通知"},
}

WITHDRAWAL: dict[str, list[str]] = {
    "en": ["Reply STOP to any WhatsApp message from {business}.",
           "Or tell {business} in any other way (in person, by phone, by e-mail); the "
           "withdrawal applies to every channel at once."],
    "ja": ["{business}からの WhatsApp メッセージに「停止」（STOP）と返信してください。",
           "店頭・お電話・メールなど、その他の方法でお伝えいただいても停止できます。"
           "停止はすべての経路に同時に適用されます。"],
}

TERMINATION = {"en": "until withdrawn (reply STOP on WhatsApp)",
               "ja": "撤回されるまで（WhatsApp で「停止」と返信）"}


def t(key: str, lang: str, **params: str) -> str:
    """A receipt label in ``lang`` (English fallback), formatted with ``params``."""
    texts = RECEIPT[key]
    return (texts.get(lang) or texts["en"]).format(**params)


def label(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    entry = table.get(key)
    return (entry.get(lang) or entry.get("en") or key) if entry else key
