"""The Slack door: a slack-bolt AsyncApp, served over HTTP at /slack/events or by Socket Mode.

HTTP mode: the door verifies every request's signature and timestamp on its raw bytes (older
than five minutes, badly signed, or a timestamp that is not a number: 401, nothing else
happens), then reads its body and checks its shape (unreadable, or a shape Slack never sends:
400; bot/slack/inbound.py); Bolt verifies the signature again. Then the de-duplication
middleware drops repeated deliveries (Slack's retries, `X-Slack-Retry-Num`) by event id,
remembered in SQLite so that a restart within the retry window does not answer twice.

Every listener runs inside the guard of bot/slack/guard.py: acknowledged at once whatever
happens, forged button values answered with a sentence, exceptions never handed to Bolt.
A well-formed request no listener handles is acknowledged (200) and ignored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import PLATFORM_SLACK, ChatService
from bot.lone_surrogates import replace_lone_surrogates
from bot.settings import SlackSettings
from bot.slack.delivery import SlackReplier, StreamingSupport
from bot.slack.guard import guard_listener
from bot.slack.inbound import MalformedRequest, parse_body, shape_problem, signature_is_valid
from bot.slack.listeners import SlackListeners
from bot.slack.project_listeners import register_project_listeners
from bot.slack.upload_listeners import register_upload_listeners
from bot.state import State

log = logging.getLogger(__name__)
bolt_log = logging.getLogger("bot.slack.bolt")

EVENTS_PATH = "/slack/events"


class _ClientTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client built with
    that very token (we build it, to point it at SLACK_API_URL), then warns that the token is
    unused. Harmless; dropped so that the logs stay meaningful."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


bolt_log.addFilter(_ClientTokenNotice())


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery of a request, so that a repeat can be recognised:
    the event id of Events API callbacks, the trigger id of commands and interactions."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    trigger_id = body.get("trigger_id")
    if trigger_id and body.get("command"):
        return f"command:{trigger_id}"
    if trigger_id and body.get("type") in ("block_actions", "view_submission"):
        return f"{body['type']}:{trigger_id}"
    return None


class GuardedAsyncApp(AsyncApp):
    """Bolt's AsyncApp that refuses (400) the requests it could not read, acknowledges (200)
    the well-formed ones nobody listens to, and registers every listener inside
    `guard_listener` (whoever registers it: bot/slack/project_listeners.py too)."""

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        problem = shape_problem(req.body)
        if problem is not None:
            log.warning("refusing a malformed Slack request: %s", problem)
            return BoltResponse(status=400, body={"error": "malformed request"})
        req.body = replace_lone_surrogates(req.body)
        build_async_context(req.context, req.body)  # who and where, from the checked body
        response = await super().async_dispatch(req)
        if response.status == 404:  # no listener for it (Bolt logged it): nothing to retry
            return BoltResponse(status=200, body="")
        return response

    def _register_listener(  # type: ignore[override]
        self,
        functions: Sequence[Any],
        primary_matcher: Any,
        matchers: Any,
        middleware: Any,
        auto_acknowledgement: bool = False,
        ack_timeout: int = 3,
    ) -> Any:
        functions = list(functions)
        original = functions[0] if len(functions) == 1 else None
        functions[0] = guard_listener(functions[0])
        super()._register_listener(
            functions, primary_matcher, matchers, middleware, auto_acknowledgement, ack_timeout
        )
        return original


def build_bolt_app(
    settings: SlackSettings,
    chat: ChatService,
    state: State,
    *,
    socket_mode: bool = False,
    client: AsyncWebClient | None = None,
) -> AsyncApp:
    """The Bolt app with its middleware and listeners; its Web API client uses
    `settings.api_url` (Slack, GovSlack, or the tests' stand-in)."""
    if not socket_mode:
        settings.require_http_mode()
    client = client or AsyncWebClient(
        token=settings.bot_token, base_url=settings.api_url, timeout=15
    )
    app = GuardedAsyncApp(
        name="alliances",
        client=client,
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=bolt_log,
        # Bolt's say/set_status/… for assistant threads: unused (bot/slack/delivery.py does
        # that), and they fail with 500 on an assistant event without channel or thread.
        attaching_conversation_kwargs_enabled=False,
    )

    async def deduplicate(body: dict, next: Any, request: Any) -> BoltResponse | None:
        key = delivery_key(body)
        if key is not None and not state.claim_event(key, PLATFORM_SLACK):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            log.info("ignoring a repeated delivery of %s (retry %s)", key, retry)
            return BoltResponse(status=200, body="")
        return await next()

    app.use(deduplicate)
    replier = SlackReplier(client, StreamingSupport(settings.streaming))
    uploads = register_upload_listeners(app, chat, settings, replier)  # files shared
    SlackListeners(chat=chat, state=state, replier=replier, uploads=uploads).register(app)
    register_project_listeners(app, chat, settings)  # /projet, its modal and buttons
    return app


class SlackDoor:
    """Slack in the server: HTTP route, or a Socket Mode connection started with the server."""

    def __init__(
        self,
        settings: SlackSettings,
        chat: ChatService,
        state: State,
        *,
        socket_mode: bool = False,
    ):
        if socket_mode:
            settings.require_socket_mode()
        self.settings = settings
        self.socket_mode = socket_mode
        self.app = build_bolt_app(settings, chat, state, socket_mode=socket_mode)
        self._socket_handler: Any = None
        self._connecting: asyncio.Task[Any] | None = None

    def mount(self, web_app: web.Application) -> None:
        """Add /slack/events (HTTP mode) and the Socket Mode connection's start and stop."""
        if self.socket_mode:
            web_app.on_startup.append(self._connect)
            web_app.on_shutdown.append(self._disconnect)
        else:
            web_app.router.add_post(EVENTS_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """POST /slack/events: signature first (401), then the body (400), then Bolt."""
        raw = await request.read()
        if not signature_is_valid(
            self.settings.signing_secret or "",
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
            raw,
            time.time(),
        ):
            log.info("refusing a Slack request: bad signature or timestamp")
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            body = parse_body(raw, request.content_type)
        except MalformedRequest as error:
            log.warning("refusing an unreadable Slack request: %s", error)
            return web.json_response({"error": "malformed request"}, status=400)
        bolt_request = AsyncBoltRequest(
            body="",
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        bolt_request.raw_body = raw.decode("utf-8")  # what Bolt verifies the signature on
        bolt_request.body = body
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _connect(self, _web_app: web.Application) -> None:
        """Open the Socket Mode connection in the background: the web server (/healthz) runs
        even while Slack is unreachable; slack_sdk keeps retrying and reconnecting."""
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self._socket_handler = AsyncSocketModeHandler(self.app, self.settings.app_token)
        self._connecting = asyncio.create_task(
            self._socket_handler.connect_async(), name="slack-socket-mode"
        )

    async def _disconnect(self, _web_app: web.Application) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if self._socket_handler is not None:
            await self._socket_handler.close_async()
