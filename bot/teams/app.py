"""The Teams door: `POST /api/messages` on the Microsoft 365 Agents SDK, in `alliances serve`.

The SDK does the protocol: its JWT decorator authenticates the request (see bot/teams/auth.py),
its `CloudAdapter` turns it into a turn, its `AgentApplication` routes the activity to the
handlers below, its connector client sends the replies to the activity's `serviceUrl`.
Everything the assistant says comes from the shared `ChatService` / `ChatCore`, as for Slack:
the same answers, commands (`aide`, `config`, and what later issues register), feedback and
remembered turns, stored with platform "teams".

Before the SDK: a token that cannot be a Bot Framework token is refused with 401
(bot/teams/auth.py `token_refusal`, and any failure while the SDK checks one); once
authenticated, a body that is not an activity Teams could send is refused with 400, one
without a sender acknowledged and ignored (bot/teams/inbound.py). The SDK never sees them.

A message is acknowledged at once (202) and answered in the background, in a proactive turn
(the SDK's `continue_conversation`) that replies to the message: Teams waits 15 s at most for
a request, an answer may take longer (the first one after a start ingests the knowledge base).
A typing indicator runs meanwhile; a click on Ajouter for a shared file posts « Indexation en
cours… » instead, then updates that message with the result (bot/teams/upload_cards.py).
Repeated deliveries of one activity are answered once.

In a channel the bot answers when it is mentioned, and, when the app holds the
`ChannelMessage.Read.Group` permission (the manifest asks for it), the follow-ups in a thread it
has answered without a new mention. Every conversation it is installed in or answers in is
remembered (bot/teams/references.py) for `send_proactive`, which the digest scheduler calls.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, Attachment
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    ClaimsIdentity,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app.typing_indicator import TypingIndicator, TypingOptions

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_TEAMS,
    AnswerReply,
    ChatReply,
    ChatRequest,
    ChatService,
    NoticeReply,
)
from bot.projects import project_commands_of
from bot.settings import TeamsSettings
from bot.state import State
from bot.teams import cards
from bot.teams.auth import (
    build_auth_configuration,
    build_connection_manager,
    token_refusal,
    trust_openid_metadata,
)
from bot.teams.inbound import check_activity
from bot.teams.messages import (
    TeamsPlace,
    chat_request,
    mentions_bot,
    place_of,
    plain_text,
    user_id_of,
)
from bot.teams.project_cards import ProjectCardActions  # also registers the project cards
from bot.teams.references import ConversationReferences, StoredConversation
from bot.teams.upload_cards import ACTION_UPLOAD, decision_turn, offer_turn, teams_files
from bot.uploads import uploads_of

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
AGENT_CONFIGURATION_KEY = "agent_configuration"  # where the SDK's JWT decorator looks
TYPING = TypingOptions(initial_delay_ms=0, interval_ms=3000)
AUTH_FAILED = {"error": "Invalid token or authentication failed."}  # the SDK's own words
CARD_UNREADABLE_TEXT = (
    "Je n'ai pas pu lire ce que contient cette carte : recommencez depuis la carte la plus "
    "récente, ou écrivez la commande en texte (« aide » pour la liste)."
)

TurnCallback = Callable[[TurnContext], Awaitable[None]]


def welcome_text(bot_name: str, kind: str) -> str:
    if kind == "personal":
        how = "Posez votre question, par exemple « Qui est le mandataire en Mauricie ? »."
    else:
        how = (
            f"Mentionnez-moi pour poser une question, par exemple « @{bot_name} Qui est le "
            "mandataire en Mauricie ? » ; je réponds dans le fil."
        )
    return (
        "Bonjour ! Je suis l'assistant documentaire des Alliances pour la solidarité : je "
        "réponds aux questions sur les plans, les mesures, le FQIS, les mandataires et les "
        f"projets à partir des documents officiels, en citant mes sources. {how} "
        "Écrivez « aide » pour la liste des commandes."
    )


class TeamsDoor:
    """Teams in the server: the SDK's adapter and application, bound to the shared chat core."""

    def __init__(
        self,
        settings: TeamsSettings,
        chat: ChatService,
        state: State,
        *,
        references: ConversationReferences | None = None,
    ):
        self.settings = settings
        self.chat = chat
        self.state = state
        self.auth_configuration = build_auth_configuration(settings)  # may refuse the settings
        self.references = references or ConversationReferences(state.path)
        self.connection_manager = build_connection_manager(self.auth_configuration)
        self.adapter = CloudAdapter(connection_manager=self.connection_manager)
        self.adapter.on_turn_error = self._on_turn_error
        self.application: AgentApplication[TurnState] = AgentApplication[TurnState](
            storage=MemoryStorage(),
            connection_manager=self.connection_manager,
            bot_app_id=settings.app_id or "",
            remove_recipient_mention=True,
            start_typing_timer=False,  # the typing indicator runs in the answering turn
        )
        self.application.activity(ActivityTypes.message)(self._on_message)
        self.application.activity(ActivityTypes.conversation_update)(self._on_conversation_update)
        self.application.activity(ActivityTypes.installation_update)(self._on_installation_update)
        self.application.error(self._on_application_error)
        commands = project_commands_of(chat)
        self.project_actions = ProjectCardActions(self, commands) if commands else None
        if not settings.authenticated:
            # Anonymous turns have no app id; the SDK would warn about it on every message.
            logging.getLogger(
                "microsoft_agents.hosting.core.connector.client.user_token_client"
            ).setLevel(logging.ERROR)

    # mounting -----------------------------------------------------------------------------

    def mount(self, web_app: web.Application) -> None:
        """Add POST /api/messages (JWT-protected) to the server, and this door as TEAMS_DOOR."""
        if self.settings.openid_metadata_url:
            trust_openid_metadata(self.settings.openid_metadata_url, self.auth_configuration)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # aiohttp prefers AppKeys; the SDK reads a str key
            web_app[AGENT_CONFIGURATION_KEY] = self.auth_configuration
        # …and the SDK's decorator stores the claims under a str request key on every request.
        warnings.filterwarnings(
            "ignore", message="It is recommended to use web.RequestKey", module=r"microsoft_agents"
        )
        self._authenticated = jwt_authorization_decorator(self.handle)
        web_app.router.add_post(MESSAGES_PATH, self.receive)
        web_app[TEAMS_DOOR] = self
        web_app.on_cleanup.append(self._close)

    async def receive(self, request: web.Request) -> web.StreamResponse:
        """POST /api/messages: the token (401), then the activity (400), then the SDK."""
        refusal = token_refusal(request.headers.get("Authorization"))
        if refusal is not None:
            log.warning("refusing a Teams request: %s", refusal)
            return web.json_response(AUTH_FAILED, status=401)
        try:
            return await self._authenticated(request)
        except web.HTTPException:
            raise
        except Exception as error:  # `handle` never raises: this is the token check failing
            log.warning(  # the type only: the message may quote the token's claims
                "refusing a Teams request: its token could not be checked (%s)",
                type(error).__name__,
            )
            return web.json_response(AUTH_FAILED, status=401)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """An authenticated request: its activity checked, then the SDK runs the turn and
        answers (202, or an invoke's response). Never raises (but aiohttp's HTTP errors)."""
        inbound = check_activity(await request.read())
        if inbound.activity is None:
            if inbound.status >= 400:
                log.warning("refusing a Teams request: %s", inbound.reason)
                return web.json_response({"error": "malformed activity"}, status=inbound.status)
            log.warning("ignoring a Teams request: %s", inbound.reason)
            return web.Response(status=inbound.status)
        try:
            response = await self.adapter.process_request(
                _CheckedRequest(request, inbound.activity), self.application
            )
        except Exception:
            log.exception("the Agents SDK failed on a Teams activity")
            return web.json_response({"error": "internal error"}, status=500)
        if response.body is not None:
            return web.json_response(
                response.body, status=response.status_code, headers=response.headers
            )
        return web.Response(
            status=response.status_code,
            headers=response.headers,
            content_type=response.content_type,
        )

    async def _close(self, _web_app: web.Application) -> None:
        self.references.close()

    # incoming activities ------------------------------------------------------------------

    async def _on_message(self, context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if not self._claim(activity):
            log.info("ignoring a repeated delivery of Teams activity %s", activity.id)
            return
        action = cards.card_action(activity.value)
        if action is not None:
            await self._on_card_action(context, action)
            return
        place = place_of(activity)
        if place.kind == "personal" and self._offer_files(context, place):
            return
        mentioned = mentions_bot(activity)
        if place.kind != "personal" and not mentioned and not self._in_bot_thread(place):
            return  # a channel message for people (received with ChannelMessage.Read.Group)
        self._remember(activity)
        text = plain_text(activity)
        surface = "mention" if mentioned else "message"
        self._spawn_reply(context, chat_request(activity, place, text, surface=surface))

    def _offer_files(self, context: TurnContext, place: TeamsPlace) -> bool:
        """Files shared in a personal chat: offered to the knowledge base instead of an
        answer (bot/teams/upload_cards.py)."""
        service = uploads_of(self.chat)
        files = teams_files(context.activity) if service is not None else []
        if not files:
            return False
        self._remember(context.activity)
        request = chat_request(
            context.activity, place, plain_text(context.activity), surface="file"
        )
        self.spawn_turn(context, offer_turn(self, service, request, files), name="teams-upload")
        return True

    def _in_bot_thread(self, place: TeamsPlace) -> bool:
        return bool(
            place.kind == "channel"
            and place.thread_id
            and self.state.is_bot_thread(PLATFORM_TEAMS, place.base_id, place.thread_id)
        )

    async def _on_card_action(self, context: TurnContext, action: cards.CardAction) -> None:
        activity = context.activity
        place = place_of(activity)
        user = user_id_of(activity)
        answer_id = str(action.data.get("answer_id", ""))
        if action.name == cards.ACTION_FEEDBACK:
            vote = action.data.get("vote")
            failure = cards.FEEDBACK_FAILED
            try:
                stored = vote in ("up", "down") and self.state.record_feedback(
                    answer_id=answer_id,
                    user=user,
                    vote=str(vote),
                    platform=PLATFORM_TEAMS,
                    channel=place.base_id,
                )
            except Exception:
                log.exception("could not store a Teams feedback vote")
                stored, failure = False, cards.FEEDBACK_ERROR
            if not stored:
                await context.send_activity(_text_message(failure))
            elif vote == "down":
                await context.send_activity(_card_message(cards.comment_card(answer_id)))
            else:
                await context.send_activity(_text_message(cards.FEEDBACK_THANKS))
        elif action.name == cards.ACTION_FEEDBACK_COMMENT:
            comment = str(action.data.get(cards.COMMENT_INPUT_ID) or "").strip()
            if comment:
                saved = self.state.add_feedback_comment(answer_id, user, comment[:2000])
                text = cards.COMMENT_THANKS if saved else cards.COMMENT_WITHOUT_VOTE
                await context.send_activity(_text_message(text))
        elif self.project_actions is not None and self.project_actions.handles(action.name):
            self._remember(activity)
            self.project_actions.start(context, action)
        elif action.name in cards.CARD_ACTIONS:
            try:
                text = cards.CARD_ACTIONS[action.name](action.data)
            except (TypeError, ValueError, KeyError, AttributeError) as error:
                log.warning("unreadable Teams card action %r (%s)", action.name, error)
                await context.send_activity(_text_message(CARD_UNREADABLE_TEXT))
                return
            self._remember(activity)
            request = chat_request(activity, place, text, surface="card")
            service = uploads_of(self.chat)
            if action.name == ACTION_UPLOAD and service is not None:
                turn = decision_turn(
                    self, service, request, action.data["pending"], action.data["decision"]
                )
                self.spawn_turn(context, turn, name="teams-upload-decision")
            else:
                self._spawn_reply(context, request)
        else:
            log.warning("unknown Teams card action %r", action.name)
            await context.send_activity(
                _text_message("Cette action n'est plus disponible ; recommencez depuis le début.")
            )

    async def _on_conversation_update(self, context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = any(member.id == bot_id for member in activity.members_added or [])
        removed = any(member.id == bot_id for member in activity.members_removed or [])
        if removed:
            self.references.mark_uninstalled(activity)
            log.info("removed from Teams conversation %s", activity.conversation.id)
            return
        stored = self._remember(activity)
        if added and stored is not None:
            log.info("installed in Teams %s %s", stored.kind, stored.conversation_id)
            bot_name = (activity.recipient.name if activity.recipient else None) or "Alliances"
            await context.send_activity(_text_message(welcome_text(bot_name, stored.kind)))

    async def _on_installation_update(self, context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        if (activity.action or "").startswith("remove"):
            self.references.mark_uninstalled(activity)
        else:
            self._remember(activity)

    def _claim(self, activity: Activity) -> bool:
        if not activity.id:
            return True
        conversation = activity.conversation.id if activity.conversation else ""
        return self.state.claim_event(f"teams:{conversation}:{activity.id}", PLATFORM_TEAMS)

    def _remember(self, activity: Activity) -> StoredConversation | None:
        try:
            return self.references.remember(activity)
        except Exception:
            log.exception("could not store the Teams conversation reference")
            return None

    # answering ------------------------------------------------------------------------------

    def _spawn_reply(self, context: TurnContext, request: ChatRequest) -> None:
        """Answer in the background, in a proactive turn that replies to this message."""
        identity = context.identity or ClaimsIdentity()
        continuation = context.activity.get_conversation_reference().get_continuation_activity()
        continuation.id = context.activity.id  # replies go to /activities/{the message}
        self.chat.spawn(self._reply(identity, continuation, request), name="teams-answer")

    async def _reply(
        self, identity: ClaimsIdentity, continuation: Activity, request: ChatRequest
    ) -> None:
        waits = self.project_actions is not None and self.project_actions.waits_for_index(
            request.text
        )

        async def turn(context: TurnContext) -> None:
            typing: Any = contextlib.nullcontext()
            if waits or self.chat.core.needs_assistant(request):
                typing = TypingIndicator(context, typing_options=TYPING)
            async with typing:
                try:
                    if waits:  # project writes are indexed at once: the index must be loaded
                        await self.chat.wait_ready(self.chat.ready_timeout_s)
                    reply = await self.chat.handle(request)
                except Exception:
                    log.exception("answering a Teams message failed")
                    reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error")
            try:
                await self.send_reply(context, reply)
            except Exception:
                log.exception("could not send the Teams reply; sending the error message")
                await context.send_activity(_text_message(INTERNAL_ERROR_TEXT))

        try:
            await self._run_turn(identity, continuation, turn)
        except Exception:
            log.exception("could not answer in Teams conversation %s", continuation.conversation.id)

    def spawn_turn(self, context: TurnContext, turn: TurnCallback, *, name: str) -> None:
        """Run `turn` in the background, in a proactive turn that replies to this activity
        (card actions: acknowledged at once, handled afterwards); its errors are logged."""
        identity = context.identity or ClaimsIdentity()
        continuation = context.activity.get_conversation_reference().get_continuation_activity()
        continuation.id = context.activity.id

        async def run() -> None:
            try:
                await self._run_turn(identity, continuation, turn)
            except Exception:
                log.exception("Teams turn %s failed", name)

        self.chat.spawn(run(), name=name)

    async def replace_reply(
        self, context: TurnContext, activity_id: str | None, reply: ChatReply | Any
    ) -> bool:
        """Show a reply in place of the message `activity_id` (a card the user clicked), when
        it fits in one message; False when it could not be done (then send it instead)."""
        activities = render(reply)
        if not activity_id or len(activities) != 1:
            return False
        activity = activities[0]
        activity.id = activity_id
        try:
            await context.update_activity(activity)
        except Exception:
            log.warning("could not update Teams message %s", activity_id, exc_info=True)
            return False
        return True

    async def send_reply(self, context: TurnContext, reply: ChatReply | Any) -> list[str]:
        """Send a chat reply in a turn; returns the ids of the activities written."""
        ids = []
        for activity in render(reply):
            response = await context.send_activity(activity)
            if response is not None and response.id:
                ids.append(response.id)
        return ids

    async def _run_turn(
        self, identity: ClaimsIdentity | None, continuation: Activity, turn: TurnCallback
    ) -> None:
        """Run `turn` in a proactive turn of the SDK; its exceptions are raised here (not
        given to the adapter's error handler, which would write to the conversation)."""
        failure: list[BaseException] = []

        async def guarded(context: TurnContext) -> None:
            try:
                await turn(context)
            except Exception as error:
                failure.append(error)

        if identity is not None:
            await self.adapter.continue_conversation_with_claims(identity, continuation, guarded)
        elif self.settings.app_id:
            await self.adapter.continue_conversation(self.settings.app_id, continuation, guarded)
        else:
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, guarded
            )
        if failure:
            raise failure[0]

    # proactive messages (the digest scheduler) ----------------------------------------------

    async def send_proactive(self, conversation_id: str, reply: ChatReply | str) -> list[str]:
        """Post a platform-neutral reply (or Markdown text) as a new message in a stored Teams
        conversation: a new post in a channel, a message in a chat. Returns the ids of the
        activities written. Raises LookupError for a conversation the bot is not installed in,
        and the connector's error when Teams refuses the message."""
        stored = self.references.get(conversation_id)
        if stored is None or not stored.installed:
            raise LookupError(
                f"Conversation Teams inconnue ou application désinstallée : {conversation_id}"
            )
        if isinstance(reply, str):
            reply = NoticeReply(reply)
        continuation = stored.reference.get_continuation_activity()
        continuation.id = None  # a new message, not a reply
        written: list[str] = []

        async def turn(context: TurnContext) -> None:
            written.extend(await self.send_reply(context, reply))

        await self._run_turn(None, continuation, turn)
        return written

    def conversations(self, *, installed_only: bool = True) -> list[StoredConversation]:
        """The Teams conversations the bot can write to (for the digest subscriptions)."""
        return self.references.all(installed_only=installed_only)

    # errors ---------------------------------------------------------------------------------

    async def _on_application_error(self, context: TurnContext, error: Exception) -> None:
        await self._on_turn_error(context, error)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """Instead of the SDK's default (which posts the exception text): log it, and tell the
        user in French when a message was being handled."""
        log.error("Teams turn failed", exc_info=error)
        if context.activity is not None and context.activity.type == ActivityTypes.message:
            try:
                await context.send_activity(_text_message(INTERNAL_ERROR_TEXT))
            except Exception:
                log.exception("could not even send the error message")


TEAMS_DOOR: web.AppKey[TeamsDoor] = web.AppKey("teams_door", TeamsDoor)


class _CheckedRequest:
    """The SDK's view of a request (its HttpRequestProtocol) whose activity was checked:
    the SDK reads that activity, not the raw body again."""

    def __init__(self, request: web.Request, activity: dict[str, Any]):
        self._request = request
        self._activity = activity

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Any:
        return self._request.headers

    async def json(self) -> dict[str, Any]:
        return self._activity

    def get_claims_identity(self) -> Any:
        return self._request.get("claims_identity")

    def get_path_param(self, name: str) -> str:
        return self._request.match_info[name]


# --- rendering -----------------------------------------------------------------------------


def render(reply: ChatReply | Any) -> list[Activity]:
    """The Teams activities showing a chat reply: Adaptive Cards for answers (and the reply
    types later issues register), markdown text for notices and anything else."""
    renderer = cards.RENDERERS.get(type(reply))
    if renderer is not None:
        return [_card_message(card) for card in renderer(reply)]
    if isinstance(reply, AnswerReply):
        summary = cards.split_text(reply.answer.text, 200)[0] if reply.answer.text else None
        return [_card_message(card, summary) for card in cards.answer_cards(reply)]
    if isinstance(reply, NoticeReply):
        return [_text_message(cards.notice_text(reply))]
    return [_text_message(cards.teams_markdown(reply.fallback_text()))]


def _text_message(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="markdown")


def _card_message(card: cards.Card, summary: str | None = None) -> Activity:
    activity = Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)],
    )
    if summary:
        activity.summary = summary
    return activity


async def send_proactive(
    web_app: web.Application, conversation_id: str, reply: ChatReply | str
) -> list[str]:
    """`TeamsDoor.send_proactive` through the server application (for the digest scheduler)."""
    door = web_app.get(TEAMS_DOOR)
    if door is None:
        raise LookupError("La porte Teams n'est pas configurée sur ce serveur.")
    return await door.send_proactive(conversation_id, reply)
