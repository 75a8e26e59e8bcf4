"""ACT_TERM of process commands, as the RTU's PIXIT declares it.

IEC 60870-5-104 lets an RTU terminate a process command with ACT_TERM (COT 10) or not: many do
(Siemens, ABB), lib60870-based ones do not. The PIXIT says which, and c104test follows it:

- ``REQUIRED``: the command is done when its ACT_TERM arrives; none within the timeout fails.
- ``OPTIONAL`` (the default): a positive ACT_CON confirms the command. An ACT_TERM that arrives
  is recorded and checked: it must be positive. Only an ACT_TERM that repeats the command's
  object terminates it; under REQUIRED one with another object does not end the wait.
- ``NEVER``: a positive ACT_CON confirms the command, and an ACT_TERM must not arrive.

>>> ActTerm.parse("required")
<ActTerm.REQUIRED: 'required'>
"""

from __future__ import annotations

import enum

from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu, type_info
from ..protocol.enums import Cot, Type

__all__ = ["ActTerm", "terminates", "termination_problem"]

_HEADER = 6  # type, VSQ, COT (2), CA (2): what a termination may change
_CP56 = 7


class ActTerm(enum.Enum):
    """Whether the RTU terminates process commands with ACT_TERM (PIXIT)."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NEVER = "never"

    @classmethod
    def parse(cls, value: ActTerm | str) -> ActTerm:
        """A member from its name in any case (``required``, ``OPTIONAL``)."""
        if isinstance(value, ActTerm):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ValueError(f"act_term {value!r} is not one of {choices}") from None


_NO_QUALIFIER = frozenset({Type.C_BO_NA_1, Type.C_BO_TA_1})  # bitstrings: no S/E bit to ignore


def _payload(asdu: Asdu) -> bytes:
    """The object as sent, without time tag and S/E (c104 terminates an SBO with a copy of the
    select, S/E=1, after the execute's ACT_CON)."""
    data = bytearray(encode_asdu(Asdu(asdu.type, Cot.ACTIVATION, asdu.common_address, asdu.objects[:1]))[_HEADER:])
    if type_info(asdu.type).time_tag is not None:
        del data[-_CP56:]
    if asdu.type not in _NO_QUALIFIER:
        data[-1] &= 0x7F
    return bytes(data)


def terminates(command: Asdu, termination: Asdu | UnknownAsdu) -> bool:
    """True if ``termination`` repeats ``command``'s object (time tag aside).

    An ACT_TERM of the same type and IOA with another value or qualifier belongs to another
    command: it does not end this one. The S/E bit is not compared.
    """
    return isinstance(termination, Asdu) and bool(termination.objects) and _payload(termination) == _payload(command)


def termination_problem(command: Asdu, termination: Asdu | UnknownAsdu, mode: ActTerm | None) -> str | None:
    """Why ``termination`` (the ACT_TERM of ``command``) fails it, or None when it does not."""
    if mode is ActTerm.NEVER:
        return "the RTU sent ACT_TERM although act_term=never (the PIXIT says it does not)"
    if termination.negative:
        return "the RTU terminated the command negatively (ACT_TERM with P/N = 1)"
    return None
