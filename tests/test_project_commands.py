"""The project commands: the syntax (knowledge/project_commands.py, property-tested with
hypothesis, with the French amounts), and the platform-neutral core (bot/projects.py) behind
`projet …` on every platform."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from standins.servers import ADMIN, OTHER_USER, USER, FakeAssistant

from bot.chat import ChatCore, ChatRequest, Conversation, NoticeReply
from bot.projects import (
    EditorPolicy,
    FormErrors,
    ProjectCardReply,
    ProjectChoiceReply,
    ProjectCommands,
    ProjectConfirmationReply,
    ProjectFormReply,
    ProjectListReply,
)
from bot.state import State
from knowledge.amounts import parse_amount
from knowledge.project_commands import (
    ACTION_WORDS,
    ALLOWED_OPTIONS,
    OPTION_KEYS,
    CommandSyntaxError,
    ParsedCommand,
    ProjectRef,
    format_command,
    looks_like_a_command,
    parse_project_command,
)
from knowledge.projects import (
    MAX_CENTS,
    MAX_PEOPLE,
    PROJECT_FIELDS,
    ProjectInputError,
    ProjectStore,
    format_money,
    parse_money,
    parse_people,
    validate_project,
    validate_update,
)
from retrieval.evidence_candidates import quote_texts

# --- the syntax: examples -----------------------------------------------------------------


def test_the_issue_examples() -> None:
    command = parse_project_command(
        '"maj "Les maraîchers du cœur" 12 jeunes inscrits pour la saison; plateau ouvert le '
        "3 juin statut:en cours"[1:]
    )
    assert command == ParsedCommand(
        "update",
        "fr",
        ProjectRef(name="Les maraîchers du cœur", quoted=True),
        text="12 jeunes inscrits pour la saison; plateau ouvert le 3 juin",
        options={"status": "en cours"},
        keys={"status": "statut"},
    )
    command = parse_project_command(
        'maj "Les maraîchers du cœur" 12 jeunes inscrits…; statut:en cours montant:12 500 $ '
        "personnes:12"
    )
    assert command.options == {
        "status": "en cours",
        "amount_spent": "12 500 $",
        "people_reached": "12",
    }
    command = parse_project_command('nouveau "Nom" région:Mauricie budget:40 000 $')
    assert command.ref == ProjectRef(name="Nom", quoted=True) and command.is_write
    assert command.options == {"region": "Mauricie", "budget": "40 000 $"}
    assert parse_project_command("nouveau").wants_form
    assert parse_project_command("new").language == "en"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("voir 12", ProjectRef(id=12)),
        ("voir #12", ProjectRef(id=12)),
        ("voir « Lucioles »", ProjectRef(name="Lucioles", quoted=True)),
        ("voir “Lucioles”", ProjectRef(name="Lucioles", quoted=True)),  # Slack's smart quotes
        ("voir les maraîchers du cœur", ProjectRef(name="les maraîchers du cœur")),
        ("#7", ProjectRef(id=7)),
        ('"Lucioles"', ProjectRef(name="Lucioles", quoted=True)),
    ],
)
def test_show_references(typed: str, expected: ProjectRef) -> None:
    command = parse_project_command(typed)
    assert command.action == "show" and command.ref == expected


def test_unquoted_names_and_numbers_in_updates() -> None:
    unquoted = parse_project_command("maj Les maraîchers du cœur 12 jeunes statut:terminé")
    assert unquoted.ref is None and unquoted.rest == "Les maraîchers du cœur 12 jeunes"
    # "maj 12 jeunes inscrits" must not be read as project #12
    assert parse_project_command("maj 12 jeunes inscrits").rest == "12 jeunes inscrits"
    by_id = parse_project_command("mise à jour #3 Bilan : 40 familles, voir http://x.org")
    assert by_id.ref == ProjectRef(id=3) and by_id.text == "Bilan : 40 familles, voir http://x.org"
    protected = parse_project_command('maj #3 "à la fin: bilan positif" statut:terminé')
    assert protected.text == "à la fin: bilan positif" and protected.options == {
        "status": "terminé"
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("frobnicate", "Sous-commande inconnue : « frobnicate »"),
        ("mj #3 texte", "Vouliez-vous dire « maj »"),
        ("maj #3 texte statu:en cours", "Vouliez-vous dire « statut: »"),
        ("maj #3 texte budget:5 $", "ne s'applique pas à « maj »"),
        ("maj #3 texte statut:en cours statut:terminé", "donnée deux fois"),
        ("maj #3 texte statut:", "n'a pas de valeur"),
        ('maj "Les maraîchers 12 jeunes', "Guillemet non fermé"),
        ("maj", "Précisez le projet et le texte"),
        ("voir", "Précisez le projet"),
        ('voir "X" en trop', "Texte en trop"),
        ("nouveau région:Mauricie", "Donnez le nom du projet"),
        ('nouveau "" région:Mauricie', "vide"),
    ],
)
def test_syntax_errors_are_explained(typed: str, message: str) -> None:
    with pytest.raises(CommandSyntaxError, match=message) as error:
        parse_project_command(typed)
    assert error.value.english and error.value.english != error.value.message


# --- the syntax: properties ---------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêàâçôîûœÉÈÀÇ"
_WORD = st.text(_LETTERS + "0123456789'’-", min_size=1, max_size=12)
_PUNCTUATED = st.text(_LETTERS + "0123456789'’-;,.!?()$%", min_size=1, max_size=12)
_NAME = st.lists(
    st.one_of(_WORD, st.sampled_from(["du", "cœur", "Val-d'Or", "(phase 2)", "volet:2"])),
    min_size=1,
    max_size=6,
).map(" ".join)
_TEXT = st.lists(
    st.one_of(_PUNCTUATED, st.sampled_from(["12:30", "Bilan :", "fin:", "http://x.org", "#2"])),
    min_size=1,
    max_size=12,
).map(" ".join)
_VALUE = st.lists(_PUNCTUATED, min_size=1, max_size=4).map(" ".join)
_TYPED_KEYS: dict[str, list[str]] = {}
for _alias, _field in OPTION_KEYS.items():
    _TYPED_KEYS.setdefault(_field, []).append(_alias)
_TYPED_KEYS["region"] += ["région", "RÉGION"]
_TYPED_KEYS["start_date"].append("début")
_TYPED_KEYS["amount_spent"].append("dépensé")
_TYPED_KEYS["status"] += ["état", "Statut"]
_ACTIONS = [word for word in ACTION_WORDS if " " not in word]


@st.composite
def commands(draw: Any) -> ParsedCommand:
    word = draw(st.sampled_from(_ACTIONS))
    action, language = ACTION_WORDS[word]
    allowed = ALLOWED_OPTIONS[action]
    fields = draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else []
    options = {name: draw(_VALUE) for name in fields}
    keys = {name: draw(st.sampled_from(_TYPED_KEYS[name])) for name in fields}
    by_id = st.builds(lambda n: ProjectRef(id=n), st.integers(1, 10**6))
    by_name = st.builds(lambda name: ProjectRef(name=name, quoted=True), _NAME)
    if action == "show":
        return ParsedCommand("show", language, draw(st.one_of(by_id, by_name)))
    if action == "update":
        if draw(st.booleans()):
            rest = draw(st.lists(_WORD, min_size=1, max_size=8).map(" ".join))
            return ParsedCommand("update", language, rest=rest, options=options, keys=keys)
        ref = draw(st.one_of(by_id, by_name))
        return ParsedCommand("update", language, ref, draw(_TEXT), options=options, keys=keys)
    if action == "new":
        if not options and draw(st.booleans()):
            return ParsedCommand("new", language)  # the form
        description = draw(st.one_of(st.just(""), _TEXT))
        return ParsedCommand(
            "new", language, draw(by_name), description, options=options, keys=keys
        )
    if action == "list":
        return ParsedCommand("list", language, options=options, keys=keys)
    return ParsedCommand("help", language)


@given(commands())
@settings(max_examples=200, deadline=None)
def test_commands_read_back_as_written(command: ParsedCommand) -> None:
    written = format_command(command)
    assert parse_project_command(written) == command
    assert looks_like_a_command(written)  # the chat core hands it to the project commands


@given(st.text(max_size=200))
@example('maj "')
@example("maj #")
@example("statut:")
@example(":::")
@example("maj « a » b « c")
@settings(max_examples=500, deadline=None)
def test_any_text_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        command = parse_project_command(text)
    except CommandSyntaxError as error:
        assert str(error) and error.english
    else:
        assert command.action in ("new", "update", "show", "list", "help")


# --- amounts: properties ------------------------------------------------------------------

_SPACES = ["\u00a0", " ", "\u202f", "\u2009"]


@given(st.integers(0, 10**12), st.sampled_from(_SPACES), st.sampled_from([" $", "$", ""]))
@settings(max_examples=300, deadline=None)
def test_french_amounts_read_back_exactly(cents: int, space: str, currency: str) -> None:
    written = format_money(cents).replace("\u00a0$", "").replace("\u00a0", space) + currency
    assert parse_money(written) == cents


@given(
    st.integers(0, 9999),
    st.integers(0, 9),
    st.sampled_from(["M$", " M$", " millions de dollars", " k$"]),
)
@settings(deadline=None)
def test_scaled_amounts(units: int, tenth: int, scale: str) -> None:
    factor = 1_000 if "k" in scale else 1_000_000
    assert parse_amount(f"{units},{tenth}{scale}") == Decimal(units * factor + tenth * factor // 10)


@given(st.integers(1, 10**9), st.sampled_from(["-", "−", "– "]))
@settings(deadline=None)
def test_negative_amounts_are_refused(cents: int, minus: str) -> None:
    with pytest.raises(ProjectInputError, match="négatif"):
        parse_money(minus + format_money(cents))


@st.composite
def number_texts(draw: st.DrawFn) -> str:
    """Texts shaped like numbers, of any length: digits (grouped by spaces or not), decimals,
    a scale, a currency, a sign; what a typo or a paste can put in a field."""
    length = draw(st.integers(1, 60))  # drawn first: long numbers come as often as short
    digits = draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    if draw(st.booleans()):
        groups = [digits[max(0, end - 3) : end] for end in range(len(digits), 0, -3)][::-1]
        digits = draw(st.sampled_from(_SPACES)).join(groups)
    decimals = draw(st.one_of(st.none(), st.text(alphabet="0123456789", max_size=40)))
    number = digits if decimals is None else digits + draw(st.sampled_from([",", "."])) + decimals
    scale = draw(st.sampled_from(["", " k", " M", "M", " G", " Md", " millions de", " milliards"]))
    currency = draw(st.sampled_from(["", " $", "$", " dollars"]))
    sign = draw(st.sampled_from(["", "", "-", "\u2212 "]))
    return f"{sign}{number}{scale}{currency}"


_ANY_AMOUNT = st.one_of(st.text(max_size=40), number_texts())


@given(_ANY_AMOUNT, st.sampled_from(["amount_spent", "budget"]))
@example("10000000000000000000000000000", "amount_spent")
@example("10000000000000000000000000000 $", "budget")
@example("9" * 5000 + " $", "budget")
@example("1," + "0" * 40 + "1 M$", "budget")
@example("12,500 $", "amount_spent")
@example("1e6 $", "amount_spent")
@example("douze " * 500, "budget")
@settings(max_examples=400, deadline=None)
def test_any_amount_text_is_read_or_refused_with_a_message(text: str, field: str) -> None:
    try:
        cents = parse_money(text, field)
    except ProjectInputError as error:
        assert error.field == field and "montant" in error.message.lower()
        assert error.english and len(error.message) < 300  # fits under a form field
    else:
        # bounded: every amount stored fits an SQLite INTEGER, with room for sums
        assert cents is None or 0 <= cents <= MAX_CENTS < 2**63 // 1000


@given(st.one_of(st.text(max_size=40), number_texts()))
@example("9" * 5000)
@example("99999999999999999999")
@example("10 000 001")
@example("douze " * 500)
@settings(max_examples=300, deadline=None)
def test_any_people_text_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        people = parse_people(text)
    except ProjectInputError as error:
        assert error.field == "people_reached" and "personnes" in error.message
        assert error.english and len(error.message) < 300
    else:
        assert people is None or 0 <= people <= MAX_PEOPLE


_ANY_FIELD = st.one_of(st.none(), st.text(max_size=30), number_texts())


@given(st.fixed_dictionaries({name: _ANY_FIELD for name in PROJECT_FIELDS}))
@example({"name": "Jardin", "region": "Estrie", "budget": "10000000000000000000000000000"})
@settings(max_examples=200, deadline=None)
def test_any_project_fields_give_a_draft_or_field_errors(raw: dict[str, str | None]) -> None:
    """What the forms and the CSV import hand over: never an exception, only field errors."""
    draft, errors = validate_project(raw)
    assert (draft is None) == bool(errors)
    for error in errors:
        assert isinstance(error, ProjectInputError) and error.field in PROJECT_FIELDS
        assert error.message and error.english
    if draft is not None and draft.budget_cents is not None:
        assert 0 <= draft.budget_cents <= MAX_CENTS


@given(
    st.fixed_dictionaries(
        {"text": st.text(max_size=20), "status": _ANY_FIELD},
        optional={"amount_spent": _ANY_FIELD, "people_reached": _ANY_FIELD},
    )
)
@example({"text": "t", "status": None, "amount_spent": "1" * 30, "people_reached": "9" * 5000})
@settings(max_examples=200, deadline=None)
def test_any_update_fields_give_a_draft_or_field_errors(raw: dict[str, str | None]) -> None:
    draft, errors = validate_update(raw)
    assert (draft is None) == bool(errors)
    assert all(isinstance(error, ProjectInputError) and error.message for error in errors)


# --- the core -----------------------------------------------------------------------------


class FakeEncoder:
    name = "fake"

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 4), dtype=np.float32)


class FakeChunkStore:
    def __init__(self, index: FakeIndex):
        self.index = index

    def documents(self, root: str | None = None) -> list[Any]:
        return [record for record, _ in self.index.documents.values()]


class FakeVectors:
    def __init__(self, index: FakeIndex):
        self.index = index

    def stored_passages(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        chunks = [chunk for _, stored in self.index.documents.values() for chunk in stored]
        return {c.chunk_id: (c.text, c.metadata) for c in chunks if c.chunk_id in set(ids)}


class FakeIndex:
    """Records what would be indexed (the real index is exercised in test_projects_slack)."""

    encoder_name = "fake"
    vector_location = "local"

    def __init__(self, home: Path) -> None:
        self.home = home  # where the answerer's quote vectors are kept
        self.encoder = FakeEncoder()
        self.documents: dict[str, tuple[Any, list[Any]]] = {}
        self.store = FakeChunkStore(self)
        self.vectors = FakeVectors(self)
        self.fail = False

    def put_documents(self, batch: Any) -> None:
        if self.fail:
            raise OSError("index unavailable")
        for record, chunks, _vectors in batch:
            self.documents[record.doc_id] = (record, list(chunks))

    def put_document(self, record: Any, chunks: Any, vectors: Any = None) -> None:
        self.put_documents([(record, chunks, vectors)])

    def remove_document(self, doc_id: str) -> None:
        self.documents.pop(doc_id, None)


class IndexedAssistant(FakeAssistant):
    def __init__(self, home: Path) -> None:
        super().__init__()
        self.index = FakeIndex(home)


class Groups:
    def __init__(self, members: dict[str, list[str]] | None = None, fail: bool = False):
        self.members_of = members or {}
        self.fail = fail
        self.calls = 0

    def members(self, group_id: str) -> frozenset[str]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("missing_scope")
        return frozenset(self.members_of.get(group_id, []))


@pytest.fixture()
def setup(tmp_path: Path) -> Any:
    class Setup:
        state = State(tmp_path / "state.db")
        store = ProjectStore(tmp_path / "alliances.db")
        assistant = IndexedAssistant(tmp_path)
        core = ChatCore(state, admins={ADMIN}, assistant=assistant)
        editors = EditorPolicy({USER}, {"S0EDITORS"})
        projects = ProjectCommands(store, editors, assistant=lambda: Setup.core.assistant)
        core.register(projects.command())
        requests = iter(range(1, 10_000))

        @classmethod
        def run(cls, text: str, *, user: str = USER, platform: str = "slack") -> Any:
            return cls.core.handle(
                ChatRequest(
                    text=text,
                    user_id=user,
                    conversation=Conversation(platform, "C0MAURICIE"),
                    private=True,
                    surface="command",
                    request_id=f"{platform}:test:{next(cls.requests)}",
                    user_name="marie.tremblay",
                )
            )

    return Setup


def test_create_update_show_list(setup: Any) -> None:
    created = setup.run('projet nouveau "Les maraîchers du cœur" région:Mauricie budget:40 000 $')
    assert isinstance(created, ProjectConfirmationReply) and created.created
    assert created.result.project.budget_cents == 4_000_000 and created.indexed is True
    logged = setup.run(
        'projet maj "Les maraîchers du cœur" 12 jeunes inscrits pour la saison; plateau ouvert '
        "le 3 juin statut:en cours"
    )
    assert isinstance(logged, ProjectConfirmationReply) and not logged.created
    assert logged.result.update.text.startswith("12 jeunes inscrits")  # type: ignore[union-attr]
    assert "à venir → en cours" in logged.fallback_text()
    documents = setup.assistant.index.documents
    assert set(documents) == {"project:1", "project-update:1"}
    _record, (chunk,) = documents["project-update:1"]
    assert chunk.metadata["kind"] == "project-update" and chunk.metadata["region"] == "Mauricie"
    assert chunk.metadata["project_id"] == 1 and chunk.metadata["author"] == "marie.tremblay"
    assert chunk.section.startswith("Les maraîchers du cœur — mise à jour du ")
    _record, (card_chunk,) = documents["project:1"]
    assert card_chunk.section == "Les maraîchers du cœur — fiche du projet"
    # The encoder reads each quote with its section: every line of the card names its project.
    assert all("Les maraîchers du cœur" in text for text in quote_texts(card_chunk))

    card = setup.run("projet voir #1")
    assert isinstance(card, ProjectCardReply) and card.update_count == 1
    assert "12 jeunes inscrits" in card.fallback_text()
    listing = setup.run("projet liste région:Mauricie")
    assert isinstance(listing, ProjectListReply) and listing.total == 1
    assert setup.run("projet liste Mauricie").total == 1  # type: ignore[union-attr]
    assert setup.run("projet liste région:Estrie").total == 0  # type: ignore[union-attr]


def test_unquoted_names_are_split_against_the_known_names(setup: Any) -> None:
    setup.run('projet nouveau "Les maraîchers du cœur" région:Mauricie')
    reply = setup.run("projet maj maraichers du coeur 15 jeunes au plateau personnes:15")
    assert isinstance(reply, ProjectConfirmationReply)
    assert reply.result.update.text == "15 jeunes au plateau"  # type: ignore[union-attr]
    unknown = setup.run("projet maj jardins partagés 3 bacs installés")
    assert isinstance(unknown, NoticeReply) and "entre guillemets" in unknown.text


def test_ambiguous_names_give_a_pick_list(setup: Any) -> None:
    setup.run('projet nouveau "Lucioles Val-d\'Or" région:Abitibi')
    setup.run('projet nouveau "Lucioles Rouyn" région:Abitibi')
    choice = setup.run('projet maj "Lucioles" 5 familles accompagnées montant:2 000 $')
    assert isinstance(choice, ProjectChoiceReply) and len(choice.candidates) == 2
    assert setup.store.updates(1) == [] and setup.store.updates(2) == []  # nothing guessed
    request = ChatRequest("", USER, Conversation("slack", "C1"), private=True)
    done = setup.projects.choose(request, choice.token, 2)
    assert isinstance(done, ProjectConfirmationReply) and done.result.project.id == 2
    assert done.result.update.amount_spent_cents == 200_000  # type: ignore[union-attr]
    twice = setup.projects.choose(request, choice.token, 1)  # a second click: no second write
    assert isinstance(twice, ProjectConfirmationReply) and twice.result.replayed
    assert setup.store.updates(1) == []
    other = ChatRequest("", OTHER_USER, Conversation("slack", "C1"), private=True)
    assert setup.projects.choose(other, choice.token, 1).kind == "refusal"  # type: ignore[union-attr]
    # a near match is confirmed before writing, shown at once when reading
    near = setup.run('projet maj "Lucioles Rouin" 2 familles')
    assert isinstance(near, ProjectChoiceReply) and [p.id for p in near.candidates] == [2]
    assert isinstance(setup.run('projet voir "Lucioles Rouin"'), ProjectCardReply)
    shown = setup.run('projet voir "Lucioles"')
    assert isinstance(shown, ProjectChoiceReply)
    assert isinstance(setup.projects.choose(other, shown.token, 1), ProjectCardReply)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ('nouveau "Jardin" région:Mauricy', "Vouliez-vous dire : Mauricie"),
        ('nouveau "Jardin" région:CSSPNQL', "CSSSPNQL"),
        ('nouveau "Jardin" région:Estrie budget:-40 000 $', "Montant négatif"),
        ('nouveau "Jardin" région:Estrie budget:40 000,505 $', "Montant illisible"),
        ('nouveau "Jardin" région:Estrie statut:bientôt', "Statut inconnu"),
        ('nouveau "Jardin"', "Précisez la région"),
        ('nouveau "Les maraîchers du cœur" région:Mauricie', "porte déjà ce nom"),
        ("maj #1 12 jeunes montant:-5 $", "Montant négatif"),
        ("maj #1 12 jeunes montant:douze", "Montant illisible"),
        ("maj #1 12 jeunes personnes:-3", "négatif"),
        ("maj #1 texte montant:10000000000000000000000000000 $", "Montant trop élevé"),
        ("maj #1 texte montant:12 000 000 000 $", "maximum est 10"),
        ("maj #1 texte personnes:99999999999999999999999", "Nombre de personnes trop élevé"),
        ('nouveau "Jardin" région:Estrie budget:10000000000000000000000000000', "trop élevé"),
        ("maj #1 12 jeunes statut:presque fini", "Statut inconnu"),
        ("maj #99 12 jeunes", "Aucun projet ne porte le numéro #99"),
        ('maj "Jardins du Nord" 12 jeunes', "Aucun projet ne s'appelle"),
        ("maj #1", "texte de la mise à jour est vide"),
        ("maj #1 " + "x" * 3001, "trop long"),
        ("maj #1 texte statu:en cours", "Option inconnue"),
        ("voir #99", "#99"),
        ("liste région:Mauricy", "Mauricie"),
        ("liste statut:bientôt", "Statut inconnu"),
    ],
)
def test_bad_input_is_a_private_error_and_writes_nothing(
    setup: Any, command: str, message: str
) -> None:
    setup.run('projet nouveau "Les maraîchers du cœur" région:Mauricie')
    audit = len(setup.store.audit())
    reply = setup.run(f"projet {command}")
    assert isinstance(reply, NoticeReply), reply
    assert reply.kind == "error" and reply.private and message in reply.text
    assert len(setup.store.audit()) == audit


@given(amount=_ANY_AMOUNT, people=st.one_of(st.just(""), number_texts()))
@example(amount="10000000000000000000000000000 $", people="")
@example(amount="", people="9" * 5000)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_figures_in_a_chat_update_are_stored_or_refused_with_a_message(
    setup: Any, amount: str, people: str
) -> None:
    """`/projet maj #1 texte montant:… personnes:…`: a confirmation or a private error that
    says what is wrong, never an exception (the adapters' « erreur interne »)."""
    if setup.store.get(1) is None:
        setup.run('projet nouveau "Les maraîchers du cœur" région:Mauricie')
    options = f" montant:{amount}" if amount.strip() else ""
    options += f" personnes:{people}" if people.strip() else ""
    reply = setup.run(f"projet maj #1 texte{options}")
    if isinstance(reply, ProjectConfirmationReply):
        update = reply.result.update
        assert update is not None and (update.amount_spent_cents or 0) <= MAX_CENTS
        assert (update.people_reached or 0) <= MAX_PEOPLE
    else:
        assert isinstance(reply, NoticeReply) and reply.kind == "error" and reply.private
        assert "erreur interne" not in reply.text


def test_english_commands_get_english_replies(setup: Any) -> None:
    created = setup.run('project new "Community garden" region:Estrie budget:1 000 $')
    assert "Project created" in created.fallback_text()
    logged = setup.run("projet update #1 First harvest status:completed people:8")
    assert "Update logged" in logged.fallback_text() and "in progress" not in logged.fallback_text()
    assert "Status : planned → completed" in logged.fallback_text()
    assert "Unknown region" in setup.run("projet list region:Mauricy").text
    assert "*Projects — /projet*" in setup.run("projet help").text
    assert "*Suivi des projets — projet*" in setup.run("projet", platform="teams").text


def test_writers_are_the_editors(setup: Any) -> None:
    refused = setup.run('projet nouveau "Jardin" région:Estrie', user=OTHER_USER)
    assert isinstance(refused, NoticeReply) and refused.kind == "refusal" and refused.private
    assert "ALLIANCES_EDITORS" in refused.text and OTHER_USER in refused.text
    assert setup.run("projet nouveau", user=OTHER_USER).kind == "refusal"  # no form either
    assert setup.store.count() == 0
    assert isinstance(setup.run("projet liste", user=OTHER_USER), ProjectListReply)  # reading

    groups = Groups({"S0EDITORS": [OTHER_USER]})
    setup.editors.add_resolver("slack", groups)
    assert isinstance(setup.run("projet nouveau", user=OTHER_USER), ProjectFormReply)
    setup.run("projet nouveau", user=OTHER_USER)
    assert groups.calls == 1  # cached
    setup.editors.add_resolver("teams", Groups(fail=True))
    failed = setup.run("projet nouveau", user="29:someone", platform="teams")
    assert "S0EDITORS" in failed.text and "missing_scope" in failed.text


def test_nobody_writes_when_no_editor_is_configured(setup: Any) -> None:
    setup.projects.editors = EditorPolicy()
    refused = setup.run("projet maj #1 texte")
    assert refused.kind == "refusal" and "Aucun rédacteur n'est configuré" in refused.text
    assert "ALLIANCES_EDITORS" in refused.text and "`editors`" in refused.text


def test_writes_wait_for_the_knowledge_base(setup: Any) -> None:
    setup.core.assistant = None  # still ingesting
    reply = setup.run('projet nouveau "Jardin" région:Estrie')
    assert reply.kind == "error" and "pas encore prête" in reply.text
    assert isinstance(setup.run("projet nouveau"), ProjectFormReply)  # the form may open
    assert isinstance(setup.run("projet liste"), ProjectListReply)


def test_a_failed_indexing_is_caught_up(setup: Any) -> None:
    setup.assistant.index.fail = True
    reply = setup.run('projet nouveau "Jardin" région:Estrie')
    assert isinstance(reply, ProjectConfirmationReply) and reply.indexed is False
    assert setup.store.count() == 1  # stored all the same
    setup.assistant.index.fail = False
    setup.run("projet maj #1 Premiers bacs installés")
    assert set(setup.assistant.index.documents) == {"project:1", "project-update:1"}


def test_retried_requests_write_once(setup: Any) -> None:
    request = ChatRequest(
        'projet nouveau "Jardin" région:Estrie',
        USER,
        Conversation("teams", "19:x"),
        request_id="teams:activity:1",
    )
    first, again = setup.core.handle(request), setup.core.handle(request)
    assert not first.result.replayed and again.result.replayed
    assert "déjà reçue" in again.fallback_text() and setup.store.count() == 1


def test_the_form(setup: Any) -> None:
    form = setup.run("projet nouveau")
    assert isinstance(form, ProjectFormReply)
    names = [field.name for field in form.form.fields]
    assert names[:2] == ["name", "region"] and "budget" in names
    region = next(field for field in form.form.fields if field.name == "region")
    assert ("CSSSPNQL", "CSSSPNQL") in region.options
    errors = setup.projects.validate_form(
        {
            "name": "Jardin",
            "region": "Estrie",
            "budget": "-5 $",
            "start_date": "2025-06-01",
            "end_date": "2025-01-01",
        }
    )
    assert set(errors) == {"budget", "end_date"}
    request = ChatRequest("projet nouveau", USER, Conversation("slack", "C1"), request_id="v1")
    done = setup.projects.submit_form({"name": "Jardin", "region": "Estrie"}, request)
    assert isinstance(done, ProjectConfirmationReply)
    assert setup.projects.validate_form({"name": "jardin", "region": "Estrie"}) == {
        "name": setup.projects.validate_form({"name": "Jardin", "region": "Estrie"})["name"]
    }
    again = ChatRequest("projet nouveau", USER, Conversation("slack", "C1"), request_id="v2")
    assert isinstance(
        setup.projects.submit_form({"name": "Jardin", "region": "Estrie"}, again), FormErrors
    )


def test_chat_help_lists_the_project_commands(setup: Any) -> None:
    text = setup.run("aide").text
    assert "/alliances projet aide" in text


@pytest.mark.parametrize(
    "question",
    [
        "Projets financés en Mauricie ?",
        "Projets issus des Alliances en Estrie",
        "projets de la Mauricie",
        "Project funding in Estrie?",
    ],
)
def test_questions_starting_with_projet_stay_questions(setup: Any, question: str) -> None:
    reply = setup.run(question)
    assert not isinstance(reply, NoticeReply) or reply.kind != "error", reply
    assert setup.assistant.calls[-1]["question"] == question


def test_a_mistyped_subcommand_is_named(setup: Any) -> None:
    reply = setup.run("projet mj #3 texte")
    assert isinstance(reply, NoticeReply) and "Vouliez-vous dire « maj »" in reply.text
