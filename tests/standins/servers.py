"""Servers and a fake assistant for the chat-door tests.

- `InProcessServer`: `bot.server.create_app` served on 127.0.0.1:<ephemeral port> from a thread
  with its own event loop (real HTTP, real slack-bolt), with an injected assistant;
- `SubprocessServer`: `python -m bot.cli serve` as users run it;
- `FakeAssistant`: a tiny stand-in for `bot.assistant.Assistant`, for the tests that need an
  answer to be slow, to fail or to be long (the journeys use the real Assistant).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.chat import WARM_UP_QUESTION
from knowledge.regions import find_regions_in_text
from retrieval.answers import Answer, Citation
from retrieval.followups import Turn, contextualize

from .slack_api import SIGNING_SECRET, TOKEN, SlackSender, SlackStandIn

ADMIN = "U0ADMIN01"
USER = "U0MARIE01"
OTHER_USER = "U0PIERRE1"
REPO = Path(__file__).resolve().parents[2]

_channel_numbers = itertools.count(1)


def new_channel(prefix: str = "C") -> str:
    """A channel id of its own for each test (the servers are shared between tests)."""
    return f"{prefix}0T{next(_channel_numbers):06d}"


# --- a fake assistant (unit tests only) ---------------------------------------------------

MANDATAIRES = {
    "Mauricie": "Consortium en développement social de la Mauricie",
    "Estrie": "La Table des MRC de l’Estrie",
}
MANIFEST_URL = "https://www.quebec.ca/alliances-pour-la-solidarite"


class QuestionError(ValueError):
    """Mirrors bot.assistant.QuestionError (the core recognises it by name)."""


@dataclass
class FakeAssistant:
    """Answers mandataire questions for two regions; follows up like the real core. The
    server's warm-up question is answered at once and not recorded in `calls`.

    With a `gate`, every question waits until the gate is set: what the door does before the
    answer is done (its HTTP acknowledgement) is seen happening first. `started` counts the
    questions that reached the assistant."""

    delay_s: float = 0.0
    gate: threading.Event | None = None
    started: int = 0
    ready_delay_s: float = 0.0
    fail_with: BaseException | None = None
    answer_text: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def ensure_ready(self) -> None:
        time.sleep(self.ready_delay_s)

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        plan: str | None = None,
        history: Sequence[Turn] = (),
        user: str | None = None,
        on_progress: Any = None,
    ) -> Answer:
        if question == WARM_UP_QUESTION:
            return Answer(question, "(mise en route)", False, [])
        self.calls.append(
            {"question": question, "region": region, "plan": plan, "history": list(history)}
        )
        self.started += 1
        if self.gate is not None and not self.gate.wait(120):
            raise TimeoutError("the test never opened the gate")
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_with is not None:
            raise self.fail_with
        if not question.strip():
            raise QuestionError("La question est vide.")
        if plan and plan.upper() not in ("PSIS", "PAGIEPS"):
            from retrieval.filters import UnknownPlanError

            raise UnknownPlanError(plan, ["PAGIEPS"])
        standalone = contextualize(question, history)
        regions = [region] if region else find_regions_in_text(standalone)
        filters = {"region": region} if region else {}
        if plan:
            filters["plan"] = plan
        if self.answer_text is not None:
            return Answer(question, self.answer_text, False, [], filters=filters)
        name = regions[0] if regions else None
        if name not in MANDATAIRES:
            return Answer(
                question,
                "Je n'ai pas trouvé de réponse à cette question dans les documents.",
                True,
                [],
                filters=filters,
            )
        citation = Citation(
            title="Alliances pour la solidarité : mandataires et projets par région",
            source="mtess-alliances-mandataires-regions-2019-2023.txt",
            section=name,
            score=0.9,
            url=MANIFEST_URL,
        )
        return Answer(
            question,
            f"Le mandataire de l'Alliance pour la solidarité en {name} est : "
            f"{MANDATAIRES[name]} [1].",
            False,
            [citation],
            confidence=0.9,
            filters=filters,
        )


# --- servers ------------------------------------------------------------------------------


def server_environment(
    standin: SlackStandIn,
    home: Path,
    *,
    admins: str = ADMIN,
    streaming: bool = True,
    socket_mode: bool = False,
) -> dict[str, str]:
    environ = {
        "ALLIANCES_HOME": str(home),
        "ALLIANCES_CHROMA_URL": "",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "ALLIANCES_ADMINS": admins,
    }
    if socket_mode:
        environ["SLACK_APP_TOKEN"] = standin.app_token
    if not streaming:
        config = home / "config.toml"
        home.mkdir(parents=True, exist_ok=True)
        config.write_text("[slack]\nstreaming = false\n", encoding="utf-8")
    return environ


class InProcessServer:
    """`create_app` served on 127.0.0.1:<ephemeral> from a thread with its own event loop."""

    def __init__(self, web_app: web.Application):
        self.web_app = web_app
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(web_app, access_log=None)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> InProcessServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    async def _start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"


def get_json(url: str, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_until_ready(url: str, timeout: float = 120.0, process: Any = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            status, body = get_json(f"{url}/healthz", timeout=2)
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} was not ready within {timeout} s")


def wait_until_listening(url: str, timeout: float = 60.0, process: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            get_json(f"{url}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class RunningSlackApp:
    """A server under test and what talks to it."""

    server: Any
    standin: SlackStandIn
    sender: SlackSender
    home: Path

    @property
    def url(self) -> str:
        return self.server.url


class SubprocessServer:
    """`python -m bot.cli serve` as users run it, logging to a file."""

    def __init__(self, environ: dict[str, str], log_path: Path):
        self.environ = environ
        self.log_path = log_path
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0, *, wait_ready: bool = True) -> SubprocessServer:
        """Start the process; wait until /healthz says ready (or, with `wait_ready=False`,
        until it answers at all)."""
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **self.environ},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            if wait_ready:
                wait_until_ready(self.url, timeout, self.process)
            else:
                wait_until_listening(self.url, timeout, self.process)
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}; log:\n{self.log()}") from error
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self, timeout: float = 180.0) -> SubprocessServer:
        """Stop the process and start a new one on the same port and data folder."""
        self.stop()
        return self.start(timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- reading what the bot wrote -----------------------------------------------------------

SEARCHING = "Je cherche dans les documents…"


def finished_answers(
    standin: SlackStandIn, channel: str, thread_ts: str | None = None
) -> list[dict[str, Any]]:
    """The bot's finished messages in a channel/thread: no stream in progress, no placeholder."""
    return [
        message
        for message in standin.bot_messages(channel, thread_ts)
        if not message.get("streaming") and message.get("text") != SEARCHING
    ]


def wait_answers(
    standin: SlackStandIn,
    channel: str,
    thread_ts: str | None = None,
    *,
    count: int = 1,
    timeout: float = 20.0,
) -> list[dict[str, Any]]:
    return standin.wait_for(
        lambda s: (
            (found := finished_answers(s, channel, thread_ts)) and len(found) >= count and found
        ),
        timeout,
    )


def message_text(message: dict[str, Any]) -> str:
    """Everything a person reads in a message: text and the text of its blocks."""
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict):
                text = element.get("text")
                parts.append(text.get("text", "") if isinstance(text, dict) else text or "")
    return "\n".join(parts)
