"""Checks on an LLM's answer before anyone sees it: is every fact it states in the passages
it cites?

`check_answer(text, passages, question=…, language=…)` returns the failures:
- **citation**: a marker names a passage that does not exist ("[7]" with five passages);
- **uncited**: an answer (not an abstention) that cites nothing;
- **figure**: a number, amount, percentage or year of a claim that none of the passages the
  claim cites contains — compared by value, in any format ("160,1 M$" = "$160.1 million" =
  "160,1 millions de dollars"; "huit" = "8"), so a figure the model rounded, summed or made
  up fails;
- **date**: a month named by a claim and absent from its passages ("June" counts as "juin");
- **name**: a proper name or acronym (a capitalised word not opening the sentence, an
  all-capitals word anywhere) absent from the cited passages and from the question; a
  word's other inflections count ("Alliances" / "Alliance"), and in English answers its
  French equivalent from the glossary ("Ministry" / "ministère");
- **language**: an answer plainly in the other language than the question's.

`claim_support` says whether one claim is supported by its passages (its figures, dates and
names, and at least half of its content words): the faithfulness measure of the evaluation.
The number formats come from `knowledge.number_formats`, shared with the evaluation's grader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from knowledge.folding import fold
from knowledge.number_formats import extract_amounts, number_words_to_digits
from retrieval.analysis import analyze, content_words
from retrieval.citations import Claim, cited_numbers, claims, normalize_markers
from retrieval.query_expansion import french_terms_for

MIN_CONTENT_SUPPORT = 0.5
_ELISION = re.compile(r"\b(?:[LlDdJjMmNnSsTtCc]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu)['’](?=\w)")
_MARKDOWN = re.compile(r"[*_`#>]+")
_WORD = re.compile(r"[\wÀ-ÿ][\wÀ-ÿ'’-]*")
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]*)")
_ACRONYM = re.compile(r"^[A-ZÀ-ÖØ-Þ]{2,}[0-9]*$")
_LIST_ENUMERATOR = re.compile(r"(?m)^\s*\d{1,2}[.)]\s+")
_MONTHS_FR = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
_MONTHS_EN = (
    "january february march april may june july august september october november december"
).split()
_MONTH_OF = {fold(name): fold(fr) for name, fr in zip(_MONTHS_EN, _MONTHS_FR, strict=True)} | {
    fold(fr): fold(fr) for fr in _MONTHS_FR
}
# Capitalised words that are not names, in either language (sentence furniture).
_NOT_NAMES = frozenset(
    fold(word)
    for word in (
        "I According Note Source Sources Passage Passages Selon Oui Non Yes No Voir See "
        "Québec Quebec INTROUVABLE NOT_FOUND Mr Mrs Ms M Mme"
    ).split()
)
_FR_WORDS = frozenset("le la les des du est sont et une pour dans par sur au aux qui ont".split())
_EN_WORDS = frozenset("the is are of and to with by on was were which that has have".split())
# English words that carry no fact; the lexical stop list misses them.
_EN_FILLER = frozenset(
    "has have had having over under about per each also its their there into than then been "
    "being will would can could should might more most such only other some both between "
    "through during within without across according called named known total".split()
)
# "mai" (May) is also "may" the verb in English: only an explicit date shape counts there.
_AMBIGUOUS_MONTHS = frozenset({"may", "mars", "march"})


@dataclass(frozen=True)
class CheckFailure:
    """Why an answer cannot be shown. `detail` is written for the model (the retry's feedback)
    and for the log."""

    kind: str  # citation | uncited | figure | date | name | language | empty
    detail: str


@dataclass
class CheckReport:
    failures: list[CheckFailure] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def feedback(self) -> str:
        return "\n".join(f"- {failure.detail}" for failure in self.failures)


@dataclass(frozen=True)
class _PassageFacts:
    """What a passage (or several) contains, folded for comparisons."""

    values: frozenset[Decimal]
    words: frozenset[str]
    stems: frozenset[str]
    months: frozenset[str]


@lru_cache(maxsize=512)
def _facts(text: str) -> _PassageFacts:
    folded_words = frozenset(fold(word) for word in _WORD.findall(_ELISION.sub(" ", text)))
    return _PassageFacts(
        values=frozenset(_values(text)),
        words=folded_words,
        stems=frozenset(analyze(text)),
        months=frozenset(_MONTH_OF[w] for w in folded_words if w in _MONTH_OF),
    )


def _merge(texts: Iterable[str]) -> _PassageFacts:
    parts = [_facts(text) for text in texts]
    return _PassageFacts(
        values=frozenset().union(*(p.values for p in parts)),
        words=frozenset().union(*(p.words for p in parts)),
        stems=frozenset().union(*(p.stems for p in parts)),
        months=frozenset().union(*(p.months for p in parts)),
    )


def _values(text: str) -> list[Decimal]:
    text = _LIST_ENUMERATOR.sub(" ", text)
    return [amount.value for amount in extract_amounts(number_words_to_digits(text))]


def figures_missing(claim_text: str, evidence: _PassageFacts) -> list[str]:
    """The figures of a claim (as written) whose value none of the passages has."""
    text = _LIST_ENUMERATOR.sub(" ", claim_text)
    missing = []
    for amount in extract_amounts(number_words_to_digits(text)):
        if amount.value not in evidence.values:
            missing.append(amount.text.strip())
    return missing


def months_missing(claim_text: str, evidence: _PassageFacts) -> list[str]:
    missing = []
    for word in _WORD.findall(claim_text):
        key = fold(word)
        if key not in _MONTH_OF:
            continue
        if key in _AMBIGUOUS_MONTHS and not re.search(
            rf"(?:\d\s*{re.escape(word)}|{re.escape(word)}\s+\d)", claim_text
        ):
            continue
        if _MONTH_OF[key] not in evidence.months:
            missing.append(word)
    return missing


def names_missing(claim: Claim, evidence: _PassageFacts, question: str, language: str) -> list[str]:
    """Capitalised words (not opening the claim) and acronyms absent from the evidence."""
    text = _MARKDOWN.sub(" ", _ELISION.sub(" ", claim.text))
    question_words = {fold(w) for w in _WORD.findall(_ELISION.sub(" ", question))}
    opening = len(text) - len(text.lstrip(" «\"'(-—–:"))
    missing: list[str] = []
    for match in _CAPITALISED.finditer(text):
        word = match.group(1).strip("'’-")
        if not word or (any(ch.isdigit() for ch in word) and not _ACRONYM.match(word)):
            continue
        is_acronym = bool(_ACRONYM.match(word.replace("É", "E")))
        if match.start() <= opening and not is_acronym:
            continue  # the sentence's first word is capitalised anyway
        if _is_known(word, evidence, question_words, language):
            continue
        missing.append(word)
    return list(dict.fromkeys(missing))


def _is_known(word: str, evidence: _PassageFacts, question_words: set[str], language: str) -> bool:
    key = fold(word)
    if key in evidence.words or key in question_words or key in _NOT_NAMES:
        return True
    if key in _MONTH_OF:
        return True  # months are checked as dates
    parts = [part for part in re.split(r"[-'’]", key) if part]
    if len(parts) > 1 and all(part in evidence.words for part in parts):
        return True
    stems = analyze(word)
    if not stems or all(stem in evidence.stems for stem in stems):
        return True  # a stop word ("The", "Les"), or another inflection of a passage word
    if language == "en":
        french = analyze(french_terms_for(word))
        if french and all(stem in evidence.stems for stem in french):
            return True
    return False


def _language_mismatch(text: str, language: str) -> bool:
    """Plainly the other language: none of the expected function words, several others."""
    body = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)
    tokens = [fold(token) for token in _WORD.findall(body)]
    if len(tokens) < 8:
        return False
    french = sum(token in _FR_WORDS for token in tokens)
    english = sum(token in _EN_WORDS for token in tokens)
    if language == "en":
        return english == 0 and french >= 3
    return french == 0 and english >= 3


def check_answer(
    text: str,
    passages: Mapping[int, str],
    *,
    question: str = "",
    language: str = "fr",
) -> CheckReport:
    """Every failure of an answer against its numbered passages (empty when it may be shown).

    `passages` maps each passage number to what the model was shown of it (heading and
    text): a claim's facts must be in the passages that claim cites."""
    text = normalize_markers(text)
    report = CheckReport(cited=cited_numbers(text))
    if not text.strip():
        report.failures.append(CheckFailure("empty", "The answer is empty."))
        return report
    unknown = [n for n in report.cited if n not in passages]
    if unknown:
        names = ", ".join(f"[{n}]" for n in unknown)
        report.failures.append(
            CheckFailure(
                "citation",
                f"Citation {names} does not exist: the passages are numbered "
                f"1 to {max(passages, default=0)}.",
            )
        )
    if not report.cited:
        report.failures.append(
            CheckFailure(
                "uncited",
                "The answer cites no passage: put the number of the passage it comes from "
                "in square brackets after each sentence, e.g. [1].",
            )
        )
        return report
    for claim in claims(text):
        evidence = _merge(passages[n] for n in claim.citations if n in passages)
        for figure in figures_missing(claim.text, evidence):
            report.failures.append(
                CheckFailure(
                    "figure",
                    f"The figure « {figure} » is not in passage {_cited(claim)}: copy figures "
                    "exactly as the passages write them, and never compute new ones.",
                )
            )
        for month in months_missing(claim.text, evidence):
            report.failures.append(
                CheckFailure("date", f"The date « {month} » is not in passage {_cited(claim)}.")
            )
        for name in names_missing(claim, evidence, question, language):
            report.failures.append(
                CheckFailure(
                    "name",
                    f"The name « {name} » is not in passage {_cited(claim)}: use only the "
                    "names the passages give.",
                )
            )
    if _language_mismatch(text, language):
        wanted = "English" if language == "en" else "French"
        report.failures.append(
            CheckFailure("language", f"The question is in {wanted}: answer in {wanted}.")
        )
    return report


def _cited(claim: Claim) -> str:
    if not claim.citations:
        return "(none cited)"
    return " ".join(f"[{n}]" for n in claim.citations)


def claim_support(
    claim: Claim, passages: Mapping[int, str], *, question: str = "", language: str = "fr"
) -> bool | None:
    """Whether a claim is supported by the passages it cites; None for a claim with nothing
    to support (no content word: "Voici :", a lone marker)."""
    words = [w for w in content_words(_figures_as_digits(claim.text)) if w not in _EN_FILLER]
    if not words:
        return None
    cited = [passages[n] for n in claim.citations if n in passages]
    if not cited:
        return False
    evidence = _merge(cited)
    if (
        figures_missing(claim.text, evidence)
        or months_missing(claim.text, evidence)
        or names_missing(claim, evidence, question, language)
    ):
        return False
    found = 0
    for word in words:
        stems = analyze(word)
        if word.isdigit() or word in _MONTH_OF:
            found += 1  # figures and months were checked above
        elif not stems or all(stem in evidence.stems for stem in stems):
            found += 1
        elif language == "en" or not set(stems) & evidence.stems:
            french = analyze(french_terms_for(word))
            found += bool(french) and all(stem in evidence.stems for stem in french)
    return found / len(words) >= MIN_CONTENT_SUPPORT


def _figures_as_digits(text: str) -> str:
    """Every figure as one digit token ("$115 million" -> "115000000", "cinq" -> "5")."""
    text = number_words_to_digits(text)
    for amount in reversed(extract_amounts(text)):
        digits = re.sub(r"\D", "", amount.canonical.split(".")[0]) or "0"
        text = f"{text[: amount.start]} {digits} {text[amount.end :]}"
    return text


def faithfulness(
    answer: str, passages: Mapping[int, str], *, question: str = "", language: str = "fr"
) -> tuple[int, int]:
    """(supported claims, claims with content) of an answer against its numbered passages."""
    supported = total = 0
    for claim in claims(answer):
        verdict = claim_support(claim, passages, question=question, language=language)
        if verdict is None:
            continue
        total += 1
        supported += bool(verdict)
    return supported, total
