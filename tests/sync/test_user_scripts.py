"""c104 scripts of the kinds utilities write, not seen by the other side-by-side tests, run under
c104 2.2.1 and under c104test (``import c104`` bound to c104test by run_server_script.py).

``peers/user_scripts/info_probe.py``: Information constructors with every keyword and their
attributes, Quality and the other flag sets (arithmetic, ``str()``), enums, number types, debug
mode, and a server point's info, value, quality and time tag. No socket.

Each script runs in its own process (c104 is GPLv3). c104test's half runs once and must print
what c104 printed, but for the rows of docs/c104-differences.md pinned here; c104's half is
compared when c104 is installed (in CI it must be).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
