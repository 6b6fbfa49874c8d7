"""`alliances serve`: one aiohttp web server for every chat door.

Routes:
- `POST /slack/events`  Slack events, slash commands and interactivity (slack-bolt, HTTP mode);
                        absent in Socket Mode, where the Slack door connects out instead;
- `GET  /healthz`       200 {"status": "ready"} once the shipped knowledge base is ingested
                        and checked (passages and vectors agree with the documents,
                        per document; an interrupted ingestion is repaired first),
                        503 {"status": "starting" | "error"} before that or when it failed,
                        503 {"status": "inconsistent"} while documents are half-written
                        (an ingestion killed or under way in another process since);
- `POST /api/messages`  Microsoft Teams (Agents SDK, JWT-authenticated; bot/teams/).

On an empty or half-ingested data folder the server starts at once (Slack gets its
acknowledgements), ingests or repairs the knowledge base in the background and answers
questions as soon as it is ready.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.chat import AnswerEngine, ChatService
from bot.digests.install import install_digests
from bot.gaps.install import install_gaps
from bot.projects import install_project_commands
from bot.settings import Settings, SettingsError, load_settings
from bot.slack import SlackDoor
from bot.sources_commands import install_sources_commands
from bot.state import State
from bot.uploads import install_uploads

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
CHAT_SERVICE: web.AppKey[ChatService] = web.AppKey("chat_service", ChatService)
STATE: web.AppKey[State] = web.AppKey("state", State)
DOORS: web.AppKey[list[str]] = web.AppKey("doors", list)
# The Slack door when Slack is configured; its Web API client (`SLACK_DOOR.app.client`) is
# what other parts of the process (the digest scheduler) post with.
SLACK_DOOR: web.AppKey[SlackDoor] = web.AppKey("slack_door", SlackDoor)


class _MalformedHttpNotice(logging.Filter):
    """aiohttp logs a request it cannot even parse (a control character in a header…) as an
    error with its traceback, then answers 400 itself: the client's fault, logged as a
    one-line warning instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and record.levelno >= logging.ERROR:
            record.msg = f"{record.msg} (malformed HTTP, answered {error.code}: {error.message})"
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


logging.getLogger("aiohttp.server").addFilter(_MalformedHttpNotice())


def default_assistant_factory() -> AnswerEngine:
    """`bot.assistant.Assistant.from_environment()` (imported late: it loads the models)."""
    from bot.assistant import Assistant

    return Assistant.from_environment()


def create_app(
    settings: Settings | None = None,
    *,
    socket_mode: bool = False,
    assistant_factory: Callable[[], AnswerEngine] | None = None,
    state: State | None = None,
) -> web.Application:
    """The web application `serve` runs; tests build it directly with a fake assistant.

    Raises SettingsError when no chat door is configured or a door's settings are incomplete.
    """
    settings = settings or load_settings()
    state = state or State(settings.state_path)
    chat = ChatService(
        state=state,
        assistant_factory=assistant_factory or default_assistant_factory,
        admins=settings.admins,
    )
    web_app = web.Application()
    web_app[CHAT_SERVICE] = chat
    web_app[STATE] = state
    install_project_commands(chat, settings, web_app=web_app)  # `projet`, for every door
    install_sources_commands(chat, settings)  # `sources`: see and fix the documents
    install_uploads(chat, settings)  # a curator adds a document by sharing it
    web_app[DOORS] = _mount_doors(web_app, settings, chat, state, socket_mode=socket_mode)
    install_digests(chat, settings, web_app)  # `digest` command and scheduler
    install_gaps(chat, settings, web_app)  # `lacunes`: what the base does not know
    web_app.router.add_get(HEALTH_PATH, _healthz)

    async def start_chat(_app: web.Application) -> None:
        await chat.start()

    async def stop_chat(_app: web.Application) -> None:
        await chat.drain()
        state.close()

    web_app.on_startup.append(start_chat)
    web_app.on_cleanup.append(stop_chat)
    return web_app


def _mount_doors(
    web_app: web.Application,
    settings: Settings,
    chat: ChatService,
    state: State,
    *,
    socket_mode: bool,
) -> list[str]:
    doors: list[str] = []
    if settings.slack is not None:
        door = SlackDoor(settings.slack, chat, state, socket_mode=socket_mode)
        door.mount(web_app)
        web_app[SLACK_DOOR] = door
        doors.append("slack-socket-mode" if socket_mode else "slack")
    elif socket_mode:
        raise SettingsError("--socket-mode demande SLACK_BOT_TOKEN et SLACK_APP_TOKEN.")

    # --- Microsoft Teams -----------------------------------------------------------
    # `POST /api/messages` on the same aiohttp application (Microsoft 365 Agents SDK), reusing
    # `chat` (the same ChatService and ChatCore: answers, commands, feedback) and `state`
    # (platform="teams" rows); the door is then `web_app[bot.teams.TEAMS_DOOR]`.
    if settings.teams is not None:
        from bot.teams import TeamsDoor  # imported here: the SDK is slow to import

        TeamsDoor(settings.teams, chat, state).mount(web_app)
        doors.append("teams" if settings.teams.authenticated else "teams-anonymous")
    # ------------------------------------------------------------------------------------------

    if not doors:
        raise SettingsError(
            "Aucune plateforme de discussion n'est configurée : définissez SLACK_BOT_TOKEN et "
            "SLACK_SIGNING_SECRET (voir « Installer dans Slack » dans le README), ou les "
            "identifiants Teams CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, …CLIENTSECRET "
            "et …TENANTID (voir « Installer dans Teams »)."
        )
    return doors


async def _healthz(request: web.Request) -> web.Response:
    chat = request.app[CHAT_SERVICE]
    body: dict[str, object] = {"status": chat.status, "doors": request.app[DOORS]}
    if chat.error:
        body["error"] = chat.error
    if chat.status == "ready":
        # Checked at every call: an ingestion killed (or under way) in another process after
        # this one started leaves documents half-written, and "ready" would then be untrue.
        try:
            unfinished = await asyncio.to_thread(_unfinished_documents, chat)
        except Exception as error:  # an unreadable index is not a ready one
            log.warning("health check: the index could not be read", exc_info=True)
            body["status"] = "error"
            body["error"] = f"Index illisible : {type(error).__name__}: {error}"
            unfinished = []
        if unfinished:
            body["status"] = "inconsistent"
            body["error"] = (
                f"{len(unfinished)} document(s) à moitié indexé(s) (passages ou vecteurs) : "
                f"{', '.join(unfinished[:5])}. Relancez `alliances ingest` ou "
                "redémarrez le service pour les réparer."
            )
    return web.json_response(body, status=200 if body["status"] == "ready" else 503)


def _unfinished_documents(chat: ChatService) -> list[str]:
    """The documents the index holds half-written, or [] for an assistant with no index of
    its own (the tests' stand-ins)."""
    index = getattr(chat.core.assistant, "index", None)
    if index is None or not hasattr(index, "store"):
        return []
    from retrieval.ingestion import unfinished_documents

    return unfinished_documents(index)


def serve(host: str, port: int, socket_mode: bool = False) -> None:
    """Run the server until interrupted (SIGINT/SIGTERM); `alliances serve` calls this.

    Raises SettingsError (a ValueError with a French message) on bad or missing settings."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    web_app = create_app(load_settings(), socket_mode=socket_mode)
    log.info("alliances serve on http://%s:%s (%s)", host, port, ", ".join(web_app[DOORS]))
    web.run_app(web_app, host=host, port=port, print=None, shutdown_timeout=30.0)
