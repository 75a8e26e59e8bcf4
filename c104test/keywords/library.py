"""``IEC104Library``: the Robot Framework library of c104test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.api.deco import library
from robot.utils import ConnectionCache
from robotlibcore import DynamicCore

from ..protocol.enums import Cot, Frz, Qoc, Qoi, Rqt, Type
from ..sync.session import SimulatedRtu
from .arguments import ADDRESS_CONVERTERS, ArgumentGuard, enum_converter, narrow_types
from .commands import CommandKeywords
from .conformance import ConformanceKeywords
from .connections import ConnectionKeywords, RtuSession
from .fat import FatKeywords
from .listener import TrafficListener
from .points import PointKeywords
from .simulator import SimulatorKeywords
from .traffic import TrafficKeywords

__all__ = ["IEC104Library"]

__version__ = "0.1.0"

_ENUMS = (Type, Cot, Qoi, Rqt, Frz, Qoc)
_CONVERTERS: dict[type, Any] = {cls: enum_converter(cls) for cls in _ENUMS}
_CONVERTERS.update(ADDRESS_CONVERTERS)


@library(scope="GLOBAL", version=__version__, converters=_CONVERTERS, doc_format="ROBOT")
class IEC104Library(DynamicCore):
    """Tests IEC 60870-5-104 devices (RTUs) from Robot Framework.

    The library acts as the controlling station (the SCADA side): it connects to an RTU, sends
    interrogations and commands, and checks what the RTU reports. It also serves a simulated
    RTU in the same process, so suites run in CI without hardware, and it misbehaves on
    request for conformance tests (raw APDUs, wrong sequence numbers, withheld
    acknowledgements).

    = Getting started =

    Import the library in the settings section, and open a connection in the suite setup:

    | Library           c104test.keywords.IEC104Library    timeout=5s
    | Suite Setup       Connect To RTU    ${RTU_HOST}    ${RTU_PORT}    common_address=${CA}
    | Suite Teardown    Close All RTU Connections

    A test then reads like a FAT procedure:

    | Breaker Reports Its Position
    |     Send Interrogation
    |     Get Point Value    200    ==    ON
    |     Send Command    502    OFF    C_DC_NA_1
    |     Expect Report    200    OFF    timeout=3s

    ``c104test simulate`` serves the demo RTU (common address 47) on port 2404, or use
    `Start Simulated RTU` in ``Suite Setup``.

    = Connections =

    `Connect To RTU` opens a connection and makes it the current one; the other keywords act on
    the current connection. Each connection has an index (1, 2, ...) and an optional alias, as
    in SSHLibrary: `Switch RTU Connection` changes the current one and returns the previous
    index, `Disconnect From RTU` closes one, and `Close All RTU Connections` closes all of them
    (use it in ``Suite Teardown``).

    = Common address =

    Keywords that address a station take ``common_address=``. Without it they use the
    connection's (``Connect To RTU ... common_address=12``), then the library's import argument,
    then the first station of the RTU's profile (``Connect To RTU ... profile=rtu.yaml``, or
    the profile of the `Start Simulated RTU` at that port), as the Gherkin steps do. With none,
    they fail and say so: there is no built-in default, because a wrong CA silently tests
    nothing on a real RTU. Message filters (`Expect Message`) match any CA unless
    one is given.

    = Time format =

    Timeouts are Robot Framework times: ``10s``, ``1.5 s``, ``1 min 30 s``, ``500ms``. Every
    keyword that waits takes ``timeout=``; without it, it waits for the connection's timeout
    (``Connect To RTU ... timeout=``), else the library's, which is the import argument and can
    be changed with `Set RTU Timeout`. A Robot ``[Timeout]`` shorter than a wait ends the
    keyword and cancels the operation in the engine.

    = Commands and confirmations =

    Command keywords wait for the confirmation (ACT_CON) and, for interrogations, the
    termination (ACT_TERM); they return the result (``positive``, ``terminated``, ``objects``,
    ``duration``). They fail on a negative confirmation or none at all, unless ``expect=NEGATIVE``
    or ``expect=ANY`` is given (see `Expect`).

    Whether an RTU terminates process commands with ACT_TERM is a PIXIT choice, so it is the
    connection option ``act_term=`` of `Connect To RTU` (and of each `Send Command`):
    ``optional`` (the default) accepts a positive ACT_CON and checks an ACT_TERM that arrives,
    ``required`` waits for it, ``never`` fails when one arrives.

    = Expectations =

    `Expect Report` waits for a fresh report: one that arrives after the last command (so an
    RTU that ignores a command fails it even when the point already had the value), while
    `Expect State` checks the current state. `Expect Report`, `Expect Message`,
    `Expect No Message` and `Expect Frame` look at what the RTU sent after the last stimulus
    on the connection: the start of the last command, raw frame or
    data-transfer change, or the last `Set Simulated Point`. What arrived between that moment
    and the keyword counts too, so there is no race between sending and expecting. A failure
    says what was expected, what arrived instead, and after how long.

    = Assertions =

    `Get Point Value` and `Get Point Quality` take an optional assertion operator and expected
    value from robotframework-assertion-engine, as Browser does: ``==``, ``!=``, ``<``, ``>``,
    ``<=``, ``>=``, ``contains``, ``not contains``, ``validate``, ``then``. The expected value is
    read by the same rules as the Gherkin steps, for the point's type: ``ON``, ``230 +- 0.5``
    (also ``+/-``, ``±``, ``1%``), ``0x0000A5A5``, ``IV and NT``. ``==`` compares numbers within
    the tolerance written, else within the wire's rounding (one normalized step 2^-15, or
    float32's precision); ``contains`` means every bit of a bitstring or every flag of a quality
    is set, ``not contains`` that not all of them are. A bitstring written in hex is shown in hex
    in the failure. See `AssertionOperator`.

    = Names of types, causes and qualifiers =

    Types, causes of transmission and qualifiers use the standard's names: ``M_SP_NA_1``,
    ``C_DC_NA_1``, ``SPONTANEOUS``, ``UNKNOWN_IOA``, ``STATION``, ``GROUP_2``. They match in any
    case, with an optional ``Cot.`` style prefix, and numbers work too (``cot=3``).

    = Frame trace =

    Every keyword of this library gets the frames it caused in its log, explained one per line
    (``>>`` sent, ``<<`` received, with the time since the first frame). `Log Traffic` logs the
    whole journal of a connection and `Save Traffic Capture` writes it as a pcap file.

    = Conformance options =

    `Send Raw APDU`, `Send ASDU` (with wrong N(S)/N(R)), `Send Acknowledgement`,
    `Withhold Acknowledgements`, `Ignore Test Frames`, `Expect Frame` and
    `Expect Connection Closed` are for conformance tests. None of them is the default behaviour.

    = Against a real RTU =

    The ready suites in the repository's ``keywords/`` folder take ``RTU_HOST``, ``RTU_PORT``,
    ``RTU_PROFILE`` and ``CA`` as variables: with ``RTU_PORT`` 0 (the default) they start the
    demo RTU themselves, otherwise they connect to the given RTU, e.g.
    ``robot --variable RTU_HOST:10.0.0.5 --variable RTU_PORT:2404 --variable CA:12 keywords/``.
    """

    def __init__(
        self,
        timeout: timedelta = timedelta(seconds=10),
        common_address: int | None = None,
        originator_address: int = 0,
    ) -> None:
        """Sets the defaults of every keyword.

        Args:
            timeout: Default wait for confirmations, values and messages; see `Set RTU Timeout`.
            common_address: Default common address (CA) for connections opened without one.
                None: every connection or keyword must give it.
            originator_address: Originator address (OA, 0..255) of the ASDUs sent, unless a
                connection sets its own.

        Examples:
        | Library | c104test.keywords.IEC104Library | timeout=5s | common_address=47 |
        """
        if timeout.total_seconds() <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if common_address is not None and not 0 <= common_address <= 0xFFFF:
            raise ValueError(f"common address {common_address} outside 0..65535")
        if not 0 <= originator_address <= 255:
            raise ValueError(f"originator address {originator_address} outside 0..255")
        self.timeout = timeout.total_seconds()
        self.common_address = common_address
        self.originator_address = originator_address
        self.connections: ConnectionCache[RtuSession] = ConnectionCache(
            "No RTU connection: use Connect To RTU first."
        )
        self.simulators: ConnectionCache[SimulatedRtu] = ConnectionCache(
            "No simulated RTU: use Start Simulated RTU first."
        )
        # Set before DynamicCore.__init__, which collects it (a string "SELF" would break).
        self.ROBOT_LIBRARY_LISTENER = [TrafficListener(self), ArgumentGuard(self)]
        DynamicCore.__init__(
            self,
            [
                ConnectionKeywords(self),
                CommandKeywords(self),
                PointKeywords(self),
                SimulatorKeywords(self),
                TrafficKeywords(self),
                FatKeywords(self),
                ConformanceKeywords(self),
            ],
        )

    def get_keyword_types(self, name: str) -> Any:
        """The argument types Robot converts with; see ``arguments.narrow_types``."""
        hints = DynamicCore.get_keyword_types(self, name)
        return narrow_types(hints, _ENUMS) if isinstance(hints, dict) else hints

    def sessions(self) -> list[RtuSession]:
        """Every connection registered now (open or closed)."""
        return list(self.connections)

    def release(self) -> None:
        """Forget every connection and simulator (the trio thread stops right after)."""
        for session in self.connections:
            try:
                session.close()
            except Exception:  # the run ends: nothing useful to report
                pass
        self.connections.empty_cache()
        for rtu in self.simulators:
            try:
                rtu.stop()
            except Exception:
                pass
        self.simulators.empty_cache()

