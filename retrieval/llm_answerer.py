"""The LLM answerer: fluent, sourced prose written by a LangChain chat model, checked before
anyone sees it, with the extractive answer as the safety net.

Same interface as `retrieval.extractive.ExtractiveAnswerer` (a LangChain Runnable over
`AnswerRequest` -> `Answer`), plus `events()` for streaming. For a request it:

1. gathers the evidence exactly as the extractive answerer does (hybrid search, the
   territories' passages) and computes the extractive answer, the
   fallback;
2. when the extractive answerer abstains (evidence too thin: another province, a year or
   name absent, an unknown subject) abstains too, without calling the model — the
   abstention rules measured on the gold set stay in force (`consult_when_abstaining=True`
   asks the model anyway);
3. shows the model the numbered passages (retrieval.llm_prompt), streams its draft within
   `timeout_s` (the whole LLM budget, retry included);
4. checks the draft (retrieval.llm_checks): citations exist, every figure, date and name is
   in a cited passage, the language is the question's; on failure, one retry with the
   checker's feedback, then the extractive answer;
5. returns the accepted text with its citations renumbered 1..n in order of use.

The model's "INTROUVABLE" (the passages lack the answer) also yields the extractive answer,
which quotes the passages or abstains by its own rules. Every outcome is logged (latency,
time to first token, tokens in and out, the checker's failures) and counted in `stats`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict, Field

from retrieval.answer_composer import citation_for
from retrieval.answer_events import (
    AnswerChunk,
    AnswerDone,
    AnswerEvent,
    AnswerProgress,
    final_answer,
    text_pieces,
)
from retrieval.answers import Answer, Citation
from retrieval.citations import cited_numbers, normalize_markers, renumber
from retrieval.extractive import AnswerRequest, Evidence
from retrieval.llm_checks import CheckFailure, check_answer
from retrieval.llm_prompt import (
    NOT_FOUND,
    Passage,
    build_messages,
    build_passages,
    is_abstention,
    is_echo,
    retry_messages,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
MAX_ANSWER_CHARS = 4000  # a model that loops is cut here (the draft then fails its checks)
PROGRESS_EVERY_TOKENS = 16

# Outcomes, as counted in `LLMStats` and logged.
ACCEPTED = "llm"  # checked and shown
ACCEPTED_AFTER_RETRY = "llm_after_retry"
FALLBACK_CHECKS = "fallback_checks"  # both drafts failed the checks
FALLBACK_TIMEOUT = "fallback_timeout"
FALLBACK_ERROR = "fallback_error"  # the model could not be reached or failed
MODEL_ABSTAINED = "llm_abstained"  # "INTROUVABLE": the extractive answer instead
THIN_EVIDENCE = "skipped_thin_evidence"  # the extractive answerer abstained: so do we
RATE_LIMITED = "rate_limited"  # the asker's quota of LLM answers is spent
LLM_BUSY = "llm_busy"  # every model slot was taken (bot.concurrency): no wait
NO_PASSAGES = "skipped_no_passages"
UNKNOWN_SUBJECT = "skipped_unknown_subject"  # it names what no passage mentions: abstain


class LLMTimeout(TimeoutError):
    """The model did not finish within the answer's budget."""


class LLMStats:
    """Counts of outcomes and tokens since the process started (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, outcome: str, input_tokens: int = 0, output_tokens: int = 0) -> None:
        with self._lock:
            self._counts[outcome] += 1
            self._counts["input_tokens"] += input_tokens
            self._counts["output_tokens"] += output_tokens

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


@dataclass
class Attempt:
    """One draft: its text, what the checker said, its cost."""

    text: str
    failures: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    first_token_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    tokens_estimated: bool = False


@dataclass
class LLMTrace:
    """What happened to one question: the outcome, every draft, the time spent."""

    outcome: str = ""
    model: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None
    latency_ms: float = 0.0
    passages: int = 0
    redacted_passages: int = 0

    @property
    def input_tokens(self) -> int:
        return sum(attempt.input_tokens for attempt in self.attempts)

    @property
    def output_tokens(self) -> int:
        return sum(attempt.output_tokens for attempt in self.attempts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "model": self.model,
            "error": self.error,
            "latency_ms": round(self.latency_ms, 1),
            "passages": self.passages,
            "redacted_passages": self.redacted_passages,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "attempts": [
                {
                    "text": a.text,
                    "failures": a.failures,
                    "latency_ms": round(a.latency_ms, 1),
                    "first_token_ms": a.first_token_ms and round(a.first_token_ms, 1),
                    "input_tokens": a.input_tokens,
                    "output_tokens": a.output_tokens,
                    "tokens_estimated": a.tokens_estimated,
                }
                for a in self.attempts
            ],
        }


@dataclass
class Prepared:
    """A request with its evidence, its passages and its fallback answer, ready to write."""

    request: AnswerRequest
    evidence: Evidence
    fallback: Answer
    passages: list[Passage]
    language: str
    started: float
    trace: LLMTrace


@dataclass
class LLMRun:
    answer: Answer
    trace: LLMTrace


class LLMAnswerer(RunnableSerializable[AnswerRequest, Answer]):
    """Answers written by a chat model over the retrieved passages, checked, with the
    extractive answerer (`extractive`) gathering the evidence and standing in on failure."""

    model: Any  # a LangChain BaseChatModel
    extractive: Any  # retrieval.extractive.ExtractiveAnswerer
    model_label: str = "llm"
    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = 1
    consult_when_abstaining: bool = False
    max_answer_chars: int = MAX_ANSWER_CHARS
    stats: Any = Field(default_factory=LLMStats)
    name: str = "llm"

    model_config = ConfigDict(arbitrary_types_allowed=True)

    # -- the Runnable interface ---------------------------------------------------------
    def invoke(
        self, input: AnswerRequest, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return self.answer(input)

    def answer(self, request: AnswerRequest) -> Answer:
        return self.run(request).answer

    def run(self, request: AnswerRequest) -> LLMRun:
        """The answer and the trace of how it was made (the evaluation reads both)."""
        prepared = self.prepare(request)
        answer = final_answer(self.events(prepared))
        return LLMRun(answer, prepared.trace)

    def with_search_mode(self, mode: str) -> LLMAnswerer:
        """A copy whose retrieval uses another mode ("lexical", "dense", "hybrid")."""
        return self.model_copy(
            update={"extractive": self.extractive.model_copy(update={"search_mode": mode})}
        )

    # -- the two phases ------------------------------------------------------------------
    def prepare(self, request: AnswerRequest) -> Prepared:
        """Search and compute the fallback (uses the index: the caller holds its lock)."""
        started = time.perf_counter()
        evidence: Evidence = self.extractive.gather(request)
        fallback: Answer = self.extractive.answer_from(request, evidence)
        fallback.timings_ms = {
            **evidence.timings_ms,
            "answer_ms": (time.perf_counter() - started) * 1000,
        }
        passages = build_passages(evidence, citation_for)
        trace = LLMTrace(
            model=self.model_label,
            passages=len(passages),
            redacted_passages=sum(p.redacted for p in passages),
        )
        language = request.language or evidence.language
        return Prepared(request, evidence, fallback, passages, language, started, trace)

    def needs_model(self, prepared: Prepared) -> bool:
        """Whether `events` would call the model (not for thin evidence or no passages)."""
        return bool(prepared.passages) and prepared.evidence.unknown is None and (
            self.consult_when_abstaining or not prepared.fallback.abstained
        )

    def events(self, prepared: Prepared) -> Iterator[AnswerEvent]:
        """Write, check, retry or fall back; progress events, then the answer's pieces and
        the answer. Needs no lock: it only talks to the model."""
        if prepared.evidence.unknown is not None:
            yield from self.without_model(prepared, UNKNOWN_SUBJECT)
            return
        if prepared.fallback.abstained and not self.consult_when_abstaining:
            yield from self.without_model(prepared, THIN_EVIDENCE)
            return
        if not prepared.passages:
            yield from self.without_model(prepared, NO_PASSAGES)
            return
        request, trace = prepared.request, prepared.trace
        deadline = time.monotonic() + self.timeout_s
        messages = build_messages(
            request.question, prepared.language, prepared.passages, request.history
        )
        numbered = {p.number: p.checked_text for p in prepared.passages}
        accepted: str | None = None
        outcome = FALLBACK_CHECKS
        for attempt_number in range(self.retries + 1):
            yield AnswerProgress("drafting" if attempt_number == 0 else "retrying")
            attempt: Attempt | None = None
            try:
                for item in self._generate(messages, deadline):
                    if isinstance(item, Attempt):
                        attempt = item
                    else:
                        yield AnswerProgress("drafting", tokens=item)
            except LLMTimeout:
                outcome, trace.error = FALLBACK_TIMEOUT, f"no answer within {self.timeout_s} s"
                break
            except Exception as error:  # connection refused, server error, bad request…
                outcome, trace.error = FALLBACK_ERROR, f"{type(error).__name__}: {error}"
                log.warning("the LLM failed (%s); answering extractively", trace.error)
                break
            assert attempt is not None
            trace.attempts.append(attempt)
            yield AnswerProgress("checking", tokens=attempt.output_tokens)
            text = normalize_markers(attempt.text.strip())
            if is_abstention(text, cited_numbers(text)):
                outcome = MODEL_ABSTAINED
                break
            report = check_answer(
                text, numbered, question=request.question, language=prepared.language
            )
            if is_echo(text):
                report.failures.insert(
                    0,
                    CheckFailure(
                        "echo",
                        "Do not repeat the passages' markers or the instructions: write "
                        "only the answer.",
                    ),
                )
            if report.ok:
                accepted = text
                outcome = ACCEPTED if attempt_number == 0 else ACCEPTED_AFTER_RETRY
                break
            attempt.failures = [failure.detail for failure in report.failures]
            log.info(
                "LLM draft %d rejected: %s",
                attempt_number + 1,
                "; ".join(f"{f.kind}: {f.detail}" for f in report.failures),
            )
            messages = retry_messages(messages, attempt.text, report.feedback())
        if accepted is None:
            yield AnswerProgress("falling_back")
            yield from self._finish(prepared, prepared.fallback, outcome)
            return
        yield from self._finish(prepared, self._accepted_answer(prepared, accepted), outcome)

    def without_model(self, prepared: Prepared, outcome: str) -> Iterator[AnswerEvent]:
        """The extractive answer, for a reason that did not need the model (rate limit,
        every model slot busy, thin evidence); logged and counted like the other outcomes."""
        yield from self._finish(prepared, prepared.fallback, outcome)

    # -- internals -----------------------------------------------------------------------
    def _finish(self, prepared: Prepared, answer: Answer, outcome: str) -> Iterator[AnswerEvent]:
        trace = prepared.trace
        trace.outcome = outcome
        trace.latency_ms = (time.perf_counter() - prepared.started) * 1000
        answer.timings_ms = {**answer.timings_ms, "answer_ms": trace.latency_ms}
        llm_ms = sum(attempt.latency_ms for attempt in trace.attempts)
        if trace.attempts:
            answer.timings_ms["llm_ms"] = llm_ms
            first = trace.attempts[0].first_token_ms
            if first is not None:
                answer.timings_ms["llm_first_token_ms"] = first
        self.stats.record(outcome, trace.input_tokens, trace.output_tokens)
        level = logging.INFO if outcome in (ACCEPTED, ACCEPTED_AFTER_RETRY) else logging.WARNING
        if outcome in (THIN_EVIDENCE, RATE_LIMITED, NO_PASSAGES, LLM_BUSY, UNKNOWN_SUBJECT):
            level = logging.INFO
        log.log(
            level,
            "llm answer outcome=%s model=%s attempts=%d latency_ms=%.0f llm_ms=%.0f "
            "first_token_ms=%s tokens_in=%d tokens_out=%d redacted_passages=%d%s",
            outcome,
            trace.model,
            len(trace.attempts),
            trace.latency_ms,
            llm_ms,
            f"{trace.attempts[0].first_token_ms:.0f}"
            if trace.attempts and (trace.attempts[0].first_token_ms is not None)
            else "-",
            trace.input_tokens,
            trace.output_tokens,
            trace.redacted_passages,
            f" error={trace.error}" if trace.error else "",
        )
        for piece in text_pieces(answer.text):
            yield AnswerChunk(piece)
        yield AnswerDone(answer)

    def _accepted_answer(self, prepared: Prepared, text: str) -> Answer:
        by_number = {p.number: p for p in prepared.passages}
        citations: list[Citation] = []
        keys: dict[tuple[str, ...], int] = {}
        mapping: dict[int, int] = {}
        for number in cited_numbers(text):
            citation = by_number[number].citation
            key = (
                (citation.chunk_id,)
                if citation.chunk_id
                else (citation.doc_id, citation.section, citation.excerpt)
            )
            if key not in keys:
                citations.append(citation)
                keys[key] = len(citations)
            mapping[number] = keys[key]
        body = renumber(text, mapping).replace(NOT_FOUND, "").strip()
        fallback = prepared.fallback
        return Answer(
            question=prepared.request.question,
            text=body,
            abstained=False,
            citations=citations,
            language=prepared.language,
            confidence=fallback.confidence,
            filters=prepared.request.filters.as_dict(),
            timings_ms=dict(fallback.timings_ms),
            answerer="llm",
        )

    def _generate(
        self, messages: Sequence[BaseMessage], deadline: float
    ) -> Iterator[int | Attempt]:
        """Stream the model in a worker thread; yield the token count every few tokens,
        then the finished Attempt. Raises LLMTimeout past `deadline` (the worker is told to
        stop and its stream is closed when the next chunk arrives)."""
        started = time.perf_counter()
        chunks: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        model = self.model

        def work() -> None:
            try:
                stream = model.stream(list(messages))
                try:
                    for chunk in stream:
                        chunks.put(("chunk", chunk))
                        if stop.is_set():
                            break
                finally:
                    close = getattr(stream, "close", None)
                    if close is not None:
                        close()
                chunks.put(("end", None))
            except BaseException as error:
                chunks.put(("error", error))

        threading.Thread(target=work, name="alliances-llm", daemon=True).start()
        message: Any = None
        text_parts: list[str] = []
        count = 0
        first_token_ms: float | None = None
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LLMTimeout()
                try:
                    kind, item = chunks.get(timeout=remaining)
                except queue.Empty:
                    raise LLMTimeout() from None
                if kind == "error":
                    raise item
                if kind == "end":
                    break
                message = item if message is None else message + item
                piece = _text_of(item.content)
                if piece and first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                text_parts.append(piece)
                count += 1
                if count % PROGRESS_EVERY_TOKENS == 0:
                    yield count
                if sum(len(part) for part in text_parts) > self.max_answer_chars:
                    break
        finally:
            stop.set()
        usage = getattr(message, "usage_metadata", None) or {}
        estimated = not usage
        prompt_chars = sum(len(_text_of(m.content)) for m in messages)
        yield Attempt(
            text="".join(text_parts),
            latency_ms=(time.perf_counter() - started) * 1000,
            first_token_ms=first_token_ms,
            input_tokens=int(usage.get("input_tokens") or (prompt_chars // 4)),
            output_tokens=int(usage.get("output_tokens") or count),
            tokens_estimated=estimated,
        )


def _text_of(content: Any) -> str:
    """A message's content as text (providers may send a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in content
            if isinstance(block, str | dict)
        )
    return str(content or "")
