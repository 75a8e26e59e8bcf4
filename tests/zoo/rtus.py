"""The RTU zoo: conformant RTUs that answer differently from the demo RTU, the way real RTUs do
(protocol.md 1.5, 1.11; design.md 5), and a few faulty ones whose fault the verdicts must name.

Each zoo RTU is the simulator with the conformance profile (features/profiles/conformance_rtu.yaml,
short timers), a PIXIT or link change, and an answer rewrite where the profile cannot say it: the
rewrites below are test-side ``Fault`` subclasses that reshape an answer without breaking a rule
(SQ=1, one object per ASDU, a spontaneous report inside an interrogation, OA 0). ``serve`` runs
one in a thread of its own (trio.run), so that the sync API, Robot and the CLI reach it over TCP
as they reach a real RTU.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import trio

from c104test.engine.profile import PointProfile, Profile, StationProfile, demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.enums import Cot, Quality, Type
from c104test.protocol.station.fault import Fault
from c104test.protocol.station.replies import Part, Reply
from tests.conformance.simulated import PROFILE as CONFORMANCE

#: the demo RTU: what the acceptance suite and the features expect. It keeps the standard's
#: timers: with the conformance RTU's t1 of 2 s it would close on a client whose t2 is 10 s.
DEMO = demo_profile()

__all__ = ["CONFORMANCE", "DEMO", "ZOO", "OneObjectPerAsdu", "SequenceAnswer", "SpontaneousInsideAnswer", "ZooRtu", "serve"]


@dataclass(frozen=True, slots=True)
class SequenceAnswer(Fault):
    """Interrogation data as SQ=1 ASDUs: each run of consecutive IOAs shares one address (as
    lib60870 and c104 answer a GI)."""

    name: ClassVar[str] = "zoo_sequence_answer"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is not Part.DATA or asdu is None or asdu.count < 2:
                yield part, raw, asdu
                continue
            run: list = []
            for ob in (*asdu.objects, None):
                if run and (ob is None or ob.io_address != run[-1].io_address + 1):
                    packed = dataclasses.replace(asdu, objects=tuple(run), sequence=len(run) > 1)
                    yield part, encode_asdu(packed), packed
                    run = []
                if ob is not None:
                    run.append(ob)


@dataclass(frozen=True, slots=True)
class OneObjectPerAsdu(Fault):
    """Interrogation and read data spread over one ASDU per object."""

    name: ClassVar[str] = "zoo_one_object_per_asdu"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is not Part.DATA or asdu is None or asdu.count < 2:
                yield part, raw, asdu
                continue
            for ob in asdu.objects:
                single = dataclasses.replace(asdu, objects=(ob,))
                yield part, encode_asdu(single), single


@dataclass(frozen=True, slots=True)
class SpontaneousInsideAnswer(Fault):
    """A spontaneous report (COT 3, the value it already has) right after the interrogation's
    ACT_CON and before its data: an event that happened while the RTU was answering."""

    name: ClassVar[str] = "zoo_spontaneous_inside_answer"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        held: list[Reply] = []
        for part, raw, asdu in replies:
            if part is Part.DATA and asdu is not None and not held:
                event = Asdu(asdu.type, Cot.SPONTANEOUS, asdu.common_address, asdu.objects[:1])
                held.append((Part.EVENT, encode_asdu(event), event))
                yield held[0]
            yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class OriginatorZero(Fault):
    """Every answer carries originator address 0 instead of the echo (as c104 answers)."""

    name: ClassVar[str] = "zoo_originator_zero"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            yield part, raw[:3] + b"\x00" + raw[4:], None


def _second_station(profile: Profile) -> Profile:
    """The profile with a second common address (48) holding one single point."""
    extra = StationProfile(48, (PointProfile(1100, Type.M_SP_NA_1, True, groups=frozenset({1})),))
    return dataclasses.replace(profile, stations=(*profile.stations, extra))


def _invalid_point(profile: Profile) -> Profile:
    """Point 100 is reported invalid and not topical (IV, NT) in every answer."""
    station = profile.stations[0]
    points = tuple(
        dataclasses.replace(p, quality=Quality.Invalid | Quality.NonTopical) if p.io_address == 100 else p
        for p in station.points
    )
    return dataclasses.replace(profile, stations=(dataclasses.replace(station, points=points), *profile.stations[1:]))


@dataclass(frozen=True)
class ZooRtu:
    """One RTU of the zoo: how it changes a base profile (the demo RTU's for the acceptance suite
    and features, the conformance RTU's for the cases) and the answer rewrites it runs with."""

    name: str
    change: Callable[[Profile], Profile] = lambda profile: profile
    faults: tuple[Fault, ...] = ()
    note: str = ""

    def profile(self, base: Profile = CONFORMANCE) -> Profile:
        return self.change(base)


def _pixit(**changes: object) -> Callable[[Profile], Profile]:
    return lambda p: dataclasses.replace(p, pixit=dataclasses.replace(p.pixit, **changes))


def _link(**changes: object) -> Callable[[Profile], Profile]:
    return lambda p: dataclasses.replace(p, link=dataclasses.replace(p.link, **changes))


ZOO: dict[str, ZooRtu] = {
    rtu.name: rtu
    for rtu in (
        ZooRtu("sq1_gi", faults=(SequenceAnswer(),), note="answers a GI with SQ=1 ASDUs"),
        ZooRtu("small_asdus", faults=(OneObjectPerAsdu(),), note="one object per ASDU"),
        ZooRtu("event_in_gi", faults=(SpontaneousInsideAnswer(),), note="a spontaneous report inside the GI"),
        ZooRtu("oa_zero", faults=(OriginatorZero(),), note="originator address 0 in every answer"),
        ZooRtu("no_act_term", _pixit(act_term=False), note="no ACT_TERM after commands (lib60870)"),
        ZooRtu("no_ei", _pixit(end_of_initialisation=False), note="no M_EI_NA_1 at start"),
        ZooRtu("k8_w4", _link(k=8, w=4), note="k=8, w=4"),
        ZooRtu("w1", _link(w=1), note="acknowledges every I-frame at once (w=1)"),
        ZooRtu("two_stations", _second_station, note="CA 47 and CA 48"),
        ZooRtu("invalid_point", _invalid_point, note="point 100 IV, NT"),
    )
}


@contextmanager
def serve(rtu: ZooRtu, base: Profile = CONFORMANCE, **options: object) -> Iterator[int]:
    """Serve ``rtu`` on 127.0.0.1 in a thread of its own for the block; yields its port."""
    ports: queue.Queue[int | BaseException] = queue.Queue()
    stop: list[trio.lowlevel.TrioToken] = []

    async def main() -> None:
        finished = trio.Event()
        stop.append(trio.lowlevel.current_trio_token())
        stop.append(finished)  # type: ignore[arg-type]
        async with open_simulator(rtu.profile(base), faults=rtu.faults, **options) as sim:
            assert sim.port is not None
            ports.put(sim.port)
            await finished.wait()

    def run() -> None:
        try:
            trio.run(main)
        except BaseException as exc:
            ports.put(exc)

    thread = threading.Thread(target=run, name=f"zoo-{rtu.name}", daemon=True)
    thread.start()
    got = ports.get(timeout=10)
    if isinstance(got, BaseException):
        raise got
    try:
        yield got
    finally:
        token, finished = stop
        trio.from_thread.run_sync(finished.set, trio_token=token)  # type: ignore[attr-defined]
        thread.join(timeout=10)
        assert not thread.is_alive(), f"zoo RTU {rtu.name} did not stop"
