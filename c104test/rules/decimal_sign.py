"""Numbers as a locale writes them: the decimal comma of a European spreadsheet.

The rules read numbers with a decimal point (``230.5``). A list from a spreadsheet whose decimal
sign is the comma writes ``230,5``; :func:`with_decimal_point` rewrites such text in the rules'
notation before the rules read it, so a value, a tolerance, a range or a time means the same
whichever sign the list uses, and nothing else decides what a number is. Text it cannot read
without a guess is a ValueError that gives both readings. :func:`decimal_sign_shown` says which
sign a text shows beyond doubt, so that a reader can tell the sign of a list it does not know.

>>> with_decimal_point("230,5 +- 0,5", ",")
'230.5 +- 0.5'
>>> with_decimal_point("49,9..50,1", ","), with_decimal_point("1.234,5", ","), with_decimal_point("50 ± 1,5%", ",")
('49.9..50.1', '1234.5', '50 ± 1.5%')
>>> with_decimal_point("12.345", ",")
Traceback (most recent call last):
ValueError: the point in 12.345 may separate thousands; write 12345 (or 12,345 for a decimal)
>>> decimal_sign_shown("12,5"), decimal_sign_shown("0.25"), decimal_sign_shown("1,234"), decimal_sign_shown("ON")
(',', '.', None, None)
"""

from __future__ import annotations

import re

__all__ = ["DECIMAL_SIGNS", "decimal_sign_shown", "with_decimal_point"]

#: The decimal signs a list may use: the point (the rules' own) and the comma.
DECIMAL_SIGNS = (".", ",")

#: A number as written, with any grouping or decimal signs inside it (``1.234,5``, ``12,5``).
_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,]*(?<=\d)(?![\w])")
#: Digits grouped by thousands with ``sign`` alone (``1.234``, ``12.345.678``): a thousands
#: separator as likely as a decimal sign followed by three digits.
_GROUPED = {sign: re.compile(rf"[1-9]\d{{0,2}}(?:\{sign}\d{{3}})+") for sign in DECIMAL_SIGNS}


def _other(sign: str) -> str:
    return "," if sign == "." else "."


def decimal_sign_shown(text: str) -> str | None:
    """The decimal sign that a number in ``text`` shows beyond doubt (``12,5``: the comma;
    ``1,234.5``: the point), or None: no number, or only ones either sign could write (``1,234``
    is a thousand and more, or one and a bit; ``12``). Two numbers showing different signs: the
    first one's."""
    for part in str(text).split(".."):
        for number in _NUMBER.findall(part):
            signs = [c for c in number if c in DECIMAL_SIGNS]
            if not signs:
                continue
            if len(set(signs)) == 2:
                return signs[-1]  # 1.234,5: the last sign is the decimal one
            sign = signs[0]
            if len(signs) == 1 and not _GROUPED[sign].fullmatch(number):
                return sign  # one sign, not three digits after it: 12,5, 0,125, 1,2345
    return None


def with_decimal_point(text: str, decimal: str) -> str:
    """``text`` with its numbers written with ``decimal`` (``.`` or ``,``) rewritten with a point,
    the way the rules read them; other text stays as it is. With the comma, a point separates
    thousands only beside a comma (``1.234,5`` is 1234.5); a point between thousands alone
    (``12.345``: twelve thousand, or twelve?) is a ValueError naming both readings.

    >>> with_decimal_point("230.5", ".")
    '230.5'
    """
    if decimal not in DECIMAL_SIGNS:
        raise ValueError(f"decimal sign {decimal!r}: a list writes decimals with a point or a comma")
    if decimal == ".":
        return text
    parts = []
    for part in str(text).split(".."):
        def rewrite(found: re.Match[str]) -> str:
            number = found[0]
            if number.count(",") > 1:
                raise ValueError(f"{number} has {number.count(',')} decimal commas; a number has one")
            if "," in number:
                return number.replace(".", "").replace(",", ".")  # 1.234,5 -> 1234.5; 12,5 -> 12.5
            if _GROUPED["."].fullmatch(number):
                raise ValueError(f"the point in {number} may separate thousands; write {number.replace('.', '')} "
                                 f"(or {number.replace('.', ',')} for a decimal)")
            return number

        parts.append(_NUMBER.sub(rewrite, part))
    return "..".join(parts)
