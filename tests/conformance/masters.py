"""Masters under test for the master-side checks: c104test's engine client, conformant or broken.

``run_checks(master, checks)`` serves the simulated RTU (``conformance.master``), runs the
coroutine ``master(port)`` against it and returns the verdicts by check ID. A broken master is
the conformant script with one option changed, so that exactly one rule is broken.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio

from c104test.conformance import CaseResult, parse_pics
from c104test.conformance.master import run_master
from c104test.conformance.master_checks import select_master_checks
from c104test.engine.client import ClientConnection
from c104test.engine.errors import C104TestError
from c104test.engine.transport import Transport
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.commands import command_object
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters

CA = 47
PICS_TEXT = """\
rtu: {common_addresses: [47]}
link: {k: 12, w: 8, t0: 5, t1: 1, t2: 0.8, t3: 1}
master:
  general_interrogation: true
  clock_sync: true
  commands_within: 4
  provoke_t1: true
  provoke_negative: false
  reconnect: true
  reconnect_within: 2
  provoke_sequence_error: true
points:
  commands:
    - {io_address: 501, type: C_SC_NA_1, value: true, mode: select}
    - {io_address: 500, type: C_SC_NA_1, value: true, mode: direct}
"""
PICS = parse_pics(PICS_TEXT, "master.yaml")


@dataclass(frozen=True)
class Breakage:
    """One option of the engine-client master; the default is a conformant master."""

    start: bool = True
    interrogate: bool = True
    clock_sync: bool = True
    clock_sync_after: float = 0.0  # seconds after the interrogation (PICS t1 = 1 s)
    commands: bool = True  # command IOA 501 and 500 at all
    select: bool = True  # select before executing IOA 501
    execute_other_value: bool = False  # select IOA 501 ON, then execute it OFF
    await_term: bool = True  # wait for the ACT_TERM before commanding IOA 500 again
    retry_refused: bool = False
    withhold_acknowledgements: bool = False
    ignore_test_frames: bool = False
    ignore_t1: bool = False
    close_on_unknown: bool = False
    reconnect: bool = True  # connect again (STARTDT, GI) when the first connection ended
    tolerate_sequence_errors: bool = False
    w: int = 8


def engine_master(b: Breakage = Breakage(), transport: Transport | None = None) -> Callable[[int], Awaitable[None]]:
    """The master script: connect, STARTDT, GI, clock sync, SBO on 501, direct on 500 twice; when
    that connection has ended, connect again: STARTDT and GI."""

    async def master(port: int) -> None:
        with contextlib.suppress(C104TestError, trio.TooSlowError), trio.fail_after(30):
            await connection(port, first=True)
            if b.reconnect and b.start:
                try:
                    await connection(port, first=False)
                except* (C104TestError, OSError):
                    pass  # the tool no longer listens: the checks it ran did not need a reconnection

    async def connection(port: int, *, first: bool) -> None:
        """One connection: the whole script on the first, STARTDT and GI on the next; until it ends."""
        params = LinkParameters(k=max(12, b.w), w=b.w, t0=5, t1=1, t2=0.8, t3=1)
        conn = ClientConnection("127.0.0.1", port, params=params, start_data_transfer=b.start, command_timeout=2.0,
                                transport=transport)
        conn.withhold_acknowledgements = b.withhold_acknowledgements
        conn.ignore_test_frames = b.ignore_test_frames
        with contextlib.suppress(C104TestError):
            async with trio.open_nursery() as nursery:
                if b.close_on_unknown:
                    def watch(entry: object) -> None:
                        raw = entry.raw  # type: ignore[attr-defined]
                        if len(raw) > 6 and raw[6] == 22:  # the type octet of the ASDU
                            nursery.start_soon(conn.close)
                    conn.on_frame = watch
                await nursery.start(conn.run)
                if conn.link is not None:
                    conn.link.ignore_t1 = b.ignore_t1
                    conn.link.tolerate_sequence_errors = b.tolerate_sequence_errors
                if b.start and first:
                    await _script(conn, b)
                elif b.start and b.interrogate:
                    await conn.interrogation(CA)
                with contextlib.suppress(C104TestError):
                    await conn.wait_for_state(*_closed(), timeout=25)
                nursery.cancel_scope.cancel()

    return master


def _closed() -> tuple:
    from c104test.protocol.enums import ConnectionState

    return (ConnectionState.CLOSED, ConnectionState.CLOSED_AWAIT_RECONNECT)


async def _script(conn: ClientConnection, b: Breakage) -> None:
    if b.interrogate:
        await conn.interrogation(CA)
    if b.clock_sync:
        await trio.sleep(b.clock_sync_after)
        await conn.clock_sync(CA)
    if not b.commands:
        return
    if b.execute_other_value:
        select, _execute, _mode = conn.process_command(CA, 501, Type.C_SC_NA_1, True, select=True)
        assert select is not None
        await conn.command(select)
        await conn.send_command(CA, 501, Type.C_SC_NA_1, False)  # not the state it selected
    else:
        await conn.send_command(CA, 501, Type.C_SC_NA_1, True, select=b.select)
    if b.await_term:
        result = await conn.send_command(CA, 500, Type.C_SC_NA_1, True, act_term="required")
    else:
        # both in one TCP segment: the second arrives before the first one's ACT_TERM can leave
        link = conn.link
        assert link is not None
        for value in (True, False):
            link.send_asdu(encode_asdu(Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, CA, (command_object(Type.C_SC_NA_1, 500, value),))),
                           trio.current_time())
        conn._wake()
        await trio.sleep(0.5)
        return
    if b.retry_refused and result.positive is False:
        await conn.send_command(CA, 500, Type.C_SC_NA_1, True, wait=False)


def run_checks(master: Callable[[int], Awaitable[None]], checks: str | None = None, pics=PICS,
               wait: float = 10.0) -> dict[str, CaseResult]:
    """The verdicts of ``checks`` (default all) for ``master``, by check ID."""

    async def main() -> list[CaseResult]:
        async with trio.open_nursery() as nursery:
            results = await run_master(select_master_checks(checks), pics, port=0, wait=wait,
                                       on_listening=lambda port: nursery.start_soon(master, port))
            nursery.cancel_scope.cancel()
        return results

    return {r.id: r for r in trio.run(main)}

