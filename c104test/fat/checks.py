"""The checks of a FAT, per row of the signal list, over one engine connection.

For each common address of the list: one station interrogation, one interrogation per listed
group, one counter interrogation when the list has integrated totals. Then, row by row: present,
type as listed (a time-tagged type may answer the interrogation in its plain type), value and
quality as the rules read the list, each listed group; for a controllable point the command is
confirmed (ACT_CON, and ACT_TERM when the PIXIT says ``required``), a **fresh** return report
(received after the command was sent) shows the expected value within the row's timeout, and the
point is commanded back to its original value when the row says ``restore``. Points the RTU
reports but the list lacks are unexpected.

Verdicts come from the rules; this module decides nothing about values itself.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import trio

from ..engine.client import ClientConnection, MessageFilter
from ..engine.errors import (
    C104TestError,
    CommandTimeout,
    ExpectationFailed,
    LinkDown,
    NegativeConfirmation,
)
from ..engine.journal import Direction
from ..engine.points import PROCESS_TYPES
from ..protocol.asdu import type_info
from ..protocol.closing import ClosedBy
from ..protocol.enums import Cot, Double, Step, Type
from ..protocol.objects import InformationObject
from ..reports.results import Frame, ItemResult
from ..rules import (
    Expected,
    expectation,
    flags_of,
    interrogated,
    parse_value,
    show_flags,
    show_value,
    type_class,
)
from .claims import not_claimed
from .signals import SignalList, SignalRow

__all__ = ["ACT_TERM_MODES", "LOST", "FatOptions", "check_points", "ended", "headline", "interruption", "pixit_of",
           "plain_type", "row_selection"]


def _cot_text(result: Any) -> str:
    """The answer's cause as the standard numbers and names it: ``COT 7 ACTIVATION_CON, P/N=1``."""
    got = result.confirmation
    if got is None:
        return "no confirmation"
    cot = int(got.cot)
    name = Cot(cot).name if cot in Cot._value2member_map_ else "undefined"
    return f"COT {cot} {name}" + (", P/N=1" if got.negative else "")


def headline(exc: BaseException) -> str:
    """The first line of an error, for one report cell. The engine's message goes on with
    '; last frames:' and the frames, which the row carries as its evidence: that tail goes.

    >>> headline(TimeoutError("no ACT_CON within 2 s; last frames:\\n-> C_IC_NA_1 ACT"))
    'no ACT_CON within 2 s'
    """
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removesuffix("; last frames:")

ACT_TERM_MODES = ("required", "optional", "never")


def pixit_of(pics: Any) -> tuple[str, dict[str, float]]:
    """What a FAT reads of the device's PICS/PIXIT (``conformance.pics.Pics``): the ACT_TERM mode
    and the RTU's link parameters. ACT_TERM is ``required`` only when the PICS claims it
    (``commands.act_term: true``), else ``optional``: optional is optional, and an ACT_TERM that
    comes is still checked. ``k`` and ``t1`` only when the file sets them.

    >>> from c104test.conformance.pics import parse_pics
    >>> pixit_of(parse_pics("rtu: {common_addresses: [47]}\\ncommands: {act_term: true}\\nlink: {k: 6}\\n"))
    ('required', {'k': 6})
    """
    act_term = "required" if pics["commands.act_term"] and pics.given("commands.act_term") else "optional"
    link = {key: pics[f"link.{key}"] for key in ("k", "t1") if pics.given(f"link.{key}")}
    return act_term, link
_MAX_FRAMES = 40


def _monitor_objects() -> frozenset[type]:
    found = set()
    for t in PROCESS_TYPES:
        try:
            found.add(type_info(t).object_class)
        except KeyError:
            continue
    return frozenset(found)


_MONITOR_CLASSES = _monitor_objects()


def plain_type(point_type: Type) -> Type:
    """The type without time tag that carries the same object (M_SP_TB_1 -> M_SP_NA_1)."""
    info = type_info(point_type)
    if info.time_tag is None:
        return point_type
    for t in Type:
        if t >= 45:
            continue
        try:
            other = type_info(t)
        except KeyError:
            continue
        if other.object_class is info.object_class and other.time_tag is None:
            return t
    return point_type


#: Causes of a report a command makes: return information (remote, local) and a spontaneous change.
_CAUSED = frozenset({int(Cot.RETURN_INFO_REMOTE), int(Cot.RETURN_INFO_LOCAL), int(Cot.SPONTANEOUS)})


def _cause(cot: Any) -> str:
    return f"{int(cot)} {Cot(int(cot)).name}" if int(cot) in Cot._value2member_map_ else str(int(cot))


#: How ``restore`` undoes a regulating step (C_RC_NA_1): the other direction.
_OPPOSITE_STEP = {Step.HIGHER: Step.LOWER, Step.LOWER: Step.HIGHER}


def row_selection(texts: Iterable[str], rows: Iterable[SignalRow] | None = None) -> Callable[[SignalRow], bool]:
    """``--only`` as a predicate: row numbers and ranges (``2-40,55``; in a list over several
    sheets ``Bay_E01!2-40``, any case), else text in the name.

    With the list's ``rows``, a selection that picks none of them is a ValueError: a run that
    checks nothing would pass.

    >>> pick = row_selection(["2-3", "voltage"])
    >>> [pick(SignalRow(n, name, 47, n, Type.M_SP_NA_1, None, None, ())) for n, name in ((2, "a"), (4, "Voltage"), (5, "b"))]
    [True, True, False]
    >>> pick = row_selection(["bay_e01!3-4"])
    >>> [pick(SignalRow(r, "a", 47, 1, Type.M_SP_NA_1, None, None, ())) for r in ("Bay_E01!3", "Bay_E02!3", 3)]
    [True, False, False]
    """
    numbers: set[int | str] = set()
    words: list[str] = []
    texts = [str(t) for t in texts]
    for text in texts:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            sheet, bang, rows_part = part.rpartition("!")
            low, dash, high = rows_part.partition("-")
            if low.strip().isdigit() and (not dash or high.strip().isdigit()):
                if int(high or low) < int(low):
                    raise ValueError(f"row range {part!r} runs backwards: write {bang and sheet + bang}"
                                     f"{high.strip()}-{low.strip()}")
                span = range(int(low), int(high or low) + 1)
                if bang:  # a row of one sheet of several: 'Bay_E01!12', as the list's rows are named
                    numbers.update(f"{sheet.strip().lower()}!{n}" for n in span)
                else:
                    numbers.update(span)
            else:
                words.append(part.lower())

    def pick(row: SignalRow) -> bool:
        ref = row.row.lower() if isinstance(row.row, str) else row.row
        return ref in numbers or any(w in row.name.lower() for w in words)

    if rows is not None:
        listed = list(rows)
        if listed and not any(pick(r) for r in listed):
            raise ValueError(f"{', '.join(texts)!r} selects no row of the list: its rows are "
                             f"{listed[0].row}..{listed[-1].row}, and no name contains the text")
    return pick


@dataclass(slots=True)
class FatOptions:
    """What to check: commands or not, ACT_TERM per the PIXIT, which rows, results already done."""

    commands: bool = True
    act_term: str = "optional"
    only: Callable[[SignalRow], bool] | None = None
    timeout: float = 10.0
    done: Mapping[int | str, ItemResult] = field(default_factory=dict)  # row -> result (resume)
    #: the device's PICS/PIXIT (``conformance.pics.Pics``): a row that needs what it does not
    #: claim is not checked, naming the item (``fat.claims``); None: no PICS, everything is asked
    pics: Any = None

    def __post_init__(self) -> None:
        if self.act_term not in ACT_TERM_MODES:
            raise ValueError(f"act_term {self.act_term!r} is not one of {', '.join(ACT_TERM_MODES)}")


@dataclass(slots=True)
class _Station:
    """What the interrogations of one common address brought."""

    gi: dict[int, tuple[Type, InformationObject]] = field(default_factory=dict)
    gi_error: str = ""
    gi_range: tuple[int, int] = (0, 0)
    groups: dict[int, set[int] | str] = field(default_factory=dict)  # IOAs, or why the group failed
    counters: dict[int, tuple[Type, InformationObject]] = field(default_factory=dict)
    counter_error: str = ""
    counter_range: tuple[int, int] = (0, 0)
    counter_groups: dict[int, set[int] | str] = field(default_factory=dict)  # RQT 1..4: IOAs, or why it failed
    clock_error: str = ""
    sync_mark: int = 0  # journal index of the clock synchronisation


class _Checker:
    def __init__(self, conn: ClientConnection, options: FatOptions) -> None:
        self.conn = conn
        self.options = options
        self.notes: dict[int, str] = {}  # row -> what was not done (a restore the tool could not make)
        self.t0 = trio.current_time()

    def frames(self, start: int, end: int | None = None, keep: Callable[[Any], bool] | None = None) -> tuple[Frame, ...]:
        out: list[Frame] = []
        for entry in self.conn.journal.since(start):
            if end is not None and entry.index >= end:
                break
            if keep is not None and not keep(entry):
                continue
            out.append(Frame(round(entry.timestamp - self.t0, 6), entry.direction is Direction.SENT,
                             entry.explain()[2:], entry.raw.hex(" ")))
            if len(out) >= _MAX_FRAMES:
                break
        return tuple(out)

    async def interrogate(self, ca: int, rows: list[SignalRow]) -> _Station:
        station = _Station()
        timeout = self.options.timeout
        start = self.conn.journal.next_index
        try:
            result = await self.conn.interrogation(ca, timeout=timeout)
            if not result.positive:
                station.gi_error = f"the station interrogation of CA {ca} was refused ({_cot_text(result)})"
            for asdu in result.asdus:
                for ob in asdu.objects:
                    station.gi[ob.io_address] = (Type(asdu.type), ob)
        except CommandTimeout as exc:
            await self.unacknowledged()
            station.gi_error = f"station interrogation of CA {ca}: {headline(exc)}"
        station.gi_range = (start, self.conn.journal.next_index)
        # a group is checked only for a point the station interrogation brought: with none, its
        # interrogations would each wait their timeout for nothing (a CA the RTU does not have)
        for group in sorted({g for r in rows if not r.is_counter for g in r.groups}) if station.gi else ():
            try:
                result = await self.conn.interrogation(ca, 20 + group, timeout=timeout)
                if result.positive:
                    station.groups[group] = {ob.io_address for ob in result.objects}
                else:
                    station.groups[group] = f"the interrogation of group {group} was refused ({_cot_text(result)})"
            except CommandTimeout as exc:
                await self.unacknowledged()
                station.groups[group] = f"interrogation of group {group}: {headline(exc)}"
        if any(r.max_skew is not None for r in rows):
            station.sync_mark = self.conn.journal.next_index
            try:
                result = await self.conn.clock_sync(ca, timeout=timeout)
                station.clock_error = ("" if result.positive else
                                       f"the clock synchronisation of CA {ca} was refused ({_cot_text(result)})")
            except CommandTimeout as exc:
                await self.unacknowledged()
                station.clock_error = f"clock synchronisation of CA {ca}: {headline(exc)}"
        if any(r.is_counter for r in rows):
            start = self.conn.journal.next_index
            try:
                result = await self.conn.counter_interrogation(ca, timeout=timeout)
                if not result.positive:
                    station.counter_error = f"the counter interrogation of CA {ca} was refused ({_cot_text(result)})"
                for asdu in result.asdus:
                    for ob in asdu.objects:
                        station.counters[ob.io_address] = (Type(asdu.type), ob)
            except CommandTimeout as exc:
                await self.unacknowledged()
                station.counter_error = f"counter interrogation of CA {ca}: {headline(exc)}"
            station.counter_range = (start, self.conn.journal.next_index)
            # a counter's groups are counter interrogation groups (RQT 1..4): counters are in no
            # station or group interrogation
            for group in sorted({g for r in rows if r.is_counter for g in r.groups}) if station.counters else ():
                try:
                    result = await self.conn.counter_interrogation(ca, group, timeout=timeout)
                    station.counter_groups[group] = (
                        {ob.io_address for ob in result.objects} if result.positive else
                        f"the counter interrogation of group {group} was refused ({_cot_text(result)})")
                except CommandTimeout as exc:
                    await self.unacknowledged()
                    station.counter_groups[group] = f"counter interrogation of group {group}: {headline(exc)}"
        return station

    async def unacknowledged(self) -> None:
        """After a wait that timed out: had the RTU taken what we sent?

        An RTU acknowledges our I-frames within its t2, and t2 < t1. While one of ours is still
        unacknowledged, the missing answer may be the point's fault or a stalled RTU (it stopped
        reading: its TCP window is full, or it hangs); the link ends the connection when t1 runs
        out. So wait until the RTU acknowledges (then the missing answer is the point's fail) or
        the connection ends (then it is the run's error: LinkDown naming who closed and why, and
        the remaining rows are not waited for one by one). Bounded by that I-frame's t1: the
        engine's ``wait_acknowledged``, which conformance's "no answer" judges with too.
        """
        await self.conn.wait_acknowledged()
        return self.raise_if_ended()

    def raise_if_ended(self) -> None:
        if self.conn.close_info is not None or not self.conn.is_open:
            raise LinkDown(ended(self.conn, "the connection ended"))

    def _answer_frames(self, span: tuple[int, int], ioa: int) -> tuple[Frame, ...]:
        def keep(entry: Any) -> bool:
            asdu = entry.asdu
            if asdu is None:
                return False
            if int(asdu.type) >= 100 or entry.direction is Direction.SENT:
                return True
            return any(ob.io_address == ioa for ob in asdu.objects)

        return self.frames(span[0], span[1], keep)

    async def check(self, row: SignalRow, station: _Station) -> ItemResult:
        started = trio.current_time()
        reasons: list[str] = []
        frames: tuple[Frame, ...] = ()
        where = "counter interrogation" if row.is_counter else "station interrogation"
        answers = station.counters if row.is_counter else station.gi
        error = station.counter_error if row.is_counter else station.gi_error
        span = station.counter_range if row.is_counter else station.gi_range
        if row.is_command:
            return await self.command_only(row, started)
        found = answers.get(row.io_address)
        if found is None and not row.interrogation:
            return await self.events_only(row, where, started, station)
        seen = quality = ""
        expected = _expected_text(row)
        if found is None:
            reasons.append(error or f"IOA {row.io_address} is not in the {where} of CA {row.common_address}")
            frames = self._answer_frames(span, row.io_address)
        else:
            seen_type, ob = found
            shown = row.expected.show(ob) if row.expected is not None else show_value(ob.value)
            seen = f"{shown} ({seen_type.name})"
            flags = flags_of(ob.quality)
            quality = show_flags(flags) or "good"
            if seen_type not in (row.type, plain_type(row.type)):
                reasons.append(f"type {seen_type.name}, listed {row.type.name}")
            if row.expected is not None and not row.expected.matches(ob):  # the object: a VTI's transient bit, a BCR's sequence number
                reasons.append(f"value {shown}, expected {row.expected.show()}")
            if not row.quality.matches(flags):
                reasons.append(f"quality {quality}, expected {str(row.quality) or 'good'}")
            for group in row.groups:
                got = (station.counter_groups if row.is_counter else station.groups).get(group)
                if isinstance(got, str):
                    reasons.append(got)
                elif got is not None and row.io_address not in got:
                    reasons.append(f"missing from the {'counter ' if row.is_counter else ''}interrogation of group {group}")
            if reasons:
                frames = self._answer_frames(span, row.io_address)
        commanded = False
        if row.has_command and self.options.commands and found is not None:
            commanded = True
            reason, more = await self.command_round_trip(row)
            if reason:
                reasons.append(reason)
                frames += more
        if row.max_skew is not None and found is not None:
            reason = station.clock_error or await self.time_skew(row, station.sync_mark)
            if reason:
                reasons.append(reason)
                frames += self.frames(station.sync_mark)
        verdict = "fail" if reasons else "pass"
        remark = "; ".join(reasons)
        if not reasons and row.has_command and not self.options.commands:
            # the signed report must not read as if the command had been checked
            remark = "command not sent (monitoring checks only): the command round trip is not checked"
        elif not reasons and commanded and not row.has_return:
            remark = ("command confirmed; no return information checked (the list says the RTU sends none)"
                      + ("" if self.options.act_term == "required" else "; ACT_TERM not required (PIXIT)"))
        elif not reasons and row.row in self.notes:
            remark = self.notes[row.row]
        return ItemResult(row.row, row.common_address, row.io_address, row.name, verdict, expected, seen,
                          remark, quality, round(trio.current_time() - started, 6), commanded, frames)

    async def command_only(self, row: SignalRow, started: float) -> ItemResult:
        """The row of a command: its confirmation, and its return report when the list names one."""
        expected = _expected_text(row)
        if not self.options.commands:
            return ItemResult(row.row, row.common_address, row.io_address, row.name, "skipped", expected,
                              reason="command not sent (monitoring checks only): the row is a command's")
        reason, frames = await self.command_round_trip(row)
        remark = reason or (self.notes.get(row.row, "") if row.has_return else
                            "command confirmed; no return information checked (the list names none)"
                            + ("" if self.options.act_term == "required" else "; ACT_TERM not required (PIXIT)"))
        return ItemResult(row.row, row.common_address, row.io_address, row.name, "fail" if reason else "pass", expected,
                          "", remark, "", round(trio.current_time() - started, 6), True, frames)

    async def events_only(self, row: SignalRow, where: str, started: float, station: _Station) -> ItemResult:
        """A point the list says the RTU reports only as events, absent from the interrogation (as
        the standard allows): judged by an event of it, never passed unseen. Its command's return
        report, when the command reports on the point; else the last report of it received in the
        run (waiting up to the row's own ``timeout`` for one). With none it is ``skipped``: not
        checked, and the reason says so."""
        ca, ioa = row.common_address, row.io_address
        expected = _expected_text(row)
        note = (f"reported only as events (interrogation: no), not in the {where}" if interrogated(row.type) else
                f"a protection event ({row.type.name}), reported only as events, in no interrogation")
        reasons: list[str] = []
        frames: tuple[Frame, ...] = ()
        mark = self.conn.journal.next_index
        commanded = row.has_command and self.options.commands
        returned = commanded and row.return_io_address == ioa
        # the expected value is the point's state: its command moves it, so only a report that came
        # before the command shows it (a buffered or spontaneous event)
        prior = self.conn.points.get(ca, ioa) if returned else None
        unchecked = ""
        if returned and row.expected is not None:
            if prior is None:
                unchecked = f"; expected_value {row.expected.show()} not checked: no report of IOA {ioa} came before its command"
            elif not row.expected.matches(prior.object):
                reasons.append(f"value {row.expected.show(prior.object)} (its report with COT {int(prior.cot)}, before its "
                               f"command), expected {row.expected.show()}")
        if commanded:
            reason, frames = await self.command_round_trip(row)
            if reason:
                reasons.append(reason)
        got = self.conn.points.get(ca, ioa)
        if got is None and row.timeout is not None and not reasons:
            try:
                await self.conn.expect_message(MessageFilter(common_address=ca, io_address=ioa), timeout=row.timeout,
                                               since=0)
            except ExpectationFailed:
                self.raise_if_ended()
            got = self.conn.points.get(ca, ioa)
        seen = quality = ""
        if got is not None:
            ob = got.object
            shown = row.expected.show(ob) if row.expected is not None else show_value(ob.value)
            seen = f"{shown} ({got.type.name}, COT {int(got.cot)})"
            flags = flags_of(ob.quality)
            quality = show_flags(flags) or "good"
            if got.type is not row.type:  # an event carries the listed type
                reasons.append(f"type {got.type.name}, listed {row.type.name} (a report of a point reported only as "
                               "events carries the listed type)")
            if row.expected is not None and not returned and not row.expected.matches(ob):
                reasons.append(f"value {shown}, expected {row.expected.show()}")
            if not row.quality.matches(flags):
                reasons.append(f"quality {quality}, expected {str(row.quality) or 'good'}")
            if reasons and not frames:
                frames = self.frames(mark)
        elif not reasons:
            waited = f" (waited {row.timeout:g} s)" if row.timeout is not None else ""
            command = (" and its command reports on another IOA" if commanded else
                       " and its command was not sent (monitoring checks only)" if row.has_command else "")
            return ItemResult(row.row, ca, ioa, row.name, "skipped", expected,
                              reason=f"not checked: {note}, no report of IOA {ioa} arrived during the run{waited}"
                                     f"{command}; trigger an event (a command in its row, a timeout to wait for one, "
                                     "or on site) to check it",
                              duration=round(trio.current_time() - started, 6), commanded=commanded)
        if row.max_skew is not None and got is not None and not reasons:
            reason = station.clock_error or await self.time_skew(row, station.sync_mark)
            if reason:
                reasons.append(reason)
        remark = "; ".join(reasons) or (f"{note}: checked by " +
                                        ("its command's return report" if returned
                                         else f"its report with COT {int(got.cot) if got else '?'}") + unchecked
                                        + (f"; {self.notes[row.row]}" if row.row in self.notes else ""))
        return ItemResult(row.row, ca, ioa, row.name, "fail" if reasons else "pass", expected, seen, remark, quality,
                          round(trio.current_time() - started, 6), commanded, frames)

    async def time_skew(self, row: SignalRow, since: int) -> str:
        """A report of the point with time tag after the clock sync (its command's return report, or
        a spontaneous change) within the timeout, its tag within ``max_skew`` of this clock; or why not."""
        assert row.max_skew is not None
        timeout = row.timeout or self.options.timeout
        flt = MessageFilter(common_address=row.common_address, io_address=row.io_address,
                            value=lambda ob: getattr(ob, "time", None) is not None)
        try:
            entry = await self.conn.expect_message(flt, timeout=timeout, since=since)
        except ExpectationFailed:
            self.raise_if_ended()  # the connection ended while waiting: an error of the run, not the point's fail
            return f"no report of IOA {row.io_address} with time tag after the clock sync within {timeout:g} s"
        assert entry.asdu is not None
        stamp = next(ob.time for ob in entry.asdu.objects if ob.io_address == row.io_address)
        try:
            skew = abs((_dt.datetime.fromtimestamp(entry.wall) - stamp.to_datetime()).total_seconds())
        except ValueError as exc:
            return f"time tag {stamp} is no valid time: {exc}"
        if skew > row.max_skew:
            return f"time tag {stamp} is {skew:.3f} s off this clock after the clock sync (max {row.max_skew:g} s)"
        return ""

    async def command_round_trip(self, row: SignalRow) -> tuple[str, tuple[Frame, ...]]:
        """Command, confirmation, fresh return report; then restore. The reason of a failure, or ''."""
        assert row.command_type is not None
        ret = row.return_io_address
        before = self.conn.points.get(row.common_address, ret) if ret is not None else None
        start = self.conn.journal.next_index
        reason = await self._one_command(row, row.command_value, row.return_value)
        if reason or not row.restore or ret is None:  # the list refuses restore without return information
            return reason, self.frames(start) if reason else ()
        # what the tool cannot do is no fault of the RTU's: the row says it was not restored
        if before is None:
            self.notes[row.row] = f"not restored: IOA {ret} showed no value before the command"
            return "", ()
        if isinstance(before.value, Double) and before.value not in (Double.ON, Double.OFF):
            self.notes[row.row] = (f"not restored: IOA {ret} was {before.value.name} before the command, a state no "
                                   "command sets")
            return "", ()
        value_class = type_class(row.command_type)
        try:
            if isinstance(row.command_value, Step):
                # a regulating step moves a position: the opposite step brings the original back
                original: Any = _OPPOSITE_STEP[row.command_value]
            else:
                original = parse_value(before.value, value_class)  # type: ignore[arg-type]
            # a number as it came (its shown text is rounded: 1000000.5 shows as 1000000); a VTI,
            # BCR or state as shown ('5 transient')
            back = expectation(before.value if isinstance(before.value, float) else show_value(before.value), before.type)
        except ValueError as exc:
            return f"cannot restore {show_value(before.value)}: {exc}", self.frames(start)
        reason = await self._one_command(row, original, back)
        return (f"restore: {reason}", self.frames(start)) if reason else ("", ())

    async def _one_command(self, row: SignalRow, value: Any, expected: Expected | None) -> str:
        assert row.command_type is not None and row.command_io_address is not None
        conn, ca = self.conn, row.common_address
        timeout = row.timeout or self.options.timeout
        name = f"{row.command_type.name} {show_value(value)} to IOA {row.command_io_address}"
        mark = conn.journal.next_index
        before = conn.points.get(ca, row.return_io_address) if row.return_io_address is not None else None
        required = self.options.act_term == "required"
        try:
            result = await conn.send_command(ca, row.command_io_address, row.command_type, value,
                                             select=row.select, timeout=timeout, act_term=self.options.act_term)
        except (CommandTimeout, NegativeConfirmation) as exc:  # no ACT_CON/ACT_TERM, negative ACT_TERM
            if isinstance(exc, CommandTimeout):
                await self.unacknowledged()
            return f"{name}: {headline(exc)}"
        if result.positive is None:
            return f"{name}: no ACT_CON within {timeout:g} s"
        if result.problem:  # an ACT_TERM that the PIXIT rules out, or a negative one
            return f"{name}: {result.problem}"
        if not result.positive:
            return f"{name}: negative confirmation ({_cot_text(result)})"
        if required and not result.terminated:
            return f"{name}: no ACT_TERM within {timeout:g} s"
        ret = row.return_io_address
        if expected is None or ret is None:  # no return information: the confirmation is the check
            return ""

        def fresh(ob: InformationObject) -> bool:
            return type(ob) in _MONITOR_CLASSES and expected.matches(ob)

        # a report the command did not cause (periodic, background, an answer) shows the point as it
        # is: evidence only when the point did not show the value before the command
        already = before is not None and fresh(before.object)
        flt = MessageFilter(common_address=ca, io_address=ret, value=fresh)
        deadline = trio.current_time() + timeout
        cursor, passed_over = mark, None
        while True:
            try:
                entry = await conn.expect_message(flt, timeout=max(deadline - trio.current_time(), 0), since=cursor)
            except ExpectationFailed:
                if not conn.is_open:
                    raise  # the connection ended while waiting: an error of the run, not the point's fail
                last = conn.points.get(ca, ret) if ret is not None else None
                now = f"; IOA {ret} last showed {show_value(last.value)}" if last is not None else ""
                if passed_over is not None:
                    now += (f"; a report with cause {passed_over} showed it, but IOA {ret} showed it before the "
                            "command too: that is no evidence the command was carried out")
                return (f"{name}: no fresh report of IOA {ret} showing {expected.show()} "
                        f"within {timeout:g} s after the command{now}")
            assert entry.asdu is not None
            if int(entry.asdu.cot) in _CAUSED or not already:
                break
            passed_over, cursor = _cause(entry.asdu.cot), entry.index + 1
        got = Type(entry.asdu.type)
        if ret == row.io_address and got is not row.type:
            # an event carries the listed type; only an interrogation may answer in the plain one
            return (f"{name}: the return report of IOA {ret} is {got.name}, listed {row.type.name} "
                    f"(a report caused by a command carries the listed type{'; its time tag is missing' if got is plain_type(row.type) else ''})")
        return ""


#: How the reason of a row begins when the connection ended before or while the row was checked.
LOST = "connection lost"


def interruption(results: Iterable[ItemResult]) -> str:
    """Why a run ended before every row was checked, once for the run (the report's header,
    the console): ``row 5: connection lost: the RTU closed the connection (...); 7 rows not
    checked``; '' for a run that checked every row it was to check."""
    errors = [p for p in results if p.verdict == "error" and p.reason.startswith((LOST, f"not checked: {LOST}"))]
    if not errors:
        return ""
    return f"row {errors[0].row}: {errors[0].reason}; {len(errors)} row{'s' * (len(errors) != 1)} not checked"


def ended(conn: ClientConnection, fallback: str) -> str:
    """Who ended the connection and why, once for the run: ``c104test closed the connection
    (t1 expired: I-frame N(S)=1 not acknowledged within 2 s)``; ``fallback`` when it is not known."""
    info = conn.close_info
    if info is None:
        return fallback
    who = "the RTU" if info.by is ClosedBy.PEER else "c104test"
    return f"{who} closed the connection ({info.reason})"


def _expected_text(row: SignalRow) -> str:
    parts = [] if row.is_command else [row.expected.show() if row.expected is not None else "present"]
    if row.quality.flags:
        parts.append(f"quality {row.quality}")
    if row.has_command:
        if row.has_return:
            parts.append(f"command {show_value(row.command_value)} -> IOA {row.return_io_address} "
                         f"{row.return_value.show() if row.return_value else ''}".rstrip())
        else:
            parts.append(f"command {show_value(row.command_value)} confirmed (no return information)")
    return ", ".join(parts)


def _unexpected(listed: set[tuple[int, int]], ca: int, answers: Iterable[tuple[int, tuple[Type, InformationObject]]]) -> list[dict[str, Any]]:
    return [
        {"common_address": ca, "io_address": ioa, "type": t.name, "value": show_value(ob.value)}
        for ioa, (t, ob) in sorted(answers)
        if (ca, ioa) not in listed
    ]


async def check_points(
    conn: ClientConnection,
    signals: SignalList,
    options: FatOptions | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
) -> tuple[list[ItemResult], list[dict[str, Any]]]:
    """Check every row of ``signals`` over ``conn``: the results in list order, and the unexpected points.

    ``on_result`` is called after each row (progress, the resume state). A row found in
    ``options.done`` keeps its result and is not checked again, so no command is sent twice.
    A lost connection ends the run: the rows not checked get the verdict ``error``.
    """
    options = options or FatOptions()
    checker = _Checker(conn, options)
    results: list[ItemResult] = []
    unexpected: list[dict[str, Any]] = []
    listed = {r.key for r in signals.rows}
    by_ca: dict[int, list[SignalRow]] = {}
    for row in signals.rows:
        by_ca.setdefault(row.common_address, []).append(row)
    lost = ""  # why the connection ended: named once, by the first row it leaves unchecked
    first: int | str | None = None
    for ca, rows in by_ca.items():
        todo = [r for r in rows if not r.skip and (options.only is None or options.only(r)) and r.row not in options.done
                and not_claimed(r, options.pics) is None]
        station = _Station()
        if todo and not lost:
            try:
                station = await checker.interrogate(ca, todo)
            except C104TestError as exc:
                lost = f"{LOST} during the interrogations of CA {ca}: {ended(conn, headline(exc))}"
            unexpected += _unexpected(listed, ca, station.gi.items())
            unexpected += _unexpected(listed, ca, station.counters.items())
        for row in rows:
            if row.row in options.done:
                result = options.done[row.row]
            elif row.skip:
                result = ItemResult(row.row, ca, row.io_address, row.name, "skipped", _expected_text(row), reason="skip flag set in the list")
            elif options.only is not None and not options.only(row):
                result = ItemResult(row.row, ca, row.io_address, row.name, "skipped", _expected_text(row), reason="not selected by --only")
            elif (unclaimed := not_claimed(row, options.pics)) is not None:
                result = ItemResult(row.row, ca, row.io_address, row.name, "skipped", _expected_text(row), reason=unclaimed)
            elif lost:
                reason = lost if first is None else f"not checked: {LOST} (row {first} says why)"
                first = row.row if first is None else first
                result = ItemResult(row.row, ca, row.io_address, row.name, "error", _expected_text(row), reason=reason)
            else:
                mark, began = conn.journal.next_index, trio.current_time()
                try:
                    result = await checker.check(row, station)
                except C104TestError as exc:
                    lost, first = f"{LOST}: {ended(conn, headline(exc))}", row.row
                    result = ItemResult(row.row, ca, row.io_address, row.name, "error", _expected_text(row), reason=lost,
                                        duration=round(trio.current_time() - began, 6),
                                        commanded=row.has_command and options.commands, frames=checker.frames(mark))
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results, unexpected
