"""The dependency rule: the domain is framework-free; channels never touch the database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ["gateway.core.consent", "gateway.core.normaliser", "gateway.core.errors",
        "gateway.core.i18n", "gateway.core.ledger", "gateway.core.service",
        "gateway.core.phones", "gateway.core.wordings", "gateway.proof.merkle",
        "gateway.proof.checkpoints", "gateway.proof.receipts", "gateway.proof.service",
        "gateway.proof.signing", "gateway.proof.webhooks", "gateway.proof.texts",
        "gateway.placements.model", "gateway.placements.texts", "gateway.placements.service",
        "gateway.placements.qr", "gateway.placements.fonts", "gateway.messaging.keywords",
        "gateway.messaging.conversation", "gateway.messaging.texts",
        "gateway.messaging.service", "gateway.imports.rows", "gateway.imports.jobs",
        "gateway.imports.texts", "gateway.core.chain_template", "gateway.imports.exports",
        "gateway.imports.bulk_rows", "gateway.imports.worker", "gateway.web.texts",
        "gateway.web.rules", "gateway.web.confirmations", "gateway.ivr.flow",
        "gateway.ivr.texts", "gateway.ivr.model", "gateway.ivr.input"]
FORBIDDEN_IN_CHANNELS = ("sqlalchemy", "gateway.store", "psycopg", "sqlite3")


@pytest.mark.parametrize("module", PURE)
def test_domain_modules_import_neither_flask_nor_sqlalchemy(module: str) -> None:
    code = (f"import sys, {module}; bad = [m for m in ('flask', 'sqlalchemy', 'werkzeug') "
            "if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def channel_files() -> list[Path]:
    return sorted((ROOT / "channels").glob("*.py"))


@pytest.mark.parametrize("path", channel_files(), ids=lambda p: p.name)
def test_channels_do_not_touch_the_database(path: Path) -> None:
    bad = {n for n in _imports(path) if n.startswith(FORBIDDEN_IN_CHANNELS)}
    assert not bad, f"{path.name} imports {bad}"


def test_only_the_composition_root_imports_channels() -> None:
    offenders = [p.name for p in (ROOT / "gateway").rglob("*.py")
                 if p.name != "app.py" and any(n.startswith("channels")
                                                for n in _imports(p))]
    assert offenders == []


def test_a_forbidden_import_would_be_caught(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from gateway.store.tables import EventRow\n")
    assert any(n.startswith(FORBIDDEN_IN_CHANNELS) for n in _imports(sample))
