"""English questions about a French corpus: add the French terms the documents use.

The multilingual encoder already bridges languages; the lexical index needs words. This
glossary covers the programme's vocabulary, not general English.
"""

from __future__ import annotations

import re

from knowledge.folding import fold

# English word or phrase (folded) → French terms as the corpus writes them.
GLOSSARY: dict[str, str] = {
    "managing body": "mandataire",
    "manages": "mandataire gestion",
    "manage": "mandataire gestion",
    "managed": "mandataire gestion",
    "manager": "mandataire",
    "mandatary": "mandataire",
    "trustee": "mandataire",
    "agent": "mandataire",
    "alliance": "alliance",
    "solidarity": "solidarité",
    "poverty": "pauvreté",
    "social exclusion": "exclusion sociale",
    "exclusion": "exclusion",
    "inclusion": "inclusion",
    "cost": "coût",
    "costs": "coût",
    "measure": "mesure",
    "action plan": "plan d'action",
    "plan": "plan",
    "orientations": "orientations",
    "orientation": "orientation",
    "axes": "axes",
    "axis": "axe",
    "goals": "buts",
    "goal": "but",
    "law": "loi",
    "fund": "fonds FQIS",
    "funding": "financement",
    "funded": "financement",
    "budget": "enveloppe budgétaire",
    "envelope": "enveloppe",
    "million": "M$",
    "split": "répartition",
    "share": "répartition",
    "national projects": "projets de portée nationale",
    "projects": "projets",
    "project": "projet",
    "examples": "exemples",
    "example": "exemple",
    "region": "région",
    "regions": "régions",
    "regional": "régional",
    "local": "local",
    "first nations": "Premières Nations",
    "communities": "communautés",
    "community": "communauté",
    "signed": "signés signature signataires",
    "concluded": "conclues",
    "established": "institué",
    "created": "institué création",
    "sits": "réunit",
    "members": "réunit",
    "made available": "mis à la disposition",
    "endowment": "doté",
    "endowed": "doté",
    "money": "montant",
    "amount": "montant",
    "summer": "été",
    "winter": "hiver",
    "legal reference": "loi article",
    "article": "article",
    "colloquium": "colloque",
    "symposium": "colloque",
    "deck": "présentation",
    "slides": "présentation",
    "body": "organisme",
    "organization": "organisme",
    "organizations": "organismes",
    "launched": "lancé",
    "planned": "prévu",
    "held": "colloque",
    "signatories": "signataires",
    "signatory": "signataire",
    "partners": "partenaires",
    "partnership group": "Groupe des partenaires pour la solidarité",
    "mandate": "mandat",
    "forum": "Forum de la solidarité",
    "ministry": "ministère",
    "minister": "ministre",
    "responsible": "responsable",
    "clientele": "clientèle",
    "reached": "rejointe",
    "next steps": "étapes à venir",
    "steps": "étapes",
    "food security": "sécurité alimentaire",
    "housing": "logement",
    "social housing": "logement social",
    "digital skills": "compétences numériques",
    "prejudice": "préjugés",
    "community action": "action communautaire",
    "culture": "culturelles loisirs",
    "childhood": "enfance",
    "young people": "jeunes",
    "youth": "jeunes",
    "work": "travail",
    "income": "revenu",
    "gender": "ADS analyse différenciée selon les sexes",
    "conference": "conférence colloque",
    "presentation": "présentation",
    "residents": "résidents",
    "population": "population",
    "largest": "plus grande",
    "smallest": "plus petite",
    "cree": "cris crie",
    "inuit": "Inuits",
    "report": "rapport",
    "activities": "activités",
    "annual": "annuel",
    "year": "année",
    "protocols": "protocoles",
    "evaluation": "évaluation",
    "research": "recherche",
    "participation": "participation",
    "mobilize": "mobiliser",
    "regional conference of elected officials": "Conférence régionale des élus CRÉ",
    "elected": "élus",
    "how many": "combien",
    "percent": "%",
    "percentage": "%",
}
_PATTERNS = sorted(GLOSSARY, key=len, reverse=True)


def french_terms_for(question: str) -> str:
    """The French glossary terms an English question calls for, space-separated."""
    folded = f" {fold(question)} "
    found: list[str] = []
    for english in _PATTERNS:
        if re.search(rf"(?<![a-z]){re.escape(english)}(?![a-z])", folded):
            found.append(GLOSSARY[english])
            folded = folded.replace(english, " ")
    return " ".join(dict.fromkeys(found))


def expand_query(question: str, language: str) -> str:
    """The lexical query: the question, plus the phrases its acronyms stand for, plus
    French terms when it is in English."""
    from knowledge.folding import fold_key
    from knowledge.regions import find_regions_in_text
    from retrieval.acronyms import expansions_for

    regions = [
        name for name in find_regions_in_text(question)
        if fold_key(name) not in fold_key(question)  # typed as an alias ("BSL")
    ]
    extra = [expansions_for(question), " ".join(regions)]
    if language == "en":
        extra.append(french_terms_for(question))
    added = " ".join(part for part in extra if part)
    return f"{question} {added}" if added else question
