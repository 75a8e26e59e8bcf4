"""Link state machine: one test per rule of IEC 60870-5-104 section 5 (k, w, t1-t3, STARTDT...).

Time is a plain float; every test asserts the octets the link puts on the wire.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c104test.protocol.apci import (
    Frame,
    IFrame,
    SFrame,
    UFrame,
    UFunction,
    decode_frame,
    encode_i_frame,
    encode_s_frame,
    encode_u_frame,
)
from c104test.protocol.errors import LocalProtocolError
from c104test.protocol.framing import FrameDecoder
from c104test.protocol.link import (
    ACCEPTS_I_FRAMES,
    TRANSITIONS,
    Acknowledged,
    AsduReceived,
    CloseCause,
    ClosedBy,
    DataTransferStarted,
    DataTransferStopped,
    Event,
    FrameReceived,
    Input,
    Link,
    LinkClosed,
    LinkParameters,
    LinkState,
    Role,
    StartRequested,
    StopRequested,
    TestFrameReceived,
    UnexpectedFrame,
)

try:  # tests/ as a package, or rootdir-less "prepend" imports
    from .connection_pair import ConnectionPair
except ImportError:
    from connection_pair import ConnectionPair  # type: ignore[no-redef]

ASDU = bytes.fromhex("64 01 06 00 01 00 00 00 00 14")  # C_IC_NA_1 act, CA 1, QOI 20

STARTDT_ACT = encode_u_frame(UFunction.STARTDT_ACT)
STARTDT_CON = encode_u_frame(UFunction.STARTDT_CON)
STOPDT_ACT = encode_u_frame(UFunction.STOPDT_ACT)
STOPDT_CON = encode_u_frame(UFunction.STOPDT_CON)
TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)


def i_frame(send_seq: int, recv_seq: int, asdu: bytes = ASDU) -> bytes:
    return encode_i_frame(send_seq, recv_seq, asdu)


def s_frame(recv_seq: int) -> bytes:
    return encode_s_frame(recv_seq)


def sent(link: Link) -> list[Frame]:
    """Decode what the link queued for the wire (and drain it)."""
    return [decode_frame(apdu) for apdu in FrameDecoder().feed(link.data_to_send())]


def started(
    role: Role, params: LinkParameters | None = None, now: float = 0.0, **kwargs: int
) -> Link:
    """A link in STARTED with nothing queued."""
    link = Link(role, params, now=now, **kwargs)
    if role is Role.CONTROLLING:
        link.start_data_transfer(now)
        link.receive_data(STARTDT_CON, now)
    else:
        link.receive_data(STARTDT_ACT, now)
    assert link.state is LinkState.STARTED
    link.data_to_send()
    return link


def closed_reason(events: list[Event]) -> str:
    assert events, "no events"
    last = events[-1]
    assert isinstance(last, LinkClosed), events
    return last.reason


# --- parameters -------------------------------------------------------------------------------


def test_parameter_defaults_are_the_standards() -> None:
    params = LinkParameters()
    assert (params.k, params.w, params.t0, params.t1, params.t2, params.t3) == (
        12,
        8,
        30.0,
        15.0,
        10.0,
        20.0,
    )


def test_parameters_allow_fractional_seconds() -> None:
    assert LinkParameters(t1=0.3, t2=0.1, t3=0.5).t2 == 0.1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be an integer in 1..32767, got 0"),
        ({"k": 32768}, "k must be an integer in 1..32767, got 32768"),
        ({"k": 12.0}, "k must be an integer in 1..32767, got 12.0"),
        ({"k": True}, "k must be an integer in 1..32767, got True"),
        ({"w": 0}, "w must be an integer in 1..32767, got 0"),
        ({"k": 4, "w": 5}, r"w \(5\) must not exceed k \(4\)"),
        ({"t1": 10, "t2": 10}, r"t2 \(10 s\) must be less than t1 \(10 s\)"),
        ({"t1": 5}, r"t2 \(10 s\) must be less than t1 \(5 s\)"),
        ({"t0": 0}, "t0 must be a positive number of seconds, got 0"),
        ({"t3": -1}, "t3 must be a positive number of seconds, got -1"),
        ({"t1": float("nan")}, "t1 must be a positive number of seconds, got nan"),
        ({"t3": float("inf")}, "t3 must be a positive number of seconds, got inf"),
        ({"t3": "20"}, "t3 must be a positive number of seconds, got '20'"),
    ],
)
def test_parameter_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LinkParameters(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"initial_send_seq": 32768}, {"initial_recv_seq": -1}])
def test_initial_sequence_numbers_are_checked(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"must be in 0\.\.32767"):
        Link(Role.CONTROLLING, **kwargs)


# --- the transition table ---------------------------------------------------------------------


def test_table_never_leaves_closed_and_closes_from_everywhere() -> None:
    assert not [key for key in TRANSITIONS if key[0] is LinkState.CLOSED]
    for state in LinkState:
        if state is not LinkState.CLOSED:
            assert TRANSITIONS[(state, Input.CLOSE)] is LinkState.CLOSED


def test_only_the_controlled_station_refuses_i_frames_before_startdt() -> None:
    assert LinkState.STOPPED not in ACCEPTS_I_FRAMES[Role.CONTROLLED]
    assert LinkState.STOPPED in ACCEPTS_I_FRAMES[Role.CONTROLLING]


# --- STARTDT ----------------------------------------------------------------------------------


def test_controlling_startdt() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    assert not link.can_send
    link.start_data_transfer(0.0)
    assert link.data_to_send() == bytes.fromhex("68 04 07 00 00 00")
    assert link.state is LinkState.PENDING_START
    assert link.awaiting_confirmation == {UFunction.STARTDT_ACT}
    assert not link.can_send
    assert link.receive_data(STARTDT_CON, 1.0) == [DataTransferStarted()]
    assert link.state is LinkState.STARTED
    assert link.awaiting_confirmation == frozenset()
    assert link.can_send
    assert link.data_to_send() == b""


def test_controlled_answers_startdt_even_when_started() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    assert link.receive_data(STARTDT_ACT, 1.0) == [StartRequested(), DataTransferStarted()]
    assert link.data_to_send() == bytes.fromhex("68 04 0b 00 00 00")
    assert link.receive_data(STARTDT_ACT, 2.0) == [StartRequested()]
    assert link.data_to_send() == STARTDT_CON
    assert link.state is LinkState.STARTED


def test_controlling_station_answers_startdt_too() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    assert link.receive_data(STARTDT_ACT, 1.0) == [StartRequested(), DataTransferStarted()]
    assert link.data_to_send() == STARTDT_CON


def test_startdt_twice_is_a_local_error() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    link.start_data_transfer(0.0)
    with pytest.raises(
        LocalProtocolError, match="cannot start data transfer in state PENDING_START"
    ):
        link.start_data_transfer(0.0)


def test_unexpected_con_is_reported_and_ignored() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    events = link.receive_data(STARTDT_CON + TESTFR_CON + STOPDT_CON, 1.0)
    assert events == [
        UnexpectedFrame(UFrame(UFunction.STARTDT_CON), "STARTDT con without STARTDT act"),
        UnexpectedFrame(UFrame(UFunction.TESTFR_CON), "TESTFR con without TESTFR act"),
        UnexpectedFrame(UFrame(UFunction.STOPDT_CON), "STOPDT con without STOPDT act"),
    ]
    assert link.state is LinkState.STOPPED
    assert link.data_to_send() == b""


def test_send_asdu_needs_started() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    with pytest.raises(LocalProtocolError, match="state STOPPED: data transfer is not started"):
        link.send_asdu(ASDU, 0.0)
    assert link.data_to_send() == b""


# --- STOPDT -----------------------------------------------------------------------------------


def test_controlled_stopdt_with_nothing_outstanding_confirms_at_once() -> None:
    link = started(Role.CONTROLLED)
    assert link.receive_data(STOPDT_ACT, 1.0) == [StopRequested(), DataTransferStopped()]
    assert link.data_to_send() == bytes.fromhex("68 04 23 00 00 00")
    assert link.state is LinkState.STOPPED
    with pytest.raises(LocalProtocolError):
        link.send_asdu(ASDU, 1.0)


def test_controlled_stopdt_acknowledges_received_frames_first() -> None:
    link = started(Role.CONTROLLED)
    link.receive_data(i_frame(0, 0), 1.0)
    link.receive_data(STOPDT_ACT, 1.0)
    assert sent(link) == [SFrame(1), UFrame(UFunction.STOPDT_CON)]


def test_controlled_stopdt_waits_until_own_frames_are_acknowledged() -> None:
    link = started(Role.CONTROLLED)
    for _ in range(3):
        link.send_asdu(ASDU, 0.0)
    link.data_to_send()
    assert link.receive_data(STOPDT_ACT, 1.0) == [StopRequested()]
    assert link.data_to_send() == b""  # no con while our frames are unacknowledged
    assert link.state is LinkState.PENDING_STOP
    assert not link.can_send
    with pytest.raises(LocalProtocolError, match="PENDING_STOP"):
        link.send_asdu(ASDU, 1.0)
    assert link.receive_data(s_frame(2), 2.0) == [Acknowledged(2)]
    assert link.data_to_send() == b""
    assert link.receive_data(s_frame(3), 3.0) == [Acknowledged(1), DataTransferStopped()]
    assert link.data_to_send() == STOPDT_CON
    assert link.state is LinkState.STOPPED


def test_controlled_stop_pending_still_runs_t1() -> None:
    link = started(Role.CONTROLLED)
    link.send_asdu(ASDU, 0.0)
    link.receive_data(STOPDT_ACT, 1.0)
    assert link.next_deadline() == 15.0
    assert "t1 expired" in closed_reason(link.handle_timeout(15.0))


def test_stopdt_act_while_stopped_is_confirmed() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    assert link.receive_data(STOPDT_ACT, 1.0) == [StopRequested()]
    assert link.data_to_send() == STOPDT_CON
    assert link.state is LinkState.STOPPED


def test_controlling_stopdt_waits_for_con_and_acknowledges_meanwhile() -> None:
    link = started(Role.CONTROLLING)
    link.send_asdu(ASDU, 0.0)
    link.receive_data(i_frame(0, 0), 0.5)
    link.data_to_send()
    link.stop_data_transfer(1.0)
    # Acknowledge what we received, then ask to stop.
    assert sent(link) == [SFrame(1), UFrame(UFunction.STOPDT_ACT)]
    assert link.state is LinkState.PENDING_STOP
    assert not link.can_send
    with pytest.raises(LocalProtocolError):
        link.send_asdu(ASDU, 1.0)
    # The RTU flushes its last I-frames; each batch is acknowledged at once, not after w or t2.
    assert link.receive_data(i_frame(1, 1) + i_frame(2, 1), 2.0) == [
        Acknowledged(1),
        AsduReceived(ASDU, 1, 1),
        AsduReceived(ASDU, 2, 1),
    ]
    assert sent(link) == [SFrame(3)]
    assert link.receive_data(STOPDT_CON, 3.0) == [DataTransferStopped()]
    assert link.state is LinkState.STOPPED
    assert link.awaiting_confirmation == frozenset()


def test_stopdt_con_missing_closes_after_t1() -> None:
    link = started(Role.CONTROLLING)
    link.stop_data_transfer(1.0)
    assert link.next_deadline() == 16.0
    assert closed_reason(link.handle_timeout(16.0)) == (
        "t1 expired: no STOPDT con within 15 s of STOPDT act"
    )


def test_stop_when_stopped_is_a_local_error() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    with pytest.raises(LocalProtocolError, match="cannot stop data transfer in state STOPPED"):
        link.stop_data_transfer(0.0)


def test_startdt_act_cancels_a_pending_stop() -> None:
    link = started(Role.CONTROLLED)
    link.send_asdu(ASDU, 0.0)
    link.receive_data(STOPDT_ACT, 1.0)
    link.data_to_send()
    assert link.receive_data(STARTDT_ACT, 2.0) == [StartRequested(), DataTransferStarted()]
    assert link.receive_data(s_frame(1), 3.0) == [Acknowledged(1)]
    assert link.data_to_send() == STARTDT_CON  # and no STOPDT con any more
    assert link.state is LinkState.STARTED


def test_both_ends_stop_at_once() -> None:
    link = started(Role.CONTROLLING)
    link.stop_data_transfer(0.0)
    link.data_to_send()
    assert link.receive_data(STOPDT_ACT, 1.0) == [StopRequested(), DataTransferStopped()]
    assert link.data_to_send() == STOPDT_CON
    assert link.receive_data(STOPDT_CON, 1.5) == []
    assert link.state is LinkState.STOPPED
    assert link.awaiting_confirmation == frozenset()


# --- numbering --------------------------------------------------------------------------------


def test_i_frames_are_numbered_and_carry_v_r() -> None:
    link = started(Role.CONTROLLING)
    assert link.send_asdu(ASDU, 0.0) == 0
    assert link.send_asdu(ASDU, 0.0) == 1
    assert link.data_to_send() == i_frame(0, 0) + i_frame(1, 0)
    assert link.receive_data(i_frame(0, 1) + i_frame(1, 2), 1.0) == [
        Acknowledged(1),
        AsduReceived(ASDU, 0, 1),
        Acknowledged(1),
        AsduReceived(ASDU, 1, 2),
    ]
    assert (link.vs, link.vr, link.unacknowledged, link.pending_acks) == (2, 2, 0, 2)
    link.send_asdu(ASDU, 2.0)
    # The I-frame's N(R)=2 acknowledges both received frames: nothing left for t2.
    assert link.data_to_send() == bytes.fromhex("68 0e 04 00 04 00") + ASDU
    assert link.pending_acks == 0
    assert link.handle_timeout(12.0) == []
    assert link.data_to_send() == b""


def test_apdus_to_send_lists_each_apdu() -> None:
    link = started(Role.CONTROLLING)
    link.send_asdu(ASDU, 0.0)
    link.send_test_frame(0.0)
    assert link.apdus_to_send() == [i_frame(0, 0), TESTFR_ACT]
    assert link.apdus_to_send() == []
    assert link.data_to_send() == b""


def test_asdu_size_is_checked() -> None:
    link = started(Role.CONTROLLING)
    with pytest.raises(LocalProtocolError, match="ASDU of 0 octets"):
        link.send_asdu(b"", 0.0)
    with pytest.raises(LocalProtocolError, match="ASDU of 250 octets"):
        link.send_asdu(bytes(250), 0.0)
    assert link.vs == 0
    assert link.data_to_send() == b""


def test_sequence_error_closes() -> None:
    link = started(Role.CONTROLLED)
    events = link.receive_data(i_frame(0, 0) + i_frame(2, 0) + i_frame(3, 0), 1.0)
    assert events == [
        AsduReceived(ASDU, 0, 0),
        LinkClosed("sequence error: received N(S)=2, expected 1", CloseCause.PROTOCOL_VIOLATION, ClosedBy.LOCAL, i_frame(2, 0)),
    ]
    assert link.state is LinkState.CLOSED
    assert link.close_reason == "sequence error: received N(S)=2, expected 1"


def test_repeated_n_s_closes() -> None:
    link = started(Role.CONTROLLED)
    link.receive_data(i_frame(0, 0), 1.0)
    assert closed_reason(link.receive_data(i_frame(0, 0), 2.0)) == (
        "sequence error: received N(S)=0, expected 1"
    )


def test_n_r_inside_window_acknowledges_and_reack_is_accepted() -> None:
    link = started(Role.CONTROLLING)
    for _ in range(3):
        link.send_asdu(ASDU, 0.0)
    assert link.receive_data(s_frame(0), 1.0) == []  # the last acknowledged value again
    assert link.receive_data(s_frame(2), 1.0) == [Acknowledged(2)]
    assert link.receive_data(s_frame(2), 1.0) == []
    assert link.unacknowledged == 1
    assert link.state is LinkState.STARTED


@pytest.mark.parametrize(
    ("acked", "n_r", "reason"),
    [
        (0, 4, "N(R)=4 outside the window 0..3"),
        (2, 1, "N(R)=1 outside the window 2..3"),
        (3, 2, "N(R)=2 outside the window 3 (nothing unacknowledged)"),
        (3, 4, "N(R)=4 outside the window 3 (nothing unacknowledged)"),
    ],
)
def test_n_r_outside_window_closes(acked: int, n_r: int, reason: str) -> None:
    link = started(Role.CONTROLLING)
    for _ in range(3):
        link.send_asdu(ASDU, 0.0)
    if acked:
        link.receive_data(s_frame(acked), 0.5)
    link.data_to_send()
    assert link.receive_data(s_frame(n_r), 1.0) == [LinkClosed(reason, CloseCause.PROTOCOL_VIOLATION, frame=s_frame(n_r))]
    # Also when the bad N(R) rides on an I-frame, which is then not delivered.
    link = started(Role.CONTROLLING)
    for _ in range(3):
        link.send_asdu(ASDU, 0.0)
    if acked:
        link.receive_data(s_frame(acked), 0.5)
    assert link.receive_data(i_frame(0, n_r), 1.0) == [
        LinkClosed(reason, CloseCause.PROTOCOL_VIOLATION, frame=i_frame(0, n_r))
    ]


def test_i_frame_while_stopped_closes_the_controlled_station() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    events = link.receive_data(i_frame(0, 0), 1.0)
    assert events == [
        LinkClosed("I-frame received while data transfer is stopped", CloseCause.PROTOCOL_VIOLATION, frame=i_frame(0, 0))
    ]
    assert link.data_to_send() == b""  # nothing was acknowledged


def test_i_frame_while_stopped_is_accepted_by_the_controlling_station() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    assert link.receive_data(i_frame(0, 0), 1.0) == [AsduReceived(ASDU, 0, 0)]
    assert link.vr == 1


# --- k and w ----------------------------------------------------------------------------------


def test_k_limits_unacknowledged_i_frames() -> None:
    link = started(Role.CONTROLLED, LinkParameters(k=3, w=2))
    for n in range(3):
        assert link.window_free == 3 - n
        assert link.can_send
        link.send_asdu(ASDU, 0.0)
    assert link.window_free == 0
    assert not link.can_send
    with pytest.raises(
        LocalProtocolError, match=r"k window full: 3 I-frames unacknowledged \(k=3\)"
    ):
        link.send_asdu(ASDU, 0.0)
    assert link.data_to_send() == i_frame(0, 0) + i_frame(1, 0) + i_frame(2, 0)
    assert link.receive_data(s_frame(2), 1.0) == [Acknowledged(2)]
    assert link.window_free == 2
    assert link.can_send
    link.send_asdu(ASDU, 1.0)
    assert link.data_to_send() == i_frame(3, 0)


def test_w_triggers_an_s_frame() -> None:
    link = started(Role.CONTROLLED, LinkParameters(k=5, w=3))
    link.receive_data(i_frame(0, 0) + i_frame(1, 0), 1.0)
    assert link.data_to_send() == b""
    assert link.pending_acks == 2
    link.receive_data(i_frame(2, 0), 1.0)
    assert link.data_to_send() == bytes.fromhex("68 04 01 00 06 00")  # S(3)
    assert link.pending_acks == 0


def test_w_is_counted_frame_by_frame_within_one_read() -> None:
    link = started(Role.CONTROLLED, LinkParameters(k=5, w=3))
    link.receive_data(b"".join(i_frame(n, 0) for n in range(7)), 1.0)
    assert sent(link) == [SFrame(3), SFrame(6)]
    assert link.pending_acks == 1


# --- timers -----------------------------------------------------------------------------------


def test_t2_sends_an_s_frame_when_fewer_than_w_arrived() -> None:
    link = started(Role.CONTROLLED)
    link.receive_data(i_frame(0, 0), 1.0)
    link.receive_data(i_frame(1, 0), 3.0)  # t2 runs from the first unacknowledged frame
    assert link.next_deadline() == 11.0
    assert link.handle_timeout(10.9) == []
    assert link.data_to_send() == b""
    assert link.handle_timeout(11.0) == []
    assert link.data_to_send() == s_frame(2)
    assert link.next_deadline() == 23.0  # only t3 from the last received frame remains


def test_t2_is_cancelled_by_an_own_i_frame() -> None:
    link = started(Role.CONTROLLED)
    link.receive_data(i_frame(0, 0), 1.0)
    link.send_asdu(ASDU, 2.0)
    assert link.data_to_send() == i_frame(0, 1)
    link.receive_data(s_frame(1), 3.0)
    link.handle_timeout(11.0)
    assert link.data_to_send() == b""


def test_t1_closes_when_an_i_frame_is_not_acknowledged() -> None:
    link = started(Role.CONTROLLING)
    link.send_asdu(ASDU, 1.0)
    link.send_asdu(ASDU, 4.0)
    link.receive_data(TESTFR_CON, 5.0)  # other traffic does not help
    assert link.next_deadline() == 16.0
    assert link.handle_timeout(15.9) == []
    assert link.receive_data(s_frame(1), 15.9) == [Acknowledged(1)]
    assert link.next_deadline() == 19.0  # now t1 runs for N(S)=1, sent at 4.0
    events = link.handle_timeout(19.0)
    assert events == [LinkClosed("t1 expired: I-frame N(S)=1 not acknowledged within 15 s", CloseCause.T1_EXPIRED)]
    assert link.state is LinkState.CLOSED
    assert link.unacknowledged == 1  # for the engine to re-queue


def test_t1_closes_when_startdt_con_is_missing() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    link.start_data_transfer(2.0)
    assert link.next_deadline() == 17.0
    assert link.handle_timeout(16.99) == []
    events = link.handle_timeout(17.0)
    assert events == [LinkClosed("t1 expired: no STARTDT con within 15 s of STARTDT act", CloseCause.T1_EXPIRED)]
    assert link.next_deadline() is None


def test_t3_sends_testfr_after_silence_and_t1_watches_its_con() -> None:
    link = Link(Role.CONTROLLING, now=0.0)
    assert link.next_deadline() == 20.0
    link.receive_data(TESTFR_ACT, 5.0)  # any received frame restarts t3
    assert link.data_to_send() == TESTFR_CON
    assert link.next_deadline() == 25.0
    assert link.handle_timeout(25.0) == []
    assert link.data_to_send() == bytes.fromhex("68 04 43 00 00 00")
    assert link.next_deadline() == 40.0  # t1 for the TESTFR con
    assert link.receive_data(TESTFR_CON, 30.0) == [TestFrameReceived(con=True)]
    assert link.next_deadline() == 50.0
    assert link.handle_timeout(50.0) == []
    assert link.data_to_send() == TESTFR_ACT
    events = link.handle_timeout(65.0)
    assert events == [LinkClosed("t1 expired: no TESTFR con within 15 s of TESTFR act", CloseCause.T1_EXPIRED)]


def test_t3_restarts_on_every_received_octet_not_only_on_whole_frames() -> None:
    """A slow peer part-way through an APDU is not idle (104 5.2: "no data transmissions"): a
    TESTFR act then could be answered only after the APDU, perhaps later than t1."""
    link = Link(Role.CONTROLLING, now=0.0)
    apdu = TESTFR_ACT
    for at, octet in enumerate(apdu[:-1], start=1):
        assert link.receive_data(bytes((octet,)), 15.0 * at) == []
        assert link.next_deadline() == 15.0 * at + 20.0
    assert link.handle_timeout(15.0 * len(apdu)) == [] and link.data_to_send() == b""
    assert link.receive_data(apdu[-1:], 90.0) == [TestFrameReceived(con=False)]
    assert link.next_deadline() == 110.0


def test_t3_sends_only_one_testfr_while_its_con_is_outstanding() -> None:
    link = Link(Role.CONTROLLED, LinkParameters(t1=30.0, t2=10.0, t3=5.0), now=0.0)
    link.handle_timeout(5.0)
    link.handle_timeout(10.0)
    link.handle_timeout(15.0)
    assert sent(link) == [UFrame(UFunction.TESTFR_ACT)]
    assert "no TESTFR con" in closed_reason(link.handle_timeout(35.0))


def test_t3_starts_at_the_first_call_without_a_connect_time() -> None:
    link = Link(Role.CONTROLLED)
    assert link.next_deadline() is None
    assert link.handle_timeout(100.0) == []
    assert link.next_deadline() == 120.0


def test_testfr_is_answered_in_any_state_without_touching_counters() -> None:
    for link in (Link(Role.CONTROLLED, now=0.0), started(Role.CONTROLLED)):
        assert link.receive_data(TESTFR_ACT, 1.0) == [TestFrameReceived(con=False)]
        assert link.data_to_send() == bytes.fromhex("68 04 83 00 00 00")
        assert (link.vs, link.vr, link.pending_acks) == (0, 0, 0)


def test_send_test_frame_on_request() -> None:
    link = started(Role.CONTROLLING)
    link.send_test_frame(1.0)
    link.send_test_frame(2.0)
    assert link.data_to_send() == TESTFR_ACT + TESTFR_ACT
    assert link.next_deadline() == 16.0  # t1 from the first unanswered act


# --- wrap-around ------------------------------------------------------------------------------


def test_sequence_numbers_wrap_at_32768() -> None:
    link = started(Role.CONTROLLING, initial_send_seq=32766, initial_recv_seq=32767)
    assert [link.send_asdu(ASDU, 0.0) for _ in range(3)] == [32766, 32767, 0]
    assert link.data_to_send() == b"".join(i_frame(ns, 32767) for ns in (32766, 32767, 0))
    assert link.vs == 1
    # N(R)=32767 acknowledges one frame, N(R)=1 the two across the wrap.
    assert link.receive_data(i_frame(32767, 32767), 1.0) == [
        Acknowledged(1),
        AsduReceived(ASDU, 32767, 32767),
    ]
    assert link.receive_data(i_frame(0, 1), 1.0) == [Acknowledged(2), AsduReceived(ASDU, 0, 1)]
    assert (link.vs, link.vr, link.unacknowledged) == (1, 1, 0)
    link.handle_timeout(11.0)
    assert link.data_to_send() == s_frame(1)


def test_n_r_window_check_across_the_wrap() -> None:
    link = started(Role.CONTROLLING, initial_send_seq=32766)
    link.send_asdu(ASDU, 0.0)
    link.send_asdu(ASDU, 0.0)
    assert closed_reason(link.receive_data(s_frame(1), 1.0)) == (
        "N(R)=1 outside the window 32766..0"
    )


# --- malformed input --------------------------------------------------------------------------


def test_bad_start_octet_closes_after_the_good_frames() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    events = link.receive_data(TESTFR_ACT + bytes.fromhex("12 04 07 00 00 00"), 1.0)
    assert events == [
        TestFrameReceived(con=False),
        LinkClosed(
            "start octet 0x12 is not 0x68 (at byte 6)", CloseCause.PROTOCOL_VIOLATION, frame=bytes.fromhex("12 04 07 00 00 00")
        ),
    ]
    assert link.data_to_send() == TESTFR_CON
    assert link.receive_data(TESTFR_ACT, 2.0) == []


def test_bad_length_closes() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    assert link.receive_data(b"\x68", 1.0) == []
    assert link.receive_data(b"\x02", 1.0) == [
        LinkClosed("APDU length 2 outside 4..253 (at byte 1)", CloseCause.PROTOCOL_VIOLATION, frame=b"\x68\x02")
    ]


def test_malformed_control_field_closes_with_stream_offset() -> None:
    link = Link(Role.CONTROLLED, now=0.0)
    link.receive_data(TESTFR_ACT, 1.0)
    events = link.receive_data(TESTFR_ACT + bytes.fromhex("68 04 0f 00 00 00"), 2.0)
    assert events == [
        TestFrameReceived(con=False),
        LinkClosed(
            "U-frame octet 3 0x0f is not exactly one function (at byte 14) "
            "in APDU 68 04 0f 00 00 00",
            CloseCause.PROTOCOL_VIOLATION,
            frame=bytes.fromhex("68 04 0f 00 00 00"),
        ),
    ]


@pytest.mark.parametrize(
    ("apdu", "reason"),
    [
        ("68 04 00 00 00 00", "I-frame without ASDU"),
        ("68 05 00 00 01 00 99", "I-frame octet 5 has reserved bit 0 set"),
        ("68 04 01 01 00 00", "S-frame octet 4 is 0x01, not 0x00"),
        ("68 04 ff 00 00 00", "U-frame octet 3 0xff is not exactly one function"),
    ],
)
def test_malformed_frames_close(apdu: str, reason: str) -> None:
    link = started(Role.CONTROLLED)
    assert closed_reason(link.receive_data(bytes.fromhex(apdu), 1.0)).startswith(reason)


@settings(max_examples=300)
@given(st.binary(max_size=200), st.sampled_from(Role))
def test_arbitrary_bytes_never_raise(data: bytes, role: Role) -> None:
    link = started(role)
    events = link.receive_data(data, 1.0)
    assert all(not isinstance(event, LinkClosed) for event in events[:-1])
    link.handle_timeout(100.0)


# --- closing ----------------------------------------------------------------------------------


def test_close_acknowledges_first_and_then_refuses_everything() -> None:
    link = started(Role.CONTROLLING)
    link.receive_data(i_frame(0, 0), 1.0)
    link.close("operator")
    assert link.data_to_send() == s_frame(1)
    assert link.state is LinkState.CLOSED
    assert link.close_reason == "operator"
    assert link.next_deadline() is None
    assert link.receive_data(i_frame(1, 0), 2.0) == []
    assert link.handle_timeout(100.0) == []
    for action in (
        lambda: link.send_asdu(ASDU, 2.0),
        lambda: link.start_data_transfer(2.0),
        lambda: link.send_test_frame(2.0),
        lambda: link.send_raw(TESTFR_ACT),
        lambda: link.send_acknowledgement(),
    ):
        with pytest.raises(LocalProtocolError, match=r"closed|CLOSED"):
            action()
    link.close("again")  # harmless
    assert link.close_reason == "operator"
    assert link.data_to_send() == b""


# --- deliberate misbehaviour ------------------------------------------------------------------


def test_send_raw_queues_octets_as_given() -> None:
    link = started(Role.CONTROLLING)
    link.send_asdu(ASDU, 0.0)
    link.send_raw(bytes.fromhex("68 0e 00 00"))  # a truncated APDU
    link.send_raw(bytearray(b"\x69"))
    assert link.data_to_send() == i_frame(0, 0) + bytes.fromhex("68 0e 00 00 69")
    assert (link.vs, link.unacknowledged, link.state) == (1, 1, LinkState.STARTED)


def test_send_asdu_with_a_chosen_n_s_leaves_the_counters_alone() -> None:
    link = started(Role.CONTROLLING)
    assert link.send_asdu(ASDU, 0.0, send_seq=5) == 5
    assert link.data_to_send() == i_frame(5, 0)
    assert (link.vs, link.unacknowledged) == (0, 0)
    assert link.next_deadline() == 20.0  # no t1 for the untracked frame
    assert link.send_asdu(ASDU, 0.0) == 0


def test_send_asdu_with_a_chosen_n_r_acknowledges_nothing() -> None:
    link = started(Role.CONTROLLING)
    link.receive_data(i_frame(0, 0), 1.0)
    link.send_asdu(ASDU, 2.0, recv_seq=7)
    assert link.data_to_send() == i_frame(0, 7)
    assert link.pending_acks == 1
    assert link.unacknowledged == 1
    link.handle_timeout(11.0)
    assert link.data_to_send() == s_frame(1)


def test_chosen_sequence_numbers_are_range_checked() -> None:
    link = started(Role.CONTROLLING)
    with pytest.raises(LocalProtocolError, match=r"N\(S\)=32768 outside 0..32767"):
        link.send_asdu(ASDU, 0.0, send_seq=32768)
    with pytest.raises(LocalProtocolError, match=r"N\(R\)=-1 outside 0..32767"):
        link.send_asdu(ASDU, 0.0, recv_seq=-1)
    assert link.data_to_send() == b""


def test_force_sends_before_startdt_and_beyond_k() -> None:
    link = Link(Role.CONTROLLING, LinkParameters(k=1, w=1), now=0.0)
    link.send_asdu(ASDU, 0.0, force=True)  # conformance case L03
    link.send_asdu(ASDU, 0.0, force=True)  # conformance case L13
    assert link.data_to_send() == i_frame(0, 0) + i_frame(1, 0)
    assert link.unacknowledged == 2
    assert link.receive_data(s_frame(2), 1.0) == [Acknowledged(2)]


def test_withhold_acknowledgements() -> None:
    link = started(Role.CONTROLLING, LinkParameters(k=4, w=2))
    link.withhold_acknowledgements = True
    link.receive_data(b"".join(i_frame(n, 0) for n in range(3)), 1.0)
    assert link.next_deadline() == 21.0  # t3 only: t2 would fire for nothing
    link.handle_timeout(11.0)
    link.stop_data_transfer(12.0)
    assert link.data_to_send() == STOPDT_ACT  # no S-frame for w, t2 or STOPDT
    assert link.pending_acks == 3
    link.send_acknowledgement()  # the explicit acknowledgement still goes out
    assert link.data_to_send() == s_frame(3)
    assert link.pending_acks == 0
    link.send_acknowledgement(recv_seq=1)
    assert link.data_to_send() == s_frame(1)
    link.receive_data(i_frame(3, 0), 13.0)
    link.close()
    assert link.data_to_send() == b""


def test_withheld_acknowledgements_still_ride_on_i_frames() -> None:
    link = started(Role.CONTROLLING)
    link.withhold_acknowledgements = True
    link.receive_data(i_frame(0, 0), 1.0)
    link.send_asdu(ASDU, 2.0)
    assert link.data_to_send() == i_frame(0, 1)


def test_a_peer_that_never_acknowledges_keeps_n_r_on_i_frames() -> None:
    link = started(Role.CONTROLLED)
    link.withhold_acknowledgements = True
    link.acknowledge_in_i_frames = False
    link.receive_data(i_frame(0, 0) + i_frame(1, 0), 1.0)
    link.send_asdu(ASDU, 2.0)
    assert link.data_to_send() == i_frame(0, 0)  # N(R)=0: the two frames stay unacknowledged
    assert link.pending_acks == 2
    link.send_acknowledgement()
    link.send_asdu(ASDU, 3.0)
    assert link.data_to_send() == s_frame(2) + i_frame(1, 2)


def test_releasing_withheld_acknowledgements_lets_t2_fire() -> None:
    link = started(Role.CONTROLLED)
    link.withhold_acknowledgements = True
    link.receive_data(i_frame(0, 0), 1.0)
    link.handle_timeout(11.0)
    assert link.data_to_send() == b""
    link.withhold_acknowledgements = False
    assert link.next_deadline() == 11.0
    link.handle_timeout(12.0)
    assert link.data_to_send() == s_frame(1)


def test_ignore_test_frames() -> None:
    link = started(Role.CONTROLLED)
    link.ignore_test_frames = True
    assert link.receive_data(TESTFR_ACT, 1.0) == [TestFrameReceived(con=False)]
    assert link.data_to_send() == b""
    link.handle_timeout(21.0)  # our own supervision keeps working
    assert link.data_to_send() == TESTFR_ACT


def test_report_frames_gives_every_apdu_first() -> None:
    link = started(Role.CONTROLLED)
    link.report_frames = True
    data = i_frame(0, 0) + TESTFR_ACT + s_frame(0)
    assert link.receive_data(data, 1.0) == [
        FrameReceived(i_frame(0, 0), IFrame(0, 0, ASDU)),
        AsduReceived(ASDU, 0, 0),
        FrameReceived(TESTFR_ACT, UFrame(UFunction.TESTFR_ACT)),
        TestFrameReceived(con=False),
        FrameReceived(s_frame(0), SFrame(0)),
    ]
    assert link.data_to_send() == TESTFR_CON


# --- two links on a fake wire -----------------------------------------------------------------


def test_pair_start_and_stop() -> None:
    pair = ConnectionPair()
    pair.start()
    assert pair.take_events(pair.client) == [DataTransferStarted()]
    assert pair.take_events(pair.server) == [StartRequested(), DataTransferStarted()]
    pair.server.send_asdu(ASDU, pair.now)
    pair.client.stop_data_transfer(pair.now)
    # The server's I-frame and the client's STOPDT act cross on the wire; the server confirms
    # only after the client has acknowledged that I-frame.
    pair.deliver()
    assert [(sender is pair.client, data) for sender, data in pair.wire] == [
        (True, STARTDT_ACT),
        (False, STARTDT_CON),
        (True, STOPDT_ACT),
        (False, i_frame(0, 0)),
        (True, s_frame(1)),
        (False, STOPDT_CON),
    ]
    assert pair.client.state is pair.server.state is LinkState.STOPPED
    assert pair.take_events(pair.client) == [AsduReceived(ASDU, 0, 0), DataTransferStopped()]
    assert pair.take_events(pair.server) == [
        StopRequested(),
        Acknowledged(1),
        DataTransferStopped(),
    ]


def test_pair_stop_completes_once_everything_is_acknowledged() -> None:
    pair = ConnectionPair()
    pair.start()
    pair.take_events(pair.server)
    pair.take_events(pair.client)
    pair.server.send_asdu(ASDU, pair.now)
    pair.server.send_asdu(ASDU, pair.now)
    server_data = pair.server.data_to_send()
    pair.client.stop_data_transfer(pair.now)
    pair.events[pair.server].extend(pair.server.receive_data(pair.client.data_to_send(), pair.now))
    assert pair.server.state is LinkState.PENDING_STOP
    assert pair.server.data_to_send() == b""
    # The client receives the I-frames while stopping and acknowledges them at once.
    pair.events[pair.client].extend(pair.client.receive_data(server_data, pair.now))
    pair.deliver()
    assert pair.server.state is LinkState.STOPPED
    assert pair.client.state is LinkState.STOPPED
    assert pair.take_events(pair.server) == [
        StopRequested(),
        Acknowledged(2),
        DataTransferStopped(),
    ]
    assert pair.take_events(pair.client) == [
        AsduReceived(ASDU, 0, 0),
        AsduReceived(ASDU, 1, 0),
        DataTransferStopped(),
    ]
    assert [data for _, data in pair.wire[-2:]] == [s_frame(2), STOPDT_CON]


@pytest.mark.parametrize(("initial_seq", "chunk"), [(0, None), (32700, None), (0, 7)])
def test_pair_exchanges_many_asdus_both_ways_without_loss(
    initial_seq: int, chunk: int | None
) -> None:
    params = LinkParameters(k=12, w=8)
    pair = ConnectionPair(params, initial_seq=initial_seq, chunk=chunk)
    pair.start()
    total = 1000
    outgoing = {
        pair.client: [
            bytes([0x2D, 1, 6, 0, 1, 0, n & 0xFF, n >> 8, 0, 0x81]) for n in range(total)
        ],
        pair.server: [
            bytes([0x0D, 1, 3, 0, 1, 0, n & 0xFF, n >> 8, 0, 0, 0, 0, 0, 0]) for n in range(total)
        ],
    }
    cursor = {pair.client: 0, pair.server: 0}
    while any(cursor[link] < total for link in cursor):
        progressed = False
        for link in (pair.client, pair.server):
            # Uneven bursts, so that sometimes k blocks and sometimes w or t2 acknowledges.
            for _ in range(5 if link is pair.client else 17):
                if cursor[link] == total or not link.can_send:
                    break
                link.send_asdu(outgoing[link][cursor[link]], pair.now)
                cursor[link] += 1
                progressed = True
                assert link.unacknowledged <= params.k
        pair.deliver()
        for link in (pair.client, pair.server):
            assert link.pending_acks < params.w
        if not progressed:
            pair.advance(params.t2)  # both windows full: only t2 acknowledgements help
    pair.advance(params.t2)
    assert not pair.closed()
    for receiver in (pair.client, pair.server):
        sender = pair.peer(receiver)
        received = [e for e in pair.events[receiver] if isinstance(e, AsduReceived)]
        assert [e.asdu for e in received] == outgoing[sender]
        assert [e.send_seq for e in received] == [(initial_seq + n) % 32768 for n in range(total)]
        acknowledged = sum(e.count for e in pair.events[sender] if isinstance(e, Acknowledged))
        assert acknowledged == total
        assert sender.unacknowledged == 0
        assert receiver.pending_acks == 0
        assert receiver.vr == sender.vs == (initial_seq + total) % 32768
    assert pair.client.state is pair.server.state is LinkState.STARTED
    wire = b"".join(data for _, data in pair.wire)
    kinds = {type(decode_frame(apdu)) for apdu in FrameDecoder().feed(wire)}
    assert kinds == {IFrame, SFrame, UFrame}  # acknowledgements by S-frame happened too


def test_pair_stays_up_through_idle_time_with_t3_keepalives() -> None:
    pair = ConnectionPair(LinkParameters(t1=15, t2=10, t3=20))
    pair.start()
    pair.advance(200.0)
    assert not pair.closed()
    test_frames = [data for _, data in pair.wire if data in (TESTFR_ACT, TESTFR_CON)]
    assert TESTFR_ACT in test_frames and TESTFR_CON in test_frames
    assert pair.client.state is LinkState.STARTED


def test_pair_t1_closes_when_the_peer_stops_answering_test_frames() -> None:
    pair = ConnectionPair()
    pair.start()
    pair.server.ignore_test_frames = True
    pair.advance(34.9)
    assert pair.client.state is LinkState.STARTED
    pair.advance(0.1)  # t3 (20 s) sent TESTFR act, and t1 (15 s) ran out waiting for its con
    assert pair.closed() == [LinkClosed("t1 expired: no TESTFR con within 15 s of TESTFR act", CloseCause.T1_EXPIRED)]
    assert pair.client.state is LinkState.CLOSED
    assert pair.now == 35.0


def test_pair_server_closes_on_a_wrong_n_s_from_the_client() -> None:
    pair = ConnectionPair()
    pair.start()
    pair.client.send_asdu(ASDU, pair.now, send_seq=3)
    pair.deliver()
    assert pair.closed() == [
        LinkClosed("sequence error: received N(S)=3, expected 0", CloseCause.PROTOCOL_VIOLATION, frame=pair.wire[-1][1])
    ]
    assert pair.server.state is LinkState.CLOSED


# --- odds and ends ----------------------------------------------------------------------------


def test_repr_and_read_only_configuration() -> None:
    params = LinkParameters(k=3, w=2)
    link = started(Role.CONTROLLED, params)
    link.send_asdu(ASDU, 0.0)
    assert repr(link) == ("<Link CONTROLLED STARTED V(S)=1 V(R)=0 unacknowledged=1 pending_acks=0>")
    assert link.role is Role.CONTROLLED
    assert link.params is params
    with pytest.raises(AttributeError):
        link.params = LinkParameters()  # type: ignore[misc]


STREAM = (
    STARTDT_ACT
    + i_frame(0, 0)
    + TESTFR_ACT
    + i_frame(1, 0)
    + s_frame(0)
    + i_frame(2, 0, bytes(249))
    + STOPDT_ACT
    + TESTFR_ACT
    + b"\x68\x04\x0f"  # a bad U-frame at the end
    + b"\x00\x00\x00"
)


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12), st.booleans())
def test_chunking_and_frame_reports_do_not_change_the_outcome(
    points: list[int], report: bool
) -> None:
    whole = Link(Role.CONTROLLED, now=0.0)
    expected = whole.receive_data(STREAM, 1.0)
    assert isinstance(expected[-1], LinkClosed)
    link = Link(Role.CONTROLLED, now=0.0)
    link.report_frames = report
    bounds = sorted({0, len(STREAM), *points})
    events: list[Event] = []
    for start, stop in itertools.pairwise(bounds):
        events.extend(link.receive_data(STREAM[start:stop], 1.0))
    assert [e for e in events if not isinstance(e, FrameReceived)] == expected
    assert link.data_to_send() == whole.data_to_send()
    assert sum(isinstance(e, FrameReceived) for e in events) == (8 if report else 0)


# --- who closed and why --------------------------------------------------------------------------


def test_close_records_who_and_why_for_causes_only_the_engine_sees() -> None:
    link = started(Role.CONTROLLING)
    closed = link.close("closed by the peer", CloseCause.PEER_CLOSED)
    assert closed == LinkClosed("closed by the peer", CloseCause.PEER_CLOSED, ClosedBy.PEER)
    assert link.closed is closed
    assert link.close("again") is None and link.closed is closed  # the first close stays
    local = started(Role.CONTROLLED)
    assert local.close().by is ClosedBy.LOCAL  # type: ignore[union-attr]
    assert local.closed is not None and local.closed.cause is CloseCause.LOCAL_CLOSE


def test_each_cause_implies_its_end() -> None:
    peer = {CloseCause.PEER_CLOSED, CloseCause.CONNECTION_RESET}
    assert {c for c in CloseCause if c.closed_by is ClosedBy.PEER} == peer


def test_an_undecodable_chunk_keeps_its_octets_for_the_error() -> None:
    link = started(Role.CONTROLLING)
    events = link.receive_data(TESTFR_CON + b"\x68\x02\x00\x00", 1.0)
    assert events[-1] == LinkClosed(
        "APDU length 2 outside 4..253 (at byte 13)", CloseCause.PROTOCOL_VIOLATION, frame=b"\x68\x02\x00\x00"
    )
