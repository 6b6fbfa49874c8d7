"""Build the two binary documents of the unseen development suite.

- appel-projets-cote-nord-2025-2026.pdf (fpdf2, DejaVu Sans for the accents)
- appel-projets-chaudiere-appalaches-2025.docx (python-docx)

Run from anywhere: ``/work/main/.venv/bin/python evaluations/unseen_dev/make_binary_documents.py``.
The PDF is laid out line by line, so line breaks are exactly the ones written here; one figure
is deliberately split across two lines ("... de 1 845" / "200 $ ...").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

PDF_NAME = "appel-projets-cote-nord-2025-2026.pdf"
PDF_TITLE = "Appel de projets 2025-2026 – Alliance pour la solidarité de la Côte-Nord"
DOCX_NAME = "appel-projets-chaudiere-appalaches-2025.docx"
DOCX_TITLE = "Appel de projets 2025 – Alliance pour la solidarité de la Chaudière-Appalaches"

# Each block: (style, lines). Styles: "h" heading, "p" paragraph, "b" bullet, "gap" blank.
PDF_BLOCKS: list[tuple[str, list[str]]] = [
    ("title", ["APPEL DE PROJETS 2025-2026"]),
    ("subtitle", ["Alliance pour la solidarité de la Côte-Nord"]),
    ("p", ["Fonds québécois d’initiatives sociales (FQIS) – Entente 2024-2029"]),
    ("p", ["Publié le 2 septembre 2025 par l’Assemblée des MRC de la Côte-Nord"]),
    ("h", ["1. Contexte"]),
    ("p", [
        "L’Assemblée des MRC de la Côte-Nord, mandataire de l’Alliance pour la solidarité de la",
        "région, invite les organismes à présenter des projets qui s’attaquent aux causes ou aux",
        "conséquences de la pauvreté et de l’exclusion sociale. Selon le modèle décentralisé",
        "adopté en 2019, chaque MRC dispose de sa propre enveloppe et de son comité d’analyse.",
    ]),
    ("p", [
        "Pour cet appel, la somme offerte aux six territoires de MRC est de 1 845",
        "200 $. Elle est répartie de la façon suivante :",
    ]),
    ("b", [
        "MRC de La Haute-Côte-Nord : 312 400 $",
        "MRC de Manicouagan : 421 900 $",
        "MRC de Sept-Rivières : 448 300 $",
        "MRC de Minganie : 246 800 $",
        "MRC du Golfe-du-Saint-Laurent : 228 500 $",
        "MRC de Caniapiscau : 187 300 $",
    ]),
    ("h", ["2. Organismes admissibles"]),
    ("b", [
        "les organismes à but non lucratif légalement constitués;",
        "les coopératives et les entreprises d’économie sociale, sauf celles du secteur financier;",
        "les municipalités, les MRC et les organismes municipaux;",
        "les conseils de bande et les organismes des communautés innues et naskapie;",
        "les établissements publics, s’ils s’associent à un organisme du milieu.",
    ]),
    ("p", [
        "Ne sont pas admissibles : les entreprises à but lucratif, les personnes physiques,",
        "les partis politiques et les projets déjà terminés au moment du dépôt.",
    ]),
    ("h", ["3. Aide financière"]),
    ("p", [
        "L’aide maximale est de 75 000 $ par projet, pour une durée d’au plus 24 mois.",
        "Le FQIS peut couvrir jusqu’à 80 % des dépenses admissibles; le reste doit venir de",
        "l’organisme ou de partenaires, en argent ou en services. Les projets doivent être",
        "terminés au plus tard le 31 décembre 2027.",
    ]),
    ("h", ["4. Échéancier"]),
    ("b", [
        "Séance d’information en visioconférence : mardi 16 septembre 2025, 13 h 30",
        "Date limite de dépôt : vendredi 17 octobre 2025, 16 h 30 (heure de l’Est)",
        "Analyse par les comités locaux : novembre 2025",
        "Réponse aux organismes : au plus tard le 19 décembre 2025",
    ]),
    ("p", [
        "Les organismes de la Basse-Côte-Nord, à l’heure de l’Atlantique, ont jusqu’à 17 h 30",
        "(heure locale) le 17 octobre 2025. Une demande reçue après l’heure limite ne sera pas",
        "analysée.",
    ]),
    ("h", ["5. Comment déposer une demande"]),
    ("p", [
        "Remplissez le formulaire de demande 2025-2026 et envoyez-le par courriel à l’agente ou à",
        "l’agent de développement de votre MRC, avec les pièces exigées : résolution du conseil",
        "d’administration, budget détaillé, lettres d’appui. Regroupez le tout en un seul fichier",
        "PDF et inscrivez en objet : « FQIS 2025 – nom de l’organisme ».",
    ]),
    ("p", [
        "Renseignements : Assemblée des MRC de la Côte-Nord, alliance@amrccn.ca",
    ]),
]


class AppelPDF(FPDF):
    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, "Alliance pour la solidarité de la Côte-Nord – Appel de projets 2025-2026",
                  new_x="LMARGIN", new_y="NEXT", align="R")
        self.ln(3)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 8, f"Page {self.page_no()} de {{nb}}", align="C")


def build_pdf(path: Path) -> None:
    pdf = AppelPDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Assemblée des MRC de la Côte-Nord")
    pdf.set_subject("Fonds québécois d’initiatives sociales – Alliance pour la solidarité")
    pdf.set_creation_date(dt.datetime(2025, 9, 2, 9, 0, tzinfo=dt.UTC))
    pdf.add_page()
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    for style, lines in PDF_BLOCKS:
        if style == "title":
            pdf.set_font("DejaVu", "B", 16)
            height, indent, prefix = 9, 0, ""
        elif style == "subtitle":
            pdf.set_font("DejaVu", "B", 13)
            height, indent, prefix = 8, 0, ""
        elif style == "h":
            pdf.ln(3)
            pdf.set_font("DejaVu", "B", 11.5)
            height, indent, prefix = 7, 0, ""
        elif style == "b":
            pdf.set_font("DejaVu", "", 10)
            height, indent, prefix = 5.5, 4, "• "
        else:
            pdf.set_font("DejaVu", "", 10)
            height, indent, prefix = 5.5, 0, ""
        for line in lines:
            text = prefix + line
            if pdf.get_string_width(text) > usable - indent:
                raise ValueError(f"line too long for the page: {text!r}")
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(usable - indent, height, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.output(str(path))


DOCX_INTRO = [
    "Lancé le 8 septembre 2025 par la MRC des Appalaches, mandataire régional",
    "La MRC des Appalaches, mandataire de l’Alliance pour la solidarité de la "
    "Chaudière-Appalaches, lance le premier appel de projets de l’entente 2024-2029. Une somme "
    "de 2 150 000 $ est offerte dans le cadre de cet appel. Elle provient de l’enveloppe "
    "régionale de 4 716 195 $ accordée par le gouvernement du Québec, à même le Fonds québécois "
    "d’initiatives sociales (FQIS), jusqu’en 2029.",
    "Chacun des 11 territoires (les 10 MRC et la Ville de Lévis) dispose d’une part minimale de "
    "120 000 $ pour cet appel. Une réserve de 830 000 $ est prévue pour les projets régionaux ou "
    "ceux qui touchent au moins deux territoires.",
]
DOCX_PRIORITIES = [
    "sécurité alimentaire;",
    "logement et habitation;",
    "transport collectif et mobilité;",
    "intégration socioprofessionnelle;",
    "inclusion des personnes immigrantes.",
]
DOCX_ELIGIBLE = [
    "organismes à but non lucratif;",
    "coopératives;",
    "municipalités et MRC;",
    "établissements des réseaux de la santé et de l’éducation, en partenariat avec un organisme "
    "du milieu.",
]
DOCX_DATES = [
    ("Étape", "Date"),
    ("Dépôt de l’avis d’intention", "au plus tard le vendredi 3 octobre 2025 à 16 h"),
    ("Dépôt de la demande complète", "au plus tard le vendredi 14 novembre 2025 à midi"),
    ("Décision du comité régional", "février 2026"),
    ("Début des projets", "à compter du 1er avril 2026"),
]


def build_docx(path: Path) -> None:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    doc.add_heading(DOCX_TITLE, level=0)
    doc.add_paragraph(DOCX_INTRO[0]).runs[0].italic = True
    for text in DOCX_INTRO[1:]:
        doc.add_paragraph(text)
    doc.add_heading("Priorités régionales", level=1)
    doc.add_paragraph("Les projets doivent répondre à au moins une des priorités suivantes :")
    for item in DOCX_PRIORITIES:
        doc.add_paragraph(item, style="List Bullet")
    doc.add_heading("Qui peut présenter un projet ?", level=1)
    for item in DOCX_ELIGIBLE:
        doc.add_paragraph(item, style="List Bullet")
    doc.add_paragraph(
        "Ne sont pas admissibles : le fonctionnement régulier d’un organisme, les dépenses "
        "engagées avant le dépôt de la demande et les activités qui dédoublent un service déjà "
        "offert sur le territoire."
    )
    doc.add_heading("Aide financière", level=1)
    doc.add_paragraph(
        "Un projet peut recevoir au minimum 10 000 $ et au maximum 90 000 $, pour une durée "
        "d’au plus 36 mois. Le milieu doit fournir une mise de fonds d’au moins 15 % du coût "
        "total, en argent ou en services."
    )
    doc.add_heading("Échéancier", level=1)
    table = doc.add_table(rows=len(DOCX_DATES), cols=2)
    table.style = "Table Grid"
    for row, (step, when) in zip(table.rows, DOCX_DATES, strict=True):
        row.cells[0].text = step
        row.cells[1].text = when
    doc.add_paragraph(
        "Aucune demande complète ne sera acceptée après l’échéance du 14 novembre 2025. Seuls "
        "les organismes ayant transmis un avis d’intention peuvent déposer une demande complète."
    )
    doc.add_heading("Comment déposer", level=1)
    doc.add_paragraph(
        "Les avis d’intention et les demandes se transmettent en ligne, sur la plateforme de "
        "dépôt de la MRC des Appalaches : "
        "https://www.mrcdesappalaches.ca/alliance-solidarite/depot. "
        "L’agente ou l’agent de développement de votre territoire peut vous accompagner dans la "
        "préparation de votre projet."
    )
    doc.add_paragraph(
        "Renseignements : Julie Rodrigue, conseillère en développement social, MRC des "
        "Appalaches, 418 332-2757, poste 238."
    )
    props = doc.core_properties
    props.title = DOCX_TITLE
    props.author = "MRC des Appalaches"
    props.subject = "Alliance pour la solidarité – appel de projets"
    props.language = "fr-CA"
    props.created = dt.datetime(2025, 9, 8, 9, 0)
    props.modified = dt.datetime(2025, 9, 8, 9, 0)
    doc.save(str(path))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    build_pdf(OUT / PDF_NAME)
    build_docx(OUT / DOCX_NAME)
    print(f"wrote {OUT / PDF_NAME}")
    print(f"wrote {OUT / DOCX_NAME}")


if __name__ == "__main__":
    main()
