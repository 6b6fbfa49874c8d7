"""The catalog answerer: question intents (French, English, chat style) -> exact facts with
their source; [] whenever the catalog cannot answer for sure."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_catalog_snippets import SNIPPET_DOCUMENTS

from knowledge.catalog import build_catalog
from retrieval.catalog_answers import CatalogAnswerer, CatalogHit
from retrieval.catalog_answers_intents import parse_question

PAGE = "mtess-alliances-mandataires-regions-2019-2023.txt"
SHEET_1_1 = "psis-2010-2011-rapport-mesure-1.1-alliances.md"
SHEET_1_3 = "psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt"
SLIDES = "colloque-revitalisation-2014-alliances-presentation.txt"
CONTEXT = "mise-en-contexte-alliances-pagieps.md"


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> CatalogAnswerer:
    path = tmp_path_factory.mktemp("catalog-answers") / "catalog.db"
    build_catalog(path, SNIPPET_DOCUMENTS)
    return CatalogAnswerer(path)


def _one(hits: list[CatalogHit]) -> CatalogHit:
    assert len(hits) == 1, [hit.text for hit in hits]
    return hits[0]


# -- mandataires ---------------------------------------------------------------------------

MAURICIE = (
    "Le mandataire de l'Alliance pour la solidarité en Mauricie est : "
    "Consortium en développement social de la Mauricie."
)


@pytest.mark.parametrize(
    "question",
    [
        "qui gère le FQIS en Mauricie",
        "Qui est le mandataire de l'Alliance en Mauricie ?",
        "mandataire mauricie",
        "c ki le mandataire en mauricie",
        "Who manages the Alliance in Mauricie?",
        "who runs the alliance in Trois-Rivières",
        "Quel organisme est responsable de l'Alliance pour la solidarité en Mauricie ?",
    ],
)
def test_mandataire_of_a_territory(answerer: CatalogAnswerer, question: str) -> None:
    hit = _one(answerer.lookup(question))
    assert hit.text == MAURICIE
    assert (hit.source_file, hit.section, hit.intent) == (PAGE, "Mauricie", "mandataire")
    assert hit.facts["mandataire"] == "Consortium en développement social de la Mauricie"
    assert hit.confidence >= 0.9


@pytest.mark.parametrize(
    ("question", "territory", "mandataire"),
    [
        ("mandataire BSL", "Bas-Saint-Laurent", "Collectif régional de développement (CRD)"),
        ("mandataire bsl", "Bas-Saint-Laurent", "Collectif régional de développement (CRD)"),
        ("Who manages the Alliance in Estrie?", "Estrie", "La Table des MRC de l’Estrie"),
        ("qui gere l'alliance sur la cote nord", "Côte-Nord", "Assemblée des MRC de la Côte-Nord"),
        ("mandataire pour les Premières Nations", "CSSSPNQL", "CSSSPNQL"),
    ],
)
def test_mandataire_abbreviations_english_chat(
    answerer: CatalogAnswerer, question: str, territory: str, mandataire: str
) -> None:
    hit = _one(answerer.lookup(question))
    assert (hit.facts["territory"], hit.facts["mandataire"]) == (territory, mandataire)
    assert hit.section == territory


def test_mandataires_of_a_region_group_and_of_the_filter(answerer: CatalogAnswerer) -> None:
    hits = answerer.lookup("Qui est le mandataire au Nord-du-Québec ?")
    assert [hit.section for hit in hits] == ["Baie-James", "Nation crie", "Kativik"]
    hit = _one(answerer.lookup("Qui est le mandataire ?", region="Estrie"))
    assert hit.facts["territory"] == "Estrie"
    # The question's own territory wins over the conversation's filter.
    assert _one(answerer.lookup("mandataire en Mauricie ?", region="Estrie")).text == MAURICIE


@pytest.mark.parametrize(
    ("question", "territories"),
    [
        ("Quels mandataires sont des Tables ?", ["Estrie", "Lanaudière", "Centre-du-Québec"]),
        ("liste des conférences des préfets", ["Outaouais", "Abitibi-Témiscamingue"]),
        ("which mandataires are tables des MRC", ["Estrie", "Centre-du-Québec"]),
        ("Quelles régions sont gérées par une Table des MRC ?", ["Estrie", "Centre-du-Québec"]),
    ],
)
def test_mandataires_of_a_kind(
    answerer: CatalogAnswerer, question: str, territories: list[str]
) -> None:
    hit = _one(answerer.lookup(question))
    assert hit.intent == "mandataires"
    assert [m["territory"] for m in hit.facts["mandataires"]] == territories
    assert hit.source_file == PAGE
    assert hit.section == "Alliances pour la solidarité : mandataires et projets par région"


def test_every_mandataire(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Quels sont les mandataires ?"))
    assert len(hit.facts["mandataires"]) == 14
    assert hit.text.startswith("Mandataires des Alliances pour la solidarité (14) : ")


# -- measures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Coût de la mesure 1.1 en 2010-2011",
        "cout mesure 1.1 2010-11",
        "combien a coûté la mesure 1,1 en 2010/2011 ?",
        "What was the cost of measure 1.1 in 2010-2011?",
        "coût de la mesure 1.1 du PSIS en 2010-2011",
    ],
)
def test_cost_of_a_measure_in_a_year(answerer: CatalogAnswerer, question: str) -> None:
    hit = _one(answerer.lookup(question))
    assert hit.text == "Coût de la mesure 1.1 du PSIS en 2010-2011 : 13,7 M$."
    assert (hit.source_file, hit.section) == (SHEET_1_1, "COÛT DE LA MESURE")
    assert hit.facts["amount_dollars"] == "13700000"


def test_cost_of_a_measure_every_year(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Combien coûte la mesure 1.1 ?"))
    assert hit.text == (
        "Coût de la mesure 1.1 du PSIS, par année financière : s. o. (sans objet) de "
        "2004-2005 à 2009-2010 ; 13,7 M$ en 2010-2011."
    )
    assert len(hit.facts["costs"]) == 7
    hit = _one(answerer.lookup("coût de la mesure 1.3 en 2010-2011"))
    assert hit.text == "Coût de la mesure 1.3 du PSIS en 2010-2011 : s. o. (sans objet)."
    assert hit.source_file == SHEET_1_3


def test_a_measure_without_cost_table_gives_the_amount_stated_for_it(
    answerer: CatalogAnswerer,
) -> None:
    hit = _one(answerer.lookup("budget de la mesure 11"))
    assert "160 M$" in hit.text and hit.source_file == CONTEXT
    assert hit.confidence < 0.9


@pytest.mark.parametrize(
    ("question", "intent", "text", "section"),
    [
        (
            "Quel est le titre de la mesure 1.3 ?",
            "title",
            "Titre de la mesure 1.3 du PSIS : « Implanter le Forum de la solidarité au sein "
            "de la Table Québec-Régions ».",
            "RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        ),
        (
            "Quel ministère est responsable de la mesure 3.2 ?",
            "ministry",
            "Ministères ou organismes responsables de la mesure 3.2 du PAGIEPS : MAPAQ, MTESS, "
            "MSSS.",
            "AXE 3 DU PLAN D'ACTION",
        ),
        (
            "which ministry is responsible for measure 1.1",
            "ministry",
            "Ministère ou organisme responsable de la mesure 1.1 du PSIS : Ministère de "
            "l'Emploi et de la Solidarité sociale (MESS).",
            "RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        ),
        (
            "À quelle orientation se rattache la mesure 1.1 ?",
            "orientation",
            "Orientation du PSIS dont relève la mesure 1.1 (orientation 1) : « Revoir nos "
            "façons de faire et rapprocher les décisions des milieux locaux et régionaux ».",
            "RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        ),
        (
            "clientele rejointe mesure 1.1",
            "clientele",
            "Clientèle rejointe par la mesure 1.1 du PSIS en 2010-2011 : Acteurs régionaux, "
            "supralocaux et locaux concernés par le développement des communautés et la lutte "
            "contre la pauvreté et l'exclusion sociale.",
            "CLIENTÈLE REJOINTE",
        ),
        (
            "next steps for measure 1.3",
            "next_steps",
            "Étapes à venir pour la mesure 1.3 du PSIS : Premier Forum de la solidarité prévu "
            "à l'hiver 2012.",
            "ÉTAPES À VENIR",
        ),
    ],
)
def test_measure_fields(
    answerer: CatalogAnswerer, question: str, intent: str, text: str, section: str
) -> None:
    hit = _one(answerer.lookup(question))
    assert (hit.intent, hit.text, hit.section) == (intent, text, section)


def test_next_steps_list_every_step(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Quelles sont les prochaines étapes de la mesure 1.1 ?"))
    assert hit.text.count(" ; ") == 4
    assert len(hit.facts["next_steps"]) == 5


def test_what_is_a_measure(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("c'est quoi la mesure M11"))
    assert hit.text.startswith("La mesure 11 du PAGIEPS : « Poursuivre les Alliances pour la")
    assert hit.facts["funded_by"] == "FQIS"
    assert _one(answerer.lookup("mesure 3.2")).facts["ministry"] == "MAPAQ, MTESS, MSSS"


# -- plans ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "plan", "first"),
    [
        ("Quelles sont les orientations du PSIS ?", "PSIS", "Revoir nos façons de faire"),
        ("orientations du plan 2010-2015", "PSIS", "Revoir nos façons de faire"),
        ("axes du PAGIÉPS", "PAGIEPS", "Sortir plus de 100 000 personnes"),
        ("What are the orientations of the third plan?", "PAGIEPS", "Sortir plus de 100 000"),
        ("orientations of the first plan", "plan-2004-2010", "Offrir un soutien du revenu"),
        ("les axes du premier plan d'action 2004-2010", "plan-2004-2010", "Offrir un soutien"),
    ],
)
def test_orientations_of_a_plan(
    answerer: CatalogAnswerer, question: str, plan: str, first: str
) -> None:
    hit = _one(answerer.lookup(question))
    assert hit.intent == "orientations" and hit.facts["plan"] == plan
    assert [o["number"] for o in hit.facts["orientations"]] == [1, 2, 3, 4]
    assert hit.facts["orientations"][0]["text"].startswith(first)
    assert hit.text.startswith("Les 4 orientations du ")
    assert hit.source_file == CONTEXT and "(4 orientations/axes)" in hit.section


def test_orientations_from_the_filter_one_orientation_and_all_plans(
    answerer: CatalogAnswerer,
) -> None:
    assert (
        _one(answerer.lookup("Quelles sont les orientations ?", plan="PSIS")).facts["plan"]
        == "PSIS"
    )
    named = _one(answerer.lookup("orientations du PSIS", plan="Plan 2024-2029"))
    assert named.facts["plan"] == "PSIS"  # the question's own plan wins over the filter
    axis, listed = answerer.lookup("quel est l'axe 3 du PAGIEPS")
    assert axis.text == (
        "Axe 3 du PAGIEPS : « Favoriser la participation sociale des personnes et des familles "
        "à faible revenu et mobiliser les milieux »."
    )
    assert axis.section == "AXE 3 DU PLAN D'ACTION"
    assert listed.text.startswith("Orientation 3 du PAGIEPS : « Favoriser la participation des")
    first, second = answerer.lookup("quelle est l'orientation 3 du PAGIEPS")
    assert (first.text, second.text) == (listed.text, axis.text)
    hits = answerer.lookup("les orientations des trois plans")
    assert [hit.facts["plan"] for hit in hits] == ["plan-2004-2010", "PSIS", "PAGIEPS"]


# -- funding and counts --------------------------------------------------------------------


def test_fqis_amount_and_split(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Quel est le montant du FQIS pour le PSIS ?"))
    assert hit.text == "Le FQIS est doté de 115 M$ pour les cinq années du PSIS (2010-2015)."
    assert (hit.source_file, hit.section) == (
        SLIDES,
        "Diapositive 9 : LES ALLIANCES POUR LA SOLIDARITÉ : FINANCEMENT",
    )
    for question in ("Comment est réparti le FQIS ?", "How is the FQIS split?"):
        split = answerer.lookup(question)[0]
        assert split.intent == "split"
        assert [s["value_text"] for s in split.facts["shares"]] == ["90 %", "3 %", "7 %"]
        assert "90 % de cette enveloppe est réservée au financement des Alliances avec les CRÉ" in (
            split.text
        )
        assert "7 % au soutien de projets de portée nationale" in split.text


def test_pagieps_amount(answerer: CatalogAnswerer) -> None:
    hits = answerer.lookup("Combien le PAGIEPS prévoit-il pour les Alliances ?")
    assert hits[0].text == (
        "LE PAGIEPS prévoit des investissements totaux de 160,1 M$ du FQIS dans le cadre des "
        "Alliances pour la solidarité (2017-2023)."
    )
    assert hits[0].source_file == PAGE and hits[0].confidence >= 0.9
    assert all(hit.facts["plan"] == "PAGIEPS" for hit in hits)
    split = answerer.lookup("Comment l'enveloppe du PAGIEPS est-elle répartie ?")
    assert [hit.facts["value_text"] for hit in split] == ["160 M$", "160,1 M$"]
    assert split[0].text.startswith("L'enveloppe de 160 M$ pour cette mesure est répartie")


def test_fqis_amount_without_a_plan_gives_each_plan(answerer: CatalogAnswerer) -> None:
    hits = answerer.lookup("How much money does the FQIS have?")
    assert [hit.facts["value_text"] for hit in hits] == ["160,1 M$", "115 M$"]


def test_amount_paid_to_a_territory(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Combien Montréal a-t-elle reçu du FQIS ?"))
    assert hit.facts["value_text"] == "12,5 M$" and hit.source_file == SHEET_1_1


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("combien d'Alliances ?", "Alliances (22)"),
        ("how many alliances were signed", "Alliances (22)"),
        ("combien de projets en Chaudière-Appalaches ?", "27 projets"),
        ("combien de communautés des Premières Nations ?", "29 communautés"),
    ],
)
def test_counts(answerer: CatalogAnswerer, question: str, value: str) -> None:
    assert _one(answerer.lookup(question)).facts["value_text"] == value


# -- projects ------------------------------------------------------------------------------


def test_example_projects(answerer: CatalogAnswerer) -> None:
    hits = answerer.lookup("Donne-moi des exemples de projets")
    assert [hit.section for hit in hits] == [
        "Diapositive 14 : Quelques exemples de projets issus des Alliances pour la solidarité",
        "Abitibi-Témiscamingue",
        "Nation crie",
    ]
    assert len(hits[0].facts["projects"]) == 5
    assert "Les maraîchers du cœur" in hits[0].text and "La Soupière" in hits[0].text


@pytest.mark.parametrize(
    ("question", "region", "name"),
    [
        ("example projects in Abitibi", None, "Lucioles (Relevailles Vallée de l’Or)"),
        ("quels projets en Abitibi-Témiscamingue", None, "Lucioles (Relevailles Vallée de l’Or)"),
        ("Quels projets ?", "Abitibi-Témiscamingue", "Lucioles (Relevailles Vallée de l’Or)"),
        (
            "exemples de projets de la Nation crie",
            None,
            "Programme concentration sport-études (communauté d’Eastmain)",
        ),
    ],
)
def test_example_projects_of_a_territory(
    answerer: CatalogAnswerer, question: str, region: str | None, name: str
) -> None:
    hit = _one(answerer.lookup(question, region=region))
    assert [p["name"] for p in hit.facts["projects"]] == [name]
    assert hit.source_file == PAGE


def test_projects_of_a_territory_with_only_a_count(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("quels projets en Chaudière-Appalaches ?"))
    assert hit.facts["value_text"] == "27 projets" and hit.section == "Chaudière-Appalaches"


# -- found by words, spans, sources -----------------------------------------------------


def test_a_measure_found_by_the_words_of_its_title(answerer: CatalogAnswerer) -> None:
    hit = _one(
        answerer.lookup(
            "Quelle mesure du PAGIEPS prévoit la poursuite des Alliances pour la solidarité ?"
        )
    )
    assert hit.facts["number"] == "11" and hit.confidence < 0.9
    hit = _one(answerer.lookup("Quel ministère est responsable de la sécurité alimentaire ?"))
    assert hit.text.endswith("mesure 3.2 du PAGIEPS : MAPAQ, MTESS, MSSS.")
    for question, number in (
        ("Quel est le numéro de la mesure du PSIS portant sur le Forum de la solidarité ?", "1.3"),
        (
            "Quel est le numéro de la mesure du PSIS qui crée les Alliances pour la solidarité ?",
            "1.1",
        ),
    ):
        assert _one(answerer.lookup(question)).facts["number"] == number


def test_measures_of_an_axis_and_a_plans_period(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Quelles sont les mesures de l'axe 3 du PAGIEPS ?"))
    assert [m["number"] for m in hit.facts["measures"]] == ["3.1", "3.2", "3.3", "3.8", "11", "12"]
    assert "M 11 - Poursuivre les Alliances pour la solidarité (FQIS)" in hit.text
    hit = _one(answerer.lookup("Quelle est la période couverte par le premier plan d'action ?"))
    assert hit.text.endswith("couvre la période 2004-2010.")


def test_a_span_of_fiscal_years(answerer: CatalogAnswerer) -> None:
    hit = _one(answerer.lookup("Quel était le coût de la mesure 1.1 de 2004-2005 à 2009-2010 ?"))
    assert hit.text == (
        "Coût de la mesure 1.1 du PSIS, par année financière : s. o. (sans objet) de 2004-2005 "
        "à 2009-2010."
    )


def test_a_source_named_by_its_year(answerer: CatalogAnswerer) -> None:
    hits = answerer.lookup("Quels exemples de projets la présentation de 2014 donne-t-elle ?")
    assert [hit.source_file for hit in hits] == [SLIDES]
    assert _one(answerer.lookup("whats the FQIS split in the 2014 deck")).intent == "split"


def test_quoted_amounts_shares_of_a_territory_and_measures_paid_in_one(
    answerer: CatalogAnswerer,
) -> None:
    hit = answerer.lookup("la grosse enveloppe de 160 M$ est repartie comment")[0]
    assert hit.text.startswith("L'enveloppe de 160 M$ pour cette mesure est répartie")
    hit = _one(answerer.lookup("Quelle part de l'enveloppe du FQIS va à la CSSSPNQL ?"))
    assert hit.facts["value_text"] == "3 %"
    hit = _one(answerer.lookup("How much was paid to the Ville de Montréal under measure 1.1?"))
    assert hit.facts["value_text"] == "12,5 M$"
    share = answerer.lookup(
        "Quelle part des sommes du FQIS soutient des actions locales et régionales ?"
    )[0]
    assert share.facts["value_text"] == "93 %"


# -- never a guess -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "region", "plan"),
    [
        ("", None, None),
        ("bonjour", None, None),
        ("Qu'est-ce qu'une Alliance pour la solidarité ?", None, None),
        ("Quel est le rôle du mandataire ?", None, None),
        ("Qui est le mandataire ?", None, None),
        ("mandataire en Floride", None, None),
        ("quels projets en floride", None, None),
        ("Qui gère l'Alliance en Ontario ?", None, None),
        ("who manages the alliance in New Brunswick", None, None),
        ("Qui est le mandataire au Saguenay ?", None, None),  # not on the snippet page
        ("Qui est le mandataire en Mauricie en 2012 ?", None, None),
        ("Qui est le mandataire en Mauricie ?", None, "PSIS"),
        ("coût de la mesure 1.1 en 2015-2016", None, None),
        ("coût de la mesure 1.1 en 2010", None, None),
        ("coût de la mesure 1.1 en 2010-2011 et 2011-2012", None, None),
        ("coût de la mesure 1.1 en Mauricie", None, None),
        ("coût de la mesure 9.9", None, None),
        ("mesure 1.1 du PAGIEPS", None, None),
        ("Qui est responsable de la mesure 11 ?", None, None),
        ("Quelles sont les orientations ?", None, None),
        ("orientations du plan 2012-2016", None, None),
        ("orientations du plan 2024-2029", None, None),
        ("Quelles sont les orientations ?", None, "Plan 2024-2029"),
        ("budget du FQIS en Mauricie", None, None),
        ("budget du FQIS en 2012", None, None),
        ("Combien coûte le PAGIEPS ?", None, None),
        ("combien de projets ?", None, None),
        ("combien d'alliances en 2020", None, None),
        ("projets en Mauricie", None, None),
        ("Qui est responsable de la Table Québec-Régions ?", None, None),
        ("Quelle est l'adresse courriel du mandataire des Laurentides ?", None, None),
        ("Quel est le rôle du mandataire en Estrie ?", None, None),
        ("Combien reçoit le mandataire de l'Estrie ?", None, None),
        ("Par qui les organismes mandataires sont-ils désignés ?", None, None),
        ("Que visent les Alliances selon le rapport de la mesure 1.1 ?", None, None),
        ("Quand le PSIS 2010-2015 a-t-il été lancé ?", None, None),
        ("À quelles échelles les Alliances soutiennent-elles les projets ?", None, None),
        (
            "Sur quelles terres s'étend le territoire du Gouvernement de la nation crie ?",
            None,
            None,
        ),
    ],
)
def test_returns_nothing_when_unsure(
    answerer: CatalogAnswerer, question: str, region: str | None, plan: str | None
) -> None:
    assert answerer.lookup(question, region=region, plan=plan) == []


def test_no_database_no_hits(tmp_path: Path) -> None:
    answerer = CatalogAnswerer(tmp_path / "absent.db")
    assert answerer.lookup("qui gère le FQIS en Mauricie") == []
    assert not (tmp_path / "absent.db").exists()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_lookup_never_raises(answerer: CatalogAnswerer, question: str) -> None:
    hits = answerer.lookup(question)
    assert all(isinstance(hit, CatalogHit) and hit.source_file and hit.text for hit in hits)


words = st.sampled_from(
    [
        "mandataire",
        "mesure",
        "1.1",
        "coût",
        "2010-2011",
        "FQIS",
        "PSIS",
        "projets",
        "Estrie",
        "orientations",
        "combien",
        "en",
        "de",
        "la",
        "BSL",
        "réparti",
        "M 11",
        "2012",
        "Ontario",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(words, max_size=8))
def test_hits_always_cite_a_known_source(answerer: CatalogAnswerer, parts: list[str]) -> None:
    known = {info.doc_id for info, _ in SNIPPET_DOCUMENTS}
    for hit in answerer.lookup(" ".join(parts)):
        assert hit.source_file in known and hit.section and 0 < hit.confidence <= 1


def test_parse_question_entities() -> None:
    parsed = parse_question("Coût de la mesure M 11 du PAGIÉPS en 2019-20, region SLSJ ?")
    assert parsed.measure_numbers == ("11",)
    assert parsed.plans == ("PAGIEPS",)
    assert parsed.fiscal_years == ("2019-2020",)
    assert parsed.regions == ("Saguenay-Lac-Saint-Jean",)
    assert parse_question("13,7 M$ en 2010").measure_numbers == ()
    assert parse_question("Qui gère en Ontario ?").other_province == "Ontario"
    assert parse_question("projets en Floride").unknown_place == "Floride"


# -- the real shipped documents, through the loader ----------------------------------------


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> CatalogAnswerer:
    from knowledge.loaders import load_document
    from knowledge.manifest import shipped_documents

    path = tmp_path_factory.mktemp("shipped-catalog") / "catalog.db"
    build_catalog(path, [(doc, load_document(doc.path).text) for doc in shipped_documents()])
    return CatalogAnswerer(path)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("qui gère le FQIS en Mauricie", MAURICIE),
        (
            "mandataire slsj",
            "Le mandataire de l'Alliance pour la solidarité au Saguenay-Lac-Saint-Jean est : "
            "Alliance régionale pour la solidarité 02.",
        ),
        ("cout mesure 1.1 2010-2011", "Coût de la mesure 1.1 du PSIS en 2010-2011 : 13,7 M$."),
        (
            "Quel ministère est responsable de la mesure 3.4 ?",
            "Ministères ou organismes responsables de la mesure 3.4 du PAGIEPS : MESS, OPHQ, MCC.",
        ),
    ],
)
def test_shipped_documents_answers(shipped: CatalogAnswerer, question: str, expected: str) -> None:
    assert answerer_text(shipped, question) == expected


def answerer_text(answerer: CatalogAnswerer, question: str) -> str:
    return _one(answerer.lookup(question)).text


def test_shipped_documents_lists(shipped: CatalogAnswerer) -> None:
    tables = _one(shipped.lookup("Quels mandataires sont des Tables ?"))
    assert [m["territory"] for m in tables.facts["mandataires"]] == [
        "Estrie",
        "Lanaudière",
        "Montérégie",
        "Centre-du-Québec",
    ]
    everyone = _one(shipped.lookup("liste des mandataires"))
    assert len(everyone.facts["mandataires"]) == 21
    split = shipped.lookup("Comment est réparti le FQIS ?")[0]
    assert [s["value_text"] for s in split.facts["shares"]] == ["90 %", "3 %", "7 %"]
    for plan in ("PSIS", "PAGIEPS", "premier plan"):
        assert len(_one(shipped.lookup(f"orientations du {plan}")).facts["orientations"]) == 4


def test_hits_agree_with_the_gold_set(shipped: CatalogAnswerer) -> None:
    """On the project's gold questions: no hit for an unanswerable one, and the top hits of
    an answerable one hold every required fact."""
    from evaluations.gold_set import load_gold_set
    from evaluations.metrics import missing_facts

    wrong: list[str] = []
    answered = 0
    for gold in load_gold_set():
        hits = shipped.lookup(gold.question)
        text = " ".join(hit.text for hit in hits[:3])
        if not gold.answerable and hits:
            wrong.append(f"{gold.id}: {text[:120]}")
        elif hits:
            answered += 1
            missing = missing_facts(text, gold.required_facts)
            if missing:
                wrong.append(f"{gold.id}: missing {missing}")
    assert not wrong, wrong
    assert answered >= 60
