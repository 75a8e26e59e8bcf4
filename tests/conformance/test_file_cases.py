"""A39/A40 beyond the mutation proof: the PICS decides what is read and what a negative section
ack must do; a PICS without file transfer makes both n/a naming the item."""

from __future__ import annotations

import dataclasses

import pytest
import trio

from c104test.conformance import (
    CASES,
    PicsError,
    Verdict,
    parse_pics,
    pics_from_profile,
    run_case,
    select_cases,
)
from c104test.engine.simulator import open_simulator

from .simulated import PICS, PICS_TEXT, PROFILE

select_cases()


def verdict(case_id: str, pics=PICS, profile=PROFILE):
    async def main():
        async with open_simulator(profile) as sim:
            return await run_case(CASES[case_id], "127.0.0.1", sim.port, pics)

    return trio.run(main)


def test_the_demo_pics_claims_its_file() -> None:
    assert PICS["functions.file_transfer"] is True
    assert [(f.io_address, f.nof) for f in PICS.files] == [(700, 1)]
    assert PICS["functions.negative_section_ack"] == "repeat"


def test_a40_follows_the_pixit_on_a_negative_section_ack() -> None:
    aborting = dataclasses.replace(PROFILE, pixit=dataclasses.replace(PROFILE.pixit, negative_section_ack="abort"))
    honest = parse_pics(pics_from_profile(aborting))
    assert verdict("A40", honest, aborting).verdict is Verdict.PASS
    claimed = verdict("A40", PICS, aborting)  # the PICS says repeat, the RTU aborts
    assert claimed.verdict is Verdict.FAIL and "LSQ 2" in claimed.reason, claimed.reason


@pytest.mark.parametrize(("old", "new", "item"), [
    ("file_transfer: true", "file_transfer: false", "functions.file_transfer"),
    ("    - {io_address: 700, nof: 1}", "", "points.files"),
])
def test_without_file_transfer_both_cases_are_not_applicable(old: str, new: str, item: str) -> None:
    pics = parse_pics(PICS_TEXT.replace(old, new))
    for case_id in ("A39", "A40"):
        result = verdict(case_id, pics)
        assert result.verdict is Verdict.NOT_APPLICABLE and item in result.reason, result.reason


def test_a_file_outside_the_directory_fails_a39() -> None:
    pics = parse_pics(PICS_TEXT.replace("{io_address: 700, nof: 1}", "{io_address: 700, nof: 2}"))
    result = verdict("A39", pics)
    assert result.verdict is Verdict.FAIL and "does not list file 2 at IOA 700" in result.reason


def test_pics_file_entries_are_checked_with_line_and_field() -> None:
    text = "rtu: {common_addresses: [1]}\npoints:\n  files:\n    - {io_address: 700, name: 1}\n"
    with pytest.raises(PicsError, match=r"<pics>:4: points.files\[0\].name: unknown field; a file has: io_address, nof"):
        parse_pics(text)
