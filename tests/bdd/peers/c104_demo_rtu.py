"""The demo RTU (c104test/engine/demo_rtu.yaml) rebuilt on c104 (PyPI, lib60870-C inside).

Usage: python c104_demo_rtu.py PORT. Listens on 127.0.0.1:PORT, prints 'READY' when it does, and
stops when stdin closes. tests/bdd/test_c104_peer.py runs the acceptance feature against it.

c104 is GPLv3: it only ever runs here, as a peer in its own process; nothing of c104test imports it.
This file must not use ``from __future__ import annotations``: c104 compares the callbacks'
signatures, annotations included, with the documented ones and refuses string annotations.

What c104 2.2.1 allows of the demo profile, and what it does not:
- CA 47 with the same IOAs, types and initial values; point 302 is periodic every 5 s; the values
  otherwise keep still (like ``c104test simulate --no-changes``).
- Interrogation groups do not exist in c104 (only QOI 20); every monitoring point of types 1-13 and
  30-36 answers a station interrogation, M_SP_TB_1 and M_DP_TB_1 *with* their time tag.
- The counters 400/401 answer a counter interrogation (COT 37), not a station interrogation.
- Commands 500, 502, 510, 511 and 520 are direct, 501 select-and-execute; each writes its
  return-information point (100, 200, 300, 301, 310, 101) and c104 reports it with COT 11
  (related_io_autoreturn). Direct commands get an ACT_CON and no ACT_TERM; a select-and-execute
  command gets its ACT_TERM.
- No M_EI_NA_1 after STARTDT (c104 has no per-connection event to send it on).
"""

import sys

import c104

CA = 47
TICK_MS = 100


def _scaled(value: int) -> c104.Int16:
    return c104.Int16(value)


def main() -> None:
    port = int(sys.argv[1])
    server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=TICK_MS, select_timeout_ms=10_000)
    station = server.add_station(common_address=CA)
    assert station is not None

    def add(io_address: int, type_id: c104.Type, **options: object) -> c104.Point:
        added = station.add_point(io_address=io_address, type=type_id, **options)
        assert added is not None, f"IOA {io_address} twice"
        return added

    # --- single and double points (group 1 in the profile) ---
    breaker_q0 = add(100, c104.Type.M_SP_NA_1)
    breaker_q0.value = True
    earthing_q8 = add(101, c104.Type.M_SP_TB_1)
    earthing_q8.value = False
    disconnector_q1 = add(200, c104.Type.M_DP_NA_1)
    disconnector_q1.value = c104.Double.ON
    disconnector_q9 = add(201, c104.Type.M_DP_TB_1)
    disconnector_q9.value = c104.Double.OFF

    # --- measured values (group 2) ---
    active_power = add(300, c104.Type.M_ME_NB_1)
    active_power.value = _scaled(1234)
    busbar_voltage = add(301, c104.Type.M_ME_NC_1)
    busbar_voltage.value = 230.5
    frequency = add(302, c104.Type.M_ME_NC_1, report_ms=5000)  # cycle: 5 (COT 1)
    frequency.value = 49.98
    transformer_load = add(303, c104.Type.M_ME_NA_1)
    transformer_load.value = c104.NormalizedFloat(0.25)

    # --- step position and bitstring (group 3) ---
    tap_changer = add(310, c104.Type.M_ST_NA_1)
    tap_changer.value = c104.Int7(5)
    relay_status = add(320, c104.Type.M_BO_NA_1)
    relay_status.value = c104.Byte32((0x0000A5A5).to_bytes(4, "little"))  # Byte32(int) is broken in 2.2.1

    # --- integrated totals: counter interrogation only ---
    energy_import = add(400, c104.Type.M_IT_NA_1)
    energy_import.info = c104.BinaryCounterInfo(
        counter=12345, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()
    )
    energy_export = add(401, c104.Type.M_IT_TB_1)
    energy_export.info = c104.BinaryCounterInfo(
        counter=678, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()
    )

    # --- commands: the new state comes back on the related point with COT 11 ---
    def command(io_address: int, type_id: c104.Type, related: int, *, select: bool = False) -> c104.Point:
        mode = c104.CommandMode.SELECT_AND_EXECUTE if select else c104.CommandMode.DIRECT
        return add(
            io_address, type_id, related_io_address=related, related_io_autoreturn=True, command_mode=mode
        )

    breaker_command = command(500, c104.Type.C_SC_NA_1, 100)
    earthing_command = command(501, c104.Type.C_SC_NA_1, 101, select=True)
    disconnector_command = command(502, c104.Type.C_DC_NA_1, 200)
    power_set_point = command(510, c104.Type.C_SE_NB_1, 300)
    voltage_set_point = command(511, c104.Type.C_SE_NC_1, 301)
    tap_command = command(520, c104.Type.C_RC_NA_1, 310)

    returns = {
        500: breaker_q0,
        501: earthing_q8,
        502: disconnector_q1,
        510: active_power,
        511: busbar_voltage,
    }

    def on_command(
        point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage
    ) -> c104.ResponseState:
        # point.info already holds the command; write its state into the return-information point
        target = returns.get(point.io_address)
        if target is None:
            return c104.ResponseState.FAILURE
        target.value = point.value
        return c104.ResponseState.SUCCESS

    def on_step(
        point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage
    ) -> c104.ResponseState:
        position = int(tap_changer.value)
        if point.value == c104.Step.HIGHER:
            position += 1
        elif point.value == c104.Step.LOWER:
            position -= 1
        else:
            return c104.ResponseState.FAILURE
        if not -64 <= position <= 63:
            return c104.ResponseState.FAILURE
        tap_changer.value = c104.Int7(position)
        return c104.ResponseState.SUCCESS

    for each in (breaker_command, earthing_command, disconnector_command, power_set_point, voltage_set_point):
        each.on_receive(callable=on_command)
    tap_command.on_receive(callable=on_step)

    server.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
