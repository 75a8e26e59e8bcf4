"""The simulator's station-layer options on the wire: connection limit, redundancy groups,
fault plans (the link-level ones through protocol/link.py), from Python and from the CLI."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest
import trio

from c104test.engine.profile import demo_profile
from c104test.engine.simulator import Simulator, open_simulator
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkState
from c104test.protocol.station import Scope, parse_fault
from c104test.protocol.station.faults import Silence, WithholdAcknowledgements, WrongSendSequence

from .test_simulator import CA, LIMIT, RawClient, command, eventually, trio_test


@trio_test
async def test_max_connections_from_the_caller_and_refusals_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.simulator")
    async with open_simulator(max_connections=1) as sim:
        first = await RawClient.connect(sim.port)
        await first.next()
        second = await RawClient.connect(sim.port, start=False)
        assert await second.closed_by_peer()
        assert sim.connections_refused == 1
        await first.test_frame()  # the first is not affected
    refusal = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusal and re.search(r"from 127\.0\.0\.1:\d+ refused: max_connections \(1\) reached", refusal[0])


@trio_test
async def test_redundancy_group_over_tcp_nothing_lost_nothing_twice() -> None:
    async with open_simulator(redundancy_group_size=2) as sim:
        a = await RawClient.connect(sim.port, start=False)
        b = await RawClient.connect(sim.port, start=False)
        await eventually(lambda: len(sim.connections) == 2)
        for n in range(30):
            await sim.set_point(CA, 300, n)
        await b.start()
        values: list[int] = []
        while len(values) < 30:
            event = await b.until(lambda x: x.cot == Cot.SPONTANEOUS)
            values += [ob.value for ob in event.objects]
        assert values == list(range(30))
        assert [x for x in await b.drain() if x.cot == Cot.SPONTANEOUS] == []
        assert await a.drain() == []


@trio_test
async def test_unacknowledged_reports_of_a_dead_connection_reach_the_other() -> None:
    async with open_simulator(redundancy_group_size=2) as sim:
        a = await RawClient.connect(sim.port)
        await a.next()  # M_EI_NA_1, acknowledged
        a.acknowledge = False
        await sim.set_point(CA, 300, 1)
        first = await a.until(lambda x: x.cot == Cot.SPONTANEOUS)
        assert first.objects[0].value == 1  # received, never acknowledged
        await a.aclose()
        await eventually(lambda: len(sim.connections) == 0)
        await sim.set_point(CA, 300, 2)
        b = await RawClient.connect(sim.port)
        values: list[int] = []
        while len(values) < 2:
            event = await b.until(lambda x: x.cot == Cot.SPONTANEOUS)
            values += [ob.value for ob in event.objects]
        assert values == [1, 2]


@trio_test
async def test_wrong_send_sequence_fault_goes_through_the_link() -> None:
    async with open_simulator(faults=[WrongSendSequence(Scope(occurrence=2), offset=5)]) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()  # N(S)=0
        await sim.set_point(CA, 300, 1)
        while client.link.state is not LinkState.CLOSED:  # the client's link refuses N(S)=6
            await client.read()
        assert client.link.close_reason == "sequence error: received N(S)=6, expected 1"


@trio_test
async def test_withheld_acknowledgements_fault() -> None:
    # Silence as well: answers would acknowledge by their N(R); without them only S-frames could
    plan = [WithholdAcknowledgements(), Silence()]
    for faults, unacknowledged in (([Silence()], 10 - 8), (plan, 10)):  # w=8: S-frame after 8
        async with open_simulator(faults=faults) as sim:
            client = await RawClient.connect(sim.port)
            await client.next()
            for _ in range(10):  # more than w (8): a conformant RTU acknowledges at once
                await client.send(command(Type.C_SC_NA_1, 500, True))
            with trio.move_on_after(0.3):
                while True:
                    await client.read()
            assert client.link.unacknowledged == unacknowledged
            assert [a.type for a in client.received] == [Type.M_EI_NA_1]  # silence: no answer


@trio_test
async def test_profile_fault_is_applied() -> None:
    import dataclasses

    profile = dataclasses.replace(demo_profile(), faults=(parse_fault("no_termination type=C_SC_NA_1"),))
    async with open_simulator(profile) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(command(Type.C_SC_NA_1, 500, True))
        got = [a.cot for a in await client.drain()]
        assert got == [Cot.ACTIVATION_CON, Cot.RETURN_INFO_REMOTE]
        assert "fault plan: no_termination" in sim.received_commands[-1].outcome


def test_simulator_options_are_checked() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        Simulator(max_connections=0)
    with pytest.raises(ValueError, match="group_size"):
        Simulator(redundancy_group_size=0)


def test_cli_sets_the_connection_limit_group_size_and_faults() -> None:
    argv = [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes", "--max-connections", "1",
            "--redundancy-group-size", "2", "--fault", "no_end_of_initialisation"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        try:
            assert proc.stdout is not None
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", proc.stdout.readline())
            assert found
            port = int(found.group(1))

            async def main() -> None:
                with trio.fail_after(LIMIT):
                    first = await RawClient.connect(port)
                    assert await first.drain(0.3) == []  # no end of initialisation: the fault
                    second = await RawClient.connect(port, start=False)
                    assert await second.closed_by_peer()
                    await first.aclose()
                    await second.aclose()
                    RawClient.opened.clear()

            trio.run(main)
        finally:
            proc.terminate()
            _, stderr = proc.communicate(timeout=10)
    assert re.search(r"refused: max_connections \(1\) reached", stderr), stderr
    assert "fault plan" in stderr
    # the console's log lines carry their zone (local times without one did not match the reports)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d WARNING c104test.simulator: "
                    "simulator fault plan: 1 deliberate misbehaviour: ", stderr), stderr[:300]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-connections", "0"], "0 is less than 1"),
        (["--redundancy-group-size", "x"], "'x' is not a whole number"),
        (["--fault", "bogus"], "--fault: unknown fault 'bogus'"),
    ],
)
def test_cli_option_errors(argv: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "c104test", "simulate", "--port", "0", *argv],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and message in result.stderr, result.stderr


@trio_test
async def test_set_faults_reaches_open_links_and_clears() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        connection = sim.connections[0]
        sim.set_faults([WithholdAcknowledgements(), parse_fault("no_test_frame_confirmation")])
        assert connection.link.withhold_acknowledgements and connection.link.ignore_test_frames
        sim.set_faults([])
        assert not connection.link.withhold_acknowledgements and not connection.link.ignore_test_frames
        await client.test_frame()  # answered again


def test_the_fault_plan_is_logged_in_words(caplog):
    """The console line says what each fault does and what it touches, not a Python repr."""
    import logging

    from c104test.engine.simulator import Simulator
    from c104test.protocol.station.faults import parse_fault

    with caplog.at_level(logging.WARNING, logger="c104test.simulator"):
        Simulator(faults=[parse_fault("no_confirmation type=C_SC_NA_1 ioa=500 nth=2"), parse_fault("wrong_send_sequence offset=2")])
    line = caplog.messages[-1]
    assert line == ("simulator fault plan: 2 deliberate misbehaviours: no_confirmation (no ACT_CON/DEACT_CON (positive or"
                    " negative) for the request) on C_SC_NA_1, IOA 500, the 2nd match only; wrong_send_sequence (link: the"
                    " n-th I-frame of a connection (scope.occurrence, default the first) goes out with N(S) = V(S) + offset)"
                    " with offset 2 on every frame"), line
    assert "Scope(" not in line and "NoConfirmation(" not in line
