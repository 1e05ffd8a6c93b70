"""Texts of the imports area, in English and Japanese (staff read them in reports and errors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.errors import GatewayError

TEXTS: dict[str, dict[str, str]] = {
    "missing_columns": {
        "en": "The file has no column {columns}. The first row must name the columns; "
              "required: phone, occurred_at, and topics (unless the file has an action column "
              "and only opt-outs). Found: {found}.",
        "ja": "ファイルに列 {columns} がありません。1行目に列名が必要です（必須：phone、"
              "occurred_at、topics（action 列があり配信停止のみの場合は不要））。"
              "見つかった列：{found}。",
    },
    "duplicate_column": {
        "en": "The column {column} appears twice in the header row.",
        "ja": "列 {column} が見出し行に2回あります。",
    },
    "encoding_unknown": {
        "en": "The file is neither UTF-8 nor Shift_JIS (CP932) text. Save it from Excel as "
              "“CSV UTF-8” and try again.",
        "ja": "ファイルが UTF-8 でも Shift_JIS（CP932）でもありません。Excel で「CSV UTF-8」"
              "形式で保存し直してください。",
    },
    "empty_file": {
        "en": "The file is empty: it needs a header row and at least one row of data.",
        "ja": "ファイルが空です。見出し行と1行以上のデータが必要です。",
    },
    "not_csv": {
        "en": "The file could not be read as CSV: {detail}.",
        "ja": "ファイルを CSV として読み込めませんでした：{detail}。",
    },
    "file_missing": {
        "en": "The import file {path} no longer exists, so the job cannot continue.",
        "ja": "取り込みファイル {path} が見つからないため、処理を続けられません。",
    },
    "upload_missing": {
        "en": "Send the CSV file as multipart/form-data in the field “file”.",
        "ja": "CSV ファイルを multipart/form-data の “file” 項目で送ってください。",
    },
    "job_unknown": {
        "en": "There is no import job “{value}” for this business.",
        "ja": "この事業者に取り込みジョブ「{value}」はありません。",
    },
    "job_busy": {
        "en": "Import job {value} is being processed by {owner} right now.",
        "ja": "取り込みジョブ {value} は現在 {owner} が処理中です。",
    },
    "time_missing": {
        "en": "The time the form was signed (occurred_at) is empty; an import needs it, "
              "with a time zone, e.g. 2026-11-24T10:00:00+09:00.",
        "ja": "署名日時（occurred_at）が空です。タイムゾーン付きで入力してください"
              "（例：2026-11-24T10:00:00+09:00）。",
    },
    "extra_values": {
        "en": "The row has {count} values but the header names only {expected} columns "
              "(an unquoted comma?).",
        "ja": "この行には値が {count} 個ありますが、見出しの列は {expected} 個です"
              "（引用符のないカンマがありませんか）。",
    },
    "topics_column_missing": {
        "en": "An opt-in needs topics, but the file has no topics column.",
        "ja": "オプトインには topics が必要ですが、ファイルに topics 列がありません。",
    },
    "unknown_language": {
        "en": "“{value}” is not one of this business's languages ({allowed}).",
        "ja": "「{value}」はこの事業者の言語ではありません（{allowed}）。",
    },
    "unknown_status": {
        "en": "“{value}” is not a status an import accepts (confirmed or pending).",
        "ja": "「{value}」は取り込みで使えるステータスではありません（confirmed または pending）。",
    },
}

REPORT_HEADER = {
    "en": ("row", "column", "code", "reason"),
    "ja": ("行", "列", "コード", "理由"),
}


def text(code: str, lang: str, params: Mapping[str, Any]) -> str | None:
    """The imports text for ``code`` in ``lang``, or None if the code is not ours."""
    texts = TEXTS.get(code)
    if texts is None:
        return None
    try:
        return (texts.get(lang) or texts["en"]).format(**params)
    except (KeyError, IndexError):
        return texts["en"]


def reason(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """A row error's reason: our texts first, then the core's (normaliser errors)."""
    from gateway.core.i18n import error_message

    return text(code, lang, params) or error_message(code, lang, params)


class ImportProblem(GatewayError):
    """A file-level or row-level problem found by the importer (HTTP 422)."""

    status = 422
    code = "not_csv"

    def message(self, lang: str = "en") -> str:
        return reason(self.code, lang, self.params)


class ImportNotFound(ImportProblem):
    status = 404
    code = "job_unknown"


class ImportBusy(ImportProblem):
    status = 409
    code = "job_busy"
