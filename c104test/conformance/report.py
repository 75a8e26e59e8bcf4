"""The conformance report: ``results.json`` (the issue's contract: one entry per case ID),
``junit.xml`` (one testcase per case ID) and ``report.html`` (the shared report page of
``c104test.reports``: summary table by case, each failure's evidence as a sequence chart).
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from .case import Verdict
from .context import CaseResult

__all__ = ["capture_path", "file_sha256", "report_notes", "results_document", "write_html", "write_junit", "write_reports",
           "write_results"]


def capture_path(directory: str) -> str:
    """Where a run's capture goes (the directory is made here)."""
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, "capture.pcap")


def file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def results_document(results: Sequence[CaseResult], *, host: str, port: int, pics: str,
                     started: str, finished: str, capture_sha256: str | None = None, mode: str = "rtu",
                     pics_sha256: str | None = None, pics_omitted: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The results.json document; ``mode`` says which device was under test ("rtu" or "master":
    then ``rtu`` is the address where the simulated RTU listened). ``pics_omitted``: the items the
    PICS file left out and the value used instead (``Pics.omitted``)."""
    return {
        "tool": {"name": "c104test", "version": __version__},
        "mode": mode,
        "rtu": {"host": host, "port": port},
        "pics": pics,
        "pics_sha256": pics_sha256 if pics_sha256 is not None else _sha256_or_empty(pics),
        "pics_omitted": dict(pics_omitted or {}),
        "started": started,
        "finished": finished,
        "capture_sha256": capture_sha256,
        "cases": [
            {"id": r.id, "title": r.title, "clause": r.clause, "verdict": r.verdict.value, "reason": r.reason,
             "seconds": round(r.seconds, 3), "evidence": [e.as_dict() for e in r.evidence]}
            for r in results
        ],
    }


def report_notes(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header lines of report.html that results.json carries beside the cases: the PICS items
    the file left out, so the page says what the JSON says."""
    notes: list[tuple[str, str]] = []
    omitted = document.get("pics_omitted") or {}
    claims = [k for k, v in omitted.items() if isinstance(v, bool)]
    values = [f"{k} {v}" for k, v in omitted.items() if not isinstance(v, bool)]
    if claims:
        notes.append(("PICS: not claimed (optional, not in the file)", ", ".join(claims)))
    if values:
        notes.append(("PICS: not in the file, the standard's default used", ", ".join(values)))
    return notes


def write_results(directory: str, document: dict[str, Any]) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "results.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    return path


def write_junit(directory: str, results: Sequence[CaseResult], *, interrupted: str = "") -> str:
    """One testcase per case; a run cut short gets one more, in error, that says so (a CI reading
    only junit.xml saw a green suite of the cases that happened to finish)."""
    os.makedirs(directory, exist_ok=True)
    suite = ET.Element("testsuite", name="c104test conformance", tests=str(len(results) + bool(interrupted)),
                       failures=str(sum(r.verdict is Verdict.FAIL for r in results)),
                       errors=str(sum(r.verdict is Verdict.ERROR for r in results) + bool(interrupted)),
                       skipped=str(sum(r.verdict is Verdict.NOT_APPLICABLE for r in results)),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for r in results:
        testcase = ET.SubElement(suite, "testcase", classname="conformance", name=f"{r.id} {r.title}", time=f"{r.seconds:.3f}")
        if r.verdict is Verdict.FAIL:
            ET.SubElement(testcase, "failure", message=r.reason).text = "\n".join(
                f"{e.t:8.3f} {e.dir:8} {e.explained}" for e in r.evidence)
        elif r.verdict is Verdict.ERROR:
            ET.SubElement(testcase, "error", message=r.reason)
        elif r.verdict is Verdict.NOT_APPLICABLE:
            ET.SubElement(testcase, "skipped", message=r.reason)
    if interrupted:
        testcase = ET.SubElement(suite, "testcase", classname="conformance", name="run interrupted", time="0.000")
        ET.SubElement(testcase, "error", message=f"interrupted: {interrupted}")
    path = os.path.join(directory, "junit.xml")
    ET.ElementTree(ET.Element("testsuites")).getroot().append(suite)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def _sha256_or_empty(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def write_html(directory: str, results: Sequence[CaseResult], *, host: str, port: int, pics: str,
               started: str, finished: str, peer: str = "RTU", pics_sha256: str | None = None,
               capture_sha256: str | None = None, notes: Sequence[tuple[str, str]] = (), interrupted: str = "") -> str:
    """``report.html`` through the shared writer (its conformance words: case, clause, n/a, PICS)."""
    from ..reports import Frame, ItemResult, RunResults
    from ..reports.writers import write_html as shared_html

    digest = pics_sha256 if pics_sha256 is not None else _sha256_or_empty(pics)
    verdicts = {Verdict.PASS: "pass", Verdict.FAIL: "fail", Verdict.ERROR: "error", Verdict.NOT_APPLICABLE: "skipped"}
    where = f"{host}:{port}" if peer == "RTU" else f"{peer} under test (simulated RTU on {host}:{port})"
    run = RunResults(where, pics, digest, started, finished, f"c104test {__version__}", kind="conformance", peer=peer,
                     captures=[{"file": "capture.pcap", "sha256": capture_sha256}] if capture_sha256 else [],
                     notes=list(notes), interrupted=interrupted)
    for row, r in enumerate(results, start=1):
        frames = tuple(Frame(e.t, e.dir == "sent", e.explained, e.hex) for e in r.evidence)
        run.points.append(ItemResult(row, None, None, f"{r.id} {r.title}", verdicts[r.verdict], expected=r.clause,
                                     reason=r.reason, duration=r.seconds, frames=frames))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "report.html")
    shared_html(run, path)
    return path


def write_reports(output: str, document: dict[str, Any], results: Sequence[CaseResult], *, host: str, port: int,
                  pics: str, peer: str = "RTU") -> None:
    """``results.json``, ``junit.xml`` and ``report.html`` of a run (RTU or master mode) from its
    results document (``results_document``; an ``"interrupted"`` key marks a run cut short)."""
    interrupted = document.get("interrupted", "")
    write_results(output, document)
    write_junit(output, results, interrupted=interrupted)
    write_html(output, results, host=host, port=port, pics=pics, started=document["started"],
               finished=document["finished"], peer=peer, pics_sha256=document["pics_sha256"],
               capture_sha256=document["capture_sha256"], notes=report_notes(document), interrupted=interrupted)
