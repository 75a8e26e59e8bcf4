"""The four report forms of a run, from one ``RunResults``: JSON, JUnit XML, HTML and XLSX.

``write_reports(run, directory, table)`` writes ``results.json``, ``junit.xml``, ``report.html``
and ``report.xlsx``. ``table`` is the source list as written (its header and its cells per row
number) so that ``report.xlsx`` is that list with result columns added: the file engineers sign.
A conformance run passes its case table the same way.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from .chart import sequence_chart
from .results import ItemResult, RunResults

__all__ = ["RESULT_COLUMNS", "list_row_column", "result_columns", "write_html", "write_junit", "write_reports", "write_xlsx"]

#: Columns appended to the list in report.xlsx.
RESULT_COLUMNS = ("seen value", "seen quality", "verdict", "time (s)", "remark")

Table = tuple[Sequence[str], Mapping[int, Sequence[str]]]


def write_reports(run: RunResults, directory: str | Path, table: Table | None = None) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    run.write(directory / "results.json")
    write_junit(run, directory / "junit.xml")
    write_html(run, directory / "report.html")
    write_xlsx(run, directory / "report.xlsx", table)


def _title(item: ItemResult) -> str:
    where = f"CA {item.common_address} IOA {item.io_address}" if item.io_address is not None else ""
    return f"row {item.row}: {item.name} ({where})" if where else item.name  # a case: "L03 I-frame while stopped"


def write_junit(run: RunResults, path: str | Path) -> None:
    """One testcase per row; failures carry the reason and the evidence frames."""
    counts = run.counts()
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name=f"{run.kind} {run.rtu}", tests=str(len(run.points)),
                          failures=str(counts["fail"]), errors=str(counts["error"]), skipped=str(counts["skipped"]),
                          time=f"{sum(p.duration for p in run.points):.3f}", timestamp=run.started)
    for item in run.points:
        case = ET.SubElement(suite, "testcase", classname=f"{run.kind}.{Path(run.points_file).name}",
                             name=_title(item), time=f"{item.duration:.3f}")
        evidence = "\n".join(f"{f.t:9.3f} {'->' if f.sent else '<-'} {f.text}" for f in item.frames)
        if item.verdict == "fail":
            ET.SubElement(case, "failure", message=item.reason).text = (
                f"expected: {item.expected}\nseen: {item.seen} quality {item.quality}\n{evidence}")
        elif item.verdict == "error":
            ET.SubElement(case, "error", message=item.reason).text = evidence
        elif item.verdict == "skipped":
            ET.SubElement(case, "skipped", message=item.reason)
    for point in run.unexpected:
        case = ET.SubElement(suite, "testcase", classname=f"{run.kind}.unexpected",
                             name=f"unexpected CA {point['common_address']} IOA {point['io_address']}")
        ET.SubElement(case, "skipped", message=f"reported but not in the list: {point['type']} {point['value']}")
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
.pass{background:#e3f4e3}.fail{background:#fbe0e0}.error{background:#fde9c8}.skipped{color:#777}
.sign td{height:3em;min-width:14em}svg text{font-family:monospace;font-size:11px}
"""


#: What the page calls things, per kind of run: a FAT checks the rows of a signal list, a
#: conformance run the cases its PICS selects (no address, no value; ``skipped`` is ``n/a``).
_WORDS = {
    "fat": {"source": "list", "skipped": "skipped", "columns": ("row", "name", "CA", "IOA", "expected", "seen", "quality")},
    "conformance": {"source": "PICS", "skipped": "n/a", "columns": ("#", "case", "clause")},
}


def _verdict(run: RunResults) -> str:
    """A run cut short is neither PASSED nor FAILED: the rows that never ran were not checked."""
    return "INTERRUPTED" if run.interrupted else "PASSED" if run.passed else "FAILED"


def write_html(run: RunResults, path: str | Path) -> None:
    """A self-contained page: header facts, summary, one line per row, failure evidence as charts."""
    e = html.escape
    counts = run.counts()
    words = _WORDS.get(run.kind, _WORDS["fat"])
    fat = run.kind != "conformance"
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(run.kind.upper())} report {e(run.rtu)}</title>",
           f"<style>{_CSS}</style></head><body>", f"<h1>{e(run.kind.upper())} report: {e(run.rtu)}</h1>", "<table>"]
    facts = [("RTU" if run.peer == "RTU" else "device under test", run.rtu),
             (f"{words['source']} file", run.points_file), (f"{words['source']} sha256", run.points_sha256),
             ("tool", run.tool), ("witnesses", ", ".join(run.witnesses) or "-"), ("started", run.started),
             ("finished", run.finished)]
    facts += [(f"capture {c['file']} sha256", c["sha256"]) for c in run.captures]
    facts += [("interrupted", run.interrupted)] if run.interrupted else []
    facts += [(label, text) for label, text in run.notes]
    out += [f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in facts]
    out.append("</table>")
    verdict = _verdict(run)
    out.append(f"<h2 id='verdict'>{verdict}: "
               + ", ".join(f"{n} {words['skipped'] if v == 'skipped' else v}" for v, n in counts.items())
               + (f", {len(run.unexpected)} unexpected" if fat else "") + "</h2>")
    out.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in words["columns"])
               + "<th>verdict</th><th>time (s)</th><th>reason</th></tr>")
    failed = [p for p in run.failures() if p.frames]
    charted = {id(p) for p in failed}
    for p in run.points:
        shown = words["skipped"] if p.verdict == "skipped" else p.verdict
        link = f"<a href='#row-{p.row}'>{shown}</a>" if id(p) in charted else shown  # only failures have a chart
        cells = ([p.row, p.name, p.common_address, p.io_address, p.expected, p.seen, p.quality] if fat
                 else [p.row, p.name, p.expected])
        out.append(f"<tr class='{p.verdict}'>" + "".join(f"<td>{e(str(c))}</td>" for c in cells)
                   + f"<td>{link}</td><td>{p.duration:.3f}</td><td>{e(p.reason)}</td></tr>")
    out.append("</table>")
    if run.unexpected:
        out.append("<h2>Reported but not in the list</h2><table><tr><th>CA</th><th>IOA</th><th>type</th><th>value</th></tr>")
        out += [f"<tr class='fail'><td>{u['common_address']}</td><td>{u['io_address']}</td><td>{e(u['type'])}</td>"
                f"<td>{e(str(u['value']))}</td></tr>" for u in run.unexpected]
        out.append("</table>")
    if failed:
        out.append("<h2>Evidence of failures</h2>")
        for p in failed:
            out.append(f"<h3 id='row-{p.row}'>{e(_title(p))}</h3><p>{e(p.reason)}</p>")
            out.append(sequence_chart(p.frames, right=run.peer))
    out.append("<h2>Signatures</h2><table class='sign'><tr><th>role</th><th>name</th><th>signature and date</th></tr>")
    out += [f"<tr><td>witness</td><td>{e(w)}</td><td></td></tr>" for w in run.witnesses or ("vendor", "utility")]
    out.append("</table></body></html>")
    Path(path).write_text("\n".join(out), encoding="utf-8")


def _number(cell: object) -> object:
    """Whole numbers written as text in a CSV stay numbers in the workbook (IOA, CA); a leading
    zero (a signal number 0042, a code) keeps the text as written."""
    text = cell.strip() if isinstance(cell, str) else ""
    if text.isascii() and text.isdigit() and len(text) < 10 and (text == "0" or not text.startswith("0")):
        return int(text)
    return cell


def result_columns(headers: Sequence[str]) -> tuple[str, ...]:
    """The result columns' headers beside the list's own: a list that has a 'Verdict' or a
    'Remark' column of its own (for the witnesses' hand) gets 'c104test verdict', so that the
    signed sheet never shows two columns of one name.

    >>> result_columns(["name", "Remark"])[-1]
    'c104test remark'
    """
    taken = {str(h).strip().lower() for h in headers}
    return tuple(f"c104test {c}" if c in taken else c for c in RESULT_COLUMNS)


def list_row_column(headers: Sequence[str]) -> str:
    """The header of report.xlsx's first column, the list's own row number ('c104test list row'
    when the list has a 'list row' column of its own).

    >>> list_row_column(["name", "ioa"])
    'list row'
    """
    return "c104test list row" if "list row" in {str(h).strip().lower() for h in headers} else "list row"


def _as_written(sheet: object, value: object) -> object:
    """Text that begins with '=' stays text: openpyxl would write it as a formula, so a remark
    '=> see drawing 12' became a broken formula in the workbook that is signed."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(run: RunResults, path: str | Path, table: Table | None = None) -> None:
    """The list as written plus the result columns, a Summary sheet and an Unexpected sheet."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    fills = {"pass": "E3F4E3", "fail": "FBE0E0", "error": "FDE9C8", "skipped": "EEEEEE"}
    book = openpyxl.Workbook(write_only=True)  # streams rows: a few times faster for long lists
    sheet = book.create_sheet("Results")
    headers = list(table[0]) if table else ["name", "common_address", "io_address", "expected"]
    # the row number of the list as its user sees it (sheet or CSV): this sheet drops blank and
    # comment rows and starts at row 2, and every reason, console line and report says "row 8"
    sheet.append([list_row_column(headers), *headers, *result_columns(headers)])
    styles = {verdict: PatternFill("solid", fgColor=colour) for verdict, colour in fills.items()}
    for p in run.points:
        cells = list(table[1].get(p.row, ())) if table else [p.name, p.common_address, p.io_address, p.expected]
        cells = [None if c == "" else _as_written(sheet, _number(c)) for c in cells] + [None] * (len(headers) - len(cells))
        verdict = WriteOnlyCell(sheet, p.verdict)
        verdict.fill = styles[p.verdict]
        sheet.append([p.row, *cells, _as_written(sheet, p.seen or None), p.quality or None, verdict, round(p.duration, 3),
                      _as_written(sheet, p.reason or None)])
    summary = book.create_sheet("Summary")
    for key, value in (("RTU", run.rtu), ("list file", run.points_file), ("list sha256", run.points_sha256),
                       ("tool", run.tool), ("started", run.started), ("finished", run.finished),
                       ("verdict", _verdict(run)), *((("interrupted", run.interrupted),) if run.interrupted else ()),
                       *run.counts().items(),
                       ("unexpected", len(run.unexpected)),
                       *((f"capture {c['file']} sha256", c["sha256"]) for c in run.captures), *run.notes):
        summary.append([key, _as_written(summary, value)])
    summary.append([])
    summary.append(["witness", "signature", "date"])
    for name in run.witnesses or ("vendor", "utility"):
        summary.append([_as_written(summary, name), "", ""])
    if run.unexpected:
        extra = book.create_sheet("Unexpected")
        extra.append(["common_address", "io_address", "type", "value"])
        for u in run.unexpected:
            extra.append([u["common_address"], u["io_address"], u["type"], str(u["value"])])
    book.save(path)
