"""The programme's acronyms and the words documents use instead of them.

"PSIS" is "le plan d'action 2010-2015" in the context document; a question naming one
must find passages that use the other: the lexical query adds them.
"""

from __future__ import annotations

from retrieval.analysis import analyze

# Acronym (folded) → phrases that stand for it in the corpus.
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "psis": ("2010-2015", "solidarité et l'inclusion sociale", "deuxième plan"),
    "pagieps": ("2017-2023", "inclusion économique et la participation sociale",
                "troisième plan"),
    "fqis": ("Fonds québécois d'initiatives sociales",),
    "gps": ("Groupe des partenaires pour la solidarité",),
    "cre": ("Conférence régionale des élus", "Conférences régionales des élus"),
    "ati": ("stratégies territoriales",),
    "ads": ("analyse différenciée selon les sexes",),
    "tqr": ("Table Québec-Régions",),
    "cepe": ("Centre d'étude sur la pauvreté et l'exclusion",),
    "mess": ("Emploi et de la Solidarité sociale",),
    "mtess": ("Travail, de l'Emploi et de la Solidarité sociale", "MTESS"),
    "csssp": ("CSSSPNQL",),
    "cssspnql": ("Commission de la santé et des services sociaux des Premières Nations",),
    "mrc": ("municipalité régionale de comté", "MRC"),
}


def expansions_for(text: str) -> str:
    """The equivalent phrases of every acronym in the text, separated by two spaces."""
    stems = set(analyze(text))
    phrases = [
        phrase for acronym, alternatives in EQUIVALENTS.items()
        if analyze(acronym) and analyze(acronym)[0] in stems for phrase in alternatives
    ]
    return "  ".join(dict.fromkeys(phrases))

