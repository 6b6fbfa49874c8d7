"""Money amounts as people type them and tables hold them (`knowledge.amounts`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.amounts import is_no_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "dollars"),
    [
        ("13,7 M$", Decimal(13_700_000)),
        ("12 500 $", Decimal(12_500)),
        ("40 000,50 $", Decimal("40000.50")),
        ("115 M$", Decimal(115_000_000)),
        ("160,1 M$", Decimal(160_100_000)),
        ("12\u00a0500\u00a0$", Decimal(12_500)),
        ("12\u202f500 $", Decimal(12_500)),
        ("1,2 millions de dollars", Decimal(1_200_000)),
        ("2,5 G$", Decimal(2_500_000_000)),
        ("3 k$", Decimal(3_000)),
        ("12500", Decimal(12_500)),
        ("0 $", Decimal(0)),
    ],
)
def test_parse_amount_reads_french_amounts(text: str, dollars: Decimal) -> None:
    assert parse_amount(text) == dollars


@pytest.mark.parametrize("text", ["s. o.", "s.o.", "S. O.", "sans objet", "", "  ", "—", "n. d."])
def test_parse_amount_no_amount_is_none(text: str) -> None:
    assert parse_amount(text) is None
    assert is_no_amount(text)


@pytest.mark.parametrize(
    "text", ["-5 $", "− 12 500 $", "abc", "13,7,2 M$", "1 2 3 $", "12,500 $", "M$", "12 $ 50"]
)
def test_parse_amount_rejects_malformed_and_negative(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def _french(value: Decimal) -> str:
    """A Decimal written the French way: groups of three with spaces, decimal comma."""
    integer, _, decimals = f"{value:f}".partition(".")
    groups = f"{int(integer):,}".replace(",", " ")
    return groups + (f",{decimals}" if decimals else "")


@given(st.integers(min_value=0, max_value=10**13))
def test_parse_amount_round_trips_whole_dollars(dollars: int) -> None:
    assert parse_amount(f"{_french(Decimal(dollars))} $") == dollars


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_parse_amount_round_trips_cents(dollars: Decimal) -> None:
    assert parse_amount(f"{_french(dollars)} $") == dollars


@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=0, max_value=9))
def test_parse_amount_reads_millions(whole: int, tenth: int) -> None:
    assert (
        parse_amount(f"{_french(Decimal(whole))},{tenth} M$")
        == (Decimal(whole) + Decimal(tenth) / 10) * 1_000_000
    )


@given(st.integers(min_value=1, max_value=10**9))
def test_parse_amount_refuses_every_negative(dollars: int) -> None:
    with pytest.raises(ValueError):
        parse_amount(f"-{_french(Decimal(dollars))} $")


@given(st.text(max_size=40))
def test_parse_amount_fails_only_with_value_error(text: str) -> None:
    try:
        result = parse_amount(text)
    except ValueError:
        return
    assert result is None or result >= 0
