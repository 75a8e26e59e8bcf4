"""What the ``c104test`` commands share: exit statuses, argument types and the TLS options.

argparse turns an ``ArgumentTypeError`` into a usage error (exit status 2) that names the argument.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "add_tls_options", "address", "common_address", "listen_host", "number_in",
    "port_or_zero", "report_directory", "seconds", "tls_transport",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def port_or_zero(text: str) -> int:
    """A TCP port to listen on: 1..65535, or 0 for any free port."""
    return number_in(text, "port", 0, 65535)


def common_address(text: str) -> int:
    return number_in(text, "common address", 0, 65535)


def number_in(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what} {value} outside {low}..{high}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"timeout must be a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"timeout must be a positive number of seconds, got {text!r}")
    return value


def rtu_link(text: str) -> dict[str, float]:
    """``k=6,t1=3``: the RTU's k and t1 from its PIXIT (the keys of ``protocol.link.facing``)."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, equals, value = part.partition("=")
        if not equals or key.strip() not in ("k", "t1"):
            raise argparse.ArgumentTypeError(f"{part!r}: expected k=N or t1=SECONDS (k=6,t1=3)")
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r}: {value!r} is not a number") from None
        if key.strip() == "k" and (number != int(number) or not 1 <= number <= 32767):
            raise argparse.ArgumentTypeError(f"{part!r}: k must be a whole number in 1..32767")
        if not 0 < number < float("inf"):
            raise argparse.ArgumentTypeError(f"{part!r}: must be above 0")
        values[key.strip()] = int(number) if key.strip() == "k" else number
    return values


def address(text: str) -> tuple[str, int]:
    """HOST[:PORT] or [IPv6]:PORT; the port 1..65535, default 2404."""
    text = text.strip()  # pasted from a document or a spreadsheet
    if "://" in text or any(c.isspace() or c in ";,/" for c in text):
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST[:PORT] (10.0.0.5:2404, [::1]:2404 for IPv6)")
    if text.startswith("["):  # [::1]:2404
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise argparse.ArgumentTypeError(f"{text!r} is not HOST[:PORT] ([::1]:2404 for IPv6)")
        port = rest[1:] if rest else "2404"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:  # a name, an IPv4 address or a bare IPv6 address
        host, port = text, "2404"
        _refuse_ambiguous_ipv6(text)
    return host or "127.0.0.1", number_in(port, "port", 1, 65535)


def _refuse_ambiguous_ipv6(text: str) -> None:
    """``::1:2404`` is the address ::1:2404 and port 2404 to a parser, but ::1 and port 2404 to
    whoever wrote it (it went to the wrong host, or to 'Name or service not known')."""
    import ipaddress

    head, _, tail = text.rpartition(":")
    if not tail.isdigit():
        return
    try:
        ipaddress.IPv6Address(head)
    except ValueError:
        return
    try:
        ipaddress.IPv6Address(text)
        other = f", [{text}] for that address on port 2404"
    except ValueError:
        other = ""
    raise argparse.ArgumentTypeError(
        f"{text!r}: is {tail} a port? Write an IPv6 address in brackets: [{head}]:{tail} for port {tail}{other}"
    )


def listen_host(text: str) -> str:
    """An address to listen on: 0.0.0.0, ::1 or [::1] (the brackets of HOST:PORT are dropped)."""
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() or c in "[]/" for c in host):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address to listen on (127.0.0.1, 0.0.0.0, ::1)")
    return host


def report_directory(path: str, command: str) -> bool:
    """Make the --output directory before anything is sent; False (after one line on stderr) when
    it cannot be made: a file of that name, no permission, a read-only disk."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        reason = "a file of that name exists" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        print(f"c104test {command}: --output {path}: cannot make the report directory: {reason}", file=sys.stderr)
        return False
    return True


# ---- TLS options (simulate, monitor, conformance) ----------------------------------------------------------


def add_tls_options(parser: argparse.ArgumentParser, peer: str) -> None:
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


def tls_transport(args: argparse.Namespace, command: str, *, server: bool) -> object | None:
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
