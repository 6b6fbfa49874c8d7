"""Regenerate the binary documents (PDF and DOCX) of the unseen_2 documents suite.

Run from anywhere with the project's virtual environment:

    .venv/bin/python evaluations/unseen_2/make_binary_documents.py

It writes, in evaluations/unseen_2/documents/:

- mrc-kamouraska-proces-verbal-2025-06-11-extrait.pdf: excerpt of the minutes of a regional
  county council meeting approving FQIS projects (fpdf2, DejaVuSans);
- rapport-etape-navette-solidaire-matanie-2026.pdf: progress report of a funded local project
  (fpdf2, DejaVuSans); the total cost is deliberately split across two PDF lines, as happens
  with real PDF text extraction;
- rapport-annuel-alliance-centre-du-quebec-2024-2025.docx: annual report of a regional
  Alliance, with a table (python-docx).

The text lives in the constants below so that a fact checker can read exactly what was put
in the files. Output is deterministic: fixed creation dates, and the DOCX archive is rewritten
with fixed entry timestamps.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evaluations.fixture_files import freeze_zip, write_docx, write_pdf

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"

# ---------------------------------------------------------------------------
# PDF 1: procès-verbal excerpt, MRC de Kamouraska (Bas-Saint-Laurent)
# ---------------------------------------------------------------------------
PV_FILE = "mrc-kamouraska-proces-verbal-2025-06-11-extrait.pdf"
PV_TITLE = "Extrait du procès-verbal – séance ordinaire du 11 juin 2025 – MRC de Kamouraska"
PV_AUTHOR = "MRC de Kamouraska"
PV_CREATED = dt.datetime(2025, 6, 19, 14, 0, 0, tzinfo=dt.UTC)

PV_BLOCKS: list[tuple[str, list[str]]] = [
    ("small", ["PROVINCE DE QUÉBEC", "MUNICIPALITÉ RÉGIONALE DE COMTÉ DE KAMOURASKA"]),
    ("title", ["EXTRAIT DU PROCÈS-VERBAL"]),
    (
        "body",
        [
            "Séance ordinaire du conseil de la MRC de Kamouraska tenue le mercredi 11 juin 2025",
            "à 19 h 30, à la salle du conseil, 235, rue Rochette, Saint-Pascal, sous la présidence",
            "de Mme Nathalie Lévesque-Ouellet, préfète. Les maires des 17 municipalités sont",
            "présents et forment quorum. Assiste également à la séance M. Yan Dionne-Pelletier,",
            "directeur général et greffier-trésorier.",
        ],
    ),
    ("head", ["9. DÉVELOPPEMENT SOCIAL"]),
    ("head", ["9.1 Alliance pour la solidarité – projets recommandés par le comité"]),
    ("head", ["RÉSOLUTION 2025-06-141"]),
    (
        "body",
        [
            "CONSIDÉRANT que la MRC de Kamouraska dispose, dans le cadre de l'Alliance pour la",
            "solidarité du Bas-Saint-Laurent 2024-2029 gérée par le Collectif régional de",
            "développement, d'une somme réservée de 486 210 $ du Fonds québécois d'initiatives",
            "sociales (FQIS) pour son territoire;",
            "CONSIDÉRANT que 112 770 $ de cette somme ont déjà été engagés lors du premier",
            "appel de projets local, en décembre 2024;",
            "CONSIDÉRANT le deuxième appel de projets local, qui a pris fin le 2 mai 2025,",
            "et au terme duquel neuf demandes ont été reçues;",
            "CONSIDÉRANT les recommandations du Comité de développement social du Kamouraska,",
            "réuni le 28 mai 2025;",
            "Il est proposé par M. Rémi Pelletier, maire de Saint-Pacôme,",
            "appuyé par Mme Josée Michaud, mairesse de Rivière-Ouelle,",
            "et résolu à l'unanimité :",
            "QUE le conseil accorde une aide financière aux quatre projets suivants :",
        ],
    ),
    ("row", ["Frigo-partage du Kamouraska – Centre d'entraide du Kamouraska", "28 750,00 $"]),
    (
        "row",
        ["Transport solidaire rural – Société de transport collectif du Kamouraska", "42 300,00 $"],
    ),
    ("row", ["Logement d'abord Kamouraska – Office d'habitation du Kamouraska", "35 600,00 $"]),
    (
        "row",
        ["Cuisine collective des aînés de Saint-Alexandre – Maison de la famille", "18 900,00 $"],
    ),
    ("row", ["Total", "125 550,00 $"]),
    (
        "body",
        [
            "QUE ces sommes soient prises à même la part du territoire prévue à l'entente",
            "2024-2029, dont le solde disponible après la présente résolution s'établit à",
            "247 890 $.",
            "ADOPTÉE",
        ],
    ),
    ("head", ["RÉSOLUTION 2025-06-142"]),
    (
        "body",
        [
            "Il est proposé par M. Gilles Lavoie, maire de Saint-Alexandre-de-Kamouraska,",
            "appuyé par M. Rémi Pelletier, maire de Saint-Pacôme,",
            "et résolu à l'unanimité d'autoriser la préfète et le directeur général à signer,",
            "pour et au nom de la MRC, les conventions d'aide financière avec les promoteurs",
            "des projets acceptés à la résolution 2025-06-141. Un premier versement de 50 %",
            "sera fait à la signature de chaque convention.",
            "ADOPTÉE",
        ],
    ),
    ("head", ["RÉSOLUTION 2025-06-143"]),
    (
        "body",
        [
            "CONSIDÉRANT que la demande visant une épicerie mobile à Pohénégamook était",
            "incomplète à la date de clôture de l'appel;",
            "Il est proposé par Mme Josée Michaud, mairesse de Rivière-Ouelle,",
            "appuyé par M. Gilles Lavoie, maire de Saint-Alexandre-de-Kamouraska,",
            "et résolu à l'unanimité de reporter l'analyse du projet d'épicerie mobile de",
            "Pohénégamook au prochain appel de projets local, prévu à l'automne 2025.",
            "ADOPTÉE",
        ],
    ),
    (
        "small",
        [
            "Copie certifiée conforme, donnée à Saint-Pascal le 19 juin 2025.",
            "Yan Dionne-Pelletier, directeur général et greffier-trésorier",
            "Le présent extrait est sujet à l'approbation du procès-verbal à la séance suivante.",
        ],
    ),
]

# ---------------------------------------------------------------------------
# PDF 2: progress report of a funded project, MRC de La Matanie (Bas-Saint-Laurent)
# ---------------------------------------------------------------------------
RE_FILE = "rapport-etape-navette-solidaire-matanie-2026.pdf"
RE_TITLE = "Rapport d'étape – Navette solidaire des villages de La Matanie"
RE_AUTHOR = "Coopérative de solidarité Mobilité Matanie"
RE_CREATED = dt.datetime(2026, 1, 23, 10, 0, 0, tzinfo=dt.UTC)

RE_BLOCKS: list[tuple[str, list[str]]] = [
    ("title", ["RAPPORT D'ÉTAPE"]),
    ("title", ["Navette solidaire des villages de La Matanie"]),
    (
        "small",
        [
            "Alliance pour la solidarité – Fonds québécois d'initiatives sociales (FQIS)",
            "Promoteur : Coopérative de solidarité Mobilité Matanie",
            "Période couverte : du 1er mai au 31 décembre 2025 · Déposé le 23 janvier 2026",
            "Destinataire : Comité de développement social de La Matanie, a/s de Sophie Gagné",
        ],
    ),
    ("head", ["1. Rappel du projet"]),
    (
        "body",
        [
            "Le projet offre un transport à la demande entre les villages de l'arrière-pays et",
            "Matane, pour les personnes à faible revenu qui n'ont pas de voiture : rendez-vous",
            "médicaux, épicerie, démarches d'emploi et services gouvernementaux. Il a été retenu",
            "à l'appel de projets local 2025 de la MRC de La Matanie.",
            "Durée : 24 mois, du 1er mai 2025 au 30 avril 2027.",
            "Aide accordée par le FQIS : 34 600 $. Coût total prévu du projet : 46",
            "200 $. La contribution du milieu, soit 11 600 $, vient de la coopérative, de quatre",
            "municipalités et du prêt d'un véhicule par le centre d'action bénévole.",
        ],
    ),
    ("head", ["2. Résultats au 31 décembre 2025"]),
    (
        "body",
        [
            "Déplacements effectués : 1 284",
            "Personnes différentes transportées : 96, dont 61 femmes et 38 personnes de 65 ans",
            "et plus",
            "Villages desservis : Saint-René-de-Matane, Sainte-Paule, Saint-Léandre,",
            "Grosses-Roches, Saint-Adelme et Les Méchins",
            "Coût d'un trajet pour l'usager : 3 $ l'aller, gratuit pour les rendez-vous médicaux",
            "Chauffeurs bénévoles formés : 11",
            "Motifs principaux : rendez-vous médicaux (44 %), épicerie (31 %), emploi et",
            "formation (15 %), autres démarches (10 %).",
        ],
    ),
    ("head", ["3. Difficultés et ajustements"]),
    (
        "body",
        [
            "La demande a été plus forte que prévu à Les Méchins, ce qui allonge certains",
            "trajets à plus de deux heures. Depuis novembre 2025, un deuxième départ est offert",
            "le jeudi. Le recrutement de chauffeurs bénévoles reste difficile l'hiver.",
        ],
    ),
    ("head", ["4. Versements"]),
    (
        "body",
        [
            "Premier versement reçu à la signature (50 %) : 17 300 $",
            "Deuxième versement demandé avec le présent rapport (30 %) : 10 380 $",
            "Dernier versement, après le rapport final (20 %) : 6 920 $",
        ],
    ),
    (
        "small",
        [
            "Personne-ressource : Valérie Desjardins, coordonnatrice, 418 555-0171,",
            "navette@mobilitematanie.coop",
        ],
    ),
]

# ---------------------------------------------------------------------------
# DOCX: annual report, Alliance pour la solidarité du Centre-du-Québec
# ---------------------------------------------------------------------------
DOCX_FILE = "rapport-annuel-alliance-centre-du-quebec-2024-2025.docx"
DOCX_TITLE = "Rapport annuel 2024-2025 – Alliance pour la solidarité du Centre-du-Québec"
DOCX_CREATED = dt.datetime(2025, 6, 20, 9, 0, 0)

DOCX_PARAGRAPHS: list[tuple[str, str]] = [
    ("h1", "Rapport annuel 2024-2025 – Alliance pour la solidarité du Centre-du-Québec"),
    ("p", "Table des MRC du Centre-du-Québec – adopté par le conseil de la Table le 18 juin 2025"),
    ("h2", "Mot de la présidence"),
    (
        "p",
        "La première année de l'entente 2024-2029 a surtout servi à remettre la concertation en "
        "marche dans les cinq MRC et à lancer un premier appel de projets. Les comités locaux "
        "ont travaillé vite : moins de six mois après l'ouverture de l'appel, 19 projets étaient "
        "acceptés. – Josée-Anne Bergeron, présidente de la Table des MRC du Centre-du-Québec",
    ),
    ("h2", "L'entente en bref"),
    ("li", "Mandataire : Table des MRC du Centre-du-Québec"),
    ("li", "Enveloppe 2024-2029 du FQIS : 3 318 756 $ (environ 3,3 M$)"),
    ("li", "Somme reçue pour l'exercice 2024-2025 : 663 751 $"),
    ("li", "Dépenses de coordination et d'animation en 2024-2025 : 58 420 $"),
    ("h2", "Premier appel de projets"),
    (
        "p",
        "Le premier appel a été lancé le 15 octobre 2024 et s'est terminé le 13 décembre 2024. "
        "Sur 31 demandes reçues, 19 projets ont été acceptés par le comité régional le "
        "27 mars 2025, pour une aide totale de 962 480 $. Les partenaires y ajoutent "
        "412 600 $ en argent et en services. Les promoteurs prévoient rejoindre environ "
        "4 300 personnes.",
    ),
    ("p", "Répartition des projets acceptés par MRC :"),
]

DOCX_TABLE: list[tuple[str, str, str]] = [
    ("Territoire", "Projets", "Aide accordée"),
    ("MRC d'Arthabaska", "5", "238 900 $"),
    ("MRC de Bécancour", "3", "132 450 $"),
    ("MRC de Drummond", "6", "301 780 $"),
    ("MRC de L'Érable", "2", "118 200 $"),
    ("MRC de Nicolet-Yamaska", "3", "171 150 $"),
    ("Total", "19", "962 480 $"),
]

DOCX_CLOSING: list[tuple[str, str]] = [
    ("h2", "Quelques projets"),
    (
        "li",
        "Épicerie solidaire de Victoriaville – Coopérative de solidarité des Bois-Francs : "
        "74 000 $ sur deux ans",
    ),
    (
        "li",
        "Navette rurale de L'Érable, entre les villages et Plessisville – Corporation de "
        "transport de L'Érable : 68 200 $",
    ),
    (
        "li",
        "Jardin collectif et cuisine partagée d'Odanak – Conseil des Abénakis d'Odanak : 41 500 $",
    ),
    (
        "li",
        "Accompagnement des locataires à Drummondville – Comité logement Drummond : 57 300 $",
    ),
    ("h2", "Et pour 2025-2026"),
    (
        "p",
        "Un deuxième appel de projets, doté de 1 200 000 $, a été lancé le 2 juin 2025. "
        "La Table prévoit aussi produire, à l'automne 2025, un premier portrait des effets "
        "des projets sur les personnes rejointes, avec l'aide d'un centre de recherche "
        "universitaire.",
    ),
    ("p", "Information : Nadia Lemire, agente de liaison, 819 555-0148, alliance@tablemrccdq.ca"),
]


def pdf_text(blocks: list[tuple[str, list[str]]]) -> str:
    """A PDF's text, line by line, as it was laid out (table rows joined by a space)."""
    out: list[str] = []
    for style, lines in blocks:
        if style == "row":
            out.append(" ".join(lines))
        else:
            out.extend(lines)
    return "\n".join(out)


def docx_text() -> str:
    """The DOCX's text (paragraphs, then table cells, then closing paragraphs)."""
    parts = [text for _, text in DOCX_PARAGRAPHS]
    parts += [" ".join(row) for row in DOCX_TABLE]
    parts += [text for _, text in DOCX_CLOSING]
    return "\n".join(parts)


PDF_STYLES = {
    "title": ("B", 14, 8),
    "head": ("B", 10.5, 7),
    "small": ("", 8.5, 5),
    "body": ("", 9.5, 5),
    "row": ("", 9.5, 6),
}


def make_pdf(
    path: Path, title: str, author: str, created: dt.datetime, blocks: list[tuple[str, list[str]]]
) -> None:
    write_pdf(
        path, title=title, author=author, created=created, blocks=blocks, styles=PDF_STYLES,
        subject="Alliance pour la solidarité – Fonds québécois d'initiatives sociales",
    )


def make_docx(path: Path) -> None:
    write_docx(
        path, title=DOCX_TITLE, author="Table des MRC du Centre-du-Québec",
        created=DOCX_CREATED, paragraphs=DOCX_PARAGRAPHS, table=DOCX_TABLE,
        closing=DOCX_CLOSING, last_printed=True,
    )
    freeze_zip(path, (2025, 6, 20, 9, 0, 0))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    make_pdf(OUT / PV_FILE, PV_TITLE, PV_AUTHOR, PV_CREATED, PV_BLOCKS)
    make_pdf(OUT / RE_FILE, RE_TITLE, RE_AUTHOR, RE_CREATED, RE_BLOCKS)
    make_docx(OUT / DOCX_FILE)
    for name in (PV_FILE, RE_FILE, DOCX_FILE):
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
