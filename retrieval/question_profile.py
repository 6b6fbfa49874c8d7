"""What a question asks for and what it constrains, read once before evidence is scored.

A profile holds the question's content stems (French, or the French terms of an English
question), the names it uses (proper names and acronyms, with what the documents say the
acronyms stand for), the territories, years, periods and measure numbers it names, and
the kind of answer it wants. None of these decides anything by itself: they are the
constraints that `retrieval.evidence_features` checks against each candidate quote, and
the learned scorer weighs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from knowledge.folding import fold
from knowledge.gazetteer import find_places
from knowledge.regions import find_regions_in_text, replace_aliases, territories_in
from retrieval.analysis import analyze
from retrieval.query_expansion import french_terms_for
from retrieval.spans import Span, measure_numbers, spans_in, years_in

# "amount", "percent", "count", "quantity" (any of the three), "date", "who", "list",
# "definition" or "other"
AnswerType = str

# The kind of answer, from the question's own interrogative words. Checked in order: the
# first that matches wins ("combien d'argent" is an amount before it is a count).
_ANSWER_TYPE_CUES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("percent", r"\b(quelle part|pourcentage|proportion|what share|percentage|percent)\b"),
        ("amount", r"\b(combien d argent|montants?|budgets?|enveloppes?|couts?|coute\w*|sommes?"
                   r"|financements?|investi\w*|dollars?|argent|how much|amounts?|costs?|funding"
                   r"|envelopes?|money|verse\w*|octroye\w*|recoi\w*|receives?)\b"),
        ("count", r"\b(combien de?|nombre|how many|number of)\b"),
        # A bare « combien » (« X a eu combien ? ») asks how much as readily as how many.
        ("quantity", r"\b(combien)\b"),
        ("date", r"\b(quand|quelle date|a quelle date|date limite|dates?|echeance|jusqu a quand"
                 r"|en quelle annee|quelle annee|when|deadline|what year|which year)\b"),
        ("definition", r"\b(c est quoi|qu est ce|que signifie|que veut dire|veut dire|signifie"
                       r"|en quoi consiste|a quoi sert|what is|what are|what does|stand for"
                       r"|mean|mission|mandat|role|purpose|objectif|vise\w*|aims?)\b"),
        ("who", r"\b(qui|quel organisme|quelle organisation|quel ministere|quelle instance"
                r"|who|which (organi[sz]ation|body|ministry|department))\b"),
        ("list", r"\b(quels|quelles|liste\w*|enumere\w*|lesquel\w*|which|list)\b"),
    )
)
_PLURAL_ASK = re.compile(r"\b(quels sont|quelles sont|what are the|which are|liste|list)\b")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÉÈÀÎÔÇ][\wÀ-ÿ'’-]{2,}")
_ACRONYM = re.compile(r"(?<![\w])[A-ZÉÈ]{2,}[0-9]*(?![\w])")
# A word chat may type in lower case for an acronym (« l'aps », « le pagieps »).
_LOWERCASE_ACRONYM = re.compile(r"(?<![\w-])[a-zé]{3,8}(?![\w'’-])")
_WORD = re.compile(r"[\w'’-]+")
# Question words and verbs of asking: capitalised at the start of a question, never names.
_NOT_NAMES = frozenset(
    fold(word) for word in (
        "qui quel quelle quels quelles quoi que quand combien comment pourquoi où est-ce "
        "what which who whom how when where why does did do is are was were can could tell "
        "give list name please selon according et and pis puis aussi alors donc"
    ).split()
)


@dataclass(frozen=True)
class NameTerm:
    """A name the question uses, and the stem sets any one of which counts as saying it
    (the name itself, or the phrase an acronym stands for)."""

    text: str
    forms: tuple[frozenset[str], ...]
    phrases: tuple[str, ...] = ()  # what an acronym stands for, as the documents write it


@dataclass
class QuestionProfile:
    text: str
    language: str
    stems: list[str]
    names: list[NameTerm] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # years and periods named
    measures: list[str] = field(default_factory=list)
    answer_type: AnswerType = "other"
    wants_list: bool = False

    def unwritten_acronyms(self, known: Callable[[str], bool]) -> list[NameTerm]:
        """The acronyms the question uses that the documents define or the glossary knows
        but never write (« aps »): search, the encoder and the scorer read their phrase
        instead. `known(stem)`: whether the documents use that stem."""
        return [
            name for name in self.names
            if name.phrases and not all(known(stem) for stem in name.forms[0])
        ]

    def search_text(self, known: Callable[[str], bool]) -> str:
        """The question as search and the encoder read it: with the phrase of each
        unwritten acronym (« aps » means nothing to either; « FQIS », which the documents
        write, finds the passages that do)."""
        phrases = [name.phrases[0] for name in self.unwritten_acronyms(known)]
        return f"{self.text} ({'; '.join(phrases)})" if phrases else self.text

    @property
    def all_stems(self) -> set[str]:
        """The content stems and the stems of every form of every name."""
        stems = set(self.stems)
        for name in self.names:
            for form in name.forms:
                stems |= form
        return stems


# Kinds whose cues are interrogatives ("qui", "quand"), not subjects ("enveloppe"): one of
# them asked before the chosen kind's cue decides (« Qui gère l'enveloppe ? » wants a who).
_LEADING_KINDS = ("who", "date")


def answer_type_of(question: str) -> AnswerType:
    """The kind of answer a question wants, from its interrogative words."""
    # A currency sign is a word here: « combien $ pour la MRC » asks for an amount.
    key = " " + re.sub(r"[^0-9a-z]+", " ", fold(question.replace("$", " dollars "))) + " "
    found = [(kind, match.start()) for kind, cue in _ANSWER_TYPE_CUES
             if (match := cue.search(key))]
    if not found:
        return "other"
    kind, position = found[0]
    leading = [(start, k) for k, start in found if k in _LEADING_KINDS and start < position]
    return min(leading)[1] if leading else kind


def profile_question(
    question: str,
    language: str,
    expand_acronym: Callable[[str], Iterable[str]] = lambda _acronym: (),
) -> QuestionProfile:
    """The profile of a question. `expand_acronym(acronym)` returns the phrases the
    knowledge base says an acronym stands for ("FQIS" -> "Fonds québécois d'initiatives
    sociales")."""
    regions = territories_named(question)
    normalized = replace_aliases(question)
    if language == "en":
        stems = analyze(french_terms_for(normalized)) + analyze(normalized)
    else:
        stems = analyze(normalized)
    names = _names(normalized, expand_acronym)
    key = " " + re.sub(r"[^0-9a-z]+", " ", fold(question)) + " "
    return QuestionProfile(
        text=question,
        language=language,
        stems=[stem for stem in dict.fromkeys(stems) if not stem.isdigit()],
        names=names,
        regions=regions,
        spans=spans_in(question),
        measures=measure_numbers(question),
        answer_type=answer_type_of(question),
        wants_list=bool(_PLURAL_ASK.search(key)),
    )


def territories_named(question: str) -> list[str]:
    """The territories a question names: those it names itself, then those of the MRCs
    and towns it names (« la MRC de Kamouraska » is about the Bas-Saint-Laurent)."""
    regions = find_regions_in_text(question)
    covered = {part for region in regions for part in territories_in(region)}
    for place in find_places(question):
        parts = set(territories_in(place.territory))
        if not parts <= covered:
            regions.append(place.territory)
            covered |= parts
    return regions


def _names(question: str, expand_acronym: Callable[[str], Iterable[str]]) -> list[NameTerm]:
    """Proper names (capitalised words past the first) and acronyms, region names aside:
    regions are constraints of their own."""
    first_word = _WORD.search(question)
    start = first_word.end() if first_word else 0
    typed = [m.group(0) for m in _CAPITALISED.finditer(question, start)]
    typed += _ACRONYM.findall(question)
    typed += [
        word for word in _LOWERCASE_ACRONYM.findall(question)
        if fold(word) not in _NOT_NAMES and expand_acronym(word.upper())
    ]
    names: list[NameTerm] = []
    seen: set[str] = set()
    for word in typed:
        folded = fold(word).strip("'’")
        if folded in _NOT_NAMES or folded in seen or find_regions_in_text(word):
            continue
        if years_in(word):
            continue
        stems = frozenset(analyze(word))
        if not stems:
            continue
        seen.add(folded)
        phrases: tuple[str, ...] = ()
        if not word[:1].isupper() or word.isupper():
            phrases = tuple(expand_acronym(word.upper()))
        forms = [stems, *(frozenset(analyze(phrase)) for phrase in phrases)]
        names.append(NameTerm(word, tuple(form for form in forms if form), phrases))
    return names
