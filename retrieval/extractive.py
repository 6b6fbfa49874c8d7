"""The extractive answerer: quotes the passages and catalog facts that answer, cites them,
and abstains when the evidence is too thin. No LLM needed.

It is a LangChain Runnable (input: `AnswerRequest`, output: `Answer`), so an LLM answerer
can stand beside it with the same interface.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict

from knowledge.regions import find_regions_in_text, territories_in
from retrieval.acronyms import expansions_for
from retrieval.analysis import analyze
from retrieval.answers import Answer, Citation
from retrieval.evidence import KeyTerms, Support, key_terms, support
from retrieval.filters import SearchFilters
from retrieval.followups import Turn
from retrieval.index import KnowledgeIndex, SearchHit
from retrieval.language import detect_language

# Calibrated on the gold questions (evaluations/): below these, the answerer abstains.
MIN_COVERAGE = 0.5
MIN_DENSE_SIMILARITY = 0.80
TOP_K = 8
CANDIDATES_FOR_SUPPORT = 6
MAX_QUOTE_CHARS = 700
_LIST_QUESTION = re.compile(
    r"\b(quels|quelles|liste|lister|énumér|enumer|what are|which are|list|name the|"
    r"quatre|cinq|trois|four|five|three|orientations|axes|buts|goals|exemples|examples|"
    r"mesures|measures|signataires|signatories)\b",
    re.IGNORECASE,
)


@dataclass
class AnswerRequest:
    """A question ready for an answerer: follow-ups already resolved by the caller.
    `history`: the conversation's earlier turns (oldest first), for answerers that write
    (the LLM answerer shows them to the model); the extractive answerer ignores them."""

    question: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    language: str | None = None
    history: Sequence[Turn] = ()


@dataclass
class Evidence:
    """What retrieval found for a request: the passages (region passages first), the exact
    catalog facts, the language, and the search timings."""

    language: str
    hits: list[SearchHit]
    catalog_hits: list[Any]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class _Quote:
    text: str
    hit: SearchHit
    score: float


def _units(text: str) -> list[str]:
    """A passage's quotable units: its lines, long lines cut into sentences."""
    units: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= MAX_QUOTE_CHARS:
            units.append(line)
            continue
        units.extend(s for s in re.split(r"(?<=[.!?])\s+", line) if s)
    return units


def _window(unit: str, stems: list[str]) -> str:
    """A long unit shortened around the key terms it contains."""
    if len(unit) <= MAX_QUOTE_CHARS:
        return unit
    words = unit.split()
    hits = [i for i, word in enumerate(words) if set(analyze(word)) & set(stems)]
    centre = hits[len(hits) // 2] if hits else 0
    start = max(0, centre - 50)
    excerpt = " ".join(words[start : start + 100])
    return ("… " if start else "") + excerpt + (" …" if start + 100 < len(words) else "")


class ExtractiveAnswerer(RunnableSerializable[AnswerRequest, Answer]):
    """Answer = the best supported quotes from the top passages (and catalog facts)."""

    index: Any  # KnowledgeIndex (Any: pydantic does not validate our classes)
    catalog: Any = None  # retrieval.catalog_answers.CatalogAnswerer, optional
    search_mode: str = "hybrid"  # the evaluation compares "lexical" and "dense" too
    name: str = "extractive"

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def invoke(
        self, input: AnswerRequest, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return self.answer(input)

    def answer(self, request: AnswerRequest) -> Answer:
        started = time.perf_counter()
        evidence = self.gather(request)
        answer = self.answer_from(request, evidence)
        answer.timings_ms = {
            **evidence.timings_ms, "answer_ms": (time.perf_counter() - started) * 1000
        }
        return answer

    def gather(self, request: AnswerRequest) -> Evidence:
        """Search the index and the catalog for a request (what both answerers start from)."""
        language = request.language or detect_language(request.question)
        index: KnowledgeIndex = self.index
        result = index.search(
            request.question, TOP_K, request.filters, mode=self.search_mode, language=language
        )
        hits = self._with_region_hits(request, result.hits, language)
        return Evidence(language, hits, self._catalog_hits(request), dict(result.timings_ms))

    def answer_from(self, request: AnswerRequest, evidence: Evidence) -> Answer:
        """The extractive answer over evidence already gathered (no timings set)."""
        language = evidence.language
        if evidence.catalog_hits:
            return self._from_catalog(request, language, evidence.catalog_hits, evidence.hits)
        index: KnowledgeIndex = self.index
        terms = key_terms(request.question, language, index.lexical.vocabulary())
        return self._from_passages(request, language, terms, evidence.hits)

    def _with_region_hits(
        self, request: AnswerRequest, hits: list[SearchHit], language: str
    ) -> list[SearchHit]:
        """Put the passages of the territories the question names first: a question about
        the Outaouais must see the Outaouais section even when general passages rank higher."""
        if request.filters.region:
            return hits
        regions = find_regions_in_text(request.question)[:2]
        if not regions:
            return hits
        index: KnowledgeIndex = self.index
        # The territory's own passages name it, so the lexical index finds them; a filtered
        # vector search would cost ~90 ms at 100,000 chunks for the same result.
        mode = "dense" if self.search_mode == "dense" else "lexical"
        regional: list[SearchHit] = []
        for region in regions:
            filters = replace(request.filters, region=region, include_general=False)
            regional += index.search(
                request.question, 2, filters, mode=mode, language=language
            ).hits
        seen = {hit.chunk.chunk_id for hit in regional}
        return regional + [hit for hit in hits if hit.chunk.chunk_id not in seen]

    # -- catalog -----------------------------------------------------------------------
    def _catalog_hits(self, request: AnswerRequest) -> list[Any]:
        if self.catalog is None:
            return []
        return list(
            self.catalog.lookup(
                request.question, region=request.filters.region, plan=request.filters.plan
            )
        )

    def _from_catalog(
        self, request: AnswerRequest, language: str, hits: list[Any], passages: list[SearchHit]
    ) -> Answer:
        citations: list[Citation] = []
        sentences: list[str] = []
        for hit in hits[:3]:
            citation = self._citation_for_catalog(hit, passages)
            if citation not in citations:
                citations.append(citation)
            sentences.append(f"{hit.text} [{citations.index(citation) + 1}]")
        body = "\n".join(sentences)
        text = body if language == "fr" else f"From the catalog (quoted in French):\n{body}"
        return Answer(
            question=request.question, text=text, abstained=False, citations=citations,
            language=language, confidence=max(float(h.confidence) for h in hits[:3]),
            filters=request.filters.as_dict(),
        )

    def _citation_for_catalog(self, hit: Any, passages: list[SearchHit]) -> Citation:
        return self.catalog_citation(hit, passages)

    def catalog_citation(self, hit: Any, passages: list[SearchHit]) -> Citation:
        """Cite the passage a catalog fact came from: same file and section when retrieved;
        the citation's excerpt is the fact's sentence."""
        index: KnowledgeIndex = self.index
        candidates = [p.chunk for p in passages if p.chunk.doc_id == hit.source_file]
        if not candidates:
            candidates = index.store.document_chunks(hit.source_file)
        section = (hit.section or "").strip()
        chunk = next((c for c in candidates if c.section == section), None) or (
            candidates[0] if candidates else None
        )
        if chunk is None:
            return Citation(title=hit.source_file, source=hit.source_file, section=section,
                            score=float(hit.confidence), doc_id=hit.source_file)
        return _citation(chunk_hit=SearchHit(chunk=chunk, score=float(hit.confidence)),
                         excerpt=hit.text)

    # -- passages ----------------------------------------------------------------------
    def _from_passages(
        self, request: AnswerRequest, language: str, terms: KeyTerms, hits: list[SearchHit]
    ) -> Answer:
        best_support, best_hit = self._best_supported(terms, hits)
        confidence = best_support.coverage if best_support else 0.0
        if best_hit is None or not self._is_enough(terms, best_support, best_hit):
            return self._abstain(request, language, hits, confidence)
        quotes = self._quotes(request.question, terms, hits, best_hit)
        if terms.wants_number and not _states_a_quantity(quotes[0].text):
            return self._abstain(request, language, hits, confidence)
        citations: list[Citation] = []
        lines: list[str] = []
        for quote in quotes:
            citation = _citation(quote.hit, excerpt=quote.text)
            if citation.chunk_id not in [c.chunk_id for c in citations]:
                citations.append(citation)
            number = [c.chunk_id for c in citations].index(citation.chunk_id) + 1
            lines.append(f"« {quote.text} » — {quote.hit.chunk.section} [{number}]")
        intro = "D'après les documents :" if language == "fr" else (
            "According to the documents (quoted in French):"
        )
        return Answer(
            question=request.question, text="\n".join([intro, *lines]), abstained=False,
            citations=citations, language=language, confidence=confidence,
            filters=request.filters.as_dict(),
        )

    def _best_supported(
        self, terms: KeyTerms, hits: list[SearchHit]
    ) -> tuple[Support | None, SearchHit | None]:
        best: tuple[float, Support | None, SearchHit | None] = (-1.0, None, None)
        for rank, hit in enumerate(hits[:CANDIDATES_FOR_SUPPORT]):
            found = support(
                terms, hit.chunk.text, f"{hit.chunk.title}\n{hit.chunk.section}",
                str(hit.chunk.metadata.get("region") or ""),
            )
            in_heading = _share_in(terms.stems, hit.chunk.section)
            value = found.coverage + (0.5 if found.complete else 0.0) + 0.3 * in_heading - (
                rank * 0.02
            )
            if value > best[0]:
                best = (value, found, hit)
        return best[1], best[2]

    def _is_enough(self, terms: KeyTerms, found: Support | None, hit: SearchHit) -> bool:
        if found is None or not found.complete or terms.unknown or terms.other_province:
            return False
        if not terms.stems:
            # Nothing to check lexically (an English question outside the glossary):
            # only a very close dense match counts.
            return (hit.dense_similarity or 0.0) >= MIN_DENSE_SIMILARITY + 0.04
        return found.coverage >= MIN_COVERAGE

    def _quotes(
        self, question: str, terms: KeyTerms, hits: list[SearchHit], best: SearchHit
    ) -> list[_Quote]:
        """What to quote: one passage per territory when the question names several; the
        whole passage for a list; else the best unit, plus the next when it adds support."""
        if len(terms.regions) >= 2:
            quotes: list[_Quote] = []
            for name in terms.regions:
                regional = [
                    hit for hit in hits
                    if hit.chunk.metadata.get("region") in territories_in(name)
                ]
                if regional:
                    quotes += self._best_units(terms, regional[:1], regional[0], limit=1)
            if quotes:
                return quotes
        if len(terms.regions) == 1:
            # "Combien de projets à Laval ?" is answered from Laval's passage or not at all.
            regional = [
                hit for hit in hits
                if hit.chunk.metadata.get("region") in territories_in(terms.regions[0])
            ]
            if regional:
                hits = regional
                best = best if best in regional else regional[0]
        if len(best.chunk.text) <= 1200 and (
            _LIST_QUESTION.search(question) or _is_list(best.chunk.text)
        ):
            return [_Quote(best.chunk.text, best, 1.0)]
        return self._best_units(terms, hits[:3], best, limit=2, question=question)

    def _best_units(
        self, terms: KeyTerms, hits: list[SearchHit], best: SearchHit, limit: int,
        question: str = "",
    ) -> list[_Quote]:
        stems = set(terms.stems) | set(terms.required)
        wants = _answer_types(question, terms)
        expansions = [set(analyze(p)) for p in expansions_for(question).split("  ") if p] if (
            _ACRONYM_QUESTION.search(question)
        ) else []
        scored: list[_Quote] = []
        for rank, hit in enumerate(hits):
            for unit in _units(hit.chunk.text):
                unit_stems = set(analyze(f"{hit.chunk.section} {unit}"))
                overlap = len(stems & unit_stems) / max(len(stems), 1)
                score = overlap + (0.3 if hit is best else 0.0) - rank * 0.05
                score += 0.25 * sum(year in unit for year in terms.years)
                score += 0.2 * sum(test(unit) for test in wants)
                if any(phrase <= unit_stems for phrase in expansions):
                    score += 0.5
                scored.append(_Quote(_window(unit, list(stems)), hit, score))
        scored.sort(key=lambda quote: -quote.score)
        chosen = scored[:1]
        if limit > 1 and len(scored) > 1 and scored[1].score >= 0.6 * scored[0].score and (
            scored[1].score > 0.3
        ):
            chosen.append(scored[1])
        return chosen

    def _abstain(
        self, request: AnswerRequest, language: str, hits: list[SearchHit], confidence: float
    ) -> Answer:
        closest = [_citation(hit) for hit in hits[:3]]
        names = "; ".join(f"{c.title} — {c.section}" for c in closest)
        if language == "fr":
            text = "Je ne trouve pas la réponse dans la base de connaissances."
            if names:
                text += f" Sources les plus proches : {names}."
        else:
            text = "This is not in the knowledge base."
            if names:
                text += f" Closest sources: {names}."
        return Answer(
            question=request.question, text=text, abstained=True, citations=closest,
            language=language, confidence=confidence, filters=request.filters.as_dict(),
        )


_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s*\S")
_ACRONYM_QUESTION = re.compile(
    r"(veut dire|signifie|sigle|acronyme|c'?est quoi|stand for|what is|what does|mean)",
    re.IGNORECASE,
)
_DEFINITION_QUESTION = re.compile(
    r"^\s*(que sont|qu'est-ce que|qu’est-ce que|c'?est quoi|what (?:is|are))\b", re.IGNORECASE
)
_DATE_QUESTION = re.compile(
    r"\b(quand|when|date|quelle année|what year|à quel moment)\b", re.IGNORECASE
)
_MONTHS = re.compile(
    r"\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre|hiver|printemps|été|automne)\b",
    re.IGNORECASE,
)
_DEFINES = re.compile(r"\b(sont|est) (des|une|un|le|la|les)\b", re.IGNORECASE)


def _is_list(text: str) -> bool:
    """A passage that is mostly a list: quote it whole."""
    lines = [line for line in text.splitlines() if line.strip()]
    items = sum(bool(_LIST_ITEM.match(line)) for line in lines)
    return items >= 2 and items >= 0.75 * len(lines)


def _share_in(stems: list[str], text: str) -> float:
    if not stems:
        return 0.0
    found = set(analyze(text))
    return sum(stem in found for stem in stems) / len(stems)


def _answer_types(question: str, terms: KeyTerms) -> list:
    """Tests a unit passes when it has the kind of answer the question asks for."""
    tests = []
    if terms.wants_number:
        tests.append(_states_a_quantity)
    if _DATE_QUESTION.search(question):
        tests.append(lambda unit: bool(_MONTHS.search(unit) or _YEARS.search(unit)))
    if _DEFINITION_QUESTION.search(question):
        tests.append(lambda unit: bool(_DEFINES.search(unit)))
    return tests


_NUMBER_WORDS = re.compile(
    r"\b(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|cent|mille|"
    r"plusieurs|majorité)\b",
    re.IGNORECASE,
)
_YEARS = re.compile(r"\b(?:19|20)\d{2}(?:-(?:19|20)\d{2})?\b")


def _states_a_quantity(text: str) -> bool:
    """Does a quote give a number (not just a year)? What "combien" questions need."""
    without_years = _YEARS.sub(" ", text)
    return bool(re.search(r"\d", without_years) or _NUMBER_WORDS.search(without_years))


def _citation(chunk_hit: SearchHit, excerpt: str = "") -> Citation:
    chunk = chunk_hit.chunk
    metadata = chunk.metadata
    return Citation(
        title=chunk.title,
        source=str(metadata.get("source") or chunk.doc_id),
        section=chunk.section,
        score=round(float(chunk_hit.score), 6),
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        url=metadata.get("url") or None,
        excerpt=excerpt or chunk.text[:300],
        author=metadata.get("author") or None,
        date=metadata.get("date") or None,
    )


def passage_citation(hit: SearchHit, excerpt: str = "") -> Citation:
    """The citation of a retrieved passage; its excerpt is `excerpt`, else the passage's
    first 300 characters."""
    return _citation(hit, excerpt)
