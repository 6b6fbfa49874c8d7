"""Rendering for the terminal, and the `alliances chat` conversation loop: the third door
to the chat core, beside Slack and Teams. Questions, the project commands (`projet
nouveau …`, `projet maj …`) and the sources commands (`sources`, `sources voir 3`) work as
they do there; replies the terminal has no special rendering for are shown as their text
(`fallback_text()`).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, TextIO

from bot.bilingual import sources_heading
from bot.chat import AnswerReply, ChatCore, ChatRequest, Conversation
from retrieval.answers import Answer
from retrieval.index import SearchHit

PLATFORM = "cli"  # what the command line's writes are recorded under
_QUIT = {"quit", "exit", "quitter", "q"}


def render_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.filters:
        applied = ", ".join(f"{name} = {value}" for name, value in answer.filters.items())
        lines.append(f"Filtres : {applied}")
    heading = sources_heading(answer.language, answer.abstained)
    lines.append(heading + (":" if answer.language == "en" else " :"))
    for number, citation in enumerate(answer.citations, start=1):
        where = ", ".join(
            part for part in (citation.author, citation.date) if part
        ) or citation.url or citation.source
        lines.append(f"  [{number}] {citation.title} — {citation.section} ({where})")
    return "\n".join(lines).rstrip()


def render_hits(hits: list[SearchHit]) -> str:
    if not hits:
        return "Aucun passage trouvé."
    blocks = []
    for number, hit in enumerate(hits, start=1):
        excerpt = hit.chunk.text.replace("\n", " ")
        excerpt = excerpt[:240] + ("…" if len(excerpt) > 240 else "")
        blocks.append(
            f"[{number}] {hit.chunk.title} — {hit.chunk.section} (score {hit.score:.4f})\n"
            f"    {excerpt}"
        )
    return "\n".join(blocks)


def render_reply(reply: Any) -> str:
    """A chat reply as the terminal shows it."""
    if isinstance(reply, AnswerReply):
        return render_answer(reply.answer)
    return reply.fallback_text()


def typed_command(line: str) -> str:
    """What the chat core reads of a terminal line: the terminal has no slash commands, so
    `/projet maj …` and `/alliances projet maj …` are `projet maj …`."""
    if not line.startswith("/"):
        return line
    first, _, rest = line[1:].partition(" ")
    return rest.strip() if first.lower() == "alliances" and rest.strip() else line[1:]


def cli_user(login: str) -> str:
    """The user id of a person at the command line (`alliances chat`, `alliances projects
    import`): their system login, marked as such."""
    return f"{PLATFORM}:{login}"


def terminal_core(assistant: Any, login: str, home: Path) -> ChatCore:
    """The chat core behind `alliances chat`, with the project and sources commands. The
    person at the terminal may write projects and correct sources: they hold the data
    folder, which `alliances projects import` and `alliances ingest` write to as well."""
    from bot.projects import EditorPolicy, ProjectCommands
    from bot.settings import Settings
    from bot.sources_commands import SourceCommands
    from bot.state import State
    from knowledge.projects import ProjectStore

    user = cli_user(login)
    core = ChatCore(State(Settings(home=home).state_path), assistant=assistant)
    projects = ProjectCommands(
        ProjectStore.open(home), EditorPolicy({user}), assistant=lambda: assistant
    )
    core.register(projects.command())
    core.register(SourceCommands(home, {user}, assistant=lambda: assistant).command())
    return core


def chat_loop(core: ChatCore, login: str, stdin: TextIO, stdout: TextIO) -> int:
    """Read lines one by one and answer each through the chat core: questions (follow-ups
    use the conversation so far) and commands. Ends on EOF, "quit" or "exit"."""
    # One conversation per session: follow-ups refer to this session's questions only.
    conversation = Conversation(PLATFORM, f"terminal-{uuid.uuid4().hex[:12]}", is_direct=True)
    stdout.write(
        "Posez vos questions (« quitter » pour sortir, « projet aide » pour les projets).\n"
    )
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        text = line.strip()
        if text.lower() in _QUIT:
            return 0
        if not text:
            continue
        reply = core.handle(ChatRequest(
            text=typed_command(text), user_id=cli_user(login), conversation=conversation,
            surface="message", request_id=f"{PLATFORM}:{uuid.uuid4()}", user_name=login,
        ))
        stdout.write(render_reply(reply) + "\n\n")
