"""Sending replies to Slack: status, streaming, post-then-update, ephemeral and response_url.

Answers in a thread are streamed (chat.startStream / appendStream / stopStream, through
slack_sdk's `chat_stream` helper) with the sources and buttons as the final blocks. Where
streaming is off, unavailable or fails before it starts, the reply is posted; where it is known
in advance that streaming cannot be used (no thread, streaming disabled or found unsupported),
a placeholder "Je cherche dans les documents…" is posted first and then updated with the
answer. A stream that fails midway is finished with chat.update on its message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import (
    INTERNAL_ERROR_TEXT,
    PLATFORM_SLACK,
    SEARCHING_TEXT,
    AnswerReply,
    ChatReply,
    Conversation,
    NoticeReply,
)
from bot.slack import blocks as kit
from bot.slack.gap_blocks import gap_reply_blocks
from bot.slack.project_blocks import project_reply_blocks
from bot.slack.source_blocks import source_reply_blocks
from bot.slack.upload_blocks import upload_reply_blocks

log = logging.getLogger(__name__)

# Errors meaning "this workspace/app cannot stream at all": stop trying for this process.
_STREAMING_UNSUPPORTED = {
    "unknown_method",
    "method_deprecated",
    "not_implemented",
    "missing_scope",
    "not_allowed_token_type",
    "feature_not_enabled",
}
STREAM_BUFFER = 300


@dataclass(frozen=True)
class SlackTarget:
    """Where a reply goes: a channel or DM, a thread (None: top level), and who asked."""

    channel: str
    thread_ts: str | None
    user_id: str
    team_id: str | None = None
    is_direct: bool = False

    def conversation(self) -> Conversation:
        """The same place as the chat core names it (the reply's thread as its thread)."""
        return Conversation(
            PLATFORM_SLACK,
            self.channel,
            thread_id=self.thread_ts,
            is_direct=self.is_direct,
            team_id=self.team_id,
        )


class StreamingSupport:
    """Whether to stream: the setting, and what this process learnt from Slack's answers."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.unsupported_reason: str | None = None

    def usable(self, target: SlackTarget) -> bool:
        return self.enabled and self.unsupported_reason is None and bool(target.thread_ts)

    def note_failure(self, code: str | None) -> None:
        if code in _STREAMING_UNSUPPORTED and self.unsupported_reason is None:
            self.unsupported_reason = code
            log.warning("chat streaming unavailable (%s): falling back to post-then-update", code)


def _error_code(error: Exception) -> str | None:
    if isinstance(error, SlackApiError):
        return error.response.get("error")
    return None


class SlackReplier:
    """Sends chat replies to conversations through the Web API client."""

    def __init__(self, client: AsyncWebClient, streaming: StreamingSupport):
        self.client = client
        self.streaming = streaming

    # progress -----------------------------------------------------------------------------

    async def set_status(self, target: SlackTarget, status: str = SEARCHING_TEXT) -> None:
        """The assistant-thread status ("Je cherche dans les documents…"); best effort."""
        if not target.thread_ts:
            return
        try:
            await self.client.assistant_threads_setStatus(
                channel_id=target.channel,
                thread_ts=target.thread_ts,
                status=status,
                loading_messages=[status, "Je lis les passages pertinents…"] if status else None,
            )
        except Exception as error:
            log.debug("assistant.threads.setStatus failed: %s", _error_code(error) or error)

    async def set_title(self, target: SlackTarget, title: str) -> None:
        if not target.thread_ts:
            return
        try:
            await self.client.assistant_threads_setTitle(
                channel_id=target.channel, thread_ts=target.thread_ts, title=title[:80]
            )
        except Exception as error:
            log.debug("assistant.threads.setTitle failed: %s", _error_code(error) or error)

    async def post_placeholder(self, target: SlackTarget) -> str | None:
        """Post "Je cherche dans les documents…" to update later; None when that fails."""
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel,
                thread_ts=target.thread_ts,
                text=SEARCHING_TEXT,
                blocks=kit.searching_blocks(SEARCHING_TEXT),
            )
        except Exception:
            log.warning("could not post the placeholder", exc_info=True)
            return None
        return response.get("ts")

    # replies ------------------------------------------------------------------------------

    async def deliver(
        self, target: SlackTarget, reply: ChatReply, *, placeholder_ts: str | None = None
    ) -> list[str]:
        """Send a reply; returns the ts of the messages it wrote (ephemeral ones have none)."""
        if isinstance(reply, AnswerReply):
            if placeholder_ts:
                return await self._update_then_post(
                    target, placeholder_ts, kit.answer_blocks(reply), reply.answer.text
                )
            if self.streaming.usable(target):
                return await self._stream(target, reply)
            return await self._post(target, kit.answer_blocks(reply), reply.answer.text)
        notice = reply if isinstance(reply, NoticeReply) else _as_notice(reply)
        notice_blocks = _notice_blocks(reply, notice)
        if placeholder_ts:
            return await self._update_then_post(target, placeholder_ts, notice_blocks, notice.text)
        if notice.private and not target.is_direct:
            await self.client.chat_postEphemeral(
                channel=target.channel,
                user=target.user_id,
                thread_ts=target.thread_ts,
                text=kit.fallback_text(notice.text),
                blocks=notice_blocks,
            )
            return []
        return await self._post(target, notice_blocks, notice.text)

    async def deliver_failure(self, target: SlackTarget, placeholder_ts: str | None) -> None:
        """Last resort after an error: the short French message, in the thread. Never raises."""
        reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error")
        try:
            if placeholder_ts:
                await self._update_then_post(
                    target, placeholder_ts, kit.notice_blocks(reply), reply.text
                )
            else:
                await self._post(target, kit.notice_blocks(reply), reply.text)
        except SlackApiError as error:
            log.warning(
                "could not even post the error message to %s: Slack said %s",
                target.channel,
                _error_code(error),
            )
        except Exception:
            log.exception("could not even post the error message to %s", target.channel)

    # ways to send -------------------------------------------------------------------------

    async def _post(self, target: SlackTarget, blocks: list[kit.Block], text: str) -> list[str]:
        written = []
        for page in kit.paginate(blocks):
            response = await self.client.chat_postMessage(
                channel=target.channel,
                thread_ts=target.thread_ts,
                text=kit.fallback_text(text),
                blocks=page,
                unfurl_links=False,
                unfurl_media=False,
            )
            written.append(response["ts"])
        return written

    async def _update_then_post(
        self, target: SlackTarget, ts: str, blocks: list[kit.Block], text: str
    ) -> list[str]:
        pages = kit.paginate(blocks)
        try:
            await self.client.chat_update(
                channel=target.channel, ts=ts, text=kit.fallback_text(text), blocks=pages[0]
            )
        except Exception:
            log.warning("chat.update failed; posting instead", exc_info=True)
            return await self._post(target, blocks, text)
        written = [ts]
        if len(pages) > 1:
            written += await self._post(target, [b for page in pages[1:] for b in page], text)
        return written

    async def _stream(self, target: SlackTarget, reply: AnswerReply) -> list[str]:
        """Stream the answer text, finish with the sources and buttons; fall back on error."""
        tail = kit.answer_tail_blocks(reply)
        tail_pages = kit.paginate(tail)
        stream = await self.client.chat_stream(
            channel=target.channel,
            thread_ts=target.thread_ts,  # type: ignore[arg-type]
            recipient_team_id=target.team_id,
            recipient_user_id=target.user_id,
            buffer_size=STREAM_BUFFER,
        )
        try:
            for piece in kit.stream_pieces(reply.answer.text):
                await stream.append(markdown_text=piece)
            await stream.stop(blocks=tail_pages[0])
        except Exception as error:
            self.streaming.note_failure(_error_code(error))
            log.warning(
                "chat streaming failed (%s); %s",
                _error_code(error) or type(error).__name__,
                "updating the streamed message" if stream.ts else "posting instead",
            )
            if stream.ts:
                return await self._update_then_post(
                    target, stream.ts, kit.answer_blocks(reply), reply.answer.text
                )
            return await self._post(target, kit.answer_blocks(reply), reply.answer.text)
        written = [stream.ts] if stream.ts else []
        if len(tail_pages) > 1:
            written += await self._post(
                target, [b for page in tail_pages[1:] for b in page], reply.answer.text
            )
        return written


Respond = Callable[..., Awaitable[Any]]


def _notice_blocks(reply: ChatReply, notice: NoticeReply) -> list[dict[str, Any]]:
    """The blocks of a reply that is not an answer: a feature's own view, else a notice."""
    return (
        project_reply_blocks(reply)
        or source_reply_blocks(reply)
        or gap_reply_blocks(reply)
        or upload_reply_blocks(reply)
        or kit.notice_blocks(notice)
    )


async def respond_privately(respond: Respond, reply: ChatReply, *, share: bool = True) -> None:
    """Send a reply through a slash command's response_url, visible to the asker only;
    answers carry a button to share them in the channel."""
    if isinstance(reply, AnswerReply):
        blocks, text = kit.answer_blocks(reply, share=share), reply.answer.text
    else:
        notice = reply if isinstance(reply, NoticeReply) else _as_notice(reply)
        blocks = _notice_blocks(reply, notice)
        text = notice.text
    for page in kit.paginate(blocks)[:5]:  # a response_url accepts five messages
        response = await respond(
            text=kit.fallback_text(text),
            blocks=page,
            response_type="ephemeral",
            replace_original=False,
        )
        _check_webhook(response)


def _check_webhook(response: Any) -> None:
    status = getattr(response, "status_code", 200)
    if status >= 400:
        raise RuntimeError(f"response_url refused the message: {status} {response.body!r}")


def _as_notice(reply: ChatReply) -> NoticeReply:
    """Another kind of reply (project card, list…) as a notice: its text, its privacy."""
    return NoticeReply(reply.fallback_text(), private=getattr(reply, "private", False))
