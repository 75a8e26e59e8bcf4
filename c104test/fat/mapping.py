"""The column mapping of a signal list (a YAML file ``field: header as written``), and why a key
that names no field is refused."""

from __future__ import annotations

import difflib
from pathlib import Path

from .columns import _BY_FIELD, COLUMNS, _norm

__all__: list[str] = []  # the reader's (signals) helpers, not an API


def _mapping_file(path: str | Path | None) -> dict[str, str]:
    if path is None:
        return {}
    import yaml

    from .signals import (  # the reader's error type; signals imports this module
        Problem,
        SignalListError,
    )

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SignalListError([Problem(str(path), None, None, None, f"cannot read the column mapping: {reason}")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str | int) for v in data.values()):
        raise SignalListError([Problem(str(path), None, None, None,
                                       "the column mapping must be 'field: header as written' lines")])
    problems = []
    for key in data:  # a misspelt field would leave its column unread: named here, with its line
        if _norm(str(key)) not in _BY_FIELD:
            line = next((n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith(f"{key}:")), 0)
            problems.append(Problem(f"{path}:{line}" if line else str(path), None, None, None, _no_field(str(key))))
    if problems:
        raise SignalListError(problems)
    return {str(k): str(v) for k, v in data.items()}


def _no_field(key: str) -> str:
    """Why a column mapping's ``key`` is refused, with the field it probably means."""
    fields = [c.field for c in COLUMNS]
    meant = next((c.field for c in COLUMNS if _norm(key) in (_norm(a) for a in c.aliases)), None)
    close = difflib.get_close_matches(_norm(key), fields, n=1, cutoff=0.6)
    meant = meant or (close[0] if close else None)
    hint = f" (did you mean {meant}?)" if meant else ""
    return f"the column mapping names {key!r}, which is no field{hint}; fields: {', '.join(fields)}"
