"""Factory and site acceptance tests over a signal list (docs/fat.md).

- :mod:`.signals`: the signal list (CSV, XLSX), its columns, its template, its validation
- :mod:`.checks`: the checks per row over one engine connection
- :mod:`.runner`: one run with its resume state and reports
- :mod:`.directory`: the report directory (an earlier run's report is never overwritten silently)
"""

from .checks import FatOptions, check_points
from .runner import run_fat, run_fat_simulated
from .signals import (
    COLUMNS,
    SignalList,
    SignalListError,
    SignalRow,
    read_signal_list,
    write_template,
)

__all__ = [
    "COLUMNS",
    "FatOptions",
    "SignalList",
    "SignalListError",
    "SignalRow",
    "check_points",
    "read_signal_list",
    "run_fat",
    "run_fat_simulated",
    "write_template",
]
