"""Each rule fails on a small tree that breaks it, and holds on one that does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.architecture import layout

BASE = {
    "gateway/__init__.py": "",
    "gateway/core/__init__.py": "",
    "gateway/core/consent.py": "import json\n",
    "gateway/core/service.py": "from gateway.core import consent\n",
    "gateway/core/outbox.py": "",
    "gateway/store/__init__.py": "",
    "gateway/store/tables.py": "import sqlalchemy\n",
    "gateway/ivr/__init__.py": "def register(registry):\n    from gateway.ivr import cli\n",
    "gateway/ivr/flow.py": "from gateway.core.consent import *\n",
    "gateway/ivr/service.py": "from gateway.ivr import flow\n",
    "gateway/ivr/cli.py": "import click\nfrom gateway.http import gw\n",
    "gateway/proof/__init__.py": "",
    "gateway/proof/records.py": "from dataclasses import dataclass\n",
    "gateway/proof/service.py": "from gateway.proof.records import *\n",
    "gateway/admin/__init__.py": "",
    "gateway/admin/views.py": "import flask\nfrom gateway.ivr.service import IvrService\n",
    "gateway/http.py": "import flask\n",
    "gateway/app.py": "import flask\nfrom gateway import container\nimport channels\n",
    "gateway/container.py": "from gateway.store import tables\nfrom gateway.ivr import service\n",
    "gateway/cli.py": "import click\nfrom gateway.app import *\n",
    "channels/__init__.py": "from channels import voice\n",
    "channels/voice.py": "import flask\nfrom gateway.ivr.service import IvrService\n",
}

Rule = Callable[[layout.Tree], list]

CASES: list[tuple[str, Rule, dict[str, str], str]] = [
    ("core imports flask", layout.core_rule,
     {"gateway/core/consent.py": "import flask\n"}, "the core is pure Python"),
    ("core imports requests lazily", layout.core_rule,
     {"gateway/core/consent.py": "def f():\n    import requests\n"}, "pure Python"),
    ("core imports an area", layout.core_rule,
     {"gateway/core/consent.py": "from gateway.proof import records\n"}, "only the core"),
    ("an area's domain module imports flask", layout.framework_rule,
     {"gateway/ivr/flow.py": "from flask import request\n"}, "edge modules"),
    ("a top-level wiring module imports flask", layout.framework_rule,
     {"gateway/container.py": "import flask\n"}, "edge modules"),
    ("an area speaks SQL", layout.sql_rule,
     {"gateway/proof/service.py": "from sqlalchemy import select\n"}, "only gateway/store/"),
    ("a channel speaks SQL", layout.sql_rule,
     {"channels/voice.py": "import sqlite3\n"}, "only gateway/store/"),
    ("an area imports another area", layout.sideways_rule,
     {"gateway/ivr/flow.py": "from gateway.proof.service import ProofService\n"},
     "area ivr reaches area proof"),
    ("an area imports the store", layout.sideways_rule,
     {"gateway/proof/service.py": "from gateway.store.tables import X\n"},
     "area proof reaches store"),
    ("an area's domain module imports the http plumbing", layout.sideways_rule,
     {"gateway/ivr/flow.py": "from gateway.http import gw\n"}, "area ivr reaches top"),
    ("a channel imports the store", layout.doors_rule,
     {"channels/voice.py": "from gateway.store.tables import X\n"}, "never the store"),
    ("a channel imports the outbox", layout.doors_rule,
     {"channels/voice.py": "from gateway.core.outbox import Worker\n"}, "never the store"),
    ("a channel imports an area's CLI", layout.doors_rule,
     {"channels/voice.py": "from gateway.ivr import cli\n"}, "its own edge"),
    ("the dashboard imports a channel", layout.doors_rule,
     {"gateway/admin/views.py": "from channels import voice\n"}, "each other"),
    ("the store imports a service", layout.store_rule,
     {"gateway/store/tables.py": "from gateway.proof.service import X\n"}, "never imports a service"),
    ("the store loads a service through a record module", layout.store_rule,
     {"gateway/store/tables.py": "from gateway.proof.records import X\n",
      "gateway/proof/records.py": "from gateway.proof import service\n"}, "gateway.proof.service"),
    ("the store loads flask", layout.store_rule,
     {"gateway/store/tables.py": "from gateway.ivr import cli\n"}, "no web framework"),
    ("a module imports the app", layout.app_rule,
     {"gateway/http.py": "from gateway.app import create_app\n"}, "only gateway.cli"),
    ("the container imports a channel", layout.channels_rule,
     {"gateway/container.py": "from channels import voice\n"}, "only gateway.app"),
]


def write(root: Path, files: dict[str, str]) -> layout.Tree:
    for name, text in {**BASE, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return layout.Tree(root)


@pytest.mark.parametrize("rule", [layout.core_rule, layout.framework_rule, layout.sql_rule,
                                  layout.sideways_rule, layout.doors_rule, layout.store_rule,
                                  layout.app_rule, layout.channels_rule],
                         ids=lambda r: r.__name__)
def test_the_clean_sample_passes(tmp_path: Path, rule: Rule) -> None:
    assert rule(write(tmp_path, {})) == []


@pytest.mark.parametrize(("rule", "files", "says"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_broken_rule_is_caught(tmp_path: Path, rule: Rule, files: dict[str, str],
                                 says: str) -> None:
    broken = rule(write(tmp_path, files))
    assert broken and any(says in line for line in broken), broken


def test_typing_only_imports_are_not_framework_use(tmp_path: Path) -> None:
    files = {"gateway/registry.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                    "    import flask\n"}
    assert layout.framework_rule(write(tmp_path, files)) == []


def test_an_import_circle_is_caught(tmp_path: Path) -> None:
    """The old circle: app -> (channels, admin, api) -> web -> app.Gateway, even lazily."""
    tree = write(tmp_path, {"gateway/http.py": "def gw():\n    from gateway import app\n",
                            "gateway/app.py": "from gateway import container, http\n"})
    assert layout.circles(tree) == [["gateway.app", "gateway.http"]]
    assert layout.circles(write(tmp_path / "clean", {})) == []


def test_a_long_file_is_caught(tmp_path: Path) -> None:
    write(tmp_path, {"gateway/core/consent.py": "x = 1\n" * 401})
    (tmp_path / "tests").mkdir()
    assert layout.long_files(tmp_path, ("gateway", "tests")) == [
        "gateway/core/consent.py: 401 lines (at most 400)"]


def test_a_channel_reaching_the_store_through_the_container_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "voice.py"
    path.write_text("def view():\n    return gw().store.get_business('x'), gw().ivr.begin()\n")
    assert layout.container_uses(path) == [("store", 2), ("ivr", 2)]
