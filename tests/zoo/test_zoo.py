"""The RTU zoo (tests/zoo/rtus.py) through the product as a utility runs it: the ready Robot suite
(keywords/acceptance.robot), the ready features, ``c104test conformance`` cases with the RTU's own
PICS, and ``c104test monitor``. A conformant RTU that answers differently from the demo RTU passes;
a faulty one fails with a message that names the fault.

Bugs these runs found (each test below fails without its fix):

- a counter read's result counted a spontaneous counter report that came inside it (event_in_gi);
- a broadcast interrogation ended at the first station's ACT_TERM, without the other stations'
  objects (two_stations; ``c104test monitor`` showed 10 of 11 objects);
- A41 failed an RTU whose second CA reuses an IOA of the first (IOAs are per CA);
- a command answered from another CA timed out without saying so.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from c104test.conformance import (
    CASES,
    Verdict,
    parse_pics,
    pics_from_profile,
    run_case,
    select_cases,
)
from c104test.engine.client import open_connection
from c104test.engine.simulator import open_simulator
from c104test.protocol.enums import Cot
from c104test.protocol.station.faults import parse_fault
from c104test.sync.bridge import shutdown_bridge
from tests.keywords.test_suites import cases_of, robot

from .rtus import CONFORMANCE, DEMO, ZOO, ZooRtu, serve

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT / "keywords" / "acceptance.robot"
#: the tests of the suite that start or change simulated RTUs: skipped against an RTU over TCP
SKIPPED_OVER_TCP = 2

select_cases()


def run_acceptance(port: int, outputdir: Path, *tests: str, timeout: str = "5s") -> dict[str, tuple[str, str]]:
    """keywords/acceptance.robot against 127.0.0.1:``port``; test name -> (status, message)."""
    try:
        chosen = {"test": list(tests)} if tests else {}
        variables = ["RTU_HOST:127.0.0.1", f"RTU_PORT:{port}", f"RTU_TIMEOUT:{timeout}"]
        _rc, result = robot(ACCEPTANCE, outputdir=outputdir, variable=variables, **chosen)
    finally:
        shutdown_bridge()
    return {name: (case.status, case.message) for name, case in cases_of(result).items()}


# ---- conformant RTUs pass ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ZOO))
def test_the_acceptance_suite_passes_against_a_conformant_rtu(name: str, tmp_path: Path) -> None:
    with serve(ZOO[name], DEMO) as port:
        verdicts = run_acceptance(port, tmp_path)
    failed = {test: message[:400] for test, (status, message) in verdicts.items() if status == "FAIL"}
    assert not failed, f"{ZOO[name].note}: {failed}"
    statuses = [status for status, _ in verdicts.values()]
    assert statuses.count("SKIP") == SKIPPED_OVER_TCP and statuses.count("PASS") == len(verdicts) - SKIPPED_OVER_TCP


#: the cases each RTU's difference touches; every one passes (or is n/a, naming its PICS item)
CONFORMANT_CASES = {
    "sq1_gi": "A02 A03 A05 A08 A09",
    "small_asdus": "A02 A03 A09 A16",
    "event_in_gi": "A02 A03 A06 A08",
    "no_act_term": "A21 A22 A27 A28",
    "no_ei": "A01 L02",
    "k8_w4": "L11 L12 L13",
    "w1": "L11 L12 A02",
    "two_stations": "A02 A05 A41",
    "invalid_point": "A02 A16",
}
NOT_CLAIMED = {("no_ei", "A01"): "functions.end_of_initialisation"}


def run_cases(rtu: ZooRtu, ids: str) -> dict[str, object]:
    """The cases ``ids`` against ``rtu`` (the conformance RTU's profile) with the PICS of its profile."""
    profile = rtu.profile(CONFORMANCE)
    pics = parse_pics(pics_from_profile(profile), f"{rtu.name}.yaml")

    async def main() -> dict[str, object]:
        async with open_simulator(profile, faults=rtu.faults) as sim:
            assert sim.port is not None
            return {cid: await run_case(CASES[cid], "127.0.0.1", sim.port, pics) for cid in ids.split()}

    return trio.run(main)


@pytest.mark.parametrize("name", sorted(CONFORMANT_CASES))
def test_conformance_cases_pass_against_a_conformant_rtu(name: str) -> None:
    for cid, result in run_cases(ZOO[name], CONFORMANT_CASES[name]).items():
        item = NOT_CLAIMED.get((name, cid))
        if item is not None:
            assert result.verdict is Verdict.NOT_APPLICABLE and item in result.reason, (cid, result.reason)
        else:
            assert result.verdict is Verdict.PASS, f"{name} ({ZOO[name].note}) {cid}: {result.reason}"


def test_the_features_pass_against_a_conformant_rtu_of_many_differences(tmp_path: Path) -> None:
    """One RTU with SQ=1 answers, an event inside them, no ACT_TERM, no M_EI_NA_1, k=8 w=4 and two
    CAs (not OA 0: the conformance feature runs A02, which fails it, below). Its profile (--rtu-profile) says what it leaves out: the scenarios that check
    ACT_TERM and M_EI_NA_1 are n/a, naming the PIXIT item; every other one passes."""
    rtus = [ZOO[n] for n in ("sq1_gi", "event_in_gi", "no_act_term", "no_ei", "k8_w4", "two_stations")]
    combined = ZooRtu("combined", change=lambda p: _changed(p, rtus), faults=tuple(f for r in rtus for f in r.faults))
    demo = (ROOT / "c104test" / "engine" / "demo_rtu.yaml").read_text(encoding="utf-8")
    profile = tmp_path / "rtu.yaml"
    profile.write_text(demo.replace("act_term: true", "act_term: false")
                       .replace("end_of_initialisation: true", "end_of_initialisation: false"), encoding="utf-8")
    with serve(combined, DEMO) as port:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", str(ROOT / "features"), "-q", "-p", "no:cacheprovider",
             "-p", "no:hypothesispytest", "-o", "addopts=", "-rs",
             "--rtu-host", "127.0.0.1", "--rtu-port", str(port), "--rtu-profile", str(profile)],
            capture_output=True, text=True, cwd=ROOT, timeout=90, check=False,
        )
    assert done.returncode == 0, done.stdout[-4000:]
    summary = done.stdout.splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 40 and "failed" not in summary, summary
    assert "n/a: the RTU's PIXIT does not claim end_of_initialisation" in done.stdout, done.stdout[-3000:]
    assert "n/a: the RTU's PIXIT does not claim act_term" in done.stdout


def test_the_conformance_command_passes_a_conformant_rtu_of_many_differences(tmp_path: Path) -> None:
    """``c104test conformance`` with the RTU's PICS file: every case its differences touch passes,
    A01 (no M_EI_NA_1 claimed) is n/a naming the PICS item."""
    rtus = [ZOO[n] for n in ("sq1_gi", "event_in_gi", "no_act_term", "no_ei", "k8_w4", "two_stations")]
    combined = ZooRtu("combined", change=lambda p: _changed(p, rtus), faults=tuple(f for r in rtus for f in r.faults))
    pics = tmp_path / "pics.yaml"
    pics.write_text(pics_from_profile(combined.profile(CONFORMANCE)), encoding="utf-8")
    with serve(combined, CONFORMANCE) as port:
        done = subprocess.run(
            [sys.executable, "-m", "c104test", "conformance", f"127.0.0.1:{port}", "--pics", str(pics),
             "--cases", "A01,A02,A05,A08,A21,A22,A41,L11", "--output", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    document = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    verdicts = {c["id"]: (c["verdict"], c["reason"]) for c in document["cases"]}
    assert verdicts.pop("A01") == ("n/a", "PICS functions.end_of_initialisation is False: not claimed")
    assert {v for v, _ in verdicts.values()} == {"pass"} and len(verdicts) == 7, verdicts


def _changed(profile, rtus):
    for rtu in rtus:
        profile = rtu.change(profile)
    return profile


def test_the_monitor_shows_every_station_of_a_broadcast_interrogation() -> None:
    with serve(ZOO["two_stations"], DEMO) as port:
        done = subprocess.run(
            [sys.executable, "-m", "c104test", "monitor", f"127.0.0.1:{port}", "--once", "--timeout", "5"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "C_IC_NA_1 CA 65535 IOA 0: positive, terminated, 11 objects" in done.stdout, done.stdout
    assert re.search(r"^\s*48\s+1100\s+M_SP_NA_1\s+ON", done.stdout, re.MULTILINE), done.stdout


def test_the_monitor_shows_the_quality_the_rtu_reports() -> None:
    with serve(ZOO["invalid_point"], DEMO) as port:
        done = subprocess.run(
            [sys.executable, "-m", "c104test", "monitor", f"127.0.0.1:{port}", "--once", "-c", "47", "--timeout", "5"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^\s*47\s+100\s+M_SP_NA_1\s+ON\s+IV, NT\s", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^\s*47\s+101\s+M_SP_NA_1\s+OFF\s+good\s", done.stdout, re.MULTILINE), done.stdout


def test_a_broadcast_interrogation_waits_for_every_station() -> None:
    async def main() -> None:
        async with open_simulator(ZOO["two_stations"].profile(DEMO)) as sim, \
                open_connection("127.0.0.1", sim.port) as conn:
            result = await conn.interrogation(0xFFFF)
            assert result.positive and result.terminated
            assert result.termination.common_address == 48  # the last station's ACT_TERM ended it
            assert {(a.common_address, ob.io_address) for a in result.asdus for ob in a.objects} >= {(47, 100), (48, 1100)}
            assert len(result.objects) == 11

    trio.run(main)


def test_a_counter_read_leaves_out_a_spontaneous_report_inside_it() -> None:
    """The spontaneous counter report is an event (in the journal and point database), not part of
    the answer: the read's result holds the two counters once each, with COT 37."""

    async def main() -> None:
        async with open_simulator(DEMO, faults=ZOO["event_in_gi"].faults) as sim, \
                open_connection("127.0.0.1", sim.port) as conn:
            result = await conn.counter_interrogation(47)
            assert result.positive and result.terminated
            assert sorted(ob.io_address for ob in result.objects) == [400, 401]
            assert {int(a.cot) for a in result.asdus} == {int(Cot.REQUESTED_BY_GENERAL_COUNTER)}
            spontaneous = [e for e in conn.journal.since(0) if e.asdu is not None and e.asdu.cot == Cot.SPONTANEOUS]
            assert spontaneous, "the spontaneous report did arrive"

    trio.run(main)


# ---- faulty RTUs fail, naming the fault ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "test", "words"),
    [
        ("drop_objects", "Interrogation Brings Every Point", "should be 10 but is 9"),
        ("no_termination type=C_IC_NA_1", "Interrogation Brings Every Point", "no ACT_TERM for C_IC_NA_1"),
        ("termination_first type=C_IC_NA_1", "Interrogation Brings Every Point", "an ACT_TERM came without one"),
        ("negative_confirmation type=C_SC_NA_1", "Direct Single Command Reports Back", "got a negative ACTIVATION_CON"),
        ("no_return_information", "Direct Single Command Reports Back", "did not report OFF within 1 s"),
        ("wrong_common_address", "Direct Single Command Reports Back",
         "(the RTU answered with CA 48 instead: ACTIVATION_CON)"),
    ],
)
def test_the_acceptance_suite_names_the_fault_of_a_faulty_rtu(fault: str, test: str, words: str, tmp_path: Path) -> None:
    with serve(ZooRtu("faulty", faults=(parse_fault(fault),)), DEMO) as port:
        verdicts = run_acceptance(port, tmp_path, test, timeout="1s")
    status, message = verdicts[test]
    assert status == "FAIL" and words in message, message
    assert "closed" not in message  # the RTU's fault, not a connection the tool lost


def test_conformance_fails_an_rtu_that_answers_with_originator_address_0() -> None:
    """OA 0 in answers passes the acceptance suite (above) but not A02/A41: the standard echoes it."""
    results = run_cases(ZOO["oa_zero"], "A02 A41 A21")
    assert results["A02"].verdict is Verdict.FAIL and "carries OA 0; the request's OA 7 must be echoed" in results["A02"].reason
    assert results["A41"].verdict is Verdict.FAIL and "OA 9 must be echoed" in results["A41"].reason
    assert results["A21"].verdict is Verdict.PASS  # a command with OA 0 has OA 0 echoed
