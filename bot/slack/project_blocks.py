"""Block Kit for the project replies: confirmation card, project card with its latest
updates, list, pick-list buttons, and the `/projet nouveau` modal. Nothing here calls Slack.

User-typed text is escaped (`&`, `<`, `>`); long texts are split into sections of at most
3,000 characters; a message stays under 50 blocks.
"""

from __future__ import annotations

import re
from typing import Any

from bot.bilingual import say as _say
from bot.projects import (
    FormField,
    ProjectCardReply,
    ProjectChoiceReply,
    ProjectConfirmationReply,
    ProjectForm,
    ProjectFormReply,
    ProjectListReply,
    choice_question,
    indexing_note,
    list_title,
    project_facts,
    update_fact_pairs,
    update_facts,
)
from bot.slack import blocks as kit
from knowledge.projects import (
    Project,
    ProjectUpdate,
    format_date,
    format_money,
    local_date,
    status_label,
)

Block = dict[str, Any]

ACTION_PICK = "alliances_project_pick"
ACTION_SHOW = "alliances_project_show"
VIEW_NEW_PROJECT = "alliances_project_new"
HEADER_LIMIT = 150
FIELDS_PER_SECTION = 10
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _who(user_id: str, name: str | None, platform: str) -> str:
    """A Slack user as a mention (Slack shows the name); others by name."""
    if platform == "slack" and _SLACK_USER.match(user_id):
        return f"<@{user_id}>"
    return kit.escape(name or user_id)


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rstrip() + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _fields(pairs: list[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields (ten per section)."""
    fields = [
        {"type": "mrkdwn", "text": f"*{kit.escape(label)}*\n{kit.escape(value)}"[:2000]}
        for label, value in pairs
    ]
    return [
        {"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]}
        for start in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def _quote(text: str) -> list[Block]:
    quoted = "\n".join(
        f"> {line}" if line.strip() else ">" for line in kit.escape(text).splitlines()
    )
    return kit.sections(quoted)


def project_reply_blocks(reply: Any) -> list[Block] | None:
    """Blocks for a project reply; None for replies of other kinds."""
    if isinstance(reply, ProjectConfirmationReply):
        return confirmation_blocks(reply)
    if isinstance(reply, ProjectCardReply):
        return card_blocks(reply)
    if isinstance(reply, ProjectListReply):
        return list_blocks(reply)
    if isinstance(reply, ProjectChoiceReply):
        return choice_blocks(reply)
    if isinstance(reply, ProjectFormReply):
        return kit.sections(reply.fallback_text())
    return None


# --- confirmation ---------------------------------------------------------------------------


def confirmation_blocks(reply: ProjectConfirmationReply) -> list[Block]:
    result, lang = reply.result, reply.language
    project, update = result.project, result.update
    blocks: list[Block] = []
    if result.replayed:
        blocks.append(
            kit.context(
                _say(
                    lang,
                    "ℹ️ Cette demande avait déjà été reçue et enregistrée : rien n'a été ajouté.",
                    "ℹ️ This request had already been received and saved: nothing was added.",
                )
            )
        )
    name = f"*{kit.escape(project.name)}* ({project.reference})"
    if update is None:
        blocks += kit.sections(
            "✅ " + _say(lang, f"Projet créé : {name}", f"Project created: {name}")
        )
        facts = [(_say(lang, "Région", "Region"), project.region), *project_facts(project, lang)]
        blocks += _fields(facts)
        if project.description:
            blocks += kit.sections(kit.escape(project.description))
        when, who = (
            project.created_at,
            _who(project.created_by, project.created_by_name, project.platform),
        )
        hint = _say(
            lang,
            f"Mises à jour : `/projet maj {project.reference} <texte>`",
            f"Updates: `/projet update {project.reference} <text>`",
        )
    else:
        blocks += kit.sections(
            "✅ " + _say(lang, f"Mise à jour enregistrée — {name}", f"Update logged — {name}")
        )
        blocks += _quote(update.text)
        facts = update_fact_pairs(update, lang)
        if facts:
            blocks += _fields(facts)
        when, who = update.created_at, _who(update.author, update.author_name, update.platform)
        hint = _say(
            lang,
            f"La fiche : `/projet voir {project.reference}`",
            f"The project: `/projet show {project.reference}`",
        )
    notes = [f"{_say(lang, 'Par', 'By')} {who}", format_date(local_date(when), lang)]
    indexing = indexing_note(reply.indexed, lang)
    if indexing:
        notes.append(indexing)
    notes.append(hint)
    blocks.append(kit.context(" · ".join(notes)))
    return blocks


# --- project card ---------------------------------------------------------------------------


def card_blocks(reply: ProjectCardReply) -> list[Block]:
    project, lang = reply.project, reply.language
    blocks: list[Block] = [_header(f"{project.name} ({project.reference})")]
    facts = [(_say(lang, "Région", "Region"), project.region), *project_facts(project, lang)]
    if reply.total_spent_cents is not None:
        facts.append(
            (
                _say(lang, "Dépensé (cumul des mises à jour)", "Spent (sum of updates)"),
                format_money(reply.total_spent_cents, lang),
            )
        )
    blocks += _fields(facts)
    if project.description:
        blocks += kit.sections(kit.escape(project.description))
    blocks.append({"type": "divider"})
    if reply.updates:
        shown = len(reply.updates)
        title = _say(lang, "*Dernières mises à jour*", "*Latest updates*")
        if reply.update_count > shown:
            title += _say(
                lang, f" ({shown} sur {reply.update_count})", f" ({shown} of {reply.update_count})"
            )
        blocks += kit.sections(title)
        for update in reply.updates:
            blocks += _update_blocks(update, lang)
    else:
        blocks += kit.sections(
            _say(lang, "_Aucune mise à jour pour l'instant._", "_No update yet._")
        )
    blocks.append(
        kit.context(
            _say(lang, "Créé le ", "Created on ")
            + format_date(local_date(project.created_at), lang)
            + _say(lang, " par ", " by ")
            + _who(project.created_by, project.created_by_name, project.platform)
            + " · "
            + _say(
                lang,
                f"Mettre à jour : `/projet maj {project.reference} <texte>`",
                f"Update: `/projet update {project.reference} <text>`",
            )
        )
    )
    return blocks[: kit.BLOCKS_PER_MESSAGE]


def _update_blocks(update: ProjectUpdate, language: str) -> list[Block]:
    who = _who(update.author, update.author_name, update.platform)
    head = f"*{format_date(update.local_date, language)}* — {who}"
    facts = " · ".join(kit.escape(line) for line in update_facts(update, language))
    text = f"{head}\n{kit.escape(update.text)}" + (f"\n_{facts}_" if facts else "")
    return kit.sections(text)


# --- list -----------------------------------------------------------------------------------


def list_blocks(reply: ProjectListReply) -> list[Block]:
    lang = reply.language
    if not reply.items:
        return kit.sections(kit.escape(reply.fallback_text()))
    blocks: list[Block] = [_header(list_title(reply))]
    for item in reply.items:
        project = item.project
        detail = f"{kit.escape(project.region)} · {kit.escape(status_label(project.status, lang))}"
        if item.update_count:
            last = format_date(local_date(item.last_update_at or project.created_at), lang)
            detail += _say(
                lang,
                f" · {item.update_count} mise(s) à jour, la dernière le {last}",
                f" · {item.update_count} update(s), the last on {last}",
            )
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{project.reference}* {kit.escape(project.name)}\n{detail}",
                },
                "accessory": _button(
                    _say(lang, "Voir", "Show"), ACTION_SHOW, f"{project.id}:{lang}"
                ),
            }
        )
    if reply.total > len(reply.items):
        blocks.append(
            kit.context(
                _say(
                    lang,
                    "Liste abrégée : précisez `région:…` ou `statut:…`.",
                    "List shortened: add `region:…` or `status:…`.",
                )
            )
        )
    return blocks


# --- pick-list ------------------------------------------------------------------------------


def choice_blocks(reply: ProjectChoiceReply) -> list[Block]:
    lang = reply.language
    blocks = kit.sections(kit.escape(choice_question(reply)))
    for project in reply.candidates:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _candidate(project, lang)},
                "accessory": _button(
                    _say(lang, "Choisir", "Choose"), ACTION_PICK, f"{reply.token}:{project.id}"
                ),
            }
        )
    if reply.action == "update":
        blocks.append(
            kit.context(
                _say(
                    lang,
                    "Rien n'est enregistré avant votre choix.",
                    "Nothing is saved until you choose.",
                )
            )
        )
    return blocks


def _candidate(project: Project, language: str) -> str:
    return (
        f"*{project.reference}* {kit.escape(project.name)} — {kit.escape(project.region)}, "
        f"{kit.escape(status_label(project.status, language))}"
    )


def _button(text: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }


# --- the creation modal -----------------------------------------------------------------------


def project_modal(form: ProjectForm, private_metadata: str) -> Block:
    """The `/projet nouveau` modal: one input block per field, block_id = field name."""
    return {
        "type": "modal",
        "callback_id": VIEW_NEW_PROJECT,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": form.title[:24]},
        "submit": {"type": "plain_text", "text": form.submit[:24]},
        "close": {"type": "plain_text", "text": form.close[:24]},
        "blocks": [_input(field) for field in form.fields],
    }


def _input(field: FormField) -> Block:
    element: Block = {"action_id": field.name}
    if field.kind in ("text", "multiline"):
        element["type"] = "plain_text_input"
        if field.kind == "multiline":
            element["multiline"] = True
        if field.max_length:
            element["max_length"] = field.max_length
    elif field.kind == "select":
        element["type"] = "static_select"
        options = [_option(value, label) for value, label in field.options]
        element["options"] = options
        initial = next((o for o in options if o["value"] == field.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    else:
        element["type"] = "datepicker"
    if field.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": field.placeholder[:150]}
    return {
        "type": "input",
        "block_id": field.name,
        "optional": not field.required,
        "label": {"type": "plain_text", "text": field.label[:2000]},
        "element": element,
    }


def _option(value: str, label: str) -> Block:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value[:150]}


def form_values(state_values: dict[str, Any]) -> dict[str, str]:
    """What a submitted modal holds: field name → value as a string ("" when empty)."""
    values: dict[str, str] = {}
    for block_id, actions in (state_values or {}).items():
        for element in (actions or {}).values():
            kind = element.get("type")
            if kind in ("static_select", "external_select"):
                value = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                value = element.get("selected_date")
            else:
                value = element.get("value")
            values[block_id] = value or ""
    return values


def form_errors(errors: dict[str, str]) -> dict[str, str]:
    """`response_action: errors` payload: block_id → message (Slack shows it under the
    field). Messages are kept short enough for Slack."""
    return {name: message[:300] for name, message in errors.items()}
