"""c104's ``set_debug_mode`` maps to logging (issue 11, item 7): a debug flag turns the matching
c104test loggers to DEBUG, ``Debug.NONE`` turns them back; and the simulator logs frames at DEBUG,
connections and commands at INFO."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import trio

import c104test
from c104test import DEBUG_LOGGERS, Debug, get_debug_mode, set_debug_mode
from c104test.engine.client import open_connection
from c104test.engine.simulator import open_simulator


@pytest.fixture(autouse=True)
def _debug_off() -> Iterator[None]:
    yield
    set_debug_mode(Debug.NONE)


def _interrogate_the_demo_rtu() -> None:
    async def main() -> None:
        with trio.fail_after(10):
            async with open_simulator() as sim, open_connection("127.0.0.1", sim.port, command_timeout=5) as conn:
                assert (await conn.interrogation(47)).positive

    trio.run(main)


def _simulator_records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "c104test.simulator" and r.levelno == level]


def test_debug_flags_set_the_levels_of_their_loggers() -> None:
    set_debug_mode(Debug.Client | Debug.Callback)
    assert get_debug_mode() == Debug.Client | Debug.Callback
    assert logging.getLogger("c104test.client").level == logging.DEBUG
    assert logging.getLogger("c104test.callbacks").level == logging.DEBUG
    assert logging.getLogger("c104test.simulator").level == logging.NOTSET
    c104test.enable_debug(Debug.Server)
    assert logging.getLogger("c104test.simulator").level == logging.DEBUG
    c104test.disable_debug(Debug.Client)
    assert logging.getLogger("c104test.client").level == logging.NOTSET
    set_debug_mode(Debug.NONE)
    assert all(logging.getLogger(n).level == logging.NOTSET for names in DEBUG_LOGGERS.values() for n in names)
    assert Debug.NONE.is_none() and Debug(0) is Debug.NONE


def test_server_debug_logs_frames_and_none_turns_it_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="c104test")  # what a script with INFO logging sees
    caplog.handler.setLevel(logging.NOTSET)  # ... and the handler takes what the loggers let through
    set_debug_mode(Debug.Server)
    _interrogate_the_demo_rtu()
    frames = _simulator_records(caplog, logging.DEBUG)
    assert any("<< I-Format | C_IC_NA_1 | ACTIVATION |" in m for m in frames), frames
    assert any(">> I-Format | M_SP_NA_1 | INTERROGATED_BY_STATION |" in m for m in frames), frames
    assert any("<< U-Format | StartDT act" in m for m in frames), frames

    caplog.clear()
    set_debug_mode(Debug.NONE)
    _interrogate_the_demo_rtu()
    assert _simulator_records(caplog, logging.DEBUG) == []
    info = _simulator_records(caplog, logging.INFO)
    # connections and commands at INFO, and no frame among them
    assert any(m.startswith("connection 1 from 127.0.0.1:") and m.endswith(" opened") for m in info), info
    assert any("C_IC_NA_1 ACTIVATION CA 47 IOA 0 = STATION -> ACT_CON" in m for m in info), info
    assert not any("I-Format" in m or "U-Format" in m for m in info), info
