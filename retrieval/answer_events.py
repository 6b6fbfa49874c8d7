"""What a streamed answer yields: progress while it is being written, then the text of the
checked answer in pieces, then the answer object.

    for event in assistant.ask_stream(question):
        if isinstance(event, AnswerProgress): ...   # "drafting" (tokens so far), "checking"…
        elif isinstance(event, AnswerChunk): ...    # text to append (already checked)
        elif isinstance(event, AnswerDone): event.answer

The text pieces come only after the checks: nothing the model wrote reaches a person before
every figure and name in it has been found in the cited passages (a draft streamed to a
chat and then replaced would already have been read, and notifications keep it). Progress
events carry no text: they let a chat show that the answer is being written (Slack's
assistant status, Teams' typing indicator).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from retrieval.answers import Answer

Stage = Literal["searching", "drafting", "checking", "retrying", "falling_back"]
PIECE_CHARS = 120
# What a chat may show while the answer is on its way (Slack's assistant status).
STATUS_TEXT: dict[str, str] = {
    "drafting": "Je rédige la réponse…",
    "checking": "Je vérifie les chiffres et les sources…",
    "retrying": "Je corrige la réponse…",
    "falling_back": "Je cite les passages…",
}


@dataclass(frozen=True)
class AnswerProgress:
    """The answer is on its way: `stage`, and the tokens the model has written so far."""

    stage: Stage
    tokens: int = 0


@dataclass(frozen=True)
class AnswerChunk:
    """A piece of the final, checked answer text (pieces concatenate to `answer.text`)."""

    text: str


@dataclass(frozen=True)
class AnswerDone:
    """The last event: the answer object (its text is the concatenation of the chunks)."""

    answer: Answer


AnswerEvent = AnswerProgress | AnswerChunk | AnswerDone


def text_pieces(text: str, size: int = PIECE_CHARS) -> Iterator[str]:
    """The text cut at spaces into pieces of about `size` characters (concatenate to it)."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end)
            newline = text.rfind("\n", start + 1, end)
            cut = max(space, newline)
            if cut > start:
                end = cut + 1
        yield text[start:end]
        start = end


def final_answer(events: Iterator[AnswerEvent]) -> Answer:
    """Consume a stream of events and return its answer."""
    answer: Answer | None = None
    for event in events:
        if isinstance(event, AnswerDone):
            answer = event.answer
    if answer is None:
        raise RuntimeError("the answer stream ended without an answer")
    return answer


def events_for(answer: Answer) -> Iterator[AnswerEvent]:
    """The events of an answer that was not streamed (the extractive answerer's)."""
    for piece in text_pieces(answer.text):
        yield AnswerChunk(piece)
    yield AnswerDone(answer)
