"""A seeded generator of realistic French project descriptions and updates, across the
Alliance territories, to measure how the assistant scales past the shipped corpus."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.regions import territory_names

_ACTIVITIES = [
    ("Cuisine collective", "prépare des repas à faible coût avec des familles à faible revenu"),
    ("Jardin communautaire", "cultive des légumes avec des citoyens du quartier"),
    ("Friperie solidaire", "offre des vêtements à prix modique et un plateau de travail"),
    ("Épicerie solidaire", "vend des aliments de base à prix réduit aux ménages admissibles"),
    ("Transport solidaire", "conduit des personnes isolées vers leurs rendez-vous"),
    ("Halte-garderie", "accueille les enfants pendant que les parents suivent une formation"),
    ("Plateau de travail", "permet à des jeunes d'acquérir une expérience de travail"),
    ("Accompagnement budgétaire", "aide les ménages à établir un budget et à réduire leurs dettes"),
    ("Logement social", "accompagne des locataires vers un logement abordable"),
    ("Littératie numérique", "initie des aînés aux outils numériques et aux services en ligne"),
    ("Lutte aux préjugés", "organise des rencontres entre citoyens et personnes en situation "
     "de pauvreté"),
    ("Sécurité alimentaire", "coordonne la récupération d'invendus et les paniers de Noël"),
]
_PLACES = ["Shawinigan", "Rimouski", "Sherbrooke", "Gatineau", "Rouyn-Noranda", "Baie-Comeau",
           "Gaspé", "Lévis", "Joliette", "Saint-Jérôme", "Granby", "Drummondville", "Alma",
           "Matane", "Victoriaville", "Thetford Mines", "Mont-Laurier", "Sept-Îles", "Amos"]
_PROMOTERS = ["Centre d'action bénévole", "Carrefour jeunesse-emploi", "Corporation de "
              "développement communautaire", "Maison de la famille", "Coopérative de solidarité",
              "Table de concertation en sécurité alimentaire", "Regroupement des organismes "
              "communautaires"]
_STATUSES = ["en préparation", "en cours", "en cours", "en cours", "terminé", "suspendu"]
_UPDATES = [
    "{n} personnes rejointes ce mois-ci; {amount} $ dépensés pour l'achat de matériel.",
    "Nouvelle cohorte de {n} participants; l'animatrice a été embauchée le {day} {month}.",
    "Le comité de suivi s'est réuni le {day} {month}; {amount} $ engagés sur le budget annuel.",
    "Partenariat signé avec la municipalité; {n} bénévoles mobilisés pour la saison.",
    "Bilan trimestriel : {n} ménages accompagnés et {amount} $ versés aux fournisseurs locaux.",
]
_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"]


@dataclass
class SyntheticDocument:
    name: str
    text: str
    chunks_expected: int


def _money(rng: random.Random) -> str:
    return f"{rng.randrange(500, 95_000, 50):,}".replace(",", " ")


def generate_documents(count: int, updates_per_project: int = 3, seed: int = 2024) -> Iterator[
    SyntheticDocument
]:
    """`count` project documents, each a description section and dated update sections."""
    rng = random.Random(seed)
    regions = territory_names()
    for number in range(count):
        activity, purpose = rng.choice(_ACTIVITIES)
        place = rng.choice(_PLACES)
        region = rng.choice(regions)
        name = f"{activity} de {place} n° {number}"
        lines = [
            f"# {name}",
            "## Description",
            f"Région : {region}. Promoteur : {rng.choice(_PROMOTERS)} de {place}.",
            f"Le projet {purpose}. Budget : {_money(rng)} $ du FQIS dans le cadre de "
            f"l'Alliance pour la solidarité. Statut : {rng.choice(_STATUSES)}.",
        ]
        for update in range(updates_per_project):
            day, month = rng.randint(1, 28), rng.choice(_MONTHS)
            lines.append(f"## Mise à jour {update + 1} ({day} {month} {rng.randint(2019, 2026)})")
            lines.append(rng.choice(_UPDATES).format(
                n=rng.randint(3, 250), amount=_money(rng), day=day, month=month,
            ))
        yield SyntheticDocument(f"projet-{seed}-{number:06d}.md", "\n".join(lines) + "\n",
                                1 + updates_per_project)


def write_documents(folder: Path, count: int, seed: int = 2024) -> list[Path]:
    """Write `count` synthetic documents as Markdown files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for document in generate_documents(count, seed=seed):
        path = folder / document.name
        path.write_text(document.text, encoding="utf-8")
        paths.append(path)
    return paths


QUERIES = [
    "Où en est la cuisine collective de Shawinigan ?",
    "Combien de personnes rejointes par le jardin communautaire ?",
    "Quel organisme est mandataire en Mauricie ?",
    "Quel est le coût de la mesure 1.1 en 2010-2011 ?",
    "Quels projets de sécurité alimentaire en Gaspésie ?",
    "Who manages the Alliance in Estrie?",
    "Quelles sont les quatre orientations du PSIS ?",
    "budget friperie solidaire Rimouski",
    "Quel est le montant du FQIS pour le PSIS ?",
    "bilan trimestriel ménages accompagnés Lévis",
]

# Asked once each, before any other question, to time what a user's first question about a
# passage costs: its quotes are read back or, if indexing did not store them, encoded then.
FIRST_QUERIES = [
    "Qui gère l'Alliance en Outaouais ?",
    "Combien d'argent pour la Gaspésie ?",
    "C'est quoi le Forum de la solidarité ?",
    "Quel ministère pilote les Alliances ?",
    "Quels sont les objectifs de l'axe 3 du PAGIEPS ?",
    "What did the 2014 presentation say about the regional action plans?",
    "Qui est le mandataire au Saguenay-Lac-Saint-Jean ?",
    "Quelle part du FQIS allait aux projets nationaux ?",
]
