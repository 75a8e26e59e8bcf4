"""An RTU that samples its values when asked (on_before_read), c104 style.
Usage: python read_rtu.py PORT."""

import sys

import c104

server = c104.Server(ip="127.0.0.1", port=int(sys.argv[1]))
station = server.add_station(common_address=47)
temperature = station.add_point(io_address=40, type=c104.Type.M_ME_NB_1)
alarm = station.add_point(io_address=41, type=c104.Type.M_SP_TB_1)
samples = [0]


def sample_temperature(point: c104.Point) -> None:
    samples[0] += 1
    point.value = c104.Int16(200 + samples[0])


def sample_alarm(point: c104.Point) -> None:
    point.value = samples[0] % 2 == 1


temperature.on_before_read(callable=sample_temperature)
alarm.on_before_read(callable=sample_alarm)
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
