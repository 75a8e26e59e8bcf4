"""How the Gherkin steps read their arguments: pattern fragments and conversions through c104test.rules.

A bad argument raises ``StepUsageError`` naming what was wrong; the meaning of a value, type, cause
or address is decided by ``c104test.rules``, never here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from c104test import rules
from c104test.protocol.enums import Cot, Type

from .registry import StepUsageError

if TYPE_CHECKING:
    from c104test.bdd.plugin import C104Context
    from c104test.sync.session import RtuConnection

# fragments of the patterns
#: an address as a test may write it (``IOA 100``, ``IOA 0x64``, ``IOA 1_000``; ``IOA 1-2-3`` too, which
#: rules.addresses refuses with its reason): the pattern only delimits it, rules.addresses reads it
ADDRESS = r"(?:0[xX][0-9A-Fa-f_]+|\d[\d_]*(?:[-.]\d+)*)"
#: a type name as a test may write it (``M_SP_NA_1``, ``m_sp_na_1``, ``M_SP_NA``); rules.names reads it
TYPE_NAME = r"(?P<type_name>[A-Za-z]_[A-Za-z]{2}_[A-Za-z]{2}(?:_\d)?)"
IOA = rf"(?P<ioa>{ADDRESS})"
CA = rf"(?: (?:to|at|of|on) common address (?P<ca>{ADDRESS}))?"
WITHIN = r"(?: within (?P<seconds>\d+(?:\.\d+)?) seconds?)?"
COMMAND_OPTIONS = r"(?P<options>(?: with (?:select-before-operate|time tag|optional ACT_TERM|ACT_TERM)| without ACT_TERM)*)"


# ---- argument conversion ------------------------------------------------------------------------------


def step_common_address(context: C104Context, ca: str | None) -> int:
    if ca is None:
        return context.common_address
    try:
        return rules.common_address(ca)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None


def step_timeout(context: C104Context, seconds: str | None) -> float:
    return context.timeout if seconds is None else float(seconds)


def parse_type(text: str) -> Type:
    try:
        return rules.lookup(Type, text)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None


def parse_cot(text: str) -> Cot:
    try:
        return rules.lookup(Cot, text)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None


def parse_io_address(text: str) -> int:
    try:
        return rules.io_address(text)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None


# ---- commands, the simulator and the connection ----------------------------------------------


def require_connection(context: C104Context) -> RtuConnection:
    if context.connection is None:
        raise StepUsageError(
            "no connection to the RTU yet: start the scenario with 'Given a connection to the RTU'"
        )
    return context.connection


def command_options(options: str | None) -> dict[str, Any]:
    text = options or ""
    found: dict[str, Any] = {"select": "select-before-operate" in text, "with_time": "time tag" in text}
    if "without ACT_TERM" in text:
        found["act_term"] = "never"
    elif "with optional ACT_TERM" in text:
        found["act_term"] = "optional"
    elif "with ACT_TERM" in text:
        found["act_term"] = "required"
    return found


def command_value(type_id: Type, value: Any) -> Any:
    """The command's value as the rules read it for the type (ON for C_SC_NA_1, HIGHER for C_RC_NA_1),
    as Robot's ``Send Command`` reads it."""
    if not isinstance(value, str):
        return value
    try:
        return rules.value_for(type_id, value)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None
