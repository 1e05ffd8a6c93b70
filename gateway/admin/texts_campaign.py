"""Texts of the dashboard's campaign check page, ``key -> (en, ja)`` (merged into
``texts.TEXTS``)."""

from __future__ import annotations

CAMPAIGN_TEXTS: dict[str, tuple[str, str]] = {
    "nav.campaign": ("Campaign check", "配信前チェック"),
    "campaign.title": ("Campaign check", "配信前チェック"),
    "campaign.lead": ("Before paying for a template: paste or upload the numbers (or WhatsApp "
                      "user IDs) of a planned campaign and pick what it sends. Each one is "
                      "checked for consent and for whether WhatsApp will deliver it now, as "
                      "POST /api/v1/eligibility answers it.",
                      "テンプレートの料金を払う前に、予定している配信の電話番号（または "
                      "WhatsApp ユーザー ID）を貼り付けるかアップロードし、送る内容を選んで"
                      "ください。1件ずつ、同意の有無と、WhatsApp がいま配信するかを確認します"
                      "（POST /api/v1/eligibility と同じ判定です）。"),
    "campaign.what": ("What the campaign sends", "送る内容"),
    "campaign.topic_option": ("{label} — {category} template", "{label}（{category} テンプレート）"),
    "campaign.category_option": ("Any {category} topic", "{category} のいずれかの種類"),
    "campaign.numbers": ("Numbers or user IDs, one per line", "電話番号またはユーザー ID（1行に1件）"),
    "campaign.numbers_hint": ("E.164 (+819012345678), national numbers of {country}, or "
                              "WhatsApp user IDs (JP.1349…).",
                              "E.164（+819012345678）、{country} の国内番号、または WhatsApp "
                              "ユーザー ID（JP.1349…）。"),
    "campaign.file": ("…or a file (CSV or text: the first column; up to {mb} MB)",
                      "…またはファイル（CSV・テキスト：1列目を使用、{mb} MB まで）"),
    "campaign.submit": ("Check the list", "リストを確認する"),
    "campaign.err_empty": ("Paste at least one number, or choose a file.",
                           "番号を1件以上貼り付けるか、ファイルを選んでください。"),
    "campaign.err_file": ("The file could not be read as text (UTF-8 or Shift_JIS) of at most "
                          "{mb} MB.", "ファイルを {mb} MB 以下のテキスト（UTF-8 または "
                          "Shift_JIS）として読み込めませんでした。"),
    "campaign.err_what": ("Choose what the campaign sends.", "送る内容を選んでください。"),
    "campaign.result": ("Result for {what}", "{what} の結果"),
    "campaign.total": ("Checked", "確認した件数"),
    "campaign.allowed": ("Allowed now", "いま送信可"),
    "campaign.allowed_hint": ("consented and deliverable", "同意あり・配信可能"),
    "campaign.by_consent": ("Blocked by consent", "同意がないため不可"),
    "campaign.by_consent_hint": ("no opt-in to this, or opted out", "未同意・オプトアウト"),
    "campaign.by_platform": ("Blocked by WhatsApp", "WhatsApp の制限で不可"),
    "campaign.by_platform_hint": ("consented, but the platform will not deliver now",
                                  "同意はあるが、いまは配信されない"),
    "campaign.errors": ("Not a number", "番号として無効"),
    "campaign.reasons": ("By reason", "理由別"),
    "campaign.reason": ("Reason", "理由"),
    "campaign.side": ("Side", "区分"),
    "campaign.count": ("Count", "件数"),
    "campaign.side_consent": ("Consent", "同意"),
    "campaign.side_platform": ("WhatsApp", "WhatsApp"),
    "campaign.side_ok": ("—", "—"),
    "campaign.samples": ("First lines not allowed", "送信不可の最初の行"),
    "campaign.who": ("Number or user ID", "番号・ユーザー ID"),
    "campaign.until": ("Until", "期限"),
    "campaign.while_rule": ("while the rule stands", "ルールが続く間"),
    "campaign.note": ("A platform block is not an opt-out: the person's consent stays, and "
                      "the answer changes when the block ends (see docs/delivery.md).",
                      "WhatsApp による制限はオプトアウトではありません。本人の同意はそのまま"
                      "で、制限が終われば判定も変わります（docs/delivery.md）。"),
    "reason.consented": ("Allowed", "送信可"),
    "reason.no_consent": ("No opt-in recorded", "オプトインの記録なし"),
    "reason.opted_out": ("Opted out", "オプトアウト"),
    "reason.topic_not_chosen": ("Opted in, but not to this", "オプトイン済みだがこの種類は未選択"),
    "reason.pending_confirmation": ("Waiting for confirmation (double opt-in)",
                                    "確認待ち（ダブルオプトイン）"),
    "reason.country_rule": ("Not delivered to this country (e.g. marketing to US numbers)",
                            "この国には配信されない（例：米国番号へのマーケティング）"),
    "reason.marketing_limit": ("Per-user marketing limit: retry after 24 h (131049)",
                               "ユーザーごとのマーケティング上限：24時間後に再試行（131049）"),
    "reason.experiment_holdout": ("In Meta's marketing experiment: only inside an open "
                                  "window (130472)",
                                  "Meta のマーケティング実験の対象：会話中のみ配信（130472）"),
    "reason.undeliverable": ("Undeliverable: not on WhatsApp or an old app (131026)",
                             "配信不可：WhatsApp 未利用または古いアプリ（131026）"),
    "reason.error": ("Not a number or user ID", "番号・ユーザー ID として無効"),
}
