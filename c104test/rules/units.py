"""Units written beside a number (``110 kV``, ``49.9 Hz..50.1 Hz``, ``230 +- 0.5 kV``) and in a
header (``Value [kV]``): the number is the value, the unit only says what it counts.

>>> split_unit("110 kV")
('110', 'kV')
>>> split_unit("230 kV +- 0.5 kV")
('230 +- 0.5', 'kV')
>>> split_unit("50 +- 1%")
('50 +- 1%', None)
>>> split_unit("50 %")
('50 %', None)

Only units from :data:`UNITS` are taken off (any case: ``KV`` is kV), so a word that is no unit
(``5 transient``, ``12345 seq 3 CY``) stays for the rules that read it. A percent sign after a
tolerance is a relative tolerance (``50 +- 1%``), never a unit. Two different units in one cell
(``110 kV +- 5 V``) are refused: converting them is a guess about which one the device reports in.
A percent sign after the value alone (``50 %``) is not taken off: the rules read it as a tolerance
without its value, and refuse it (50 percent, or a tolerance of 50 %?).
"""

from __future__ import annotations

import re

__all__ = ["UNITS", "header_unit", "same_unit", "split_unit"]

#: Units of the values a signal list gives, as written in the standard's way (kV, MW, Mvar, °C).
UNITS: tuple[str, ...] = (
    "V", "kV", "MV", "mV", "A", "kA", "mA", "W", "kW", "MW", "GW", "var", "kvar", "Mvar", "VA", "kVA", "MVA",
    "Wh", "kWh", "MWh", "GWh", "varh", "kvarh", "Mvarh", "Hz", "mHz", "°C", "°F", "K", "%", "‰", "s", "ms",
    "min", "h", "bar", "mbar", "Pa", "kPa", "MPa", "m", "mm", "cm", "km", "°", "deg", "rpm", "Ohm", "Ω", "kΩ",
    "MΩ", "pu", "p.u.", "m³/h", "m3/h", "l/s", "m/s", "t", "kg", "cos φ", "cosphi", "pF", "µs", "ppm",
)
# any case (KV is kV) where that names one unit; MV and mV only as written
_LOWER = [u.lower() for u in UNITS]
_BY_KEY = {u.lower(): u for u in UNITS if _LOWER.count(u.lower()) == 1}
_NUMBER = r"[-+]?(?:\d[\d.,']*|\.\d+)(?:[eE][-+]?\d+)?"
_UNIT = r"(?P<{}>[^\d\s+\-±.][^\d\s+±]*(?:\s?[φ])?)"
_TOL = r"(?:\+-|\+/-|±)"
_CELL = re.compile(
    rf"^(?P<n>{_NUMBER})\s*{_UNIT.format('u')}?\s*(?:(?P<t>{_TOL})\s*(?P<tn>{_NUMBER})\s*{_UNIT.format('tu')}?)?$"
)


def _unit(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() if text.strip() in UNITS else _BY_KEY.get(text.strip().lower())


def same_unit(a: str, b: str) -> bool:
    """``kV`` and ``KV`` are one unit; ``kV`` and ``V`` are not."""
    return (_unit(a) or a.strip()) == (_unit(b) or b.strip()) if a.strip() and b.strip() else False


def split_unit(text: str) -> tuple[str, str | None]:
    """The cell without its unit, and the unit (None: the cell names none). ValueError for two
    different units in one cell. A cell that is not a number with a known unit comes back as it is."""
    stripped = text.strip()
    if ".." in stripped:  # a range: each end may carry the unit (49.9 Hz..50.1 Hz, 49.9..50.1 Hz)
        low, _, high = stripped.partition("..")
        (low_text, low_unit), (high_text, high_unit) = split_unit(low), split_unit(high)
        if low_unit and high_unit and low_unit != high_unit:
            raise ValueError(f"{stripped!r} names two units ({low_unit} and {high_unit}): write both ends in one unit")
        return f"{low_text}..{high_text}", low_unit or high_unit
    found = _CELL.match(stripped)
    if found is None:
        return text, None
    unit, tolerance_unit = found["u"], found["tu"]
    if unit == "%":
        return text, None  # '0.5 %' reads as a tolerance without its value (rules.tolerance), in every front end
    if (unit is not None and _unit(unit) is None) or (tolerance_unit is not None and tolerance_unit != "%" \
            and _unit(tolerance_unit) is None):
        return text, None  # '5 transient', '3 seq': no unit; the rules read the words
    if unit is None and tolerance_unit in (None, "%"):
        return text, None
    if tolerance_unit == "%":
        tolerance = f" {found['t']} {found['tn']}%"  # a relative tolerance, not a unit
    elif found["t"]:
        tolerance = f" {found['t']} {found['tn']}"
        if unit is not None and tolerance_unit is not None and _unit(unit) != _unit(tolerance_unit):
            raise ValueError(f"{stripped!r} names two units ({_unit(unit)} and {_unit(tolerance_unit)}): write the "
                             "value and its tolerance in one unit")
    else:
        tolerance = ""
    return f"{found['n']}{tolerance}", _unit(unit) or _unit(tolerance_unit)


def header_unit(header: str) -> tuple[str, str | None]:
    """A header without the unit it names in brackets (``Value [kV]``, ``Wert (kV)``), and that
    unit; a bracket that names no unit (``IOA (dec)``) is taken off and gives None."""
    unit = None
    for inside in re.findall(r"[\[(]([^\])]*)[\])]", header):
        unit = unit or _unit(inside)
    return re.sub(r"\s*[\[(][^\])]*[\])]\s*", " ", header).strip(), unit
