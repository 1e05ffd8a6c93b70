"""Every text of the admin dashboard, in English and Japanese: ``key -> (en, ja)``.

The imports and placements pages keep theirs in ``texts_imports`` and ``texts_placements``;
``TEXTS`` holds them all.

Templates call ``t(<key>)``; tests/admin/test_texts.py checks that every key a template
uses exists here, so a missing translation fails a test instead of showing a key.
"""

from __future__ import annotations

from typing import Any

from gateway.admin.texts_campaign import CAMPAIGN_TEXTS
from gateway.admin.texts_contacts import CONTACT_TEXTS
from gateway.admin.texts_imports import IMPORT_TEXTS
from gateway.admin.texts_placements import PLACEMENT_TEXTS
from gateway.admin.texts_settings import SETTINGS_TEXTS

TEXTS: dict[str, tuple[str, str]] = {
    **CAMPAIGN_TEXTS,
    **CONTACT_TEXTS,
    **IMPORT_TEXTS,
    **PLACEMENT_TEXTS,
    **SETTINGS_TEXTS,
    # chrome
    "product": ("Opt-in Gateway", "オプトイン・ゲートウェイ"),
    "nav.overview": ("Overview", "概要"),
    "nav.contacts": ("Contacts", "連絡先"),
    "nav.sources": ("Sources", "取得経路"),
    "nav.wordings": ("Wordings", "文言"),
    "nav.api_keys": ("API keys", "API キー"),
    "nav.placements": ("Placements & QR", "設置場所・QR"),
    "nav.imports": ("Imports & exports", "インポート・エクスポート"),
    "nav.soon": ("API", "API"),
    "business": ("Business", "事業者"),
    "switch": ("Switch", "切替"),
    "logout": ("Log out", "ログアウト"),
    "role.admin": ("Administrator", "管理者"),
    "role.viewer": ("Viewer (read-only)", "閲覧者（閲覧のみ）"),
    "read_only": ("You have read-only access.", "閲覧のみの権限です。"),
    "no_business": ("No business exists yet. Create one with “optin-gateway create-business”.",
                    "事業者がまだありません。「optin-gateway create-business」で作成してください。"),
    "days": ("{n} days", "{n}日間"),
    "last_days": ("Last {n} days", "過去{n}日間"),
    "print": ("Print", "印刷"),
    "none": ("—", "—"),
    "all_topics": ("All topics", "すべての種類"),
    "times_in": ("Times in {tz}", "時刻は {tz}"),
    # login
    "login.title": ("Sign in", "ログイン"),
    "login.lead": ("Staff sign-in for the consent dashboard.", "同意管理ダッシュボードのスタッフ用ログイン"),
    "login.username": ("Username", "ユーザー名"),
    "login.password": ("Password", "パスワード"),
    "login.submit": ("Sign in", "ログイン"),
    "login.failed": ("Wrong username or password.", "ユーザー名またはパスワードが違います。"),
    "login.limited": ("Too many failed sign-ins. Please wait {minutes} minutes and try again.",
                      "ログインの失敗が多すぎます。{minutes}分ほど待ってから再度お試しください。"),
    "login.expired": ("Your session ended. Please sign in again.",
                      "セッションが終了しました。もう一度ログインしてください。"),
    "logged_out": ("You are signed out.", "ログアウトしました。"),
    # overview
    "overview.title": ("Overview", "概要"),
    "kpi.contacts": ("Contacts", "連絡先"),
    "kpi.opted_in": ("Opted in now", "現在オプトイン中"),
    "kpi.opted_in_hint": ("to at least one topic", "1種類以上に同意"),
    "kpi.opt_ins": ("Opt-ins", "オプトイン"),
    "kpi.opt_outs": ("Opt-outs", "オプトアウト"),
    "kpi.rate": ("Opt-out rate", "オプトアウト率"),
    "kpi.rate_hint": ("of contacts who opted in during the last 30 days",
                      "過去30日間にオプトインした連絡先のうち"),
    "kpi.events": ("Ledger events", "台帳イベント"),
    "overview.chart": ("Opt-ins and opt-outs per day", "日別のオプトイン・オプトアウト"),
    "overview.topics": ("Consent by topic", "種類別の同意状況"),
    "overview.recent": ("Latest activity", "最近の記録"),
    "overview.flags": ("Opt-out rate clearly above your baseline:",
                       "オプトアウト率が基準を明らかに上回っています："),
    "kind_of.channel": ("channel", "チャネル"),
    "kind_of.placement": ("placement", "設置場所"),
    "kind_of.wording": ("wording", "文言"),
    "overview.flags_link": ("See sources", "取得経路を見る"),
    "overview.empty": ("No consent recorded yet. Opt-ins from every channel will appear here.",
                       "まだ同意の記録はありません。各チャネルのオプトインがここに表示されます。"),
    "topic": ("Topic", "種類"),
    "status.opted_in": ("Opted in", "オプトイン中"),
    "status.opted_out": ("Opted out", "オプトアウト"),
    "status.pending": ("Pending", "確認待ち"),
    "when": ("When", "日時"),
    "contact": ("Contact", "連絡先"),
    "action": ("Action", "操作"),
    "channel": ("Channel", "チャネル"),
    "method": ("Method", "方法"),
    "topics": ("Topics", "種類"),
    # contacts
    "contacts.title": ("Contacts", "連絡先"),
    "contacts.search": ("Search", "検索"),
    "contacts.placeholder": ("Phone number in any format, or a name",
                             "電話番号（どの形式でも可）または名前"),
    "contacts.hint": ("e.g. 090-1234-5678, +81 90 1234 5678, whatsapp:+819012345678 or "
                      "full-width digits", "例：090-1234-5678、+81 90 1234 5678、"
                      "whatsapp:+819012345678、全角数字も可"),
    "contacts.none": ("No contact matches “{q}”.", "「{q}」に一致する連絡先はありません。"),
    "contacts.empty": ("No contacts yet.", "連絡先はまだありません。"),
    "contacts.recent": ("Most recently active", "最近の連絡先"),
    "contacts.phone": ("Phone", "電話番号"),
    "contacts.name": ("Name", "名前"),
    "contacts.last": ("Last event", "最終イベント"),
    "contacts.topics_in": ("Topics opted in", "同意中の種類"),
    "erased": ("Erased", "消去済み"),
    # contact page
    "contact.title": ("Contact", "連絡先"),
    "contact.state": ("Current consent", "現在の同意状況"),
    "contact.since": ("since {when}", "{when}から"),
    "contact.via": ("via {channel}", "{channel}経由"),
    "contact.timeline": ("Timeline", "履歴"),
    "contact.printed": ("Consent record printed {when} by {user}.",
                        "同意記録 {when} 印刷（{user}）"),
    "contact.receipt": ("Consent receipt (printable)", "同意の証明書（印刷用）"),
    "contact.back": ("Back to contacts", "連絡先一覧へ"),
    "contact.wording": ("Wording", "文言"),
    "contact.show_text": ("Show the exact text", "正確な文言を表示"),
    "contact.evidence": ("Evidence", "証跡"),
    "contact.personal": ("Personal data (erasable)", "個人データ（消去可能）"),
    "contact.ledger": ("Ledger", "台帳"),
    "contact.policy": ("Policy", "ポリシー"),
    "contact.actor": ("Recorded by", "記録者"),
    "contact.recorded": ("recorded {when}", "{when}に記録"),
    "contact.no_events": ("No events.", "イベントはありません。"),
    "contact.optout_title": ("Opt this contact out", "この連絡先をオプトアウトする"),
    "contact.optout_lead": ("Records an opt-out in the ledger on behalf of the customer (for "
                            "example after a phone call or an e-mail). It takes effect at once "
                            "on every channel.",
                            "お客様に代わってオプトアウトを台帳に記録します（電話やメールでの"
                            "申し出など）。すべてのチャネルで直ちに有効になります。"),
    "contact.optout_topics": ("Topics (none ticked: all topics)",
                              "種類（未選択の場合はすべて）"),
    "contact.optout_reason": ("Reason / how the customer asked", "理由・お客様からの申し出方法"),
    "contact.optout_confirm": ("I confirm the customer asked to stop these messages.",
                               "お客様がこれらのメッセージの停止を希望したことを確認しました。"),
    "contact.optout_submit": ("Record opt-out", "オプトアウトを記録"),
    "contact.optout_done": ("Opt-out recorded.", "オプトアウトを記録しました。"),
    "contact.not_found": ("This contact does not exist.", "この連絡先は存在しません。"),
    "action.opt_in": ("Opt-in", "オプトイン"),
    "action.opt_out": ("Opt-out", "オプトアウト"),
    "action.link": ("Linked identifier", "識別子の関連付け"),
    "contact.user_id": ("WhatsApp user ID", "WhatsApp ユーザー ID"),
    "contact.linked": ("Also known as", "関連付けられた識別子"),
    "event.pending": ("awaiting confirmation", "確認待ち"),
    # sources
    "sources.title": ("Sources", "取得経路"),
    "sources.lead": ("Watch how customers react to each way of asking. A source whose "
                     "opt-out rate is clearly above the rest of the business is flagged: its "
                     "wording or placement probably confused people.",
                     "取得方法ごとのお客様の反応を確認します。オプトアウト率が他の経路より"
                     "明らかに高い経路には警告が付きます。文言や設置場所が分かりにくかった可能性が"
                     "あります。"),
    "sources.by_channel": ("Opt-ins per day by source channel", "チャネル別の日別オプトイン数"),
    "sources.by_placement": ("Opt-ins per day by placement", "設置場所別の日別オプトイン数"),
    "sources.rate_chart": ("Opt-out rate by source channel", "チャネル別のオプトアウト率"),
    "sources.rate_channel": ("Opt-out rate by source channel", "チャネル別のオプトアウト率"),
    "sources.rate_placement": ("Opt-out rate by placement", "設置場所別のオプトアウト率"),
    "sources.rate_wording": ("Opt-out rate by wording version", "文言バージョン別のオプトアウト率"),
    "sources.no_placements": ("No placement-attributed opt-ins in this period. QR codes, links and "
                              "ads record their placement code.",
                              "この期間に設置場所のわかるオプトインはありません。QR コード・リンク・"
                              "広告は設置場所コードを記録します。"),
    "sources.empty": ("No opt-ins in this period.", "この期間のオプトインはありません。"),
    "col.source": ("Source", "経路"),
    "col.members": ("Opted in", "オプトイン"),
    "col.opted_out": ("Later opted out", "その後オプトアウト"),
    "col.rate": ("Opt-out rate", "オプトアウト率"),
    "col.interval": ("95% interval", "95%信頼区間"),
    "col.baseline": ("Rest of business", "他の経路の率"),
    "col.flag": ("Signal", "判定"),
    "flag.above_baseline": ("Clearly above baseline", "基準より明らかに高い"),
    "flag.ok": ("Within normal range", "通常の範囲"),
    "flag.small_sample": ("Too few opt-ins to judge", "判定にはデータ不足"),
    "badge.new": ("new", "新規"),
    "baseline": ("Business baseline", "事業者全体の基準"),
    "sources.method": ("How the flag works: each source is compared with all other sources of the "
                       "business (two-proportion z-test, one-sided, 1% level). A flag needs at "
                       "least {min} contacts on each side and a rate at least {lift} points above "
                       "the rest. Opt-out rate = share of contacts who opted in through the "
                       "source during the period and later opted out of those topics.",
                       "判定方法：各経路を事業者の他のすべての経路と比較します（2標本の比率の"
                       "z検定・片側・有意水準1%）。両側に{min}人以上のデータがあり、率が他の経路より"
                       "{lift}ポイント以上高い場合に警告します。オプトアウト率＝期間中にその経路で"
                       "オプトインし、その後同じ種類をオプトアウトした連絡先の割合。"),
    # wordings
    "wordings.title": ("Wordings", "文言"),
    "wordings.lead": ("The exact text shown or spoken when asking for consent. Versions are "
                      "never changed: a new text is a new version, and every event keeps the "
                      "version it used. Compare versions by their opt-out rate.",
                      "同意を求めるときに表示・案内する正確な文言です。バージョンは変更されず、"
                      "新しい文言は新しいバージョンになり、各イベントは使用したバージョンを保持"
                      "します。オプトアウト率でバージョンを比較できます。"),
    "wordings.kind": ("Used for", "用途"),
    "wordings.language": ("Language", "言語"),
    "wordings.text": ("Text", "文言"),
    "wordings.text_hint": ("Must name the business ({name}) and say WhatsApp; tell the customer "
                           "how to stop.", "事業者名（{name}）と「WhatsApp」を含め、停止方法を"
                           "伝えてください。"),
    "wordings.create": ("New version", "新しいバージョン"),
    "wordings.create_submit": ("Save as new version", "新しいバージョンとして保存"),
    "wordings.created": ("Saved {id}. New captures of this kind use it from now on.",
                         "{id}を保存しました。今後この用途の記録で使用されます。"),
    "wordings.version": ("Version", "バージョン"),
    "wordings.current": ("current", "使用中"),
    "wordings.created_at": ("Created", "作成日"),
    "wordings.sha": ("SHA-256", "SHA-256"),
    "wordings.compare": ("Opt-out rate ({days} days)", "オプトアウト率（{days}日間）"),
    "kind.web_form": ("Web form", "ウェブフォーム"),
    "kind.widget": ("Chat widget", "チャットウィジェット"),
    "kind.checkout": ("Checkout", "購入手続き"),
    "kind.sms": ("SMS", "SMS"),
    "kind.whatsapp": ("WhatsApp chat (also QR, links, ads)", "WhatsApp チャット（QR・リンク・広告も）"),
    "kind.ivr": ("Phone (IVR)", "電話（IVR）"),
    "kind.paper": ("Paper form", "紙の申込書"),
    "kind.api": ("API", "API"),
    # API keys
    "keys.title": ("API keys", "API キー"),
    "keys.lead": ("Keys let your shop, CRM or campaign tool record consent and ask for "
                  "eligibility. A key is shown once; only its hash is stored.",
                  "API キーで、ショップ・CRM・配信ツールから同意の記録や送信可否の確認ができます。"
                  "キーは一度だけ表示され、ハッシュのみが保存されます。"),
    "keys.label": ("Label", "ラベル"),
    "keys.label_hint": ("Where the key will be used, e.g. “Shopify checkout”",
                        "使用場所（例：「Shopify 購入手続き」）"),
    "keys.create": ("Create key", "キーを作成"),
    "keys.created": ("Copy this key now: it will not be shown again.",
                     "このキーを今すぐコピーしてください。再表示はできません。"),
    "keys.prefix": ("Key", "キー"),
    "keys.created_at": ("Created", "作成日"),
    "keys.status": ("Status", "状態"),
    "keys.active": ("Active", "有効"),
    "keys.revoked": ("Revoked {when}", "{when}に無効化"),
    "keys.revoke": ("Revoke", "無効化"),
    "keys.revoked_done": ("Key revoked.", "キーを無効化しました。"),
    "keys.empty": ("No API keys yet.", "API キーはまだありません。"),
    # errors
    "error.forbidden": ("Viewers cannot change anything.", "閲覧者は変更できません。"),
}

CHANNELS: dict[str, tuple[str, str]] = {
    "web_form": ("Web form", "ウェブフォーム"),
    "widget": ("Chat widget", "ウィジェット"),
    "checkout": ("Checkout", "購入手続き"),
    "sms": ("SMS", "SMS"),
    "ivr": ("Phone (IVR)", "電話（IVR）"),
    "whatsapp": ("WhatsApp", "WhatsApp"),
    "qr": ("QR code", "QR コード"),
    "link": ("Link", "リンク"),
    "ad": ("Click-to-WhatsApp ad", "WhatsApp 広告"),
    "paper": ("Paper form", "紙の申込書"),
    "api": ("API", "API"),
    "admin": ("Staff (admin)", "スタッフ（管理画面）"),
}

METHODS: dict[str, tuple[str, str]] = {
    "checkbox": ("Checkbox", "チェックボックス"),
    "keyword": ("Keyword", "キーワード"),
    "dtmf": ("Keypad", "プッシュ操作"),
    "speech": ("Speech", "音声"),
    "button": ("Button", "ボタン"),
    "signature": ("Signature", "署名"),
    "api": ("API", "API"),
    "admin": ("Staff action", "スタッフ操作"),
    "provider": ("Provider signal", "事業者側の通知"),
}


def text(key: str, lang: str, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (English if missing), formatted with ``params``."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    template = pair[1] if lang == "ja" else pair[0]
    return template.format(**params) if params else template


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """A channel or method name; the raw key when unknown (a channel added later)."""
    pair = table.get(key)
    return (pair[1] if lang == "ja" else pair[0]) if pair else key
