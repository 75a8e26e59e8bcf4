"""The controlling station's side of a file read (A39, A40): send one request of the sequence,
gather the file transfer ASDUs that answer it, and read a whole file with every check on the way.

Each step fails the case with what arrived instead; ``read_file`` returns the file's octets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import trio

from ..engine.client import ClientConnection
from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.enums import Cot, Type
from ..protocol.file_qualifiers import NOT_READY, Afq, Lsq, Scq, checksum
from ..protocol.objects import FileAck, FileCall
from .context import MIRRORS, CaseContext

__all__ = ["FILE_TYPES", "FileExchange", "describe", "read_file"]

FILE_TYPES = frozenset(range(120, 128))
_MAX_SECTIONS = 255


def describe(a: Asdu | UnknownAsdu) -> str:
    """One received file transfer ASDU in a few words (for failure reasons)."""
    name = a.type.name if isinstance(a.type, Type) else f"type {int(a.type)}"
    head = f"{name} COT {int(a.cot)}{' P/N=1' if a.negative else ''}"
    if isinstance(a, UnknownAsdu) or not a.objects:
        return head
    ob = a.objects[0]
    fields = {k: getattr(ob, k) for k in ("nof", "nos", "lof", "frq", "srq", "scq", "lsq", "chs", "afq") if hasattr(ob, k)}
    if hasattr(ob, "data"):
        fields["LOS"] = len(ob.data)
    return head + f" IOA {ob.io_address} " + " ".join(f"{k.upper()} {v}" for k, v in fields.items())


@dataclass
class FileExchange:
    """Requests of one file transfer to station ``common_address`` on ``conn``."""

    ctx: CaseContext
    conn: ClientConnection
    common_address: int

    async def ask(self, request: Asdu, what: str, done: Callable[[Asdu | UnknownAsdu], bool]) -> list[Asdu | UnknownAsdu]:
        """Send ``request``; the file ASDUs (and mirrors of it) of the station that came until one
        satisfied ``done``, or until the RTU's answer time-out."""
        ctx, conn = self.ctx, self.conn
        since = conn.journal.next_index
        conn.last_command_index = since
        await conn.send_asdu(request, timeout=ctx.answer_timeout)
        got: list[Asdu | UnknownAsdu] = []
        with trio.move_on_after(ctx.answer_timeout):
            while True:
                for entry in ctx.received(conn, since):
                    since = entry.index + 1
                    a = entry.asdu
                    if a is None or int(a.type) not in FILE_TYPES or a.common_address != self.common_address:
                        continue
                    got.append(a)
                    if done(a) or (int(a.type) == int(request.type) and (a.negative or int(a.cot) in MIRRORS)):
                        return got
                if conn.close_info is not None:
                    raise ctx.fail(f"the connection ended while waiting for the answer to {what}: {conn.close_info.reason}")
                await trio.sleep(0.005)
        return got

    def call(self, io_address: int, nof: int, nos: int, scq: int, cot: Cot = Cot.FILE_TRANSFER) -> Asdu:
        return Asdu(Type.F_SC_NA_1, cot, self.common_address, (FileCall(io_address, nof, nos, scq),))

    def ack(self, io_address: int, nof: int, nos: int, afq: int) -> Asdu:
        return Asdu(Type.F_AF_NA_1, Cot.FILE_TRANSFER, self.common_address, (FileAck(io_address, nof, nos, afq),))

    def one(self, got: list[Asdu | UnknownAsdu], t: Type, what: str) -> Asdu:
        """The first ``t`` answer with COT 13, its own IOA and NOF checked by the caller; fails with
        what arrived instead."""
        for a in got:
            if int(a.type) == int(t) and isinstance(a, Asdu):
                if int(a.cot) != Cot.FILE_TRANSFER:
                    raise self.ctx.fail(f"{what} was answered with {describe(a)}; COT 13 (file transfer) expected")
                return a
        instead = "; ".join(describe(a) for a in got[:4]) or "nothing"
        raise self.ctx.fail(f"no {t.name} answered {what} within {self.ctx.answer_timeout:g} s (arrived: {instead})")


def _is(t: Type) -> Callable[[Asdu | UnknownAsdu], bool]:
    return lambda a: int(a.type) == int(t)


def _expect_object(ex: FileExchange, a: Asdu, what: str, io_address: int, nof: int, nos: int | None = None) -> None:
    ob = a.objects[0]
    if ob.io_address != io_address or ob.nof != nof or (nos is not None and ob.nos != nos):
        want = f"IOA {io_address} NOF {nof}" + (f" NOS {nos}" if nos is not None else "")
        raise ex.ctx.fail(f"{what} was answered with {describe(a)}; {want} expected")


async def select(ex: FileExchange, io_address: int, nof: int) -> int:
    """Select the file (SCQ 1); its length (LOF) from a positive F_FR_NA_1."""
    what = f"the select of file {nof} at IOA {io_address} (SCQ 1)"
    got = await ex.ask(ex.call(io_address, nof, 0, Scq.SELECT_FILE), what, _is(Type.F_FR_NA_1))
    ready = ex.one(got, Type.F_FR_NA_1, what)
    _expect_object(ex, ready, what, io_address, nof)
    if ready.objects[0].frq & NOT_READY or ready.negative:
        raise ex.ctx.fail(f"{what} was answered 'not ready': {describe(ready)}")
    return int(ready.objects[0].lof)


async def call_section(ex: FileExchange, io_address: int, nof: int, nos: int, length: int) -> bytes:
    """Call section ``nos`` (SCQ 6): its segments, then F_LS_NA_1 LSQ 3 with the section's CHS."""
    what = f"the call of section {nos} of file {nof} (SCQ 6)"
    got = await ex.ask(ex.call(io_address, nof, nos, Scq.REQUEST_SECTION), what, _is(Type.F_LS_NA_1))
    data = bytearray()
    for a in got:
        if int(a.type) == Type.F_SG_NA_1 and isinstance(a, Asdu):
            _expect_object(ex, ex.one([a], Type.F_SG_NA_1, what), what, io_address, nof, nos)
            data += a.objects[0].data
    last = ex.one(got, Type.F_LS_NA_1, what)
    _expect_object(ex, last, what, io_address, nof, nos)
    ob = last.objects[0]
    if ob.lsq != Lsq.SECTION_TRANSFER_WITHOUT_DEACTIVATION:
        raise ex.ctx.fail(f"section {nos} of file {nof} ended with LSQ {ob.lsq}; LSQ 3 (section transfer) expected")
    if len(data) != length:
        raise ex.ctx.fail(f"section {nos} of file {nof}: the segments carry {len(data)} octets; F_SR_NA_1 announced {length}")
    if ob.chs != checksum(bytes(data)):
        raise ex.ctx.fail(f"section {nos} of file {nof}: CHS {ob.chs} in F_LS_NA_1, but its octets sum to {checksum(bytes(data))} (mod 256)")
    return bytes(data)


def section_ready(ex: FileExchange, got: list[Asdu | UnknownAsdu], what: str, io_address: int, nof: int, nos: int) -> int:
    """The length of section ``nos`` from a positive F_SR_NA_1 among ``got``."""
    ready = ex.one(got, Type.F_SR_NA_1, what)
    _expect_object(ex, ready, what, io_address, nof, nos)
    if ready.objects[0].srq & NOT_READY or ready.negative:
        raise ex.ctx.fail(f"{what} was answered 'section not ready': {describe(ready)}")
    return int(ready.objects[0].lof)


async def read_file(ex: FileExchange, io_address: int, nof: int, announced: int | None = None) -> bytes:
    """Select, call, read every section and ack the file; checks lengths and checksums."""
    lof = await select(ex, io_address, nof)
    if announced is not None and lof != announced:
        raise ex.ctx.fail(f"file {nof}: the directory says {announced} octets, F_FR_NA_1 says {lof}")
    what = f"the call of file {nof} (SCQ 2)"
    got = await ex.ask(ex.call(io_address, nof, 0, Scq.REQUEST_FILE), what, _is(Type.F_SR_NA_1))
    length = section_ready(ex, got, what, io_address, nof, 1)
    content = bytearray()
    for nos in range(1, _MAX_SECTIONS + 1):
        content += await call_section(ex, io_address, nof, nos, length)
        what = f"the ack of section {nos} (AFQ 3)"
        got = await ex.ask(ex.ack(io_address, nof, nos, Afq.POSITIVE_ACK_SECTION), what,
                           lambda a: int(a.type) in (Type.F_SR_NA_1, Type.F_LS_NA_1))
        if any(int(a.type) == Type.F_SR_NA_1 for a in got):
            length = section_ready(ex, got, what, io_address, nof, nos + 1)
            continue
        last = ex.one(got, Type.F_LS_NA_1, what)
        _expect_object(ex, last, what, io_address, nof)
        ob = last.objects[0]
        if ob.lsq != Lsq.FILE_TRANSFER_WITHOUT_DEACTIVATION:
            raise ex.ctx.fail(f"after the last section of file {nof}: LSQ {ob.lsq}; LSQ 1 (file transfer) expected")
        if len(content) != lof:
            raise ex.ctx.fail(f"file {nof}: {len(content)} octets arrived; F_FR_NA_1 announced {lof} (LOF)")
        if ob.chs != checksum(bytes(content)):
            raise ex.ctx.fail(f"file {nof}: CHS {ob.chs} in the last F_LS_NA_1, but the file's octets sum to {checksum(bytes(content))} (mod 256)")
        await ex.conn.send_asdu(ex.ack(io_address, nof, 0, Afq.POSITIVE_ACK_FILE), timeout=ex.ctx.answer_timeout)
        return bytes(content)
    raise ex.ctx.fail(f"file {nof}: more than {_MAX_SECTIONS} sections announced")
