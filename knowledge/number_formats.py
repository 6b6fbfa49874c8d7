"""French and English number formats made comparable: for grading answers (evaluations/)
and for checking the figures an LLM writes against its passages (retrieval/llm_checks.py).

The corpus writes amounts the Québec way ("160,1 M$", "12 500 $", "90 %"); an answer
may write them the English way ("$160.1 million", "12,500 $", "90 percent"). Both
sides of a comparison go through `normalize_numbers`, which rewrites every number to
one canonical spelling:

* money, with or without a magnitude: the full value in digits, currency dropped:
  "160,1 M$" = "160.1 million" = "160,1 millions de dollars" = "$160.1M" -> "160100000";
  "12 500 $" = "12,500 $" = "$12,500" -> "12500";
* percentages: "90 %" = "90%" = "90 percent" = "90 pour cent" -> "90%";
* other numbers: group separators removed and a decimal comma made a point
  ("18 000" -> "18000", "2,5" -> "2.5"), digits otherwise kept as typed, so years,
  year ranges ("2010-2011") and measure numbers ("1.1", "02") are untouched;
* small number words ("deux" .. "vingt", "two" .. "twenty") become digits, so
  "huit organismes" and "8 organismes" compare equal ("un"/"one" are left alone:
  they are articles far more often than numbers).

The comma is ambiguous: French uses it for decimals ("12,5 M$"), English for thousands
("12,500 $"). The rule here: a comma followed by exactly three digits (and no fourth)
groups thousands, any other comma between digits is a decimal comma. A French amount
written with three decimals ("1,250 M$") is therefore read as 1 250 M$; the corpus
never does that. A point is always a decimal point. "billion" is read the English way
(10^9), like "milliard". A Markdown-escaped "\\$" (raw converted files) counts as "$".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

AmountKind = Literal["money", "percent", "number"]

# Spaces that may group thousands or sit between a number and its unit.
_SP = "[ \t\u00a0\u202f]"

# A number as written: French grouping (space) with an optional decimal part, English
# grouping (comma, exactly three digits) with an optional decimal point, or plain digits
# with an optional decimal comma or point. The look-behind keeps us out of words and
# out of the middle of another number.
_NUM = (
    rf"(?:\d{{1,3}}(?:{_SP}\d{{3}})+(?:[.,]\d+)?(?![\d])"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])"
    r"|\d+(?:[.,]\d+)?)"
)
_START = r"(?<![\w.,])"

# Magnitudes. Symbols ("M", "G", "k") count only next to a currency sign; words count alone.
_MAGNITUDE_WORDS: dict[str, int] = {
    "million": 10**6,
    "millions": 10**6,
    "milliard": 10**9,
    "milliards": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "mille": 10**3,
    "thousand": 10**3,
    "thousands": 10**3,
}
_MAGNITUDE_SYMBOLS: dict[str, int] = {
    "m": 10**6,
    "md": 10**9,
    "g": 10**9,
    "bn": 10**9,
    "k": 10**3,
}
_MAG_WORD = r"(?:millions?|milliards?|billions?|mille|thousands?)(?![\w])"
_MAG_ANY = rf"(?:{_MAG_WORD}|(?:md|bn|m|g|k)(?![a-z]))"
# A Markdown-escaped "\$" (raw converted documents) counts as "$".
_CURRENCY_AFTER = rf"(?:{_SP}?\\?\$|{_SP}+(?:de{_SP}+)?dollars?(?![\w]))"
_CURRENCY_BEFORE = r"(?:(?<!\w)(?:ca|c|us))?\$"
_PERCENT = rf"(?:{_SP}?%|{_SP}*(?:pour{_SP}?cent|pourcent|per{_SP}?cent|p\.{_SP}?100)(?![\w]))"

_AMOUNT_RE = re.compile(
    # "$160.1M", "$ 160.1 million", "C$12,500", "$12,500 dollars" is not a thing.
    rf"(?P<pre_cur>{_CURRENCY_BEFORE}){_SP}?(?P<pre_num>{_NUM})"
    rf"(?:{_SP}?(?P<pre_mag>{_MAG_ANY}))?"
    # "160,1 M$", "12 500 $", "115 millions de dollars", "160.1 million dollars"
    rf"|{_START}(?P<suf_num>{_NUM})(?:{_SP}?(?P<suf_mag>{_MAG_ANY}))?(?P<suf_cur>{_CURRENCY_AFTER})"
    # "90 %", "90 percent", "2,5 pour cent"
    rf"|{_START}(?P<pct_num>{_NUM})(?P<pct>{_PERCENT})"
    # "160,1 millions", "12 mille", "1.2 billion" (no currency said)
    rf"|{_START}(?P<word_num>{_NUM}){_SP}?(?P<word_mag>{_MAG_WORD})"
    # any other number
    rf"|{_START}(?P<plain_num>{_NUM})",
    re.IGNORECASE,
)

_NUMBER_WORDS: dict[str, str] = {
    # French
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    "dix": "10",
    "onze": "11",
    "douze": "12",
    "treize": "13",
    "quatorze": "14",
    "quinze": "15",
    "seize": "16",
    "dix-sept": "17",
    "dix-huit": "18",
    "dix-neuf": "19",
    "vingt": "20",
    # English
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
}
# Longest first so "dix-sept" wins over "dix".
_NUMBER_WORD_RE = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(w) for w in sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    """One number found in a text, with its value after magnitude and its kind.

    `value` is exact (Decimal): "160,1 M$" has value Decimal("160100000").
    `canonical` is what `normalize_numbers` writes in its place.
    """

    value: Decimal
    kind: AmountKind
    text: str
    start: int
    end: int
    canonical: str


def _parse_number(written: str) -> tuple[Decimal, str]:
    """Value and separator-free spelling ("2,5" -> 2.5, "2.5") of a number as written."""
    compact = re.sub(_SP, "", written)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", compact):
        compact = compact.replace(",", "")  # English thousands
    else:
        compact = compact.replace(",", ".")  # French decimal comma
    return Decimal(compact), compact


def _format_decimal(value: Decimal) -> str:
    """Shortest plain spelling of a value: no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _magnitude(mag: str | None) -> int:
    if not mag:
        return 1
    key = mag.lower()
    return _MAGNITUDE_WORDS.get(key) or _MAGNITUDE_SYMBOLS[key]


def _amount_from_match(match: re.Match[str]) -> Amount:
    groups = match.groupdict()
    if groups["pre_num"] is not None:
        value, _ = _parse_number(groups["pre_num"])
        value *= _magnitude(groups["pre_mag"])
        kind: AmountKind = "money"
        canonical = _format_decimal(value)
    elif groups["suf_num"] is not None:
        value, _ = _parse_number(groups["suf_num"])
        value *= _magnitude(groups["suf_mag"])
        kind = "money"
        canonical = _format_decimal(value)
    elif groups["pct_num"] is not None:
        value, _ = _parse_number(groups["pct_num"])
        kind = "percent"
        canonical = _format_decimal(value) + "%"
    elif groups["word_num"] is not None:
        value, _ = _parse_number(groups["word_num"])
        value *= _magnitude(groups["word_mag"])
        kind = "number"
        canonical = _format_decimal(value)
    else:
        value, canonical = _parse_number(groups["plain_num"])
        kind = "number"
    return Amount(
        value=value,
        kind=kind,
        text=match.group(0),
        start=match.start(),
        end=match.end(),
        canonical=canonical,
    )


def number_words_to_digits(text: str) -> str:
    """Small number words as digits: "huit organismes" -> "8 organismes"."""
    return _NUMBER_WORD_RE.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)


_number_words_to_digits = number_words_to_digits


def extract_amounts(text: str, kinds: tuple[AmountKind, ...] | None = None) -> list[Amount]:
    """Every number in `text`, in order, as `Amount`s (money, percent or plain number).

    Number words are not converted here: offsets refer to `text` as given. Pass
    `kinds=("money",)` to keep only amounts of money, for instance.
    """
    amounts = [_amount_from_match(m) for m in _AMOUNT_RE.finditer(text)]
    if kinds is not None:
        amounts = [a for a in amounts if a.kind in kinds]
    return amounts


def normalize_numbers(text: str) -> str:
    """`text` with every number written in one canonical way (see the module docstring).

    >>> normalize_numbers("160,1 M$") == normalize_numbers("$160.1 million")
    True
    >>> normalize_numbers("90 % de 2010-2011")
    '90% de 2010-2011'
    """
    text = _number_words_to_digits(text)
    return _AMOUNT_RE.sub(lambda m: _amount_from_match(m).canonical, text)
