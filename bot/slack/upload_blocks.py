"""Block Kit for the replies to a shared file (bot/uploads.py): the offer with its
Ajouter / Annuler (or Remplacer / Annuler) buttons, « déjà dans la base », a refusal, and
what was recorded once the document is added. Nothing here calls Slack.

The buttons carry the pending upload's id only (checked by the guard, bot/slack/guard.py,
then looked up by bot/uploads.py).
"""

from __future__ import annotations

import re
from typing import Any

from bot.slack import blocks as kit
from bot.uploads import (
    UploadAddedReply,
    UploadDuplicateReply,
    UploadOfferReply,
    UploadRefusedReply,
    progress_text,
)

Block = dict[str, Any]

ACTION_UPLOAD_ADD = "alliances_upload_add"
ACTION_UPLOAD_CANCEL = "alliances_upload_cancel"
BLOCK_UPLOAD = "alliances_upload"
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_MARKER = "\x00"


def upload_reply_blocks(reply: Any) -> list[Block] | None:
    """Blocks for a reply to a shared file; None for replies of other kinds."""
    if isinstance(reply, UploadOfferReply):
        return offer_blocks(reply)
    if isinstance(reply, UploadDuplicateReply):
        return _with_actor(reply.text, reply.source.added_by)
    if isinstance(reply, UploadRefusedReply):
        return kit.sections(f"*{kit.escape(reply.title())}*\n{kit.escape(reply.text)}")
    if isinstance(reply, UploadAddedReply):
        return added_blocks(reply)
    return None


def _mention(actor: str | None) -> str:
    if actor and _SLACK_USER.match(actor):
        return f"<@{actor}>"
    return kit.escape(actor or "—")


def _with_actor(text: Any, actor: str | None) -> list[Block]:
    """A text built with a `who` callback: escaped, the actor as a Slack mention."""
    escaped = kit.escape(text(lambda _actor: _MARKER))
    return kit.sections(escaped.replace(_MARKER, _mention(actor)))


def offer_blocks(reply: UploadOfferReply) -> list[Block]:
    actor = reply.replaces.added_by if reply.replaces is not None else None
    question = kit.escape(reply.question(lambda _actor: _MARKER)).replace(_MARKER, _mention(actor))
    return [
        *kit.sections(f"*{question}*"),
        kit.context(kit.escape(reply.detail())),
        {
            "type": "actions",
            "block_id": BLOCK_UPLOAD,
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_UPLOAD_ADD,
                    "text": {"type": "plain_text", "text": reply.confirm_label},
                    "style": "primary",
                    "value": reply.pending_id,
                },
                {
                    "type": "button",
                    "action_id": ACTION_UPLOAD_CANCEL,
                    "text": {"type": "plain_text", "text": reply.cancel_label},
                    "value": reply.pending_id,
                },
            ],
        },
    ]


def added_blocks(reply: UploadAddedReply) -> list[Block]:
    blocks = kit.sections(f"*{kit.escape(reply.title())}*")
    fields = []
    for label, value in reply.facts(lambda _actor: _MARKER):
        text = kit.escape(value).replace(_MARKER, _mention(reply.source.added_by))
        fields.append({"type": "mrkdwn", "text": f"*{kit.escape(label)}*\n{text}"[:2000]})
    blocks.append({"type": "section", "fields": fields[:10]})
    check = reply.check_lines()
    if check:
        question, answer = check
        blocks += kit.sections(f"*{kit.escape(question)}*\n{kit.escape(answer)}")
    notes = " ".join(reply.notes()).replace("`sources", "`/alliances sources")
    blocks.append(kit.context(kit.escape(notes)))
    return blocks


def progress_blocks(title: str, language: str = "fr") -> list[Block]:
    """« Indexation en cours… » while a confirmed file is ingested."""
    return kit.sections(kit.escape(progress_text(title, language)))
