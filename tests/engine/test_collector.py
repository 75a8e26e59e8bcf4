"""The garbage collector's tuning: once per process, only upward, and an opt-out."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import trio

from c104test.engine import collector
from c104test.engine.collector import GEN0_THRESHOLD, tune_collector
from c104test.engine.profile import demo_profile
from c104test.engine.simulator import Simulator


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process in which nothing has tuned the collector yet; its thresholds restored after."""
    before = gc.get_threshold()
    monkeypatch.setattr(collector, "_tuned", False)
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_raises_the_young_threshold_once_and_keeps_the_others(fresh: None) -> None:
    gc.set_threshold(700, 11, 12)
    assert tune_collector(environ={}) is True
    assert gc.get_threshold() == (GEN0_THRESHOLD, 11, 12)
    gc.set_threshold(800, 11, 12)  # the program changes it afterwards: a second call leaves it
    assert tune_collector(environ={}) is False
    assert gc.get_threshold() == (800, 11, 12)


@pytest.mark.parametrize(("setting", "kept"), [((0, 10, 10), "disabled"), ((200_000, 10, 10), "higher")])
def test_never_lowers_a_threshold_nor_enables_automatic_collection(fresh: None, setting: tuple, kept: str) -> None:
    gc.set_threshold(*setting)
    assert tune_collector(environ={}) is True
    assert gc.get_threshold() == setting, kept


def test_c104test_gc_default_leaves_the_collector_alone(fresh: None) -> None:
    assert tune_collector(environ={"C104TEST_GC": " Default "}) is False
    assert gc.get_threshold() == (700, 10, 10)
    assert collector._tuned is False  # a later call without the variable may still tune


def test_a_serving_simulator_tunes_the_collector(fresh: None) -> None:
    async def main() -> None:
        sim = Simulator(demo_profile())
        async with trio.open_nursery() as nursery:
            await nursery.start(sim.serve, "127.0.0.1", 0)
            nursery.cancel_scope.cancel()

    trio.run(main)
    assert gc.get_threshold()[0] == GEN0_THRESHOLD
