"""One summary page over many runs (a fleet, or ``report merge`` of CI jobs), linking each report."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from pathlib import Path

from .results import RunResults, merge

__all__ = ["write_summary"]


def write_summary(runs: Sequence[tuple[RunResults, Path]], directory: Path) -> bool:
    """``summary.json`` and ``summary.html`` in ``directory``; True when every run passed."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = merge(r for r, _ in runs)
    for row, (_, where) in zip(rows, runs, strict=True):
        # a results.json kept alone (a CI artifact) has no page beside it: no link to a missing file
        page = where / "report.html"
        row["report"] = os.path.relpath(page, directory) if page.is_file() else None
    (directory / "summary.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>FAT summary</title></head><body>",
           f"<h1>FAT summary: {len(rows)} RTUs</h1><table border='1'><tr><th>RTU</th><th>verdict</th><th>pass</th>"
           "<th>fail</th><th>error</th><th>skipped</th><th>unexpected</th><th>report</th><th>first problem</th></tr>"]
    for row in rows:
        out.append(f"<tr><td>{e(row['rtu'])}</td><td>{'PASSED' if row['passed'] else 'FAILED'}</td><td>{row['pass']}</td>"
                   f"<td>{row['fail']}</td><td>{row['error']}</td><td>{row['skipped']}</td><td>{row['unexpected']}</td>"
                   + (f"<td><a href='{e(row['report'])}'>report</a></td>" if row["report"] else
                      "<td>no report.html beside its results.json</td>")
                   + f"<td>{e(row['first_problem'])}</td></tr>")
    out.append("</table></body></html>")
    (directory / "summary.html").write_text("\n".join(out), encoding="utf-8")
    return all(row["passed"] for row in rows)
