"""Received values on c104's Point: kept as they arrived, converted when a script reads them.

The engine hands every received ASDU to ``Connection._asdu`` (in the trio thread). These tests
call it directly with decoded ASDUs, without a socket, to pin what the lazy conversion must keep:
the value, quality, time tag and processed_at of the latest object, a fresh Information after
every receive, ``previous_info`` in on_receive, the points made for unknown IOAs, and the
unexpected-message causes with the cursor on the right object. The same paths on the wire are
in test_point.py and test_callbacks.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.protocol.asdu import Asdu
from c104test.protocol.elements import QDS, SIQ
from c104test.protocol.enums import Cot, Quality, Type
from c104test.protocol.objects import MeasuredShort, SinglePoint
from c104test.protocol.timetags import CP56Time2a

pytestmark = pytest.mark.timeout(30)

CA = 7
WHEN = dt.datetime(2026, 12, 3, 8, 30, 15, 250000)


def shorts(*values: tuple[int, float], type_id: Type = Type.M_ME_NC_1, quality: int = 0, cot: Cot = Cot.SPONTANEOUS) -> Asdu:
    time = CP56Time2a.from_datetime(WHEN) if type_id is Type.M_ME_TF_1 else None
    objects = tuple(MeasuredShort(ioa, value, QDS.from_quality(quality), time) for ioa, value in values)
    return Asdu(type_id, cot, CA, objects)


def connection_for(make_client: Callable[..., Any]) -> Any:
    return make_client().add_connection(ip="127.0.0.1", port=2404, init=c104.Init.NONE)


def test_a_received_value_reads_as_its_information(make_client: Callable[..., Any]) -> None:
    connection = connection_for(make_client)
    before = dt.datetime.now()
    connection._asdu(shorts((11, 1.5), (12, 2.5), quality=Quality.Invalid, type_id=Type.M_ME_TF_1))
    station = connection.get_station(CA)
    point = station.get_point(11)
    assert (point.type, point.command_mode) == (Type.M_ME_TF_1, c104.CommandMode.DIRECT)
    info = point.info
    assert isinstance(info, c104.ShortInfo) and info.is_readonly
    assert info is point.info  # converted once, then kept
    assert point.value == 1.5 and station.get_point(12).value == 2.5
    assert point.quality == Quality.Invalid
    assert point.recorded_at == WHEN
    assert before <= point.processed_at == info.processed_at <= dt.datetime.now()
    assert station.add_point(io_address=11, type=Type.M_ME_NC_1) is None  # the IOA is taken

    connection._asdu(shorts((11, -4.0)))  # the plain type updates the same point
    assert point.value == -4.0 and point.recorded_at is None and point.quality == Quality(0)
    assert point.info is not info and info.value == 1.5  # the old info is unchanged


def test_setting_a_value_after_a_receive_starts_a_writable_info(make_client: Callable[..., Any]) -> None:
    connection = connection_for(make_client)
    connection._asdu(shorts((11, 1.5)))
    point = connection.get_station(CA).get_point(11)
    point.value = 9.0
    assert point.value == 9.0 and not point.info.is_readonly
    connection._asdu(shorts((11, 3.0)))
    assert point.value == 3.0 and point.info.is_readonly


def test_on_receive_gets_the_previous_and_the_new_value(make_client: Callable[..., Any]) -> None:
    connection = connection_for(make_client)
    connection._asdu(shorts((11, 1.0), (12, 2.0)))  # the points exist, their values unread
    station = connection.get_station(CA)
    calls: list[tuple[int, float, float, int]] = []
    for ioa in (11, 12):
        station.get_point(ioa).on_receive(
            callable=lambda point, previous, message: calls.append(
                (point.io_address, previous.value, point.value, message.io_address)
            )
        )
    connection._asdu(shorts((11, 10.0), (12, 20.0)))
    assert calls == [(11, 1.0, 10.0, 11), (12, 2.0, 20.0, 12)]


def test_unexpected_objects_name_their_ioa(make_client: Callable[..., Any]) -> None:
    client = make_client()
    connection = client.add_connection(ip="127.0.0.1", port=2404, init=c104.Init.NONE)
    station = connection.add_station(common_address=CA)
    breaker = station.add_point(io_address=12, type=Type.M_SP_NA_1)
    client.on_new_point(callable=lambda client, station, io_address, point_type: None)  # adds nothing
    seen: list[tuple[c104.Umc, int]] = []
    connection.on_unexpected_message(callable=lambda c, message, cause: seen.append((cause, message.io_address)))
    connection._asdu(shorts((11, 1.0), (12, 2.0)))
    assert client._callbacks.drain(3)  # queued, as in c104
    # once per message, at its first object that cannot be taken (c104 2.2.1 calls it once for
    # a message of several unknown or mismatched IOAs; the script walks it with first()/next())
    assert seen == [(c104.Umc.UNKNOWN_IOA, 11)]
    assert breaker.value is False and station.get_point(11) is None
    connection._asdu(shorts((12, 2.0), (11, 1.0)))
    assert client._callbacks.drain(3)
    assert seen[1:] == [(c104.Umc.MISMATCHED_TYPE_ID, 12)]
    seen[1:] = []

    connection._asdu(Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, CA, (SinglePoint(12, SIQ.TABLE[1]),)))
    assert breaker.value is True and len(seen) == 1


def test_on_new_point_adds_the_point_that_receives_the_value(make_client: Callable[..., Any]) -> None:
    client = make_client()
    connection = client.add_connection(ip="127.0.0.1", port=2404, init=c104.Init.NONE)
    added: list[int] = []

    def add(client: Any, station: Any, io_address: int, point_type: Type) -> None:
        added.append(io_address)
        station.add_point(io_address=io_address, type=point_type)

    client.on_new_point(callable=add)
    connection._asdu(shorts((11, 1.0), (12, 2.0)))
    connection._asdu(shorts((11, 3.0)))
    assert added == [11, 12]
    station = connection.get_station(CA)
    assert [station.get_point(ioa).value for ioa in (11, 12)] == [3.0, 2.0]


def test_message_first_then_next_visits_every_element_as_in_c104() -> None:
    """c104's IncomingMessage.next() moves onto the element at its position ("starting by first
    one"): ``first()`` then ``while next()`` visits every element; a point's callback gets the
    message at its own element (seen with c104 2.2.1: [20, 20, 21, 23] for the first point)."""
    from c104test.protocol.asdu import Asdu
    from c104test.protocol.elements import SIQ
    from c104test.protocol.objects import SinglePoint
    from c104test.sync.message import IncomingMessage

    asdu = Asdu(c104.Type.M_SP_NA_1, c104.Cot.SPONTANEOUS, 11, tuple(SinglePoint(i, SIQ(True)) for i in (20, 21, 23)))
    message = IncomingMessage(asdu)
    message._cursor = 0  # as the dispatch puts it before the first point's callback
    seen = [message.io_address]
    message.first()
    while message.next():
        seen.append(message.io_address)
    assert seen == [20, 20, 21, 23] and message.io_address == 23 and message.next() is False
    message._cursor = 1  # the second point's callback
    assert message.io_address == 21 and message.next() and message.io_address == 23 and not message.next()
