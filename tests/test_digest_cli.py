"""`alliances digest` for cron users: dry run, posting once per period, and two real
processes — running at once, or one killed in the middle of posting — posting once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from standins.slack_api import TOKEN
from test_digest_support import DigestSlackStandIn, digest_messages

from bot.cli import main
from bot.digests.schedule import parse_schedule
from bot.digests.store import DigestStore
from knowledge.paths import database_path
from knowledge.projects import Actor, ProjectDraft, ProjectStore, UpdateDraft

REPO = Path(__file__).resolve().parents[1]
EDITOR = Actor("U0EDIT001", "Marie Tremblay", platform="slack")


@pytest.fixture(scope="module")
def standin() -> Any:
    with DigestSlackStandIn() as running:
        yield running


def environment(home: Path, standin: DigestSlackStandIn) -> dict[str, str]:
    return {
        "ALLIANCES_HOME": str(home),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": standin.api_url,
        "SLACK_SIGNING_SECRET": "",
        "ALLIANCES_CONFIG": "",
    }


def seed(home: Path) -> int:
    """A project and its update, a day ago: in the period that "chaque jour 0h" closed last."""
    with ProjectStore(database_path(home), clock=lambda: time.time() - 86_400) as store:
        project = store.create_project(
            ProjectDraft("Jardin partagé", "Mauricie", mrc="MRC des Chenaux"), EDITOR
        ).project
        store.add_update(project.id, UpdateDraft("Semis faits", people_reached=5), EDITOR)
    return project.id


def subscribe(home: Path, channel: str, schedule: str = "chaque jour 0h") -> None:
    with DigestStore.open(home) as store:
        store.subscribe(
            platform="slack",
            channel=channel,
            schedule=parse_schedule(schedule).to_cron(),
            schedule_text=schedule,
            region="Mauricie",
            empty_policy="message",
            language="fr",
            user="U0ADMIN01",
        )


def test_dry_run_prints_and_posts_nothing(tmp_path, standin, monkeypatch, capsys) -> None:
    for key, value in environment(tmp_path, standin).items():
        monkeypatch.setenv(key, value)
    seed(tmp_path)
    assert main(["digest"]) == 0
    assert "Aucun abonnement" in capsys.readouterr().out
    assert main(["digest", "--channel", "C0CLI00001", "--since", "2020-01-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# slack:C0CLI00001\nRésumé des projets — toutes les régions\n")
    assert "Du 1er janvier 2020 au" in out and "Jardin partagé" in out and "Semis faits" in out
    assert "MRC des Chenaux" in out and "5 personnes rejointes" in out
    assert digest_messages(standin, "C0CLI00001") == []
    assert main(["digest", "--since", "hier-ish"]) == 2
    assert "Date illisible" in capsys.readouterr().err


def test_post_once_per_period(tmp_path, standin, monkeypatch, capsys) -> None:
    for key, value in environment(tmp_path, standin).items():
        monkeypatch.setenv(key, value)
    seed(tmp_path)
    channel = "C0CLI00002"
    subscribe(tmp_path, channel)
    assert main(["digest", "--channel", channel, "--post"]) == 0
    first = capsys.readouterr().out
    (message,) = digest_messages(standin, channel)
    assert first == f"slack:{channel} : publié (message {message['ts']}, 1 projet)\n"
    assert main(["digest", "--post"]) == 0  # every subscription: this one is done
    assert capsys.readouterr().out == f"slack:{channel} : déjà publié (message {message['ts']})\n"
    assert len(digest_messages(standin, channel)) == 1

    standin.fail("chat.postMessage", "not_in_channel", times=1)
    assert main(["digest", "--channel", "C0CLI00003", "--post"]) == 1
    assert "échec (not_in_channel)" in capsys.readouterr().out


def run_cli(home: Path, standin: DigestSlackStandIn, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "digest", *args],
        cwd=REPO,
        env={**os.environ, **environment(home, standin)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # two interpreters and a held post: ~5 s
def test_two_processes_post_once(tmp_path, standin) -> None:
    seed(tmp_path)
    channel = "C0CLI00010"
    subscribe(tmp_path, channel)
    standin.hold["chat.postMessage"] = 1.5  # the first is still posting when the second claims
    try:
        processes = [run_cli(tmp_path, standin, "--channel", channel, "--post") for _ in range(2)]
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        standin.hold.clear()
    assert [process.returncode for process in processes] == [0, 0], outputs
    lines = sorted(out.strip() for out, _ in outputs)
    assert any(" : publié (message " in line for line in lines), lines
    assert any("en cours de publication" in line or "déjà publié" in line for line in lines)
    assert len(digest_messages(standin, channel)) == 1


def test_a_process_killed_mid_post_is_resumed_by_the_next_without_posting_twice(
    tmp_path, standin
) -> None:
    seed(tmp_path)
    channel = "C0CLI00011"
    subscribe(tmp_path, channel)
    standin.hold["chat.postMessage"] = 30  # Slack stores the message; the answer never comes
    try:
        first = run_cli(tmp_path, standin, "--channel", channel, "--post")
        standin.wait_for(lambda s: digest_messages(s, channel), timeout=30)
        first.kill()  # the process dies before it learns the message's ts
        first.wait(10)
    finally:
        standin.hold.clear()
    (message,) = digest_messages(standin, channel)
    with DigestStore.open(tmp_path) as store:
        (delivery,) = store.deliveries(channel=channel)
        assert delivery.state == "posting" and delivery.message_id is None
    started = time.monotonic()
    second = run_cli(tmp_path, standin, "--channel", channel, "--post")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    # Its owner is gone (same host, process ended): no need to wait for the lease.
    assert time.monotonic() - started < 30
    assert out.strip() == f"slack:{channel} : publié (message {message['ts']}, 1 projet)"
    assert digest_messages(standin, channel) == [message]
    with DigestStore.open(tmp_path) as store:
        (delivery,) = store.deliveries(channel=channel)
        assert (delivery.state, delivery.message_id) == ("posted", message["ts"])
