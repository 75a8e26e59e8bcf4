"""The bridge: one long-lived trio thread per process behind a blocking facade.

This is the only module that starts a thread. Calls wait in short slices so a Robot timeout,
SIGALRM or Ctrl-C interrupts them; any BaseException during a wait cancels the trio-side
operation; exception groups never reach the caller.

>>> import trio
>>> bridge = get_bridge()
>>> bridge.run(trio.sleep, 0)
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import trio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ..engine.errors import unwrap_group

__all__ = ["TrioBridge", "get_bridge", "shutdown_bridge"]

T = TypeVar("T")

THREAD_NAME = "c104test-trio"
_POLL = 0.05  # seconds per wait slice: short enough for timeouts and Ctrl-C to get through
_CANCEL_GRACE = 1.0  # how long a cancelled operation may take to unwind


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
        self._services = self._portal.start_task_soon(self._keep_nursery)
        self._nursery_ready.wait(5)

    async def _keep_nursery(self) -> None:
        # background tasks (connections, simulators) live here, not in the portal's task group,
        # so that they outlive the call that started them
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            self._token = trio.lowlevel.current_trio_token()
            self._nursery_ready.set()
            await trio.sleep_forever()

    @property
    def closed(self) -> bool:
        return self._closed

    def run(self, afn: Callable[..., Awaitable[T]], /, *args: Any) -> T:
        """Run ``afn(*args)`` in the trio thread and return its result (or raise its error)."""
        if self._closed:
            raise RuntimeError("the c104test trio thread has been stopped")
        if threading.current_thread().name.startswith(THREAD_NAME):
            raise RuntimeError("blocking c104test call from inside the trio thread (a callback?)")
        call = _Call(afn, args)
        try:
            # straight onto trio's run queue: half the cost of a portal task per call, which
            # is most of a command's round trip through the synchronous API
            self._token.run_sync_soon(self._nursery.start_soon, call.run)  # type: ignore[union-attr]
        except trio.RunFinishedError:
            raise RuntimeError("the c104test trio thread has been stopped") from None
        try:
            while not call.done.wait(_POLL):  # short slices: Robot timeouts and Ctrl-C get in
                pass
        except BaseException:
            self._token.run_sync_soon(call.cancel)  # type: ignore[union-attr]
            call.done.wait(_CANCEL_GRACE)
            raise
        return call.result()

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


class _Call:
    """One blocking call: runs as a task in the bridge's nursery under its own cancel scope."""

    __slots__ = ("afn", "args", "done", "error", "scope", "value")

    def __init__(self, afn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> None:
        self.afn, self.args = afn, args
        self.done = threading.Event()
        self.scope: trio.CancelScope | None = None
        self.value: Any = None
        self.error: BaseException | None = None

    async def run(self) -> None:
        try:
            with trio.CancelScope() as self.scope:
                try:
                    self.value = await self.afn(*self.args)
                except Exception as exc:  # handed to the caller's thread, never to the nursery
                    self.error = exc
            if self.scope.cancelled_caught:
                self.error = RuntimeError("cancelled")
        finally:
            if self.error is None and self.scope is not None and self.scope.cancel_called:
                self.error = RuntimeError("cancelled")
            self.done.set()

    def cancel(self) -> None:
        if self.scope is not None:
            self.scope.cancel()

    def result(self) -> Any:
        if self.error is not None:
            if isinstance(self.error, BaseExceptionGroup):
                raise unwrap_group(self.error) from None
            raise self.error
        if not self.done.is_set():
            raise RuntimeError("the c104test trio thread stopped during the call")
        return self.value


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
