"""The link's conformance options that let the simulator play a peer without t1 supervision or
sequence checks (mutants of L09, L10, L16, L17), or one that takes I-frames before STARTDT (L03),
ignores k (L13), reads malformed U- and S-frames (R13, R14) or waits for a truncated APDU (R03):
each changes exactly that rule."""

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


def stopped(**options: bool) -> Link:
    link = Link(Role.CONTROLLED, PARAMS, now=0.0)
    for name, value in options.items():
        setattr(link, name, value)
    return link


def test_i_frame_before_startdt_closes_unless_accepted() -> None:
    strict = stopped()
    events = strict.receive_data(encode_i_frame(0, 0, ASDU), 1.0)
    assert isinstance(events[-1], LinkClosed) and "stopped" in events[-1].reason
    lenient = stopped(accept_i_frames_when_stopped=True)
    events = lenient.receive_data(encode_i_frame(0, 0, ASDU), 1.0)
    assert lenient.state is LinkState.STOPPED and [type(e).__name__ for e in events] == ["AsduReceived"]


def test_k_unacknowledged_frames_at_most_unless_k_is_ignored() -> None:
    strict = started()
    for _ in range(12):
        strict.send_asdu(ASDU, 1.0)
    assert not strict.can_send and strict.window_free == 0
    lenient = started(ignore_k=True)
    for _ in range(20):
        lenient.send_asdu(ASDU, 1.0)
    assert lenient.can_send and lenient.unacknowledged == 20


def test_u_frame_with_several_functions_closes_unless_read_by_masks() -> None:
    for octet, answer in ((0x0F, "68040b000000"), (0xFF, "680483000000"), (0x33, "680423000000")):
        frame = bytes((0x68, 0x04, octet, 0, 0, 0))
        strict = stopped()
        events = strict.receive_data(frame, 1.0)
        assert isinstance(events[-1], LinkClosed) and "not exactly one function" in events[-1].reason
        lenient = stopped(lenient_u_frames=True)
        lenient.receive_data(frame, 1.0)
        assert lenient.state is not LinkState.CLOSED and lenient.data_to_send() == bytes.fromhex(answer)
    ignored = stopped(lenient_u_frames=True)  # 0x2B fits no mask: dropped, as lib60870 does
    assert ignored.receive_data(bytes.fromhex("68042b000000"), 1.0) == []
    assert ignored.state is LinkState.STOPPED and not ignored.has_data_to_send


def test_s_frame_with_reserved_bits_closes_unless_lenient() -> None:
    for frame in (bytes.fromhex("680401010000"), bytes.fromhex("680401000100")):
        strict = started()
        assert isinstance(strict.receive_data(frame, 1.0)[-1], LinkClosed)
        lenient = started(lenient_s_frames=True)
        lenient.receive_data(frame, 1.0)
        assert lenient.state is LinkState.STARTED


def test_no_timer_runs_while_a_truncated_apdu_waits_only_with_the_option() -> None:
    for wait, state in ((False, LinkState.CLOSED), (True, LinkState.STARTED)):
        link = started(wait_for_truncated_apdu=wait)
        link.send_asdu(ASDU, 1.0)
        link.data_to_send()
        link.receive_data(bytes.fromhex("680e0000000064"), 1.5)
        assert (link.next_deadline() is None) is wait
        link.handle_timeout(10.0)
        assert link.state is state


def test_take_i_frame_numbers_and_tracks_without_queueing() -> None:
    link = started()
    frame = link.take_i_frame(ASDU, 1.0)
    assert frame == encode_i_frame(0, 0, ASDU) and not link.has_data_to_send
    assert link.vs == 1 and link.unacknowledged == 1 and link.next_deadline() == 3.0
