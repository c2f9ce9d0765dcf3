"""Engagement counts as pages show them: "87", "1,234", "1.2K", "12K views", "1,2 tys."."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Multipliers by suffix, compared case-folded. A lone "m" is not here on purpose: in
# feeds it means minutes ("5m"), so only an upper-case "M" means million (see below).
_SUFFIXES: dict[str, int] = {
    "k": 1_000,
    "tys": 1_000,  # Polish
    "tys.": 1_000,
    "tis.": 1_000,  # Czech, Slovenian
    "tsd": 1_000,  # German
    "tsd.": 1_000,
    "mil": 1_000,  # Spanish, Portuguese
    "тыс": 1_000,  # Russian
    "тыс.": 1_000,
    "אלף": 1_000,  # Hebrew
    "mln": 1_000_000,
    "mln.": 1_000_000,
    "mio": 1_000_000,
    "mio.": 1_000_000,
    "mi": 1_000_000,  # Portuguese
    "млн": 1_000_000,
    "מיליון": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "mld": 1_000_000_000,
    "mld.": 1_000_000_000,
    "mrd": 1_000_000_000,
    "mrd.": 1_000_000_000,
    "млрд": 1_000_000_000,
}
_SUFFIX_RE = "|".join(
    re.escape(s) for s in sorted([*_SUFFIXES, "M"], key=len, reverse=True) if s != "m"
)
# Group separators: comma, dot, (narrow) no-break space, or a plain space.
_GROUPED = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+"
_DECIMAL = r"\d+(?:[.,]\d+)?"
_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<num>{_GROUPED}|{_DECIMAL})"
    rf"(?:[\u00a0\u202f ]?(?P<suffix>{_SUFFIX_RE}))?"
    r"(?![\w])(?![.,]\d)",
    re.IGNORECASE,
)


# Direction marks that right-to-left pages put around numbers ("\u200f45 תגובות").
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """`text` without invisible direction marks (LRM, RLM, embeddings, isolates)."""
    return _BIDI.sub("", text)


def _multiplier(suffix: str | None) -> int | None:
    if suffix is None:
        return 1
    if suffix == "M":
        return 1_000_000
    if suffix == "m":
        return None
    return _SUFFIXES.get(suffix.casefold())


def _value(number: str, multiplier: int) -> Decimal | None:
    if multiplier == 1:
        # Without a multiplier a separator can only group thousands: "1,234", "1.234".
        if re.fullmatch(_GROUPED, number):
            return Decimal(re.sub(r"\D", "", number))
        return Decimal(number) if number.isdigit() else None
    # With one, a single separator is a decimal mark: "1,2K", "1.25M".
    m = re.fullmatch(r"(\d+)[.,](\d{1,3})", number)
    if m:
        return Decimal(f"{m.group(1)}.{m.group(2)}") * multiplier
    if re.fullmatch(_GROUPED, number) or number.isdigit():
        return Decimal(re.sub(r"\D", "", number)) * multiplier
    return None


def parse_count(text: str) -> int | None:
    """The first count in `text` as an int, or None when there is none.

    Thousands separators and decimal marks are told apart by the suffix: "1,234" is 1234,
    "1,2K" is 1200. A fraction without a multiplier ("1.5") is no count and is skipped.
    """
    for m in _NUMBER.finditer(strip_bidi(text)):
        multiplier = _multiplier(m.group("suffix"))
        if multiplier is None:
            continue
        try:
            value = _value(m.group("num"), multiplier)
        except InvalidOperation:
            value = None
        if value is not None:
            return int(value)
    return None
