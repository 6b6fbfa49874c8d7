"""The project commands (`projet …`), platform-neutral: registered in the ChatCore, so Slack
(`/projet`, `/alliances projet …`, a mention) and Teams (`projet …`) share one implementation.

    commands = install_project_commands(chat, settings)   # bot/server.py, once
    chat.extensions["projects"]                            # what the doors call for forms
                                                           # and buttons

What it does with a request (see knowledge/project_commands.py for the syntax):
- `nouveau` alone → `ProjectFormReply` (the door opens its form: Slack modal, Teams card);
  the form's values come back through `validate_form` / `submit_form`, with an error per
  field; `nouveau "Nom" région:… budget:…` creates at once;
- `maj <#id|nom> <texte> [statut:…] [montant:…] [personnes:…]` → the update is stored with
  its audit row, then indexed for retrieval (same command), → `ProjectConfirmationReply`;
- `voir`, `liste`, `aide` → `ProjectCardReply`, `ProjectListReply`, help;
- a name that designates several projects, or only approximately one for a write, →
  `ProjectChoiceReply` (a pick-list; `choose` completes the command): never a silent guess;
- any bad input → a private `NoticeReply` (kind "error"), nothing written; a user who may
  not write → a private refusal telling how editors are added.

Writes are reserved to editors (`EditorPolicy`: user ids, or platform user groups resolved
through a `GroupResolver` the door registers, e.g. Slack's usergroups.users.list); reading
is open to all. Every write carries the request's id (`ChatRequest.request_id`) as its
idempotency key: a redelivered request returns the first result and writes nothing.

Replies are in French, in English when the command word was English (`update`, `show`…).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bot.bilingual import counted_title
from bot.bilingual import say as _say
from bot.chat import ChatReply, ChatRequest, ChatService, Command, NoticeReply, starting_notice
from knowledge.folding import fold_key
from knowledge.project_commands import (
    CommandSyntaxError,
    ParsedCommand,
    looks_like_a_command,
    parse_project_command,
    quote,
)
from knowledge.projects import (
    FIELD_LABELS,
    STATUSES,
    Actor,
    DuplicateProjectError,
    Project,
    ProjectInputError,
    ProjectStore,
    ProjectUpdate,
    UnknownProjectError,
    WriteResult,
    format_date,
    format_money,
    name_key,
    parse_region,
    parse_status,
    status_label,
    territory_choices,
    validate_project,
    validate_update,
)
from knowledge.regions import UnknownRegionError, resolve_region, territories_in

log = logging.getLogger(__name__)

COMMAND_NAMES = ("projet", "projets", "project", "projects")
EXTENSION = "projects"  # key in ChatService.extensions
LIST_LIMIT = 40
CARD_UPDATES = 5
CHOICE_LIMIT = 8
GROUP_CACHE_S = 300.0

Language = Literal["fr", "en"]


# --- forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One field of a form, for any platform to render (Slack modal, Adaptive Card)."""

    name: str
    label: str
    kind: Literal["text", "multiline", "select", "date"] = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for selects
    initial: str | None = None
    placeholder: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class ProjectForm:
    title: str
    submit: str
    close: str
    fields: tuple[FormField, ...]
    language: str = "fr"


def project_form(language: str = "fr") -> ProjectForm:
    """The creation form: a field per project field, the territories and statuses as lists."""
    regions = tuple((name, name) for name in territory_choices())
    statuses = tuple((status, status_label(status, language)) for status in STATUSES)
    plans = (("PSIS", "PSIS (2010-2015)"), ("PAGIEPS", "PAGIEPS (2017-2023)"))
    return ProjectForm(
        title=_say(language, "Nouveau projet", "New project"),
        submit=_say(language, "Créer", "Create"),
        close=_say(language, "Annuler", "Cancel"),
        language=language,
        fields=(
            FormField(
                "name",
                _say(language, "Nom du projet", "Project name"),
                required=True,
                max_length=200,
                placeholder=_say(language, "ex. Les maraîchers du cœur", "e.g. Community garden"),
            ),
            FormField(
                "region", _say(language, "Région", "Region"), "select", True, options=regions
            ),
            FormField("mrc", "MRC", max_length=200),
            FormField(
                "promoter", _say(language, "Organisme promoteur", "Promoter"), max_length=200
            ),
            FormField("mandataire", "Mandataire", max_length=200),
            FormField("plan", "Plan", "select", options=plans),
            FormField("measure", _say(language, "Mesure", "Measure"), max_length=200),
            FormField(
                "status",
                _say(language, "Statut", "Status"),
                "select",
                options=statuses,
                initial=STATUSES[0],
            ),
            FormField(
                "budget",
                "Budget",
                placeholder=_say(language, "ex. 40 000 $", "e.g. 40 000 $"),
                max_length=40,
            ),
            FormField("start_date", _say(language, "Début", "Start"), "date"),
            FormField("end_date", _say(language, "Fin", "End"), "date"),
            FormField(
                "description",
                "Description",
                "multiline",
                max_length=3000,
                placeholder=_say(
                    language,
                    "Objectifs, public visé, partenaires…",
                    "Goals, audience, partners…",
                ),
            ),
        ),
    )


@dataclass(frozen=True)
class FormErrors:
    """A form that cannot be saved: field name → message (shown next to the field)."""

    errors: dict[str, str]


# --- replies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFormReply:
    """Open the creation form (platforms without forms show `fallback_text`)."""

    form: ProjectForm
    language: str = "fr"
    private: bool = True

    def fallback_text(self) -> str:
        return _say(
            self.language,
            'Pour créer un projet en une ligne : `projet nouveau "Nom du projet" '
            "région:Mauricie budget:40 000 $` (le formulaire s'ouvre avec `/projet nouveau` "
            "dans Slack).",
            'To create a project in one line: `project new "Project name" region:Mauricie '
            "budget:40 000 $` (the form opens with `/projet new` in Slack).",
        )


@dataclass(frozen=True)
class ProjectConfirmationReply:
    """A project created or an update logged (`result.update` set)."""

    result: WriteResult
    language: str = "fr"
    private: bool = True
    indexed: bool | None = True  # None: no index attached (nothing to say)

    @property
    def created(self) -> bool:
        return self.result.update is None

    def fallback_text(self) -> str:
        project, update, lang = self.result.project, self.result.update, self.language
        if update is None:
            parts = [
                _say(lang, "✅ Projet créé", "✅ Project created")
                + f" : « {project.name} » ({project.reference}), {project.region}, "
                + _say(lang, "statut ", "status ")
                + status_label(project.status, lang)
            ]
            if project.budget_cents is not None:
                parts.append(f"budget {format_money(project.budget_cents, lang)}")
            text = ", ".join(parts) + "."
        else:
            text = _say(lang, "✅ Mise à jour enregistrée pour", "✅ Update logged for")
            text += f" « {project.name} » ({project.reference}) : {update.text}"
            for line in update_facts(update, lang):
                text += f"\n{line}"
        if self.result.replayed:
            text = (
                _say(
                    lang,
                    "(Demande déjà reçue : elle avait été enregistrée, rien n'a été ajouté.)\n",
                    "(Request already received: it had been saved, nothing was added.)\n",
                )
                + text
            )
        return text


@dataclass(frozen=True)
class ProjectCardReply:
    """A project with its latest updates."""

    project: Project
    updates: tuple[ProjectUpdate, ...]
    update_count: int
    total_spent_cents: int | None
    language: str = "fr"
    private: bool = True

    def fallback_text(self) -> str:
        project, lang = self.project, self.language
        lines = [f"{project.name} ({project.reference}) — {project.region}"]
        lines += [f"{label} : {value}" for label, value in project_facts(project, lang)]
        if self.total_spent_cents is not None:
            lines.append(
                _say(lang, "Dépensé (cumul des mises à jour)", "Spent (sum of updates)")
                + f" : {format_money(self.total_spent_cents, lang)}"
            )
        if self.updates:
            lines.append(_say(lang, "Dernières mises à jour :", "Latest updates:"))
            for update in self.updates:
                lines.append(
                    f"• {format_date(update.local_date, lang)}, {update.author_display} : "
                    f"{update.text}"
                )
        else:
            lines.append(_say(lang, "Aucune mise à jour pour l'instant.", "No update yet."))
        return "\n".join(lines)


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    update_count: int
    last_update_at: str | None


@dataclass(frozen=True)
class ProjectListReply:
    items: tuple[ProjectSummary, ...]
    total: int
    filters: dict[str, str] = field(default_factory=dict)
    language: str = "fr"
    private: bool = True

    def fallback_text(self) -> str:
        lang = self.language
        if not self.items:
            return _say(lang, "Aucun projet", "No project") + (
                f" ({', '.join(self.filters.values())})." if self.filters else "."
            )
        lines = [list_title(self)]
        for item in self.items:
            project = item.project
            lines.append(
                f"• {project.reference} {project.name} — {project.region}, "
                f"{status_label(project.status, lang)}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ProjectChoiceReply:
    """Several projects match: the user picks one (`ProjectCommands.choose(token, id)`)."""

    token: str
    action: str  # "update" | "show"
    typed: str
    candidates: tuple[Project, ...]
    language: str = "fr"
    private: bool = True

    def fallback_text(self) -> str:
        lang = self.language
        lines = [choice_question(self)]
        lines += [f"• {p.reference} {p.name} ({p.region})" for p in self.candidates]
        lines.append(
            _say(
                lang,
                "Relancez la commande avec le numéro voulu, par exemple `projet voir #12`.",
                "Run the command again with the number, e.g. `project show #12`.",
            )
        )
        return "\n".join(lines)


ProjectReply = (
    ProjectFormReply
    | ProjectConfirmationReply
    | ProjectCardReply
    | ProjectListReply
    | ProjectChoiceReply
)


def list_title(reply: ProjectListReply) -> str:
    lang = reply.language
    title = _say(lang, "Projets", "Projects")
    return counted_title(lang, title, reply.filters.values(), len(reply.items), reply.total)


def choice_question(reply: ProjectChoiceReply) -> str:
    if len(reply.candidates) == 1:
        return _say(
            reply.language,
            f"Aucun projet ne s'appelle exactement « {reply.typed} ». Vouliez-vous dire :",
            f"No project is called exactly “{reply.typed}”. Did you mean:",
        )
    return _say(
        reply.language,
        f"Plusieurs projets correspondent à « {reply.typed} » : lequel ?",
        f"Several projects match “{reply.typed}”: which one?",
    )


def project_facts(project: Project, language: str = "fr") -> list[tuple[str, str]]:
    """(label, value) pairs of a project's record, the ones that are set."""
    labels = 1 if language == "en" else 0
    facts = [(FIELD_LABELS["status"][labels].capitalize(), status_label(project.status, language))]
    for name, value in (
        ("budget", format_money(project.budget_cents, language) if project.budget_cents else None),
        ("promoter", project.promoter),
        ("mandataire", project.mandataire),
        ("mrc", project.mrc),
        ("plan", project.plan),
        ("measure", project.measure),
        ("start_date", format_date(project.start_date, language) if project.start_date else None),
        ("end_date", format_date(project.end_date, language) if project.end_date else None),
    ):
        if value:
            label = FIELD_LABELS[name][labels]
            facts.append((label[:1].upper() + label[1:], value))
    return facts


def indexing_note(indexed: bool | None, language: str) -> str | None:
    """What a confirmation says about indexing: searchable now, deferred, or nothing."""
    if indexed is True:
        return _say(language, "les questions en tiennent compte dès maintenant", "searchable now")
    if indexed is False:
        return _say(
            language,
            "indexation différée (elle sera reprise automatiquement)",
            "indexing deferred (it will be retried automatically)",
        )
    return None


def update_fact_pairs(update: ProjectUpdate, language: str = "fr") -> list[tuple[str, str]]:
    """(label, value) pairs of the figures an update carries."""
    pairs = []
    if update.status_to:
        pairs.append(
            (
                _say(language, "Statut", "Status"),
                f"{status_label(update.status_from, language)} → "
                f"{status_label(update.status_to, language)}",
            )
        )
    if update.amount_spent_cents is not None:
        pairs.append(
            (
                _say(language, "Montant dépensé", "Amount spent"),
                format_money(update.amount_spent_cents, language),
            )
        )
    if update.people_reached is not None:
        pairs.append(
            (_say(language, "Personnes rejointes", "People reached"), str(update.people_reached))
        )
    return pairs


def update_facts(update: ProjectUpdate, language: str = "fr") -> list[str]:
    """The figures an update carries, as short lines ("Statut : à venir → en cours")."""
    return [f"{label} : {value}" for label, value in update_fact_pairs(update, language)]


# --- who may write ----------------------------------------------------------------------------


class GroupResolver(Protocol):
    """Who belongs to a user group on one platform (Slack: usergroups.users.list)."""

    def members(self, group_id: str) -> frozenset[str]: ...


class EditorPolicy:
    """Editors: user ids, plus the members of user groups (resolved per platform, cached
    for GROUP_CACHE_S). With nothing configured, nobody may write."""

    def __init__(
        self,
        users: Iterable[str] = (),
        groups: Iterable[str] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.users = frozenset(users)
        self.groups = frozenset(groups)
        self.resolvers: dict[str, GroupResolver] = {}
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    @property
    def configured(self) -> bool:
        return bool(self.users or self.groups)

    def add_resolver(self, platform: str, resolver: GroupResolver) -> None:
        self.resolvers[platform] = resolver

    def check(self, platform: str, user_id: str) -> tuple[bool, str | None]:
        """(may write, problem met while checking the groups, if any)."""
        if user_id in self.users:
            return True, None
        resolver = self.resolvers.get(platform)
        problem = None
        for group in sorted(self.groups):
            if resolver is None:
                continue
            try:
                members = self._members(platform, group, resolver)
            except Exception as error:  # the platform's API failed: say so, refuse
                log.warning("could not resolve the user group %s: %s", group, error)
                problem = f"{group} ({_error_code(error)})"
                continue
            if user_id in members:
                return True, None
        return False, problem

    def _members(self, platform: str, group: str, resolver: GroupResolver) -> frozenset[str]:
        now = self._clock()
        cached = self._cache.get((platform, group))
        if cached is not None and now - cached[0] < GROUP_CACHE_S:
            return cached[1]
        members = frozenset(resolver.members(group))
        self._cache[(platform, group)] = (now, members)
        return members


def for_platform(text: str, platform: str) -> str:
    """Commands quoted in a message as the platform types them: `/projet maj …` in Slack
    (a slash command), `projet maj …` elsewhere."""
    if platform != "slack":
        return text
    text = re.sub(r"`(?:projet|project) ", "`/projet ", text)
    return re.sub(r"`(maj|update|voir|show|nouveau|new|liste|list) ", r"`/projet \1 ", text)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None:
        try:
            return str(response.get("error") or error)
        except Exception:
            return type(error).__name__
    return str(error) or type(error).__name__


# --- the commands -----------------------------------------------------------------------------


@dataclass
class _Target:
    """A command's project, resolved; or the reply to give instead."""

    project: Project | None = None
    text: str = ""
    reply: ChatReply | None = None


class ProjectCommands:
    """The `projet` command. Blocking (SQLite, embeddings): call it from the chat worker."""

    def __init__(
        self,
        store: ProjectStore,
        editors: EditorPolicy,
        *,
        assistant: Callable[[], Any] = lambda: None,
    ):
        self.store = store
        self.editors = editors
        self._assistant = assistant
        self._indexer: tuple[Any, Any] | None = None  # (index, ProjectIndexer)
        self._needs_sync = False

    def command(self) -> Command:
        return Command(
            COMMAND_NAMES,
            self.handle,
            help_lines=(
                "`projet aide` : suivi des projets (créer, mettre à jour, consulter, lister)",
            ),
            accepts=looks_like_a_command,
        )

    # entry points ---------------------------------------------------------------------------

    def parse(self, arguments: str, language: str = "fr") -> ParsedCommand | None:
        """The command a text is, or None when it cannot be read (the doors use it to know
        whether to open a form or to wait for the index)."""
        try:
            return parse_project_command(arguments, language=language)
        except CommandSyntaxError:
            return None

    def handle(self, request: ChatRequest, arguments: str) -> ChatReply:
        """ChatCore handler: `arguments` is what follows `projet`."""
        default = (
            "en" if fold_key(request.text.split(" ", 1)[0]) in ("project", "projects") else "fr"
        )
        try:
            command = parse_project_command(arguments, language=default)
        except CommandSyntaxError as error:
            return self._error(error.text(default), request.conversation.platform, default)
        language = command.language
        try:
            if command.action == "help":
                return NoticeReply(self.help_text(request, language), kind="help", private=True)
            if command.action == "list":
                return self._list(request, command)
            if command.action == "show":
                return self._show(request, command)
            if command.action == "new":
                return self._new(request, command)
            return self._update(request, command)
        except ProjectInputError as error:
            return self._error(error.text(language), request.conversation.platform, language)

    def validate_form(
        self, values: Mapping[str, str | None], language: str = "fr"
    ) -> dict[str, str]:
        """Field → message for each problem of a submitted creation form ({} when fine)."""
        draft, errors = validate_project(values)
        found = {error.field: error.text(language) for error in reversed(errors)}
        if draft is not None:
            existing = self.store.find_same_name(draft.name, draft.region)
            if existing is not None:
                found["name"] = DuplicateProjectError(existing).text(language)
        return found

    def submit_form(
        self, values: Mapping[str, str | None], request: ChatRequest, language: str = "fr"
    ) -> ChatReply | FormErrors:
        """Create the project a form describes, or say which fields are wrong."""
        blocked = self._write_refusal(request, language)
        if blocked is not None:
            return blocked
        draft, errors = validate_project(values)
        if draft is None:
            return FormErrors({error.field: error.text(language) for error in reversed(errors)})
        try:
            result = self.store.create_project(
                draft, self._actor(request), request_key=request.request_id
            )
        except DuplicateProjectError as error:
            return FormErrors({"name": error.text(language)})
        return self._confirm(result, request, language)

    def choose(self, request: ChatRequest, token: str, project_id: int) -> ChatReply:
        """Complete a command left waiting by a pick-list, with the project picked."""
        payload = self.store.choice(token)
        language = (payload or {}).get("language", "fr")
        platform = request.conversation.platform
        if payload is None:
            return self._error(
                _say(
                    language,
                    "Ce choix a expiré : relancez la commande.",
                    "This choice has expired: run the command again.",
                ),
                platform,
                language,
            )
        candidate = next((c for c in payload["candidates"] if c["id"] == project_id), None)
        project = self.store.get(project_id) if candidate is not None else None
        if project is None:
            return self._error(
                _say(language, "Ce projet ne fait pas partie du choix.", "Not one of the choices."),
                platform,
                language,
            )
        if payload["action"] == "show":
            return self._card(project, language, request.private)
        if payload["user_id"] != request.user_id:
            return NoticeReply(
                _say(
                    language,
                    "Ce choix appartient à la personne qui a lancé la commande.",
                    "This choice belongs to the person who ran the command.",
                ),
                kind="refusal",
                private=True,
            )
        blocked = self._write_refusal(request, language)
        if blocked is not None:
            return blocked
        draft, errors = validate_update({**payload.get("update", {}), "text": candidate["text"]})
        if draft is None:
            return self._error(errors[0].text(language), platform, language)
        result = self.store.add_update(
            project.id, draft, self._actor(request), request_key=f"choice:{token}"
        )
        return self._confirm(result, request, language)

    def show_project(
        self, request: ChatRequest, project_id: int, language: str = "fr"
    ) -> ChatReply:
        project = self.store.get(project_id)
        if project is None:
            return self._unknown_id(project_id, request, language)
        return self._card(project, language, request.private)

    def sync_index(self, assistant: Any = None) -> Any:
        """Index what the store holds and the index lacks; None without an index."""
        indexer = self._indexer_of(assistant if assistant is not None else self._assistant())
        if indexer is None:
            return None
        report = indexer.sync(self.store)
        self._needs_sync = False
        return report

    # help -----------------------------------------------------------------------------------

    def help_text(self, request: ChatRequest, language: str = "fr") -> str:
        p = "/projet" if request.conversation.platform == "slack" else "projet"
        statuses = ", ".join(status_label(status, language) for status in STATUSES)
        if language == "en":
            return "\n".join(
                [
                    f"*Projects — {p}*",
                    f'• `{p} new`: the creation form; in one line: `{p} new "Project name" '
                    "region:Mauricie budget:40 000 $` (options: region, mrc, mandataire, "
                    "promoter, plan, measure, status, budget, start, end)",
                    f"• `{p} update #12 <text> [status:…] [amount:…] [people:…]` (or the name "
                    f'in quotes): log an update, e.g. `{p} update "Les maraîchers du cœur" '
                    "12 young people registered status:in progress`",
                    f'• `{p} show #12` (or `{p} show "Name"`): the project and its latest updates',
                    f"• `{p} list [region:…] [status:…]`: the projects",
                    f"• Statuses: {statuses}. Amounts the French way: 12 500 $, 40 000,50 $, "
                    "13,7 M$. Options go at the end, with no space before the colon.",
                    "• Editors (ALLIANCES_EDITORS) create and update; everyone can read. Updates "
                    "are searchable at once: ask “Où en sont les maraîchers du cœur ?”.",
                ]
            )
        return "\n".join(
            [
                f"*Suivi des projets — {p}*",
                f"• `{p} nouveau` : le formulaire de création ; en une ligne : "
                f'`{p} nouveau "Nom du projet" région:Mauricie budget:40 000 $` (options : '
                "région, mrc, mandataire, promoteur, plan, mesure, statut, budget, début, fin)",
                f"• `{p} maj #12 <texte> [statut:…] [montant:…] [personnes:…]` (ou le nom entre "
                f'guillemets) : consigner une mise à jour, ex. `{p} maj "Les maraîchers du '
                'cœur" 12 jeunes inscrits pour la saison statut:en cours`',
                f'• `{p} voir #12` (ou `{p} voir "Nom"`) : la fiche et les dernières mises à jour',
                f"• `{p} liste [région:…] [statut:…]` : les projets",
                f"• Statuts : {statuses}. Montants : 12 500 $, 40 000,50 $, 13,7 M$. Les "
                "options vont à la fin, sans espace avant le deux-points.",
                "• Les rédacteurs (ALLIANCES_EDITORS) créent et mettent à jour ; tout le monde "
                "peut consulter. Les mises à jour servent aussitôt aux réponses : « Où en sont "
                "les maraîchers du cœur ? ».",
            ]
        )

    # reading --------------------------------------------------------------------------------

    def _list(self, request: ChatRequest, command: ParsedCommand) -> ChatReply:
        language = command.language
        region_typed = command.options.get("region") or command.text or None
        regions: tuple[str, ...] | None = None
        filters: dict[str, str] = {}
        if region_typed:
            try:
                region = resolve_region(region_typed)
            except UnknownRegionError:
                if command.text and not command.options.get("region"):
                    return self._error(
                        _say(
                            language,
                            f"Filtre non reconnu : « {command.text} ». Filtres : région:… et "
                            "statut:…, par exemple `liste région:Mauricie statut:en cours`.",
                            f"Unknown filter: “{command.text}”. Filters: region:… and status:…, "
                            "e.g. `list region:Mauricie status:in progress`.",
                        ),
                        request.conversation.platform,
                        language,
                    )
                parse_region(region_typed)  # raises the error with suggestions
                raise
            regions = territories_in(region)
            filters["region"] = region
        status = None
        if command.options.get("status"):
            status = parse_status(command.options["status"])
            filters["status"] = status_label(status, language)
        projects = self.store.projects(region=regions, status=status)
        items = []
        for project in projects[:LIST_LIMIT]:
            count, _spent, last = self.store.update_summary(project.id)
            items.append(ProjectSummary(project, count, last))
        return ProjectListReply(
            tuple(items), len(projects), filters, language=language, private=request.private
        )

    def _show(self, request: ChatRequest, command: ParsedCommand) -> ChatReply:
        target = self._resolve(request, command, write=False)
        if target.reply is not None:
            return target.reply
        assert target.project is not None
        return self._card(target.project, command.language, request.private)

    def _card(self, project: Project, language: str, private: bool) -> ProjectCardReply:
        count, spent, _last = self.store.update_summary(project.id)
        updates = tuple(self.store.updates(project.id, limit=CARD_UPDATES))
        return ProjectCardReply(project, updates, count, spent, language=language, private=private)

    # writing --------------------------------------------------------------------------------

    def _new(self, request: ChatRequest, command: ParsedCommand) -> ChatReply:
        language = command.language
        blocked = self._write_refusal(request, language, needs_index=not command.wants_form)
        if blocked is not None:
            return blocked
        if command.wants_form:
            return ProjectFormReply(project_form(language), language)
        assert command.ref is not None
        raw = {**command.options, "name": command.ref.name, "description": command.text}
        draft, errors = validate_project(raw)
        if draft is None:
            return self._errors(errors, request, language)
        try:
            result = self.store.create_project(
                draft, self._actor(request), request_key=request.request_id
            )
        except DuplicateProjectError as error:
            return self._error(error.text(language), request.conversation.platform, language)
        return self._confirm(result, request, language)

    def _update(self, request: ChatRequest, command: ParsedCommand) -> ChatReply:
        language = command.language
        blocked = self._write_refusal(request, language)
        if blocked is not None:
            return blocked
        raw = {
            name: command.options.get(name) for name in ("status", "amount_spent", "people_reached")
        }
        # The figures are checked before the project is looked up: a pick-list never
        # leads to an error after the click.
        _draft, errors = validate_update({**raw, "text": "-"})
        if errors:
            return self._errors(errors, request, language)
        target = self._resolve(request, command, write=True, update=raw)
        if target.reply is not None:
            return target.reply
        assert target.project is not None
        draft, errors = validate_update({**raw, "text": target.text})
        if draft is None:
            return self._errors(errors, request, language)
        try:
            result = self.store.add_update(
                target.project.id, draft, self._actor(request), request_key=request.request_id
            )
        except UnknownProjectError as error:
            return self._unknown_id(error.project_id, request, language)
        return self._confirm(result, request, language)

    def _confirm(self, result: WriteResult, request: ChatRequest, language: str) -> ChatReply:
        indexed = None if result.replayed else self._index(result)
        return ProjectConfirmationReply(result, language, private=request.private, indexed=indexed)

    def _index(self, result: WriteResult) -> bool | None:
        """Index what a write changed, in the same command; None without an index. On
        failure the store keeps the change and the next write (or restart) re-syncs."""
        indexer = self._indexer_of(self._assistant())
        if indexer is None:
            return None
        try:
            if self._needs_sync:
                indexer.sync(self.store)
                self._needs_sync = False
            else:
                indexer.index_write(result.project, result.update)
        except Exception:
            log.exception("indexing project %s failed; will re-sync", result.project.id)
            self._needs_sync = True
            return False
        return True

    def _indexer_of(self, assistant: Any) -> Any:
        index = getattr(assistant, "index", None)
        if index is None or not hasattr(index, "put_document"):
            return None
        if self._indexer is None or self._indexer[0] is not index:
            from retrieval.project_index import ProjectIndexer  # loads the retrieval stack

            self._indexer = (index, ProjectIndexer(index))
        return self._indexer[1]

    def _write_refusal(
        self, request: ChatRequest, language: str, *, needs_index: bool = True
    ) -> NoticeReply | None:
        platform, user = request.conversation.platform, request.user_id
        if not self.editors.configured:
            return NoticeReply(
                _say(
                    language,
                    "Aucun rédacteur n'est configuré : personne ne peut encore créer ni mettre à "
                    "jour de projet (la consultation reste ouverte à tous). Pour en désigner, "
                    "l'administrateur ajoute leurs identifiants (dans Slack : profil, ⋮, "
                    "« Copier l'ID du membre », ex. U012AB3CD) ou celui d'un groupe "
                    "d'utilisateurs Slack (S…) à la variable ALLIANCES_EDITORS (séparés par des "
                    "virgules) ou à la clé `editors` du fichier de configuration, puis "
                    f"redémarre `alliances serve`. Votre identifiant : {user}.",
                    "No editor is configured: nobody can create or update projects yet "
                    "(reading stays open to all). To appoint editors, the administrator adds "
                    "their user ids (in Slack: profile, ⋮, “Copy member ID”, e.g. U012AB3CD) or "
                    "a Slack user group id (S…) to the ALLIANCES_EDITORS variable (comma-"
                    "separated) or to the `editors` key of the config file, then restarts "
                    f"`alliances serve`. Your id: {user}.",
                ),
                kind="refusal",
                private=True,
            )
        allowed, problem = self.editors.check(platform, user)
        if not allowed:
            detail = ""
            if problem:
                detail = _say(
                    language,
                    f" (Le groupe {problem} n'a pas pu être vérifié.)",
                    f" (The group {problem} could not be checked.)",
                )
            return NoticeReply(
                for_platform(
                    _say(
                        language,
                        "Seuls les rédacteurs désignés peuvent créer ou mettre à jour des "
                        "projets ; vous pouvez les consulter (`projet voir`, `projet liste`). "
                        "Pour devenir rédacteur, demandez à l'administrateur d'ajouter votre "
                        f"identifiant ({user}) à ALLIANCES_EDITORS.{detail}",
                        "Only appointed editors can create or update projects; you can read "
                        "them (`project show`, `project list`). To become an editor, ask the "
                        f"administrator to add your id ({user}) to ALLIANCES_EDITORS.{detail}",
                    ),
                    platform,
                ),
                kind="refusal",
                private=True,
            )
        if needs_index and self._assistant() is None:
            return starting_notice(language, "rien n'a été enregistré", "nothing was saved")
        return None

    # finding the project --------------------------------------------------------------------

    def _resolve(
        self,
        request: ChatRequest,
        command: ParsedCommand,
        *,
        write: bool,
        update: Mapping[str, str | None] | None = None,
    ) -> _Target:
        language, platform = command.language, request.conversation.platform
        ref = command.ref
        if ref is not None and ref.id is not None:
            project = self.store.get(ref.id)
            if project is None:
                return _Target(reply=self._unknown_id(ref.id, request, language))
            return _Target(project, command.text)
        if ref is not None and ref.name is not None:
            matches = self.store.find(ref.name, limit=CHOICE_LIMIT)
            if len(matches.exact) == 1:
                return _Target(matches.exact[0], command.text)
            candidates = matches.exact or matches.close
            if len(candidates) == 1 and not write:
                return _Target(candidates[0], command.text)  # reading: no harm in a near match
            if candidates:
                return _Target(
                    reply=self._choice(
                        request,
                        command,
                        ref.name,
                        [(project, command.text) for project in candidates],
                        update,
                    )
                )
            return _Target(reply=self._unknown_name(ref.name, request, language))
        # `maj` with an unquoted name: find which known name the text starts with.
        # A name followed by nothing is no update: prefer the readings that leave a text.
        splits = [split for split in self._split_name(command.rest) if split[1]] or (
            self._split_name(command.rest)
        )
        if len(splits) == 1:
            return _Target(*splits[0])
        if splits:
            typed = command.rest[:60]
            return _Target(reply=self._choice(request, command, typed, splits, update))
        suggestions = self._near_start(command.rest)
        hint = ""
        if suggestions:
            names = ", ".join(f"{p.reference} « {p.name} »" for p in suggestions)
            hint = _say(language, f" Projets au nom proche : {names}.", f" Close names: {names}.")
        return _Target(
            reply=self._error(
                _say(
                    language,
                    f"Je ne reconnais aucun nom de projet au début de « {command.rest[:80]} ». "
                    "Mettez le nom entre guillemets ou donnez le numéro du projet : "
                    '`maj "Nom du projet" texte` ou `maj #12 texte`.',
                    f"No project name is recognised at the start of “{command.rest[:80]}”. Put "
                    'the name in quotes or give the project\'s number: `update "Project name" '
                    "text` or `update #12 text`.",
                )
                + hint,
                platform,
                language,
            )
        )

    def _split_name(self, rest: str) -> list[tuple[Project, str]]:
        """(project, remaining text) for each known name the text starts with."""
        by_key: dict[str, list[Project]] = {}
        for key, project in self.store.name_keys():
            by_key.setdefault(key, []).append(project)
        found: list[tuple[Project, str]] = []
        for word in re.finditer(r"\S+", rest):
            key = name_key(rest[: word.end()])
            for project in by_key.get(key, []):
                found.append((project, rest[word.end() :].strip()))
        return found

    def _near_start(self, rest: str) -> list[Project]:
        words = rest.split()
        seen: dict[int, Project] = {}
        for count in range(min(len(words), 6), 0, -1):
            for project in self.store.find(" ".join(words[:count]), limit=3).close:
                seen.setdefault(project.id, project)
        return list(seen.values())[:3]

    def _choice(
        self,
        request: ChatRequest,
        command: ParsedCommand,
        typed: str,
        candidates: list[tuple[Project, str]],
        update: Mapping[str, str | None] | None,
    ) -> ProjectChoiceReply:
        candidates = candidates[:CHOICE_LIMIT]
        payload = {
            "action": command.action,
            "language": command.language,
            "candidates": [{"id": project.id, "text": text} for project, text in candidates],
            "update": {key: value for key, value in (update or {}).items() if value},
        }
        token = self.store.save_choice(
            payload, user_id=request.user_id, platform=request.conversation.platform
        )
        return ProjectChoiceReply(
            token,
            command.action,
            typed,
            tuple(project for project, _ in candidates),
            language=command.language,
            private=True,
        )

    # messages -------------------------------------------------------------------------------

    def _actor(self, request: ChatRequest) -> Actor:
        conversation = request.conversation
        return Actor(
            request.user_id,
            request.user_name,
            conversation.platform,
            conversation.channel_id,
        )

    def _unknown_id(self, project_id: int, request: ChatRequest, language: str) -> NoticeReply:
        return self._error(
            _say(
                language,
                f"Aucun projet ne porte le numéro #{project_id}. `projet liste` montre les "
                "projets et leurs numéros.",
                f"No project has number #{project_id}. `project list` shows the projects and "
                "their numbers.",
            ),
            request.conversation.platform,
            language,
        )

    def _unknown_name(self, name: str, request: ChatRequest, language: str) -> NoticeReply:
        return self._error(
            _say(
                language,
                f"Aucun projet ne s'appelle {quote(name)}. `projet liste` montre les projets ; "
                '`projet nouveau "Nom" région:…` en crée un.',
                f"No project is called {quote(name)}. `project list` shows the projects; "
                '`project new "Name" region:…` creates one.',
            ),
            request.conversation.platform,
            language,
        )

    def _errors(
        self, errors: list[ProjectInputError], request: ChatRequest, language: str
    ) -> NoticeReply:
        messages = [error.text(language) for error in errors]
        text = messages[0] if len(messages) == 1 else "\n".join(f"• {m}" for m in messages)
        return self._error(text, request.conversation.platform, language)

    @staticmethod
    def _error(text: str, platform: str, language: str) -> NoticeReply:
        return NoticeReply(for_platform(text, platform), kind="error", private=True)


# --- wiring -----------------------------------------------------------------------------------


def install_project_commands(
    chat: ChatService, settings: Any, *, store: ProjectStore | None = None, web_app: Any = None
) -> ProjectCommands:
    """Register `projet` in the chat core and expose the commands to the doors
    (`chat.extensions["projects"]`). Once the knowledge base is ready, project passages the
    index lacks are indexed (`sync_index`), so that questions see every project."""
    store = store or ProjectStore.open(settings.home)
    editors = EditorPolicy(getattr(settings, "editors", ()), getattr(settings, "editor_groups", ()))
    commands = ProjectCommands(store, editors, assistant=lambda: chat.core.assistant)
    chat.core.register(commands.command())
    chat.extensions[EXTENSION] = commands
    build_assistant = chat.assistant_factory

    def build_then_sync() -> Any:
        assistant = build_assistant()
        assistant.ensure_ready()  # the shipped base first: an index with only projects in
        # it would look ingested
        try:
            commands.sync_index(assistant)
        except Exception:
            log.exception("indexing the projects at start-up failed")
        return assistant

    chat.assistant_factory = build_then_sync
    if web_app is not None:

        async def close_store(_app: Any) -> None:
            await chat.drain()  # commands still running finish first (drain is idempotent)
            store.close()

        web_app.on_cleanup.append(close_store)
    return commands


def project_commands_of(chat: ChatService) -> ProjectCommands | None:
    """The project commands installed on a chat service, if any (for the doors)."""
    commands = chat.extensions.get(EXTENSION)
    return commands if isinstance(commands, ProjectCommands) else None
