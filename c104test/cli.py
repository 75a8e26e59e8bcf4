"""The ``c104test`` command.

Each subcommand is one ``_add_<name>`` function that declares its arguments and one
``_run_<name>`` function that does the work and returns the exit status; ``main`` only wires
them together. Exit status: 0 success, 2 bad input (argparse's convention for usage errors).

    $ c104test explain "68 04 07 00 00 00" 680401000a00
    U-Format | StartDT act
    S-Format | N(R) 5
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence

from c104test import __version__
from c104test.protocol.errors import DecodeError
from c104test.protocol.explain import explain_bytes
from c104test.rules.hexdump import parse_hex

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2



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
    _add_monitor(commands)
    _add_demo(commands)
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
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2404, help="TCP port (default 2404; 0 = any free port)")
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
    _add_tls_options(parser, "clients")
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
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from c104test.protocol.station import parse_fault

    try:
        faults = [parse_fault(text) for text in args.fault]
    except ValueError as exc:
        print(f"c104test simulate: --fault: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    transport = _tls_transport(args, "simulate", server=True)
    if transport is None:
        return EXIT_BAD_INPUT
    simulator = Simulator(
        profile,
        simulate_changes=not args.no_changes,
        max_connections=args.max_connections,
        redundancy_group_size=args.redundancy_group_size,
        faults=faults or None,
        transport=transport,
    )

    async def run() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
            port = await nursery.start(simulator.serve, args.host, args.port)
            stations = ", ".join(
                f"CA {s.common_address} ({len(s.points)} points)" for s in profile.stations
            )
            print(
                f"c104test simulate: {profile.name or 'RTU'} listening on {args.host}:{port}, "
                f"{stations}; Ctrl-C stops",
                flush=True,
            )

    try:
        trio.run(run)
    except OSError as exc:
        print(f"c104test simulate: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return EXIT_OK


async def _stop_on_signal(scope: object) -> None:
    import signal

    import trio

    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()  # type: ignore[attr-defined]
            return


# ---- TLS options (simulate, monitor) ----------------------------------------------------------


def _add_tls_options(parser: argparse.ArgumentParser, peer: str) -> None:
    group = parser.add_argument_group("TLS (IEC 62351-3; any of these makes the link TLS)")
    group.add_argument("--tls-cert", metavar="FILE", help="this end's certificate (PEM)")
    group.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert (PEM)")
    group.add_argument("--tls-ca", metavar="FILE", help=f"CA certificate(s) (PEM) that {peer} must chain to")
    group.add_argument(
        "--tls-peer-cert", metavar="FILE", action="append", default=[],
        help=f"accept only {peer} with this certificate (repeat for several)",
    )
    group.add_argument("--tls-min-version", choices=("1.2", "1.3"), help="lowest TLS version (default 1.2)")
    group.add_argument(
        "--tls-no-verify", action="store_true", help=f"do not verify the certificate of {peer} (lab use only)"
    )


def _tls_transport(args: argparse.Namespace, command: str, *, server: bool) -> object | None:
    """The Transport of the --tls-* options (plain TCP without them); None after a usage error."""
    from c104test.engine.tls import TlsConfigError, tls_options, tls_transport

    try:
        options = tls_options(
            args.tls_cert, args.tls_key, args.tls_ca, args.tls_peer_cert, args.tls_min_version,
            False if args.tls_no_verify else None,
        )
        return tls_transport(options, server=server)
    except TlsConfigError as exc:
        print(f"c104test {command}: {exc}", file=sys.stderr)
        return None


# ---- monitor ----------------------------------------------------------------------------------


def _add_monitor(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "monitor",
        help="connect to an RTU, interrogate it and show its points live",
        description=(
            "Connect, start data transfer, run a station interrogation and show every point in a "
            "table that follows the RTU's reports, until Ctrl-C."
        ),
        epilog="example: c104test monitor 127.0.0.1:2404 --common-address 47",
    )
    parser.add_argument("address", nargs="?", default="127.0.0.1", metavar="HOST[:PORT]", help="default 127.0.0.1:2404")
    parser.add_argument("--common-address", "-c", type=int, default=0xFFFF, help="CA to interrogate (default 65535: all)")
    parser.add_argument("--timeout", type=float, default=10.0, help="connect and command timeout in seconds")
    parser.add_argument("--once", action="store_true", help="print the table once after the interrogation and exit")
    _add_tls_options(parser, "the RTU")
    parser.set_defaults(run=_run_monitor)


def _split_address(text: str) -> tuple[str, int]:
    if text.startswith("["):  # [::1]:2404
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 2404
    if text.count(":") == 1:
        host, port = text.split(":")
        return host or "127.0.0.1", int(port)
    return text, 2404


def _run_monitor(args: argparse.Namespace) -> int:
    import trio

    from c104test.engine.client import open_connection
    from c104test.engine.errors import C104TestError
    from c104test.protocol.link import LinkParameters

    try:
        host, port = _split_address(args.address)
    except ValueError:
        print(f"c104test monitor: {args.address!r} is not HOST[:PORT]", file=sys.stderr)
        return EXIT_BAD_INPUT
    params = LinkParameters(t0=args.timeout)
    transport = _tls_transport(args, "monitor", server=False)
    if transport is None:
        return EXIT_BAD_INPUT

    async def run() -> None:
        async with open_connection(
            host, port, params=params, command_timeout=args.timeout, transport=transport
        ) as conn:
            result = await conn.interrogation(args.common_address)
            print(f"interrogation: {result}", flush=True)
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
                    if sys.stdout.isatty():
                        print("\x1b[2J\x1b[H" + _table(conn.points), flush=True)
                    else:
                        print("\n".join(lines), flush=True)
                if args.once:
                    return
                await trio.sleep(0.5)

    try:
        trio.run(run)
    except C104TestError as exc:
        print(f"c104test monitor: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return EXIT_OK


_HEADER = f"{'CA':>5} {'IOA':>8}  {'TYPE':<10} {'VALUE':<24} {'QUALITY':<22} {'COT':<24} TIME"


def _point_row(point: object) -> str:
    p = point  # a c104test.engine.points.PointValue
    quality = p.quality  # type: ignore[attr-defined]
    qtext = "good" if not quality else str(quality).split(": ")[-1].split(", is_good")[0] if hasattr(quality, "is_good") else str(quality)
    value = getattr(p.value, "name", p.value)  # type: ignore[attr-defined]
    if isinstance(value, float):
        value = f"{value:.7g}"  # float32 digits, not the double's
    time = "" if p.time is None else str(p.time)  # type: ignore[attr-defined]
    cot = getattr(p.cot, "name", p.cot)  # type: ignore[attr-defined]
    return (
        f"{p.common_address:>5} {p.io_address:>8}  {p.type.name:<10} {value!s:<24} "  # type: ignore[attr-defined]
        f"{qtext:<22} {cot!s:<24} {time}"
    )


def _table(points: object) -> str:
    rows = [_point_row(p) for p in sorted(points, key=lambda p: (p.common_address, p.io_address))]  # type: ignore[attr-defined]
    return "\n".join([_HEADER, *rows])


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
        "--output", "-o", default="c104test-demo", metavar="DIR", help="where reports go (default ./c104test-demo)"
    )
    parser.add_argument("--robot-only", action="store_true", help="run the Robot suites only")
    parser.add_argument("--features-only", action="store_true", help="run the Gherkin features only")
    parser.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, int]] = []
    if not args.features_only:
        from c104test.keywords.demo import run_suites

        print("== Robot Framework suites (keywords/) against the demo RTU", flush=True)
        results.append(("Robot suites", run_suites(output / "robot")))
    if not args.robot_only:
        from c104test.bdd.demo import run_features

        print("== Gherkin features (features/) against the demo RTU", flush=True)
        results.append(("Gherkin features", run_features(output / "features")))
    print("== demo results")
    for name, failed in results:
        print(f"{name}: {'passed' if failed == 0 else f'{failed} failed'}")
    print(f"reports in {output.resolve()}")
    return 0 if all(failed == 0 for _, failed in results) else 1
