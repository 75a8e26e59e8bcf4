"""The same c104 client script, run with ``c104test`` and with ``c104``, against one simulator.

``peers/client_script.py`` is an ordinary c104 client script whose ``import c104`` picks the module
named on its command line. Each run is a separate process (c104 is GPLv3 and never enters the
test process). Both runs talk to the same simulator process, one after the other; the script puts
back the two values its commands change, so both start from the same RTU state. The test compares
what the calls returned, the point values, what the callbacks saw, and the commands the simulator
received (from its log).

Expected differences, each asserted below (spec/c104-api.md §2, docs/c104-differences.md):
1. IOA 101 is reported as M_SP_NA_1 by the interrogation and as M_SP_TB_1 in the return
   information of command 501. c104 refuses the second type (on_unexpected_message with
   MISMATCHED_TYPE_ID, value lost: #32, #60); c104test applies both, so 101 is ON afterwards.
2. c104 queues on_state_change to its worker thread and reports OPEN_AWAIT_CLOSED and CLOSED
   only some time after ``stop()`` returned: this script looks right after it and ends, so it
   never sees them; c104test reports them before ``stop()`` returns.
3. ``test(with_time=False)`` sends C_TS_NA_1, which IEC 104 does not use; the simulator answers
   COT 44 with P/N=1. Both return False, but c104 ignores the negative answer and waits for the
   whole command timeout (5 s) while c104test returns at once.
4. On the wire: c104 sends C_TS_NA_1 with the test pattern 0x55CC (the standard's FBP is
   0x55AA) and starts the C_TS_TA_1 sequence counter at 0 (c104test at 1); c104 prints
   "Unsupported type C_TS_TA_1" for the test command's ACT_CON but still returns True.
5. Now and then (about 1 run in 10 here) c104 sends no STARTDT after connecting and stays
   OPEN_MUTED (docs/c104-differences.md). Its next I-frame, sent in the stopped state, makes the
   simulator close the connection ("I-frame received while data transfer is stopped"); after the
   reconnect c104 even takes the init interrogation's ACT_TERM as the answer to the script's
   own interrogation. Such a c104 run is not comparable: the script gives up when c104 is not OPEN
   within 10 s, and the c104 half is run again (up to three times; the stuck runs are reported).
   c104test always sends STARTDT.
6. Now and then, with the machine loaded (seen once in several full runs on four test workers),
   c104's ``read()`` returns False although the simulator answered the read at once (COT 5, no
   ACT_CON, as the standard has it). That c104 run is run again too (same budget as 5).
Everything else is the same.

Without c104 the comparison is skipped, unless CI is "true": then it fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

try:
    from .sync_support import HOST, SimulatorProcess, SimulatorStartError, start_simulator
except ImportError:  # rootdir-relative import mode (tests/sync is not a package)
    from sync_support import HOST, SimulatorProcess, SimulatorStartError, start_simulator  # type: ignore[no-redef]

pytestmark = pytest.mark.timeout(180)

SCRIPT = Path(__file__).parent / "peers" / "client_script.py"
RUN_LIMIT = 60  # seconds per script run
C104_ATTEMPTS = 3  # c104 2.2.1 now and then sends no STARTDT (difference 5)
COMMAND_TIMEOUT = 5.0  # the script's command_timeout_ms / 1000
# a command line of the simulator's log: "<peer>: <TYPE> <COT> <CA n|GLOBAL> IOA <n>[ = <value>] -> <outcome>"
_COMMAND_LINE = re.compile(
    r"(?P<peer>\d+\.\d+\.\d+\.\d+:\d+): (?P<type>[CM]_\w+) (?P<cot>\w+) (?P<ca>GLOBAL|CA \d+) "
    r"IOA (?P<ioa>\d+)(?: = (?P<value>.*?))? -> (?P<outcome>.*)$"
)


def _c104_importable() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False)
    return probe.returncode == 0


@dataclass
class Run:
    """One run of the script: what it printed as RESULT, its other output, and the simulator's
    log lines written during the run."""

    results: dict[str, Any]
    output: str
    rtu_log: str

    @property
    def clean(self) -> bool:
        """Reached OPEN at the first attempt, without a reconnect."""
        return self.results["state"] == "OPEN" and "CLOSED_AWAIT_RECONNECT" not in self.results["states"]


def _run(module: str, rtu: SimulatorProcess) -> Run:
    start = len(rtu.log())
    done = subprocess.run(
        [sys.executable, str(SCRIPT), module, HOST, str(rtu.port)],
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )
    assert done.returncode == 0, f"{module} run failed:\n{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, done.stdout
    other = "\n".join(line for line in done.stdout.splitlines() if not line.startswith("RESULT "))
    time.sleep(0.2)  # let the simulator log the closed connection
    return Run(json.loads(lines[0][len("RESULT ") :]), (other + "\n" + done.stderr).strip(), rtu.log()[start:])


def _commands_at_the_rtu(log: str) -> list[tuple[str, ...]]:
    """(type, cot, ca, ioa, select/execute, outcome head) per command, in order, for one peer."""
    found = []
    for line in log.splitlines():
        match = _COMMAND_LINE.search(line)
        if match is None:
            continue
        value = match["value"] or ""
        stage = "SELECT" if value.endswith("SELECT") else "EXECUTE" if value.endswith("EXECUTE") else ""
        outcome = re.sub(r" \(TSC \d+\)", "", re.split(r"[;:]", match["outcome"], maxsplit=1)[0])
        found.append((match["peer"], match["type"], match["cot"], match["ca"], match["ioa"], stage, outcome, value))
    return found


def _by_peer(rows: list[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
    peers: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        peers.setdefault(row[0], []).append(row[1:])
    return list(peers.values())


@pytest.fixture(scope="module")
def rtu() -> Iterator[SimulatorProcess]:
    try:
        sim = start_simulator(quiet=False)  # it logs every command it answers
    except SimulatorStartError as exc:
        pytest.fail(str(exc))
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def c104test_run(rtu: SimulatorProcess) -> Run:
    return _run("c104test", rtu)


_ANSWERED = ("interrogation", "group_interrogation", "counter_interrogation", "clock_sync", "test", "read",
             "direct_command", "select_and_execute")


@pytest.fixture(scope="module")
def c104_run(rtu: SimulatorProcess, c104test_run: Run) -> Run:
    if not _c104_importable():
        if os.environ.get("CI") == "true":
            pytest.fail("c104 must be importable when CI=true (pip install c104; a test peer only)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    stuck: list[Run] = []
    for _ in range(C104_ATTEMPTS):
        run = _run("c104", rtu)
        # c104 on a loaded machine now and then returns False for a call (seen: its read, a counter
        # interrogation, a clock sync); c104test's run must have all of them True
        # (test_the_script_runs_with_c104test), so a c104 run that missed one is run again, and
        # one that misses them every time still fails
        if run.clean and all(run.results.get(call) is not False for call in _ANSWERED):
            if stuck:
                warnings.warn(
                    f"c104 needed {len(stuck) + 1} runs: "
                    f"{[(r.results['states'], [c for c in _ANSWERED if r.results.get(c) is False]) for r in stuck]}",
                    stacklevel=1,
                )
            return run
        stuck.append(run)
    pytest.fail(f"c104 did not run cleanly (OPEN at once, its read answered) in {C104_ATTEMPTS} runs: "
                f"{[r.results for r in stuck]}")


def test_the_script_runs_with_c104test(c104test_run: Run) -> None:
    results, output = c104test_run.results, c104test_run.output
    assert c104test_run.clean
    assert results["module"][0] == "c104test"
    assert results["state"] == "OPEN" and results["is_connected"] is True
    for call in ("interrogation", "group_interrogation", "counter_interrogation", "clock_sync", "test", "read",
                 "direct_command", "select_and_execute"):
        assert results[call] is True, call
    assert results["test_without_time"] is False  # C_TS_NA_1 is not a 104 type: COT 44
    assert results["unknown_station"] is False  # COT 46
    assert results["restored"] == [True, True]
    assert results["initialized"] == ["LOCAL_POWER_ON"]
    assert results["protocol_parameters"] == [12, 8, 10, 15, 10, 20]
    demo = {"100": True, "101": False, "200": "ON", "201": "OFF", "300": 1234, "301": 230.5, "302": 49.98,
            "303": 0.25, "310": 5, "320": 0xA5A5}
    assert {ioa: p["value"] for ioa, p in results["after_interrogation"].items()} == demo
    after = {ioa: p["value"] for ioa, p in results["after_counter_interrogation"].items()}
    assert (after["400"], after["401"]) == (12345, 678)
    values = {ioa: p["value"] for ioa, p in results["after_commands"].items()}
    assert (values["100"], values["101"]) == (False, True)  # return information of 500 and 501
    assert results["unexpected"] == []
    assert [r["cot"] for r in results["received_100"]][-1] == "RETURN_INFO_REMOTE"
    assert all(t < 1.0 for t in results["durations"].values()), results["durations"]
    assert output == ""  # c104test prints nothing of its own


def test_c104_and_c104test_agree(c104test_run: Run, c104_run: Run) -> None:
    ours = c104test_run.results
    theirs, their_output = c104_run.results, c104_run.output
    assert theirs["module"][0] == "c104"
    strict = theirs["module"][1] == "2.2.1"  # the quirks below are those of c104 2.2.1

    # the same return values for every call
    calls = ("state", "is_connected", "interrogation", "group_interrogation", "counter_interrogation",
             "clock_sync", "test", "test_without_time", "read", "direct_command", "select_and_execute",
             "unknown_station", "restored", "initialized", "protocol_parameters")
    assert {c: ours[c] for c in calls} == {c: theirs[c] for c in calls}
    # the same point values and types, up to the commands
    for snapshot in ("after_connect", "after_interrogation", "after_counter_interrogation"):
        assert ours[snapshot] == theirs[snapshot], snapshot
    # the same on_receive calls for IOA 100 (interrogation at init, interrogation, return information)
    assert ours["received_100"] == theirs["received_100"]

    # difference 1: IOA 101 carries M_SP_NA_1 and M_SP_TB_1
    ours_after, theirs_after = dict(ours["after_commands"]), dict(theirs["after_commands"])
    assert ours_after.pop("101") == {"type": "M_SP_NA_1", "value": True}
    their_101 = theirs_after.pop("101")
    if strict:
        assert their_101 == {"type": "M_SP_NA_1", "value": False}  # the ON was dropped
    assert ours_after == theirs_after
    assert ours["unexpected"] == []
    if strict:
        refused = {"cause": "MISMATCHED_TYPE_ID", "cot": "RETURN_INFO_REMOTE", "io_address": 101, "type": "M_SP_TB_1"}
        assert theirs["unexpected"] == [refused, refused]  # the command and the restoring one

    # difference 2: the states after stop()
    assert ours["states"] == ["CLOSED_AWAIT_OPEN", "OPEN_MUTED", "OPEN", "OPEN_AWAIT_CLOSED", "CLOSED"]
    assert theirs["states"][:3] == ours["states"][:3]
    if strict:
        assert theirs["states"] == ["CLOSED_AWAIT_OPEN", "OPEN_MUTED", "OPEN"]

    # difference 3: a negative answer to C_TS_NA_1 ends c104test's wait, not c104's
    assert ours["durations"]["test_without_time"] < 1.0
    if strict:
        assert theirs["durations"]["test_without_time"] >= COMMAND_TIMEOUT - 0.5
        assert "Unsupported type C_TS_TA_1" in their_output
    # otherwise both answer at loopback speed
    for call, took in ours["durations"].items():
        if call not in ("test_without_time", "connect"):
            assert took < 1.0 and theirs["durations"][call] < 1.0, call


def test_the_rtu_received_the_same_commands(c104test_run: Run, c104_run: Run) -> None:
    (ours,) = _by_peer(_commands_at_the_rtu(c104test_run.rtu_log))
    (theirs,) = _by_peer(_commands_at_the_rtu(c104_run.rtu_log))
    strict = c104_run.results["module"][1] == "2.2.1"

    def comparable(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        return [row[:-1] for row in rows]  # without the value (times, TSC, test pattern)

    assert comparable(ours) == comparable(theirs)
    expected_start = [
        ("C_IC_NA_1", "ACTIVATION", "GLOBAL", "0", "", "ACT_CON, data with COT 20, ACT_TERM for CA 47"),
        ("C_CS_NA_1", "ACTIVATION", "GLOBAL", "0", "", "ACT_CON"),  # Init.ALL: GI and clock sync to 65535
        ("C_IC_NA_1", "ACTIVATION", "CA 47", "0", "", "ACT_CON, data with COT 20, ACT_TERM for CA 47"),
    ]
    assert comparable(ours)[:3] == expected_start
    stages = [(row[0], row[3], row[4]) for row in ours if row[0] == "C_SC_NA_1"]
    assert stages[:3] == [("C_SC_NA_1", "500", "EXECUTE"), ("C_SC_NA_1", "501", "SELECT"), ("C_SC_NA_1", "501", "EXECUTE")]

    # difference 4: the test commands' contents
    def value(rows: list[tuple[str, ...]], type_name: str) -> str:
        return next(row[-1] for row in rows if row[0] == type_name)

    assert value(ours, "C_TS_NA_1") == "0x55AA"
    assert value(ours, "C_TS_TA_1").startswith("TSC 1 @")
    if strict:
        assert value(theirs, "C_TS_NA_1") == "0x55CC"
        assert value(theirs, "C_TS_TA_1").startswith("TSC 0 @")
