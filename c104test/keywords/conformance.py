"""Conformance keywords: run a catalogue case (defined once in ``c104test.conformance``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from robot.api import SkipExecution, logger
from robotlibcore import keyword

from ..conformance import (
    CaseFailed,
    CaseResult,
    Pics,
    Verdict,
    load_pics,
    parse_pics,
    pics_from_profile,
)
from ..sync.conformance import MasterConformanceRun, run_conformance_case
from .connections import LibraryComponent

__all__ = ["ConformanceKeywords"]


class ConformanceKeywords(LibraryComponent):
    """Run Conformance Case, Write Simulated RTU PICS, and the master-side checks (M01-M13)."""

    _master_run: MasterConformanceRun | None = None
    _master_results: dict[str, CaseResult] | None = None

    @keyword("Run Conformance Case")
    def run_conformance_case(self, case_id: str, pics: str, host: str = "127.0.0.1", port: int = 2404) -> str:
        """Runs catalogue case ``case_id`` (``L01``, ``A02`` ...) against the RTU at ``host``:``port``.

        The case opens its own connections; ``pics`` is the PICS file of the RTU (docs/pics.md).
        Passes when the case passes, fails with the case's reason (the frames are logged), and
        is skipped when the PICS does not claim what the case needs (``n/a``, naming the item).

        Args:
            case_id: The catalogue ID, like ``A02``.
            pics: The PICS/PIXIT file of the RTU (YAML).
            host: The RTU's address.
            port: The RTU's TCP port.

        Returns:
            The verdict (``pass``).

        Examples:
        | `Run Conformance Case` | A02 | ${PICS} | 127.0.0.1 | ${RTU_PORT} |
        """
        model: Pics = load_pics(pics)
        _log_omitted(model, master=False)
        result = run_conformance_case(case_id, host, int(port), model)
        logger.info(f"{result.id} {result.title}: {result.verdict.value} in {result.seconds:.2f} s {result.reason}")
        return _outcome(result)

    @keyword("Start Master Conformance Listener")
    def start_master_conformance_listener(self, pics: str, host: str = "127.0.0.1", port: int = 0, wait: float = 60,
                                          checks: str | None = None, output: str | None = None) -> int:
        """Starts the simulated RTU that waits for the master under test; returns its port.

        The master-side checks (``M01``-``M13``, docs/conformance-master.md) run in the
        background once the master connects; `Wait For Master Conformance` waits for them.
        ``pics`` describes the master (its timers, what it sends, the points it commands).

        Args:
            pics: The PICS/PIXIT file of the master (YAML).
            host: Where the simulated RTU listens.
            port: Its TCP port (0: any free port, returned).
            wait: Seconds to wait for the master to connect.
            checks: Which checks (``M01,M03-M05``); default all.
            output: A folder for results.json, junit.xml, report.html and capture.pcap; default none.

        Returns:
            The port where the simulated RTU listens.

        Examples:
        | ${port} = | `Start Master Conformance Listener` | ${MASTER_PICS} | wait=30 |
        """
        self._master_results = None
        model = load_pics(pics)
        _log_omitted(model, master=True)
        self._master_run = MasterConformanceRun(model, host=host, port=int(port), wait=float(wait),
                                                checks=checks or None, output=output or None)
        logger.info(f"simulated RTU listening on {host}:{self._master_run.port} for the master under test")
        return self._master_run.port

    @keyword("Wait For Master Conformance")
    def wait_for_master_conformance(self, timeout: float | None = None) -> dict[str, str]:
        """Waits until the master under test has been checked; returns ``{check ID: verdict}``.

        Every check is logged with its verdict and reason; the verdicts are judged by
        `Master Check Should Pass`.

        Args:
            timeout: Seconds to wait at most (default: the listener's wait plus two minutes).

        Examples:
        | ${verdicts} = | `Wait For Master Conformance` | timeout=60 |
        """
        if self._master_run is None:
            raise RuntimeError("no master conformance listener: use `Start Master Conformance Listener` first")
        results = self._master_run.results(None if timeout in (None, "") else float(timeout))
        self._master_results = {r.id: r for r in results}
        for r in results:
            logger.info(f"{r.id} {r.title}: {r.verdict.value} {r.reason}")
        return {r.id: r.verdict.value for r in results}

    @keyword("Master Check Should Pass")
    def master_check_should_pass(self, check_id: str) -> str:
        """Fails with the check's reason unless master check ``check_id`` passed; skips an ``n/a``.

        Args:
            check_id: The master check, like ``M03``.

        Examples:
        | `Master Check Should Pass` | M03 |
        """
        if self._master_results is None:
            raise RuntimeError("no master checks yet: use `Wait For Master Conformance` first")
        result = self._master_results.get(check_id.strip().upper())
        if result is None:
            raise ValueError(f"{check_id!r} was not checked; checked: {', '.join(self._master_results)}")
        return _outcome(result)

    @keyword("Write Simulated RTU PICS")
    def write_simulated_rtu_pics(self, path: str, alias: str | None = None) -> str:
        """Writes the PICS of a simulated RTU (its profile: points, timers, PIXIT) to ``path``.

        Args:
            path: The file to write (its folder is made if needed).
            alias: The simulated RTU (index or alias); default the current one.

        Returns:
            The path.

        Examples:
        | ${pics} = | `Write Simulated RTU PICS` | ${OUTPUT_DIR}/pics.yaml |
        """
        rtu = self.library.simulators.get_connection(alias)
        simulator = rtu.simulator  # options of Start Simulated RTU override the profile's
        text = pics_from_profile(dataclasses.replace(
            rtu.profile, redundancy=simulator.redundancy, max_connections=simulator.max_connections))
        parse_pics(text)  # the PICS the simulator claims is valid by construction; checked anyway
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
        return path


def _log_omitted(pics: Pics, *, master: bool) -> None:
    """What the PICS left out is not assumed silently (as the CLI prints it before a run)."""
    summary = pics.omitted_summary(master=master)
    if summary:
        logger.info(summary)


def _outcome(result: CaseResult) -> str:
    """Log the evidence, then the Robot outcome of a verdict: n/a skips, fail and error fail."""
    for e in result.evidence[-60:]:
        logger.info(f"{e.t:8.3f} {'>>' if e.dir == 'sent' else '<<'} {e.explained}")
    if result.verdict is Verdict.NOT_APPLICABLE:
        raise SkipExecution(f"{result.id} n/a: {result.reason}")
    if result.verdict is Verdict.FAIL:
        raise CaseFailed(f"{result.id} {result.title}: {result.reason}")
    if result.verdict is Verdict.ERROR:
        raise RuntimeError(f"{result.id} {result.title} could not be carried out: {result.reason}")
    return result.verdict.value
