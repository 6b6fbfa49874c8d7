"""Block Kit rendering of chat replies: answer, numbered sources, filters, feedback buttons.

Slack's limits are respected rather than hit: section text is split at 3,000 characters (at a
paragraph, line, sentence or word boundary, never inside a link or an HTML entity), a message
carries at most 50 blocks (longer replies become several messages) and the `text` fallback is
kept under 3,000 characters. Nothing here calls Slack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.bilingual import sources_heading
from bot.chat import AnswerReply, NoticeReply
from knowledge.folding import fold_key
from retrieval.answers import Answer, Citation

SECTION_LIMIT = 3000
BLOCKS_PER_MESSAGE = 50
FALLBACK_LIMIT = 3000
STREAM_CHUNK_LIMIT = 12000  # chat.appendStream markdown_text limit

ACTION_FEEDBACK_UP = "alliances_feedback_up"
ACTION_FEEDBACK_DOWN = "alliances_feedback_down"
ACTION_SHARE = "alliances_share"
VIEW_FEEDBACK_COMMENT = "alliances_feedback_comment"
BLOCK_FEEDBACK = "alliances_feedback"

Block = dict[str, Any]

_REGION_LABELS = {"region": "région", "plan": "plan", "measure": "mesure", "kind": "type"}


# --- text --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Answer text (plain text or light Markdown) as escaped Slack mrkdwn."""
    text = escape(markdown)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)  # **bold** -> *bold*
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", text, flags=re.MULTILINE)  # headings -> bold
    return text


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most `limit` characters, at the best boundary available:
    paragraph, line, sentence, word, else a hard cut. Links (`<…>`) and entities (`&amp;`)
    are never cut. Pieces are stripped."""
    return [piece.strip() for piece in _raw_pieces(text.strip(), limit) if piece.strip()]


def _raw_pieces(text: str, limit: int) -> list[str]:
    """Like split_text, but the pieces keep their whitespace: "".join(pieces) == text."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _best_cut(text: str, limit: int) -> int:
    window = text[: limit + 1]
    floor = limit // 3  # do not make tiny pieces to find a nicer boundary
    for pattern in (r"\n\s*\n", r"\n", r"(?<=[.!?…])\s", r"\s"):
        for match in reversed(list(re.finditer(pattern, window))):
            if match.start() < floor:
                break
            if match.start() <= limit and _safe_cut(text, match.start()):
                return match.start()
    cut = limit
    while cut > floor and not _safe_cut(text, cut):
        cut -= 1
    return cut if cut > floor else limit


def _safe_cut(text: str, position: int) -> bool:
    """False inside a `<link|label>` or an `&entity;`."""
    before = text[:position]
    if before.rfind("<") > before.rfind(">"):
        return False
    amp = before.rfind("&")
    return not (amp >= 0 and ";" not in before[amp:] and position - amp <= 6)


def fallback_text(text: str) -> str:
    """The notification/fallback `text` of a message, under Slack's comfortable limit."""
    text = text.strip()
    return text if len(text) <= FALLBACK_LIMIT else text[: FALLBACK_LIMIT - 1].rstrip() + "…"


# --- blocks ------------------------------------------------------------------------------


def sections(mrkdwn: str) -> list[Block]:
    """Section blocks for mrkdwn text of any length."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in split_text(mrkdwn)
    ]


def context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}]}


def link(url: str | None, text: str) -> str:
    """`<url|text>` in mrkdwn when `url` is a web address, else `text` alone (`text` is
    mrkdwn already: escape it first)."""
    if url and url.startswith(("http://", "https://")):
        return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{text}>"
    return text


def citation_line(number: int, citation: Citation) -> str:
    """`[1] <url|Title> — Section (author, date)` in mrkdwn."""
    title = link(citation.url, escape(citation.title or citation.source or "Document"))
    line = f"[{number}] {title}"
    if citation.section and fold_key(citation.section) not in fold_key(citation.title or ""):
        line += f" — {escape(citation.section)}"  # not when the section is the title again
    extra = ", ".join(escape(part) for part in (citation.author, citation.date) if part)
    if extra:
        line += f" ({extra})"
    return line


def sources_blocks(citations: Iterable[Citation], heading: str = "Sources") -> list[Block]:
    lines = [citation_line(number, citation) for number, citation in enumerate(citations, 1)]
    if not lines:
        return []
    return sections(f"*{heading}*\n" + "\n".join(lines))


def filters_text(answer: Answer, channel_region: str | None) -> str | None:
    """`Filtres : région Mauricie (réglage du canal) · plan PAGIEPS`, or None without filters."""
    parts = []
    for key, value in answer.filters.items():
        if not value:
            continue
        label = _REGION_LABELS.get(key, key)
        part = f"{label} {escape(str(value))}"
        if key == "region" and channel_region and value == channel_region:
            part += " (réglage du canal)"
        parts.append(part)
    return "Filtres : " + " · ".join(parts) if parts else None


def feedback_and_share_actions(answer_id: str, *, share: bool) -> Block:
    elements: list[Block] = [
        {
            "type": "button",
            "action_id": ACTION_FEEDBACK_UP,
            "text": {"type": "plain_text", "text": "👍 Utile", "emoji": True},
            "value": answer_id,
        },
        {
            "type": "button",
            "action_id": ACTION_FEEDBACK_DOWN,
            "text": {"type": "plain_text", "text": "👎 Pas utile", "emoji": True},
            "value": answer_id,
        },
    ]
    if share:
        elements.append(
            {
                "type": "button",
                "action_id": ACTION_SHARE,
                "style": "primary",
                "text": {"type": "plain_text", "text": "Partager dans le canal", "emoji": True},
                "value": answer_id,
            }
        )
    return {"type": "actions", "block_id": BLOCK_FEEDBACK, "elements": elements}


def answer_tail_blocks(
    reply: AnswerReply, *, share: bool = False, shared_by: str | None = None
) -> list[Block]:
    """Everything after the answer text: sources, filters, who shared it, buttons."""
    answer = reply.answer
    blocks = sources_blocks(
        answer.citations, sources_heading(answer.language, answer.abstained)
    )
    notes = []
    filters = filters_text(answer, reply.channel_region)
    if filters:
        notes.append(filters)
    if shared_by:
        notes.append(f"Partagé par <@{shared_by}>")
    if notes:
        blocks.append(context(" · ".join(notes)))
    blocks.append(feedback_and_share_actions(reply.answer_id, share=share))
    return blocks


def answer_blocks(
    reply: AnswerReply, *, share: bool = False, shared_by: str | None = None
) -> list[Block]:
    """The whole answer: text sections, then the tail."""
    return sections(to_mrkdwn(reply.answer.text)) + answer_tail_blocks(
        reply, share=share, shared_by=shared_by
    )


def notice_blocks(reply: NoticeReply) -> list[Block]:
    """A notice. Its text is written for mrkdwn already (help uses `code` and *bold*)."""
    prefix = "⚠️ " if reply.kind in ("error", "refusal") else ""
    return sections(prefix + reply.text)


def searching_blocks(text: str) -> list[Block]:
    return [context(f"⏳ {escape(text)}")]


def paginate(blocks: list[Block], size: int = BLOCKS_PER_MESSAGE) -> list[list[Block]]:
    """Blocks in messages of at most `size` blocks (at least one, possibly empty, page)."""
    return [blocks[start : start + size] for start in range(0, len(blocks), size)] or [[]]


def stream_pieces(markdown: str, size: int = 400) -> list[str]:
    """The answer text in pieces to append to a chat stream (each ≤ 12,000 characters);
    joined, they give the text back exactly."""
    return _raw_pieces(markdown, min(size, STREAM_CHUNK_LIMIT))


def feedback_comment_view(answer_id: str) -> Block:
    """The modal opened by 👎: an optional comment on what was wrong."""
    return {
        "type": "modal",
        "callback_id": VIEW_FEEDBACK_COMMENT,
        "private_metadata": answer_id,
        "title": {"type": "plain_text", "text": "Votre avis"},
        "submit": {"type": "plain_text", "text": "Envoyer"},
        "close": {"type": "plain_text", "text": "Fermer"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Merci, votre 👎 est enregistré. Qu'est-ce qui n'allait pas ? "
                    "(facultatif)",
                },
            },
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": "Commentaire"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "comment",
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }
