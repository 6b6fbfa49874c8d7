"""Block Kit for digests (bot/digests/): the message posted in a channel, and the same
message as a private preview with one line on top. Nothing here calls Slack.

One digest is one message (exactly-once is per message): header, period and totals, then per
MRC a heading and one section per project — its reference and name, status, the facts of the
period and its latest updates — with a "Voir" button that opens the project's card (the
`/projet` buttons' action, handled by bot/slack/project_listeners.py). Past 50 blocks the
remaining projects are counted in a last line instead. User-typed text is escaped.
"""

from __future__ import annotations

from typing import Any

from bot.bilingual import say as _say
from bot.digests.content import (
    Digest,
    DigestReply,
    ProjectItem,
    item_facts,
    more_updates_text,
    preview_note,
    update_line_text,
)
from bot.slack import blocks as kit
from bot.slack.project_blocks import ACTION_SHOW
from knowledge.projects import status_label

Block = dict[str, Any]

HEADER_LIMIT = 150


def digest_blocks(reply: DigestReply) -> list[Block]:
    """The digest's blocks (at most 50: one message); a preview starts with its note."""
    digest = reply.digest
    lang = digest.language
    blocks: list[Block] = []
    if reply.preview:
        blocks.append(kit.context(kit.escape(preview_note(reply))))
    blocks.append(_header(digest.title()))
    summary = digest.period_text()
    parts = digest.totals_parts()
    if parts:
        summary += " · " + " · ".join(parts)
    blocks.append(kit.context(kit.escape(summary)))
    if digest.empty:
        blocks += kit.sections(kit.escape(digest.empty_text()))
        return blocks
    # The same projects fit whether or not the preview's note is on top (the preview shows
    # what will be posted); one block is kept for "… and N more".
    room = kit.BLOCKS_PER_MESSAGE - len(blocks) - (0 if reply.preview else 1) - 1
    shown = 0
    for group in digest.groups:
        if room < 2:
            break
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*📍 {kit.escape(digest.group_label(group))}*"},
            }
        )
        room -= 1
        for item in group.items:
            if room < 1:
                break
            blocks.append(_item_block(item, lang))
            room -= 1
            shown += 1
    hidden = len(digest.items) - shown
    if hidden > 0:
        where = f" région:{digest.region}" if digest.region else ""
        blocks.append(
            kit.context(
                _say(
                    lang,
                    f"… et {hidden} autre{'s' if hidden > 1 else ''} projet"
                    f"{'s' if hidden > 1 else ''} : `/projet liste{kit.escape(where)}`",
                    f"… and {hidden} more project{'s' if hidden > 1 else ''}: "
                    f"`/projet list{kit.escape(where)}`",
                )
            )
        )
    return blocks


def _item_block(item: ProjectItem, language: str) -> Block:
    lines = [
        f"*{item.reference} {kit.escape(item.name)}* · "
        f"{kit.escape(status_label(item.status, language))}"
    ]
    facts = item_facts(item, language)
    if facts:
        lines.append(kit.escape(" · ".join(facts)))
    for line in item.updates:
        lines.append("> " + kit.escape(update_line_text(line, language)))
    more = more_updates_text(item, language)
    if more:
        lines.append(f"_{kit.escape(more)}_")
    text = "\n".join(lines)
    if len(text) > kit.SECTION_LIMIT:
        text = text[: kit.SECTION_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text},
        "accessory": {
            "type": "button",
            "action_id": ACTION_SHOW,
            "text": {"type": "plain_text", "text": _say(language, "Voir", "Show"), "emoji": True},
            "value": f"{item.project_id}:{language}",
        },
    }


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def notification_text(reply: DigestReply | Digest) -> str:
    """The message's `text` (notifications, screen readers): title, period and totals."""
    digest = reply.digest if isinstance(reply, DigestReply) else reply
    parts = digest.totals_parts()
    summary = " · ".join(parts) if parts else digest.empty_text()
    return kit.fallback_text(f"{digest.title()} — {digest.period_text()} : {summary}")


def posted_part(blocks: list[Block]) -> list[Block]:
    """A preview's blocks without its note: what the channel will see."""
    if blocks and blocks[0].get("type") == "context" and "👀" in str(blocks[0]):
        return blocks[1:]
    return blocks
