"""Texts of the dashboard's placements & QR page, ``key -> (en, ja)`` (merged into ``texts.TEXTS``)."""

from __future__ import annotations

PLACEMENT_TEXTS: dict[str, tuple[str, str]] = {
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
    "pform.link_type": ("Link", "リンクの種類"),
    "pform.link_chat": ("Chat link (wa.me): opens a chat with a prefilled message",
                        "チャットリンク（wa.me）：最初のメッセージ入りのチャットを開く"),
    "pform.link_signup": ("In-App Signup link (Meta): the person subscribes inside WhatsApp",
                          "アプリ内登録リンク（Meta）：WhatsApp の中で購読を登録"),
    "pform.signup_id": ("Signup id", "登録 ID"),
    "pform.signup_hint": ("The id of the signup created in WhatsApp Manager or with POST "
                          "/<WABA_ID>/signups. The link opens wa.me/<number>/signup/<id>; a "
                          "signup through it is recorded as an opt-in to the topic preset (or "
                          "every marketing topic) with the id as evidence. The messages below "
                          "are then the wording it records: they must name {name} and "
                          "WhatsApp.",
                          "WhatsApp マネージャーまたは POST /<WABA_ID>/signups で作成した登録の "
                          "ID です。リンクは wa.me/<番号>/signup/<ID> を開き、そこからの登録は"
                          "案内する種類（指定がなければすべてのマーケティングの種類）へのオプトイン"
                          "として ID を証跡に記録されます。下のメッセージはその文言になるため、"
                          "{name}と WhatsApp を含めてください。"),
    "pform.signup_off": ("In-App Signup links are not offered for this business's number: Meta "
                         "does not offer them in the EEA, the UK, Brazil, Japan, South Korea, "
                         "Nigeria, South Africa and Turkey (a platform rule).",
                         "この事業者の番号ではアプリ内登録リンクは使えません。Meta は EEA・英国・"
                         "ブラジル・日本・韓国・ナイジェリア・南アフリカ・トルコでは提供していません"
                         "（プラットフォームのルール）。"),
    "pform.err_signup": ("Enter the signup id (letters and digits), or choose a chat link.",
                         "登録 ID（英数字）を入力するか、チャットリンクを選んでください。"),
    "pform.err_wording": ("The wording must name {name} and say WhatsApp.",
                          "文言には{name}と WhatsApp を含めてください。"),
    "placement.signup": ("In-App Signup", "アプリ内登録"),
    "placement.signup_link": ("Opens Meta's signup", "Meta の登録画面"),
    "placement.signup_wording": ("Wording recorded with a signup", "登録時に記録する文言"),
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
}
