"""Which thread runs each client callback, under c104 2.2.1 and under c104test (one script,
``peers/callback_threads.py``, two processes: c104 is GPLv3).

c104 queues on_state_change, on_receive_raw, on_send_raw and on_unexpected_message to its client
worker, where a blocking call (``connection.test()``) works; it runs on_new_station,
on_new_point, a point's on_receive and on_station_initialized on its receive thread, where a
blocking call never returns. c104test does the same with its callback thread and its trio
thread (where such a call raises RuntimeError at once: docs/c104-differences.md).

Under load c104's own interrogation now and then returns False (seen once on CI, two cores,
with every thread line as expected). Such a c104 run is run again, up to three times, and the
extra runs are reported; the c104test half gets one run and must match at once.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

try:
    from .sync_support import free_port
    from .test_script_pairs import c104_available
except ImportError:  # rootdir-relative import mode
    from sync_support import free_port  # type: ignore[no-redef]
    from test_script_pairs import c104_available  # type: ignore[no-redef]

PEERS = Path(__file__).parent / "peers"
pytestmark = pytest.mark.timeout(60)

# what c104 2.2.1 printed ("worker": the thread of on_state_change; "receive": that of on_receive)
EXPECTED = """\
STEP gi True
STEP worker is not the receive thread True
STEP thread on_receive_raw worker
STEP thread on_send_raw worker
STEP thread on_unexpected_message worker
STEP thread on_new_station receive
STEP thread on_new_point receive
STEP thread on_receive receive
STEP thread on_station_initialized receive
STEP blocking on_receive_raw returned
STEP blocking on_send_raw returned
STEP blocking on_unexpected_message returned
STEP unexpected after its frame True
"""


def run(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, str(PEERS / "run_server_script.py"), mode, str(PEERS / "callback_threads.py"), str(free_port())],
        capture_output=True, text=True, timeout=40, check=False,
    )
    assert done.returncode == 0, f"{mode}:\n{done.stdout}\n{done.stderr}"
    return "".join(line + "\n" for line in done.stdout.splitlines() if line.startswith("STEP "))


@pytest.mark.parametrize("mode", ["c104test", "c104"])
def test_each_callback_runs_where_c104_runs_it(mode: str) -> None:
    if mode == "c104" and not c104_available():
        pytest.skip("c104 is not installed (a test peer only)")
    if mode == "c104test":
        assert run(mode) == EXPECTED
        return
    outputs = []
    for _ in range(3):
        outputs.append(run(mode))
        if outputs[-1] == EXPECTED:
            break
    if len(outputs) > 1:
        warnings.warn(f"c104 needed {len(outputs)} runs: {[o.splitlines()[0] for o in outputs]}", stacklevel=1)
    assert outputs[-1] == EXPECTED
