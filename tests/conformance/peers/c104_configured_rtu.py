"""A c104 RTU (PyPI ``c104``, lib60870 inside) built from a JSON configuration, in its own process.

    python c104_configured_rtu.py PORT CONFIG.json

The configuration says what a real device would put in its PIXIT, so tests can try the suite and
the FAT against RTUs set up in other ways than tests/engine/peers/c104_server.py::

    {"select_timeout": 2, "link": {"k": 6, "w": 4, "t1": 3, "t2": 2, "t3": 4},
     "stations": {"1": [{"io_address": 10, "type": "M_SP_TB_1", "value": true}]},
     "commands": [{"common_address": 1, "io_address": 500, "type": "C_SC_NA_1",
                   "mode": "select", "answer": "FAILURE", "return_io_address": 10}]}

Values: bool (single), "ON"/"OFF"/"INTERMEDIATE" (double), int (step, bitstring, scaled, counter),
float (normalized, short float). Prints READY; stops when stdin closes. c104 is GPLv3 and only ever
runs here, as a test peer in its own process.
"""

import argparse
import json
import sys

import c104


def _value(kind: str, value: object) -> object:
    """The c104 value of a point of type ``kind`` for its JSON ``value``."""
    if kind.startswith("M_DP"):
        return getattr(c104.Double, value)
    if kind.startswith("M_ST"):
        return c104.Int7(value)
    if kind.startswith("M_BO"):
        return c104.Byte32(value)
    if kind in ("M_ME_NA_1", "M_ME_TA_1", "M_ME_TD_1"):
        return c104.NormalizedFloat(value)
    if kind in ("M_ME_NB_1", "M_ME_TB_1", "M_ME_TE_1"):
        return c104.Int16(value)
    return value


def _callback(answer: c104.ResponseState, target: c104.Point | None):
    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if target is not None and answer == c104.ResponseState.SUCCESS:
            target.value = point.value  # the related point's new state, sent as return information
        return answer

    return on_command


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("config")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    server = c104.Server(
        ip="127.0.0.1", port=args.port, select_timeout_ms=int(1000 * config.get("select_timeout", 10))
    )
    link = config.get("link", {})
    parameters = server.protocol_parameters
    for key, attribute in (
        ("k", "send_window_size"),
        ("w", "receive_window_size"),
        ("t1", "message_timeout"),
        ("t2", "confirm_interval"),
        ("t3", "keep_alive_interval"),
    ):
        if key in link:
            setattr(parameters, attribute, link[key])
    stations = {}
    monitored = {}
    for ca, points in config.get("stations", {}).items():
        station = stations[int(ca)] = server.add_station(common_address=int(ca))
        for spec in points:
            point = station.add_point(io_address=spec["io_address"], type=getattr(c104.Type, spec["type"]))
            if spec["type"].startswith("M_IT"):
                point.info = c104.BinaryCounterInfo(
                    counter=spec.get("value", 0), sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()
                )
            elif "value" in spec:
                point.value = _value(spec["type"], spec["value"])
            monitored[(int(ca), spec["io_address"])] = point
    for spec in config.get("commands", []):
        ca = spec.get("common_address", next(iter(stations)))
        mode = c104.CommandMode.SELECT_AND_EXECUTE if spec.get("mode") == "select" else c104.CommandMode.DIRECT
        related = {}
        if spec.get("return_io_address") is not None:
            related = {"related_io_address": spec["return_io_address"], "related_io_autoreturn": True}
        command = stations[ca].add_point(
            io_address=spec["io_address"], type=getattr(c104.Type, spec["type"]), command_mode=mode, **related
        )
        answer = getattr(c104.ResponseState, spec.get("answer", "SUCCESS"))
        target = monitored.get((ca, spec.get("return_io_address")))

        command.on_receive(callable=_callback(answer, target))
    server.start()
    print("READY", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
