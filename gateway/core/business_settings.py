"""What a business may change about itself, checked once for the CLI and the dashboard.

``change(business, ...)`` turns proposed values into the fields ``update_business`` stores,
or raises :class:`SettingsProblem` naming the field, in Japanese and English. Topics can be
added and relabelled, never removed or moved to another category here: people chose them,
and their consent was given for that kind of message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from gateway.core.consent import POLICIES, Business, Topic
from gateway.core.errors import InvalidCapture
from gateway.core.limits import text_problem
from gateway.core.wordings import default_wordings

LANGUAGE_CHOICES = ("ja", "en")
SCOPES = ("business", "whatsapp_numbers", "sender")
CATEGORIES = ("marketing", "utility", "authentication")
MAX_ORIGINS = 20
MAX_TOPICS = 20
MAX_NAME = 200
MAX_LABEL = 80
# An origin a business may allow to frame its widget: scheme, host, optional port; nothing
# that could break out of the CSP header (spaces, quotes, semicolons, commas).
ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")
ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
TOPIC_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DEFAULT_ACCENT = "#128c7e"  # customer pages' colour when the business sets none
# Columns of the business row, merged into ``Business.settings`` when read: never written back.
COLUMN_KEYS = ("twilio_numbers", "meta_phone_number_id")

MESSAGES = {
    "name": ("Enter the business name (at most 200 characters, no control characters).",
             "事業者名を入力してください（200 文字以内、制御文字は使えません）。"),
    "policy": ("Choose one of the opt-in policies.", "オプトインのポリシーを選んでください。"),
    "opt_out_scope": ("Choose where an opt-out applies.", "オプトアウトの適用範囲を選んでください。"),
    "languages": ("Choose Japanese, English or both (the first is the default).",
                  "日本語・英語のどちらか、または両方を選んでください（最初が既定の言語です）。"),
    "frame_ancestors": ("“{value}” is not a site address like https://shop.example "
                        "(scheme, host and port only; at most 20 sites).",
                        "「{value}」は https://shop.example のようなサイトのアドレスではありません"
                        "（スキーム・ホスト・ポートのみ、20 件まで）。"),
    "accent": ("Choose a colour like #128c7e.", "#128c7e のような色を選んでください。"),
    "topic_key": ("“{value}” cannot be a topic key: lowercase letters, digits and _, 2 to 40 "
                  "characters, starting with a letter, not used yet.",
                  "「{value}」はトピックのキーにできません。英小文字・数字・_ の 2〜40 文字で、"
                  "英字で始まり、まだ使われていないものにしてください。"),
    "topic_category": ("Choose marketing, utility or authentication for “{value}”.",
                       "「{value}」のカテゴリーを marketing・utility・authentication から選んで"
                       "ください。"),
    "topic_label": ("Give “{value}” a label in Japanese and in English (at most 80 characters).",
                    "「{value}」に日本語と英語の表示名を付けてください（80 文字以内）。"),
    "topic_removed": ("“{value}” cannot be removed or moved to another category: people chose "
                      "it. Add a new topic instead.",
                      "「{value}」は削除やカテゴリーの変更ができません（選んだ人がいます）。"
                      "新しいトピックを追加してください。"),
    "topics": ("A business has 1 to 20 topics.", "トピックは 1〜20 件です。"),
}


class SettingsProblem(InvalidCapture):
    """A proposed setting that cannot be stored; nothing was changed."""

    code = "bad_setting"

    def __init__(self, field: str, problem: str | None = None, value: str = ""):
        self.problem = problem or field
        super().__init__(field=field, value=value)

    def message(self, lang: str = "en") -> str:
        en, ja = MESSAGES[getattr(self, "problem", "name")]
        return (ja if lang == "ja" else en).format(value=self.params.get("value", ""))


def origins(values: Iterable[str]) -> list[str]:
    """Checked, de-duplicated origins without a trailing slash, in the order given."""
    out: list[str] = []
    for raw in values:
        value = raw.strip().rstrip("/")
        if not value:
            continue
        if not ORIGIN.match(value):
            raise SettingsProblem("frame_ancestors", value=value[:80])
        if value not in out:
            out.append(value)
    if len(out) > MAX_ORIGINS:
        raise SettingsProblem("frame_ancestors", value=out[MAX_ORIGINS][:80])
    return out


def _topics(business: Business, proposed: Iterable[Topic]) -> tuple[Topic, ...]:
    topics = tuple(proposed)
    if not 1 <= len(topics) <= MAX_TOPICS:
        raise SettingsProblem("topics")
    keys = [t.key for t in topics]
    for old in business.topics:
        new = next((t for t in topics if t.key == old.key), None)
        if new is None or new.category != old.category:
            raise SettingsProblem("topics", "topic_removed", old.key)
    for topic in topics:
        known = business.topic(topic.key) is not None
        if keys.count(topic.key) > 1 or (not known and not TOPIC_KEY.match(topic.key)):
            raise SettingsProblem("topics", "topic_key", topic.key[:40])
        if topic.category not in CATEGORIES:
            raise SettingsProblem("topics", "topic_category", topic.key)
        for lang in LANGUAGE_CHOICES:
            label = (topic.labels.get(lang) or "").strip()
            if not label or len(label) > MAX_LABEL or text_problem(label, MAX_LABEL):
                raise SettingsProblem("topics", "topic_label", topic.key)
    return tuple(Topic(t.key, t.category, {lang: t.labels[lang].strip()
                                           for lang in LANGUAGE_CHOICES}) for t in topics)


def change(business: Business, *, name: str | None = None, policy: str | None = None,
           double_opt_in: bool | None = None, opt_out_scope: str | None = None,
           languages: Iterable[str] | None = None, frame_ancestors: Iterable[str] | None = None,
           accent: str | None = None, topics: Iterable[Topic] | None = None) -> dict[str, Any]:
    """The fields to store for the values given (``None``: unchanged); raises on the first
    value that cannot be stored. ``accent=""`` goes back to the default colours."""
    fields: dict[str, Any] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > MAX_NAME or text_problem(name, MAX_NAME):
            raise SettingsProblem("name")
        fields["name"] = name
    if policy is not None:
        if policy not in POLICIES:
            raise SettingsProblem("policy")
        fields["policy_id"] = policy
    if double_opt_in is not None:
        fields["double_opt_in"] = bool(double_opt_in)
    if opt_out_scope is not None:
        if opt_out_scope not in SCOPES:
            raise SettingsProblem("opt_out_scope")
        fields["opt_out_scope"] = opt_out_scope
    if languages is not None:
        chosen = list(dict.fromkeys(languages))
        if not chosen or any(lang not in LANGUAGE_CHOICES for lang in chosen):
            raise SettingsProblem("languages")
        fields["languages"] = chosen
    if topics is not None:
        fields["topics"] = _topics(business, topics)
    extra: dict[str, Any] = {}
    if frame_ancestors is not None:
        extra["frame_ancestors"] = origins(frame_ancestors)
    if accent is not None:
        accent = accent.strip().lower()
        if accent and not ACCENT.match(accent):
            raise SettingsProblem("accent")
        extra["accent"] = accent or None
    if extra:
        fields["settings"] = {**stored_settings(business.settings), **extra}
    return fields


def stored_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The business's own settings, without the columns merged in when it was read."""
    return {k: v for k, v in settings.items() if k not in COLUMN_KEYS}


class SettingsStore(Protocol):
    def update_business(self, slug: str, **fields: Any) -> Business: ...
    def list_wordings(self, business_id: int) -> list[Any]: ...
    def add_wording(self, business_id: int, kind: str, language: str, text: str) -> Any: ...


def apply(store: SettingsStore, business: Business, **proposed: Any) -> Business:
    """Check and store a change; a newly chosen language gets the default wordings it lacks,
    so every page and channel can speak it at once."""
    fields = change(business, **proposed)
    if not fields:
        return business
    updated = store.update_business(business.slug, **fields)
    have = {(w.kind, w.language) for w in store.list_wordings(business.id) if not w.inline}
    for kind, lang, text in default_wordings(updated.name, updated.languages):
        if (kind, lang) not in have:
            store.add_wording(business.id, kind, lang, text)
    return updated


# -- colours (customer pages and receipts) ---------------------------------------------


def accent(settings: Mapping[str, Any]) -> str | None:
    """The business's accent colour (``#rrggbb``), or None for the default look."""
    value = settings.get("accent")
    return value.lower() if isinstance(value, str) and ACCENT.match(value) else None


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(colour: str) -> str:
    """Black or white: whichever reads better on ``colour``."""
    return "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#111111") else "#111111"
