"""The house rules, read from the code: no import cycles, and imports run one way.

    cli -> flows -> {sources, collectors, normalize, engine and friends, catalog, reports, sandbox} -> base

Collectors and normalizers never import each other: they meet in `checks/live_types.py`. Every import counts,
at module level or inside a function, so a lazy import cannot hide a forbidden edge.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("checks", "reports")

# layer -> module-name prefixes; the first matching entry wins (longest prefixes first where they nest)
LAYERS: dict[str, tuple[str, ...]] = {
    "cli": ("checks.cli", "checks.__main__"),
    "flows": ("checks.flows",),
    "sandbox": ("checks.sandbox",),
    "sources": ("checks.sources",),
    "collectors": ("checks.collectors",),
    "normalize": ("checks.normalize",),
    "catalog": ("checks.catalog",),
    "reports": ("reports",),
    "store": ("checks.store",),
    "terraform": ("checks.terraform",),
    "org": ("checks.org",),
    "core": ("checks.engine", "checks.judge", "checks.unread", "checks.drift", "checks.waivers", "checks.settings",
             "checks.register", "checks.coverage", "checks.report", "checks.checkov"),
    "base": ("checks.model", "checks.errors", "checks.paths", "checks.yamlfile", "checks.fsutil", "checks.raw",
             "checks.live_types", "checks.plugins", "checks.validation", "checks.digests", "checks"),
}
# layer -> the layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "catalog": {"base"},
    "core": {"base", "catalog", "terraform"},  # checks.checkov writes plans with checks.terraform
    "sources": {"base"},
    "collectors": {"base"},
    "normalize": {"base"},
    "reports": {"base", "catalog", "core"},
    "sandbox": {"base", "sources", "collectors"},  # sandbox org: the scan role gets the policy the collectors need
    "store": {"base", "catalog", "core"},
    "terraform": {"base"},
    "org": {"base", "collectors", "core"},  # many accounts: listing, roles (collectors' client settings), shards
    "flows": {"base", "catalog", "core", "sources", "collectors", "normalize", "reports", "sandbox", "store",
              "terraform", "org"},
    "cli": {"base", "catalog", "core", "sources", "collectors", "normalize", "reports", "sandbox", "store", "flows",
            "terraform", "org"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert "checks.cli" in found and "checks.normalize.base" in found  # the walk found the packages
    return found


def layer_of(module: str) -> str:
    for layer, prefixes in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in {Path(__file__).name}")


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports (`from pkg import submodule` counts as importing the submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in PACKAGES)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    known = set(mods)
    edges = {name: imports_of(path, known) - {name} for name, path in mods.items()}
    unknown = {(m, t) for m, targets in edges.items() for t in targets if t not in known}
    assert not unknown, f"imports of modules that do not exist: {sorted(unknown)}"
    return edges


def forbidden_edges(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            a, b = layer_of(source), layer_of(target)
            if a != b and b not in ALLOWED[a]:
                bad.append(f"{source} ({a}) imports {target} ({b})")
    return bad


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as err:
        return list(err.args[1])
    return None


def test_every_module_belongs_to_a_layer() -> None:
    assert all(layer_of(m) for m in modules())


def test_no_forbidden_import() -> None:
    assert forbidden_edges(graph(modules())) == []


def test_no_import_cycle() -> None:
    assert cycle(graph(modules())) is None


@pytest.mark.parametrize(("edges", "expected"), [
    ({"checks.collectors.kms": {"checks.normalize.kms.live"}, "checks.normalize.kms.live": set()},
     ["checks.collectors.kms (collectors) imports checks.normalize.kms.live (normalize)"]),
    ({"checks.model": {"checks.cli"}, "checks.cli": set()}, ["checks.model (base) imports checks.cli (cli)"]),
    ({"checks.cli": {"checks.flows.check"}, "checks.flows.check": {"checks.model"}, "checks.model": set()}, []),
])
def test_the_rule_catches_a_forbidden_edge(edges: dict[str, set[str]], expected: list[str]) -> None:
    assert forbidden_edges(edges) == expected


def test_the_rule_catches_a_cycle() -> None:
    found = cycle({"checks.sandbox.apply": {"checks.sandbox.export"},
                   "checks.sandbox.export": {"checks.sandbox.apply"}})
    assert found is not None and set(found) == {"checks.sandbox.apply", "checks.sandbox.export"}


def test_collectors_and_normalizers_meet_only_in_live_types() -> None:
    edges = graph(modules())
    crossing = [(s, t) for s, targets in edges.items() for t in targets
                if {layer_of(s), layer_of(t)} == {"collectors", "normalize"}]
    assert crossing == []
    assert any("checks.live_types" in targets for s, targets in edges.items() if layer_of(s) == "collectors")
    assert any("checks.live_types" in targets for s, targets in edges.items() if layer_of(s) == "normalize")
