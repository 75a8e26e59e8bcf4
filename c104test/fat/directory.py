"""The report directory of a FAT run: the report of an earlier run there is never overwritten silently.

A signed FAT report is evidence. A second run into the same directory (the default
``fat-report`` once more, a Robot suite run twice) would replace it without a word, so the run
is refused before anything is sent, naming the file found and how to go on: another directory,
``--resume`` to continue that run, or ``--overwrite`` to replace it (then every file of the
earlier run goes, so no stale ``capture-2.pcap`` is signed with the new report).

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "results.json").write_text("{}")
>>> claim_directory(folder)
Traceback (most recent call last):
...
c104test.fat.directory.ReportExists: /.../results.json: a report of an earlier run is there; it is never overwritten ...
"""

from __future__ import annotations

import json
from pathlib import Path

from ..engine.errors import C104TestError
from ..reports.results import load_results

__all__ = ["CLI_HINT", "REPORT_FILES", "STATE_FILE", "ReportExists", "claim_directory", "earlier_files"]

STATE_FILE = "fat-state.json"

#: What a FAT run writes into its directory (a resumed run adds capture-2.pcap, capture-3.pcap ...).
REPORT_FILES = ("results.json", "report.html", "report.xlsx", "junit.xml", "capture.pcap", STATE_FILE)

#: How to go on, in the command's words (the Robot keyword gives its own argument names).
CLI_HINT = "give another --output, continue that run with --resume, or replace it with --overwrite"


class ReportExists(C104TestError):
    """The directory holds the report (or the resume state) of an earlier run; ``found`` lists its files."""

    def __init__(self, message: str, found: tuple[Path, ...]) -> None:
        super().__init__(message)
        self.found = found


def earlier_files(directory: Path) -> list[Path]:
    """The files of an earlier FAT run in ``directory``, in the order of REPORT_FILES."""
    found = [directory / name for name in REPORT_FILES if (directory / name).is_file()]
    return found + sorted(p for p in directory.glob("capture-*.pcap") if p.is_file())


def _described(directory: Path) -> str:
    """``DIR/results.json: a report of an earlier run is there (list.csv, started ..., FAILED: 10 pass, 2 fail)``."""
    results = directory / "results.json"
    if results.is_file():
        try:
            run = load_results(results)
        except ValueError:
            return f"{results}: a report of an earlier run is there"
        verdict = "INTERRUPTED" if run.interrupted else "PASSED" if run.passed else "FAILED"
        counts = ", ".join(f"{n} {v}" for v, n in run.counts().items() if n)
        return (f"{results}: a report of an earlier run is there ({run.points_file}, started {run.started}, "
                f"{verdict}: {counts or 'no rows'})")
    state = directory / STATE_FILE
    if state.is_file():
        try:
            lines = [ln for ln in state.read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]
            done = sum(json.loads(ln).get("verdict") not in ("error", "skipped") for ln in lines)
        except (OSError, ValueError, AttributeError):
            return f"{state}: the state of an interrupted run is there"
        return f"{state}: the state of an interrupted run is there ({done} row{'s' * (done != 1)} done)"
    return f"{earlier_files(directory)[0]}: a file of an earlier run is there"


def claim_directory(directory: str | Path, *, resume: bool = False, overwrite: bool = False,
                    hint: str = CLI_HINT) -> None:
    """Make ``directory`` ready for this run before anything is sent.

    An earlier run's files: with ``resume`` they are continued (the runner reads its state); with
    ``overwrite`` they are deleted (only those, nothing else of the folder); else ReportExists
    names the file and ``hint`` how to go on.
    """
    if resume and overwrite:
        raise ValueError("resume continues the earlier run and overwrite replaces it: give one of them")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    found = earlier_files(directory)
    if not found or resume:
        return
    if not overwrite:
        raise ReportExists(f"{_described(directory)}; it is never overwritten silently: {hint}", tuple(found))
    for path in found:
        path.unlink()
