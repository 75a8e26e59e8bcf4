"""A c104 client script with two SCADA masters (two Clients, main and backup, each with its own
originator address) on one RTU: a third master is refused (max_connections), both masters get
the same spontaneous reports, the backup mutes itself (STOPDT) and gets nothing until it unmutes,
a command from one master brings return information to both, end of initialisation reaches
both, and the RTU's counts of open and active connections follow.

Usage: python substation_client.py PORT. Prints STEP lines.
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
seen = {"main": [], "backup": []}
initialized = {"main": [], "backup": []}


def step(*parts):
    print("STEP", *parts, flush=True)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def recorder(name):
    def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        value = point.value
        with lock:
            seen[name].append((point.io_address, message.cot.name, value.name if hasattr(value, "name") else value))
        return c104.ResponseState.NONE
    return on_value


def on_init(name):
    def on_station_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
        with lock:
            initialized[name].append((station.common_address, cause.name))
    return on_station_initialized


def master(name, oa):
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=1500)
    client.originator_address = oa
    client.on_station_initialized(callable=on_init(name))
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.INTERROGATION)
    station = connection.add_station(common_address=7)
    for ioa, t in ((1, c104.Type.M_SP_NA_1), (2, c104.Type.M_DP_NA_1), (3, c104.Type.M_ME_NB_1)):
        station.add_point(io_address=ioa, type=t).on_receive(callable=recorder(name))
    return client, connection, station


def opened(connection, limit=3.0):
    ok = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=limit)
    if not ok and connection.state == c104.ConnectionState.OPEN_MUTED:
        connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
        ok = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
    return ok


def taken(name, settle=0.3):
    time.sleep(settle)
    with lock:
        rows = list(seen[name])
        seen[name].clear()
    return rows


def without_ticks(rows):
    return [row for row in rows if row[0] != 3]


main_client, main, main_station = master("main", 1)
backup_client, backup, backup_station = master("backup", 2)
main_client.start()
step("main open", opened(main))
backup_client.start()
step("backup open", opened(backup))
step("initial", sorted(without_ticks(taken("main"))), sorted(without_ticks(taken("backup"))))

third_client = c104.Client(tick_rate_ms=50)
third = third_client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
third_client.start()
step("third refused", not wait(lambda: third.state == c104.ConnectionState.OPEN, limit=0.8))
third_client.stop()

alarm_cmd = main_station.add_point(io_address=10, type=c104.Type.C_SC_NA_1)
alarm_cmd.value = True
step("alarm", alarm_cmd.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: len(seen["backup"]) >= 1, limit=2.0)
step("alarm seen", taken("main"), taken("backup"))

counts = backup_station.add_point(io_address=13, type=c104.Type.C_SC_NA_1)
counts.value = True
step("ticks on", counts.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: len(seen["backup"]) >= 3, limit=2.0)
main_ticks, backup_ticks = taken("main"), taken("backup", settle=0)
step("ticks", len(main_ticks) >= 3, len(backup_ticks) >= 3, {r[1] for r in main_ticks + backup_ticks})

step("backup mute", backup.mute())
step("backup muted", wait(lambda: backup.state == c104.ConnectionState.OPEN_MUTED, limit=2.0), backup.is_muted, backup.is_connected)
taken("main", settle=0)
taken("backup", settle=0)
operate = main_station.add_point(io_address=11, type=c104.Type.C_DC_NA_1)
operate.value = c104.Double.ON
step("operate", operate.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: any(r[0] == 2 for r in seen["main"]), limit=2.0)
step("operate seen", without_ticks(taken("main")), without_ticks(taken("backup", settle=0)))
step("backup command while muted", counts.transmit(cause=c104.Cot.ACTIVATION))

step("backup unmute", backup.unmute())
step("backup active", wait(lambda: backup.state == c104.ConnectionState.OPEN, limit=2.0))
step("backup ticks again", wait(lambda: any(r[0] == 3 for r in seen["backup"]), limit=2.0))
counts.value = False
step("ticks off", counts.transmit(cause=c104.Cot.ACTIVATION))
restart = backup_station.add_point(io_address=12, type=c104.Type.C_SC_NA_1)
restart.value = True
step("restart", restart.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: len(initialized["main"]) >= 1 and len(initialized["backup"]) >= 1, limit=2.0)
with lock:
    step("initialized", initialized["main"], initialized["backup"])
step("gi backup", backup.interrogation(common_address=7))
rows = without_ticks(taken("backup"))
step("backup values", sorted(rows))
main_client.stop()
backup_client.stop()
