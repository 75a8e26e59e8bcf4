"""The protocol core is sans-I/O: no trio, no sockets, no threads, no clock (design section 2.1)."""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

import pytest

import c104test.protocol

PROTOCOL_DIR = pathlib.Path(c104test.protocol.__file__).parent
SOURCES = sorted(PROTOCOL_DIR.rglob("*.py"))

# modules that mean I/O, concurrency or a clock; 'time' and '_thread' are loaded by the
# interpreter itself, so only the static check below can see an import of them
FORBIDDEN_MODULES = {"trio", "anyio", "socket", "threading", "asyncio", "time", "selectors", "_thread",
                     "multiprocessing", "concurrent", "ssl", "subprocess"}
FORBIDDEN_PACKAGES = {"c104test.engine", "c104test.sync", "c104test.keywords", "c104test.bdd", "c104test.cli"}
CLOCK_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter", "time_ns"}

_PROBE = """
import json, pkgutil, sys, importlib
before = set(sys.modules)
import c104test.protocol
for info in pkgutil.walk_packages(c104test.protocol.__path__, "c104test.protocol."):
    importlib.import_module(info.name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_importing_the_protocol_package_imports_no_io_or_concurrency():
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert "c104test.protocol.asdu" in loaded  # the probe did import the package
    assert "trio" not in loaded
    assert "anyio" not in loaded
    roots = {name.split(".")[0] for name in loaded}
    assert roots.isdisjoint(FORBIDDEN_MODULES), sorted(roots & FORBIDDEN_MODULES)
    layers = {name for name in loaded if name.startswith(tuple(FORBIDDEN_PACKAGES))}
    assert not layers, sorted(layers)


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import, also inside functions and try blocks."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"__import__", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PROTOCOL_DIR.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) + (
        ".__init__" if parts[-1] == "__init__" else ""
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_imports_no_io_concurrency_or_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    bad = []
    for line, name in _imports(tree, _module_name(path)):
        if name.split(".")[0] in FORBIDDEN_MODULES:
            bad.append(f"{path.name}:{line} imports {name}")
        if name.startswith(tuple(FORBIDDEN_PACKAGES)):
            bad.append(f"{path.name}:{line} imports {name} (protocol imports no other layer)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS:
            bad.append(f"{path.name}:{node.lineno} reads the clock ({ast.unparse(node.func)}); time is an argument")
    assert not bad, "\n".join(bad)


def test_static_check_sees_what_it_should():
    """The checker itself: each forbidden form is reported."""
    source = (
        "import trio\nfrom anyio import run\nimport socket as s\nfrom . import time\n"
        "def f():\n    import threading\n    return __import__('asyncio')\n"
        "from ..engine import client\nfrom c104test.sync import bridge\n"
    )
    names = {name for _, name in _imports(ast.parse(source), "c104test.protocol.x")}
    assert {"trio", "anyio", "socket", "c104test.protocol.time", "threading", "asyncio"} <= names
    assert {"c104test.engine", "c104test.sync"} <= names
    assert _module_name(PROTOCOL_DIR / "asdu.py") == "c104test.protocol.asdu"
    assert _module_name(PROTOCOL_DIR / "__init__.py") == "c104test.protocol.__init__"
    assert len(SOURCES) >= 9


def test_the_station_layer_is_covered():
    """protocol/station (the controlled station, faults, redundancy) is held to the same rules."""
    station_sources = {p.name for p in SOURCES if p.parent.name == "station"}
    assert {"station.py", "answers.py", "commands.py", "faults.py", "redundancy.py", "events.py",
            "points.py", "controlling.py"} <= station_sources
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60)
    loaded = set(json.loads(result.stdout))
    assert "c104test.protocol.station.station" in loaded
    assert _module_name(PROTOCOL_DIR / "station" / "faults.py") == "c104test.protocol.station.faults"
    names = {name for _, name in _imports(ast.parse("from ..asdu import Asdu\n"), "c104test.protocol.station.points")}
    assert "c104test.protocol.asdu" in names
