"""Parameter loading and activation in the controlled station (types 110-113, catalogue A38).

A parameter of a measured value (P_ME_NA/NB/NC_1, COT 6) with KPA 1-4 (threshold, smoothing,
low and high limit) is stored per point and confirmed with COT 7; the parameter type must fit the
point's measured type. P_AC_NA_1 with QPA 1-3 is confirmed with COT 7 (activation) or COT 9
(deactivation). Errors follow the station's order: unknown cause COT 45, unknown IOA COT 47
(both P/N=1), a qualifier outside the standard's range a negative confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..enums import Cot, Type
from .commands import name_of

if TYPE_CHECKING:
    from .answers import Answer
    from .points import LogicalStation

__all__ = ["PARAMETER_KINDS", "parameter", "parameter_activation"]

#: The measured kind (points.KINDS) each parameter type belongs to.
PARAMETER_KINDS = {Type.P_ME_NA_1: "normalized", Type.P_ME_NB_1: "scaled", Type.P_ME_NC_1: "short"}
_KPA = {1: "threshold", 2: "smoothing factor", 3: "low limit", 4: "high limit"}
_QPA = {1: "previously loaded parameters", 2: "the parameter of the object", 3: "persistent cyclic transmission"}


def parameter(self: Answer, stations: list[LogicalStation], ob: Any) -> None:
    """P_ME_NA/NB/NC_1: store the parameter of a measured point and confirm it."""
    t = self.asdu.type
    if self.asdu.cot != Cot.ACTIVATION:
        self.mirror(Cot.UNKNOWN_COT, f"parameter of measured value with cause {name_of(self.asdu.cot)}")
        return
    station = stations[0]
    point = station.points.get(ob.io_address)
    if point is None or point.kind != PARAMETER_KINDS[t]:
        what = "no point" if point is None else f"{point.type.name}, not a {PARAMETER_KINDS[t]} measured value,"
        self.mirror(Cot.UNKNOWN_IOA, f"{what} at IOA {ob.io_address}")
        return
    kpa = int(ob.qpm.kpa)
    if kpa not in _KPA:
        self.refuse(f"kind of parameter KPA {kpa} is not 1-4")
        return
    self.sim.parameters[(station.common_address, ob.io_address, kpa)] = ob.value
    self.confirm(Cot.ACTIVATION_CON)
    self.outcome = f"ACT_CON: {_KPA[kpa]} of IOA {ob.io_address} = {ob.value}"


def parameter_activation(self: Answer, stations: list[LogicalStation], ob: Any) -> None:
    """P_AC_NA_1: (de)activation of parameters, confirmed with COT 7 or 9."""
    cot = self.asdu.cot
    if cot not in (Cot.ACTIVATION, Cot.DEACTIVATION):
        self.mirror(Cot.UNKNOWN_COT, f"parameter activation with cause {name_of(cot)}")
        return
    if ob.io_address != 0 and ob.io_address not in stations[0].points:
        self.mirror(Cot.UNKNOWN_IOA, f"no point at IOA {ob.io_address}")
        return
    if ob.qpa not in _QPA:
        self.refuse(f"qualifier of parameter activation QPA {ob.qpa} is not 1-3")
        return
    con = Cot.ACTIVATION_CON if cot == Cot.ACTIVATION else Cot.DEACTIVATION_CON
    self.confirm(con)
    self.outcome = f"{con.name}: {_QPA[ob.qpa]}"
