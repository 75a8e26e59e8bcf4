"""The step catalogue (docs/steps.md) and the acceptance feature keep up with the step definitions."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pytest_bdd.feature import get_feature

from c104test.bdd import plugin
from c104test.bdd.steps import STEP_DEFINITIONS, StepDefinition

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "docs" / "build_step_catalogue.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_step_catalogue", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_catalogue_is_up_to_date() -> None:
    expected = generator().render()
    current = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    assert current == expected, "docs/steps.md is stale: run python docs/build_step_catalogue.py"


def test_the_documented_command_checks_it() -> None:
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_fixture_is_in_the_catalogue() -> None:
    fixtures = {name for name in vars(plugin) if name.startswith("c104_")}
    assert fixtures == {name for name, _ in generator().FIXTURES}


@pytest.mark.parametrize("definition", STEP_DEFINITIONS, ids=lambda d: f"{d.keyword} {d.syntax}")
def test_each_example_matches_its_step_and_no_other(definition: StepDefinition) -> None:
    assert definition.examples, "every step shows at least one example"
    for example in definition.examples:
        keyword, _, text = example.partition(" ")
        assert keyword == definition.keyword, example
        matching = [d for d in STEP_DEFINITIONS if d.keyword == keyword and d.matches(text)]
        assert matching == [definition], f"{example!r} matches {[d.syntax for d in matching]}"


def test_the_acceptance_feature_uses_every_step() -> None:
    # acceptance.feature uses every step except the conformance ones, which conformance.feature uses,
    # and the master checks', which tests/bdd/features/master_conformance.feature uses
    features = [get_feature(str(ROOT / "features"), name) for name in ("acceptance.feature", "conformance.feature")]
    features.append(get_feature(str(Path(__file__).parent / "features"), "master_conformance.feature"))
    used: set[int] = set()
    for template in (t for feature in features for t in feature.scenarios.values()):
        contexts = [c for examples in template.examples for c in examples.as_contexts()] or [{}]
        for context in contexts:
            for step in template.render(context).steps:
                keyword = step.type.capitalize()
                if step.name == "the test master is started":  # the test's own step (starts the master)
                    continue
                matching = [d for d in STEP_DEFINITIONS if d.keyword == keyword and d.matches(step.name)]
                assert len(matching) == 1, f"{keyword} {step.name!r} matches {len(matching)} steps"
                used.add(id(matching[0]))
    unused = [f"{d.keyword} {d.syntax}" for d in STEP_DEFINITIONS if id(d) not in used]
    assert not unused, f"features/acceptance.feature and conformance.feature do not use: {unused}"
