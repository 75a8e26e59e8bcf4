"""A command whose answer follows a burst larger than the connection's journal.

The burst (monitoring objects, COT 3 or 20) comes in one write before the ACT_CON (ACT_TERM):
the journal (64 KiB here) drops its oldest frames while it records the burst, before the command's
wait looks at them. The answer must not be lost with them: ``transmit()`` and ``interrogation()``
return True, and every object reaches its point.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import c104test as c104

try:
    from .sync_support import HOST, wait_open
except ImportError:  # rootdir-relative import mode
    from sync_support import HOST, wait_open  # type: ignore[no-redef]

BURST = 600  # frames of 30 M_ME_NC_1 objects: about 100 KB


class FloodRtu:
    """Confirms STARTDT; answers each command with BURST monitoring frames, then the ACT_CON
    (and, for C_IC_NA_1, the ACT_TERM), all in one write. No k window: the burst is one write."""

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(5)
        self.port = int(self.listener.getsockname()[1])
        self.ns = 0
        self._thread = threading.Thread(target=self._serve, name="flood-rtu", daemon=True)
        self._thread.start()

    def _i_frame(self, asdu: bytes) -> bytes:
        frame = bytes([0x68, 4 + len(asdu)]) + struct.pack("<HH", (self.ns << 1) & 0xFFFF, 0) + asdu
        self.ns += 1
        return frame

    def _serve(self) -> None:
        try:
            peer, _ = self.listener.accept()
        except OSError:
            return
        with peer:
            peer.settimeout(5)
            buffer = b""
            while True:
                try:
                    data = peer.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while len(buffer) >= 2 and len(buffer) >= buffer[1] + 2:
                    frame, buffer = buffer[: buffer[1] + 2], buffer[buffer[1] + 2 :]
                    if frame == bytes.fromhex("680407000000"):
                        peer.sendall(bytes.fromhex("68040b000000"))
                    elif len(frame) > 6 and not frame[2] & 1:
                        peer.sendall(self._answer(frame[6:]))

    def _answer(self, command: bytes) -> bytes:
        gi = command[0] == 100
        cot = 20 if gi else 3
        out = [self._i_frame(command[:2] + bytes([7]) + command[3:])] if gi else []
        for n in range(BURST):
            objects = b"".join(struct.pack("<HBfB", 100 + j, 0, float(n), 0) for j in range(30))
            out.append(self._i_frame(bytes([13, 30, cot, 0, 47, 0]) + objects))
        out.append(self._i_frame(command[:2] + bytes([10 if gi else 7]) + command[3:]))
        return b"".join(out)

    def stop(self) -> None:
        self.listener.close()
        self._thread.join(5)


@pytest.fixture(params=["inline", "callbacks"])
def flooded(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any, list[float]]]:
    """A client with a 64 KiB journal; with "callbacks", the measured points have on_receive
    (so the answer is read in the trio thread, not in the caller's)."""
    rtu = FloodRtu()
    client = c104.Client(command_timeout_ms=3000, journal_size="64KiB")
    connection = client.add_connection(ip=HOST, port=rtu.port, init=c104.Init.NONE)
    station = connection.add_station(common_address=47)
    seen: list[float] = []
    if request.param == "callbacks":
        def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
            if point.io_address == 100:
                seen.append(point.value)
            return c104.ResponseState.NONE

        for j in range(30):
            station.add_point(io_address=100 + j, type=c104.Type.M_ME_NC_1).on_receive(callable=on_value)
    client.start()
    try:
        wait_open(connection)
        yield connection, station, seen
    finally:
        client.stop()
        rtu.stop()


def test_transmit_is_true_when_its_act_con_follows_a_burst_larger_than_the_journal(flooded: Any) -> None:
    connection, station, seen = flooded
    command = station.add_point(io_address=5, type=c104.Type.C_SC_NA_1)
    command.value = True
    assert command.transmit(cause=c104.Cot.ACTIVATION) is True
    assert station.get_point(100).value == BURST - 1 and station.get_point(129).value == BURST - 1
    if seen:
        assert seen == [float(n) for n in range(BURST)]  # every object, in order
    assert connection.interrogation(common_address=47) is True  # the ACT_TERM after a COT 20 burst
