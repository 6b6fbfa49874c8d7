"""From scored candidate quotes to the answer people read.

The best quote answers, if the calibrated probability that it is right clears the
model's threshold; otherwise the answer says the knowledge base does not hold it and
names the closest sources: the passages of the best-scored quotes, each quoted, so that
what came nearest to an answer is what people see. Other quotes join it when they are
nearly as good and add something: one per territory when the question names several,
the other documents' quotes for the same thing, and one more quote of the best one's
own document. When sources of different periods answer about as likely (the 2019-2023
page and a 2024-2029 one), the most recent comes first with its period and the earlier
one follows; when two such sources give different figures, the answer says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from knowledge.number_formats import extract_amounts
from knowledge.regions import territories_in
from retrieval.answer_kinds import holds
from retrieval.answers import Answer, Citation
from retrieval.evidence_candidates import Candidate
from retrieval.evidence_features import candidate_facts
from retrieval.evidence_model import EvidenceModel, Ranking
from retrieval.filters import SearchFilters
from retrieval.index import SearchHit
from retrieval.known_subjects import UnknownSubject
from retrieval.language import detect_language
from retrieval.question_profile import QuestionProfile
from retrieval.spans import spans_in

MAX_QUOTES = 3
MAX_QUOTE_CHARS = 900
# A further quote joins the best one when its score (log-odds) is this close to it (2: at
# most e² ≈ 7 times less likely; chosen on the validation suites among 1, 1.5, 2 and 3);
# a territory's quote, when the question names several, may be further behind.
JOIN_MARGIN = 2.0
TERRITORY_MARGIN = 3.0
# Quotes this close to the best one are rival answers: of different periods, the most
# recent comes first; with different figures, the answer says so. A quote further behind
# only adds to the best one, which stays first.
RIVAL_MARGIN = 1.0


@dataclass(frozen=True)
class ScoredQuote:
    candidate: Candidate
    score: float


@dataclass(frozen=True)
class Selection:
    """The quotes an answer is made of (best first; none: abstain) and its confidence."""

    quotes: list[ScoredQuote]
    confidence: float


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.hit.chunk.chunk_id == b.hit.chunk.chunk_id and (
        a.text in b.text or b.text in a.text
    )


def _period_label(candidate: Candidate) -> str:
    """The period a quote's document is about, as a label ("2024-2029"), or ""."""
    metadata = candidate.hit.chunk.metadata
    for source in (candidate.hit.chunk.title, str(metadata.get("periods") or ""),
                   str(metadata.get("period") or "")):
        spans = [span for span in spans_in(source) if span.end > span.start]
        if spans:
            return spans[0].label()
    date = str(metadata.get("date") or "")
    return date[:4] if date[:4].isdigit() else ""


def _recency(candidate: Candidate) -> tuple[int, str]:
    label = _period_label(candidate)
    end = int(label.split("-")[-1]) if label else 0
    return end, str(candidate.hit.chunk.metadata.get("date") or "")


def select_quotes(
    profile: QuestionProfile,
    candidates: Sequence[Candidate],
    features: np.ndarray,
    scores: np.ndarray,
    model: EvidenceModel,
) -> Selection:
    """The quotes the answer is made of, best first, and the calibrated probability that
    it is right; no quotes when that is below the model's threshold."""
    if len(candidates) == 0:
        return Selection([], 0.0)
    doc_ids = [c.hit.chunk.doc_id for c in candidates]
    confidence = model.confidence(Ranking.of(features, scores, doc_ids))
    if confidence < model.threshold:
        return Selection([], confidence)
    return Selection(joined_quotes(profile, candidates, scores), confidence)


def joined_quotes(
    profile: QuestionProfile, candidates: Sequence[Candidate], scores: np.ndarray
) -> list[ScoredQuote]:
    """The best quote and the quotes that join it, best first: one per territory when the
    question names several, the other documents' quotes nearly as good, then one more
    quote of the best one's own document when nearly as good (two lines of a page often
    answer together, and the scores cannot always tell which of them holds the answer)."""
    order = [int(i) for i in np.argsort(-scores)]
    ranked = [ScoredQuote(candidates[i], float(scores[i])) for i in order]
    best = ranked[0]
    chosen = [best]

    def fits(quote: ScoredQuote) -> bool:
        return len(chosen) < MAX_QUOTES and not any(
            _overlaps(quote.candidate, c.candidate) for c in chosen
        )

    if len(profile.regions) >= 2:
        for region in profile.regions:
            wanted = set(territories_in(region))
            if any(wanted & candidate_facts(c.candidate).regions for c in chosen):
                continue
            regional = [
                q for q in ranked if wanted & candidate_facts(q.candidate).regions
                and q.score >= best.score - TERRITORY_MARGIN
            ]
            if regional and fits(regional[0]):
                chosen.append(regional[0])
    close = [
        q for q in ranked[1:] if q.score >= best.score - JOIN_MARGIN
        and holds(profile.answer_type, q.candidate.text) is not False
    ]
    documents = {q.candidate.hit.chunk.doc_id for q in chosen}
    for quote in close:
        doc_id = quote.candidate.hit.chunk.doc_id
        if doc_id not in documents and fits(quote):
            chosen.append(quote)
            documents.add(doc_id)
    own = best.candidate.hit.chunk.doc_id
    same_document = [q for q in close if q.candidate.hit.chunk.doc_id == own and fits(q)]
    if same_document:
        chosen.append(same_document[0])
    return chosen


def citation_for(hit: SearchHit, excerpt: str = "") -> Citation:
    """The citation of a retrieved passage; its excerpt is the quote, else the passage's
    first 300 characters."""
    chunk = hit.chunk
    metadata = chunk.metadata
    return Citation(
        title=chunk.title,
        source=str(metadata.get("source") or chunk.doc_id),
        section=chunk.section,
        score=round(float(hit.score), 6),
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        url=metadata.get("url") or None,
        excerpt=excerpt or chunk.text[:300],
        author=metadata.get("author") or None,
        date=metadata.get("date") or None,
    )


def _shorten(text: str) -> str:
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_QUOTE_CHARS)
    return text[: cut if cut > 0 else MAX_QUOTE_CHARS] + " …"


def _differing_amounts(quotes: Sequence[ScoredQuote]) -> bool:
    values = {
        tuple(sorted(a.value for a in extract_amounts(q.candidate.text, ("money",))))
        for q in quotes
    }
    values.discard(())
    return len(values) > 1


def compose(
    question: str,
    profile: QuestionProfile,
    selection: Selection,
    filters: SearchFilters,
) -> Answer:
    """The answer text and its numbered citations for the chosen quotes."""
    quotes: Sequence[ScoredQuote] = selection.quotes
    english = profile.language == "en"
    rivals = [q for q in quotes if q.score >= quotes[0].score - RIVAL_MARGIN]
    several_sources = len({q.candidate.hit.chunk.doc_id for q in rivals}) > 1
    dated = several_sources and len({_period_label(q.candidate) for q in rivals} - {""}) > 1
    if dated:
        rivals = sorted(rivals, key=lambda q: _recency(q.candidate), reverse=True)
        quotes = rivals + [q for q in quotes if q not in rivals]
    citations: list[Citation] = []
    lines: list[str] = []
    if dated:
        lines.append(
            "The sources cover different periods; the most recent comes first:" if english
            else "Les sources portent sur des périodes différentes ; la plus récente d'abord :"
        )
    elif several_sources and _differing_amounts(rivals):
        lines.append(
            "The sources do not give the same figure:" if english
            else "Les sources ne donnent pas le même chiffre :"
        )
    elif not english:
        lines.append("D'après les documents :")
    # Judged on the whole passage: a line as short as « Budget : 120 000 $ » is no clue.
    elif any(detect_language(q.candidate.hit.chunk.text) == "fr" for q in quotes):
        lines.append("According to the documents (quoted in French):")
    else:
        lines.append("According to the documents:")
    for position, quote in enumerate(quotes):
        candidate = quote.candidate
        chunk_ids = [c.chunk_id for c in citations]
        if candidate.hit.chunk.chunk_id not in chunk_ids:
            citations.append(citation_for(candidate.hit, excerpt=candidate.text[:300]))
            chunk_ids.append(candidate.hit.chunk.chunk_id)
        number = chunk_ids.index(candidate.hit.chunk.chunk_id) + 1
        where = candidate.section
        author = candidate.hit.chunk.metadata.get("author")
        if author:
            where += f", {'by' if english else 'par'} {author}"
        if dated and quote in rivals:
            label = _period_label(candidate)
            if position == 0:
                prefix = f"({label}) " if label else ""
            else:
                prefix = f"({'earlier' if english else 'auparavant'}, {label}) " if label else (
                    "(earlier) " if english else "(auparavant) "
                )
        else:
            prefix = ""
        lines.append(f"{prefix}« {_shorten(candidate.text)} » — {where} [{number}]")
    return Answer(
        question=question,
        text="\n".join(lines),
        abstained=False,
        citations=citations,
        language=profile.language,
        confidence=selection.confidence,
        filters=filters.as_dict(),
    )


def closest_sources(
    candidates: Sequence[Candidate], scores: np.ndarray, hits: Sequence[SearchHit],
    limit: int = 3,
) -> list[Citation]:
    """What an abstention cites: the passages of the best-scored quotes, each with that
    quote as its excerpt (what came nearest to answering), then the best-ranked passages
    when fewer quotes were scored."""
    closest: list[Citation] = []
    seen: set[str] = set()
    ranked = (candidates[int(i)] for i in np.argsort(-scores, kind="stable"))
    nearest = chain(((c.hit, c.text) for c in ranked), ((hit, "") for hit in hits))
    for hit, excerpt in nearest:
        if len(closest) == limit:
            break
        if hit.chunk.chunk_id not in seen:
            seen.add(hit.chunk.chunk_id)
            closest.append(citation_for(hit, excerpt))
    return closest


def abstention(
    question: str, language: str, closest: Sequence[Citation], filters: SearchFilters,
    confidence: float, unknown: UnknownSubject | None = None,
) -> Answer:
    """"Not in the knowledge base" (saying what it never mentions, when that is why); the
    closest sources (`closest_sources`) are its citations, which each platform lists
    under its own title."""
    if language == "en":
        text = "This is not in the knowledge base."
        if unknown:
            text += f" No document mentions {unknown.describe(language)}."
    else:
        text = "Je ne trouve pas la réponse dans la base de connaissances."
        if unknown:
            text += f" Aucun document ne mentionne {unknown.describe(language)}."
    return Answer(
        question=question, text=text, abstained=True, citations=list(closest), language=language,
        confidence=confidence, filters=filters.as_dict(),
    )
