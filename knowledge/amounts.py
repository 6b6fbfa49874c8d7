"""Money amounts written the French (Québec) way: "13,7 M$", "12 500 $", "40 000,50 $".

`parse_amount` reads one amount as a person types it or a table cell holds it, and returns
dollars as `Decimal`, exact to the cent.

Whatever the text, `parse_amount` returns a value or raises `AmountError` (a ValueError
whose `reason` says why): never a `decimal` exception, however many digits are typed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

# Spaces that separate groups of thousands: plain, no-break, narrow no-break, thin.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS_SIGNS = "-\u2212\u2013\u2014"
# "sans objet", "non disponible", "non applicable" and a lone dash mean: no amount.
_NO_AMOUNT = re.compile(
    r"^(?:s\.?\s*o\.?|sans\s+objet|n\.?\s*[/.]?\s*[da]\.?|non\s+(?:disponible|applicable)"
    r"|[-\u2212\u2013\u2014]*)$",
    re.IGNORECASE,
)
_SEP = "[ \u00a0\u202f\u2009]"
_NUMBER = rf"(?P<integer>\d{{1,3}}(?:{_SEP}\d{{3}})+|\d+)(?:[,.](?P<decimals>\d+))?"
_SCALE = r"(?P<scale>milliards?|millions?|mille|Md|k|M|G)"
_CURRENCY = r"(?P<currency>\$|dollars?|de\s+dollars)"
_AMOUNT = re.compile(
    rf"^(?P<sign>[{_MINUS_SIGNS}]\s*)?{_NUMBER}\s*(?:{_SCALE}\s*)?{_CURRENCY}?$",
    re.IGNORECASE,
)
_SCALES = {
    "k": Decimal(1_000),
    "mille": Decimal(1_000),
    "m": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "millions": Decimal(1_000_000),
    "g": Decimal(1_000_000_000),
    "md": Decimal(1_000_000_000),
    "milliard": Decimal(1_000_000_000),
    "milliards": Decimal(1_000_000_000),
}
_CENT_DIGITS = 2
# Digits read at all: far beyond any real amount, and together (27) within the 28 digits
# Decimal computes exactly by default, so a scale or a conversion to cents never rounds
# and never overflows. Longer numbers are refused before any Decimal is made of them.
MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_DIGITS = 9

AmountProblem = Literal["unreadable", "negative", "decimals", "too_large"]


class AmountError(ValueError):
    """An amount that cannot be read; `reason` says why (callers word their own message)."""

    def __init__(self, reason: AmountProblem, message: str):
        super().__init__(message)
        self.reason = reason


def _normalize_spaces(text: str) -> str:
    for space in _GROUP_SPACES:
        text = text.replace(space, " ")
    return re.sub(r" +", " ", text).strip()


def _value(integer: str, decimals: str | None, scale: str | None) -> Decimal:
    """Dollars for the parts of a matched amount; raises AmountError when ambiguous or
    beyond what is read at all."""
    multiplier = _SCALES[scale.lower().rstrip("$")] if scale else Decimal(1)
    if decimals is not None and multiplier == 1 and len(decimals) > _CENT_DIGITS:
        # "12,500 $" is English grouping or a typo; a French amount has at most cents.
        raise AmountError(
            "decimals", f"montant ambigu : plus de deux décimales ({integer},{decimals})"
        )
    digits = integer.replace(" ", "")
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountError("too_large", f"montant trop grand : {digits[:24]}…")
    if decimals is not None and len(decimals) > MAX_DECIMAL_DIGITS:
        raise AmountError("decimals", f"montant trop précis : {digits},{decimals[:24]}…")
    number = Decimal(digits + (f".{decimals}" if decimals else ""))
    value = number * multiplier
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value


def is_no_amount(text: str) -> bool:
    """Whether a cell says there is no amount: "s. o.", "sans objet", "n. d.", "—", empty."""
    return bool(_NO_AMOUNT.match(_normalize_spaces(text)))


def parse_amount(text: str) -> Decimal | None:
    """Dollars for an amount as written ("13,7 M$" -> 13700000), None for "s. o." or empty.

    Accepts thousands separated by spaces (any kind), a decimal comma (or point), the
    scales k / M / G / Md / millions / milliards and "$" / "dollars" (or no currency).
    Raises AmountError (a ValueError) for anything else, including negative amounts and
    numbers of more than MAX_INTEGER_DIGITS digits.
    """
    cleaned = _normalize_spaces(text)
    if is_no_amount(cleaned):
        return None
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise AmountError("unreadable", f"montant illisible : « {text} »")
    if match.group("sign"):
        raise AmountError("negative", f"montant négatif : « {text} »")
    return _value(match.group("integer"), match.group("decimals"), match.group("scale"))

