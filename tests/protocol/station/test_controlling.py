"""The controlling station's bookkeeping: what confirms, terminates or answers a sent command.

The answers come from the controlled station itself, so both ends of the station layer agree.
"""

from __future__ import annotations

from c104test.protocol.enums import Type
from c104test.protocol.station import PendingCommand, Relation, relation

from .drive import ask, command, gi, make, read, started


def feed_all(pending: PendingCommand, answer: list) -> list[Relation]:
    return [pending.feed(a) for a in answer]


def test_a_command_with_act_term() -> None:
    station = make()
    started(station)
    sent = command(Type.C_SC_NA_1, 500, True)
    pending = PendingCommand(sent, wait_termination=True)
    relations = feed_all(pending, ask(station, sent))
    assert relations == [Relation.CONFIRMATION, Relation.RETURN_INFO, Relation.TERMINATION]
    assert pending.done and pending.positive and pending.termination is not None
    assert [a.objects[0].io_address for a in pending.return_info] == [100]


def test_without_waiting_for_the_termination_the_confirmation_ends_it() -> None:
    station = make()
    started(station)
    sent = command(Type.C_SC_NA_1, 500, True)
    pending = PendingCommand(sent)
    relations = feed_all(pending, ask(station, sent))
    assert relations == [Relation.CONFIRMATION, Relation.UNRELATED, Relation.UNRELATED]
    assert pending.done and pending.termination is None


def test_negative_answers_end_it() -> None:
    station = make()
    started(station)
    for sent in (command(Type.C_SC_NA_1, 501, True), command(Type.C_SC_NA_1, 999, True)):
        pending = PendingCommand(sent, wait_termination=True)
        assert feed_all(pending, ask(station, sent)) == [Relation.NEGATIVE]
        assert pending.done and pending.positive is False


def test_a_read_is_answered_by_the_object() -> None:
    station = make(answer_read_with_actcon=True)
    started(station)
    sent = read(300)
    pending = PendingCommand(sent)
    assert feed_all(pending, ask(station, sent)) == [Relation.CONFIRMATION, Relation.READ_ANSWER]
    assert pending.done and pending.answer is not None and pending.answer.objects[0].value == 1234


def test_other_traffic_is_unrelated() -> None:
    station = make()
    started(station)
    answer = ask(station, gi())
    sent = command(Type.C_SC_NA_1, 500, True)
    assert {relation(sent, a) for a in answer} == {Relation.UNRELATED}
    interrogation = PendingCommand(gi(), wait_termination=True)
    relations = feed_all(interrogation, answer)
    assert relations[0] is Relation.CONFIRMATION and relations[-1] is Relation.TERMINATION
    assert set(relations[1:-1]) == {Relation.UNRELATED}
