"""The c104-compatible API against a misbehaving RTU, as a c104 user's script; run by test_api_faults.py.

    python api_script.py PORT MODE      (reads "go" on stdin before the command)

Prints one JSON line: what the command returned, how long it took, what was logged, how long
``Client.stop()`` took and which threads were left after it.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time

import c104test as c104

T1, T2, TIMEOUT_MS = 2, 1, 2000


def main() -> None:
    port, mode = int(sys.argv[1]), sys.argv[2]
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logging.getLogger("c104test").addHandler(Keep())
    logging.getLogger("c104test").setLevel(logging.INFO)
    client = c104.Client(command_timeout_ms=TIMEOUT_MS, journal_size="200MB")  # holds the whole flood
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
    connection.protocol_parameters.confirm_interval = T2
    connection.protocol_parameters.message_timeout = T1
    client.start()
    deadline = time.monotonic() + 10
    while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
        time.sleep(0.01)
    opened = connection.state == c104.ConnectionState.OPEN
    print("READY", flush=True)
    sys.stdin.readline()  # the test says "go" once the RTU has seen this client stall
    started = time.monotonic()
    if mode == "command":
        outcome = connection.get_station(47) or connection.add_station(47)
        point = outcome.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
        point.value = True
        returned = point.transmit(cause=c104.Cot.ACTIVATION)
    else:
        returned = connection.interrogation(47)
    took = time.monotonic() - started
    started = time.monotonic()
    client.stop()
    stopped = time.monotonic() - started
    time.sleep(0.2)
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.name.startswith("Trio thread")]
    print(json.dumps({
        "opened": opened, "returned": returned, "took": took, "stop": stopped,
        "threads": threads, "log": messages,
    }), flush=True)


if __name__ == "__main__":
    main()
