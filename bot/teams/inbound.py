"""What a request to /api/messages must be before the Agents SDK reads it.

The SDK validates the activity with pydantic without catching the error (a JSON array, or a
number where Teams sends text: HTTP 500), and runs a turn on any activity with a type and a
conversation, so one without a sender or a `serviceUrl` fails inside the turn, where the
error handler writes « erreur interne » into the conversation. So, once the request is
authenticated, the door reads the activity itself (`check_activity`):

- not JSON, not an object, not an activity (a field of the wrong type), or without what every
  activity Teams sends carries (`type`, `conversation.id`, `channelId`, `recipient.id`, an
  http(s) `serviceUrl`), or mentioning the bot with neither the mention's text nor a name
  (the SDK strips mentions by that text and fails without it): refused with 400;
- without a sender (`from.id`): acknowledged and ignored, with a warning (there is nobody to
  answer, and the SDK cannot keep a turn's state without a user);
- otherwise handed to the SDK, lone surrogates in its strings replaced (bot/lone_surrogates.py).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from microsoft_agents.activity import Activity
from pydantic import ValidationError

from bot.lone_surrogates import replace_lone_surrogates

_checking: ContextVar[bool] = ContextVar("checking_an_inbound_activity", default=False)


class _OwnValidationNotice(logging.Filter):
    """The SDK logs every failed Activity validation as an error with its traceback; the
    failures `check_activity` provokes on purpose are answered with 400 and logged (as a
    warning, without traceback) by the door instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_checking.get() and record.getMessage().startswith("Validation error"))


logging.getLogger("microsoft_agents.activity.activity").addFilter(_OwnValidationNotice())


@dataclass(frozen=True)
class Inbound:
    """What to do with a request body: `activity` (the checked JSON object) goes to the SDK;
    otherwise answer `status` and log `reason`."""

    activity: dict[str, Any] | None = None
    status: int = 202
    reason: str = ""


def check_activity(raw: bytes) -> Inbound:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return Inbound(status=400, reason="the body is not JSON")
    if not isinstance(body, dict):
        return Inbound(status=400, reason="the body is not a JSON object")
    body = replace_lone_surrogates(body)
    token = _checking.set(True)
    try:
        activity = Activity.model_validate(body)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        return Inbound(status=400, reason=f"not an activity (fields: {', '.join(fields[:5])})")
    except Exception as error:  # the SDK's own checks raise plain exceptions too
        return Inbound(status=400, reason=f"not an activity ({error})")
    finally:
        _checking.reset(token)
    problem = _missing(activity)
    if problem:
        return Inbound(status=400, reason=problem)
    if activity.from_property is None or not activity.from_property.id:
        return Inbound(status=202, reason=f"a {activity.type} activity without a sender")
    return Inbound(activity=body)


def _missing(activity: Activity) -> str | None:
    if not activity.type:
        return "the activity has no type"
    if activity.conversation is None or not activity.conversation.id:
        return "the activity has no conversation.id"
    if not activity.channel_id:
        return "the activity has no channelId"
    if activity.recipient is None or not activity.recipient.id:
        return "the activity has no recipient.id"  # the bot: replies are written as it
    if not _is_web_address(activity.service_url):
        return "the activity has no http(s) serviceUrl"
    try:
        mentions = activity.get_mentions()
    except Exception:  # the SDK converts each entity again, and may refuse one
        return "the activity has mentions the SDK cannot read"
    for mention in mentions:
        mentioned = mention.mentioned
        if mentioned is not None and mentioned.id == activity.recipient.id and (
            mention.text is None and not isinstance(mentioned.name, str)
        ):
            return "a mention of the bot with neither text nor name"
    return None


def _is_web_address(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
