"""Progress of a FAT run on the console: a rich bar on a terminal, plain lines otherwise.

The bar shows the row, its verdict and the time left; in a pipe or a CI log each row is one
line (``row 4 fail: value ON, expected OFF``), which a log keeps readable.
"""

from __future__ import annotations

import sys
from typing import Any

from ..reports.results import ItemResult
from .checks import LOST

__all__ = ["Progress"]


class Progress:
    """Call ``advance`` with every result inside ``with progress:``."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.count = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.stream.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task("FAT", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def advance_named(self, name: str, item: ItemResult) -> None:
        """``advance`` for one RTU of a fleet: its name leads the line."""
        self.advance(item, f"{name} ")

    def advance(self, item: ItemResult, prefix: str = "") -> None:
        self.count += 1
        text = f"{prefix}row {item.row} {item.verdict}" + (f": {item.reason}" if item.reason and item.verdict != "pass" else "")
        if self._bar is not None:
            from rich.markup import escape

            self._bar.update(self._task, advance=1, description=escape(f"row {item.row} {item.name[:30]} {item.verdict}"))
            # reasons may hold [brackets]; the rows a lost connection left unchecked are counted by
            # the bar, not printed one by one (the first of them names the cause)
            if item.verdict in ("fail", "error") and not item.reason.startswith(f"not checked: {LOST}"):
                self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(f"[{self.count}/{self.total}] {text}", file=self.stream, flush=True)
