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
import string
import sys
from collections.abc import Iterator, Sequence

from c104test import __version__
from c104test.protocol.errors import DecodeError
from c104test.protocol.explain import explain_bytes

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2

_HEX_DIGITS = frozenset(string.hexdigits)


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
    return parser


# ---- explain ----------------------------------------------------------------------------------


def _add_explain(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "explain",
        help="explain APDUs given in hex",
        description=(
            "Print a one-line explanation of each APDU. Each argument is one APDU in hex "
            "(spaces allowed, quote them) or several APDUs one after the other, split by "
            "their 0x68 and length octets."
        ),
        epilog='example: c104test explain "68 04 07 00 00 00" 680e0000000064010600010000000014',
    )
    parser.add_argument("apdus", nargs="+", metavar="HEX", help="one or more APDUs in hex")
    parser.set_defaults(run=_run_explain)


def _run_explain(args: argparse.Namespace) -> int:
    """Explain every APDU; report each bad one on stderr and carry on where the framing allows."""
    status = EXIT_OK
    for number, text in enumerate(args.apdus, start=1):
        for line in _explain_argument(text):
            if isinstance(line, str):
                print(line)
            else:
                print(f"c104test explain: argument {number}: {line}", file=sys.stderr)
                status = EXIT_BAD_INPUT
    return status


def _explain_argument(text: str) -> Iterator[str | ValueError | DecodeError]:
    """An explanation or an error per APDU in one argument; offsets count from its first octet.

    After a malformed APDU whose start and length octets are sound, the next APDU is explained;
    after a framing error nothing is (there is no telling where the next APDU starts).
    """
    try:
        data = _parse_hex(text)
    except ValueError as exc:
        yield exc
        return
    start = 0
    size = len(data)
    while start < size:
        if data[start] != 0x68:
            yield DecodeError(f"start octet 0x{data[start]:02x} is not 0x68", start)
            return
        # A short tail goes to the decoder whole, so it names what is missing.
        end = start + 2 + data[start + 1] if start + 1 < size else size
        try:
            yield explain_bytes(data[start:end], strict=True)
        except DecodeError as exc:
            yield DecodeError(exc.reason, start + exc.offset)
        start = end


def _parse_hex(text: str) -> bytes:
    """Hex digits with any whitespace between them; positions in errors count characters from 1."""
    for position, char in enumerate(text, start=1):
        if char not in _HEX_DIGITS and not char.isspace():
            raise ValueError(f"{char!r} is not a hex digit (character {position})")
    digits = "".join(text.split())
    if not digits:
        raise ValueError("no hex digits")
    if len(digits) % 2:
        raise ValueError("odd number of hex digits")
    return bytes.fromhex(digits)


if __name__ == "__main__":  # pragma: no cover - `python -m c104test` goes through __main__.py
    sys.exit(main())
