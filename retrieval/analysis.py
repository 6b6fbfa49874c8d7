"""French-first text analysis for the lexical index: fold, split elisions, drop stop
words, stem. Documents and queries go through the same `analyze`, so accents, case and
"l'exclusion" vs "exclusion" never stop a match."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

from knowledge.folding import fold

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|lorsqu|puisqu|jusqu)'(?=[a-z])")

# Questions ask "quel", "qui", "combien", and chat adds "c", "koi", "pis": useful to
# humans, noise for BM25 and for the evidence check.
_QUESTION_WORDS = {
    "quel", "quelle", "quels", "quelles", "qui", "quoi", "koi", "combien", "comment",
    "pourquoi", "quand", "laquelle", "lequel", "lesquels", "lesquelles", "ou", "est", "sont",
    "c", "ca", "cest", "pis", "genre", "svp", "stp", "merci", "bonjour", "allo", "exactement",
    "veut", "veulent", "dire", "signifie", "signifient", "sigle", "acronyme", "consiste",
    "correspond", "fait", "font", "peut", "peuvent", "doit", "doivent", "devait", "selon",
    "il", "ils", "elle", "elles", "on", "tout", "tous", "toute", "toutes", "leur", "leurs",
    "depuis", "parmi", "comme", "aussi", "entre", "dont", "cela", "ceci", "y",
    "what", "which", "who", "how", "many", "much", "does", "did", "whats", "wat", "when",
    "is", "are", "the", "of", "in", "for", "a", "an", "and", "to", "was", "were",
}
STOP_WORDS: frozenset[str] = frozenset(
    fold(word) for word in (*STOPWORDS_FRENCH, *STOPWORDS_EN, *_QUESTION_WORDS)
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french")


def words(text: str) -> list[str]:
    """Folded word tokens, elided articles removed, stop words kept."""
    folded = _ELISION.sub(" ", fold(text))
    return _TOKEN.findall(folded)


# « 2e appel », « 3ème plan »: chat abbreviates the ordinals that documents spell out.
_ORDINAL = re.compile(r"(\d{1,2})(?:e|eme|ieme)")
_ORDINAL_WORDS = dict(enumerate(
    "deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme".split(),
    start=2,
))


def _spelled_ordinal(word: str) -> str:
    match = _ORDINAL.fullmatch(word)
    return _ORDINAL_WORDS.get(int(match.group(1)), word) if match else word


def content_words(text: str) -> list[str]:
    """Folded tokens without stop words, abbreviated ordinals spelled out."""
    return [_spelled_ordinal(word) for word in words(text) if word not in STOP_WORDS]


def analyze(text: str) -> list[str]:
    """The lexical index's tokens: folded, without stop words, Snowball-French stemmed.

    Stemming folded words leaves a trailing "e" on some forms ("invitees" → "invite",
    "invite" → "invit"); dropping it makes the inflections of a word meet again.
    """
    stems = _stemmer().stemWords(content_words(text))
    return [stem.rstrip("e") if len(stem) > 3 else stem for stem in stems]
