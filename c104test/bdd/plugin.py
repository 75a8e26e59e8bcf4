"""The pytest plugin ``c104test`` (entry point pytest11): options, fixtures, failure reports.

Installing c104test loads this plugin into every pytest run in that environment, so importing it is
cheap: no trio, no thread and no socket until a fixture needs the RTU. The trio thread starts when
the first scenario connects or starts a simulator, and stops when the session ends. Turn the plugin
off with ``-p no:c104test``.

A project then needs only feature files and one line::

    # tests/test_fat.py
    from pytest_bdd import scenarios

    scenarios("features")

Without ``--rtu-host`` every scenario gets a fresh embedded simulator (the demo RTU, or
``--rtu-profile``); with it the same features run against the real RTU. docs/steps.md lists the
steps, the options and the fixtures.
"""

from __future__ import annotations

import argparse
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from c104test.engine.client import CommandResult
    from c104test.sync.bridge import TrioBridge
    from c104test.sync.session import RtuConnection, SimulatedRtu

__all__ = ["OPTIONS", "C104Config", "C104Context", "Option"]

# The steps live in their own module; registering it as a plugin makes them visible everywhere.
pytest_plugins = [
    "c104test.bdd.steps", "c104test.bdd.traffic_steps", "c104test.bdd.conformance_steps", "c104test.bdd.fat_steps",
]

DEFAULT_PORT = 2404
ACT_TERM_CHOICES = ("required", "optional", "never")
CAPTURE_MODES = ("failure", "always")
DEFAULT_TIMEOUT = 5.0
LOCALHOST = "127.0.0.1"

_FRAMES_BEFORE = 3  # frames shown from before the action (or the step) began
_FRAMES_SHOWN = 60  # at most this many frames per connection ...
_FRAMES_HEAD = 15  # ... of which the first ones, then the last ones


# ---- options ----------------------------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} outside 1..65535")
    return port


def _common_address(text: str) -> int:
    try:
        ca = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"common address must be a number, got {text!r}") from None
    if not 1 <= ca <= 65535:
        raise argparse.ArgumentTypeError(f"common address {ca} outside 1..65535")
    return ca


def _act_term(text: str) -> str:
    if text.strip().lower() not in ACT_TERM_CHOICES:
        raise argparse.ArgumentTypeError(f"act_term {text!r} is not one of {', '.join(ACT_TERM_CHOICES)}")
    return text.strip().lower()


def _capture_mode(text: str) -> str:
    if text.strip().lower() not in CAPTURE_MODES:
        raise argparse.ArgumentTypeError(f"capture mode {text!r} is not one of {', '.join(CAPTURE_MODES)}")
    return text.strip().lower()


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"timeout must be a number of seconds, got {text!r}") from None
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"timeout must be a positive number of seconds, got {text!r}")
    return seconds


def _journal_size(text: str) -> int:
    from c104test.engine.journal import parse_size  # here: loading the plugin stays cheap

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@dataclass(frozen=True)
class Option:
    """One command-line option of the plugin (also the source of the option table in docs/steps.md)."""

    flag: str
    metavar: str
    help: str
    type: Callable[[str], Any] | None = None


OPTIONS = (
    Option(
        "--rtu-host",
        "HOST",
        "Address of the RTU under test. Without it, every scenario runs against a fresh embedded "
        "simulator (the demo RTU, or --rtu-profile).",
    ),
    Option("--rtu-port", "PORT", f"TCP port of the RTU at --rtu-host (default {DEFAULT_PORT}).", _port),
    Option(
        "--rtu-common-address",
        "CA",
        "Common address for steps that name none (default: the first station of the profile, "
        "the simulated one or --rtu-profile; with neither, such a step fails and says so).",
        _common_address,
    ),
    Option(
        "--rtu-profile",
        "FILE",
        "Profile (YAML) of the embedded simulator (default: the demo RTU). With --rtu-host it only "
        "gives the default common address (its first station).",
    ),
    Option(
        "--rtu-act-term",
        "WHEN",
        "Whether the RTU terminates process commands with ACT_TERM (PIXIT): optional (default: a "
        "positive ACT_CON confirms, an ACT_TERM that arrives is checked), required or never. "
        "Without it, never where the RTU's profile says pixit.act_term: false.",
        _act_term,
    ),
    Option(
        "--c104-timeout",
        "SECONDS",
        f"How long a step waits for the RTU: confirmations, values, messages (default {DEFAULT_TIMEOUT:g}).",
        _seconds,
    ),
    Option(
        "--c104-journal-size",
        "SIZE",
        "Memory each connection's frame journal may hold: 64MiB, 10MB or octets (default: one "
        "64 MiB budget shared by all connections). Older frames are dropped beyond it, and the log "
        "and saved captures say how many.",
        _journal_size,
    ),
    Option(
        "--c104-capture",
        "DIR",
        "Save the traffic of each scenario as pcap files in this folder (one per connection, named "
        "after the test), for Wireshark and the FAT record.",
    ),
    Option(
        "--c104-capture-mode",
        "WHEN",
        "With --c104-capture: save for failed scenarios only (failure, the default) or for every "
        "scenario (always).",
        _capture_mode,
    ),
    # TLS (IEC 62351-3): to --rtu-host, or the embedded simulator serves TLS with the same files
    Option("--rtu-tls-cert", "FILE", "TLS: this side's certificate (PEM); any --rtu-tls option makes the link TLS."),
    Option("--rtu-tls-key", "FILE", "TLS: the private key of --rtu-tls-cert (PEM)."),
    Option("--rtu-tls-ca", "FILE", "TLS: the CA certificate(s) (PEM) the RTU's certificate must chain to."),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("c104test", "c104test: the IEC 60870-5-104 RTU under test (pytest-bdd steps)")
    for option in OPTIONS:
        dest = option.flag.lstrip("-").replace("-", "_")
        group.addoption(option.flag, metavar=option.metavar, dest=dest, default=None, type=option.type, help=option.help)


@dataclass(frozen=True)
class C104Config:
    """The RTU under test, from the command line."""

    host: str | None = None
    port: int = DEFAULT_PORT
    common_address: int | None = None
    common_address_given: bool = False
    profile: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    journal_size: int | None = None  # octets per connection; None: the process-wide budget
    act_term: str = "optional"
    act_term_given: bool = False
    tls: Any = None  # engine.tls.TlsOptions when an --rtu-tls option is given

    @property
    def simulated(self) -> bool:
        """True when the scenarios run against the embedded simulator."""
        return self.host is None

    @classmethod
    def from_pytest(cls, config: pytest.Config) -> C104Config:
        ca = config.getoption("rtu_common_address")
        profile = config.getoption("rtu_profile")
        return cls(
            host=config.getoption("rtu_host") or None,
            port=config.getoption("rtu_port") or DEFAULT_PORT,
            common_address=ca,
            common_address_given=ca is not None,
            profile=None if profile is None else (config.invocation_params.dir / profile).resolve(),
            timeout=config.getoption("c104_timeout") or DEFAULT_TIMEOUT,
            journal_size=config.getoption("c104_journal_size", None),
            act_term=config.getoption("rtu_act_term") or "optional",
            act_term_given=config.getoption("rtu_act_term") is not None,
            tls=_tls(config),
        )

    def describe(self) -> str:
        if self.host is None:
            target = f"embedded simulator ({self.profile or 'the demo RTU'})"
        else:
            target = f"RTU at {self.host}:{self.port}"
        ca = "from the profile" if self.common_address is None else self.common_address
        tls = " over TLS" if self.tls is not None else ""
        return f"{target}{tls}, common address {ca}, timeout {self.timeout:g} s, act_term {self.act_term}"


def _tls(config: pytest.Config) -> Any:
    from c104test.engine.tls import TlsConfigError, make_context, tls_options

    files = [config.getoption(f"rtu_tls_{name}", None) for name in ("cert", "key", "ca")]
    options = tls_options(*(None if f is None else config.invocation_params.dir / f for f in files))
    if options is not None:
        try:  # every file is checked before the first scenario
            make_context(options, server=False)
        except TlsConfigError as exc:
            raise pytest.UsageError(f"--rtu-tls options: {exc}") from None
    return options


def _given(config: pytest.Config) -> bool:
    return any(config.getoption(o.flag.lstrip("-").replace("-", "_")) is not None for o in OPTIONS)


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("rtu_profile", None)
    if profile is not None and not (config.invocation_params.dir / profile).is_file():
        raise pytest.UsageError(f"--rtu-profile {profile}: no such file")
    _tls(config)  # a missing or non-PEM --rtu-tls file stops the run before the first scenario
    _one_process_reports(config)


def _one_process_reports(config: pytest.Config) -> None:
    """pytest-bdd's Cucumber JSON and Gherkin reporter see only the scenarios of their own process:
    under pytest-xdist (a project's ``addopts = -n 4``, as in this repository) the JSON came out
    empty, a FAT record without a scenario, and nothing said so."""
    workers = config.getoption("numprocesses", None)
    if not workers or hasattr(config, "workerinput"):
        return
    asked = [flag for flag, dest in (("--cucumberjson", "cucumber_json_path"),
                                     ("--gherkin-terminal-reporter", "gherkin_terminal_reporter"))
             if config.getoption(dest, None)]
    if asked:
        raise pytest.UsageError(
            f"{' and '.join(asked)} report only the scenarios of their own process, but pytest-xdist runs "
            f"{workers} workers (-n {workers}, from the command line or the project's addopts): add -n 0")


def pytest_report_header(config: pytest.Config) -> str | None:
    # only when asked for: the plugin loads into every pytest run of the environment
    return f"c104test: {C104Config.from_pytest(config).describe()}" if _given(config) else None


# ---- the state of one scenario ------------------------------------------------------------------------

_CONTEXT_KEY = pytest.StashKey["C104Context"]()
_FEATURE_DIR_KEY = pytest.StashKey[Path]()
_FAILURE_KEY = pytest.StashKey[str]()


class C104Context:
    """What one scenario holds: its simulators, its connections, the last action's journal mark.

    The connection and simulator steps open things here; teardown closes them all. Steps written by a
    project can use it through the ``c104_context`` fixture.
    """

    def __init__(self, config: C104Config, request: pytest.FixtureRequest) -> None:
        self.config = config
        self._request = request
        self.simulator: SimulatedRtu | None = None  # the simulator the scenario talks to, if any
        self.connection: RtuConnection | None = None  # the connection steps use
        self.last_result: CommandResult | None = None
        self.mark = 0  # journal index of the current connection where the last When step began
        self.acted = False  # a When step acted on the current connection: ``mark`` is meaningful
        self.declared_profile: Any = None  # with --rtu-host, the profile a Given step says it runs
        self._simulators: list[SimulatedRtu] = []
        self._connections: list[RtuConnection] = []
        self._step_marks: dict[int, int] = {}  # id(connection) -> journal index when the step began

    # ---- configuration ----

    @property
    def timeout(self) -> float:
        return self.config.timeout

    @property
    def common_address(self) -> int:
        """The CA of steps that name none: the option, else the profile's first station (the
        simulated RTU's, or --rtu-profile's with --rtu-host), as in the Robot library."""
        if self.config.common_address is not None:
            return self.config.common_address
        stations = self.stations
        if stations:
            return stations[0]
        from c104test.bdd.registry import StepUsageError

        raise StepUsageError(
            "no common address to use: name it in the step (\"to common address 47\"), or give "
            "--rtu-common-address, or --rtu-profile (its first station)"
        )

    @property
    def stations(self) -> list[int] | None:
        """The CAs of the RTU's stations where a profile says them (None: not known): the
        simulated RTU's, else the one a Given step declared, else --rtu-profile's, else the demo
        RTU's (started on first use). A procedure to the broadcast address waits for each."""
        from c104test.engine.profile import demo_profile, load_profile

        if self.simulator is not None:
            profile = self.simulator.profile
        elif self.declared_profile is not None:
            profile = self.declared_profile
        elif self.config.profile is not None:  # the simulator to come, or the RTU at --rtu-host
            profile = load_profile(self.config.profile)
        elif self.config.host is None:
            profile = demo_profile()
        else:
            return None
        return [int(s.common_address) for s in profile.stations]

    @property
    def pixit(self) -> Any:
        """The PIXIT of the RTU under test, where a profile says it (None: not known). The running
        simulator's first, then --rtu-profile (with --rtu-host: the real RTU's own profile), then
        the profile a Given step declared."""
        from c104test.engine.profile import load_profile

        if self.simulator is not None:
            return self.simulator.profile.pixit
        if self.config.profile is not None:
            return load_profile(self.config.profile).pixit
        if self.declared_profile is not None:
            return self.declared_profile.pixit
        return None

    @property
    def act_term(self) -> str:
        """ACT_TERM of process commands: --rtu-act-term, else "never" where the PIXIT says the
        RTU sends none (``pixit.act_term: false``), else "optional"."""
        if self.config.act_term_given:
            return self.config.act_term
        pixit = self.pixit
        return "never" if pixit is not None and not pixit.act_term else self.config.act_term

    @property
    def feature_dir(self) -> Path | None:
        return self._request.node.stash.get(_FEATURE_DIR_KEY, None)

    def _bridge(self) -> TrioBridge:
        return self._request.getfixturevalue("c104_bridge")  # type: ignore[no-any-return]

    # ---- simulators ----

    def start_simulator(self, profile: str | Path | None = None) -> SimulatedRtu:
        """Start a simulator (``None``: the demo RTU); it becomes the RTU the scenario talks to."""
        self._bridge()
        from c104test.engine.tls import tls_transport
        from c104test.sync.session import SimulatedRtu

        simulator = SimulatedRtu.start(profile, transport=tls_transport(self.config.tls, server=True))
        self._simulators.append(simulator)
        self.simulator = simulator
        return simulator

    def default_simulator(self) -> SimulatedRtu | None:
        """The scenario's simulator, started on first use; None when testing a real RTU."""
        if self.config.host is not None:
            return None
        if self.simulator is None:
            self.start_simulator(self.config.profile)
        return self.simulator

    def target(self) -> tuple[str, int]:
        """Host and port of the RTU under test."""
        if self.config.host is not None:
            return self.config.host, self.config.port
        simulator = self.default_simulator()
        assert simulator is not None
        return LOCALHOST, simulator.port

    # ---- connections ----

    def connect(
        self, host: str | None = None, port: int | None = None, *, start_data_transfer: bool = True
    ) -> RtuConnection:
        """Open a connection (TCP and STARTDT, unless told not to); it becomes the one steps use."""
        stations = None
        if host is None:  # the RTU under test: its profile's stations, where one says them
            host, port = self.target()
            stations = self.stations
        self._bridge()
        from c104test.engine.tls import tls_transport
        from c104test.sync.session import RtuConnection

        connection = RtuConnection.open(
            host, DEFAULT_PORT if port is None else port, timeout=self.timeout,
            start_data_transfer=start_data_transfer, journal_size=self.config.journal_size, act_term=self.act_term,
            start_timeout=self.timeout,
            transport=tls_transport(self.config.tls, server=False),
            stations=stations,
        )
        self._connections.append(connection)
        self.connection = connection
        self.mark = 0
        self.acted = False
        self._step_marks[id(connection)] = 0
        return connection

    def begin_action(self) -> None:
        """A When step begins: later expectations look at what arrived from here on."""
        self.mark = self.connection.mark() if self.connection is not None else 0
        self.acted = True

    def step_started(self) -> None:
        for connection in self._connections:
            try:
                self._step_marks[id(connection)] = connection.mark()
            except Exception:  # the trio thread was stopped: there is nothing to mark
                pass

    def explain_frames(self) -> str:
        """The frames around the current step, explained, for every connection of the scenario.

        From a few frames before the last When step (the action a Then step checks) or before the
        step itself, whichever began first, to now; long stretches are cut in the middle.
        """
        parts: list[str] = []
        for connection in self._connections:
            step = self._step_marks.get(id(connection), 0)
            marks = {step: "the failing step began here"}
            if connection is self.connection and self.mark < step:
                marks[self.mark] = "the last When step began here"
            start = max(0, min(marks) - _FRAMES_BEFORE)
            try:
                entries = connection.frames(start)
            except Exception as exc:  # the bridge may be gone; the report must not fail
                parts.append(f"frames of {connection.host}:{connection.port} unavailable: {exc}")
                continue
            state = connection.state.name + (f" ({connection.close_reason})" if connection.close_reason else "")
            lines = [f"connection {connection.host}:{connection.port}, now {state} (>> sent, << received):"]
            origin = entries[0].timestamp if entries else 0.0
            if len(entries) > _FRAMES_SHOWN:
                head, tail = entries[:_FRAMES_HEAD], entries[-(_FRAMES_SHOWN - _FRAMES_HEAD) :]
            else:
                head, tail = entries, []
            pending = sorted(marks.items())
            for shown in (head, tail):
                if shown is tail and tail:
                    lines.append(f"      ... {len(entries) - len(head) - len(tail)} frames left out ...")
                for entry in shown:
                    while pending and pending[0][0] <= entry.index:
                        lines.append(f"      ---- {pending.pop(0)[1]} ----")
                    lines.append(_frame_line(entry, origin))
            for _, label in pending:
                lines.append(f"      ---- {label} ----")
            if not entries or entries[-1].index < step:
                lines.append("      (no frames during the failing step)")
            parts.append("\n".join(lines))
        return "\n\n".join(parts)

    def save_captures(self, directory: Path, stem: str) -> list[Path]:
        """Write each connection's traffic to ``directory/stem.pcap`` (``stem-2.pcap``, ...)."""
        directory.mkdir(parents=True, exist_ok=True)
        saved = []
        for number, connection in enumerate(self._connections, start=1):
            path = directory / (f"{stem}.pcap" if number == 1 else f"{stem}-{number}.pcap")
            connection.save_capture(path)
            saved.append(path)
        return saved

    def close(self) -> None:
        """Close every connection and stop every simulator of the scenario (teardown)."""
        errors: list[BaseException] = []
        for connection in self._connections:
            try:
                connection.close()
            except Exception as exc:
                errors.append(exc)
        for simulator in self._simulators:
            try:
                simulator.stop()
            except Exception as exc:
                errors.append(exc)
        self._connections.clear()
        self._simulators.clear()
        self.connection = self.simulator = None
        if errors:
            raise errors[0]


def _frame_line(entry: Any, origin: float) -> str:
    return f"{entry.index:>5} {entry.timestamp - origin:8.3f}s {entry.explain()}"


# ---- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def c104_config(pytestconfig: pytest.Config) -> C104Config:
    """The RTU under test as the command line describes it (host, port, CA, profile, timeout)."""
    return C104Config.from_pytest(pytestconfig)


@pytest.fixture(scope="session")
def c104_bridge(request: pytest.FixtureRequest) -> TrioBridge:
    """The process-wide trio thread, started on first use.

    If this fixture started it, the thread stops when the session ends; a thread that was already
    running belongs to someone else (an enclosing test run) and is left alone.
    """
    from c104test.sync.bridge import THREAD_NAME, get_bridge, shutdown_bridge

    running = any(t.name.startswith(THREAD_NAME) and t.is_alive() for t in threading.enumerate())
    bridge = get_bridge()
    if not running:
        request.addfinalizer(shutdown_bridge)
    return bridge


@pytest.fixture
def c104_context(request: pytest.FixtureRequest, c104_config: C104Config) -> Iterator[C104Context]:
    """The scenario's simulators and connections; all closed when the scenario ends."""
    context = C104Context(c104_config, request)
    request.node.stash[_CONTEXT_KEY] = context
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def c104_simulator(c104_context: C104Context) -> SimulatedRtu | None:
    """The scenario's embedded simulator (a fresh one per scenario); None with ``--rtu-host``."""
    return c104_context.default_simulator()


@pytest.fixture
def c104_connection(c104_context: C104Context) -> RtuConnection:
    """The scenario's current connection, opened (with STARTDT) if there is none yet."""
    return c104_context.connection or c104_context.connect()


@pytest.fixture
def c104_common_address(c104_context: C104Context) -> int:
    """The common address of steps that name none."""
    return c104_context.common_address


@pytest.fixture
def c104_last_result() -> CommandResult | None:
    """The CommandResult of the last command step; When steps replace it (``target_fixture``)."""
    return None


# ---- hooks: frames around a failing step ------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.stash[_FEATURE_DIR_KEY] = Path(feature.filename).parent


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any) -> None:
    context = request.node.stash.get(_CONTEXT_KEY, None)
    if context is not None:
        context.step_started()


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
    step_func_args: Any,
    exception: Exception,
) -> None:
    where = f"{Path(feature.filename).name}:{step.line_number}"
    request.node.stash[_FAILURE_KEY] = f'Step failed: {step.keyword.strip()} {step.name}  ({where}, scenario "{scenario.name}")'
    context = request.node.stash.get(_CONTEXT_KEY, None)
    if context is not None:
        frames = context.explain_frames()
        if frames:
            request.node.add_report_section("call", "c104test frames", frames)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when == "call":
        _save_capture(item, report)
    # A failure the RTU caused, or a step used wrongly, reads best as the step and the message;
    # the traceback through the trio thread says nothing to a test engineer. --tb=long keeps it.
    failure = item.stash.get(_FAILURE_KEY, None)
    if (
        failure is not None
        and call.when == "call"
        and report.failed
        and call.excinfo is not None
        and item.config.getoption("tbstyle", "auto") in ("auto", "short")
        and _is_reported_cleanly(call.excinfo.value)
    ):
        report.longrepr = f"{failure}\n{type(call.excinfo.value).__name__}: {call.excinfo.value}"
    return report


def _save_capture(item: pytest.Item, report: pytest.TestReport) -> None:
    """--c104-capture: the scenario's pcap files, before teardown closes its connections."""
    directory = item.config.getoption("c104_capture", None)
    context = item.stash.get(_CONTEXT_KEY, None)
    if directory is None or context is None:
        return
    if (item.config.getoption("c104_capture_mode", None) or "failure") == "failure" and not report.failed:
        return
    stem = re.sub(r"[^\w.-]+", "_", item.nodeid.split("::")[-1]).strip("_") or "scenario"
    try:
        saved = context.save_captures(item.config.invocation_params.dir / directory, stem)
    except Exception as exc:  # evidence must not turn a verdict around
        report.sections.append(("c104test capture", f"capture not saved: {exc}"))
        return
    if saved:
        report.sections.append(("c104test capture", "\n".join(str(p) for p in saved)))


def _is_reported_cleanly(exc: BaseException) -> bool:
    from c104test.bdd.registry import StepFailed, StepUsageError
    from c104test.protocol.errors import C104TestError

    return isinstance(exc, C104TestError | StepFailed | StepUsageError)
