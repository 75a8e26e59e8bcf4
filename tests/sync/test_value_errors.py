"""A value of the wrong type for a point (``True`` for a double point became Double(1), OFF): c104 raises ValueError ("Invalid value, please provide an
instance of the matching information object"), c104test raised TypeError, so a c104 script's
``except ValueError`` let it through. Both are caught now."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104


@pytest.mark.parametrize(("point_type", "value"), [
    (c104.Type.M_SP_NA_1, 5),
    (c104.Type.M_DP_NA_1, True),
    (c104.Type.M_ME_NC_1, "230.5"),
    # a float for a whole-number type: TypeError ("'float' object cannot be interpreted as an integer")
    (c104.Type.M_ME_NB_1, 5.7),
    (c104.Type.M_ST_NA_1, 5.0),
    (c104.Type.M_IT_NA_1, 5.7),
    (c104.Type.C_SE_NB_1, 5.5),
    (c104.Type.M_ME_NB_1, "5"),
])
def test_a_wrong_value_is_a_value_error_as_in_c104(
    make_client: Callable[..., Any], point_type: c104.Type, value: object
) -> None:
    station = make_client().add_connection(ip="127.0.0.1", port=2404, init=c104.Init.NONE).add_station(common_address=47)
    point = station.add_point(io_address=100, type=point_type)
    with pytest.raises(ValueError):
        point.value = value
    with pytest.raises(TypeError):  # what c104test raised so far, for scripts written against it
        point.value = value


@pytest.mark.parametrize(("point_type", "value", "message"), [
    (c104.Type.M_ME_NB_1, 5.7, "expected Int16 (a whole number), not 5.7"),
    (c104.Type.M_ST_NA_1, 5.0, "expected Int7 (a whole number), not 5.0"),
    (c104.Type.M_IT_NA_1, "5", "expected a counter reading (a whole number), not '5'"),
])
def test_a_servers_point_refuses_a_float_for_a_whole_number_saying_what_it_takes(
    point_type: c104.Type, value: object, message: str
) -> None:
    point = c104.Server(ip="127.0.0.1", port=0).add_station(common_address=47).add_point(io_address=11, type=point_type)
    with pytest.raises(ValueError, match=re.escape(message)):
        point.value = value
