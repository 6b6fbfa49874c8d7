"""The detectors that tell the scorer whether a quote could hold the kind of answer wanted."""

from __future__ import annotations

import pytest

from retrieval.answer_kinds import holds, names_a_body


@pytest.mark.parametrize("quote", [
    "Mandataire : La Table des MRC de l'Estrie",
    "Promoteur : Maison des familles de Sept-Îles",
    "Promoteur : Coop L'Assiette partagée",
    "Réseau bas-laurentien des épiceries solidaires – Moisson Rimouski-Neigette : 148 000 $",
    "Le Forum de la solidarité sera coprésidé par la ministre",
])
def test_a_body_or_a_person_is_a_who_answer(quote: str) -> None:
    assert names_a_body(quote)
    assert holds("who", quote) is True


@pytest.mark.parametrize("quote", [
    "Personnes rejointes : 42",
    "la maison des jeunes est ouverte le soir",  # lower case: a common noun, not a name
    "Début : 1er avril 2025",
])
def test_a_quote_without_a_name_is_no_who_answer(quote: str) -> None:
    assert holds("who", quote) is False


def test_a_kind_without_a_detector_says_nothing() -> None:
    assert holds("other", "Statut : en cours") is None


@pytest.mark.parametrize(("quote", "held"), [
    ("- MRC d'Antoine-Labelle : 1 021 380 $", True),
    ("42 élèves inscrits et 9 bénévoles tuteurs", True),
    ("Le taux de faible revenu s'établit à 6,6 %", True),
    ("Promoteur : Maison des familles de Sept-Îles", False),
])
def test_a_quantity_is_an_amount_a_count_or_a_share(quote: str, held: bool) -> None:
    assert holds("quantity", quote) is held


@pytest.mark.parametrize(("quote", "held"), [
    ("Une halte-chaleur à Sept-Îles et une autre à Trois-Rivières", False),
    ("Les six territoires de MRC et la MRC de Deux-Montagnes", True),
    ("Sept projets ont été retenus", True),
])
def test_a_place_named_with_a_number_word_is_no_count(quote: str, held: bool) -> None:
    assert holds("count", quote) is held
