"""The columns of a signal list and the words its cells may hold: one table each, read by the
reader (``signals``), the template, the docs (docs/fat.md lists every column) and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..rules.units import header_unit

__all__ = ["COLUMNS", "COLUMNS_SHEET", "EVENTS_ONLY", "NO_RETURN", "SIGNAL_SHEET", "TEMPLATE_ROWS", "Column"]

#: The workbook's sheets of the template: the list, and the mapping of fields to headers.
SIGNAL_SHEET = "Signals"
COLUMNS_SHEET = "Columns"


@dataclass(frozen=True, slots=True)
class Column:
    """One field of the signal list: its header in the template, aliases, and what it holds."""

    field: str
    header: str
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


#: The one table of signal-list columns (template, docs and reader all use it).
COLUMNS: tuple[Column, ...] = (
    Column("name", "name", True, "the signal's name or description", ("description", "signal", "text", "signal_name", "signal_text", "point_name", "beschreibung", "bezeichnung",
                                                                   "signalname", "meldetext", "signaltext", "libellé", "libelle", "désignation", "designation", "nom")),
    Column("common_address", "common_address", True, "CA of the station, 1..65534", ("ca", "asdu_address", "casdu", "asdu", "station_address", "asdu_adresse",
            "gemeinsame_adresse", "stationsadresse", "adresse_commune", "adresse_asdu")),
    Column("io_address", "io_address", True, "IOA of the point, 1..16777215", ("ioa", "address", "info_address", "information_object_address", "object_address",
            "adresse", "informationsobjektadresse", "objektadresse", "ioa_adresse", "adresse_ioa", "adresse_objet")),
    Column("type", "type", True, "monitor type as the standard names it (M_SP_NA_1, M_ME_NC_1, ...); a command type "
           "(C_SC_NA_1, ...) makes the row the command's own", ("type_id", "ti", "type_identification", "asdu_type", "tk", "typ",
           "typkennung", "type_asdu")),
    Column("expected_value", "expected_value", False, "ON/OFF, a number, 230 +- 0.5, 49.9..50.1; empty: not checked", ("value", "expected", "wert", "erwartungswert", "erwarteter_wert", "prüfwert",
           "pruefwert", "valeur", "valeur_attendue")),
    Column("expected_quality", "expected_quality", False, "quality flags (IV NT SB BL OV); empty: good", ("quality", "qds", "qualität", "qualitaet", "qualité", "qualite")),
    Column("unit", "unit", False, "the unit of the values (kV, MW, %): a value cell may then carry it (110 kV); "
           "another unit there is refused", ("units", "einheit", "unité", "unite", "engineering_unit")),
    Column("groups", "groups", False, "interrogation groups 1..16, separated by spaces, commas or ;"
           " (a counter: its counter interrogation groups 1..4)", ("group", "gruppe", "gruppen", "groupe", "groupes")),
    Column("command_io_address", "command_io_address", False, "IOA of the command that drives the point", ("command_ioa", "command_address", "befehls_ioa", "befehl_ioa", "befehlsadresse", "ioa_befehl",
           "commande_ioa", "commande_adresse_ioa",
           "adresse_commande")),
    Column("command_type", "command_type", False, "command type (C_SC_NA_1, C_DC_NA_1, C_SE_NC_1, ...)",
           ("befehlstyp", "befehl_typ", "type_commande", "commande_type")),
    Column("command_value", "command_value", False, "the value to command (ON/OFF, a number)",
           ("befehlswert", "befehl_wert", "valeur_commande", "commande_valeur")),
    Column("select", "select", False, "yes (or SBO, select): select before operate; no (or direct): direct",
           ("sbo", "select_before_operate", "command_mode")),
    Column("return_io_address", "return_io_address", False,
           "IOA of the return report; empty: this row's IOA; none (or -, no, n/a): the RTU sends no return "
           "information, only the confirmation is checked", ("return_ioa", "feedback_ioa", "feedback_io_address", "feedback_address", "return_address",
                            "rückmelde_ioa", "rueckmelde_ioa", "rückmeldung_ioa", "rueckmeldung_ioa",
                            "retour_ioa", "rückmeldeadresse", "rueckmeldeadresse", "adresse_retour")),
    Column("return_value", "return_value", False, "value the return report must show; empty: the command value",
           ("feedback_value", "rückmeldewert", "rueckmeldewert", "rückmeldung_wert",
                                                                  "rueckmeldung_wert", "valeur_retour", "retour_valeur")),
    Column("interrogation", "interrogation", False,
           "no (or spontaneous, events only, -): the RTU reports the point only as events, in no interrogation; "
           "empty: yes (M_EP_*: always no)", ("gi", "in_gi", "general_interrogation", "station_interrogation",
                                              "interrogated", "in_interrogation")),
    Column("timeout", "timeout", False, "seconds for the confirmation and the return report (default 10)", ()),
    Column("restore", "restore", False, "yes: command the original value back afterwards", ()),
    Column("max_skew", "max_skew", False, "seconds an event's time tag may differ from the tool's clock after a clock sync", ("skew",)),
    Column("skip", "skip", False, "yes: listed but not checked (reported as skipped)", ()),
)
_BY_FIELD = {c.field: c for c in COLUMNS}

#: Example rows of the template: the demo RTU's points (docs/fat.md walks through them).
TEMPLATE_ROWS: tuple[dict[str, str], ...] = (
    {"name": "Breaker Q0 closed", "common_address": "47", "io_address": "100", "type": "M_SP_NA_1",
     "expected_value": "ON", "groups": "1", "command_io_address": "500", "command_type": "C_SC_NA_1",
     "command_value": "OFF", "restore": "yes"},
    {"name": "Earthing switch Q8 closed", "common_address": "47", "io_address": "101", "type": "M_SP_TB_1",
     "expected_value": "OFF", "groups": "1", "command_io_address": "501", "command_type": "C_SC_NA_1",
     "command_value": "ON", "select": "yes", "restore": "yes"},
    {"name": "Disconnector Q1 position", "common_address": "47", "io_address": "200", "type": "M_DP_NA_1",
     "expected_value": "ON", "groups": "1"},
    {"name": "Disconnector Q9 position", "common_address": "47", "io_address": "201", "type": "M_DP_TB_1",
     "expected_value": "OFF", "groups": "1"},
    {"name": "Active power (kW)", "common_address": "47", "io_address": "300", "type": "M_ME_NB_1",
     "expected_value": "1234 +- 5", "groups": "2"},
    {"name": "Busbar voltage (kV)", "common_address": "47", "io_address": "301", "type": "M_ME_NC_1",
     "expected_value": "225..235", "groups": "2"},
    {"name": "Frequency (Hz)", "common_address": "47", "io_address": "302", "type": "M_ME_NC_1",
     "expected_value": "49.98 +- 0.05", "groups": "2"},
    {"name": "Transformer load (per unit)", "common_address": "47", "io_address": "303", "type": "M_ME_NA_1",
     "expected_value": "0.25", "groups": "2"},
    {"name": "Tap changer position", "common_address": "47", "io_address": "310", "type": "M_ST_NA_1",
     "expected_value": "5", "groups": "3"},
    {"name": "Protection relay status word", "common_address": "47", "io_address": "320", "type": "M_BO_NA_1",
     "expected_value": "0x0000A5A5", "groups": "3"},
    {"name": "Active energy export (kWh)", "common_address": "47", "io_address": "401", "type": "M_IT_TB_1",
     "expected_value": "678", "skip": "yes"},
    {"name": "Active energy import (kWh)", "common_address": "47", "io_address": "400", "type": "M_IT_NA_1",
     "expected_value": "12345"},
)

#: How a list says that a command has no return information (no monitored point reports it):
#: ``return_io_address`` holds one of these (any case). Empty is not one: it means the row's own IOA.
NO_RETURN = frozenset({"none", "no", "-", "\u2013", "—", "n/a", "na", "no return", "no return information",
                       "without", "keine", "kein", "nein", "aucun", "aucune", "ninguno"})

_YES = {"yes", "y", "true", "1", "x", "ja", "oui"}

#: How the ``interrogation`` column says a point is reported only as events (any case); empty is
#: yes, the standard's default for every monitoring point but protection events (M_EP_*).
EVENTS_ONLY = frozenset({"no", "n", "false", "0", "-", "nein", "non", "spontaneous", "spont", "spontaneous only",
                         "events only", "event only", "events", "event", "no gi", "not in gi", "none"})
_IN_INTERROGATION = frozenset(_YES | {"gi", "in gi"})
_NO = {"no", "n", "false", "0", "", "nein", "non"}

#: What a list writes in a cell it has nothing to say in: read as the empty cell, except where the
#: column gives it a meaning (return_io_address: no return information; interrogation: events only).
PLACEHOLDERS = frozenset({"-", "\u2013", "—", "n/a", "n.a.", "--"})

#: The command mode as engineering tools write it in the ``select`` column, beside yes and no.
_SELECT_WORDS = {"sbo": True, "select": True, "select before operate": True, "select and execute": True,
                 "s/e": True, "direct": False, "direct operate": False, "direct execute": False, "do": False}


#: Units a list writes a time in, and their seconds.
_TIME_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
               "ms": 0.001, "msec": 0.001, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0}


def _norm(text: str) -> str:
    """A header as compared: any case, spaces, line breaks, dashes and dots alike, a unit or a note
    in brackets left out (``Value [kV]``, ``IOA\n(dec)``), a required mark (``IOA*``) too."""
    bare = header_unit(str(text))[0].strip().strip("*:").strip()
    bare = re.sub(r"[\s_-]+(hex|dec)$", "", bare, flags=re.IGNORECASE)  # 'IOA hex': the IOA, in hex (hex_header)
    return re.sub(r"[\s_\-./]+", "_", bare.lower()).strip("_")


#: The fields that hold an address: a header that says hex (``IOA (hex)``, ``IOA hex``) makes every
#: cell of the column hex, with or without 0x (``0C2238``; ``123`` is 0x123, never 123).
ADDRESS_FIELDS = frozenset({"common_address", "io_address", "command_io_address", "return_io_address"})


def hex_header(header: str) -> bool:
    return re.search(r"(?<![a-z])(hex|hexadecimal)(?![a-z])", str(header), flags=re.IGNORECASE) is not None


def _grouped(headers: list[str], above: list[str], names: Callable[[Column], list[str]]) -> list[str]:
    """Headers under group headings (``Befehl`` over ``IOA | Typ | Wert``, ``Meldung`` over the
    point's own): a header that the row names twice takes its group's heading when the two together
    name a field (``Befehl IOA``: command_io_address); the other keeps its name (the point's IOA)."""
    known = {_norm(n) for column in COLUMNS for n in names(column)}
    twice = {n for n in (_norm(h) for h in headers if h.strip()) if [_norm(h) for h in headers].count(n) > 1}
    out, group = [], ""
    for i, header in enumerate(headers):
        group = above[i].strip() if i < len(above) and above[i].strip() else group
        combined = f"{group} {header.strip()}"
        out.append(combined if group and _norm(header) in twice and _norm(combined) in known else header)
    return out
