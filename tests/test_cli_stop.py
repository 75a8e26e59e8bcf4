"""How ``c104test simulate`` and ``monitor`` end and name addresses, as a first-time user meets
them: Ctrl-C or SIGTERM ends each cleanly with one summary line, IPv6 addresses are written in
brackets both ways, a pipe closed early ends the monitor quietly, and the RTU's close after the
ACT_CON is not called a missing confirmation."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from c104test.cli import main
from tests.faults.scripted_rtu import ACT_CON, CLOSE, FaultyRtu

from .test_cli_runtime import LIMIT, assert_no_traceback, command

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "c104test", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True, env=ENV,
    )  # fmt: skip


@pytest.fixture(scope="module")
def simulator() -> Iterator[int]:
    """``c104test simulate`` (the demo RTU, CA 47) on 127.0.0.1; yields its port."""
    proc = start("simulate", "--port", "0", "--no-changes", "--quiet")
    try:
        assert proc.stdout is not None
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert found
        yield int(found.group(1))
    finally:
        proc.kill()
        proc.communicate(timeout=LIMIT)


@pytest.fixture
def simulator_v6() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``c104test simulate --host ::1`` (the demo RTU); yields the process and its port."""
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    proc = start("simulate", "--host", "::1", "--port", "0", "--no-changes", "--quiet")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"listening on \[::1\]:(\d+), CA 47", line)  # was '::1:PORT'
        assert found, line
        yield proc, int(found.group(1))
    finally:
        proc.kill()
        proc.communicate(timeout=LIMIT)


def test_simulate_and_monitor_on_ipv6_loopback_and_the_summary_at_ctrl_c(
    simulator_v6: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = simulator_v6
    result = command("monitor", f"[::1]:{port}", "--once", "-c", "47", "--timeout", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("interrogation: C_IC_NA_1 CA 47 IOA 0: positive, terminated")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=LIMIT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert re.fullmatch(r"c104test simulate: stopped after \d+\.\d s; 1 connections served\n", out), out


@pytest.mark.parametrize("text", ["::1:2404", "::1:34901"])
def test_an_ipv6_address_with_a_port_but_no_brackets_is_refused_with_the_way_to_write_it(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """'::1:34901' was tried as host '::1:34901' port 2404: 'Name or service not known'; and
    '::1:2404' is a valid address of another host, so the monitor connected there."""
    assert main(["monitor", text, "--once"]) == 2
    head, _, port = text.rpartition(":")
    assert f"Write an IPv6 address in brackets: [{head}]:{port} for port {port}" in capsys.readouterr().err


def test_a_refused_ipv6_connect_names_the_address_in_brackets_once() -> None:
    if not _ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        result = command("monitor", f"[::1]:{port}", "--once", "--timeout", "2")
    assert result.returncode == 1
    # was "cannot connect to ::1:PORT: Error connecting to ('::1', PORT, 0, 0): Connection refused"
    assert result.stderr == f"c104test monitor: cannot connect to [::1]:{port}: Connection refused (t0=2 s)\n"


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_monitor_stopped_by_a_signal_writes_its_capture_and_a_summary(
    simulator: int, tmp_path: Path, signal_number: int
) -> None:
    """SIGTERM killed the monitor (status -15) without its --capture; Ctrl-C ended it without a word."""
    capture = tmp_path / "monitor.pcapng"
    proc = start("monitor", f"127.0.0.1:{simulator}", "-c", "47", "--capture", str(capture))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("interrogation: C_IC_NA_1 CA 47 IOA 0: positive")
        assert proc.stdout.readline().split()[:2] == ["CA", "IOA"]  # the watch has begun
        proc.send_signal(signal_number)
        _, err = proc.communicate(timeout=LIMIT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert re.fullmatch(rf"c104test monitor: \d+ frames written to {re.escape(str(capture))}", lines[0]), err
    summary = re.fullmatch(
        rf"c104test monitor: stopped after \d+\.\d s with 127\.0\.0\.1:{simulator}: 10 points, (\d+) frames exchanged",
        lines[1],
    )
    assert summary and int(summary.group(1)) >= 4, err
    assert capture.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"


def test_monitor_into_a_closed_pipe_ends_without_an_error_line(simulator: int) -> None:
    """`c104test monitor ... | head -3` printed 'c104test monitor: [Errno 32] Broken pipe'."""
    read, write = os.pipe()
    os.close(read)  # every write to the pipe fails at once, as after `head` exits
    try:
        result = subprocess.run(
            [sys.executable, "-m", "c104test", "monitor", f"127.0.0.1:{simulator}", "--once", "-c", "47"],
            stdout=write, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=LIMIT, env=ENV,
        )  # fmt: skip
    finally:
        os.close(write)
    assert "Broken pipe" not in result.stderr
    assert_no_traceback(result)  # type: ignore[arg-type]


def test_an_rtu_that_closes_after_the_act_con_is_not_said_to_withhold_the_confirmation() -> None:
    rtu = FaultyRtu(lambda n, asdu: [ACT_CON, CLOSE])
    try:
        result = command("monitor", f"127.0.0.1:{rtu.port}", "--once", "--timeout", "5")
    finally:
        rtu.stop()
    assert result.returncode == 1
    assert result.stderr == (
        "c104test monitor: connection closed while waiting for the termination (ACT_TERM) of "
        "C_IC_NA_1 IOA 0 CA 65535; its confirmation came (positive): closed by the peer\n"
    )


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing/monitor.pcapng", "cannot write there: the folder {tmp}/missing does not exist"),
     (".", "is a directory; name a file (monitor.pcapng)")],
)
def test_monitor_refuses_a_capture_it_could_not_write_before_it_connects(
    tmp_path: Path, where: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The monitor watched until Ctrl-C and then said '[Errno 2] No such file or directory':
    the frames it was asked to keep were lost."""
    path = tmp_path / where
    assert main(["monitor", "127.0.0.1:1", "--capture", str(path)]) == 2  # port 1: never reached
    assert capsys.readouterr().err == f"c104test monitor: --capture {path}: {reason.format(tmp=tmp_path)}\n"


def test_an_rtu_that_never_terminates_the_interrogation_is_named_so() -> None:
    """--timeout said only 'the interrogation of CA 65535 (ACT_CON and ACT_TERM) did not complete'
    when the ACT_CON had come and only the ACT_TERM was missing."""
    rtu = FaultyRtu(lambda n, asdu: [ACT_CON])
    try:
        result = command("monitor", f"127.0.0.1:{rtu.port}", "--once", "--timeout", "1")
    finally:
        rtu.stop()
    assert result.returncode == 1
    assert re.fullmatch(  # within what was left of the 1 s after the connect and STARTDT
        rf"c104test monitor: 127\.0\.0\.1:{rtu.port}: no ACT_TERM for C_IC_NA_1 IOA 0 CA 65535 within 0?\.?\d+ s "
        r"\(--timeout 1 s for the connect, STARTDT and the interrogation\)\n",
        result.stderr,
    ), result.stderr


@pytest.mark.parametrize(("text", "host"), [("[::1]", "::1"), (" ::1 ", "::1"), ("0.0.0.0", "0.0.0.0")])
def test_simulate_host_takes_an_ipv6_address_with_or_without_brackets(text: str, host: str) -> None:
    """--host [::1] (as written in [::1]:2404) failed: 'cannot listen on [[::1]]:2404'."""
    from c104test.cli_arguments import listen_host

    assert listen_host(text) == host
