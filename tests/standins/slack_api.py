"""A stand-in for Slack, on 127.0.0.1, for end-to-end tests.

Two halves, like Slack itself:

- `SlackStandIn` serves the Web API the app calls (auth.test, chat.postMessage, chat.update,
  chat.postEphemeral, views.open, conversations.replies, assistant.threads.setStatus /
  setSuggestedPrompts / setTitle, chat.startStream / appendStream / stopStream,
  usergroups.users.list over the groups in `usergroups`, files.info over the files given
  to `add_file`) and the `response_url`s of slash commands and buttons; it serves those
  files' bytes at their `url_private_download`, to the bot token only. It records every
  call, keeps the channels' messages (so conversations.replies returns what was really
  said, user messages included), checks the bot token and the arguments Slack requires,
  and can be told to fail a method.
  It also plays Socket Mode: `apps.connections.open` (with the app-level token) gives the
  address of its WebSocket, where `send_envelope` pushes events and commands and the app's
  acknowledgements are recorded.
- `SlackSender` sends what Slack sends to an app: Events API callbacks, slash commands and
  interactivity payloads, as real HTTP requests signed with the real algorithm
  (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret), with Slack's
  headers (`X-Slack-Request-Timestamp`, `X-Slack-Signature`, `X-Slack-Retry-Num`…).

The stand-in runs its aiohttp server in a thread of its own, so synchronous tests can drive a
server running in another process or in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "xoxb-1111-2222-alliances-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0ALLIANCE"
BOT_USER_ID = "U0ALLBOT"
BOT_ID = "B0ALLBOT"
API_APP_ID = "A0ALLIANCE"
APP_TOKEN = "xapp-1-A0ALLIANCE-1234-socketmodetest"


@dataclass
class Call:
    """One Web API call the stand-in received."""

    method: str
    args: dict[str, Any]
    at: float
    http_method: str = "POST"
    result: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered


@dataclass
class ResponseUrlPost:
    """One message posted to a response_url."""

    url: str
    body: dict[str, Any]
    at: float


@dataclass
class Sent:
    """One request sent to the app, and what the app answered."""

    path: str
    headers: dict[str, str]
    body: str
    status: int
    response_body: str
    elapsed_s: float
    at: float
    label: str = ""


@dataclass
class _Failure:
    error: str
    remaining: int | None  # None: for ever


class SlackStandIn:
    """Slack's Web API and response_urls on 127.0.0.1, recording what it receives."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        app_token: str = APP_TOKEN,
        team_id: str = TEAM_ID,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
    ):
        self.token = token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.response_posts: list[ResponseUrlPost] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.views: list[dict[str, Any]] = []
        self.usergroups: dict[str, list[str]] = {}  # user group id → member ids
        self.socket_acks: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}  # file id → {"info", "data", "status"}
        self.downloads: list[tuple[str, int]] = []  # (file id, HTTP status answered)
        self._file_ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._envelope_ids = itertools.count(1)
        self._failures: dict[str, _Failure] = {}
        self._changed = threading.Condition()
        self._ts_counter = itertools.count(1)
        self._response_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name="slack-standin", daemon=True
        )
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the Slack stand-in did not start")
        return self

    def _serve(self, started: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_get("/socket-mode", self._socket_mode)
        app.router.add_get("/files-pri/{file_id}/{name}", self._file_download)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to."""
        return f"{self.base_url}/api/"

    def new_response_url(self) -> str:
        return f"{self.base_url}/response/{next(self._response_ids)}"

    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self.response_posts.clear()
            self.messages.clear()
            self.views.clear()
            self.downloads.clear()
            self._failures.clear()

    # test controls ------------------------------------------------------------------------

    def fail(self, method: str, error: str = "internal_error", times: int | None = None) -> None:
        """Make `method` answer {"ok": false, "error": error} (`times` times, or always)."""
        with self._changed:
            self._failures[method] = _Failure(error, times)

    def reset_failures(self) -> None:
        with self._changed:
            self._failures.clear()

    def add_user_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """A message a person wrote (Slack stores it before sending the event)."""
        message = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": self._next_ts(),
            "team": self.team_id,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._changed:
            self.messages.setdefault(channel, []).append(message)
            if thread_ts:
                self._note_reply(channel, thread_ts)
            self._changed.notify_all()
        return dict(message)

    def add_file(
        self,
        name: str,
        data: bytes,
        *,
        user: str = "",
        size: int | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        """A file a person uploaded: its object as Slack puts it in a message event (and
        files.info returns it); `size` the size Slack announces (default: the real one),
        `status` what its download answers."""
        file_id = f"F{next(self._file_ids):08d}"
        info = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": "application/octet-stream",
            "filetype": name.rsplit(".", 1)[-1],
            "size": len(data) if size is None else size,
            "user": user,
            "url_private": f"{self.base_url}/files-pri/{file_id}/{name}",
            "url_private_download": f"{self.base_url}/files-pri/{file_id}/{name}",
        }
        with self._changed:
            self.files[file_id] = {"info": info, "data": data, "status": status}
        return dict(info)

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def bot_messages(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot wrote in a channel (in one thread when `thread_ts` is given)."""
        with self._changed:
            messages = list(self.messages.get(channel, []))
        return [
            m
            for m in messages
            if m.get("bot_id") == self.bot_id
            and (thread_ts is None or m.get("thread_ts") == thread_ts)
        ]

    def wait_for(self, predicate: Callable[[SlackStandIn], Any], timeout: float = 15.0) -> Any:
        """Wait until predicate(stand-in) is truthy; returns its value or raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"the stand-in did not see that within {timeout} s")
                self._changed.wait(min(remaining, 0.2))

    def quiet(self, seconds: float = 0.5) -> None:
        """Wait until nothing new arrived for `seconds` (to check that nothing else comes)."""
        last = -1
        while True:
            with self._changed:
                count = len(self.calls) + len(self.response_posts)
            if count == last:
                return
            last = count
            time.sleep(seconds)

    # the Web API --------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts_counter)}.{next(self._ts_counter):06d}"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "chunks", "prompts", "view", "loading_messages"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") or args.pop("token", "")
        with self._changed:
            call = Call(method, args, time.time(), request.method)
            call.result = self._answer(method, args, token)
            self.calls.append(call)
            self._changed.notify_all()
        return web.json_response(call.result)

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        if method == "apps.connections.open":
            if token != self.app_token:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        failure = self._failures.get(method)
        if failure is not None:
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del self._failures[method]
            return {"ok": False, "error": failure.error}
        handler = _HANDLERS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, args)

    async def _file_download(self, request: web.Request) -> web.Response:
        """A file's bytes, for `Authorization: Bearer <bot token>` only (403 otherwise)."""
        file_id = request.match_info["file_id"]
        with self._changed:
            stored = self.files.get(file_id)
            if stored is None:
                status = 404
            elif request.headers.get("Authorization", "") != f"Bearer {self.token}":
                status = 403
            else:
                status = stored["status"]
            self.downloads.append((file_id, status))
            self._changed.notify_all()
        if status != 200:
            return web.Response(status=status, text="refused")
        return web.Response(body=stored["data"], content_type="application/octet-stream")

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._changed:
            self.response_posts.append(ResponseUrlPost(str(request.url), body, time.time()))
            self._changed.notify_all()
        return web.Response(text="ok")

    # Socket Mode ------------------------------------------------------------------------

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        with self._changed:
            self._sockets.append(socket)
            self._changed.notify_all()
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": API_APP_ID}}
        )
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                with self._changed:
                    self.socket_acks.append({**json.loads(message.data), "at": time.time()})
                    self._changed.notify_all()
        with self._changed:
            self._sockets.remove(socket)
        return socket

    @property
    def socket_connections(self) -> int:
        with self._changed:
            return len(self._sockets)

    def send_envelope(self, payload: dict[str, Any], kind: str = "events_api") -> str:
        """Push a Socket Mode envelope (events_api, slash_commands, interactive) to the
        connected app; returns its envelope_id (the app acknowledges with it)."""
        envelope_id = f"env-{next(self._envelope_ids):04d}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        assert self._loop is not None
        with self._changed:
            sockets = list(self._sockets)
        if not sockets:
            raise RuntimeError("no Socket Mode connection")
        asyncio.run_coroutine_threadsafe(sockets[0].send_json(envelope), self._loop).result(5)
        return envelope_id

    # handlers (called with the lock held) --------------------------------------------------

    def _bot_message(self, channel: str, **fields: Any) -> dict[str, Any]:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": self._next_ts(),
            "team": self.team_id,
            **{key: value for key, value in fields.items() if value is not None},
        }
        self.messages.setdefault(channel, []).append(message)
        if message.get("thread_ts"):
            self._note_reply(channel, message["thread_ts"])
        return message

    def _note_reply(self, channel: str, thread_ts: str) -> None:
        for message in self.messages.get(channel, []):
            if message["ts"] == thread_ts:
                message["thread_ts"] = thread_ts
                message["reply_count"] = message.get("reply_count", 0) + 1

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://alliances-test.slack.com/",
            "team": "Alliances (test)",
            "user": "alliances",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if len(args.get("blocks") or []) > 50:
            return {"ok": False, "error": "invalid_blocks"}
        if _section_too_long(args.get("blocks")):
            return {"ok": False, "error": "invalid_blocks"}
        message = self._bot_message(
            args["channel"],
            text=args.get("text", ""),
            blocks=args.get("blocks"),
            thread_ts=args.get("thread_ts"),
        )
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": message}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(args.get("channel", ""), args.get("ts", ""))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if len(args.get("blocks") or []) > 50 or _section_too_long(args.get("blocks")):
            return {"ok": False, "error": "invalid_blocks"}
        message["text"] = args.get("text", message.get("text", ""))
        if "blocks" in args:
            message["blocks"] = args["blocks"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": message["ts"],
            "text": message["text"],
        }

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id") or not isinstance(args.get("view"), dict):
            return {"ok": False, "error": "invalid_arguments"}
        view = {"id": f"V{len(self.views) + 1:08d}", **args["view"]}
        self.views.append(view)
        return {"ok": True, "view": view}

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel", ""), args.get("ts", "")
        parent = self._find(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [
            dict(m)
            for m in self.messages.get(channel, [])
            if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        thread.sort(key=lambda m: float(m["ts"]))
        limit = int(args.get("limit", 1000))
        return {"ok": True, "messages": thread[:limit], "has_more": len(thread) > limit}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(args.get("file", ""))
        if stored is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": dict(stored["info"])}

    def _usergroup_users(self, args: dict[str, Any]) -> dict[str, Any]:
        group = args.get("usergroup", "")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _ok(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _set_status(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel_id") or not args.get("thread_ts") or "status" not in args:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _start_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if not channel or not args.get("thread_ts"):
            return {"ok": False, "error": "invalid_arguments"}
        if not channel.startswith("D") and not (
            args.get("recipient_user_id") and args.get("recipient_team_id")
        ):
            return {"ok": False, "error": "missing_recipient_user_id"}  # required in channels
        message = self._bot_message(
            channel, text=_stream_text(args), thread_ts=args["thread_ts"], streaming=True
        )
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _append_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(args.get("channel", ""), args.get("ts", ""))
        if message is None or not message.get("streaming"):
            return {"ok": False, "error": "message_not_in_streaming_state"}
        message["text"] += _stream_text(args)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"]}

    def _stop_stream(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(args.get("channel", ""), args.get("ts", ""))
        if message is None or not message.get("streaming"):
            return {"ok": False, "error": "message_not_in_streaming_state"}
        message["text"] += _stream_text(args)
        message["streaming"] = False
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": message}


def _stream_text(args: dict[str, Any]) -> str:
    text = args.get("markdown_text") or ""
    for chunk in args.get("chunks") or []:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            text += chunk.get("text", "")
    return text


def _section_too_long(blocks: Any) -> bool:
    for block in blocks or []:
        text = (block.get("text") or {}).get("text", "") if isinstance(block, dict) else ""
        if len(text) > 3000:
            return True
    return False


_HANDLERS: dict[str, Callable[[SlackStandIn, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": SlackStandIn._auth_test,
    "chat.postMessage": SlackStandIn._post_message,
    "chat.update": SlackStandIn._update,
    "chat.postEphemeral": SlackStandIn._post_ephemeral,
    "views.open": SlackStandIn._views_open,
    "usergroups.users.list": SlackStandIn._usergroup_users,
    "files.info": SlackStandIn._files_info,
    "conversations.replies": SlackStandIn._replies,
    "assistant.threads.setStatus": SlackStandIn._set_status,
    "assistant.threads.setSuggestedPrompts": SlackStandIn._ok,
    "assistant.threads.setTitle": SlackStandIn._ok,
    "chat.startStream": SlackStandIn._start_stream,
    "chat.appendStream": SlackStandIn._append_stream,
    "chat.stopStream": SlackStandIn._stop_stream,
}


# --- Slack → app ------------------------------------------------------------------------


def slack_signature(secret: str, timestamp: str, body: str | bytes) -> str:
    """Slack's request signature: v0= + hex HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    raw = body if isinstance(body, bytes) else body.encode()
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_json(value: Any) -> str:
    """JSON as Slack writes it: UTF-8 text, except that a lone surrogate (which UTF-8 cannot
    hold) is written as its escape, "\\ud800"."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


@dataclass
class SlackSender:
    """Sends signed Slack requests (events, slash commands, interactions) to an app."""

    events_url: str
    standin: SlackStandIn
    signing_secret: str = SIGNING_SECRET
    sent: list[Sent] = field(default_factory=list)
    _event_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _trigger_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # the raw request ----------------------------------------------------------------------

    def post(
        self,
        body: str | bytes,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        label: str = "",
    ) -> Sent:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or slack_signature(self.signing_secret, stamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        data = body if isinstance(body, bytes) else body.encode()
        request = urllib.request.Request(
            self.events_url, data=data, headers=all_headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        sent = Sent(
            path=urllib.parse.urlsplit(self.events_url).path,
            headers=all_headers,
            body=body if isinstance(body, str) else body.decode("utf-8", "replace"),
            status=status,
            response_body=text,
            elapsed_s=time.monotonic() - started,
            at=time.time(),
            label=label,
        )
        self.sent.append(sent)
        return sent

    # Events API ---------------------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        label: str = "",
    ) -> Sent:
        body = slack_json(self.event_body(event, event_id))
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(
            body,
            "application/json",
            timestamp=timestamp,
            signature=signature,
            headers=headers,
            label=label,
        )

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """The Events API callback wrapping an event (also the Socket Mode payload)."""
        return {
            "token": "deprecated-verification-token",
            "team_id": self.standin.team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._event_ids):08d}{int(time.time())}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": self.standin.team_id,
                    "user_id": self.standin.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def user_writes(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        channel_type: str = "channel",
        as_mention: bool = False,
        send: bool = True,
        label: str = "",
    ) -> tuple[dict[str, Any], Sent | None]:
        """A person writes a message: stored in the stand-in, then the event is sent
        (`app_mention` when `as_mention`, else `message`)."""
        if as_mention and f"<@{self.standin.bot_user_id}>" not in text:
            text = f"<@{self.standin.bot_user_id}> {text}"
        message = self.standin.add_user_message(channel, user, text, thread_ts=thread_ts)
        event = self._user_event(message, channel, user, text, as_mention=as_mention)
        if not as_mention:
            event["channel_type"] = channel_type
        if thread_ts:
            event["thread_ts"] = thread_ts
        sent = self.event(event, label=label) if send else None
        return event, sent

    def user_shares(
        self,
        channel: str,
        user: str,
        file: dict[str, Any],
        text: str = "",
        *,
        channel_type: str = "im",
        as_mention: bool = False,
    ) -> tuple[dict[str, Any], Sent]:
        """A person shares a file (`add_file`'s object): a `file_share` message in a DM,
        or an `app_mention` carrying the file in a channel when `as_mention`."""
        if as_mention and f"<@{self.standin.bot_user_id}>" not in text:
            text = f"<@{self.standin.bot_user_id}> {text}".strip()
        message = self.standin.add_user_message(channel, user, text)
        event = self._user_event(message, channel, user, text, as_mention=as_mention)
        event |= {"files": [file], "upload": True}
        if not as_mention:
            event["subtype"] = "file_share"
            event["channel_type"] = channel_type
        return event, self.event(event)

    def _user_event(
        self, message: dict[str, Any], channel: str, user: str, text: str, *, as_mention: bool
    ) -> dict[str, Any]:
        """The event of a person's stored message: `app_mention` when `as_mention`, else
        `message`."""
        return {
            "type": "app_mention" if as_mention else "message",
            "user": user,
            "text": text,
            "ts": message["ts"],
            "channel": channel,
            "event_ts": message["ts"],
            "team": self.standin.team_id,
        }

    # slash commands and interactivity -----------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        command: str = "/alliances",
        channel_name: str = "general",
        label: str = "",
        user_name: str | None = None,
    ) -> tuple[Sent, str]:
        """A slash command; returns what was sent and the response_url given to the app."""
        response_url = self.standin.new_response_url()
        fields = {
            "token": "deprecated-verification-token",
            "team_id": self.standin.team_id,
            "team_domain": "alliances-test",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user_name or user.lower(),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(self._trigger_ids)}.{int(time.time())}.cmd",
        }
        body = urllib.parse.urlencode(fields)
        return self.post(body, "application/x-www-form-urlencoded", label=label), response_url

    def click(
        self,
        action: dict[str, Any],
        *,
        user: str,
        channel: str,
        message: dict[str, Any] | None = None,
        ephemeral: bool = False,
        label: str = "",
    ) -> tuple[Sent, str]:
        """A button click (block_actions); returns what was sent and its response_url."""
        response_url = self.standin.new_response_url()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": self.standin.team_id},
            "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token",
            "container": {
                "type": "message",
                "message_ts": (message or {}).get("ts", "0"),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{next(self._trigger_ids)}.{int(time.time())}.act",
            "team": {"id": self.standin.team_id, "domain": "alliances-test"},
            "channel": {"id": channel, "name": "general"},
            "response_url": response_url,
            "actions": [{**action, "type": "button", "action_ts": str(time.time())}],
        }
        if message is not None and not ephemeral:
            payload["message"] = message
        body = urllib.parse.urlencode({"payload": slack_json(payload)})
        return self.post(body, "application/x-www-form-urlencoded", label=label), response_url

    def submit_view(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str, label: str = ""
    ) -> Sent:
        """A modal submitted (view_submission)."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.standin.team_id, "domain": "alliances-test"},
            "user": {"id": user, "username": user.lower(), "team_id": self.standin.team_id},
            "api_app_id": API_APP_ID,
            "token": "deprecated-verification-token",
            "trigger_id": f"{next(self._trigger_ids)}.{int(time.time())}.view",
            "view": {**view, "state": {"values": values}},
        }
        body = urllib.parse.urlencode({"payload": slack_json(payload)})
        return self.post(body, "application/x-www-form-urlencoded", label=label)
