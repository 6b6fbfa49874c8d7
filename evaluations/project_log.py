"""Logged projects for the question suites: a file of chat commands (author, a tab, then
what follows `/projet`), replayed through the real project commands into an assistant's
data folder, as staff would type them. The fit suites need them so that the scorer learns
what a question about a logged project looks like; replaying twice writes nothing twice
(each line carries its own request key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.chat import ChatRequest, Conversation
from bot.projects import EditorPolicy, ProjectCommands
from knowledge.paths import database_path
from knowledge.projects import ProjectStore


class ProjectLogError(ValueError):
    """A line of a project log could not be replayed."""


def log_lines(path: Path) -> list[tuple[int, str, str]]:
    """(line number, author, command) of each line that is not blank or a comment."""
    lines = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        author, _, command = line.partition("\t")
        if not command.strip():
            raise ProjectLogError(f"{path.name}:{number}: « auteur<TAB>commande » attendu")
        lines.append((number, author.strip(), command.strip()))
    return lines


def replay_project_log(assistant: Any, path: Path) -> int:
    """Log the file's projects and updates in the assistant's data folder and index; the
    number of lines replayed. Raises ProjectLogError for a line the commands refuse."""
    lines = log_lines(path)
    store = ProjectStore(database_path(assistant.index.home))
    commands = ProjectCommands(
        store, EditorPolicy({author for _, author, _ in lines}), assistant=lambda: assistant
    )
    for number, author, command in lines:
        request = ChatRequest(
            text=f"projet {command}", user_id=author, user_name=author,
            conversation=Conversation("evaluation", path.stem), private=True,
            surface="command", request_id=f"{path.parent.name}/{path.name}:{number}",
        )
        reply = commands.handle(request, command)
        if getattr(reply, "kind", "") in ("error", "refusal"):
            raise ProjectLogError(f"{path.name}:{number}: {getattr(reply, 'text', reply)}")
    return len(lines)
