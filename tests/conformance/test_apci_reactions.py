"""The PIXIT reactions of the APCI cases both ways: with a PICS that says ``ignore`` a closing RTU
fails and an ignoring one passes, and answering a malformed or early frame fails whatever the PICS
says (L03, R13, R14)."""

from __future__ import annotations

import re

import pytest

from c104test.conformance import CASES, Verdict, mutant_plan, parse_pics, select_cases

from .simulated import PICS_TEXT, run_against_simulator

select_cases()


def ignoring(item: str):
    """The simulated RTU's PICS with ``item`` (``section.key``) set to ignore."""
    key = item.split(".")[1]
    text, count = re.subn(rf"(?m)^(  {key}: )close", r"\1ignore", PICS_TEXT)
    assert count == 1, item
    return parse_pics(text, "ignoring.yaml")


@pytest.mark.parametrize(
    ("case_id", "item", "plan", "verdict", "words"),
    [
        # the conformant simulator closes: wrong for an RTU whose PICS says ignore
        ("R14", "robustness.s_frame_reserved_bits", "", Verdict.FAIL, "it must stay open"),
        # an RTU that takes the S-frame as valid does what "ignore" claims
        ("R14", "robustness.s_frame_reserved_bits", "lenient_s_frames", Verdict.PASS, ""),
        # answering is never conforming, whatever the PICS says
        ("R13", "robustness.invalid_u_frame", "lenient_u_frames", Verdict.FAIL, "must not be interpreted"),
        ("L03", "link.i_frame_when_stopped", "answer_when_stopped", Verdict.FAIL, "was processed"),
    ],
)
def test_the_pics_reaction_is_checked_both_ways(case_id: str, item: str, plan: str, verdict: Verdict, words: str) -> None:
    result = run_against_simulator(CASES[case_id], mutant_plan(plan) if plan else (), pics=ignoring(item))
    assert result.verdict is verdict, f"{result.verdict.value}: {result.reason}"
    assert words in result.reason
