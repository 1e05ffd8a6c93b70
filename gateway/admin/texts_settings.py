"""Texts of the dashboard's settings page, ``key -> (en, ja)`` (merged into ``texts.TEXTS``)."""

from __future__ import annotations

SETTINGS_TEXTS: dict[str, tuple[str, str]] = {
    "nav.settings": ("Settings", "設定"),
    "settings.title": ("Settings", "設定"),
    "settings.lead": ("How {name} appears to customers and how consent is collected. Changes "
                      "apply to new opt-ins; recorded consent never changes.",
                      "{name}がお客さまにどう表示されるか、同意をどう集めるかの設定です。変更は"
                      "これからのオプトインに適用され、記録済みの同意は変わりません。"),
    "settings.viewer": ("You can view these settings; an administrator can change them.",
                        "設定は閲覧のみできます。変更は管理者が行います。"),
    "settings.saved": ("Settings saved.", "設定を保存しました。"),
    "settings.bad_logo": ("The logo must be a PNG, JPEG, WebP or GIF image of at most 2 MB. "
                          "The other settings were saved.",
                          "ロゴは 2 MB 以下の PNG・JPEG・WebP・GIF 画像にしてください。"
                          "ほかの設定は保存しました。"),
    "settings.business": ("Business", "事業者"),
    "settings.name": ("Name shown and said to customers", "お客さまに表示・案内する名前"),
    "settings.languages": ("Languages of customer pages and messages",
                           "お客さま向けページとメッセージの言語"),
    "settings.lang_ja_en": ("Japanese first, English too", "日本語（英語も使う）"),
    "settings.lang_en_ja": ("English first, Japanese too", "英語（日本語も使う）"),
    "settings.lang_ja": ("Japanese only", "日本語のみ"),
    "settings.lang_en": ("English only", "英語のみ"),
    "settings.sites": ("Sites that may show the sign-up form", "申し込みフォームを表示できるサイト"),
    "settings.sites_hint": ("One address per line, like https://shop.example or "
                            "https://*.shop.example for every subdomain. Other sites still "
                            "show the WhatsApp button; their visitors sign up on the hosted "
                            "page in a new tab.",
                            "1 行に 1 つ、https://shop.example のように入力します"
                            "（https://*.shop.example ですべてのサブドメイン）。ほかのサイトでも "
                            "WhatsApp ボタンは表示され、申し込みは新しいタブのページで行います。"),
    "settings.consent": ("Consent", "同意"),
    "settings.double_opt_in": ("Ask people to confirm their opt-in (double opt-in)",
                               "オプトインの確認をお願いする（ダブルオプトイン）"),
    "settings.policy": ("Opt-in policy", "オプトインのポリシー"),
    "settings.policy_whatsapp-specific": ("The wording must say WhatsApp and name the business",
                                          "文言に WhatsApp と事業者名を含める"),
    "settings.policy_meta-general-2024-11": ("Meta's policy of November 2024: the business "
                                             "named, WhatsApp not required",
                                             "Meta の 2024 年 11 月のポリシー（事業者名のみ必須）"),
    "settings.scope": ("An opt-out applies to", "オプトアウトの適用範囲"),
    "settings.scope_business": ("Every message from this business",
                                "この事業者からのすべてのメッセージ"),
    "settings.scope_whatsapp_numbers": ("Every WhatsApp number of this business",
                                        "この事業者のすべての WhatsApp 番号"),
    "settings.scope_sender": ("Only the number the person wrote to",
                              "お客さまが連絡した番号のみ"),
    "settings.topics": ("Topics people can choose", "お客さまが選べるトピック"),
    "settings.topics_hint": ("Labels can change; a topic people chose cannot be removed or "
                             "moved to another category.",
                             "表示名は変更できます。選んだ人がいるトピックは削除やカテゴリーの"
                             "変更ができません。"),
    "settings.topic_key": ("Key", "キー"),
    "settings.topic_category": ("Template category", "テンプレートのカテゴリー"),
    "settings.topic_ja": ("Label (Japanese)", "表示名（日本語）"),
    "settings.topic_en": ("Label (English)", "表示名（英語）"),
    "settings.add_topic": ("Add a topic (optional)", "トピックを追加（任意）"),
    "settings.category_marketing": ("Marketing", "マーケティング"),
    "settings.category_utility": ("Utility", "ユーティリティ"),
    "settings.category_authentication": ("Authentication", "認証"),
    "settings.branding": ("Branding", "ブランディング"),
    "settings.logo": ("Logo (PNG, JPEG, WebP or GIF, up to 2 MB)",
                      "ロゴ（PNG・JPEG・WebP・GIF、2 MB まで）"),
    "settings.logo_hint": ("Shown on the sign-up form, the widget, confirmations and receipts, "
                           "and in QR codes.",
                           "申し込みフォーム、ウィジェット、確認ページ、同意の控え、QR コードに"
                           "表示されます。"),
    "settings.current_logo": ("Current logo", "現在のロゴ"),
    "settings.accent": ("Accent colour", "アクセントカラー"),
    "settings.default_accent": ("Use the default colours", "既定の色を使う"),
    "settings.save": ("Save settings", "設定を保存"),
}
