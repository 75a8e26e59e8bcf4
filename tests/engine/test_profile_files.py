"""Files in a simulator profile (docs/profile.md#files): parsed, and every error names file, line and field."""

from __future__ import annotations

import textwrap

import pytest

from c104test.engine.file_profile import FileProfile, generated_content
from c104test.engine.profile import ProfileError, demo_profile, parse_profile

HEAD = "stations:\n  - common_address: 1\n    points: [{io_address: 100, type: M_SP_NA_1}]\n    files:\n"


def parse(files: str):
    return parse_profile(HEAD + textwrap.indent(textwrap.dedent(files), "      "), "rtu.yaml")


def test_text_hex_and_generated_content() -> None:
    station = parse("""\
        - {io_address: 700, name: 1, text: "héllo", sections: 2}
        - {io_address: 701, name: 2, hex: "01 ff"}
        - {io_address: 702, name: 3, size: 300}
        """).stations[0]
    assert [f.content for f in station.files] == ["héllo".encode(), b"\x01\xff", generated_content(300)]
    assert station.files[0].sections == 2 and generated_content(300)[256:258] == b"\x00\x01"


def test_the_demo_rtu_offers_one_small_file() -> None:
    [f] = demo_profile().stations[0].files
    assert (f.io_address, f.name, f.sections) == (700, 1, 2) and len(f.content) < 100


@pytest.mark.parametrize(("files", "expected"), [
    ("- {io_address: 700, text: x}", "rtu.yaml:5: stations[0].files[0].name: missing; every file needs io_address and name"),
    ("- {io_address: 700, name: 1, text: x, size: 3}", "rtu.yaml:5: stations[0].files[0]: give exactly one of text, hex or size (got text, size)"),
    ("- {io_address: 100, name: 1, text: x}", "rtu.yaml:5: stations[0].files[0].io_address: 100 is already used by a point"),
    ("- {io_address: 700, name: 1, hex: zz}", "rtu.yaml:5: stations[0].files[0].hex: 'zz' is not hex octets (like '01 a2 ff')"),
    ("- {io_address: 700, name: 70000, text: x}", "rtu.yaml:5: stations[0].files[0].name: expected an integer in 1..65535, got 70000"),
    ("- {io_address: 700, name: 1, text: ab, sections: 3}", "rtu.yaml:5: stations[0].files[0].sections: 3; 1..2 for 2 octets"),
    ("- {io_address: 700, name: 1, tex: ab}", "rtu.yaml:5: stations[0].files[0].tex: unknown key; did you mean 'text'?"),
    ("- {io_address: 700, name: 1, text: a}\n- {io_address: 700, name: 2, text: b}",
     "rtu.yaml:6: stations[0].files[1].io_address: 700 is already used by stations[0].files[0]"),
])
def test_file_errors_name_the_line_and_field(files: str, expected: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse(files)
    assert str(info.value) == expected


def test_the_pixit_names_the_reaction_to_a_negative_section_ack() -> None:
    with pytest.raises(ProfileError, match=r"rtu\.yaml:2: pixit\.negative_section_ack: .retry. is not a reaction"):
        parse_profile("pixit:\n  negative_section_ack: retry\nstations: [{common_address: 1}]\n", "rtu.yaml")
    assert parse_profile("pixit: {negative_section_ack: abort}\nstations: [{common_address: 1}]\n").pixit.negative_section_ack == "abort"


def test_the_dataclass_checks_too() -> None:
    with pytest.raises(ValueError, match="content"):
        FileProfile(700, 1, b"")
