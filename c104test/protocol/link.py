"""The IEC 60870-5-104 link layer as a sans-I/O state machine: sequence numbers, k, w, t1-t3.

Bytes and time go in, events and bytes come out, in the style of aioquic: every input carries
``now`` (seconds, any monotonic origin), and the caller arms a single timer on
:meth:`Link.next_deadline` and calls :meth:`Link.handle_timeout` when it is reached. The same
class serves the controlling station (client) and the controlled station (RTU simulator); the
few rules that depend on the role are data (``ACCEPTS_I_FRAMES``), not branches.

The events it returns are in link_events.py. State changes caused by STARTDT and STOPDT live in
``TRANSITIONS`` (link_states.py, with the parameters), keyed by (state, input) as in h11's ``_state.py`` and h2's ``_transitions``.
Everything else (numbering, windows, timers) is counters.

Deliberate misbehaviour for conformance tests is explicit and off by default:
``send_raw``, ``send_asdu(..., send_seq=, recv_seq=, force=)``, ``withhold_acknowledgements``
and ``ignore_test_frames``.
"""

from __future__ import annotations

import struct
from collections import deque

from c104test.protocol.apci import (
    ASDU_MAX_LENGTH,
    IGNORED_FRAME,
    SEQ_MODULO,
    IFrame,
    SFrame,
    UFrame,
    UFunction,
    decode_frame,
    decode_frame_leniently,
    encode_s_frame,
    encode_u_frame,
)
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.construction import twin
from c104test.protocol.errors import DecodeError, LocalProtocolError
from c104test.protocol.framing import FrameDecoder
from c104test.protocol.link_events import (
    Acknowledged,
    AsduReceived,
    DataTransferStarted,
    DataTransferStopped,
    Event,
    FrameReceived,
    LinkClosed,
    StartRequested,
    StopRequested,
    TestFrameReceived,
    UnexpectedFrame,
)
from c104test.protocol.link_states import (
    ACCEPTS_I_FRAMES,
    TRANSITIONS,
    Input,
    LinkParameters,
    LinkState,
    Role,
    facing,
)

__all__ = [
    "ACCEPTS_I_FRAMES",
    "TRANSITIONS",
    "Acknowledged",
    "AsduReceived",
    "CloseCause",
    "ClosedBy",
    "DataTransferStarted",
    "DataTransferStopped",
    "Event",
    "FrameReceived",
    "Input",
    "Link",
    "LinkClosed",
    "LinkParameters",
    "LinkState",
    "Role",
    "StartRequested",
    "StopRequested",
    "TestFrameReceived",
    "UnexpectedFrame",
    "facing",
]

_SEQ_MASK = SEQ_MODULO - 1
_I_HEADER = struct.Struct("<BBHH").pack  # 0x68, L, N(S) << 1, N(R) << 1
# The events of every received I-frame are filled as twins (protocol/construction.py): three
# frozen dataclasses a frame, about 1.4 us less than their __init__ (each field a plain store).
_IFrameTwin = twin(IFrame)
_FrameReceivedTwin = twin(FrameReceived)
_AsduReceivedTwin = twin(AsduReceived)
_AcknowledgedTwin = twin(Acknowledged)

_STARTDT_ACT = encode_u_frame(UFunction.STARTDT_ACT)
_STARTDT_CON = encode_u_frame(UFunction.STARTDT_CON)
_STOPDT_ACT = encode_u_frame(UFunction.STOPDT_ACT)
_STOPDT_CON = encode_u_frame(UFunction.STOPDT_CON)
_TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
_TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)

_ACT_OF_CON = {
    UFunction.STARTDT_CON: UFunction.STARTDT_ACT,
    UFunction.STOPDT_CON: UFunction.STOPDT_ACT,
    UFunction.TESTFR_CON: UFunction.TESTFR_ACT,
}
_CON_OF_ACT = {act: con for con, act in _ACT_OF_CON.items()}


# The states the hot paths compare with, as plain names: an Enum member looked up on its class
# costs about 0.1 us each time (EnumType's descriptor).
_CLOSED = LinkState.CLOSED
_STARTED = LinkState.STARTED
_PENDING_STOP = LinkState.PENDING_STOP


# --- the link ---------------------------------------------------------------------------------


class Link:
    """One end of an IEC 104 connection.

    ``now`` is when the TCP connection was made and starts t3; without it, t3 starts at the
    first call that passes a time. ``initial_send_seq`` and ``initial_recv_seq`` preset V(S)
    and V(R); the standard starts both at 0, other values exist for wrap-around tests.
    """

    __slots__ = (
        "_accepts_i",
        "_awaiting",
        "_close_event",
        "_close_reason",
        "_decoder",
        "_k",
        "_out",
        "_params",
        "_pending",
        "_role",
        "_sent_times",
        "_state",
        "_stopdt_con_owed",
        "_t1",
        "_t2",
        "_t2_deadline",
        "_t3",
        "_t3_deadline",
        "_vr",
        "_vs",
        "_w",
        "accept_i_frames_when_stopped",
        "acknowledge_in_i_frames",
        "early_stop_confirmation",
        "ignore_k",
        "ignore_t1",
        "ignore_t3",
        "ignore_test_frames",
        "lenient_s_frames",
        "lenient_u_frames",
        "report_frames",
        "tolerate_sequence_errors",
        "wait_for_truncated_apdu",
        "withhold_acknowledgements",
    )

    def __init__(
        self,
        role: Role,
        params: LinkParameters | None = None,
        *,
        now: float | None = None,
        initial_send_seq: int = 0,
        initial_recv_seq: int = 0,
    ) -> None:
        if not 0 <= initial_send_seq < SEQ_MODULO:
            raise ValueError(f"initial_send_seq must be in 0..32767, got {initial_send_seq}")
        if not 0 <= initial_recv_seq < SEQ_MODULO:
            raise ValueError(f"initial_recv_seq must be in 0..32767, got {initial_recv_seq}")
        self._role = role
        self._params = params = params if params is not None else LinkParameters()
        #: Conformance option: never send S-frames (I-frames still carry N(R)=V(R)).
        self.withhold_acknowledgements = False
        #: Conformance option (with ``False``): I-frames carry the N(R) last acknowledged instead
        #: of V(R), so they acknowledge nothing either (a peer that never acknowledges, L11/L12).
        self.acknowledge_in_i_frames = True
        #: Conformance option: do not answer TESTFR act.
        self.ignore_test_frames = False
        #: Conformance option: never close on t1 (a peer without t1 supervision, L09/L10 mutants).
        self.ignore_t1 = False
        #: Conformance option: never send TESTFR act on t3 (a peer without idle supervision, L08).
        self.ignore_t3 = False
        #: Conformance option: confirm STOPDT at once, even with own I-frames unacknowledged (L05).
        self.early_stop_confirmation = False
        #: Conformance option: take a wrong N(S) as the new V(R) and ignore an N(R) outside the
        #: window instead of closing (a peer without sequence checks, L16/L17 mutants).
        self.tolerate_sequence_errors = False
        #: Conformance option: take I-frames before STARTDT (a controlled station that processes
        #: them instead of closing; L03 mutant).
        self.accept_i_frames_when_stopped = False
        #: Conformance option: send I-frames beyond k unacknowledged ones (L13 mutant).
        self.ignore_k = False
        #: Conformance option: read a U-frame with several function bits by masks, as lib60870's
        #: server does (0xFF is TESTFR act, 0x0F STARTDT act, 0x33 STOPDT act; R13 mutant).
        self.lenient_u_frames = False
        #: Conformance option: read an S-frame with reserved bits set as a valid one (R14 mutant).
        self.lenient_s_frames = False
        #: Conformance option: while an incomplete APDU waits for its rest, no timer runs (a peer
        #: that waits forever for a truncated APDU; R03 mutant).
        self.wait_for_truncated_apdu = False
        #: Emit a FrameReceived for every received APDU (for the journal).
        self.report_frames = False
        self._state = LinkState.STOPPED
        self._accepts_i = ACCEPTS_I_FRAMES[role]
        self._decoder = FrameDecoder()
        self._out: list[bytes] = []
        self._vs = initial_send_seq
        self._vr = initial_recv_seq
        # Send times of our unacknowledged I-frames, oldest first; the oldest N(S) is
        # V(S) - len. The oldest time drives t1, the length is the k window in use.
        self._sent_times: deque[float] = deque()
        self._pending = 0  # received I-frames not yet acknowledged
        self._k = params.k
        self._w = params.w
        self._t1 = params.t1
        self._t2 = params.t2
        self._t3 = params.t3
        self._t2_deadline: float | None = None
        self._t3_deadline: float | None = None if now is None else now + self._t3
        # Acts we sent whose con is outstanding -> t1 deadline.
        self._awaiting: dict[UFunction, float] = {}
        self._stopdt_con_owed = False
        self._close_reason: str | None = None
        self._close_event: LinkClosed | None = None

    def __repr__(self) -> str:
        return (
            f"<Link {self._role.name} {self._state.name} V(S)={self._vs} V(R)={self._vr} "
            f"unacknowledged={len(self._sent_times)} pending_acks={self._pending}>"
        )

    # --- read-only views ----------------------------------------------------------------------

    @property
    def role(self) -> Role:
        return self._role

    @property
    def params(self) -> LinkParameters:
        return self._params

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def vs(self) -> int:
        """V(S): the N(S) of the next I-frame we send."""
        return self._vs

    @property
    def vr(self) -> int:
        """V(R): the N(S) we expect next, and the N(R) we send."""
        return self._vr

    @property
    def unacknowledged(self) -> int:
        """Our I-frames that the peer has not acknowledged yet (after close: never did)."""
        return len(self._sent_times)

    @property
    def oldest_unacknowledged(self) -> float | None:
        """When the oldest of our unacknowledged I-frames was sent (its t1 runs from then)."""
        return self._sent_times[0] if self._sent_times else None

    @property
    def pending_acks(self) -> int:
        """Received I-frames that we have not acknowledged yet."""
        return self._pending

    @property
    def window_free(self) -> int:
        """How many more I-frames the k window allows now (k with ``ignore_k``)."""
        if self.ignore_k:
            return self._k
        return max(0, self._k - len(self._sent_times))

    @property
    def can_send(self) -> bool:
        """True if ``send_asdu`` would accept an ASDU now."""
        return self._state is _STARTED and (len(self._sent_times) < self._k or self.ignore_k)

    @property
    def frame_decoder(self) -> FrameDecoder:
        """The framer of received octets (its conformance options: ``FrameDecoder``)."""
        return self._decoder

    @property
    def close_reason(self) -> str | None:
        """Why the link closed, or None while it is open."""
        return self._close_reason

    @property
    def closed(self) -> LinkClosed | None:
        """The LinkClosed event (who, why, the offending frame), or None while open."""
        return self._close_event

    @property
    def awaiting_confirmation(self) -> frozenset[UFunction]:
        """The acts (STARTDT/STOPDT/TESTFR) we sent whose con has not arrived."""
        return frozenset(self._awaiting)

    # --- output -------------------------------------------------------------------------------

    @property
    def has_data_to_send(self) -> bool:
        """True if frames are queued for the wire (cheap: for the engine's flush fast path)."""
        return bool(self._out)

    def data_to_send(self) -> bytes:
        """Everything queued for the wire, in order; empties the queue."""
        out = self._out
        if not out:
            return b""
        data = b"".join(out)
        out.clear()
        return data

    def apdus_to_send(self) -> list[bytes]:
        """Like ``data_to_send`` but one item per queued APDU (or ``send_raw`` chunk)."""
        out = self._out
        self._out = []
        return out

    # --- input --------------------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview, now: float) -> list[Event]:
        """Feed octets read from TCP; return what they mean. Never raises on bad input."""
        if self._state is _CLOSED:
            return []
        if data:
            # Any received octet shows the peer is alive; t3 measures silence ("no data
            # transmissions", 104 5.2): a slow peer part-way through an APDU cannot answer a
            # TESTFR act before its end, so one sent then would close a working link on t1.
            self._t3_deadline = now + self._t3
        elif self._t3_deadline is None:
            self._t3_deadline = now + self._t3
        events: list[Event] = []
        decoder = self._decoder
        try:
            apdus = decoder.feed(data)
        except DecodeError as error:
            self._violation(str(error), decoder.rejected, events)
            return events
        if apdus:
            report = self.report_frames
            for index, apdu in enumerate(apdus):
                if not apdu[2] & 1 and len(apdu) > 6 and not apdu[4] & 1:
                    # Fast path for a well-formed I-frame (the decoder checked start octet and
                    # length, so decode_frame would find nothing wrong): a Frame only if reported.
                    ns = (apdu[2] | apdu[3] << 8) >> 1
                    nr = (apdu[4] | apdu[5] << 8) >> 1
                    asdu = apdu[6:]
                    if report:
                        frame = _IFrameTwin()
                        frame.send_seq = ns
                        frame.recv_seq = nr
                        frame.asdu = asdu
                        frame.__class__ = IFrame
                        received = _FrameReceivedTwin()
                        received.apdu = apdu
                        received.frame = frame
                        received.__class__ = FrameReceived
                        events.append(received)
                    self._receive_i(ns, nr, asdu, now, events)
                else:
                    try:
                        frame = decode_frame(apdu)
                    except DecodeError as error:
                        lenient = None
                        if self.lenient_u_frames or self.lenient_s_frames:
                            lenient = decode_frame_leniently(apdu, self.lenient_u_frames, self.lenient_s_frames)
                        if lenient is None:
                            start = decoder.offset - sum(len(a) for a in apdus[index:])
                            self._violation(
                                f"{error.reason} (at byte {start + error.offset}) "
                                f"in APDU {apdu.hex(' ')}",
                                bytes(apdu),
                                events,
                            )
                            return events
                        if lenient is IGNORED_FRAME:
                            continue
                        frame = lenient  # type: ignore[assignment]
                    if report:
                        events.append(FrameReceived(apdu, frame))
                    if type(frame) is IFrame:
                        self._receive_i(frame.send_seq, frame.recv_seq, frame.asdu, now, events)
                    elif type(frame) is SFrame:
                        self._check_ack(frame.recv_seq, events)
                    else:
                        assert type(frame) is UFrame
                        self._receive_u(frame.function, now, events)
                if self._state is _CLOSED:
                    closed = self._close_event
                    if closed is not None and closed.frame is None:
                        # A rule broken by this APDU (sequence, window, state): keep its octets.
                        closed = self._close_event = LinkClosed(
                            closed.reason, closed.cause, closed.by, bytes(apdu)
                        )
                        events[-1] = closed
                    return events
        if decoder._error is not None:  # (FrameDecoder.error without the property's call)
            self._violation(str(decoder._error), decoder.rejected, events)
            return events
        if self._state is _PENDING_STOP and self._pending:
            # Acknowledge at once while stopping, so the peer can finish its side of the stop.
            self._acknowledge()
        return events

    def handle_timeout(self, now: float) -> list[Event]:
        """Act on every timer that has expired by ``now``."""
        events: list[Event] = []
        if self._state is _CLOSED or (self.wait_for_truncated_apdu and self._decoder.pending):
            return events
        sent = self._sent_times
        t1 = self._t1
        if sent and not self.ignore_t1 and now >= sent[0] + t1:
            oldest = (self._vs - len(sent)) & _SEQ_MASK
            self._close(
                f"t1 expired: I-frame N(S)={oldest} not acknowledged within {t1:g} s",
                events,
                CloseCause.T1_EXPIRED,
            )
            return events
        expired = [act for act, deadline in self._awaiting.items() if now >= deadline]
        if expired and not self.ignore_t1:
            act = expired[0]
            self._close(
                f"t1 expired: no {_CON_OF_ACT[act].label} within {t1:g} s of {act.label}",
                events,
                CloseCause.T1_EXPIRED,
            )
            return events
        if self._t2_deadline is not None and now >= self._t2_deadline:
            self._acknowledge()
        if self._t3_deadline is None:
            self._t3_deadline = now + self._t3
        elif now >= self._t3_deadline and not self.ignore_t3:
            # One TESTFR act at a time: while its con is outstanding, t1 is already watching.
            if UFunction.TESTFR_ACT not in self._awaiting:
                self._out.append(_TESTFR_ACT)
                self._awaiting[UFunction.TESTFR_ACT] = now + t1
            self._t3_deadline = now + self._t3
        return events

    def next_deadline(self) -> float | None:
        """When ``handle_timeout`` must be called next, or None if no timer runs."""
        if self._state is _CLOSED or (self.wait_for_truncated_apdu and self._decoder.pending):
            return None
        deadline = None if self.ignore_t3 else self._t3_deadline
        if self._sent_times and not self.ignore_t1:
            t1_deadline = self._sent_times[0] + self._t1
            if deadline is None or t1_deadline < deadline:
                deadline = t1_deadline
        t2_deadline = self._t2_deadline
        # While acknowledgements are withheld an expired t2 would only make the caller spin.
        if (
            t2_deadline is not None
            and not self.withhold_acknowledgements
            and (deadline is None or t2_deadline < deadline)
        ):
            deadline = t2_deadline
        if self._awaiting and not self.ignore_t1:  # (most often none: no loop set up)
            for u_deadline in self._awaiting.values():
                if deadline is None or u_deadline < deadline:
                    deadline = u_deadline
        return deadline

    # --- commands -----------------------------------------------------------------------------

    def send_asdu(
        self,
        asdu: bytes,
        now: float,
        *,
        send_seq: int | None = None,
        recv_seq: int | None = None,
        force: bool = False,
    ) -> int:
        """Queue an I-frame carrying ``asdu``; return its N(S).

        Raises LocalProtocolError unless the state is STARTED and the k window has room.
        Conformance options: ``force`` skips both checks (the frame is numbered and tracked as
        usual). ``send_seq`` sends that N(S) instead of V(S); such a frame leaves V(S), the k
        window and t1 alone. ``recv_seq`` sends that N(R) instead of V(R); such a frame
        acknowledges nothing, so ``pending_acks`` and t2 stay as they were.
        """
        state = self._state
        if state is _CLOSED:
            raise LocalProtocolError(f"cannot send an I-frame: link closed ({self._close_reason})")
        if not force:
            if state is not _STARTED:
                raise LocalProtocolError(
                    f"cannot send an I-frame in state {state.name}: data transfer is not started"
                )
            if len(self._sent_times) >= self._k and not self.ignore_k:
                raise LocalProtocolError(
                    f"k window full: {len(self._sent_times)} I-frames unacknowledged (k={self._k})"
                )
        size = len(asdu)
        if not 0 < size <= ASDU_MAX_LENGTH:
            raise LocalProtocolError(f"ASDU of {size} octets; an I-frame carries 1..249")
        ns = self._vs if send_seq is None else _checked_seq("N(S)", send_seq)
        if recv_seq is not None:
            nr = _checked_seq("N(R)", recv_seq)
        elif self.acknowledge_in_i_frames:
            nr = self._vr
        else:
            nr = (self._vr - self._pending) & _SEQ_MASK  # what was last acknowledged
        self._out.append(_I_HEADER(0x68, size + 4, ns << 1, nr << 1) + asdu)
        if send_seq is None:
            self._sent_times.append(now)
            self._vs = (ns + 1) & _SEQ_MASK
        if recv_seq is None and self.acknowledge_in_i_frames:
            # The I-frame's N(R) acknowledges everything received so far.
            self._pending = 0
            self._t2_deadline = None
        if self._t3_deadline is None:
            self._t3_deadline = now + self._t3
        return ns

    def take_i_frame(self, asdu: bytes, now: float) -> bytes:
        """Number and track an I-frame exactly as ``send_asdu`` does, but return its octets
        instead of queueing them: the caller sends them its own way (conformance R15 splits an
        I-frame over several TCP segments). Same checks and errors as ``send_asdu``.
        """
        self.send_asdu(asdu, now)
        return self._out.pop()

    def start_data_transfer(self, now: float) -> None:
        """Send STARTDT act; t1 runs until its con arrives."""
        self._local_input(Input.SEND_STARTDT_ACT, "start data transfer")
        self._send_act(UFunction.STARTDT_ACT, _STARTDT_ACT, now)

    def stop_data_transfer(self, now: float) -> None:
        """Send STOPDT act; no more I-frames from us, and the state is STOPPED on its con."""
        self._local_input(Input.SEND_STOPDT_ACT, "stop data transfer")
        self._acknowledge()
        self._send_act(UFunction.STOPDT_ACT, _STOPDT_ACT, now)

    def send_test_frame(self, now: float) -> None:
        """Send TESTFR act; t1 runs until its con arrives (from the first unanswered act)."""
        if self._state is _CLOSED:
            raise LocalProtocolError(f"cannot send TESTFR act: link closed ({self._close_reason})")
        self._send_act(UFunction.TESTFR_ACT, _TESTFR_ACT, now)

    def send_acknowledgement(self, *, recv_seq: int | None = None) -> None:
        """Send an S-frame now, even with ``withhold_acknowledgements`` set.

        ``recv_seq`` sends that N(R) instead (conformance tests); it acknowledges nothing.
        """
        if self._state is _CLOSED:
            raise LocalProtocolError(f"cannot send an S-frame: link closed ({self._close_reason})")
        if recv_seq is not None:
            self._out.append(encode_s_frame(_checked_seq("N(R)", recv_seq)))
            return
        self._out.append(encode_s_frame(self._vr))
        self._pending = 0
        self._t2_deadline = None

    def send_raw(self, apdu: bytes) -> None:
        """Queue octets as they are (conformance tests): no checks, no state change."""
        if self._state is _CLOSED:
            raise LocalProtocolError(f"cannot send: link closed ({self._close_reason})")
        self._out.append(bytes(apdu))

    def close(
        self,
        reason: str = "closed locally",
        cause: CloseCause = CloseCause.LOCAL_CLOSE,
        by: ClosedBy | None = None,
    ) -> LinkClosed | None:
        """Close the link (acknowledging what we received first, as lib60870's client does).

        The engine passes ``cause`` (and ``by``, default: the end the cause implies) for what
        only it sees: the peer closed or reset the TCP connection, or stopped reading. Returns
        the LinkClosed event, or None if the link was closed already.
        """
        if self._state is _CLOSED:
            return None
        events: list[Event] = []
        self._close(reason, events, cause, cause.closed_by if by is None else by)
        return self._close_event

    # --- internals ----------------------------------------------------------------------------

    def _receive_i(self, ns: int, nr: int, asdu: bytes, now: float, events: list[Event]) -> None:
        state = self._state
        # "is STARTED" first: the common case, and Enum hashing is slow Python code.
        if state is not _STARTED and state not in self._accepts_i and not self.accept_i_frames_when_stopped:
            self._violation("I-frame received while data transfer is stopped", None, events)
            return
        if ns != self._vr and not self.tolerate_sequence_errors:
            self._violation(f"sequence error: received N(S)={ns}, expected {self._vr}", None, events)
            return
        if not self._check_ack(nr, events):
            return
        self._vr = (ns + 1) & _SEQ_MASK
        pending = self._pending + 1
        self._pending = pending
        if pending == 1:
            self._t2_deadline = now + self._t2
        event = _AsduReceivedTwin()  # AsduReceived(asdu, ns, nr), faster
        event.asdu = asdu
        event.send_seq = ns
        event.recv_seq = nr
        event.__class__ = AsduReceived
        events.append(event)
        if pending >= self._w:
            self._acknowledge()

    def _check_ack(self, nr: int, events: list[Event]) -> bool:
        """Apply a received N(R); close and return False if it is outside the window."""
        sent = self._sent_times
        outstanding = len(sent)
        # Valid N(R) lie between the oldest unacknowledged N(S) (= the last acknowledged
        # value) and V(S), modulo 32768; count is how many frames this one acknowledges.
        count = (nr - self._vs + outstanding) & _SEQ_MASK
        if count > outstanding and self.tolerate_sequence_errors:
            return True
        if count > outstanding:
            if outstanding:
                oldest = (self._vs - outstanding) & _SEQ_MASK
                window = f"{oldest}..{self._vs}"
            else:
                window = f"{self._vs} (nothing unacknowledged)"
            self._violation(f"N(R)={nr} outside the window {window}", None, events)
            return False
        if count:
            if count == outstanding:
                sent.clear()
            else:
                for _ in range(count):
                    sent.popleft()
            acknowledged = _AcknowledgedTwin()  # Acknowledged(count), faster
            acknowledged.count = count
            acknowledged.__class__ = Acknowledged
            events.append(acknowledged)
            if self._stopdt_con_owed and not sent:
                self._finish_stop(events)
        return True

    def _receive_u(self, function: UFunction, now: float, events: list[Event]) -> None:
        out = self._out
        if function is UFunction.TESTFR_ACT:
            events.append(TestFrameReceived(con=False))
            if not self.ignore_test_frames:
                out.append(_TESTFR_CON)
        elif function is UFunction.STARTDT_ACT:
            events.append(StartRequested())
            out.append(_STARTDT_CON)
            self._stopdt_con_owed = False
            self._apply(Input.RECV_STARTDT_ACT, events)
        elif function is UFunction.STOPDT_ACT:
            events.append(StopRequested())
            # Acknowledge what we received before confirming (lib60870's server does so).
            self._acknowledge()
            self._apply(Input.RECV_STOPDT_ACT, events)
            if self._state is _PENDING_STOP:
                self._stopdt_con_owed = True
                if not self._sent_times or self.early_stop_confirmation:
                    self._finish_stop(events)
            else:
                out.append(_STOPDT_CON)
        else:
            act = _ACT_OF_CON[function]
            if self._awaiting.pop(act, None) is None:
                events.append(
                    UnexpectedFrame(UFrame(function), f"{function.label} without {act.label}")
                )
            elif function is UFunction.TESTFR_CON:
                events.append(TestFrameReceived(con=True))
            elif function is UFunction.STARTDT_CON:
                self._apply(Input.RECV_STARTDT_CON, events)
            else:
                self._apply(Input.RECV_STOPDT_CON, events)
                if self._stopdt_con_owed and self._state is LinkState.STOPPED:
                    # Both ends asked to stop at once; ours is done, so confirm theirs too.
                    self._stopdt_con_owed = False
                    out.append(_STOPDT_CON)

    def _finish_stop(self, events: list[Event]) -> None:
        self._stopdt_con_owed = False
        self._out.append(_STOPDT_CON)
        self._apply(Input.SEND_STOPDT_CON, events)

    def _apply(self, what: Input, events: list[Event]) -> None:
        """Take a transition caused by the peer; inputs without an entry change nothing."""
        old = self._state
        new = TRANSITIONS.get((old, what))
        if new is None or new is old:
            return
        self._state = new
        if new is _STARTED:
            events.append(DataTransferStarted())
        elif new is LinkState.STOPPED:
            events.append(DataTransferStopped())

    def _local_input(self, what: Input, action: str) -> None:
        new = TRANSITIONS.get((self._state, what))
        if new is None:
            detail = f" ({self._close_reason})" if self._state is _CLOSED else ""
            raise LocalProtocolError(f"cannot {action} in state {self._state.name}{detail}")
        self._state = new

    def _send_act(self, act: UFunction, apdu: bytes, now: float) -> None:
        self._out.append(apdu)
        self._awaiting.setdefault(act, now + self._t1)
        if self._t3_deadline is None:
            self._t3_deadline = now + self._t3

    def _acknowledge(self) -> None:
        """Send an S-frame if anything is unacknowledged and we are allowed to."""
        if self._pending and not self.withhold_acknowledgements:
            self._out.append(encode_s_frame(self._vr))
            self._pending = 0
            self._t2_deadline = None

    def _violation(self, reason: str, frame: bytes | None, events: list[Event]) -> None:
        """The peer broke a rule: we close (the frame is filled in by ``receive_data``)."""
        self._close(reason, events, CloseCause.PROTOCOL_VIOLATION, ClosedBy.LOCAL, frame)

    def _close(
        self,
        reason: str,
        events: list[Event],
        cause: CloseCause = CloseCause.LOCAL_CLOSE,
        by: ClosedBy = ClosedBy.LOCAL,
        frame: bytes | None = None,
    ) -> None:
        self._acknowledge()
        self._state = TRANSITIONS[(self._state, Input.CLOSE)]
        self._close_reason = reason
        # _sent_times stays: ``unacknowledged`` then tells the engine how many of its last
        # I-frames never got an acknowledgement (to re-queue them, conformance case L18).
        self._awaiting.clear()
        self._t2_deadline = None
        self._t3_deadline = None
        self._close_event = closed = LinkClosed(reason, cause, by, frame)
        events.append(closed)


def _checked_seq(name: str, value: int) -> int:
    if not 0 <= value < SEQ_MODULO:
        raise LocalProtocolError(f"{name}={value} outside 0..32767")
    return value
