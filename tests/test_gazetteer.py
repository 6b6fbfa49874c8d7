"""The gazetteer: MRCs, towns and region numbers mapped to their Alliance territory."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.gazetteer import (
    MRCS,
    QUALIFIED_ONLY,
    TOWNS,
    find_places,
    fold_positions,
    regions_mentioned,
    territory_of_place,
)
from knowledge.regions import REGION_GROUPS, TERRITORIES, territory_names


@pytest.mark.parametrize(
    ("text", "territory"),
    [
        ("la MRC de Joliette", "Lanaudière"),
        ("la MRC des Collines-de-l'Outaouais", "Outaouais"),
        ("la MRC du Fjord-du-Saguenay", "Saguenay-Lac-Saint-Jean"),
        ("la MRC de La Haute-Gaspésie", "Gaspésie"),
        ("la MRC de Memphrémagog", "Estrie"),
        ("la MRC des Chenaux", "Mauricie"),
        ("la MRC de La Vallée-de-l'Or", "Abitibi-Témiscamingue"),
        ("MRC d’Antoine-Labelle", "Laurentides"),
        ("la MRC du Granit", "Estrie"),
        ("la MRC de L'Islet", "Chaudière-Appalaches"),
        ("l'agglomération de La Tuque", "Mauricie"),
        ("la Ville de Lévis", "Chaudière-Appalaches"),
        ("la ville de Québec", "Capitale-Nationale"),
        ("à St-Jérôme", "Laurentides"),
        ("à Saint-Lin–Laurentides", "Lanaudière"),
        ("à Cap-aux-Meules", "Îles-de-la-Madeleine"),
        ("à Kuujjuaq", "Kativik"),
        ("à Chisasibi", "Nation crie"),
        ("à Chibougamau", "Baie-James"),
        ("en Chaudière-Appalaches", "Chaudière-Appalaches"),
        ("au BSL", "Bas-Saint-Laurent"),
        ("la région 07", "Outaouais"),
    ],
)
def test_places_map_to_their_territory(text: str, territory: str) -> None:
    places = find_places(text)
    assert [place.territory for place in places] == [territory]
    assert text.endswith(places[0].text) or places[0].text in text


@pytest.mark.parametrize(
    "text",
    [
        "les sources de financement",  # "Les Sources" only as "MRC des Sources"
        "une tuque et des mitaines",  # the hat, not La Tuque
        "le gouvernement du Québec",  # the province, not the city
        "Université Laval",
        "500, boulevard des Laurentides",
        "les chenaux du fleuve",
        "au bsl",  # an acronym counts in capitals only
        "le 02 mars",
        "le fleuve Saint-Laurent",
    ],
)
def test_words_that_are_not_places(text: str) -> None:
    assert find_places(text) == []


def test_mrc_list_covers_quebec() -> None:
    mrcs = [name for names in MRCS.values() for name in names]
    assert len(mrcs) >= 85
    assert len(set(mrcs)) == len(mrcs)
    assert set(MRCS) | set(TOWNS) <= set(territory_names())
    # Every territory but the First Nations commission has places of its own.
    with_places = set(MRCS) | set(TOWNS)
    assert set(territory_names()) - with_places <= {"CSSSPNQL", "Laval", "Montréal"}
    listed = {name for names in (*MRCS.values(), *TOWNS.values()) for name in names}
    assert not QUALIFIED_ONLY - listed


def test_no_name_maps_to_two_territories() -> None:
    seen: dict[str, str] = {}
    for table in (MRCS, TOWNS):
        for territory, names in table.items():
            for name in names:
                key = " ".join(fold_positions(name).split())
                assert seen.setdefault(key, territory) == territory, name


def test_regions_mentioned_counts_and_groups() -> None:
    text = (
        "La MRC de Portneuf et Saint-Raymond, dans la Capitale-Nationale. "
        "En Gaspésie–Îles-de-la-Madeleine, Gaspé. Puis Gatineau."
    )
    assert regions_mentioned(text) == Counter(
        {
            "Capitale-Nationale": 3,
            "Gaspésie-Îles-de-la-Madeleine": 1,
            "Gaspésie": 1,
            "Outaouais": 1,
        }
    )
    assert "Gaspésie-Îles-de-la-Madeleine" in REGION_GROUPS


def test_territory_of_a_place_typed_alone() -> None:
    assert territory_of_place("MRC de Joliette") == "Lanaudière"
    assert territory_of_place("Rouyn-Noranda") == "Abitibi-Témiscamingue"
    assert territory_of_place("Matanie") == "Bas-Saint-Laurent"
    assert territory_of_place("nulle part") is None


def test_every_territory_name_is_found() -> None:
    for territory in TERRITORIES:
        if territory.name == "CSSSPNQL":
            continue
        found = find_places(f"Une page sur {territory.name}.")
        assert [p.territory for p in found] == [territory.name]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_find_places_never_raises_and_spans_are_the_text(text: str) -> None:
    assert len(fold_positions(text)) == len(text)
    for place in find_places(text):
        assert text[place.start : place.end] == place.text
