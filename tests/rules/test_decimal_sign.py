"""Numbers written with a decimal comma mean what the same numbers with a point mean: the text is
rewritten in the rules' notation and read by the rules, never by a parser of its own."""

from __future__ import annotations

import pytest

from c104test.protocol.enums import Type
from c104test.rules import decimal_sign_shown, expectation, parse_value, with_decimal_point
from c104test.rules.tolerance import parse_tolerance
from c104test.rules.typeclasses import TypeClass

# (as a list with the decimal comma writes it, as the rules write it, the point's type)
SAME = [
    ("230,5", "230.5", Type.M_ME_NC_1),
    ("230,5 +- 0,5", "230.5 +- 0.5", Type.M_ME_NC_1),
    ("50 ± 1,5%", "50 ± 1.5%", Type.M_ME_NC_1),
    ("49,9..50,1", "49.9..50.1", Type.M_ME_NC_1),
    ("-0,25", "-0.25", Type.M_ME_NA_1),
    ("1.234,5 +/- 0,5", "1234.5 +/- 0.5", Type.M_ME_NC_1),
    ("1.234", "1.234", Type.M_ME_NB_1),  # a point beside no comma, three digits: refused below
    ("5 transient", "5 transient", Type.M_ST_NA_1),
    ("12345 seq 3 CY", "12345 seq 3 CY", Type.M_IT_NA_1),
    ("0x0000A5A5", "0x0000A5A5", Type.M_BO_NA_1),
    ("ON", "ON", Type.M_SP_NA_1),
    ("12,0", "12.0", Type.M_ME_NB_1),
]


@pytest.mark.parametrize(("comma", "point", "point_type"), [s for s in SAME if s[0] != "1.234"])
def test_a_decimal_comma_means_what_the_point_means(comma: str, point: str, point_type: Type) -> None:
    assert with_decimal_point(comma, ",") == point
    ours, theirs = expectation(with_decimal_point(comma, ","), point_type), expectation(point, point_type)
    assert ours == theirs and str(ours) == str(theirs)
    # and nothing changes for a list that writes the point
    assert with_decimal_point(point, ".") == point


def test_what_either_sign_could_mean_is_refused_with_both_readings() -> None:
    with pytest.raises(ValueError, match=r"^the point in 12\.345 may separate thousands; write 12345 \(or 12,345 for a decimal\)$"):
        with_decimal_point("12.345 +- 1", ",")
    with pytest.raises(ValueError, match=r"1\.234 may separate thousands"):
        with_decimal_point("1.234..2", ",")
    with pytest.raises(ValueError, match=r"1,234,5 has 2 decimal commas"):
        with_decimal_point("1,234,5", ",")
    # the rules themselves still refuse a comma where the point is the sign, saying both readings
    with pytest.raises(ValueError, match=r"write 1\.234 \(or 1234 if it separates thousands\)"):
        parse_value(with_decimal_point("1,234", "."), TypeClass.SHORT)
    with pytest.raises(ValueError, match="decimal sign ';'"):
        with_decimal_point("1", ";")


def test_the_sign_a_text_shows() -> None:
    shown = {t: decimal_sign_shown(t) for t in ("12,5", "0,125", "1.234,5", "12.5", "1,234.5", "0.25 +- 0,1",
                                                "1,234", "12.345", "12", "49,9..50,1", "M_ME_NC_1", "0x12,5")}
    assert shown == {"12,5": ",", "0,125": ",", "1.234,5": ",", "12.5": ".", "1,234.5": ".", "0.25 +- 0,1": ".",
                     "1,234": None, "12.345": None, "12": None, "49,9..50,1": ",", "M_ME_NC_1": None, "0x12,5": None}
    assert parse_tolerance(with_decimal_point("0,5", ",")) == parse_tolerance("0.5")
