"""Evidence frames drawn as a sequence chart: inline SVG, two lifelines (tool, RTU), one arrow per frame.

>>> "<svg" in sequence_chart((Frame(0.0, True, "C_IC_NA_1 ...", "68 0e"),))
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .results import Frame

__all__ = ["sequence_chart"]

_ROW = 22
_LEFT = 70  # the tool's lifeline
_RIGHT = 330  # the RTU's lifeline
_TEXT = 345


def sequence_chart(frames: Sequence[Frame], *, left: str = "c104test", right: str = "RTU") -> str:
    """An SVG of ``frames`` in order: time at the left, the explained frame beside its arrow."""
    e = html.escape
    height = 40 + _ROW * len(frames)
    width = 1100
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>",
        "<defs><marker id='a' markerWidth='8' markerHeight='8' refX='8' refY='4' orient='auto'>"
        "<path d='M0,0 L8,4 L0,8 z'/></marker></defs>",
        f"<text x='{_LEFT - 25}' y='14'>{e(left)}</text><text x='{_RIGHT - 10}' y='14'>{e(right)}</text>",
        f"<line x1='{_LEFT}' y1='20' x2='{_LEFT}' y2='{height}' stroke='#888'/>",
        f"<line x1='{_RIGHT}' y1='20' x2='{_RIGHT}' y2='{height}' stroke='#888'/>",
    ]
    for i, frame in enumerate(frames):
        y = 36 + i * _ROW
        x1, x2 = (_LEFT, _RIGHT) if frame.sent else (_RIGHT, _LEFT)
        colour = "#1f5fa8" if frame.sent else "#a8321f"
        parts.append(f"<text x='2' y='{y + 4}'>{frame.t:7.3f}</text>")
        parts.append(f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='{colour}' marker-end='url(#a)'>"
                     f"<title>{e(frame.hex)}</title></line>")
        parts.append(f"<text x='{_TEXT}' y='{y + 4}'>{e(frame.text[:110])}</text>")
    parts.append("</svg>")
    return "".join(parts)
