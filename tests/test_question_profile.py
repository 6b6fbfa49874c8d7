"""What a question asks for: the kind of answer read from its interrogative words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.question_profile import answer_type_of, profile_question

KINDS = {"amount", "percent", "count", "date", "who", "list", "definition", "other"}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Quel est le montant de l'enveloppe en Estrie ?", "amount"),
        ("Combien a coûté la mesure 1.1 en 2012-2013 ?", "amount"),
        ("Combien de projets ont été retenus en Gaspésie ?", "count"),
        # A bare « combien » asks how much as readily as how many; « $ » asks for money.
        ("laval a eu combien pour l'APS 2024-2029?", "quantity"),
        ("combien $ pour la mrc d'antoine-labelle dans l'aps laurentides", "amount"),
        ("Quelle est la date limite de l'appel de projets ?", "date"),
        ("Qui est le mandataire au Bas-Saint-Laurent ?", "who"),
        ("C'est quoi la mission du Forum de la solidarité ?", "definition"),
        ("Quels sont les signataires des Alliances ?", "list"),
        ("What share of the FQIS goes to national projects?", "percent"),
        # A who or when asked first decides; the money words are what it is asked about.
        ("Qui gère l'enveloppe FQIS à Laval ?", "who"),
        ("Quel organisme gère l'enveloppe du FQIS en Outaouais ?", "who"),
        ("Who manages the FQIS envelope for the Mauricie?", "who"),
        ("Avant quelle date les sommes doivent-elles être engagées ?", "date"),
        # A relative "qui" after the interrogative does not.
        ("Combien la région aura-t-elle pour l'Alliance qui suivra ?", "quantity"),
        ("Qu'est-ce qui découle de la loi contre la pauvreté ?", "definition"),
    ],
)
def test_the_kind_of_answer_a_question_wants(question: str, kind: str) -> None:
    assert answer_type_of(question) == kind


@given(st.text(max_size=80))
def test_every_text_gets_one_known_kind(text: str) -> None:
    assert answer_type_of(text) in KINDS


def test_a_profile_reads_territories_typed_in_lowercase_acronyms() -> None:
    profile = profile_question("qui gere l'enveloppe fqis au bsl", "fr")
    assert profile.regions == ["Bas-Saint-Laurent"]
    assert profile.answer_type == "who"


@pytest.mark.parametrize(
    ("question", "territories"),
    [
        ("Quelle est la date limite dans la MRC de Kamouraska ?", ["Bas-Saint-Laurent"]),
        ("Combien d'élèves à l'aide aux devoirs de Sept-Îles ?", ["Côte-Nord"]),
        ("Combien pour Sherbrooke et Gatineau ?", ["Estrie", "Outaouais"]),
        ("Qui gère l'APS en Outaouais ?", ["Outaouais"]),
    ],
)
def test_a_question_about_an_mrc_or_a_town_is_about_its_territory(
    question: str, territories: list[str]
) -> None:
    assert profile_question(question, "fr").regions == territories


def test_a_region_group_named_beside_its_parts_is_not_added_again() -> None:
    question = "Quel organisme est mandataire en Gaspésie–Îles-de-la-Madeleine ?"
    assert profile_question(question, "fr").regions == ["Gaspésie", "Îles-de-la-Madeleine"]


GLOSSARY = {
    "APS": ("Alliance pour la solidarité",),
    "FQIS": ("Fonds québécois d'initiatives sociales",),
}


def _expand(acronym: str) -> tuple[str, ...]:
    return GLOSSARY.get(acronym, ())


@pytest.mark.parametrize(
    "question",
    ["qui gère l'aps en outaouais", "aps 07 mandataire?", "Qui gère l'APS en Outaouais ?"],
)
def test_an_acronym_typed_in_any_case_is_a_name_with_its_phrase(question: str) -> None:
    names = profile_question(question, "fr", _expand).names
    assert [(name.text.upper(), name.phrases) for name in names] == [
        ("APS", ("Alliance pour la solidarité",))
    ]
    assert frozenset({"allianc", "solidarit"}) in names[0].forms


def test_a_lowercase_word_nothing_defines_is_no_name() -> None:
    assert profile_question("qui gère les projets en outaouais", "fr", _expand).names == []


def test_the_search_text_spells_out_only_acronyms_the_documents_never_write() -> None:
    profile = profile_question("combien du fqis pour l'aps au bsl", "fr", _expand)
    written = {"fqis", "allianc", "solidarit"}
    assert profile.search_text(written.__contains__) == (
        "combien du fqis pour l'aps au bsl (Alliance pour la solidarité)"
    )
    assert profile.search_text(lambda _stem: True) == profile.text


@given(st.text(max_size=60))
def test_the_search_text_starts_with_the_question(text: str) -> None:
    profile = profile_question(text, "fr", _expand)
    assert profile.search_text(lambda _stem: False).startswith(text)
