"""The `/projet` slash command, its modal and its buttons, on the Bolt app.

- `/projet …`                → the project commands of the chat core (bot/projects.py),
                               private reply through the response_url;
- `/projet nouveau` alone    → views.open with the creation modal (at once: a trigger id
                               lives three seconds);
- modal submitted            → fields checked; errors shown under the fields
                               (`response_action: "errors"`), else the modal closes, the
                               project is created and confirmed through the command's
                               response_url;
- "Choisir" (pick-list)      → the waiting command completed with the project picked;
- "Voir" (list)              → the project's card.

Editors may be given as Slack user groups: `SlackUsergroupResolver` reads their members
with usergroups.users.list (scope `usergroups:read`), from the chat worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_SLACK,
    ChatReply,
    ChatRequest,
    ChatService,
    Conversation,
    NoticeReply,
)
from bot.projects import FormErrors, ProjectCommands, ProjectFormReply, project_commands_of
from bot.settings import SlackSettings
from bot.slack import blocks as kit
from bot.slack.delivery import Respond
from bot.slack.messages import plain_text
from bot.slack.project_blocks import (
    ACTION_PICK,
    ACTION_SHOW,
    VIEW_NEW_PROJECT,
    form_errors,
    form_values,
    project_modal,
    project_reply_blocks,
)

log = logging.getLogger(__name__)

PROJECT_COMMAND = "/projet"


class SlackUsergroupResolver:
    """Members of a Slack user group (usergroups.users.list), with a synchronous client:
    the editor check runs in the chat worker thread, not on the event loop."""

    def __init__(self, settings: SlackSettings):
        self.client = WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=10)

    def members(self, group_id: str) -> frozenset[str]:
        response = self.client.usergroups_users_list(usergroup=group_id)
        return frozenset(response.get("users") or [])


def register_project_listeners(app: AsyncApp, chat: ChatService, settings: SlackSettings) -> bool:
    """Add `/projet` and its modal and buttons when the project commands are installed."""
    commands = project_commands_of(chat)
    if commands is None:
        return False
    commands.editors.add_resolver(PLATFORM_SLACK, SlackUsergroupResolver(settings))
    listeners = ProjectListeners(chat, commands)
    app.command(PROJECT_COMMAND)(listeners.on_command)
    app.action(ACTION_PICK)(listeners.on_pick)
    app.action(ACTION_SHOW)(listeners.on_show)
    app.view(VIEW_NEW_PROJECT)(listeners.on_form_submitted)
    return True


def _reply_payload(reply: ChatReply) -> tuple[str, list[kit.Block]]:
    blocks = project_reply_blocks(reply)
    if blocks is None:
        notice = reply if isinstance(reply, NoticeReply) else NoticeReply(reply.fallback_text())
        blocks = kit.notice_blocks(notice)
    return kit.fallback_text(reply.fallback_text()), blocks


async def send_private(respond: Respond, reply: ChatReply, *, replace: bool = False) -> None:
    """A project reply through a response_url, visible to the user only."""
    text, blocks = _reply_payload(reply)
    pages = kit.paginate(blocks)[:5]  # a response_url accepts five messages
    for number, page in enumerate(pages):
        await respond(
            text=text,
            blocks=page,
            response_type="ephemeral",
            replace_original=replace and number == 0,
        )


class ProjectListeners:
    def __init__(self, chat: ChatService, commands: ProjectCommands):
        self.chat = chat
        self.commands = commands

    # the slash command -----------------------------------------------------------------------

    async def on_command(
        self,
        ack: Any,
        command: dict,
        respond: Respond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        text = plain_text(command.get("text", ""), context.bot_user_id)
        request = ChatRequest(
            text=f"projet {text}".strip(),
            user_id=command["user_id"],
            conversation=Conversation(
                PLATFORM_SLACK,
                command["channel_id"],
                is_direct=command.get("channel_name") == "directmessage",
                team_id=command.get("team_id"),
            ),
            private=True,
            surface="command",
            request_id=f"slack:command:{command.get('trigger_id')}",
            user_name=command.get("user_name"),
        )
        parsed = self.commands.parse(text)
        if parsed is not None and parsed.wants_form:
            await self._open_form(request, text, command, respond, client)
            return
        wait = parsed is not None and parsed.is_write
        self.chat.spawn(self._answer(request, respond, wait), name="slack-projet")

    async def _answer(self, request: ChatRequest, respond: Respond, wait: bool) -> None:
        try:
            if wait:  # writes index at once: let the knowledge base finish loading first
                await self.chat.wait_ready(self.chat.ready_timeout_s)
            reply = await self.chat.handle(request)
        except Exception:
            log.exception("the /projet command failed")
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
        await self._send(respond, reply)

    async def _open_form(
        self,
        request: ChatRequest,
        text: str,
        command: dict,
        respond: Respond,
        client: AsyncWebClient,
    ) -> None:
        # Not through the chat worker: the trigger id expires within three seconds, and the
        # worker may be busy answering a question. The editor check is thread-safe.
        reply = await asyncio.to_thread(self.commands.handle, request, text)
        if not isinstance(reply, ProjectFormReply):
            await self._send(respond, reply)
            return
        metadata = json.dumps(
            {
                "channel": command["channel_id"],
                "response_url": command.get("response_url"),
                "language": reply.language,
                "direct": command.get("channel_name") == "directmessage",
            }
        )
        try:
            await client.views_open(
                trigger_id=command["trigger_id"], view=project_modal(reply.form, metadata)
            )
        except SlackApiError as error:
            log.warning("views.open failed: %s", error.response.get("error"))
            notice = NoticeReply(
                "Le formulaire n'a pas pu s'ouvrir ("
                + str(error.response.get("error"))
                + ") ; réessayez, ou créez le projet en une ligne : "
                '`/projet nouveau "Nom du projet" région:Mauricie budget:40 000 $`.',
                kind="error",
                private=True,
            )
            await self._send(respond, notice)

    # the modal -------------------------------------------------------------------------------

    async def on_form_submitted(
        self, ack: Any, body: dict, view: dict, client: AsyncWebClient
    ) -> None:
        values = form_values(view.get("state", {}).get("values", {}))
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        language = metadata.get("language", "fr")
        try:
            errors = await asyncio.to_thread(self.commands.validate_form, values, language)
        except Exception:
            log.exception("checking the project form failed")
            errors = {"name": INTERNAL_ERROR_TEXT}
        if errors:
            await ack(response_action="errors", errors=form_errors(errors))
            return
        await ack()
        user = body.get("user") or {}
        request = ChatRequest(
            text="projet nouveau",
            user_id=user.get("id", ""),
            conversation=Conversation(
                PLATFORM_SLACK,
                metadata.get("channel") or "",
                is_direct=bool(metadata.get("direct")),
                team_id=(body.get("team") or {}).get("id"),
            ),
            private=True,
            surface="form",
            request_id=f"slack:view:{view.get('id') or body.get('trigger_id')}",
            user_name=user.get("username") or user.get("name"),
        )
        self.chat.spawn(
            self._create_from_form(values, request, language, metadata, client),
            name="slack-projet-form",
        )

    async def _create_from_form(
        self,
        values: dict[str, str],
        request: ChatRequest,
        language: str,
        metadata: dict,
        client: AsyncWebClient,
    ) -> None:
        try:
            await self.chat.wait_ready(self.chat.ready_timeout_s)
            outcome = await self.chat.run_blocking(
                self.commands.submit_form, values, request, language
            )
        except Exception:
            log.exception("creating a project from the form failed")
            outcome = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
        if isinstance(outcome, FormErrors):  # changed meanwhile (a project of that name…)
            outcome = NoticeReply(
                "\n".join(outcome.errors.values()) + "\n(Rien n'a été enregistré.)",
                kind="error",
                private=True,
            )
        text, blocks = _reply_payload(outcome)
        url = metadata.get("response_url")
        try:
            if url:
                await AsyncWebhookClient(url).send(
                    text=text, blocks=blocks[: kit.BLOCKS_PER_MESSAGE], response_type="ephemeral"
                )
            elif request.conversation.channel_id:
                await client.chat_postEphemeral(
                    channel=request.conversation.channel_id,
                    user=request.user_id,
                    text=text,
                    blocks=blocks[: kit.BLOCKS_PER_MESSAGE],
                )
        except Exception:
            log.exception("could not confirm the project created from the form")

    # buttons ---------------------------------------------------------------------------------

    async def on_pick(self, ack: Any, body: dict, action: dict, respond: Respond) -> None:
        await ack()
        token, _, project_id = (action.get("value") or "").rpartition(":")
        request = self._button_request(body)
        self.chat.spawn(self._pick(request, token, project_id, respond), name="slack-projet-pick")

    async def _pick(
        self, request: ChatRequest, token: str, project_id: str, respond: Respond
    ) -> None:
        try:
            await self.chat.wait_ready(self.chat.ready_timeout_s)
            reply = await self.chat.run_blocking(
                self.commands.choose, request, token, int(project_id or 0)
            )
        except Exception:
            log.exception("completing a project pick-list failed")
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
        await self._send(respond, reply, replace=not isinstance(reply, NoticeReply))

    async def on_show(self, ack: Any, body: dict, action: dict, respond: Respond) -> None:
        await ack()
        project_id, _, language = (action.get("value") or "").partition(":")
        request = self._button_request(body)
        self.chat.spawn(
            self._show(request, project_id, language or "fr", respond), name="slack-projet-show"
        )

    async def _show(
        self, request: ChatRequest, project_id: str, language: str, respond: Respond
    ) -> None:
        try:
            reply = await self.chat.run_blocking(
                self.commands.show_project, request, int(project_id or 0), language
            )
        except Exception:
            log.exception("showing a project failed")
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error", private=True)
        await self._send(respond, reply)

    def _button_request(self, body: dict) -> ChatRequest:
        user = body.get("user") or {}
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        return ChatRequest(
            text="",
            user_id=user.get("id", ""),
            conversation=Conversation(
                PLATFORM_SLACK, channel, team_id=(body.get("team") or {}).get("id")
            ),
            private=True,
            surface="button",
            request_id=f"slack:action:{body.get('trigger_id')}",
            user_name=user.get("username") or user.get("name"),
        )

    @staticmethod
    async def _send(respond: Respond, reply: ChatReply, *, replace: bool = False) -> None:
        try:
            await send_private(respond, reply, replace=replace)
        except Exception:
            log.exception("could not send the /projet reply")
            try:
                await respond(text=INTERNAL_ERROR_TEXT, response_type="ephemeral")
            except Exception:
                log.exception("could not send the error message either")
