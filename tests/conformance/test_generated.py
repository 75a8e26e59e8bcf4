"""docs/conformance.md, keywords/conformance.robot and features/conformance.feature are generated
from the case definitions and must be up to date."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "docs" / "build_conformance.py"


def generator():
    spec = importlib.util.spec_from_file_location("build_conformance", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_files_are_up_to_date() -> None:
    gen = generator()
    for path, render in ((gen.PAGE, gen.render_page), (gen.SUITE, gen.render_suite), (gen.FEATURE, gen.render_feature),
                         (gen.DEMO_PICS, gen.render_demo_pics), (gen.FAST_RTU, gen.render_fast_rtu),
                         (gen.SUITE_RTU, gen.render_fast_rtu)):
        assert path.read_text(encoding="utf-8") == render(), f"{path.name} is stale: run python docs/build_conformance.py"


def test_the_documented_command_checks_it() -> None:
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_catalogue_case_is_implemented_or_says_why_not() -> None:
    from c104test.conformance import CASES, CATALOGUE, select_cases

    select_cases()
    gen = generator()
    for case_id in CATALOGUE:
        assert (case_id in CASES) != (case_id in gen.NOT_YET), case_id
