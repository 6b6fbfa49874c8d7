"""Is a question French or English? Counted on function words, French by default."""

from __future__ import annotations

from knowledge.folding import fold

_FRENCH = set(
    "le la les des du de un une et est sont qui quel quelle quels quelles que quoi ou où "
    "combien comment pourquoi en au aux pour par sur dans avec mandataire mesure coût "
    "région projet projets plan ce cette ces il elle ils on nous vous leur leurs a été".split()
)
_ENGLISH = set(
    "the of and is are was were who which what how many much does did do in for to with "
    "by on from this that these those it its their region regions project projects plan "
    "cost measure manages managed funding fund budget an a whom where when why".split()
)


def detect_language(text: str) -> str:
    """'en' when English function words clearly outnumber French ones, else 'fr'."""
    tokens = [token.strip("?!.,;:«»()\"'") for token in fold(text).split()]
    french = sum(token in {fold(w) for w in _FRENCH} for token in tokens)
    english = sum(token in _ENGLISH for token in tokens)
    return "en" if english > french else "fr"
