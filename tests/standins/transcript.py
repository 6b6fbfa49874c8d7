"""A transcript of what Slack sent to `alliances serve` and what the Web API stand-in received.

Three scenarios on a running server: a mention in a channel, a follow-up in its thread without
a mention, and one event delivered three times (Slack's retries). `record_scenarios` runs them
and returns Markdown; the tests run it against the real server, and

    python -m tests.standins.transcript [--output docs/slack-transcript.md]

starts everything itself (a stand-in, an empty data folder, a real `alliances serve` process
that ingests the shipped knowledge base) and writes docs/slack-transcript.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .servers import (
    USER,
    RunningSlackApp,
    SubprocessServer,
    finished_answers,
    message_text,
    server_environment,
    wait_answers,
)
from .slack_api import Sent, SlackSender, SlackStandIn

MENTION = "Qui est le mandataire de l'Alliance en Mauricie ?"
FOLLOW_UP = "et en Estrie ?"
RETRIED = "Quel est le budget du FQIS ?"
CHANNEL = "C0TRANSCR1"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Step:
    """One scenario: the requests sent, the Web API calls received, the resulting messages."""

    title: str
    sent: list[Sent] = field(default_factory=list)
    calls: list[Any] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


def record_scenarios(app: RunningSlackApp) -> tuple[list[Step], str]:
    """Run the three scenarios on `app`; returns the steps and their Markdown transcript."""
    standin, sender = app.standin, app.sender
    steps: list[Step] = []

    with _step(steps, "1. Une mention dans un canal", standin, sender) as step:
        event, _ = sender.user_writes(CHANNEL, USER, MENTION, as_mention=True, label="mention")
        step.messages = wait_answers(standin, CHANNEL, event["ts"], timeout=60)
    thread_ts = event["ts"]

    with _step(steps, "2. Une suite dans le fil, sans mention", standin, sender) as step:
        sender.user_writes(CHANNEL, USER, FOLLOW_UP, thread_ts=thread_ts, label="suite")
        step.messages = wait_answers(standin, CHANNEL, thread_ts, count=2, timeout=60)[1:]

    with _step(
        steps, "3. Un événement livré trois fois (réessais de Slack)", standin, sender
    ) as step:
        retried, _ = sender.user_writes(
            CHANNEL, USER, RETRIED, as_mention=True, send=False, label="réessai"
        )
        event_id = f"EvTRANSCRIPT{int(time.time())}"
        for retry in (None, 1, 2):
            sender.event(
                retried,
                event_id=event_id,
                retry_num=retry,
                label=f"livraison {1 if retry is None else retry + 1}",
            )
        step.messages = wait_answers(standin, CHANNEL, retried["ts"], timeout=60)
        standin.quiet(1.0)
        step.messages = finished_answers(standin, CHANNEL, retried["ts"])
    return steps, render(steps)


class _step:
    """Context manager capturing what the stand-in received during one scenario."""

    def __init__(self, steps: list[Step], title: str, standin: SlackStandIn, sender: SlackSender):
        self.step = Step(title)
        self.steps, self.standin, self.sender = steps, standin, sender

    def __enter__(self) -> Step:
        self.calls_before = len(self.standin.calls)
        self.responses_before = len(self.standin.response_posts)
        self.sent_before = len(self.sender.sent)
        return self.step

    def __exit__(self, *exc: object) -> None:
        self.standin.quiet(0.5)
        self.step.sent = self.sender.sent[self.sent_before :]
        self.step.calls = self.standin.calls[self.calls_before :]
        self.step.responses = self.standin.response_posts[self.responses_before :]
        self.steps.append(self.step)


def render(steps: list[Step]) -> str:
    lines = [
        "# Transcription Slack : mention, suite dans le fil, événement réémis",
        "",
        f"Générée le {datetime.now(UTC):%Y-%m-%d %H:%M} UTC par `python -m "
        "tests.standins.transcript` (aussi exécutée par `tests/test_slack_serve.py`) : un vrai "
        "processus `alliances serve` (l'`Assistant` réel sur la base de connaissances livrée) "
        "reçoit des requêtes HTTP signées comme Slack les signe ; l'API Web de Slack est "
        "simulée sur 127.0.0.1 (`tests/standins/slack_api.py`), qui enregistre chaque appel.",
        "",
        "Les en-têtes `X-Slack-Signature` sont de vraies signatures HMAC-SHA256 ; les jetons "
        "et le secret sont ceux des tests.",
        "",
    ]
    for step in steps:
        lines += [f"## {step.title}", "", "### Envoyé par « Slack » à `POST /slack/events`", ""]
        for sent in step.sent:
            headers = {k: v for k, v in sent.headers.items() if k.lower().startswith("x-slack")}
            body = json.loads(sent.body)
            lines += [
                f"**{sent.label}** (`event_id` {body.get('event_id')}) → HTTP {sent.status} "
                f"en {sent.elapsed_s * 1000:.0f} ms",
                "",
                "```http",
                *[f"{name}: {value}" for name, value in headers.items()],
                "```",
                "```json",
                _json(body.get("event", body)),
                "```",
                "",
            ]
        lines += ["### Reçu par la doublure de l'API Web Slack", ""]
        for number, call in enumerate(step.calls, 1):
            result = "ok" if call.result.get("ok") else f"erreur {call.result.get('error')}"
            lines += [
                f"{number}. `{call.method}` ({result})",
                "",
                "```json",
                _json(call.args),
                "```",
                "",
            ]
        if not step.calls:
            lines += ["(aucun appel)", ""]
        lines += ["### Ce que lit l'utilisateur dans le fil", ""]
        for message in step.messages:
            lines += ["> " + line if line else ">" for line in message_text(message).splitlines()]
            lines.append("")
        lines.append(f"Réponses publiées par le bot pour cette étape : {len(step.messages)}.")
        lines.append("")
    return "\n".join(lines)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "slack-transcript.md")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, SlackStandIn() as standin:
        home = Path(folder) / "home"
        server = SubprocessServer(
            server_environment(standin, home), Path(folder) / "serve.log"
        ).start(timeout=600)
        try:
            app = RunningSlackApp(server, standin, SlackSender(server.events_url, standin), home)
            _steps, markdown = record_scenarios(app)
        finally:
            server.stop()
    arguments.output.write_text(markdown, encoding="utf-8")
    print(f"transcription écrite : {arguments.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
