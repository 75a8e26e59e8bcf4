"""Start Simulated RTU with the station-layer options: max_connections, faults."""

from __future__ import annotations

import pytest

from c104test.engine.errors import CommandTimeout, LinkDown, NegativeConfirmation
from c104test.protocol.enums import Type

from .test_library import CA, HOST, Keywords, kw  # noqa: F401  (kw is a fixture)


def test_max_connections_refuses_the_next_connection(kw: Keywords) -> None:  # noqa: F811
    port = kw("Start Simulated RTU", max_connections=1)
    kw("Connect To RTU", HOST, port, alias="first", common_address=CA)
    with pytest.raises(LinkDown, match="closed by the peer"):  # accepted, then closed at once
        kw("Connect To RTU", HOST, port, alias="second", common_address=CA)
    kw("Switch RTU Connection", "first")
    assert kw("Send Interrogation").positive  # the first is served


def test_faults_make_the_rtu_misbehave(kw: Keywords) -> None:  # noqa: F811
    port = kw("Start Simulated RTU", faults="no_confirmation type=C_IC_NA_1; no_termination type=C_SC_NA_1")
    kw("Connect To RTU", HOST, port, common_address=CA)
    with pytest.raises(NegativeConfirmation, match="got no ACT_CON; an ACT_TERM came without one: C_IC_NA_1 ACTIVATION_TERMINATION"):
        kw("Send Interrogation")
    assert kw("Send Test Command").positive  # outside the fault's scope
    with pytest.raises(CommandTimeout, match="no ACT_TERM for C_SC_NA_1 IOA 500"):
        kw("Send Command", 500, "ON", Type.C_SC_NA_1, act_term="required")  # the PIXIT says it terminates


def test_a_bad_fault_is_an_error(kw: Keywords) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="unknown fault 'nonsense'"):
        kw("Start Simulated RTU", faults="nonsense")


def test_inject_and_clear_faults_at_run_time(kw: Keywords) -> None:  # noqa: F811
    port = kw("Start Simulated RTU")
    kw("Connect To RTU", HOST, port, common_address=CA, act_term="required")  # the demo RTU terminates
    assert kw("Send Command", 500, "ON", Type.C_SC_NA_1).termination is not None
    kw("Inject Fault", "no_termination type=C_SC_NA_1")
    with pytest.raises(CommandTimeout, match="no ACT_TERM"):
        kw("Send Command", 500, "ON", Type.C_SC_NA_1)
    kw("Inject Fault", "withhold_acknowledgements")  # a link fault reaches the open link
    kw("Clear Faults")
    assert kw("Send Command", 500, "OFF", Type.C_SC_NA_1).termination is not None
    with pytest.raises(ValueError, match="unknown fault"):
        kw("Inject Fault", "bogus")


def test_the_simulated_rtu_pics_claims_the_options_it_was_started_with(kw: Keywords, tmp_path) -> None:  # noqa: F811
    from c104test.conformance import load_pics

    kw("Start Simulated RTU", redundancy_group_size=2, max_connections=4)
    pics = load_pics(kw("Write Simulated RTU PICS", str(tmp_path / "pics.yaml")))
    assert pics["connections.redundancy_group_size"] == 2 and pics["connections.max"] == 4
    assert pics["events.kept_while_disconnected"] is True  # a group's buffer outlives its connections
