"""File transfer cases (catalogue A39, A40; IEC 60870-5-101 7.4.11): read a file from the RTU,
and the RTU's answers to an unknown file and a negative section ack.

Only files the PICS lists (``points.files``) are read; a PICS without ``functions.file_transfer``
makes both cases n/a naming the item.
"""

from __future__ import annotations

from ..protocol.asdu import Asdu
from ..protocol.enums import Cot, Type
from ..protocol.file_qualifiers import NOT_READY, Afq, FileError, Lsq, Scq
from ..protocol.objects import Directory
from .case import CaseNotApplicable, case
from .context import MIRRORS, CaseContext
from .file_transfer import FileExchange, call_section, describe, read_file, section_ready, select
from .pics import FilePoint

_CLAUSE = "IEC 60870-5-101 7.4.11; 60870-5-5 6.12"


def _files(ctx: CaseContext) -> tuple[FilePoint, ...]:
    ctx.require("functions.file_transfer")
    if not ctx.pics.files:
        raise CaseNotApplicable("PICS points.files lists no file the suite may read")
    return ctx.pics.files


@case("A39", "File transfer (read)", clause=_CLAUSE,
      purpose="Directory (LFD on the last entry), select, call file, sections of segments each ended by "
              "LSQ 3 with its CHS, acks, LSQ 1 with the file's CHS.",
      pics=("functions.file_transfer", "points.files"),
      mutants=("wrong_checksum", "no_last_file_flag", "wrong_file_length", "segment_too_long"),
      verifies="126/5 lists every PICS file, LFD on the last entry only; 120/13 FRQ 0 with the directory's LOF; "
               "121/13 per section; 125/13 segments summing to the section's length; 123/13 LSQ 3 + CHS per section; "
               "123/13 LSQ 1 + CHS of the file; lengths and checksums recomputed")
async def a39(ctx: CaseContext) -> None:
    files = _files(ctx)
    conn = await ctx.connect()
    ex = FileExchange(ctx, conn, ctx.common_address)
    what = "the call of the directory (F_SC_NA_1 COT 5)"
    got = await ex.ask(ex.call(0, 0, 0, Scq.DEFAULT, Cot.REQUEST), what,
                       lambda a: int(a.type) == Type.F_DR_TA_1 and any(ob.sof.lfd for ob in a.objects))
    directories = [a for a in got if int(a.type) == Type.F_DR_TA_1 and isinstance(a, Asdu)]
    if not directories:
        instead = "; ".join(describe(a) for a in got[:3]) or "nothing"
        raise ctx.fail(f"no directory (F_DR_TA_1) answered {what} within {ctx.answer_timeout:g} s (arrived: {instead})")
    for a in directories:
        if int(a.cot) != Cot.REQUEST:
            raise ctx.fail(f"the directory arrived with {describe(a)}; COT 5 (request) expected")
    entries: list[Directory] = [ob for a in directories for ob in a.objects]
    flagged = [n for n, ob in enumerate(entries) if ob.sof.lfd]
    if not flagged:
        raise ctx.fail(f"no entry of the directory ({len(entries)} files) carries LFD (last file of the directory)")
    if flagged != [len(entries) - 1]:
        raise ctx.fail(f"LFD is set on entries {[n + 1 for n in flagged]} of {len(entries)}; only the last may carry it")
    listed = {(ob.io_address, ob.nof): ob.lof for ob in entries}
    for f in files:
        if (f.io_address, f.nof) not in listed:
            raise ctx.fail(f"the directory does not list file {f.nof} at IOA {f.io_address} (claimed in the PICS)")
    for f in files:
        await read_file(ex, f.io_address, f.nof, listed[(f.io_address, f.nof)])


@case("A40", "File transfer errors", clause=_CLAUSE,
      purpose="A select of an unknown file is refused; a negative section ack (checksum failed) repeats the "
              "section or aborts the transfer, as the PIXIT says.",
      pics=("functions.file_transfer", "points.files", "functions.negative_section_ack"),
      mutants=("positive_unknown_file", "ignore_negative_section_ack"),
      verifies="unknown NOF: 120/13 with FRQ bit 7 or a COT 47 mirror with P/N=1; AFQ 4: 121/13 for the same "
               "section and the same octets again (repeat), or 123/13 LSQ 2 or 4 (abort)")
async def a40(ctx: CaseContext) -> None:
    files = _files(ctx)
    f = files[0]
    conn = await ctx.connect()
    ex = FileExchange(ctx, conn, ctx.common_address)
    known = {(g.io_address, g.nof) for g in files}
    unknown = next(n for n in range(0xFFFF, 0, -1) if (f.io_address, n) not in known)
    what = f"the select of unknown file {unknown} at IOA {f.io_address}"
    got = await ex.ask(ex.call(f.io_address, unknown, 0, Scq.SELECT_FILE), what,
                       lambda a: int(a.type) == Type.F_FR_NA_1)
    answer = next((a for a in got if int(a.type) in (Type.F_FR_NA_1, Type.F_SC_NA_1)), None)
    if answer is None:
        raise ctx.fail(f"no answer to {what} within {ctx.answer_timeout:g} s; F_FR_NA_1 with FRQ bit 7 or COT 47 expected")
    if int(answer.type) == Type.F_FR_NA_1:
        if not answer.objects[0].frq & NOT_READY:
            raise ctx.fail(f"{what} was answered as ready ({describe(answer)}); FRQ bit 7 (not ready) expected")
    elif int(answer.cot) != 47:
        cause = MIRRORS.get(int(answer.cot), "")
        raise ctx.fail(f"{what} was answered with {describe(answer)} {cause}; F_FR_NA_1 FRQ bit 7 or COT 47 expected")
    elif not answer.negative:
        raise ctx.fail(f"deviation: {what} was refused with COT 47 but P/N=0; a refusal must carry P/N=1")
    await select(ex, f.io_address, f.nof)
    what = f"the call of file {f.nof} (SCQ 2)"
    got = await ex.ask(ex.call(f.io_address, f.nof, 0, Scq.REQUEST_FILE), what, lambda a: int(a.type) == Type.F_SR_NA_1)
    first = await call_section(ex, f.io_address, f.nof, 1, section_ready(ex, got, what, f.io_address, f.nof, 1))
    what = "the negative ack of section 1 (AFQ 4, checksum failed)"
    nack = ex.ack(f.io_address, f.nof, 1, Afq.NEGATIVE_ACK_SECTION.with_error(FileError.CHECKSUM))
    got = await ex.ask(nack, what, lambda a: int(a.type) in (Type.F_SR_NA_1, Type.F_LS_NA_1))
    if ctx.pics["functions.negative_section_ack"] == "repeat":
        again = await call_section(ex, f.io_address, f.nof, 1, section_ready(ex, got, what, f.io_address, f.nof, 1))
        if again != first:
            raise ctx.fail(f"section 1 of file {f.nof} was repeated with other octets ({len(again)}, before {len(first)})")
        await conn.send_asdu(ex.call(f.io_address, f.nof, 0, Scq.DEACTIVATE_FILE), timeout=ctx.answer_timeout)
        return
    last = ex.one(got, Type.F_LS_NA_1, what)
    if last.objects[0].lsq not in (Lsq.FILE_TRANSFER_WITH_DEACTIVATION, Lsq.SECTION_TRANSFER_WITH_DEACTIVATION):
        raise ctx.fail(f"{what} was answered with {describe(last)}; the PIXIT says abort: LSQ 2 or 4 expected")
