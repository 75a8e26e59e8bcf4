"""FAT keywords: a whole signal list, or one point, checked by the FAT checks (c104test.fat)."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

from robot.api import logger
from robotlibcore import keyword

from ..conformance.pics import load_pics
from ..fat.checks import ACT_TERM_MODES, FatOptions, pixit_of, row_selection
from ..fat.runner import failure_message, unchecked_message
from ..fat.signals import from_table, read_signal_list
from ..protocol.link_states import facing
from ..reports.results import RunResults
from ..sync.fat import verify_point_list
from .connections import LibraryComponent

__all__ = ["FatKeywords"]


def _log_table(run: RunResults) -> None:
    e = html.escape
    colours = {"pass": "#e3f4e3", "fail": "#fbe0e0", "error": "#fde9c8", "skipped": "#eeeeee"}
    rows = "".join(
        f"<tr style='background:{colours[p.verdict]}'><td>{p.row}</td><td>{e(p.name)}</td><td>{p.io_address}</td>"
        f"<td>{e(p.expected)}</td><td>{e(p.seen)}</td><td>{e(p.quality)}</td><td>{p.verdict}</td><td>{e(p.reason)}</td></tr>"
        for p in run.points
    )
    logger.info("<table border='1'><tr><th>row</th><th>name</th><th>IOA</th><th>expected</th><th>seen</th>"
                f"<th>quality</th><th>verdict</th><th>reason</th></tr>{rows}</table>", html=True)
    if run.unexpected:
        logger.info("reported but not in the list: " + ", ".join(
            f"CA {u['common_address']} IOA {u['io_address']} {u['type']} {u['value']}" for u in run.unexpected))


class FatKeywords(LibraryComponent):
    """Verify Point List, Verify Point."""

    def _options(self, commands: bool, act_term: str | None, timeout: timedelta | None, pics: Path | None = None) -> FatOptions:
        if act_term is not None and act_term not in ACT_TERM_MODES:
            raise ValueError(f"act_term {act_term!r} is not one of {', '.join(ACT_TERM_MODES)}")
        loaded = None
        if pics is not None:  # as c104test fat --pics: ACT_TERM, k and t1 from the PIXIT, n/a per claim
            if act_term is not None:
                raise ValueError("pics= gives the RTU's ACT_TERM: give pics= or act_term=, not both")
            loaded = load_pics(pics)
            act_term, link = pixit_of(loaded)
            self._link_warning(pics, link)
        return FatOptions(commands=commands, act_term=act_term or "optional",
                          timeout=self.wait_time(timeout, self.session), pics=loaded)

    def _link_warning(self, pics: Path, link: dict[str, float]) -> None:
        """The connection is open already: a PICS whose k or t1 asks for earlier acknowledgements
        than it makes is named (Connect To RTU takes w= and t2=), as --pics sets them on the CLI."""
        if not link:
            return
        need = facing(**link)  # type: ignore[arg-type]
        params = self.session.rtu.engine.params
        if params.w > need.w or params.t2 > need.t2:
            logger.warn(f"{pics}: the RTU's {', '.join(f'{k} {v:g}' for k, v in link.items())} need acknowledgements "
                        f"after at most {need.w} I-frames and within {need.t2:g} s; the connection uses w {params.w} "
                        f"and t2 {params.t2:g} s (Connect To RTU w={need.w} t2={need.t2:g})")

    def _verify(self, signals: object, options: FatOptions, output: str | None, overwrite: bool = False) -> RunResults:
        run = verify_point_list(self.session.rtu, signals, options, output=output, overwrite=overwrite,  # type: ignore[arg-type]
                                hint="give another output=, or replace it with overwrite=True")
        _log_table(run)
        counts = run.counts()
        logger.info(", ".join(f"{n} {v}" for v, n in counts.items()))
        unchecked = unchecked_message(run)
        if unchecked:  # not a failure, and not a pass either: said where the report reader sees it
            logger.warn(unchecked)
        message = failure_message(run)
        if message:
            raise AssertionError(message)
        return run

    @keyword("Verify Point List")
    def verify_point_list(
        self,
        file: Path,
        output: str | None = None,
        *,
        commands: bool = True,
        act_term: str | None = None,
        columns: Path | None = None,
        sheet: str | None = None,
        rows: str | None = None,
        timeout: timedelta | None = None,
        overwrite: bool = False,
        pics: Path | None = None,
        octet_order: str | None = None,
    ) -> RunResults:
        """Checks every row of a signal list (CSV or XLSX) on the current connection.

        The checks, the columns of the list and its values are those of ``c104test fat``
        (docs/fat.md): presence in the station and group interrogations, type, value, quality,
        and for controllable points the command, its confirmation and a fresh return report.
        Fails with the number of failed rows and each one's reason; the log shows the whole
        table. A broken list fails before anything is sent, naming row and column.

        Args:
            file: The signal list, ``.csv`` or ``.xlsx``.
            output: A directory for report.html, report.xlsx, results.json, junit.xml, capture.pcap.
            commands: False: send no commands (monitoring checks only).
            act_term: PIXIT: ACT_TERM after a command is ``required``, ``optional`` (default) or ``never`` sent.
            columns: YAML mapping of fields to the list's own headers.
            sheet: The workbook sheet (default: every sheet whose header row names the columns).
            rows: Check only these rows (``2-40,55``, or text in the name); the others are skipped.
            timeout: Wait for confirmations and return reports (a row's ``timeout`` wins).
            overwrite: Replace the report of an earlier run in ``output``; without it such a
                report is never overwritten: the keyword fails before anything is sent, naming it.
            pics: The RTU's PICS/PIXIT (YAML, docs/pics.md), as ``c104test fat --pics``: ACT_TERM
                is required when it claims ``commands.act_term``; a row that needs a function it
                does not claim (a counter: ``functions.counter_interrogation``; ``max_skew``:
                ``functions.clock_sync``) is skipped, its reason naming the item. Not with ``act_term``.
            octet_order: How the list writes an IOA as three octets (``12.34.56``) or a CA as two
                (``1/2``): ``high-first`` or ``low-first``, as ``c104test fat --octet-order``.
                Without it such an address is refused, naming both readings.

        Returns:
            The results (``points``, ``unexpected``, ``counts()``).

        Examples:
        | `Verify Point List` | ${CURDIR}/signals.csv |
        | `Verify Point List` | signals.xlsx | output=${OUTPUT DIR}/fat | act_term=required |
        | `Verify Point List` | signals.xlsx | pics=${CURDIR}/rtu-pics.yaml |
        """
        signals = read_signal_list(file, columns=columns, sheet=sheet, octet_order=octet_order)
        for label, text in signals.sheet_notes():
            logger.info(f"{file}: {label}: {text}")
        if signals.unused:
            logger.warn(f"{file}: columns not checked (no field of the list; columns= maps a header to a field): "
                        + ", ".join(repr(h) for h in signals.unused))
        try:
            only = row_selection([rows], signals.rows) if rows else None
        except ValueError as exc:
            raise ValueError(f"rows={rows}: {exc}") from None
        options = self._options(commands, act_term, timeout, pics)
        options.only = only
        return self._verify(signals, options, output, overwrite)

    @keyword("Verify Point")
    def verify_point(
        self,
        io_address: int,
        type: str,
        expected: str = "",
        quality: str = "",
        groups: str = "",
        common_address: int | None = None,
        *,
        name: str = "",
        command_io_address: int | None = None,
        command_type: str = "",
        command_value: str = "",
        select: bool = False,
        return_io_address: int | None = None,
        return_value: str = "",
        restore: bool = False,
        act_term: str = "optional",
        timeout: timedelta | None = None,
        return_information: bool = True,
        interrogation: bool = True,
    ) -> RunResults:
        """Checks one point as one row of a signal list would (see `Verify Point List`).

        The arguments are the columns of a signal list (docs/fat.md); an empty one is not checked.

        Args:
            io_address: IOA of the monitored point.
            type: Its monitor type (``M_SP_NA_1``, ``M_ME_NC_1`` ...).
            expected: ``ON``, a number, ``230 +- 0.5``, ``49.9..50.1``; empty: only presence.
            quality: Expected quality flags (``IV``, ``NT and SB``); empty: good.
            groups: Interrogation groups the point belongs to (``1``, ``1, 3``).
            common_address: CA of the point; default the connection's.
            name: A name for the messages (default ``IOA <io_address>``).
            command_io_address: IOA of the command that drives the point.
            command_type: The command's type (``C_SC_NA_1`` ...).
            command_value: The value to command.
            select: Select before operate.
            return_io_address: IOA of the return report; default ``io_address``.
            return_value: What the return report must show; default the command value.
            restore: Command the original value back afterwards.
            act_term: PIXIT: ACT_TERM after a command is ``required``, ``optional`` or ``never`` sent.
            timeout: Wait for the confirmation and the fresh return report.
            return_information: False: the RTU sends no return information for the command
                (the list's ``return_io_address: none``): only its confirmation is checked.
            interrogation: False: the RTU reports the point only as events, in no interrogation
                (the list's ``interrogation: no``): it is judged by its command's return report
                or a report of it that arrives, else not checked (skipped, with the reason).

        Returns:
            The results of the one row.

        Examples:
        | `Verify Point` | 200 | M_DP_NA_1 | ON | groups=1 |
        | `Verify Point` | 100 | M_SP_NA_1 | ON | command_io_address=500 | command_type=C_SC_NA_1 | command_value=OFF | restore=True |
        """
        ca = self.station(common_address, self.session)
        cells = {"name": name or f"IOA {io_address}", "common_address": ca, "io_address": io_address, "type": type,
                 "expected_value": expected, "expected_quality": quality, "groups": groups,
                 "command_io_address": command_io_address if command_io_address is not None else "",
                 "command_type": command_type, "command_value": command_value, "select": "yes" if select else "",
                 "return_io_address": return_io_address if return_io_address is not None else
                 "" if return_information else "none",
                 "return_value": return_value, "restore": "yes" if restore else "",
                 "interrogation": "" if interrogation else "no"}
        signals = from_table([list(cells), [str(v) for v in cells.values()]], file="Verify Point")
        return self._verify(signals, self._options(True, act_term or "optional", timeout), None)
