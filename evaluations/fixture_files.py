"""The PDF and DOCX files of the evaluation suites, written from text kept in their scripts.

Each suite's `make_binary_documents.py` holds its documents' text (so that fact checkers
read exactly what went in) and calls these writers, which lay it out the same way every
time: a PDF of styled blocks (fpdf2, DejaVu fonts) and a DOCX of paragraphs, one table and
closing paragraphs (python-docx), with the metadata a real file carries.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# style -> (font weight, size, line height); "row" is a two-cell table row (label, amount)
PdfStyles = dict[str, tuple[str, float, float]]


def write_pdf(
    path: Path, *, title: str, author: str, subject: str, created: dt.datetime,
    blocks: Sequence[tuple[str, Sequence[str]]], styles: PdfStyles,
) -> None:
    """A Letter-size PDF: each block's lines in its style, a little space before "head"."""
    pdf = FPDF(format="Letter")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(subject)
    pdf.set_creation_date(created)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    for style, lines in blocks:
        weight, size, height = styles[style]
        pdf.set_font("DejaVu", weight, size)
        if style == "head":
            pdf.ln(2)
        if style == "row":
            label, amount = lines
            pdf.cell(140, height, label, border=1)
            pdf.cell(0, height, amount, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
            continue
        for line in lines:
            pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def write_docx(
    path: Path, *, title: str, author: str, created: dt.datetime,
    paragraphs: Sequence[tuple[str, str]], table: Sequence[Sequence[str]],
    closing: Sequence[tuple[str, str]], last_printed: bool = False,
) -> None:
    """A DOCX: paragraphs ("h1", "h2", "li" or plain), a grid table, closing paragraphs,
    and its core properties (`created` is stored without its time zone)."""
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)

    def add(kind: str, text: str) -> None:
        if kind == "h1":
            doc.add_heading(text, level=1)
        elif kind == "h2":
            doc.add_heading(text, level=2)
        elif kind == "li":
            doc.add_paragraph(text, style="List Bullet")
        else:
            doc.add_paragraph(text)

    for kind, text in paragraphs:
        add(kind, text)
    grid = doc.add_table(rows=0, cols=len(table[0]))
    grid.style = "Table Grid"
    for row in table:
        for cell, value in zip(grid.add_row().cells, row, strict=True):
            cell.text = value
    for kind, text in closing:
        add(kind, text)
    props = doc.core_properties
    props.title = title
    props.author = author
    props.language = "fr-CA"
    props.created = created.replace(tzinfo=None)
    props.modified = created.replace(tzinfo=None)
    if last_printed:
        props.last_printed = created.replace(tzinfo=None)
    props.revision = 1
    doc.save(str(path))


def freeze_zip(path: Path, date_time: tuple[int, int, int, int, int, int]) -> None:
    """Rewrite a zip archive (a DOCX) with fixed entry timestamps, so that its bytes do not
    depend on the day it was written."""
    data = path.read_bytes()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())
