"""The c104test command at run time, as a subprocess: exit status 2 for a usage error, 1 for a
failure at run time, one line on stderr and never a traceback (issue 11, item 6)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LIMIT = 60  # seconds for any one command: a hung command fails here


def command(*args: str, timeout: float = LIMIT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "c104test", *args], capture_output=True, text=True, encoding="utf-8",
        timeout=timeout, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "ExceptionGroup" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def simulator() -> Iterator[int]:
    """``c104test simulate`` (the demo RTU, CA 47) in its own process; yields its port."""
    with subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            assert found, line
            yield int(found.group(1))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture
def mute_rtu() -> Iterator[int]:
    """A TCP peer that accepts connections and never answers (no STARTDT con)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        server.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--port", "99999"], "argument --port: port 99999 outside 0..65535"),
        (["simulate", "--port", "x"], "argument --port: port must be a number, got 'x'"),
        (["monitor", "127.0.0.1:99999"], "argument HOST[:PORT]: port 99999 outside 1..65535"),
        (["monitor", "127.0.0.1:0"], "argument HOST[:PORT]: port 0 outside 1..65535"),
        (["monitor", "--common-address", "70000"], "argument --common-address/-c: common address 70000 outside 0..65535"),
        (["monitor", "--timeout", "-1"], "argument --timeout: timeout must be a positive number of seconds, got '-1'"),
    ],
)
def test_usage_errors_exit_2_without_traceback(argv: list[str], message: str) -> None:
    result = command(*argv)
    assert result.returncode == 2, result.stderr
    assert_no_traceback(result)
    assert result.stderr.splitlines()[-1].endswith(f"error: {message}")


def test_simulate_on_a_busy_port_exits_1_with_one_line(simulator: int) -> None:
    result = command("simulate", "--port", str(simulator), "--quiet")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert result.stderr.splitlines() == [
        f"c104test simulate: cannot listen on 127.0.0.1:{simulator}: Address already in use"
    ]


def test_monitor_of_an_unreachable_rtu_exits_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        result = command("monitor", f"127.0.0.1:{port}", "--once", "--timeout", "2")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"c104test monitor: cannot connect to 127.0.0.1:{port}")


def test_monitor_timeout_bounds_the_wait_for_startdt(mute_rtu: int) -> None:
    started = time.monotonic()
    result = command("monitor", f"127.0.0.1:{mute_rtu}", "--timeout", "1")
    took = time.monotonic() - started
    assert result.returncode == 1
    assert_no_traceback(result)
    assert result.stderr.splitlines() == [
        f"c104test monitor: 127.0.0.1:{mute_rtu}: the TCP connect and the STARTDT confirmation did "
        "not complete within 1 s (--timeout)"
    ]
    assert took < 8, f"took {took:.1f} s; t1 (15 s) must not be the bound"


def test_monitor_once_of_a_refused_common_address_exits_1(simulator: int) -> None:
    result = command("monitor", f"127.0.0.1:{simulator}", "--once", "-c", "12", "--timeout", "5")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert result.stderr.splitlines() == [
        "c104test monitor: the RTU refused the interrogation of CA 12: "
        + result.stdout.splitlines()[0].removeprefix("interrogation: ")
    ]
    assert "negative (UNKNOWN_CA)" in result.stdout  # the cause says why (was only "negative")


def test_monitor_into_a_file_writes_a_header_and_plain_lines(simulator: int) -> None:
    result = command("monitor", f"127.0.0.1:{simulator}", "--once", "-c", "47", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("interrogation: C_IC_NA_1 CA 47 IOA 0: positive, terminated")
    assert lines[1].split() == ["CA", "IOA", "TYPE", "VALUE", "QUALITY", "COT", "TIME"]
    assert "\x1b" not in result.stdout  # no terminal control in a file
    rows = [line.split() for line in lines[2:]]
    assert ["47", "200", "M_DP_NA_1", "ON", "good", "INTERROGATED_BY_STATION"] in rows
    # a single point as everywhere else (Robot, Gherkin, FAT reports): ON/OFF, not True/False
    assert ["47", "100", "M_SP_NA_1", "ON", "good", "INTERROGATED_BY_STATION"] in rows
    assert len(rows) == 10


@pytest.mark.parametrize(("text", "wanted"), [
    (" 127.0.0.1:2405 ", ("127.0.0.1", 2405)),  # pasted with spaces: a name lookup of ' 127.0.0.1' failed
    ("[::1]:2404", ("::1", 2404)),
    ("::1", ("::1", 2404)),
    ("rtu7", ("rtu7", 2404)),
])
def test_an_address_as_pasted(text: str, wanted: tuple[str, int]) -> None:
    from c104test.cli_arguments import address

    assert address(text) == wanted


@pytest.mark.parametrize("text", ["tcp://127.0.0.1:2404", "127.0.0.1;2404", "127.0.0.1 2404", "127.0.0.1/24"])
def test_an_address_that_is_no_host_port_is_named(text: str) -> None:
    """'tcp://127.0.0.1:2404' was tried as host 'tcp://127.0.0.1:2404' port 2404 (Name or service not known)."""
    import argparse

    from c104test.cli_arguments import address

    with pytest.raises(argparse.ArgumentTypeError, match=r"is not HOST\[:PORT\] \(10.0.0.5:2404"):
        address(text)


def test_monitor_capture_writes_the_frames_when_it_ends(simulator: int, tmp_path: Path) -> None:
    """A test engineer watching an RTU had no way to keep the frames (simulate had --capture,
    monitor had none)."""
    capture = tmp_path / "monitor.pcapng"
    result = command("monitor", f"127.0.0.1:{simulator}", "--once", "-c", "47", "--timeout", "5",
                     "--capture", str(capture))
    assert result.returncode == 0, result.stderr
    written = re.fullmatch(rf"c104test monitor: (\d+) frames written to {re.escape(str(capture))}\n", result.stderr)
    assert written and int(written.group(1)) >= 4, result.stderr  # STARTDT act/con, C_IC_NA_1 act, its answers
    data = capture.read_bytes()
    assert data[:4] == b"\x0a\x0d\x0d\x0a"  # a pcapng section header block
    assert bytes.fromhex("680407000000") in data and bytes.fromhex("68040b000000") in data  # STARTDT act, con


def test_monitor_with_stations_shows_every_station_of_an_rtu_that_answers_one_after_another() -> None:
    """--stations: the interrogation of 65535 waits for each station; without it, the monitor
    ends at the first station's ACT_TERM and shows only that station's point."""
    from tests.faults.broadcast_answers import one_after_another
    from tests.faults.scripted_rtu import FaultyRtu

    for options, shown in (((), {1}), (("--stations", "1,2,3"), {1, 2, 3})):
        rtu = FaultyRtu(one_after_another((1, 2, 3)))
        try:
            result = command("monitor", f"127.0.0.1:{rtu.port}", "--once", "--timeout", "10", *options)
        finally:
            rtu.stop()
        assert result.returncode == 0, result.stderr
        rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
        assert {int(row[0]) for row in rows} == shown, result.stdout
