"""The ``c104test`` command.

Each subcommand is one ``_add_<name>`` function that declares its arguments and one
``_run_<name>`` function that does the work and returns the exit status; ``main`` only wires
them together. Exit status: 0 success, 1 a failure at run time (a busy port, an unreachable RTU,
a negative or missing confirmation), 2 bad input (argparse's convention for usage errors).
Errors are one line on stderr, never a traceback.

    $ c104test explain "68 04 07 00 00 00" 680401000a00
    U-Format | StartDT act
    S-Format | N(R) 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence

from c104test import __version__
from c104test.protocol.errors import DecodeError
from c104test.protocol.explain import explain_bytes
from c104test.rules.hexdump import parse_hex

from .cli_arguments import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    add_tls_options,
    address,
    listen_host,
    port_or_zero,
    report_directory,
    rtu_link,
    seconds,
    tls_transport,
)

__all__ = ["main"]




def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    >>> main(["explain", "680443000000"])
    U-Format | TestFR act
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return args.run(args)
    except BrokenPipeError:  # `c104test explain ... | head`: stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # keep the interpreter's final flush from failing
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="c104test",
        description="Test IEC 60870-5-104 devices.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_explain(commands)
    _add_simulate(commands)
    from c104test.cli_monitor import add_monitor  # its own module, as conformance

    add_monitor(commands)
    _add_fat(commands)
    _add_report(commands)
    _add_demo(commands)
    from c104test.cli_conformance import add_conformance  # its own module: cli.py stays small

    add_conformance(commands)
    return parser


# ---- explain ----------------------------------------------------------------------------------


def _add_explain(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "explain",
        help="explain APDUs given in hex",
        description=(
            "Print a one-line explanation of each APDU. The arguments are joined into one "
            "stream of hex octets (spaces, colons, dashes and 0x prefixes allowed: "
            "68:04:0b:00:00:00, 0x68 0x04 ..., or 68 04 0b 00 00 00 as separate arguments), "
            "split into APDUs by their 0x68 and length octets."
        ),
        epilog='example: c104test explain "68 04 07 00 00 00" 680e0000000064010600010000000014',
    )
    parser.add_argument("apdus", nargs="+", metavar="HEX", help="one or more APDUs in hex")
    parser.set_defaults(run=_run_explain)


def _run_explain(args: argparse.Namespace) -> int:
    """Explain every APDU; report each bad one on stderr and carry on where the framing allows."""
    status = EXIT_OK
    for line in _explain_arguments(args.apdus):
        if isinstance(line, str):
            print(line)
        else:
            print(f"c104test explain: {line}", file=sys.stderr)
            status = EXIT_BAD_INPUT
    return status


def _explain_arguments(pieces: list[str]) -> Iterator[str | Exception]:
    """An explanation or an error per APDU; the arguments' octets form one stream.

    ``68 04 0b 00 00 00`` as six arguments is one APDU, and one argument may hold several APDUs.
    Errors name the argument where the APDU starts and the byte offset inside it. After a
    malformed APDU whose start and length octets are sound, the next APDU is explained; after a
    framing error the next argument is (there is no telling where the next APDU starts).
    """
    octets = bytearray()
    starts: list[tuple[int, int]] = []  # (offset in the stream, argument number)
    for number, piece in enumerate(pieces, start=1):
        try:
            data = parse_hex(piece)
        except ValueError as exc:
            yield ValueError(f"argument {number}: {exc}")
            continue
        starts.append((len(octets), number))
        octets += data

    def where(offset: int) -> tuple[int, int]:
        first, number = max((s for s in starts if s[0] <= offset), default=(0, 1))
        return number, first

    start, size = 0, len(octets)
    while start < size:
        number, first = where(start)
        if octets[start] != 0x68:
            yield ValueError(f"argument {number}: start octet 0x{octets[start]:02x} is not 0x68 (at byte {start - first})")
            start = next((s for s, _ in starts if s > start), size)
            continue
        # A short tail goes to the decoder whole, so it names what is missing.
        end = min(start + 2 + octets[start + 1], size) if start + 1 < size else size
        try:
            yield explain_bytes(bytes(octets[start:end]), strict=True)
        except DecodeError as exc:
            yield ValueError(f"argument {number}: {exc.reason} (at byte {start - first + exc.offset})")
        start = end


if __name__ == "__main__":  # pragma: no cover - `python -m c104test` goes through __main__.py
    sys.exit(main())


def _one_error(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups, so the user reads one line."""
    from c104test.engine.errors import unwrap_group

    return unwrap_group(exc) if isinstance(exc, BaseExceptionGroup) else exc


# ---- simulate ---------------------------------------------------------------------------------


def _add_simulate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "simulate",
        help="run the RTU simulator",
        description=(
            "Serve a simulated RTU until Ctrl-C or SIGTERM. Without --profile it is the demo RTU "
            "(common address 47; see the README). One line says when it accepts connections; "
            "connections and commands are logged."
        ),
        epilog="example: c104test simulate --profile rtu.yaml --port 2404",
    )
    parser.add_argument("--profile", metavar="FILE", help="RTU profile (YAML); default: the demo RTU")
    parser.add_argument(
        "--host", type=listen_host, default="127.0.0.1", help="address to listen on (default 127.0.0.1; ::1 for IPv6)"
    )
    parser.add_argument("--port", type=port_or_zero, default=2404, help="TCP port (default 2404; 0 = any free port)")
    parser.add_argument(
        "--no-changes", action="store_true", help="keep values still (no spontaneous changes by themselves)"
    )
    parser.add_argument(
        "--max-connections", type=_positive, metavar="N", help="connections served at once (default: the profile's)"
    )
    parser.add_argument(
        "--redundancy-group-size", type=_positive, metavar="N",
        help="connections per redundancy group; only the started one gets data (default: the profile's)",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="TEXT",
        help="misbehave on purpose, e.g. 'no_termination type=C_SC_NA_1' (repeatable; see docs/profile.md)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="log warnings only")
    parser.add_argument(
        "--capture", metavar="FILE",
        help="write every frame of every connection to FILE (pcapng, one TCP conversation per connection)",
    )
    parser.add_argument(
        "--signals", metavar="FILE",
        help="serve the points and commands of a FAT signal list (.csv or .xlsx; see c104test fat); "
             "--profile then gives only the link parameters and PIXIT",
    )
    parser.add_argument("--columns", metavar="FILE", help="with --signals: YAML mapping 'field: header as written'")
    parser.add_argument("--octet-order", choices=("high-first", "low-first"), default=None,
                        help="with --signals: how the list writes an IOA as octets (12.34.56), as c104test fat")
    add_tls_options(parser, "clients")
    parser.set_defaults(run=_run_simulate)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _run_simulate(args: argparse.Namespace) -> int:
    import logging

    import trio

    from c104test.engine.profile import ProfileError, demo_profile, load_profile
    from c104test.engine.simulator import Simulator

    try:
        profile = load_profile(args.profile) if args.profile else demo_profile()
    except ProfileError as exc:
        print(f"c104test simulate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.signals:
        from c104test.fat import SignalListError, read_signal_list
        from c104test.fat.simulated import profile_from_signals

        try:
            profile = profile_from_signals(read_signal_list(args.signals, columns=args.columns, octet_order=args.octet_order), base=profile)
        except (SignalListError, OSError) as exc:
            print(f"c104test simulate: --signals: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    from c104test.cli_conformance import ZonedFormatter

    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(ZonedFormatter())  # the zone too: a log is read beside UTC reports
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, handlers=[console])
    from c104test.protocol.station import parse_fault

    try:
        faults = [parse_fault(text) for text in args.fault]
    except ValueError as exc:
        print(f"c104test simulate: --fault: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    transport = tls_transport(args, "simulate", server=True)
    if transport is None:
        return EXIT_BAD_INPUT
    from c104test.engine.pcap import CaptureWriter

    try:
        capture = CaptureWriter(args.capture, describe=f"c104test simulate: {profile.name or 'RTU'}") if args.capture else None
    except OSError as exc:
        print(f"c104test simulate: --capture {args.capture}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    simulator = Simulator(
        profile,
        simulate_changes=not args.no_changes,
        max_connections=args.max_connections,
        redundancy_group_size=args.redundancy_group_size,
        faults=faults or None,
        transport=transport,
        capture=capture,
    )

    from c104test.engine.transport import Endpoint

    began = time.monotonic()

    async def run() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
            port = await nursery.start(simulator.serve, args.host, args.port)
            stations = ", ".join(
                f"CA {s.common_address} ({len(s.points)} points{f', {len(s.files)} file' + 's' * (len(s.files) > 1) if s.files else ''})"
                for s in profile.stations
            )
            print(
                f"c104test simulate: {profile.name or 'RTU'} listening on {Endpoint(args.host, port)}, "
                f"{stations}; Ctrl-C stops",
                flush=True,
            )

    try:
        trio.run(run)
    except KeyboardInterrupt:
        pass
    except BaseException as caught:  # a nursery wraps the error in a group: report the one inside
        exc = _one_error(caught)
        if isinstance(exc, KeyboardInterrupt):
            pass  # stopped: the summary below
        elif isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            print(f"c104test simulate: cannot listen on {Endpoint(args.host, args.port)}: {reason}", file=sys.stderr)
            return EXIT_FAILED
        elif isinstance(exc, Exception):
            print(f"c104test simulate: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        else:
            raise
    finally:
        if capture is not None:  # connections still open at the stop were written up to it
            capture.close()
    refused = f", {simulator.connections_refused} refused" if simulator.connections_refused else ""
    print(
        f"c104test simulate: stopped after {time.monotonic() - began:.1f} s; "
        f"{simulator.connections_served} connections served{refused}",
        flush=True,
    )
    return EXIT_OK


async def _stop_on_signal(scope: object) -> None:
    import signal

    import trio

    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()  # type: ignore[attr-defined]
            return


# ---- demo -------------------------------------------------------------------------------------


def _add_demo(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="run the ready Robot suites and Gherkin features against the embedded simulator",
        description=(
            "Start the demo RTU, run the ready Robot Framework suites (keywords/) and the ready "
            "Gherkin features (features/) against it, and report both results. Exit status 0 "
            "when everything passed, 1 otherwise."
        ),
    )
    parser.add_argument(
        "--output", "-o", default="c104test-demo", metavar="DIR",
        help="where reports go (default ./c104test-demo, which the repository's .gitignore lists)",
    )
    parser.add_argument("--robot-only", action="store_true", help="run the Robot suites only")
    parser.add_argument("--features-only", action="store_true", help="run the Gherkin features only")
    parser.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    print(f"c104test demo: reports go to {output.resolve()}", flush=True)
    results: list[tuple[str, int]] = []
    try:
        if not args.features_only:
            from c104test.keywords.demo import run_suites

            print("== Robot Framework suites (keywords/) against the demo RTU", flush=True)
            results.append(("Robot suites", run_suites(output / "robot")))
        if not args.robot_only:
            from c104test.bdd.demo import run_features

            print("== Gherkin features (features/) against the demo RTU", flush=True)
            results.append(("Gherkin features", run_features(output / "features")))
    except KeyboardInterrupt:
        print(f"c104test demo: interrupted; the reports of what ran are in {output.resolve()}", file=sys.stderr, flush=True)
        return 1
    print("== demo results")
    for name, failed in results:
        print(f"{name}: {'passed' if failed == 0 else f'{failed} failed'}")
    print(f"reports in {output.resolve()}")
    for report in ("robot/report.html", "robot/log.html", "features/report.html", "features/cucumber.json"):
        if (output / report).is_file():
            print(f"  {output.resolve() / report}")
    return 0 if all(failed == 0 for _, failed in results) else 1


# ---- fat and report -----------------------------------------------------------------------------


def _add_fat(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fat",
        help="check an RTU against its signal list (CSV or XLSX) and write a signed-off report",
        description=(
            "Check every row of the signal list against the RTU: presence in the interrogations, "
            "type, value, quality, command round trips. DIR gets report.html, report.xlsx, "
            "results.json, junit.xml and capture.pcap. Exit status 0 when every checked point "
            "passed, 1 otherwise, 2 for bad input (the list, the options)."
        ),
        epilog="example: c104test fat 10.0.0.5:2404 --points list.xlsx --output fat-report --witness 'A. Vendor'",
    )
    parser.add_argument("address", nargs="?", metavar="HOST[:PORT]", help="the RTU (port default 2404)")
    parser.add_argument("--points", "-p", metavar="FILE", help="the signal list, .csv or .xlsx")
    parser.add_argument("--fleet", metavar="FILE", help="CSV of RTUs (name,host,port,common_address,points) checked in parallel")
    parser.add_argument("--jobs", "-j", type=_positive, default=4, help="with --fleet: RTUs checked at once (default 4)")
    parser.add_argument("--template", metavar="FILE", help="write a template signal list (.csv or .xlsx) and exit")
    parser.add_argument("--columns", metavar="FILE", help="YAML mapping 'field: header as written' for other headers")
    parser.add_argument("--sheet", metavar="NAME", help="the workbook sheet with the list (default: every sheet whose header row names the columns)")
    parser.add_argument("--octet-order", choices=("high-first", "low-first"), default=None,
                        help="how the list writes an IOA as three octets (12.34.56) or a CA as two (1/2): the highest "
                             "octet first or the lowest (without it, such an address is refused)")
    parser.add_argument("--output", "-o", default="fat-report", metavar="DIR", help="report directory (default ./fat-report)")
    parser.add_argument("--only", action="append", default=[], metavar="ROWS",
                        help="check only these rows: 2-40,55 (row numbers) or text in the name; repeatable")
    parser.add_argument("--no-commands", action="store_true", help="send no commands (monitoring checks only)")
    parser.add_argument("--act-term", choices=("required", "optional", "never"), default=None,
                        help="PIXIT: ACT_TERM after a command is required, optional (default) or never sent")
    parser.add_argument("--pics", metavar="FILE",
                        help="the RTU's PICS/PIXIT (YAML, docs/pics.md): ACT_TERM required when it claims "
                             "commands.act_term, its link k and t1 (instead of --act-term and --link)")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run in DIR")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the report of an earlier run in DIR (without it, such a report is never overwritten)")
    parser.add_argument("--witness", action="append", default=[], metavar="NAME", help="a witness named in the report")
    parser.add_argument("--timeout", type=seconds, default=10.0,
                        help="seconds for each wait: the connect, the STARTDT con, each confirmation and report (default 10)")
    parser.add_argument("--link", dest="rtu_link", type=rtu_link, default={}, metavar="k=N,t1=S",
                        help="PIXIT: the RTU's k and t1 when not 12 and 15 s; c104test then acknowledges "
                             "after at most 2/3 k I-frames and within t1/2 (k=6,t1=3)")
    parser.add_argument("--simulate", nargs="?", const="", metavar="PROFILE",
                        help="check against the embedded simulator (the demo RTU, or PROFILE) instead of HOST")
    parser.add_argument("--fault", action="append", default=[], metavar="FAULT",
                        help="with --simulate: a fault of the simulated RTU (see c104test simulate --fault)")
    parser.set_defaults(run=_run_fat)


def _run_fat(args: argparse.Namespace) -> int:
    import trio

    from c104test.engine.errors import C104TestError
    from c104test.fat import FatOptions, SignalListError, read_signal_list, run_fat, write_template
    from c104test.fat.checks import row_selection
    from c104test.fat.progress import Progress

    def fail(message: str) -> int:
        for line in message.splitlines():
            print(f"c104test fat: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if args.template:
        if not args.template.lower().endswith((".csv", ".xlsx")):
            return fail(f"--template {args.template}: the name must end in .csv or .xlsx")
        if os.path.exists(args.template):  # it may be the signal list itself: never overwrite it
            return fail(f"--template {args.template}: the file exists; give a new name (or delete it first)")
        try:
            write_template(args.template)
        except OSError as exc:
            return fail(f"--template {args.template}: cannot write: {exc.strerror or exc}")
        print(f"c104test fat: template written to {args.template}")
        return EXIT_OK
    if args.fault and (args.simulate is None or args.fleet):
        # a fault is the simulated RTU's misbehaviour: against a real RTU (or a fleet) it would go unused
        return fail("--fault makes the simulated RTU misbehave: it goes with --simulate (and no --fleet)")
    from c104test.protocol.station import parse_fault

    try:
        faults = tuple(parse_fault(text) for text in args.fault)
    except ValueError as exc:
        return fail(f"--fault: {exc}")
    pics = None
    if args.pics is not None:
        if args.act_term is not None or args.rtu_link:
            return fail("--pics gives the RTU's ACT_TERM and link parameters: give --pics, or --act-term and --link")
        from c104test.conformance.pics import load_pics
        from c104test.fat.checks import pixit_of

        try:
            pics = load_pics(args.pics)
        except C104TestError as exc:
            return fail(f"--pics: {exc}")
        args.act_term, args.rtu_link = pixit_of(pics)
    args.loaded_pics = pics
    args.act_term = args.act_term or "optional"
    if args.fleet:
        return _run_fleet(args, fail)
    if not args.points:
        return fail("--points FILE is required (or --template FILE to start one)")
    if args.address is None and args.simulate is None:
        return fail("give the RTU as HOST[:PORT], or --simulate")
    try:
        signals = read_signal_list(args.points, columns=args.columns, sheet=args.sheet, octet_order=args.octet_order)
    except SignalListError as exc:
        return fail(str(exc))
    for label, text in signals.sheet_notes():  # a cover or a revision history left out is said, never silent
        print(f"c104test fat: {args.points}: {label}: {text}", file=sys.stderr)
    if signals.unused:
        print(f"c104test fat: columns not checked (no field of the list; --columns maps a header to a field): "
              f"{', '.join(repr(h) for h in signals.unused)}", file=sys.stderr)
    try:
        only = row_selection(args.only, signals.rows) if args.only else None
    except ValueError as exc:
        return fail(f"--only: {exc}")
    if not report_directory(args.output, "fat"):
        return EXIT_BAD_INPUT
    options = FatOptions(commands=not args.no_commands, act_term=args.act_term, timeout=args.timeout, only=only,
                         pics=pics)
    progress = Progress(len(signals.rows))
    if args.resume and args.overwrite:
        return fail("--resume continues the earlier run in --output and --overwrite replaces it: give one of them")
    common = {"options": options, "output": args.output, "resume": args.resume, "overwrite": args.overwrite,
              "witnesses": tuple(args.witness), "on_result": progress.advance}
    try:
        if args.simulate is not None:
            from c104test.engine.profile import ProfileError, demo_profile, load_profile
            from c104test.fat import run_fat_simulated

            try:
                profile = load_profile(args.simulate) if args.simulate else demo_profile()
            except ProfileError as exc:
                return fail(str(exc))
            job = lambda: run_fat_simulated(signals, profile, faults=faults, **common)
        else:
            try:
                host, port = address(args.address)
            except argparse.ArgumentTypeError as exc:
                return fail(str(exc))
            from c104test.protocol.link import facing

            job = lambda: run_fat(host, port, signals, connect_options={"params": facing(**args.rtu_link, t0=args.timeout)}, **common)
        with progress:
            results = trio.run(job)
    except KeyboardInterrupt:
        from c104test.fat.runner import STATE_FILE

        if os.path.isfile(os.path.join(args.output, STATE_FILE)):
            print(f"c104test fat: interrupted; continue with --resume --output {args.output}", file=sys.stderr)
        else:
            print("c104test fat: interrupted before the run began; nothing to resume", file=sys.stderr)
        return 1
    except C104TestError as exc:
        from c104test.fat.directory import ReportExists
        from c104test.fat.runner import NothingLeft, ResumeError

        if isinstance(exc, NothingLeft):  # the earlier run's verdict stands, and its exit status
            print(f"c104test fat: {exc}")
            return EXIT_OK if exc.results.passed else 1
        if isinstance(exc, ResumeError | ReportExists):
            return fail(str(exc))
        from c104test.protocol.closing import CloseCause

        bound = " (--timeout)" if getattr(exc, "cause", None) is CloseCause.START_TIMEOUT else ""
        from c104test.fat.checks import headline

        print(f"c104test fat: {headline(exc)}{bound}", file=sys.stderr)
        for capture in getattr(exc, "captures", ()):  # the frames exchanged before the failure
            print(f"c104test fat: the frames exchanged until then are in {os.path.join(args.output, capture['file'])}",
                  file=sys.stderr)
        return 1
    counts = results.counts()
    verdict = "INTERRUPTED" if results.interrupted else "PASSED" if results.passed else "FAILED"
    print(f"c104test fat: {verdict}: " + ", ".join(f"{n} {v}" for v, n in counts.items())
          + f", {len(results.unexpected)} unexpected; reports in {args.output}")
    from c104test.fat.runner import unchecked_message

    unchecked = unchecked_message(results)
    if unchecked:  # rows that did not fail the run, but were not judged either
        print(f"c104test fat: {unchecked}")
    if results.interrupted:  # the cause once; the rows it left unchecked say "row N says why"
        print(f"c104test fat: {results.interrupted}; continue with --resume --output {args.output}", file=sys.stderr)
    return EXIT_OK if results.passed else 1


def _run_fleet(args: argparse.Namespace, fail: Callable[[str], int]) -> int:
    import trio

    from c104test.fat import FatOptions, SignalListError
    from c104test.fat.checks import row_selection
    from c104test.fat.directory import ReportExists
    from c104test.fat.fleet import read_fleet, run_fleet
    from c104test.fat.progress import Progress
    from c104test.protocol.link import facing

    if args.points or args.address or args.resume:
        return fail("--fleet names the RTUs and their lists: give no HOST, --points or --resume with it")
    try:
        entries = read_fleet(args.fleet, columns=args.columns)
    except SignalListError as exc:
        return fail(str(exc))
    if not report_directory(args.output, "fat"):
        return EXIT_BAD_INPUT
    progress = Progress(sum(len(e.signals.rows) for e in entries))

    def options() -> FatOptions:
        return FatOptions(commands=not args.no_commands, act_term=args.act_term, timeout=args.timeout,
                          only=row_selection(args.only) if args.only else None, pics=args.loaded_pics)

    try:
        with progress:
            runs = trio.run(lambda: run_fleet(
                entries, args.output, jobs=args.jobs, options=options, simulate=args.simulate is not None,
                witnesses=tuple(args.witness), on_result=progress.advance_named,
                connect_options={"params": facing(**args.rtu_link, t0=args.timeout)}, overwrite=args.overwrite))
    except ReportExists as exc:
        return fail(str(exc))
    except BaseException as exc:
        # Ctrl-C reaches the RTUs' tasks; their nursery hands it on inside an exception group
        rest = exc.split(KeyboardInterrupt)[1] if isinstance(exc, BaseExceptionGroup) else exc
        if rest is not None and not isinstance(rest, KeyboardInterrupt):
            raise
        print(f"c104test fat: interrupted; each RTU's finished rows are in {args.output}/<name>/fat-state.json",
              file=sys.stderr)
        return 1
    failed = [r.rtu for r in runs if not r.passed]
    print(f"c104test fat: {len(runs) - len(failed)} of {len(runs)} RTUs passed"
          + (f"; failed: {', '.join(failed)}" if failed else "") + f"; summary in {args.output}/summary.html")
    return EXIT_OK if not failed else 1


def _add_report(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("report", help="work with results.json files of FAT runs")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    merge = actions.add_parser("merge", help="join the results.json of several runs into one summary")
    merge.add_argument("directories", nargs="+", metavar="DIR", help="directories (or files) holding results.json")
    merge.add_argument("--output", "-o", default="fat-summary", metavar="DIR", help="where summary.html and summary.json go (default ./fat-summary)")
    merge.set_defaults(run=_run_report_merge)


def _run_report_merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from c104test.reports.fleet import write_summary
    from c104test.reports.results import load_results

    runs = []
    for name in args.directories:
        path = Path(name) / "results.json" if Path(name).is_dir() else Path(name)
        try:
            runs.append((load_results(path), path.parent))
        except ValueError as exc:
            print(f"c104test report merge: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    passed = write_summary(runs, Path(args.output))
    print(f"c104test report merge: {len(runs)} runs, {'all passed' if passed else 'some failed'}; summary in {args.output}")
    return EXIT_OK if passed else 1
