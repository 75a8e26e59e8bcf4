"""The link's conformance options that let the simulator play a peer without t1 supervision or
sequence checks (mutants of L09, L10, L16, L17): each changes exactly that rule."""

from __future__ import annotations

from c104test.protocol.apci import encode_i_frame, encode_s_frame
from c104test.protocol.link import Link, LinkClosed, LinkParameters, LinkState, Role

PARAMS = LinkParameters(k=12, w=8, t0=5, t1=2, t2=1, t3=20)
STARTDT_ACT = bytes.fromhex("680407000000")
ASDU = bytes.fromhex("6401060001000000 0014".replace(" ", ""))


def started(**options: bool) -> Link:
    link = Link(Role.CONTROLLED, PARAMS, now=0.0)
    for name, value in options.items():
        setattr(link, name, value)
    link.receive_data(STARTDT_ACT, 0.0)
    link.data_to_send()
    assert link.state is LinkState.STARTED
    return link


def test_wrong_send_sequence_closes_unless_tolerated() -> None:
    strict = started()
    events = strict.receive_data(encode_i_frame(5, 0, ASDU), 1.0)
    assert isinstance(events[-1], LinkClosed) and "sequence error" in events[-1].reason
    lenient = started(tolerate_sequence_errors=True)
    lenient.receive_data(encode_i_frame(5, 0, ASDU), 1.0)
    assert lenient.state is LinkState.STARTED and lenient.vr == 6


def test_acknowledgement_outside_the_window_closes_unless_tolerated() -> None:
    strict = started()
    events = strict.receive_data(encode_s_frame(7), 1.0)
    assert isinstance(events[-1], LinkClosed) and "outside the window" in events[-1].reason
    lenient = started(tolerate_sequence_errors=True)
    lenient.receive_data(encode_s_frame(7), 1.0)
    assert lenient.state is LinkState.STARTED


def test_unacknowledged_frames_close_after_t1_unless_ignored() -> None:
    for ignore, state in ((False, LinkState.CLOSED), (True, LinkState.STARTED)):
        link = started(ignore_t1=ignore)
        link.send_asdu(ASDU, 1.0)
        link.data_to_send()
        assert (link.next_deadline() == 3.0) is not ignore
        link.handle_timeout(10.0)
        assert link.state is state


def test_idle_link_sends_testfr_after_t3_unless_ignored() -> None:
    for ignore, sent in ((False, bytes.fromhex("680443000000")), (True, b"")):
        link = started(ignore_t3=ignore)
        assert (link.next_deadline() is None) is ignore
        link.handle_timeout(25.0)
        assert link.data_to_send() == sent


def test_stopdt_is_confirmed_after_the_acknowledgement_unless_early() -> None:
    for early, con_at_once in ((False, False), (True, True)):
        link = started(early_stop_confirmation=early)
        link.send_asdu(ASDU, 1.0)
        link.data_to_send()
        link.receive_data(bytes.fromhex("680413000000"), 1.5)  # STOPDT act, our I-frame unacknowledged
        assert (link.data_to_send() == bytes.fromhex("680423000000")) is con_at_once
        if not early:
            link.receive_data(encode_s_frame(1), 1.6)
            assert link.data_to_send() == bytes.fromhex("680423000000")
