"""The Slack door: a slack-bolt AsyncApp, served over HTTP at /slack/events or by Socket Mode.

HTTP mode: Bolt verifies every request's signature and timestamp (older than five minutes or
badly signed: 401, nothing else happens), then the de-duplication middleware drops repeated
deliveries (Slack's retries, `X-Slack-Retry-Num`) by event id, remembered in SQLite so that a
restart within the retry window does not answer twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import PLATFORM_SLACK, ChatService
from bot.settings import SlackSettings
from bot.slack.delivery import SlackReplier, StreamingSupport
from bot.slack.listeners import SlackListeners
from bot.slack.project_listeners import register_project_listeners
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
    app = AsyncApp(
        name="alliances",
        client=client,
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=bolt_log,
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
    SlackListeners(chat=chat, state=state, replier=replier).register(app)
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
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
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
