"""The Gherkin steps about the traffic: the capture of a scenario, the messages received and the link.

Registered by the plugin beside ``c104test.bdd.steps`` (docs/steps.md lists them with the others);
like those, they only convert arguments, call the blocking session API and report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from c104test.protocol.apci import UFrame, UFunction, decode_frame
from c104test.protocol.enums import ConnectionState
from c104test.protocol.errors import DecodeError

from .arguments import (
    CA,
    IOA,
    TYPE_NAME,
    WITHIN,
    parse_cot,
    parse_io_address,
    parse_type,
    require_connection,
    step_common_address,
    step_timeout,
)
from .registry import StepFailed, step

if TYPE_CHECKING:
    from c104test.bdd.plugin import C104Context

__all__: list[str] = []


# ---- Then: evidence -------------------------------------------------------------------------------


@step("Then", r'the traffic is saved to "(?P<path>[^"]+)"')
def traffic_is_saved(c104_context: C104Context, request: pytest.FixtureRequest, path: str) -> None:
    """the traffic is saved to "<file>"

    Writes every frame of the current connection so far to a pcap file (for Wireshark and the FAT
    record). A relative path is taken from the `--c104-capture` folder if given, else from the
    folder pytest was started in; folders are created. `--c104-capture` alone saves every
    scenario's traffic without a step.

    Examples:
        Then the traffic is saved to "reports/breaker.pcap"
    """
    target = Path(path)
    if not target.is_absolute():
        base = request.config.invocation_params.dir
        target = base / (request.config.getoption("c104_capture", None) or "") / target
    target.parent.mkdir(parents=True, exist_ok=True)
    count = require_connection(c104_context).save_capture(target)
    if count == 0:
        raise StepFailed(f"no frames to save to {target}")


# ---- Then: messages and the link -----------------------------------------------------------------


@step(
    "Then",
    rf"I receive {TYPE_NAME}(?: with cause (?P<cot>\S+))?(?: for IOA {IOA})?{CA}{WITHIN}",
)
def i_receive(
    c104_context: C104Context, type_name: str, cot: str | None, ioa: str | None, ca: str | None, seconds: str | None
) -> None:
    """I receive <type> [with cause <cause>] [for IOA <ioa>] [at common address <ca>] [within <n> seconds]

    An ASDU of that type (and cause, IOA, common address) arrived since the last When step began,
    or arrives within the time. Causes by name (SPONTANEOUS, ACTIVATION_CON, UNKNOWN_IOA, ...) or
    number; negative confirmations match too.

    Examples:
        Then I receive M_SP_NA_1 with cause SPONTANEOUS for IOA 100 within 5 seconds
        Then I receive C_SC_NA_1 with cause UNKNOWN_IOA for IOA 999
        Then I receive M_EI_NA_1 with cause INITIALIZED at common address 47
    """
    from c104test.engine.client import MessageFilter
    from c104test.engine.errors import ExpectationFailed

    flt = MessageFilter(
        type=parse_type(type_name),
        cot=None if cot is None else parse_cot(cot),
        common_address=step_common_address(c104_context, ca),
        io_address=None if ioa is None else parse_io_address(ioa),
    )
    try:
        require_connection(c104_context).expect_message(flt, timeout=step_timeout(c104_context, seconds), since=c104_context.mark)
    except ExpectationFailed as exc:
        raise StepFailed(str(exc)) from None


@step("Then", r"no message arrives within (?P<seconds>\d+(?:\.\d+)?) seconds?")
def no_message_arrives(c104_context: C104Context, seconds: str) -> None:
    """no message arrives within <n> seconds

    No ASDU arrived since the last When step began, and none arrives within the time (U- and
    S-frames do not count). Use it after STOPDT, or before STARTDT.

    Examples:
        Then no message arrives within 2 seconds
        Then no message arrives within 0.5 seconds
    """
    from c104test.engine.client import MessageFilter
    from c104test.engine.errors import ExpectationFailed

    try:
        require_connection(c104_context).expect_no_message(MessageFilter(), within=float(seconds), since=c104_context.mark)
    except ExpectationFailed as exc:
        raise StepFailed(str(exc)) from None


_U_FUNCTIONS = {f"{f.name.split('_')[0]} {f.name.split('_')[1].lower()}": f for f in UFunction}


@step("Then", rf"I receive (?P<function>STARTDT|STOPDT|TESTFR) (?P<kind>act|con){WITHIN}")
def i_receive_u_frame(c104_context: C104Context, function: str, kind: str, seconds: str | None) -> None:
    """I receive <STARTDT|STOPDT|TESTFR> <act|con> [within <n> seconds]

    That U-frame arrived since the last When step began, or arrives within the time.

    Examples:
        Then I receive TESTFR con
        Then I receive STARTDT con within 2 seconds
    """
    wanted = _U_FUNCTIONS[f"{function} {kind}"]
    connection = require_connection(c104_context)
    from c104test.engine.journal import Direction

    deadline = time.monotonic() + step_timeout(c104_context, seconds)
    cursor = c104_context.mark
    while True:
        for entry in connection.frames(cursor, waiting_for=f"{function} {kind}"):
            cursor = entry.index + 1
            if entry.direction is Direction.RECEIVED and len(entry.raw) == 6:
                try:
                    frame = decode_frame(entry.raw)
                except DecodeError:
                    continue
                if isinstance(frame, UFrame) and frame.function is wanted:
                    return
        if time.monotonic() >= deadline or not connection.is_open:
            break
        time.sleep(0.01)  # U-frames do not wake expectations; the wait is short and bounded
    raise StepFailed(
        f"no {wanted.label} arrived within {step_timeout(c104_context, seconds):g} s; last frames:\n"
        + "\n".join(connection.explain_frames(c104_context.mark, limit=10))
    )


@step("Then", r"the connection is open")
def connection_is_open(c104_context: C104Context) -> None:
    """the connection is open

    The TCP connection stands (with or without data transfer).

    Examples:
        Then the connection is open
    """
    connection = require_connection(c104_context)
    if not connection.is_open:
        raise StepFailed(f"the connection to {connection.host}:{connection.port} is {connection.state.name}: {connection.close_reason}")


@step("Then", rf"the connection is closed{WITHIN}")
def connection_is_closed(c104_context: C104Context, seconds: str | None) -> None:
    """the connection is closed [within <n> seconds]

    The connection is closed, by either side, now or within the time.

    Examples:
        Then the connection is closed
        Then the connection is closed within 2 seconds
    """
    from c104test.engine.errors import CommandTimeout

    connection = require_connection(c104_context)
    try:
        connection.wait_for_state(ConnectionState.CLOSED, timeout=step_timeout(c104_context, seconds))
    except CommandTimeout as exc:
        raise StepFailed(str(exc)) from None


@step("Then", r"data transfer is (?P<state>started|stopped)")
def data_transfer_is(c104_context: C104Context, state: str) -> None:
    """data transfer is <started|stopped>

    The link is in that state (STARTDT or STOPDT confirmed).

    Examples:
        Then data transfer is started
        Then data transfer is stopped
    """
    connection = require_connection(c104_context)
    wanted = ConnectionState.OPEN if state == "started" else ConnectionState.OPEN_MUTED
    if connection.state is not wanted:
        raise StepFailed(f"data transfer is not {state}: the connection is {connection.state.name}")

