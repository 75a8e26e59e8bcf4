"""The examples in the station layer's docstrings run."""

from __future__ import annotations

import doctest

import pytest

from c104test.protocol.station import controlling, events, faults, hooks, station


@pytest.mark.parametrize("module", [controlling, events, faults, hooks, station], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
