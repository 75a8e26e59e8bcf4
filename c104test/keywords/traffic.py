"""Traffic keywords: captures, the frame log, and deliberate misbehaviour for conformance tests.

Nothing here is the default behaviour of a connection: raw APDUs, wrong sequence numbers,
withheld acknowledgements and unanswered TESTFR are explicit keywords.
"""

from __future__ import annotations

import enum
import time
from datetime import timedelta
from pathlib import Path

from robot.api import logger
from robot.utils import secs_to_timestr
from robotlibcore import keyword

from ..engine.errors import ExpectationFailed
from ..engine.journal import Direction, JournalEntry
from ..protocol.asdu import decode_asdu
from ..protocol.errors import DecodeError
from ..rules.hexdump import parse_hex
from .connections import LibraryComponent, RtuSession

__all__ = ["Frame", "TrafficKeywords", "format_frames"]

_POLL = 0.02  # seconds between looks at the journal while waiting for a frame


class Frame(enum.Enum):
    """A kind of APCI frame that `Expect Frame` waits for."""

    STARTDT_ACT = 0x07
    STARTDT_CON = 0x0B
    STOPDT_ACT = 0x13
    STOPDT_CON = 0x23
    TESTFR_ACT = 0x43
    TESTFR_CON = 0x83
    S_FRAME = 0x01
    I_FRAME = 0x00

    def matches(self, raw: bytes) -> bool:
        if len(raw) < 6:
            return False
        control = raw[2]
        if self is Frame.I_FRAME:
            return not control & 1
        if self is Frame.S_FRAME:
            return control & 3 == 1
        return control == self.value


def format_frames(entries: list[JournalEntry], limit: int | None = None) -> str:
    """Explained frames, one per line, with the time since the first one."""
    if not entries:
        return "(no frames)"
    start = entries[0].timestamp
    lines = [f"{entry.timestamp - start:8.3f}s {entry.explain()}" for entry in entries]
    if limit is not None and len(lines) > limit:
        head, tail = limit // 2, limit - limit // 2
        skipped = len(lines) - limit
        lines = [
            *lines[:head],
            f"... {skipped} frames not shown (Log Traffic or Save Traffic Capture has them all) ...",
            *lines[-tail:],
        ]
    return "\n".join(lines)


class TrafficKeywords(LibraryComponent):
    """Save Traffic Capture, Log Traffic, raw frames and the conformance options."""

    @keyword("Save Traffic Capture")
    def save_traffic_capture(self, path: str) -> int:
        """Writes every frame of the current connection to a capture file (Wireshark, tshark).

        The file is pcapng with the connection's real addresses and ports. When the journal had
        to drop old frames (see `Connect To RTU` ``journal_size``), the first packet carries a
        comment that says how many, and this keyword logs a warning.

        Args:
            path: File to write; relative paths are relative to the working directory.

        Returns:
            The number of frames written.

        Examples:
        | `Save Traffic Capture` | ${OUTPUT DIR}/bay12.pcap |
        """
        session = self.session
        target = Path(path)
        if target.parent and not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        count = session.rtu.save_capture(target)
        dropped = session.rtu.dropped_frames()
        if dropped:
            logger.warn(f"{session.name}: the capture lacks the {dropped} oldest frames (journal_size reached).")
        logger.info(
            f'Saved {count} frames of {session.name} to <a href="{target.resolve().as_uri()}">{target}</a>.',
            html=True,
        )
        return count

    @keyword("Log Traffic")
    def log_traffic(self, count: int | None = None, level: str = "INFO") -> list[str]:
        """Logs the frames of the current connection, explained, one per line.

        Args:
            count: Only the last ``count`` frames; default all of them.
            level: Log level: ``TRACE``, ``DEBUG``, ``INFO`` or ``WARN``.

        Returns:
            The logged lines.

        Examples:
        | `Log Traffic` |
        | `Log Traffic` | 20 | level=DEBUG |
        """
        level = level.upper()
        if level not in ("TRACE", "DEBUG", "INFO", "WARN"):
            raise ValueError(f"log level {level!r} is not TRACE, DEBUG, INFO or WARN")
        session = self.session
        entries = session.rtu.frames(0)
        if count is not None:
            if count < 0:
                raise ValueError(f"count must not be negative, got {count}")
            entries = entries[-count:] if count else []
        text = format_frames(entries)
        logger.write(f"{session.name}, {len(entries)} frames:\n{text}", level)
        return text.splitlines() if entries else []

    @keyword("Send Raw APDU")
    def send_raw_apdu(self, hex: str, *more: str) -> None:
        """Sends octets exactly as given: no checks, no sequence numbers (conformance tests).

        Args:
            hex: The APDU in hex, like ``68 04 43 00 00 00``; spaces, colons, dashes and
                ``0x`` prefixes are allowed.
            more: Further hex pieces, joined to the first (one octet per cell works too).

        Examples:
        | `Send Raw APDU` | 68 04 43 00 00 00 |
        | `Send Raw APDU` | 68:04:43:00:00:00 |
        | `Send Raw APDU` | 0x68 | 0x04 | 0x43 | 0x00 | 0x00 | 0x00 |
        | `Send Raw APDU` | 69 04 07 00 00 00 |
        | `Expect Connection Closed` |
        """
        data = parse_hex(hex, *more)
        session = self.session
        self.stimulus(session)
        session.rtu.send_raw(data)
        logger.info(f"Sent {len(data)} raw octets on {session.name}.")

    @keyword("Send ASDU")
    def send_asdu(
        self,
        hex: str,
        *,
        send_seq: int | None = None,
        recv_seq: int | None = None,
        force: bool = False,
    ) -> int:
        """Sends an ASDU given in hex in an I-frame, numbered by the link or as given.

        The ASDU may be anything the codec can frame, also an unknown type or a cause the
        RTU must refuse. Use it for the negative conformance cases.

        Args:
            hex: The ASDU (without the 6 APCI octets) in hex: type, VSQ, COT, OA, CA, objects.
            send_seq: N(S) to send instead of the link's V(S): a sequence error for the RTU.
            recv_seq: N(R) to send instead of the link's V(R).
            force: Send even when data transfer is stopped or the k window is full.

        Returns:
            The N(S) that was sent.

        Examples:
        | `Send ASDU` | C8 01 06 00 2F 00 00 00 00 00 |
        | `Expect Message` | cot=UNKNOWN_TYPE_ID | negative=True |
        | `Send ASDU` | 6B 01 06 00 2F 00 00 00 00 00 00 | send_seq=5 |
        | `Expect Connection Closed` |
        """
        data = parse_hex(hex)
        try:
            decode_asdu(data)
        except DecodeError as exc:
            raise ValueError(f"{hex!r} is not an ASDU the codec can send: {exc}") from None
        session = self.session
        self.stimulus(session)
        forced = force or send_seq is not None or recv_seq is not None
        wait = self.wait_time(None, session)
        ns = session.rtu.send_asdu(data, send_seq=send_seq, recv_seq=recv_seq, force=forced, timeout=wait)
        logger.info(f"Sent the ASDU as N(S)={ns} on {session.name}.")
        return ns

    @keyword("Send Test Frame")
    def send_test_frame(self, *, wait: bool = True, timeout: timedelta | None = None) -> None:
        """Sends TESTFR act and, by default, waits for TESTFR con.

        Args:
            wait: Wait for the RTU's TESTFR con.
            timeout: How long to wait for it.

        Examples:
        | `Send Test Frame` |
        | `Send Test Frame` | wait=False |
        """
        session = self.session
        self.stimulus(session)
        session.rtu.send_test_frame()
        if wait:
            self._expect_frame(session, Frame.TESTFR_CON, self.wait_time(timeout, session))

    @keyword("Send Acknowledgement")
    def send_acknowledgement(self, recv_seq: int | None = None) -> None:
        """Sends an S-frame now, also while acknowledgements are withheld.

        Args:
            recv_seq: N(R) to send instead of the link's V(R) (a wrong one is a sequence
                error for the RTU); default acknowledges everything received.

        Examples:
        | `Send Acknowledgement` |
        | `Send Acknowledgement` | recv_seq=100 |
        """
        session = self.session
        self.stimulus(session)
        session.rtu.send_acknowledgement(recv_seq)

    @keyword("Withhold Acknowledgements")
    def withhold_acknowledgements(self, enabled: bool = True) -> None:
        """Stops (or resumes) acknowledging the RTU's I-frames on the current connection.

        A conforming RTU stops after k unacknowledged I-frames and closes the connection t1
        after the oldest one. `Send Acknowledgement` still sends one on request.

        Args:
            enabled: ``True`` withholds, ``False`` acknowledges again.

        Examples:
        | `Withhold Acknowledgements` |
        | `Send Interrogation` |
        | `Expect Connection Closed` | timeout=20s |
        """
        session = self.session
        session.rtu.withhold_acknowledgements(enabled)
        logger.info(f"Acknowledgements {'withheld' if enabled else 'sent again'} on {session.name}.")

    @keyword("Ignore Test Frames")
    def ignore_test_frames(self, enabled: bool = True) -> None:
        """Stops (or resumes) answering the RTU's TESTFR act on the current connection.

        A conforming RTU closes the connection t1 after an unanswered TESTFR act.

        Args:
            enabled: ``True`` ignores TESTFR act, ``False`` answers again.

        Examples:
        | `Ignore Test Frames` |
        | `Expect Connection Closed` | timeout=40s |
        """
        session = self.session
        session.rtu.ignore_test_frames(enabled)
        logger.info(f"TESTFR act {'ignored' if enabled else 'answered again'} on {session.name}.")

    @keyword("Expect Frame")
    def expect_frame(self, frame: Frame, *, timeout: timedelta | None = None) -> None:
        """Waits for a frame from the RTU: a U-frame, an S-frame or any I-frame.

        Frames that arrived since the last stimulus on the connection count.

        Args:
            frame: ``STARTDT_CON``, ``STOPDT_CON``, ``TESTFR_ACT``, ``TESTFR_CON``,
                ``STARTDT_ACT``, ``STOPDT_ACT``, ``S_FRAME`` or ``I_FRAME``.
            timeout: How long to wait.

        Examples:
        | `Connect To RTU` | ${RTU_HOST} | ${RTU_PORT} |
        | `Expect Frame` | TESTFR_ACT | timeout=25s |
        """
        session = self.session
        self._expect_frame(session, frame, self.wait_time(timeout, session))

    def _expect_frame(self, session: RtuSession, frame: Frame, wait: float) -> None:
        # Polled in short slices from the main thread, so Robot timeouts and Ctrl-C get through.
        deadline = time.monotonic() + wait
        cursor = session.reference
        while True:
            closed = not session.rtu.is_open  # before reading: frames that came before a close count
            for entry in session.rtu.frames(cursor, waiting_for=f"{frame} from the RTU"):
                cursor = entry.index + 1
                if entry.direction is Direction.RECEIVED and frame.matches(entry.raw):
                    logger.info(f"Got {entry.explain()}")
                    return
            if closed or time.monotonic() >= deadline:
                break
            time.sleep(_POLL)
        closed = "" if session.rtu.is_open else f" (connection closed: {session.rtu.close_reason})"
        raise ExpectationFailed(
            f"expected {frame.name} from the RTU within {secs_to_timestr(wait)}, none arrived{closed}; "
            f"last frames:\n" + format_frames(session.rtu.frames(session.reference)[-8:])
        )
