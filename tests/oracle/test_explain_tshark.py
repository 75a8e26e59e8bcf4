"""``c104test explain`` against Wireshark's dissector (tshark), field by field, as a user runs it.

test_tshark.py checks the codec; this checks the one line a user reads: every sample of
samples.py (every type, SQ=1, OA, CA > 255, P/N, T), U- and S-frames, causes outside the enum with
the test and negative bits, an originator address, and types no table knows go through
``c104test explain`` as pasted text (one argument with newlines, colon-separated arguments,
``0x`` prefixes), and each printed line is parsed back and compared with what tshark shows: the
header (format, TI, COT, P/N, T, OA, CA, SQ, count, N(S), N(R), first IOA) and, for the objects
the line shows, the IOA, value, quality bits and time tag. A field tshark shows that the table
below does not know fails the test, so a newer tshark's extra fields cannot go unchecked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from c104test.cli import main
from c104test.protocol.enums import Coi, Cot, Double, Frz, Qoc, Qoi, Rqt, Step, Type

from .samples import apdu, sample_apdus
from .test_tshark import TSHARK_RAW_ONLY
from .tshark import decode_with_tshark

pytestmark = pytest.mark.oracle

U_FRAMES = {  # what explain prints, tshark's utype
    "680407000000": ("StartDT act", 1), "68040b000000": ("StartDT con", 2),
    "680413000000": ("StopDT act", 4), "680423000000": ("StopDT con", 8),
    "680443000000": ("TestFR act", 16), "680483000000": ("TestFR con", 32),
}  # fmt: skip


def _odd_frames() -> list[bytes]:
    """Causes outside the enum with T and P/N, an OA, and types that no table names."""
    single = bytes.fromhex("640000" "01")  # IOA 100, SIQ ON
    frames = []
    for ns, (cot_octet, oa) in enumerate([(0x00, 0), (0xFF, 0), (0xF2, 7), (0x2C, 255), (0x6D, 1), (0x83, 0)]):
        frames.append(apdu(bytes([1, 1, cot_octet, oa, 0x2F, 0x00]) + single, ns=ns, nr=32767 - ns))
    for type_id in (0, 200, 255):  # unknown: header and first IOA still read
        frames.append(apdu(bytes([type_id, 1, 3, 0, 1, 0]) + single + b"\xaa\x55", ns=type_id))
    return frames


def corpus() -> list[bytes]:
    return [
        *(bytes.fromhex(h) for h in U_FRAMES),
        bytes.fromhex("680401000a00"), bytes.fromhex("68040100feff"),  # S: N(R) 5 and 32767
        *sample_apdus(), *_odd_frames(),
    ]  # fmt: skip


# ---- reading the explain line back ------------------------------------------------------------------

_OBJECT = re.compile(
    r"IOA (?P<ioa>\d+)(?: = (?P<value>.*?))?(?: \((?P<flags>(?:OV|BL|SB|NT|IV|EI|CY|CA)(?: (?:OV|BL|SB|NT|IV|EI|CY|CA))*)\))?"
    r"(?: @ (?P<time>.*))?"
)
_CP56 = re.compile(r"20(\d\d)-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})((?: IV| SU| SB)*)")
_CP24 = re.compile(r"--:(\d\d):(\d\d)\.(\d{3})((?: IV| SB)*)")


def parse_i_line(line: str) -> dict[str, Any]:
    """The fields of an I-format line: ``I-Format | TI | COT | P/N [| TEST] | CA n [| OA n] | ...``."""
    fields = line.split(" | ")
    assert fields[0] == "I-Format", line
    out: dict[str, Any] = {"type_name": fields[1], "cot_text": fields[2], "negative": fields[3] == "NEGATIVE"}
    assert fields[3] in ("POSITIVE", "NEGATIVE"), line
    rest = fields[4:]
    out["test"] = rest[0] == "TEST"
    if out["test"]:
        rest = rest[1:]
    out["ca"] = 0xFFFF if rest[0] == "GLOBAL" else int(rest[0].removeprefix("CA "))
    rest = rest[1:]
    out["oa"] = int(rest.pop(0).removeprefix("OA ")) if rest[0].startswith("OA ") else 0
    out["first_ioa"] = int(rest.pop(0).removeprefix("1st IOA "))
    kind = re.fullmatch(r"(LIST|SEQUENCE)\[(\d+)\] \(((?:[0-9a-f]{2} )*)\)", rest.pop(0))
    assert kind, line
    out["sq"], out["count"], out["payload"] = kind[1] == "SEQUENCE", int(kind[2]), bytes.fromhex(kind[3])
    seq = re.fullmatch(r"N\(S\) (\d+) N\(R\) (\d+)", rest.pop(0))
    assert seq, line
    out["tx"], out["rx"] = int(seq[1]), int(seq[2])
    (body,) = rest
    out["body"] = body
    return out


def parse_objects(body: str) -> tuple[list[dict[str, Any]], int]:
    """The objects a line shows and how many it says it left out (``… n more``)."""
    parts = body.split(", ")
    more = 0
    if parts[-1].startswith("… "):
        more = int(parts.pop().split()[1])
    objects = []
    for part in parts:
        found = _OBJECT.fullmatch(part)
        assert found, part
        objects.append({
            "ioa": int(found["ioa"]), "value": found["value"] or "",
            "flags": set((found["flags"] or "").split()), "time": found["time"],
        })  # fmt: skip
    return objects, more


# ---- what each tshark field must agree with -------------------------------------------------------------


def _flag(name: str) -> Callable[[dict[str, Any], str], bool]:
    return lambda ob, shown: (name in ob["flags"]) == (shown == "1")


def _word(word: str) -> Callable[[dict[str, Any], str], bool]:
    return lambda ob, shown: (word in ob["value"].split()) == (shown == "1")


def _first(ob: dict[str, Any]) -> str:
    return ob["value"].split()[0]


def _number(ob: dict[str, Any], shown: str) -> bool:
    return math.isclose(float(_first(ob)), float(shown), rel_tol=2e-6, abs_tol=1e-9)  # tshark shows 6 digits


def _bitstring(ob: dict[str, Any], shown: str) -> bool:  # tshark shows the octets in wire order
    return int(_first(ob), 16) == int.from_bytes(bytes.fromhex(shown[2:]), "little")


def _qu(ob: dict[str, Any], shown: str) -> bool:
    qu = int(shown)
    words = ob["value"].split()
    if qu == Qoc.NONE:
        return words[-1] in ("SELECT", "EXECUTE")
    return words[2] == (Qoc(qu).name if qu in Qoc._value2member_map_ else "QU") and (
        qu in Qoc._value2member_map_ or words[3] == str(qu)
    )


def _ql(ob: dict[str, Any], shown: str) -> bool:
    words = ob["value"].split()
    return (words[words.index("QL") + 1] if "QL" in words else "0") == shown


def _time56(part: int) -> Callable[[dict[str, Any], str], bool]:
    def check(ob: dict[str, Any], shown: str) -> bool:
        found = _CP56.fullmatch(ob["time"] or ob["value"])  # C_CS_NA_1: the time is the value
        assert found, ob
        year, month, day, hour, minute, second, ms = map(int, found.groups()[:7])
        flags = found[8].split()
        values = [ms + 1000 * second, minute, hour, day, month, year, "IV" in flags, "SU" in flags, "SB" in flags]
        return int(values[part]) == int(shown)

    return check


def _time24(part: int) -> Callable[[dict[str, Any], str], bool]:
    def check(ob: dict[str, Any], shown: str) -> bool:
        found = _CP24.fullmatch(ob["time"] or "")
        assert found, ob
        minute, second, ms = map(int, found.groups()[:3])
        return int([ms + 1000 * second, minute, "IV" in found[4].split()][part]) == int(shown)

    return check


_KPA = {1: "THRESHOLD", 2: "SMOOTHING", 3: "LOW_LIMIT", 4: "HIGH_LIMIT"}
_SKIP = object()  # octet-wide fields (siq 0x01 ...): their bits are compared one by one
CHECKS: dict[str, Any] = {
    "siq": _SKIP, "diq": _SKIP, "qds": _SKIP, "sco": _SKIP, "dco": _SKIP, "rco": _SKIP, "qos": _SKIP,
    "qpm": _SKIP, "coi": _SKIP, "qcc": _SKIP, "vti": _SKIP, "cp56time": _SKIP, "cp24time": _SKIP,
    "cp56time.dow": _SKIP,  # explain shows no day of week
    "rawdata": _SKIP,  # types tshark does not break down: the header and first IOA are compared
    "siq.spi": lambda ob, shown: _first(ob) == ("ON" if shown == "1" else "OFF"),
    "diq.dpi": lambda ob, shown: _first(ob) == Double(int(shown)).name,
    "vti.v": lambda ob, shown: _first(ob) == shown,
    "vti.t": _word("TRANSIENT"),
    "bitstring": _bitstring,
    "normval": _number, "float": _number,
    "scalval": lambda ob, shown: _first(ob) == shown,
    "bcr.count": lambda ob, shown: _first(ob) == shown,
    "bcr.sq": lambda ob, shown: ob["value"].split()[2] == shown,
    "bcr.cy": _flag("CY"), "bcr.ca": _flag("CA"), "bcr.iv": _flag("IV"),
    "sco.on": lambda ob, shown: _first(ob) == ("ON" if shown == "1" else "OFF"),
    "dco.on": lambda ob, shown: _first(ob) == Double(int(shown)).name,
    "rco.up": lambda ob, shown: _first(ob) == Step(int(shown)).name,
    "sco.se": _word("SELECT"), "dco.se": _word("SELECT"), "rco.se": _word("SELECT"), "qos.se": _word("SELECT"),
    "sco.qu": _qu, "dco.qu": _qu, "rco.qu": _qu,
    "qos.ql": _ql,
    "qoi": lambda ob, shown: ob["value"] == (Qoi(int(shown)).name if int(shown) in Qoi._value2member_map_ else f"QOI {shown}"),
    "rqt": lambda ob, shown: _first(ob) == Rqt(int(shown)).name,
    "frz": lambda ob, shown: ob["value"].split()[1] == Frz(int(shown)).name,
    "coi_r": lambda ob, shown: _first(ob) == Coi(int(shown)).name,
    "coi_i": _word("AFTER_PARAMETER_CHANGE"),
    "qrp": lambda ob, shown: ob["value"] == f"QRP {shown}",
    "qpm.kpa": lambda ob, shown: ob["value"].split()[1] == _KPA[int(shown)],
    "qpm.lpc": _word("LPC"), "qpm.pop": _word("POP"),
    **{f"cp56time.{n}": _time56(i) for i, n in enumerate(("ms", "min", "hour", "day", "month", "year", "iv", "su", "gen"))},
    **{f"cp24time.{n}": _time24(i) for i, n in enumerate(("ms", "min", "iv"))},
}  # fmt: skip
for _bits in ("siq", "diq", "qds"):
    for _name in ("bl", "sb", "nt", "iv", "ov")[: 5 if _bits == "qds" else 4]:
        CHECKS[f"{_bits}.{_name}"] = _flag(_name.upper())


def compare(line: str, frame: bytes, shown: dict[str, Any]) -> list[str]:
    """Every disagreement between one explain line and tshark's view of the same frame."""
    if frame[2] & 3 == 3:
        return [] if line == f"U-Format | {U_FRAMES[frame.hex()][0]}" and shown["utype"] == U_FRAMES[frame.hex()][1] else [line]
    if frame[2] & 3 == 1:
        return [] if line == f"S-Format | N(R) {shown['rx']}" else [f"{line} vs N(R) {shown['rx']}"]
    got = parse_i_line(line)
    wrong = []
    type_id = Type[got["type_name"]].value if got["type_name"] != "unknown" else int(got["body"].split()[1])
    cot = Cot[got["cot_text"]].value if not got["cot_text"].startswith("COT ") else int(got["cot_text"][4:])
    expected = {
        "typeid": type_id, "causetx": cot, "nega": got["negative"], "test": got["test"], "oa": got["oa"],
        "addr": got["ca"], "sq": got["sq"], "numix": got["count"], "tx": got["tx"], "rx": got["rx"],
    }  # fmt: skip
    wrong += [f"{k}: explain {v}, tshark {shown.get(k)}" for k, v in expected.items() if int(v) != shown.get(k)]
    if got["payload"] != frame[12:]:
        wrong.append(f"the octets in parentheses are not the frame's objects: {got['payload'].hex()}")
    if shown["objects"] and got["first_ioa"] != shown["objects"][0]["ioa"]:
        wrong.append(f"1st IOA: explain {got['first_ioa']}, tshark {shown['objects'][0]['ioa']}")
    if got["type_name"] == "unknown" or Type(type_id) in TSHARK_RAW_ONLY:
        return wrong
    objects, more = parse_objects(got["body"])
    if len(objects) + more != shown["numix"]:
        wrong.append(f"{len(objects)} objects shown and {more} more, the ASDU has {shown['numix']}")
    for ob, theirs in zip(objects, shown["objects"], strict=False):
        if ob["ioa"] != theirs["ioa"]:
            wrong.append(f"IOA: explain {ob['ioa']}, tshark {theirs['ioa']}")
        for name, value in theirs.items():
            if name == "ioa":
                continue
            check = CHECKS.get(name)
            if check is None:
                wrong.append(f"tshark field {name}={value} has no rule here")
            elif check is not _SKIP and not check(ob, value):
                wrong.append(f"IOA {ob['ioa']}: tshark {name}={value}, explain '{ob['value']}' {sorted(ob['flags'])} @ {ob['time']}")
    return wrong


# ---- the test ---------------------------------------------------------------------------------------------


def _as_pasted(frames: list[bytes]) -> dict[str, list[str]]:
    """The same octets as users paste them: the arguments of one ``c104test explain``."""
    return {
        "one argument, a line per APDU": ["\n".join(f.hex(" ") for f in frames) + "\n"],
        "an argument per APDU, colons": [f.hex(":") for f in frames],
        "0x prefixes, upper case": [" ".join(f"0x{b:02X}" for b in f) for f in frames],
        "one run of digits": ["".join(f.hex() for f in frames)],
    }


def test_explain_agrees_with_tshark_field_by_field(tshark_tool: None, capsys: pytest.CaptureFixture[str]) -> None:
    frames = corpus()
    dissected = decode_with_tshark(frames)
    outputs = {}
    for form, arguments in _as_pasted(frames).items():
        assert main(["explain", *arguments]) == 0, form
        out, err = capsys.readouterr()
        assert err == "", (form, err)
        outputs[form] = out.splitlines()
    lines = outputs.pop("one argument, a line per APDU")
    for form, other in outputs.items():
        assert other == lines, f"{form} is explained differently"
    assert len(lines) == len(frames)
    wrong = {}
    for line, frame, shown in zip(lines, frames, dissected, strict=True):
        assert not shown["malformed"], (frame.hex(), shown)
        found = compare(line, frame, shown)
        if found:
            wrong[frame.hex(" ")] = [line, *found]
    assert not wrong, "\n".join(f"{k}\n    " + "\n    ".join(v) for k, v in wrong.items())


def test_the_comparison_catches_a_wrong_line(tshark_tool: None, capsys: pytest.CaptureFixture[str]) -> None:
    """The check above can fail: a line with one field changed disagrees with tshark."""
    frame = sample_apdus()[0]  # M_SP_NA_1 SQ=1, OA 7, CA 4660
    (shown,) = decode_with_tshark([frame])
    assert main(["explain", frame.hex()]) == 0
    line = capsys.readouterr().out.strip()
    assert compare(line, frame, shown) == []
    for good, bad in (("CA 4660", "CA 4661"), ("OA 7", "OA 8"), ("= ON (SB IV)", "= ON (SB)"), ("INTERROGATED_BY_STATION", "SPONTANEOUS")):
        assert good in line
        assert compare(line.replace(good, bad), frame, shown) != [], bad
