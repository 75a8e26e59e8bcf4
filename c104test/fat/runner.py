"""One FAT run: connect, check the list, keep the resume state, write the reports.

>>> async def main():
...     signals = read_signal_list("list.csv")
...     results = await run_fat("127.0.0.1", 2404, signals, output="fat-report")
...     print(results.counts())

The state file (``DIR/fat-state.json``) grows by one line per finished row, flushed at once (and
synced to the disk at once after a command), so a
run cut short (Ctrl-C, a lost connection, a power cut) can continue with ``resume=True``: rows
already done keep their result and get no command again; the reports cover the whole list.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from .. import __version__
from ..engine.client import ClientConnection
from ..engine.errors import C104TestError, LinkDown, unwrap_group
from ..engine.profile import Profile
from ..engine.simulator import open_simulator
from ..protocol.closing import CloseCause
from ..reports.results import ItemResult, RunResults, load_results
from ..reports.writers import write_reports
from .checks import LOST, FatOptions, check_points, interruption
from .directory import STATE_FILE, claim_directory
from .signals import SignalList

__all__ = [
    "STATE_FILE",
    "NothingLeft",
    "ResumeError",
    "failure_message",
    "finish",
    "load_state",
    "new_results",
    "run_fat",
    "run_fat_simulated",
    "unchecked_message",
    "write_fat_reports",
]

class ResumeError(C104TestError):
    """The state file does not belong to this list (or is unreadable)."""


class NothingLeft(ResumeError):
    """``resume`` found every row of the list done: nothing was sent and the earlier report is
    unchanged; ``results`` is that report (its verdict is the run's)."""

    def __init__(self, message: str, results: RunResults) -> None:
        super().__init__(message)
        self.results = results


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def load_state(directory: Path, signals: SignalList) -> tuple[str, dict[int | str, ItemResult], list[dict[str, str]]]:
    """The start time, the finished rows and the earlier captures of an interrupted run."""
    path = directory / STATE_FILE
    if not path.is_file():
        raise ResumeError(f"{path}: no such file, so there is nothing to resume (the interrupted run had not "
                          "started its first row, or wrote its reports elsewhere); run without --resume")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        done = {}
        for line in lines[1:]:
            if line.strip():
                try:
                    item = ItemResult.from_json(json.loads(line))
                except (ValueError, TypeError):
                    break  # a line cut by the power cut: the rows after it run again
                # an error or a skip is not done: a row --only left out then is checked now, and
                # the list's skip flag is read again (the list is the same: sha256 below)
                if item.verdict not in ("error", "skipped"):
                    done[item.row] = item
    except (OSError, IndexError, ValueError) as exc:
        raise ResumeError(f"{path}: no state to resume ({exc})") from None
    if header.get("points_sha256") != signals.sha256:
        raise ResumeError(f"{path} belongs to another version of the list (sha256 {header.get('points_sha256')}, "
                          f"{signals.path} has {signals.sha256}); run without --resume")
    # a run cut short before it connected captured nothing: its capture is not listed
    captures = [c for c in header.get("captures", ()) if c.get("sha256") or (directory / c["file"]).is_file()]
    return header.get("started", _now()), done, captures


class _State:
    """Appends one JSON line per finished row; fsync so that a power cut keeps what was done."""

    def __init__(self, directory: Path | None, header: dict[str, Any], resume: bool) -> None:
        self.file = None
        self.synced = 0.0
        if directory is None:
            return
        path = directory / STATE_FILE
        if resume and path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            keep = [lines[0]] + [ln for ln in lines[1:] if _sound(ln)]
            keep[0] = json.dumps(header)
            path.write_text("\n".join(keep) + "\n", encoding="utf-8")
            self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        else:
            self.file = open(path, "w", encoding="utf-8")  # noqa: SIM115
            self.file.write(json.dumps(header) + "\n")
        self.file.flush()

    def add(self, item: ItemResult) -> None:
        if self.file is not None:
            self.file.write(json.dumps(item.to_json()) + "\n")
            self.file.flush()
            # a row that sent a command reaches the disk at once (resume must never send it again);
            # monitoring rows at most a second later: after a power cut they are merely checked again
            now = time.monotonic()
            if item.commanded or now - self.synced >= 1.0:
                os.fsync(self.file.fileno())
                self.synced = now

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _sound(line: str) -> bool:
    try:
        json.loads(line)
        return bool(line.strip())
    except ValueError:
        return False


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def run_fat(
    host: str,
    port: int,
    signals: SignalList,
    *,
    options: FatOptions | None = None,
    output: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    witnesses: tuple[str, ...] = (),
    rtu: str | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
    connect_options: dict[str, Any] | None = None,
) -> RunResults:
    """Check ``signals`` against the RTU at ``host``:``port``; write the reports to ``output``.

    An earlier run's report in ``output`` is refused (ReportExists) unless ``resume`` continues
    that run or ``overwrite`` replaces it; a ``resume`` with every row done raises NothingLeft
    and leaves the earlier report as it was.
    """
    options = options or FatOptions()
    directory = Path(output) if output is not None else None
    captures: list[dict[str, str]] = []
    started = _now()
    if directory is not None:
        claim_directory(directory, resume=resume, overwrite=overwrite)
        if resume:
            started, done, captures = load_state(directory, signals)
            options.done = {**done, **options.done}
            for capture in captures:  # an interrupted run wrote its capture after its state header
                if not capture.get("sha256") and (directory / capture["file"]).is_file():
                    capture["sha256"] = _sha256_file(directory / capture["file"])
            _nothing_left(directory, signals, options, started, captures, rtu or f"{host}:{port}", witnesses)
    capture_name = f"capture-{len(captures) + 1}.pcap" if captures else "capture.pcap"
    if directory is not None and resume and not captures and (directory / "capture.pcap").exists():
        captures = [{"file": "capture.pcap", "sha256": _sha256_file(directory / "capture.pcap")}]
        capture_name = "capture-2.pcap"
    header = {"points_file": signals.path, "points_sha256": signals.sha256, "started": started,
              "captures": captures + ([{"file": capture_name, "sha256": ""}] if directory else [])}
    state = _State(directory, header, resume)
    results: list[ItemResult] = []
    unexpected: list[dict[str, Any]] = []

    def record(item: ItemResult) -> None:
        if item.row not in options.done:
            state.add(item)
        if on_result is not None:
            on_result(item)

    run = RunResults(rtu or f"{host}:{port}", signals.path, signals.sha256, started, tool=f"c104test {__version__}",
                     witnesses=tuple(witnesses), notes=signals.sheet_notes())
    # the caller's timeout bounds the STARTDT con too (else the link's t1, 15 s by default)
    connect = {"command_timeout": options.timeout, "start_timeout": options.timeout, **(connect_options or {})}
    conn = ClientConnection(host, port, **connect)

    def keep_capture() -> str:
        """Write the frames exchanged so far (a failed STARTDT's too: the evidence the RTU owner
        needs); '' when there is no directory or the TCP connection never opened."""
        if directory is None or (conn.journal.endpoints is None and not len(conn.journal)):
            return ""
        conn.journal.write_pcap(directory / capture_name)
        captures.append({"file": capture_name, "sha256": _sha256_file(directory / capture_name)})
        return str(directory / capture_name)

    try:
        try:
            async with trio.open_nursery() as nursery:  # open_connection's, keeping the connection's journal
                await nursery.start(conn.run)
                try:
                    results, unexpected = await check_points(conn, signals, options, record)
                finally:
                    await conn.close()
                    nursery.cancel_scope.cancel()
        except BaseExceptionGroup as group:
            error = unwrap_group(group)
            raise error from error.__cause__
        finally:
            written = keep_capture()
    except C104TestError as exc:
        failed = exc
        if isinstance(exc, LinkDown) and exc.cause is CloseCause.START_TIMEOUT:
            # name what the RTU did not do, and the bound (the caller's timeout, not the link's t1)
            failed = LinkDown(
                f"the RTU at {host}:{port} accepted the TCP connection but did not confirm STARTDT act "
                f"(no STARTDT con) within {connect['start_timeout']:g} s; no point was checked",
                by=exc.by, cause=exc.cause,
            )
        # the capture of the frames exchanged before the failure: the console and a fleet's report name it
        failed.captures = [c for c in captures if written.endswith(c["file"])] if written else []  # type: ignore[attr-defined]
        if failed is exc:
            raise
        raise failed from exc
    finally:
        state.close()
    run.points, run.unexpected, run.captures, run.finished = results, unexpected, captures, _now()
    run.interrupted = interruption(p for p in results if p.row not in options.done)
    if directory is not None:
        write_fat_reports(run, signals, directory)
    return run


def _nothing_left(directory: Path, signals: SignalList, options: FatOptions, started: str,
                  captures: list[dict[str, str]], rtu: str, witnesses: tuple[str, ...]) -> None:
    """NothingLeft when the resumed run has no row to check: nothing is sent, and the earlier
    report stays as it is (a run cut short after its last row, before its reports were written,
    gets them now from its state)."""
    left = [r for r in signals.rows if r.row not in options.done and not r.skip
            and (options.only is None or options.only(r))]
    if left:
        return
    path = directory / "results.json"
    try:
        earlier = load_results(path)
        if earlier.points_sha256 != signals.sha256:
            raise ValueError("another list")
        written = "the reports in it are unchanged"
    except ValueError:
        earlier = finish(RunResults(rtu, signals.path, signals.sha256, started, tool=f"c104test {__version__}",
                                    witnesses=witnesses, captures=captures, notes=signals.sheet_notes()),
                         [options.done.get(r.row) or _not_checked(r, options) for r in signals.rows], [])
        earlier.notes.append(("unexpected points", "not known: the run was cut short before it wrote its reports"))
        write_fat_reports(earlier, signals, directory)
        written = "its reports are written from its state now (the points the RTU reported beyond the list are not known)"
    done = sum(1 for r in signals.rows if r.row in options.done)
    rest = len(signals.rows) - done
    skipped = f" (the other {rest} are skipped)" if rest else ""
    verdict = "INTERRUPTED" if earlier.interrupted else "PASSED" if earlier.passed else "FAILED"
    counts = ", ".join(f"{n} {v}" for v, n in earlier.counts().items() if n)
    raise NothingLeft(f"nothing left to resume in {directory}: {done} of {len(signals.rows)} rows of {signals.path} "
                      f"have their result from the run started {started}{skipped}; nothing was sent, "
                      f"{written}: {verdict}: {counts}", earlier)


def _not_checked(row: Any, options: FatOptions) -> ItemResult:
    reason = "skip flag set in the list" if row.skip else "not selected by --only"
    return ItemResult(row.row, row.common_address, row.io_address, row.name, "skipped", reason=reason)


def write_fat_reports(run: RunResults, signals: SignalList, directory: str | Path) -> None:
    """The four report forms, the XLSX one being the list as written plus the result columns."""
    write_reports(run, directory, (signals.headers, {r.row: r.cells for r in signals.rows}))


def failure_message(run: RunResults, limit: int = 20) -> str:
    """``2 of 12 points failed: row 4 (Q1, CA 47 IOA 200): value ON, expected OFF; ...`` or ''.

    A run cut short by a lost connection says why once; the rows it left unchecked are counted,
    not listed one by one with the same cause.
    """
    bad = run.failures()
    if not bad:
        return ""
    checked = sum(1 for p in run.points if p.verdict != "skipped")
    shown = [p for p in bad if not p.reason.startswith(f"not checked: {LOST}")]
    lines = [f"row {p.row} ({p.name}, CA {p.common_address} IOA {p.io_address}): {p.verdict}: {p.reason}" for p in shown[:limit]]
    if len(shown) > limit:
        lines.append(f"... and {len(shown) - limit} more")
    if len(bad) > len(shown):
        lines.append(f"{len(bad) - len(shown)} more rows not checked: the connection was lost (see above)")
    return f"{len(bad)} of {checked} points failed:\n" + "\n".join(lines)


def unchecked_message(run: RunResults, limit: int = 10) -> str:
    """``2 rows not checked: row 4 (Trip Q0): not checked: reported only as events ...`` or '':
    the rows the run could not judge (a point reported only as events that sent none), said
    beside the verdict, which they do not fail, so that a PASSED run does not read as if they passed."""
    rows = [p for p in run.points if p.verdict == "skipped" and p.reason.startswith("not checked:")]
    if not rows:
        return ""
    lines = [f"row {p.row} ({p.name}, CA {p.common_address} IOA {p.io_address}): {p.reason}" for p in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more")
    return f"{len(rows)} row{'s' * (len(rows) != 1)} not checked:\n" + "\n".join(lines)


def new_results(signals: SignalList, rtu: str, witnesses: tuple[str, ...] = ()) -> RunResults:
    """An empty ``RunResults`` for a run that starts now."""
    return RunResults(rtu, signals.path, signals.sha256, _now(), tool=f"c104test {__version__}", witnesses=witnesses,
                      notes=signals.sheet_notes())


def finish(run: RunResults, results: list[ItemResult], unexpected: list[dict[str, Any]]) -> RunResults:
    run.points, run.unexpected, run.finished = results, unexpected, _now()
    run.interrupted = interruption(results)
    return run


async def run_fat_simulated(
    signals: SignalList, profile: Profile | None = None, *, faults: tuple[Any, ...] = (), **kwargs: Any
) -> RunResults:
    """``run_fat`` against an embedded simulator of ``profile`` (default: the demo RTU)."""
    async with open_simulator(profile, faults=faults or None) as sim:
        kwargs.setdefault("rtu", f"simulator {sim.profile.name or ''}".strip())
        assert sim.port is not None
        return await run_fat("127.0.0.1", sim.port, signals, **kwargs)
