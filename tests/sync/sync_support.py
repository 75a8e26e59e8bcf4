"""Helpers for the c104-compatible API tests: the simulator process, a silent RTU, the journal.

The RTU is c104test's own simulator, the demo profile (CA 47), in a separate process
(``python -m c104test simulate --port 0 --no-changes --quiet``), so the client under test is the
only c104test engine in the test process. c104 (GPLv3) is never imported here.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c104test as c104
from c104test.engine.journal import Direction, JournalEntry
from c104test.sync.bridge import THREAD_NAME

CA = 47
HOST = "127.0.0.1"
COMMAND_TIMEOUT_MS = 3000
STARTUP = 20.0  # seconds for the simulator process to listen
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")


class SimulatorStartError(RuntimeError):
    pass


# ---- the simulator in a subprocess ----------------------------------------------------------------


@dataclass
class SimulatorProcess:
    """``c104test simulate`` in its own process; ``port`` is where it listens."""

    process: subprocess.Popen[str]
    port: int
    output: Any

    def log(self) -> str:
        self.output.seek(0)
        return str(self.output.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.output.close()


def start_simulator(port: int = 0, *, quiet: bool = True, profile: str | None = None) -> SimulatorProcess:
    """Start the demo RTU (or ``profile``) and wait for its "listening on 127.0.0.1:PORT" line.

    Without ``quiet`` the simulator logs every connection and every command it answers.
    """
    # stdout goes to a file, not a pipe that nobody reads after the first line
    output = tempfile.TemporaryFile("w+")  # noqa: SIM115 - SimulatorProcess.stop() closes it
    process = subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--port", str(port), "--no-changes"]
        + (["--quiet"] if quiet else [])
        + (["--profile", profile] if profile else []),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + STARTUP
    while True:
        output.seek(0)
        found = _LISTENING.search(output.read())
        if found:
            return SimulatorProcess(process, int(found.group(1)), output)
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=10)
            output.seek(0)
            text = output.read()
            output.close()
            raise SimulatorStartError(f"the simulator did not start:\n{text}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# ---- waiting ---------------------------------------------------------------------------------------


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.01)


def wait_open(connection: Any, timeout: float = 5.0) -> None:
    wait_until(
        lambda: connection.state == c104.ConnectionState.OPEN,
        timeout,
        f"connection {connection.ip}:{connection.port} OPEN (state {connection.state})",
    )


def elapsed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds it took)``."""
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


# ---- the journal -----------------------------------------------------------------------------------


def journal(connection: Any, since: int = 0) -> list[JournalEntry]:
    """A snapshot of the connection's journal (every frame on the wire) from index ``since``."""
    return list(connection.engine.journal.since(since))


def mark(connection: Any) -> int:
    return int(connection.engine.journal.next_index)


def sent_asdus(connection: Any, since: int = 0) -> list[Any]:
    return [e.asdu for e in journal(connection, since) if e.direction is Direction.SENT and e.asdu is not None]


def received_asdus(connection: Any, since: int = 0) -> list[Any]:
    return [e.asdu for e in journal(connection, since) if e.direction is Direction.RECEIVED and e.asdu is not None]


def u_frames(connection: Any, since: int = 0) -> list[tuple[Direction, str]]:
    """(direction, explained) of the U-frames, e.g. (SENT, "U-Format | StartDT act")."""
    return [
        (e.direction, c104.explain_bytes(e.raw))
        for e in journal(connection, since)
        if len(e.raw) == 6 and e.raw[2] & 3 == 3
    ]


def one(asdus: list[Any], type_id: c104.Type, cot: c104.Cot | int) -> Any:
    """The single ASDU of ``type_id`` with ``cot``; fails if there is none or more than one."""
    found = [a for a in asdus if a.type == type_id and int(a.cot) == int(cot)]
    assert len(found) == 1, f"expected one {type_id.name} COT {int(cot)}, got {found}"
    return found[0]


def wait_received(
    connection: Any, predicate: Callable[[Any], bool], since: int = 0, timeout: float = 5.0
) -> Any:
    """Wait for a received ASDU that matches ``predicate``; returns the first one."""
    found: list[Any] = []

    def seen() -> bool:
        found[:] = [a for a in received_asdus(connection, since) if predicate(a)]
        return bool(found)

    wait_until(seen, timeout, "a matching ASDU in the journal")
    return found[0]


def wait_initialized(connection: Any, timeout: float = 5.0) -> None:
    """Wait for the RTU's end of initialization (M_EI_NA_1, COT 4, originator address 0).

    The simulator sends it after its STARTDT con, so it may arrive after the connection is OPEN:
    a test that marks the journal at OPEN and asserts on everything received after the mark
    waits for it first.
    """
    wait_received(connection, lambda a: a.type == c104.Type.M_EI_NA_1, 0, timeout)


# ---- leftovers ---------------------------------------------------------------------------------------


def sockets() -> set[str]:
    fd_dir = Path("/proc/self/fd")
    found = set()
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:"):
                found.add(target)
    return found


def trio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


# ---- an RTU that confirms STARTDT and then never answers a command ---------------------------------


class SilentRtu:
    """A TCP peer that confirms STARTDT, STOPDT and TESTFR and ignores every I-frame.

    Commands sent to it never get an ACT_CON: what ``wait_for_response=False`` and the command
    timeout do can be seen without a race against a fast simulator.
    """

    _ANSWERS = {0x07: 0x0B, 0x13: 0x23, 0x43: 0x83}  # STARTDT, STOPDT, TESTFR act -> con

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.05)
        self.port = int(self.listener.getsockname()[1])
        self.frames: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-rtu", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        peers: list[socket.socket] = []
        buffers: dict[socket.socket, bytes] = {}
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    peer, _ = self.listener.accept()
                    peer.settimeout(0.02)
                    peers.append(peer)
                    buffers[peer] = b""
                for peer in list(peers):
                    try:
                        data = peer.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        peers.remove(peer)
                        peer.close()
                        continue
                    buffer = buffers[peer] + data
                    while len(buffer) >= 2 and len(buffer) >= buffer[1] + 2:
                        frame, buffer = buffer[: buffer[1] + 2], buffer[buffer[1] + 2 :]
                        self.frames.append(frame)
                        answer = self._ANSWERS.get(frame[2]) if len(frame) == 6 else None
                        if answer is not None:
                            peer.sendall(bytes([0x68, 4, answer, 0, 0, 0]))
                    buffers[peer] = buffer
        finally:
            for peer in peers:
                peer.close()
            self.listener.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class ScriptFailed(AssertionError):
    """A script's process failed: it did not start, or it exited with an error; ``mode`` ran it
    (c104 or c104test), so a caller that runs c104's half again knows whose half it was."""

    def __init__(self, message: str, mode: str) -> None:
        super().__init__(message)
        self.mode = mode


def run_script_pair(scripts: Path, pair: str, rtu_mode: str, client_mode: str, port: str) -> tuple[str, str]:
    """``{pair}_rtu.py`` under ``rtu_mode`` and ``{pair}_client.py`` under ``client_mode`` (c104 or
    c104test, each run unchanged by ``peers/run_server_script.py`` in its own process; the RTU
    script prints READY, and closing its stdin ends it): the client's STEP lines and the RTU's
    EVENT lines."""
    runner = Path(__file__).parent / "peers" / "run_server_script.py"
    server = subprocess.Popen(
        [sys.executable, str(runner), rtu_mode, str(scripts / f"{pair}_rtu.py"), port],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        line = server.stdout.readline()
        if line.strip() != "READY":
            raise ScriptFailed(f"{pair} RTU under {rtu_mode} did not start: {line}", rtu_mode)
        client = subprocess.run(
            [sys.executable, str(runner), client_mode, str(scripts / f"{pair}_client.py"), port],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if client.returncode != 0:
            raise ScriptFailed(
                f"{pair} client under {client_mode} exited with {client.returncode}:\n{client.stdout}\n{client.stderr}",
                client_mode,
            )
        out, _ = server.communicate(input="", timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate(timeout=5)
    steps = "".join(line + "\n" for line in client.stdout.splitlines() if line.startswith("STEP "))
    events = "".join(line + "\n" for line in out.splitlines() if line.startswith("EVENT "))
    return steps, events
