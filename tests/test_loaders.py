"""Loading: every format from real generated files, every shipped document, and every kind
of bad input refused with a French DocumentLoadError."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from knowledge.loaders import (
    SUPPORTED_EXTENSIONS,
    DocumentLoadError,
    LoadedDocument,
    load_document,
)

DOCUMENTS = Path(__file__).resolve().parents[1] / "knowledge" / "documents"


# --- Generated files -------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    data = text.encode("cp1252")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A real PDF: one Helvetica (WinAnsi) text line per entry, one page per list; `info`
    is its document information dictionary ({"Title": …, "CreationDate": "D:2025…"})."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for index, lines in enumerate(pages):
        page_id, content_id = 4 + 2 * index, 5 + 2 * index
        kids.append(f"{page_id} 0 R")
        stream = (
            b"BT /F1 11 Tf 14 TL 72 760 Td "
            + b" ".join(_pdf_string(line) + b" Tj T*" for line in lines)
            + b" ET"
        )
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
        objects[content_id] = (
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    info_ref = b""
    if info:
        info_id = 4 + 2 * len(pages)
        entries = b" ".join(f"/{key} ".encode() + _pdf_string(value) for key, value in info.items())
        objects[info_id] = b"<< " + entries + b" >>"
        info_ref = f" /Info {info_id} 0 R".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R".encode() + info_ref
    out += f" >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


REPORT_PAGES = [
    [
        "Rapport annuel 2010-2011",
        "LES ALLIANCES POUR LA SOLIDARITÉ",
        "Une Alliance pour la solidarité est une entente signée entre la ministre et",
        "une Conférence régionale des élus pour lutter contre la pauvreté et lexclusion.",
        "Le finance-",
        "ment provient du FQIS.",
        "1",
    ],
    [
        "Rapport annuel 2010-2011",
        "Les projets soutiennent la participation sociale des personnes.",
        "Page 2 de 3",
    ],
    [
        "Rapport annuel 2010-2011",
        "Un bilan est prévu en 2012.",
        "3",
    ],
]


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(make_pdf(REPORT_PAGES))
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Bilan des Alliances", level=0)
    document.add_paragraph("Un document de travail sur lexclusion sociale.")
    document.add_heading("Financement", level=1)
    document.add_paragraph("Le FQIS finance les projets régionaux.")
    document.add_paragraph("Premier projet", style="List Bullet")
    document.add_paragraph("Second projet", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "MANDATAIRE"
    table.cell(0, 1).text = "Ville de Laval"
    table.cell(1, 0).text = "MONTANT"
    table.cell(1, 1).text = "1,2 M$"
    document.add_heading("Suivi", level=2)
    document.add_paragraph("Un bilan annuel.")
    document.save(path)
    return path


HTML_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Alliances : mandataires</title>
<style>body { color: red; }</style><script>var menu = "Menu principal";</script></head>
<body>
<header><a href="/">Accueil</a> Menu principal.</header>
<nav><ul><li>Emploi</li><li>Solidarité</li></ul></nav>
<main>
<h1>Les Alliances pour la solidarité</h1>
<p>Les Alliances sont des ententes
   territoriales visant à soutenir lexclusion zéro.</p>
<h2>Estrie</h2>
<p>Mandataire : <b>Table des MRC</b></p>
<ul><li>Premier projet</li><li>Second projet</li></ul>
<form><label><input type="checkbox" checked> Mesure reconduite</label>
<input type="checkbox"> Nouvelle mesure</form>
<table><tr><th>MONTANT</th><td>2 M$</td></tr></table>
</main>
<footer>© Gouvernement du Québec</footer>
</body></html>"""


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# --- Each format ------------------------------------------------------------------------


def test_pdf_pages_are_joined_without_headers_footers_or_page_numbers(pdf_file: Path) -> None:
    loaded = load_document(pdf_file)
    assert isinstance(loaded, LoadedDocument)
    assert loaded.format == "pdf" and loaded.path == pdf_file
    lines = loaded.text.split("\n")
    assert lines[0] == "# LES ALLIANCES POUR LA SOLIDARITÉ"
    assert (
        lines[1]
        == (
            "Une Alliance pour la solidarité est une entente signée entre la ministre et une "
            "Conférence régionale des élus pour lutter contre la pauvreté et l'exclusion. "
        ).strip()
    )
    assert "Le financement provient du FQIS." in lines
    assert "Un bilan est prévu en 2012." in lines
    assert "Rapport annuel" not in loaded.text
    assert "Page 2" not in loaded.text
    assert all(not line.strip().isdigit() for line in lines)


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    loaded = load_document(make_docx(tmp_path / "bilan.docx"))
    assert loaded.format == "docx"
    assert loaded.text.split("\n") == [
        "# Bilan des Alliances",
        "Un document de travail sur l'exclusion sociale.",
        "## Financement",
        "Le FQIS finance les projets régionaux.",
        "- Premier projet",
        "- Second projet",
        "MANDATAIRE : Ville de Laval",
        "MONTANT : 1,2 M$",
        "### Suivi",
        "Un bilan annuel.",
    ]


def test_html_drops_furniture_and_keeps_structure(tmp_path: Path) -> None:
    loaded = load_document(write(tmp_path, "page.html", HTML_PAGE))
    assert loaded.format == "html"
    assert loaded.text.split("\n") == [
        "# Les Alliances pour la solidarité",
        "Les Alliances sont des ententes territoriales visant à soutenir l'exclusion zéro.",
        "## Estrie",
        "Mandataire : Table des MRC",
        "- Premier projet",
        "- Second projet",
        "- Mesure reconduite",
        "- Nouvelle mesure",
        "MONTANT : 2 M$",
    ]


def test_htm_without_heading_takes_its_title_element(tmp_path: Path) -> None:
    page = "<html><head><title>Une page</title></head><body><p>Un texte.</p></body></html>"
    loaded = load_document(write(tmp_path, "page.htm", page))
    assert loaded.text == "# Une page\nUn texte."


def test_markdown_and_text_files(tmp_path: Path) -> None:
    md = load_document(
        write(tmp_path, "note.md", "# Note\n\n## Coût\n\n1,2 M\\$ pour **lAlliance**\n")
    )
    assert md.format == "md"
    assert md.text == "# Note\n## Coût\n1,2 M$ pour l'Alliance"
    txt = load_document(write(tmp_path, "note.txt", "RAPPORT\n\nUne ligne.\n"))
    assert txt.format == "txt" and txt.text == "# RAPPORT\nUne ligne."


# --- Split figures and what a file says about itself ----------------------------------


def test_pdf_figure_split_by_a_line_break_is_whole_again(tmp_path: Path) -> None:
    pages = [
        [
            "Appel de projets",
            "Pour cet appel, la somme offerte aux territoires est de 4 215",
            "300 $ pour toute la durée de l'entente.",
            "Chaque MRC recevra au moins 1",
            "000 $ de plus.",
        ],
        ["La réserve régionale est de 2 150", "000 $ en 2025.", "Le 12", "300 projets."],
    ]
    loaded = load_document(write(tmp_path, "appel.pdf", make_pdf(pages)))
    assert "est de 4 215 300 $ pour toute la durée de l'entente." in loaded.text
    assert "au moins 1 000 $ de plus." in loaded.text
    assert "La réserve régionale est de 2 150 000 $ en 2025." in loaded.text
    assert "Le 12\n300 projets." in loaded.text  # two figures, maybe: left apart


def test_pdf_information_dictionary_is_read(tmp_path: Path) -> None:
    info = {"Title": "Appel de projets 2025", "CreationDate": "D:20250902090000Z"}
    loaded = load_document(write(tmp_path, "appel.pdf", make_pdf([["Un texte."]], info)))
    assert loaded.properties.title == "Appel de projets 2025"
    assert loaded.properties.created == "2025-09-02"


def test_docx_core_properties_are_read(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "bilan.docx")
    document = docx.Document(str(path))
    document.core_properties.title = "Bilan 2024"
    document.core_properties.created = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)
    document.save(str(path))
    loaded = load_document(path)
    assert loaded.properties.title == "Bilan 2024"
    assert loaded.properties.created == "2025-03-12"


def test_blank_docx_template_dates_are_not_the_documents(tmp_path: Path) -> None:
    loaded = load_document(make_docx(tmp_path / "bilan.docx"))
    assert loaded.properties.created is None  # python-docx's template says 2013-12-23


def test_html_page_properties_and_title_without_site_name(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Alliance pour la solidarité de l'Outaouais | Table régionale</title>"
        '<link rel="canonical" href="https://exemple.org/alliance/">'
        '<meta property="og:site_name" content="Table régionale">'
        '<meta property="article:published_time" content="2025-03-12T09:00:00-05:00">'
        "</head><body><p>Un texte sur l'Alliance.</p></body></html>"
    )
    loaded = load_document(write(tmp_path, "page.html", page))
    assert loaded.text.split("\n")[0] == "# Alliance pour la solidarité de l'Outaouais"
    properties = loaded.properties
    assert properties.title == "Alliance pour la solidarité de l'Outaouais | Table régionale"
    assert properties.url == "https://exemple.org/alliance/"
    assert properties.site_name == "Table régionale"
    assert properties.published == "2025-03-12T09:00:00-05:00"


def test_front_matter_is_read_and_kept_out_of_the_text(tmp_path: Path) -> None:
    raw = (
        "---\ntitle: Bilan de l'Alliance\nurl: https://exemple.org/bilan\n"
        "periods: [2024-2029]\nregions:\n  - Outaouais\n---\n"
        "Le bilan montre des progrès.\n"
    )
    loaded = load_document(write(tmp_path, "bilan.md", raw))
    assert loaded.text == "# Bilan de l'Alliance\nLe bilan montre des progrès."
    assert loaded.properties.front_matter_fields() == {
        "title": "Bilan de l'Alliance",
        "url": "https://exemple.org/bilan",
        "periods": ("2024-2029",),
        "regions": ("Outaouais",),
    }


def test_a_file_with_only_front_matter_has_nothing_to_read(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="aucun texte"):
        load_document(write(tmp_path, "vide.md", "---\ntitle: Vide\n---\n\n"))


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path, "ancien.txt", "Solidarité et « inclusion » – 2010".encode("cp1252"))
    assert load_document(path).text == "# Solidarité et « inclusion » – 2010"


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffÉté".encode())
    assert load_document(path).text == "# Été"


def test_supported_extensions() -> None:
    assert {".txt", ".md", ".html", ".htm", ".pdf", ".docx"} <= SUPPORTED_EXTENSIONS


# --- Lying extensions: loaded by their real type -----------------------------------------


def test_pdf_named_txt_is_loaded_as_pdf(tmp_path: Path) -> None:
    loaded = load_document(write(tmp_path, "rapport.txt", make_pdf(REPORT_PAGES)))
    assert loaded.format == "pdf"
    assert "Le financement provient du FQIS." in loaded.text


def test_docx_named_pdf_is_loaded_as_docx(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "bilan.docx")
    loaded = load_document(write(tmp_path, "bilan.pdf", source.read_bytes()))
    assert loaded.format == "docx"
    assert loaded.text.startswith("# Bilan des Alliances")


# --- The shipped corpus ------------------------------------------------------------------

EXPECTED_SECTIONS = {
    "psis-2010-2011-rapport-mesure-1.3-forum-solidarite.txt": [
        "# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        "## DESCRIPTION DE LA MESURE",
        "## ACTIVITÉS RÉALISÉES AU COURS DE LA PÉRIODE",
        "## COÛT DE LA MESURE",
        "## CLIENTÈLE REJOINTE",
        "## ÉTAPES À VENIR",
        "## INFORMATION COMPLÉMENTAIRE",
        "## ADS",
    ],
    "psis-2010-2011-rapport-mesure-1.1-alliances.md": [
        "# RAPPORT ANNUEL D'ACTIVITÉS ANNÉE 2010-2011",
        "## DESCRIPTION DE LA MESURE",
        "## ACTIVITÉS RÉALISÉES AU COURS DE LA PÉRIODE",
        "## COÛT DE LA MESURE",
        "## CLIENTÈLE REJOINTE",
        "## ÉTAPES À VENIR",
        "## INFORMATION COMPLÉMENTAIRE",
        "## ADS",
    ],
    "colloque-revitalisation-2014-alliances-presentation.txt": [
        "# LES ALLIANCES POUR LA SOLIDARITÉ — 3e colloque sur la revitalisation intégrée, "
        "20 mars 2014",
        "## Diapositive 9 : LES ALLIANCES POUR LA SOLIDARITÉ : FINANCEMENT",
        "## Diapositive 14 : Quelques exemples de projets issus des Alliances pour la solidarité",
    ],
    "mtess-alliances-mandataires-regions-2019-2023.txt": [
        "# Alliances pour la solidarité : mandataires et projets par région",
        "## Mauricie",
        "## Abitibi-Témiscamingue",
        "## Baie-James",
        "## CSSSPNQL",
    ],
    "mise-en-contexte-alliances-pagieps.md": [
        "# MISE EN CONTEXTE DES ALLIANCES POUR LA SOLIDARITÉ",
        "## 5 buts poursuivis par la stratégie québécoise de lutte contre la pauvreté",
        "## 2004-2010 : Premier plan d'action gouvernemental (4 orientations/axes)",
        "## AXE 3 DU PLAN D'ACTION",
        "## LE PAGIÉPS, C'EST PLUS QUE LES ALLIANCES",
    ],
}


def test_every_manifest_document_is_covered() -> None:
    manifest = json.loads((DOCUMENTS / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["file"] for entry in manifest["documents"]} == set(EXPECTED_SECTIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED_SECTIONS))
def test_shipped_document_loads_with_its_sections(name: str) -> None:
    loaded = load_document(DOCUMENTS / name)
    lines = loaded.text.split("\n")
    assert lines[0] == EXPECTED_SECTIONS[name][0]
    for heading in EXPECTED_SECTIONS[name]:
        assert heading in lines
    assert sum(1 for line in lines if line.startswith("# ")) == 1
    assert "<" not in loaded.text and "\t" not in loaded.text and "\\$" not in loaded.text


def test_regional_page_mandataire_follows_each_heading() -> None:
    lines = load_document(DOCUMENTS / "mtess-alliances-mandataires-regions-2019-2023.txt").text
    lines_list = lines.split("\n")
    assert lines_list[1].startswith(
        "Les Alliances pour la solidarité sont des ententes territoriales"
    )
    for index, line in enumerate(lines_list):
        if line.startswith("## "):
            assert lines_list[index + 1].startswith("Mandataire : ")
    at = lines_list.index("## Mauricie")
    assert lines_list[at + 1] == "Mandataire : Consortium en développement social de la Mauricie"


# --- Bad input ----------------------------------------------------------------------------


def _zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([["Texte secret."]])))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    "binary text": ("donnees.txt", b"abc\x00\x01\x02\xff" * 20, "binaire"),
    "control characters": ("bruit.md", bytes(range(1, 9)) * 30 + b"texte", "binaire"),
    "corrupt pdf": ("casse.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "endommagé"),
    "truncated pdf": ("tronque.pdf", make_pdf(REPORT_PAGES)[:400], "endommagé"),
    "text named pdf": ("faux.pdf", b"Ceci est du texte.", "PDF valide"),
    "encrypted pdf": ("verrou.pdf", _encrypted_pdf(), "mot de passe"),
    "pdf without text": ("vide.pdf", make_pdf([[], []]), "aucun texte"),
    "docx not a zip": ("faux.docx", b"Ceci n'est pas un document Word.", "Word"),
    "zip that is not docx": ("archive.docx", _zip_bytes({"a.txt": "bonjour"}), "Word"),
    "broken docx": (
        "casse.docx",
        _zip_bytes({"word/document.xml": "<w:document", "[Content_Types].xml": "<x"}),
        "Word",
    ),
    "zip named pdf": ("archive.pdf", _zip_bytes({"a.txt": "bonjour"}), "archive ZIP"),
    "png named pdf": ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image PNG"),
    "old word named docx": (
        "ancien.docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40,
        "ancien",
    ),
    "empty file": ("vide.txt", b"", "vide"),
    "blank file": ("blanc.md", b"  \n\n\t\n", "vide"),
    "unsupported extension": ("tableur.xlsx", b"PK\x03\x04", "pas pris en charge"),
    "no extension": ("LISEZMOI", b"Bonjour", "pas pris en charge"),
    "only furniture": ("menu.html", b"<html><body><nav>Menu</nav></body></html>", "aucun texte"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_is_refused_in_french(tmp_path: Path, case: str) -> None:
    name, content, fragment = BAD_FILES[case]
    path = write(tmp_path, name, content)
    with pytest.raises(DocumentLoadError) as caught:
        load_document(path)
    message = str(caught.value)
    assert message.startswith(f"Impossible de charger « {name} » : ")
    assert fragment in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.path == path


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="introuvable"):
        load_document(tmp_path / "absent.txt")
    with pytest.raises(DocumentLoadError, match="pas un fichier"):
        load_document(tmp_path)
