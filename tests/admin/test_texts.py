"""Every dashboard text exists in English and Japanese."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.admin.texts import CHANNELS, METHODS, TEXTS, text
from gateway.core.consent import CHANNELS as DOMAIN_CHANNELS
from gateway.core.consent import METHODS as DOMAIN_METHODS

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"""\bt\(\s*["']([a-z_.]+[a-z_])["']\s*[,)]""")  # t("key") or t("key", ...)


def test_every_key_used_exists_in_both_languages() -> None:
    sources = [*(ROOT / "templates" / "admin").glob("*.html"),
               *(ROOT / "gateway" / "admin").glob("*.py")]
    used = {key for path in sources for key in KEY.findall(path.read_text())}
    assert len(used) > 80
    missing = sorted(used - set(TEXTS))
    assert missing == []
    for key, (en, ja) in TEXTS.items():
        assert en.strip() and ja.strip(), key


def test_dynamic_keys_exist() -> None:
    """Keys built in templates: action.*, status.*, role.*, flag.*, kind.*, kind_of.*."""
    for key in ("action.opt_in", "action.opt_out", "status.opted_in", "status.opted_out",
                "status.pending", "role.admin", "role.viewer", "flag.above_baseline", "flag.ok",
                "flag.small_sample", "kind_of.channel", "kind_of.placement", "kind_of.wording"):
        assert key in TEXTS
    from gateway.core.wordings import DEFAULTS

    for kind in DEFAULTS:
        assert f"kind.{kind}" in TEXTS
    assert set(DOMAIN_CHANNELS) <= set(CHANNELS) and set(DOMAIN_METHODS) <= set(METHODS)


def test_formatting() -> None:
    assert text("last_days", "ja", n=7) == "過去7日間"
    assert text("last_days", "en", n=30) == "Last 30 days"
    assert text("no.such.key", "ja") == "no.such.key"
