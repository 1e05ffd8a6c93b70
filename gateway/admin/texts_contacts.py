"""Texts of the contacts workspace (filters, pages, export), in English and Japanese.

``gateway.admin.texts.TEXTS`` includes them; the search box and table headings keep their
``contacts.*`` keys there.
"""

from __future__ import annotations

CONTACT_TEXTS: dict[str, tuple[str, str]] = {
    "workspace.filters": ("Filters", "絞り込み"),
    "workspace.apply": ("Apply", "適用"),
    "workspace.clear": ("Clear filters", "条件をクリア"),
    "workspace.any": ("Any", "すべて"),
    "workspace.f_q": ("Search", "検索"),
    "workspace.f_topic": ("Topic", "種類"),
    "workspace.f_status": ("Status", "状態"),
    "workspace.f_channel": ("Channel (any event)", "チャネル（いずれかの記録）"),
    "workspace.f_placement": ("Placement", "設置場所"),
    "workspace.f_dates": ("Dates and order", "日付と並び順"),
    "workspace.f_from": ("From", "開始日"),
    "workspace.f_to": ("To (inclusive)", "終了日（当日を含む）"),
    "workspace.f_erased": ("Erased", "消去"),
    "workspace.f_linked": ("Linked identifiers", "関連付けられた識別子"),
    "workspace.f_after": ("Page link", "ページのリンク"),
    "workspace.f_before": ("Page link", "ページのリンク"),
    "workspace.dates_activity": ("Last activity, newest first", "最終アクティビティ（新しい順）"),
    "workspace.dates_created": ("Added, newest first", "登録日（新しい順）"),
    "workspace.erased_no": ("Not erased", "消去されていない"),
    "workspace.erased_yes": ("Erased only", "消去済みのみ"),
    "workspace.linked_yes": ("With linked identifiers", "関連付けあり"),
    "workspace.linked_no": ("Without linked identifiers", "関連付けなし"),
    "workspace.results": ("Contacts", "連絡先"),
    "workspace.matching": ("Matching contacts", "条件に一致する連絡先"),
    "workspace.count": ("{n} contacts", "{n}件"),
    "workspace.count_more": ("Page {page} · more than {n} contacts",
                             "{page}ページ目 · {n}件以上"),
    "workspace.count_page": ("Page {page}", "{page}ページ目"),
    "workspace.next": ("Next page", "次のページ"),
    "workspace.previous": ("Previous page", "前のページ"),
    "workspace.first": ("First page", "最初のページ"),
    "workspace.none": ("No contact matches these filters.", "条件に一致する連絡先はありません。"),
    "workspace.no_more": ("No more contacts from here.", "ここから先に連絡先はありません。"),
    "workspace.activity": ("Last activity", "最終アクティビティ"),
    "workspace.created": ("Added", "登録日"),
    "workspace.linked": ("linked", "関連付けあり"),
    "workspace.export": ("Export this view (CSV)", "この一覧をエクスポート（CSV）"),
    "workspace.export_hint": ("Every contact matching the filters, not only this page.",
                              "このページだけでなく、条件に一致するすべての連絡先です。"),
    "workspace.restarted": ("Many contacts changed since you started browsing: the list "
                            "continues in today's order.",
                            "閲覧を始めてから多くの連絡先が更新されたため、現在の並び順で"
                            "続けて表示しています。"),
    "workspace.export_refused": ("Nothing was exported: correct the filters above first.",
                                 "エクスポートしていません。先に上の条件を修正してください。"),
    "workspace.err_too_long": ("“{field}” is too long and was left out.",
                               "「{field}」が長すぎるため、条件から外しました。"),
    "workspace.err_control_character": (
        "“{field}” contains characters that cannot be searched for and was left out.",
        "「{field}」に検索できない文字が含まれているため、条件から外しました。"),
    "workspace.err_topic": ("This business has no topic “{value}”; the topic was left out.",
                            "この事業者には「{value}」という種類がないため、種類の条件から"
                            "外しました。"),
    "workspace.err_status": ("“{value}” is not a status; the status was left out.",
                             "「{value}」は状態ではないため、状態の条件から外しました。"),
    "workspace.err_channel": ("“{value}” is not a channel; the channel was left out.",
                              "「{value}」はチャネルではないため、チャネルの条件から外しました。"),
    "workspace.err_placement": ("This business has no placement “{value}”; the placement "
                                "was left out.", "この事業者には「{value}」という設置場所が"
                                "ないため、設置場所の条件から外しました。"),
    "workspace.err_value": ("“{value}” is not a choice for “{field}”; it was left out.",
                            "「{value}」は「{field}」の選択肢にないため、条件から外しました。"),
    "workspace.err_date": ("“{value}” is not a date (YYYY-MM-DD); “{field}” was left out.",
                           "「{value}」は日付（YYYY-MM-DD）ではないため、「{field}」を条件から"
                           "外しました。"),
    "workspace.err_range": ("The start date is after the end date; both were left out.",
                            "開始日が終了日より後のため、日付の条件から外しました。"),
    "workspace.err_cursor": ("That page link is not valid; showing the first page.",
                             "ページのリンクが正しくないため、最初のページを表示しています。"),
}
