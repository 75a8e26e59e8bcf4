"""The command path of a client connection: one command at a time, each waiting (bounded) for
its ACT_CON and, per the PIXIT, its ACT_TERM.

``ClientConnection`` has these methods (``CommandPath`` is one of its bases, beside
``StationRequests`` that builds the requests): ``command()`` for a trio task, and
``submit_command()`` for a caller in another thread, which may write its frame and read its answer
itself while the trio thread is parked (``outside_reader``, ``sync.bridge``). The rules of a
confirmation are in ``engine.confirmation``; this module holds the waits and who ends them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import trio

from ..protocol.asdu import Asdu
from ..protocol.link import LinkState
from ..protocol.station.controlling import BROADCAST_CA
from .confirmation import AwaitedCommand, check_late_termination, command_name
from .confirmation import result as confirmation_result
from .errors import NegativeConfirmation
from .messages import CommandResult
from .termination import ActTerm

if TYPE_CHECKING:
    from .journal import Journal
    from .session import Session

__all__ = ["CommandPath", "station_set"]

_SUBMIT_GRACE = 1.0  # beyond its timeout, a submitted command whose caller never expired it ends
_name = command_name


class CommandPath:
    """The command methods of ``ClientConnection`` (its state is set up in its ``__init__``)."""

    # set by ClientConnection.__init__ and its session
    journal: Journal
    command_timeout: float
    stations: frozenset[int] | None
    last_command_index: int
    _command_lock: trio.Lock
    _submitted: tuple[AwaitedCommand, Callable[[CommandResult | Exception], None], float, float] | None
    _awaited: AwaitedCommand | None
    _unterminated: Any
    _session: Session | None
    _link: Any
    _outside_made: Any
    _outside_now: float | None
    _watched: bool

    async def command(
        self,
        asdu: Asdu,
        *,
        timeout: float | None = None,
        wait_termination: bool = False,
        collect: Callable[[Asdu], bool] | None = None,
        wait: bool = True,
        act_term: ActTerm | None = None,
        stations: Iterable[int] | None = None,
    ) -> CommandResult:
        """Send a command ASDU and wait for its ACT_CON (and ACT_TERM if asked).

        Matching (engine.confirmation): same type, same IOA, same CA (any CA for the broadcast
        address), COT 7, 9 or 10, or one of the negative mirrors 44-47. Serialised: one command
        at a time per connection (``submit_command``'s too). ``act_term`` (process commands)
        replaces ``wait_termination``: see engine.termination. An ACT_TERM of the previous process
        command that arrived after it returned, and is wrong, fails this command before it is
        sent (NegativeConfirmation). ``stations`` (default: the connection's): the CAs that
        must each terminate a procedure sent to the broadcast address (engine.confirmation).
        """
        timeout = self.command_timeout if timeout is None else timeout
        expected = self._expected(asdu, stations)  # checked before anything is sent
        async with self._command_lock:
            if self._submitted is not None:
                await self._wait_submitted(timeout)
            self._check_late_termination()
            self.last_command_index = start_index = self.journal.next_index
            started = trio.current_time()
            await self.send_asdu(asdu, timeout=timeout)
            if not wait:
                return confirmation_result(asdu, None, None, [], started, trio.current_time())
            awaited = self._awaited = AwaitedCommand(
                asdu, start_index, started, _mode(act_term, wait_termination), collect, process=act_term is not None,
                stations=expected,
            )
            try:
                with trio.move_on_after(timeout):
                    while True:
                        result = self._settle(awaited)
                        if result is not None:
                            return result
                        await self._wait_changed()
            finally:
                self._awaited = None
            raise awaited.timed_out(timeout, self.journal, self._stall())

    def submit_command(
        self,
        asdu: Asdu,
        data: bytes,
        on_done: Callable[[CommandResult | Exception], None],
        *,
        timeout: float | None = None,
        wait_termination: bool = False,
        act_term: ActTerm | None = None,
        collect: Callable[[Asdu], bool] | None = None,
        outside: Callable[[Callable[[], None]], None] | None = None,
        now: float | None = None,
        stations: Iterable[int] | None = None,
    ) -> bool:
        """``command()`` for a caller in another thread, as a plain call in the trio thread.

        Sends ``asdu`` (encoded as ``data`` by the caller) now, journalled first, and calls
        ``on_done`` (in the trio thread, once) with the result or the error when the frame that
        ends it has been journalled, or when the link goes down. No task and no wake-up of one:
        the connection checks the wait after every batch of received frames. The caller bounds
        its wait and then calls ``expire_command(on_done)``. Returns False, having done nothing,
        when the command cannot go this way now (another command under way, data transfer not
        started, the k window full): run ``command()`` then, which waits for those.

        With ``outside`` (and ``now``, the trio clock's time) it runs in the *caller's* thread
        while the trio thread is parked (``sync.bridge.TrioBridge.run_handoff``'s hold: nothing
        of trio runs meanwhile, so the link, journal and session stay consistent), and writes
        the frame itself: no thread hop on the way out. ``on_frame`` then runs in that thread
        for the sent frame. ``outside(fn)`` has ``fn`` run in the trio thread later (the rest
        of a partial write, a timer to re-arm). It returns False more often then: whenever the
        writer is not idle, or a command's caller gone needs clearing up.
        """
        submitted = self._submitted
        if now is None:
            now = trio.current_time()
            if submitted is not None and now > submitted[2]:
                self.expire_command(submitted[1])  # its caller is gone: do not block the connection
                submitted = None
        link, session = self._link, self._session
        if (
            submitted is not None
            or link is None
            or session is None
            or not link.can_send  # data transfer started and the k window has room
            or session.closed is not None
            or (outside is not None and not session.writer_idle)
            or self._command_lock.locked()
        ):
            return False
        if self._unterminated is not None:
            try:
                self._check_late_termination()
            except NegativeConfirmation as exc:
                on_done(exc)
                return True
        timeout = self.command_timeout if timeout is None else timeout
        self.last_command_index = start_index = self.journal.next_index
        awaited = AwaitedCommand(asdu, start_index, now, _mode(act_term, wait_termination), collect,
                                 process=act_term is not None, stations=self._expected(asdu, stations))
        self._submitted = (awaited, on_done, now + timeout + _SUBMIT_GRACE, timeout)
        link.send_asdu(data, now)
        if outside is None:
            session.wake()  # an idle writer: the octets go to the kernel now, journalled first
        elif session.send_outside(now):
            outside(session.resume)
        return True

    def outside_reader(
        self,
    ) -> tuple[int, Callable[[float, Callable[[Callable[[], None]], None]], bool], Callable[[bool], None]] | None:
        """Before ``submit_command(outside=...)``, for the caller under the bridge's hold:
        the socket to wait on, ``read(now, later)``, which reads it once and dispatches what
        came as the trio thread's reader would (``Session.read_outside``; False: stop, the trio
        thread takes over), and ``mute(bool)`` (``Session.mute_reader``). None when the command's
        answer cannot be read that way now (TLS or a test stream, a raw-frame callback that is
        not ``on_frame_any_thread``, a task waiting for this connection's changes).

        The caller must make sure that ``on_asdu`` may run in its thread (the c104 facade's runs
        no user callback then: see ``sync.connection``); ``on_state`` and ``on_frame`` never do.
        """
        session = self._session
        if session is None or (self._on_frame is not None and not self.on_frame_any_thread) or self._watched:
            return None
        fd = session.outside_fd()
        if fd < 0:
            return None
        made = self._outside_made
        if made is None or made[0] is not session or made[1][0] != fd:
            # once per session, not per command
            made = self._outside_made = (session, (fd, partial(self._read_outside, session), session.muter()))
        return made[1]

    def _read_outside(self, session: Session, now: float, later: Callable[[Callable[[], None]], None]) -> bool:
        self._outside_now = now
        try:
            return session.read_outside(now, later)
        finally:
            self._outside_now = None

    def expire_command(self, on_done: Callable[[CommandResult | Exception], None]) -> None:
        """The caller of ``submit_command`` stopped waiting: end its command with CommandTimeout
        (if it is still under way; ``on_done`` is called either way only once)."""
        submitted = self._submitted
        if submitted is None or submitted[1] != on_done:
            return
        self._submitted = None
        awaited, _, _, timeout = submitted
        on_done(awaited.timed_out(timeout, self.journal, self._stall()))
        self._notify()

    def _expected(self, asdu: Asdu, stations: Iterable[int] | None) -> frozenset[int] | None:
        """The stations a broadcast procedure waits for: the caller's, else the connection's."""
        if asdu.common_address != BROADCAST_CA:
            return None
        return self.stations if stations is None else station_set(stations)

    def _stall(self) -> str:
        session = self._session
        return "" if session is None or session.closed is not None else session.stall(trio.current_time())

    def _check_submitted(self, now: float | None = None, until: int | None = None) -> None:
        """After a batch of received frames (or the link's end), or at the received frame of
        journal index ``until``: is the submitted command done?"""
        awaited, on_done, _, _ = self._submitted  # type: ignore[misc]
        try:
            result = self._settle(awaited, now, until)
        except Exception as exc:  # LinkDown, FramesDropped: the caller's, never the session's
            result = exc  # type: ignore[assignment]
        if result is None:
            return
        self._submitted = None
        on_done(result)  # changed() wakes the tasks that wait for the connection to be free

    async def _wait_submitted(self, timeout: float) -> None:
        """Wait (bounded) until the command of ``submit_command`` is done."""
        with trio.move_on_after(timeout + _SUBMIT_GRACE):
            while self._submitted is not None:
                await self._wait_changed()
            return
        submitted = self._submitted
        if submitted is not None:
            self.expire_command(submitted[1])

    def _settle(self, awaited: AwaitedCommand, now: float | None = None, until: int | None = None) -> CommandResult | None:
        """One look at the journal for ``awaited`` (``now``: the trio clock's time, if the caller
        has it); raises LinkDown when the link ended first."""
        result = awaited.scan(self.journal, trio.current_time() if now is None else now, until)
        if result is not None:
            if awaited.unterminated:
                self._unterminated = (awaited.asdu, awaited.cursor, awaited.mode)  # type: ignore[assignment]
            return result
        if until is not None:
            return None  # mid-batch: the link's end (if the batch holds it) is judged after the batch
        if self._link is None or self._link.state is LinkState.CLOSED:
            raise self._down(_waiting_for(awaited))
        return None

    def _check_late_termination(self) -> None:
        """Check the ACT_TERM of the last process command that returned without it."""
        pending, self._unterminated = self._unterminated, None
        if pending is not None:
            check_late_termination(self.journal, *pending)


def station_set(stations: Iterable[int] | None) -> frozenset[int] | None:
    """The stations a broadcast waits for, checked: each 0..65534 (65535 answers nothing)."""
    if stations is None:
        return None
    chosen = frozenset(int(ca) for ca in stations)
    wrong = sorted(ca for ca in chosen if not 0 <= ca < BROADCAST_CA)
    if wrong:
        raise ValueError(f"station common address {wrong[0]} outside 0..65534 (65535 is the broadcast address)")
    return chosen


def _waiting_for(awaited: AwaitedCommand) -> str:
    """What the command was waiting for when the link ended: its ACT_CON, or (after one came)
    its ACT_TERM, so a log never says the confirmation was missing when only the end was."""
    name = _name(awaited.asdu)
    confirmation = awaited.confirmation
    if confirmation is None:
        return f"connection closed while waiting for the confirmation of {name}"
    count = sum(len(asdu.objects) for asdu in awaited.brought)
    objects = f", then {count} objects" if count else ""
    pending = awaited.pending_stations()
    return (
        f"connection closed while waiting for the termination (ACT_TERM) of {name}; "
        f"its confirmation came ({'negative' if confirmation.negative else 'positive'}{objects})"
        + (f"; {pending}" if pending else "")
    )


def _mode(act_term: ActTerm | None, wait_termination: bool) -> ActTerm | None:
    """The ACT_TERM rule of a wait: the PIXIT's for a process command, else REQUIRED or none."""
    if act_term is not None:
        return act_term
    return ActTerm.REQUIRED if wait_termination else None
