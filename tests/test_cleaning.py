"""Cleaning: each cleaner on the corpus quirks, the structure rules on new documents of the
same kinds, and property tests (idempotence, no tag, no tab, real words untouched)."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.cleaning import clean_text, join_superscripts
from knowledge.elisions import (
    ELIDED_DESPITE_BEING_WORDS,
    ELISION_PREFIXES,
    french_words,
    restore_elisions,
    split_elision,
)
from knowledge.form_fields import form_rows_to_fields, table_rows_to_lines
from knowledge.furniture import remove_page_furniture
from knowledge.html_text import HTML_TAG, strip_html_fragments
from knowledge.line_breaks import (
    continues_number,
    join_continuation_lines,
    split_numbered_items,
    split_year_fields,
)
from knowledge.markdown_text import unescape_markdown
from knowledge.structure import (
    deck_title,
    detect_kind,
    region_line,
    slide_title,
    territory_of_label,
)

DOCUMENTS = Path(__file__).resolve().parents[1] / "knowledge" / "documents"


def corpus(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


# --- HTML fragments ----------------------------------------------------------------------


def test_paragraph_and_bold_fragments_become_plain_lines() -> None:
    raw = "<p>Premier paragraphe.</p> <p>Le <b>Forum</b> vise :</p>"
    assert strip_html_fragments(raw) == "Premier paragraphe.\nLe Forum vise :"


def test_checkboxes_become_items_with_their_label() -> None:
    raw = '<input type="checkbox"/> Reconduction 2004-2010 <input type="checkbox"/> Nouvelle mesure'
    assert strip_html_fragments(raw) == "- Reconduction 2004-2010\n- Nouvelle mesure"


def test_list_without_items_is_split_on_semicolons() -> None:
    raw = '<ul style="list-style-type: none"> à mobiliser; à discuter; à informer.'
    assert strip_html_fragments(raw) == "- à mobiliser;\n- à discuter;\n- à informer."


def test_an_unclosed_fragment_does_not_swallow_the_next_lines() -> None:
    raw = "<ul style='x'> à a; à b\nACTIVITÉS RÉALISÉES\nTexte suivant"
    assert strip_html_fragments(raw).split("\n")[-2:] == ["ACTIVITÉS RÉALISÉES", "Texte suivant"]


def test_bold_form_labels_keep_their_tabs() -> None:
    raw = "<b>TITRE DE LA MESURE</b>\tCréer\t<b>N° DE LA MESURE</b>\t1.1"
    assert strip_html_fragments(raw) == "TITRE DE LA MESURE\tCréer\tN° DE LA MESURE\t1.1"


def test_entities_are_decoded_and_no_tag_can_hide_behind_one() -> None:
    assert strip_html_fragments("R&amp;D &eacute;t&eacute; &lt;p&gt;x") == "R&D été\nx"


def test_text_with_a_lone_angle_bracket_is_left_alone() -> None:
    assert strip_html_fragments("si a < b et c > d") == "si a < b et c > d"


# --- Markdown and typography -----------------------------------------------------------


def test_markdown_escapes_and_emphasis_are_removed() -> None:
    assert unescape_markdown(r"1,2 M\$ et **LA SOLIDARITÉ** *Analyse*") == (
        "1,2 M$ et LA SOLIDARITÉ Analyse"
    )


def test_markdown_pipe_table_becomes_fields() -> None:
    raw = "| ANNÉE | COÛT |\n|---|---|\n| 2010-2011 | 13,7 M$ |"
    assert unescape_markdown(raw) == "ANNÉE : COÛT\n2010-2011 : 13,7 M$"


def test_superscripts_are_joined() -> None:
    assert join_superscripts("N^o DE LA MESURE") == "N° DE LA MESURE"
    assert join_superscripts("M ^{me} Julie Boulet") == "Mme Julie Boulet"
    assert (
        join_superscripts("3 e colloque, la 1 re orientation") == "3e colloque, la 1re orientation"
    )
    assert join_superscripts("3 enjeux et 2 ensembles") == "3 enjeux et 2 ensembles"


# --- Form layout, years, items, wrapped lines ------------------------------------------


def test_tab_separated_form_row_gives_one_field_per_label() -> None:
    raw = (
        "TITRE DE LA MESURE\tImplanter le Forum\tN° DE LA MESURE\t1.3\n"
        "ORIENTATION DU PSIS\tRevoir\t\t"
    )
    assert form_rows_to_fields(raw) == (
        "TITRE DE LA MESURE : Implanter le Forum\n"
        "N° DE LA MESURE : 1.3\n"
        "ORIENTATION DU PSIS : Revoir"
    )


def test_tabs_outside_a_form_become_separators() -> None:
    assert form_rows_to_fields("\tNom\tMontant") == "Nom ; Montant"


def test_year_fields_on_one_line_are_split_and_empty_values_kept() -> None:
    raw = "2004-2005 : 2005-2006 : 2009-2010 : 2010-2011 : s. o."
    assert split_year_fields(raw) == "2004-2005 :\n2005-2006 :\n2009-2010 :\n2010-2011 : s. o."


def test_a_single_year_field_is_not_split() -> None:
    assert split_year_fields("2010-2011 : 13,7 M$ pour 2004-2010") == (
        "2010-2011 : 13,7 M$ pour 2004-2010"
    )


def test_inline_numbered_run_is_split_one_item_per_line() -> None:
    raw = "QUATRE ORIENTATIONS 1.Revoir nos façons 2.Valoriser le travail 3.Soutenir le revenu"
    assert split_numbered_items(raw).split("\n") == [
        "QUATRE ORIENTATIONS",
        "1. Revoir nos façons",
        "2. Valoriser le travail",
        "3. Soutenir le revenu",
    ]


def test_measure_numbers_and_lone_numbers_are_not_items() -> None:
    assert split_numbered_items("Mesure 1.1 et 2.Voir") == "Mesure 1.1 et 2.Voir"


def test_line_ending_on_a_preposition_is_joined_to_the_next() -> None:
    raw = "Plan d'action gouvernemental pour\nLA SOLIDARITÉ ET L'INCLUSION SOCIALE\n- item"
    assert join_continuation_lines(raw) == (
        "Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE\n- item"
    )


def test_tables_become_label_value_lines() -> None:
    assert table_rows_to_lines([["Mandataire", "Ville de Laval"], ["Montant", "1 M$"]]) == [
        "Mandataire : Ville de Laval",
        "Montant : 1 M$",
    ]
    header_table = [["Région", "Mandataire", "Montant"], ["Laval", "Ville de Laval", "1 M$"]]
    assert table_rows_to_lines(header_table) == [
        "Région : Laval ; Mandataire : Ville de Laval ; Montant : 1 M$"
    ]


# --- Furniture -------------------------------------------------------------------------


def test_slide_site_furniture_and_related_list_are_removed() -> None:
    raw = (
        "Titre du diaporama\n\nSlides:\n\nAdvertisements\nPrésentations similaires\n"
        "Un autre diaporama sans rapport.\nAdvertisements\n\nEncore un autre.\n"
        "Transcription de la présentation:\n\n2 Première diapositive"
    )
    assert remove_page_furniture(raw).split("\n") == [
        "Titre du diaporama",
        "",
        "",
        "2 Première diapositive",
    ]


def test_web_page_menu_is_removed_but_not_inside_a_sentence() -> None:
    assert remove_page_furniture("Menu principal.\nLe menu principal du site.") == (
        "Le menu principal du site."
    )


# --- Elisions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "restored"),
    [
        ("la lutte contre lexclusion sociale", "la lutte contre l'exclusion sociale"),
        ("le plan daction", "le plan d'action"),
        ("cest laffaire de tous", "c'est l'affaire de tous"),
        ("Quest-ce que Communagir?", "Qu'est-ce que Communagir?"),
        (
            "Les CRÉ dont lAdministration régionale crie",
            "Les CRÉ dont l'Administration régionale crie",
        ),
        ("dans le cadre dune démarche", "dans le cadre d'une démarche"),
        (
            "LE PLAN DACTION RÉGIONAL : ASSISE DUNE ALLIANCE",
            "LE PLAN D'ACTION RÉGIONAL : ASSISE D'UNE ALLIANCE",
        ),
        ("Volet régional : Létat des lieux", "Volet régional : L'état des lieux"),
        ("jusquà la fin, quil dit", "jusqu'à la fin, qu'il dit"),
        ("de lAFQM et dEastmain", "de l'AFQM et d'Eastmain"),
    ],
)
def test_elided_apostrophes_are_restored(raw: str, restored: str) -> None:
    assert restore_elisions(raw) == restored


@pytest.mark.parametrize(
    "text",
    [
        "dans dont lui sous les des cette donc lutte sont mon non nos ses",
        "Ville de Laval et Laval : Ville de Laval",
        "Mme Josée Tremblay et Josée",
        "Consultez le site Québec.ca ou https://www.mess.gouv.qc.ca/plan-action/index.asp",
        "le NAS et le SOS",
        "l'exclusion et l’exclusion déjà écrites",
    ],
)
def test_real_words_names_and_addresses_are_left_alone(text: str) -> None:
    assert restore_elisions(text) == text


def test_the_document_vocabulary_supports_a_word_the_dictionary_lacks() -> None:
    assert split_elision("lécoquartier") is None
    assert restore_elisions("un écoquartier ; lécoquartier") == "un écoquartier ; l'écoquartier"


# --- Structure rules on new documents of the same kinds --------------------------------

NEW_REPORT = """RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2011-2012

Plan d'action gouvernemental pour
LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015

TITRE DE LA MESURE\tSoutenir les projets locaux\tN^o DE LA MESURE\t2.4
MINISTÈRE OU ORGANISME RESPONSABLE\tMinistère de l'Emploi (MESS)\t\t

DESCRIPTION DE LA MESURE
<input type="checkbox"/> Reconduction dune mesure <input type="checkbox"/> Nouvelle mesure
<p>La mesure vise lautonomie des personnes.</p>

COÛT DE LA MESURE
2010-2011 : 2011-2012 : 1,5 M\\$

ÉTAPES À VENIR
Bilan prévu en 2013."""


def test_a_new_report_sheet_cleans_to_the_contract_shape() -> None:
    assert clean_text(NEW_REPORT).split("\n") == [
        "# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2011-2012",
        "Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015",
        "TITRE DE LA MESURE : Soutenir les projets locaux",
        "N° DE LA MESURE : 2.4",
        "MINISTÈRE OU ORGANISME RESPONSABLE : Ministère de l'Emploi (MESS)",
        "## DESCRIPTION DE LA MESURE",
        "- Reconduction d'une mesure",
        "- Nouvelle mesure",
        "La mesure vise l'autonomie des personnes.",
        "## COÛT DE LA MESURE",
        "2010-2011 :",
        "2011-2012 : 1,5 M$",
        "## ÉTAPES À VENIR",
        "Bilan prévu en 2013.",
    ]


NEW_REGIONAL_PAGE = """Menu principal.
Les Alliances pour la solidarité sont des ententes territoriales.
Bas-Saint-Laurent : Collectif régional
Un projet de cuisine collective.
Nord-du-Québec / Baie-James : Administration régionale Baie-James
Nord-du-Québec Administration régionale Kativik : Administration régionale Kativik
Gaspésie / Îles-de-la-Madeleine : Regroupement commun
Premières Nations : CSSSPNQL
Pour en savoir plus : écrivez-nous."""


def test_a_new_regional_page_gets_one_section_per_territory() -> None:
    text = clean_text(NEW_REGIONAL_PAGE, title="Alliances : mandataires")
    assert text.split("\n") == [
        "# Alliances : mandataires",
        "Les Alliances pour la solidarité sont des ententes territoriales.",
        "## Bas-Saint-Laurent",
        "Mandataire : Collectif régional",
        "Un projet de cuisine collective.",
        "## Baie-James",
        "Mandataire : Administration régionale Baie-James",
        "## Kativik",
        "Mandataire : Administration régionale Kativik",
        "## Gaspésie-Îles-de-la-Madeleine",
        "Mandataire : Regroupement commun",
        "## CSSSPNQL",
        "Mandataire : CSSSPNQL",
        "Pour en savoir plus : écrivez-nous.",
    ]


@pytest.mark.parametrize(
    ("label", "territory"),
    [
        ("Nord-du-Québec / Baie-James", "Baie-James"),
        ("Nord-du-Québec Administration régionale Kativik", "Kativik"),
        ("Nord-du-Québec / Gouvernement de la nation crie", "Nation crie"),
        ("Commission de la santé et des services sociaux des Premières Nations", None),
        ("Îles-de-la-Madeleine", "Îles-de-la-Madeleine"),
        ("Le CASAL", None),
        ("Pour Montréal et ailleurs", None),
    ],
)
def test_territory_labels_are_recognised(label: str, territory: str | None) -> None:
    assert territory_of_label(label) == territory


def test_region_line_needs_a_mandataire() -> None:
    assert region_line("Laval : Ville de Laval") == ("Laval", "Ville de Laval")
    assert region_line("Les priorités régionales suivantes :") is None


NEW_DECK = """2e forum régional 12 avril 2016 LE FONDS QUÉBÉCOIS

Slides:
Advertisements
Présentations similaires
Un diaporama sans rapport.
Transcription de la présentation:

2e forum régional 12 avril 2016 LE FONDS QUÉBÉCOIS

2 LE FQIS : MONTANTS Le fonds est doté de 10 M$ Un soutien accru Un soutien accru

: Présentation des projets retenus pour lannée CE QUI A ÉTÉ FAIT

4 Trois projets : 1.Une cuisine collective 2.Un jardin 3.Une halte-garderie

5 Merci!"""


def test_a_new_slide_transcript_gets_one_section_per_slide() -> None:
    assert clean_text(NEW_DECK).split("\n") == [
        "# LE FONDS QUÉBÉCOIS — 2e forum régional, 12 avril 2016",
        "## Diapositive 2 : LE FQIS : MONTANTS",
        "Le fonds est doté de 10 M$ Un soutien accru",
        "## Diapositive 3 : CE QUI A ÉTÉ FAIT",
        "Présentation des projets retenus pour l'année",
        "## Diapositive 4 : Trois projets",
        "1. Une cuisine collective",
        "2. Un jardin",
        "3. Une halte-garderie",
        "## Diapositive 5 : Merci!",
    ]


def test_slide_titles_follow_capitals_then_colon() -> None:
    assert slide_title("MANDAT DU GPS Soutenir la ministre") == (
        "MANDAT DU GPS",
        "Soutenir la ministre",
    )
    assert slide_title("Des mesures : Un groupe POUR RENFORCER LACTION") == (
        "POUR RENFORCER LACTION",
        "Des mesures : Un groupe",
    )
    assert slide_title("Quelques exemples : la suite du texte ici") == (
        "Quelques exemples",
        "la suite du texte ici",
    )
    assert (
        deck_title("Colloque 20 mars 2014 LES ALLIANCES")
        == "LES ALLIANCES — Colloque, 20 mars 2014"
    )


NEW_OVERVIEW = """MISE EN CONTEXTE DU FONDS


3 objectifs du fonds

- Soutenir les milieux

2018-2023



Quatrième plan d'action (3 axes)

1. Revenu
2. Logement

AXE 2 DU PLAN

Une phrase qui se termine par un point.

<https://www.quebec.ca/plan>"""


def test_a_new_overview_gets_sections_at_its_short_title_lines() -> None:
    assert clean_text(NEW_OVERVIEW).split("\n") == [
        "# MISE EN CONTEXTE DU FONDS",
        "## 3 objectifs du fonds",
        "- Soutenir les milieux",
        "## 2018-2023 : Quatrième plan d'action (3 axes)",
        "1. Revenu",
        "2. Logement",
        "## AXE 2 DU PLAN",
        "Une phrase qui se termine par un point.",
        "Source : https://www.quebec.ca/plan",
    ]


def test_text_with_sections_keeps_its_own_structure() -> None:
    raw = "# Titre\n\n## Section\n\nCourt titre\n\nUne phrase."
    assert clean_text(raw) == "# Titre\n## Section\nCourt titre\nUne phrase."


def test_kind_detection() -> None:
    assert (
        detect_kind(corpus("colloque-revitalisation-2014-alliances-presentation.txt")) == "slides"
    )
    assert detect_kind(corpus("psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt")) == "report"
    assert detect_kind(corpus("mtess-alliances-mandataires-regions-2019-2023.txt")) == "regional"
    assert detect_kind(corpus("mise-en-contexte-alliances-pagieps.md")) == "general"


def test_unknown_kind_hint_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        clean_text("texte", kind_hint="poème")


# --- The shipped corpus ----------------------------------------------------------------


def test_report_1_3_cleans_to_the_contract_shape() -> None:
    text = clean_text(corpus("psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt"))
    lines = text.split("\n")
    assert lines[:6] == [
        "# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        "Plan d'action gouvernemental pour LA SOLIDARITÉ ET L'INCLUSION SOCIALE (PSIS) 2010-2015",
        "TITRE DE LA MESURE : Implanter le Forum de la solidarité au sein de la Table "
        "Québec-Régions",
        "N° DE LA MESURE : 1.3",
        "ORIENTATION DU PSIS : Revoir nos façons de faire et rapprocher les décisions des milieux "
        "locaux et régionaux",
        "MINISTÈRE OU ORGANISME RESPONSABLE : Ministère de l'Emploi et de la Solidarité "
        "sociale (MESS)",
    ]
    cost = lines.index("## COÛT DE LA MESURE")
    assert lines[cost + 1 : cost + 8] == [
        "2004-2005 :",
        "2005-2006 :",
        "2006-2007 :",
        "2007-2008 :",
        "2008-2009 :",
        "2009-2010 :",
        "2010-2011 : s. o.",
    ]
    assert (
        "Participation de la ministre de l'Emploi et de la Solidarité sociale, Mme Julie Boulet"
        in text
    )
    assert "- à discuter de la mise en œuvre des Alliances pour la solidarité;" in lines


def test_report_1_1_keeps_its_markdown_sections_and_loses_escapes() -> None:
    text = clean_text(corpus("psis-2010-2011-rapport-mesure-1.1-alliances.md"))
    assert "\\$" not in text and "**" not in text and "<b>" not in text
    assert "2010-2011 : 13,7 M$" in text.split("\n")
    assert "N° DE LA MESURE : 1.1" in text.split("\n")


def test_slides_have_sections_and_no_furniture() -> None:
    text = clean_text(corpus("colloque-revitalisation-2014-alliances-presentation.txt"))
    lines = text.split("\n")
    assert lines[0] == (
        "# LES ALLIANCES POUR LA SOLIDARITÉ — 3e colloque sur la revitalisation intégrée, "
        "20 mars 2014"
    )
    assert "## Diapositive 9 : LES ALLIANCES POUR LA SOLIDARITÉ : FINANCEMENT" in lines
    at14 = lines.index(
        "## Diapositive 14 : Quelques exemples de projets issus des Alliances pour la solidarité"
    )
    assert lines[at14 + 1].startswith("1. Les maraîchers du cœur – plateau de travail")
    assert lines[at14 + 2].startswith("2. Mise en place d'un Centre de valorisation Écotouristique")
    for furniture in (
        "Slides:",
        "Advertisements",
        "Présentations similaires",
        "Burkina",
        "Transcription",
    ):
        assert furniture not in text
    assert [n for n in range(2, 17) if f"## Diapositive {n} " not in text + " "] == []


def test_context_document_sections() -> None:
    text = clean_text(corpus("mise-en-contexte-alliances-pagieps.md"))
    headings = [line for line in text.split("\n") if line.startswith("#")]
    assert headings == [
        "# MISE EN CONTEXTE DES ALLIANCES POUR LA SOLIDARITÉ",
        "## 5 buts poursuivis par la stratégie québécoise de lutte contre la pauvreté",
        "## De la loi découle",
        "## La place des personnes en situation de pauvreté dans la loi",
        "## 2004-2010 : Premier plan d'action gouvernemental (4 orientations/axes)",
        "## 2010-2015 : Deuxième plan d'action gouvernemental (4 orientations/axes)",
        "## 2017-2023 : Troisième plan d'action gouvernemental (4 orientations/axes)",
        "## Les Alliances pour la solidarité",
        "## AXE 3 DU PLAN D'ACTION",
        "## LE PAGIÉPS, C'EST PLUS QUE LES ALLIANCES",
    ]
    assert text.endswith(
        "Source : https://www.mess.gouv.qc.ca/grands-dossiers/plan-action/index.asp"
    )


def test_regional_page_sections() -> None:
    text = clean_text(corpus("mtess-alliances-mandataires-regions-2019-2023.txt"))
    lines = text.split("\n")
    assert "Menu principal." not in text
    at = lines.index("## Abitibi-Témiscamingue")
    assert lines[at + 1 : at + 3] == [
        "Mandataire : Conférence des préfets de l’Abitibi-Témiscamingue",
        "Lucioles (Relevailles Vallée de l’Or)",
    ]
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert len(headings) == 21
    assert {"Baie-James", "Nation crie", "Kativik", "CSSSPNQL", "Côte-Nord"} <= set(headings)
    assert lines[lines.index("## CSSSPNQL") + 1] == "Mandataire : CSSSPNQL"


@pytest.mark.parametrize("path", sorted(DOCUMENTS.glob("*.[mt][dx]*")), ids=lambda p: p.name)
def test_corpus_cleaning_is_idempotent_and_clean(path: Path) -> None:
    once = clean_text(path.read_text(encoding="utf-8"))
    assert clean_text(once) == once
    assert not HTML_TAG.search(once) and "\t" not in once and "\\$" not in once
    assert "\n\n" not in once
    for elided in ("lexclusion", "daction", " cest ", "dune ", "linclusion"):
        assert elided not in once


# --- Properties ------------------------------------------------------------------------

FRAGMENTS = [
    "lexclusion", "daction", "cest", "Quest-ce", "lAdministration", "dune", "dans", "Laval",
    "de", "pour", "la", "LA SOLIDARITÉ", "TITRE DE LA MESURE", "\t", "\n", "\n\n", " ", ":",
    " : ", "<p>", "</p>", "<b>", "</b>", '<input type="checkbox"/>', "<ul style='x'>", "<li>",
    "&amp;", "&lt;", "&gt;", "\\$", "**", "*", "_", "#", "## ", "# ", "- ", "1.", "2.", "3.",
    "1 ", "2 ", "14 ", "2004-2005 :", "2010-2011 :", "Mauricie", "Nord-du-Québec / Baie-James",
    "Estrie : Ville", "Laval : Ville de Laval\n", "Slides:", "Advertisements",
    "Transcription de la présentation:", "Menu principal.", "N^o", "M ^{me}", "3 e", "Merci!",
    "Les Alliances", "AXE 3", "2004-2010", ".", ",", ";", "(", ")", "https://a.b/c",
    "<https://x.y>", "Un Groupe Un Groupe", "\n2 LE PLAN ", "\n3 Des ", "é", "É", "œ", "’",
    "'", "[a](http://b)", "|", "---", "===", "> ", "\u00a0", "\r", "\x00", "&#92;", "\\",
    "<table><tr><td>A</td><td>b</td></tr></table>", "<br>", "<h2>", "<!-- c -->",
]  # fmt: skip
corpus_like = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
LINES = [
    "RAPPORT ANNUEL", "Plan d'action pour", "LA SOLIDARITÉ", "TITRE\tCréer\tN^o\t1.1",
    "DESCRIPTION DE LA MESURE", "2004-2005 : 2005-2006 : s. o.", "- item", "1. Un",
    "2 LE PLAN DACTION 1.Revoir 2.Valoriser", "3 Merci!", ": Énoncé de politique",
    "Laval : Ville de Laval", "Nord-du-Québec / Baie-James : ARBJ", "Lucioles",
    "Mauricie : Consortium de", "2004-2010", "Premier plan (4 axes)", "De la loi découle",
    "AXE 3 DU PLAN", "Une phrase.", "<https://a.b/c>", "Transcription de la présentation:",
    "Slides:", "Menu principal.", "# Titre", "## Section", "Les Alliances pour la solidarité",
    "une suite en minuscules", "de", "Un Groupe des partenaires Un Groupe des partenaires",
    "<p>Le Forum vise :</p> <ul style='x'> à a; à b", "Cette mesure a permis", "Voici :", "",
    '<input type="checkbox"/> A <input type="checkbox"/> B', "M 11 - Poursuivre",
    "3.1 Soutenir", "Quest-ce", "Josée Tremblay", "lAdministration", "DUNE ALLIANCE",
]  # fmt: skip
line_documents = st.tuples(
    st.lists(st.sampled_from(LINES), max_size=20), st.sampled_from(["\n", "\n\n"])
).map(lambda parts: parts[1].join(parts[0]))
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(st.one_of(corpus_like, st.text(max_size=120)))
def test_cleaning_is_idempotent(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == once


@PROPERTY_SETTINGS
@given(line_documents, st.sampled_from([None, "report", "slides", "regional", "general"]))
def test_cleaning_documents_of_every_kind_is_idempotent(raw: str, kind: str | None) -> None:
    once = clean_text(raw, kind)
    assert clean_text(once, kind) == once


@PROPERTY_SETTINGS
@given(st.one_of(corpus_like, st.text(max_size=120)))
def test_no_tag_and_no_tab_survive(raw: str) -> None:
    cleaned = clean_text(raw)
    assert not HTML_TAG.search(cleaned)
    assert "\t" not in cleaned


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_arbitrary_unicode_never_raises_and_stays_utf8(raw: str) -> None:
    clean_text(raw).encode("utf-8")


def _elision_shaped_words() -> list[str]:
    """Real French words that start like an elision (`dans`, `lutte`, `donc`…)."""
    vowels = "aàâäeéèêëiîïoôöuùûüyh"
    shaped = sorted(
        word
        for word in french_words()
        if word not in ELIDED_DESPITE_BEING_WORDS
        and any(
            word.startswith(prefix) and len(word) > len(prefix) and word[len(prefix)] in vowels
            for prefix in ELISION_PREFIXES
        )
    )
    return random.Random(7).sample(shaped, 400)


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from(_elision_shaped_words()), min_size=1, max_size=8))
def test_real_words_never_get_an_apostrophe(words: list[str]) -> None:
    sentence = "Il y a " + " ".join(words) + " ici."
    assert restore_elisions(sentence) == sentence


@pytest.mark.parametrize(
    "word", ["dans", "dont", "lui", "sous", "les", "des", "cette", "donc", "lutte"]
)
def test_listed_real_words_are_never_split(word: str) -> None:
    assert split_elision(word) is None
    assert re.search(rf"\b{word}\b", clean_text(f"Voici {word} le texte."))


# --- Addresses are never altered ----------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "https://www.quebec.ca/famille/fonds-quebecois-dinitiatives-sociales",
        "www.mess.gouv.qc.ca/lexclusion.asp",
        "https://exemple.org/_brouillon_/dune?x=dinitiatives&amp;y=1#lentente",
        "http://a.ca/N^o/3",
        "dinitiatives-sociales@exemple.qc.ca",
        "lalliance_dexclusion@mrc.ca",
    ],
)
def test_cleaning_leaves_an_address_as_it_is(address: str) -> None:
    cleaned = clean_text(f"Lexclusion est définie à {address} et par **lentente**.")
    assert address in cleaned
    assert "L'exclusion" in cleaned and "l'entente" in cleaned  # the prose is still repaired


def test_elisions_skip_addresses_but_not_the_sentence_end() -> None:
    text = "Voir https://a.ca/dinitiatives. Et lexclusion."
    assert restore_elisions(text) == "Voir https://a.ca/dinitiatives. Et l'exclusion."


_URL_PATH_CHARS = string.ascii_letters + string.digits + "-._~/?#=&%+:@!$,;*()'"


@st.composite
def web_addresses(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https://", "http://", "www.", "HTTPS://www."]))
    host = draw(st.from_regex(
        r"[a-z0-9][a-z0-9-]{0,12}\.(?:ca|qc\.ca|gouv\.qc\.ca|org)", fullmatch=True
    ))
    path = draw(st.text(alphabet=_URL_PATH_CHARS, max_size=40))
    end = draw(st.sampled_from([*"adinexz09", "/", "-sociales", "_lentente"]))
    return f"{scheme}{host}/{path}{end}" if path else f"{scheme}{host}"


EMAILS = st.from_regex(r"[a-z][a-z0-9._-]{0,12}@[a-z0-9-]{1,10}\.(?:ca|org|qc\.ca)", fullmatch=True)
ADDRESS_NEIGHBOURS = [
    "lexclusion", "dinitiatives", "Lentente", "de", "pour", "**gras**", "_italique_", "3 e",
    "N^o", "&amp;", "<b>", "</b>", "Source :", "1.", "2.", "Menu principal.", "la", "\n",
    "\n\n", ",", ".", "(", ")", "Les Alliances", "2024-2029 :",
]  # fmt: skip


ADDRESS_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@ADDRESS_SETTINGS
@given(
    st.lists(
        st.one_of(
            st.tuples(st.sampled_from(ADDRESS_NEIGHBOURS), st.just(False)),
            st.tuples(st.one_of(web_addresses(), EMAILS), st.just(True)),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([None, "report", "slides", "regional", "general"]),
)
def test_addresses_survive_cleaning_byte_for_byte(
    pieces: list[tuple[str, bool]], kind: str | None
) -> None:
    cleaned = clean_text(" ".join(piece for piece, _ in pieces), kind)
    for piece, is_address in pieces:
        if is_address:
            assert piece in cleaned


# --- Figures cut by a line break -----------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "line", "joined"),
    [
        ("La somme est de 4 215", "300 $ pour la région.", True),
        ("La somme est de 4 215", "300$ pour la région.", True),
        ("La somme est de 4", "215 300 $ pour la région.", True),
        ("Un total de 4 215", "300 personnes rejointes.", True),
        ("soit 1", "000 personnes", True),
        ("- MRC de Portneuf : 171", "650 $", True),
        ("Le montant de 4 215", "300,50 $ reste.", True),
        ("Le 12", "300 projets ont été reçus.", False),  # two figures, maybe
        ("Adopté en 2019", "300 $ par projet.", False),  # a year is not a digit group
        ("## Section 4", "300 $", False),
        ("La somme est de 4 215", "3000 $", False),
        ("Il reste 4 215", "300e anniversaire", False),
        ("Date limite : 17 h 30", "(heure locale)", False),
    ],
)
def test_a_figure_cut_by_a_line_break_is_joined(previous: str, line: str, joined: bool) -> None:
    assert continues_number(previous, line) is joined
    expected = f"{previous} {line}" if joined else f"{previous}\n{line}"
    assert join_continuation_lines(f"{previous}\n{line}") == expected


def test_clean_text_joins_a_cut_figure() -> None:
    cleaned = clean_text("L'enveloppe régionale est de 4 215\n300 $ pour cinq ans.")
    assert "est de 4 215 300 $ pour cinq ans." in cleaned
