"""A transcript of the projects journey on a running `alliances serve`: a project created with
`/projet nouveau …`, an update logged with `/projet maj …`, then a colleague's question in a
channel answered from that update, citing its author and date.

`record_project_journey(app)` runs it and returns Markdown; tests/test_projects_slack.py runs
it in-process, and

    python -m tests.standins.project_transcript [--output docs/projects-transcript.md]

starts everything itself (a stand-in, an empty data folder, a real `alliances serve` process
that ingests the shipped knowledge base, with ALLIANCES_EDITORS set) and writes the file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .servers import (
    OTHER_USER,
    USER,
    RunningSlackApp,
    SubprocessServer,
    message_text,
    server_environment,
    wait_answers,
)
from .slack_api import SlackSender, SlackStandIn

CHANNEL = "C0MAURICIE"
CREATE = 'nouveau "Les maraîchers du cœur" région:Mauricie budget:40 000 $'
UPDATE = (
    'maj "Les maraîchers du cœur" 12 jeunes inscrits pour la saison; plateau ouvert le 3 juin '
    "statut:en cours"
)
QUESTION = "Où en sont les maraîchers du cœur ?"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Step:
    title: str
    sent: list[Any] = field(default_factory=list)
    calls: list[Any] = field(default_factory=list)
    posts: list[Any] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    marks: tuple[int, int, int] = (0, 0, 0)  # what had been recorded when the step began


def record_project_journey(app: RunningSlackApp, channel: str = CHANNEL) -> tuple[list[Step], str]:
    standin, sender = app.standin, app.sender
    steps: list[Step] = []

    def command(title: str, text: str) -> Step:
        step = _begin(title, app)
        _, url = sender.command(
            text,
            user=USER,
            channel=channel,
            command="/projet",
            user_name="marie.tremblay",
            label="/projet",
        )
        step.posts = standin.wait_for(
            lambda s: [p for p in s.response_posts if p.url == url], timeout=60
        )
        return _end(step, app, steps)

    command("1. Création d'un projet en une ligne", CREATE)
    command("2. Une mise à jour", UPDATE)
    step = _begin("3. Une collègue pose la question dans le canal", app)
    event, _ = sender.user_writes(channel, OTHER_USER, QUESTION, as_mention=True, label="mention")
    step.messages = wait_answers(standin, channel, event["ts"], timeout=60)
    _end(step, app, steps)
    return steps, render(steps)


def _begin(title: str, app: RunningSlackApp) -> Step:
    marks = (len(app.sender.sent), len(app.standin.calls), len(app.standin.response_posts))
    return Step(title, marks=marks)


def _end(step: Step, app: RunningSlackApp, steps: list[Step]) -> Step:
    app.standin.quiet(0.5)
    sent, calls, posts = step.marks
    step.sent = app.sender.sent[sent:]
    step.calls = app.standin.calls[calls:]
    step.posts = app.standin.response_posts[posts:]
    steps.append(step)
    return step


def render(steps: list[Step]) -> str:
    lines = [
        "# Transcription : une mise à jour de projet, puis une question qui s'en sert",
        "",
        f"Générée le {datetime.now(UTC):%Y-%m-%d %H:%M} UTC par `python -m "
        "tests.standins.project_transcript` (aussi exécutée par `tests/test_projects_slack.py`) : "
        "`alliances serve` reçoit des requêtes HTTP signées comme Slack les signe ; l'API Web "
        "de Slack et les `response_url` sont simulées sur 127.0.0.1 "
        "(`tests/standins/slack_api.py`). Rédactrice : U0MARIE01 (ALLIANCES_EDITORS).",
        "",
    ]
    for step in steps:
        lines += [f"## {step.title}", "", "### Envoyé par « Slack » à `POST /slack/events`", ""]
        for sent in step.sent:
            headers = {k: v for k, v in sent.headers.items() if k.lower().startswith("x-slack")}
            if sent.headers.get("Content-Type", "").startswith("application/json"):
                body: Any = json.loads(sent.body).get("event")
            else:
                body = dict(urllib.parse.parse_qsl(sent.body))
            lines += [
                f"**{sent.label}** → HTTP {sent.status} en {sent.elapsed_s * 1000:.0f} ms",
                "",
                "```http",
                *[f"{name}: {value}" for name, value in headers.items()],
                "```",
                "```json",
                json.dumps(body, ensure_ascii=False, indent=2),
                "```",
                "",
            ]
        if step.calls:
            lines += ["### Reçu par la doublure de l'API Web Slack", ""]
            for number, call in enumerate(step.calls, 1):
                result = "ok" if call.result.get("ok") else f"erreur {call.result.get('error')}"
                lines += [f"{number}. `{call.method}` ({result})", ""]
        if step.posts:
            lines += ["### Réponse privée (response_url)", ""]
            for post in step.posts:
                lines += ["```json", json.dumps(post.body, ensure_ascii=False, indent=2), "```", ""]
                lines += ["Ce que lit la rédactrice :", ""]
                lines += [f"> {line}" if line else ">" for line in _readable(post.body)]
                lines.append("")
        if step.messages:
            lines += ["### Ce que lit le canal", ""]
            for message in step.messages:
                lines += [
                    f"> {line}" if line else ">" for line in message_text(message).splitlines()
                ]
                lines.append("")
    return "\n".join(lines)


def _readable(body: dict[str, Any]) -> list[str]:
    """The blocks' text (the fallback `text` repeats it)."""
    parts: list[str] = []
    for block in body.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        for item in block.get("fields") or []:
            parts.append(item["text"].replace("\n", " : ", 1))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                parts.append(element["text"])
    return "\n".join(parts).splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "projects-transcript.md")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, SlackStandIn() as standin:
        home = Path(folder) / "home"
        environ = {**server_environment(standin, home), "ALLIANCES_EDITORS": USER}
        server = SubprocessServer(environ, Path(folder) / "serve.log").start(timeout=600)
        try:
            app = RunningSlackApp(server, standin, SlackSender(server.events_url, standin), home)
            _steps, markdown = record_project_journey(app)
        finally:
            server.stop()
    arguments.output.write_text(markdown, encoding="utf-8")
    print(f"transcription écrite : {arguments.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
