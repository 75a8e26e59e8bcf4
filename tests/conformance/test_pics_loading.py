"""Loading a PICS as a utility writes one: every mistake names the file, the line and the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from c104test.conformance import PicsError, load_pics, parse_pics


def test_a_common_address_listed_twice_names_both_entries(tmp_path: Path) -> None:
    """[47, 48, 47] was accepted silently (the list was de-duplicated and sorted)."""
    pics = tmp_path / "rtu.yaml"
    pics.write_text("rtu:\n  common_addresses: [47, 48, 47]\n")
    with pytest.raises(PicsError) as caught:
        load_pics(pics)
    assert str(caught.value) == (
        f"{pics}:2: rtu.common_addresses: common address 47 is listed twice: entry 1 (line 2, column 22) and "
        "entry 3 (line 2, column 30); list it once"
    )


def test_the_first_common_address_is_the_one_the_cases_use() -> None:
    """The item says 'the first is used by the cases'; [48, 47] used 47 (the list was sorted)."""
    pics = parse_pics("rtu:\n  common_addresses: [48, 47]\n")
    assert pics.common_address == 48
    assert pics["rtu.common_addresses"] == [48, 47]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("  read:\n    - {io_address: 100, type: M_SP_NA_1}\n    - {io_address: 101, type: M_SP_NA_1}\n"
         "    - io_address: 100\n      type: M_DP_NA_1\n",
         ":9: points.read: the point with io address 100 is listed twice: points.read[0] (line 7, column 7) and "
         "points.read[2] (line 9, column 7)"),
        ("  commands:\n    - {io_address: 500, type: C_SC_NA_1, value: true}\n"
         "    - {io_address: 500, type: C_SC_NA_1, value: false}\n",
         ":8: points.commands: the point with io address 500 with C_SC_NA_1 (direct) is listed twice"),
    ],
)
def test_a_point_listed_twice_names_both_entries(points: str, message: str) -> None:
    with pytest.raises(PicsError) as caught:
        parse_pics("rtu:\n  common_addresses: [47]\nfunctions:\n  read: true\npoints:\n" + points, "rtu.yaml")
    assert str(caught.value).startswith("rtu.yaml" + message), caught.value


def test_a_group_listed_twice_is_named() -> None:
    with pytest.raises(PicsError, match=r"functions.interrogation_groups: group 2 is listed twice: entry 1 .* entry 3"):
        parse_pics("rtu: {common_addresses: [1]}\nfunctions:\n  interrogation_groups: [2, 3, 2]\n")


def test_the_same_point_may_be_commanded_directly_and_with_select() -> None:
    pics = parse_pics("rtu: {common_addresses: [1]}\npoints:\n  commands:\n"
                      "    - {io_address: 500, type: C_SC_NA_1, value: true}\n"
                      "    - {io_address: 500, type: C_SC_NA_1, value: true, mode: select}\n")
    assert [c.mode for c in pics.commands()] == ["direct", "select"]


@pytest.mark.parametrize("text", ["rtu:\n  common_addresses: [" + "9" * 3000 + "]\n",
                                  "rtu: {common_addresses: [1]}\nfunctions:\n  read: " + "y" * 3000 + "\n"])
def test_a_long_wrong_value_is_quoted_by_its_first_80_characters(text: str) -> None:
    """A wrong value was quoted whole: a 3,000-character one-line message."""
    with pytest.raises(PicsError) as caught:
        parse_pics(text, "rtu.yaml")
    assert len(str(caught.value)) < 200 and "..." in str(caught.value), caught.value
    assert str(caught.value).startswith(("rtu.yaml:2: rtu.common_addresses: 9999", "rtu.yaml:3: functions.read: expected true"))


def test_an_item_left_out_names_the_line_that_claims_it() -> None:
    """A09 with functions.counter_groups left out said "'counter_groups: true' in its section
    claims it", a line the PICS refuses: a list item is claimed by listing its members."""
    pics = parse_pics("rtu: {common_addresses: [47]}\nfunctions: {counter_interrogation: true}\n", file="rtu.yaml")
    assert pics.not_given("functions.counter_groups") == (
        "PICS functions.counter_groups is not in the file: not claimed (optional; "
        "'counter_groups: [1, 2]' in its section claims it)")
    assert pics.not_given("functions.read").endswith("; 'read: true' in its section claims it)")
    parse_pics("rtu: {common_addresses: [47]}\nfunctions: {counter_groups: [1, 2], read: true}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("functions: {station_interogation: true}\n",
         "rtu.yaml:2: functions.station_interogation: unknown item; did you mean station_interrogation? functions has: "),
        ("command: {act_term: true}\n", "rtu.yaml:2: command: unknown section; did you mean commands? known: commands, "),
        ("link: {t9: 1}\n", "rtu.yaml:2: link.t9: unknown item; link has: k, w, t0, t1, t2, t3"),
        ("points:\n  read:\n    - {io_address: 100, type: M_DP_XA_1}\n",
         "rtu.yaml:4: points.read[0].type: 'M_DP_XA_1' is not a type identification (like M_SP_NA_1); did you mean "),
    ],
)
def test_a_misspelt_name_gets_the_closest_one(text: str, message: str) -> None:
    """The profile and the signal list say "did you mean"; the PICS only listed every valid name."""
    with pytest.raises(PicsError) as info:
        parse_pics("rtu: {common_addresses: [47]}\n" + text, file="rtu.yaml")
    assert str(info.value).startswith(message), str(info.value)


def test_a_type_is_read_as_in_every_other_front_end() -> None:
    """'M_SP_NA' (without _1), 'm_sp_na_1' and 1 are M_SP_NA_1 in a profile, a signal list, Robot and
    Gherkin (rules.names); the PICS refused all three."""
    pics = parse_pics("rtu: {common_addresses: [47]}\npoints:\n  read:\n    - {io_address: 100, type: M_SP_NA}\n"
                      "    - {io_address: 101, type: m_sp_tb_1}\n    - {io_address: 102, type: 3}\n")
    assert [p.type.name for p in pics.read_points] == ["M_SP_NA_1", "M_SP_TB_1", "M_DP_NA_1"]
