"""The Gherkin steps of c104test, registered by the plugin (c104test.bdd.plugin).

The steps only convert arguments, call the blocking session API (c104test.sync.session) and report;
the protocol and the engine's waiting live below. A project overrides any step by defining one that
matches the same text in its own conftest.py. How the steps treat common addresses, timeouts,
values and qualities is described once, in docs/steps.md ("How the steps behave").

docs/steps.md is generated from the definitions below (``python docs/build_step_catalogue.py``): the
first line of a step's docstring is its syntax, the text after it its description, and the lines
under ``Examples:`` must match the step and no other (a test checks that they do).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from c104test import rules
from c104test.protocol.enums import Cot, Type

from .arguments import (
    CA,
    COMMAND_OPTIONS,
    IOA,
    WITHIN,
    command_options,
    command_value,
    parse_io_address,
    parse_type,
    require_connection,
    step_common_address,
    step_timeout,
)
from .point_checks import (
    ExpectedValue,
    PointCheck,
    await_points,
    expected_quality,
    quality_check,
    quality_expectation,
    quality_flags,
    row_check,
)
from .registry import STEP_DEFINITIONS, StepDefinition, StepFailed, StepUsageError, step

if TYPE_CHECKING:
    from c104test.bdd.plugin import C104Context
    from c104test.engine.client import CommandResult
    from c104test.sync.session import RtuConnection

__all__ = [
    "STEP_DEFINITIONS",
    "ExpectedValue",
    "StepDefinition",
    "StepFailed",
    "StepUsageError",
    "expected_quality",
    "quality_flags",
]


# ---- shared step plumbing --------------------------------------------------------------------------------


def _act(context: C104Context, send: Callable[[RtuConnection], CommandResult]) -> CommandResult:
    connection = require_connection(context)
    context.begin_action()
    try:
        result = send(connection)
    except ValueError as exc:  # a value the command type cannot carry
        raise StepUsageError(str(exc)) from None
    context.last_result = result
    return result


def _send_command(
    context: C104Context, type_id: Type, ioa: str, ca: str | None, value: Any, options: str | None
) -> CommandResult:
    address = step_common_address(context, ca)
    value = command_value(type_id, value)
    return _act(
        context,
        lambda c: c.send_command(
            address, parse_io_address(ioa), type_id, value, **command_options(options)
        ),
    )


def _require_result(result: CommandResult | None) -> CommandResult:
    if result is None:
        raise StepUsageError("no command was sent in this scenario: a 'When I send ...' step must come first")
    return result


def _confirmation_text(result: CommandResult) -> str:
    from c104test.protocol.explain import explain_asdu

    return result.unconfirmed or explain_asdu(result.confirmation)  # type: ignore[arg-type]


# ---- Given ----------------------------------------------------------------------------------------


@step("Given", r"the demo RTU is running")
def demo_rtu_is_running(c104_context: C104Context) -> None:
    """the demo RTU is running

    Starts the embedded demo RTU (c104test/engine/demo_rtu.yaml, common address 47) for this
    scenario. With --rtu-host the RTU at that address is taken to run the demo profile (for example
    `c104test simulate --no-changes` on another machine; its common address 47 is then the default),
    and nothing is started.

    Examples:
        Given the demo RTU is running
    """
    if c104_context.config.host is None:
        c104_context.start_simulator(None)
    else:
        from c104test.engine.profile import demo_profile

        c104_context.declared_profile = demo_profile()  # its first station is the default CA


@step("Given", r"the PIXIT of the RTU claims (?P<item>[a-z_]+)")
def pixit_claims(c104_context: C104Context, item: str) -> None:
    """the PIXIT of the RTU claims <item>

    The scenario checks behaviour that the standard leaves to the RTU (a yes/no item of the
    profile's ``pixit``, docs/profile.md, such as ``end_of_initialisation`` or ``act_term``). It is
    skipped as not applicable when the RTU's profile (the simulated one, or --rtu-profile) says no;
    with no profile the RTU is taken to claim it, and the scenario runs.

    Examples:
        Given the PIXIT of the RTU claims end_of_initialisation
    """
    from c104test.engine.profile import Pixit

    if not isinstance(getattr(Pixit(), item, None), bool):
        flags = ", ".join(sorted(name for name in Pixit.__dataclass_fields__ if isinstance(getattr(Pixit(), name), bool)))
        raise StepUsageError(f"{item!r} is not a yes/no PIXIT item; one of: {flags}")
    pixit = c104_context.pixit
    if pixit is not None and not getattr(pixit, item):
        pytest.skip(f"n/a: the RTU's PIXIT does not claim {item} (pixit.{item}: false)")


@step("Given", r'a simulated RTU from profile "(?P<path>[^"]+)"')
def simulated_rtu_from_profile(c104_context: C104Context, path: str) -> None:
    """a simulated RTU from profile "<file>"

    Starts an embedded simulator with a profile (YAML, see docs/profile.md) and makes it the RTU of
    the scenario. A relative path is looked up next to the feature file, then in the current
    directory. Without --rtu-common-address, steps use the profile's first common address. With
    --rtu-host the scenario is skipped: it describes a simulated RTU.

    Examples:
        Given a simulated RTU from profile "profiles/feeder.yaml"
    """
    if c104_context.config.host is not None:
        pytest.skip(f"needs the embedded simulator; --rtu-host {c104_context.config.host} is given")
    candidates = [Path(path)] if Path(path).is_absolute() else [
        *([c104_context.feature_dir / path] if c104_context.feature_dir else []),
        Path.cwd() / path,
    ]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        looked = ", ".join(str(p) for p in candidates)
        raise StepUsageError(f"profile {path!r} not found (looked at {looked})")
    c104_context.start_simulator(found)


@step("Given", r"a connection to the RTU(?P<without> without data transfer)?")
def connection_to_the_rtu(c104_context: C104Context, without: str | None) -> None:
    """a connection to the RTU [without data transfer]

    Opens a TCP connection to the RTU under test (the embedded simulator, or --rtu-host) and starts
    data transfer (STARTDT act, con), as Robot's `Connect To RTU` does. "without data transfer"
    leaves it stopped, for link-layer scenarios ("When I start data transfer").

    Examples:
        Given a connection to the RTU
        Given a connection to the RTU without data transfer
    """
    c104_context.connect(start_data_transfer=without is None)


@step("Given", r'a connection to the RTU at "(?P<address>[^"]+)"(?P<without> without data transfer)?', target_fixture="c104_connection")
def connection_to_the_rtu_at(c104_context: C104Context, address: str, without: str | None) -> RtuConnection:
    """a connection to the RTU at "<host>:<port>" [without data transfer]

    Opens a TCP connection to the given address, starts data transfer (unless "without data
    transfer"), and makes it the connection of the following steps. Without a port, the port of the RTU under test (--rtu-port, or the
    embedded simulator's); IPv6 addresses in brackets: "[::1]:2404".

    Examples:
        Given a connection to the RTU at "192.0.2.10:2404"
        Given a connection to the RTU at "127.0.0.1"
        Given a connection to the RTU at "127.0.0.1:2404" without data transfer
    """
    found = re.fullmatch(r"\[(?P<host6>[^\]]+)\](?::(?P<port6>\d+))?|(?P<host>[^:\[\]]+)(?::(?P<port>\d+))?", address.strip())
    if found is None:
        raise StepUsageError(f"{address!r} is not HOST:PORT")
    host = found["host6"] or found["host"]
    given_port = found["port6"] or found["port"]
    port = int(given_port) if given_port else c104_context.target()[1]
    if not 1 <= port <= 65535:
        raise StepUsageError(f"port {port} outside 1..65535")
    return c104_context.connect(host, port, start_data_transfer=without is None)


@step("Given", r"data transfer is started")
def data_transfer_is_started(c104_context: C104Context) -> None:
    """data transfer is started

    Sends STARTDT act and waits for STARTDT con (nothing happens if data transfer already runs).

    Examples:
        Given data transfer is started
    """
    require_connection(c104_context).start_data_transfer(c104_context.timeout)


# ---- When: commands -------------------------------------------------------------------------------


@step("When", rf"I send a (?:general|station) interrogation{CA}", target_fixture="c104_last_result")
def send_general_interrogation(c104_context: C104Context, ca: str | None) -> CommandResult:
    """I send a general interrogation [to common address <ca>]

    Station interrogation (C_IC_NA_1, QOI 20). Returns when the RTU terminated it (ACT_TERM) or
    refused it; every object it sent is in the point database by then. To common address 65535
    (the broadcast address) it returns when each station of the RTU's profile has terminated it.

    Examples:
        When I send a general interrogation
        When I send a general interrogation to common address 47
        When I send a station interrogation
    """
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.interrogation(address))


@step("When", rf"I send a group interrogation for group (?P<group>\d+){CA}", target_fixture="c104_last_result")
def send_group_interrogation(c104_context: C104Context, group: str, ca: str | None) -> CommandResult:
    """I send a group interrogation for group <n> [to common address <ca>]

    Group interrogation (C_IC_NA_1, QOI 20 + n, n from 1 to 16).

    Examples:
        When I send a group interrogation for group 3
        When I send a group interrogation for group 1 to common address 47
    """
    number = int(group)
    if not 1 <= number <= 16:
        raise StepUsageError(f"interrogation group {number} outside 1..16")
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.interrogation(address, 20 + number))


@step("When", rf"I send a counter interrogation(?: for group (?P<group>\d+))?{CA}", target_fixture="c104_last_result")
def send_counter_interrogation(c104_context: C104Context, group: str | None, ca: str | None) -> CommandResult:
    """I send a counter interrogation [for group <n>] [to common address <ca>]

    Counter interrogation (C_CI_NA_1): general (RQT 5), or group n from 1 to 4; read without freeze.

    Examples:
        When I send a counter interrogation
        When I send a counter interrogation for group 1 to common address 47
    """
    qualifier = 5 if group is None else int(group)  # RQT 5: general; 1-4: a group
    if group is not None and not 1 <= qualifier <= 4:
        raise StepUsageError(f"counter group {qualifier} outside 1..4")
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.counter_interrogation(address, qualifier))


@step("When", rf"I send a clock synchroni[sz]ation{CA}", target_fixture="c104_last_result")
def send_clock_synchronisation(c104_context: C104Context, ca: str | None) -> CommandResult:
    """I send a clock synchronisation [to common address <ca>]

    Clock synchronisation (C_CS_NA_1) with this machine's local time. "synchronization" works too.

    Examples:
        When I send a clock synchronisation
        When I send a clock synchronization to common address 47
    """
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.clock_sync(address))


@step("When", rf"I send a test command{CA}", target_fixture="c104_last_result")
def send_test_command(c104_context: C104Context, ca: str | None) -> CommandResult:
    """I send a test command [to common address <ca>]

    Test command with time tag (C_TS_TA_1) and a running test sequence counter.

    Examples:
        When I send a test command
        When I send a test command to common address 47
    """
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.test_command(address))


@step("When", rf"I read IOA {IOA}{CA}", target_fixture="c104_last_result")
def read_ioa(c104_context: C104Context, ioa: str, ca: str | None) -> CommandResult:
    """I read IOA <ioa> [at common address <ca>]

    Read command (C_RD_NA_1). The RTU answers with the object itself (cause REQUEST), or with a
    negative mirror for an unknown IOA.

    Examples:
        When I read IOA 301
        When I read IOA 301 at common address 47
    """
    address = step_common_address(c104_context, ca)
    return _act(c104_context, lambda c: c.read(address, parse_io_address(ioa)))


@step("When", rf"I send a single command (?P<value>\S+) to IOA {IOA}{CA}{COMMAND_OPTIONS}", target_fixture="c104_last_result")
def send_single_command(c104_context: C104Context, value: str, ioa: str, ca: str | None, options: str) -> CommandResult:
    """I send a single command <ON|OFF> to IOA <ioa> [at common address <ca>] [with time tag] [with select-before-operate]

    Single command (C_SC_NA_1, or C_SC_TA_1 with time tag; an RTU configured for one type refuses
    the other with cause UNKNOWN_TYPE_ID). With select-before-operate the select must be confirmed
    before the execute goes out. Returns at the execute's ACT_CON.

    Examples:
        When I send a single command ON to IOA 500
        When I send a single command OFF to IOA 501 with select-before-operate
        When I send a single command ON to IOA 500 at common address 47 with time tag
    """
    return _send_command(c104_context, Type.C_SC_NA_1, ioa, ca, value, options)


@step("When", rf"I send a double command (?P<value>\S+) to IOA {IOA}{CA}{COMMAND_OPTIONS}", target_fixture="c104_last_result")
def send_double_command(c104_context: C104Context, value: str, ioa: str, ca: str | None, options: str) -> CommandResult:
    """I send a double command <ON|OFF> to IOA <ioa> [at common address <ca>] [with time tag] [with select-before-operate]

    Double command (C_DC_NA_1, or C_DC_TA_1 with time tag).

    Examples:
        When I send a double command OFF to IOA 502
        When I send a double command ON to IOA 502 with select-before-operate
    """
    return _send_command(c104_context, Type.C_DC_NA_1, ioa, ca, value, options)


@step("When", rf"I send a regulating step (?P<value>\S+) to IOA {IOA}{CA}{COMMAND_OPTIONS}", target_fixture="c104_last_result")
def send_regulating_step(c104_context: C104Context, value: str, ioa: str, ca: str | None, options: str) -> CommandResult:
    """I send a regulating step <HIGHER|LOWER> to IOA <ioa> [at common address <ca>] [with time tag] [with select-before-operate]

    Regulating step command (C_RC_NA_1, or C_RC_TA_1 with time tag).

    Examples:
        When I send a regulating step HIGHER to IOA 520
        When I send a regulating step LOWER to IOA 520 at common address 47
    """
    return _send_command(c104_context, Type.C_RC_NA_1, ioa, ca, value, options)


_SETPOINT_TYPES = {"": Type.C_SE_NC_1, "short": Type.C_SE_NC_1, "scaled": Type.C_SE_NB_1, "normalised": Type.C_SE_NA_1, "normalized": Type.C_SE_NA_1}


@step(
    "When",
    rf"I send a (?:(?P<kind>scaled|normali[sz]ed|short) )?set[- ]point (?P<value>\S+) to IOA {IOA}{CA}{COMMAND_OPTIONS}",
    target_fixture="c104_last_result",
)
def send_set_point(c104_context: C104Context, kind: str | None, value: str, ioa: str, ca: str | None, options: str) -> CommandResult:
    """I send a [scaled|normalised|short] set point <value> to IOA <ioa> [at common address <ca>] [with time tag] [with select-before-operate]

    Set-point command: short floating point (C_SE_NC_1) by default, scaled (C_SE_NB_1, an integer
    from -32768 to 32767) or normalised (C_SE_NA_1, from -1 to 1). "set-point" and "normalized"
    work too.

    Examples:
        When I send a set point 42.5 to IOA 511
        When I send a scaled set point 1234 to IOA 510
        When I send a normalised set point 0.5 to IOA 512
        When I send a short set-point -3.25 to IOA 511 with select-before-operate
    """
    type_id = _SETPOINT_TYPES[kind or ""]
    value_class = rules.type_class(type_id)
    assert value_class is not None
    try:
        number = rules.parse_value(value, value_class)
    except ValueError as exc:
        raise StepUsageError(f"{type_id.name}: {exc}") from None
    return _send_command(c104_context, type_id, ioa, ca, number, options)


# ---- When: link layer and simulator -----------------------------------------------------------------


@step("When", r'I send the raw APDU "(?P<apdu>[^"]*)"')
def send_raw_apdu(c104_context: C104Context, apdu: str) -> None:
    """I send the raw APDU "<hex>"

    Sends the octets exactly as written (hex; spaces, colons, dashes and 0x allowed), without checks
    or sequence numbers:
    for conformance tests that need a frame the link would never build.

    Examples:
        When I send the raw APDU "68 04 43 00 00 00"
    """
    _send_raw(c104_context, apdu)


@step("When", r"I send the raw APDU:")
def send_raw_apdu_lines(c104_context: C104Context, docstring: str | None = None) -> None:
    """I send the raw APDU:

    Sends the octets written in the step's doc string (the lines between two lines of three
    double quotes), as Wireshark copies them: "as Hex Dump" (its offsets and ASCII column are left
    out), "as Escaped String" or "as Hex Stream"; otherwise as the one-line step.

    Examples:
        When I send the raw APDU:
    """
    if docstring is None:
        raise StepUsageError('the octets go in a doc string under the step: lines between two lines of """')
    _send_raw(c104_context, docstring)


def _send_raw(c104_context: C104Context, apdu: str) -> None:
    try:
        octets = rules.parse_hex(apdu)
    except ValueError as exc:
        raise StepUsageError(f"raw APDU: {exc}; write octets such as '68 04 43 00 00 00' or '68:04:43:00:00:00'") from None
    connection = require_connection(c104_context)
    c104_context.begin_action()
    connection.send_raw(octets)


@step("When", r"I start data transfer")
def start_data_transfer(c104_context: C104Context) -> None:
    """I start data transfer

    Sends STARTDT act and waits for STARTDT con.

    Examples:
        When I start data transfer
    """
    connection = require_connection(c104_context)
    c104_context.begin_action()
    connection.start_data_transfer(c104_context.timeout)


@step("When", r"I stop data transfer")
def stop_data_transfer(c104_context: C104Context) -> None:
    """I stop data transfer

    Sends STOPDT act and waits for STOPDT con. The RTU must then hold back its I-frames.

    Examples:
        When I stop data transfer
    """
    connection = require_connection(c104_context)
    c104_context.begin_action()
    connection.stop_data_transfer()


@step("When", r"I send a (?:TESTFR|test frame)")
def send_test_frame(c104_context: C104Context) -> None:
    """I send a TESTFR

    Sends TESTFR act (a U-frame; the RTU answers TESTFR con). "a test frame" works too.

    Examples:
        When I send a TESTFR
        When I send a test frame
    """
    connection = require_connection(c104_context)
    c104_context.begin_action()
    connection.send_test_frame()


@step("When", r"I close the connection")
def close_the_connection(c104_context: C104Context) -> None:
    """I close the connection

    Closes the connection from this side.

    Examples:
        When I close the connection
    """
    connection = require_connection(c104_context)
    c104_context.begin_action()
    connection.close()


@step("When", rf"the simulated RTU sets IOA {IOA}{CA} to (?P<value>.+?)(?: with quality (?P<quality>.+))?")
def simulated_rtu_sets(c104_context: C104Context, ioa: str, ca: str | None, value: str, quality: str | None) -> None:
    """the simulated RTU sets IOA <ioa> [at common address <ca>] to <value> [with quality <flags>]

    Changes a point of the embedded simulator, which reports it spontaneously (cause 3) to every
    connection with data transfer started. With --rtu-host the scenario is skipped.

    Examples:
        When the simulated RTU sets IOA 100 to ON
        When the simulated RTU sets IOA 303 to 0.5 with quality IV and NT
        When the simulated RTU sets IOA 300 at common address 47 to 42 with quality good
    """
    simulator = c104_context.simulator or c104_context.default_simulator()
    if simulator is None:
        pytest.skip(f"needs the embedded simulator; --rtu-host {c104_context.config.host} is given")
    common_address, io_address = step_common_address(c104_context, ca), parse_io_address(ioa)
    point = simulator.get_point(common_address, io_address)
    if point is None:
        raise StepUsageError(f"the simulated RTU has no point CA {common_address} IOA {io_address}")
    try:  # the rules read the value and the quality for the point's type, as in Robot
        setting = rules.value_for(point.type, value, point.value)
        flags = None if quality is None else rules.quality_for(point.type, quality)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None
    c104_context.begin_action()
    try:
        simulator.set_point(common_address, io_address, setting, flags)
    except (KeyError, ValueError) as exc:
        raise StepUsageError(str(exc).strip("'\"")) from None


# ---- Then: commands -------------------------------------------------------------------------------


@step("Then", r"the command is confirmed")
def command_is_confirmed(c104_last_result: CommandResult | None) -> None:
    """the command is confirmed

    The last command got a positive confirmation (ACT_CON with P/N = 0; for a read, the object).

    Examples:
        Then the command is confirmed
    """
    result = _require_result(c104_last_result)
    if result.positive is not True:
        raise StepFailed(f"{result.type.name} to IOA {result.io_address} (CA {result.common_address}) was not confirmed: {_confirmation_text(result)}")


@step("Then", r"the command is confirmed negatively")
def command_is_confirmed_negatively(c104_last_result: CommandResult | None) -> None:
    """the command is confirmed negatively

    The RTU refused the last command: ACT_CON with P/N = 1, or a negative mirror (unknown type,
    cause, common address or IOA).

    Examples:
        Then the command is confirmed negatively
    """
    result = _require_result(c104_last_result)
    if result.positive is not False:
        raise StepFailed(f"{result.type.name} to IOA {result.io_address} (CA {result.common_address}) was not refused: {_confirmation_text(result)}")


@step("Then", rf"the command is terminated{WITHIN}")
def command_is_terminated(c104_context: C104Context, c104_last_result: CommandResult | None, seconds: str | None) -> None:
    """the command is terminated [within <n> seconds]

    The RTU terminated the last command (ACT_TERM), now or within the time. Where the RTU's PIXIT
    says it terminates no process command (--rtu-act-term never, or pixit.act_term: false in its
    profile), its positive ACT_CON completes a process command and this step checks that only.

    Examples:
        Then the command is terminated
        Then the command is terminated within 3 seconds
    """
    from c104test.engine.client import MessageFilter
    from c104test.engine.errors import ExpectationFailed

    result = _require_result(c104_last_result)
    if result.terminated:
        return
    if result.positive is False:
        raise StepFailed(f"{result.type.name} to IOA {result.io_address} was refused, so it cannot terminate: {_confirmation_text(result)}")
    from c104test.protocol.commands import COMMAND_TYPES

    if c104_context.act_term == "never" and result.type in COMMAND_TYPES:
        # the RTU's PIXIT: its positive ACT_CON completes a process command (an ACT_TERM that
        # came anyway fails the connection's next command, engine.confirmation); the scenario
        # goes on, so its later steps still put the points back
        return
    broadcast = result.common_address in (0, 0xFFFF)
    flt = MessageFilter(
        type=result.type,
        cot=Cot.ACTIVATION_TERMINATION,
        common_address=None if broadcast else result.common_address,
        io_address=result.io_address,
    )
    try:
        require_connection(c104_context).expect_message(flt, timeout=step_timeout(c104_context, seconds), since=c104_context.mark)
    except ExpectationFailed as exc:
        hint = ("; if the RTU never terminates commands (its PIXIT), say so with --rtu-act-term never "
                "or pixit.act_term: false in --rtu-profile")
        raise StepFailed(f"{result.type.name} to IOA {result.io_address} was not terminated: {exc}{hint}") from None


@step("Then", r"the interrogation is confirmed and terminated")
def interrogation_is_confirmed_and_terminated(c104_last_result: CommandResult | None) -> None:
    """the interrogation is confirmed and terminated

    The last interrogation got a positive ACT_CON and its ACT_TERM.

    Examples:
        Then the interrogation is confirmed and terminated
    """
    result = _require_result(c104_last_result)
    if result.positive is not True:
        raise StepFailed(f"{result.type.name} (CA {result.common_address}) was not confirmed: {_confirmation_text(result)}")
    if not result.terminated:
        raise StepFailed(f"{result.type.name} (CA {result.common_address}) was confirmed but not terminated")


# ---- Then: points ---------------------------------------------------------------------------------


@step("Then", rf"IOA {IOA}{CA} reports (?P<expected>.+?){WITHIN}")
def ioa_reports(c104_context: C104Context, ioa: str, ca: str | None, expected: str, seconds: str | None) -> None:
    """IOA <ioa> [at common address <ca>] reports <value> [within <n> seconds]

    The point reports the value in a fresh report: one that arrived after the last When step
    began (or after this step began, when there was none), as Robot's `Expect Report`. A value the
    point already had does not count, so an RTU that ignores a command fails. Values: ON, OFF,
    INTERMEDIATE, INDETERMINATE, True, False, a number with an optional tolerance, or a range
    (49.9..50.1); a step position's transient bit (5 transient), a counter's sequence number and
    flags (12345 seq 3 CY). For the current state (any report, also an older one) use "the points report:".

    Examples:
        Then IOA 100 reports ON
        Then IOA 200 reports OFF within 2 seconds
        Then IOA 301 at common address 47 reports 230.5 +/- 0.1
        Then IOA 301 reports 225..235
        Then IOA 320 reports 0x0000A5A5
        Then IOA 310 reports 5 transient
        Then IOA 400 reports 12345 seq 3
    """
    connection = require_connection(c104_context)
    known = connection.point(step_common_address(c104_context, ca), parse_io_address(ioa))
    value = ExpectedValue.parse(expected, None if known is None else known.type)  # a type already reported checks it
    since = c104_context.mark if c104_context.acted else connection.mark()
    try:
        connection.expect_report(
            step_common_address(c104_context, ca),
            parse_io_address(ioa),
            value.matches,
            since=since,
            timeout=step_timeout(c104_context, seconds),
            description=str(value),
            after="the last When step" if c104_context.acted else "this step began",
        )
    except AssertionError as exc:
        raise StepFailed(str(exc)) from None


@step("Then", rf"IOA {IOA}{CA} has quality (?P<quality>.+?){WITHIN}")
def ioa_has_quality(c104_context: C104Context, ioa: str, ca: str | None, quality: str, seconds: str | None) -> None:
    """IOA <ioa> [at common address <ca>] has quality <good|flags> [within <n> seconds]

    The point's last reported quality has exactly these flags set ("good": none); with
    "containing" at least these flags (others may be set too).

    Examples:
        Then IOA 303 has quality IV and NT
        Then IOA 300 has quality good
        Then IOA 303 at common address 47 has quality IV within 2 seconds
        Then IOA 303 has quality containing IV
    """
    check = quality_check(quality_expectation(quality))
    _expect_points(c104_context, [(step_common_address(c104_context, ca), parse_io_address(ioa), check)], step_timeout(c104_context, seconds))


_COLUMNS = {
    "ioa": "ioa",
    "io address": "ioa",
    "information object address": "ioa",
    "type": "type",
    "value": "value",
    "expected value": "value",
    "expected": "value",
    "state": "value",
    "quality": "quality",
    "ca": "ca",
    "common address": "ca",
}
_NOTE_COLUMNS = {"description", "signal", "name", "text", "comment", "remark"}


@step("Then", rf"the points report{WITHIN}:")
def points_report(c104_context: C104Context, datatable: list[list[str]], seconds: str | None) -> None:
    """the points report [within <n> seconds]:

    A point list as a data table: one row per point, a column IOA and any of type, value (or
    "expected value") and quality; optional columns CA and description (not checked). An empty cell
    is not checked. A type also accepts its variant with or without time tag (an interrogation
    answers M_SP_TB_1 as M_SP_NA_1). Every row is checked, and the failure lists all rows that differ.

    Examples:
        Then the points report:
        Then the points report within 2 seconds:
    """
    if not datatable or len(datatable) < 2:
        raise StepUsageError("the points table needs a header row (IOA, type, value, quality) and at least one point")
    header = [re.sub(r"[\s_-]+", " ", cell.strip().lower()) for cell in datatable[0]]
    unknown = [cell for cell in header if cell not in _COLUMNS and cell not in _NOTE_COLUMNS]
    if unknown:
        raise StepUsageError(f"unknown column(s) {', '.join(unknown)}; use IOA, type, value, quality, CA, description")
    columns = [_COLUMNS.get(cell) for cell in header]
    if "ioa" not in columns:
        raise StepUsageError("the points table needs an IOA column")
    checks: list[tuple[int, int, PointCheck]] = []
    for number, row in enumerate(datatable[1:], start=2):
        cells = {column: cell.strip() for column, cell in zip(columns, row, strict=False) if column and cell.strip()}
        try:
            ioa = rules.io_address(cells["ioa"])
            ca = rules.common_address(cells["ca"]) if "ca" in cells else c104_context.common_address
        except KeyError:
            raise StepUsageError(f"row {number} of the points table has no IOA") from None
        except ValueError as exc:
            raise StepUsageError(f"row {number} of the points table: {exc}") from None
        type_id = parse_type(cells["type"]) if "type" in cells else None
        value = ExpectedValue.parse(cells["value"], type_id) if "value" in cells else None
        quality = quality_expectation(cells["quality"]) if "quality" in cells else None
        checks.append((ca, ioa, row_check(type_id, value, quality)))
    _expect_points(c104_context, checks, step_timeout(c104_context, seconds))


def _expect_points(context: C104Context, checks: list[tuple[int, int, PointCheck]], timeout: float) -> None:
    failures = await_points(require_connection(context), checks, timeout)
    if failures:
        head = f"{len(failures)} of {len(checks)} points" if len(checks) > 1 else "the point"
        raise StepFailed(f"{head} did not report as expected within {timeout:g} s:\n" + "\n".join(failures))
