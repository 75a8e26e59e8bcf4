"""The hand-written pages name only what exists: profile keys, suite variables, options, cases.

The PICS, FAT and conformance pages describe the ready suites and the profile in prose. These tests
tie every name they use to the code, so a renamed variable or a new PIXIT key fails here instead of
leaving the page wrong.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from c104test.bdd.plugin import OPTIONS
from c104test.engine.profile import Pixit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HAND_WRITTEN = ("pics.md", "fat.md", "conformance.md", "conformance-master.md")  # conformance.md: intro and matrix generated


def text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def suite_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "keywords").glob("*.*")))


def test_the_pics_page_names_every_pixit_key_and_no_other() -> None:
    named = set(re.findall(r"`pixit\.(\w+)`", text("pics.md")))
    fields = {f.name for f in dataclasses.fields(Pixit)}
    assert named == fields, f"missing on the page: {fields - named}; not a Pixit field: {named - fields}"


def test_suite_variables_on_the_pages_exist() -> None:
    suites = suite_text()
    for page in HAND_WRITTEN:
        # a keyword's own arguments in an example on the page are no suite variables
        own = {v for line in re.findall(r"\[Arguments\](.*)", text(page)) for v in re.findall(r"\$\{(\w+)\}", line)}
        for variable in (set(re.findall(r"\$\{(\w+)\}", text(page))) | set(re.findall(r"--variable (\w+):", text(page)))) - own:
            assert re.search(rf"^\$\{{{variable}\}}\s", suites, re.MULTILINE), f"{page}: ${{{variable}}}"


def test_pytest_options_on_the_pages_exist() -> None:
    flags = {option.flag for option in OPTIONS}
    for page in HAND_WRITTEN:
        for flag in re.findall(r"(--rtu-[\w-]+|--c104-[\w-]+)", text(page)):
            assert flag in flags, f"{page}: {flag}"


def cases_in(listing: str) -> set[str]:
    """``L01-L04, A16, R08-R10`` -> {"L01", "L02", ...}."""
    cases: set[str] = set()
    for first, last in re.findall(r"\b([LAR]\d\d)(?:-([LAR]\d\d))?\b", listing):
        end = int(last[1:]) if last else int(first[1:])
        cases |= {f"{first[0]}{n:02d}" for n in range(int(first[1:]), end + 1)}
    return cases


def test_the_conformance_page_lists_the_cases_of_the_suite() -> None:
    from c104test.conformance import CASES, select_cases

    select_cases()
    on_page = set(re.findall(r"^\| ([LAR]\d\d) \|", text("conformance.md"), re.MULTILINE))
    suite = (ROOT / "keywords" / "conformance.robot").read_text(encoding="utf-8")
    in_suite = set(re.findall(r"^([LAR]\d\d) ", suite, re.MULTILINE))
    feature = (ROOT / "features" / "conformance.feature").read_text(encoding="utf-8")
    in_feature = set(re.findall(r"^\s+\| ([LAR]\d\d) \|", feature, re.MULTILINE))
    assert on_page == in_suite == in_feature == set(CASES)


def test_the_pics_page_names_every_pics_item() -> None:
    from c104test.conformance.pics import ITEMS

    page = text("pics.md")
    missing = [item.key for item in ITEMS if f"`{item.key}`" not in page]
    assert not missing, f"docs/pics.md does not describe: {missing}"


def test_the_master_page_lists_every_master_check() -> None:
    from c104test.conformance.master_checks import MASTER_CHECKS

    rows = dict(re.findall(r"^\| (M\d\d) \| ([^|]+?) \|", text("conformance-master.md"), re.MULTILINE))
    assert rows == {c.id: c.title for c in MASTER_CHECKS.values()}


def test_case_listing_parser() -> None:
    assert cases_in("L01-L03, A16, R08-R09") == {"L01", "L02", "L03", "A16", "R08", "R09"}


def test_repository_files_named_on_the_pages_exist() -> None:
    for page in HAND_WRITTEN:
        for path in re.findall(r"\]\(\.\./([^)#]+)\)", text(page)):
            assert (ROOT / path).exists(), f"{page}: {path}"


def cli_options() -> dict[str, set[str]]:
    """Every option of every ``c104test`` command, from the parser itself: {"fat": {"--points", "-p", ...}}."""
    import argparse

    from c104test.cli import _parser

    found: dict[str, set[str]] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, subparser in action.choices.items():
                    walk(subparser, f"{name} {sub}".strip())
            elif action.option_strings and action.dest != "help" and name:
                found.setdefault(name, set()).update(action.option_strings)

    walk(_parser(), "")
    return found


def test_the_command_line_page_names_every_option_of_each_command_and_no_other() -> None:
    """docs/cli.md has a section per command; an option added to the parser and not to its
    section, or a section naming an option its command lacks, fails here."""
    page = text("cli.md")
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", page, re.MULTILINE | re.DOTALL))
    options = cli_options()
    assert set(sections) == {c for c in options if c != "report"} | {"explain"}
    for command, section in sections.items():
        have = options.get(command, set())
        named = set(re.findall(r"`(--?[a-z][\w-]*)", section))
        assert have <= named, f"docs/cli.md, section {command}: not named: {sorted(have - named)}"
        assert named <= have, f"docs/cli.md, section {command}: no such option: {sorted(named - have)}"


def test_the_profile_page_lists_every_fault() -> None:
    """refusal_without_pn could be given to --fault but was on no page."""
    from c104test.protocol.station.faults import FAULTS

    section = text("profile.md").split("\n## faults\n", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    assert rows == set(FAULTS), f"missing on the page: {set(FAULTS) - rows}; no such fault: {rows - set(FAULTS)}"
