"""Human names for evidence keys, in Japanese and English: people read "Browser" and
"Order number", never ``user_agent`` or ``order_id`` (the JSON keeps the keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    # web form and widget
    "page_url": ("Page the form was on", "フォームがあったページ"),
    "form_url": ("Form address", "フォームのアドレス"),
    "referrer": ("Page the visitor came from", "参照元のページ"),
    "user_agent": ("Browser", "ブラウザ"),
    "ip": ("IP address", "IP アドレス"),
    "form_id": ("Form", "フォーム"),
    "form_version": ("Form version", "フォームの版"),
    "form_ref": ("Paper form reference", "紙の申込書の番号"),
    "submission_id": ("Submission", "送信 ID"),
    "box": ("Checkbox", "チェックボックス"),
    "pre_ticked": ("Box ticked in advance", "最初からチェック済み"),
    "language": ("Language", "言語"),
    # checkout, API, imports, staff
    "order_id": ("Order number", "注文番号"),
    "crm_id": ("Customer record", "顧客管理の ID"),
    "source": ("Source", "取得元"),
    "store": ("Store", "店舗"),
    "staff": ("Staff member", "担当スタッフ"),
    "evidence_ref": ("Evidence reference", "証跡の参照番号"),
    "location": ("Location", "場所"),
    "reason": ("Reason", "理由"),
    # SMS, WhatsApp, IVR (provider identifiers)
    "Body": ("Message text", "メッセージ本文"),
    "MessageSid": ("Twilio message", "Twilio メッセージ ID"),
    "CallSid": ("Twilio call", "Twilio 通話 ID"),
    "Digits": ("Keys pressed", "押されたキー"),
    "SpeechResult": ("Words heard", "認識した発話"),
    "To": ("Number written to", "宛先の番号"),
    "wamid": ("WhatsApp message", "WhatsApp メッセージ ID"),
    "button_id": ("Button", "ボタン"),
    "button_payload": ("Button", "ボタン"),
    "replied_to": ("In reply to", "返信先"),
    "received_at": ("Received", "受信日時"),
    "conversation": ("Conversation", "会話"),
    "step": ("Step of the conversation", "会話の段階"),
    "signal": ("Signal", "シグナル"),
    "opt_out_type": ("Kind of stop", "停止の種類"),
    "seconds_to_first_message": ("Seconds to the first message", "最初のメッセージまでの秒数"),
    # ads, QR codes and links
    "referral": ("Ad or post the chat started from", "チャットのきっかけになった広告・投稿"),
    "ctwa_clid": ("Ad click", "広告クリック ID"),
    "source_id": ("Ad or post", "広告・投稿の ID"),
    "source_type": ("Kind of source", "きっかけの種類"),
    "source_url": ("Ad or post address", "広告・投稿のアドレス"),
    "placement": ("Placement", "設置場所"),
    "placement_code": ("Placement code", "設置場所のコード"),
    "placement_kind": ("Kind of placement", "設置場所の種類"),
    "placement_label": ("Placement", "設置場所"),
    "placement_topic": ("Topic of the placement", "設置場所のトピック"),
    "placement_via": ("Reached through", "経由"),
    "scan": ("Scanned", "スキャン"),
    "scanned_at": ("Scanned at", "スキャン日時"),
    "clicked_at": ("Clicked at", "クリック日時"),
    # opt-out scope and identity links
    "scope": ("Opt-out scope", "オプトアウトの範囲"),
    "rule": ("Setting", "設定"),
    "applies_to": ("Applies to", "適用範囲"),
    "sender": ("Sender number", "送信元の番号"),
    "link": ("Identifiers joined", "結び付けた識別子"),
    "kind": ("Kind", "種類"),
    "from": ("From", "元"),
    "to": ("To", "先"),
    "restorable": ("Can be undone", "取り消し可能"),
}


def evidence_label(key: str, lang: str) -> str:
    """The label of ``key``; an unknown key is shown as words ("delivery_note" ->
    "Delivery note"), the same in both languages."""
    pair = LABELS.get(key)
    if pair is not None:
        return pair[1] if lang == "ja" else pair[0]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def labelled(evidence: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    """(label, value) pairs, nested objects flattened one level ("Applies to: Sender")."""
    out: list[tuple[str, Any]] = []
    for key in sorted(evidence):
        value = evidence[key]
        if isinstance(value, Mapping):
            for inner in sorted(value):
                if value[inner] is not None:
                    out.append((f"{evidence_label(key, lang)} · {evidence_label(inner, lang)}",
                                value[inner]))
        else:
            out.append((evidence_label(key, lang), value))
    return out
