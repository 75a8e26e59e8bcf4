"""A c104 (PyPI) client that watches what a server sends by itself, in its own process.

Usage: python c104_watch_client.py HOST PORT SECONDS. Connects (STARTDT), records every object
c104 hands to a point callback (IOA, COT, value) and every end of initialisation for SECONDS,
then asks a group interrogation (group 1) and an interrogation of the unknown CA 48. Prints one
JSON object. c104 is GPLv3 and only ever runs here, as a test peer in its own process.
"""

import json
import sys
import time

import c104


def main() -> None:
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=2000)
    connection = client.add_connection(ip=host, port=port, init=c104.Init.MUTED)
    connection.add_station(common_address=47)
    records = []
    initialised = []

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        records.append([point.io_address, message.cot.name, float(point.value)])
        return c104.ResponseState.NONE

    def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
        point = station.add_point(io_address=io_address, type=point_type)
        point.on_receive(callable=on_receive)

    def on_station_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
        initialised.append(cause.name)

    client.on_new_point(callable=on_new_point)
    client.on_station_initialized(callable=on_station_initialized)
    client.start()
    result = {}
    try:
        deadline = time.monotonic() + 10
        unmutes = 0
        while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
            if connection.state == c104.ConnectionState.OPEN_MUTED and unmutes < 5:
                connection.unmute()  # c104 2.2.1 sometimes sends no STARTDT by itself
                unmutes += 1
                time.sleep(0.5)
            time.sleep(0.05)
        result["state"] = connection.state.name
        time.sleep(seconds)
        result["records"] = list(records)
        result["initialised"] = initialised
        result["group_1"] = connection.interrogation(common_address=47, qualifier=c104.Qoi.GROUP_1)
        result["unknown_ca"] = connection.interrogation(common_address=48)
    finally:
        client.stop()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
