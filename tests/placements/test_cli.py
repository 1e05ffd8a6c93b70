"""The placement commands of optin-gateway, through Click's runner on a real store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdfium2
from click.testing import CliRunner

from gateway.cli import main
from gateway.core.consent import Business
from tests.conftest import PUBLIC_BASE
from tests.placements.conftest import decode, scan_url


def run(app_config: dict[str, Any], monkeypatch: Any, *args: str) -> Any:
    for key, value in app_config.items():
        if key.isupper() and isinstance(value, str):
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_create_print_list_retire(app_config: dict[str, Any], monkeypatch: Any, gw: Any,
                                  business: Business, tmp_path: Path, logo_file: Path) -> None:
    assert run(app_config, monkeypatch, "set-logo", "demo", str(logo_file)).exit_code == 0
    poster = tmp_path / "counter.pdf"
    res = run(app_config, monkeypatch, "create-placement", "demo", "--kind", "store",
              "--label", "Shibuya store", "--topic", "offers", "--poster", str(poster))
    assert res.exit_code == 0, res.output
    code = re.search(r"^code:\s+(\w+)$", res.output, re.M).group(1)
    assert f"link:    {PUBLIC_BASE}/l/{code}\n" in res.output
    assert f"qr:      {PUBLIC_BASE}/l/{code}/qr.png\n" in res.output
    assert f"ref:{code}" in res.output
    doc = pypdfium2.PdfDocument(poster.read_bytes())
    assert decode(doc[0].render(scale=2).to_pil()) == [scan_url(code)]
    doc.close()

    again = tmp_path / "again.pdf"
    assert run(app_config, monkeypatch, "placement-poster", "demo", code, "-o", str(again)
               ).exit_code == 0
    assert again.read_bytes() == poster.read_bytes()  # same placement, same bytes

    listed = run(app_config, monkeypatch, "list-placements", "demo").output
    assert code in listed and "Shibuya store" in listed and "scans 0" in listed
    assert run(app_config, monkeypatch, "retire-placement", "demo", code).exit_code == 0
    assert gw.placements.get(business, code).status == "retired"
    assert "retired" in run(app_config, monkeypatch, "list-placements", "demo",
                            "--status", "retired").output


def test_cli_errors_are_readable(app_config: dict[str, Any], monkeypatch: Any,
                                 business: Business) -> None:
    res = run(app_config, monkeypatch, "create-placement", "nope", "--kind", "store",
              "--label", "x")
    assert res.exit_code != 0 and "no business 'nope'" in res.output
    res = run(app_config, monkeypatch, "create-placement", "demo", "--kind", "store",
              "--label", "x", "--message-en", "Hi!")
    assert res.exit_code != 0 and "must name the business" in res.output
    res = run(app_config, monkeypatch, "retire-placement", "demo", "ZZZZ2222")
    assert res.exit_code != 0 and "no placement" in res.output
