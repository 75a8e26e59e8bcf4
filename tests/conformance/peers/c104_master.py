"""A controlling station written against the c104 API, run as the master under test.

    python c104_master.py PORT                         (PyPI c104, lib60870 inside)
    python c104_master.py PORT --c104test              (the same script on c104test: import c104test as c104)
    python c104_master.py PORT --stay                  (then on every new connection STARTDT and GI, until none for 4 s)
    python c104_master.py PORT --t3=4                  (t3 in seconds; default 2, as t1)

Connects to the simulated RTU of ``c104test conformance --master``, starts data transfer,
interrogates CA 47, synchronises its clock, selects and executes IOA 501 and commands IOA 500
directly, then stays until the tool ends the connection. Prints one JSON line of what the calls
returned. c104 is GPLv3 and only ever runs here, in its own process.
"""

import json
import sys
import time

if "--c104test" in sys.argv:
    import c104test as c104
else:
    import c104

CA = 47
T1, T2, T3 = 2, 1, 2  # seconds; the PICS of the test says the same
T3 = next((int(a[5:]) for a in sys.argv if a.startswith("--t3=")), T3)  # --t3=4: t3 unlike t1


def main() -> None:
    port = int(sys.argv[1])
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=2000)
    # c104 2.2.1 sometimes sends no STARTDT act on a first connection: Init.MUTED and unmute()
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.MUTED)
    parameters = connection.protocol_parameters
    parameters.confirm_interval = T2  # t2 first: t2 < t1 holds at every step
    parameters.message_timeout = T1
    parameters.keep_alive_interval = T3
    station = connection.add_station(common_address=CA)
    direct = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
    sbo = station.add_point(io_address=501, type=c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    client.start()
    results = {}
    try:
        deadline = time.monotonic() + 10
        while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
            if connection.state == c104.ConnectionState.OPEN_MUTED:
                connection.unmute()
                time.sleep(0.3)
            time.sleep(0.02)
        results["state"] = connection.state.name
        results["interrogation"] = connection.interrogation(common_address=CA)
        results["clock_sync"] = connection.clock_sync(common_address=CA)
        sbo.value = True
        results["select_and_execute"] = sbo.transmit(cause=c104.Cot.ACTIVATION)
        direct.value = True
        results["direct"] = direct.transmit(cause=c104.Cot.ACTIVATION)
        deadline = time.monotonic() + 30
        while connection.state == c104.ConnectionState.OPEN and time.monotonic() < deadline:
            time.sleep(0.05)  # until the tool ends the connection
        if "--stay" in sys.argv:  # c104 connects again by itself: start data transfer and interrogate
            results["reconnections"] = 0
            away = time.monotonic()  # since when the connection is not open
            while time.monotonic() < deadline and time.monotonic() - away < 4:  # the tool is done
                if connection.state == c104.ConnectionState.OPEN_MUTED:
                    connection.unmute()
                    time.sleep(0.1)
                    if connection.state == c104.ConnectionState.OPEN:
                        results["reconnections"] += 1
                        connection.interrogation(common_address=CA)
                if connection.state in (c104.ConnectionState.OPEN, c104.ConnectionState.OPEN_MUTED):
                    away = time.monotonic()
                time.sleep(0.02)
    finally:
        client.stop()
    print(json.dumps(results, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
