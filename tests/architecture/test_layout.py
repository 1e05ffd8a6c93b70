"""The dependency rules, checked on the real tree (see tests/architecture/layout.py)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from tests.architecture import layout

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tree() -> layout.Tree:
    return layout.Tree(ROOT)


@pytest.mark.parametrize("rule", [layout.core_rule, layout.framework_rule, layout.sql_rule,
                                  layout.sideways_rule, layout.doors_rule, layout.store_rule,
                                  layout.app_rule, layout.channels_rule],
                         ids=lambda r: r.__name__)
def test_rule_holds(tree: layout.Tree, rule: typing.Callable[[layout.Tree], list[str]]) -> None:
    broken = rule(tree)
    assert broken == [], f"{rule.__doc__}\n" + "\n".join(broken)


def test_no_import_circles(tree: layout.Tree) -> None:
    assert layout.circles(tree) == []


def test_no_file_over_400_lines() -> None:
    assert layout.long_files(ROOT) == []


def test_every_folder_has_a_place(tree: layout.Tree) -> None:
    """A new package is an area unless it is core/store/admin: nothing falls outside."""
    layers = {tree.place(m).layer for m in tree.modules}
    assert layers <= {"core", "store", "migrations", "area", "door", "top"}
    areas = {tree.place(m).area for m in tree.modules if tree.place(m).layer == "area"}
    assert areas == {"web", "messaging", "ivr", "placements", "imports", "proof"}


def test_areas_with_an_edge_register_through_one_hook(tree: layout.Tree) -> None:
    """Every package with an api.py or cli.py has a register() hook listed in AREAS."""
    from gateway.areas import AREAS

    with_edges = {tree.place(m).area for m in tree.modules
                  if tree.place(m).layer in ("area", "door") and tree.place(m).edge
                  and m.startswith("gateway.")}
    listed = {area.__name__.split(".")[1] for area in AREAS}
    assert listed == with_edges
    assert all(callable(getattr(area, "register", None)) for area in AREAS)


def test_every_adapter_module_is_registered() -> None:
    """A new channel is one module plus one line in ADAPTERS: a module with a blueprint
    that is not listed would never be served."""
    import channels

    with_bp = {p.stem for p in (ROOT / "channels").glob("*.py")
               if "\nbp = Blueprint(" in p.read_text()}
    assert with_bp == {a.__name__.split(".")[1] for a in channels.ADAPTERS}


def _service_fields() -> set[str]:
    """Container fields a channel may use: services (classes in a ``service`` module) and
    settings, never a store, the outbox or the database."""
    from gateway.container import Gateway

    hints = typing.get_type_hints(Gateway)
    return {name for name, kind in hints.items()
            if getattr(kind, "__module__", "").endswith(".service")
            or getattr(kind, "__name__", "") == "Settings"}


@pytest.mark.parametrize("path", sorted((ROOT / "channels").glob("*.py")), ids=lambda p: p.name)
def test_channels_take_only_services_from_the_container(path: Path) -> None:
    allowed = _service_fields()
    assert {"service", "messaging", "ivr", "placements", "settings"} <= allowed
    bad = [f"gw().{name} (line {line})" for name, line in layout.container_uses(path)
           if name not in allowed]
    assert bad == [], f"{path.name} reaches past the services: {bad}"
