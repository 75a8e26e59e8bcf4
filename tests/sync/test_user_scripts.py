"""c104 scripts of the kinds utilities write, not seen by the other side-by-side tests, run under
c104 2.2.1 and under c104test (``import c104`` bound to c104test by run_server_script.py).

``peers/user_scripts/info_probe.py``: Information constructors with every keyword and their
attributes, Quality and the other flag sets (arithmetic, ``str()``), enums, number types, debug
mode, and a server point's info, value, quality and time tag. No socket.

``monitor_rtu.py`` and ``monitor_client.py``: an RTU of two stations with a point of every
common monitoring type (time-tagged ones, counters, a step position in transition), a cyclic
point (``report_ms``, ``on_before_auto_transmit``), a sampled one (``on_before_read``),
``on_clock_sync``, ``signal_initialized`` and a point transmitted with each cause; a client that
adds every point in ``on_new_point`` and records each ``on_receive``, with a global
interrogation, counter interrogations with each freeze, clock syncs, a test command and reads.
What c104 2.2.1 printed for it (c104's server and client) is ``monitor_c104.txt``.

``commands_rtu.py`` and ``commands_client.py``: a command point of each command type with its
status point (``related_io_address``, ``related_io_autoreturn``), select-and-execute switches and
set points, qualifiers, time-tagged commands, a refused set point, a station that refuses;
``Init.INTERROGATION``. c104's record: ``commands_c104.txt``.

``dynamic_rtu.py`` and ``dynamic_client.py``: two servers in one script (one client at a time on
the second), points added and removed while a client is connected; a client with a connection to
each, ``Init.CLOCK_SYNC`` and ``Init.MUTED`` (unmuted by the script), its own originator address
and protocol parameters (``message_timeout`` set alone), the received messages' attributes.
c104's record: ``dynamic_c104.txt``.

``rare_types.py`` (server and client in one process): protection events, packed single points,
M_ME_ND_1 and the time-tagged types sent spontaneously and as a batch; what ``on_receive`` sees
of each, with the extra fields (elapsed times, change bits, transient bit, sequence number).
c104's record: ``rare_types_c104.txt``.

``reconnect.py`` (one process): a client with ``Init.ALL`` rides out a server restart, a server
timer (``on_timer``) that runs only while a client is active, client commands with causes other
than ACTIVATION. c104's record: ``reconnect_c104.txt``.

``plant_rtu.py`` and ``plant_client.py``: an RTU of four stations (time-tagged types, a counter,
a cyclic point, ``on_before_read``, return information, select-and-execute, a tap changer that
refuses at its top, ``on_connect`` honouring a remote-access lock, a burst of spontaneous reports
from the main thread while the client interrogates, the errors a script's mistakes raise) and a
client that takes only the stations and points it wants (``on_new_station``, ``on_new_point``),
watches the raw frames, commands with explicit Information objects, disconnects and connects,
and makes a script's usual mistakes. c104's record (c104's server, c104test's client):
``plant_c104.txt``; c104's client is checked against c104test's Server.

``extremes.py`` (one process): values at the edges of their types (normalized -1, scaled
-32768, NaN, infinities, floats beyond the float32 range, counters at the 32-bit limits, every
quality flag, CP56Time2a edges), and what a script changes at runtime on the server (report_ms,
related_io_address, command_mode, a point and a station removed). c104's record:
``extremes_c104.txt``.

``threads.py`` (one process): a gateway's poller thread reads while the main thread commands and
another thread interrogates; a command the RTU never confirms (the command timeout) and the same
command from a second thread meanwhile; a command the RTU script confirms later; requests sent
without waiting; batches; TESTFR on an idle link with a short t3. c104's record:
``threads_c104.txt``.

``substation_rtu.py`` and ``substation_client.py``: two SCADA masters (two Clients) on one RTU
with ``max_connections=2`` (a third refused without ``on_connect``), spontaneous reports from an
``on_timer`` reaching both, the backup muted (STOPDT) and unmuted (c104 runs the init
interrogation again), return information and end of initialisation, the RTU's connection
counts. c104's record (c104's server, c104test's client): ``substation_c104.txt``; c104's client
is not run against c104test's Server: it sends a command while muted, and a standard RTU closes
the connection (docs/c104-differences.md).

``mistakes_probe.py`` (no socket): Information objects, numbers and enums built from a
database's values: wrong Python types, out-of-range numbers, positional arguments, time tags of
other kinds, enum look-ups, comparisons, ``str()`` and ``repr()``. c104's record:
``mistakes_c104.txt``; c104test's results are c104's, an error of c104's class too, or a row of
``MISTAKES_PINNED``.

``operator_view.py`` (one process): an RTU that transmits with every cause a real RTU uses and
reads its own points' attributes; a display that finds its connection and stations by address
(``get_connection``, ``get_station``), reads every attribute of the points the interrogation
made, polls with ``read()`` (one point sampled in ``on_before_read``), drops a point and sees it
come back, and trips a breaker with return information. c104's record:
``operator_view_c104.txt``.

``link_options.py`` (one process): protocol parameters on both ends, originator addresses of the
client and of a connection (the RTU's view of each command), an ``on_clock_sync`` policy,
``explain_bytes`` and ``explain_bytes_dict`` of the frames sent, disconnect and connect. c104's
record: ``link_options_c104.txt`` (the time octets masked).

``batch_reports.py`` (one process): batches built point by point and from a list with each
cause, a batch's mistakes, a timer whose interval changes and that is turned off,
``signal_initialized`` with each cause. c104's record: ``batch_reports_c104.txt``.

``gateway_messages.py`` (one process): a gateway that maps only some stations and points
(``on_new_station``, ``on_new_point``), logs the rest from ``on_unexpected_message`` by walking
the message (``first()``, ``next()``), unmaps a station; the RTU's command callbacks read each
command's message and previous info; debug output on and off. c104's record:
``gateway_messages_c104.txt``.

Each script runs in its own process (c104 is GPLv3). c104test's half runs once and must print
what c104 printed, but for the rows of docs/c104-differences.md pinned here; c104's half is
compared when c104 is installed (in CI it must be).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import c104test

try:
    from .sync_support import ScriptFailed, free_port, run_script_pair
except ImportError:  # rootdir-relative import mode
    from sync_support import ScriptFailed, free_port, run_script_pair  # type: ignore[no-redef]

PEERS = Path(__file__).parent / "peers"
RUNNER = PEERS / "run_server_script.py"
SCRIPTS = PEERS / "user_scripts"
pytestmark = pytest.mark.timeout(90)

# label: (c104 2.2.1, c104test) — rows of docs/c104-differences.md
INFO_PINNED = {
    "BinaryCounterInfo 2**31": ("!! TypeError", "!! IndexError"),  # a counter beyond 32 bits
    "ShortInfo set actual": ("!! AttributeError", "-> None"),  # value fields of a built info are settable
    "Quality bool none": ("-> True", "-> False"),  # flag sets are IntFlags
    "Quality isinstance int": ("-> False", "-> True"),
    "Quality eq int": ("-> False", "-> True"),
    "Int16 += alias": ("-> [6, 6]", "-> [6, 1]"),  # numbers are immutable
    "Int16 eq Int16": ("-> False", "-> True"),  # numbers compare by value
    "ME_NA set float": ("!! ValueError", "-> None"),  # a value that converts without loss
    "ME_NA set 2.0": ("!! ValueError", "!! IndexError"),
    "ME_NB set int": ("!! ValueError", "-> None"),
    "point str": ("-> <c104.Poin", "-> <c104test."),
}


def c104_available() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False)
    if probe.returncode == 0:
        return True
    if os.environ.get("CI") == "true":
        pytest.fail("c104 must be importable when CI=true (a test peer only)")
    return False


def probe(mode: str, script: str) -> dict[str, str]:
    """``label -> result`` of every PROBE line the script printed under ``mode``."""
    done = subprocess.run(
        [sys.executable, str(RUNNER), mode, str(SCRIPTS / script), "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, f"{mode}:\n{done.stdout}\n{done.stderr}"
    results = {}
    for line in done.stdout.splitlines():
        assert line.startswith("PROBE "), line
        body = line[len("PROBE "):]
        label, sep, result = body.partition(" -> ")
        if sep:
            results[label] = "-> " + result
        else:
            label, _, result = body.partition(" !! ")
            results[label] = "!! " + result
    return results


def test_info_probe_gives_the_pinned_results_under_c104test() -> None:
    ours = probe("c104test", "info_probe.py")
    assert {label: ours[label] for label in INFO_PINNED} == {label: pair[1] for label, pair in INFO_PINNED.items()}
    # what c104 prints for the flag sets and numbers (found different before; now the same)
    assert ours["ProtectionCircuitInfo.circuits"] == "-> OutputCircuit set: { PhaseL2 }"
    assert ours["get none"] == "-> Debug set: {}, is_none: True"
    assert ours["NormalizedFloat str"] == "-> 0.500000"
    assert ours["NA recorded_at from info"] == "-> False"


def test_info_probe_gives_what_c104_gives() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    theirs, ours = probe("c104", "info_probe.py"), probe("c104test", "info_probe.py")
    assert list(theirs) == list(ours)
    assert {label: theirs[label] for label in INFO_PINNED} == {label: pair[0] for label, pair in INFO_PINNED.items()}
    same = {label: result for label, result in theirs.items() if label not in INFO_PINNED}
    assert {label: ours[label] for label in same} == same


def run_pair(mode: str, pair: str, client_mode: str | None = None) -> tuple[str, str]:
    """``{pair}_rtu.py`` under ``mode`` and ``{pair}_client.py`` under ``client_mode`` (the
    same by default): the client's STEP lines and the RTU's EVENT lines."""
    port = f"{free_port()},{free_port()}" if pair == "dynamic" else str(free_port())  # two servers
    return run_script_pair(SCRIPTS, pair, mode, client_mode or mode, port)


def c104_differs(expected: str, got: str) -> list[str] | None:
    """None if c104's output ``got`` is the record ``expected``, but for commands c104 2.2.1
    answered False where the record has True (it does so now and then under load: seen for a
    select-and-execute, a step command, a counter interrogation), and then the RTU's events of
    such a command and its final line; else the lines c104 printed that the record lacks."""
    exp_steps = [line for line in expected.splitlines() if line.startswith("STEP ")]
    got_steps = [line for line in got.splitlines() if line.startswith("STEP ")]
    if len(exp_steps) != len(got_steps):
        return [line for line in got_steps if line not in exp_steps] or ["(a step missing)"]
    flaky = False
    for want, have in zip(exp_steps, got_steps, strict=True):
        if want != have and have != want.replace(" True", " False", 1):
            return [have]
        flaky = flaky or want != have
    exp_events = [line for line in expected.splitlines() if line.startswith("EVENT ")]
    got_events = [line for line in got.splitlines() if line.startswith("EVENT ")]
    if flaky:
        extra = [line for line in got_events if line not in exp_events and not line.startswith("EVENT final")]
        return extra or None
    return None if got_events == exp_events else [line for line in got_events if line not in exp_events] or ["(an event missing)"]


def c104_run_pair(
    pair: str, expected: str, normalise: Callable[[str], str] = str, attempts: int = 5,
    server_mode: str = "c104", client_mode: str = "c104",
) -> None:
    """The pair (with c104 on one side or both) prints the record ``expected``
    (``c104_differs``), in one of ``attempts`` runs: c104 2.2.1 is flaky under load (CI runs
    four test workers on two cores; its client process also crashed now and then). Runs that
    needed tolerance or another attempt are reported; a failed process of c104test's half fails
    at once."""
    notes = []
    for _ in range(attempts):
        try:
            steps, events = run_pair(server_mode, pair, client_mode)
        except ScriptFailed as failed:
            if failed.mode != "c104":
                raise
            message = str(failed)
            notes.append([f"c104's process failed: {message.splitlines()[0]} ... {message[-200:]}"])
            continue
        got = normalise(steps + events)
        differs = c104_differs(expected, got)
        if differs is None:
            if got != expected:
                notes.append([line for line in got.splitlines() if line not in expected.splitlines()])
            if notes:
                warnings.warn(f"c104 runs of {pair} that were not the record: {notes}", stacklevel=2)
            return
        notes.append(differs)
    pytest.fail(f"c104 did not print the record of {pair} in {attempts} runs: {notes}")


# ---- monitor: what c104 printed, and the documented rows where c104test differs --------------

MONITOR_C104 = (SCRIPTS / "monitor_c104.txt").read_text()


_C104_READS = ("STEP read 21 ", "STEP read 21 again ", "STEP read 7 ", "STEP read counter ", "STEP read unknown ")


def _c104_read_races(text: str) -> str:
    """c104's read() returns at its server's ACT_CON, before the value: the value printed right
    after it is the old one or the new one (docs/c104-differences.md); and under load its read
    now and then returns False for a value that came, or True for a read its server refused
    (seen in 4 of 18 runs). What these lines say is left out of c104's record."""
    lines = []
    for line in text.splitlines():
        if line.startswith(_C104_READS) and "records" not in line:
            line = line.split(" True")[0].split(" False")[0] + " ..."
        lines.append(line + "\n")
    return "".join(lines)


def monitor_expected_of_c104test() -> str:
    """MONITOR_C104 with the rows of docs/c104-differences.md applied."""
    text = MONITOR_C104
    # interrogation answers come in the type without time tag (the standard): the client's
    # point is made with that type
    for ioa, timed, plain in ((1, "M_SP_TB_1", "M_SP_NA_1"), (8, "M_ME_TF_1", "M_ME_NC_1"), (11, "M_DP_TB_1", "M_DP_NA_1")):
        line = next(x for x in text.splitlines() if x.startswith(f"STEP gi (10, {ioa}, "))
        text = text.replace(line, line.replace(timed, plain).replace("'T'", "None"))
    # a freeze or a reset reports nothing (c104 reports the counters each time); c104's client
    # swaps Carry and Adjusted of a received counter
    for line in (x for x in text.splitlines() if x.startswith("STEP ci values")):
        head, _, rows = line.partition(" [")
        first = "[" + rows.split("), (")[0].rstrip("]").rstrip(")") + ")]"
        text = text.replace(line, f"{head} {first}".replace("{ Adjusted }", "{ Carry }"))
    # read() returns with the value read (c104: at the ACT_CON, with the value before it)
    return text.replace("STEP read 21 True 101", "STEP read 21 True 102").replace(
        "STEP read 21 again True 102", "STEP read 21 again True 103")


def test_monitor_pair_under_c104test() -> None:
    steps, events = run_pair("c104test", "monitor")
    assert steps + events == monitor_expected_of_c104test()
    # what was found different before: a global interrogation returned before the second
    # station's data (c104test's Server confirmed station after station), a step position
    # lost its transient bit
    assert "STEP stations [10, 11]" in steps
    assert "'Int7:-7', 'Quality set: {}, is_good: True', None, True, 'M_ST_NA_1', 10, True, True)" in steps


def test_monitor_pair_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_pair("monitor", _c104_read_races(MONITOR_C104), _c104_read_races)


# ---- commands ----------------------------------------------------------------------------------

COMMANDS_C104 = (SCRIPTS / "commands_c104.txt").read_text()


def _commands_from_c104tests_server(record: str) -> str:
    """c104test's Server answers the interrogation for the M_DP_TB_1 status point in M_DP_NA_1
    (the standard's type for COT 20): the client prints that type (docs/c104-differences.md)."""
    initial = next(line for line in record.splitlines() if line.startswith("STEP initial"))
    return record.replace(initial, initial.replace("'OFF', 'M_DP_TB_1'", "'OFF', 'M_DP_NA_1'"))


def test_commands_pair_under_c104test() -> None:
    steps, events = run_pair("c104test", "commands")
    assert steps + events == _commands_from_c104tests_server(COMMANDS_C104)


@pytest.mark.parametrize("side", ["c104 server", "c104 client"])
def test_commands_pair_with_c104_on_one_side_is_what_was_recorded(side: str) -> None:
    """c104's client against c104's server fails a select-and-execute command in most runs (the
    select is not confirmed in time), so each of c104's halves is checked against c104test's
    other half: c104's server with c104test's client, c104's client with c104test's server."""
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    if side == "c104 server":
        c104_run_pair("commands", COMMANDS_C104, client_mode="c104test")
    else:
        # c104's client refuses the M_DP_NA_1 answer for its M_DP_TB_1 point (MISMATCHED_TYPE_ID,
        # c104 #32, #60): no initial value for it
        expected = COMMANDS_C104.replace(" (102, ('INTERROGATED_BY_STATION', 'OFF', 'M_DP_TB_1')),", "")
        c104_run_pair("commands", expected, server_mode="c104test")


# ---- dynamic -----------------------------------------------------------------------------------

DYNAMIC_C104 = (SCRIPTS / "dynamic_c104.txt").read_text()


def test_dynamic_pair_under_c104test() -> None:
    steps, events = run_pair("c104test", "dynamic")
    # message_timeout = 5 alone moves the default confirm_interval (10) to 2.5 (c104: stays 10,
    # above t1; docs/c104-differences.md); the script failed with ValueError there before
    expected = DYNAMIC_C104.replace("STEP parameters (12, 8, 10, 5, 10, 4)", "STEP parameters (12, 8, 10, 5, 2.5, 4)")
    assert steps + events == expected


def test_a_parameter_set_alone_moves_its_default_partner_along(make_client: Callable[..., Any]) -> None:
    """A c104 script sets ``message_timeout = 5`` alone (t2 is 10 by default), or t1 before t2:
    c104 takes it; c104test moved nothing and raised ValueError on a t2 the script never chose.
    Now the partner left at its default moves along (t2 = t1/2, t1 = 2 t2, w = 2k/3, k = 3w/2);
    a pair the script set itself is still refused."""
    client = make_client()  # never started: no socket
    connection = client.add_connection(ip="127.0.0.1", port=2404, init=c104test.Init.NONE)
    params = connection.protocol_parameters
    params.message_timeout = 5
    assert (params.message_timeout, params.confirm_interval) == (5, 2.5)
    params.confirm_interval = 2  # then t2, as the script wanted it
    assert (params.message_timeout, params.confirm_interval) == (5, 2)
    with pytest.raises(ValueError, match="t2"):
        params.confirm_interval = 6  # both set by the script: refused
    params.send_window_size = 6
    assert (params.send_window_size, params.receive_window_size) == (6, 4)
    other = client.add_connection(ip="127.0.0.1", port=2405, init=c104test.Init.NONE).protocol_parameters
    other.confirm_interval = 20
    other.receive_window_size = 20
    assert (other.message_timeout, other.confirm_interval, other.send_window_size, other.receive_window_size) == (40, 20, 30, 20)


def test_dynamic_pair_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_pair("dynamic", DYNAMIC_C104)


# ---- rare types --------------------------------------------------------------------------------

RARE_C104 = (SCRIPTS / "rare_types_c104.txt").read_text()


def run_script(mode: str, script: str) -> str:
    """A script with server and client in one process: its STEP lines."""
    done = subprocess.run(
        [sys.executable, str(RUNNER), mode, str(SCRIPTS / script), str(free_port())],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, f"{mode}:\n{done.stdout}\n{done.stderr}"
    return "".join(line + "\n" for line in done.stdout.splitlines() if line.startswith("STEP "))


def test_rare_types_under_c104test() -> None:
    # c104test's Server sends the counter's own BCR sequence number (it counts the freezes), not
    # the info's (docs/c104-differences.md)
    expected = RARE_C104.replace("(('sequence', 31.0),)", "(('sequence', 0.0),)")
    got = run_script("c104test", "rare_types.py")
    assert got == expected
    # found different before: the Server sent no elapsed time of a protection event, no change
    # bits of packed single points
    assert "(('elapsed_ms', 250.0),)" in got and "(('changed', 'PackedSingle(32768)'),)" in got


def c104_run_script(script: str, expected: str, normalise: Callable[[str], str] = str) -> None:
    """The one-process script under c104 prints ``expected`` (after ``normalise``) in one of
    five runs: c104 2.2.1 is flaky under load (seen: no STARTDT after a reconnect, the
    connection stays OPEN_MUTED; a select-and-execute it does not finish). Three runs were not
    enough once in CI under a full second test run's load: each failed in a different c104 way."""
    outputs = []
    for _ in range(5):
        outputs.append(normalise(run_script("c104", script)))
        if outputs[-1] == expected:
            break
    if len(outputs) > 1:
        differed = [[line for line in out.splitlines() if line not in expected] for out in outputs[:-1]]
        warnings.warn(f"c104 needed {len(outputs)} runs of {script}: {differed}", stacklevel=2)
    assert outputs[-1] == expected


def test_rare_types_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("rare_types.py", RARE_C104)


# ---- reconnect ---------------------------------------------------------------------------------

RECONNECT_C104 = (SCRIPTS / "reconnect_c104.txt").read_text()


def test_reconnect_under_c104test() -> None:
    # a deactivation with no selection to cancel is refused without calling on_receive (c104
    # calls on_receive and confirms it; docs/c104-differences.md)
    expected = RECONNECT_C104.replace("STEP deactivation True", "STEP deactivation False").replace(
        ", ('DEACTIVATION', False, False)]", "]")
    assert run_script("c104test", "reconnect.py") == expected


def test_reconnect_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("reconnect.py", RECONNECT_C104)


# ---- plant: a server-heavy RTU script and a client that makes a script's mistakes ------------------

PLANT_C104 = (SCRIPTS / "plant_c104.txt").read_text()
# c104's server answers an interrogation in the time-tagged type with its time tag; c104test's
# Server in the type without (the standard; docs/c104-differences.md)
_PLAIN_OF = {"M_DP_TB_1": "M_DP_NA_1", "M_ST_TB_1": "M_ST_NA_1", "M_ME_TE_1": "M_ME_NB_1", "M_BO_TB_1": "M_BO_NA_1"}
# a value of the wrong type raises WrongValueType (ValueError and TypeError; c104 one of them);
# a received value changed raises ReadOnlyInformation (ValueError and AttributeError)
_PLANT_RTU_ERRORS = ("value str on DP", "value bool on DP", "value float on IT", "quality on counter")
_PLANT_CLIENT_ERRORS = {
    "value str on SC": "ValueError|TypeError", "value Double on SC": "ValueError|TypeError",
    "received info readonly": "ValueError|AttributeError", "set received value": "ValueError|AttributeError",
    "set received quality": "ValueError|AttributeError",
}


def _rows(text: str, fix: Callable[[str, tuple[Any, ...]], tuple[Any, ...] | None]) -> str:
    """``text`` with each ``STEP label (row)`` line's row replaced by ``fix(label, row)``
    (None: the line is left out)."""
    lines = []
    for line in text.splitlines():
        head, sep, body = line.partition(" (")
        if line.startswith("STEP ") and sep and body.endswith(")") and " " not in head[5:].strip(" "):
            row = fix(head[5:], ast.literal_eval("(" + body))
            if row is None:
                continue
            line = f"{head} {row!r}"
        lines.append(line + "\n")
    return "".join(lines)


def plant_expected_of_c104test() -> str:
    """PLANT_C104 (c104's server, c104test's client) with c104test's Server's documented rows."""
    def plain(label: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if row[3] == "INTERROGATED_BY_STATION" and row[2] in _PLAIN_OF:
            return (*row[:2], _PLAIN_OF[row[2]], *row[3:6], None, *row[7:])
        return row
    text = _rows(PLANT_C104, plain)
    for label in _PLANT_RTU_ERRORS:
        line = next(x for x in text.splitlines() if x.startswith(f"EVENT probe {label} !! "))
        text = text.replace(line, f"EVENT probe {label} !! ValueError|TypeError")
    return text


def _c104_step_return_race(text: str) -> str:
    """c104's server sends the return information of the step position (related_io_autoreturn
    of C_RC_TA_1) now and then with the position before on_receive moved it (seen in 2 of 4
    runs; docs/c104-differences.md): those two rows are left out of c104's record."""
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith("STEP return (2, 200,"))


def test_plant_pair_under_c104test() -> None:
    steps, events = run_pair("c104test", "plant")
    assert steps + events == plant_expected_of_c104test()
    # found different before: a global interrogation returned at the first station's ACT_TERM
    # (the other stations' data after it); on_unexpected_message said UNKNOWN_IOA for a read of
    # a counter; a received value could be changed by the script
    assert "STEP stations [1, 2, 3]" in steps
    assert "EVENT unexpected C_RD_NA_1 REQUEST 1 103 INVALID_TYPE_ID" in events
    assert "STEP set received value !! ValueError|AttributeError" in steps
    assert "STEP burst received 30 True Int16:300" in steps and "STEP wire in spontaneous 30" in steps


def test_plant_pair_with_c104s_server_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_pair("plant", _c104_step_return_race(PLANT_C104), _c104_step_return_race, client_mode="c104test")


def test_plant_pair_with_c104s_client_is_c104tests_but_for_the_documented_rows() -> None:
    """c104's client against c104test's Server: it refuses the return information and the read
    answer in the time-tagged type for points the interrogation made in the plain type
    (MISMATCHED_TYPE_ID, c104 #32, #60), and its errors are one of the two classes c104test's
    are both of."""
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")

    def c104_client(label: str, row: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if label in ("read", "return") and row[2] in _PLAIN_OF:
            return None
        return row
    expected = _rows(plant_expected_of_c104test(), c104_client)
    mismatched = "".join(f"STEP unexpected {row!r}\n" for row in (
        (1, 100, "M_DP_TB_1", "REQUEST", "MISMATCHED_TYPE_ID"), (1, 100, "M_DP_TB_1", "RETURN_INFO_REMOTE", "MISMATCHED_TYPE_ID"),
        (2, 200, "M_ST_TB_1", "RETURN_INFO_REMOTE", "MISMATCHED_TYPE_ID")))
    after = next(line for line in expected.splitlines(keepends=True) if line.startswith("STEP then set value"))
    expected = expected.replace(after, after + mismatched)

    def c104_errors(text: str) -> str:
        for label, ours in _PLANT_CLIENT_ERRORS.items():
            line = next(x for x in text.splitlines() if x.startswith(f"STEP {label} !! "))
            text = text.replace(line, f"STEP {label} !! {ours}")
        return text
    c104_run_pair("plant", expected, c104_errors, server_mode="c104test")


# ---- threads: a gateway's threads, timeouts, requests without waiting, keep-alive ----------------

THREADS_C104 = (SCRIPTS / "threads_c104.txt").read_text()


def test_threads_under_c104test() -> None:
    # the same command from a second thread while the first waits: c104 raises RuntimeError at
    # once, c104test sends it after the first has ended (docs/c104-differences.md)
    expected = THREADS_C104.replace("STEP stuck False True ['RuntimeError']", "STEP stuck False True [False]")
    got = run_script("c104test", "threads.py")
    assert got == expected
    # a poller, an interrogating thread and the main thread's commands all answered
    assert "STEP threads [True, True, True, True, True, True, True, True] [True, True, True] [True, True" in got


def test_threads_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("threads.py", THREADS_C104)


# ---- extremes: values at the edges of their types, runtime changes on the server ------------------

EXTREMES_C104 = (SCRIPTS / "extremes_c104.txt").read_text()
_C104_EXTREMES_RACES = ("STEP select and execute ", "STEP command to removed ", "STEP gi removed station ")


def _c104_extremes_races(text: str) -> str:
    """c104 2.2.1 in one process now and then fails the select-and-execute of a point whose
    command_mode the script changed ("Cannot execute command ... without selection", 1 of 2
    runs) and returns True for a command to a point the RTU removed and an interrogation of a
    station it removed (its negative ACT_CON is followed by a positive COT 47 or 46 copy, about 1
    of 2 runs each): those results are left out for c104."""
    return "".join((line.rsplit(" ", 1)[0] + " ..." if line.startswith(_C104_EXTREMES_RACES) else line) + "\n"
                   for line in text.splitlines())


def test_extremes_under_c104test() -> None:
    # c104's client swaps Carry and Adjusted of a received counter (docs/c104-differences.md)
    expected = EXTREMES_C104.replace("{ Adjusted | Invalid }", "{ Carry | Invalid }")
    got = run_script("c104test", "extremes.py")
    assert got == expected
    # found different before: a float beyond the float32 range raised IndexError (c104: inf)
    assert "STEP float 1e+39 ('inf', " in got


def test_extremes_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("extremes.py", _c104_extremes_races(EXTREMES_C104), _c104_extremes_races)


# ---- substation: two masters on one RTU --------------------------------------------------------------

SUBSTATION_C104 = (SCRIPTS / "substation_c104.txt").read_text()


def test_substation_pair_under_c104test() -> None:
    steps, events = run_pair("c104test", "substation")
    assert steps + events == SUBSTATION_C104
    # found different before: on_connect was asked about a third connection that max_connections
    # refuses anyway (c104 does not call it); unmute() did not run the init interrogation again
    assert events.count("EVENT connect ") == 2
    assert "STEP backup values [(1, 'INTERROGATED_BY_STATION', True), (1, 'INTERROGATED_BY_STATION', True)," in steps


def test_substation_pair_with_c104s_server_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_pair("substation", SUBSTATION_C104, client_mode="c104test")


# ---- mistakes: Information, numbers and enums built from a database's values -------------------------

MISTAKES_C104 = (SCRIPTS / "mistakes_c104.txt").read_text()
# label: (c104 2.2.1, c104test) — c104test accepts what converts without loss and checks the
# range (c104's binding refuses every plain number with TypeError), and the rows of
# docs/c104-differences.md ("Arguments and small things", "Enums")
MISTAKES_PINNED = {
    "ScaledInfo actual -40000": ("!! TypeError", "!! IndexError"),
    "NormalizedInfo actual 1.5": ("!! TypeError", "!! IndexError"),
    "NormalizedInfo actual Int16": ("!! TypeError", "-> NormalizedFloat:1.0"),
    "BinaryInfo blob bytes": ("!! TypeError", "-> Byte32:01000000"),
    "StepInfo position 100": ("!! TypeError", "!! IndexError"),
    "BinaryCounterInfo sequence 40": ("!! TypeError", "!! IndexError"),
    "BinaryCounterInfo sequence int": ("!! TypeError", "-> UInt5:4"),
    "ProtectionEventInfo elapsed int": ("!! TypeError", "-> UInt16:70"),
    "ProtectionEventInfo elapsed 70000": ("!! TypeError", "!! IndexError"),
    "SingleInfo quality int": ("!! TypeError", "-> Quality set: { Invalid }, is_good: False"),
    "SingleCmd qualifier int": ("!! TypeError", "-> Qoc.LONG_PULSE"),
    "NormalizedCmd qualifier int": ("!! TypeError", "-> UInt7:5"),
    "ScaledCmd target 40000": ("!! TypeError", "!! IndexError"),
    "Byte32 -1": ("!! OverflowError", "!! IndexError"),
    "Int16 lt": ("!! TypeError", "-> True"),
    "Cot from bad int": ("-> ???", "!! ValueError"),
    "Type from str": ("!! TypeError", "!! ValueError"),
    "Cot is": ("-> False", "-> True"),
    "Cot lt": ("!! TypeError", "-> True"),
    "Type members count": ("-> 55", "-> 67"),
    "Type bool": ("-> True", "-> False"),
    "ResponseState bool": ("-> True", "-> False"),
    "Quality minus": ("!! TypeError", "-> Quality set: { Blocked }, is_good: False"),
}


def _same_or_also(theirs: str, ours: str) -> bool:
    """The same result, or an error c104test raises that is also of c104's class (WrongValueType
    is both ValueError and TypeError: a script catching c104's catches it)."""
    if theirs == ours:
        return True
    return theirs.startswith("!! ") and ours.startswith("!! ") and set(theirs[3:].split("|")) <= set(ours[3:].split("|"))


def _probe_text(text: str) -> dict[str, str]:
    results = {}
    for line in text.splitlines():
        body = line[len("PROBE "):]
        label, sep, result = body.partition(" -> ")
        if sep:
            results[label] = "-> " + result
        else:
            label, _, result = body.partition(" !! ")
            results[label] = "!! " + result
    return results


def test_mistakes_probe_under_c104test() -> None:
    theirs, ours = _probe_text(MISTAKES_C104), probe("c104test", "mistakes_probe.py")
    assert list(ours) == list(theirs)
    assert {label: ours[label] for label in MISTAKES_PINNED} == {label: pair[1] for label, pair in MISTAKES_PINNED.items()}
    assert {label: theirs[label] for label in MISTAKES_PINNED} == {label: pair[0] for label, pair in MISTAKES_PINNED.items()}
    unlike = {label: (theirs[label], ours[label]) for label in theirs
              if label not in MISTAKES_PINNED and not _same_or_also(theirs[label], ours[label])}
    assert unlike == {}
    # found different before: a bool argument of None or a number other than 0 and 1 (c104 takes
    # what has a truth value), a date as time tag, a flag set's repr() and its unnamed bits
    assert ours["SingleInfo on None"] == "-> False" and ours["SingleInfo on float"] == "-> False"
    assert ours["SingleInfo recorded_at date"] == "-> 2024-03-01T00:00:00"
    assert ours["recorded_at aware compares"] == "-> False"  # was TypeError: an aware time tag kept its zone
    assert ours["Quality repr"] == "-> Quality set: { Invalid }, is_good: False"
    assert ours["Quality from 2"] == "-> Quality set: { UNSUPPORTED_BIT_1 }, is_good: False"
    # an out-of-range enum number is a TypeError too, as in c104 (was ValueError alone)
    assert ours["DoubleInfo state 5"] == "!! ValueError|TypeError"


def test_mistakes_probe_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    theirs = probe("c104", "mistakes_probe.py")
    assert theirs == _probe_text(MISTAKES_C104)


# ---- operator view: causes, attributes, look-ups, polling -------------------------------------------

OPERATOR_C104 = (SCRIPTS / "operator_view_c104.txt").read_text()


def test_operator_view_under_c104test() -> None:
    # c104 gives a new C_DC_NA_1 point a time tag the type does not have (its other command types
    # without time tag have none; docs/c104-differences.md): masked
    expected = OPERATOR_C104.replace("'DoubleCmd', 'OFF', None, 'datetime', 'datetime'", "'DoubleCmd', 'OFF', None, None, 'datetime'")
    got = run_script("c104test", "operator_view.py")
    assert got == expected
    assert "STEP transmit refused ACTIVATION True" in got and "(20, 3, 'M_ME_NB_1', 'BACKGROUND_SCAN', 'Int16:1100'" in got


_C104_OPERATOR_RACES = ("STEP trip return ", "STEP trip ", "STEP rtu after trip ", "STEP display after trip ")


def _c104_operator_races(text: str) -> str:
    """c104 2.2.1's read() now and then returns False for a value that came, or True for a read
    of an IOA its server does not have (a negative ACT_CON, then a positive COT 47 copy), and its
    select-and-execute fails now and then (seen in 4 of 5 runs under load): the results of the
    reads and the trip's rows are left out of c104's record (c104test's are checked in full)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("STEP read "):
            line = line.split(" True")[0].split(" False")[0] + " ..."
        elif line.startswith(_C104_OPERATOR_RACES):
            line = next(prefix for prefix in _C104_OPERATOR_RACES if line.startswith(prefix)) + "..."
        lines.append(line + "\n")
    return "".join(lines)


def test_operator_view_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("operator_view.py", _c104_operator_races(OPERATOR_C104), _c104_operator_races)


# ---- link options: parameters, originator addresses, explain_bytes, disconnect and connect ---------------

LINK_C104 = (SCRIPTS / "link_options_c104.txt").read_text()


def _mask_time_payloads(text: str) -> str:
    """The clock sync's and the test command's octets hold the time of the run."""
    return re.sub(r"(C_CS_NA_1|C_TS_TA_1)( \| [^']*?LIST\[1\] )\([^)]*\)", r"\1\2(time)", text)


def test_link_options_under_c104test() -> None:
    # explain_bytes of an I-frame: c104's fields, then the sequence numbers and the decoded
    # objects; C_TS_NA_1's pattern is 0x55AA (docs/c104-differences.md)
    got = run_script("c104test", "link_options.py")
    c104_fields = re.sub(r" \| N\(S\) \d+ N\(R\) \d+ \| [^']*'", "'", got)
    assert _mask_time_payloads(c104_fields) == LINK_C104.replace("(00 00 00 cc 55 )", "(00 00 00 aa 55 )")
    assert "| N(S) 2 N(R) 2 | IOA 22 = -1200 EXECUTE'" in got


def test_link_options_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("link_options.py", LINK_C104, _mask_time_payloads)


# ---- batch reports: batches with each cause, a timer that changes, end of initialisation ----------------

BATCH_C104 = (SCRIPTS / "batch_reports_c104.txt").read_text()


def test_batch_reports_under_c104test() -> None:
    # on_timer(callable=None, interval_ms=0) turns the timer off (c104: ValueError;
    # docs/c104-differences.md)
    got = run_script("c104test", "batch_reports.py")
    assert got == BATCH_C104.replace("STEP timer off 0 !! ValueError", "STEP timer off 0 ok")
    assert "(40, 'M_SP_NA_1', 'BACKGROUND_SCAN', 3, False, False)" in got


def test_batch_reports_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("batch_reports.py", BATCH_C104)


# ---- gateway: mapped and unmapped data, a command's message at the RTU ---------------------------------

GATEWAY_C104 = (SCRIPTS / "gateway_messages_c104.txt").read_text()


def test_gateway_messages_under_c104test() -> None:
    # c104's server sends consecutive IOAs as a sequence (SQ=1), c104test's as a list: the
    # three-object APDU is 24 octets from c104, 30 from c104test (docs/c104-differences.md)
    got = run_script("c104test", "gateway_messages.py")
    assert got == GATEWAY_C104.replace("True, 24)", "True, 30)")
    # found different before: on_unexpected_message ran once per unknown object (c104: once per
    # message, at the first), and first() left the cursor on the element it was on
    assert got.count("'UNKNOWN_IOA'") == 1
    assert "[(20, True, 'Quality set: {}, is_good: True'), (20, True," in got


def test_gateway_messages_under_c104_is_what_was_recorded() -> None:
    if not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    c104_run_script("gateway_messages.py", GATEWAY_C104)
