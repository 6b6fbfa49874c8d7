"""What a request to /slack/events must be before slack-bolt reads it.

slack-bolt assumes the shapes Slack sends: it indexes `body["view"]["type"]`, calls
`int()` on the timestamp header, `.get()` on whatever `event` holds, and a listener that fails
on a missing field makes it answer 500 (or, when the listener had already acknowledged, wait
three seconds and answer 404). So the door checks, in this order:

1. the signature, on the raw bytes (`signature_is_valid`): anything unsigned, badly signed,
   stale, or with a timestamp that is not a plain number of seconds is refused with 401
   before its body is even read;
2. the body (`parse_body`): UTF-8, JSON or a form (a form's `payload` field holds the JSON
   of interactivity requests); unreadable: 400;
3. its shape (`shape_problem`): every field Bolt or the listeners read has the type Slack
   gives it, and each kind of request has the fields Slack always sends (a slash command its
   `user_id`, `channel_id`, `trigger_id` and `response_url`; a button click its user, its
   actions and its `response_url`…). Anything else: 400.

What is left to the listeners is what a person controls (the text of a message, which button
they clicked): they answer it with a sentence, not with an error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request import payload_utils
from slack_bolt.request.async_internals import build_async_context

MAX_AGE_S = 5 * 60  # Slack's rule: older requests may be replays
_SECONDS = re.compile(r"[0-9]{1,12}")
_SLACK_TS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,8})?")

Check = Callable[[Any], bool]


class MalformedRequest(ValueError):
    """A signed request whose body cannot be read."""


# --- 1. signature -------------------------------------------------------------------------


def signature_is_valid(
    signing_secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
) -> bool:
    """Slack's check (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`), on the raw bytes, that
    never raises: a timestamp that is not a plain number of seconds, one more than five
    minutes away, or a signature that does not match is simply invalid."""
    if not signing_secret or not timestamp or not signature:
        return False
    if not _SECONDS.fullmatch(timestamp) or abs(now - int(timestamp)) > MAX_AGE_S:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogateescape"))


# --- 2. body --------------------------------------------------------------------------------


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """The decoded body, as Slack meant it: JSON (Events API), or a form whose `payload` is
    JSON (interactivity), or a plain form (slash commands). Raises MalformedRequest.

    Bolt's own parser reads any form that merely *contains* the word "payload" as an
    interactivity request, which loses a slash command like `/alliances payload`; this one
    looks for the field."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedRequest("the body is not UTF-8") from error
    if not text:
        return {}
    try:
        if content_type == "application/json" or text.startswith("{"):
            return json.loads(text)
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in fields:
            return json.loads(fields["payload"])
        return fields
    except (ValueError, RecursionError) as error:
        raise MalformedRequest("the body is not valid JSON") from error


# --- 3. shape -------------------------------------------------------------------------------


def shape_problem(body: Any) -> str | None:
    """Why Bolt or the listeners could not read this request (a short English phrase for
    the log), or None when it has the shape Slack gives."""
    if not isinstance(body, dict):
        return "the body is not an object"
    problem = (
        _fields_problem("body", body, _ENVELOPE)
        or _identity_problem("body", body)
        or _kind_problem(body)
    )
    return problem or _bolt_problem(body)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_optional_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _is_optional_dict(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def _is_str_or_dict(value: Any) -> bool:
    return value is None or isinstance(value, str | dict)


def _is_bool_or_str(value: Any) -> bool:
    return isinstance(value, bool | str)


def _is_ts(value: Any) -> bool:
    return isinstance(value, str) and bool(_SLACK_TS.fullmatch(value))


def is_web_address(value: Any) -> bool:
    """An absolute http(s) address (a response_url), nothing Slack could not have sent."""
    if not isinstance(value, str) or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


# Fields at the top of any request: when present, they have these types.
_ENVELOPE: dict[str, Check] = {
    "type": _is_str,
    "token": _is_str,
    "command": _is_str,
    "text": _is_str,
    "trigger_id": _is_str,
    "event_id": _is_str,
    "callback_id": _is_str,
    "action_id": _is_str,
    "api_app_id": _is_str,
    "response_url": is_web_address,
    "response_urls": _is_list_of_dicts,
    "authorizations": _is_list_of_dicts,
    "is_enterprise_install": _is_bool_or_str,
    "is_ext_shared_channel": lambda value: isinstance(value, bool),
    "event": _is_dict,
    "view": _is_dict,
    "actions": _is_list_of_dicts,
    "container": _is_optional_dict,
    "workflow_step": _is_dict,
    "function_data": _is_dict,
}
# Where Bolt looks for who and where (extract_user_id, extract_channel_id…), at every level.
_IDENTITY: dict[str, Check] = {
    "user": _is_str_or_dict,
    "user_id": _is_optional_str,
    "user_team": _is_optional_str,
    "channel": _is_str_or_dict,
    "channel_id": _is_optional_str,
    "team": _is_str_or_dict,
    "team_id": _is_optional_str,
    "enterprise": _is_str_or_dict,
    "enterprise_id": _is_optional_str,
    "context_team_id": _is_optional_str,
    "context_enterprise_id": _is_optional_str,
    "thread_ts": _is_optional_str,
    "function_execution_id": _is_optional_str,
    "bot_access_token": _is_optional_str,
    "message": _is_optional_dict,
    "previous_message": _is_optional_dict,
    "item": _is_optional_dict,
    "assistant_thread": _is_optional_dict,
    "app_installed_team_id": _is_optional_str,
    "is_enterprise_install": lambda value: value is None or _is_bool_or_str(value),
}
_NESTED_IDENTITY = ("message", "previous_message", "item", "assistant_thread")
_IDENTITY_OBJECT: dict[str, Check] = {
    "id": _is_optional_str,
    "team_id": _is_optional_str,
    "enterprise_id": _is_optional_str,
}
# The events the listeners read (bot/slack/listeners.py), field by field.
_MESSAGE_EVENT: dict[str, Check] = {
    "channel": _is_text,
    "ts": _is_ts,
    "thread_ts": lambda value: value is None or _is_ts(value),
    "user": _is_optional_str,
    "bot_id": _is_optional_str,
    "subtype": _is_optional_str,
    "channel_type": _is_optional_str,
    "team": _is_optional_str,
    "files": lambda value: value is None or _is_list_of_dicts(value),
}
_REQUIRED_IN_MESSAGE_EVENT = ("channel", "ts")
_ASSISTANT_THREAD: dict[str, Check] = {
    "channel_id": _is_optional_str,
    "thread_ts": lambda value: value is None or _is_ts(value),
}
_SLASH_COMMAND: dict[str, Check] = {
    "user_id": _is_text,
    "channel_id": _is_text,
    "trigger_id": _is_text,
    "response_url": is_web_address,
    "command": _is_text,
    "team_id": _is_str,
    "channel_name": _is_str,
    "user_name": _is_str,
}
_REQUIRED_IN_SLASH_COMMAND = ("command", "user_id", "channel_id", "trigger_id", "response_url")
_ACTION: dict[str, Check] = {
    "action_id": _is_text,
    "block_id": _is_str,
    "type": _is_str,
    "action_ts": _is_str,
}
_VIEW: dict[str, Check] = {
    "callback_id": _is_str,
    "type": _is_str,
    "id": _is_str,
    "private_metadata": _is_str,
    "state": _is_dict,
}
# The input elements of a submitted modal, as bot/slack/project_blocks.form_values and the
# feedback form read them.
_INPUT: dict[str, Check] = {
    "type": _is_str,
    "value": _is_optional_str,
    "selected_date": _is_optional_str,
    "selected_option": _is_optional_dict,
}


def _fields_problem(where: str, data: Mapping[str, Any], checks: Mapping[str, Check]) -> str | None:
    for name, check in checks.items():
        if name in data and not check(data[name]):
            return f"{where}.{name} has the wrong type or format"
    return None


def _required_problem(where: str, data: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    missing = [name for name in names if name not in data]
    return f"{where} lacks {', '.join(missing)}" if missing else None


def _identity_problem(where: str, data: Mapping[str, Any], depth: int = 0) -> str | None:
    problem = _fields_problem(where, data, _IDENTITY)
    if problem:
        return problem
    for name in ("user", "channel", "team", "enterprise"):
        value = data.get(name)
        if isinstance(value, dict):
            problem = _fields_problem(f"{where}.{name}", value, _IDENTITY_OBJECT)
            if problem:
                return problem
    authorizations = data.get("authorizations")
    if depth == 0 and authorizations:
        problem = _identity_problem(f"{where}.authorizations[0]", authorizations[0], depth + 1)
        if problem:
            return problem
    for name in _NESTED_IDENTITY:
        value = data.get(name)
        if isinstance(value, dict) and depth < 2:
            problem = _identity_problem(f"{where}.{name}", value, depth + 1)
            if problem:
                return problem
    return None


def _kind_problem(body: dict[str, Any]) -> str | None:
    kind = body.get("type")
    if "event" in body:
        return _event_problem(body["event"])
    if kind == "event_callback":
        return "body lacks event"
    if "command" in body:
        return _fields_problem("command", body, _SLASH_COMMAND) or _required_problem(
            "command", body, _REQUIRED_IN_SLASH_COMMAND
        )
    if kind in ("block_actions", "interactive_message"):
        return _block_actions_problem(body)
    if kind in ("view_submission", "view_closed"):
        return _view_problem(body)
    return None


def _event_problem(event: dict[str, Any]) -> str | None:
    problem = _identity_problem("event", event)
    if problem:
        return problem
    if not _is_text(event.get("type")):
        return "event.type is missing or not a string"
    if event["type"] in ("app_mention", "message"):
        return _fields_problem("event", event, _MESSAGE_EVENT) or _required_problem(
            "event", event, _REQUIRED_IN_MESSAGE_EVENT
        )
    if event["type"].startswith("assistant_thread_"):
        thread = event.get("assistant_thread")
        if not isinstance(thread, dict):
            return "event.assistant_thread is missing"
        return _fields_problem("event.assistant_thread", thread, _ASSISTANT_THREAD)
    return None


def _user_problem(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _is_text(user.get("id")):
        return "body.user.id is missing"
    return None


def _block_actions_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not actions:
        return "body.actions is missing or empty"
    for number, action in enumerate(actions):
        problem = _fields_problem(f"actions[{number}]", action, _ACTION) or _required_problem(
            f"actions[{number}]", action, ("action_id",)
        )
        if problem:
            return problem
    if not _is_optional_dict(body.get("channel")) or not _is_optional_dict(body.get("team")):
        return "body.channel or body.team is not an object"
    if "response_url" not in body:  # every button of ours is in a message, which has one
        return "body lacks response_url"
    return _user_problem(body)


def _view_problem(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    if not isinstance(view, dict):
        return "body.view is missing"
    problem = _fields_problem("view", view, _VIEW) or _required_problem(
        "view", view, ("callback_id", "type")
    )
    if problem:
        return problem
    values = view.get("state", {}).get("values", {})
    if not isinstance(values, dict):
        return "view.state.values is not an object"
    for block_id, elements in values.items():
        if not isinstance(elements, dict):
            return f"view.state.values.{block_id} is not an object"
        for action_id, element in elements.items():
            if not isinstance(element, dict):
                return f"view.state.values.{block_id}.{action_id} is not an object"
            problem = _fields_problem(f"view.state.values.{block_id}", element, _INPUT)
            if problem:
                return problem
            option = element.get("selected_option") or {}
            if not _is_optional_str(option.get("value")):
                return f"view.state.values.{block_id}.selected_option has no usable value"
    if not _is_optional_dict(body.get("team")):
        return "body.team is not an object"
    return _user_problem(body)


_BOLT_READERS = (
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_action,
    payload_utils.to_view,
    payload_utils.to_command,
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_step,
)


def _bolt_problem(body: dict[str, Any]) -> str | None:
    """Run what Bolt runs on every request (its context, the listener arguments): whatever
    the rules above did not foresee and would make Bolt fail is refused here, not answered
    with 500."""
    try:
        build_async_context(AsyncBoltContext(), body)
        for reader in _BOLT_READERS:
            reader(body)
    except Exception as error:  # a failure here is a shape Bolt cannot read
        return f"slack-bolt cannot read it ({type(error).__name__})"
    return None
