"""The bare floor of issue 16's interrogation rows: a client that does nothing but the link.

    python bench/peers/bare_interrogation.py HOST PORT --station CA:N [--station ...] [--repeat R] [--burn-us US]

One thread, a blocking socket, no trio and no decoding: STARTDT act, then for every station R
times C_IC_NA_1 (QOI 20) and read until its ACT_TERM, counting I-frames and sending an S-frame
every w = 8, with the same pause between calls as peers/api_interrogation.py (50 ms). Its time is
what the RTU allows a client that spends (almost) no CPU; any client that applies the objects
spends more; ``--burn-us`` makes it spend that much CPU per received I-frame, to show what a
client's own work costs the RTU on a machine with few cores. Prints RESULT {...} in api_interrogation.py's shape (no point is kept: "present" is
the objects counted). Imports neither c104 nor c104test.
"""

import argparse
import select
import socket
import statistics
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _peer

W = 8
TIMEOUT = 10.0  # seconds for any one read: a hung RTU ends the run with an error


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--station", action="append", required=True, help="CA:N")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--burn-us", type=int, default=0,
                        help="spend this much CPU per received I-frame (what a client's own work costs the RTU)")
    args = parser.parse_args()
    _peer.exit_on_stdin_eof()
    sock = socket.create_connection((args.host, args.port), timeout=TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = bytearray()
    vr = vs = 0
    burn = args.burn_us / 1e6

    def frames():
        """Every complete APDU read so far, waiting (bounded) for one if there is none."""
        nonlocal buf
        while len(buf) < 2 or len(buf) < buf[1] + 2:
            if not select.select([sock], [], [], TIMEOUT)[0]:
                raise TimeoutError(f"nothing from the RTU for {TIMEOUT:g} s")
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the RTU")
            buf += data
        out = []
        while len(buf) >= 2 and len(buf) >= buf[1] + 2:
            end = buf[1] + 2
            out.append(bytes(buf[:end]))
            del buf[:end]
        return out

    sock.sendall(bytes.fromhex("680407000000"))  # STARTDT act
    started = False
    while not started:
        for frame in frames():
            started = started or frame[2] == 0x0B
            vr += not frame[2] & 1
    time.sleep(0.3)  # as api_interrogation.py: let M_EI_NA_1 and the clock sync settle
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the RTU")
            buf += data
    except BlockingIOError:
        pass
    sock.setblocking(True)
    while len(buf) >= 2 and len(buf) >= buf[1] + 2:  # what arrived meanwhile
        vr += not buf[2] & 1
        del buf[:buf[1] + 2]
    sock.sendall(struct.pack("<BBHH", 0x68, 4, 1, (vr & 0x7FFF) << 1))
    out = {"impl": "bare", "opened": True, "unmutes": 0, "stations": {}}
    for spec in args.station:
        ca, n = (int(x) for x in spec.split(":")[:2])
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sock.sendall(struct.pack("<BBHHBBBBHHBB", 0x68, 14, vs << 1, (vr & 0x7FFF) << 1, 100, 1, 6, 0, ca, 0, 0, 20))
            vs += 1
            pending = objects = 0
            done = False
            while not done:
                for frame in frames():
                    if frame[2] & 1:
                        continue  # S- and U-frames
                    vr += 1
                    pending += 1
                    if burn:
                        until = time.perf_counter() + burn
                        while time.perf_counter() < until:
                            pass
                    if frame[8] & 0x3F == 20:
                        objects += frame[7] & 0x7F
                    if pending >= W:
                        sock.sendall(struct.pack("<BBHH", 0x68, 4, 1, (vr & 0x7FFF) << 1))
                        pending = 0
                    done = done or (frame[6] == 100 and frame[8] & 0x3F == 10)
            seconds = time.perf_counter() - t0
            if pending:
                sock.sendall(struct.pack("<BBHH", 0x68, 4, 1, (vr & 0x7FFF) << 1))
            runs.append({"ok": True, "seconds": seconds, "present": objects, "correct": None, "all_after_s": seconds})
            time.sleep(0.05)
        out["stations"][str(ca)] = {"points": n, "runs": runs, "median_s": statistics.median(r["seconds"] for r in runs),
                                    "first_s": runs[0]["seconds"]}
    _peer.result(**out)
    sock.close()


main()
