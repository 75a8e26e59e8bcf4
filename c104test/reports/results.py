"""The results of one run (a FAT over a signal list, or a conformance run), as data and as JSON.

FAT and conformance share this model: an item is one row (a point) or one case; its verdict is
``pass``, ``fail``, ``skipped`` or ``error``; a failure carries its reason and its evidence frames.
The JSON form is the contract of ``results.json`` (docs/fat.md), read back by ``report merge``
and by ``--resume``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["VERDICTS", "Frame", "ItemResult", "RunResults", "load_results"]

#: The verdicts, in the order reports count them.
VERDICTS = ("pass", "fail", "error", "skipped")


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of evidence: seconds since the run started, direction, explanation, octets in hex."""

    t: float
    sent: bool
    text: str
    hex: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The verdict on one row of the list (or one case), with what was expected and seen."""

    row: int | str  # a list over several sheets: "Bay_E01!12"
    common_address: int | None
    io_address: int | None
    name: str
    verdict: str
    expected: str = ""
    seen: str = ""
    reason: str = ""
    quality: str = ""
    duration: float = 0.0
    commanded: bool = False  # a command was sent for this row (resume never sends it again)
    frames: tuple[Frame, ...] = ()

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["frames"] = [dataclasses.asdict(f) for f in self.frames]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemResult:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["frames"] = tuple(Frame(**f) for f in data.get("frames", ()))
        return cls(**values)


@dataclass(slots=True)
class RunResults:
    """One run over one RTU: header facts, an item per row, and points reported but not listed."""

    rtu: str
    points_file: str
    points_sha256: str
    started: str
    finished: str = ""
    tool: str = ""
    witnesses: tuple[str, ...] = ()
    points: list[ItemResult] = field(default_factory=list)
    unexpected: list[dict[str, Any]] = field(default_factory=list)
    captures: list[dict[str, str]] = field(default_factory=list)  # {"file", "sha256"}
    kind: str = "fat"
    #: The device under test as the sequence charts name it ("master" when a master is tested).
    peer: str = "RTU"
    #: More header facts (label, text): what the PICS left out.
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: Why the run ended early ("1 of 5 cases finished; ..."): the page's verdict is then INTERRUPTED.
    interrupted: str = ""

    def counts(self) -> dict[str, int]:
        found = Counter(p.verdict for p in self.points)
        return {v: found.get(v, 0) for v in VERDICTS}

    @property
    def passed(self) -> bool:
        """True when every checked item passed; skipped rows and unexpected points are reported, not failed."""
        return all(p.verdict in ("pass", "skipped") for p in self.points)

    def failures(self) -> list[ItemResult]:
        return [p for p in self.points if p.verdict in ("fail", "error")]

    def to_json(self) -> dict[str, Any]:
        return {
            "rtu": self.rtu,
            "points_file": self.points_file,
            "points_sha256": self.points_sha256,
            "started": self.started,
            "finished": self.finished,
            "tool": self.tool,
            "witnesses": list(self.witnesses),
            "summary": self.counts(),
            "points": [p.to_json() for p in self.points],
            "unexpected": self.unexpected,
            "captures": self.captures,
            "kind": self.kind,
            "peer": self.peer,
            "notes": [list(n) for n in self.notes],
            "interrupted": self.interrupted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResults:
        return cls(
            data["rtu"], data["points_file"], data["points_sha256"], data["started"], data.get("finished", ""),
            data.get("tool", ""), tuple(data.get("witnesses", ())),
            [ItemResult.from_json(p) for p in data.get("points", ())],
            list(data.get("unexpected", ())), list(data.get("captures", ())), data.get("kind", "fat"),
            data.get("peer", "RTU"), [tuple(n) for n in data.get("notes", ())], data.get("interrupted", ""),
        )

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_results(path: str | Path) -> RunResults:
    """Read a ``results.json``; ValueError saying which file and what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, dict) and "cases" in data and "points" not in data:
            raise ValueError(f"{path}: the results of a conformance run (cases, not points); "
                             "report merge joins the results of FAT runs (c104test fat)")
        return RunResults.from_json(data)
    except ValueError as exc:
        if str(exc).startswith(f"{path}: "):
            raise
        raise ValueError(f"{path}: not a c104test results.json ({exc})") from None
    except OSError as exc:  # a directory without results.json, a mistyped name
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a c104test results.json (missing {exc})" if isinstance(exc, KeyError)
                         else f"{path}: not a c104test results.json ({exc})") from None


def merge(runs: Iterable[RunResults]) -> list[dict[str, Any]]:
    """One summary row per run, for a fleet page or ``report merge``."""
    return [{"rtu": r.rtu, "points_file": r.points_file, "passed": r.passed, **r.counts(),
             "unexpected": len(r.unexpected), "started": r.started, "finished": r.finished,
             "first_problem": _first_problem(r)} for r in runs]


def _first_problem(run: RunResults) -> str:
    """The summary's one line on a failed run: its first failed row and why ('' when it passed);
    an RTU that was not reached says so here, not only in its own report."""
    bad = run.failures()
    return f"row {bad[0].row}: {bad[0].reason}" if bad else ""
