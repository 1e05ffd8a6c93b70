"""Every text of the admin dashboard, in English and Japanese: ``key -> (en, ja)``.

Templates call ``t(<key>)``; tests/admin/test_texts.py checks that every key a template
uses exists here, so a missing translation fails a test instead of showing a key.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
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
    "event.pending": ("awaiting confirmation", "確認待ち"),
    # sources
    "sources.title": ("Sources", "取得経路"),
    "sources.lead": ("Watch how customers react to each way of asking (R10). A source whose "
                     "opt-out rate is clearly above the rest of the business is flagged: its "
                     "wording or placement probably confused people.",
                     "取得方法ごとのお客様の反応を確認します（R10）。オプトアウト率が他の経路より"
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
    # imports & exports (gateway/admin/import_pages.py)
    "imports.title": ("Imports & exports", "インポート・エクスポート"),
    "imports.lead": ("Import opt-ins you collected before (CSV), and download the consent "
                     "records. Imported rows go through the same checks as every other opt-in.",
                     "以前に集めたオプトイン（CSV）をインポートし、同意記録をダウンロードします。"
                     "インポートした行も、ほかのオプトインと同じチェックを通ります。"),
    "imports.upload": ("Import a CSV", "CSV をインポート"),
    "imports.file": ("CSV file (up to {mb} MB)", "CSV ファイル（{mb} MB まで）"),
    "imports.upload_button": ("Upload and import", "アップロードしてインポート"),
    "imports.format": ("Columns: phone, country, topics, action, occurred_at, evidence_ref, "
                       "staff… (UTF-8 or Shift_JIS). The import runs in the background; "
                       "reload this page to see its progress.",
                       "列: phone, country, topics, action, occurred_at, evidence_ref, staff…"
                       "（UTF-8 または Shift_JIS）。インポートはバックグラウンドで実行されます。"
                       "進み具合はこのページを再読み込みして確認してください。"),
    "imports.err_file": ("Choose a CSV file of at most {mb} MB.",
                         "{mb} MB 以下の CSV ファイルを選んでください。"),
    "imports.queued": ("{name} uploaded. The import runs in the background.",
                       "{name} をアップロードしました。インポートはバックグラウンドで実行されます。"),
    "imports.jobs": ("Recent imports", "最近のインポート"),
    "imports.created_at": ("Uploaded", "アップロード日時"),
    "imports.filename": ("File", "ファイル"),
    "imports.status": ("Status", "状態"),
    "imports.rows": ("Rows done", "処理済みの行"),
    "imports.recorded": ("Recorded", "記録"),
    "imports.duplicates": ("Already recorded", "記録済み"),
    "imports.failed": ("Failed", "エラー"),
    "imports.status_queued": ("Queued", "待機中"),
    "imports.status_running": ("Running", "実行中"),
    "imports.status_done": ("Done", "完了"),
    "imports.status_failed": ("Failed", "失敗"),
    "imports.errors_csv": ("Error report (CSV)", "エラーレポート（CSV）"),
    "imports.empty": ("No imports yet.", "インポートはまだありません。"),
    "exports.title": ("Exports", "エクスポート"),
    "exports.lead": ("Download the consent records of this business.",
                     "この事業者の同意記録をダウンロードします。"),
    "exports.state_csv": ("Current consent state (CSV, re-importable)",
                          "現在の同意状態（CSV・再インポート可）"),
    "exports.state_jsonl": ("Current consent state (JSON lines)", "現在の同意状態（JSON Lines）"),
    "exports.ledger_jsonl": ("Full ledger for auditors (JSON lines)",
                             "監査用の台帳全体（JSON Lines）"),
    # placements & QR (gateway/admin/placement_pages.py)
    "placements.title": ("Placements & QR", "設置場所・QR"),
    "placements.lead": ("A placement is one place that invites customers to chat on WhatsApp — a "
                        "store counter, an event stand, a poster, a web page, an ad — with its "
                        "own QR code and tracked link. Scanning is not consent: the opt-in is the "
                        "customer's answer in the chat, and the placement is recorded as its "
                        "source.",
                        "設置場所とは、お客様を WhatsApp のチャットに案内する場所（店舗のレジ、"
                        "イベントのブース、ポスター、ウェブページ、広告など）で、それぞれ専用の "
                        "QR コードと計測用リンクを持ちます。スキャンは同意ではありません。"
                        "オプトインはチャットでのお客様の回答で、設置場所はその取得経路として"
                        "記録されます。"),
    "placements.new": ("New placement", "設置場所を追加"),
    "placements.all_time": ("All time", "全期間"),
    "placements.show_all": ("All", "すべて"),
    "placements.kpi_active": ("Active placements", "有効な設置場所"),
    "placements.kpi_retired": ("{n} retired", "終了 {n}件"),
    "placements.chart_total": ("Funnel, all placements", "全設置場所のファネル"),
    "placements.chart_by": ("Funnel by placement", "設置場所別のファネル"),
    "placements.table": ("Placements", "設置場所"),
    "placements.total": ("Total", "合計"),
    "placements.empty": ("No placements yet. Create one for a store counter, a poster or an "
                         "ad, then print its QR code or share its link.",
                         "設置場所はまだありません。店舗のレジ、ポスター、広告などの設置場所を"
                         "作成し、QR コードを印刷するかリンクを共有してください。"),
    "placements.none_match": ("No placement in this view.", "この条件の設置場所はありません。"),
    "placements.created": ("Placement {code} created. Print its QR code or share its link.",
                           "設置場所 {code} を作成しました。QR コードを印刷するか、リンクを"
                           "共有してください。"),
    "placements.note": ("Scans and clicks count people only: link previews and bots are left "
                        "out. A chat counts as started when its first message carries the "
                        "placement's code within 7 days of a scan or click. Opt-ins are the "
                        "contacts who said yes in those chats; later opt-outs are those of them "
                        "who have opted out since, on any channel.",
                        "スキャン・クリックは人による操作のみを数えます（リンクのプレビューや"
                        "ボットは除外）。スキャン・クリックから7日以内に、設置場所のコードを含む"
                        "最初のメッセージが届いたチャットを「チャット開始」と数えます。"
                        "オプトインはそのチャットで同意した連絡先、その後オプトアウトは"
                        "そのうち後に（どのチャネルででも）オプトアウトした連絡先です。"),
    "col.placement": ("Placement", "設置場所"),
    "col.code": ("Code", "コード"),
    "col.status": ("Status", "状態"),
    "col.created": ("Created", "作成日"),
    "pstatus.active": ("Active", "有効"),
    "pstatus.retired": ("Retired", "終了"),
    "pkind.store": ("Store", "店舗"),
    "pkind.event": ("Event", "イベント"),
    "pkind.poster": ("Poster", "ポスター"),
    "pkind.website": ("Website", "ウェブサイト"),
    "pkind.ad": ("Ad", "広告"),
    "pkind.other": ("Other", "その他"),
    "funnel.visits": ("Scans & clicks", "スキャン・クリック"),
    "funnel.scans": ("Scans", "スキャン"),
    "funnel.clicks": ("Clicks", "クリック"),
    "funnel.chats": ("Chats started", "チャット開始"),
    "funnel.opt_ins": ("Opt-ins", "オプトイン"),
    "funnel.opt_outs": ("Later opt-outs", "その後オプトアウト"),
    "funnel.of_visits": ("{pct} of scans & clicks", "スキャン・クリックの{pct}"),
    "funnel.of_chats": ("{pct} of chats", "チャットの{pct}"),
    "funnel.of_opt_ins": ("{pct} of opt-ins", "オプトインの{pct}"),
    "funnel.split": ("{scans} scans · {clicks} clicks", "スキャン {scans} · クリック {clicks}"),
    "funnel.rate_label": ("of the step before", "前の段階に対する割合"),
    "funnel.extra": ("Unique visitors: {unique}. Not counted: {bots} bot and link-preview "
                     "hits, {stale} late chats. {pending} opt-ins await confirmation.",
                     "ユニーク訪問者：{unique}人。集計対象外：ボット・リンクプレビュー {bots}件、"
                     "遅いチャット {stale}件。確認待ちのオプトイン {pending}件。"),
    "funnel.extra_total": ("Not counted: {bots} bot and link-preview hits, {stale} late chats. "
                           "{pending} opt-ins await confirmation.",
                           "集計対象外：ボット・リンクプレビュー {bots}件、遅いチャット {stale}件。"
                           "確認待ちのオプトイン {pending}件。"),
    "pform.title": ("New placement", "設置場所を追加"),
    "pform.lead": ("The code, tracked link and QR code are made for you. Scanning opens a "
                   "WhatsApp chat with {name} and a draft message the customer may send; "
                   "the business's reply then asks which messages they want.",
                   "コード・計測用リンク・QR コードは自動で作成されます。読み取ると{name}との "
                   "WhatsApp チャットが開き、お客様が送れる下書きが表示されます。その後の"
                   "事業者からの返信で、受け取りたいお知らせをお尋ねします。"),
    "pform.kind": ("Kind", "区分"),
    "pform.label": ("Label", "名前"),
    "pform.label_hint": ("What staff will recognise, e.g. “Shibuya store counter” or “Autumn "
                         "poster, station”. Shown in reports and in the consent evidence.",
                         "スタッフが分かる名前（例：「渋谷店レジ」「秋のポスター（駅）」）。"
                         "レポートと同意の証跡に表示されます。"),
    "pform.topic": ("Topic preset (optional)", "案内する種類（任意）"),
    "pform.topic_hint": ("The chat may offer this topic first; the customer still chooses.",
                         "チャットでこの種類を最初に案内できます。選ぶのはお客様です。"),
    "pform.no_topic": ("No preset", "指定なし"),
    "pform.messages": ("Prefilled message (optional)", "最初のメッセージ（任意）"),
    "pform.message_hint": ("Leave empty for the default text. Your own text must name {name}. "
                           "The gateway appends the placement's code (ref:…) so the chat knows "
                           "where the customer came from: do not type one yourself.",
                           "空欄の場合は既定の文になります。独自の文には{name}を含めてください。"
                           "お客様がどこから来たか分かるよう、設置場所のコード（ref:…）は自動で"
                           "追加されます。ご自分で入力しないでください。"),
    "pform.default": ("Default", "既定"),
    "pform.submit": ("Create placement", "作成する"),
    "pform.cancel": ("Cancel", "キャンセル"),
    "pform.err_label": ("Enter a label of 1 to 200 characters.",
                        "名前を1〜200文字で入力してください。"),
    "pform.err_kind": ("Choose a kind.", "区分を選んでください。"),
    "pform.err_topic": ("Choose one of the business's topics, or no preset.",
                        "事業者の種類から選ぶか、「指定なし」を選んでください。"),
    "pform.err_length": ("A message may have at most 500 characters.",
                         "メッセージは500文字以内で入力してください。"),
    "pform.err_name": ("The message must name {name}, so the customer sees whom they write to.",
                       "お客様が送信先を確認できるよう、メッセージに{name}を含めてください。"),
    "pform.err_ref": ("Leave out “ref:” codes: the gateway adds the placement's own.",
                      "「ref:」のコードは入力しないでください。設置場所のコードは自動で追加"
                      "されます。"),
    "placement.back": ("All placements", "設置場所一覧へ"),
    "placement.meta": ("Code {code} · created {when} by {actor}",
                       "コード {code} · {when} 作成（{actor}）"),
    "placement.qr": ("QR code", "QR コード"),
    "placement.qr_alt": ("QR code of {code}", "{code} の QR コード"),
    "placement.download": ("Download", "ダウンロード"),
    "placement.png": ("PNG", "PNG"),
    "placement.svg": ("SVG (vector)", "SVG（ベクター）"),
    "placement.poster": ("A6 poster (PDF)", "A6 ポスター（PDF）"),
    "placement.options": ("Image options", "画像の設定"),
    "placement.size": ("Size (PNG)", "サイズ（PNG）"),
    "placement.ec": ("Error correction", "誤り訂正"),
    "placement.ec_hint": ("Higher levels survive scratches and dirt but make denser codes; a "
                          "logo always uses H.",
                          "高いレベルほど汚れや傷に強くなりますが、コードが細かくなります。"
                          "ロゴ付きは常に H です。"),
    "placement.caption": ("Caption", "キャプション"),
    "placement.caption_lang": ("Caption language", "キャプションの言語"),
    "placement.logo": ("Logo in the centre", "中央のロゴ"),
    "placement.shown": ("Shown", "表示"),
    "placement.hidden": ("Hidden", "非表示"),
    "placement.apply": ("Apply", "反映"),
    "placement.no_logo": ("No logo yet: upload one with “optin-gateway set-logo” or PUT "
                          "/api/v1/business/logo to show it in the centre.",
                          "ロゴは未登録です。「optin-gateway set-logo」または PUT "
                          "/api/v1/business/logo で登録すると中央に表示されます。"),
    "placement.retired_qr": ("This code is retired: its QR code and poster are no longer "
                             "served.", "このコードは終了しています。QR コードとポスターは"
                             "提供されません。"),
    "placement.link": ("Tracked link", "計測用リンク"),
    "placement.link_hint": ("Share it in posts, e-mails and profiles; every click is counted and "
                            "opens the chat.", "投稿・メール・プロフィールで共有できます。"
                            "クリックごとに計測され、チャットが開きます。"),
    "placement.qr_url": ("Encoded in the QR code", "QR コードの内容"),
    "placement.short": ("Printed short link", "印刷用の短いリンク"),
    "placement.copy": ("Copy", "コピー"),
    "placement.copied": ("Copied", "コピーしました"),
    "placement.target": ("Opens a chat with", "チャット先"),
    "placement.messages": ("Prefilled message", "最初のメッセージ"),
    "placement.messages_hint": ("The draft WhatsApp shows the customer (in their phone's "
                                "language); they may edit it before sending.",
                                "お客様の WhatsApp に表示される下書きです（端末の言語で表示）。"
                                "送信前に編集できます。"),
    "placement.details": ("Details", "詳細"),
    "placement.topic": ("Topic preset", "案内する種類"),
    "placement.retired_at": ("Retired", "終了日"),
    "placement.funnel": ("Funnel", "ファネル"),
    "placement.retire": ("Retire this placement", "この設置場所を終了する"),
    "placement.retire_lead": ("Retiring stops this code for good: its link, QR code and poster "
                              "then show “this QR code of {name} is no longer in use” instead of "
                              "opening WhatsApp, and printed copies stop working. Its history "
                              "and the opt-ins it brought stay.",
                              "終了するとこのコードは再び使えません。リンク・QR コード・ポスターは "
                              "WhatsApp を開かず「{name}のこの QR コードは現在使われていません」と"
                              "表示し、印刷済みのものも使えなくなります。これまでの記録と"
                              "オプトインは残ります。"),
    "placement.retire_confirm": ("I understand that printed and shared copies of {code} stop "
                                 "working.", "印刷・共有済みの {code} が使えなくなることを"
                                 "理解しました。"),
    "placement.retire_submit": ("Retire {code}", "{code} を終了する"),
    "placement.retire_needs_confirm": ("Tick the box to confirm.",
                                       "確認のチェックを入れてください。"),
    "placement.retired_done": ("Placement {code} retired. Its link now answers “no longer in "
                               "use”.", "設置場所 {code} を終了しました。リンクは「現在使われて"
                               "いません」と表示します。"),
    "placement.retired_note": ("Retired {when}. The link and QR code now show a “no longer in "
                               "use” page; the figures below stay.",
                               "{when}に終了しました。リンクと QR コードは「現在使われていません」"
                               "のページを表示します。下の数値は残ります。"),
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
