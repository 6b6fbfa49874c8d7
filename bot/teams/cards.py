"""Adaptive Card and Teams-markdown rendering of chat replies; nothing here calls Teams.

An answer becomes one Adaptive Card (schema 1.5, what Teams renders on desktop, web and
mobile): the answer text, the numbered sources (title linked when the source has a URL,
section, author and date), the filters applied, and 👍 / 👎 `Action.Submit` buttons whose data
carries the answer id. Teams refuses messages over about 28 KB, so a long answer is split over
several cards (sources and buttons on the last one), never rejected. Notices (help,
confirmations, errors) are Teams markdown text.

Card actions all carry `{"alliances_action": NAME, …}` in their data. The door handles
`feedback` and `feedback_comment`; later issues add their own with `register_card_action`
(the project form: its submission becomes a `projet …` text command) and render their reply
types with `register_renderer`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.bilingual import sources_heading
from bot.chat import AnswerReply, NoticeReply
from knowledge.folding import fold_key
from retrieval.answers import Answer, Citation

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_BYTES_LIMIT = 24_000  # under Teams' ~28 KB per message, with room for the envelope
TEXT_BLOCK_LIMIT = 4_000

ACTION_KEY = "alliances_action"
ACTION_FEEDBACK = "feedback"
ACTION_FEEDBACK_COMMENT = "feedback_comment"
COMMENT_INPUT_ID = "comment"

FEEDBACK_THANKS = "Merci pour votre avis ! Il servira à améliorer les réponses."
FEEDBACK_FAILED = (  # the answer voted on is unknown (or the vote is not 👍/👎)
    "Votre avis n'a pas pu être enregistré : cette réponse est introuvable (trop ancienne, ou "
    "le bouton ne vient pas d'un de mes messages)."
)
FEEDBACK_ERROR = (
    "Désolé, votre avis n'a pas pu être enregistré à cause d'une erreur interne (le détail est "
    "dans le journal du serveur). Réessayez dans un instant."
)
COMMENT_THANKS = "Merci, votre commentaire est enregistré."
COMMENT_WITHOUT_VOTE = "Votez d'abord 👍 ou 👎 sous la réponse, puis ajoutez votre commentaire."

Card = dict[str, Any]
Element = dict[str, Any]

_LABELS = {"region": "région", "plan": "plan", "measure": "mesure", "kind": "type"}


# --- text ----------------------------------------------------------------------------------


def card_markdown(text: str) -> str:
    """Answer text (plain text or light Markdown) as the Markdown subset TextBlocks render:
    headings become bold lines (TextBlocks have no headings)."""
    return re.sub(r"^#{1,6}\s+(.+)$", r"**\1**", text.strip(), flags=re.MULTILINE)


def teams_markdown(text: str) -> str:
    """A notice written for Slack's mrkdwn (`*bold*`, `` `code` ``) as Teams markdown:
    `**bold**`; `<…>` placeholders as `‹…›` (Teams would take them for HTML tags, even in
    code spans, where entities are not decoded either); line breaks doubled."""
    text = text.replace("<", "‹").replace(">", "›")
    text = re.sub(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])", r"**\1**", text)
    return re.sub(r"\n+", "\n\n", text)  # Teams joins single line breaks


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line, sentence or word."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for pattern in (r"\n\s*\n", r"\n", r"(?<=[.!?…])\s", r"\s"):
            matches = [m.start() for m in re.finditer(pattern, window) if m.start() > limit // 3]
            if matches:
                cut = matches[-1]
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _link_label(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def plain(text: str) -> str:
    """User text in a TextBlock: no accidental bold or link (`*`, `[`)."""
    return _link_label(text.replace("*", "∗"))


def link(url: str | None, label: str) -> str:
    """`[label](url)` in card markdown when `url` is a web address, else `label` alone
    (without brackets: `plain` it first)."""
    if url and url.startswith(("http://", "https://")):
        return f"[{label}]({url.replace(' ', '%20').replace(')', '%29')})"
    return label


def citation_line(number: int, citation: Citation) -> str:
    """`[1] [Title](url) — Section (author, date)` in card markdown."""
    title = link(citation.url, _link_label(citation.title or citation.source or "Document"))
    line = f"[{number}] {title}"
    if citation.section and fold_key(citation.section) not in fold_key(citation.title or ""):
        line += f" — {citation.section}"
    extra = ", ".join(part for part in (citation.author, citation.date) if part)
    if extra:
        line += f" ({extra})"
    return line


def filters_text(answer: Answer, channel_region: str | None) -> str | None:
    """`Filtres : région Mauricie (réglage du canal) · plan PAGIEPS`, or None."""
    parts = []
    for key, value in answer.filters.items():
        if not value:
            continue
        part = f"{_LABELS.get(key, key)} {value}"
        if key == "region" and channel_region and value == channel_region:
            part += " (réglage du canal)"
        parts.append(part)
    return "Filtres : " + " · ".join(parts) if parts else None


# --- cards ---------------------------------------------------------------------------------


def text_block(text: str, **options: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **options}


def adaptive_card(body: list[Element], actions: list[Element] | None = None) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def attachment(card: Card) -> dict[str, Any]:
    """The message attachment carrying a card."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def feedback_actions(answer_id: str) -> list[Element]:
    return [
        {
            "type": "Action.Submit",
            "title": "👍 Utile",
            "data": {ACTION_KEY: ACTION_FEEDBACK, "vote": "up", "answer_id": answer_id},
        },
        {
            "type": "Action.Submit",
            "title": "👎 Pas utile",
            "data": {ACTION_KEY: ACTION_FEEDBACK, "vote": "down", "answer_id": answer_id},
        },
    ]


def answer_tail(reply: AnswerReply) -> list[Element]:
    """What follows the answer text: the sources and the filters."""
    answer = reply.answer
    elements: list[Element] = []
    if answer.citations:
        heading = sources_heading(answer.language, answer.abstained)
        elements.append(
            text_block(f"**{heading}**", separator=True, spacing="Medium", size="Small")
        )
        for number, citation in enumerate(answer.citations, 1):
            elements.append(
                text_block(citation_line(number, citation), size="Small", spacing="None")
            )
    filters = filters_text(answer, reply.channel_region)
    if filters:
        elements.append(text_block(filters, isSubtle=True, size="Small"))
    return elements


def answer_cards(reply: AnswerReply, limit: int = CARD_BYTES_LIMIT) -> list[Card]:
    """The answer as one card, or several when it is too long for one Teams message; the
    last card carries the sources, the filters and the 👍/👎 buttons."""
    tail = answer_tail(reply)
    actions = feedback_actions(reply.answer_id)
    blocks = [
        text_block(piece)
        for piece in split_text(card_markdown(reply.answer.text), TEXT_BLOCK_LIMIT)
    ]
    if not blocks:
        blocks = [text_block("(réponse vide)")]
    cards: list[Card] = []
    current: list[Element] = []
    for block in blocks:
        if current and _size(adaptive_card([*current, block])) > limit:
            cards.append(adaptive_card(current))
            current = []
        current.append(block)
    last = adaptive_card([*current, *tail], actions)
    if current and _size(last) > limit:
        cards.append(adaptive_card(current))
        last = adaptive_card(tail or [text_block("…")], actions)
    cards.append(last)
    return cards


def section_cards(
    head: list[Element], sections: list[list[Element]], limit: int = CARD_BYTES_LIMIT
) -> list[Card]:
    """The head and the sections as one card, or several when they are too large for one
    Teams message: a card is cut between sections, never inside one, and the first card
    holds the head and at least the first section."""
    result: list[Card] = []
    current: list[Element] = list(head)
    has_section = False
    for section in sections:
        if has_section and _size(adaptive_card([*current, *section])) > limit:
            result.append(adaptive_card(current))
            current = []
        current.extend(section)
        has_section = True
    result.append(adaptive_card(current))
    return result


def notice_text(reply: NoticeReply) -> str:
    prefix = "⚠️ " if reply.kind in ("error", "refusal") else ""
    return prefix + teams_markdown(reply.text)


def comment_card(answer_id: str) -> Card:
    """Asked after a 👎: an optional comment on what was wrong (Slack opens a modal)."""
    return adaptive_card(
        [
            text_block("Merci, votre 👎 est enregistré. Qu'est-ce qui n'allait pas ? (facultatif)"),
            {
                "type": "Input.Text",
                "id": COMMENT_INPUT_ID,
                "isMultiline": True,
                "maxLength": 2000,
                "placeholder": "Ce qui manquait, ce qui était faux…",
            },
        ],
        [
            {
                "type": "Action.Submit",
                "title": "Envoyer",
                "data": {ACTION_KEY: ACTION_FEEDBACK_COMMENT, "answer_id": answer_id},
            }
        ],
    )


def _size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


# --- card actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class CardAction:
    """A submitted card action: its name and its data (inputs included)."""

    name: str
    data: dict[str, Any]


def card_action(value: Any) -> CardAction | None:
    """The card action in a message's `value` (what Teams sends for Action.Submit), or None."""
    if not isinstance(value, dict):
        return None
    name = value.get(ACTION_KEY)
    if not isinstance(name, str) or not name:
        return None
    return CardAction(name, value)


# Later issues: the project form. A submission of a card whose data has
# `{"alliances_action": name}` becomes the text command `to_text(data)` (e.g. "projet maj 12
# statut=terminé"), handled by ChatCore like the same words typed in the chat.
CARD_ACTIONS: dict[str, Callable[[dict[str, Any]], str]] = {}
# Reply types of later issues (a project card, the project form) → the cards that show them.
RENDERERS: dict[type, Callable[[Any], list[Card]]] = {}


def register_card_action(name: str, to_text: Callable[[dict[str, Any]], str]) -> None:
    """Route the submissions of `name` cards to ChatCore as the text command `to_text(data)`."""
    if name in (ACTION_FEEDBACK, ACTION_FEEDBACK_COMMENT) or name in CARD_ACTIONS:
        raise ValueError(f"card action already registered: {name}")
    CARD_ACTIONS[name] = to_text


def register_renderer(reply_type: type, render: Callable[[Any], list[Card]]) -> None:
    """Render replies of `reply_type` as these Adaptive Cards in Teams."""
    RENDERERS[reply_type] = render
