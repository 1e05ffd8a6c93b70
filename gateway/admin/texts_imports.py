"""Texts of the dashboard's imports & exports page, ``key -> (en, ja)`` (merged into ``texts.TEXTS``)."""

from __future__ import annotations

IMPORT_TEXTS: dict[str, tuple[str, str]] = {
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
    "imports.no_worker": ("These imports are waiting: no background worker is running. Start "
                          "one on the server with the command below; the imports continue on "
                          "their own.",
                          "これらのインポートは待機しています。バックグラウンドのワーカーが動いて"
                          "いません。サーバーで次のコマンドを実行してワーカーを起動すると、"
                          "インポートは自動的に続きます。"),
    "imports.worker_seen": ("A worker was last seen {when}.", "ワーカーの最終確認: {when}"),
    "imports.worker_never": ("No worker has been seen since this store was created.",
                             "このストアでワーカーが動いたことはまだありません。"),
    "imports.empty": ("No imports yet.", "インポートはまだありません。"),
    "exports.title": ("Exports", "エクスポート"),
    "exports.lead": ("Download the consent records of this business.",
                     "この事業者の同意記録をダウンロードします。"),
    "exports.state_csv": ("Current consent state (CSV, re-importable)",
                          "現在の同意状態（CSV・再インポート可）"),
    "exports.state_jsonl": ("Current consent state (JSON lines)", "現在の同意状態（JSON Lines）"),
    "exports.ledger_jsonl": ("Full ledger for auditors (JSON lines)",
                             "監査用の台帳全体（JSON Lines）"),
}
