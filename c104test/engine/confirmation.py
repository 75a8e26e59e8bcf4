"""The wait for one command's confirmation, as a plain object fed from the journal.

The client's ``command()`` (a trio task that wakes on every batch of received frames) and its
``submit_command()`` (no task: checked by the connection after every batch, for a caller in
another thread) share this one rule, so both end a command on exactly the same frame.

Matching: same type, same IOA, same CA (any CA for the broadcast address), COT 7, 9 or 10, or one
of the negative mirrors 44-47; only frames received after the command was journalled count (a
report that arrived before it is not its answer). For a process command an ACT_TERM that
overtakes the ACT_CON waits for it (c104 may send them so); for the other procedures an ACT_TERM
without ACT_CON ends the wait, unconfirmed.

A procedure sent to the broadcast address (an interrogation, a counter interrogation) is answered
by each station with its own CA: ACT_CON, data, ACT_TERM, the stations in parallel or one after
another. With the stations the caller expects (``stations``: the RTU's CAs, from a profile, a PICS
or the c104 API's added stations) it ends when every expected station, and every other that
confirmed, has terminated, and a timeout names the expected stations that did not confirm or did
not terminate. Without them nobody knows how many stations will answer: it ends when every
station that confirmed so far has terminated, so an RTU that answers its stations one after
another ends it at the first station's ACT_TERM.

>>> from c104test.protocol.asdu import decode_asdu
>>> from c104test.engine.journal import Journal, Direction
>>> journal = Journal()
>>> sent = decode_asdu(bytes.fromhex("2d010600" "0100" "f40100" "01"))    # C_SC_NA_1 ON, IOA 500
>>> wait = AwaitedCommand(sent, journal.next_index, 0.0, None, None)
>>> wait.scan(journal, 0.0) is None
True
>>> _ = journal.record(Direction.RECEIVED, bytes.fromhex("680e00000000" "2d010700" "0100" "f40100" "01"), now=0.1, wall=0.0)
>>> wait.scan(journal, 0.1).positive
True
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, islice
from typing import Any

from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.construction import twin
from ..protocol.enums import Cot, Type
from ..protocol.station.controlling import BROADCAST_CA
from .errors import CommandTimeout, NegativeConfirmation
from .journal import Direction, Journal, JournalEntry
from .messages import CommandResult
from .termination import ActTerm, terminates, termination_problem

__all__ = ["AwaitedCommand", "check_late_termination", "command_name"]

_CONFIRMATIONS = frozenset({Cot.ACTIVATION_CON, Cot.DEACTIVATION_CON})
_MIRRORS = frozenset({Cot.UNKNOWN_TYPE_ID, Cot.UNKNOWN_COT, Cot.UNKNOWN_CA, Cot.UNKNOWN_IOA})
# Members the scan compares with, as plain names: an Enum member looked up on its class costs
# about 0.1 us each time (EnumType's descriptor), and the scan runs once per received batch.
_RECEIVED = Direction.RECEIVED
_REQUEST = Cot.REQUEST
_DEACTIVATION_CON = Cot.DEACTIVATION_CON
_ACTIVATION_TERMINATION = Cot.ACTIVATION_TERMINATION
_REQUIRED = ActTerm.REQUIRED
_READ = Type.C_RD_NA_1
_ACTIVATION_CON = Cot.ACTIVATION_CON
_ANY_CA = (0, BROADCAST_CA)
_READ_TYPE = int(_READ)


def command_name(asdu: Asdu | UnknownAsdu) -> str:
    """``C_SC_NA_1 IOA 500 CA 1``: how errors name a command."""
    ioa = asdu.objects[0].io_address if asdu.objects else "?"
    name = asdu.type.name if isinstance(asdu.type, Type) else f"type {asdu.type}"
    return f"{name} IOA {ioa} CA {asdu.common_address}"


class AwaitedCommand:
    """A sent command and what has answered it so far; ``scan`` returns the result once done.

    ``mode`` None: the procedure has no ACT_TERM; else the PIXIT's ActTerm for a process command
    (``process``) or REQUIRED for ``wait_termination``. ``collect`` picks the received ASDUs
    the result carries (return information). After ``scan`` returned a result with
    ``unterminated`` True, the ACT_TERM may still come: the client checks it later.
    ``stations``: for a procedure sent to the broadcast address, the CAs expected to answer it
    (None: not known; see the module's docstring); ignored for any other address.
    """

    __slots__ = (
        "asdu", "brought", "collect", "confirmation", "confirmed", "confirmed_stations", "cursor", "early",
        "ioa", "is_read", "mode", "other_station", "outcome", "process", "started", "stations", "stray",
        "terminated_stations", "unterminated",
    )

    def __init__(
        self,
        asdu: Asdu,
        cursor: int,
        started: float,
        mode: ActTerm | None,
        collect: Callable[[Asdu], bool] | None,
        *,
        process: bool = False,
        stations: frozenset[int] | None = None,
    ) -> None:
        self.asdu = asdu
        self.ioa = asdu.objects[0].io_address
        self.cursor = cursor  # the journal index of the command: what came before is not its answer
        self.started = started
        self.mode = mode
        self.collect = collect
        self.process = process
        self.is_read = asdu.type is _READ
        self.confirmation: Asdu | UnknownAsdu | None = None
        self.brought: list[Asdu] = []
        self.confirmed = False  # positive ACT_CON and ACT_TERM not required: done after this batch
        self.stray: Asdu | None = None
        self.early: Asdu | None = None
        self.unterminated = False
        self.outcome: CommandResult | None = None  # once decided (by feed or scan)
        # the broadcast address: the CAs expected to answer (None: not known), and those that
        # confirmed and terminated so far (each made at its first frame: a command's wait is on
        # the command round trip's path)
        self.stations = stations if asdu.common_address == BROADCAST_CA else None
        self.confirmed_stations: set[int] | None = None
        self.terminated_stations: set[int] | None = None
        self.other_station: Asdu | UnknownAsdu | None = None  # this answer, but from another CA

    def scan(self, journal: Journal, now: float, until: int | None = None) -> CommandResult | None:
        """Take what the journal received since the last look (up to index ``until`` when given: the
        frame being dispatched, so that frames journalled after it but not yet applied are never
        looked at); the result when the command is done.

        Frames already handed to ``feed`` as they were dispatched are not looked at again: a flood
        that makes a small journal drop its oldest frames before the scan cannot lose the answer.
        """
        if self.outcome is not None:
            return self.outcome
        cursor = self.cursor
        if until is None or cursor <= until:
            if journal.dropped_before(cursor):
                journal.check_cursor(cursor, f"the confirmation of {command_name(self.asdu)}")
            entries = journal.since(cursor)
            if until is not None:
                entries = islice(entries, max(until + 1 - cursor, 0))
            for entry in entries:
                self.cursor = entry.index + 1
                if entry.direction is not _RECEIVED:
                    continue  # before .asdu: the command itself need not be decoded
                got = entry.asdu
                if got is None:
                    continue
                done = self._examine(got, now)
                if done is not None:
                    self.outcome = done
                    return done
        if self.confirmed:
            self.unterminated = True
            self.outcome = result(self.asdu, self.confirmation, None, self.brought, self.started, now)
            return self.outcome
        return None

    def feed(self, entry: JournalEntry, now: float) -> None:
        """Look at one received frame as it is dispatched (before the journal may drop it);
        ``scan`` then returns what it decided and starts after it."""
        if self.outcome is not None or entry.index < self.cursor:
            return
        self.cursor = entry.index + 1
        got = entry.asdu
        if got is not None:
            self.outcome = self._examine(got, now)

    def _examine(self, got: Asdu | UnknownAsdu, now: float) -> CommandResult | None:
        """One received ASDU: the result if it ends the command."""
        asdu, mode, collect = self.asdu, self.mode, self.collect
        if (
            got.cot is _ACTIVATION_CON
            and mode is None
            and collect is None
            and got.type is asdu.type
            and not self.is_read
            and not got.negative
            and got.objects
            and got.objects[0].io_address == self.ioa
            and (got.common_address == asdu.common_address or asdu.common_address in _ANY_CA)
        ):
            # the common answer, decided as below but in fewer steps: this command's positive
            # ACT_CON, no ACT_TERM awaited, nothing collected
            if self.confirmation is None:
                self.confirmation = got
            return _confirmed(asdu, got, self.brought, self.started, now)
        is_read = self.is_read
        if collect is not None and type(got) is Asdu and collect(got):
            self.brought.append(got)
        cot = got.cot
        if int(got.type) != int(asdu.type) and not (is_read and cot == _REQUEST):
            return None
        ca = asdu.common_address
        if not (ca == 0 or ca == BROADCAST_CA) and got.common_address != ca:
            if self.other_station is None and got.objects and got.objects[0].io_address == self.ioa:
                self.other_station = got  # named if the wait times out: the RTU's wrong CA
            return None
        if got.objects and got.objects[0].io_address != self.ioa:
            return None
        brought = self.brought
        if is_read and cot == _REQUEST and int(got.type) != _READ_TYPE:
            # the standard's answer to a read: the object itself, COT 5, no ACT_CON
            return result(asdu, got, None, [got], self.started, now, positive=True)  # type: ignore[arg-type]
        if cot in _CONFIRMATIONS or cot in _MIRRORS or cot == _REQUEST:
            if self.confirmation is None:
                self.confirmation = got
            if got.negative or cot in _MIRRORS:
                return result(asdu, got, None, brought, self.started, now)
            if ca == BROADCAST_CA and cot == _ACTIVATION_CON:
                if self.confirmed_stations is None:
                    self.confirmed_stations = set()
                self.confirmed_stations.add(got.common_address)
            if is_read:
                return None  # a lenient RTU confirms a read; the value still follows
            if mode is None or cot == _DEACTIVATION_CON:
                return result(asdu, got, None, brought, self.started, now)
            if self.early is not None:  # the ACT_TERM overtook the ACT_CON
                problem = termination_problem(asdu, self.early, mode)
                return result(asdu, got, self.early, brought, self.started, now, problem=problem)
            if mode is not _REQUIRED:
                self.confirmed = True  # what already arrived may hold the ACT_TERM
        elif cot == _ACTIVATION_TERMINATION and type(got) is Asdu:
            if mode is not None and not terminates(asdu, got):
                self.stray = got  # another command's, or a wrong one: not this command's end
                return None
            if self.confirmation is None and self.process:
                self.early = got  # before the ACT_CON (c104 may send it so): wait for that
                return None
            if ca == BROADCAST_CA and mode is not None and not self._all_terminated(got.common_address):
                return None
            problem = None if mode is None else termination_problem(asdu, got, mode)
            return result(asdu, self.confirmation, got, brought, self.started, now, problem=problem)
        return None

    def _all_terminated(self, station: int) -> bool:
        """The ACT_TERM of ``station`` for a broadcast: has every station that confirmed, and
        every expected one, terminated now? Each station answers with its own ACT_CON ...
        ACT_TERM, in parallel or one after another."""
        ended = self.terminated_stations
        if ended is None:
            ended = self.terminated_stations = set()
        ended.add(station)
        confirmed = self.confirmed_stations
        if confirmed is not None and not confirmed <= ended:
            return False
        expected = self.stations
        # without expected stations the rule cannot tell a station that has not answered yet
        # from one that does not exist: what confirmed has terminated, so it ends
        return expected is None or expected <= ended

    def pending_stations(self) -> str:
        """For a broadcast: the stations it still waits for, in words ("" when none or not one)."""
        if self.asdu.common_address != BROADCAST_CA:
            return ""
        expected = self.stations or frozenset()
        confirmed = self.confirmed_stations or set()
        ended = self.terminated_stations or set()
        # an RTU that answers with the broadcast address itself names no station
        silent = sorted(expected - confirmed - ended - {BROADCAST_CA})
        unended = sorted((expected | confirmed) - ended - set(silent) - {BROADCAST_CA})
        parts = []
        if silent:
            parts.append(f"no ACT_CON from CA {_listed(silent)}")
        if unended:
            parts.append(f"no ACT_TERM from CA {_listed(unended)}")
        if not parts:
            return ""
        known = f"expected stations CA {_listed(sorted(expected))}: " if expected else ""
        return f"{known}{'; '.join(parts)}"

    def timed_out(self, timeout: float, journal: Journal, stall: str = "") -> CommandTimeout:
        """The error when nothing ended the wait within ``timeout`` seconds; ``stall`` says what of
        ours the RTU had not taken or acknowledged by then (``Session.stall``), if anything."""
        what = "ACT_TERM" if self.confirmation is not None else "ACT_CON"
        other = "" if self.stray is None else " (an ACT_TERM with another object arrived)"
        if self.other_station is not None:
            got = self.other_station
            cause = got.cot.name if isinstance(got.cot, Cot) else f"COT {int(got.cot)}"
            other += f" (the RTU answered with CA {got.common_address} instead: {cause})"
        pending = self.pending_stations()
        if pending:
            other += f" ({pending})"
        also = f"; {stall}" if stall else ""
        error = CommandTimeout(
            f"no {what} for {command_name(self.asdu)} within {timeout:g} s{other}{also}; last frames:\n{journal.explain(8)}"
        )
        error.silent_stations = self._only_silent()
        return error

    def _only_silent(self) -> tuple[int, ...]:
        """A broadcast that every station which confirmed has terminated: the expected stations
        that never confirmed it (the c104 API returns True then, as c104 does); else ()."""
        expected, confirmed = self.stations, self.confirmed_stations
        if not expected or not confirmed or self.stray is not None or self.other_station is not None:
            return ()
        ended = self.terminated_stations or set()
        if not confirmed <= ended:
            return ()
        return tuple(sorted(expected - confirmed))


def check_late_termination(journal: Journal, command: Asdu, cursor: int, mode: ActTerm) -> None:
    """The ACT_TERM of a process command that returned before it (from journal index ``cursor``
    on), if it arrived: NegativeConfirmation when it is wrong (negative, or under act_term=never)."""
    ca, ioa = command.common_address, command.objects[0].io_address
    for entry in journal.since(cursor):
        got = entry.asdu
        if (
            entry.direction is Direction.RECEIVED
            and got is not None
            and int(got.type) == int(command.type)
            and got.cot == Cot.ACTIVATION_TERMINATION
            and (ca in (0, BROADCAST_CA) or got.common_address == ca)
            and got.objects
            and got.objects[0].io_address == ioa
            and terminates(command, got)
        ):
            problem = termination_problem(command, got, mode)
            if problem is not None:
                raise NegativeConfirmation(
                    f"{command_name(command)}: {problem}; it arrived after the command returned: "
                    f"{entry.explain()}"
                )
            return


def _listed(cas: list[int]) -> str:
    return ", ".join(map(str, cas))


def _confirmed(asdu: Asdu, confirmation: Asdu, brought: list[Asdu], started: float, now: float) -> CommandResult:
    """``result(asdu, confirmation, None, brought, started, now)`` of a positive ACT_CON whose
    type is the command's (so a Type), in fewer steps."""
    cot = asdu.cot
    if type(cot) is not Cot:  # a command built with a plain number: the long way converts it
        return result(asdu, confirmation, None, brought, started, now)
    made = _ResultTwin()
    made.type = asdu.type
    made.common_address = asdu.common_address
    made.io_address = asdu.objects[0].io_address
    made.cot = cot
    made.positive = True
    made.confirmation = confirmation
    made.terminated = False
    made.termination = None
    if brought:
        made.objects = tuple(ob for a in brought for ob in a.objects)
        made.asdus = tuple(brought)
    else:
        made.objects = made.asdus = ()
    made.started_at = started
    made.finished_at = now
    made.problem = None
    made.__class__ = CommandResult
    return made  # type: ignore[no-any-return]


def result(
    asdu: Asdu,
    confirmation: Asdu | UnknownAsdu | None,
    termination: Asdu | None,
    brought: list[Asdu],
    started: float,
    now: float,
    positive: bool | None = None,
    problem: str | None = None,
) -> CommandResult:
    """The CommandResult of ``asdu`` with what answered it."""
    if positive is None and confirmation is not None:
        positive = not confirmation.negative and confirmation.cot not in _MIRRORS
    if problem is not None:
        positive = False
    type_id, cot = asdu.type, asdu.cot
    if type(cot) is not Cot and isinstance(cot, int) and cot in Cot._value2member_map_:
        cot = Cot(cot)
    # filled as a twin (protocol/construction.py): once per command, 13 frozen-field stores saved
    made = _ResultTwin()
    made.type = type_id if type(type_id) is Type else Type(type_id)
    made.common_address = asdu.common_address
    made.io_address = asdu.objects[0].io_address
    made.cot = cot
    made.positive = positive
    made.confirmation = confirmation
    made.terminated = termination is not None
    made.termination = termination
    # (chained in C: an interrogation brings thousands of objects)
    made.objects = tuple(chain.from_iterable([a.objects for a in brought])) if brought else ()
    made.asdus = tuple(brought)
    made.started_at = started
    made.finished_at = now
    made.problem = problem
    made.__class__ = CommandResult
    return made  # type: ignore[no-any-return]


_ResultTwin: Any = twin(CommandResult)
