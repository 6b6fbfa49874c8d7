"""The guard around every listener of the Slack door (ours and the project listeners').

`GuardedAsyncApp` (bot/slack/app.py) wraps each listener it registers in `guard_listener`:

- a click on a button whose value none of our messages could carry is answered with a short
  sentence and goes no further; a modal submitted with private metadata that is not ours is
  closed without effect (nobody to tell);
- the request is always acknowledged, even by a listener that forgot to or failed first;
- an exception never reaches Bolt: it is logged with its traceback (a bug: what Slack sends
  was checked before, bot/slack/inbound.py) and the user, when there is a response_url to
  answer through, reads the internal-error sentence.

Why: when a listener raises before acknowledging, Bolt answers 500; after acknowledging, it
forgets the acknowledgement, waits three seconds and answers 404.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.kwargs_injection.async_args import AsyncArgs

from bot.chat import INTERNAL_ERROR_TEXT
from bot.slack.inbound import is_web_address
from bot.slack.project_blocks import ACTION_PICK, ACTION_SHOW, VIEW_NEW_PROJECT
from bot.slack.upload_blocks import ACTION_UPLOAD_ADD, ACTION_UPLOAD_CANCEL

log = logging.getLogger(__name__)

BUTTON_REFUSED_TEXT = (
    "Ce bouton n'est pas valide : il ne vient pas d'un de mes messages, ou il a été modifié. "
    "Relancez la commande pour en obtenir un nouveau."
)
# What the values of our buttons look like (bot/slack/project_blocks.py and
# bot/slack/digest_blocks.py write them): the project id is turned into an int.
_BUTTON_VALUES: dict[str, re.Pattern[str]] = {
    ACTION_PICK: re.compile(r"[A-Za-z0-9_-]{1,64}:[0-9]{1,18}"),  # choice token:project id
    ACTION_SHOW: re.compile(r"[0-9]{1,18}(?::(?:fr|en))?"),  # project id:language
    ACTION_UPLOAD_ADD: re.compile(r"[A-Za-z0-9_-]{16}"),  # pending upload id
    ACTION_UPLOAD_CANCEL: re.compile(r"[A-Za-z0-9_-]{16}"),
}
_MAX_VALUE = 2000  # Slack's limit on a button value

Listener = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Refusal:
    """Why a request goes no further than the guard, and what the user reads (None: nobody
    to tell, or nothing worth telling)."""

    reason: str
    text: str | None = None


def button_refusal(body: dict[str, Any]) -> Refusal | None:
    """A refusal when the clicked button's value cannot be one of ours."""
    if body.get("type") != "block_actions" or not body.get("actions"):
        return None
    action = body["actions"][0]
    value = action.get("value")
    if "value" in action and (not isinstance(value, str) or len(value) > _MAX_VALUE):
        return Refusal(
            f"button {action.get('action_id')!r} has a value that is not text",
            BUTTON_REFUSED_TEXT,
        )
    expected = _BUTTON_VALUES.get(action.get("action_id", ""))
    if expected is not None and not (isinstance(value, str) and expected.fullmatch(value)):
        return Refusal(
            f"button {action['action_id']!r} has a value none of our messages carries",
            BUTTON_REFUSED_TEXT,
        )
    return None


def _project_form_metadata_ok(metadata: str) -> bool:
    """The private metadata bot/slack/project_listeners.py gives the creation modal."""
    try:
        data = json.loads(metadata or "{}")
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    url = data.get("response_url")
    return (
        isinstance(data.get("channel", ""), str)
        and isinstance(data.get("language", "fr"), str)
        and (not url or is_web_address(url))
    )


_VIEW_METADATA: dict[str, Callable[[str], bool]] = {VIEW_NEW_PROJECT: _project_form_metadata_ok}


def view_refusal(body: dict[str, Any]) -> Refusal | None:
    """A refusal when a submitted modal's private metadata is not what we gave it."""
    if body.get("type") not in ("view_submission", "view_closed"):
        return None
    view = body.get("view") or {}
    check = _VIEW_METADATA.get(view.get("callback_id", ""))
    if check is not None and not check(view.get("private_metadata", "")):
        return Refusal(f"modal {view['callback_id']!r} has private metadata that is not ours")
    return None


def _argument_names(listener: Listener) -> list[str]:
    names = inspect.getfullargspec(inspect.unwrap(listener)).args
    return [name for name in names if name not in ("self", "cls")]


def _argument(args: AsyncArgs, name: str) -> Any:
    """A listener argument, as Bolt would inject it (a context value for other names)."""
    if name in vars(args):
        return vars(args)[name]
    return args.context.get(name)


async def tell(args: AsyncArgs, text: str) -> None:
    """Say `text` to the user privately through the request's response_url, when it has one.
    Best effort: a failure is logged, never raised."""
    if not args.context.response_url:
        return
    try:
        await args.respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as error:
        log.warning("could not tell the Slack user (%s: %s)", type(error).__name__, error)


def guard_listener(listener: Listener) -> Callable[[AsyncArgs], Awaitable[Any]]:
    """`listener` wrapped as described above. Bolt injects `args` (every argument at once);
    the listener gets the arguments it names, as if Bolt called it directly."""
    wanted = _argument_names(listener)
    name = getattr(listener, "__qualname__", None) or repr(listener)

    async def guarded(args: AsyncArgs) -> Any:
        ack = args.ack
        refusal = button_refusal(args.body) or view_refusal(args.body)
        if refusal is not None:
            log.warning("ignoring a Slack request: %s", refusal.reason)
            if ack.response is None:
                await ack()
            if refusal.text:
                await tell(args, refusal.text)
            return None
        try:
            result = await listener(**{argument: _argument(args, argument) for argument in wanted})
        except Exception:
            log.exception("the Slack listener %s failed", name)
            if ack.response is None:
                await ack()
            await tell(args, INTERNAL_ERROR_TEXT)
            return None
        if ack.response is None:
            await ack()
        return result

    guarded.__name__ = getattr(listener, "__name__", "listener")
    guarded.__qualname__ = name
    guarded.guarded_listener = listener  # type: ignore[attr-defined]
    return guarded
