"""Files shared with the bot in a Teams personal chat, and the replies about them as
Adaptive Cards (bot/uploads.py does the rest, platform-neutral).

- a message with a file download info attachment
  (`application/vnd.microsoft.teams.file.download.info`, which Teams sends to a bot whose
  manifest says `supportsFiles: true`, in personal chats only) → its `content.downloadUrl`
  is downloaded (a short-lived pre-authorised address: no token is sent), checked, and the
  offer card is sent with Ajouter / Annuler (`Action.Submit`);
- the buttons become the text command `fichier ajouter <id>` / `fichier annuler <id>`
  (`cards.register_card_action`), handled by the chat core like any command; Ajouter /
  Remplacer first posts « Indexation en cours… » and then updates that message with the
  result (`decision_turn`);
- `UploadOfferReply`, `UploadDuplicateReply`, `UploadRefusedReply`, `UploadAddedReply` are
  rendered here (`cards.register_renderer`, when this module is imported:
  `install_uploads` does it when Teams is configured).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.chat import INTERNAL_ERROR_TEXT, ChatRequest, NoticeReply
from bot.teams import cards as kit
from bot.uploads import (
    MAX_FILES_PER_MESSAGE,
    PENDING_ID,
    DownloadError,
    OfferedFile,
    UploadAddedReply,
    UploadDuplicateReply,
    UploadOfferReply,
    UploadRefusedReply,
    UploadService,
    decision_command,
    download,
    progress_text,
)

log = logging.getLogger(__name__)

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
ACTION_UPLOAD = "upload_decision"

Card = kit.Card


# --- files shared -------------------------------------------------------------------------------


def _field(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value is not None:
            return value
    return None


def teams_files(activity: Any) -> list[OfferedFile]:
    """The files of a message's download info attachments (five at most)."""
    found: list[OfferedFile] = []
    for attachment in getattr(activity, "attachments", None) or []:
        if _field(attachment, "content_type", "contentType") != FILE_DOWNLOAD_INFO:
            continue
        content = _field(attachment, "content") or {}
        url = _field(content, "downloadUrl", "download_url")
        name = _field(attachment, "name")
        if not isinstance(url, str) or not isinstance(name, str) or not name:
            continue
        found.append(OfferedFile(name, None, _fetcher(url)))
    return found[:MAX_FILES_PER_MESSAGE]


def _fetcher(url: str) -> Callable[[int], bytes]:
    def fetch(max_bytes: int) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise DownloadError("not a web address")
        return download(url, max_bytes)

    return fetch


def offer_turn(
    door: Any, service: UploadService, request: ChatRequest, files: list[OfferedFile]
) -> Callable[[Any], Awaitable[None]]:
    """The proactive turn that offers shared files (a polite notice for a non-curator)."""

    async def turn(context: Any) -> None:
        refusal = service.refusal_for(request)
        if refusal is not None:
            await door.send_reply(context, refusal)
            return
        for offered in files:
            reply = await door.chat.run_blocking(service.offer, request, offered)
            await door.send_reply(context, reply)

    return turn


def decision_turn(
    door: Any, service: UploadService, request: ChatRequest, pending_id: str, decision: str
) -> Callable[[Any], Awaitable[None]]:
    """The proactive turn of a click on Ajouter / Remplacer / Annuler. A curator's Ajouter
    on a valid offer first posts « Indexation en cours… », then that message is updated
    with the result (sent as a new message when the update fails)."""

    async def turn(context: Any) -> None:
        pending = service.will_index(request, pending_id, decision)
        progress_id = None
        if pending is not None:
            sent = await door.send_reply(
                context, NoticeReply(progress_text(pending.title, pending.language))
            )
            progress_id = sent[0] if sent else None
        try:
            reply = await door.chat.handle(request)
        except Exception:
            log.exception("deciding on the shared file %s failed", pending_id)
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error")
        if not await door.replace_reply(context, progress_id, reply):
            await door.send_reply(context, reply)

    return turn


# --- cards --------------------------------------------------------------------------------------


def _note(text: str) -> dict[str, Any]:
    return kit.text_block(kit.plain(text), isSubtle=True, size="Small", spacing="Small")


def offer_card(reply: UploadOfferReply) -> Card:
    return kit.adaptive_card(
        [
            kit.text_block(kit.plain(reply.question()), weight="Bolder"),
            _note(reply.detail()),
        ],
        [
            {
                "type": "Action.Submit",
                "title": reply.confirm_label,
                "style": "positive",
                "data": {kit.ACTION_KEY: ACTION_UPLOAD, "decision": "add",
                         "pending": reply.pending_id},
            },
            {
                "type": "Action.Submit",
                "title": reply.cancel_label,
                "data": {kit.ACTION_KEY: ACTION_UPLOAD, "decision": "cancel",
                         "pending": reply.pending_id},
            },
        ],
    )  # fmt: skip


def added_card(reply: UploadAddedReply) -> Card:
    body = [
        kit.text_block(kit.plain(reply.title()), weight="Bolder"),
        {
            "type": "FactSet",
            "facts": [{"title": label, "value": value} for label, value in reply.facts()],
        },
    ]
    check = reply.check_lines()
    if check:
        body.append(kit.text_block(f"**{kit.plain(check[0])}**", spacing="Medium"))
        body.append(kit.text_block(kit.plain(check[1]), spacing="Small"))
    body += [_note(note.replace("`", "")) for note in reply.notes()]
    return kit.adaptive_card(body)


def text_card(title: str | None, text: str) -> Card:
    body = [kit.text_block(kit.plain(title), weight="Bolder")] if title else []
    return kit.adaptive_card([*body, kit.text_block(kit.plain(text))])


def decision_text(data: dict[str, Any]) -> str:
    """The text command of an Ajouter / Annuler button; ValueError for data that is not
    ours (the door then says the card could not be read)."""
    pending, decision = data.get("pending"), data.get("decision")
    if not isinstance(pending, str) or not PENDING_ID.fullmatch(pending):
        raise ValueError("not a pending upload id")
    if decision not in ("add", "cancel"):
        raise ValueError("not a decision")
    return decision_command(decision, pending)


def register() -> None:
    """Register the renderers and the buttons' action with bot.teams.cards (idempotent)."""
    kit.register_renderer(UploadOfferReply, lambda reply: [offer_card(reply)])
    kit.register_renderer(UploadAddedReply, lambda reply: [added_card(reply)])
    kit.register_renderer(
        UploadDuplicateReply, lambda reply: [text_card(None, reply.fallback_text())]
    )
    kit.register_renderer(UploadRefusedReply, lambda reply: [text_card(reply.title(), reply.text)])
    if ACTION_UPLOAD not in kit.CARD_ACTIONS:
        kit.register_card_action(ACTION_UPLOAD, decision_text)


register()
