"""The project replies as Adaptive Cards in Teams, and what their buttons do.

Rendering (registered with `cards.register_renderer` when this module is imported, which
bot/teams/app.py does):
- `ProjectFormReply` (`projet nouveau` alone) → the creation form: an Input.Text /
  Input.ChoiceSet / Input.Date per field of `bot.projects.project_form`, "Créer" and
  "Annuler" (Action.Submit);
- `ProjectConfirmationReply` → the confirmation card (project created, or update logged);
- `ProjectCardReply` → the project with its latest updates;
- `ProjectListReply` → the list, a "Voir" button per project (split over several cards when
  it is too long for one Teams message);
- `ProjectChoiceReply` → the pick-list, a "Choisir" button per candidate.

Buttons (`ProjectCardActions`, called by the door for the names in `DOOR_ACTIONS`):
- the form's "Créer": the fields are checked with `ProjectCommands.validate_form`; errors
  come back in the same card, updated in place (the message next to each field, the values
  typed kept: Teams has no modal errors for a card); otherwise `submit_form` creates the
  project and the form becomes the confirmation card. The form card's id is the write's
  idempotency key: a second click, or a redelivered submission, creates nothing more;
- "Annuler": the form is replaced by a short notice;
- "Choisir": `ProjectCommands.choose` completes the waiting command; the pick-list becomes
  its result. `choose` writes once per pick-list, so a second click changes nothing;
- "Voir" (list): the text command `projet voir #12` (`cards.register_card_action`).
Refusals and errors are sent as replies; the card they concern stays as it was.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from microsoft_agents.hosting.core import TurnContext

from bot.bilingual import say as _say
from bot.chat import INTERNAL_ERROR_TEXT, ChatReply, ChatService, NoticeReply
from bot.projects import (
    COMMAND_NAMES,
    FormErrors,
    FormField,
    ProjectCardReply,
    ProjectChoiceReply,
    ProjectCommands,
    ProjectConfirmationReply,
    ProjectForm,
    ProjectFormReply,
    ProjectListReply,
    choice_question,
    indexing_note,
    list_title,
    project_facts,
    project_form,
    update_fact_pairs,
    update_facts,
)
from bot.teams import cards as kit
from bot.teams.messages import base_conversation_id, chat_request, place_of
from knowledge.folding import fold_key
from knowledge.projects import (
    Project,
    ProjectUpdate,
    format_date,
    format_money,
    local_date,
    status_label,
)

log = logging.getLogger(__name__)

ACTION_FORM = "project_form"
ACTION_FORM_CANCEL = "project_form_cancel"
ACTION_PICK = "project_pick"
ACTION_SHOW = "project_show"
DOOR_ACTIONS = frozenset({ACTION_FORM, ACTION_FORM_CANCEL, ACTION_PICK})
LANGUAGE_KEY = "language"
LONG_TEXT_LIMIT = 1500  # an update's or a description's text in a card (a card holds ~24 KB)

Card = kit.Card
Element = kit.Element


def _language(value: Any) -> str:
    return "en" if value == "en" else "fr"


# --- text -----------------------------------------------------------------------------------


def card_text(text: str) -> str:
    """A message written for chat (`` `projet voir #12` ``) as TextBlock markdown, which has
    no code spans: commands in bold."""
    return re.sub(r"`([^`\n]+)`", r"**\1**", text)


def user_text(text: str, limit: int = LONG_TEXT_LIMIT) -> str:
    """What a user typed, for a TextBlock: shortened to `limit`, line breaks kept (Teams joins
    single ones)."""
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return re.sub(r"\n+", "\n\n", text)


def _facts(pairs: list[tuple[str, str]]) -> Element:
    return {
        "type": "FactSet",
        "facts": [{"title": label, "value": value} for label, value in pairs],
    }


def _note(text: str) -> Element:
    return kit.text_block(text, isSubtle=True, size="Small", spacing="Small")


def _with_button(text: str, title: str, data: dict[str, Any]) -> Element:
    """A line of text with a button at its right (a ColumnSet)."""
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {"type": "Column", "width": "stretch", "items": [kit.text_block(text)]},
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "Center",
                "items": [
                    {
                        "type": "ActionSet",
                        "actions": [{"type": "Action.Submit", "title": title, "data": data}],
                    }
                ],
            },
        ],
    }


def _size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def _pack(head: list[Element], items: list[Element], tail: list[Element]) -> list[Card]:
    """`head`, `items` and `tail` over as few cards as Teams' message size allows."""
    result: list[Card] = []
    current, filled = list(head), False
    for item in items:
        if filled and _size(kit.adaptive_card([*current, item])) > kit.CARD_BYTES_LIMIT:
            result.append(kit.adaptive_card(current))
            current = []
        current.append(item)
        filled = True
    if filled and _size(kit.adaptive_card([*current, *tail])) > kit.CARD_BYTES_LIMIT:
        result.append(kit.adaptive_card(current))
        current = []
    result.append(kit.adaptive_card([*current, *tail]))
    return result


def _author(user_id: str, name: str | None) -> str:
    return name or user_id


# --- confirmation ---------------------------------------------------------------------------


def confirmation_card(reply: ProjectConfirmationReply) -> Card:
    result, lang = reply.result, reply.language
    project, update = result.project, result.update
    body: list[Element] = []
    if result.replayed:
        body.append(
            _note(
                _say(
                    lang,
                    "ℹ️ Cette demande avait déjà été reçue et enregistrée : rien n'a été ajouté.",
                    "ℹ️ This request had already been received and saved: nothing was added.",
                )
            )
        )
    name = f"**{project.name}** ({project.reference})"
    if update is None:
        body.append(
            kit.text_block("✅ " + _say(lang, f"Projet créé : {name}", f"Project created: {name}"))
        )
        body.append(
            _facts(
                [(_say(lang, "Région", "Region"), project.region), *project_facts(project, lang)]
            )
        )
        if project.description:
            body.append(kit.text_block(user_text(project.description)))
        when, who = project.created_at, _author(project.created_by, project.created_by_name)
        hint = _say(
            lang,
            f"Mises à jour : **projet maj {project.reference} …**",
            f"Updates: **project update {project.reference} …**",
        )
    else:
        body.append(
            kit.text_block(
                "✅ " + _say(lang, f"Mise à jour enregistrée — {name}", f"Update logged — {name}")
            )
        )
        body.append(
            {
                "type": "Container",
                "style": "emphasis",
                "items": [kit.text_block(user_text(update.text))],
            }
        )
        pairs = update_fact_pairs(update, lang)
        if pairs:
            body.append(_facts(pairs))
        when, who = update.created_at, _author(update.author, update.author_name)
        hint = _say(
            lang,
            f"La fiche : **projet voir {project.reference}**",
            f"The project: **project show {project.reference}**",
        )
    notes = [f"{_say(lang, 'Par', 'By')} {who}", format_date(local_date(when), lang)]
    indexing = indexing_note(reply.indexed, lang)
    if indexing:
        notes.append(indexing)
    notes.append(hint)
    body.append(_note(" · ".join(notes)))
    return kit.adaptive_card(body)


# --- project card ---------------------------------------------------------------------------


def project_card(reply: ProjectCardReply) -> Card:
    project, lang = reply.project, reply.language
    body: list[Element] = [
        kit.text_block(f"{project.name} ({project.reference})", size="Large", weight="Bolder")
    ]
    facts = [(_say(lang, "Région", "Region"), project.region), *project_facts(project, lang)]
    if reply.total_spent_cents is not None:
        facts.append(
            (
                _say(lang, "Dépensé (cumul des mises à jour)", "Spent (sum of updates)"),
                format_money(reply.total_spent_cents, lang),
            )
        )
    body.append(_facts(facts))
    if project.description:
        body.append(kit.text_block(user_text(project.description)))
    if reply.updates:
        shown = len(reply.updates)
        title = _say(lang, "**Dernières mises à jour**", "**Latest updates**")
        if reply.update_count > shown:
            title += _say(
                lang, f" ({shown} sur {reply.update_count})", f" ({shown} of {reply.update_count})"
            )
        body.append(kit.text_block(title, separator=True, spacing="Medium"))
        body += [_update_container(update, lang) for update in reply.updates]
    else:
        body.append(
            kit.text_block(
                _say(lang, "_Aucune mise à jour pour l'instant._", "_No update yet._"),
                separator=True,
                spacing="Medium",
            )
        )
    body.append(
        _note(
            _say(lang, "Créé le ", "Created on ")
            + format_date(local_date(project.created_at), lang)
            + _say(lang, " par ", " by ")
            + _author(project.created_by, project.created_by_name)
            + " · "
            + _say(
                lang,
                f"Mettre à jour : **projet maj {project.reference} …**",
                f"Update: **project update {project.reference} …**",
            )
        )
    )
    card = kit.adaptive_card(body)
    if reply.updates and _size(card) > kit.CARD_BYTES_LIMIT:  # five long updates, say
        return project_card(
            replace(reply, updates=reply.updates[:-1], update_count=reply.update_count)
        )
    return card


def _update_container(update: ProjectUpdate, language: str) -> Element:
    items = [
        kit.text_block(
            f"**{format_date(update.local_date, language)}** — "
            f"{_author(update.author, update.author_name)}"
        ),
        kit.text_block(user_text(update.text), spacing="None"),
    ]
    facts = " · ".join(update_facts(update, language))
    if facts:
        items.append(kit.text_block(facts, isSubtle=True, size="Small", spacing="None"))
    return {"type": "Container", "spacing": "Medium", "items": items}


# --- list -----------------------------------------------------------------------------------


def list_cards(reply: ProjectListReply) -> list[Card]:
    lang = reply.language
    if not reply.items:
        return [kit.adaptive_card([kit.text_block(reply.fallback_text())])]
    head = [kit.text_block(list_title(reply), size="Medium", weight="Bolder")]
    items = []
    for item in reply.items:
        project = item.project
        detail = f"{project.region} · {status_label(project.status, lang)}"
        if item.update_count:
            last = format_date(local_date(item.last_update_at or project.created_at), lang)
            detail += _say(
                lang,
                f" · {item.update_count} mise(s) à jour, la dernière le {last}",
                f" · {item.update_count} update(s), the last on {last}",
            )
        items.append(
            _with_button(
                f"**{project.reference}** {project.name}\n\n{detail}",
                _say(lang, "Voir", "Show"),
                {kit.ACTION_KEY: ACTION_SHOW, "project_id": project.id, LANGUAGE_KEY: lang},
            )
        )
    tail = []
    if reply.total > len(reply.items):
        tail.append(
            _note(
                _say(
                    lang,
                    "Liste abrégée : précisez **région:…** ou **statut:…**.",
                    "List shortened: add **region:…** or **status:…**.",
                )
            )
        )
    return _pack(head, items, tail)


def show_command(data: dict[str, Any]) -> str:
    """The text command of a list's "Voir" button: `projet voir #12`."""
    project_id = str(data.get("project_id", "")).strip()
    words = "project show" if _language(data.get(LANGUAGE_KEY)) == "en" else "projet voir"
    return f"{words} #{project_id}" if project_id.isdigit() else words


# --- pick-list ------------------------------------------------------------------------------


def choice_card(reply: ProjectChoiceReply) -> Card:
    lang = reply.language
    body: list[Element] = [kit.text_block(choice_question(reply))]
    for project in reply.candidates:
        body.append(
            _with_button(
                _candidate(project, lang),
                _say(lang, "Choisir", "Choose"),
                {kit.ACTION_KEY: ACTION_PICK, "token": reply.token, "project_id": project.id},
            )
        )
    if reply.action == "update":
        body.append(
            _note(
                _say(
                    lang,
                    "Rien n'est enregistré avant votre choix.",
                    "Nothing is saved until you choose.",
                )
            )
        )
    return kit.adaptive_card(body)


def _candidate(project: Project, language: str) -> str:
    return (
        f"**{project.reference}** {project.name} — {project.region}, "
        f"{status_label(project.status, language)}"
    )


# --- the creation form ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormCardReply:
    """The creation form sent back with the values typed and a message next to each field
    that cannot be saved (what Slack shows under a modal's fields)."""

    form: ProjectForm
    values: Mapping[str, str]
    errors: Mapping[str, str]
    language: str = "fr"
    private: bool = True

    def fallback_text(self) -> str:
        return "\n".join(self.errors.values())


def form_card(
    form: ProjectForm,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The form as a card: one input per field (id = the field's name), the values given,
    and under each field its error message, if any."""
    values, errors = values or {}, errors or {}
    lang = form.language
    body: list[Element] = [kit.text_block(form.title, size="Medium", weight="Bolder")]
    if errors:
        body.append(
            kit.text_block(
                _say(
                    lang,
                    "⚠️ Rien n'a été enregistré : corrigez les champs signalés.",
                    "⚠️ Nothing was saved: correct the fields marked below.",
                ),
                color="Attention",
                weight="Bolder",
            )
        )
        names = {field.name for field in form.fields}
        body += [
            kit.text_block(f"⚠️ {card_text(message)}", color="Attention")
            for name, message in errors.items()
            if name not in names
        ]
    for field in form.fields:
        body.append(_input(field, values.get(field.name), lang))
        if field.name in errors:
            body.append(
                kit.text_block(
                    f"⚠️ {card_text(errors[field.name])}",
                    color="Attention",
                    size="Small",
                    spacing="None",
                )
            )
    actions = [
        {
            "type": "Action.Submit",
            "title": form.submit,
            "style": "positive",
            "data": {kit.ACTION_KEY: ACTION_FORM, LANGUAGE_KEY: lang},
        },
        {
            "type": "Action.Submit",
            "title": form.close,
            "associatedInputs": "none",
            "data": {kit.ACTION_KEY: ACTION_FORM_CANCEL, LANGUAGE_KEY: lang},
        },
    ]
    return kit.adaptive_card(body, actions)


def _input(field: FormField, value: str | None, language: str) -> Element:
    element: Element = {"id": field.name, "label": field.label, "isRequired": field.required}
    if field.required:
        element["errorMessage"] = _say(language, "Champ obligatoire", "Required")
    if field.kind in ("text", "multiline"):
        element["type"] = "Input.Text"
        if field.kind == "multiline":
            element["isMultiline"] = True
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.placeholder:
            element["placeholder"] = field.placeholder
    elif field.kind == "select":
        element["type"] = "Input.ChoiceSet"
        element["style"] = "compact"
        element["choices"] = [{"title": label, "value": option} for option, label in field.options]
        element["placeholder"] = _say(language, "Choisir…", "Choose…")
    else:
        element["type"] = "Input.Date"
    initial = value if value is not None else field.initial
    if initial:
        element["value"] = initial
    return element


def form_values(data: Mapping[str, Any], form: ProjectForm) -> dict[str, str]:
    """What a submitted form holds: field name → value as a string ("" when empty)."""
    values = {}
    for field in form.fields:
        value = data.get(field.name)
        values[field.name] = "" if value is None else str(value).strip()
    return values


def form_cards(reply: ProjectFormReply) -> list[Card]:
    return [form_card(reply.form)]


def form_errors_cards(reply: FormCardReply) -> list[Card]:
    return [form_card(reply.form, reply.values, reply.errors)]


# --- registration ---------------------------------------------------------------------------


def register() -> None:
    """Register the renderers and the "Voir" action with bot.teams.cards (idempotent)."""
    kit.register_renderer(ProjectConfirmationReply, lambda reply: [confirmation_card(reply)])
    kit.register_renderer(ProjectCardReply, lambda reply: [project_card(reply)])
    kit.register_renderer(ProjectListReply, list_cards)
    kit.register_renderer(ProjectChoiceReply, lambda reply: [choice_card(reply)])
    kit.register_renderer(ProjectFormReply, form_cards)
    kit.register_renderer(FormCardReply, form_errors_cards)
    if ACTION_SHOW not in kit.CARD_ACTIONS:
        kit.register_card_action(ACTION_SHOW, show_command)


register()


# --- the buttons ----------------------------------------------------------------------------


Turn = Callable[[TurnContext], Awaitable[None]]


class Door(Protocol):
    """What the buttons need from the Teams door (bot.teams.app.TeamsDoor)."""

    chat: ChatService

    def spawn_turn(self, context: TurnContext, turn: Turn, *, name: str) -> None: ...

    async def send_reply(self, context: TurnContext, reply: Any) -> list[str]: ...

    async def replace_reply(
        self, context: TurnContext, activity_id: str | None, reply: Any
    ) -> bool: ...


class ProjectCardActions:
    """The project cards' buttons, for the door: `handles(name)`, then `start(context,
    action)` in the turn that received the click (it returns at once; the work runs in a
    background turn that replies to the click)."""

    def __init__(self, door: Door, commands: ProjectCommands):
        self.door = door
        self.commands = commands

    @staticmethod
    def handles(name: str) -> bool:
        return name in DOOR_ACTIONS

    def waits_for_index(self, text: str) -> bool:
        """Whether a typed command writes (`projet maj …`): writes are indexed at once, so
        they wait for the knowledge base to be loaded (as Slack's /projet does)."""
        first, _, rest = text.strip().partition(" ")
        if fold_key(first) not in COMMAND_NAMES:
            return False
        parsed = self.commands.parse(rest)
        return parsed is not None and parsed.is_write

    def start(self, context: TurnContext, action: kit.CardAction) -> None:
        activity = context.activity
        place = place_of(activity)
        card_id = activity.reply_to_id  # Teams: the message that holds the card
        if action.name == ACTION_FORM:
            request = chat_request(activity, place, "projet nouveau", surface="form")
            if card_id:  # one project per form, however often it is submitted
                conversation = base_conversation_id(activity.conversation.id or "")
                request = replace(request, request_id=f"teams:form:{conversation}:{card_id}")

            async def turn(reply_context: TurnContext) -> None:
                await self._submit_form(reply_context, action, request, card_id)

        elif action.name == ACTION_PICK:
            request = chat_request(activity, place, "", surface="button")

            async def turn(reply_context: TurnContext) -> None:
                await self._pick(reply_context, action, request, card_id)

        else:  # ACTION_FORM_CANCEL

            async def turn(reply_context: TurnContext) -> None:
                await self._cancel(reply_context, action, card_id)

        self.door.spawn_turn(context, turn, name=f"teams-{action.name}")

    # the form ------------------------------------------------------------------------------

    async def _submit_form(
        self, context: TurnContext, action: kit.CardAction, request: Any, card_id: str | None
    ) -> None:
        language = _language(action.data.get(LANGUAGE_KEY))
        form = project_form(language)
        values = form_values(action.data, form)
        chat = self.door.chat
        outcome: ChatReply | FormErrors | Any
        try:
            done = None
            if request.request_id:
                done = await asyncio.to_thread(
                    self.commands.store.result_for_request, request.request_id
                )
            errors = {}
            if done is None:  # a form already saved replays its result (submit_form)
                errors = await asyncio.to_thread(self.commands.validate_form, values, language)
            if errors:
                outcome = FormErrors(errors)
            else:
                await chat.wait_ready(chat.ready_timeout_s)
                outcome = await chat.run_blocking(
                    self.commands.submit_form, values, request, language
                )
        except Exception:
            log.exception("creating a project from the Teams form failed")
            outcome = NoticeReply(INTERNAL_ERROR_TEXT, kind="error")
        if isinstance(outcome, FormErrors):
            outcome = FormCardReply(form, values, outcome.errors, language)
        await self._show(context, outcome, card_id)

    async def _cancel(
        self, context: TurnContext, action: kit.CardAction, card_id: str | None
    ) -> None:
        language = _language(action.data.get(LANGUAGE_KEY))
        closed = NoticeReply(
            _say(
                language,
                "Création annulée : aucun projet n'a été créé.",
                "Cancelled: no project was created.",
            )
        )
        if not await self.door.replace_reply(context, card_id, closed):
            await self.door.send_reply(context, closed)

    # the pick-list -------------------------------------------------------------------------

    async def _pick(
        self, context: TurnContext, action: kit.CardAction, request: Any, card_id: str | None
    ) -> None:
        chat = self.door.chat
        token = str(action.data.get("token") or "")
        try:
            project_id = int(action.data.get("project_id") or 0)
        except (TypeError, ValueError):
            project_id = 0
        try:
            await chat.wait_ready(chat.ready_timeout_s)  # an update is indexed at once
            reply = await chat.run_blocking(self.commands.choose, request, token, project_id)
        except Exception:
            log.exception("completing a project pick-list in Teams failed")
            reply = NoticeReply(INTERNAL_ERROR_TEXT, kind="error")
        await self._show(context, reply, card_id)

    # showing -------------------------------------------------------------------------------

    async def _show(self, context: TurnContext, reply: Any, card_id: str | None) -> None:
        """A result takes the place of the card clicked; a notice (refusal, error) is a reply
        and leaves the card as it was, so the user can try again."""
        if not isinstance(reply, NoticeReply) and await self.door.replace_reply(
            context, card_id, reply
        ):
            return
        await self.door.send_reply(context, reply)
