"""``c104test conformance``: the catalogue cases against an RTU, or with ``--master`` the
master-side checks against a controlling station that connects to the simulated RTU.

The command only converts arguments, calls ``c104test.conformance`` and prints; the TLS options
are the ones of ``simulate`` and ``monitor`` (``cli_arguments.add_tls_options``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from c104test.cli_arguments import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    add_tls_options,
    address,
    report_directory,
    seconds,
    tls_transport,
)

__all__ = ["add_conformance"]


def add_conformance(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "conformance",
        help="run the catalogue's conformance cases against an RTU (or --master: check a master), driven by its PICS",
        description=(
            "Run the conformance cases (protocol.md 2.3) against the RTU at HOST[:PORT]. The PICS "
            "says what the RTU claims; a case it does not claim is n/a. With --master the simulator is "
            "the RTU: it listens on --listen and waits for the master under test, then checks the "
            "master-side rules (M01-M13). One line per case; results.json, junit.xml, report.html and "
            "capture.pcap go to --output. Every wait is bounded by the PICS timers (link.t1), there is no "
            "--timeout. Exit status: 0 every applicable case passed, 1 a case failed "
            "or could not be carried out, 2 usage error."
        ),
        epilog=(
            "examples: c104test conformance 127.0.0.1:2404 --pics rtu.yaml --cases L01,A02-A10,R*\n"
            "          c104test conformance --master --listen 0.0.0.0:2404 --pics master.yaml --wait 120"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("address", nargs="?", type=address, metavar="HOST[:PORT]", help="the RTU under test (port 2404 by default)")
    parser.add_argument("--pics", metavar="FILE", help="the PICS/PIXIT of the device under test (YAML, see docs/pics.md)")
    parser.add_argument("--cases", metavar="LIST", help="cases to run: IDs, ranges and wildcards, separated by commas (L01,A02-A10,R*; A2 is A02; with --master M01-M13)")
    parser.add_argument("--output", "-o", metavar="DIR", default="c104test-conformance", help="report directory (default ./c104test-conformance)")
    parser.add_argument("--pics-template", action="store_true", help="print a commented PICS template and exit")
    parser.add_argument("--pics-from-profile", metavar="FILE|demo", help="print the PICS of a simulator profile and exit")
    master = parser.add_argument_group("master under test (--master)")
    master.add_argument("--master", action="store_true", help="the device under test is a master: serve the simulated RTU and wait for it")
    master.add_argument("--listen", type=_listen, metavar="HOST[:PORT]", default=None,
                        help="where the simulated RTU listens (default 127.0.0.1:2404; port 0: any free port, printed)")
    master.add_argument("--wait", type=seconds, default=None, metavar="SECONDS", help="how long to wait for the master to connect (default 60)")
    master.add_argument("--profile", metavar="FILE", help="the simulated RTU's profile (default: the demo RTU); its points answer the master")
    add_tls_options(parser, "the peer (the RTU; with --master the master)")
    parser.set_defaults(run=_run_conformance)


def _listen(text: str) -> tuple[str, int]:
    """HOST[:PORT] as ``address``, and port 0 (any free port: the line printed names it)."""
    if text.endswith(":0"):
        return address(text[:-2])[0], 0
    return address(text)


class ZonedFormatter(logging.Formatter):
    """Log lines stamped with their zone (``2026-12-03T15:26:51.392+01:00``): a log read beside
    results.json, whose times are UTC with their offset, or by someone in another zone, is
    otherwise an hour or more off without saying so."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextlib.contextmanager
def _engine_log(output: str) -> Iterator[_Count]:
    """The tool's own log goes to ``DIR/conformance.log`` while the cases run, not to the console.

    Cases send invalid frames on purpose (a TESTFR con nobody asked for, a STOPDT on a stopped
    link), and the engine warns about the answers; between the progress lines those warnings read
    like findings. Each line of the file names the time, the level and the logger.
    """
    Path(output).mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(Path(output) / "conformance.log", mode="w", encoding="utf-8")
    handler.setFormatter(ZonedFormatter())
    counter = _Count()
    logger = logging.getLogger("c104test")
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.addHandler(counter)
    logger.propagate = False  # the root logger (or Python's last resort) would print them too
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield counter
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(counter)
        logger.propagate, level = saved
        logger.setLevel(level)
        handler.close()


def _progress(result: Any) -> None:
    from c104test.conformance import Verdict

    print(f"{result.id}  {result.title:<40} {result.verdict.value:<5} {result.seconds:6.2f} s"
          + (f"  {result.reason}" if result.reason and result.verdict is not Verdict.PASS else ""), flush=True)


def _run_conformance(args: argparse.Namespace) -> int:
    import trio

    from c104test.conformance import (
        PicsError,
        Verdict,
        load_pics,
        pics_from_profile,
        pics_template,
        select_cases,
    )
    from c104test.engine.profile import ProfileError, demo_profile, load_profile

    if args.pics_template:
        print(pics_template(), end="")
        return EXIT_OK
    if args.pics_from_profile:
        try:
            profile = demo_profile() if args.pics_from_profile == "demo" else load_profile(args.pics_from_profile)
        except ProfileError as exc:
            print(f"c104test conformance: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(pics_from_profile(profile), end="")
        return EXIT_OK
    if args.master and args.address:
        print("c104test conformance: --master listens (--listen HOST:PORT); it takes no HOST[:PORT] to connect to", file=sys.stderr)
        return EXIT_BAD_INPUT
    given = [name for name, value in (("--listen", args.listen), ("--wait", args.wait), ("--profile", args.profile))
             if value is not None]
    if given and not args.master:  # they shape the simulated RTU of --master: without it they would go unused
        print(f"c104test conformance: {', '.join(given)} go{'es' if len(given) == 1 else ''} with --master "
              "(the simulated RTU that waits for a master); an RTU under test is given as HOST[:PORT]", file=sys.stderr)
        return EXIT_BAD_INPUT
    args.listen = args.listen or ("127.0.0.1", 2404)
    args.wait = 60.0 if args.wait is None else args.wait
    if not args.pics or not (args.address or args.master):
        print("c104test conformance: HOST[:PORT] and --pics FILE are required "
              "(or --master --pics FILE, --pics-template, --pics-from-profile)", file=sys.stderr)
        return EXIT_BAD_INPUT
    transport = tls_transport(args, "conformance", server=args.master)
    if transport is None:
        return EXIT_BAD_INPUT
    try:
        if args.master:
            from c104test.conformance.master_checks import select_master_checks

            checks = select_master_checks(args.cases)
        else:
            cases = select_cases(args.cases)
    except ValueError as exc:
        print(f"c104test conformance: --cases {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.master:
            profile = load_profile(args.profile) if args.profile else None
        pics = load_pics(args.pics)
        if args.master:  # the simulated RTU must have the stations and command points of the PICS
            from c104test.conformance.master import check_master_pics, master_profile

            check_master_pics(pics, master_profile(pics, profile))
    except (ValueError, PicsError, ProfileError) as exc:
        print(f"c104test conformance: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not report_directory(args.output, "conformance"):
        return EXIT_BAD_INPUT
    # what the file left out is not assumed silently: the run says what it used instead (with
    # --master after the line that says where the simulated RTU listens, which comes first)
    summary = pics.omitted_summary(master=bool(args.master))
    if summary and not args.master:
        print(summary, flush=True)
    if args.master:
        from c104test.conformance.master import run_master_suite

        host, port = args.listen

        def listening(bound: int) -> None:
            print(f"simulated RTU listening on {host}:{bound}; waiting up to {args.wait:g} s for the master under test", flush=True)
            if summary:
                print(summary, flush=True)

        try:
            with _engine_log(args.output) as warnings:
                results = trio.run(lambda: run_master_suite(
                    checks, pics, args.output, host=host, port=port, wait=args.wait, profile=profile,
                    transport=transport, on_listening=listening, on_result=_progress))
        except OSError as exc:
            print(f"c104test conformance: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILED
        except KeyboardInterrupt:
            print(f"c104test conformance: interrupted; the report in {args.output} says so and capture.pcap holds "
                  "the frames exchanged with the master until then", file=sys.stderr, flush=True)
            return EXIT_FAILED
    else:
        from c104test.conformance.runner import RtuUnreachable, run_suite

        host, port = args.address
        try:
            with _engine_log(args.output) as warnings:
                results = trio.run(lambda: run_suite(host, port, pics, cases, args.output, _progress, transport=transport))
        except RtuUnreachable as exc:
            print(f"c104test conformance: {exc}; the report in {args.output} covers the cases that ran",
                  file=sys.stderr, flush=True)
            return EXIT_FAILED
        except KeyboardInterrupt:
            print(f"c104test conformance: interrupted; the report in {args.output} covers the cases that finished",
                  file=sys.stderr, flush=True)
            return EXIT_FAILED
    counts = {v: sum(r.verdict is v for r in results) for v in Verdict}
    print(f"{len(results)} {'checks' if args.master else 'cases'}: " + ", ".join(f"{n} {v.value}" for v, n in counts.items())
          + f"; report in {args.output}", flush=True)
    if warnings.count:
        print(f"the tool logged {warnings.count} warning{'s' if warnings.count != 1 else ''} "
              f"(answers to frames the cases sent on purpose, among others): {Path(args.output) / 'conformance.log'}",
              flush=True)
    return EXIT_OK if counts[Verdict.FAIL] == 0 and counts[Verdict.ERROR] == 0 else EXIT_FAILED
