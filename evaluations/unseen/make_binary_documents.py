"""Regenerate the binary documents (PDF and DOCX) of the unseen-documents suite.

Run from anywhere with the project's virtual environment:

    .venv/bin/python evaluations/unseen/make_binary_documents.py

It writes, in evaluations/unseen/documents/:

- appel-projets-saguenay-lac-saint-jean-2025.pdf (fpdf2, DejaVuSans, title metadata set);
  one figure is deliberately split across two PDF lines ("... est de 4 215" / "300 $ pour ..."),
  as happens with real PDF text extraction;
- appel-projets-centre-du-quebec-2025.docx (python-docx, core_properties.title set).

The text of both documents lives in the constants below so that the fact checker can read
exactly what was put in them. Output is deterministic (fixed creation dates).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evaluations.fixture_files import write_docx, write_pdf

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"

PDF_FILE = "appel-projets-saguenay-lac-saint-jean-2025.pdf"
PDF_TITLE = "Appel de projets 2025 – Alliance pour la solidarité du Saguenay–Lac-Saint-Jean"

# Each block is (style, lines). Lines are laid out exactly as given: one PDF line each,
# so the split figure below stays split in the extracted text.
PDF_BLOCKS: list[tuple[str, list[str]]] = [
    ("title", ["APPEL DE PROJETS 2025"]),
    ("title", ["Alliance pour la solidarité du Saguenay–Lac-Saint-Jean"]),
    (
        "small",
        [
            "Fonds québécois d'initiatives sociales (FQIS) – Entente 2024-2029",
            "Lancement de l'appel : le 7 avril 2025",
        ],
    ),
    ("head", ["1. Mise en contexte"]),
    (
        "body",
        [
            "La Conférence régionale des préfets du Saguenay–Lac-Saint-Jean agit comme",
            "mandataire de l'Alliance pour la solidarité pour la période 2024-2029. Elle a",
            "été désignée par les élus de la région et a signé une convention avec le",
            "ministère de l'Emploi et de la Solidarité sociale. L'enveloppe régionale",
            "confiée à la Conférence pour 2024-2029 est de 4 215",
            "300 $ pour l'ensemble des cinq territoires : Ville de Saguenay, MRC du",
            "Fjord-du-Saguenay, MRC de Lac-Saint-Jean-Est, MRC du Domaine-du-Roy et MRC",
            "de Maria-Chapdelaine.",
        ],
    ),
    ("head", ["2. Sommes disponibles et aide maximale"]),
    (
        "body",
        [
            "Le présent appel met 1 650 000 $ à la disposition des promoteurs, partagés",
            "entre les territoires selon le plan de travail régional. L'aide accordée peut",
            "atteindre 80 000 $ par année et 200 000 $ pour toute la durée d'un projet.",
            "La contribution du FQIS ne peut pas dépasser 80 % des dépenses admissibles;",
            "le reste provient du promoteur ou de ses partenaires. Les projets doivent",
            "être terminés au plus tard le 31 mars 2028.",
        ],
    ),
    ("head", ["3. Date limite"]),
    (
        "body",
        [
            "Les demandes complètes doivent être reçues au plus tard le vendredi",
            "16 mai 2025 à 16 h. Une séance d'information virtuelle aura lieu le",
            "mercredi 23 avril 2025 à 13 h 30.",
        ],
    ),
    ("head", ["4. Organismes admissibles"]),
    (
        "body",
        [
            "– les organismes à but non lucratif légalement constitués;",
            "– les coopératives considérées comme sans but lucratif par Revenu Québec;",
            "– les organismes municipaux, dont les MRC et la Ville de Saguenay;",
            "– le Pekuakamiulnuatsh Takuhikan (communauté de Mashteuiatsh).",
            "Ne sont pas admissibles : les entreprises privées à but lucratif, les",
            "individus, les ministères et organismes du gouvernement, ainsi que les",
            "organismes dont la mission est politique ou religieuse.",
        ],
    ),
    ("head", ["5. Dépenses admissibles"]),
    (
        "body",
        [
            "Salaires et avantages sociaux liés au projet, honoraires professionnels,",
            "frais de déplacement, matériel, fournitures et location d'équipement, frais",
            "d'administration jusqu'à 10 % de l'aide demandée.",
            "Dépenses non admissibles : dépenses engagées avant l'acceptation du projet,",
            "achat de terrain ou d'immeuble, remboursement de dettes, financement de la",
            "mission de base.",
        ],
    ),
    ("head", ["6. Comment déposer une demande"]),
    (
        "body",
        [
            "Remplir le formulaire de demande et le budget prévisionnel, joindre au moins",
            "deux lettres d'appui de partenaires du milieu et la résolution du conseil",
            "d'administration, puis transmettre le tout par courriel à appel.fqis@crp02.ca.",
            "Renseignements : Julie Harvey, chargée de projet, 418 555-0163.",
        ],
    ),
]

DOCX_FILE = "appel-projets-centre-du-quebec-2025.docx"
DOCX_TITLE = "Deuxième appel de projets – Alliance pour la solidarité du Centre-du-Québec 2024-2029"

# (kind, text) where kind is "h1", "h2", "p" or "li".
DOCX_PARAGRAPHS: list[tuple[str, str]] = [
    ("h1", DOCX_TITLE),
    ("p", "Table des MRC du Centre-du-Québec – publié le 2 juin 2025"),
    ("h2", "Contexte"),
    (
        "p",
        "La Table des MRC du Centre-du-Québec est le mandataire de l'Alliance pour la "
        "solidarité du Centre-du-Québec pour 2024-2029. L'entente signée avec le ministère "
        "de l'Emploi et de la Solidarité sociale lui confie une enveloppe de 3 318 756 $ "
        "du Fonds québécois d'initiatives sociales (FQIS) pour cinq ans. Ce deuxième appel "
        "rend disponible une somme de 1 200 000 $, répartie entre les cinq MRC.",
    ),
    ("h2", "Date limite de dépôt"),
    (
        "p",
        "Les projets doivent être déposés au plus tard le mardi 30 septembre 2025 à 12 h. "
        "Les décisions seront communiquées aux promoteurs en décembre 2025.",
    ),
    ("h2", "Aide financière"),
    (
        "p",
        "L'aide maximale est de 50 000 $ par année et de 120 000 $ par projet. Le FQIS peut "
        "financer jusqu'à 80 % du coût total; au moins 20 % doit venir d'autres sources, "
        "en argent ou en biens et services.",
    ),
    ("h2", "Organismes admissibles"),
    ("li", "les organismes à but non lucratif;"),
    ("li", "les coopératives sans but lucratif;"),
    ("li", "les municipalités et les MRC;"),
    ("li", "les conseils des Abénakis d'Odanak et de Wôlinak;"),
    ("li", "les centres de recherche qui travaillent en matière de lutte contre la pauvreté."),
    (
        "p",
        "Les entreprises privées, les individus et les établissements publics des réseaux de "
        "la santé et de l'éducation ne peuvent pas présenter de demande, mais peuvent agir "
        "comme partenaires.",
    ),
    ("h2", "Dépenses admissibles"),
    (
        "p",
        "Rémunération du personnel affecté au projet, honoraires, frais de déplacement, "
        "matériel et fournitures, frais de location liés au projet, frais d'administration "
        "jusqu'à 10 %. Ne sont pas admissibles : les immobilisations, les dépenses déjà "
        "engagées, le déficit de l'organisme et les activités qui relèvent de sa mission "
        "courante.",
    ),
    ("h2", "Priorités régionales"),
    (
        "p",
        "Logement abordable; sécurité alimentaire; mobilité et transport collectif; "
        "participation sociale des personnes en situation de pauvreté.",
    ),
    ("h2", "Sommes disponibles par territoire pour cet appel"),
]

DOCX_TABLE: list[tuple[str, str]] = [
    ("Territoire", "Montant disponible"),
    ("MRC d'Arthabaska", "288 000 $"),
    ("MRC de Bécancour", "168 000 $"),
    ("MRC de Drummond", "336 000 $"),
    ("MRC de L'Érable", "180 000 $"),
    ("MRC de Nicolet-Yamaska", "228 000 $"),
    ("Total", "1 200 000 $"),
]

DOCX_CLOSING: list[tuple[str, str]] = [
    ("h2", "Pour déposer"),
    (
        "p",
        "Remplir le formulaire en ligne sur le site de la Table des MRC et le transmettre, "
        "avec le budget et les lettres d'appui, à alliance@tablemrccdq.ca. "
        "Information : Nadia Lemire, agente de liaison, 819 555-0148.",
    ),
]

CREATED = dt.datetime(2025, 6, 2, 9, 0, 0, tzinfo=dt.UTC)


def pdf_text() -> str:
    """The PDF's text, line by line, as it was laid out."""
    return "\n".join(line for _, lines in PDF_BLOCKS for line in lines)


def docx_text() -> str:
    """The DOCX's text (paragraphs, then table cells, then closing paragraphs)."""
    parts = [text for _, text in DOCX_PARAGRAPHS]
    parts += [f"{a} {b}" for a, b in DOCX_TABLE]
    parts += [text for _, text in DOCX_CLOSING]
    return "\n".join(parts)


def make_pdf(path: Path) -> None:
    write_pdf(
        path, title=PDF_TITLE, created=CREATED, blocks=PDF_BLOCKS,
        author="Conférence régionale des préfets du Saguenay–Lac-Saint-Jean",
        subject="Fonds québécois d'initiatives sociales – appel de projets 2025",
        styles={
            "title": ("B", 15, 8),
            "head": ("B", 11, 7),
            "small": ("", 9, 5),
            "body": ("", 9.5, 5),
        },
    )


def make_docx(path: Path) -> None:
    write_docx(
        path, title=DOCX_TITLE, author="Table des MRC du Centre-du-Québec", created=CREATED,
        paragraphs=DOCX_PARAGRAPHS, table=DOCX_TABLE, closing=DOCX_CLOSING,
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_pdf(OUT / PDF_FILE)
    make_docx(OUT / DOCX_FILE)
    print(f"wrote {OUT / PDF_FILE}")
    print(f"wrote {OUT / DOCX_FILE}")


if __name__ == "__main__":
    main()
