"""The chat state database (bot/state.py) and the settings (bot/settings.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.settings import DEFAULT_SLACK_API_URL, SettingsError, load_settings
from bot.state import EVENT_RETENTION_S, State

# --- state --------------------------------------------------------------------------------


def test_claims_survive_a_restart(tmp_path: Path) -> None:
    state = State(tmp_path / "state.db")
    assert state.claim_event("event:Ev1") is True
    assert state.claim_event("event:Ev1") is False
    state.close()
    reopened = State(tmp_path / "state.db")
    assert reopened.claim_event("event:Ev1") is False
    assert reopened.claim_event("event:Ev2") is True


def test_claims_are_atomic_across_connections(tmp_path: Path) -> None:
    first, second = State(tmp_path / "s.db"), State(tmp_path / "s.db")
    results = [first.claim_event("k"), second.claim_event("k"), first.claim_event("k")]
    assert results == [True, False, False]


def test_old_events_are_forgotten(tmp_path: Path) -> None:
    now = [1_000_000.0]
    state = State(tmp_path / "state.db", clock=lambda: now[0])
    state.claim_event("old")
    now[0] += EVENT_RETENTION_S + 1
    state.claim_event("new")  # triggers pruning
    assert not state.seen_event("old")
    assert state.seen_event("new")


def test_wal_mode(tmp_path: Path) -> None:
    State(tmp_path / "state.db")
    mode = sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_feedback_keeps_one_vote_per_user_and_answer(tmp_path: Path) -> None:
    state = State(tmp_path / "state.db")
    answer_id = state.record_answer(
        platform="slack",
        channel="C1",
        user="U1",
        question="Q ?",
        answer="R [1]",
        sources=[{"title": "T", "section": "S"}],
        answer_json={"answer": "R [1]"},
    )
    assert state.record_feedback(
        answer_id=answer_id, user="U2", vote="up", platform="slack", channel="C1"
    )
    assert state.record_feedback(
        answer_id=answer_id, user="U2", vote="down", platform="slack", channel="C1"
    )
    assert state.add_feedback_comment(answer_id, "U2", "Source manquante")
    rows = state.feedback()
    assert len(rows) == 1
    row = rows[0]
    assert (row["vote"], row["question"], row["answer"], row["comment"]) == (
        "down",
        "Q ?",
        "R [1]",
        "Source manquante",
    )
    assert row["sources"] == [{"title": "T", "section": "S"}]
    assert row["user"] == "U2" and row["channel"] == "C1" and row["platform"] == "slack"
    assert not state.record_feedback(
        answer_id="unknown", user="U2", vote="up", platform="slack", channel="C1"
    )
    with pytest.raises(ValueError):
        state.record_feedback(answer_id=answer_id, user="U2", vote="meh", platform="s", channel="C")


def test_threads_and_turns(tmp_path: Path) -> None:
    state = State(tmp_path / "state.db")
    state.mark_thread("slack", "D1", "5.5", kind="assistant")
    state.mark_thread("slack", "D1", "5.5")  # keeps its first kind
    assert state.thread_kind("slack", "D1", "5.5") == "assistant"
    assert not state.is_bot_thread("teams", "D1", "5.5")
    state.add_turns("slack", "D1", "5.5", [("user", "a"), ("assistant", "b"), ("user", "c")])
    assert [t.text for t in state.recent_turns("slack", "D1", "5.5", limit=2)] == ["b", "c"]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    State(tmp_path / "state.db").close()
    connection = sqlite3.connect(tmp_path / "state.db")
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(RuntimeError, match="plus récente"):
        State(tmp_path / "state.db")


def test_an_interrupted_write_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    """Each write is one transaction: a migration failing half-way creates no table."""
    import bot.state as state_module

    def half_done(db) -> None:
        state_module._schema_v1(db)
        raise RuntimeError("migration interrompue")

    monkeypatch.setattr(state_module, "_MIGRATIONS", ((1, half_done),))
    with pytest.raises(RuntimeError, match="interrompue"):
        State(tmp_path / "state.db")
    connection = sqlite3.connect(tmp_path / "state.db")
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 0
    assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


# --- settings -----------------------------------------------------------------------------


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"ALLIANCES_HOME": str(tmp_path), **values}


def test_complete_settings(tmp_path: Path) -> None:
    settings = load_settings(
        env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-1-2-abc",
            SLACK_SIGNING_SECRET="secret",
            SLACK_API_URL="http://127.0.0.1:9999/api",
            ALLIANCES_ADMINS=" U012AB3CD, W0ENTERPRISE ,",
        )
    )
    assert settings.slack is not None
    assert settings.slack.api_url == "http://127.0.0.1:9999/api/"  # slash added
    assert settings.admins == {"U012AB3CD", "W0ENTERPRISE"}
    assert settings.state_path == tmp_path / "state.db"


def test_defaults_and_no_slack(tmp_path: Path) -> None:
    assert load_settings(env(tmp_path)).slack is None
    settings = load_settings(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s"))
    assert settings.slack.api_url == DEFAULT_SLACK_API_URL
    assert settings.admins == frozenset()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN manque"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "xapp-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"ALLIANCES_ADMINS": "@marie"}, "Copier l'ID du membre"),
        ({"ALLIANCES_ADMINS": "Marie Tremblay"}, "n'est pas un identifiant"),
        ({"ALLIANCES_CONFIG": "/nonexistent/config.toml"}, "introuvable"),
    ],
)
def test_bad_settings_say_how_to_fix_them(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env(tmp_path, **values))


def test_mode_requirements(tmp_path: Path) -> None:
    slack = load_settings(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1")).slack
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        slack.require_http_mode()
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        slack.require_socket_mode()


def test_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'admins = ["U0FILE001"]\n[slack]\nstreaming = false\napi_url = "https://slack-gov.com/api"\n',
        encoding="utf-8",
    )
    settings = load_settings(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", ALLIANCES_ADMINS="U0ENV0001"))
    assert settings.admins == {"U0FILE001", "U0ENV0001"}
    assert settings.slack.streaming is False
    assert settings.slack.api_url == "https://slack-gov.com/api/"
    assert settings.config_file == tmp_path / "config.toml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("admins = 12\n", "liste d'identifiants"),
        ("[slack]\nstreaming = 'oui'\n", "true ou false"),
        ("admins = [\n", "illisible"),
    ],
)
def test_bad_config_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1"))
