"""Gherkin steps of the FAT: a whole signal list, or points listed inline, checked by c104test.fat.

Registered by the plugin beside ``c104test.bdd.steps``; the columns, values and verdicts are those
of ``c104test fat`` (docs/fat.md), so a list gives the same verdicts in every front end.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from c104test.fat.checks import FatOptions, pixit_of
from c104test.fat.runner import failure_message, unchecked_message
from c104test.fat.signals import SignalList, SignalListError, from_table, read_signal_list
from c104test.sync.fat import verify_point_list

from .arguments import require_connection
from .registry import StepFailed, StepUsageError, step

if TYPE_CHECKING:
    from c104test.bdd.plugin import C104Context

__all__ = ["rtu_matches_point_list", "rtu_matches_points"]


def _verify(context: C104Context, signals: SignalList, commands: bool, pics: Any = None) -> None:
    """``pics``: the scenario's PICS (``Given the PICS "file"``), read as ``c104test fat --pics``
    reads it: ACT_TERM required when it claims it, a row needing what it does not claim skipped."""
    connection = require_connection(context)
    context.begin_action()
    act_term = pixit_of(pics)[0] if pics is not None else "optional"
    run = verify_point_list(connection, signals, FatOptions(commands=commands, timeout=context.timeout,
                                                            act_term=act_term, pics=pics))
    unchecked = unchecked_message(run)
    if unchecked:  # not a failure, and not a pass either: said as Verify Point List and the CLI say it
        warnings.warn(unchecked, stacklevel=3)
    message = failure_message(run)
    if message:
        raise StepFailed(message)


@step("Then", r'the RTU matches the point list "(?P<file>[^"]+)"(?P<monitor_only> without commands)?')
def rtu_matches_point_list(c104_context: C104Context, c104_conformance: dict[str, Any], file: str,
                           monitor_only: str | None) -> None:
    """the RTU matches the point list "<file>" [without commands]

    Every row of a signal list (CSV or XLSX, as for ``c104test fat``; a relative path is taken
    from the feature file's folder) is checked: presence in the station and group interrogations,
    type, value, quality and, unless "without commands", each command's confirmation and fresh
    return report. The failure lists every failing row with its reason. After ``Given the PICS
    "file"`` the PICS is read as ``c104test fat --pics`` reads it (ACT_TERM, rows it does not claim).

    Examples:
        Then the RTU matches the point list "signals.csv"
        Then the RTU matches the point list "lists/rtu12.xlsx" without commands
    """
    path = Path(file)
    if not path.is_absolute() and c104_context.feature_dir is not None:
        path = c104_context.feature_dir / path
    try:
        signals = read_signal_list(path)
    except SignalListError as exc:
        raise StepUsageError(str(exc)) from None
    if signals.unused:
        warnings.warn(f"{path}: columns not checked (no field of the list): "
                      + ", ".join(repr(h) for h in signals.unused), stacklevel=2)
    _verify(c104_context, signals, monitor_only is None, c104_conformance.get("pics"))


@step("Then", r"the RTU matches these points(?P<monitor_only> without commands)?:")
def rtu_matches_points(c104_context: C104Context, c104_conformance: dict[str, Any], datatable: list[list[str]],
                       monitor_only: str | None) -> None:
    """the RTU matches these points [without commands]:

    A signal list inline, as a data table with the columns of a signal list file (name,
    common_address, io_address, type, expected_value, ...; docs/fat.md). Rows are numbered from
    2, as in a file whose first line is the header.

    Examples:
        Then the RTU matches these points:
        Then the RTU matches these points without commands:
    """
    try:
        signals = from_table(datatable, file="the data table")
    except SignalListError as exc:
        raise StepUsageError(str(exc)) from None
    _verify(c104_context, signals, monitor_only is None, c104_conformance.get("pics"))
