"""The FAT checks over a blocking connection (Robot keywords, Gherkin steps): one call per list."""

from __future__ import annotations

from pathlib import Path

from ..fat.checks import FatOptions, check_points
from ..fat.directory import CLI_HINT, claim_directory
from ..fat.runner import finish, new_results, write_fat_reports
from ..fat.signals import SignalList
from ..reports.results import RunResults
from .session import RtuConnection

__all__ = ["verify_point_list"]


def verify_point_list(
    rtu: RtuConnection,
    signals: SignalList,
    options: FatOptions | None = None,
    *,
    output: str | Path | None = None,
    witnesses: tuple[str, ...] = (),
    overwrite: bool = False,
    hint: str = CLI_HINT,
) -> RunResults:
    """Check ``signals`` over ``rtu`` in the trio thread; write the reports to ``output`` if given.

    An earlier run's report in ``output`` is refused before anything is sent (ReportExists, with
    ``hint`` saying how to go on) unless ``overwrite`` replaces it.
    """
    if output is not None:
        claim_directory(output, overwrite=overwrite, hint=hint)
    run = new_results(signals, f"{rtu.host}:{rtu.port}", witnesses)
    results, unexpected = rtu._run(check_points, rtu.engine, signals, options or FatOptions(timeout=rtu.timeout))
    finish(run, results, unexpected)
    if output is not None:
        directory = Path(output)
        directory.mkdir(parents=True, exist_ok=True)
        rtu.engine.journal.write_pcap(directory / "capture.pcap")
        import hashlib

        run.captures = [{"file": "capture.pcap", "sha256": hashlib.sha256((directory / "capture.pcap").read_bytes()).hexdigest()}]
        write_fat_reports(run, signals, directory)
    return run
