"""The Robot keywords and the Gherkin steps against a scripted broken RTU (tests/faults/scripted_rtu.py):
out-of-order answers and a reset in the middle of a frame get a verdict that says what happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from c104test.bdd.registry import StepFailed
from c104test.bdd.steps import interrogation_is_confirmed_and_terminated
from c104test.engine.errors import LinkDown, NegativeConfirmation
from c104test.keywords import IEC104Library
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.enums import Type
from c104test.sync.bridge import shutdown_bridge

from . import scripted_rtu
from .scripted_rtu import ACT_TERM, CA, HOST, RESET, FaultyRtu, with_cot

faulty_rtu = scripted_rtu.faulty_rtu  # the fixture
TIMEOUT = 1.0


def _library(port: int) -> IEC104Library:
    library = IEC104Library(timeout=timedelta(seconds=TIMEOUT))
    library.run_keyword("Connect To RTU", [HOST, port], {"common_address": CA})
    return library


def test_an_act_term_before_the_act_con_is_named_by_the_keyword_and_the_step(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [ACT_TERM])  # and never an ACT_CON
    library = _library(rtu.port)
    try:
        started = time.monotonic()
        with pytest.raises(NegativeConfirmation) as caught:
            library.run_keyword("Send Interrogation", [], {})
        assert time.monotonic() - started < TIMEOUT  # the ACT_TERM ends it: no wait for a timeout
        text = str(caught.value)
        assert "got no ACT_CON; an ACT_TERM came without one: C_IC_NA_1 ACTIVATION_TERMINATION CA 47" in text
        result = library.run_keyword("Send Interrogation", [], {"expect": "ANY"})
        assert result.positive is None and result.terminated
        with pytest.raises(StepFailed, match="was not confirmed: no ACT_CON; an ACT_TERM came without one"):
            interrogation_is_confirmed_and_terminated(result)
    finally:
        library.release()
        shutdown_bridge()


def test_a_reset_in_the_middle_of_a_frame_names_the_peer_and_the_half_frame(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [("raw", rtu.i_frame(with_cot(asdu, 7))[:9]), ("sleep", 0.1), RESET])
    library = _library(rtu.port)
    try:
        started = time.monotonic()
        with pytest.raises(LinkDown) as caught:
            library.run_keyword("Send Command", [500, "ON", Type.C_SC_NA_1], {})
        assert time.monotonic() - started < TIMEOUT
        assert (caught.value.by, caught.value.cause) == (ClosedBy.PEER, CloseCause.CONNECTION_RESET)
        assert "Connection reset by peer in the middle of an APDU (9 of 16 octets received)" in str(caught.value)
    finally:
        library.release()
        shutdown_bridge()
