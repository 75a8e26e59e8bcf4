"""Enumerations with the standard's names and c104's member names and values."""

from __future__ import annotations

import enum

__all__ = [
    "BinaryCounterQuality",
    "Coi",
    "CommandMode",
    "ConnectionState",
    "Cot",
    "Debug",
    "Double",
    "EventState",
    "Frz",
    "Init",
    "OutputCircuits",
    "PackedSingle",
    "Qoc",
    "Qoi",
    "Quality",
    "ResponseState",
    "Rqt",
    "StartEvents",
    "Step",
    "Type",
    "Umc",
]


class _Named(enum.IntEnum):
    """IntEnum whose str() is 'Cls.NAME', as c104 prints it."""

    def __str__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    @classmethod
    def parse(cls, text: str | int) -> _Named:
        """Member from its name (any case) or its number: ``Cot.parse("spontaneous")``."""
        if isinstance(text, cls):
            return text
        if isinstance(text, int):
            return cls(text)
        key = text.strip().upper()
        if key.startswith(cls.__name__.upper() + "."):
            key = key[len(cls.__name__) + 1 :]
        if key in cls.__members__:
            return cls.__members__[key]
        if key.lstrip("-").isdigit():
            return cls(int(key))
        names = ", ".join(cls.__members__)
        raise ValueError(f"{text!r} is not a {cls.__name__}; expected one of: {names}")


class Type(_Named):
    """Type identification (TI) of an ASDU."""

    M_SP_NA_1 = 1
    M_SP_TA_1 = 2
    M_DP_NA_1 = 3
    M_DP_TA_1 = 4
    M_ST_NA_1 = 5
    M_ST_TA_1 = 6
    M_BO_NA_1 = 7
    M_BO_TA_1 = 8
    M_ME_NA_1 = 9
    M_ME_TA_1 = 10
    M_ME_NB_1 = 11
    M_ME_TB_1 = 12
    M_ME_NC_1 = 13
    M_ME_TC_1 = 14
    M_IT_NA_1 = 15
    M_IT_TA_1 = 16
    M_EP_TA_1 = 17
    M_EP_TB_1 = 18
    M_EP_TC_1 = 19
    M_PS_NA_1 = 20
    M_ME_ND_1 = 21
    M_SP_TB_1 = 30
    M_DP_TB_1 = 31
    M_ST_TB_1 = 32
    M_BO_TB_1 = 33
    M_ME_TD_1 = 34
    M_ME_TE_1 = 35
    M_ME_TF_1 = 36
    M_IT_TB_1 = 37
    M_EP_TD_1 = 38
    M_EP_TE_1 = 39
    M_EP_TF_1 = 40
    C_SC_NA_1 = 45
    C_DC_NA_1 = 46
    C_RC_NA_1 = 47
    C_SE_NA_1 = 48
    C_SE_NB_1 = 49
    C_SE_NC_1 = 50
    C_BO_NA_1 = 51
    C_SC_TA_1 = 58
    C_DC_TA_1 = 59
    C_RC_TA_1 = 60
    C_SE_TA_1 = 61
    C_SE_TB_1 = 62
    C_SE_TC_1 = 63
    C_BO_TA_1 = 64
    M_EI_NA_1 = 70
    C_IC_NA_1 = 100
    C_CI_NA_1 = 101
    C_RD_NA_1 = 102
    C_CS_NA_1 = 103
    C_TS_NA_1 = 104
    C_RP_NA_1 = 105
    C_CD_NA_1 = 106
    C_TS_TA_1 = 107
    P_ME_NA_1 = 110
    P_ME_NB_1 = 111
    P_ME_NC_1 = 112
    P_AC_NA_1 = 113
    F_FR_NA_1 = 120
    F_SR_NA_1 = 121
    F_SC_NA_1 = 122
    F_LS_NA_1 = 123
    F_AF_NA_1 = 124
    F_SG_NA_1 = 125
    F_DR_TA_1 = 126
    F_SC_NB_1 = 127


class Cot(_Named):
    """Cause of transmission (6 bits)."""

    PERIODIC = 1
    BACKGROUND_SCAN = 2
    SPONTANEOUS = 3
    INITIALIZED = 4
    REQUEST = 5
    ACTIVATION = 6
    ACTIVATION_CON = 7
    DEACTIVATION = 8
    DEACTIVATION_CON = 9
    ACTIVATION_TERMINATION = 10
    RETURN_INFO_REMOTE = 11
    RETURN_INFO_LOCAL = 12
    FILE_TRANSFER = 13
    AUTHENTICATION = 14
    MAINTENANCE_OF_AUTH_SESSION_KEY = 15
    MAINTENANCE_OF_USER_ROLE_AND_UPDATE_KEY = 16
    INTERROGATED_BY_STATION = 20
    INTERROGATED_BY_GROUP_1 = 21
    INTERROGATED_BY_GROUP_2 = 22
    INTERROGATED_BY_GROUP_3 = 23
    INTERROGATED_BY_GROUP_4 = 24
    INTERROGATED_BY_GROUP_5 = 25
    INTERROGATED_BY_GROUP_6 = 26
    INTERROGATED_BY_GROUP_7 = 27
    INTERROGATED_BY_GROUP_8 = 28
    INTERROGATED_BY_GROUP_9 = 29
    INTERROGATED_BY_GROUP_10 = 30
    INTERROGATED_BY_GROUP_11 = 31
    INTERROGATED_BY_GROUP_12 = 32
    INTERROGATED_BY_GROUP_13 = 33
    INTERROGATED_BY_GROUP_14 = 34
    INTERROGATED_BY_GROUP_15 = 35
    INTERROGATED_BY_GROUP_16 = 36
    REQUESTED_BY_GENERAL_COUNTER = 37
    REQUESTED_BY_GROUP_1_COUNTER = 38
    REQUESTED_BY_GROUP_2_COUNTER = 39
    REQUESTED_BY_GROUP_3_COUNTER = 40
    REQUESTED_BY_GROUP_4_COUNTER = 41
    UNKNOWN_TYPE_ID = 44
    UNKNOWN_COT = 45
    UNKNOWN_CA = 46
    UNKNOWN_IOA = 47


class Qoi(_Named):
    """Qualifier of interrogation."""

    STATION = 20
    GROUP_1 = 21
    GROUP_2 = 22
    GROUP_3 = 23
    GROUP_4 = 24
    GROUP_5 = 25
    GROUP_6 = 26
    GROUP_7 = 27
    GROUP_8 = 28
    GROUP_9 = 29
    GROUP_10 = 30
    GROUP_11 = 31
    GROUP_12 = 32
    GROUP_13 = 33
    GROUP_14 = 34
    GROUP_15 = 35
    GROUP_16 = 36


class Rqt(_Named):
    """Request qualifier of a counter interrogation (QCC bits 0-5)."""

    GROUP_1 = 1
    GROUP_2 = 2
    GROUP_3 = 3
    GROUP_4 = 4
    GENERAL = 5


class Frz(_Named):
    """Freeze qualifier of a counter interrogation (QCC bits 6-7)."""

    READ = 0
    FREEZE_WITHOUT_RESET = 1
    FREEZE_WITH_RESET = 2
    COUNTER_RESET = 3


class Qoc(_Named):
    """Qualifier of command (QU in SCO, DCO and RCO)."""

    NONE = 0
    SHORT_PULSE = 1
    LONG_PULSE = 2
    PERSISTENT = 3


class Coi(_Named):
    """Cause of initialisation (COI bits 0-6)."""

    LOCAL_POWER_ON = 0
    LOCAL_MANUAL_RESET = 1
    REMOTE_RESET = 2


class Umc(_Named):
    """Why a received message was unexpected."""

    NO_ERROR_CAUSE = 0
    UNKNOWN_TYPE_ID = 1
    UNKNOWN_COT = 2
    UNKNOWN_CA = 3
    UNKNOWN_IOA = 4
    INVALID_COT = 5
    INVALID_TYPE_ID = 6
    MISMATCHED_TYPE_ID = 7
    UNIMPLEMENTED_GROUP = 8


class ConnectionState(_Named):
    CLOSED = 0
    CLOSED_AWAIT_OPEN = 1
    CLOSED_AWAIT_RECONNECT = 2
    OPEN_MUTED = 3
    OPEN = 4
    OPEN_AWAIT_CLOSED = 5


class Init(_Named):
    ALL = 0
    INTERROGATION = 1
    CLOCK_SYNC = 2
    MUTED = 3
    NONE = 4


class CommandMode(_Named):
    DIRECT = 0
    SELECT_AND_EXECUTE = 1


class ResponseState(_Named):
    FAILURE = 0
    SUCCESS = 1
    NONE = 2


class Double(_Named):
    """Double-point state (DPI, DCS)."""

    INTERMEDIATE = 0
    OFF = 1
    ON = 2
    INDETERMINATE = 3


class Step(_Named):
    """Regulating step direction (RCS)."""

    INVALID_0 = 0
    LOWER = 1
    HIGHER = 2
    INVALID_3 = 3


class EventState(_Named):
    """Event state of a protection event (ES in SEP)."""

    INTERMEDIATE = 0
    OFF = 1
    ON = 2
    INDETERMINATE = 3


class _FlagsType(enum.EnumType):
    """Lets ``Quality()`` mean the empty set, as c104 scripts write it."""

    def __call__(cls, value=0, *args, **kwargs):  # type: ignore[override]
        return super().__call__(value, *args, **kwargs)


class _Flags(enum.IntFlag, metaclass=_FlagsType):
    """Flag set printed like c104: 'Quality set: { Blocked | Invalid }, is_good: False'."""

    def is_any(self) -> bool:
        return self.value != 0

    def is_good(self) -> bool:
        return self.value == 0

    def is_none(self) -> bool:
        """No flag set (c104's name on Debug, StartEvents, OutputCircuits, PackedSingle)."""
        return self.value == 0

    def __str__(self) -> str:
        named = {m.value: m.name for m in type(self) if m.value and m.name and m.value & (m.value - 1) == 0}
        # bits without a name are shown as c104 shows them: Quality(2) is "{ UNSUPPORTED_BIT_1 }"
        names = [named.get(1 << bit, f"UNSUPPORTED_BIT_{bit}") for bit in range(self.value.bit_length())
                 if self.value >> bit & 1]
        inner = f"{{ {' | '.join(names)} }}" if names else "{}"
        return f"{self._label(bool(names))} set: {inner}{self._suffix()}"

    # c104's repr is its str: a script that prints (point.value, point.quality) shows the set
    __repr__ = __str__

    def _label(self, any_set: bool) -> str:
        """The set's name in ``str()``: c104 2.2.1 prints a few under other names (tested)."""
        return type(self).__name__

    def _suffix(self) -> str:
        return ""


class _GoodFlags(_Flags):
    """A quality set: ``str()`` ends with ``, is_good: ...``."""

    def _suffix(self) -> str:
        return f", is_good: {self.is_good()}"


class Quality(_GoodFlags):
    """Quality descriptor bits (QDS, SIQ, DIQ, QDP)."""

    Overflow = 0x01
    ElapsedTimeInvalid = 0x08
    Blocked = 0x10
    Substituted = 0x20
    NonTopical = 0x40
    Invalid = 0x80


class BinaryCounterQuality(_GoodFlags):
    """Quality bits of a binary counter reading (BCR octet 5)."""

    Adjusted = 0x20
    Carry = 0x40
    Invalid = 0x80


class Debug(_Flags):
    """c104's debug output groups; ``str()`` ends with ``, is_none: ...`` as c104's does."""

    def _suffix(self) -> str:
        return f", is_none: {self.is_none()}"

    NONE = 0
    Server = 1
    Client = 2
    Connection = 4
    Station = 8
    Point = 16
    Message = 32
    Callback = 64
    Gil = 128
    All = 255


class StartEvents(_Flags):
    """SPE: start events of protection equipment."""

    def _label(self, any_set: bool) -> str:
        return "StartEvents" if any_set else "StartEvent"  # c104: "StartEvent set: {}"

    General = 0x01
    PhaseL1 = 0x02
    PhaseL2 = 0x04
    PhaseL3 = 0x08
    InEarthCurrent = 0x10
    ReverseDirection = 0x20


class OutputCircuits(_Flags):
    """OCI: output circuit information of protection equipment."""

    def _label(self, any_set: bool) -> str:
        return "OutputCircuit"  # c104: "OutputCircuit set: { PhaseL2 }"

    General = 0x01
    PhaseL1 = 0x02
    PhaseL2 = 0x04
    PhaseL3 = 0x08


class _PackedSingleFlags(_Flags):
    def _label(self, any_set: bool) -> str:
        return "PackedSingle" if any_set else "Field"  # c104: "Field set: {}"


PackedSingle = _PackedSingleFlags("PackedSingle", {f"I{n}": 1 << n for n in range(16)})
PackedSingle.__doc__ = "Sixteen packed single points (ST or CD of SCD)."
