"""A fleet: many RTUs, each with its signal list, checked in parallel in one process.

The fleet file is a CSV with a row per RTU::

    name,host,port,common_address,points
    bay-01,10.0.0.11,2404,12,lists/bay.xlsx
    bay-02,10.0.0.12,2404,13,lists/bay.xlsx

``common_address`` (optional) moves every row of the list to that CA, so one list serves every RTU
of a kind; ``points`` is relative to the fleet file. Each RTU gets its own report directory
``DIR/<name>``; ``DIR/summary.html`` links them all. At most ``jobs`` RTUs run at once.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from ..engine.errors import C104TestError
from ..engine.simulator import open_simulator
from ..reports.fleet import write_summary
from ..reports.results import ItemResult, RunResults
from ..rules import common_address as check_common_address
from .checks import FatOptions, headline
from .directory import ReportExists, claim_directory
from .runner import finish, new_results, run_fat
from .signals import Problem, SignalList, SignalListError, decode_csv, read_signal_list

__all__ = ["FleetEntry", "read_fleet", "run_fleet"]


@dataclass(frozen=True, slots=True)
class FleetEntry:
    """One RTU of the fleet and its (already checked) signal list."""

    name: str
    host: str
    port: int
    signals: SignalList


def read_fleet(path: str | Path, *, columns: str | Path | None = None) -> list[FleetEntry]:
    """Read the fleet file and every list it names; SignalListError with file, row and column."""
    path = Path(path)
    problems: list[Problem] = []
    try:
        lines = decode_csv(path.read_bytes()).splitlines()
    except OSError as exc:
        raise SignalListError([Problem(str(path), None, None, None, f"cannot read: {exc.strerror or exc}")]) from None
    header = next(iter(lines), "").lower()
    # commas, semicolons (Excel's CSV in Europe) or tabs: the one that splits out name and points
    delimiter = next((d for d in (",", ";", "\t")
                      if {"name", "points"} <= {h.strip() for h in header.split(d)}), ",")
    table = list(csv.DictReader(lines, delimiter=delimiter))
    entries: list[FleetEntry] = []
    names: set[str] = set()
    for number, row in enumerate(table, 2):
        row = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        if not any(row.values()):
            continue  # a blank row (";;;;" as a spreadsheet writes it), as in a signal list
        missing = [c for c in ("name", "host", "points") if not row.get(c)]
        if missing:
            problems.append(Problem(str(path), None, number, repr(missing[0]), f"empty {missing[0]}"))
            continue
        if row["name"] in names:
            problems.append(Problem(str(path), None, number, "'name'", f"duplicate RTU name {row['name']!r}"))
            continue
        names.add(row["name"])
        try:
            port = int(row.get("port") or 2404)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            problems.append(Problem(str(path), None, number, "'port'", f"{row.get('port')!r} is not a port 1..65535"))
            continue
        try:
            signals = read_signal_list(path.parent / row["points"], columns=columns)
        except SignalListError as exc:
            problems.extend(exc.problems)
            continue
        if row.get("common_address"):
            try:
                ca = check_common_address(row["common_address"])
            except ValueError as exc:
                problems.append(Problem(str(path), None, number, "'common_address'", str(exc)))
                continue
            stations = sorted({r.common_address for r in signals.rows})
            if len(stations) > 1:
                # moved to one CA, the rows of two stations would be one point checked twice
                first = {ca: next(r.row for r in signals.rows if r.common_address == ca) for ca in stations}
                problems.append(Problem(str(path), None, number, "'common_address'", (
                    f"moves every row of {row['points']} to CA {ca}, but that list holds the stations "
                    + ", ".join(f"CA {c} (from row {first[c]})" for c in stations)
                    + "; leave common_address empty, or give one list per station")))
                continue
            signals = dataclasses.replace(
                signals, rows=tuple(dataclasses.replace(r, common_address=ca) for r in signals.rows))
        entries.append(FleetEntry(row["name"], row["host"], port, signals))
    if problems:
        raise SignalListError(problems)
    return entries


def _claim(output: Path, entries: list[FleetEntry], overwrite: bool) -> None:
    """Every RTU's directory and the summary, before any RTU is contacted: all refused at once."""
    summary = [output / name for name in ("summary.html", "summary.json") if (output / name).is_file()]
    refused: list[ReportExists] = []
    if summary and not overwrite:
        refused.append(ReportExists(f"{summary[0]}: the summary of an earlier fleet run is there", tuple(summary)))
    for entry in entries:
        try:
            claim_directory(output / entry.name, overwrite=overwrite)
        except ReportExists as exc:
            refused.append(exc)
    if refused:
        found = tuple(p for exc in refused for p in exc.found)
        lines = [str(exc).split("; it is never overwritten")[0] for exc in refused]
        raise ReportExists("\n".join(lines) + "\nan earlier report is never overwritten silently: give another "
                           "--output, or replace them with --overwrite", found)
    for path in summary:
        path.unlink()


async def run_fleet(
    entries: list[FleetEntry],
    output: str | Path,
    *,
    jobs: int = 4,
    options: Callable[[], FatOptions] = FatOptions,
    simulate: bool = False,
    witnesses: tuple[str, ...] = (),
    on_result: Callable[[str, ItemResult], None] | None = None,
    connect_options: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> list[RunResults]:
    """Check every RTU (``jobs`` at a time); one report directory each and a summary page.

    ``simulate``: each entry gets an embedded demo simulator instead of its host and port.
    An RTU that cannot be reached gets ``error`` on every row; the others go on. The reports of
    an earlier fleet run in ``output`` are refused before any RTU is contacted (ReportExists
    naming them) unless ``overwrite`` replaces them.
    """
    output = Path(output)
    _claim(output, entries, overwrite)
    limiter = trio.CapacityLimiter(max(1, jobs))
    done: dict[str, RunResults] = {}

    async def one(entry: FleetEntry) -> None:
        async with limiter:
            report = output / entry.name
            callback = (lambda item: on_result(entry.name, item)) if on_result is not None else None
            kwargs: dict[str, Any] = {"options": options(), "output": report, "witnesses": witnesses,
                                      "rtu": entry.name, "on_result": callback, "connect_options": connect_options}
            try:
                if simulate:
                    async with open_simulator() as sim:
                        assert sim.port is not None
                        done[entry.name] = await run_fat("127.0.0.1", sim.port, entry.signals, **kwargs)
                else:
                    done[entry.name] = await run_fat(entry.host, entry.port, entry.signals, **kwargs)
            except C104TestError as exc:
                reason = headline(exc)
                run = finish(new_results(entry.signals, entry.name, witnesses),  # its "finished" was empty
                             [ItemResult(r.row, r.common_address, r.io_address, r.name, "error", reason=reason)
                              for r in entry.signals.rows], [])
                run.captures = list(getattr(exc, "captures", ()))  # a failed STARTDT's frames, when any
                if callback is not None:  # the console counts these rows too: "[24/24]", never "[12/24]"
                    for item in run.points:
                        callback(item)
                report.mkdir(parents=True, exist_ok=True)
                from .runner import write_fat_reports

                write_fat_reports(run, entry.signals, report)
                done[entry.name] = run

    async with trio.open_nursery() as nursery:
        for entry in entries:
            nursery.start_soon(one, entry)
    runs = [done[e.name] for e in entries]
    write_summary([(run, output / e.name) for run, e in zip(runs, entries, strict=True)], output)
    return runs
