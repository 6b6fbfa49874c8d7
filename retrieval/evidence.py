"""How much a passage supports a question: the evidence behind answering or abstaining.

A question's key terms are its content words minus the programme's ubiquitous vocabulary
("alliance", "solidarité", …) that every passage shares. A passage supports the question
when it covers enough of them and contains every year, proper name and territory the
question names. A noun the question asks about ("le directeur", "l'adresse courriel",
"la météo") that appears nowhere in the knowledge base marks a question the documents
cannot answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from knowledge.folding import fold
from knowledge.regions import (
    REGION_GROUPS,
    TERRITORIES,
    find_regions_in_text,
    mentions_other_province,
    replace_aliases,
    territories_in,
)
from retrieval.acronyms import stem_found
from retrieval.analysis import STOP_WORDS as _STOP_EN
from retrieval.analysis import analyze
from retrieval.query_expansion import french_terms_for

# Words that every document of the corpus uses: they prove nothing about relevance.
UBIQUITOUS = frozenset(
    analyze(
        "alliance alliances solidarité pour la lutte contre pauvreté exclusion sociale "
        "québec québécois gouvernement gouvernemental document documents fqis "
        "savoir connaître donner indiquer information informations liste lister "
        "nom nommer existe exister parle parler concerne concernant "
        # References to the document itself ("selon la présentation de 2014").
        "présentation présentés présentées présente diapositive rapport document site page"
    )
)
# Nouns that name the kind of answer wanted, not what it is about ("quel type", "quelle
# date", "combien de temps"), and generic adjectives: absent from the corpus, they do
# not make a question unanswerable.
_ANSWER_TYPE_NOUNS = frozenset(
    fold(word) for word in (
        "type sorte genre numéro nombre nom date période moment temps durée fréquence "
        "année mois jour site monde gens événement article façon manière raison rôle but "
        "grosse gros petite petit grande grand nouvelle nouveau premier première dernier "
        "dernière principal principale exact exacte"
    ).split()
)
_DETERMINERS = frozenset(
    "le la les l un une des du de d au aux son sa ses leur leurs quel quelle quels quelles "
    "ce cet cette ces mon ma mes votre vos notre nos".split()
)
_ENGLISH_COMMON = frozenset(
    "tell me about please give list name names the a an what which who whom how is are was "
    "were does did do of in on for to and or with by from at as its their there this that "
    "these those many much can could would should will any all each every according when "
    "where why whats wat first second third government indigenous people list "
    "january february march april may june july august september october november "
    "december".split()
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÉÈÀÎÔÇ][\wÀ-ÿ'’-]{2,}")
_ACRONYM = re.compile(r"\b[A-ZÉ]{2,}[0-9]*\b")
_WORD = re.compile(r"[\w'-]+")
_REGION_NAME_STEMS = frozenset(
    analyze(" ".join(name for t in TERRITORIES for name in (t.name, t.region, *t.aliases)))
) | frozenset(analyze(" ".join(REGION_GROUPS)))
_WANTS_NUMBER = re.compile(
    r"\b(combien|how many|how much|quel montant|what amount|nombre de|number of|what share|"
    r"quelle part|pourcentage|percentage|quelle somme)\b",
    re.IGNORECASE,
)


@dataclass
class KeyTerms:
    """What a passage must contain to answer the question."""

    stems: list[str]  # content stems to cover (French, or French equivalents for English)
    required: list[str] = field(default_factory=list)  # proper names: all must be found
    regions: list[str] = field(default_factory=list)  # territories named: one must match
    years: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # asked-about nouns absent from corpus
    other_province: str | None = None
    wants_number: bool = False


def _without_first_word(question: str) -> str:
    return re.sub(r"^\W*[\w'’-]+", "", question.strip())


def unknown_nouns(question: str, vocabulary: Collection[str]) -> list[str]:
    """Stems of the nouns a French question asks about (a word right after a determiner)
    that the knowledge base never uses."""
    words = _WORD.findall(fold(question).replace("'", " ' "))
    words = [word for word in words if word != "'"]
    unknown: list[str] = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous not in _DETERMINERS or word in _ANSWER_TYPE_NOUNS:
            continue
        stems = analyze(word)
        if stems and stems[0] not in vocabulary and not stems[0].isdigit():
            unknown.append(stems[0])
    return unknown


def key_terms(question: str, language: str, vocabulary: Collection[str]) -> KeyTerms:
    """The question's key terms, in the corpus' language, judged against its vocabulary."""
    regions = find_regions_in_text(question)
    question = replace_aliases(question)
    years = _YEAR.findall(question)
    tail = _without_first_word(question)
    if language == "en":
        in_corpus = [s for s in analyze(question) if s in vocabulary]
        stems = analyze(french_terms_for(question)) + in_corpus
        proper = [
            word for word in _CAPITALISED.findall(tail)
            if word.lower().strip("'’") not in _ENGLISH_COMMON and not french_terms_for(word)
        ] + _ACRONYM.findall(question)
        # English words neither in the glossary nor in the corpus ("weather", "director"):
        # when they outnumber the terms we can check, the question is about something else.
        foreign = [
            word for word in re.findall(r"[a-z]{3,}", fold(question))
            if word not in _ENGLISH_COMMON and word not in _STOP_EN and not french_terms_for(word)
            and not set(analyze(word)) & set(vocabulary)
        ]
        unknown: list[str] = foreign if len(foreign) > len(set(stems)) else []
    else:
        stems = analyze(question)
        proper = _CAPITALISED.findall(tail) + _ACRONYM.findall(question)
        unknown = unknown_nouns(question, vocabulary)
    required = [
        s for s in analyze(" ".join(proper))
        if s not in UBIQUITOUS and s not in _REGION_NAME_STEMS and not _YEAR.fullmatch(s)
    ]
    return KeyTerms(
        stems=[s for s in dict.fromkeys(stems) if s not in UBIQUITOUS and not s.isdigit()],
        required=list(dict.fromkeys(required)),
        regions=regions,
        years=years,
        unknown=unknown,
        other_province=mentions_other_province(question),
        wants_number=bool(_WANTS_NUMBER.search(question)),
    )


@dataclass
class Support:
    coverage: float  # share of key stems found
    missing_required: list[str]
    missing_years: list[str]
    region_matched: bool

    @property
    def complete(self) -> bool:
        return not self.missing_required and not self.missing_years and self.region_matched


def support(terms: KeyTerms, passage: str, context: str = "", region: str = "") -> Support:
    """How well a passage covers the key terms. `context` (title, section) counts too;
    `region` is the passage's territory, which satisfies a territory the question names."""
    stems = set(analyze(f"{context}\n{passage}"))
    found = [stem for stem in terms.stems if stem_found(stem, stems)]
    region_stems = set(analyze(" ".join(terms.regions)))
    region_matched = not terms.regions or any(
        region in territories_in(name) for name in terms.regions
    ) or (not region and bool(region_stems) and region_stems <= stems)
    return Support(
        coverage=len(found) / len(terms.stems) if terms.stems else 0.0,
        missing_required=[s for s in terms.required if not stem_found(s, stems)],
        missing_years=[year for year in terms.years if year not in f"{context}\n{passage}"],
        region_matched=region_matched,
    )
