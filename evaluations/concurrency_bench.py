"""`alliances bench --concurrency`: does a slow LLM hold the other answers back?

The real pieces over the shipped knowledge base: the Assistant with an LLM answerer whose
LangChain chat model is a fake that sleeps `llm_seconds` (10 s) before it replies, the
ChatService with its answer pool, the project commands, and the Slack door (slack-bolt) with
an in-process Web API on 127.0.0.1 that answers every call at once.

One wave sends 20 requests at the same moment:
- `slow`: questions the model writes (askers within their LLM quota);
- `extractive`, `mandataire`: questions of askers past their quota (the same assistant
  answers them without the model), general ones and who-manages-the-Alliance ones;
- `thin`: questions the LLM answerer answers without the model (thin evidence: it abstains);
- `project`: `projet liste`, `projet voir`, and one `projet maj` (a write that indexes);
- `slack`: @mentions through the Bolt app: the time to acknowledge the event (Slack wants it
  within 3 s) and the time until the answer is posted.

Three waves: the fast requests alone, everything with the pool
(ALLIANCES_ANSWER_WORKERS workers), and everything with one worker (how the server ran
before: one thread for every blocking call). What matters: the fast requests' p50/p99
latency while the slow ones run, against the same requests alone, and how many of them were
done before the first slow answer was (`fast_before_slow`: all of them, when nothing waits
behind the model). Percentiles are nearest-rank: with 16 fast requests, p99 is the slowest.
A request that raises is counted as failed (with the error), not allowed to stop the wave.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage

SLOW_QUESTIONS = (
    "Quel est le montant du FQIS pour les cinq années du PSIS ?",
    "Quelle place les Alliances occupent-elles dans le PAGIEPS 2017-2023 ?",
    "Qu'est-ce que le Fonds québécois d'initiatives sociales ?",
    "Comment les Alliances pour la solidarité sont-elles gérées dans les régions ?",
)
EXTRACTIVE_QUESTIONS = (
    "Qu'est-ce que le PAGIEPS ?",
    "Quels sont les objectifs des Alliances pour la solidarité ?",
    "Quel ministère est responsable du FQIS ?",
    "Qu'est-ce que le PSIS 2010-2015 ?",
)
MANDATAIRE_QUESTIONS = (
    "Qui est le mandataire de l'Alliance en Mauricie ?",
    "Qui est le mandataire de l'Alliance en Estrie ?",
    "Qui est le mandataire de l'Alliance en Outaouais ?",
)
THIN_QUESTIONS = (
    "Qui est le mandataire de l'Alliance en Ontario ?",
    "Quel était le budget des Alliances en 1987 ?",
)
PROJECT_COMMANDS = (
    "projet liste",
    "projet voir #1",
    "projet maj #1 12 jeunes inscrits pour la saison",
)
SLACK_QUESTIONS = (
    "Qui est le mandataire de l'Alliance en Laurentides ?",
    "Qui est le mandataire de l'Alliance en Montérégie ?",
    "Qu'est-ce que le FQIS ?",
    "Qu'est-ce que le PAGIEPS ?",
)
EDITOR = "U0BENCHED"
BOT_USER = "U0BENCHBOT"
FAST_KINDS = ("extractive", "mandataire", "thin", "project", "slack")


class SleepingChatModel(GenericFakeChatModel):
    """A fake chat model that takes `seconds` before it replies (a slow LLM server)."""

    seconds: float = 10.0

    def _stream(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Iterator[Any]:
        time.sleep(self.seconds)
        yield from super()._stream(messages, *args, **kwargs)


class InstantSlackApi:
    """The Slack Web API on 127.0.0.1: every call succeeds at once, remembering when it was
    made. A server rather than a client subclass: Bolt builds its own client per request
    from the base URL, so only an address reaches every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{method}", self._call)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _call(self, request: web.Request) -> web.Response:
        payload: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            payload.update(await request.json())
        else:
            payload.update(await request.post())
        method = request.match_info["method"]
        self.calls.append((time.perf_counter(), method, payload))
        return web.json_response({
            "ok": True, "ts": f"{next(self._numbers)}.000100",
            "channel": payload.get("channel", "C0"), "user_id": BOT_USER, "user": BOT_USER,
            "bot_id": "B0BENCH", "team_id": "T0BENCH", "messages": [], "users": [],
        })

    def finished(self, channel: str) -> tuple[float, str] | None:
        """When the first message to `channel` was finished (stream stopped, or posted), and
        its text."""
        return next(
            (
                (when, str(payload.get("text", "")))
                for when, method, payload in self.calls
                if payload.get("channel") == channel and method in _FINISHING
            ),
            None,
        )


_FINISHING = {"chat.stopStream", "chat.postMessage", "chat.update"}


@dataclass
class Sample:
    kind: str
    text: str
    latency_ms: float
    ack_ms: float | None = None
    ok: bool = True
    ended: float = 0.0  # perf_counter when it was done
    error: str | None = None


@dataclass
class Wave:
    name: str
    workers: int
    samples: list[Sample] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def run_concurrency_bench(
    model: str, workdir: Path, *, workers: int | None = None, llm_seconds: float = 10.0,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The three waves over the shipped knowledge base, ingested into `workdir`."""
    from bot.assistant import Assistant
    from bot.concurrency import answer_workers_from_environment
    from retrieval.index import KnowledgeIndex

    workers = workers or answer_workers_from_environment()
    home = workdir / "concurrency-home"
    log("base de connaissances livrée…")
    index = KnowledgeIndex(home, encoder_spec=model, chroma_url="")
    Assistant(index).ensure_ready()
    logging.getLogger("retrieval.llm_answerer").setLevel(logging.ERROR)  # one line per answer
    waves = []
    for name, wave_workers, with_slow in (
        ("fast_alone", workers, False),
        ("with_slow", workers, True),
        ("with_slow_one_worker", 1, True),
    ):
        log(f"vague {name} ({wave_workers} travailleur(s))…")
        wave = asyncio.run(
            _wave(name, index, home / f"state-{name}", wave_workers, with_slow, llm_seconds)
        )
        waves.append(wave)
    return {
        "model": model, "workers": workers, "llm_seconds": llm_seconds,
        "requests": len(waves[1].samples),
        "waves": [_summary(wave) for wave in waves],
    }


async def _wave(
    name: str, index: Any, folder: Path, workers: int, with_slow: bool, llm_seconds: float
) -> Wave:
    from bot.assistant import Assistant
    from bot.chat import ChatService
    from bot.projects import install_project_commands
    from bot.rate_limit import RateLimiter
    from bot.settings import SlackSettings
    from bot.slack.app import build_bolt_app
    from bot.state import State
    from retrieval.llm_answerer import LLMAnswerer
    from retrieval.llm_prompt import NOT_FOUND

    folder.mkdir(parents=True, exist_ok=True)
    slow_model = SleepingChatModel(
        messages=itertools.repeat(AIMessage(NOT_FOUND)), seconds=llm_seconds
    )
    plain = Assistant(index)
    llm = LLMAnswerer(model=slow_model, extractive=plain.answerer, model_label="sleeping-fake")
    limiter = RateLimiter(max_calls=1, window_s=3600)
    assistant = Assistant(index, llm, rate_limiter=limiter)
    # ChatService sizes its model slots from `workers` (one worker stays free).
    state = State(folder / "state.db")
    chat = ChatService(state, lambda: assistant, warm_up_question=None, answer_workers=workers)
    settings = SimpleNamespace(home=folder, editors=(EDITOR,), editor_groups=())
    install_project_commands(chat, settings)
    client = InstantSlackApi()
    await client.start()
    bolt = build_bolt_app(
        SlackSettings(bot_token="xoxb-bench", api_url=client.url), chat, state, socket_mode=True
    )
    assert await chat.wait_ready(900)
    created = await chat.handle(
        _request('projet nouveau "Les maraîchers du cœur" région:Mauricie', EDITOR, "C0SETUP")
    )
    assert "maraîchers" in created.fallback_text(), created.fallback_text()
    over_quota = [f"slack:U0FAST{n:03d}" for n in range(40)]
    for user in over_quota:
        limiter.allow(user)  # spends the quota of one: these askers get extractive answers

    jobs: list[tuple[str, str, Any]] = []
    if with_slow:
        jobs += [("slow", q, _ask(chat, q, f"U0SLOW{n:03d}")) for n, q in enumerate(SLOW_QUESTIONS)]
    fast_users = iter(user.split(":")[1] for user in over_quota)
    jobs += [("extractive", q, _ask(chat, q, next(fast_users))) for q in EXTRACTIVE_QUESTIONS]
    jobs += [("mandataire", q, _ask(chat, q, next(fast_users))) for q in MANDATAIRE_QUESTIONS]
    jobs += [("thin", q, _ask(chat, q, next(fast_users))) for q in THIN_QUESTIONS]
    jobs += [("project", c, _ask(chat, c, EDITOR, private=True)) for c in PROJECT_COMMANDS]
    jobs += [
        ("slack", q, _mention(bolt, client, chat, q, next(fast_users), n,
                              wait_s=12 * llm_seconds + 60))
        for n, q in enumerate(SLACK_QUESTIONS)
    ]
    started = time.perf_counter()
    results = await asyncio.gather(*(job for _, _, job in jobs))
    wave = Wave(name, workers, seconds=time.perf_counter() - started)
    for (kind, text, _), sample in zip(jobs, results, strict=True):
        wave.samples.append(Sample(kind, text, **sample))
    wave.outcomes = llm.stats.snapshot()
    await chat.drain()
    await client.stop()
    state.close()
    return wave


def _request(text: str, user: str, channel: str, *, private: bool = False) -> Any:
    from bot.chat import PLATFORM_SLACK, ChatRequest, Conversation

    return ChatRequest(
        text=text, user_id=user, conversation=Conversation(PLATFORM_SLACK, channel),
        private=private, request_id=f"bench:{channel}:{text}",
    )


async def _ask(chat: Any, text: str, user: str, *, private: bool = False) -> dict[str, Any]:
    from bot.chat import NoticeReply

    started = time.perf_counter()
    try:
        reply = await chat.handle(_request(text, user, f"C0{user}", private=private))
    except Exception as error:  # an adapter would show INTERNAL_ERROR_TEXT
        ended = time.perf_counter()
        return {"latency_ms": (ended - started) * 1000, "ok": False, "ended": ended,
                "error": f"{type(error).__name__}: {error}"[:200]}
    ended = time.perf_counter()
    failed = isinstance(reply, NoticeReply) and reply.kind == "error"
    return {"latency_ms": (ended - started) * 1000, "ok": not failed, "ended": ended,
            "error": reply.fallback_text()[:200] if failed else None}


async def _mention(
    bolt: Any, client: InstantSlackApi, chat: Any, text: str, user: str, number: int,
    wait_s: float = 120.0,
) -> dict[str, Any]:
    """An app_mention through slack-bolt: the acknowledgement, then the posted answer."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    from bot.chat import INTERNAL_ERROR_TEXT

    channel = f"C0MENTION{number}"
    body = {
        "type": "event_callback", "team_id": "T0BENCH", "event_id": f"Ev0BENCH{number}{user}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}",
            "channel": channel, "ts": f"{1700000000 + number}.000100", "channel_type": "channel",
            "team": "T0BENCH",
        },
    }
    started = time.perf_counter()
    response = await bolt.async_dispatch(
        AsyncBoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]})
    )
    ack_ms = (time.perf_counter() - started) * 1000
    # The answer is a background job: it is done when its message is finished. The wait is
    # bounded so that an answer never posted is a failure, not a hung wave.
    deadline = started + wait_s
    while (posted := client.finished(channel)) is None and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    ended, posted_text = posted or (time.perf_counter(), "")
    error = None
    if response.status != 200:
        error = f"HTTP {response.status}"
    elif posted is None:
        error = f"aucune réponse publiée en {wait_s:.0f} s"
    elif posted_text.startswith(INTERNAL_ERROR_TEXT[:40]):
        error = "erreur interne publiée (voir le journal)"
    return {"latency_ms": (ended - started) * 1000, "ack_ms": ack_ms, "ok": error is None,
            "ended": ended, "error": error}


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:  # nearest-rank: a latency some request really had
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {"p50": rank(0.50), "p99": rank(0.99), "max": ordered[-1], "n": len(ordered)}


def _summary(wave: Wave) -> dict[str, Any]:
    fast = [s.latency_ms for s in wave.samples if s.kind in FAST_KINDS]
    slow = [s.latency_ms for s in wave.samples if s.kind == "slow"]
    acks = [s.ack_ms for s in wave.samples if s.ack_ms is not None]
    first_slow_done = min((s.ended for s in wave.samples if s.kind == "slow"), default=None)
    fast_before_slow = (
        None if first_slow_done is None
        else sum(s.ended < first_slow_done for s in wave.samples if s.kind in FAST_KINDS)
    )
    by_kind = {
        kind: _percentiles([s.latency_ms for s in wave.samples if s.kind == kind])
        for kind in ("slow", *FAST_KINDS)
        if any(s.kind == kind for s in wave.samples)
    }
    return {
        "name": wave.name, "workers": wave.workers, "seconds": wave.seconds,
        "fast_ms": _percentiles(fast), "slow_ms": _percentiles(slow),
        "fast_before_slow": fast_before_slow, "fast_count": len(fast),
        "slack_ack_ms": _percentiles(acks), "by_kind_ms": by_kind,
        "failed": [f"{s.kind}: {s.text} ({s.error})" for s in wave.samples if not s.ok],
        "llm_outcomes": {k: v for k, v in wave.outcomes.items() if not k.endswith("_tokens")},
    }


_WAVE_TITLES = {
    "fast_alone": "rapides seules",
    "with_slow": "avec les lentes",
    "with_slow_one_worker": "avec les lentes, 1 travailleur (avant)",
}


def format_concurrency(report: dict[str, Any]) -> str:
    def ms(stats: dict[str, float], key: str) -> str:
        return f"{stats[key]:.0f} ms" if stats.get("n") else "—"

    lines = [
        f"Concurrence : {report['requests']} requêtes à la fois, dont "
        f"{len(SLOW_QUESTIONS)} écrites par un LLM factice de {report['llm_seconds']:.0f} s ; "
        f"{report['workers']} travailleurs",
        "",
        "| vague | travailleurs | rapides p50 | p99 | rapides finies avant la 1re lente "
        "| lentes p50 | p99 | accusé Slack p50 | p99 | issues LLM | échecs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for wave in report["waves"]:
        fast, slow, ack = wave["fast_ms"], wave["slow_ms"], wave["slack_ack_ms"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(wave["llm_outcomes"].items()))
        before = wave.get("fast_before_slow")
        before_text = "—" if before is None else f"{before}/{wave['fast_count']}"
        lines.append(
            f"| {_WAVE_TITLES.get(wave['name'], wave['name'])} | {wave['workers']} | "
            f"{ms(fast, 'p50')} | {ms(fast, 'p99')} | {before_text} | "
            f"{ms(slow, 'p50')} | {ms(slow, 'p99')} | "
            f"{ms(ack, 'p50')} | {ms(ack, 'p99')} | {outcomes or '—'} | "
            f"{len(wave['failed'])} |"
        )
    with_slow = next(w for w in report["waves"] if w["name"] == "with_slow")
    lines += ["", "Par type (avec les lentes) :"]
    for kind, stats in with_slow["by_kind_ms"].items():
        lines.append(f"- {kind} : p50 {ms(stats, 'p50')}, p99 {ms(stats, 'p99')} ({stats['n']})")
    failed = [(w["name"], f) for w in report["waves"] for f in w["failed"]]
    if failed:
        lines += ["", "Échecs :"]
        lines += [f"- {_WAVE_TITLES.get(name, name)} — {text}" for name, text in failed[:20]]
    return "\n".join(lines)
