"""The platform-neutral chat core (bot/chat.py): what a message is, and what comes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from standins.servers import ADMIN, OTHER_USER, USER, FakeAssistant, QuestionError

from bot.chat import (
    AnswerReply,
    ChatCore,
    ChatRequest,
    ChatTurn,
    Command,
    Conversation,
    NoticeReply,
    answer_from_json,
    parse_inline_filters,
)
from bot.state import State
from retrieval.answers import Answer, Citation


@pytest.fixture()
def state(tmp_path: Path) -> State:
    return State(tmp_path / "state.db")


@pytest.fixture()
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture()
def core(state: State, fake: FakeAssistant) -> ChatCore:
    return ChatCore(state, admins={ADMIN}, assistant=fake)


def ask(
    text: str,
    *,
    user: str = USER,
    channel: str = "C1",
    thread: str | None = "1.1",
    platform: str = "slack",
    history: tuple[ChatTurn, ...] | None = None,
    private: bool = False,
) -> ChatRequest:
    return ChatRequest(
        text=text,
        user_id=user,
        conversation=Conversation(platform, channel, thread_id=thread),
        history=history,
        private=private,
    )


def test_a_question_is_answered_and_remembered(core: ChatCore, state: State) -> None:
    reply = core.handle(ask("Qui est le mandataire en Mauricie ?"))
    assert isinstance(reply, AnswerReply)
    assert "Consortium en développement social de la Mauricie" in reply.answer.text
    stored = state.get_answer(reply.answer_id)
    assert stored is not None and stored["question"] == "Qui est le mandataire en Mauricie ?"
    assert stored["sources"][0]["section"] == "Mauricie"
    assert state.is_bot_thread("slack", "C1", "1.1")
    turns = state.recent_turns("slack", "C1", "1.1")
    assert [turn.role for turn in turns] == ["user", "assistant"]


def test_follow_up_uses_the_history_the_platform_gives(core: ChatCore, fake) -> None:
    history = (
        ChatTurn("user", "Qui est le mandataire en Mauricie ?"),
        ChatTurn("assistant", "Le mandataire … est le Consortium [1]."),
    )
    reply = core.handle(ask("et en Estrie ?", history=history))
    assert isinstance(reply, AnswerReply)
    assert "La Table des MRC de l’Estrie" in reply.answer.text
    assert [turn.role for turn in fake.calls[-1]["history"]] == ["user", "assistant"]


def test_follow_up_falls_back_to_remembered_turns(core: ChatCore) -> None:
    core.handle(ask("Qui est le mandataire en Mauricie ?", thread="9.9"))
    reply = core.handle(ask("et en Estrie ?", thread="9.9", history=None))
    assert isinstance(reply, AnswerReply)
    assert "Estrie" in reply.answer.text


def test_private_questions_are_not_remembered_as_turns(core: ChatCore, state: State) -> None:
    reply = core.handle(ask("Qui est le mandataire en Mauricie ?", thread=None, private=True))
    assert isinstance(reply, AnswerReply) and reply.private
    assert state.recent_turns("slack", "C1", None) == []


@pytest.mark.parametrize("text", ["aide", "help", "Aide", "?", "", "  "])
def test_help(core: ChatCore, text: str) -> None:
    reply = core.handle(ask(text))
    assert isinstance(reply, NoticeReply) and reply.kind == "help"
    assert "/alliances config région" in reply.text


def test_help_on_teams_does_not_mention_slash_commands(core: ChatCore) -> None:
    reply = core.handle(ask("aide", platform="teams"))
    assert "/alliances" not in reply.text and "`config région" in reply.text


def test_a_question_starting_with_a_command_word_stays_a_question(core: ChatCore, fake) -> None:
    reply = core.handle(ask("aide financière pour la Mauricie ?"))
    assert isinstance(reply, AnswerReply)
    assert fake.calls[-1]["question"] == "aide financière pour la Mauricie ?"


@pytest.mark.parametrize("typo", ["confg", "aidee", "CONFIGS", "réglage"])
def test_a_mistyped_command_is_an_unknown_command(core: ChatCore, typo: str, fake) -> None:
    reply = core.handle(ask(typo))
    assert isinstance(reply, NoticeReply) and reply.kind == "error" and reply.private
    assert "Commande inconnue" in reply.text
    assert fake.calls == []


def test_single_word_questions_are_questions(core: ChatCore, fake) -> None:
    assert isinstance(core.handle(ask("Mauricie")), AnswerReply)
    assert isinstance(core.handle(ask("FQIS ?")), AnswerReply)


def test_config_region_by_an_admin(core: ChatCore, state: State, fake) -> None:
    reply = core.handle(ask("config région mauricie", user=ADMIN))
    assert isinstance(reply, NoticeReply) and reply.kind == "info"
    assert "Mauricie" in reply.text
    assert state.channel_settings("slack", "C1").region == "Mauricie"
    assert state.channel_settings("slack", "C1").updated_by == ADMIN

    answer = core.handle(ask("Qui est le mandataire ?"))
    assert isinstance(answer, AnswerReply)
    assert fake.calls[-1]["region"] == "Mauricie"
    assert answer.channel_region == "Mauricie"
    assert answer.answer.filters["region"] == "Mauricie"

    # A question naming another region is not forced into the channel's region.
    core.handle(ask("Qui est le mandataire en Estrie ?"))
    assert fake.calls[-1]["region"] is None

    # Nor is a follow-up in a conversation that named a region.
    history = (ChatTurn("user", "Qui est le mandataire en Estrie ?"),)
    core.handle(ask("et le budget ?", history=history))
    assert fake.calls[-1]["region"] is None

    cleared = core.handle(ask("config région aucune", user=ADMIN))
    assert "plus de région" in cleared.text
    assert state.channel_settings("slack", "C1").region is None


def test_config_refused_to_a_non_admin(core: ChatCore, state: State) -> None:
    reply = core.handle(ask("config région Mauricie", user=OTHER_USER))
    assert isinstance(reply, NoticeReply) and reply.kind == "refusal" and reply.private
    assert "administrateurs" in reply.text
    assert state.channel_settings("slack", "C1").region is None


def test_config_refused_when_no_admin_is_configured(state: State, fake) -> None:
    core = ChatCore(state, admins=(), assistant=fake)
    reply = core.handle(ask("config région Mauricie", user=ADMIN))
    assert isinstance(reply, NoticeReply) and reply.kind == "refusal"
    assert "Aucun administrateur" in reply.text and "ALLIANCES_ADMINS" in reply.text
    assert ADMIN in reply.text  # tells the asker their own id
    assert state.channel_settings("slack", "C1").region is None


def test_config_shows_settings_and_rejects_bad_input(core: ChatCore) -> None:
    assert "aucune" in core.handle(ask("config")).text
    unknown = core.handle(ask("config langue fr", user=ADMIN))
    assert unknown.kind == "error" and "Réglage inconnu" in unknown.text
    typo = core.handle(ask("config région Mauricy", user=ADMIN))
    assert typo.kind == "error" and "Mauricie" in typo.text  # suggests the closest region
    empty = core.handle(ask("config région", user=ADMIN))
    assert empty.kind == "error"


def test_inline_filters() -> None:
    assert parse_inline_filters("région:Estrie plan:PAGIEPS Qui est le mandataire ?") == (
        "Qui est le mandataire ?",
        "Estrie",
        "PAGIEPS",
    )
    assert parse_inline_filters('Mandataire ? region:"Nation crie"') == (
        "Mandataire ?",
        "Nation crie",
        None,
    )
    assert parse_inline_filters("Qui est le mandataire ?") == (
        "Qui est le mandataire ?",
        None,
        None,
    )


def test_inline_filters_reach_the_assistant(core: ChatCore, fake) -> None:
    core.handle(ask("région:Estrie Qui est le mandataire ?"))
    assert fake.calls[-1]["region"] == "Estrie"
    assert fake.calls[-1]["question"] == "Qui est le mandataire ?"


def test_assistant_errors_become_french_notices(state: State) -> None:
    fake = FakeAssistant(fail_with=QuestionError("La question est trop longue."))
    reply = ChatCore(state, assistant=fake).handle(ask("x" * 10))
    assert isinstance(reply, NoticeReply) and reply.kind == "error"
    assert reply.text == "La question est trop longue."

    bad_plan = ChatCore(state, assistant=FakeAssistant()).handle(ask("plan:PAGIEP mandataire ?"))
    assert bad_plan.kind == "error" and "PAGIEPS" in bad_plan.text


def test_unexpected_errors_propagate_for_the_adapter_to_report(state: State) -> None:
    core = ChatCore(state, assistant=FakeAssistant(fail_with=RuntimeError("index corrompu")))
    with pytest.raises(RuntimeError):
        core.handle(ask("Qui est le mandataire en Mauricie ?"))


def test_registered_commands_and_clashes(core: ChatCore) -> None:
    core.register(Command(("projet",), lambda request, args: NoticeReply(f"projet: {args}")))
    assert core.handle(ask("projet voir 12")).text == "projet: voir 12"
    assert not core.needs_assistant(ask("projet voir 12"))
    assert core.needs_assistant(ask("Qui est le mandataire ?"))
    with pytest.raises(ValueError):
        core.register(Command(("Config",), lambda request, args: NoticeReply("")))


def test_answer_round_trips_through_json() -> None:
    answer = Answer(
        "q",
        "texte [1]",
        False,
        [Citation("Titre", "f.txt", "Section", 0.5, url="https://x")],
        filters={"region": "Estrie"},
    )
    again = answer_from_json({**answer.to_json_dict(), "channel_region": "Estrie"})
    assert again.text == answer.text and again.citations[0].url == "https://x"
    assert again.filters == {"region": "Estrie"}


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Qui est le mandataire en Mauricie ?", True),
        ("aide financière pour la Mauricie ?", True),
        ("Mauricie", True),
        ("aide", False),
        ("config région Estrie", False),
        ("confg", False),
        ("", False),
    ],
)
def test_what_goes_to_the_answer_pool(core: ChatCore, text: str, question: bool) -> None:
    """ChatService answers questions in its pool and runs everything else in the command
    thread: `is_question` is what it asks."""
    assert core.is_question(ask(text)) is question
