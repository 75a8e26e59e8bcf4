"""The fenced code blocks of README.md and docs/*.md that the documentation tests run.

A block is marked by an HTML comment on the line before its opening fence (invisible on GitHub
and on the site):

- ``<!-- test -->``: run the block (python, robotframework, gherkin or console);
- ``<!-- test: file NAME -->``: write the block to NAME in the working folder of the page's other
  blocks (a profile that a Python example loads, for instance);
- ``<!-- test: skip REASON -->``: do not run it, for the reason given.

Every python, robotframework, gherkin and console block carries one of these, so an example is
never left out by accident. docs/steps.md is generated; its examples are checked step by step in
tests/bdd/test_step_catalogue.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNABLE = ("python", "robotframework", "gherkin", "console")
GENERATED = {"steps.md"}
_MARKER = re.compile(r"^<!--\s*test(?::\s*(?P<directive>.*?))?\s*-->$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)(?P<lang>[\w-]*)")


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block and the marker before it (None: unmarked)."""

    path: Path
    line: int
    lang: str
    body: str
    directive: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.directive == "" and self.lang in RUNNABLE

    @property
    def file_name(self) -> str | None:
        if self.directive and self.directive.startswith("file "):
            return self.directive.removeprefix("file ").strip()
        return None


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in GENERATED)]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with its marker."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        previous = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = _MARKER.match(previous)
        directive = (marker.group("directive") or "") if marker else None
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(opening.group("fence")):
            end += 1
        indent = len(opening.group("indent"))
        body = "\n".join(line[indent:] for line in lines[i + 1 : end]) + "\n"
        found.append(Block(path, i + 1, opening.group("lang"), body, directive))
        i = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in blocks(page)]
