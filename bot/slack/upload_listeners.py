"""Files shared with the bot in Slack (bot/uploads.py does the rest, platform-neutral).

- a `message` event with `files` in a direct message with the bot, or an `app_mention`
  with `files` in a channel → for each file (five at most), `files.info`, then
  `url_private_download` with `Authorization: Bearer <bot token>` (scope `files:read`),
  checked, and the offer posted with its Ajouter / Annuler buttons (privately in a
  channel); a person who is not a curator reads a polite notice, once per message;
- files shared in a channel without a mention never reach this module (the listeners
  ignore ordinary channel messages);
- Ajouter / Remplacer → the offer's message becomes « Indexation en cours… », then what
  was recorded; Annuler → « Ajout annulé ». The click goes through the chat core as the
  text command `fichier ajouter <id>` (which checks the id and that the person clicking
  is a curator).

The bot token is only ever sent to Slack's own hosts (or to the host of SLACK_API_URL,
the tests' stand-in), and never over a redirect.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_SLACK,
    ChatRequest,
    ChatService,
    Conversation,
    NoticeReply,
)
from bot.settings import SlackSettings
from bot.slack import blocks as kit
from bot.slack.delivery import Respond, SlackReplier, SlackTarget
from bot.slack.messages import plain_text
from bot.slack.upload_blocks import (
    ACTION_UPLOAD_ADD,
    ACTION_UPLOAD_CANCEL,
    progress_blocks,
    upload_reply_blocks,
)
from bot.uploads import (
    MAX_FILES_PER_MESSAGE,
    DownloadError,
    Fetch,
    OfferedFile,
    UploadService,
    decision_command,
    download,
    progress_text,
    uploads_of,
)
from knowledge.upload_checks import too_big

log = logging.getLogger(__name__)

_SLACK_FILE_HOSTS = (".slack.com", ".slack-gov.com", ".slack-edge.com")


def trusted_file_host(url: str, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`: https on a Slack host, or the very host
    (and scheme) of the configured Web API address."""
    try:
        target, api = urlsplit(url), urlsplit(api_url)
    except ValueError:
        return False
    host = (target.hostname or "").lower()
    if target.scheme == "https" and host.endswith(_SLACK_FILE_HOSTS):
        return True
    return bool(host) and (target.scheme, target.netloc) == (api.scheme, api.netloc)


def slack_fetch(settings: SlackSettings, file_id: str) -> Fetch:
    """Download a shared file the Slack way (blocking: called in the command thread)."""

    def fetch(max_bytes: int) -> bytes:
        client = WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=15)
        try:
            info = client.files_info(file=file_id).get("file") or {}
        except SlackApiError as error:
            raise DownloadError(f"files.info: {error.response.get('error')}") from error
        except Exception as error:
            raise DownloadError(f"files.info: {type(error).__name__}") from error
        size = info.get("size")
        if isinstance(size, int) and size > max_bytes:
            raise too_big(max_bytes, size)
        url = info.get("url_private_download") or info.get("url_private")
        if not isinstance(url, str) or not trusted_file_host(url, settings.api_url):
            raise DownloadError("files.info gave no Slack download address")
        return download(url, max_bytes, headers={"Authorization": f"Bearer {settings.bot_token}"})

    return fetch


def shared_files(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The files of a message event that can be looked up (an id, as text)."""
    files = event.get("files")
    if not isinstance(files, list):
        return []
    return [
        item
        for item in files
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
    ][:MAX_FILES_PER_MESSAGE]


def offered_file(settings: SlackSettings, item: dict[str, Any]) -> OfferedFile:
    name = item.get("name") if isinstance(item.get("name"), str) else None
    title = item.get("title") if isinstance(item.get("title"), str) else None
    size = item.get("size") if isinstance(item.get("size"), int) else None
    return OfferedFile(name or title or "fichier", size, slack_fetch(settings, item["id"]))


class SlackUploads:
    """The shared-file jobs and the Ajouter / Annuler buttons."""

    def __init__(
        self,
        chat: ChatService,
        settings: SlackSettings,
        replier: SlackReplier,
        service: UploadService,
    ):
        self.chat = chat
        self.settings = settings
        self.replier = replier
        self.service = service

    def register(self, app: AsyncApp) -> None:
        app.action(ACTION_UPLOAD_ADD)(self.on_decision)
        app.action(ACTION_UPLOAD_CANCEL)(self.on_decision)

    # files shared ---------------------------------------------------------------------------

    def spawn_offers(self, event: dict, target: SlackTarget, context: AsyncBoltContext) -> None:
        """Offer the files of a message (a DM, or a mention in a channel)."""
        request = ChatRequest(
            text=plain_text(event.get("text") or "", context.bot_user_id)
            if isinstance(event.get("text"), str)
            else "",
            user_id=target.user_id,
            conversation=target.conversation(),
            surface="file",
        )
        files = [offered_file(self.settings, item) for item in shared_files(event)]
        self.chat.spawn(self._offer(request, target, files), name="slack-upload")

    async def _offer(
        self, request: ChatRequest, target: SlackTarget, files: list[OfferedFile]
    ) -> None:
        try:
            refusal = self.service.refusal_for(request)
            if refusal is not None:
                await self.replier.deliver(target, refusal)
                return
            for offered in files:
                reply = await self.chat.run_blocking(self.service.offer, request, offered)
                await self.replier.deliver(target, reply)
        except Exception:
            log.exception("offering a file shared in %s failed", target.channel)
            await self.replier.deliver_failure(target, None)

    # the buttons ----------------------------------------------------------------------------

    async def on_decision(self, ack: Any, body: dict, action: dict, respond: Respond) -> None:
        await ack()
        decision = "cancel" if action["action_id"] == ACTION_UPLOAD_CANCEL else "add"
        self.chat.spawn(
            self._decide(body, str(action.get("value") or ""), decision, respond),
            name="slack-upload-decision",
        )

    async def _decide(self, body: dict, pending_id: str, decision: str, respond: Respond) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        request = ChatRequest(
            text=decision_command(decision, pending_id),
            user_id=user,
            conversation=Conversation(PLATFORM_SLACK, channel, is_direct=channel.startswith("D")),
            private=True,
            surface="button",
        )
        try:
            pending = self.service.will_index(request, pending_id, decision)
            if pending is not None:
                await respond(
                    text=kit.fallback_text(progress_text(pending.title, pending.language)),
                    blocks=progress_blocks(pending.title, pending.language),
                    replace_original=True,
                )
            reply = await self.chat.handle(request)
            notice = reply if isinstance(reply, NoticeReply) else None
            blocks = upload_reply_blocks(reply) or kit.notice_blocks(
                notice or NoticeReply(reply.fallback_text())
            )
            refused = notice is not None and notice.kind in ("refusal", "error")
            await respond(
                text=kit.fallback_text(reply.fallback_text()),
                blocks=blocks[: kit.BLOCKS_PER_MESSAGE],
                replace_original=not refused,
                response_type="ephemeral",
            )
        except Exception:
            log.exception("deciding on the shared file %s failed", pending_id)
            try:
                await respond(
                    text=INTERNAL_ERROR_TEXT, response_type="ephemeral", replace_original=False
                )
            except Exception:
                log.exception("could not send the error message either")


def register_upload_listeners(
    app: AsyncApp, chat: ChatService, settings: SlackSettings, replier: SlackReplier
) -> SlackUploads | None:
    """The buttons, and the jobs the message listeners call; None without the service."""
    service = uploads_of(chat)
    if service is None:
        return None
    uploads = SlackUploads(chat, settings, replier, service)
    uploads.register(app)
    return uploads
