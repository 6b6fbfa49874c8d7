"""The action plans' registry and how text and people name them (`knowledge.plans`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.plans import normalize_period, resolve_plan


@given(st.integers(min_value=1990, max_value=2090), st.integers(min_value=1, max_value=9))
def test_normalize_period(start: int, length: int) -> None:
    end = start + length
    expected = f"{start}-{end}"
    assert normalize_period(f"{start}-{end}") == expected
    assert normalize_period(f"{start}–{str(end)[2:]}") == expected
    assert normalize_period(f"{start}/{end}") == expected
    assert normalize_period(f"{end}-{start}") is None


@pytest.mark.parametrize(
    ("typed", "plan"),
    [
        ("PSIS", "PSIS"),
        ("pagiéps", "PAGIEPS"),
        ("PAGIEPS", "PAGIEPS"),
        ("Plan 2004-2010", "plan-2004-2010"),
        ("premier plan", "plan-2004-2010"),
        ("2010-2015", "PSIS"),
        ("troisième plan", "PAGIEPS"),
        ("Plan 2024-2029", "plan-2024-2029"),
        ("n'importe quoi", None),
    ],
)
def test_resolve_plan(typed: str, plan: str | None) -> None:
    assert resolve_plan(typed) == plan
