"""IncomingMessage: a received ASDU as c104's callbacks see it, with an element cursor."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.elements import DCO, QOS, RCO, SCO
from ..protocol.enums import Cot, Type
from ..protocol.explain import explain_asdu

__all__ = ["IncomingMessage"]


class IncomingMessage:
    """A received ASDU; ``io_address`` and ``info`` refer to the element under the cursor.

    As in c104, the cursor is an element and a position: ``next()`` moves to the element at the
    position and the position on; ``first()`` puts both on the first element (so it is under
    the cursor twice: after ``first()`` and after the first ``next()``, as c104 2.2.1 shows it).
    So ``message.first()`` then ``while message.next(): ...`` visits every element; a point's
    ``on_receive`` gets the message at its own element, the position after it.
    """

    def __init__(self, asdu: Asdu | UnknownAsdu, raw: bytes | None = None) -> None:
        self._asdu = asdu
        self._raw = raw
        self._at = 0  # the element under the cursor
        self._next = 1  # the position next() moves to
        self._processed_at = _dt.datetime.now()

    @property
    def _cursor(self) -> int:
        return self._at

    @_cursor.setter
    def _cursor(self, index: int) -> None:
        """Put the cursor on element ``index`` (the dispatch, before each point's callback)."""
        self._at = index
        self._next = index + 1

    @property
    def type(self) -> Type | int:
        return self._asdu.type

    @property
    def cot(self) -> Cot | int:
        return self._asdu.cot

    @property
    def common_address(self) -> int:
        return self._asdu.common_address

    @property
    def originator_address(self) -> int:
        return self._asdu.originator_address

    @property
    def number_of_objects(self) -> int:
        return self._asdu.count

    number_of_object = number_of_objects  # c104's deprecated spelling

    @property
    def is_test(self) -> bool:
        return self._asdu.test

    @property
    def is_negative(self) -> bool:
        return self._asdu.negative

    @property
    def is_sequence(self) -> bool:
        return self._asdu.sequence

    @property
    def asdu(self) -> Asdu | UnknownAsdu:
        return self._asdu

    @property
    def io_address(self) -> int:
        objects = self._asdu.objects
        return objects[self._at].io_address if objects else 0

    @property
    def info(self) -> Any:
        from .information import info_from_object

        objects = self._asdu.objects
        if not objects or not isinstance(self._asdu.type, Type):
            return None
        try:
            return info_from_object(self._asdu.type, objects[self._at], processed_at=self._processed_at)
        except KeyError:
            return None

    @property
    def is_select_command(self) -> bool:
        objects = self._asdu.objects
        if not objects:
            return False
        element = next(
            (getattr(objects[self._at], n) for n in ("sco", "dco", "rco", "qos") if hasattr(objects[self._at], n)),
            None,
        )
        return isinstance(element, SCO | DCO | RCO | QOS) and element.se

    @property
    def raw(self) -> bytes:
        """The message as an APDU, as c104 gives it: ``68``, the length, a zeroed control field
        and the ASDU, so that ``explain_bytes(message.raw)`` reads it. (The frame as it
        travelled, with its sequence numbers, goes to ``on_receive_raw``.)

        It was the ASDU alone, and a c104 script's ``explain_bytes(message.raw)`` said
        "Invalid APDU: start octet 0x0b is not 0x68".
        """
        asdu = self._raw
        if asdu is None:
            asdu = self._raw = encode_asdu(self._asdu)
        return bytes((0x68, len(asdu) + 4, 0, 0, 0, 0)) + asdu

    @property
    def raw_explain(self) -> str:
        return explain_asdu(self._asdu)

    def first(self) -> None:
        """Put the cursor on the first element, and the position there too (``next()`` then moves
        onto it): c104 shows the first element right after ``first()``, from any element."""
        self._at = 0
        self._next = 0

    def next(self) -> bool:
        """Move to the element at the position; False when there is none."""
        if self._next < len(self._asdu.objects):
            self._at = self._next
            self._next += 1
            return True
        return False

    def __repr__(self) -> str:
        return f"<c104test.IncomingMessage {explain_asdu(self._asdu)}>"
