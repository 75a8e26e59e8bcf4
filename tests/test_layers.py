"""Imports flow downward only (design section 2): protocol imports no other layer, rules only
protocol, engine nothing of sync, the front ends (keywords, bdd, cli) or the suites (conformance,
fat, reports) built on it, and those suites and sync no front end. Every import counts, also one
inside a function or under TYPE_CHECKING (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
import pathlib

import pytest

import c104test

try:
    from .protocol.test_purity import _imports
except ImportError:
    from protocol.test_purity import _imports  # type: ignore[no-redef]

PACKAGE = pathlib.Path(c104test.__file__).parent
FRONT_ENDS = ("c104test.keywords", "c104test.bdd", "c104test.cli")  # cli.py, cli_arguments.py ...
SUITES = ("c104test.conformance", "c104test.fat", "c104test.reports")
#: package -> the packages above it, which it must not import
ABOVE = {
    "protocol": ("c104test.rules", "c104test.engine", "c104test.sync", *SUITES, *FRONT_ENDS),
    "rules": ("c104test.engine", "c104test.sync", *SUITES, *FRONT_ENDS),
    "engine": ("c104test.sync", *SUITES, *FRONT_ENDS),
    "conformance": ("c104test.sync", *FRONT_ENDS),
    "fat": ("c104test.sync", *FRONT_ENDS),
    "reports": ("c104test.sync", *FRONT_ENDS),
    "sync": FRONT_ENDS,
}


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) + (".__init__" if parts[-1] == "__init__" else "")


def upward_imports(source: str, module: str, above: tuple[str, ...]) -> list[str]:
    """``line: name`` of each import in ``source`` (module ``module``) of a package in ``above``."""
    return [f"{line} imports {name}" for line, name in _imports(ast.parse(source), module) if name.startswith(above)]


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    sources = sorted((PACKAGE / layer).rglob("*.py"))
    assert len(sources) >= 4, sources  # the layer is there and was read
    bad = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in sources
           for line in upward_imports(path.read_text(encoding="utf-8"), _module_name(path), ABOVE[layer])]
    assert not bad, "\n".join(bad)


def test_the_check_sees_an_upward_import() -> None:
    """The checker itself: a lazy import of the sync bridge, or one for type hints only, in an
    engine module is reported; the module's own imports are not."""
    source = (PACKAGE / "engine" / "session.py").read_text(encoding="utf-8")
    assert not upward_imports(source, "c104test.engine.session", ABOVE["engine"])
    lazy = source + "\n\ndef _f():\n    from ..sync.bridge import get_bridge\n"
    hinted = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from c104test.keywords.library import IEC104Library\n"
    assert upward_imports(lazy, "c104test.engine.session", ABOVE["engine"])[-1].endswith("imports c104test.sync.bridge.get_bridge")
    assert upward_imports(hinted, "c104test.engine.session", ABOVE["engine"])
    assert upward_imports("from ..cli_arguments import seconds\n", "c104test.fat.runner", ABOVE["fat"])
