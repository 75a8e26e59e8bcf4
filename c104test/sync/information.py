"""c104's value classes: the bounded number types and the Information classes of points.

Scripts written for c104 build these (``c104.SingleCmd(on=True)``, ``c104.Int7(-5)``) and read
them back from points, so names, constructor keywords, ranges and error types follow c104 2.2.1.
Where c104 2.2.1 is awkward or broken, c104test is deliberately different:

- the number types are immutable values: ``x += 1`` rebinds ``x`` instead of changing an object
  that a point's info may share, they compare by value (c104 compares identity, so
  ``Int7(5) == 5`` is False there), and binary arithmetic keeps the class and its range
  (c104 returns a plain int or float from ``+ - * /`` and checks the range only in ``+=``);
- the value properties of an Information (``on``, ``state``, ``actual``, ...) can be set unless
  the info was received (c104 2.2.1 has no setters at all);
- plain numbers and ints are accepted wherever c104 wants one of its number types, enums or
  flag sets, and are range checked (c104 mostly refuses them with a TypeError);
- ``Byte32(int)`` keeps every int in 0..2**32-1 (see Byte32), and ``BinaryCounterInfo`` works
  without an explicit ``quality=``.

The engine converts with ``info_from_object`` (received, read-only) and ``object_from_info``.

This module is the public face; the code lives in modules named for what they hold:
numbers.py (the number types), info_fields.py (argument conversion, the field descriptor),
info_base.py (Information), monitoring_info.py and command_info.py (the classes),
info_conversion.py (INFO_CLASS and the conversions to and from information objects).
"""

from __future__ import annotations

from .command_info import (
    BinaryCmd,
    DoubleCmd,
    NormalizedCmd,
    ScaledCmd,
    ShortCmd,
    SingleCmd,
    StepCmd,
)
from .info_base import Information
from .info_conversion import (
    INFO_CLASS,
    default_info,
    fit_time_tag,
    info_from_object,
    object_from_info,
)
from .monitoring_info import (
    BinaryCounterInfo,
    BinaryInfo,
    DoubleInfo,
    NormalizedInfo,
    ProtectionCircuitInfo,
    ProtectionEventInfo,
    ProtectionStartInfo,
    ScaledInfo,
    ShortInfo,
    SingleInfo,
    StatusAndChanged,
    StepInfo,
)
from .numbers import Byte32, Int7, Int16, NormalizedFloat, UInt5, UInt7, UInt16

__all__ = [
    "INFO_CLASS",
    "BinaryCmd",
    "BinaryCounterInfo",
    "BinaryInfo",
    "Byte32",
    "DoubleCmd",
    "DoubleInfo",
    "Information",
    "Int7",
    "Int16",
    "NormalizedCmd",
    "NormalizedFloat",
    "NormalizedInfo",
    "ProtectionCircuitInfo",
    "ProtectionEventInfo",
    "ProtectionStartInfo",
    "ScaledCmd",
    "ScaledInfo",
    "ShortCmd",
    "ShortInfo",
    "SingleCmd",
    "SingleInfo",
    "StatusAndChanged",
    "StepCmd",
    "StepInfo",
    "UInt5",
    "UInt7",
    "UInt16",
    "default_info",
    "fit_time_tag",
    "info_from_object",
    "object_from_info",
]
