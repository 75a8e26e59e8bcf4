"""A c104 client script against a c104 server script, each run unchanged under c104test.

``peers/pair_scripts`` holds two pairs written for c104 (annotated callbacks, c104's examples'
style): ``callbacks`` (two stations, point callbacks, direct and select-and-execute commands
answered SUCCESS, FAILURE and later, an unknown IOA, a set point that makes a spontaneous
report, a server restart the client rides out, ``Client.stop()``/``start()``, ``disconnect()``/
``connect()``, ``mute()``/``unmute()``) and ``edge`` (``Init.ALL``, a second connection beyond
``max_connections``, a select-and-execute command the server answers later, a raising callback, a
deactivation, a refused clock sync, ``reconnect_all``/``disconnect_all``).

Each pair runs with c104test on both sides and, when the PyPI package c104 is there, with c104's
server and c104test's client. What the client prints must be what c104's client printed against
c104's server (recorded below), except the rows of docs/c104-differences.md named next to them;
what the server prints, likewise. Every run is a separate process (c104 is GPLv3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from .sync_support import free_port, run_script_pair
except ImportError:  # rootdir-relative import mode
    from sync_support import free_port, run_script_pair  # type: ignore[no-redef]

PEERS = Path(__file__).parent / "peers"
SCRIPTS = PEERS / "pair_scripts"
pytestmark = pytest.mark.timeout(90)

# What c104's client printed against c104's server, but for these rows (docs/c104-differences.md):
# "read 101"/"voltage": c104's read() returns at the ACT_CON, before the value (231.0 there);
# the last two states: c104 reports OPEN_AWAIT_CLOSED and CLOSED only after its stop() returned.
CALLBACKS_CLIENT = """\
STEP duplicate None
STEP get_station miss None
STEP get_point miss None
STEP command before start False
STEP open OPEN
STEP gi 47 True
STEP gi 48 True
STEP stations [47, 48]
STEP new stations [48]
STEP new points [(47, 100, 'M_DP_NA_1'), (47, 101, 'M_ME_NC_1'), (48, 200, 'M_ME_NB_1'), (48, 201, 'M_SP_NA_1')]
STEP ci True
STEP counter 1000
STEP clock sync True
STEP read 101 True
STEP voltage 232.0
STEP sbo True
STEP breaker ON
STEP refused False
STEP later True
STEP unknown ioa False
STEP setpoint True
STEP temperature 25
STEP no wait gi True
STEP restart True
STEP after restart OPEN
STEP gi after restart True
STEP alarm True
STEP stopped (False, 'CLOSED', False)
STEP command while stopped False
STEP restarted OPEN
STEP gi after client restart True
STEP disconnected CLOSED
STEP connected OPEN
STEP mute True
STEP muted OPEN_MUTED
STEP unmute True
STEP unmuted OPEN
STEP values [((47, 100), [('OFF', 'INTERROGATED_BY_STATION'), ('ON', 'RETURN_INFO_REMOTE'), ('ON', 'INTERROGATED_BY_STATION')]), \
((47, 101), [(231.0, 'INTERROGATED_BY_STATION'), (232.0, 'REQUEST'), (233.0, 'INTERROGATED_BY_STATION')]), \
((47, 102), [(1000.0, 'REQUESTED_BY_GENERAL_COUNTER')]), ((48, 200), [(21.0, 'INTERROGATED_BY_STATION'), (25.0, 'SPONTANEOUS'), \
(25.0, 'INTERROGATED_BY_STATION'), (25.0, 'INTERROGATED_BY_STATION')]), ((48, 201), [(False, 'INTERROGATED_BY_STATION'), \
(False, 'INTERROGATED_BY_STATION'), (True, 'INTERROGATED_BY_STATION')])]
STEP unexpected []
STEP states ['CLOSED_AWAIT_OPEN', 'OPEN_MUTED', 'OPEN', 'CLOSED_AWAIT_RECONNECT', 'CLOSED_AWAIT_OPEN', 'OPEN_MUTED', 'OPEN', \
'OPEN_AWAIT_CLOSED', 'CLOSED', 'CLOSED_AWAIT_OPEN', 'OPEN_MUTED', 'OPEN', 'OPEN_AWAIT_CLOSED', 'CLOSED', 'CLOSED_AWAIT_OPEN', \
'OPEN_MUTED', 'OPEN', 'OPEN_MUTED', 'OPEN', 'OPEN_AWAIT_CLOSED', 'CLOSED']
"""

CALLBACKS_SERVER = """\
EVENT clock sync datetime
EVENT switch ON ACTIVATION False
EVENT refused True 0
EVENT later True False
EVENT later transmit True
EVENT unexpected C_SC_NA_1 ACTIVATION 47 303 UNKNOWN_IOA
EVENT setpoint 25.5 ShortCmd
EVENT restart requested
EVENT stopped False 0
EVENT started True
EVENT final ON 233.0 25 True
EVENT end False
"""

# c104's client against c104's server printed these too, but for "sbo" (c104's client failed its
# select now and then there); the server decides the rest (rows of docs/c104-differences.md):
EDGE_CLIENT = {
    "c104": """\
STEP a OPEN
STEP status OFF
STEP b False 1 1
STEP get_connection ca True
STEP b removed CLOSED
STEP slow sbo False
STEP status after OFF
STEP boom 1 True
STEP boom 2 True
STEP deactivate True
STEP clock False
STEP sbo True
STEP reconnected OPEN
STEP all disconnected CLOSED 0
STEP states a ['CLOSED_AWAIT_OPEN', 'OPEN_MUTED', 'OPEN', 'OPEN_AWAIT_CLOSED', 'CLOSED', 'CLOSED_AWAIT_OPEN', 'OPEN_MUTED', \
'OPEN', 'OPEN_AWAIT_CLOSED', 'CLOSED']
STEP states b ['CLOSED', 'CLOSED_AWAIT_OPEN', 'CLOSED_AWAIT_RECONNECT']
""",
}
# c104test's Server: the S&E command answered later succeeds (c104's sends an early ACT_TERM),
# a raising callback confirms negatively (c104: positively, then unregisters it), a deactivation
# with nothing selected is refused without calling on_receive
EDGE_CLIENT["c104test"] = (
    EDGE_CLIENT["c104"]
    .replace("slow sbo False", "slow sbo True")
    .replace("boom 1 True", "boom 1 False")
    .replace("boom 2 True", "boom 2 False")
    .replace("deactivate True", "deactivate False")
)
EDGE_SERVER = {
    "c104": """\
EVENT connect 127.0.0.1 1
EVENT clock datetime
EVENT slow ON ACTIVATION
EVENT act_con True
EVENT act_term True
EVENT boom 1
EVENT plain True DEACTIVATION
EVENT clock datetime
EVENT sbo True ACTIVATION False
EVENT connect 127.0.0.1 2
EVENT clock datetime
EVENT final ON 0
""",
}
EDGE_SERVER["c104test"] = EDGE_SERVER["c104"].replace("EVENT plain True DEACTIVATION", "EVENT boom 2")


def c104_available() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False)
    if probe.returncode == 0:
        return True
    if os.environ.get("CI") == "true":
        pytest.fail("c104 must be importable when CI=true (a test peer only)")
    return False


def run_pair(server_mode: str, pair: str) -> tuple[str, str]:
    """The client script under c104test against the server script under ``server_mode``: what
    each printed (the client's STEP lines, the server's EVENT lines)."""
    return run_script_pair(SCRIPTS, pair, server_mode, "c104test", str(free_port()))


@pytest.mark.parametrize("server_mode", ["c104test", "c104"])
def test_callbacks_pair(server_mode: str) -> None:
    if server_mode == "c104" and not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    steps, events = run_pair(server_mode, "callbacks")
    assert steps == CALLBACKS_CLIENT
    expected = CALLBACKS_SERVER
    # "later transmit" is noted by the script's own thread once transmit() returned; the ACT_CON
    # has left by then, so the client's next commands (and their callbacks) may come first when
    # that thread waits for a CPU (seen once on CI, two cores): it must come after "later", once
    later = "EVENT later transmit True\n"
    assert events.count(later) == 1 and events.index(later) > events.index("EVENT later True False\n"), events
    events, expected = events.replace(later, ""), expected.replace(later, "")
    if server_mode == "c104":
        # c104 queues on_unexpected_message: it may run after the next command's on_receive
        # (c104test's Server runs the callbacks in the order the frames came)
        unexpected = "EVENT unexpected C_SC_NA_1 ACTIVATION 47 303 UNKNOWN_IOA\n"
        assert unexpected in events
        events, expected = events.replace(unexpected, ""), expected.replace(unexpected, "")
    assert events == expected


@pytest.mark.parametrize("server_mode", ["c104test", "c104"])
def test_edge_pair(server_mode: str) -> None:
    if server_mode == "c104" and not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    steps, events = run_pair(server_mode, "edge")
    assert steps == EDGE_CLIENT[server_mode]
    assert events == EDGE_SERVER[server_mode]
