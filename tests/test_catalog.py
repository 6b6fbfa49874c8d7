"""The catalog: amounts parser, clean-text reading, extraction, SQLite build, queries.

Extraction is tested on clean-text snippets in the loader's contract shapes
(test_catalog_snippets.py), on invented documents of the same shapes (the rules are
general), and on the real shipped documents through `knowledge.loaders`.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st
from test_catalog_snippets import CONTEXT, MEASURE_1_1, REGIONS_PAGE, SNIPPET_DOCUMENTS, info

from knowledge import catalog_queries as q
from knowledge.amounts import find_amounts, is_no_amount, parse_amount
from knowledge.catalog import SCHEMA, build_catalog, remove_document
from knowledge.catalog_extract import extract_records
from knowledge.catalog_plans import normalize_period, resolve_plan
from knowledge.catalog_text import numbered_items, parse_clean_text, year_values
from knowledge.regions import TERRITORIES

# -- amounts -------------------------------------------------------------------------------


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


def test_find_amounts_needs_a_currency() -> None:
    sentence = (
        "Dès l'été 2010, un montant de 1,2 M$ a été versé (PDF, 2,5 Mo) à 2 300 résidents; "
        "puis 12 500 $."
    )
    assert [(m.text, m.dollars) for m in find_amounts(sentence)] == [
        ("1,2 M$", Decimal(1_200_000)),
        ("12 500 $", Decimal(12_500)),
    ]


# -- clean text ----------------------------------------------------------------------------


def test_sections_are_named_like_the_chunks() -> None:
    doc = parse_clean_text("# Titre\nintro\n## Section A\nligne\n### Sous-section\nx", "f.txt")
    assert doc.title == "Titre"
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("Titre", 1),
        ("Section A", 2),
        ("Sous-section", 3),
    ]
    assert parse_clean_text("sans titre", "Titre du manifeste").preamble.heading == (
        "Titre du manifeste"
    )


def test_year_values_one_per_line_or_run_together() -> None:
    expected = [("2004-2005", ""), ("2005-2006", ""), ("2010-2011", "s. o.")]
    assert year_values("2004-2005 :\n2005-2006 :\n2010-2011 : s. o.") == expected
    assert year_values("2004-2005 : 2005-2006 : 2010-2011 : s. o.") == expected
    assert year_values("2010-11 : 13,7 M$") == [("2010-2011", "13,7 M$")]


amount_texts = st.sampled_from(["s. o.", "", "13,7 M$", "12 500 $", "40 000,50 $", "1 $"])


@given(st.lists(amount_texts, min_size=1, max_size=8), st.booleans())
def test_year_values_recovers_what_was_written(amounts: list[str], one_line: bool) -> None:
    years = [f"{2004 + i}-{2005 + i}" for i in range(len(amounts))]
    lines = [f"{year} : {amount}".rstrip() for year, amount in zip(years, amounts, strict=True)]
    text = " ".join(lines) if one_line else "\n".join(lines)
    assert year_values(text) == list(zip(years, amounts, strict=True))


def test_numbered_items_by_line_or_inline_only_in_sequence() -> None:
    assert numbered_items(["1. Un", "2. Deux", "3. Trois"]) == [
        (1, "Un"),
        (2, "Deux"),
        (3, "Trois"),
    ]
    assert numbered_items(["1.Revoir nos façons 2.Valoriser le travail"]) == [
        (1, "Revoir nos façons"),
        (2, "Valoriser le travail"),
    ]
    assert numbered_items(["3.1 Soutenir les projets (MTESS)", "M 11 - Poursuivre"]) == []
    assert numbered_items(["La loi 112 crée 2. Le fonds"]) == []


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


# -- extraction on snippets ----------------------------------------------------------------


def test_measure_sheet_fields_costs_clientele_next_steps() -> None:
    records = extract_records(SNIPPET_DOCUMENTS[0][0], MEASURE_1_1)
    (measure,) = records.measures
    assert measure["plan"] == "PSIS" and measure["number"] == "1.1"
    assert measure["title"].startswith("Créer des Alliances pour la solidarité")
    assert measure["ministry"] == "Ministère de l'Emploi et de la Solidarité sociale (MESS)"
    assert measure["orientation"].startswith("Revoir nos façons de faire")
    assert measure["clientele_year"] == "2010-2011"
    assert measure["clientele"].startswith("Acteurs régionaux, supralocaux et locaux")
    assert measure["report_year"] == "2010-2011"
    assert measure["next_steps_section"] == "ÉTAPES À VENIR"
    assert measure["section"] == "RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011"
    costs = {c["fiscal_year"]: c for c in records.measure_costs}
    assert len(costs) == 7
    assert costs["2010-2011"]["amount_text"] == "13,7 M$"
    assert costs["2010-2011"]["amount_dollars"] == 13_700_000
    assert costs["2004-2005"]["amount_text"] == "s. o."
    assert costs["2004-2005"]["amount_dollars"] is None
    assert {c["section"] for c in costs.values()} == {"COÛT DE LA MESURE"}


def test_a_new_measure_sheet_is_extracted_by_shape() -> None:
    sheet = (
        "# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2011-2012\n"
        "Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015\n"
        "TITRE DE LA MESURE : Soutenir la Semaine de la solidarité\n"
        "N^o DE LA MESURE : 2.4\n"
        "ORIENTATION DU PSIS : Valoriser le travail et favoriser l'autonomie des personnes\n"
        "MINISTÈRE OU ORGANISME RESPONSABLE : Secrétariat à l'action communautaire (SACAIS)\n"
        "## COÛT DE LA MESURE\n"
        "2010-2011 : 12 500 $ 2011-2012 : 40 000,50 $ 2012-2013 : s. o.\n"
        "## ÉTAPES À VENIR\n"
        "Bilan de la première Semaine.\n"
    )
    records = extract_records("psis-2011-2012-mesure-2.4.txt", sheet)
    (measure,) = records.measures
    assert (measure["plan"], measure["number"], measure["report_year"]) == (
        "PSIS",
        "2.4",
        "2011-2012",
    )
    assert measure["ministry"] == "Secrétariat à l'action communautaire (SACAIS)"
    assert measure["next_steps"] == '["Bilan de la première Semaine."]'
    assert [(c["fiscal_year"], c["amount_dollars"]) for c in records.measure_costs] == [
        ("2010-2011", 12_500),
        ("2011-2012", 40_000.5),
        ("2012-2013", None),
    ]


def test_unreadable_cost_is_kept_as_written_with_a_warning() -> None:
    sheet = "# Fiche\nN° DE LA MESURE : 4.2\n## COÛT DE LA MESURE\n2010-2011 : environ 3 M$\n"
    records = extract_records(info("fiche.txt", "PSIS", None), sheet)
    assert records.measure_costs[0]["amount_text"] == "environ 3 M$"
    assert records.measure_costs[0]["amount_dollars"] is None
    assert records.warnings


def test_regional_page_territories_mandataires_notes_projects() -> None:
    records = extract_records(SNIPPET_DOCUMENTS[3][0], REGIONS_PAGE)
    regions = {r["name"]: r for r in records.regions}
    assert regions["Mauricie"]["mandataire"] == "Consortium en développement social de la Mauricie"
    assert regions["Baie-James"]["administrative_region"] == "Nord-du-Québec"
    assert regions["CSSSPNQL"]["mandataire"] == "CSSSPNQL"
    assert regions["Kativik"]["notes"].startswith("La région comprend 14 communautés")
    assert all(r["plan"] == "PAGIEPS" and r["section"] == name for name, r in regions.items())
    projects = {p["name"]: p for p in records.projects}
    assert projects["Lucioles (Relevailles Vallée de l’Or)"]["region"] == "Abitibi-Témiscamingue"
    assert (
        projects["Programme concentration sport-études (communauté d’Eastmain)"]["region"]
        == "Nation crie"
    )
    assert "Consultez les communiqués dans Québec.ca." not in projects


def test_a_new_regional_page_is_extracted_by_shape() -> None:
    page = (
        "# Portrait des Alliances\n"
        "## Laval\nMandataire : Ville de Laval\n"
        "Jardins collectifs (Centre communautaire Val-Martin)\n"
        "## Région inventée\nMandataire : Personne\n"
        "## Gaspésie\nMandataire : Regroupement des MRC de la Gaspésie\n"
        "Voici des projets soutenus :\n- Cuisine collective du Rocher\n"
    )
    records = extract_records(info("portrait.txt", "PAGIEPS", "2017-2023"), page)
    assert [(r["name"], r["mandataire"]) for r in records.regions] == [
        ("Laval", "Ville de Laval"),
        ("Gaspésie", "Regroupement des MRC de la Gaspésie"),
    ]
    assert [(p["name"], p["region"]) for p in records.projects] == [
        ("Jardins collectifs (Centre communautaire Val-Martin)", "Laval"),
        ("Cuisine collective du Rocher", "Gaspésie"),
    ]


def test_presentation_orientations_projects_and_funding() -> None:
    info_, text = SNIPPET_DOCUMENTS[2]
    records = extract_records(info_, text)
    assert [(o["plan"], o["number"]) for o in records.plan_orientations] == [
        ("PSIS", 1),
        ("PSIS", 2),
        ("PSIS", 3),
        ("PSIS", 4),
    ]
    assert [p["name"] for p in records.projects] == [
        "Les maraîchers du cœur",
        "Mise en place d'un Centre de valorisation Écotouristique",
        "Trousse économie habitation",
        "Équipe travail relais",
        "La Soupière",
    ]
    assert all(p["region"] is None and p["plan"] == "PSIS" for p in records.projects)
    facts = {f["value_text"]: f for f in records.funding_facts}
    assert facts["115 M$"]["sentence"] == "Le FQIS est doté de 115 M$ pour les cinq années du PSIS"
    assert facts["115 M$"]["period"] == "2010-2015"
    total = facts["115 M$"]["position"]
    assert [
        (f["value_text"], f["share_of"]) for f in records.funding_facts if f["kind"] == "share"
    ] == [
        ("90 %", total),
        ("3 %", total),
        ("7 %", total),
    ]
    assert facts["90 %"]["sentence"].endswith("des Alliances avec les CRÉ")
    assert facts["3 %"]["region"] == "CSSSPNQL"
    assert facts["7 %"]["sentence"] == "7 % au soutien de projets de portée nationale"
    assert facts["Alliances (22)"]["kind"] == "count"


def test_context_document_plans_orientations_and_axis_measures() -> None:
    records = extract_records(SNIPPET_DOCUMENTS[4][0], CONTEXT)
    by_plan: dict[str, list[int]] = {}
    for row in records.plan_orientations:
        by_plan.setdefault(row["plan"], []).append(row["number"])
    assert by_plan == {
        "plan-2004-2010": [1, 2, 3, 4],
        "PSIS": [1, 2, 3, 4],
        "PAGIEPS": [1, 2, 3, 4],
    }
    measures = {m["number"]: m for m in records.measures}
    assert measures["3.1"]["ministry"] == "MTESS, SHQ"
    assert measures["3.2"]["ministry"] == "MAPAQ, MTESS, MSSS"
    assert measures["11"]["title"] == "Poursuivre les Alliances pour la solidarité"
    assert measures["11"]["funded_by"] == "FQIS" and measures["11"]["ministry"] is None
    assert measures["11"]["parent_number"] == "3.1"
    assert measures["12"]["orientation_number"] == 3
    assert all(m["plan"] == "PAGIEPS" for m in measures.values())
    amounts = {(f["value_text"], f["measure"]) for f in records.funding_facts}
    assert amounts == {("160,1 M$", None), ("160 M$", "11")}


def test_plans_the_registry_does_not_know_get_ids_from_the_text() -> None:
    text = (
        "# Survol\n"
        "Le Plan d'action gouvernemental pour la relance solidaire (PARS) 2030-2035 succède.\n"
        "## 2024-2029 : Quatrième plan d'action gouvernemental (3 orientations/axes)\n"
        "1. Répondre aux besoins de base\n2. Favoriser l'emploi\n3. Mobiliser les milieux\n"
    )
    records = extract_records(info("survol.md", None, None), text)
    plans = {p["id"]: p for p in records.plans}
    assert plans["PARS"]["period"] == "2030-2035"
    assert plans["PARS"]["title"] == "Plan d'action gouvernemental pour la relance solidaire"
    assert plans["plan-2024-2029"]["ordinal"] == 4
    assert [(o["plan"], o["number"]) for o in records.plan_orientations] == [
        ("plan-2024-2029", 1),
        ("plan-2024-2029", 2),
        ("plan-2024-2029", 3),
    ]


def test_funding_facts_of_measure_sheet_and_page_keep_only_programme_figures() -> None:
    facts = [
        f for info_, text in SNIPPET_DOCUMENTS for f in extract_records(info_, text).funding_facts
    ]
    values = {f["value_text"]: f for f in facts}
    assert values["1,2 M$"]["period"] == "été 2010"
    assert values["1,2 M$"]["measure"] == "1.1"  # a measure sheet speaks of its measure
    assert values["12,5 M$"]["region"] == "Montréal"
    assert values["93 %"]["share_of"] is None and "FQIS" in values["93 %"]["keywords"]
    assert values["160,1 M$"]["plan"] == "PAGIEPS"
    assert values["27 projets"]["region"] == "Chaudière-Appalaches"
    assert values["27 projets"]["period"] == "2019-2023"
    assert values["29 communautés"]["region"] == "CSSSPNQL"
    # Regional demography is no programme figure.
    assert not {"91 %", "14 communautés", "10 MRC"} & set(values)


# -- building the database -----------------------------------------------------------------


@pytest.fixture()
def snippet_db(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.db"
    build_catalog(path, SNIPPET_DOCUMENTS)
    return path


def test_schema_has_explicit_types_and_primary_keys(snippet_db: Path) -> None:
    db = sqlite_utils.Database(snippet_db)
    for table, (columns, pk) in SCHEMA.items():
        assert db[table].pks == list(pk)
        types = {column.name: column.type for column in db[table].columns}
        expected = {str: "TEXT", int: "INTEGER", float: "REAL"}
        assert types == {name: expected[kind] for name, kind in columns.items()}


def test_build_is_idempotent_and_reports_rows(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "catalog.db"
    first = build_catalog(path, SNIPPET_DOCUMENTS)
    second = build_catalog(path, SNIPPET_DOCUMENTS)
    assert first.rows == second.rows
    assert first.rows["regions"] == 14 and first.rows["measure_costs"] == 14
    db = sqlite_utils.Database(path)
    assert db["catalog_regions"].count == 14
    assert db["catalog_documents"].count == len(SNIPPET_DOCUMENTS)
    assert not first.warnings


def test_rebuilding_a_document_replaces_its_rows(snippet_db: Path) -> None:
    page_info = SNIPPET_DOCUMENTS[3][0]
    build_catalog(
        snippet_db, [(page_info, "# Page\n## Mauricie\nMandataire : Nouveau mandataire\n")]
    )
    assert q.mandataire_for(snippet_db, "Mauricie").mandataire == "Nouveau mandataire"
    assert q.mandataire_for(snippet_db, "Estrie") is None
    assert q.measure(snippet_db, "PSIS", "1.1") is not None  # other documents untouched


def test_a_failing_rebuild_leaves_the_previous_rows(
    snippet_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.catalog as catalog

    page_info, page = SNIPPET_DOCUMENTS[3]
    real = catalog.extract_records

    def broken(info_: object, text: str):  # a fact without its NOT NULL sentence
        records = real(info_, text)
        records.funding_facts.append({**records.funding_facts[0], "position": 99, "sentence": None})
        return records

    monkeypatch.setattr(catalog, "extract_records", broken)
    with pytest.raises(sqlite3.IntegrityError):
        build_catalog(snippet_db, [(page_info, page.replace("Consortium", "Autre"))])
    assert q.mandataire_for(snippet_db, "Mauricie").mandataire.startswith("Consortium")


def test_remove_document(snippet_db: Path) -> None:
    file = SNIPPET_DOCUMENTS[0][0].doc_id
    assert remove_document(snippet_db, file) is True
    assert q.measure(snippet_db, "PSIS", "1.1") is None
    assert q.measure_cost(snippet_db, "PSIS", "1.1") == []
    assert remove_document(snippet_db, file) is False
    assert remove_document(snippet_db.parent / "absent.db", file) is False
    assert not (snippet_db.parent / "absent.db").exists()


def test_an_older_schema_is_dropped_and_reported(snippet_db: Path) -> None:
    db = sqlite_utils.Database(snippet_db)
    db["catalog_meta"].upsert({"key": "schema", "value": "0"}, pk="key")
    stats = build_catalog(snippet_db, SNIPPET_DOCUMENTS[:1])
    assert stats.schema_reset
    assert q.mandataire_for(snippet_db, "Mauricie") is None
    assert q.measure(snippet_db, "PSIS", "1.1") is not None


# -- queries -------------------------------------------------------------------------------


def test_mandataire_queries(snippet_db: Path) -> None:
    fact = q.mandataire_for(snippet_db, "BSL")
    assert fact.mandataire == "Collectif régional de développement (CRD)"
    assert (fact.source_file, fact.section) == (
        "mtess-alliances-mandataires-regions-2019-2023.txt",
        "Bas-Saint-Laurent",
    )
    assert q.mandataire_for(snippet_db, "cote nord").territory == "Côte-Nord"
    assert q.mandataire_for(snippet_db, "Mauricie", plan="PSIS") is None
    assert q.mandataire_for(snippet_db, "Nord-du-Québec") is None  # a group: use mandataires_in
    assert q.mandataire_for(snippet_db, "Atlantide") is None
    assert [f.territory for f in q.mandataires_in(snippet_db, "Nord-du-Québec")] == [
        "Baie-James",
        "Nation crie",
        "Kativik",
    ]
    assert [f.territory for f in q.mandataires(snippet_db, "les Tables")] == [
        "Estrie",
        "Lanaudière",
        "Centre-du-Québec",
    ]
    assert [f.territory for f in q.mandataires(snippet_db, "conferences des prefets")] == [
        "Outaouais",
        "Abitibi-Témiscamingue",
    ]
    assert len(q.mandataires(snippet_db)) == 14


def test_measure_queries(snippet_db: Path) -> None:
    measure = q.measure(snippet_db, "PSIS", "1.1")
    assert measure.orientation_number == 1  # matched against the plan's orientations
    assert measure.next_steps[0].startswith("Échanges et soutien aux CRÉ")
    assert q.measure(snippet_db, "pagiéps", "M 11").funded_by == "FQIS"
    assert q.measure(snippet_db, "PAGIEPS", "1.1") is None
    assert [m.plan for m in q.measures(snippet_db, number="11")] == ["PAGIEPS"]
    (cost,) = q.measure_cost(snippet_db, "PSIS", "1.1", "2010-11")
    assert (cost.amount_text, cost.amount_dollars) == ("13,7 M$", Decimal(13_700_000))
    assert cost.section == "COÛT DE LA MESURE"
    assert len(q.measure_cost(snippet_db, "PSIS", "1.1")) == 7
    assert q.measure_cost(snippet_db, "PSIS", "1.1", "2015-2016") == []
    assert q.measure_cost(snippet_db, "PSIS", "1.1", "pas une année") == []


def test_plan_queries(snippet_db: Path) -> None:
    psis = q.plan_orientations(snippet_db, "PSIS")
    assert [o.number for o in psis] == [1, 2, 3, 4]
    assert psis[0].source_file == "mise-en-contexte-alliances-pagieps.md"  # heading names it
    first = q.plan_orientations(snippet_db, "Plan 2004-2010")
    assert first[0].text == "Offrir un soutien du revenu amélioré aux familles"
    assert q.plan_orientations(snippet_db, "Plan 2024-2029") == []
    plan = q.plan_info(snippet_db, "premier plan")
    assert (plan.id, plan.period) == ("plan-2004-2010", "2004-2010")


def test_projects_and_funding_queries(snippet_db: Path) -> None:
    assert len(q.example_projects(snippet_db)) == 7
    assert [p.name for p in q.example_projects(snippet_db, "Abitibi")] == [
        "Lucioles (Relevailles Vallée de l’Or)"
    ]
    assert [p.region for p in q.example_projects(snippet_db, "Nord-du-Québec")] == ["Nation crie"]
    assert q.example_projects(snippet_db, "Mauricie") == []
    assert q.example_projects(snippet_db, "Atlantide") == []
    fqis = q.funding_facts(snippet_db, "FQIS", kind="amount")
    assert {(f.value_text, f.plan) for f in fqis} == {("115 M$", "PSIS"), ("160,1 M$", "PAGIEPS")}
    total = next(f for f in fqis if f.value_text == "115 M$")
    assert [s.value_text for s in q.shares_of(snippet_db, total)] == ["90 %", "3 %", "7 %"]
    assert [f.value_text for f in q.funding_facts(snippet_db, region="Montréal")] == ["12,5 M$"]
    assert [f.value_text for f in q.funding_facts(snippet_db, measure="11")] == ["160 M$"]


def test_queries_on_a_missing_database_are_empty(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert q.mandataire_for(missing, "Mauricie") is None
    assert q.mandataires(missing) == []
    assert q.measure_cost(missing, "PSIS", "1.1") == []
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    sqlite_utils.Database(empty)["other"].insert({"x": 1})
    assert q.funding_facts(empty) == []


# -- the real shipped documents, through the loader ----------------------------------------


@pytest.fixture(scope="module")
def shipped_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from knowledge.loaders import load_document
    from knowledge.manifest import shipped_documents

    path = tmp_path_factory.mktemp("catalog") / "catalog.db"
    stats = build_catalog(
        path, [(doc, load_document(doc.path).text) for doc in shipped_documents()]
    )
    assert not stats.warnings, stats.warnings
    return path


def test_shipped_every_territory_of_the_regional_page_has_its_mandataire(shipped_db: Path) -> None:
    facts = q.mandataires(shipped_db)
    assert [f.territory for f in facts] == [t.name for t in TERRITORIES]
    assert all(f.mandataire and f.source_file.startswith("mtess-") for f in facts)
    assert q.mandataire_for(shipped_db, "Laurentides").mandataire == (
        "Conseil des préfets et des élus de la région des Laurentides"
    )
    assert q.mandataire_for(shipped_db, "IDLM").mandataire == "Carrefour jeunesse-emploi des Îles"


def test_shipped_measure_costs_and_fields(shipped_db: Path) -> None:
    (cost,) = q.measure_cost(shipped_db, "PSIS", "1.1", "2010-2011")
    assert (cost.amount_text, cost.amount_dollars) == ("13,7 M$", Decimal(13_700_000))
    assert cost.source_file == "psis-2010-2011-rapport-mesure-1.1-alliances.md"
    assert all(c.amount_dollars is None for c in q.measure_cost(shipped_db, "PSIS", "1.3"))
    assert q.measure(shipped_db, "PSIS", "1.3").title == (
        "Implanter le Forum de la solidarité au sein de la Table Québec-Régions"
    )
    assert [m.number for m in q.measures(shipped_db, plan="PAGIEPS")] == [
        "11",
        "12",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
        "3.7",
        "3.8",
    ]
    assert q.measure(shipped_db, "PAGIEPS", "3.4").ministry == "MESS, OPHQ, MCC"


def test_shipped_three_plans_with_four_orientations_each(shipped_db: Path) -> None:
    for plan in ("plan-2004-2010", "PSIS", "PAGIEPS"):
        orientations = q.plan_orientations(shipped_db, plan)
        assert [o.number for o in orientations] == [1, 2, 3, 4], plan
        assert q.plan_info(shipped_db, plan) is not None


def test_shipped_projects_and_funding_facts(shipped_db: Path) -> None:
    projects = q.example_projects(shipped_db)
    assert [p.name for p in projects if p.region is None] == [
        "Les maraîchers du cœur",
        "Mise en place d'un Centre de valorisation Écotouristique",
        "Trousse économie habitation",
        "Équipe travail relais",
        "La Soupière",
    ]
    assert {(p.name, p.region) for p in projects if p.region} == {
        ("Lucioles (Relevailles Vallée de l’Or)", "Abitibi-Témiscamingue"),
        ("Programme concentration sport-études (communauté d’Eastmain)", "Nation crie"),
    }
    values = {(f.value_text, f.plan) for f in q.funding_facts(shipped_db)}
    assert {
        ("115 M$", "PSIS"),
        ("90 %", "PSIS"),
        ("3 %", "PSIS"),
        ("7 %", "PSIS"),
        ("160,1 M$", "PAGIEPS"),
        ("160 M$", "PAGIEPS"),
        ("1,2 M$", "PSIS"),
        ("12,5 M$", "PSIS"),
        ("93 %", "PSIS"),
        ("Alliances (22)", "PSIS"),
        ("27 projets", "PAGIEPS"),
        ("29 communautés", "PAGIEPS"),
    } <= values
    assert all(f.source_file and f.section for f in q.funding_facts(shipped_db))
