"""Every master-side check (M01-M13) fails against a master that breaks exactly its rule and passes
against the conformant one (both c104test's engine client, ``masters.py``)."""

from __future__ import annotations

import pytest

from c104test.conformance import PicsError, Verdict, parse_pics
from c104test.conformance.case import CaseFailed, CaseNotApplicable
from c104test.conformance.master_checks import (
    MASTER_CHECKS,
    MasterFrame,
    MasterSession,
    select_master_checks,
)
from c104test.protocol.closing import ClosedBy

from .masters import PICS, PICS_TEXT, Breakage, engine_master, run_checks

pytestmark = pytest.mark.timeout(60)

NEGATIVE_PICS = parse_pics(PICS_TEXT.replace("provoke_negative: false", "provoke_negative: true"), "negative.yaml")

#: The broken master of each check: the conformant script with one option changed.
BROKEN = {
    "M01": Breakage(start=False),
    "M02": Breakage(interrogate=False),
    "M03": Breakage(withhold_acknowledgements=True),
    "M04": Breakage(w=32),
    "M05": Breakage(ignore_test_frames=True),
    "M06": Breakage(ignore_t1=True),
    "M07": Breakage(clock_sync=False),
    "M08": Breakage(select=False),
    "M09": Breakage(await_term=False),
    "M10": Breakage(retry_refused=True),
    "M11": Breakage(close_on_unknown=True),
    "M12": Breakage(tolerate_sequence_errors=True),
    "M13": Breakage(reconnect=False),
}


def test_every_check_has_a_broken_master() -> None:
    assert sorted(BROKEN) == sorted(MASTER_CHECKS)


@pytest.fixture(scope="module")
def conformant() -> dict:
    return run_checks(engine_master())


@pytest.mark.parametrize("check", sorted(MASTER_CHECKS))
def test_conformant_master_passes(check: str, conformant: dict) -> None:
    result = conformant[check]
    if check == "M10":  # needs master.provoke_negative; run apart below
        assert result.verdict is Verdict.NOT_APPLICABLE and "master.provoke_negative" in result.reason
        return
    assert result.verdict is Verdict.PASS, result.reason
    # a pass says who closed what, where the check is about a close (the report's reason column)
    said = {"M06": "the master closed the connection at", "M12": "the master closed the connection",
            "M13": "(the master closed it); the master connected again"}
    assert said.get(check, "") in result.reason, result.reason


def test_a_failure_says_that_c104test_ended_the_connection_not_the_master() -> None:
    """M06 against a master that kept the link after the tool went silent, ended by the tool (M13's drop)."""
    frames = [MasterFrame(0.01, True, bytes.fromhex("680407000000")), MasterFrame(0.02, False, bytes.fromhex("68040b000000")),
              MasterFrame(3.0, True, bytes.fromhex("680443000000"))]
    session = MasterSession(PICS, connected=True, frames=frames, stimuli={"provoke_t1": 2.0}, observed_until=9.0,
                            closed_by=ClosedBy.LOCAL, closed_at=8.0,
                            close_reason="the tool ends the connection: the master must connect again")
    with pytest.raises(CaseFailed) as failed:
        MASTER_CHECKS["M06"].judge(session)
    assert "until c104test closed it at t=8.000 s (the tool ends the connection" in str(failed.value)
    session.closed_by, session.closed_at = ClosedBy.PEER, 3.5
    assert MASTER_CHECKS["M06"].judge(session) == (
        "the tool stopped answering at t=2.000 s; the master closed the connection at t=3.500 s, "
        "0.50 s after its unanswered frame at t=3.000 s")


def test_m08_an_execute_that_differs_from_its_select_fails() -> None:
    """Select ON, execute OFF: the RTU refuses the execute; M08 passed it (the select came first)."""
    result = run_checks(engine_master(Breakage(execute_other_value=True)), "M08")["M08"]
    assert result.verdict is Verdict.FAIL, f"{result.verdict.value} {result.reason}"
    assert "IOA 501" in result.reason and "OFF" in result.reason and "selected ON" in result.reason, result.reason


def test_m09_is_n_a_when_the_simulated_rtu_sends_no_act_term() -> None:
    """With the profile's pixit.act_term false a command ends with its ACT_CON: a master that
    commands the point again after it is right, and M09 (which waited for an ACT_TERM) failed it."""
    from c104test.protocol.asdu import Asdu, encode_asdu
    from c104test.protocol.commands import command_object
    from c104test.protocol.enums import Cot, Type

    def i_frame(ns: int, nr: int, cot: Cot, value: bool) -> bytes:
        body = encode_asdu(Asdu(Type.C_SC_NA_1, cot, 47, (command_object(Type.C_SC_NA_1, 500, value),)))
        return bytes((0x68, len(body) + 4, ns << 1 & 0xFF, ns >> 7, nr << 1 & 0xFF, nr >> 7)) + body

    frames = [MasterFrame(0.01, True, bytes.fromhex("680407000000")), MasterFrame(0.02, False, bytes.fromhex("68040b000000")),
              MasterFrame(0.1, True, i_frame(0, 0, Cot.ACTIVATION, True)), MasterFrame(0.11, False, i_frame(0, 1, Cot.ACTIVATION_CON, True)),
              MasterFrame(0.5, True, i_frame(1, 1, Cot.ACTIVATION, False)), MasterFrame(0.51, False, i_frame(1, 2, Cot.ACTIVATION_CON, False))]
    pics = parse_pics(PICS_TEXT.replace("    - {io_address: 501, type: C_SC_NA_1, value: true, mode: select}\n", ""), "direct.yaml")
    session = MasterSession(pics, connected=True, frames=frames, observed_until=5.0, act_term=False)
    with pytest.raises(CaseNotApplicable, match=r"pixit\.act_term: false"):
        MASTER_CHECKS["M09"].judge(session)
    session.act_term = True  # an RTU that sends ACT_TERM: the second command came before it
    with pytest.raises(CaseFailed, match=r"commanded IOA 500 again at t=0\.500 s, before it ended"):
        MASTER_CHECKS["M09"].judge(session)


def test_m10_conformant_master_passes_when_the_tool_refuses() -> None:
    result = run_checks(engine_master(), "M10", pics=NEGATIVE_PICS)["M10"]
    assert result.verdict is Verdict.PASS, result.reason


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_broken_master_fails(check: str) -> None:
    pics = NEGATIVE_PICS if check == "M10" else None
    result = run_checks(engine_master(BROKEN[check]), check, **({"pics": pics} if pics else {}))[check]
    assert result.verdict is Verdict.FAIL, f"{check}: {result.verdict.value} {result.reason}"
    assert result.reason and result.evidence
    if check == "M10":  # the tool refused 501 with a negative ACT_CON, and 500 as an unknown IOA
        sent = [e.explained for e in result.evidence if e.dir == "sent" and "C_SC_NA_1" in e.explained]
        assert any("ACTIVATION_CON | NEGATIVE" in e and "IOA 501" in e for e in sent), sent
        assert any("UNKNOWN_IOA | NEGATIVE" in e and "IOA 500" in e for e in sent), sent


def test_m07_a_clock_synchronisation_later_than_t1_fails() -> None:
    """M07 judges the time too: 2 s after the interrogation's ACT_TERM is past t1 = 1 s."""
    result = run_checks(engine_master(Breakage(clock_sync_after=2.0)), "M07")["M07"]
    assert result.verdict is Verdict.FAIL, f"{result.verdict.value} {result.reason}"
    assert "after the ACT_TERM of its station interrogation" in result.reason and "t1 = 1 s" in result.reason


def test_m11_is_not_passed_by_an_unknown_type_the_tool_could_not_send() -> None:
    """A master that acknowledges nothing fills the RTU's k window (the burst of M03 fills it): the
    type 22 ASDU is never sent, so M11 cannot be judged (it passed, judging nothing)."""
    pics = parse_pics(PICS_TEXT.replace("clock_sync: true", "clock_sync: false"), "silent.yaml")
    master = engine_master(Breakage(withhold_acknowledgements=True, clock_sync=False, commands=False))
    result = run_checks(master, "M03,M11", pics=pics)["M11"]
    assert result.verdict is Verdict.ERROR, f"{result.verdict.value} {result.reason}"
    assert "k window was full" in result.reason and "12 of its I-frames unacknowledged" in result.reason
    assert not any("unknown" in e.explained for e in result.evidence if e.dir == "sent")


def test_no_master_is_an_error_for_every_check() -> None:
    async def nobody(port: int) -> None:
        return None

    results = run_checks(nobody, wait=0.3)
    assert {r.verdict for r in results.values()} <= {Verdict.ERROR, Verdict.NOT_APPLICABLE}
    assert "no master connected within 0.3 s" in results["M01"].reason


def test_claims_not_made_are_n_a_naming_the_item() -> None:
    text = PICS_TEXT.replace("clock_sync: true", "clock_sync: false").replace("provoke_t1: true", "provoke_t1: false")
    results = run_checks(engine_master(), "M06,M07", pics=parse_pics(text))
    assert results["M06"].verdict is Verdict.NOT_APPLICABLE and "master.provoke_t1" in results["M06"].reason
    assert results["M07"].verdict is Verdict.NOT_APPLICABLE and "master.clock_sync" in results["M07"].reason


def test_selection() -> None:
    assert [c.id for c in select_master_checks("M01,M03-M05")] == ["M01", "M03", "M04", "M05"]
    assert len(select_master_checks("M*")) == len(MASTER_CHECKS)
    with pytest.raises(ValueError, match="'Q1' is no master check: the only series is M"):
        select_master_checks("Q1")


def test_a_port_in_use_is_named(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from c104test.cli import main

    pics = tmp_path / "master.yaml"
    pics.write_text(PICS_TEXT)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["conformance", "--master", "--listen", f"127.0.0.1:{port}", "--pics", str(pics),
                       "--output", str(tmp_path / "out")])
    assert status == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_pics_the_simulated_rtu_cannot_answer_is_refused_before_serving(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CA or command point of the PICS that the simulated RTU lacks (or has of another type or
    mode) would make the RTU refuse the master's requests, and M02, M08 and M09 passed on refusals."""
    from c104test.cli import main
    from c104test.conformance.master import check_master_pics
    from c104test.engine.profile import demo_profile

    def problem(old: str, new: str) -> str:
        with pytest.raises(PicsError) as raised:
            check_master_pics(parse_pics(PICS_TEXT.replace(old, new), "master.yaml"), demo_profile())
        return str(raised.value)

    assert problem("[47]", "[1]") == ("master.yaml:1: rtu.common_addresses: CA 1 is not a station of the profile "
                                      "'c104test demo RTU' (it has CA 47); give the profile of the RTU the master expects (--profile)")
    assert "IOA 501 has command_mode select in the profile, mode direct here" in problem("mode: select", "mode: direct")
    assert "IOA 500 is a C_SC_NA_1 in the profile, not a C_DC_NA_1" in problem(
        "500, type: C_SC_NA_1", "500, type: C_DC_NA_1")
    assert "IOA 999 is not a command point of CA 47" in problem("io_address: 500", "io_address: 999")
    check_master_pics(PICS, demo_profile())  # the demo RTU has what PICS_TEXT names
    pics = tmp_path / "master.yaml"
    pics.write_text(PICS_TEXT.replace("[47]", "[1]"))
    status = main(["conformance", "--master", "--listen", "127.0.0.1:0", "--pics", str(pics), "--output", str(tmp_path / "out")])
    assert status == 2 and "CA 1 is not a station of the profile" in capsys.readouterr().err


def test_a_sequence_error_needs_a_connection_left() -> None:
    # M06 ends the only connection when the master may not be expected to reconnect: M12 is n/a,
    # naming both items; with master.reconnect it runs on the new connection
    text = PICS_TEXT.replace("reconnect: true", "reconnect: false")
    results = run_checks(engine_master(), "M06,M12", pics=parse_pics(text))
    assert results["M06"].verdict is Verdict.PASS, results["M06"].reason
    assert results["M12"].verdict is Verdict.NOT_APPLICABLE
    assert "master.provoke_t1" in results["M12"].reason and "master.reconnect" in results["M12"].reason
    results = run_checks(engine_master(), "M06,M12,M13")
    assert {k: r.verdict for k, r in results.items()} == dict.fromkeys(("M06", "M12", "M13"), Verdict.PASS)
    # the evidence holds both connections: two STARTDT acts from the master
    assert sum(e.explained == "U-Format | StartDT act" and e.dir == "received" for e in results["M13"].evidence) == 2


def test_an_n_a_says_whether_the_pics_left_the_item_out_or_set_it_false() -> None:
    # an omitted optional item is not claimed (pics.py); the reason said "is False" for it too
    frames = [MasterFrame(0.01, True, bytes.fromhex("680407000000")), MasterFrame(0.02, False, bytes.fromhex("68040b000000"))]
    omitted = parse_pics(PICS_TEXT.replace("  clock_sync: true\n", ""), "omitted.yaml")
    with pytest.raises(CaseNotApplicable, match=r"PICS master\.clock_sync is not in the file: not claimed"):
        MASTER_CHECKS["M07"].judge(MasterSession(omitted, connected=True, frames=frames, observed_until=5.0))
    false = parse_pics(PICS_TEXT.replace("  clock_sync: true\n", "  clock_sync: false\n"), "false.yaml")
    with pytest.raises(CaseNotApplicable, match=r"PICS master\.clock_sync is False: not claimed"):
        MASTER_CHECKS["M07"].judge(MasterSession(false, connected=True, frames=frames, observed_until=5.0))
