"""From Teams activities to what the chat core reads: where a message was written, by whom,
and its text as the user typed it (the bot's `<at>…</at>` mention removed)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Literal

from microsoft_agents.activity import Activity

from bot.chat import PLATFORM_TEAMS, ChatRequest, Conversation

PlaceKind = Literal["personal", "groupChat", "channel"]

_MESSAGE_ID = re.compile(r";messageid=(\d+)")
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|b|i|u|s|em|strong|a|ul|ol|li|blockquote|pre|code|h\d)\b[^>]*>",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TeamsPlace:
    """Where an activity happened.

    `base_id` is the conversation without the thread: the channel id in a team (posts and
    channel settings are per channel), the chat id in personal and group chats; `thread_id`
    is the root message of a channel thread (Teams appends it to the conversation id as
    `;messageid=…`), None elsewhere."""

    kind: PlaceKind
    conversation_id: str
    base_id: str
    thread_id: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    channel_name: str | None = None
    tenant_id: str | None = None


def channel_data(activity: Activity) -> dict[str, Any]:
    """The activity's `channelData` as a dict ({} when it is not an object)."""
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    if hasattr(data, "model_dump"):
        dumped = data.model_dump(by_alias=True)
        return dumped if isinstance(dumped, dict) else {}
    if hasattr(data, "__dict__"):
        return dict(vars(data))
    return {}  # a list, a string, a number: nothing to read


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def base_conversation_id(conversation_id: str) -> str:
    """A conversation id without its `;messageid=…` thread suffix."""
    return conversation_id.split(";", 1)[0]


def place_of(activity: Activity) -> TeamsPlace:
    conversation = activity.conversation
    conversation_id = conversation.id if conversation else ""
    data = channel_data(activity)
    channel = _object(data.get("channel"))
    team = _object(data.get("team"))
    tenant = _text(_object(data.get("tenant")).get("id")) or (
        conversation.tenant_id if conversation else None
    )
    kind_raw = (conversation.conversation_type if conversation else None) or ""
    if kind_raw in ("personal", "groupChat", "channel"):
        kind: PlaceKind = kind_raw  # type: ignore[assignment]
    elif _text(channel.get("id")) or _text(team.get("id")):
        kind = "channel"
    elif conversation is not None and conversation.is_group:
        kind = "groupChat"
    else:
        kind = "personal"
    thread_id = None
    base_id = conversation_id
    if kind == "channel":
        base_id = _text(channel.get("id")) or base_conversation_id(conversation_id)
        match = _MESSAGE_ID.search(conversation_id)
        if match:
            thread_id = match.group(1)
        elif activity.type == "message":
            thread_id = activity.reply_to_id or activity.id
    return TeamsPlace(
        kind=kind,
        conversation_id=conversation_id,
        base_id=base_id,
        thread_id=thread_id,
        team_id=_text(team.get("id")),
        team_name=_text(team.get("name")),
        channel_name=_text(channel.get("name")),
        tenant_id=tenant,
    )


def user_id_of(activity: Activity) -> str:
    """The Microsoft Entra object id of the author (what ALLIANCES_ADMINS lists), else the
    Teams account id (`29:…`)."""
    sender = activity.from_property
    if sender is None:
        return ""
    return sender.aad_object_id or sender.id or ""


def mentions_bot(activity: Activity) -> bool:
    recipient = activity.recipient.id if activity.recipient else None
    if not recipient:
        return False
    return any(
        mention.mentioned is not None and mention.mentioned.id == recipient
        for mention in activity.get_mentions()
    )


def plain_text(activity: Activity) -> str:
    """The message text as typed: the bot's mention removed (the SDK removes it by its
    mention entity; a leftover `<at>` of the bot is removed too), other mentions as @Name,
    the few HTML tags Teams may send dropped, entities unescaped, whitespace collapsed."""
    text = activity.text or ""
    bot_name = (activity.recipient.name if activity.recipient else None) or ""
    if bot_name:
        text = re.sub(rf"<at[^>]*>\s*{re.escape(bot_name)}\s*</at>", " ", text, flags=re.I)
    text = _AT.sub(lambda match: "@" + match.group(1).strip(), text)
    text = _HTML_TAG.sub(" ", text)
    text = html.unescape(text).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


def chat_request(
    activity: Activity, place: TeamsPlace, text: str, *, surface: str = "message"
) -> ChatRequest:
    """The platform-neutral request for a message. Teams does not give the thread back, so
    `history` is None: the core uses the turns it remembered for this conversation. The
    activity id, with its conversation (Teams message ids are unique within a conversation
    only), is the request id: a redelivered activity never writes twice. The author's name
    is what project updates show."""
    request_id = None
    if activity.id:
        request_id = f"teams:{base_conversation_id(place.conversation_id)}:{activity.id}"
    return ChatRequest(
        text=text,
        user_id=user_id_of(activity),
        conversation=Conversation(
            PLATFORM_TEAMS,
            place.base_id,
            thread_id=place.thread_id,
            is_direct=place.kind == "personal",
            team_id=place.team_id,
        ),
        history=None,
        surface=surface,
        request_id=request_id,
        user_name=activity.from_property.name if activity.from_property else None,
    )
