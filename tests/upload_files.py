"""Small documents written for the upload tests (fpdf2, python-docx): a PDF, a Word
document, and a Word document that is a decompression bomb; and the two documents of the
journey tests (tests/test_document_journey_*.py), each with facts no other document has."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MB = 1024 * 1024


class Journey:
    """The journeys' two documents, on made-up regional projects with names and figures
    found nowhere else: a PDF (the question only it answers) and a Word document (the one
    whose title is corrected)."""

    PDF_NAME = "phare-boreal.pdf"
    PDF_TITLE = "Projet Phare Boréal : transport solidaire en Abitibi-Ouest, bilan 2025"
    PDF_LINES = (
        "Le projet Phare Boréal offre du transport solidaire aux aînés isolés de la MRC "
        "d'Abitibi-Ouest.",
        "Le projet Phare Boréal est porté par la coopérative Les Routes de Macamic, qui compte "
        "37 chauffeurs bénévoles.",
        "En 2025, le projet Phare Boréal a reçu 612 000 $ de l'Alliance pour la solidarité de "
        "l'Abitibi-Témiscamingue.",
    )
    PDF_QUESTION = "Quelle coopérative porte le projet Phare Boréal ?"
    PDF_FACT = "Routes de Macamic"
    DOCX_NAME = "vagues-avenir.docx"
    DOCX_TITLE = "Atelier Vagues d'avenir : relève des pêches aux Îles-de-la-Madeleine"
    DOCX_PARAGRAPHS = (
        "L'atelier Vagues d'avenir forme chaque hiver 48 jeunes à la pêche côtière aux "
        "Îles-de-la-Madeleine.",
        "Les formations ont lieu au quai de Grande-Entrée, avec le capitaine Lionel Cyr.",
    )
    DOCX_CORRECTED_TITLE = "Vagues d'avenir : bilan de l'atelier de pêche côtière"


ABSTENTION = "Je ne trouve pas la réponse dans la base de connaissances."


def pdf_bytes(title: str, lines: list[str], *, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def bomb_docx() -> bytes:
    """A real DOCX with one more entry that inflates a thousandfold."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes("Bombe", ["Texte."]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/media/padding.bin", b"\0" * (8 * MB))
    return out.getvalue()


def journey_documents() -> list[tuple[str, bytes, str]]:
    """The journeys' two documents: (file name, bytes, title), the PDF first."""
    pdf = pdf_bytes(Journey.PDF_TITLE, list(Journey.PDF_LINES))
    docx = docx_bytes(Journey.DOCX_TITLE, list(Journey.DOCX_PARAGRAPHS))
    return [
        (Journey.PDF_NAME, pdf, Journey.PDF_TITLE),
        (Journey.DOCX_NAME, docx, Journey.DOCX_TITLE),
    ]


def uploaded_numbers(home: Path) -> dict[str, int]:
    """The documents added by sharing them (not the shipped ones): title → number."""
    from knowledge.paths import database_path
    from knowledge.sources import SourceRegistry

    with SourceRegistry(database_path(home)) as registry:
        return {s.title: s.number for s in registry.list() if s.root == "uploads"}
