"""The platform-neutral chat core: requests in, replies out; it knows nothing of Slack or Teams.

An adapter (bot/slack/, the Teams door later) turns what arrived into a `ChatRequest` (text
with mentions removed, user, conversation, thread history when the platform can give it),
calls `ChatService.handle` and renders the `ChatReply` it gets back (Block Kit, Adaptive Card).

`ChatCore.handle` decides what the text is:
- a command: `aide` / `help`, `config …` (channel settings), and whatever later issues register
  with `ChatCore.register` (`projet …`, `digest …`);
- a word that looks like a mistyped command (`confg`): an "unknown command" notice;
- otherwise a question, answered by the assistant core (`bot.assistant.Assistant.ask`) with the
  channel's default region, inline filters (`région:Estrie`, `plan:PAGIEPS`) and the
  conversation's earlier turns as context.

`ChatService` wraps a core for asyncio servers: questions are answered in a pool of worker
threads (`ALLIANCES_ANSWER_WORKERS`, bot.concurrency), in order within one conversation;
commands and other blocking calls (`run_blocking`: project writes, digests) run one at a time
in their own thread, never behind an answer; the assistant is built and made ready in a
start-up thread; readiness is reported for /healthz, and background jobs are tracked so the
server can finish them before it stops.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from rapidfuzz import fuzz

from bot.bilingual import say
from bot.concurrency import ModelSlots, answer_workers_from_environment, model_slots_for
from bot.state import State
from knowledge.folding import fold_key
from knowledge.regions import (
    UnknownRegionError,
    find_regions_in_text,
    mentions_other_province,
    resolve_region,
)
from retrieval.answers import Answer, Citation
from retrieval.filters import UnknownPlanError
from retrieval.followups import Turn

log = logging.getLogger(__name__)

PLATFORM_SLACK = "slack"
PLATFORM_TEAMS = "teams"

SEARCHING_TEXT = "Je cherche dans les documents…"
INTERNAL_ERROR_TEXT = (
    "Désolé, une erreur interne m'a empêché de répondre (le détail est dans le journal du "
    "serveur). Réessayez dans un instant."
)
NOT_READY_TEXT = (
    "La base de connaissances n'a pas pu être chargée ; un administrateur doit consulter le "
    "journal du serveur (`alliances serve`)."
)
WARM_UP_QUESTION = "Qui est le mandataire de l'Alliance en Mauricie ?"
HISTORY_LIMIT = 8  # earlier turns given to the assistant
DIRECT_HISTORY_MAX_AGE_S = 30 * 60.0  # top level of a direct chat: recent turns only
_CLEAR_WORDS = {"aucune", "aucun", "none", "effacer", "supprimer", "retirer", "-"}


# --- what arrives -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatTurn:
    """An earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class Conversation:
    """Where a message was written. `thread_id` is the thread the reply goes to (None: the top
    level of the channel or chat); `is_direct` for one-to-one chats with the bot."""

    platform: str
    channel_id: str
    thread_id: str | None = None
    is_direct: bool = False
    team_id: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """What a user asked, platform-neutral.

    `history`: the conversation's earlier turns as the platform gives them (oldest first); None
    when the platform cannot give them, then the core uses the turns it remembered itself.
    `private`: the reply is shown to the asker only (slash command) and is not remembered as
    a turn of the conversation.
    `request_id`: what identifies this request on its platform (Slack trigger id, Teams
    activity id), prefixed with the platform; a command that writes uses it as its
    idempotency key, so a redelivered request never writes twice.
    `user_name`: the user's display name when the platform gives it (shown as the author
    of project updates).
    `on_progress`: called from the worker thread with `retrieval.answer_events.AnswerProgress`
    events while an LLM writes the answer (an adapter shows them as a status; never text).
    """

    text: str
    user_id: str
    conversation: Conversation
    history: tuple[ChatTurn, ...] | None = None
    private: bool = False
    surface: str = "message"  # how it arrived: "mention", "message", "command", "assistant"
    request_id: str | None = None
    user_name: str | None = None
    on_progress: Callable[[Any], None] | None = field(default=None, compare=False, repr=False)


# --- what goes back -----------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerReply:
    """An answer from the knowledge base. `answer_id` identifies it for feedback and sharing;
    `channel_region` is set when the region filter came from the channel's settings."""

    answer: Answer
    answer_id: str
    channel_region: str | None = None
    private: bool = False

    def fallback_text(self) -> str:
        return self.answer.text


@dataclass(frozen=True)
class NoticeReply:
    """A short message: help, a confirmation, a refusal, an error. `private` replies are shown
    to the asker only where the platform can (Slack ephemeral messages)."""

    text: str
    kind: Literal["info", "help", "error", "refusal"] = "info"
    private: bool = False

    def fallback_text(self) -> str:
        return self.text


def starting_notice(language: str, nothing_french: str, nothing_english: str) -> NoticeReply:
    """The knowledge base is not ready yet (the server is starting): a private error notice
    for a command that needs it, saying what was not done (« rien n'a été enregistré »,
    "nothing was saved")."""
    return NoticeReply(
        say(
            language,
            "La base de connaissances n'est pas encore prête (démarrage du serveur) : "
            f"{nothing_french}. Réessayez dans une minute.",
            "The knowledge base is not ready yet (the server is starting): "
            f"{nothing_english}. Try again in a minute.",
        ),
        kind="error",
        private=True,
    )


# Later issues add reply types (project cards, forms, digests). Adapters render the types they
# know and fall back to `fallback_text()` for the others.
ChatReply = AnswerReply | NoticeReply


class AnswerEngine(Protocol):
    """What the core needs from `bot.assistant.Assistant`."""

    def ensure_ready(self) -> Any: ...

    def ask(
        self,
        question: str,
        *,
        region: str | None = None,
        plan: str | None = None,
        history: Sequence[Turn] = (),
        user: str | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Answer: ...


@dataclass(frozen=True)
class Command:
    """A chat command. `names` are matched (accent- and case-insensitively) against the first
    word; `standalone` commands match only when the name is the whole message, so that a
    question starting with the same word ("aide financière…") stays a question. `accepts`,
    when set, decides from the rest of the message whether it is this command at all
    ("projet maj …" is, "Projets financés en Mauricie ?" is a question)."""

    names: tuple[str, ...]
    handler: Callable[[ChatRequest, str], ChatReply]
    help_lines: tuple[str, ...] = ()
    standalone: bool = False
    needs_assistant: bool = False
    accepts: Callable[[str], bool] | None = None


def command_prefix(request: ChatRequest) -> str:
    """What commands are typed after on the request's platform, as help texts quote them:
    `/alliances ` (the slash command) in Slack, nothing in Teams."""
    return "/alliances " if request.conversation.platform == PLATFORM_SLACK else ""


# --- the core -----------------------------------------------------------------------------


class ChatCore:
    """Dispatches requests. Blocking (the assistant is) and thread-safe: the state and the
    assistant are; commands are registered before the first request."""

    def __init__(
        self,
        state: State,
        *,
        admins: Iterable[str] = (),
        assistant: AnswerEngine | None = None,
    ):
        self.state = state
        self.admins = frozenset(admins)
        self.assistant = assistant
        self._commands: list[Command] = []
        self.register(
            Command(
                ("aide", "help", "?", "aide ?"),
                self._help,
                standalone=True,
            )
        )
        self.register(
            Command(
                ("config", "réglages"),
                self._config,
                help_lines=(
                    "`config` : voir les réglages de ce canal",
                    "`config région <région>` : région par défaut des questions du canal "
                    "(administrateurs)",
                    "`config région aucune` : retirer la région par défaut (administrateurs)",
                ),
            )
        )

    # public API ---------------------------------------------------------------------------

    def register(self, command: Command) -> None:
        """Add a command (later issues: `projet`, `digest`). Names must not clash."""
        taken = {fold_key(name) for known in self._commands for name in known.names}
        clashes = taken & {fold_key(name) for name in command.names}
        if clashes:
            raise ValueError(f"command names already registered: {sorted(clashes)}")
        self._commands.append(command)

    def is_question(self, request: ChatRequest) -> bool:
        """Whether the request is a question for the assistant (not a command, not help)."""
        text = request.text.strip()
        if not text or self._match_command(text)[0] is not None:
            return False
        return self._unknown_command(text) is None

    def needs_assistant(self, request: ChatRequest) -> bool:
        """Whether handling this request needs the knowledge base to be ready."""
        command, _ = self._match_command(request.text)
        if command is None:
            return self._unknown_command(request.text) is None
        return command.needs_assistant

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def handle(self, request: ChatRequest) -> ChatReply:
        """Decide what the request is and produce the reply. Unexpected errors propagate (the
        adapter logs them and shows INTERNAL_ERROR_TEXT); expected ones become notices."""
        text = request.text.strip()
        if not text:
            return self._help(request, "")
        command, arguments = self._match_command(text)
        if command is not None:
            return command.handler(request, arguments)
        unknown = self._unknown_command(text)
        if unknown is not None:
            return NoticeReply(unknown, kind="error", private=True)
        return self._answer(request)

    # dispatch -----------------------------------------------------------------------------

    def _match_command(self, text: str) -> tuple[Command | None, str]:
        stripped = text.strip()
        whole = fold_key(stripped) or stripped
        first, _, rest = stripped.partition(" ")
        first_key = fold_key(first) or first
        for command in self._commands:
            keys = {fold_key(name) or name for name in command.names}
            if command.standalone:
                if whole in keys or stripped in command.names:
                    return command, ""
            elif first_key in keys and (command.accepts is None or command.accepts(rest.strip())):
                return command, rest.strip()
        return None, text

    def _unknown_command(self, text: str) -> str | None:
        """A French notice when a one-word message looks like a mistyped command."""
        words = text.split()
        if len(words) != 1 or text.rstrip().endswith("?"):
            return None
        key = fold_key(words[0])
        if len(key) < 3:
            return None
        names = [name for command in self._commands for name in command.names if len(name) > 2]
        best = max(names, key=lambda name: fuzz.ratio(key, fold_key(name)), default=None)
        if best is None or fuzz.ratio(key, fold_key(best)) < 75:
            return None
        return (
            f"Commande inconnue : « {words[0]} ». Vouliez-vous dire « {best} » ? "
            f"Commandes : {self._command_list()}. Pour poser une question, écrivez-la en "
            "toutes lettres, par exemple « Qui est le mandataire en Mauricie ? »."
        )

    def _command_list(self) -> str:
        return ", ".join(command.names[0] for command in self._commands)

    # help ---------------------------------------------------------------------------------

    def _help(self, request: ChatRequest, _arguments: str) -> ChatReply:
        slack = request.conversation.platform == PLATFORM_SLACK
        lines = [
            "*Alliances pour la solidarité — l'assistant documentaire*",
            "Posez une question en français (ou en anglais) ; je réponds à partir des documents "
            "des Alliances et je cite mes sources.",
            "• Dans un canal : mentionnez-moi, je réponds dans le fil ; continuez ensuite dans "
            "le fil sans me mentionner (« et en Estrie ? »).",
            "• En message direct" + (" ou dans le panneau de l'assistant." if slack else "."),
        ]
        if slack:
            lines.append(
                "• `/alliances <question>` : réponse visible par vous seul, avec un bouton "
                "pour la partager dans le canal."
            )
        lines.append(
            "• Filtres dans la question : `région:Estrie`, `plan:PAGIEPS` (ou `plan:PSIS`)."
        )
        prefix = command_prefix(request)
        for command in self._commands:
            for line in command.help_lines:
                lines.append("• " + line.replace("`", "`" + prefix, 1))
        lines.append("• 👍 / 👎 sous chaque réponse : votre avis aide à améliorer les réponses.")
        return NoticeReply("\n".join(lines), kind="help", private=request.private)

    # channel settings ---------------------------------------------------------------------

    def _config(self, request: ChatRequest, arguments: str) -> ChatReply:
        conversation = request.conversation
        settings = self.state.channel_settings(conversation.platform, conversation.channel_id)
        if not arguments:
            region = settings.region or "aucune (toutes les régions)"
            return NoticeReply(
                f"Réglages de ce canal — région par défaut : {region}.", private=True
            )
        key, _, value = arguments.partition(" ")
        if fold_key(key) not in ("region", "regions"):
            return NoticeReply(
                f"Réglage inconnu : « {key} ». Réglage possible : `config région <région>` "
                "ou `config région aucune`.",
                kind="error",
                private=True,
            )
        refusal = self._admin_refusal(request.user_id)
        if refusal is not None:
            return refusal
        value = value.strip().strip("«»\"' ").strip()
        if not value:
            return NoticeReply(
                "Précisez la région : `config région Mauricie` (ou `config région aucune`).",
                kind="error",
                private=True,
            )
        if fold_key(value) in _CLEAR_WORDS or value in _CLEAR_WORDS:
            self.state.set_channel_region(
                conversation.platform, conversation.channel_id, None, updated_by=request.user_id
            )
            return NoticeReply(
                "C'est noté : ce canal n'a plus de région par défaut.", private=request.private
            )
        try:
            region = resolve_region(value)
        except UnknownRegionError as error:
            return NoticeReply(str(error), kind="error", private=True)
        self.state.set_channel_region(
            conversation.platform, conversation.channel_id, region, updated_by=request.user_id
        )
        return NoticeReply(
            f"C'est noté : dans ce canal, les questions porteront par défaut sur la région "
            f"{region} (sauf si la question nomme une autre région).",
            private=request.private,
        )

    def _admin_refusal(self, user_id: str) -> NoticeReply | None:
        if self.is_admin(user_id):
            return None
        if not self.admins:
            return NoticeReply(
                "Aucun administrateur n'est configuré : personne ne peut modifier les réglages. "
                "Pour en désigner, ajoutez leur identifiant d'utilisateur (dans Slack : profil, "
                "⋮, « Copier l'ID du membre », ex. U012AB3CD) à la variable ALLIANCES_ADMINS "
                "(séparés par des virgules) ou à la clé `admins` du fichier de configuration, "
                f"puis redémarrez `alliances serve`. Votre identifiant : {user_id}.",
                kind="refusal",
                private=True,
            )
        return NoticeReply(
            "Seuls les administrateurs de l'assistant peuvent modifier les réglages d'un canal. "
            f"Demandez à l'un d'eux (votre identifiant : {user_id}).",
            kind="refusal",
            private=True,
        )

    # questions ----------------------------------------------------------------------------

    def _answer(self, request: ChatRequest) -> ChatReply:
        if self.assistant is None:
            raise RuntimeError("ChatCore has no assistant attached")
        conversation = request.conversation
        question, region, plan = parse_inline_filters(request.text)
        if not question:
            return NoticeReply(
                "Votre message ne contient que des filtres : ajoutez la question, par exemple "
                "« région:Estrie Qui est le mandataire ? ».",
                kind="error",
                private=True,
            )
        history = self._history(request)
        channel_region = None
        if region is None and not self._names_a_place(question, history):
            settings = self.state.channel_settings(conversation.platform, conversation.channel_id)
            if settings.region:
                region = channel_region = settings.region
        try:
            answer = self.assistant.ask(
                question, region=region, plan=plan, history=self._to_turns(history),
                user=f"{conversation.platform}:{request.user_id}",  # the LLM quota's key
                on_progress=request.on_progress,
            )
        except ValueError as error:
            # QuestionError, UnknownRegionError and UnknownPlanError are ValueErrors whose
            # message is a short French sentence meant for the user.
            if not _is_user_facing(error):
                raise
            return NoticeReply(str(error), kind="error", private=True)
        if channel_region and "region" not in answer.filters:
            answer.filters = {**answer.filters, "region": channel_region}
        answer_id = self.state.record_answer(
            platform=conversation.platform,
            channel=conversation.channel_id,
            thread=conversation.thread_id,
            user=request.user_id,
            question=request.text,
            answer=answer.text,
            sources=[citation.to_dict() for citation in answer.citations],
            answer_json={**answer.to_json_dict(), "channel_region": channel_region},
            abstained=answer.abstained,
            direct=conversation.is_direct,
            user_name=request.user_name,
        )
        if not request.private:
            self.state.add_turns(
                conversation.platform,
                conversation.channel_id,
                conversation.thread_id,
                [("user", request.text), ("assistant", answer.text)],
            )
            if conversation.thread_id:
                self.state.mark_thread(
                    conversation.platform, conversation.channel_id, conversation.thread_id
                )
        return AnswerReply(
            answer, answer_id, channel_region=channel_region, private=request.private
        )

    def _history(self, request: ChatRequest) -> list[ChatTurn]:
        given = list(request.history or ())[-HISTORY_LIMIT:]
        if request.history is not None and any(turn.role == "user" for turn in given):
            return given
        # The platform gave nothing, or nothing the user asked (an answer shared into a
        # channel starts its thread with the bot's message): use the turns remembered.
        remembered = self._remembered_turns(request)
        return remembered or given

    def _remembered_turns(self, request: ChatRequest) -> list[ChatTurn]:
        if request.private:
            return []
        conversation = request.conversation
        max_age = None if conversation.thread_id else DIRECT_HISTORY_MAX_AGE_S
        stored = self.state.recent_turns(
            conversation.platform,
            conversation.channel_id,
            conversation.thread_id,
            limit=HISTORY_LIMIT,
            max_age_s=max_age,
        )
        return [ChatTurn(turn.role, turn.text) for turn in stored]  # type: ignore[arg-type]

    @staticmethod
    def _names_a_place(question: str, history: Sequence[ChatTurn]) -> bool:
        """Whether the question, or the user's earlier turns, name a territory or a province:
        then the channel's default region would contradict the conversation."""
        texts = [question, *(turn.text for turn in history if turn.role == "user")]
        return any(find_regions_in_text(text) or mentions_other_province(text) for text in texts)

    @staticmethod
    def _to_turns(history: Sequence[ChatTurn]) -> list[Turn]:
        return [Turn(turn.role, turn.text) for turn in history]


_FILTER = re.compile(
    r"(?<![\w-])(?P<key>r[ée]gion|plan)\s*:\s*"
    r"(?:\"(?P<quoted>[^\"]+)\"|«\s*(?P<guillemets>[^»]+?)\s*»|(?P<word>[^\s,;?!]+))",
    re.IGNORECASE,
)


def parse_inline_filters(text: str) -> tuple[str, str | None, str | None]:
    """Split `région:Estrie plan:PAGIEPS Qui est le mandataire ?` into the question and the
    region and plan typed (validated later by the assistant, which suggests close names)."""
    region = plan = None
    for match in _FILTER.finditer(text):
        value = match.group("quoted") or match.group("guillemets") or match.group("word")
        if fold_key(match.group("key")) == "plan":
            plan = value.strip()
        else:
            region = value.strip()
    question = _FILTER.sub(" ", text)
    return re.sub(r"\s+", " ", question).strip(), region, plan


def _is_user_facing(error: ValueError) -> bool:
    """The assistant's own errors, whose message is written for the user: UnknownRegionError,
    UnknownPlanError and `bot.assistant.QuestionError` (matched by name: importing
    bot.assistant loads the whole retrieval stack, which the chat core must not require)."""
    if isinstance(error, (UnknownRegionError, UnknownPlanError)):
        return True
    return any(cls.__name__ == "QuestionError" for cls in type(error).__mro__)


def answer_from_json(data: dict[str, Any]) -> Answer:
    """Rebuild an Answer from `Answer.to_json_dict()` (stored answers, shared later)."""
    citations = [
        Citation(**{key: value for key, value in source.items() if key in _CITATION_FIELDS})
        for source in data.get("sources", [])
    ]
    return Answer(
        question=data.get("question", ""),
        text=data.get("answer", ""),
        abstained=bool(data.get("abstained", False)),
        citations=citations,
        language=data.get("language", "fr"),
        confidence=float(data.get("confidence", 0.0)),
        filters=dict(data.get("filters", {})),
        timings_ms=dict(data.get("timings_ms", {})),
        answerer=data.get("answerer", "extractive"),
    )


_CITATION_FIELDS = set(Citation.__dataclass_fields__)


# --- the asyncio service ------------------------------------------------------------------


ServiceStatus = Literal["starting", "ready", "error"]


@dataclass
class ChatService:
    """A ChatCore for asyncio servers (the Slack door now, the Teams door later).

    `assistant_factory` builds the assistant (`Assistant.from_environment`); it is called and
    made ready in a start-up thread (`ensure_ready`: the shipped knowledge base checked per
    document and ingested or repaired until passages and vectors agree with the files
    on disk; `status` is "ready" only then, "error" with the reason when they cannot agree),
    then queried from `answer_workers` threads at once (default: ALLIANCES_ANSWER_WORKERS).
    Past that many questions, the others wait their turn (a queue, no refusal): the assistant
    lets at most `answer_workers - 1` of them wait on an LLM, so the queue keeps moving.
    Commands and `run_blocking` calls run one at a time, in order, in their own thread:
    project writes stay serialised and never wait behind an answer.
    """

    state: State
    assistant_factory: Callable[[], AnswerEngine]
    admins: frozenset[str] = frozenset()
    ready_timeout_s: float = 900.0
    # Asked once before reporting ready, so that models load before the first real question
    # rather than during it (the first answer would otherwise take seconds more).
    warm_up_question: str | None = WARM_UP_QUESTION
    answer_workers: int = field(default_factory=answer_workers_from_environment)
    core: ChatCore = field(init=False)
    # Services behind registered commands that the doors need too, by name (the project
    # commands under "projects": Slack's modal and buttons, Teams' cards call them).
    extensions: dict[str, Any] = field(init=False, default_factory=dict)
    status: ServiceStatus = field(init=False, default="starting")
    error: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.core = ChatCore(self.state, admins=self.admins)
        if self.answer_workers < 1:
            raise ValueError("answer_workers must be >= 1")
        # Start-up: build, ingest, warm up (`_prepare`).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliances-start")
        self._answers = ThreadPoolExecutor(
            max_workers=self.answer_workers, thread_name_prefix="alliances-answer"
        )
        self._commands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliances-command")
        # One lock per conversation with questions in flight: its answers come in order, and
        # a follow-up sees the turn before it.
        self._conversations: dict[tuple[str, str, str | None], tuple[asyncio.Lock, int]] = {}
        self._ready: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._startup: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin building the assistant and ingesting in the background; returns at once."""
        self._ready = asyncio.Event()
        self._startup = asyncio.create_task(self._prepare(), name="alliances-prepare")

    async def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the knowledge base is ready (or failed); True when ready."""
        if self._ready is None:
            await self.start()
        assert self._ready is not None
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return self.status == "ready"

    async def _prepare(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            assistant = await loop.run_in_executor(self._executor, self._build_assistant)
        except Exception as error:
            log.exception("the knowledge base could not be made ready")
            self.status, self.error = "error", f"{type(error).__name__}: {error}"
        else:
            self.core.assistant = assistant
            self.status = "ready"
            log.info("knowledge base ready: passages and vectors agree")
        finally:
            assert self._ready is not None
            self._ready.set()

    def _build_assistant(self) -> AnswerEngine:
        assistant = self.assistant_factory()
        if hasattr(assistant, "model_slots"):
            # Sized from this pool, not the environment, so that one worker always stays
            # free for the answers that need no model whatever `answer_workers` was given.
            assistant.model_slots = ModelSlots(model_slots_for(self.answer_workers))
        assistant.ensure_ready()
        if self.warm_up_question:
            started = time.perf_counter()
            try:
                assistant.ask(self.warm_up_question)
            except Exception:
                log.warning("the warm-up question failed", exc_info=True)
            log.info("warm-up question answered in %.1f s", time.perf_counter() - started)
        return assistant

    async def handle(self, request: ChatRequest) -> ChatReply:
        """Handle a request, waiting for readiness when it needs the knowledge base: a
        question in the answer pool (after the earlier questions of its conversation), a
        command in the command thread.

        Unexpected errors propagate; adapters log them and show INTERNAL_ERROR_TEXT."""
        if self.core.needs_assistant(request) and not await self.wait_ready(self.ready_timeout_s):
            return NoticeReply(NOT_READY_TEXT, kind="error", private=request.private)
        loop = asyncio.get_running_loop()
        if not self.core.is_question(request):
            return await loop.run_in_executor(self._commands, self.core.handle, request)
        async with self._turn_in(request):
            return await loop.run_in_executor(self._answers, self.core.handle, request)

    async def run_blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a blocking call (a project write, a form) in the command thread: in order
        with the commands, never behind an answer."""
        return await asyncio.get_running_loop().run_in_executor(self._commands, function, *args)

    @asynccontextmanager
    async def _turn_in(self, request: ChatRequest) -> AsyncIterator[None]:
        """Wait for the conversation's earlier questions (private ones are not turns of a
        conversation and never wait)."""
        if request.private:
            yield
            return
        conversation = request.conversation
        key = (conversation.platform, conversation.channel_id, conversation.thread_id)
        lock, users = self._conversations.get(key) or (asyncio.Lock(), 0)
        self._conversations[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._conversations[key]
            if users == 1:
                del self._conversations[key]
            else:
                self._conversations[key] = (lock, users - 1)

    def spawn(self, job: Coroutine[Any, Any, Any], name: str = "alliances-job") -> asyncio.Task:
        """Run a job in the background, keeping a reference until it ends; errors are logged."""
        task = asyncio.create_task(job, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._job_done)
        return task

    def _job_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background job %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout: float = 30.0) -> None:
        """Let running jobs finish (server shutdown), then stop the worker threads."""
        pending: list[Awaitable[Any]] = list(self._tasks)
        if pending:
            _done, still = await asyncio.wait(pending, timeout=timeout)  # type: ignore[arg-type]
            for task in still:
                task.cancel()  # type: ignore[union-attr]
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
        for executor in (self._executor, self._answers, self._commands):
            executor.shutdown(wait=False, cancel_futures=True)
