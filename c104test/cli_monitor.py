"""``c104test monitor``: connect, interrogate, and show the RTU's points live until Ctrl-C.

Its own module so that cli.py stays small; ``cli._parser`` adds it like the other commands.
Ctrl-C and SIGTERM end it the same way: the ``--capture`` file is written and one line sums
up what was seen (``stopped after 12.3 s with 10.0.0.5:2404: 18 points, 40 frames exchanged``).
"""

from __future__ import annotations

import argparse
import sys
import time

from .cli_arguments import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    add_tls_options,
    address,
    common_address,
    seconds,
    tls_transport,
)

__all__ = ["add_monitor"]


def add_monitor(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "monitor",
        help="connect to an RTU, interrogate it and show its points live",
        description=(
            "Connect, start data transfer, run a station interrogation and show every point in a "
            "table that follows the RTU's reports, until Ctrl-C. On a terminal the table is redrawn; "
            "otherwise (a pipe, a file) a header line comes first and then one plain line per "
            "report. Exit status 1 when the RTU cannot be reached, does not start data transfer "
            "or refuses or does not confirm the interrogation within --timeout."
        ),
        epilog="example: c104test monitor 127.0.0.1:2404 --common-address 47",
    )
    parser.add_argument(
        "address", nargs="?", default=("127.0.0.1", 2404), type=address, metavar="HOST[:PORT]",
        help="default 127.0.0.1:2404",
    )
    parser.add_argument(
        "--common-address", "-c", type=common_address, default=0xFFFF, help="CA to interrogate (default 65535: all)"
    )
    parser.add_argument(
        "--stations", type=_stations, default=None, metavar="CA[,CA...]",
        help="the RTU's common addresses, e.g. 1,2,3: an interrogation of 65535 ends only when each of "
        "them has terminated it (an RTU whose stations answer one after another); default: when every "
        "station that confirmed it has",
    )
    parser.add_argument(
        "--timeout", type=seconds, default=10.0,
        help="seconds for the whole start: connect, STARTDT and the interrogation (default 10)",
    )
    parser.add_argument(
        "--journal-size", type=_journal_size, default=None, metavar="SIZE",
        help="memory for the frame journal: 64MiB (the default), 10MB or octets",
    )
    parser.add_argument(
        "--capture", metavar="FILE", default=None,
        help="once data transfer has started, write the connection's frames to FILE when the monitor ends "
        "(Ctrl-C, --once, a failure; pcapng, from the journal, so --journal-size bounds it)",
    )
    parser.add_argument("--once", action="store_true", help="print the table once after the interrogation and exit")
    add_tls_options(parser, "the RTU")
    parser.set_defaults(run=_run_monitor)


def _stations(text: str) -> frozenset[int]:
    cas = frozenset(common_address(part.strip()) for part in text.split(",") if part.strip())
    if not cas or 0xFFFF in cas:
        raise argparse.ArgumentTypeError(f"--stations wants the RTU's common addresses (not 65535), got {text!r}")
    return cas


def _journal_size(text: str) -> int:
    from c104test.engine.journal import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_monitor(args: argparse.Namespace) -> int:
    import math

    import trio

    from c104test.engine.client import ClientConnection, open_connection
    from c104test.engine.errors import C104TestError, CommandTimeout, unwrap_group
    from c104test.engine.transport import Endpoint
    from c104test.protocol.link import LinkParameters

    host, port = args.address
    began = time.monotonic()
    seen: list[str] = []  # what the Ctrl-C line sums up, once the connection ended
    params = LinkParameters(t0=args.timeout)
    terminal = sys.stdout.isatty()
    transport = tls_transport(args, "monitor", server=False)
    if transport is None:
        return EXIT_BAD_INPUT
    unwritable = _unwritable(args.capture) if args.capture else None
    if unwritable:  # known now, not when the watch ends hours later with the frames lost
        print(f"c104test monitor: --capture {args.capture}: {unwritable}", file=sys.stderr)
        return EXIT_BAD_INPUT
    refused: list[str] = []
    # what the start was waiting for when --timeout ran out, for the one-line error
    stage = ["the TCP connect and the STARTDT confirmation"]

    async def run() -> None:
        async with trio.open_nursery() as nursery:  # SIGTERM ends it as Ctrl-C does
            nursery.start_soon(_interrupt_on_sigterm)
            await connect_and_watch()
            nursery.cancel_scope.cancel()

    async def connect_and_watch() -> None:
        # --timeout bounds the whole start: TCP connect, STARTDT con (else t1, 15 s, would be the
        # bound) and the interrogation's ACT_CON and ACT_TERM; watching afterwards is unbounded
        with trio.fail_after(args.timeout) as start:
            async with open_connection(
                host, port, params=params, command_timeout=args.timeout, journal_size=args.journal_size,
                transport=transport,
            ) as conn:
                try:
                    await watch(conn, start)
                finally:
                    seen.append(f"{len(conn.points)} points, {conn.journal.next_index} frames exchanged")
                    if args.capture:  # Ctrl-C ends the watch here too: the frames are the evidence
                        try:
                            written = conn.journal.write_pcap(args.capture)
                            print(f"c104test monitor: {written} frames written to {args.capture}", file=sys.stderr)
                        except OSError as exc:
                            print(f"c104test monitor: --capture {args.capture}: {exc.strerror or exc}", file=sys.stderr)

    async def watch(conn: ClientConnection, start: trio.CancelScope) -> None:
        stage[0] = f"the interrogation of CA {args.common_address} (ACT_CON and ACT_TERM)"
        # The interrogation's own timeout ends it just before --timeout would: its error says whether
        # the ACT_CON came and only the ACT_TERM is missing (--timeout's said "did not complete").
        remaining = round(max(start.deadline - trio.current_time(), 0.01), 2)
        start.deadline += 1
        result = await conn.interrogation(args.common_address, timeout=remaining, stations=args.stations)
        start.deadline = math.inf
        print(f"interrogation: {result}", flush=True)
        if not result.positive:
            refused.append(f"the RTU refused the interrogation of CA {args.common_address}: {result}")
            return
        if not terminal:
            print(_HEADER, flush=True)
        shown: dict[tuple[int, int], str] = {}
        while True:
            lines = []
            for point in sorted(conn.points, key=lambda p: (p.common_address, p.io_address)):
                row = _point_row(point)
                key = (point.common_address, point.io_address)
                if shown.get(key) != row:
                    shown[key] = row
                    lines.append(row)
            if lines:
                if terminal:
                    print("\x1b[2J\x1b[H" + _table(conn.points), flush=True)
                else:
                    print("\n".join(lines), flush=True)
            if args.once:
                return
            await trio.sleep(0.5)

    def stopped() -> int:
        where = f" with {Endpoint(host, port)}: {seen[0]}" if seen else f"; never connected to {Endpoint(host, port)}"
        print(f"c104test monitor: stopped after {time.monotonic() - began:.1f} s{where}", file=sys.stderr)
        return EXIT_OK

    try:
        trio.run(run)
    except KeyboardInterrupt:
        return stopped()
    except BaseException as caught:
        exc = unwrap_group(caught) if isinstance(caught, BaseExceptionGroup) else caught
        if isinstance(exc, KeyboardInterrupt):
            return stopped()
        if isinstance(exc, BrokenPipeError):  # `c104test monitor | head`: main ends quietly
            raise exc from None
        if isinstance(exc, trio.TooSlowError):
            print(
                f"c104test monitor: {Endpoint(host, port)}: {stage[0]} did not complete within "
                f"{args.timeout:g} s (--timeout)",
                file=sys.stderr,
            )
            return EXIT_FAILED
        if isinstance(exc, CommandTimeout):
            print(
                f"c104test monitor: {Endpoint(host, port)}: {str(exc).splitlines()[0].removesuffix('; last frames:')} "
                f"(--timeout {args.timeout:g} s for the connect, STARTDT and the interrogation)",
                file=sys.stderr,
            )
            return EXIT_FAILED
        if isinstance(exc, C104TestError | OSError | ValueError):
            print(f"c104test monitor: {str(exc).splitlines()[0]}", file=sys.stderr)
            return EXIT_FAILED
        raise
    if refused:
        print(f"c104test monitor: {refused[0]}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


_HEADER = f"{'CA':>5} {'IOA':>8}  {'TYPE':<10} {'VALUE':<24} {'QUALITY':<22} {'COT':<24} TIME"


def _point_row(point: object) -> str:
    from c104test.rules import quality as rq
    from c104test.rules.values import show_value

    p = point  # a c104test.engine.points.PointValue
    # shown as every report and failure message shows them: ON/OFF, float32 digits, IV, NT
    quality = p.quality  # type: ignore[attr-defined]
    qtext = "good" if not quality else rq.show_flags(rq.flags_of(quality))
    value = show_value(p.value)  # type: ignore[attr-defined]
    time = "" if p.time is None else str(p.time)  # type: ignore[attr-defined]
    cot = getattr(p.cot, "name", p.cot)  # type: ignore[attr-defined]
    return (
        f"{p.common_address:>5} {p.io_address:>8}  {p.type.name:<10} {value!s:<24} "  # type: ignore[attr-defined]
        f"{qtext:<22} {cot!s:<24} {time}"
    )


def _table(points: object) -> str:
    rows = [_point_row(p) for p in sorted(points, key=lambda p: (p.common_address, p.io_address))]  # type: ignore[attr-defined]
    return "\n".join([_HEADER, *rows])



def _unwritable(path: str) -> str | None:
    """Why a capture file cannot be written at ``path``, or None; nothing is created."""
    import os

    if os.path.isdir(path):
        return "is a directory; name a file (monitor.pcapng)"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"cannot write there: the folder {folder} does not exist"
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return "cannot write there: permission denied"
    return None


async def _interrupt_on_sigterm() -> None:
    """SIGTERM (a service manager, ``timeout``, ``kill``) stops the monitor as Ctrl-C does:
    the capture is written and the summary line printed."""
    import signal

    import trio

    with trio.open_signal_receiver(signal.SIGTERM) as signals:
        async for _ in signals:
            raise KeyboardInterrupt
