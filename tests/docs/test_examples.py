"""The examples in README.md and docs/ run as tests, so the documentation cannot drift from the code.

Python and Robot examples that connect to 127.0.0.1:2404 run against ``c104test simulate`` on a
free port (the example's 2404 is replaced by that port). Gherkin examples run through pytest with
the c104test plugin against its embedded simulator. Console examples run their ``c104test``
commands and compare the output where the page shows it. tests/docs/examples.py says how a block
is marked.
"""

from __future__ import annotations

import os
import re
import selectors
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .examples import ROOT, RUNNABLE, Block, all_blocks, blocks

pytest_plugins = ["pytester"]

TIMEOUT = 90.0
RUNS = [b for b in all_blocks() if b.runs]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The next line of the process's stdout, or '' when it ends or the timeout passes."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return process.returncode


def start_simulate(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    """``c104test simulate ARGS`` in a child process; returns it and the port it listens on."""
    process = subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment(),
    )
    line = read_line(process, 30)
    match = re.search(r"listening on \S+:(\d+)", line)
    if not match:
        stop(process)
        pytest.fail(f"c104test simulate {' '.join(args)} did not start: {line!r}")
    return process, int(match.group(1))


@pytest.fixture
def rtu_port() -> Iterator[int]:
    """The demo RTU on a free loopback port, values still, for one example."""
    process, port = start_simulate(["--port", "0", "--no-changes", "--quiet"])
    try:
        yield port
    finally:
        stop(process)


def with_port(text: str, port: int) -> str:
    return re.sub(r"\b2404\b", str(port), text)


def prepare(block: Block, folder: Path) -> None:
    """Write the page's ``<!-- test: file NAME -->`` blocks into ``folder``."""
    for other in blocks(block.path):
        if other.file_name:
            (folder / other.file_name).write_text(other.body, encoding="utf-8")


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=TIMEOUT)


def run_python(block: Block, folder: Path, request: pytest.FixtureRequest) -> None:
    code = block.body
    if re.search(r"\b2404\b", code):
        code = with_port(code, request.getfixturevalue("rtu_port"))
    (folder / "example.py").write_text(code, encoding="utf-8")
    done = run([sys.executable, "example.py"], folder)
    assert done.returncode == 0, f"{block.name} failed:\n{done.stdout}\n{done.stderr}"


def run_robot(block: Block, folder: Path, request: pytest.FixtureRequest) -> None:
    suite = block.body
    if re.search(r"\b2404\b", suite):
        suite = with_port(suite, request.getfixturevalue("rtu_port"))
    (folder / "example.robot").write_text(suite, encoding="utf-8")
    done = run(
        [sys.executable, "-m", "robot", "--outputdir", "out", "--log", "NONE", "--report", "NONE",
         "--consolecolors", "off", "example.robot"],
        folder,
    )
    assert done.returncode == 0, f"{block.name} failed:\n{done.stdout}\n{done.stderr}"
    assert re.search(r"\b[1-9]\d* tests?, [1-9]\d* passed, 0 failed", done.stdout), done.stdout


def run_gherkin(block: Block, request: pytest.FixtureRequest) -> None:
    pytester: pytest.Pytester = request.getfixturevalue("pytester")
    feature = block.body
    if not re.search(r"^\s*Feature:", feature, re.MULTILINE):
        feature = "Feature: Example\n" + "".join(f"  {line}\n" for line in feature.splitlines())
    pytester.makefile(".feature", example=feature)
    pytester.makepyfile(test_example='from pytest_bdd import scenarios\n\nscenarios("example.feature")\n')
    prepare(block, pytester.path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=TIMEOUT)
    assert result.ret == 0, f"{block.name} failed:\n" + "\n".join(result.outlines[-40:])
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and not outcomes.get("failed") and not outcomes.get("skipped"), outcomes


def console_commands(body: str) -> list[tuple[str, list[str]]]:
    """The ``$ command`` lines of a console block, each with the output lines shown after it."""
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands and line.strip():
            commands[-1][1].append(line.rstrip())
    return commands


def run_console(block: Block, folder: Path, request: pytest.FixtureRequest) -> None:
    commands = console_commands(block.body)
    assert commands, f"{block.name}: a console block shows '$ ' commands"
    for text, shown in commands:
        words = shlex.split(text, comments=True)
        assert words[0] == "c104test", f"{block.name}: only c104test commands run: {text!r}"
        where = f"{block.name}: $ {text}"
        if words[1] == "simulate":
            args = words[2:]
            args = ["--port", "0", *args] if "--port" not in args else [("0" if w == "2404" else w) for w in args]
            process, _ = start_simulate(args)
            assert stop(process) in (0, -signal.SIGINT), where
            continue
        if words[1] == "monitor":
            words = [*with_port(" ".join(words), request.getfixturevalue("rtu_port")).split(), "--once"]
        done = run([sys.executable, "-m", "c104test", *words[1:]], folder)
        assert done.returncode == 0, f"{where}\n{done.stdout}{done.stderr}"
        if shown:
            assert [line.rstrip() for line in done.stdout.splitlines()] == shown, where


@pytest.mark.parametrize("block", RUNS, ids=lambda b: b.name)
def test_example_runs(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    prepare(block, tmp_path)
    if block.lang == "python":
        run_python(block, tmp_path, request)
    elif block.lang == "robotframework":
        run_robot(block, tmp_path, request)
    elif block.lang == "gherkin":
        run_gherkin(block, request)
    else:
        run_console(block, tmp_path, request)


def test_every_example_is_run_or_says_why_not() -> None:
    unmarked = [b.name for b in all_blocks() if b.lang in RUNNABLE and b.directive is None]
    assert not unmarked, f"mark these blocks <!-- test --> or <!-- test: skip REASON -->: {unmarked}"
    reasonless = [b.name for b in all_blocks() if b.directive == "skip"]
    assert not reasonless, f"a skipped example says why: {reasonless}"
    unknown = [b.name for b in all_blocks()
               if b.directive and not re.match(r"(skip|file) \S", b.directive)]
    assert not unknown, f"unknown test markers: {unknown}"


def test_the_main_examples_run() -> None:
    """The README's tour, Robot suite, feature and c104 script, the guide's engine example and the
    profile example are among the examples that run."""
    running = {(b.path.name, b.lang) for b in RUNS}
    for expected in [("README.md", "console"), ("README.md", "robotframework"), ("README.md", "gherkin"),
                     ("README.md", "python"), ("guide.md", "python"), ("guide.md", "console"),
                     ("profile.md", "python")]:
        assert expected in running, expected


def test_console_output_is_compared() -> None:
    """The explain example of the README shows its output, so the test compares it."""
    tour = next(b for b in RUNS if b.path.name == "README.md" and b.lang == "console")
    explained = [shown for text, shown in console_commands(tour.body) if " explain " in f" {text} "]
    assert explained and all(explained), "the README shows what explain prints"


def test_the_marker_parser(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n<!-- test -->\n```python\nprint(1)\n```\n\n```python\nx\n```\n"
        "<!-- test: file a.yaml -->\n```yaml\nk: 1\n```\n  <!-- test: skip needs hardware -->\n  ```console\n  $ c104test x\n  ```\n",
        encoding="utf-8",
    )
    found = blocks(page)
    assert [(b.lang, b.directive, b.body) for b in found] == [
        ("python", "", "print(1)\n"),
        ("python", None, "x\n"),
        ("yaml", "file a.yaml", "k: 1\n"),
        ("console", "skip needs hardware", "$ c104test x\n"),
    ]
    assert found[2].file_name == "a.yaml" and found[0].runs and not found[1].runs
    assert console_commands("$ c104test a  # note\nout 1\n\n$ c104test b\n") == [
        ("c104test a  # note", ["out 1"]), ("c104test b", [])
    ]
