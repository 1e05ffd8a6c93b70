"""What importing a module really loads, in a fresh interpreter: the static rules' ground truth.

The modules are found from the folders (tests/architecture/layout.py): every core module
must load no framework, SQL or HTTP client; every non-edge module of an area no framework
or SQL; every store module no web framework.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture import layout

ROOT = Path(__file__).resolve().parents[2]
TREE = layout.Tree(ROOT)


def _cases() -> list[tuple[str, frozenset[str]]]:
    cases = []
    for module in sorted(TREE.modules):
        where = TREE.place(module)
        if where.layer == "core":
            cases.append((module, layout.FRAMEWORK | layout.SQL | layout.HTTP_CLIENTS))
        elif where.layer == "area" and not where.edge:
            cases.append((module, layout.FRAMEWORK | layout.SQL))
        elif where.layer == "store":
            cases.append((module, layout.FRAMEWORK))
    return cases


CASES = _cases()


def test_the_cases_cover_every_area() -> None:
    areas = {TREE.place(m).area for m, _ in CASES}
    assert {"core", "store", "web", "messaging", "ivr", "placements", "imports",
            "proof"} <= areas


@pytest.mark.parametrize(("module", "forbidden"), CASES, ids=[m for m, _ in CASES])
def test_importing_loads_nothing_forbidden(module: str, forbidden: frozenset[str]) -> None:
    code = (f"import sys, {module}; print(','.join(sorted(m for m in {sorted(forbidden)!r} "
            "if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "", f"importing {module} loads {out.stdout.strip()}"
