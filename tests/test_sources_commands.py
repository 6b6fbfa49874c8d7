"""The `sources` chat commands: the syntax (with a property test), listing, one document,
corrections and removals through the source registry (curators only, nothing half-written on
bad input), the Slack and Teams renderings, the curators setting, and ingestion that follows
the registry: corrected metadata on the passages, removed documents never back.

The end-to-end journeys through the Slack and Teams stand-ins, over the real shipped
knowledge base, are test_sources_slack.py and test_teams_sources.py (slow).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.chat import ChatCore, ChatRequest, Conversation, NoticeReply
from bot.settings import SettingsError, load_settings
from bot.source_syntax import (
    SourcesCommand,
    SourceSyntaxError,
    looks_like_sources_command,
    parse_sources_command,
)
from bot.sources_commands import (
    SourceCardReply,
    SourceCommands,
    SourceCorrectedReply,
    SourceListReply,
    SourceRemovedReply,
)
from bot.state import State
from knowledge.manifest import DocumentInfo, shipped_documents
from knowledge.paths import database_path
from knowledge.sources import SourceRegistry

CURATOR = "U0CURATOR"
READER = "U0READER1"
ADMIN = "U0ADMIN01"
MANDATAIRES = "mtess-alliances-mandataires-regions-2019-2023.txt"


# --- the syntax -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", SourcesCommand("list")),
        ("liste", SourcesCommand("list")),
        (
            "région:Estrie période:2019-2023",
            SourcesCommand("list", filters={"region": "Estrie", "period": "2019-2023"}),
        ),
        (
            "region:Estrie period:2019-2023",
            SourcesCommand("list", "en", filters={"region": "Estrie", "period": "2019-2023"}),
        ),
        ("voir 3", SourcesCommand("show", number=3)),
        ("Voir n° 12", SourcesCommand("show", number=12)),
        ("show #4", SourcesCommand("show", "en", number=4)),
        ("retirer 3", SourcesCommand("remove", number=3)),
        ("remove 7", SourcesCommand("remove", "en", number=7)),
        ("aide", SourcesCommand("help")),
        ("help", SourcesCommand("help", "en")),
        (
            'corriger 3 région:Outaouais période:2024-2029 titre:"Bilan : 2024" '
            "url:https://exemple.org/a?b=c:d",
            SourcesCommand(
                "correct",
                number=3,
                changes={
                    "regions": "Outaouais",
                    "periods": "2024-2029",
                    "title": "Bilan : 2024",
                    "url": "https://exemple.org/a?b=c:d",
                },
            ),
        ),
        (
            "corriger 3 titre:Bilan des Alliances 2024 région:Mauricie, Estrie",
            SourcesCommand(
                "correct",
                number=3,
                changes={"title": "Bilan des Alliances 2024", "regions": "Mauricie, Estrie"},
            ),
        ),
        (
            "correct 2 title: «A: B» url: https://example.org",
            SourcesCommand(
                "correct", "en", number=2, changes={"title": "A: B", "url": "https://example.org"}
            ),
        ),
    ],
)
def test_commands_are_read(typed: str, expected: SourcesCommand) -> None:
    assert parse_sources_command(typed) == expected


@pytest.mark.parametrize(
    ("typed", "french", "english"),
    [
        ("voir", "Donnez le numéro du document : `sources voir 3`", "`sources show 3`"),
        ("corriger x région:Estrie", "« x » n'en est pas un", "“x” is not one"),
        ("retirer 3 tout de suite", "rien d'autre n'est attendu", "`sources remove 3`"),
        ("corriger 3", "Rien à corriger", "Nothing to correct"),
        ("corriger 3 Outaouais", "Je ne comprends pas « Outaouais »", "name:value"),
        ("corriger 3 couleur:bleu", "Champ inconnu : « couleur »", "Unknown field"),
        ("corriger 3 titre:", "Valeur manquante", "Missing value"),
        ('corriger 3 titre:"Bilan', "Guillemet non fermé", "Unclosed quote"),
        ("corriger 3 région:Estrie region:Mauricie", "deux fois", "twice"),
        ("statut:actif", "Filtre inconnu : « statut »", "Unknown filter"),
        ("bonjour", "Je ne comprends pas « bonjour »", "I do not understand"),
    ],
)
def test_unreadable_commands_say_what_is_wrong(typed: str, french: str, english: str) -> None:
    with pytest.raises(SourceSyntaxError) as raised:
        parse_sources_command(typed)
    assert french in raised.value.text("fr")
    assert english in raised.value.text("en")


_WORDS = [
    "voir", "show", "corriger", "correct", "retirer", "remove", "liste", "aide", "3", "#3",
    "n°", "0", "-1", "²", "région:", "période:", "titre:", "url:", "https://x.org", ":",
    '"', "«", "»", "“", "”", "a:b", "::", "région:Estrie", 'titre:"', "`", "\n", "\t",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=8)), max_size=12).map(
            " ".join
        ),
    )
)
@example("corriger 3 " + "1" * 5000)
@example("voir " + "9" * 4400)
@example("corriger 3 titre:«»")
def test_the_parser_raises_nothing_but_its_own_error(typed: str) -> None:
    try:
        command = parse_sources_command(typed)
    except SourceSyntaxError as error:
        assert error.text("fr") and error.text("en")
    else:
        assert command.action in ("list", "show", "correct", "remove", "help")
        if command.action in ("show", "correct", "remove"):
            assert command.number is not None and command.number > 0
        if command.action == "correct":
            assert command.changes and all(value.strip() for value in command.changes.values())
    looks_like_sources_command(typed)


_VALUE = st.text(
    alphabet=st.characters(blacklist_characters='"«»“”', blacklist_categories=("Cs", "Cc", "Z")),
    min_size=1,
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(
    number=st.integers(min_value=1, max_value=99_999),
    changes=st.dictionaries(
        st.sampled_from(["title", "url", "regions", "periods"]), _VALUE, min_size=1
    ),
)
def test_quoted_values_come_back_as_typed(number: int, changes: dict[str, str]) -> None:
    typed = {"title": "titre", "url": "url", "regions": "région", "periods": "période"}
    text = f"corriger {number} " + " ".join(f'{typed[k]}:"{v}"' for k, v in changes.items())
    assert parse_sources_command(text) == SourcesCommand(
        "correct", number=number, changes={k: v.strip() for k, v in changes.items()}
    )


def test_a_question_starting_with_sources_stays_a_question(tmp_path: Path) -> None:
    core, _, _ = build(tmp_path)
    assert not core.is_question(ask("sources"))
    assert not core.is_question(ask("sources voir 3"))
    assert not core.is_question(ask("sources région:Estrie"))
    assert core.is_question(ask("Sources de financement de l'Alliance en Mauricie ?"))


# --- the commands over a registry -------------------------------------------------------------


class FakeStore:
    def __init__(self, counts: dict[str, int]):
        self.counts = counts

    def documents(self) -> list[Any]:
        return [SimpleNamespace(doc_id=d, chunk_count=c) for d, c in self.counts.items()]

    def document(self, doc_id: str) -> Any:
        count = self.counts.get(doc_id)
        return None if count is None else SimpleNamespace(doc_id=doc_id, chunk_count=count)


class FakeIndexedAssistant:
    """What the commands need of bot.assistant.Assistant: its data folder, its index's
    passage counts, and the two index writes (recorded here)."""

    def __init__(self, home: Path, counts: dict[str, int]):
        self.home = home
        self.index = SimpleNamespace(store=FakeStore(counts))
        self.refreshed: list[tuple[DocumentInfo, str]] = []
        self.removed: list[str] = []
        self.fail = False

    def ensure_ready(self) -> None:
        pass

    def ask(self, question: str, **_: Any) -> Any:
        raise AssertionError("no question in these tests")

    def refresh_document(self, info: DocumentInfo, root: str) -> Any:
        if self.fail:
            raise RuntimeError("disk full")
        self.refreshed.append((info, root))
        return SimpleNamespace(failed=[])

    def remove_document(self, doc_id: str) -> None:
        if self.fail:
            raise RuntimeError("disk full")
        self.removed.append(doc_id)
        self.index.store.counts.pop(doc_id, None)


def build(tmp_path: Path, curators: set[str] | None = None) -> tuple[ChatCore, Any, Path]:
    """A chat core with `sources`, over a registry holding the shipped documents (numbers
    1–5) and a user's document (number 6)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    user_file = tmp_path / "depot" / "bilan-estrie.md"
    user_file.parent.mkdir(exist_ok=True)
    user_file.write_text("# Bilan de l'Alliance en Estrie\n\nDes projets.\n", encoding="utf-8")
    with SourceRegistry(database_path(home)) as registry:
        for info in shipped_documents():
            registry.record(info, "h", "shipped")
        registry.record(
            DocumentInfo(
                doc_id=str(user_file.resolve()), path=user_file, title="Bilan Estrie 2024",
                regions=("Estrie",), periods=("2024-2029",), period="2024-2029",
                kind="rapport", date="2025-03-12",
            ),
            "h6", str(user_file.parent), added_by="U0MARIE01",
        )  # fmt: skip
    counts = {info.doc_id: 4 for info in shipped_documents()}
    assistant = FakeIndexedAssistant(home, counts)
    core = ChatCore(State(tmp_path / "state.db"), admins={ADMIN}, assistant=assistant)
    commands = SourceCommands(
        tmp_path / "elsewhere", curators if curators is not None else {CURATOR},
        assistant=lambda: assistant,
    )  # fmt: skip
    core.register(commands.command())
    return core, assistant, home


def ask(text: str, user: str = READER, platform: str = "slack") -> ChatRequest:
    return ChatRequest(
        text=text, user_id=user, conversation=Conversation(platform, "C0SOURCES"),
        private=True, surface="command",
    )  # fmt: skip


def history(home: Path, number: int) -> list[tuple[str, str | None]]:
    with SourceRegistry(database_path(home)) as registry:
        return [(entry.action, entry.actor) for entry in registry.history(number)]


def test_everyone_lists_the_documents_shipped_ones_marked(tmp_path: Path) -> None:
    core, _, _ = build(tmp_path)
    reply = core.handle(ask("sources"))
    assert isinstance(reply, SourceListReply) and reply.private
    assert reply.total == 6 and [item.source.number for item in reply.items] == [1, 2, 3, 4, 5, 6]
    text = reply.fallback_text()
    assert text.count("— fourni") == 5
    assert "[6] Bilan Estrie 2024\n" in text and "2025-03-12 · 2024-2029 · Estrie" in text
    assert "4 passage(s)" in text and "0 passage(s)" in text  # the user's file: not indexed


def test_the_list_is_filtered_by_region_and_period(tmp_path: Path) -> None:
    core, _, _ = build(tmp_path)
    reply = core.handle(ask("sources région:Estrie période:2024-2025"))
    assert isinstance(reply, SourceListReply)
    assert [item.source.number for item in reply.items] == [6]
    assert reply.filters == {"region": "région Estrie", "period": "période 2024-2025"}
    every_region = core.handle(ask("sources région:Mauricie"))
    assert MANDATAIRES in {item.source.doc_id for item in every_region.items}  # regions "*"
    assert 6 not in {item.source.number for item in every_region.items}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sources région:Estri", "Région inconnue : « Estri ». Vouliez-vous dire : Estrie"),
        ("sources période:2024", "Période invalide"),
        ("sources region:Estri period:2024-2029", "Unknown region: “Estri”. Did you mean:"),
    ],
)
def test_a_bad_filter_is_a_private_notice(tmp_path: Path, typed: str, expected: str) -> None:
    core, _, _ = build(tmp_path)
    reply = core.handle(ask(typed))
    assert isinstance(reply, NoticeReply) and reply.kind == "error" and reply.private
    assert expected in reply.text
    assert "`/alliances sources region:Mauricie`" in reply.text or "Exemple" in reply.text


def test_one_document_in_full(tmp_path: Path) -> None:
    core, _, _ = build(tmp_path)
    reply = core.handle(ask("sources voir 6"))
    assert isinstance(reply, SourceCardReply)
    text = reply.fallback_text()
    for expected in (
        "[6] Bilan Estrie 2024", "Date : 2025-03-12", "Période(s) : 2024-2029",
        "Régions : Estrie", "Type : rapport", "Passages : 0", "bilan-estrie.md",
        "Ajouté par : U0MARIE01, le ", "Historique :", "— ajouté par U0MARIE01",
    ):  # fmt: skip
        assert expected in text, (expected, text)
    shipped = core.handle(ask("sources show 4"))
    assert "Added by: shipped with the assistant" in shipped.fallback_text()
    assert "Regions: every region" in shipped.fallback_text()
    unknown = core.handle(ask("sources voir 99"))
    assert isinstance(unknown, NoticeReply) and unknown.private
    assert "Aucun document ne porte le numéro 99" in unknown.text


def test_a_curator_corrects_and_the_document_is_reindexed(tmp_path: Path) -> None:
    core, assistant, home = build(tmp_path)
    reply = core.handle(
        ask(
            'sources corriger 4 région:Mauricie période:2019-23 titre:"Mandataires 2019-2023" '
            "url:https://www.quebec.ca/alliances",
            user=CURATOR,
        )
    )
    assert isinstance(reply, SourceCorrectedReply), reply
    assert reply.indexed is True and reply.passages == 4
    assert ("région", "toutes les régions", "Mauricie") in reply.changes
    assert ("adresse", "—", "https://www.quebec.ca/alliances") in reply.changes
    assert "Ses passages (4) portent la correction" in reply.fallback_text()
    with SourceRegistry(database_path(home)) as registry:
        source = registry.get(4)
    assert source.regions == ("Mauricie",) and source.periods == ("2019-2023",)
    assert source.title == "Mandataires 2019-2023"
    assert source.corrected == ("periods", "regions", "title", "url")
    assert history(home, 4) == [("added", None), ("corrected", CURATOR)]
    ((info, root),) = assistant.refreshed
    assert (info.doc_id, root) == (MANDATAIRES, "shipped") and info.path.is_file()
    card = core.handle(ask("sources voir 4")).fallback_text()
    assert "corrigé par U0CURATOR — titre : Alliances pour la solidarité" in card
    assert "région : toutes les régions → Mauricie" in card


def test_a_users_document_is_reindexed_from_its_own_file(tmp_path: Path) -> None:
    core, assistant, _ = build(tmp_path)
    reply = core.handle(ask("sources correct 6 region:Outaouais", user=CURATOR))
    assert isinstance(reply, SourceCorrectedReply) and reply.language == "en"
    ((info, root),) = assistant.refreshed
    assert info.doc_id.endswith("bilan-estrie.md") and root == str(tmp_path / "depot")
    assert "Its passages (0) carry the correction" in reply.fallback_text()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sources corriger 4 région:Atlantide", "Région inconnue : « Atlantide »"),
        ("sources corriger 4 titre:Bon région:Mauricy", "Vouliez-vous dire : Mauricie"),
        ("sources corriger 4 période:2021-09", "Période invalide : « 2021-09 »"),
        ("sources corriger 4 url:exemple.org", "http:// ou https://"),
        ("sources corriger 99 région:Estrie", "Aucun document ne porte le numéro 99"),
        ("sources corriger 4 couleur:bleu", "Champ inconnu"),
        ("sources correct 4 period:2021-09", "Invalid period: “2021-09”. Write two years"),
        ("sources correct 4 url:example.org", "Invalid address: “example.org”"),
        ("sources correct 4 region:Atlantis", "Unknown region: “Atlantis”"),
        ("sources correct 99 region:Estrie", "No document has number 99"),
    ],
)
def test_a_bad_correction_is_explained_and_writes_nothing(
    tmp_path: Path, typed: str, expected: str
) -> None:
    core, assistant, home = build(tmp_path)
    reply = core.handle(ask(typed, user=CURATOR))
    assert isinstance(reply, NoticeReply) and reply.kind == "error" and reply.private
    assert expected in reply.text, reply.text
    assert "sources" in reply.text  # how to write it right
    with SourceRegistry(database_path(home)) as registry:
        assert registry.get(4).corrected == ()
    assert history(home, 4) == [("added", None)]
    assert assistant.refreshed == []


def test_a_reindexing_failure_keeps_the_correction_and_says_so(tmp_path: Path) -> None:
    core, assistant, home = build(tmp_path)
    assistant.fail = True
    reply = core.handle(ask("sources corriger 4 région:Estrie", user=CURATOR))
    assert isinstance(reply, SourceCorrectedReply) and reply.indexed is False
    assert "sera refaite à la prochaine indexation" in reply.fallback_text()
    assert history(home, 4)[-1] == ("corrected", CURATOR)


def test_a_missing_file_refuses_the_correction(tmp_path: Path) -> None:
    core, assistant, home = build(tmp_path)
    shutil.rmtree(tmp_path / "depot")
    reply = core.handle(ask("sources corriger 6 titre:Nouveau", user=CURATOR))
    assert isinstance(reply, NoticeReply) and "introuvable" in reply.text
    assert history(home, 6) == [("added", "U0MARIE01")] and not assistant.refreshed


def test_a_curator_removes_a_document(tmp_path: Path) -> None:
    core, assistant, home = build(tmp_path)
    reply = core.handle(ask("sources retirer 4", user=CURATOR))
    assert isinstance(reply, SourceRemovedReply) and reply.unindexed is True
    assert reply.passages_removed == 4 and assistant.removed == [MANDATAIRES]
    assert "Ses 4 passages ne servent plus aux réponses" in reply.fallback_text()
    with SourceRegistry(database_path(home)) as registry:
        removed = registry.get(4)
        assert removed.removed and removed.removed_by == CURATOR
        assert 4 not in {source.number for source in registry.list()}
    assert history(home, 4) == [("added", None), ("removed", CURATOR)]
    listed = core.handle(ask("sources"))
    assert 4 not in {item.source.number for item in listed.items}
    card = core.handle(ask("sources voir 4")).fallback_text()
    assert "— retiré" in card and "Retiré : " in card
    again = core.handle(ask("sources retirer 4", user=CURATOR))
    assert isinstance(again, SourceRemovedReply) and again.already
    assert assistant.removed == [MANDATAIRES] and len(history(home, 4)) == 2
    refused = core.handle(ask("sources corriger 4 région:Estrie", user=CURATOR))
    assert isinstance(refused, NoticeReply) and "retiré de la base" in refused.text


@pytest.mark.parametrize(
    "typed", ["sources corriger 4 région:Estrie", "sources retirer 4", "sources remove 4"]
)
def test_only_curators_write(tmp_path: Path, typed: str) -> None:
    core, assistant, home = build(tmp_path)
    reply = core.handle(ask(typed, user=READER))
    assert isinstance(reply, NoticeReply) and reply.kind == "refusal" and reply.private
    assert READER in reply.text and "ALLIANCES_CURATORS" in reply.text
    assert ("Sorry, only" if "remove" in typed else "Désolé, seuls") in reply.text
    assert history(home, 4) == [("added", None)]
    assert not assistant.refreshed and not assistant.removed


def test_without_curators_nobody_writes_and_the_refusal_says_how(tmp_path: Path) -> None:
    core, _, home = build(tmp_path, curators=set())
    reply = core.handle(ask("sources retirer 4", user=ADMIN))
    assert isinstance(reply, NoticeReply) and reply.kind == "refusal"
    assert "Aucun responsable de la base n'est configuré" in reply.text
    assert history(home, 4) == [("added", None)]


def test_help_is_listed_in_the_general_help(tmp_path: Path) -> None:
    core, _, _ = build(tmp_path)
    general = core.handle(ask("aide"))
    assert "`/alliances sources aide`" in general.text
    own = core.handle(ask("sources aide", platform="teams"))
    assert isinstance(own, NoticeReply) and "`sources corriger 3 région:Outaouais" in own.text
    english = core.handle(ask("sources help"))
    assert "`/alliances sources correct 3 region:Outaouais" in english.text


# --- the curators setting ---------------------------------------------------------------------


def test_curators_default_to_the_admins(tmp_path: Path) -> None:
    environ = {"ALLIANCES_HOME": str(tmp_path), "ALLIANCES_ADMINS": "U012AB3CD"}
    assert load_settings(environ).curators == {"U012AB3CD"}
    environ["ALLIANCES_CURATORS"] = " U0CURATOR , 22222222-2222-2222-2222-222222222222,"
    assert load_settings(environ).curators == {
        "U0CURATOR",
        "22222222-2222-2222-2222-222222222222",
    }
    (tmp_path / "config.toml").write_text('curators = ["U0FROMFILE"]\n', encoding="utf-8")
    assert load_settings(environ).curators == {
        "U0CURATOR", "22222222-2222-2222-2222-222222222222", "U0FROMFILE",
    }  # fmt: skip
    del environ["ALLIANCES_CURATORS"]
    assert load_settings(environ).curators == {"U0FROMFILE"}


@pytest.mark.parametrize(
    ("values", "config", "message"),
    [
        ({"ALLIANCES_CURATORS": "@marie"}, None, "ALLIANCES_CURATORS : « @marie »"),
        ({}, "curators = 3\n", "« curators » doit être une liste"),
    ],
)
def test_bad_curators_are_refused(
    tmp_path: Path, values: dict[str, str], config: str | None, message: str
) -> None:
    if config:
        (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings({"ALLIANCES_HOME": str(tmp_path), **values})


# --- renderings -------------------------------------------------------------------------------


def test_slack_blocks(tmp_path: Path) -> None:
    from bot.slack.source_blocks import source_reply_blocks

    core, _, _ = build(tmp_path)
    listed = source_reply_blocks(core.handle(ask("sources")))
    assert listed[0]["type"] == "header" and "Documents de la base (6)" in json.dumps(
        listed[0], ensure_ascii=False
    )
    dumped = json.dumps(listed, ensure_ascii=False)
    assert dumped.count("— fourni") == 5 and "*[6]* Bilan Estrie 2024" in dumped
    assert "/alliances sources voir <n>" in dumped
    core.handle(ask("sources corriger 6 titre:Bilan <Estrie> & co", user=CURATOR))
    blocks = source_reply_blocks(core.handle(ask("sources voir 6")))
    assert blocks[0]["text"] == {"type": "plain_text", "text": "[6] Bilan <Estrie> & co",
                                 "emoji": True}  # fmt: skip
    card = json.dumps(blocks[1:], ensure_ascii=False)  # mrkdwn: escaped
    assert "Bilan &lt;Estrie&gt; &amp; co" in card and "<Estrie>" not in card
    assert "<@U0MARIE01>, le " in card and "corrigé par <@U0CURATOR>" in card
    removed = source_reply_blocks(core.handle(ask("sources retirer 6", user=CURATOR)))
    assert "retiré de la base" in json.dumps(removed, ensure_ascii=False)
    assert source_reply_blocks(NoticeReply("x")) is None


def test_teams_cards(tmp_path: Path) -> None:
    from bot.teams import cards as kit
    from bot.teams import render
    from bot.teams import source_cards as sc

    core, _, _ = build(tmp_path)
    (activity,) = render(core.handle(ask("sources", platform="teams")))
    card = activity.attachments[0].content
    buttons = [
        action
        for column_set in card["body"][1:]
        if column_set.get("type") == "ColumnSet"
        for column in column_set["columns"]
        for item in column["items"]
        if item.get("type") == "ActionSet"
        for action in item["actions"]
    ]
    assert len(buttons) == 6
    assert buttons[3]["data"] == {kit.ACTION_KEY: sc.ACTION_SHOW, "number": 4, "language": "fr"}
    assert kit.CARD_ACTIONS[sc.ACTION_SHOW](buttons[3]["data"]) == "sources voir 4"
    assert sc.show_command({"number": "4; drop", "language": "en"}) == "sources show"
    (shown,) = render(core.handle(ask("sources voir 6", platform="teams")))
    facts = {f["title"]: f["value"] for f in shown.attachments[0].content["body"][1]["facts"]}
    assert facts["Régions"] == "Estrie" and facts["Passages"] == "0"
    (corrected,) = render(
        core.handle(ask("sources corriger 6 région:Mauricie", "U0CURATOR", platform="teams"))
    )
    assert "Mauricie" in json.dumps(corrected.attachments[0].content, ensure_ascii=False)


# --- ingestion follows the registry (the real index, a two-document corpus) ------------------


@pytest.fixture()
def corpus_assistant(tmp_path: Path, encoder) -> tuple[Any, Path, list[DocumentInfo]]:
    from bot.assistant import Assistant
    from retrieval.index import KnowledgeIndex
    from retrieval.ingestion import discover, root_for

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "jardins.md").write_text(
        "# Jardins collectifs\n## Bilan\nLe jardin collectif de Shawinigan a nourri 40 familles.\n",
        encoding="utf-8",
    )
    (folder / "cuisine.txt").write_text(
        "Cuisines collectives\n\nLa cuisine de Rimouski prépare des repas pour les aînés.\n",
        encoding="utf-8",
    )
    assistant = Assistant(KnowledgeIndex(tmp_path / "home", encoder=encoder, chroma_url=""))
    documents, _ = discover([folder])
    report = assistant.ingest(documents, root=root_for([folder]))
    assert len(report.added) == 2
    return assistant, folder, documents


def _chunks(assistant: Any, doc_id: str) -> list[Any]:
    store = assistant.index.store
    ids = store.chunk_ids_by_document([doc_id]).get(doc_id, set())
    return list(store.chunks_by_id(ids).values())


def _lexical(assistant: Any, query: str) -> str:
    hits = assistant.index.search(query, 5, mode="lexical").hits
    return " ".join(hit.chunk.text for hit in hits)


def test_a_correction_reaches_the_passages_and_stays(corpus_assistant) -> None:
    from retrieval.ingestion import root_for, verify

    assistant, folder, documents = corpus_assistant
    jardins = next(info for info in documents if info.path.name == "jardins.md")
    with SourceRegistry.open(assistant.home) as registry:
        number = registry.get(jardins.doc_id).number
        registry.correct(number, {"région": "Mauricie", "titre": "Bilan des jardins"}, by=CURATOR)
    report = assistant.refresh_document(jardins, root_for([folder]))
    assert report.updated == [jardins.doc_id] and report.chunks_indexed >= 1
    metadata = [chunk.metadata for chunk in _chunks(assistant, jardins.doc_id)]
    assert metadata and all(m["title"] == "Bilan des jardins" for m in metadata)
    assert all(m["region"] == "Mauricie" for m in metadata)
    cuisine = next(info for info in documents if info.path.name == "cuisine.txt")
    assert {c.metadata["title"] for c in _chunks(assistant, cuisine.doc_id)} == {
        "Cuisines collectives"
    }  # the other document is left alone
    # The next ingestion of the folder finds everything current, and keeps the correction.
    again = assistant.ingest(documents, root=root_for([folder]))
    assert not again.changed and sorted(again.unchanged) == sorted(d.doc_id for d in documents)
    assert verify(assistant.index, documents, root=root_for([folder])) == []


def test_an_interrupted_correction_is_redone_by_the_next_ingestion(corpus_assistant) -> None:
    from retrieval.ingestion import root_for

    assistant, folder, documents = corpus_assistant
    jardins = next(info for info in documents if info.path.name == "jardins.md")
    with SourceRegistry.open(assistant.home) as registry:  # corrected, never re-indexed
        registry.correct(jardins.doc_id, {"période": "2024-2029"}, by=CURATOR)
    report = assistant.ingest(documents, root=root_for([folder]))
    assert report.updated == [jardins.doc_id]
    assert {c.metadata["periods"] for c in _chunks(assistant, jardins.doc_id)} == {"2024-2029"}


def test_a_removed_document_never_comes_back(corpus_assistant) -> None:
    from retrieval.ingestion import root_for, verify

    assistant, folder, documents = corpus_assistant
    jardins = next(info for info in documents if info.path.name == "jardins.md")
    assert "Shawinigan" in _lexical(assistant, "jardin Shawinigan familles")
    with SourceRegistry.open(assistant.home) as registry:
        registry.remove(jardins.doc_id, by=CURATOR)
    assistant.remove_document(jardins.doc_id)
    assert "Shawinigan" not in _lexical(assistant, "jardin Shawinigan familles")
    assert assistant.index.vectors.ids_of_documents([jardins.doc_id]) == set()
    report = assistant.ingest(documents, root=root_for([folder]))
    assert report.withdrawn == [jardins.doc_id] and not report.added and not report.updated
    assert "1 écarté(s)" in report.summary()
    assert "Shawinigan" not in _lexical(assistant, "jardin Shawinigan familles")
    assert verify(assistant.index, documents, root=root_for([folder])) == []
    assert (folder / "jardins.md").is_file()
    with SourceRegistry.open(assistant.home) as registry:
        assert registry.get(jardins.doc_id).removed  # not brought back by the ingestion
        assert [h.action for h in registry.history(jardins.doc_id)] == ["added", "removed"]


def test_ingestion_finishes_an_interrupted_removal(corpus_assistant) -> None:
    from retrieval.ingestion import root_for

    assistant, folder, documents = corpus_assistant
    cuisine = next(info for info in documents if info.path.name == "cuisine.txt")
    with SourceRegistry.open(assistant.home) as registry:  # marked, never taken out
        registry.remove(cuisine.doc_id, by=CURATOR)
    assert "Rimouski" in _lexical(assistant, "cuisine Rimouski aînés")
    report = assistant.ingest(documents[:0], root="another-root")  # any ingestion
    assert report.removed == [cuisine.doc_id]
    assert "Rimouski" not in _lexical(assistant, "cuisine Rimouski aînés")
    assert assistant.index.store.document(cuisine.doc_id) is None
    assert root_for([folder]) != "another-root"
