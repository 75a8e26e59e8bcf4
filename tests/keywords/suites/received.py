"""Test glue for redundancy.robot: every value a connection received for one point, in order.

``Expect Message`` finds the first matching message; proving "in order, none lost, none
duplicated" needs all of them, so this reads the connection's journal.
"""

from __future__ import annotations

from robot.libraries.BuiltIn import BuiltIn

from c104test.engine.journal import Direction
from c104test.protocol.enums import Cot


def received_spontaneous_values(io_address: int, alias: str) -> list:
    """Values of ``io_address`` in spontaneous messages received on connection ``alias``."""
    library = BuiltIn().get_library_instance("c104test.keywords.IEC104Library")
    session = library.connections.get_connection(alias)
    values = []
    for entry in session.rtu.frames():
        asdu = entry.asdu
        if entry.direction is not Direction.RECEIVED or asdu is None or asdu.cot != Cot.SPONTANEOUS:
            continue
        values += [ob.value for ob in asdu.objects if ob.io_address == int(io_address)]
    return values
