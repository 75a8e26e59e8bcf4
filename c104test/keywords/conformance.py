"""Conformance keywords: run a catalogue case (defined once in ``c104test.conformance``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from robot.api import SkipExecution, logger
from robotlibcore import keyword

from ..conformance import CaseFailed, Pics, Verdict, load_pics, parse_pics, pics_from_profile
from ..sync.conformance import run_conformance_case
from .connections import LibraryComponent

__all__ = ["ConformanceKeywords"]


class ConformanceKeywords(LibraryComponent):
    """Run Conformance Case, Write Simulated RTU PICS."""

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
        result = run_conformance_case(case_id, host, int(port), model)
        for e in result.evidence[-60:]:
            logger.info(f"{e.t:8.3f} {'>>' if e.dir == 'sent' else '<<'} {e.explained}")
        logger.info(f"{result.id} {result.title}: {result.verdict.value} in {result.seconds:.2f} s {result.reason}")
        if result.verdict is Verdict.NOT_APPLICABLE:
            raise SkipExecution(f"{result.id} n/a: {result.reason}")
        if result.verdict is Verdict.FAIL:
            raise CaseFailed(f"{result.id} {result.title}: {result.reason}")
        if result.verdict is Verdict.ERROR:
            raise RuntimeError(f"{result.id} {result.title} could not be carried out: {result.reason}")
        return result.verdict.value

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
