"""The bridge: one long-lived trio thread per process behind a blocking facade.

This is the only module that starts a thread. Calls wait in short slices so a Robot timeout,
SIGALRM or Ctrl-C interrupts them; any BaseException during a wait cancels the trio-side
operation; exception groups never reach the caller.

>>> import trio
>>> bridge = get_bridge()
>>> bridge.run(trio.sleep, 0)
"""

from __future__ import annotations

import _thread
import atexit
import os
import select
import threading
import time as _time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import trio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ..engine.errors import unwrap_group

__all__ = ["SPIN", "TrioBridge", "get_bridge", "shutdown_bridge"]

T = TypeVar("T")

THREAD_NAME = "c104test-trio"
_POLL = 0.05  # seconds per wait slice: short enough for timeouts and Ctrl-C to get through
#: How long a caller may wait for the trio thread to park before it sends its command itself
#: (else it hands the command to the trio thread): most often trio is only finishing a wake-up
#: for the frame the last call read itself.
_HOLD_WAIT = 0.001
#: How long a caller reading its own answer may keep trio waiting when trio was woken before
#: the command was sent (see TrioBridge._receive).
_STALE_GRACE = 0.001
#: How long a caller waiting for a one-frame answer (a command's ACT_CON) polls the socket
#: without sleeping first. An RTU on this host or its LAN answers within it most often; a
#: sleeping thread on an idle vCPU is woken by an interrupt that costs a VM 10-25 us each way
#: (bench/README.md, "spinning"). At most this much CPU per command; never for interrogations,
#: whose many frames need the CPU for the RTU on a small machine.
SPIN = 100e-6
_yield = getattr(os, "sched_yield", lambda: None)  # a peer waiting for this CPU runs first
_CANCEL_GRACE = 1.0  # how long a cancelled operation may take to unwind
_READABLE = select.POLLIN
_NOT_ONLY_DATA = select.POLLERR | select.POLLHUP | select.POLLNVAL | getattr(select, "POLLRDHUP", 0)

#: ``read(now, later)``: reads the socket once and dispatches it; False: the trio thread takes over.
Reader = Callable[[float, Callable[[Callable[[], None]], None]], bool]
#: ``mute(True)``: the trio thread's reader is not woken for octets until ``mute(False)``.
Mute = Callable[[bool], None]


class TrioBridge:
    """Runs coroutines in a dedicated trio thread and waits for them from any other thread."""

    def __init__(self) -> None:
        self._cm: AbstractContextManager[BlockingPortal] = start_blocking_portal(
            backend="trio", name=THREAD_NAME
        )
        self._portal = self._cm.__enter__()
        self._closed = False
        self._nursery: trio.Nursery | None = None
        self._nursery_ready = threading.Event()
        self._parked: _Parked | None = None
        self._trio_ident = -1
        self._services = self._portal.start_task_soon(self._keep_nursery)
        self._nursery_ready.wait(5)

    async def _keep_nursery(self) -> None:
        # background tasks (connections, simulators) live here, not in the portal's task group,
        # so that they outlive the call that started them
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            self._token = trio.lowlevel.current_trio_token()
            self._trio_ident = _thread.get_ident()
            self._clock = trio.lowlevel.current_clock()
            self._parked = _Parked()
            trio.lowlevel.add_instrument(self._parked)
            self._nursery_ready.set()
            await trio.sleep_forever()

    @property
    def closed(self) -> bool:
        return self._closed

    def run(self, afn: Callable[..., Awaitable[T]], /, *args: Any) -> T:
        """Run ``afn(*args)`` in the trio thread and return its result (or raise its error)."""
        token = self._check_caller()
        call = _Call(afn, args, self._parked)
        try:
            # straight onto trio's run queue: half the cost of a portal task per call, which
            # is most of a command's round trip through the synchronous API
            token.run_sync_soon(self._nursery.start_soon, call.run)  # type: ignore[union-attr]
        except trio.RunFinishedError:
            raise RuntimeError("the c104test trio thread has been stopped") from None
        self._wait(call, token, None, None)
        return call.result()

    def run_handoff(
        self,
        submit: Callable[..., bool],
        fallback: Callable[[], Awaitable[T]],
        expire: Callable[[Callable[[Any], None]], None],
        timeout: float,
        *,
        outside: bool = False,
        receive: Callable[[], tuple[int, Reader, Mute] | None] | None = None,
        spin: float = 0.0,
    ) -> T:
        """One thread hop each way: ``submit(done)`` runs as a plain call in the trio thread.

        ``submit`` starts the operation and returns True; the trio thread later calls
        ``done(value_or_exception)`` once, which wakes this thread directly (no task, no portal).
        When ``submit`` returns False (it cannot go this way now), ``fallback()`` runs as a task
        instead, as ``run`` would. The wait is bounded: ``timeout`` seconds after the call,
        ``expire(done)`` runs in the trio thread and must end the operation with ``done(error)``
        if it is still under way.

        With ``outside``, no hop on the way out when the trio thread is parked (waiting for I/O,
        nothing of trio running): this thread takes the hold that the trio thread gives up only
        while parked, and calls ``submit(done, outside=later, now=trio_time)`` itself; trio waits
        for the hold when it wakes, so the engine's state is never touched by two threads at once.
        ``later(fn)`` has the trio thread call ``fn`` soon. When trio is busy (the hold is taken)
        or ``submit`` returns False, the operation goes the one-hop way.

        With ``receive`` too, no hop back either: under the hold, ``receive()`` gives the socket
        the answer comes on, ``read(now, later)`` and ``mute(bool)``, or None (not that way now).
        Trio's reader is muted from before ``submit`` until the hold goes back, so that it is
        not woken for what this thread reads. After ``submit``, this thread waits for the socket itself (``poll``, bounded by
        ``timeout``) and calls ``read`` for each arrival, as the trio thread's reader would,
        until ``done`` has been called, ``read`` returns False, or trio wants to run (woken by
        anything: a timer, another connection; ``_Parked.after_io_wait`` nudges this wait):
        then it gives the hold back and waits as above. ``spin`` (seconds, for a one-frame answer):
        how long that wait polls without sleeping first (``SPIN``).

        >>> # Connection._command: engine.submit_command / engine.command / engine.expire_command
        """
        if self._closed or _thread.get_ident() == self._trio_ident:
            self._check_caller()  # raises
        token = self._token
        parked = self._parked
        call = _Call(fallback, (), parked)
        if outside and parked is not None and parked.hold.acquire(True, _HOLD_WAIT):
            deadline = _time.monotonic() + timeout
            held = True
            reader = None if receive is None else receive()
            if reader is not None:
                reader[2](True)  # muted before the command goes out: its answer can come within the write
            try:
                try:
                    taken = submit(call.finish, outside=self._later, now=self._clock.current_time())
                except Exception as exc:
                    call.finish(exc)
                    taken = True
                if taken:
                    call.handed_off = True
                    if reader is not None and not call.finished:
                        self._receive(call, reader, parked, deadline, spin)
            except BaseException:  # Ctrl-C or a Robot timeout in the wait: end the operation
                held = False
                _give_back(parked, reader)
                if call.handed_off:
                    _soon(token, expire, call.finish)
                    call.wait(_CANCEL_GRACE)
                raise
            finally:
                if held:
                    _give_back(parked, reader)
            if taken:
                if not call.finished:  # (finished here, most often: its answer was read above)
                    self._wait(call, token, deadline, expire)
                return call.result()
        try:
            token.run_sync_soon(self._submit, submit, call)
        except trio.RunFinishedError:
            raise RuntimeError("the c104test trio thread has been stopped") from None
        self._wait(call, token, _time.monotonic() + timeout, expire)
        return call.result()

    def _receive(
        self, call: _Call, reader: tuple[int, Reader, Mute], parked: _Parked, deadline: float, spin: float = 0.0
    ) -> None:
        """Under the hold, after the caller's own send: wait for the answer on the socket and read
        it here (see ``run_handoff``). Returns with the call finished, or with the hold to give
        back to the trio thread (it wants to run, the batch is its, the time is up)."""
        fd, read, _ = reader
        clock = self._clock
        later = self._later
        seen = parked.nudges
        parked.inline = True
        try:
            # On this kind of machine the peer most often answers within our write (woken on
            # our CPU): read before polling, a system call and a GIL release fewer. Nothing
            # there (EAGAIN): read found nothing, and the wait below goes on as ever.
            if not read(clock.current_time(), later) or call.finished:
                return
            poller = parked.poller(fd)
            if spin:  # bounded by spin (and the nudge of a trio that wants to run ends it too)
                until = _time.monotonic() + min(spin, deadline - _time.monotonic())
                while not poller.poll(0) and _time.monotonic() < until:
                    _yield()
            # Trio already waiting for the hold was woken before this command was sent: most
            # often by the last answer, which its reader will not find (read here). It may
            # wait _STALE_GRACE for this answer; trio woken from now on is nudged, and gets the
            # hold as soon as what is readable now has been read.
            stale = _time.monotonic() + _STALE_GRACE if parked.wanting else 0.0
            while True:
                now = _time.monotonic()
                if parked.wanting and (parked.nudges != seen or now >= stale):
                    return
                left = deadline - now
                if left <= 0:
                    return
                if stale:
                    left = min(left, max(stale - now, 0.0))
                for ready, flags in poller.poll(min(left, _POLL) * 1000.0):  # the GIL released meanwhile
                    if ready == fd:
                        if flags & _NOT_ONLY_DATA:
                            return  # the peer's end or an error: the trio thread's reader reports it
                        if not read(clock.current_time(), later):
                            return
                    else:
                        parked.drain()  # (a byte left by an earlier wait's nudge too: the count tells)
                if call.finished:
                    return
        finally:
            parked.inline = False

    def _later(self, fn: Callable[[], None]) -> None:
        try:
            self._token.run_sync_soon(fn)
        except trio.RunFinishedError:
            pass  # the trio thread has ended: nothing is left to finish

    def _submit(self, submit: Callable[[Callable[[Any], None]], bool], call: _Call) -> None:
        # in the trio thread: try the direct way, else the fallback as a task
        try:
            taken = submit(call.finish)
        except Exception as exc:
            call.finish(exc)
            return
        if taken:
            call.handed_off = True
        else:
            self._nursery.start_soon(call.run)  # type: ignore[union-attr]

    def _check_caller(self) -> trio.lowlevel.TrioToken:
        if self._closed:
            raise RuntimeError("the c104test trio thread has been stopped")
        if _thread.get_ident() == self._trio_ident:  # not current_thread().name: a dict lookup and more
            raise RuntimeError("blocking c104test call from inside the trio thread (a callback?)")
        return self._token

    def _wait(
        self,
        call: _Call,
        token: trio.lowlevel.TrioToken,
        deadline: float | None,
        expire: Callable[[Callable[[Any], None]], None] | None,
    ) -> None:
        try:
            while not call.wait(_POLL):  # short slices: Robot timeouts and Ctrl-C get in
                if deadline is not None and call.handed_off and _time.monotonic() > deadline:
                    deadline = None  # once: the operation ends with done(error) now
                    _soon(token, expire, call.finish)
        except BaseException:
            if call.handed_off and expire is not None:
                _soon(token, expire, call.finish)
            else:
                _soon(token, call.cancel)
            call.wait(_CANCEL_GRACE)
            raise

    def run_sync(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Call a plain function in the trio thread (to touch engine state safely)."""

        async def call() -> T:
            return fn(*args)

        return self.run(call)

    def call_soon(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Have the trio thread call ``fn(*args)`` soon, without waiting (no result, no error:
        ``fn`` must not raise). For a worker thread handing a decision back to the engine."""
        if self._closed:
            raise RuntimeError("the c104test trio thread has been stopped")
        try:
            self._token.run_sync_soon(fn, *args)
        except trio.RunFinishedError:
            raise RuntimeError("the c104test trio thread has been stopped") from None

    def spawn_soon(self, afn: Callable[..., Awaitable[Any]], /, *args: Any) -> None:
        """Start a background task without waiting for anything (any thread, this one's too)."""
        if self._closed:
            raise RuntimeError("the c104test trio thread has been stopped")
        try:
            self._token.run_sync_soon(self._nursery.start_soon, afn, *args)  # type: ignore[union-attr]
        except trio.RunFinishedError:
            raise RuntimeError("the c104test trio thread has been stopped") from None

    def start_background(self, afn: Callable[..., Awaitable[Any]], /, *args: Any) -> None:
        """Start a task that lives until it returns or the bridge stops (no waiting)."""

        async def spawn() -> None:
            assert self._nursery is not None
            self._nursery.start_soon(afn, *args)

        self.run(spawn)

    def start(self, afn: Callable[..., Awaitable[Any]], /, *args: Any) -> Any:
        """Start a background task and wait until it calls ``task_status.started(value)``."""

        async def spawn() -> Any:
            assert self._nursery is not None
            return await self._nursery.start(afn, *args)

        return self.run(spawn)

    def close(self) -> None:
        """Stop the trio thread; background tasks are cancelled (connections closed)."""
        if self._closed:
            return
        self._closed = True
        if self._nursery is not None:
            self._portal.call(self._nursery.cancel_scope.cancel)
        try:
            self._services.result(timeout=5)
        except BaseException:
            pass
        self._cm.__exit__(None, None, None)
        if self._parked is not None:
            self._parked.wake_pending()  # the trio thread ended: nobody else will
            self._parked.close()


class _Parked(trio.abc.Instrument):
    """A trio instrument: ``hold`` is taken by the trio thread whenever it runs anything and is
    given up only while trio waits for I/O with nothing to run. Another thread that takes it
    (never blocking: ``acquire(False)``) may then touch the engine's state as if it were the
    trio thread, briefly; trio, woken meanwhile, waits for the hold before it runs anything.

    A thread that keeps the hold while it waits for I/O itself (``TrioBridge._receive``) sets
    ``inline``; trio, woken and wanting the hold, then nudges that wait through a pipe, so it
    never waits longer than one read for the hold."""

    def __init__(self) -> None:
        self.hold = threading.Lock()
        self.hold.acquire()  # added from a running task: the trio thread has it
        self._given = False
        self.ident = _thread.get_ident()  # the trio thread's
        #: the locks of callers whose calls finished in this scheduler batch (see _Call.finish)
        self.pending: list[_thread.LockType] = []
        #: a holder waits for I/O (set and read under the GIL: see after_io_wait)
        self.inline = False
        #: trio woke and waits for the hold
        self.wanting = False
        #: nudges sent (a holder compares it with the count when it began to wait)
        self.nudges = 0
        self._nudge_read, self._nudge_write = os.pipe()
        os.set_blocking(self._nudge_read, False)
        os.set_blocking(self._nudge_write, False)
        self._poller: select.poll | None = None
        self._polled = -1

    def before_io_wait(self, timeout: float) -> None:
        if timeout > 0:  # a poll with tasks still to run: not parked, keep the hold
            self._given = True
            self.hold.release()
        self.wake_pending()

    def wake_pending(self) -> None:
        pending = self.pending
        if pending:
            self.pending = []
            for lock in pending:
                lock.release()

    def after_io_wait(self, timeout: float) -> None:
        if self._given:
            self._given = False
            if not self.hold.acquire(False):
                # Set before inline is read; the holder sets inline before it reads wanting:
                # one of the two sees the other (the GIL orders them), so no wait is missed.
                self.wanting = True
                if self.inline:
                    self.nudges += 1
                    try:
                        os.write(self._nudge_write, b"\0")
                    except OSError:  # full: nudged already
                        pass
                self.hold.acquire()
                self.wanting = False

    def poller(self, fd: int) -> select.poll:
        """A ``poll`` object for ``fd`` and the nudge pipe (used under the hold only)."""
        if self._polled != fd or self._poller is None:
            poller = select.poll()
            poller.register(fd, _READABLE | _NOT_ONLY_DATA)
            poller.register(self._nudge_read, _READABLE)
            self._poller, self._polled = poller, fd
        return self._poller

    def drain(self) -> None:
        try:
            os.read(self._nudge_read, 512)
        except OSError:  # empty: drained already
            pass

    def close(self) -> None:
        for fd in (self._nudge_read, self._nudge_write):
            try:
                os.close(fd)
            except OSError:
                pass


class _Call:
    """One blocking call: runs as a task in the bridge's nursery under its own cancel scope, or
    is handed off (``run_handoff``) and finished by the engine. ``finish`` wakes the caller: a
    bare lock the trio thread releases (cheaper than a threading.Event's condition), at the end
    of trio's scheduler batch, just before trio waits for I/O (``_Parked.before_io_wait``): woken
    earlier, the caller would only fight the trio thread for the GIL while trio finishes the
    batch, and find the hold taken."""

    __slots__ = ("_done", "afn", "args", "error", "finished", "handed_off", "parked", "scope", "value")

    def __init__(self, afn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], parked: _Parked | None) -> None:
        self.afn, self.args = afn, args
        self.parked = parked
        self._done = _thread.allocate_lock()
        self._done.acquire()
        self.finished = False
        self.handed_off = False
        self.scope: trio.CancelScope | None = None
        self.value: Any = None
        self.error: BaseException | None = None

    async def run(self) -> None:
        error: BaseException | None = None
        value: Any = None
        try:
            with trio.CancelScope() as self.scope:
                try:
                    value = await self.afn(*self.args)
                except Exception as exc:  # handed to the caller's thread, never to the nursery
                    error = exc
            if self.scope.cancelled_caught:
                error = RuntimeError("cancelled")
        finally:
            if error is None and self.scope is not None and self.scope.cancel_called:
                error = RuntimeError("cancelled")
            self.finish(value if error is None else error)

    def finish(self, outcome: Any) -> None:
        """In the trio thread, once: the value, or the exception to raise in the caller."""
        if self.finished:
            return
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.value = outcome
        self.finished = True
        parked = self.parked
        if parked is not None and _thread.get_ident() == parked.ident:
            parked.pending.append(self._done)
        else:
            self._done.release()

    def wait(self, timeout: float) -> bool:
        """True once finished (in the caller's thread; at most ``timeout`` seconds)."""
        if self._done.acquire(True, timeout):
            self._done.release()  # stays "done" for any later look
            return True
        return self.finished  # finished, its wake-up still pending: do not wait for that

    def cancel(self) -> None:
        if self.scope is not None:
            self.scope.cancel()

    def result(self) -> Any:
        if self.error is not None:
            if isinstance(self.error, BaseExceptionGroup):
                raise unwrap_group(self.error) from None
            raise self.error
        if not self.finished:
            raise RuntimeError("the c104test trio thread stopped during the call")
        return self.value


def _give_back(parked: _Parked, reader: tuple[int, Reader, Mute] | None) -> None:
    """The end of a caller's turn under the hold: trio's reader watches the socket again (what
    came and stayed unread wakes it at once), then the hold goes back."""
    try:
        if reader is not None:
            reader[2](False)
    finally:
        parked.hold.release()


def _soon(token: trio.lowlevel.TrioToken, fn: Callable[..., Any], *args: Any) -> None:
    """``run_sync_soon`` that does nothing once the trio thread has ended (a result never comes)."""
    try:
        token.run_sync_soon(fn, *args)
    except trio.RunFinishedError:
        raise RuntimeError("the c104test trio thread stopped during the call") from None


_lock = threading.Lock()
_bridge: TrioBridge | None = None


def get_bridge() -> TrioBridge:
    """The process-wide bridge, started on first use."""
    global _bridge
    with _lock:
        if _bridge is None or _bridge.closed:
            _bridge = TrioBridge()
        return _bridge


def shutdown_bridge() -> None:
    """Stop the process-wide bridge if it runs (at exit, from Client.stop(), from fixtures)."""
    global _bridge
    with _lock:
        bridge, _bridge = _bridge, None
    if bridge is not None:
        bridge.close()


atexit.register(shutdown_bridge)
