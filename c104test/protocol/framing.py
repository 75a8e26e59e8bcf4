"""Split a TCP byte stream into APDUs (IEC 60870-5-104 section 5.1).

Every APDU starts with 0x68 and a length octet L (4..253) followed by L octets. The decoder
only frames; :func:`c104test.protocol.apci.decode_frame` interprets the control field.
"""

from __future__ import annotations

from c104test.protocol.errors import DecodeError

__all__ = ["APDU_MAX_LENGTH", "APDU_MIN_LENGTH", "START_OCTET", "FrameDecoder"]

START_OCTET = 0x68
APDU_MIN_LENGTH = 4  # the length octet counts the four control octets and the ASDU
APDU_MAX_LENGTH = 253


class FrameDecoder:
    """Incremental APDU framer for one TCP connection.

    ``feed`` returns every APDU completed by the new bytes, each including the 0x68 and length
    octets. Malformed input makes the decoder fail for good: the stream cannot be resynchronised
    (there is no way to tell a 0x68 inside an ASDU from a start octet), so the link must close.

    APDUs that were complete before the bad octet are still returned; the ``DecodeError`` is
    raised by the same call when it has nothing to return, otherwise by the next call. The
    outcome is therefore the same however the stream is chunked. ``error`` shows a failure
    without raising.

    Deliberate misbehaviour for conformance mutants (off by default; a conforming receiver
    never does this): ``lenient`` skips a wrong start octet and an APDU whose length is outside
    4..253 instead of failing (R01, R02, R04); ``reassemble = False`` drops an incomplete APDU
    at the end of each chunk, as if every TCP read held whole APDUs; ``one_per_chunk`` takes
    only the first APDU of each chunk (R15).
    """

    __slots__ = ("_buffer", "_error", "_offset", "_rejected", "lenient", "one_per_chunk", "reassemble")

    def __init__(self) -> None:
        self._buffer = bytearray()  # holds at most one incomplete APDU between calls
        self._offset = 0  # stream offset of _buffer[0]
        self._error: DecodeError | None = None
        self._rejected = b""
        self.lenient = False
        self.reassemble = True
        self.one_per_chunk = False

    @property
    def pending(self) -> int:
        """Number of buffered octets that do not yet form a complete APDU."""
        return len(self._buffer)

    @property
    def incomplete(self) -> bytes:
        """The buffered octets of an APDU not yet complete (b"" if none): what a connection that
        ends now leaves unframed, for the journal.

        >>> decoder = FrameDecoder()
        >>> decoder.feed(bytes.fromhex("680e0000"))
        []
        >>> decoder.incomplete.hex()
        '680e0000'
        """
        return bytes(self._buffer)

    @property
    def offset(self) -> int:
        """Stream offset of the first octet not yet returned as part of an APDU."""
        return self._offset

    @property
    def error(self) -> DecodeError | None:
        """The failure that stopped this decoder, or None."""
        return self._error

    @property
    def rejected(self) -> bytes:
        """After an error: the octets from the bad APDU on (at most 255), for the error report."""
        return self._rejected

    def feed(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Add received octets; return the APDUs they complete."""
        if self._error is not None:
            raise self._reraise()
        buffer = self._buffer
        if not buffer and type(data) is bytes:
            size = len(data)
            if 5 < size < 256 and data[0] == START_OCTET and data[1] + 2 == size:
                # The common case of a command's answer: the chunk is exactly one APDU (its
                # length octet, 4..253 since the chunk has 6..255 octets, is valid): no loop, no copy.
                self._offset += size
                return [data]
        if buffer:
            buffer += data
            view: bytes | bytearray = buffer
        else:
            # Common case: nothing left over, so slice the chunk directly without copying it.
            view = data if isinstance(data, bytes) else bytes(data)
        end = len(view)
        pos = 0
        apdus: list[bytes] = []
        append = apdus.append
        while pos < end:
            if view[pos] != START_OCTET:
                if self.lenient:  # mutant: hunt for the next 0x68
                    pos += 1
                    continue
                self._fail(f"start octet 0x{view[pos]:02x} is not 0x68", pos, view[pos:])
                break
            if pos + 1 == end:
                break
            length = view[pos + 1]
            if length < APDU_MIN_LENGTH or length > APDU_MAX_LENGTH:
                if self.lenient:  # mutant: pass over the octets the length announces
                    if pos + 2 + length > end:
                        break
                    pos += 2 + length
                    continue
                self._fail(f"APDU length {length} outside 4..253", pos + 1, view[pos:])
                break
            stop = pos + 2 + length
            if stop > end:
                break
            append(bytes(view[pos:stop]))
            pos = stop
            if self.one_per_chunk:  # mutant: the rest of the chunk is lost
                pos = end
                break
        if not self.reassemble and self._error is None:  # mutant: a partial APDU is lost
            pos = end
        if self._error is None:
            if view is buffer:
                # Deleting a prefix of a bytearray is cheap in CPython (it moves a start index),
                # and what stays is shorter than one APDU.
                del buffer[:pos]
            elif pos < end:
                buffer += view[pos:]
        self._offset += pos
        if self._error is not None and not apdus:
            raise self._reraise()
        return apdus

    def _fail(self, reason: str, index: int, rest: bytes | bytearray) -> None:
        self._error = DecodeError(reason, self._offset + index)
        self._rejected = bytes(rest[:255])
        self._buffer = bytearray()

    def _reraise(self) -> DecodeError:
        # A fresh instance each time, so tracebacks do not pile up on one exception object.
        assert self._error is not None
        return DecodeError(self._error.reason, self._error.offset)
