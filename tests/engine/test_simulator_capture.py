"""The simulator's capture (``Simulator(capture=...)``, ``c104test simulate --capture``): every
frame of every connection, in order, as tshark's IEC 104 dissector reads it, also when the
simulator's bounded journal has long dropped them."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import trio

from c104test.engine.client import open_connection
from c104test.engine.journal import Direction
from c104test.engine.pcap import CaptureWriter
from c104test.engine.profile import demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.enums import Type
from c104test.protocol.link import LinkParameters

pytestmark = pytest.mark.timeout(60)

CA = 47
PARAMS = LinkParameters(k=12, w=8, t0=2, t1=2, t2=1, t3=2)


def _tshark(path: Path, port: int, *fields: str, display: str | None = None) -> list[list[str]]:
    if shutil.which("tshark") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is missing, and the oracle checks must run when CI=true")
        pytest.skip("tshark is not installed")
    command = ["tshark", "-r", str(path), "-d", f"tcp.port=={port},iec60870_104", "-T", "fields", "-E", "separator=|"]
    for name in fields:
        command += ["-e", name]
    if display:
        command += ["-Y", display]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    return [line.split("|") for line in shown.splitlines()]


def test_the_capture_holds_every_frame_of_every_connection_in_order(tmp_path: Path) -> None:
    path = tmp_path / "simulator.pcapng"
    profile = dataclasses.replace(demo_profile(), link=PARAMS)
    client_frames: dict[int, list[tuple[bool, bytes]]] = {}  # client port -> (from the client, APDU)

    async def main() -> tuple[int, list[int]]:
        with CaptureWriter(path) as capture:
            # a journal of a few frames: the capture must not depend on it
            async with open_simulator(profile, capture=capture, journal_size=4096) as sim:
                async with open_connection("127.0.0.1", sim.port, params=PARAMS) as first, \
                        open_connection("127.0.0.1", sim.port, params=PARAMS) as second:
                    for _ in range(3):  # the two connections' frames interleave in the file
                        await first.interrogation(CA)
                        await second.interrogation(CA)
                    await first.send_command(CA, 500, Type.C_SC_NA_1, True)
                    for n in range(40):
                        sim.set_point_nowait(CA, 301, 230.0 + n)
                    await trio.sleep(0.3)
                    dropped = [c.journal.dropped for c in sim.connections]
                with trio.fail_after(5):  # the simulator has seen both connections end
                    while sim.connections:  # noqa: ASYNC110 - the simulator has no event for this
                        await trio.sleep(0.02)
                for conn in (first, second):
                    assert conn.local_address is not None
                    client_frames[conn.local_address.port] = [
                        (e.direction is Direction.SENT, e.raw) for e in conn.journal]
                return sim.port, dropped

    port, dropped = trio.run(main)
    assert len(dropped) == 2 and min(dropped) > 0  # the simulator's journals lost frames
    rows = _tshark(path, port, "tcp.srcport", "tcp.dstport", "tcp.payload")
    seen: dict[int, list[tuple[bool, bytes]]] = {}
    for src, dst, payload in rows:
        client = int(src) if int(dst) == port else int(dst)
        seen.setdefault(client, []).append((int(dst) == port, bytes.fromhex(payload.replace(":", ""))))
    assert sorted(seen) == sorted(client_frames)
    for client, frames in client_frames.items():
        assert seen[client] == frames, f"connection from port {client}: the capture differs from the client's journal"
    # the IEC 104 dissector reads it: the interrogations, the command and its return information
    types = [row[0] for row in _tshark(path, port, "iec60870_asdu.typeid", display="iec60870_asdu")]
    assert types.count("100") >= 3 * 2 * 3 and "45" in types and "13" in types
