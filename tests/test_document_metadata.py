"""describe_document: title, address, date, periods, plan, regions and kind read from the
documents people add, in every format, and what a person wrote winning over detection."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_loaders import make_pdf

from knowledge.dates import parse_date, publication_date
from knowledge.document_metadata import describe_document, detect_regions
from knowledge.front_matter import split_front_matter
from knowledge.loaders import load_document
from knowledge.manifest import DocumentInfo, infer_document_info, shipped_documents
from knowledge.metadata_fields import MetadataValueError, normalize_fields, normalize_value
from knowledge.periods import find_periods, parse_period, rank_periods
from knowledge.titles import clean_title

# --- Fixtures: documents of the kinds people add, written for these tests --------------

REGIONAL_PAGE = """<!doctype html><html lang="fr"><head>
<title>L'Alliance pour la solidarité au Saguenay–Lac-Saint-Jean | Table régionale 02</title>
<link rel="canonical" href="https://table02.example.org/alliance/">
</head><body>
<nav><ul><li><a href="/">Accueil</a></li><li>Nos dossiers</li></ul></nav>
<div class="fil">Accueil › Dossiers › Alliance</div>
<p>Pour l'entente 2024-2029, la Table régionale gère l'Alliance pour la solidarité du
Saguenay–Lac-Saint-Jean. Les MRC du Domaine-du-Roy, de Maria-Chapdelaine et de
Lac-Saint-Jean-Est ainsi que la Ville de Saguenay se partagent l'enveloppe.</p>
<p>Lors de l'Alliance 2019-2023, 40 projets ont été soutenus, dont un à Alma et un autre
à Roberval. Une rencontre provinciale a eu lieu à Montréal.</p>
<p>Priorités 2024-2029 : logement, transport, sécurité alimentaire.</p>
<p>Dernière mise à jour : 7 avril 2025</p>
<footer>Table régionale 02 · Tous droits réservés</footer>
</body></html>"""

NEWS_RELEASE = """COMMUNIQUÉ
Pour diffusion immédiate

Douze projets soutenus par l'Alliance pour la solidarité de l'Outaouais

GATINEAU, le 12 mars 2025 /CNW/ – L'Alliance pour la solidarité de l'Outaouais accorde
1 250 000 $ à douze projets dans la Ville de Gatineau et les MRC de Papineau, de Pontiac
et de La Vallée-de-la-Gatineau, pour la période 2024-2029.

Les projets touchent le logement et l'alimentation. La liste est en ligne sur la
plateforme : https://www.mrcpapineau.example.ca/alliance/projets

-30-

Source :
Service des communications, 819 555-0100
"""

PLAN_ANNOUNCEMENT = """# Québec dévoile son plan de lutte contre la pauvreté 2024-2029

QUÉBEC, le 10 décembre 2024 – Le gouvernement présente le Plan d'action gouvernemental en
matière de solidarité 2024-2029. Les 21 Alliances pour la solidarité recevront 145 M$.

Répartition : Bas-Saint-Laurent 5 M$, Saguenay–Lac-Saint-Jean 6 M$, Capitale-Nationale
9 M$, Mauricie 6 M$, Estrie 7 M$, Montréal 40 M$, Outaouais 8 M$, Laval 6 M$,
Lanaudière 7 M$, Laurentides 8 M$, Montérégie 15 M$ et Centre-du-Québec 5 M$.

Pour plus d'information : https://www.quebec.ca/plan-solidarite-2024-2029
"""


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _describe(path: Path) -> DocumentInfo:
    return describe_document(infer_document_info(path), load_document(path))


# --- Each kind of document -------------------------------------------------------------


def test_regional_web_page(tmp_path: Path) -> None:
    info = _describe(_write(tmp_path, "alliance.html", REGIONAL_PAGE))
    assert info.title == "L'Alliance pour la solidarité au Saguenay–Lac-Saint-Jean"
    assert info.url == "https://table02.example.org/alliance/"
    assert info.date == "2025-04-07"
    assert info.periods == ("2024-2029", "2019-2023")
    assert info.period == "2024-2029"
    assert info.plan == "Plan 2024-2029"
    assert info.regions == ("Saguenay-Lac-Saint-Jean",)  # Montréal is only mentioned
    assert info.kind == "page-region"


def test_news_release(tmp_path: Path) -> None:
    info = _describe(_write(tmp_path, "communique.txt", NEWS_RELEASE))
    assert info.title == "Douze projets soutenus par l'Alliance pour la solidarité de l'Outaouais"
    assert info.date == "2025-03-12"
    assert info.regions == ("Outaouais",)
    assert info.kind == "communique"
    assert info.url is None  # a link given in passing is not the release's own address


def test_plan_announcement_is_about_no_region(tmp_path: Path) -> None:
    info = _describe(_write(tmp_path, "annonce.md", PLAN_ANNOUNCEMENT))
    assert info.regions == ()
    assert info.plan == "Plan 2024-2029"
    assert info.kind == "annonce-plan"
    assert info.date == "2024-12-10"
    assert info.url == "https://www.quebec.ca/plan-solidarite-2024-2029"


def test_call_for_projects_in_word(tmp_path: Path) -> None:
    path = tmp_path / "appel.docx"
    document = docx.Document()
    document.core_properties.title = "Appel de projets 2025-2026 – Alliance de la Gaspésie"
    document.core_properties.created = datetime(2025, 5, 6, 9, 0, tzinfo=UTC)
    document.add_paragraph("Les organismes de la Gaspésie peuvent déposer un projet.")
    document.add_paragraph(
        "Les MRC de La Haute-Gaspésie, de La Côte-de-Gaspé et du Rocher-Percé participent."
    )
    document.add_paragraph("Date limite : 30 juin 2025.")
    document.save(str(path))
    info = _describe(path)
    assert info.title == "Appel de projets 2025-2026 – Alliance de la Gaspésie"
    assert info.date == "2025-05-06"  # only the file's creation date says when
    assert info.periods == ("2025-2026",)
    assert info.regions == ("Gaspésie",)
    assert info.kind == "appel-de-projets"


def test_mrc_page_in_pdf_with_a_junk_title_property(tmp_path: Path) -> None:
    pages = [
        [
            "DÉVELOPPEMENT SOCIAL DANS LA MRC DE JOLIETTE",
            "La MRC de Joliette participe à l'Alliance pour la solidarité de Lanaudière.",
            "Publié le 3 février 2025",
            "Somme réservée à la MRC pour 2024-2029 : 1 250",
            "000 $.",
        ]
    ]
    info_dict = {"Title": "Microsoft Word - Document1.docx", "CreationDate": "D:20240101"}
    info = _describe(_write(tmp_path, "mrc-joliette.pdf", make_pdf(pages, info_dict)))
    assert info.title == "DÉVELOPPEMENT SOCIAL DANS LA MRC DE JOLIETTE"
    assert info.date == "2025-02-03"  # what the text says beats the file's date
    assert info.regions == ("Lanaudière",)
    assert info.kind == "page-mrc"


def test_text_without_any_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes_de-reunion.txt", "une note. une autre note.\n")
    assert _describe(path).title == "Notes de reunion"


# --- A person's word wins ------------------------------------------------------------------


def test_front_matter_wins_over_detection(tmp_path: Path) -> None:
    raw = (
        "---\ntitle: Bilan régional\nregions: [Estrie]\nperiods: [2019-23]\n"
        "date: 2024-06-01\nplan: PAGIEPS\nkind: rapport\n---\n"
        "# Un autre titre\nLe bilan de l'Alliance pour la solidarité de la Mauricie 2024-2029.\n"
    )
    info = _describe(_write(tmp_path, "bilan.md", raw))
    assert (info.title, info.regions, info.periods, info.period) == (
        "Bilan régional",
        ("Estrie",),
        ("2019-2023",),
        "2019-2023",
    )
    assert (info.date, info.plan, info.kind) == ("2024-06-01", "PAGIEPS", "rapport")


def test_sidecar_wins_over_front_matter_and_bad_values_are_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path, "bilan.md", "---\ntitle: Titre du fichier\n---\nUn texte.\n")
    sidecar = {
        "title": "Titre corrigé",
        "url": "https://exemple.org/bilan",
        "regions": ["Nord-du-Québec"],
        "periods": ["2021-2109"],  # not a period: left out, the rest applies
    }
    (tmp_path / "bilan.md.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    info = _describe(path)
    assert info.title == "Titre corrigé"
    assert info.url == "https://exemple.org/bilan"
    assert info.regions == ("Baie-James", "Nation crie", "Kativik")
    assert info.periods == ()
    # Read already when the file is found, so that editing it changes the content hash.
    assert infer_document_info(path).title == "Titre corrigé"


def test_a_source_naming_the_publisher_beside_a_url_is_no_problem() -> None:
    given = normalize_fields({
        "source": "Cabinet de la ministre responsable de la Solidarité sociale",
        "url": "https://www.quebec.ca/nouvelles/alliance",
    })
    assert given.fields == {"url": "https://www.quebec.ca/nouvelles/alliance"}
    assert given.problems == ()
    # Alone, the same value is a bad address, said once.
    alone = normalize_fields({"source": "Cabinet de la ministre"})
    assert alone.fields == {}
    assert len(alone.problems) == 1 and "Adresse invalide" in alone.problems[0]
    # A good address under another name still counts when the field's own name is bad.
    other = normalize_fields({"url": "pas une adresse", "lien": "https://exemple.org/a"})
    assert other.fields == {"url": "https://exemple.org/a"} and other.problems == ()


def test_shipped_documents_keep_their_manifest_metadata() -> None:
    for info in shipped_documents():
        described = describe_document(info, load_document(info.path))
        assert described == info, info.doc_id
    regional = next(i for i in shipped_documents() if i.regions == ("*",))
    assert describe_document(regional, load_document(regional.path)).regions == ("*",)


def test_document_info_stays_frozen_and_hashable(tmp_path: Path) -> None:
    info = _describe(_write(tmp_path, "alliance.html", REGIONAL_PAGE))
    assert hash(info) == hash(describe_document(info, load_document(info.path)))
    with pytest.raises(AttributeError):
        info.title = "x"  # type: ignore[misc]


# --- The rules one by one -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GATINEAU, le 12 mars 2025 /CNW/ – La ministre", "2025-03-12"),
        ("Québec, 3 avril 2025 – Le ministre annonce", "2025-04-03"),
        ("Par Anne Roy, journaliste · Publié le 1er décembre 2024 à 9 h", "2024-12-01"),
        ("Date de publication : 2025-01-15", "2025-01-15"),
        ("Texte.\nMis à jour le 20 mai 2025", "2025-05-20"),
        ("Dernière mise à jour : 3 mars 2025", "2025-03-03"),
        ("L'entente 2024-2025 est signée.", None),  # a fiscal year is not a date
        ("Du 1er avril 2024 au 31 mars 2029, le plan.", None),  # a range, not a publication
        ("Publié en mars 2025", None),  # a month is not a day
        ("Le rapport a été publié il y a longtemps; signé le 3 mai 2025.", None),
        # bylines: a capitalised name, a separator, the date on the same line
        ("Titre\nPar François Tremblay | 27 mai 2019 à 11 h 42\nTexte", "2019-05-27"),
        ("# T\n\nBy Heather Morrison · Townships Bulletin · August 20, 2025\n", "2025-08-20"),
        ("Par courriel, au plus tard le 14 novembre 2025", None),  # not a byline
        ("Envoyez-le par la poste | avant le 3 mars 2025", None),
    ],
)
def test_publication_dates(text: str, expected: str | None) -> None:
    assert publication_date(text) == expected


@given(st.text(max_size=200))
def test_publication_date_reads_any_text(text: str) -> None:
    found = publication_date(text)
    assert found is None or parse_date(found) == found


def test_an_english_article_is_an_article_with_its_stated_address(tmp_path: Path) -> None:
    path = tmp_path / "bulletin.md"
    path.write_text(
        "# Anti-poverty money in the Townships\n\n"
        "By Heather Morrison · Townships Community Bulletin · August 20, 2025\n\n"
        "The Alliance pour la solidarité de l'Estrie funds community projects in Sherbrooke.\n\n"
        "Link to this article: https://bulletin.example.org/news/2025/08/20/alliance/\n",
        encoding="utf-8",
    )
    info = describe_document(infer_document_info(path), load_document(path))
    assert info.date == "2025-08-20"
    assert info.url == "https://bulletin.example.org/news/2025/08/20/alliance/"
    assert info.kind == "document"


def test_parse_date_forms() -> None:
    assert parse_date("05 juin, 2025, 10:30 ET") == "2025-06-05"
    assert parse_date("June 5, 2025") == "2025-06-05"
    assert parse_date("12/03/2025") == "2025-03-12"
    assert parse_date("31 février 2025") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024-2029", "2024-2029"),
        ("2024-25", "2024-2025"),
        ("2024 – 2029", "2024-2029"),
        ("2019 à 2023", "2019-2023"),
        ("1999-00", "1999-2000"),
        ("2021-09", None),
        ("2021-2109", None),
        ("2029-2024", None),
        ("2010-2025", None),  # more than ten years
        ("2024", None),
    ],
)
def test_periods_are_valid_spans(typed: str, expected: str | None) -> None:
    assert parse_period(typed) == expected


def test_periods_found_in_text_skip_dates() -> None:
    text = "Signé le 2021-09-15, l'entente 2024-2029 (2024-25) suit l'Alliance 2019-2023."
    assert [period for _, period in find_periods(text)] == ["2024-2029", "2024-2025", "2019-2023"]
    ranked = rank_periods("2019-2023 puis 2024-2029 et encore 2024-2029", title="Bilan 2019-2023")
    assert ranked == ["2019-2023", "2024-2029"]


@given(st.integers(1900, 2089), st.integers(-5, 15))
def test_parsed_periods_always_validate(start: int, length: int) -> None:
    period = parse_period(f"{start}-{start + length}")
    if 1 <= length <= 10:
        assert period == f"{start}-{start + length}"
    else:
        assert period is None


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Lutte contre la pauvreté et l'exclusion | Québec.ca", None,
         "Lutte contre la pauvreté et l'exclusion"),
        ("Appel de projets de l'Alliance - MRC de Joliette", None,
         "Appel de projets de l'Alliance"),
        ("Alliance – Développement social | MRC de Memphrémagog", "MRC de Memphrémagog",
         "Alliance – Développement social"),
        ("Alliance de la Mauricie - 38 projets soutenus", None,
         "Alliance de la Mauricie - 38 projets soutenus"),
        ("Accueil | CRDSL", None, "Accueil | CRDSL"),  # what stays is too short
    ],
)  # fmt: skip
def test_site_names_leave_titles(title: str, site: str | None, expected: str) -> None:
    assert clean_title(title, site) == expected


def test_regions_dominate_or_nothing() -> None:
    passing = (
        "# Bilan de la Mauricie\nLa Mauricie, Trois-Rivières et Shawinigan. Un colloque à Laval."
    )
    assert detect_regions(passing, "Bilan de la Mauricie") == ["Mauricie"]
    assert detect_regions("Une rencontre a eu lieu à Montréal.") == []
    two = (
        "# Alliance Gaspésie et Îles-de-la-Madeleine\n"
        "Les MRC de la Gaspésie et la Communauté maritime des Îles-de-la-Madeleine. "
        "Gaspé, Cap-aux-Meules, Havre-Aubert, Sainte-Anne-des-Monts."
    )
    assert set(detect_regions(two, "Alliance Gaspésie et Îles-de-la-Madeleine")) == {
        "Gaspésie",
        "Îles-de-la-Madeleine",
    }


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("regions", "Saguenay–Lac-Saint-Jean, BSL",
         ("Saguenay-Lac-Saint-Jean", "Bas-Saint-Laurent")),
        ("periods", ["2024-25", "2024-2025"], ("2024-2025",)),
        ("date", "12 mars 2025", "2025-03-12"),
        ("plan", "quatrième plan", "Plan 2024-2029"),
        ("url", " https://exemple.org/x ", "https://exemple.org/x"),
        ("title", "  Un   titre ", "Un titre"),
    ],
)  # fmt: skip
def test_person_values_are_normalised(field: str, value: object, expected: object) -> None:
    assert normalize_value(field, value) == expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("regions", "Mauricy", "Vouliez-vous dire : Mauricie"),
        ("periods", "2021-09", "Période invalide"),
        ("url", "ftp://exemple.org", "http:// ou https://"),
        ("title", "   ", "Le titre ne peut pas être vide"),
        ("date", "mars 2025", "Date invalide"),
        ("plan", "cinquième plan", "Plan inconnu"),
    ],
)
def test_bad_person_values_get_a_french_message(field: str, value: str, message: str) -> None:
    with pytest.raises(MetadataValueError, match=message):
        normalize_value(field, value)


# --- Front matter parser --------------------------------------------------------------------

_KEYS = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
_VALUES = st.from_regex(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9 .:/-]{0,30}[A-Za-zÀ-ÿ0-9]", fullmatch=True)


@given(st.dictionaries(_KEYS, st.one_of(_VALUES, st.lists(_VALUES, min_size=1, max_size=3))))
def test_front_matter_round_trip(fields: dict[str, object]) -> None:
    lines = []
    for key, value in fields.items():
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(value)}]")
        else:
            lines.append(f"{key}: {value}")
    text = "---\n" + "\n".join(lines) + "\n---\nLe texte.\n"
    parsed, body = split_front_matter(text)
    if not fields:
        assert (parsed, body) == ({}, text)  # an empty block is a Markdown rule
        return
    expected = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    assert parsed == expected
    assert body == "Le texte.\n"


@given(st.text(max_size=200))
def test_front_matter_parser_never_raises(text: str) -> None:
    parsed, body = split_front_matter(text)
    if not parsed:
        assert body == text
