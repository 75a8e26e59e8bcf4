"""IEC104Library from Python: keyword behaviour against a simulated RTU, conversion, messages.

Keywords are called through ``run_keyword`` (as Robot's dynamic API does, with already
converted arguments); argument conversion is checked through Robot's own ``TestLibrary`` so
that the converters are the ones a suite gets.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from robot.running import testlibraries

from c104test.engine.errors import (
    C104TestError,
    CommandTimeout,
    ConnectFailed,
    ExpectationFailed,
    NegativeConfirmation,
)
from c104test.engine.profile import ProfileError
from c104test.keywords import IEC104Library
from c104test.keywords.assertions import (
    AssertionOperator,
    StateMatcher,
    convert_for_type,
    parse_quality,
    verify_assertion,
    verify_quality,
)
from c104test.keywords.commands import Expect
from c104test.keywords.traffic import Frame
from c104test.protocol.enums import Cot, Double, Qoc, Qoi, Type
from c104test.rules.hexdump import parse_hex
from c104test.sync.bridge import THREAD_NAME, shutdown_bridge

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CA = 47

ISSUE_KEYWORDS = {
    "Connect To RTU": ["host", "port", "alias", "common_address", "originator_address", "timeout"],
    "Disconnect From RTU": ["alias"],
    "Close All RTU Connections": [],
    "Switch RTU Connection": ["alias"],
    "Start Data Transfer": [],
    "Stop Data Transfer": [],
    "Set RTU Timeout": ["timeout"],
    "Send Interrogation": ["common_address", "qualifier"],
    "Send Counter Interrogation": ["common_address", "qualifier", "freeze"],
    "Send Clock Sync": ["common_address", "time"],
    "Send Test Command": ["common_address"],
    "Send Read Command": ["io_address", "common_address"],
    "Send Reset Process": ["common_address", "qualifier"],
    "Send Command": ["io_address", "value", "type", "common_address", "select", "qualifier", "with_time", "expect"],
    "Expect State": ["io_address", "expected", "common_address", "timeout"],
    "Get Point Value": ["io_address", "assertion_operator", "assertion_expected"],
    "Get Point Quality": ["io_address", "assertion_operator", "assertion_expected"],
    "Expect Message": ["type", "cot", "io_address", "common_address", "negative", "timeout"],
    "Expect No Message": ["type", "cot", "io_address", "common_address", "negative", "within"],
    "Send Raw APDU": ["hex"],
    "Withhold Acknowledgements": [],
    "Ignore Test Frames": [],
    "Send ASDU": ["hex", "send_seq", "recv_seq"],
    "Start Simulated RTU": ["profile", "host", "port", "alias"],
    "Set Simulated Point": ["io_address", "value", "quality", "cause", "common_address"],
    "Stop Simulated RTU": ["alias"],
    "Save Traffic Capture": ["path"],
    "Log Traffic": [],
}


# ---- fixtures -------------------------------------------------------------------------------------


def trio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    yield
    shutdown_bridge()
    deadline = time.monotonic() + 2
    while trio_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not trio_threads(), "the trio thread outlived the test"


class Keywords:
    """Calls keywords by name, as Robot's dynamic API does."""

    def __init__(self, library: IEC104Library) -> None:
        self.library = library

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.library.run_keyword(name, list(args), kwargs)


@pytest.fixture
def kw() -> Iterator[Keywords]:
    library = IEC104Library(timeout=timedelta(seconds=2))
    try:
        yield Keywords(library)
    finally:
        library.release()


@pytest.fixture
def rtu(kw: Keywords) -> int:
    """The demo RTU on a free port, and a connection to it with CA 47."""
    port = kw("Start Simulated RTU", alias="demo")
    kw("Connect To RTU", HOST, port, alias="main", common_address=CA)
    return port


class SilentRtu:
    """A TCP peer that confirms STARTDT, STOPDT and TESTFR and never answers an ASDU."""

    _ANSWERS = {0x07: 0x0B, 0x13: 0x23, 0x43: 0x83}

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.05)
        self.port = int(self.listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-rtu", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        peers: dict[socket.socket, bytes] = {}
        try:
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    peer, _ = self.listener.accept()
                    peer.settimeout(0.02)
                    peers[peer] = b""
                for peer in list(peers):
                    try:
                        data = peer.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        del peers[peer]
                        peer.close()
                        continue
                    buffer = peers[peer] + data
                    while len(buffer) >= 2 and len(buffer) >= buffer[1] + 2:
                        frame, buffer = buffer[: buffer[1] + 2], buffer[buffer[1] + 2 :]
                        answer = self._ANSWERS.get(frame[2]) if len(frame) == 6 else None
                        if answer is not None:
                            peer.sendall(bytes([0x68, 4, answer, 0, 0, 0]))
                    peers[peer] = buffer
        finally:
            for peer in peers:
                peer.close()
            self.listener.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def silent_rtu() -> Iterator[SilentRtu]:
    peer = SilentRtu()
    try:
        yield peer
    finally:
        peer.stop()


# ---- names, signatures and conversion -------------------------------------------------------------


@pytest.fixture(scope="module")
def robot_library() -> Any:
    return testlibraries.TestLibrary.from_name("c104test.keywords.IEC104Library")


def convert(robot_library: Any, name: str, *positional: Any, **named: Any) -> tuple[list, dict]:
    keyword = next(k for k in robot_library.keywords if k.name == name)
    args, kwargs = keyword.args.convert(list(positional), list(named.items()), converters=robot_library.converters)
    return args, dict(kwargs)


def test_every_keyword_of_the_issue_exists_with_its_argument_names(robot_library: Any) -> None:
    keywords = {k.name: k for k in robot_library.keywords}
    for name, arguments in ISSUE_KEYWORDS.items():
        assert name in keywords, f"keyword {name!r} is missing"
        have = [a.name for a in keywords[name].args]
        for argument in arguments:
            assert argument in have, f"{name}: no argument {argument!r} (has {have})"
    assert robot_library.scope.name == "GLOBAL"
    init = [a.name for a in robot_library.init.args]
    assert init == ["timeout", "common_address", "originator_address"]


def test_enums_convert_case_insensitively_with_prefix_spaces_and_numbers(robot_library: Any) -> None:
    _, named = convert(robot_library, "Expect Message", type="m_sp_na_1", cot="Cot.spontaneous")
    assert named == {"type": Type.M_SP_NA_1, "cot": Cot.SPONTANEOUS}
    _, named = convert(robot_library, "Expect Message", type="200", cot="activation con", negative="true")
    assert named == {"type": 200, "cot": Cot.ACTIVATION_CON, "negative": True}
    _, named = convert(robot_library, "Expect Message", cot=3)
    assert named == {"cot": Cot.SPONTANEOUS}
    _, named = convert(robot_library, "Send Interrogation", qualifier="group 2")
    assert named == {"qualifier": Qoi.GROUP_2}


def test_command_arguments_convert(robot_library: Any) -> None:
    args, named = convert(
        robot_library,
        "Send Command",
        "500",
        "ON",
        "c_sc_na_1",
        "47",
        select="yes",
        qualifier="short pulse",
        expect="negative",
        timeout="1.5s",
    )
    assert args == [500, "ON", Type.C_SC_NA_1, 47]
    assert named == {
        "select": True,
        "qualifier": Qoc.SHORT_PULSE,
        "expect": Expect.NEGATIVE,
        "timeout": timedelta(seconds=1.5),
    }
    _, named = convert(robot_library, "Send Command", "510", "1500", "C_SE_NB_1", qualifier="5")
    assert named == {"qualifier": 5}
    _, named = convert(robot_library, "Get Point Value", "100", "not contains", "IV")
    assert _ == [100, AssertionOperator["not contains"], "IV"]
    _, named = convert(robot_library, "Expect Frame", "testfr con", timeout="1 min 30 s")
    assert _ == [Frame.TESTFR_CON] and named == {"timeout": timedelta(seconds=90)}


@pytest.mark.parametrize(
    ("keyword", "args", "named", "message"),
    [
        ("Expect Message", [], {"cot": "bogus"}, "Argument 'cot' got value 'bogus' that cannot be converted"),
        ("Send Command", ["x", "ON", "C_SC_NA_1"], {}, "Argument 'io_address' got value 'x'"),
        ("Send Command", ["500", "ON", "M_XX"], {}, "Argument 'type' got value 'M_XX'"),
        ("Set RTU Timeout", ["soon"], {}, "Argument 'timeout' got value 'soon'"),
    ],
)
def test_bad_arguments_are_refused_by_name(
    robot_library: Any, keyword: str, args: list, named: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        convert(robot_library, keyword, *args, **named)


def test_import_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        IEC104Library(timeout=timedelta(0))
    with pytest.raises(ValueError, match="common address 70000 outside"):
        IEC104Library(common_address=70000)
    with pytest.raises(ValueError, match="originator address 256 outside"):
        IEC104Library(originator_address=256)


# ---- connections and aliases ----------------------------------------------------------------------


def test_connections_have_indexes_and_aliases(kw: Keywords, rtu: int) -> None:
    second = kw("Connect To RTU", HOST, rtu, alias="standby", common_address=CA)
    assert second == 2
    assert kw("Switch RTU Connection", "main") == 2
    assert kw("Switch RTU Connection", "2") == 1
    assert kw("Switch RTU Connection", "MAIN") == 2  # aliases ignore case and spaces
    kw("Disconnect From RTU", "standby")
    with pytest.raises(RuntimeError, match=r"no RTU connection with index or alias 'nope'; connections: 1 \(main\), 2"):
        kw("Switch RTU Connection", "nope")
    kw("Disconnect From RTU")
    with pytest.raises(RuntimeError, match=re.escape("No RTU connection: use Connect To RTU first.")):
        kw("Send Test Command")
    kw("Switch RTU Connection", "1")  # a closed connection can be switched to, not used
    with pytest.raises(Exception, match="not open"):
        kw("Send Test Command")
    kw("Close All RTU Connections")
    assert kw("Connect To RTU", HOST, rtu, common_address=CA) == 1


def test_connect_failure_names_host_and_port(kw: Keywords) -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(ConnectFailed, match=f"cannot connect to {HOST}:{port}"):
            kw("Connect To RTU", HOST, port)


def test_common_address_comes_from_keyword_connection_library_or_profile(kw: Keywords, tmp_path: Path) -> None:
    from c104test.sync.session import SimulatedRtu

    profile = tmp_path / "rtu.yaml"
    profile.write_text("stations:\n  - common_address: 12\n    points:\n      - {io_address: 1, type: M_SP_NA_1}\n")
    outside = SimulatedRtu.start(profile)  # not started by the library: its profile is unknown
    try:
        kw("Connect To RTU", HOST, outside.port)
        with pytest.raises(ValueError, match="no common address to use: give common_address="):
            kw("Send Interrogation")
        assert kw("Send Interrogation", 12).positive
        kw("Connect To RTU", HOST, outside.port, profile=str(profile))  # the profile's first station
        assert kw("Send Interrogation").common_address == 12
    finally:
        outside.stop()
    port = kw("Start Simulated RTU")  # the demo RTU: its first station is 47, as in Gherkin
    kw("Connect To RTU", HOST, port)
    assert kw("Send Interrogation").common_address == CA
    kw.library.common_address = 99  # the library's import argument comes before the profile
    kw("Connect To RTU", HOST, port)
    with pytest.raises(NegativeConfirmation, match="UNKNOWN_CA"):
        kw("Send Interrogation")
    kw("Connect To RTU", HOST, port, common_address=CA)
    assert kw("Send Interrogation").positive


def test_set_rtu_timeout_returns_the_previous_value(kw: Keywords) -> None:
    assert kw("Set RTU Timeout", timedelta(seconds=5)) == "2 seconds"
    assert kw("Set RTU Timeout", timedelta(milliseconds=1500)) == "5 seconds"
    assert kw.library.timeout == 1.5
    with pytest.raises(ValueError, match="timeout must be positive"):
        kw("Set RTU Timeout", timedelta(0))


def test_timeouts_take_keyword_then_connection_then_library(kw: Keywords, rtu: int) -> None:
    kw("Set RTU Timeout", timedelta(seconds=0.2))
    started = time.monotonic()
    with pytest.raises(ExpectationFailed, match=r"within 0.2 s"):
        kw("Expect Message", cot=Cot.PERIODIC, io_address=100)
    assert time.monotonic() - started < 1.5
    kw("Connect To RTU", HOST, rtu, common_address=CA, timeout=timedelta(seconds=0.3))
    with pytest.raises(ExpectationFailed, match=r"within 0.3 s"):
        kw("Expect Message", cot=Cot.PERIODIC, io_address=100)
    with pytest.raises(ExpectationFailed, match=r"within 0.1 s"):
        kw("Expect Message", cot=Cot.PERIODIC, io_address=100, timeout=timedelta(seconds=0.1))


# ---- commands ---------------------------------------------------------------------------------------


def test_interrogation_fills_the_point_values(kw: Keywords, rtu: int) -> None:
    result = kw("Send Interrogation")
    assert result.positive and result.terminated and len(result.objects) == 10
    assert kw("Get Point Value", 100) is True
    assert kw("Get Point Value", 200) is Double.ON
    assert kw("Get Point Value", 200, AssertionOperator["=="], "on") is Double.ON
    assert kw("Get Point Value", 301, AssertionOperator[">"], "220") == 230.5
    assert kw("Get Point Value", 302, AssertionOperator["=="], "49.98") == pytest.approx(49.98, abs=1e-5)
    assert kw("Get Point Value", 320, AssertionOperator["contains"], "0xA5") == 0xA5A5
    assert kw("Get Point Quality", 301) == []
    assert kw("Get Point Quality", 301, AssertionOperator["not contains"], "IV") == []


def test_negative_confirmation_fails_with_what_arrived(kw: Keywords, rtu: int) -> None:
    with pytest.raises(NegativeConfirmation) as failure:
        kw("Send Command", 9999, "ON", Type.C_SC_NA_1)
    message = str(failure.value)
    assert message.startswith("C_SC_NA_1 ON to IOA 9999 CA 47: expected a positive confirmation")
    assert "a negative UNKNOWN_IOA: C_SC_NA_1 UNKNOWN_IOA NEGATIVE CA 47 IOA 9999" in message
    assert isinstance(failure.value, AssertionError)
    assert "ExceptionGroup" not in message and "Traceback" not in message


def test_expect_negative_and_any(kw: Keywords, rtu: int) -> None:
    result = kw("Send Command", 9999, "ON", Type.C_SC_NA_1, expect=Expect.NEGATIVE)
    assert result.positive is False and result.confirmation_cot is Cot.UNKNOWN_IOA
    kw("Expect Message", cot=Cot.UNKNOWN_IOA, negative=True)
    with pytest.raises(ExpectationFailed, match="expected a negative confirmation, got a positive ACTIVATION_CON"):
        kw("Send Command", 500, "ON", Type.C_SC_NA_1, expect=Expect.NEGATIVE)
    assert kw("Send Command", 500, "ON", Type.C_SC_NA_1, expect=Expect.ANY).positive
    assert kw("Send Command", 501, "ON", Type.C_SC_NA_1, expect=Expect.ANY).positive is False


def test_missing_confirmation_fails_after_the_timeout(kw: Keywords, silent_rtu: SilentRtu) -> None:
    kw("Connect To RTU", HOST, silent_rtu.port, common_address=CA)
    started = time.monotonic()
    with pytest.raises(CommandTimeout) as failure:
        kw("Send Interrogation", timeout=timedelta(seconds=0.3))
    assert 0.25 < time.monotonic() - started < 2
    message = str(failure.value)
    assert message.startswith("no ACT_CON for C_IC_NA_1 IOA 0 CA 47 within 0.3 s; last frames:")
    assert ">> I-Format | C_IC_NA_1 | ACTIVATION" in message
    # the command lock was released: the next command runs (and times out) on its own
    with pytest.raises(CommandTimeout):
        kw("Send Test Command", timeout=timedelta(seconds=0.1))


def test_commands_report_back(kw: Keywords, rtu: int) -> None:
    result = kw("Send Command", 502, "OFF", Type.C_DC_NA_1, act_term="required")
    assert result.positive and result.terminated
    assert kw("Expect State", 200, "OFF") is Double.OFF
    kw("Expect Message", type=Type.M_DP_NA_1, cot=Cot.RETURN_INFO_REMOTE, io_address=200)
    kw("Send Command", 501, True, Type.C_SC_NA_1, select=True)
    assert kw("Expect State", 101, True) is True
    kw("Send Command", 510, 1500, Type.C_SE_NB_1)
    assert kw("Expect State", 300, "1500 ± 1") == 1500
    kw("Send Command", 511, "231.25", Type.C_SE_NC_1)
    assert kw("Expect State", 301, 231.25) == 231.25
    kw("Send Command", 520, "HIGHER", Type.C_RC_NA_1, qualifier=Qoc.SHORT_PULSE)
    assert kw("Expect State", 310, 6, tolerance=0.0) == 6
    for name in ("Send Clock Sync", "Send Test Command", "Send Reset Process", "Send Counter Interrogation"):
        assert kw(name).positive, name
    assert kw("Send Read Command", 301).positive
    assert kw("Send Test Command", with_time=False, expect=Expect.NEGATIVE).confirmation_cot is Cot.UNKNOWN_TYPE_ID


def test_command_misuse_is_a_value_error(kw: Keywords, rtu: int) -> None:
    with pytest.raises(ValueError, match="M_SP_NA_1 is not a command type"):
        kw("Send Command", 500, "ON", Type.M_SP_NA_1)
    with pytest.raises(ValueError, match="not a single-point state"):
        kw("Send Command", 500, "MAYBE", Type.C_SC_NA_1)
    with pytest.raises(ValueError, match="qualifier of reset process 300"):
        kw("Send Reset Process", qualifier=300)


# ---- points and messages -------------------------------------------------------------------------------


def test_expect_state_fails_with_the_values_that_arrived(kw: Keywords, rtu: int) -> None:
    kw("Send Interrogation")
    started = time.monotonic()
    with pytest.raises(ExpectationFailed) as failure:
        kw("Expect State", 200, "INTERMEDIATE", timeout=timedelta(seconds=0.3))
    assert time.monotonic() - started < 1.5
    assert str(failure.value) == (
        "IOA 200 (CA 47) did not report INTERMEDIATE within 0.3 s; "
        "it reported: Double.ON (Cot.INTERROGATED_BY_STATION)"
    )
    with pytest.raises(ValueError, match="'sunny' is not a double point state"):
        kw("Expect State", 200, "sunny")


def test_getters_fail_with_value_and_expectation(kw: Keywords, rtu: int) -> None:
    with pytest.raises(ExpectationFailed, match=r"IOA 100 \(CA 47\) has not been reported on RTU connection 'main'"):
        kw("Get Point Value", 100)
    kw("Send Interrogation")
    with pytest.raises(AssertionError, match=r"^IOA 200 \(CA 47\) value ON should be OFF$"):
        kw("Get Point Value", 200, AssertionOperator["=="], "OFF")
    with pytest.raises(AssertionError, match=r"^IOA 301 \(CA 47\) value 230.5 should be less than 100$"):
        kw("Get Point Value", 301, AssertionOperator["<"], "100")
    with pytest.raises(AssertionError, match=r"^voltage 230\.5, wanted 1$"):
        kw("Get Point Value", 301, AssertionOperator["=="], "1", message="voltage {value}, wanted {expected}")
    with pytest.raises(ValueError, match="does not fit M_DP_NA_1"):
        kw("Get Point Value", 200, AssertionOperator["=="], "42.5")
    with pytest.raises(ValueError, match="needs an assertion operator"):
        kw("Get Point Value", 200, None, "ON")


def test_quality_follows_the_simulated_point(kw: Keywords, rtu: int) -> None:
    kw("Set Simulated Point", 301, "229.5", quality="IV, NT")
    kw("Expect Message", cot=Cot.SPONTANEOUS, io_address=301)
    assert kw("Get Point Quality", 301) == ["IV", "NT"]
    kw("Get Point Quality", 301, AssertionOperator["contains"], "iv")
    kw("Get Point Quality", 301, AssertionOperator["=="], "[NT, IV]")
    with pytest.raises(AssertionError, match=r"^IOA 301 \(CA 47\) quality IV, NT should not contain IV$"):
        kw("Get Point Quality", 301, AssertionOperator["not contains"], "IV")
    kw("Set Simulated Point", 301, None, quality="good")
    kw("Expect Message", cot=Cot.SPONTANEOUS, io_address=301)
    assert kw("Get Point Quality", 301) == []
    assert kw("Expect State", 301, "229.5") == 229.5


def test_expect_message_sees_what_came_after_the_last_stimulus(kw: Keywords, rtu: int) -> None:
    kw("Set Simulated Point", 100, "OFF")
    time.sleep(0.1)  # the report arrives before the expectation starts: it still counts
    asdu = kw("Expect Message", type=Type.M_SP_NA_1, cot=Cot.SPONTANEOUS, io_address=100)
    assert asdu.objects[0].value is False
    kw("Send Test Command")  # a new stimulus: the report above is now in the past
    with pytest.raises(ExpectationFailed, match=re.escape("expected message type=Type.M_SP_NA_1")):
        kw("Expect Message", type=Type.M_SP_NA_1, io_address=100, timeout=timedelta(seconds=0.1))
    kw("Expect No Message", io_address=100, within=timedelta(seconds=0.1))
    kw("Set Simulated Point", 100, "ON")
    with pytest.raises(ExpectationFailed, match=re.escape("expected no message io_address=100 within 0.5 s, but got")):
        kw("Expect No Message", io_address=100, within=timedelta(seconds=0.5))


# ---- simulator and traffic ------------------------------------------------------------------------------


def test_simulator_errors_are_clear(kw: Keywords, rtu: int, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has no point CA 47 IOA 999; its points: 100, 101"):
        kw("Set Simulated Point", 999, "ON")
    with pytest.raises(ValueError, match=r"^value 'ON' does not fit M_ME_NC_1"):
        kw("Set Simulated Point", 301, "ON")
    with pytest.raises(ValueError, match="CY is not a quality flag of this point"):
        kw("Set Simulated Point", 301, None, quality="CY")
    with pytest.raises(ProfileError, match=re.escape("missing.yaml")):
        kw("Start Simulated RTU", str(tmp_path / "missing.yaml"))
    with pytest.raises(RuntimeError, match=f"cannot start the simulated RTU on {HOST}:{rtu}"):
        kw("Start Simulated RTU", port=rtu)
    with pytest.raises(RuntimeError, match="no simulated RTU with index or alias 'nope'"):
        kw("Stop Simulated RTU", "nope")


def test_stopping_the_simulator_closes_its_connections(kw: Keywords, rtu: int) -> None:
    kw("Stop Simulated RTU", "demo")
    assert "closed" in kw("Expect Connection Closed", timeout=timedelta(seconds=2))
    with pytest.raises(RuntimeError, match="No simulated RTU"):
        kw("Set Simulated Point", 100, "ON")


def test_capture_and_traffic_log(kw: Keywords, rtu: int, tmp_path: Path) -> None:
    kw("Send Interrogation")
    lines = kw("Log Traffic", 3)
    assert len(lines) == 3
    assert all(" >> " in line or " << " in line for line in lines)
    path = tmp_path / "sub" / "rtu.pcap"
    count = kw("Save Traffic Capture", str(path))
    assert count >= 12 and path.stat().st_size > 24


def test_raw_frames_and_sequence_errors(kw: Keywords, rtu: int) -> None:
    kw("Send Raw APDU", "68 04 43 00 00 00")
    kw("Expect Frame", Frame.TESTFR_CON)
    kw("Send ASDU", "C8 01 06 00 2F 00 00 00 00")
    kw("Expect Message", type=200, cot=Cot.UNKNOWN_TYPE_ID, negative=True)
    with pytest.raises(ValueError, match="'z' is not a hex digit"):
        kw("Send ASDU", "zz")
    with pytest.raises(ExpectationFailed, match="expected STARTDT_CON from the RTU within 100 milliseconds"):
        kw("Expect Frame", Frame.STARTDT_CON, timeout=timedelta(seconds=0.1))
    with pytest.raises(ExpectationFailed, match="expected the RTU to close RTU connection 'main'"):
        kw("Expect Connection Closed", timeout=timedelta(seconds=0.1))
    kw("Send ASDU", "64 01 06 00 2F 00 00 00 00 14", send_seq=5)
    assert kw("Expect Connection Closed", timeout=timedelta(seconds=2)) == "closed by the peer"


def test_withheld_acknowledgements_let_the_rtu_close(kw: Keywords) -> None:
    port = kw("Start Simulated RTU", t1=timedelta(seconds=0.5), t2=timedelta(seconds=0.2), t3=timedelta(seconds=5))
    kw("Connect To RTU", HOST, port, common_address=CA, t2=timedelta(seconds=0.2))
    kw("Withhold Acknowledgements")
    kw("Send Test Command")
    kw("Expect Connection Closed", timeout=timedelta(seconds=3))


def test_a_close_by_c104test_itself_is_not_the_rtu_closing(kw: Keywords) -> None:
    # The RTU neither answers nor acknowledges: c104test's own t1 ends the connection, and that
    # must not pass as "the RTU closed it" (the root of the old L10/L16 false passes).
    port = kw("Start Simulated RTU", t1=timedelta(seconds=5), t2=timedelta(seconds=1),
              faults=["silence type=C_TS_TA_1", "withhold_acknowledgements"])
    kw("Connect To RTU", HOST, port, common_address=CA, t1=timedelta(seconds=0.5), t2=timedelta(seconds=0.2))
    with pytest.raises(C104TestError, match="t1"):
        kw("Send Test Command", timeout=timedelta(seconds=2))
    with pytest.raises(ExpectationFailed, match="c104test closed it itself"):
        kw("Expect Connection Closed", timeout=timedelta(seconds=3))


def test_ignored_test_frames_let_the_rtu_close(kw: Keywords) -> None:
    port = kw("Start Simulated RTU", t1=timedelta(seconds=0.5), t2=timedelta(seconds=0.2), t3=timedelta(seconds=0.3))
    kw("Connect To RTU", HOST, port, common_address=CA, t2=timedelta(seconds=0.2))
    kw("Ignore Test Frames")
    kw("Expect Frame", Frame.TESTFR_ACT, timeout=timedelta(seconds=2))
    kw("Expect Connection Closed", timeout=timedelta(seconds=3))


# ---- assertions and parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "tolerance", "value", "matches"),
    [
        ("ON", None, Double.ON, True),
        ("on", None, True, True),
        ("OFF", None, Double.ON, False),
        (True, None, Double.ON, True),
        ("False", None, False, True),
        ("INTERMEDIATE", None, Double.INTERMEDIATE, True),
        ("230 ± 0.5", None, 230.4, True),
        ("230 +- 0.5", None, 230.6, False),
        ("50 +/- 1%", None, 50.4, True),
        ("230.5", None, 230.5, True),
        ("49.98", None, 49.979999542236328, True),  # float32 on the wire
        ("0.1", None, 0.100006103515625, True),  # normalized on the wire
        ("1500", 5.0, 1504, True),
        ("0x10", None, 16, True),
        ("1", None, True, True),
        ("0", None, True, False),
    ],
)
def test_state_matcher(expected: Any, tolerance: float | None, value: Any, matches: bool) -> None:
    assert StateMatcher(expected, tolerance)(value) is matches


def test_state_matcher_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="either in the expected value or as tolerance="):
        StateMatcher("1 ± 1", 2.0)
    with pytest.raises(ValueError, match="a tolerance applies to numbers"):
        StateMatcher("ON", 1.0)
    assert StateMatcher("230 ± 0.5").description == "230 ± 0.5"
    # a number for a double point that reports: DPI 1 is OFF, so a number is refused, as in Gherkin
    with pytest.raises(ValueError, match="'5' is ambiguous for a double point"):
        StateMatcher("5")(Double.ON)


def test_quality_parsing_and_operators() -> None:
    assert parse_quality("IV, NT") == ["IV", "NT"]
    assert parse_quality("[invalid blocked]") == ["IV", "BL"]
    assert parse_quality("good") == parse_quality("") == []
    with pytest.raises(ValueError, match="'XX' is not a quality flag"):
        parse_quality("XX")
    verify_quality(["IV", "NT"], AssertionOperator["contains"], "NT", "q")
    verify_quality(["IV"], AssertionOperator["!="], "good", "q")
    with pytest.raises(ValueError, match="does not apply to quality"):
        verify_quality([], AssertionOperator["<"], "IV", "q")


def test_value_conversion_by_point_type() -> None:
    assert convert_for_type(Type.M_DP_TB_1, "off") is Double.OFF
    assert convert_for_type(Type.M_SP_NA_1, "1") is True
    assert convert_for_type(Type.M_BO_NA_1, "0xA5A5") == 0xA5A5
    assert convert_for_type(Type.M_ME_NB_1, "12.0") == 12
    with pytest.raises(ValueError, match="does not fit M_ME_NB_1"):
        convert_for_type(Type.M_ME_NB_1, "12.5")
    assert verify_assertion(5, AssertionOperator[">="], "5", "x", point_type=Type.M_ST_NA_1) == 5
    with pytest.raises(ValueError, match="compares numbers"):
        verify_assertion(Double.ON, AssertionOperator["<"], "ON", "x", point_type=Type.M_DP_NA_1)


def test_parse_hex() -> None:
    assert parse_hex("68 04 43:00-00 0x00") == bytes.fromhex("680443000000")
    for text, message in [("6", "odd number"), ("", "no hex digits"), ("68 0g", "'g' is not a hex digit")]:
        with pytest.raises(ValueError, match=message):
            parse_hex(text)


# ---- documentation ------------------------------------------------------------------------------------------


def test_libdoc_builds_without_warnings(tmp_path: Path) -> None:
    script = ROOT / "docs" / "build_keyword_docs.py"
    done = subprocess.run(
        [sys.executable, str(script), "--output-dir", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    spec = json.loads((tmp_path / "keywords.json").read_text(encoding="utf-8"))
    names = {k["name"] for k in spec["keywords"]}
    assert set(ISSUE_KEYWORDS) <= names
    assert (tmp_path / "keywords.html").stat().st_size > 10_000


def test_committed_keyword_docs_are_up_to_date() -> None:
    script = ROOT / "docs" / "build_keyword_docs.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
