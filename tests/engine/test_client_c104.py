"""Interoperability: c104test's client against a real c104 (lib60870) server in another process.

c104 is GPLv3, so it is never imported here: ``peers/c104_server.py`` runs in its own Python
process (CA 47: 100 M_SP_NA_1=True, 200 M_DP_NA_1=ON, 300 M_ME_NB_1=-1234, 301 M_ME_NC_1=230.5,
400 M_IT_NA_1 123456 seq 3, 500 C_SC_NA_1 direct with return information on 100, 501 C_SC_NA_1
select-and-execute). The tests run on trio's real clock over TCP on 127.0.0.1 and assert the
frames in the client's journal, which are the octets on the wire.

Where c104 2.2.1 deviates from IEC 60870-5-104 (spec/c104-api.md §2.2), the test says so and
checks that our client still does the right thing:
- a read (C_RD_NA_1) is answered with an ACT_CON before the value (the standard has no ACT_CON);
- a DIRECT command gets no ACT_TERM (allowed: ACT_TERM on commands is a PIXIT choice);
- the ACT_TERM of select-and-execute is a copy of the *select* (S/E=1), not of the execute;
- a command to an unknown IOA gets a negative ACT_CON *and then* a COT 47 mirror without P/N
  (the standard: only the mirror, with P/N=1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import trio

from c104test.engine.client import ClientConnection, MessageFilter, open_connection
from c104test.engine.journal import Direction, JournalEntry
from c104test.protocol.apci import UFunction, encode_u_frame
from c104test.protocol.asdu import Asdu
from c104test.protocol.enums import Cot, Double, Type
from c104test.protocol.link import LinkParameters

pytestmark = pytest.mark.timeout(60)

PEER = Path(__file__).parent / "peers" / "c104_server.py"
CA = 47
OA = 3  # our originator address; c104 copies it into its confirmations
STARTUP = 20.0  # seconds for the peer process to listen
TEST_LIMIT = 20.0  # seconds per test (real time)
PARAMS = LinkParameters(t0=5.0)


# ---- the peer process ---------------------------------------------------------------------------


def _c104_importable() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False
    )
    return probe.returncode == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def c104_peer(*timers: str, peer: Path = PEER) -> Iterator[int]:
    """The c104 peer process (``peer``) on a free port; ``timers`` are its options (``--t1 3 --t3 4``)."""
    if not _c104_importable():
        if os.environ.get("CI") == "true":
            pytest.fail("the c104 package must be importable when CI=true (pip install c104)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    port = _free_port()
    # stdout goes to a file, not a pipe: c104 logs to it, and a pipe nobody reads fills up
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, str(peer), str(port), *timers],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + STARTUP
            while True:
                out.seek(0)
                log = out.read()
                if "READY" in log and _accepts(port):
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the c104 peer did not start on port {port}:\n{log}")
                time.sleep(0.05)
            yield port
        finally:
            assert proc.stdin is not None
            proc.stdin.close()  # the peer stops when stdin closes
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def c104_port() -> Iterator[int]:
    with c104_peer() as port:
        yield port


def _sockets() -> set[str]:
    fd_dir = Path("/proc/self/fd")
    found = set()
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@pytest.fixture(autouse=True)
def _nothing_outlives_the_test() -> Iterator[None]:
    threads = set(threading.enumerate())
    sockets = _sockets()
    yield
    assert set(threading.enumerate()) <= threads, "a thread outlived the test"
    assert _sockets() <= sockets, "a socket outlived the test"


def with_client(fn: Callable[[ClientConnection], Awaitable[None]]) -> Callable[[int], None]:
    """Run ``fn(client)`` under trio (real clock), connected to the peer, bounded by fail_after."""

    def wrapper(c104_port: int) -> None:
        async def main() -> None:
            with trio.fail_after(TEST_LIMIT):
                async with open_connection(
                    "127.0.0.1",
                    c104_port,
                    params=PARAMS,
                    originator_address=OA,
                    command_timeout=5.0,
                ) as client:
                    first = list(client.journal)[:2]
                    assert [e.raw for e in first] == [
                        encode_u_frame(UFunction.STARTDT_ACT),
                        encode_u_frame(UFunction.STARTDT_CON),
                    ]
                    await fn(client)

        trio.run(main)

    # not functools.wraps: pytest must see the wrapper's fixture argument, not fn's
    wrapper.__name__ = wrapper.__qualname__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def frames_since(client: ClientConnection, index: int) -> list[tuple[Direction, str]]:
    """The I-frames since ``index`` as (direction, ASDU hex without the APCI)."""
    return [(e.direction, e.raw[6:].hex(" ")) for e in client.journal.since(index) if e.is_i_frame]


def without_oa(asdu: bytes) -> str:
    """ASDU hex without the originator address: c104 2.2.1 sends OA 0 in data that is not a
    copy of our command (its issue #74, fixed in 2.2.2), later versions our OA."""
    return (asdu[:3] + asdu[4:]).hex(" ")


def asdu_of(entry: JournalEntry) -> Asdu:
    assert type(entry.asdu) is Asdu, entry.explain()
    return entry.asdu


# ---- tests --------------------------------------------------------------------------------------


@with_client
async def test_interrogation(client: ClientConnection) -> None:
    mark = client.journal.next_index
    result = await client.interrogation(CA)
    assert result.positive is True and result.terminated
    values = {ob.io_address: ob.value for ob in result.objects}
    # the script's values; M_IT_NA_1 (400) belongs to counter interrogation, not to GI
    assert values == {100: True, 200: Double.ON, 300: -1234, 301: 230.5}
    types = {a.objects[0].io_address: a.type for a in result.asdus}
    assert types == {
        100: Type.M_SP_NA_1,
        200: Type.M_DP_NA_1,
        300: Type.M_ME_NB_1,
        301: Type.M_ME_NC_1,
    }
    assert {a.cot for a in result.asdus} == {Cot.INTERROGATED_BY_STATION}
    for ioa, value in values.items():
        point = client.points.get(CA, ioa)
        assert point is not None and point.value == value
    wire = frames_since(client, mark)
    command = "64 01 06 03 2f 00 00 00 00 14"  # C_IC_NA_1, COT 6, OA 3, CA 47, IOA 0, QOI 20
    assert wire[0] == (Direction.SENT, command)
    assert wire[1] == (Direction.RECEIVED, "64 01 07 03 2f 00 00 00 00 14")  # ACT_CON, our OA
    assert wire[-1] == (Direction.RECEIVED, "64 01 0a 03 2f 00 00 00 00 14")  # ACT_TERM
    assert len(wire) == 2 + 4 + 1


@with_client
async def test_counter_interrogation(client: ClientConnection) -> None:
    mark = client.journal.next_index
    result = await client.counter_interrogation(CA)
    assert result.positive is True and result.terminated
    [counter] = result.objects
    assert counter.io_address == 400 and counter.value == 123456
    assert counter.bcr.sequence == 3  # type: ignore[attr-defined]
    assert result.asdus[0].cot == Cot.REQUESTED_BY_GENERAL_COUNTER
    wire = frames_since(client, mark)
    assert wire[0] == (Direction.SENT, "65 01 06 03 2f 00 00 00 00 05")  # QCC: RQT 5, FRZ read
    assert wire[1] == (Direction.RECEIVED, "65 01 07 03 2f 00 00 00 00 05")
    # M_IT_NA_1 IOA 400: counter 123456 = 0x0001e240, sequence 3
    assert wire[2][0] is Direction.RECEIVED and wire[2][1].endswith("90 01 00 40 e2 01 00 03")
    assert wire[3] == (Direction.RECEIVED, "65 01 0a 03 2f 00 00 00 00 05")


@with_client
async def test_clock_sync(client: ClientConnection) -> None:
    mark = client.journal.next_index
    when = dt.datetime(2025, 11, 25, 13, 34, 12, 345000)
    result = await client.clock_sync(CA, when)
    assert result.positive is True
    sent, con = list(client.journal.since(mark))[:2]
    assert sent.direction is Direction.SENT and con.direction is Direction.RECEIVED
    assert asdu_of(con).type is Type.C_CS_NA_1 and asdu_of(con).cot is Cot.ACTIVATION_CON
    assert con.raw[6:] == sent.raw[6:8] + bytes((7,)) + sent.raw[9:]  # the time echoed as sent
    assert asdu_of(con).objects[0].value.to_datetime().replace(tzinfo=None) == when  # type: ignore[attr-defined]


@with_client
async def test_test_command_with_time(client: ClientConnection) -> None:
    mark = client.journal.next_index
    result = await client.test_command(CA)
    assert result.positive is True
    sent, con = list(client.journal.since(mark))[:2]
    assert asdu_of(sent).type is Type.C_TS_TA_1 and asdu_of(sent).cot is Cot.ACTIVATION
    assert asdu_of(con).type is Type.C_TS_TA_1 and asdu_of(con).cot is Cot.ACTIVATION_CON
    assert asdu_of(con).objects[0].value == client.tsc  # TSC mirrored
    assert con.raw[9:] == sent.raw[9:]


@with_client
async def test_read(client: ClientConnection) -> None:
    mark = client.journal.next_index
    result = await client.read(CA, 100)
    # Non-standard: c104 answers a read with an ACT_CON first (c104-api.md §2.2, c104 issue #75);
    # the standard answer is the object with COT 5 alone. Our client skips that ACT_CON and
    # still returns the value.
    assert result.positive is True
    assert [(ob.io_address, ob.value) for ob in result.objects] == [(100, True)]
    point = client.points.get(CA, 100)
    assert point is not None and point.cot is Cot.REQUEST
    wire = frames_since(client, mark)
    assert wire[:2] == [
        (Direction.SENT, "66 01 05 03 2f 00 64 00 00"),  # C_RD_NA_1, COT 5, IOA 100
        (Direction.RECEIVED, "66 01 07 03 2f 00 64 00 00"),  # the extra ACT_CON
    ]
    value = [e for e in client.journal.since(mark) if e.is_i_frame][2]
    assert without_oa(value.raw[6:]) == "01 01 05 2f 00 64 00 00 01"  # M_SP_NA_1 ON, COT 5


@with_client
async def test_direct_command_and_return_information(client: ClientConnection) -> None:
    for value in (False, True):  # ends with True, the script's initial value of IOA 100
        mark = client.journal.next_index
        # c104 sends no ACT_TERM for a DIRECT point: the default act_term=optional does not wait
        result = await client.send_command(CA, 500, Type.C_SC_NA_1, value)
        assert result.positive is True and not result.terminated
        # the return information on IOA 100 follows the ACT_CON with COT 11 a little later;
        # expect_message also matches it if it arrived before this call
        entry = await client.expect_message(
            MessageFilter(
                type=Type.M_SP_NA_1,
                cot=Cot.RETURN_INFO_REMOTE,
                io_address=100,
                value=lambda ob, v=value: ob.value is v,
            ),
            timeout=2,
        )
        assert without_oa(entry.raw[6:]) == f"01 01 0b 2f 00 64 00 00 0{int(value)}"
        point = client.points.get(CA, 100)
        assert point is not None and point.value is value and point.cot is Cot.RETURN_INFO_REMOTE
        wire = frames_since(client, mark)
        assert wire[0] == (Direction.SENT, f"2d 01 06 03 2f 00 f4 01 00 0{int(value)}")
        assert (Direction.RECEIVED, f"2d 01 07 03 2f 00 f4 01 00 0{int(value)}") in wire[1:]
        await client.expect_no_message(
            MessageFilter(type=Type.C_SC_NA_1, cot=Cot.ACTIVATION_TERMINATION), within=0.3
        )


@with_client
async def test_select_and_execute(client: ClientConnection) -> None:
    mark = client.journal.next_index
    # c104 terminates its select-before-operate commands: wait for that ACT_TERM here
    result = await client.send_command(CA, 501, Type.C_SC_NA_1, True, select=True, act_term="required")
    assert result.positive is True and result.terminated
    assert frames_since(client, mark) == [
        (Direction.SENT, "2d 01 06 03 2f 00 f5 01 00 81"),  # select: S/E=1
        (Direction.RECEIVED, "2d 01 07 03 2f 00 f5 01 00 81"),
        (Direction.SENT, "2d 01 06 03 2f 00 f5 01 00 01"),  # execute
        (Direction.RECEIVED, "2d 01 07 03 2f 00 f5 01 00 01"),
        # ACT_TERM: c104 copies the select ASDU, so S/E is still 1
        (Direction.RECEIVED, "2d 01 0a 03 2f 00 f5 01 00 81"),
    ]


@with_client
async def test_command_to_unknown_ioa(client: ClientConnection) -> None:
    mark = client.journal.next_index
    result = await client.send_command(CA, 999, Type.C_SC_NA_1, True)
    # c104 answers a negative ACT_CON and then a COT 47 mirror whose P/N bit is clear; the
    # standard wants only the mirror, with P/N=1. Our client stops at the first negative answer.
    assert result.positive is False and not result.terminated
    assert result.confirmation is not None and result.confirmation.cot is Cot.ACTIVATION_CON
    assert result.confirmation.negative
    entry = await client.expect_message(
        MessageFilter(type=Type.C_SC_NA_1, cot=Cot.UNKNOWN_IOA, io_address=999), timeout=2
    )
    assert asdu_of(entry).negative is False  # c104 2.2.1; a standard RTU sets P/N here
    assert frames_since(client, mark) == [
        (Direction.SENT, "2d 01 06 03 2f 00 e7 03 00 01"),
        (Direction.RECEIVED, "2d 01 47 03 2f 00 e7 03 00 01"),  # COT 7, P/N=1
        (Direction.RECEIVED, "2d 01 2f 03 2f 00 e7 03 00 01"),  # COT 47, P/N=0
    ]


def test_peer_runs_in_its_own_process(c104_port: int) -> None:
    """c104 (GPLv3) must never be imported by the test process."""
    assert "c104" not in sys.modules
    assert _accepts(c104_port)
