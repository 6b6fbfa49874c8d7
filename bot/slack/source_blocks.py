"""Block Kit for the `sources` replies: the list of documents, one document's card with its
history, a correction and a removal confirmed. Nothing here calls Slack.

Text from documents and users is escaped (`&`, `<`, `>`); long texts are split into sections
of at most 3,000 characters (bot.slack.blocks.sections).
"""

from __future__ import annotations

import re
from typing import Any

from bot.slack import blocks as kit
from bot.sources_commands import (
    SourceCardReply,
    SourceCorrectedReply,
    SourceListReply,
    SourceRemovedReply,
    history_line,
)
from knowledge.sources import SourceAuditEntry

Block = dict[str, Any]

HEADER_LIMIT = 150
FIELDS_PER_SECTION = 10
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def source_reply_blocks(reply: Any) -> list[Block] | None:
    """Blocks for a `sources` reply; None for replies of other kinds."""
    if isinstance(reply, SourceListReply):
        return list_blocks(reply)
    if isinstance(reply, SourceCardReply):
        return card_blocks(reply)
    if isinstance(reply, SourceCorrectedReply):
        return corrected_blocks(reply)
    if isinstance(reply, SourceRemovedReply):
        return removed_blocks(reply)
    return None


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _who(actor: str | None) -> str | None:
    """A Slack user id (U012AB3CD) as a mention, Slack shows the person's name; other
    actors (a Teams user, the command line) escaped as they are."""
    if actor is None:
        return None
    return f"<@{actor}>" if _SLACK_USER.match(actor) else kit.escape(actor)


def _fields(
    pairs: list[tuple[str, str]], actors: tuple[tuple[str | None, str | None], ...] = ()
) -> list[Block]:
    """Fields of a card; each actor (their id, and how the text names them) a mention."""
    fields = []
    for label, value in pairs:
        text = kit.escape(value)
        for actor, shown in actors:
            if actor and shown and _SLACK_USER.match(actor):
                text = text.replace(kit.escape(shown), f"<@{actor}>")
        fields.append({"type": "mrkdwn", "text": f"*{kit.escape(label)}*\n{text}"[:2000]})
    return [
        {"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]}
        for start in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def list_blocks(reply: SourceListReply) -> list[Block]:
    lang = reply.language
    if not reply.items:
        return kit.sections(kit.escape(reply.empty_text()))
    blocks: list[Block] = [_header(reply.title())]
    for item in reply.items:
        number = item.source.number
        heading = kit.escape(item.heading(lang)).replace(f"[{number}]", f"*[{number}]*", 1)
        blocks += kit.sections(f"{heading}\n{kit.escape(item.detail(lang))}")
    blocks.append(kit.context(" ".join(reply.notes("/alliances "))))
    return blocks


def card_blocks(reply: SourceCardReply) -> list[Block]:
    lang = reply.language
    blocks: list[Block] = [_header(reply.heading())]
    facts = reply.facts()
    long_facts = [(label, value) for label, value in facts if len(value) > 200]
    source = reply.source
    actors = (
        (source.added_by, source.added_by_label), (source.removed_by, source.removed_by_label)
    )
    blocks += _fields([pair for pair in facts if pair not in long_facts], actors)
    for label, value in long_facts:
        blocks += kit.sections(f"*{kit.escape(label)}*\n{kit.escape(value)}")
    if reply.history:
        lines = "\n".join(f"• {_history(entry, lang)}" for entry in reply.history)
        blocks += kit.sections(f"*{reply.history_title()}*\n{lines}")
    return blocks[: kit.BLOCKS_PER_MESSAGE]


def _history(entry: SourceAuditEntry, language: str) -> str:
    """A history line, escaped, its author as a mention."""
    marker = "\x00"
    line = kit.escape(history_line(entry, language, marker if entry.actor else None))
    return line.replace(marker, _who(entry.actor) or "")


def corrected_blocks(reply: SourceCorrectedReply) -> list[Block]:
    blocks = kit.sections(kit.escape(reply.title()))
    if reply.changes:
        lines = "\n".join(
            f"• *{kit.escape(label)}* : {kit.escape(before)} → {kit.escape(after)}"
            for label, before, after in reply.changes
        )
        blocks += kit.sections(lines)
    note = reply.note()
    if note:
        blocks.append(kit.context(kit.escape(note)))
    return blocks


def removed_blocks(reply: SourceRemovedReply) -> list[Block]:
    blocks = kit.sections(kit.escape(reply.title()))
    note = reply.note()
    if note:
        blocks.append(kit.context(kit.escape(note)))
    return blocks
