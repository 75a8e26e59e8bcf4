"""c104test.Server with a c104 client (PyPI c104, lib60870 inside) in its own process.

The client is tests/engine/peers/c104_client.py: broadcast interrogation and clock sync, then
interrogation, counter interrogation, clock sync, test command, a read, a direct and a
select-and-execute command to CA 47. The server here is the RTU of tests/engine/peers/
c104_server.py, written against c104test.Server, with every server callback registered.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import c104test as c104

PEER = Path(__file__).parents[1] / "engine" / "peers" / "c104_client.py"


@pytest.fixture(scope="module")
def c104_available() -> None:
    probe = subprocess.run([sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip("the PyPI package c104 is not installed (interop peer)")


def test_c104_client_against_the_server(c104_available: None) -> None:
    server = c104.Server(ip="127.0.0.1", port=0)
    seen: dict[str, list[Any]] = {"connect": [], "clock": [], "command": [], "read": [], "rx": [], "tx": []}
    lock = threading.Lock()

    def note(kind: str, item: Any) -> None:
        with lock:
            seen[kind].append(item)

    station = server.add_station(common_address=47)
    sp = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    sp.value = True
    station.add_point(io_address=200, type=c104.Type.M_DP_NA_1).value = c104.Double.ON
    station.add_point(io_address=300, type=c104.Type.M_ME_NB_1).value = c104.Int16(-1234)
    measured = station.add_point(io_address=301, type=c104.Type.M_ME_NC_1)
    measured.value = 230.5
    counter = station.add_point(io_address=400, type=c104.Type.M_IT_NA_1)
    counter.info = c104.BinaryCounterInfo(counter=123456, sequence=c104.UInt5(3), quality=c104.BinaryCounterQuality())
    direct = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1, related_io_address=100, related_io_autoreturn=True)
    sbo = station.add_point(io_address=501, type=c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)

    def on_command(point: Any, previous_info: Any, message: Any) -> c104.ResponseState:
        note("command", (point.io_address, point.value))
        if point.io_address == 500:
            sp.value = point.value
        return c104.ResponseState.SUCCESS

    direct.on_receive(on_command)
    sbo.on_receive(on_command)
    measured.on_before_read(lambda point: note("read", point.io_address))
    server.on_connect(lambda s, ip: (note("connect", ip), True)[1])
    server.on_clock_sync(lambda s, ip, when: (note("clock", when), c104.ResponseState.SUCCESS)[1])
    server.on_receive_raw(lambda s, data: note("rx", data))
    server.on_send_raw(lambda s, data: note("tx", data))
    server.start()
    try:
        result = subprocess.run(
            [sys.executable, str(PEER), "127.0.0.1", str(server.port)],
            capture_output=True, text=True, timeout=90, check=False,
        )
    finally:
        server.stop()
    assert result.returncode == 0, f"c104 client failed:\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["state"] == "OPEN"
    for call in ("broadcast_interrogation", "broadcast_clock_sync", "interrogation", "counter_interrogation",
                 "clock_sync", "test", "read", "direct_command", "select_and_execute"):
        assert report[call] is True, (call, report["attempts"], report["timings"])
    points = report["after_interrogation"]
    assert points["100"] == {"type": "M_SP_NA_1", "value": True, "quality": points["100"]["quality"]}
    assert points["200"]["value"] == "ON" and points["300"]["value"] == -1234
    assert points["301"]["value"] == pytest.approx(230.5)
    assert "400" not in points  # counters answer counter interrogations only
    counters = report["after_counter_interrogation"]
    assert (counters["400"]["value"], counters["400"]["sequence"]) == (123456, 0)
    # direct 500 OFF: on_receive set point 100, the return information (COT 11) told c104
    assert report["after_commands"]["100"]["value"] is False and sp.value is False
    assert (500, False) in seen["command"] and (501, True) in seen["command"]
    assert seen["connect"] == ["127.0.0.1"]
    assert len(seen["clock"]) >= 2 and seen["read"]
    assert bytes.fromhex("68040b000000") in seen["tx"] and seen["rx"]


WATCHER = Path(__file__).parent / "peers" / "c104_watch_client.py"


def test_c104_client_sees_cyclic_reports_batches_and_initialisation(c104_available: None) -> None:
    server = c104.Server(ip="127.0.0.1", port=0, tick_rate_ms=100)
    station = server.add_station(common_address=47)
    flow = station.add_point(io_address=1, type=c104.Type.M_ME_NC_1, report_ms=500)
    flow.value = 0.0
    feeders = [station.add_point(io_address=10 + n, type=c104.Type.M_ME_NB_1) for n in range(3)]
    batch = c104.Batch(c104.Cot.SPONTANEOUS, feeders)
    unexpected: list[Any] = []
    timer_calls = [0]

    def next_flow(point: Any) -> None:
        point.value = point.value + 1.0

    def on_timer(point: Any) -> None:
        timer_calls[0] += 1
        if timer_calls[0] == 1:
            station.signal_initialized(c104.Coi.REMOTE_RESET)
        for n, feeder in enumerate(feeders):
            feeder.value = c104.Int16(100 * timer_calls[0] + n)
        server.transmit_batch(batch)

    flow.on_before_auto_transmit(next_flow)
    feeders[0].on_timer(on_timer, 700)
    server.on_unexpected_message(lambda s, message, cause: unexpected.append((message.common_address, cause)))
    server.start()
    try:
        result = subprocess.run(
            [sys.executable, str(WATCHER), "127.0.0.1", str(server.port), "2.5"],
            capture_output=True, text=True, timeout=90, check=False,
        )
    finally:
        server.stop()
    assert result.returncode == 0, f"c104 client failed:\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["state"] == "OPEN"
    assert report["initialised"] == ["REMOTE_RESET"]
    periodic = [value for ioa, cot, value in report["records"] if ioa == 1 and cot == "PERIODIC"]
    assert len(periodic) >= 3 and periodic == sorted(periodic) and periodic[0] >= 1.0
    batches = [(ioa, value) for ioa, cot, value in report["records"] if cot == "SPONTANEOUS"]
    assert (10, 100.0) in batches and (11, 101.0) in batches and (12, 102.0) in batches
    assert report["group_1"] is False and report["unknown_ca"] is False
    assert (48, c104.Umc.UNKNOWN_CA) in unexpected and (47, c104.Umc.UNIMPLEMENTED_GROUP) in unexpected
