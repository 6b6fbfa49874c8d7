"""Build the four binary documents of the unseen development suite.

- appel-projets-cote-nord-2025-2026.pdf (fpdf2, DejaVu Sans for the accents)
- appel-projets-chaudiere-appalaches-2025.docx (python-docx)
- appel-projets-mauricie-deuxieme-appel-2025.pdf (fpdf2, same layout as the Côte-Nord call)
- appel-projets-laurentides-deuxieme-appel-2026.docx (python-docx, key dates in a table)

Run from anywhere: ``/work/main/.venv/bin/python evaluations/unseen_dev/make_binary_documents.py``.
The PDF is laid out line by line, so line breaks are exactly the ones written here; one figure
is deliberately split across two lines ("... de 1 845" / "200 $ ...").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

from evaluations.fixture_files import FONT_DIR

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"

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
    running_head = "Alliance pour la solidarité de la Côte-Nord – Appel de projets 2025-2026"

    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.running_head, new_x="LMARGIN", new_y="NEXT", align="R")
        self.ln(3)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 8, f"Page {self.page_no()} de {{nb}}", align="C")


def build_pdf(
    path: Path,
    blocks: list[tuple[str, list[str]]] = PDF_BLOCKS,
    *,
    title: str = PDF_TITLE,
    author: str = "Assemblée des MRC de la Côte-Nord",
    running_head: str = AppelPDF.running_head,
    created: dt.datetime = dt.datetime(2025, 9, 2, 9, 0, tzinfo=dt.UTC),
) -> None:
    pdf = AppelPDF(format="A4")
    pdf.running_head = running_head
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject("Fonds québécois d’initiatives sociales – Alliance pour la solidarité")
    pdf.set_creation_date(created)
    pdf.add_page()
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    for style, lines in blocks:
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


def _call_document(title: str, intro: list[str]) -> Any:
    """A call for projects: Calibri 11, its title, an italic lead, then the introduction."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    doc.add_heading(title, level=0)
    doc.add_paragraph(intro[0]).runs[0].italic = True
    for text in intro[1:]:
        doc.add_paragraph(text)
    return doc


def _add_dates_table(doc: Any, dates: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=len(dates), cols=2)
    table.style = "Table Grid"
    for row, (step, when) in zip(table.rows, dates, strict=True):
        row.cells[0].text = step
        row.cells[1].text = when


def build_docx(path: Path) -> None:
    doc = _call_document(DOCX_TITLE, DOCX_INTRO)
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
    _add_dates_table(doc, DOCX_DATES)
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


# --- Mauricie: second call for projects (PDF) -------------------------------------------

MAURICIE_PDF_NAME = "appel-projets-mauricie-deuxieme-appel-2025.pdf"
MAURICIE_PDF_TITLE = (
    "Deuxième appel de projets – Alliance pour la solidarité de la Mauricie 2024-2029"
)

MAURICIE_PDF_BLOCKS: list[tuple[str, list[str]]] = [
    ("title", ["DEUXIÈME APPEL DE PROJETS"]),
    ("subtitle", ["Alliance pour la solidarité de la Mauricie – Entente 2024-2029"]),
    ("p", ["Lancé le 29 septembre 2025 par le Consortium en développement social de la Mauricie"]),
    ("h", ["1. Où en est l’Alliance"]),
    ("p", [
        "Le premier appel de l’entente, fermé le 14 mars 2025, a permis de financer 38",
        "projets pour 2 748 316 $. Le Consortium, mandataire régional, ouvre maintenant un",
        "deuxième appel afin d’engager une autre partie de l’enveloppe régionale du Fonds",
        "québécois d’initiatives sociales (FQIS). Une dernière somme sera gardée pour un",
        "troisième appel, en 2027.",
    ]),
    ("p", [
        "Le deuxième appel dispose de 2 064 758 $, partagés entre les six territoires et",
        "les projets de portée régionale :",
    ]),
    ("b", [
        "Ville de Trois-Rivières : 612 400 $",
        "Ville de Shawinigan : 448 900 $",
        "MRC de Maskinongé : 281 300 $",
        "MRC de Mékinac : 196 258 $",
        "MRC des Chenaux : 187 900 $",
        "Agglomération de La Tuque : 188 000 $",
        "Projets de portée régionale : 150 000 $",
    ]),
    ("h", ["2. Qui peut déposer ?"]),
    ("b", [
        "les organismes à but non lucratif légalement constitués;",
        "les coopératives reconnues comme organismes sans but lucratif par Revenu Québec;",
        "les municipalités, les MRC et les organismes municipaux;",
        "les conseils de bande des communautés atikamekw de Wemotaci et d’Opitciwan;",
        "les établissements de santé ou d’enseignement associés à un organisme du milieu.",
    ]),
    ("p", [
        "Sont exclus : les entreprises à but lucratif, les particuliers, le fonctionnement",
        "courant d’un organisme et les dépenses faites avant l’acceptation du projet. Un",
        "organisme soutenu au premier appel peut déposer de nouveau, mais pas pour le même",
        "projet.",
    ]),
    ("h", ["3. Montants et durée"]),
    ("b", [
        "Projet local : au plus 80 000 $",
        "Projet de portée régionale (au moins deux territoires) : au plus 150 000 $",
        "Durée : 24 mois au maximum, entre le 1er avril 2026 et le 31 mars 2028",
        "Contribution du milieu : au moins 10 % du coût total, en argent ou en services",
    ]),
    ("h", ["4. Calendrier"]),
    ("b", [
        "Séance d’information en ligne : mercredi 8 octobre 2025, 9 h 30",
        "Date limite de dépôt : vendredi 28 novembre 2025, 16 h",
        "Recommandations des comités locaux : janvier 2026",
        "Décision du comité régional : mars 2026",
    ]),
    ("p", [
        "Une demande incomplète ou reçue après 16 h le 28 novembre 2025 sera refusée. Pendant",
        "l’analyse, les comités locaux peuvent joindre les organismes pour obtenir des précisions.",
    ]),
    ("h", ["5. Déposer une demande"]),
    ("p", [
        "Le formulaire se remplit en ligne, sur la plateforme du Consortium. Joignez la",
        "résolution du conseil d’administration, le budget détaillé du projet et au moins deux",
        "lettres d’appui. Avant de déposer, parlez de votre idée à la personne responsable de",
        "l’Alliance dans votre territoire : elle peut vous aider à préciser le projet et à",
        "trouver des partenaires.",
    ]),
    ("p", [
        "Renseignements : alliance@consortiummauricie.org · 819 370-2231, poste 108",
    ]),
]


# --- Laurentides: second call for projects (DOCX) ---------------------------------------

LAURENTIDES_DOCX_NAME = "appel-projets-laurentides-deuxieme-appel-2026.docx"
LAURENTIDES_DOCX_TITLE = (
    "Deuxième appel de projets – Alliance pour la solidarité des Laurentides 2024-2029"
)
LAURENTIDES_INTRO = [
    "Publié le 2 mars 2026 par le Conseil régional de développement social des Laurentides "
    "(CRDSL), mandataire de l’Alliance",
    "Au premier appel de projets de l’entente 2024-2029, clos le 31 octobre 2025, 33 projets ont "
    "été financés pour un total de 3 218 744 $. Le CRDSL lance aujourd’hui un deuxième appel, "
    "doté de 2 415 300 $. De cette somme, 520 000 $ sont réservés aux projets régionaux et "
    "1 895 300 $ sont répartis entre les huit territoires de MRC selon la même grille qu’au "
    "premier appel.",
]
LAURENTIDES_PRIORITIES = [
    "l’accès à un logement abordable et salubre;",
    "la sécurité alimentaire;",
    "la mobilité et le transport collectif en milieu rural;",
    "la participation sociale des personnes en situation de pauvreté;",
    "la lutte contre les préjugés.",
]
LAURENTIDES_ELIGIBLE = [
    "les organismes à but non lucratif;",
    "les coopératives sans but lucratif;",
    "les municipalités, les MRC et leurs organismes;",
    "les établissements publics, s’ils déposent avec un organisme communautaire.",
]
LAURENTIDES_DATES = [
    ("Étape", "Date"),
    ("Séance d’information (en ligne)", "mercredi 18 mars 2026, 13 h 30"),
    ("Date limite de dépôt", "vendredi 24 avril 2026, 16 h"),
    ("Recommandations des tables locales", "au plus tard le 22 mai 2026"),
    ("Décision du comité régional", "jeudi 11 juin 2026"),
    ("Début des projets", "à compter du 1er juillet 2026"),
]


def build_laurentides_docx(path: Path) -> None:
    doc = _call_document(LAURENTIDES_DOCX_TITLE, LAURENTIDES_INTRO)
    doc.add_heading("Priorités", level=1)
    doc.add_paragraph(
        "Les cinq priorités régionales adoptées pour l’entente demeurent en vigueur. Chaque projet "
        "doit viser au moins l’une d’elles :"
    )
    for item in LAURENTIDES_PRIORITIES:
        doc.add_paragraph(item, style="List Bullet")
    doc.add_heading("Organismes admissibles", level=1)
    for item in LAURENTIDES_ELIGIBLE:
        doc.add_paragraph(item, style="List Bullet")
    doc.add_paragraph(
        "Les entreprises privées, les particuliers et les projets déjà commencés ne sont pas "
        "admissibles. Un même organisme peut présenter au plus deux demandes à cet appel."
    )
    doc.add_heading("Montants", level=1)
    doc.add_paragraph(
        "Les plafonds du premier appel restent les mêmes : un projet local peut obtenir jusqu’à "
        "90 000 $ sur trois ans, et un projet régional, qui doit rejoindre au moins trois "
        "territoires de MRC, jusqu’à 200 000 $."
    )
    doc.add_heading("Calendrier", level=1)
    _add_dates_table(doc, LAURENTIDES_DATES)
    doc.add_paragraph(
        "Les demandes reçues après 16 h le 24 avril 2026 ne seront pas analysées. Les projets "
        "locaux passent d’abord par la table de développement social du territoire, qui fait sa "
        "recommandation au comité régional."
    )
    doc.add_heading("Dépôt", level=1)
    doc.add_paragraph(
        "Le formulaire de demande est en ligne : "
        "https://crdsl.org/alliance-pour-la-solidarite-2024-2029/deuxieme-appel. "
        "Joignez le budget, le calendrier de réalisation et les lettres d’engagement des "
        "partenaires."
    )
    doc.add_paragraph(
        "Pour toute question : Geneviève Thibodeau, coordonnatrice de l’Alliance, "
        "450 436-1515, poste 224, alliance@crdsl.org."
    )
    props = doc.core_properties
    props.title = LAURENTIDES_DOCX_TITLE
    props.author = "Conseil régional de développement social des Laurentides"
    props.subject = "Alliance pour la solidarité – deuxième appel de projets"
    props.language = "fr-CA"
    props.created = dt.datetime(2026, 3, 2, 9, 0)
    props.modified = dt.datetime(2026, 3, 2, 9, 0)
    doc.save(str(path))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    build_pdf(OUT / PDF_NAME)
    build_docx(OUT / DOCX_NAME)
    build_pdf(
        OUT / MAURICIE_PDF_NAME,
        MAURICIE_PDF_BLOCKS,
        title=MAURICIE_PDF_TITLE,
        author="Consortium en développement social de la Mauricie",
        running_head="Alliance pour la solidarité de la Mauricie – Deuxième appel de projets",
        created=dt.datetime(2025, 9, 29, 9, 0, tzinfo=dt.UTC),
    )
    build_laurentides_docx(OUT / LAURENTIDES_DOCX_NAME)
    for name in (PDF_NAME, DOCX_NAME, MAURICIE_PDF_NAME, LAURENTIDES_DOCX_NAME):
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
