"""Rendering for the terminal, and the `alliances chat` conversation loop."""

from __future__ import annotations

from typing import TextIO

from bot.bilingual import sources_heading
from retrieval.answers import Answer
from retrieval.followups import Turn
from retrieval.index import SearchHit


def render_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.filters:
        applied = ", ".join(f"{name} = {value}" for name, value in answer.filters.items())
        lines.append(f"Filtres : {applied}")
    heading = sources_heading(answer.language, answer.abstained)
    lines.append(heading + (":" if answer.language == "en" else " :"))
    for number, citation in enumerate(answer.citations, start=1):
        where = citation.url or citation.source
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


def chat_loop(assistant: object, stdin: TextIO, stdout: TextIO) -> int:
    """Read questions line by line; follow-ups use the conversation so far. Ends on EOF,
    "quit" or "exit"."""
    history: list[Turn] = []
    stdout.write("Posez vos questions (« quitter » pour sortir).\n")
    while True:
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        question = line.strip()
        if question.lower() in {"quit", "exit", "quitter", "q"}:
            return 0
        if not question:
            continue
        try:
            answer = assistant.ask(question, history=history)  # type: ignore[attr-defined]
        except ValueError as error:
            stdout.write(f"{error}\n")
            continue
        stdout.write(render_answer(answer) + "\n\n")
        history.extend([Turn("user", question), Turn("assistant", answer.text)])
