"""Region names as staff type them, and suggestions for the misspelt ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.folding import fold, fold_key
from knowledge.regions import (
    TERRITORIES,
    UnknownRegionError,
    find_regions_in_text,
    mentions_other_province,
    replace_aliases,
    resolve_region,
    territories_in,
    territory_for_code,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qui gere l'enveloppe fqis au bsl", ["Bas-Saint-Laurent"]),
        ("gim c qui les mandataires", ["Gaspésie"]),
        ("slsj pis cdq", ["Saguenay-Lac-Saint-Jean", "Centre-du-Québec"]),
        ("l'aide aux devoirs de Sept-Îles", []),  # a town of the Côte-Nord, not the Îles
        ("aux Îles, qui est mandataire ?", ["Îles-de-la-Madeleine"]),
    ],
)
def test_acronyms_typed_in_lowercase_in_chat(text: str, expected: list[str]) -> None:
    assert find_regions_in_text(text) == expected
    assert all(name in replace_aliases(text) for name in expected)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Que finance l'Alliance 02 ?", ["Saguenay-Lac-Saint-Jean"]),
        ("les projets de la région 07", ["Outaouais"]),
        ("Qui est mandataire de l'APS 04?", ["Mauricie"]),
        ("Alliance régionale pour la solidarité 02", ["Saguenay-Lac-Saint-Jean"]),
        ("région administrative 17", ["Centre-du-Québec"]),
        ("la région 10", ["Nord-du-Québec"]),
        ("région 11 et Estrie", ["Gaspésie-Îles-de-la-Madeleine", "Estrie"]),
        ("en Estrie, puis l'Alliance 03", ["Estrie", "Capitale-Nationale"]),
    ],
)
def test_region_numbers_next_to_region_or_alliance(text: str, expected: list[str]) -> None:
    assert find_regions_in_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Le 02 mars, la réunion",  # a bare number is not a region
        "l'Alliance 2019-2023 est terminée",
        "l'Alliance 10 ans plus tard",
        "la région 18",
        "région 07 projets",  # a count of projects
        "Rapport 04 de la table",
    ],
)
def test_numbers_that_are_not_regions(text: str) -> None:
    assert find_regions_in_text(text) == []


@given(st.integers(min_value=1, max_value=17), st.sampled_from(["région", "Alliance", "APS"]))
def test_every_region_number_names_its_territory(number: int, word: str) -> None:
    found = find_regions_in_text(f"Parlons de {word} {number:02d}.")
    assert len(found) == 1
    assert territory_for_code(f"{number:02d}") == found[0]
    codes = {t.code for t in TERRITORIES if t.name in territories_in(found[0])}
    assert codes == {f"{number:02d}"}
