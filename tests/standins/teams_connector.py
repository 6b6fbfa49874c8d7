"""A stand-in for Microsoft Teams' side of a bot, on 127.0.0.1, for end-to-end tests.

- `TeamsStandIn` plays three Microsoft services in one aiohttp server (its own thread):
  - the **Bot Connector** at the activities' `serviceUrl` (`http://127.0.0.1:P/amer/`):
    `POST v3/conversations/{id}/activities` (a new message), `POST …/activities/{replyToId}`
    (a reply) and `PUT …/activities/{id}` (an update). It records every activity the bot sends
    and, when told to (`expect_token`), refuses calls without a token it issued itself;
  - the **token issuer** of Microsoft Entra, `POST /{tenant}/oauth2/v2.0/token` (client
    credentials: the bot's app id and secret) — tokens signed with an RSA key generated here;
  - the **Bot Framework's OpenID configuration and JWKS**
    (`/v1/.well-known/openidconfiguration`, `/v1/.well-known/keys`), whose key signs the
    tokens `channel_token()` makes for requests to the bot (what the Bot Framework sends).
- `TeamsSender` sends what Teams sends to a bot: message activities (channel mentions,
  personal chats, card submissions), conversationUpdate and installationUpdate, as real HTTP
  requests to `/api/messages`, with a bearer token or without.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "5b8c3e2a-1f4d-4c6b-9a7e-0d2f6a1b3c4d"
APP_PASSWORD = "alliances~test~secret.0123456789"
TENANT_ID = "9f1e2d3c-4b5a-4697-8a1b-2c3d4e5f6a7b"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "Alliances"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
CONNECTOR_AUDIENCE = "https://api.botframework.com"
TEAM_ID = "19:team-alliances@thread.tacv2"
USER_AAD = "0f3a0a1e-1111-4222-8333-444455556666"
OTHER_AAD = "1a2b3c4d-5555-4666-8777-888899990000"
ADMIN_AAD = "2b3c4d5e-6666-4777-8888-999900001111"


@dataclass
class Received:
    """One call the bot made to the Bot Connector."""

    method: str
    path: str
    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    authorization: str
    at: float
    id: str = ""

    @property
    def type(self) -> str:
        return self.activity.get("type", "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            attachment["content"]
            for attachment in self.activity.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        """Everything a person reads: the text and the cards' text blocks and buttons."""
        parts = [self.activity.get("text") or ""]
        for card in self.cards:
            parts.extend(_card_texts(card))
        return "\n".join(part for part in parts if part)


def _card_texts(element: Any) -> list[str]:
    texts: list[str] = []
    if isinstance(element, dict):
        if element.get("type") == "TextBlock":
            texts.append(element.get("text", ""))
        if str(element.get("type", "")).startswith("Action."):
            texts.append(element.get("title", ""))
        for key in ("body", "items", "actions", "columns"):
            for child in element.get(key) or []:
                texts.extend(_card_texts(child))
    return texts


@dataclass
class Sent:
    """One request sent to the bot, and what it answered."""

    activity: Any
    status: int
    body: str
    elapsed_s: float


class TeamsStandIn:
    """Bot Connector, token issuer and OpenID configuration on 127.0.0.1."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "alliances-test-key"
        self.expect_token = False
        self.received: list[Received] = []
        self.token_requests: list[dict[str, str]] = []
        self.rejected: list[Received] = []
        self.files: dict[str, tuple[bytes, int]] = {}  # file id → (bytes, HTTP status)
        self.downloads: list[tuple[str, int]] = []
        self._file_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> TeamsStandIn:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name="teams-standin", daemon=True
        )
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the Teams stand-in did not start")
        return self

    def _serve(self, started: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        conversation = "/amer/v3/conversations/{conversation_id}/activities"
        app.router.add_post(conversation, self._activity)
        app.router.add_post(conversation + "/{activity_id}", self._activity)
        app.router.add_put(conversation + "/{activity_id}", self._activity)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_get("/files/{file_id}", self._file_download)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> TeamsStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._changed:
            self.received.clear()
            self.rejected.clear()
            self.token_requests.clear()
            self.expect_token = False

    # addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """The `serviceUrl` of the activities Teams sends (like smba.trafficmanager.net/amer/)."""
        return f"{self.base_url}/amer/"

    @property
    def authority(self) -> str:
        """What …SETTINGS__AUTHORITY is set to (like login.microsoftonline.com/<tenant>)."""
        return f"{self.base_url}/{TENANT_ID}"

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    # tokens -------------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any], *, key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(
            claims, key or self._key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def channel_token(
        self,
        *,
        audience: str = APP_ID,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: float = 3600,
        key: Any = None,
    ) -> str:
        """What the Bot Framework puts in `Authorization: Bearer …` of requests to the bot."""
        now = int(time.time())
        return self.sign(
            {
                "iss": issuer,
                "aud": audience,
                "serviceurl": self.service_url,
                "nbf": now - 60,
                "iat": now - 60,
                "exp": int(now + expires_in),
            },
            key=key,
        )

    def _connector_token_valid(self, authorization: str) -> bool:
        token = authorization.removeprefix("Bearer ").strip()
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=CONNECTOR_AUDIENCE,
            )
        except jwt.PyJWTError:
            return False
        return claims.get("appid") == APP_ID

    # waiting ------------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[TeamsStandIn], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"the Teams stand-in did not see that within {timeout} s")
                self._changed.wait(min(remaining, 0.2))

    def quiet(self, seconds: float = 0.5) -> None:
        """Wait until nothing new arrived for `seconds`."""
        last = -1
        while True:
            with self._changed:
                count = len(self.received) + len(self.rejected)
            if count == last:
                return
            last = count
            time.sleep(seconds)

    def messages(self, conversation_id: str | None = None) -> list[Received]:
        """The message activities the bot sent (to one conversation, thread included)."""
        with self._changed:
            return [
                item
                for item in self.received
                if item.type == "message"
                and (conversation_id is None or item.conversation_id == conversation_id)
            ]

    def typing(self, conversation_id: str) -> list[Received]:
        with self._changed:
            return [
                item
                for item in self.received
                if item.type == "typing" and item.conversation_id == conversation_id
            ]

    def wait_messages(
        self, conversation_id: str, count: int = 1, timeout: float = 20.0
    ) -> list[Received]:
        return self.wait_for(
            lambda s: (found := s.messages(conversation_id)) and len(found) >= count and found,
            timeout,
        )

    # handlers -----------------------------------------------------------------------------

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        item = Received(
            method=request.method,
            path=request.path,
            conversation_id=request.match_info["conversation_id"],
            reply_to_id=request.match_info.get("activity_id") if request.method == "POST" else None,
            activity=body,
            authorization=request.headers.get("Authorization", ""),
            at=time.time(),
            id=request.match_info.get("activity_id", "")
            if request.method == "PUT"
            else f"1{700000000000 + next(self._ids)}",
        )
        if self.expect_token and not self._connector_token_valid(item.authorization):
            with self._changed:
                self.rejected.append(item)
                self._changed.notify_all()
            return web.json_response(
                {"error": {"code": "Unauthorized", "message": "Authorization has been denied"}},
                status=401,
            )
        if not body.get("type"):
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        if len(json.dumps(body).encode()) > 28 * 1024:
            return web.json_response(
                {"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}},
                status=413,
            )
        with self._changed:
            self.received.append(item)
            self._changed.notify_all()
        return web.json_response({"id": item.id}, status=201 if request.method == "POST" else 200)

    def add_file(self, name: str, data: bytes, *, status: int = 200) -> dict[str, Any]:
        """A file a person shared in a personal chat: the file download info attachment
        Teams puts in the message (its `downloadUrl` served here, answering `status`)."""
        file_id = f"file{next(self._file_ids):06d}"
        with self._changed:
            self.files[file_id] = (data, status)
        return {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "contentUrl": f"https://contoso.sharepoint.example/personal/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.base_url}/files/{file_id}",
                "uniqueId": file_id,
                "fileType": name.rsplit(".", 1)[-1],
            },
        }

    async def _file_download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        with self._changed:
            data, status = self.files.get(file_id, (b"", 404))
            self.downloads.append((file_id, status))
            self._changed.notify_all()
        if status != 200:
            return web.Response(status=status, text="refused")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        with self._changed:
            self.token_requests.append({k: str(v) for k, v in form.items()})
        if (
            request.match_info["tenant"] != TENANT_ID
            or form.get("grant_type") != "client_credentials"
            or form.get("client_id") != APP_ID
            or form.get("client_secret") != APP_PASSWORD
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("scope") != f"{CONNECTOR_AUDIENCE}/.default":
            return web.json_response({"error": "invalid_scope"}, status=400)
        now = int(time.time())
        token = self.sign(
            {
                "iss": f"https://sts.windows.net/{TENANT_ID}/",
                "aud": CONNECTOR_AUDIENCE,
                "appid": APP_ID,
                "tid": TENANT_ID,
                "nbf": now - 60,
                "iat": now - 60,
                "exp": now + 3600,
            }
        )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": token}
        )

    async def _openid(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": f"{self.base_url}/v1/authorize",
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return web.json_response({"keys": [jwk]})


def other_key() -> Any:
    """A key the stand-in does not publish (to sign forged tokens)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- what Teams sends ----------------------------------------------------------------------

_message_ids = itertools.count(1)


def new_message_id() -> str:
    return str(1_710_000_000_000 + next(_message_ids) * 7)


_channel_numbers = itertools.count(1)


def new_channel_id() -> str:
    return f"19:t{next(_channel_numbers):05d}-{uuid.uuid4().hex[:8]}@thread.tacv2"


def new_personal_chat_id() -> str:
    return f"a:1{uuid.uuid4().hex}"


@dataclass
class TeamsUser:
    aad_object_id: str = USER_AAD
    name: str = "Marie Tremblay"

    @property
    def account(self) -> dict[str, str]:
        return {
            "id": f"29:1{self.aad_object_id[:8]}",
            "name": self.name,
            "aadObjectId": self.aad_object_id,
        }


MARIE = TeamsUser()
PIERRE = TeamsUser(OTHER_AAD, "Pierre Gagnon")
ADMIN = TeamsUser(ADMIN_AAD, "Admin Alliances")


@dataclass
class TeamsSender:
    """Sends activities to the bot's /api/messages, as Teams (through the Bot Framework) does."""

    messages_url: str
    standin: TeamsStandIn
    token: str | None = None  # "Authorization: Bearer <token>" when set
    sent: list[Sent] = field(default_factory=list)

    def post(self, activity: Any, *, token: str | bool | None = True) -> Sent:
        """POST an activity (any JSON value; bytes are sent as they are); `token=True` uses
        `self.token`, a string that token, False none."""
        headers = {"Content-Type": "application/json"}
        bearer = self.token if token is True else (token or None)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        data = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        request = urllib.request.Request(
            self.messages_url, data=data, headers=headers, method="POST"
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        sent = Sent(activity, status, body, time.monotonic() - started)
        self.sent.append(sent)
        return sent

    # activities -----------------------------------------------------------------------------

    def _base(self, conversation: dict[str, Any], user: TeamsUser) -> dict[str, Any]:
        return {
            "channelId": "msteams",
            "serviceUrl": self.standin.service_url,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "from": user.account,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "conversation": conversation,
            "locale": "fr-CA",
        }

    def channel_message(
        self,
        channel_id: str,
        text: str,
        *,
        thread_id: str | None = None,
        mention: bool = True,
        user: TeamsUser = MARIE,
        value: dict[str, Any] | None = None,
        message_id: str | None = None,
        send: bool = True,
    ) -> tuple[dict[str, Any], Sent | None]:
        """A post in a channel (a new thread), or a reply in `thread_id`'s thread; with the
        bot's `<at>` mention when `mention`. Posted at once unless `send=False`."""
        message_id = message_id or new_message_id()
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": f"{channel_id};messageid={thread_id or message_id}",
        }
        activity = self._base(conversation, user) | {
            "type": "message",
            "id": message_id,
            "textFormat": "plain",
            "text": f"<at>{BOT_NAME}</at> {text}" if mention else text,
            "entities": [{"type": "clientInfo", "locale": "fr-CA", "platform": "Web"}],
            "channelData": {
                "teamsChannelId": channel_id,
                "teamsTeamId": TEAM_ID,
                "channel": {"id": channel_id},
                "team": {"id": TEAM_ID},
                "tenant": {"id": TENANT_ID},
            },
        }
        if mention:
            activity["entities"].append(
                {
                    "type": "mention",
                    "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                    "text": f"<at>{BOT_NAME}</at>",
                }
            )
        if thread_id:
            activity["replyToId"] = thread_id
        if value is not None:
            activity["value"] = value
            activity["text"] = ""
        return activity, self.post(activity) if send else None

    def personal_message(
        self,
        chat_id: str,
        text: str,
        *,
        user: TeamsUser = MARIE,
        value: dict[str, Any] | None = None,
        reply_to_id: str | None = None,
        send: bool = True,
        attachments: list[dict[str, Any]] | None = None,
    ) -> tuple[dict[str, Any], Sent | None]:
        conversation = {"conversationType": "personal", "tenantId": TENANT_ID, "id": chat_id}
        activity = self._base(conversation, user) | {
            "type": "message",
            "id": new_message_id(),
            "textFormat": "plain",
            "text": text,
            "entities": [{"type": "clientInfo", "locale": "fr-CA", "platform": "Web"}],
            "channelData": {"tenant": {"id": TENANT_ID}},
        }
        if value is not None:
            activity["value"] = value
            activity.pop("text")
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        if attachments:
            activity["attachments"] = attachments
        return activity, self.post(activity) if send else None

    def card_submit(
        self, received: Received, data: dict[str, Any], *, user: TeamsUser = MARIE
    ) -> tuple[dict[str, Any], Sent | None]:
        """A click on an Action.Submit of a card the bot sent (Teams sends a message whose
        `value` is the action's data plus the card's inputs, replying to the card)."""
        conversation_id = received.conversation_id
        base = conversation_id.split(";", 1)[0]
        if ";messageid=" in conversation_id:
            thread = conversation_id.split(";messageid=", 1)[1]
            activity, sent = self.channel_message(
                base, "", thread_id=thread, mention=False, user=user, value=data
            )
        else:
            activity, sent = self.personal_message(
                base, "", user=user, value=data, reply_to_id=received.id
            )
        return activity, sent

    def installed_in_team(
        self, channel_id: str, *, team_name: str = "Alliances Mauricie"
    ) -> tuple[dict[str, Any], Sent]:
        """The conversationUpdate Teams sends when the app is added to a team."""
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": channel_id,
        }
        activity = self._base(conversation, ADMIN) | {
            "type": "conversationUpdate",
            "id": f"f:{uuid.uuid4().hex}",
            "membersAdded": [{"id": BOT_ID}],
            "channelData": {
                "team": {"id": TEAM_ID, "name": team_name, "aadGroupId": str(uuid.uuid4())},
                "eventType": "teamMemberAdded",
                "tenant": {"id": TENANT_ID},
            },
        }
        return activity, self.post(activity)

    def removed_from_team(self, channel_id: str) -> tuple[dict[str, Any], Sent]:
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": channel_id,
        }
        activity = self._base(conversation, ADMIN) | {
            "type": "conversationUpdate",
            "id": f"f:{uuid.uuid4().hex}",
            "membersRemoved": [{"id": BOT_ID}],
            "channelData": {
                "team": {"id": TEAM_ID},
                "eventType": "teamMemberRemoved",
                "tenant": {"id": TENANT_ID},
            },
        }
        return activity, self.post(activity)

    def installation_update(
        self, chat_id: str, action: str = "add", *, user: TeamsUser = MARIE
    ) -> tuple[dict[str, Any], Sent]:
        conversation = {"conversationType": "personal", "tenantId": TENANT_ID, "id": chat_id}
        activity = self._base(conversation, user) | {
            "type": "installationUpdate",
            "id": f"f:{uuid.uuid4().hex}",
            "action": action,
            "channelData": {"tenant": {"id": TENANT_ID}, "source": {"name": "message"}},
        }
        return activity, self.post(activity)
