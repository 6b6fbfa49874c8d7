"""Region names as staff type them, and suggestions for the misspelt ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.folding import fold, fold_key
from knowledge.regions import (
    UnknownRegionError,
    find_regions_in_text,
    mentions_other_province,
    resolve_region,
    territories_in,
    territory_names,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Mauricie", "Mauricie"),
        ("monteregie", "Montérégie"),
        ("BSL", "Bas-Saint-Laurent"),
        ("cn", "Côte-Nord"),
        ("Saguenay–Lac-Saint-Jean", "Saguenay-Lac-Saint-Jean"),
        ("Nord-du-Québec", "Nord-du-Québec"),
        ("îles de la madeleine", "Îles-de-la-Madeleine"),
        ("Premières Nations", "CSSSPNQL"),
    ],
)
def test_resolve_region_accepts_what_staff_type(typed: str, expected: str) -> None:
    assert resolve_region(typed) == expected


def test_unknown_region_suggests_the_closest() -> None:
    with pytest.raises(UnknownRegionError) as raised:
        resolve_region("Mauricy")
    assert raised.value.suggestions[0] == "Mauricie"
    assert "Vouliez-vous dire" in str(raised.value)


def test_a_group_covers_its_territories() -> None:
    assert territories_in("Nord-du-Québec") == ("Baie-James", "Nation crie", "Kativik")
    assert territories_in("Estrie") == ("Estrie",)


def test_regions_found_in_free_text_in_order() -> None:
    found = find_regions_in_text("Qui gère le FQIS au BSL et en Mauricie ?")
    assert found == ["Bas-Saint-Laurent", "Mauricie"]
    assert find_regions_in_text("at the end of the day") == []  # "AT" only in capitals


def test_other_provinces_are_recognised() -> None:
    assert mentions_other_province("Qui est le mandataire en Ontario ?") == "Ontario"
    assert mentions_other_province("Qui est le mandataire en Estrie ?") is None


def test_every_territory_resolves_to_itself() -> None:
    for name in territory_names():
        assert resolve_region(name) == name


@given(st.text(max_size=60))
def test_fold_is_idempotent_and_never_raises(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold_key(fold_key(text)) == fold_key(text)
