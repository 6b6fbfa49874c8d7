"""Bolt listeners. Each acknowledges at once, then hands the work to a background job.

- `on_app_mention`        @mention in a channel → answer in the thread
- `on_message`            direct message, assistant-pane message, or follow-up in a thread the
                          bot answered (no mention needed) → answer
- `on_alliances_command`  `/alliances …` → private reply through the response_url
- `on_feedback`           👍/👎 buttons → vote stored (👎 also opens a comment form)
- `on_feedback_comment`   the comment form submitted → comment stored
- `on_share`              "Partager dans le canal" → the private answer posted in the channel
- `on_assistant_thread_started` / `on_assistant_thread_context_changed` → assistant pane

Work that may take long (answering) runs in `ChatService` jobs, so Slack gets its HTTP 200
within milliseconds whatever the answer costs.

The request's shape was checked before (bot/slack/inbound.py): ids, timestamps and the kinds
of objects are what Slack sends. What a person controls is answered with a sentence: a message
whose text cannot be read, a button that points to an answer that is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_SLACK,
    AnswerReply,
    ChatRequest,
    ChatService,
    Conversation,
    NoticeReply,
    answer_from_json,
)
from bot.slack import blocks as kit
from bot.slack.delivery import Respond, SlackReplier, SlackTarget, respond_privately
from bot.slack.messages import GREETING, mentions, plain_text, thread_history
from bot.state import State
from retrieval.answer_events import STATUS_TEXT

log = logging.getLogger(__name__)

COMMAND = "/alliances"
UNREADABLE_TEXT = (
    "Je n'ai pas pu lire le texte de ce message (il est vide ou dans un format que je ne "
    "connais pas). Réécrivez votre question en texte, par exemple « Qui est le mandataire "
    "en Mauricie ? »."
)
FEEDBACK_UNKNOWN_TEXT = (
    "Votre avis n'a pas pu être enregistré : cette réponse est introuvable (trop ancienne, "
    "ou le bouton ne vient pas d'un de mes messages)."
)
FEEDBACK_FAILED_TEXT = (
    "Désolé, votre avis n'a pas pu être enregistré à cause d'une erreur interne (le détail "
    "est dans le journal du serveur). Réessayez dans un instant."
)
SHARE_NOWHERE_TEXT = (
    "Je ne sais pas dans quel canal partager cette réponse : utilisez le bouton depuis le "
    "message de la réponse."
)
SUGGESTED_PROMPTS_TITLE = "Exemples de questions"
SUGGESTED_PROMPTS = (
    ("Mandataire en Mauricie", "Qui est le mandataire de l'Alliance en Mauricie ?"),
    ("Le FQIS", "Qu'est-ce que le Fonds québécois d'initiatives sociales (FQIS) ?"),
    ("Projets financés", "Donne des exemples de projets issus des Alliances pour la solidarité."),
    ("Le PAGIEPS", "Quelle place les Alliances occupent-elles dans le PAGIEPS 2017-2023 ?"),
)
_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}
# The Events API event types listened to; the manifest subscribes to exactly these
# (`message` as message.channels, message.groups and message.im).
SUBSCRIBED_EVENTS = (
    "app_mention",
    "message",
    "assistant_thread_started",
    "assistant_thread_context_changed",
)


@dataclass
class SlackListeners:
    """The listeners, sharing the chat service, the state and the replier."""

    chat: ChatService
    state: State
    replier: SlackReplier
    uploads: Any = None  # bot/slack/upload_listeners.SlackUploads: files shared with the bot

    def register(self, app: AsyncApp) -> None:
        handlers = {
            "app_mention": self.on_app_mention,
            "message": self.on_message,
            "assistant_thread_started": self.on_assistant_thread_started,
            "assistant_thread_context_changed": self.on_assistant_thread_context_changed,
        }
        for event_type in SUBSCRIBED_EVENTS:
            app.event(event_type)(handlers[event_type])
        app.command(COMMAND)(self.on_alliances_command)
        app.action(kit.ACTION_FEEDBACK_UP)(self.on_feedback)
        app.action(kit.ACTION_FEEDBACK_DOWN)(self.on_feedback)
        app.action(kit.ACTION_SHARE)(self.on_share)
        app.view(kit.VIEW_FEEDBACK_COMMENT)(self.on_feedback_comment)

    # events -------------------------------------------------------------------------------

    async def on_app_mention(self, ack: Any, event: dict, context: AsyncBoltContext) -> None:
        await ack()
        if event.get("bot_id") or not event.get("user"):
            return
        if event.get("channel_type") == "im":
            return  # direct messages are answered by on_message
        channel, ts = event["channel"], event["ts"]
        if not self._claim_message(channel, ts):
            return
        thread_ts = event.get("thread_ts") or ts
        if self._offers_files(event, context, thread_ts):
            return
        self._spawn_answer(event, context, thread_ts=thread_ts, surface="mention")

    async def on_message(self, ack: Any, event: dict, context: AsyncBoltContext) -> None:
        await ack()
        if event.get("subtype") not in _MESSAGE_SUBTYPES or event.get("bot_id"):
            return
        if not event.get("user"):
            return
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts")
        bot_user_id = context.bot_user_id
        text = _readable_text(event) or ""
        if event.get("channel_type") == "im":
            surface = "assistant" if thread_ts else "message"
        else:
            if bot_user_id and bot_user_id in mentions(text):
                return  # on_app_mention answers it
            if not thread_ts or thread_ts == ts:
                return  # an ordinary channel message
            if not self.state.is_bot_thread(PLATFORM_SLACK, channel, thread_ts):
                return
            if mentions(text) - {bot_user_id}:
                return  # addressed to someone else in the thread
            surface = "message"
        if not self._claim_message(channel, ts):
            return
        if event.get("channel_type") == "im" and self._offers_files(event, context, thread_ts):
            return
        self._spawn_answer(event, context, thread_ts=thread_ts, surface=surface)

    async def on_assistant_thread_started(
        self, ack: Any, event: dict, client: AsyncWebClient
    ) -> None:
        await ack()
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
        if not channel or not thread_ts:
            return
        self.state.mark_thread(PLATFORM_SLACK, channel, thread_ts, kind="assistant")
        self.chat.spawn(self._greet(client, channel, thread_ts), name="slack-greet")

    async def on_assistant_thread_context_changed(self, ack: Any) -> None:
        await ack()  # the channel the user is viewing does not change our answers

    # slash command ------------------------------------------------------------------------

    async def on_alliances_command(
        self, ack: Any, command: dict, respond: Respond, context: AsyncBoltContext
    ) -> None:
        await ack()
        request = ChatRequest(
            text=plain_text(command.get("text", ""), context.bot_user_id),
            user_id=command["user_id"],
            conversation=Conversation(
                PLATFORM_SLACK,
                command["channel_id"],
                is_direct=command.get("channel_name") == "directmessage",
                team_id=command.get("team_id"),
            ),
            private=True,
            surface="command",
        )
        self.chat.spawn(self._answer_privately(request, respond), name="slack-command")

    # buttons and forms --------------------------------------------------------------------

    async def on_feedback(
        self, ack: Any, body: dict, action: dict, client: AsyncWebClient, respond: Respond
    ) -> None:
        await ack()
        vote = "up" if action["action_id"] == kit.ACTION_FEEDBACK_UP else "down"
        user = body["user"]["id"]
        channel = _channel_of(body)
        failure = None
        try:
            stored = self.state.record_feedback(
                answer_id=action.get("value", ""),
                user=user,
                vote=vote,
                platform=PLATFORM_SLACK,
                channel=channel,
            )
        except Exception:
            log.exception("could not store a feedback vote")
            stored, failure = False, FEEDBACK_FAILED_TEXT
        try:
            if not stored:
                await respond(
                    text=failure or FEEDBACK_UNKNOWN_TEXT,
                    response_type="ephemeral",
                    replace_original=False,
                )
            elif vote == "down" and body.get("trigger_id"):
                await client.views_open(
                    trigger_id=body["trigger_id"], view=kit.feedback_comment_view(action["value"])
                )
            else:
                await respond(
                    text="Merci pour votre avis ! Il servira à améliorer les réponses.",
                    response_type="ephemeral",
                    replace_original=False,
                )
        except Exception as error:
            log.warning("could not acknowledge the feedback click (%s)", _failure(error))

    async def on_feedback_comment(self, ack: Any, body: dict, view: dict) -> None:
        await ack()
        values = view.get("state", {}).get("values", {})
        comment = (values.get("comment", {}).get("comment", {}).get("value") or "").strip()
        if comment and not self.state.add_feedback_comment(
            view.get("private_metadata", ""), body["user"]["id"], comment[:3000]
        ):
            log.info("a feedback comment without a vote to attach it to was dropped")

    async def on_share(
        self,
        ack: Any,
        body: dict,
        action: dict,
        client: AsyncWebClient,
        respond: Respond,
    ) -> None:
        await ack()
        self.chat.spawn(self._share(body, action, client, respond), name="slack-share")

    # jobs ---------------------------------------------------------------------------------

    def _offers_files(self, event: dict, context: AsyncBoltContext, thread_ts: str | None) -> bool:
        """Files shared with the bot (a DM, or with a mention): offered to the knowledge
        base instead of an answer (bot/slack/upload_listeners.py)."""
        if self.uploads is None or not event.get("files"):
            return False
        target = SlackTarget(
            channel=event["channel"],
            thread_ts=thread_ts,
            user_id=event["user"],
            team_id=event.get("team") or context.team_id,
            is_direct=event.get("channel_type") == "im",
        )
        self.uploads.spawn_offers(event, target, context)
        return True

    def _claim_message(self, channel: str, ts: str) -> bool:
        """One answer per message, even when it arrives as both app_mention and message."""
        return self.state.claim_event(f"message:{channel}:{ts}", PLATFORM_SLACK)

    def _spawn_answer(
        self, event: dict, context: AsyncBoltContext, *, thread_ts: str | None, surface: str
    ) -> None:
        is_direct = event.get("channel_type") == "im"
        target = SlackTarget(
            channel=event["channel"],
            thread_ts=thread_ts,
            user_id=event["user"],
            team_id=event.get("team") or context.team_id,
            is_direct=is_direct,
        )
        if _readable_text(event) is None:
            log.warning(
                "a Slack message %s in %s has no readable text", event["ts"], target.channel
            )
            notice = NoticeReply(UNREADABLE_TEXT, kind="error", private=True)
            self.chat.spawn(self._tell(target, notice), name="slack-notice")
            return
        self.chat.spawn(
            self._answer_in_conversation(event, target, context, surface), name="slack-answer"
        )

    async def _tell(self, target: SlackTarget, notice: NoticeReply) -> None:
        try:
            await self.replier.deliver(target, notice)
        except Exception as error:
            log.warning(
                "could not tell %s in %s (%s)", target.user_id, target.channel, _failure(error)
            )

    async def _answer_in_conversation(
        self, event: dict, target: SlackTarget, context: AsyncBoltContext, surface: str
    ) -> None:
        placeholder_ts = None
        try:
            bot_user_id = context.bot_user_id
            text = plain_text(event.get("text", ""), bot_user_id)
            history = None
            if target.thread_ts and target.thread_ts != event["ts"]:
                history = await thread_history(
                    self.replier.client,
                    channel=target.channel,
                    thread_ts=target.thread_ts,
                    current_ts=event["ts"],
                    bot_user_id=bot_user_id,
                )
            request = ChatRequest(
                text=text,
                user_id=target.user_id,
                conversation=target.conversation(),
                history=history,
                surface=surface,
            )
            asks_a_question = self.chat.core.needs_assistant(request)
            if asks_a_question and target.is_direct and target.thread_ts:
                await self.replier.set_status(target)
                if self._first_question_in_assistant_thread(target):
                    await self.replier.set_title(target, text)
                # While an LLM writes: "Je rédige la réponse…", "Je vérifie…" as the status.
                request = replace(request, on_progress=self._status_updater(target))
            if asks_a_question and not self.replier.streaming.usable(target):
                placeholder_ts = await self.replier.post_placeholder(target)
            reply = await self.chat.handle(request)
            await self.replier.deliver(target, reply, placeholder_ts=placeholder_ts)
        except SlackApiError as error:  # Slack refused: logged as it said it, no traceback
            log.warning(
                "answering %s in %s failed: Slack said %s",
                event.get("ts"),
                target.channel,
                error.response.get("error"),
            )
            await self.replier.deliver_failure(target, placeholder_ts)
        except Exception:
            log.exception("answering %s in %s failed", event.get("ts"), target.channel)
            await self.replier.deliver_failure(target, placeholder_ts)

    def _status_updater(self, target: SlackTarget) -> Callable[[Any], None]:
        """A progress callback (called in the assistant's worker thread) that shows each new
        stage of an LLM answer as the assistant thread's status; the text streams only once
        checked (docs/llm.md)."""
        loop = asyncio.get_running_loop()
        shown: set[str] = set()

        def update(event: Any) -> None:
            status = STATUS_TEXT.get(getattr(event, "stage", ""))
            if status and status not in shown:
                shown.add(status)
                asyncio.run_coroutine_threadsafe(self.replier.set_status(target, status), loop)

        return update

    def _first_question_in_assistant_thread(self, target: SlackTarget) -> bool:
        assert target.thread_ts is not None
        kind = self.state.thread_kind(PLATFORM_SLACK, target.channel, target.thread_ts)
        if kind != "assistant":
            return False
        return not self.state.recent_turns(
            PLATFORM_SLACK, target.channel, target.thread_ts, limit=1
        )

    async def _answer_privately(self, request: ChatRequest, respond: Respond) -> None:
        try:
            reply = await self.chat.handle(request)
        except Exception:
            log.exception("the /alliances command failed")
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
        try:
            await respond_privately(respond, reply)
        except Exception:
            log.exception("could not send the /alliances reply")
            try:
                await respond(text=INTERNAL_ERROR_TEXT, response_type="ephemeral")
            except Exception:
                log.exception("could not send the error message either")

    async def _greet(self, client: AsyncWebClient, channel: str, thread_ts: str) -> None:
        try:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=GREETING)
            await client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                thread_ts=thread_ts,
                title=SUGGESTED_PROMPTS_TITLE,
                prompts=[{"title": title, "message": text} for title, text in SUGGESTED_PROMPTS],
            )
        except Exception:
            log.warning("could not greet in the assistant thread", exc_info=True)

    async def _share(
        self, body: dict, action: dict, client: AsyncWebClient, respond: Respond
    ) -> None:
        user = body["user"]["id"]
        channel = _channel_of(body)
        row = self.state.get_answer(action.get("value", ""))
        try:
            if not channel:
                await respond(
                    text=SHARE_NOWHERE_TEXT, response_type="ephemeral", replace_original=False
                )
                return
            if row is None:
                await respond(
                    text="Cette réponse n'est plus disponible ; posez la question à nouveau.",
                    response_type="ephemeral",
                    replace_original=False,
                )
                return
            data = row["answer_json"]
            reply = AnswerReply(
                answer_from_json(data), row["id"], channel_region=data.get("channel_region")
            )
            blocks = kit.answer_blocks(reply, shared_by=user)
            text = kit.fallback_text(reply.answer.text)
            try:
                posted = await client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks[: kit.BLOCKS_PER_MESSAGE],
                    unfurl_links=False,
                )
            except SlackApiError as error:
                # The bot is not in that channel (or it is a DM between people): let Slack post
                # it on the user's behalf through the response_url instead.
                log.info(
                    "share by chat.postMessage failed (%s); using response_url",
                    error.response.get("error"),
                )
                await respond(
                    text=text,
                    blocks=blocks[: kit.BLOCKS_PER_MESSAGE],
                    response_type="in_channel",
                    replace_original=False,
                )
            else:
                # Follow-ups in the thread of the shared answer are understood too.
                self.state.mark_thread(PLATFORM_SLACK, channel, posted["ts"])
                self.state.add_turns(
                    PLATFORM_SLACK,
                    channel,
                    posted["ts"],
                    [("user", row["question"]), ("assistant", row["answer"])],
                )
            await respond(delete_original=True)
        except Exception:
            log.exception("sharing answer %s failed", action.get("value"))
            try:
                await respond(
                    text=INTERNAL_ERROR_TEXT, response_type="ephemeral", replace_original=False
                )
            except Exception:
                log.exception("could not send the error message either")


def _readable_text(event: dict) -> str | None:
    """The message's text ("" when it has none), or None when it is not text at all."""
    text = event.get("text")
    if text is None:
        return ""
    return text if isinstance(text, str) else None


def _failure(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"Slack said {error.response.get('error')}"
    return type(error).__name__


def _channel_of(body: dict) -> str:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
