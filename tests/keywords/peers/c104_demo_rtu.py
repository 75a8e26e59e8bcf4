"""The demo RTU (c104test/engine/demo_rtu.yaml) as far as c104 (PyPI, lib60870 inside) can serve it.

Usage: python c104_demo_rtu.py PORT. Prints 'READY' when listening; stops when stdin closes.
c104 is GPLv3 and only ever runs here, as a test peer in its own process: the acceptance suite
(keywords/acceptance.robot, tests tagged ``c104-peer``) connects to it as to a real RTU.

Mirrored: CA 47 with the same IOAs, types and initial values; 302 periodic every 5 s; the
command points 500-520 with their return information (``related_io_address`` with
``related_io_autoreturn``: the new state comes back with COT 11), 501 select-and-execute with the
same select timeout; max_connections, k, w and t0-t3.
Not mirrored, because c104 2.2.1 cannot (shared/spec/c104-api.md §2.2): interrogation groups
(only QOI 20) and counter groups (only RQT GENERAL), reset process, ACT_TERM after direct
commands, a read without ACT_CON, COT 44 for unknown types, P/N in the COT 44/47 copies, the
end of initialisation (no client is connected at start), interrogation answers without the time
tag (c104 answers 101 and 201 as M_SP_TB_1 and M_DP_TB_1). ``change_every`` is left out too: the
keyword simulator does not move points by itself either.

No ``from __future__ import annotations`` here: c104 checks the callbacks' signatures exactly,
with the annotations as objects.
"""

import datetime
import sys

import c104

CA = 47
SELECT_TIMEOUT_MS = 10_000  # the demo RTU's pixit.select_timeout


def main() -> None:
    port = int(sys.argv[1])
    server = c104.Server(
        ip="127.0.0.1", port=port, select_timeout_ms=SELECT_TIMEOUT_MS, max_connections=10
    )
    link = server.protocol_parameters  # the demo RTU's k, w and t0-t3 (seconds)
    link.send_window_size, link.receive_window_size = 12, 8
    link.connection_timeout, link.message_timeout = 30, 15
    link.confirm_interval, link.keep_alive_interval = 10, 20
    station = server.add_station(common_address=CA)

    # --- single and double points (the demo RTU's interrogation group 1) ---
    breaker = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    breaker.value = True
    earthing = station.add_point(io_address=101, type=c104.Type.M_SP_TB_1)
    earthing.value = False
    disconnector = station.add_point(io_address=200, type=c104.Type.M_DP_NA_1)
    disconnector.value = c104.Double.ON
    disconnector_q9 = station.add_point(io_address=201, type=c104.Type.M_DP_TB_1)
    disconnector_q9.value = c104.Double.OFF

    # --- measured values (group 2) ---
    power = station.add_point(io_address=300, type=c104.Type.M_ME_NB_1)
    power.value = c104.Int16(1234)
    voltage = station.add_point(io_address=301, type=c104.Type.M_ME_NC_1)
    voltage.value = 230.5
    frequency = station.add_point(io_address=302, type=c104.Type.M_ME_NC_1, report_ms=5000)
    frequency.value = 49.98
    load = station.add_point(io_address=303, type=c104.Type.M_ME_NA_1)
    load.value = c104.NormalizedFloat(0.25)

    # --- step position and bitstring (group 3) ---
    tap = station.add_point(io_address=310, type=c104.Type.M_ST_NA_1)
    tap.value = c104.Int7(5)
    status = station.add_point(io_address=320, type=c104.Type.M_BO_NA_1)
    # c104 2.2.1 turns Byte32(int) into 0: give the octets (low octet first, as on the wire)
    status.value = c104.Byte32((0x0000A5A5).to_bytes(4, "little"))

    # --- integrated totals (counter interrogation) ---
    energy_import = station.add_point(io_address=400, type=c104.Type.M_IT_NA_1)
    energy_import.info = c104.BinaryCounterInfo(
        counter=12345, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()
    )
    energy_export = station.add_point(io_address=401, type=c104.Type.M_IT_TB_1)
    energy_export.info = c104.BinaryCounterInfo(
        counter=678, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()
    )

    # --- commands: the new state comes back on the related point with COT 11 ---
    def command(io_address: int, type: c104.Type, related: int, *, select: bool = False) -> c104.Point:
        mode = c104.CommandMode.SELECT_AND_EXECUTE if select else c104.CommandMode.DIRECT
        return station.add_point(
            io_address=io_address,
            type=type,
            related_io_address=related,
            related_io_autoreturn=True,
            command_mode=mode,
        )

    breaker_cmd = command(500, c104.Type.C_SC_NA_1, 100)
    earthing_cmd = command(501, c104.Type.C_SC_NA_1, 101, select=True)
    disconnector_cmd = command(502, c104.Type.C_DC_NA_1, 200)
    power_cmd = command(510, c104.Type.C_SE_NB_1, 300)
    voltage_cmd = command(511, c104.Type.C_SE_NC_1, 301)
    tap_cmd = command(520, c104.Type.C_RC_NA_1, 310)

    # the callbacks update the related point; c104 then sends it (autoreturn)
    def on_single(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        target = breaker if point.io_address == 500 else earthing
        target.value = bool(point.value)
        return c104.ResponseState.SUCCESS

    def on_double(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if point.value not in (c104.Double.ON, c104.Double.OFF):
            return c104.ResponseState.FAILURE  # INTERMEDIATE / INDETERMINATE are no commands
        disconnector.value = point.value
        return c104.ResponseState.SUCCESS

    def on_scaled(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        power.value = c104.Int16(int(point.value))
        return c104.ResponseState.SUCCESS

    def on_float(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        voltage.value = float(point.value)
        return c104.ResponseState.SUCCESS

    def on_step(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if point.value == c104.Step.HIGHER:
            change = 1
        elif point.value == c104.Step.LOWER:
            change = -1
        else:
            return c104.ResponseState.FAILURE
        position = int(tap.value) + change
        if not -64 <= position <= 63:
            return c104.ResponseState.FAILURE
        tap.value = c104.Int7(position)
        return c104.ResponseState.SUCCESS

    breaker_cmd.on_receive(callable=on_single)
    earthing_cmd.on_receive(callable=on_single)
    disconnector_cmd.on_receive(callable=on_double)
    power_cmd.on_receive(callable=on_scaled)
    voltage_cmd.on_receive(callable=on_float)
    tap_cmd.on_receive(callable=on_step)

    def on_clock_sync(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
        return c104.ResponseState.SUCCESS

    server.on_clock_sync(callable=on_clock_sync)

    server.start()
    print("READY", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
