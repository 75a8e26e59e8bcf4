"""The rules every front end shares: how a test writes values, tolerances, qualities, hex, addresses.

Pure (no I/O, no clock): Robot keywords, Gherkin steps, the command line and the c104-compatible
API call these, so the same text gets the same verdict everywhere. ``rules`` may import
``protocol`` (its enums and codec tables are the truth for codes); ``protocol`` never imports
``rules``.

- :mod:`.values`: values per value class, ranges, and whether a reported value matches
- :mod:`.ranges`: ``min..max`` for numeric classes
- :mod:`.tolerance`: ``+-``, ``+/-``, ``±``, percent, and the one default tolerance
- :mod:`.decimal_sign`: numbers written with a decimal comma (``230,5``), in the rules' notation
- :mod:`.quality`: the quality-flag table and quality expressions (exact, or ``contains``)
- :mod:`.qualifiers`: a step position's transient bit, a counter's sequence number and flags
- :mod:`.hexdump`: octets in hex (spaces, colons, dashes, ``0x``, several pieces)
- :mod:`.typeclasses`: which type carries which kind of value
- :mod:`.addresses`: IOA, CA and OA ranges
- :mod:`.names`: enum members by name with "did you mean"
"""

from .addresses import common_address, io_address, originator_address
from .decimal_sign import DECIMAL_SIGNS, decimal_sign_shown, with_decimal_point
from .hexdump import format_hex, parse_hex
from .names import did_you_mean, lookup
from .qualifiers import Qualifiers, split_qualifiers
from .quality import (
    FLAGS,
    QualityExpectation,
    flags_of,
    parse_flags,
    quality_for,
    show_flags,
    to_quality,
)
from .ranges import ValueRange, is_range, parse_range
from .tolerance import DEFAULT, Tolerance, split_tolerance, within_default
from .typeclasses import TypeClass, classify, interrogated, type_class, types_of
from .values import (
    Expected,
    class_of,
    expectation,
    parse_expected,
    parse_value,
    show_reported,
    show_value,
    value_for,
)

__all__ = [
    "DECIMAL_SIGNS",
    "DEFAULT",
    "FLAGS",
    "Expected",
    "Qualifiers",
    "QualityExpectation",
    "Tolerance",
    "TypeClass",
    "ValueRange",
    "class_of",
    "classify",
    "common_address",
    "decimal_sign_shown",
    "did_you_mean",
    "expectation",
    "flags_of",
    "format_hex",
    "interrogated",
    "io_address",
    "is_range",
    "lookup",
    "originator_address",
    "parse_expected",
    "parse_flags",
    "parse_hex",
    "parse_range",
    "parse_value",
    "quality_for",
    "show_flags",
    "show_reported",
    "show_value",
    "split_qualifiers",
    "split_tolerance",
    "to_quality",
    "type_class",
    "types_of",
    "value_for",
    "with_decimal_point",
    "within_default",
]
