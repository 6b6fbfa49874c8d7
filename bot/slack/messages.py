"""From Slack's message format to the plain text and turns the chat core reads."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import HISTORY_LIMIT, SEARCHING_TEXT, ChatTurn

log = logging.getLogger(__name__)

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_LINK = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")

GREETING = (
    "Bonjour ! Je réponds aux questions sur les Alliances pour la solidarité à partir des "
    "documents officiels, en citant mes sources. Posez votre question, ou choisissez un exemple."
)
# Bot messages that are not answers and must not become turns of the conversation.
NOT_TURNS = {SEARCHING_TEXT, GREETING}


def mentions(text: str) -> set[str]:
    """User ids mentioned in a Slack message."""
    return set(_USER_MENTION.findall(text or ""))


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack message text as the user typed it: the bot's mention removed, other mentions as
    @U…, links as their label, `&amp;`/`&lt;`/`&gt;` unescaped, whitespace collapsed."""
    text = text or ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _USER_MENTION.sub(lambda m: f"@{m.group(1)}", text)
    text = _CHANNEL_LINK.sub(lambda m: f"#{m.group(1)}", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: m.group(2) or f"@{m.group(1)}", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]+", " ", text).strip()


def is_from_a_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id") or message.get("subtype") == "bot_message")


async def thread_history(
    client: AsyncWebClient,
    *,
    channel: str,
    thread_ts: str,
    current_ts: str,
    bot_user_id: str | None,
) -> tuple[ChatTurn, ...] | None:
    """The thread's earlier turns from conversations.replies (oldest first), or None when
    Slack cannot give them (then the core falls back to the turns it remembered)."""
    try:
        response = await client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
    except SlackApiError as error:
        log.warning(
            "conversations.replies failed (%s); using remembered turns", error.response.get("error")
        )
        return None
    except Exception:
        log.warning("conversations.replies failed; using remembered turns", exc_info=True)
        return None
    turns: list[ChatTurn] = []
    for message in response.get("messages") or []:
        if message.get("ts") == current_ts:
            continue
        if float(message.get("ts", 0)) > float(current_ts or 0) > 0:
            continue  # written after the message we answer
        from_bot = is_from_a_bot(message)
        if from_bot and bot_user_id and message.get("user") not in (None, bot_user_id):
            continue  # another bot
        text = (message.get("text") or "").strip()
        if from_bot:
            if not text or text in NOT_TURNS:
                continue
            turns.append(ChatTurn("assistant", text))
        else:
            text = plain_text(text, bot_user_id)
            if text:
                turns.append(ChatTurn("user", text))
    return tuple(turns[-HISTORY_LIMIT:])
