"""One client script written for the c104 API, run unchanged with ``c104`` or with ``c104test``.

Usage: python client_script.py MODULE HOST PORT, where MODULE is ``c104`` or ``c104test``. The
only change from a plain c104 script is the first import: ``import c104`` becomes the module named
on the command line (``import c104test as c104``). It connects to the RTU (c104test's simulator
in the tests), runs interrogation, counter interrogation, clock sync, the test command (with and
without time), a read of IOA 301, a direct command to IOA 500 and a select-and-execute command to
IOA 501, and prints one line ``RESULT {json}`` with what each call returned, the point values,
and what the callbacks saw.

The callbacks are annotated exactly as c104 2.2.1 demands (it refuses anything else), which is also
what c104test accepts. c104 is GPLv3: this script runs in its own process, never in the tests'.
"""

import importlib
import json
import sys
import threading
import time
from typing import Any

c104 = importlib.import_module(sys.argv[1])  # instead of: import c104

CA = 47
TIMEOUT = 10.0  # seconds to reach OPEN

lock = threading.Lock()
states: list[str] = []
initialized: list[str] = []
unexpected: list[dict[str, Any]] = []
received: list[dict[str, Any]] = []


def plain(value: Any) -> Any:
    """A JSON value for what either module gives: enums by name, number types as numbers."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(getattr(value, "name", None), str):  # enums (IntEnum or pybind)
        return value.name
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "Byte32":  # c104's Byte32 has no int()
        return int.from_bytes(bytes(value), "little")
    number = float(value)
    return int(number) if number.is_integer() else round(number, 4)


def con_on_state_change(connection: c104.Connection, state: c104.ConnectionState) -> None:
    with lock:
        states.append(state.name)


def con_on_unexpected_message(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    with lock:
        unexpected.append(
            {"type": message.type.name, "cot": message.cot.name, "io_address": message.io_address, "cause": cause.name}
        )


def on_station_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
    with lock:
        initialized.append(cause.name)


def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        received.append(
            {
                "io_address": point.io_address,
                "type": message.type.name,
                "cot": message.cot.name,
                "value": plain(point.value),
                "previous": plain(previous_info.value),
            }
        )
    return c104.ResponseState.SUCCESS


def snapshot(station: Any) -> dict[str, Any]:
    return {
        str(point.io_address): {"type": point.type.name, "value": plain(point.value)}
        for point in sorted(station.points, key=lambda p: p.io_address)
        if point.type.value < 45  # monitoring points
    }


def timed(results: dict[str, Any], durations: dict[str, float], name: str, call: Any) -> None:
    started = time.monotonic()
    results[name] = call()
    durations[name] = round(time.monotonic() - started, 3)


def main() -> None:
    host, port = sys.argv[2], int(sys.argv[3])
    client = c104.Client(tick_rate_ms=100, command_timeout_ms=5000)
    client.on_station_initialized(callable=on_station_initialized)
    connection = client.add_connection(ip=host, port=port, init=c104.Init.ALL)
    connection.on_state_change(callable=con_on_state_change)
    connection.on_unexpected_message(callable=con_on_unexpected_message)
    station = connection.add_station(common_address=CA)
    breaker = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    breaker.on_receive(callable=on_receive)
    direct = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
    sbo = station.add_point(io_address=501, type=c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    results: dict[str, Any] = {}
    durations: dict[str, float] = {}
    started = time.monotonic()
    client.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
            time.sleep(0.05)
        durations["connect"] = round(time.monotonic() - started, 3)
        results["state"] = connection.state.name
        if connection.state != c104.ConnectionState.OPEN:
            return  # (c104 2.2.1 now and then sends no STARTDT and stays OPEN_MUTED)
        time.sleep(0.3)  # c104 delivers some callbacks through a queue
        results["after_connect"] = snapshot(station)
        timed(results, durations, "interrogation", lambda: connection.interrogation(common_address=CA))
        results["after_interrogation"] = snapshot(station)
        timed(results, durations, "group_interrogation",
              lambda: connection.interrogation(common_address=CA, qualifier=c104.Qoi.GROUP_2))
        timed(results, durations, "counter_interrogation", lambda: connection.counter_interrogation(common_address=CA))
        results["after_counter_interrogation"] = snapshot(station)
        timed(results, durations, "clock_sync", lambda: connection.clock_sync(common_address=CA))
        timed(results, durations, "test", lambda: connection.test(common_address=CA))
        timed(results, durations, "test_without_time", lambda: connection.test(common_address=CA, with_time=False))
        voltage = station.get_point(io_address=301)
        timed(results, durations, "read", lambda: voltage.read() if voltage is not None else None)
        direct.value = False
        timed(results, durations, "direct_command", lambda: direct.transmit(cause=c104.Cot.ACTIVATION))
        sbo.value = True
        timed(results, durations, "select_and_execute", lambda: sbo.transmit(cause=c104.Cot.ACTIVATION))
        timed(results, durations, "unknown_station", lambda: connection.clock_sync(common_address=99))
        time.sleep(0.5)  # the return information (COT 11) follows the ACT_CON
        results["after_commands"] = snapshot(station)
        results["is_connected"] = connection.is_connected
        results["protocol_parameters"] = [
            connection.protocol_parameters.send_window_size,
            connection.protocol_parameters.receive_window_size,
            connection.protocol_parameters.connection_timeout,
            connection.protocol_parameters.message_timeout,
            connection.protocol_parameters.confirm_interval,
            connection.protocol_parameters.keep_alive_interval,
        ]
        # leave the RTU as it was found, for the next run against the same simulator
        direct.value = True
        sbo.value = False
        results["restored"] = [direct.transmit(cause=c104.Cot.ACTIVATION), sbo.transmit(cause=c104.Cot.ACTIVATION)]
        time.sleep(0.3)
    finally:
        client.stop()
        report(results, durations)


def report(results: dict[str, Any], durations: dict[str, float]) -> None:
    time.sleep(0.2)
    with lock:
        results["states"] = list(states)
        results["initialized"] = list(initialized)
        results["unexpected"] = list(unexpected)
        results["received_100"] = list(received)
    results["durations"] = durations
    # c104 keeps its version in c104._c104 (not re-exported); c104test has c104test.__version__
    results["module"] = [sys.argv[1], getattr(c104, "__version__", None) or c104._c104.__version__]
    print("RESULT " + json.dumps(results, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
