"""Run catalogue cases against an RTU: one fresh context (connections, evidence) per case.

>>> async def main(pics):
...     results = await run_cases(select_cases("A02-A05"), "127.0.0.1", 2404, pics)
...     print([(r.id, r.verdict.value) for r in results])

A case passes when its coroutine returns, fails on ``CaseFailed``, is ``n/a`` on
``CaseNotApplicable`` (the reason names the PICS item), and is ``error`` when it could not be
carried out (no connection to the RTU, a bug in the case); every case is bounded in time.

A run ends early with ``RtuUnreachable`` when its first case cannot connect (a wrong address, the
RTU off), or when ``GIVE_UP_AFTER`` cases in a row cannot (the RTU went away): each such case
would otherwise wait t0 in turn. Fewer in a row are carried on, for an RTU that restarts after a
robustness case.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable

import trio

from ..engine.errors import ConnectFailed
from ..engine.pcap import CaptureWriter
from ..engine.transport import Transport
from .case import Case, CaseFailed, CaseNotApplicable, Verdict
from .context import CaseContext, CaseResult
from .pics import Pics

__all__ = ["GIVE_UP_AFTER", "SETTLE_SECONDS", "CaseResult", "RtuUnreachable", "case_time_limit", "run_case",
           "run_cases", "run_suite"]

#: Pause between two cases of a run, for the RTU to release the connections of the first.
SETTLE_SECONDS = 0.5
#: Cases in a row that could not connect after which a run stops (the first case: at once).
GIVE_UP_AFTER = 3
_NO_CONNECTION = "could not connect to the RTU: "


class RtuUnreachable(ConnectFailed):
    """A run stopped early: the RTU could not be reached (see ``run_cases``)."""


def case_time_limit(pics: Pics) -> float:
    """The longest a case may take: a few RTU timers, plus the select time-out (A24)."""
    return 4 * float(pics["link.t1"]) + 2 * float(pics["link.t3"]) + float(pics["commands.select_timeout"]) + 10


async def run_case(case: Case, host: str, port: int, pics: Pics, *, transport: Transport | None = None,
                   capture: CaptureWriter | None = None) -> CaseResult:
    """One case, its verdict, reason and evidence frames (added to ``capture`` when given)."""
    started = trio.current_time()
    ctx = CaseContext(host, port, pics, transport)
    verdict, reason = Verdict.PASS, ""
    limit = case_time_limit(pics) + case.extra_seconds
    try:
        with trio.fail_after(limit):
            async with ctx.open():
                await case.run(ctx)
    except CaseFailed as exc:
        verdict, reason = Verdict.FAIL, str(exc)
    except CaseNotApplicable as exc:
        verdict, reason = Verdict.NOT_APPLICABLE, str(exc)
    except ConnectFailed as exc:
        verdict, reason = Verdict.ERROR, f"{_NO_CONNECTION}{exc}"
    except trio.TooSlowError:
        verdict, reason = Verdict.ERROR, f"the case did not finish within {limit:g} s"
    except Exception as exc:  # a case that breaks must not stop the run; the report says why
        verdict, reason = Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    if capture is not None:
        ctx.add_to_capture(capture, f"case {case.id} {case.title}")
    if verdict in (Verdict.FAIL, Verdict.ERROR):  # a failure that depends on an item the file left out says so
        reason += pics.omitted_note(case.pics)
    return CaseResult(case.id, case.title, case.clause, verdict, reason,
                      trio.current_time() - started, tuple(ctx.evidence()))


async def run_cases(cases: Iterable[Case], host: str, port: int, pics: Pics,
                    on_result: Callable[[CaseResult], None] | None = None, *,
                    transport: Transport | None = None, capture: CaptureWriter | None = None) -> list[CaseResult]:
    """The cases' results in the order given; cases marked ``runs_first`` (A15) run before the
    others, because the others change what they check (a clock synchronisation).

    Raises ``RtuUnreachable`` when the first case, or ``GIVE_UP_AFTER`` in a row, could not connect
    (``on_result`` has seen every case that ran)."""
    cases = list(cases)
    order = sorted(range(len(cases)), key=lambda i: not cases[i].runs_first)
    results: list[CaseResult | None] = [None] * len(cases)
    unreachable = 0
    for n, i in enumerate(order):
        if n:
            # The RTU sees the last case's connections close a moment after the tool closed them;
            # a case that counts connections (redundancy groups: A06, L06, L18-L20) starts after.
            await trio.sleep(SETTLE_SECONDS)
        result = await run_case(cases[i], host, port, pics, transport=transport, capture=capture)
        results[i] = result
        if on_result is not None:
            on_result(result)
        unreachable = unreachable + 1 if result.reason.startswith(_NO_CONNECTION) else 0
        left = len(order) - n - 1
        if left and (unreachable == n + 1 or unreachable >= GIVE_UP_AFTER):
            cause = result.reason[len(_NO_CONNECTION):]
            ran = "the first case" if n == 0 else f"{unreachable} cases in a row ({', '.join(cases[j].id for j in order[n + 1 - unreachable:n + 1])})"
            raise RtuUnreachable(f"stopped: {ran} could not connect to the RTU at {host}:{port} ({cause}); "
                                 f"the other {left} case{'s' if left != 1 else ''} did not run")
    return [r for r in results if r is not None]


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


async def run_suite(host: str, port: int, pics: Pics, cases: Iterable[Case], output: str,
                    on_result: Callable[[CaseResult], None] | None = None, *,
                    transport: Transport | None = None) -> list[CaseResult]:
    """Run ``cases`` and write ``results.json``, ``junit.xml``, ``report.html`` and
    ``capture.pcap`` (every frame of every case) into ``output``."""
    from .report import capture_path, file_sha256, results_document, write_reports

    started = utc_now()
    cases = list(cases)
    done: list[CaseResult] = []

    def record(result: CaseResult) -> None:
        done.append(result)
        if on_result is not None:
            on_result(result)

    complete = False
    stopped = ""
    try:
        with CaptureWriter(capture_path(output), describe=f"c104test conformance run against {host}:{port}") as capture:
            try:
                results = await run_cases(cases, host, port, pics, record, transport=transport, capture=capture)
            except RtuUnreachable as exc:
                stopped = str(exc)
                raise
        complete = True
    finally:
        # Ctrl-C (or a cancelled run) still leaves the report of the cases that finished
        if not complete:
            order = {case.id: n for n, case in enumerate(cases)}
            results = sorted(done, key=lambda r: order.get(r.id, len(order)))
        document = results_document(results, host=host, port=port, pics=pics.file, started=started,
                                    finished=utc_now(), capture_sha256=file_sha256(capture_path(output)),
                                    pics_sha256=pics.sha256 or None, pics_omitted=pics.omitted())
        if not complete:
            document["interrupted"] = f"{len(results)} of {len(cases)} cases finished" + (f"; {stopped}" if stopped else "")
        write_reports(output, document, results, host=host, port=port, pics=pics.file)
    return results
