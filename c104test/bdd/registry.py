"""The registry of c104test's Gherkin steps: how a step is declared, and what the catalogue reads.

``step`` registers a function with pytest-bdd and records it in ``STEP_DEFINITIONS``, from which
docs/steps.md is generated (docs/build_step_catalogue.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_bdd import given, parsers, then, when

__all__ = ["STEP_DEFINITIONS", "StepDefinition", "StepFailed", "StepUsageError", "step"]


class StepFailed(AssertionError):
    """The RTU did not do what a Then step expects."""


class StepUsageError(Exception):
    """A step was written or used wrongly (a bad value, no connection yet)."""


# ---- the registry behind docs/steps.md --------------------------------------------------------------


@dataclass(frozen=True)
class StepDefinition:
    """One step as the catalogue shows it; ``pattern`` is the regular expression pytest-bdd matches."""

    keyword: str  # Given, When or Then
    pattern: str
    function: Callable[..., Any]

    @property
    def _doc(self) -> list[str]:
        return (self.function.__doc__ or "").strip().splitlines()

    @property
    def syntax(self) -> str:
        return self._doc[0].strip() if self._doc else self.pattern

    @property
    def description(self) -> str:
        lines = self._doc[1:]
        if "Examples:" in [line.strip() for line in lines]:
            lines = lines[: [line.strip() for line in lines].index("Examples:")]
        return _dedent(lines)

    @property
    def examples(self) -> list[str]:
        lines = [line.strip() for line in self._doc]
        if "Examples:" not in lines:
            return []
        rest = lines[lines.index("Examples:") + 1 :]
        return [line for line in rest if line]

    def matches(self, text: str) -> bool:
        """True if ``text`` (without its Given/When/Then/And keyword) is this step."""
        return re.fullmatch(self.pattern, text) is not None


def _dedent(lines: Sequence[str]) -> str:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines).strip()


STEP_DEFINITIONS: list[StepDefinition] = []

_DECORATORS = {"Given": given, "When": when, "Then": then}


def step(keyword: str, pattern: str, *, target_fixture: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        # stacklevel=2: pytest-bdd puts the step fixture into this module, not into register()
        _DECORATORS[keyword](parsers.re(pattern), target_fixture=target_fixture, stacklevel=2)(function)
        STEP_DEFINITIONS.append(StepDefinition(keyword, pattern, function))
        return function

    return register
