"""Projects and their updates, logged through chat or imported: the store and its rules.

One SQLite file, the project's main database (`knowledge.paths.database_path(home)`), opened
with sqlite-utils in WAL mode. Tables (all created by this module's own migrations, whose
version is kept in `projects_schema`, never in `PRAGMA user_version`):

- `projects`          id, name, region, MRC, mandataire, plan, measure, promoter, status,
                      budget (cents), start and end dates, description, who created it and when;
- `project_updates`   project, author, platform, channel, text, status change, amount spent
                      (cents), people reached, time;
- `project_audit`     append-only (triggers refuse UPDATE and DELETE): one row per change, with
                      the actor, the before/after snapshots and the request's idempotency key
                      (UNIQUE), so a retried chat request finds its first result instead of
                      writing twice;
- `project_choices`   pick-lists waiting for a click (what the command was, for whom), so a
                      button only carries a short token.

Every change is one `BEGIN IMMEDIATE` transaction holding the change and its audit row: a
crash leaves either both or neither, and two processes writing at once are serialised.

Input rules shared by the chat commands, the forms and the CSV import live here too
(`validate_project`, `validate_update` and the `parse_*` functions): they raise or return
`ProjectInputError`s whose message is a short French sentence (`.english` for English
replies), naming the field at fault.

Money is stored in integer cents (exact); dates as ISO `YYYY-MM-DD`; times as ISO UTC.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils
from rapidfuzz import fuzz

from knowledge.amounts import AmountError, parse_amount
from knowledge.folding import fold_key
from knowledge.paths import database_path
from knowledge.plans import PLANS, resolve_plan
from knowledge.regions import REGION_GROUPS, UnknownRegionError, resolve_region, territory_names

LOCAL_TIME_ZONE = ZoneInfo("America/Toronto")  # Québec time, for dates people read

# Statuses, in the order a project goes through them, and their English names.
STATUSES: tuple[str, ...] = ("à venir", "en cours", "suspendu", "terminé", "abandonné")
DEFAULT_STATUS = "à venir"
STATUS_ENGLISH: dict[str, str] = {
    "à venir": "planned",
    "en cours": "in progress",
    "suspendu": "on hold",
    "terminé": "completed",
    "abandonné": "cancelled",
}
_STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    "à venir": ("a venir", "prevu", "planifie", "planned", "upcoming", "not started"),
    "en cours": ("encours", "actif", "demarre", "in progress", "ongoing", "active", "started"),
    "suspendu": ("en pause", "pause", "on hold", "paused", "suspended"),
    "terminé": ("termine", "fini", "complete", "acheve", "completed", "done", "finished"),
    "abandonné": ("abandonne", "annule", "cancelled", "canceled", "abandoned"),
}
_STATUS_BY_KEY = {
    fold_key(alias): status
    for status, aliases in _STATUS_ALIASES.items()
    for alias in (status, STATUS_ENGLISH[status], *aliases)
}

MAX_NAME_CHARS = 200
MAX_FIELD_CHARS = 200  # MRC, mandataire, promoter, measure
# The longest text one Slack message block can show (a Block Kit section holds 3,000
# characters): an update or a description must be readable whole in its confirmation card.
MAX_TEXT_CHARS = 3000
# Bounds on figures typed: beyond them it is surely a typo, and every stored value fits an
# SQLite INTEGER (at most 2^63 - 1) with room to sum a project's updates.
MAX_PEOPLE = 10_000_000
MAX_DOLLARS = Decimal(10_000_000_000)  # 10 G$: far beyond any Alliance budget
MAX_CENTS = int(MAX_DOLLARS) * 100

PROJECT_FIELDS: tuple[str, ...] = (
    "name",
    "region",
    "mrc",
    "mandataire",
    "plan",
    "measure",
    "promoter",
    "status",
    "budget",
    "start_date",
    "end_date",
    "description",
)
UPDATE_FIELDS: tuple[str, ...] = ("text", "status", "amount_spent", "people_reached")

# How each field is named in French and English (messages, forms, CSV headers).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("nom", "name"),
    "region": ("région", "region"),
    "mrc": ("MRC", "MRC"),
    "mandataire": ("mandataire", "mandataire"),
    "plan": ("plan", "plan"),
    "measure": ("mesure", "measure"),
    "promoter": ("promoteur", "promoter"),
    "status": ("statut", "status"),
    "budget": ("budget", "budget"),
    "start_date": ("début", "start"),
    "end_date": ("fin", "end"),
    "description": ("description", "description"),
    "text": ("texte", "text"),
    "amount_spent": ("montant", "amount"),
    "people_reached": ("personnes", "people"),
}


# --- errors ---------------------------------------------------------------------------------


class ProjectInputError(ValueError):
    """A value that cannot be stored as typed. str() is French; `.english` is English;
    `field` names the field (a form shows the message next to it)."""

    def __init__(
        self,
        field: str,
        message: str,
        english: str | None = None,
        suggestions: Sequence[str] = (),
    ):
        super().__init__(message)
        self.field = field
        self.message = message
        self.english = english or message
        self.suggestions = list(suggestions)

    def text(self, language: str = "fr") -> str:
        return self.english if language == "en" else self.message


class ProjectStoreError(RuntimeError):
    """The store cannot do what was asked (a file from a newer version, for instance)."""


class DuplicateProjectError(ProjectInputError):
    """A project with this name already exists in this region."""

    def __init__(self, existing: Project):
        self.existing = existing
        super().__init__(
            "name",
            f"Un projet porte déjà ce nom en {existing.region} : {existing.reference} "
            f"« {existing.name} ». Choisissez un autre nom, ou mettez ce projet à jour "
            f"(`maj {existing.reference} …`).",
            f"A project with this name already exists in {existing.region}: "
            f"{existing.reference} “{existing.name}”. Choose another name, or update that "
            f"project (`update {existing.reference} …`).",
        )


class UnknownProjectError(LookupError):
    def __init__(self, project_id: int):
        super().__init__(f"projet #{project_id} introuvable")
        self.project_id = project_id


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes a change, from where: a chat user (platform "slack"/"teams") or the CLI."""

    user_id: str
    name: str | None = None
    platform: str = "cli"
    channel: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.user_id


@dataclass(frozen=True)
class ProjectDraft:
    """A new project's validated fields (what `validate_project` returns)."""

    name: str
    region: str
    mrc: str | None = None
    mandataire: str | None = None
    plan: str | None = None
    measure: str | None = None
    promoter: str | None = None
    status: str = DEFAULT_STATUS
    budget_cents: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class UpdateDraft:
    """An update's validated fields (what `validate_update` returns)."""

    text: str
    status: str | None = None
    amount_spent_cents: int | None = None
    people_reached: int | None = None


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    region: str
    status: str
    created_at: str
    created_by: str
    created_by_name: str | None = None
    platform: str = "cli"
    updated_at: str | None = None
    mrc: str | None = None
    mandataire: str | None = None
    plan: str | None = None
    measure: str | None = None
    promoter: str | None = None
    budget_cents: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    description: str | None = None

    @property
    def reference(self) -> str:
        """How people refer to it in commands: `#12`."""
        return f"#{self.id}"

    @property
    def author(self) -> str:
        return self.created_by_name or self.created_by

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ProjectUpdate:
    id: int
    project_id: int
    author: str
    text: str
    created_at: str
    author_name: str | None = None
    platform: str = "cli"
    channel: str | None = None
    status_from: str | None = None
    status_to: str | None = None
    amount_spent_cents: int | None = None
    people_reached: int | None = None

    @property
    def author_display(self) -> str:
        return self.author_name or self.author

    @property
    def local_date(self) -> date:
        return local_date(self.created_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WriteResult:
    """What a change produced. `replayed`: the request key had been seen, nothing was
    written, this is the first result again."""

    project: Project
    update: ProjectUpdate | None = None
    replayed: bool = False
    audit_id: int | None = None
    status_before: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    action: str
    actor: str
    actor_name: str | None
    platform: str
    project_id: int | None
    update_id: int | None
    request_key: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class ProjectMatches:
    """Projects a typed name designates: `exact` (same name, accents, case and a leading
    article aside) and, when there is none, `close` ones (best first)."""

    exact: list[Project] = field(default_factory=list)
    close: list[Project] = field(default_factory=list)


# --- time -------------------------------------------------------------------------------


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def local_date(iso: str) -> date:
    """The Québec calendar date of a stored UTC time."""
    return datetime.fromisoformat(iso).astimezone(LOCAL_TIME_ZONE).date()


_MONTHS_FR = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
_MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()


def format_date(day: date | str, language: str = "fr") -> str:
    """`3 juin 2025` (French) or `June 3, 2025` (English)."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if language == "en":
        return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS_FR[day.month - 1]} {day.year}"


# --- values: parsing and formatting --------------------------------------------------------


def format_money(cents: int | None, language: str = "fr") -> str:
    """`40 000 $`, `40 000,50 $` (French, no-break spaces) or `$40,000.50` (English)."""
    if cents is None:
        return "—"
    dollars, rest = divmod(cents, 100)
    if language == "en":
        text = f"${dollars:,}"
        return text + (f".{rest:02d}" if rest else "")
    text = f"{dollars:,}".replace(",", "\u00a0")
    return text + (f",{rest:02d}" if rest else "") + "\u00a0$"


_AMOUNT_EXAMPLES_FR = "Exemples : 12 500 $, 40 000,50 $, 13,7 M$."
_AMOUNT_EXAMPLES_EN = "Examples: 12 500 $, 40 000,50 $, 13,7 M$ (French format)."


def parse_money(text: str, field: str = "budget") -> int | None:
    """Cents for an amount written the French way ("12 500 $", "13,7 M$", "40 000,50 $");
    None for an empty cell or "s. o.". Raises ProjectInputError for anything else: the one
    check every way in (chat commands, forms, CSV import) goes through. At most
    MAX_DOLLARS, at most cents: the result always fits an SQLite INTEGER."""
    label_fr, label_en = FIELD_LABELS.get(field, (field, field))
    typed = _shown(text)
    try:
        dollars = parse_amount(text)
    except AmountError as error:
        if error.reason == "too_large":
            raise _amount_too_large(field, typed) from None
        if error.reason == "negative":
            raise ProjectInputError(
                field,
                f"Montant négatif ({label_fr}) : « {typed} ». Un budget ou un montant "
                "dépensé est positif ou nul.",
                f"Negative amount ({label_en}): “{typed}”. A budget or an amount spent "
                "is zero or more.",
            ) from None
        if error.reason == "decimals":
            raise ProjectInputError(
                field,
                f"Montant illisible ({label_fr}) : « {typed} » : au plus deux décimales (les "
                f"cents). {_AMOUNT_EXAMPLES_FR}",
                f"Unreadable amount ({label_en}): “{typed}”: at most two decimals (the "
                f"cents). {_AMOUNT_EXAMPLES_EN}",
            ) from None
        raise ProjectInputError(
            field,
            f"Montant illisible ({label_fr}) : « {typed} ». {_AMOUNT_EXAMPLES_FR}",
            f"Unreadable amount ({label_en}): “{typed}”. {_AMOUNT_EXAMPLES_EN}",
        ) from None
    if dollars is None:
        return None
    if dollars > MAX_DOLLARS:
        raise _amount_too_large(field, typed)
    cents = dollars * 100  # exact: parse_amount bounds the digits it reads
    if cents != cents.to_integral_value():
        raise ProjectInputError(
            field,
            f"Montant plus précis que le cent ({label_fr}) : « {typed} ». Au plus deux "
            "décimales, ex. 40 000,50 $ ou 13,75 M$.",
            f"Amount finer than a cent ({label_en}): “{typed}”. At most two decimals, "
            "e.g. 40 000,50 $ or 13,75 M$.",
        )
    return int(cents)


def _amount_too_large(field: str, typed: str) -> ProjectInputError:
    label_fr, label_en = FIELD_LABELS.get(field, (field, field))
    return ProjectInputError(
        field,
        f"Montant trop élevé ({label_fr}) : « {typed} ». Le maximum est "
        f"{format_money(MAX_CENTS)} (10 G$) ; exemple : 40 000,50 $ ou 13,7 M$.",
        f"Amount too large ({label_en}): “{typed}”. The maximum is "
        f"{format_money(MAX_CENTS, 'en')} (10 billion); e.g. 40 000,50 $ or 13,7 M$.",
    )


def _shown(typed: str, limit: int = 40) -> str:
    """What was typed, cut to fit in a message (a form shows errors in a few lines)."""
    cleaned = " ".join(typed.split())
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def cents_to_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


_PEOPLE = re.compile(r"^[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+$|^[0-9]+$")
_PEOPLE_DIGITS = len(str(MAX_PEOPLE))


def parse_people(text: str) -> int | None:
    """A number of people reached: a whole number ("12", "1 200") of at most MAX_PEOPLE;
    None when empty. Raises ProjectInputError for anything else."""
    cleaned = text.strip()
    if not cleaned:
        return None
    shown = _shown(cleaned)
    if cleaned.startswith(("-", "\u2212")):
        raise ProjectInputError(
            "people_reached",
            f"Nombre de personnes négatif : « {shown} ».",
            f"Negative number of people: “{shown}”.",
        )
    if not _PEOPLE.match(cleaned):
        raise ProjectInputError(
            "people_reached",
            f"Nombre de personnes illisible : « {shown} ». Écrivez un nombre entier, "
            "ex. personnes:12.",
            f"Unreadable number of people: “{shown}”. Write a whole number, e.g. people:12.",
        )
    digits = re.sub(r"[^0-9]", "", cleaned).lstrip("0") or "0"
    if len(digits) > _PEOPLE_DIGITS or int(digits) > MAX_PEOPLE:
        raise ProjectInputError(
            "people_reached",
            f"Nombre de personnes trop élevé : « {shown} ». Le maximum est "
            f"{_number_fr(MAX_PEOPLE)} ; exemple : personnes:1 200.",
            f"Number of people too large: “{shown}”. The maximum is {MAX_PEOPLE:,}; "
            "e.g. people:1200.",
        )
    return int(digits)


def parse_status(text: str) -> str:
    """The canonical status for what was typed ("En cours", "in progress", "termine")."""
    status = _STATUS_BY_KEY.get(fold_key(text))
    if status is None:
        raise ProjectInputError(
            "status",
            f"Statut inconnu : « {text.strip()} ». Statuts possibles : {', '.join(STATUSES)}.",
            f"Unknown status: “{text.strip()}”. Possible statuses: "
            f"{', '.join(STATUS_ENGLISH.values())}.",
        )
    return status


def status_label(status: str | None, language: str = "fr") -> str:
    if status is None:
        return "—"
    return STATUS_ENGLISH.get(status, status) if language == "en" else status


def parse_region(text: str) -> str:
    """The canonical Alliance territory; the error suggests the closest territories and
    signatories (CSSSPNQL…), or lists them all when nothing is close."""
    try:
        region = resolve_region(text)
    except UnknownRegionError as error:
        typed = text.strip()
        if error.suggestions:
            hint = ", ".join(error.suggestions)
            french = f"Région inconnue : « {typed} ». Vouliez-vous dire : {hint} ?"
            english = f"Unknown region: “{typed}”. Did you mean: {hint}?"
        else:
            every = ", ".join(territory_names())
            french = f"Région inconnue : « {typed} ». Territoires des Alliances : {every}."
            english = f"Unknown region: “{typed}”. Alliance territories: {every}."
        raise ProjectInputError("region", french, english, error.suggestions) from None
    if region in REGION_GROUPS:
        parts = ", ".join(REGION_GROUPS[region])
        raise ProjectInputError(
            "region",
            f"{region} regroupe plusieurs territoires des Alliances : précisez lequel ({parts}).",
            f"{region} covers several Alliance territories: say which one ({parts}).",
            REGION_GROUPS[region],
        )
    return region


def parse_plan(text: str) -> str:
    plan = resolve_plan(text)
    if plan is None:
        known = ", ".join(f"{p.acronym or p.id} ({p.period})" for p in PLANS)
        raise ProjectInputError(
            "plan",
            f"Plan inconnu : « {text.strip()} ». Plans : {known}.",
            f"Unknown plan: “{text.strip()}”. Plans: {known}.",
        )
    return plan


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_WORDS_DATE = re.compile(r"^(\d{1,2})(?:er)?\s+([a-zéû]+)\s+(\d{4})$")


def parse_date(text: str, field: str = "start_date") -> str:
    """ISO date for "2025-06-03", "03/06/2025" (day first) or "3 juin 2025"."""
    cleaned = text.strip()
    label_fr, label_en = FIELD_LABELS.get(field, (field, field))
    parts: tuple[int, int, int] | None = None
    if match := _ISO_DATE.match(cleaned):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _DMY_DATE.match(cleaned):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    elif match := _WORDS_DATE.match(cleaned.lower()):
        months = [fold_key(m) for m in _MONTHS_FR]
        month = fold_key(match[2])
        if month in months:
            parts = (int(match[3]), months.index(month) + 1, int(match[1]))
    try:
        if parts is None:
            raise ValueError
        return date(*parts).isoformat()
    except ValueError:
        raise ProjectInputError(
            field,
            f"Date illisible ({label_fr}) : « {cleaned} ». Exemples : 2025-06-03, 03/06/2025, "
            "3 juin 2025.",
            f"Unreadable date ({label_en}): “{cleaned}”. Examples: 2025-06-03, 03/06/2025 "
            "(day first).",
        ) from None


def clean_name(text: str) -> str:
    name = re.sub(r"\s+", " ", text or "").strip()
    if not name:
        raise ProjectInputError(
            "name", "Le nom du projet est vide.", "The project's name is empty."
        )
    if len(name) > MAX_NAME_CHARS:
        raise ProjectInputError(
            "name",
            f"Le nom est trop long ({len(name)} caractères, maximum {MAX_NAME_CHARS}).",
            f"The name is too long ({len(name)} characters, at most {MAX_NAME_CHARS}).",
        )
    if name.isdigit() or name.startswith("#"):
        raise ProjectInputError(
            "name",
            "Un nom de projet ne peut pas être un numéro (les numéros s'écrivent #12).",
            "A project's name cannot be a number (numbers are written #12).",
        )
    if not any(ch.isalnum() for ch in name):
        raise ProjectInputError(
            "name", "Le nom du projet doit contenir des lettres.", "The name needs letters."
        )
    return name


def clean_text(text: str, field: str = "text", *, required: bool = True) -> str | None:
    """A free text: trimmed, required when asked, at most MAX_TEXT_CHARS characters."""
    cleaned = (text or "").strip()
    label_fr, label_en = FIELD_LABELS.get(field, (field, field))
    if not cleaned:
        if not required:
            return None
        raise ProjectInputError(
            field,
            "Le texte de la mise à jour est vide : écrivez ce qui s'est passé, par exemple "
            "« 12 jeunes inscrits pour la saison ».",
            "The update's text is empty: write what happened, e.g. “12 young people "
            "registered for the season”.",
        )
    if len(cleaned) > MAX_TEXT_CHARS:
        raise ProjectInputError(
            field,
            f"Le {label_fr} est trop long : {_number_fr(len(cleaned))} caractères, alors "
            f"qu'un message Slack en affiche {_number_fr(MAX_TEXT_CHARS)} d'un bloc. "
            "Raccourcissez-le ou découpez-le en plusieurs mises à jour.",
            f"The {label_en} is too long: {len(cleaned):,} characters, while a Slack message "
            f"shows {MAX_TEXT_CHARS:,} in one block. Shorten it or split it into several "
            "updates.",
        )
    return cleaned


def _number_fr(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _clean_short(text: str | None, field: str) -> str | None:
    cleaned = re.sub(r"\s+", " ", text or "").strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_FIELD_CHARS:
        label_fr, label_en = FIELD_LABELS[field]
        raise ProjectInputError(
            field,
            f"Le champ {label_fr} est trop long ({len(cleaned)} caractères, maximum "
            f"{MAX_FIELD_CHARS}).",
            f"The {label_en} field is too long ({len(cleaned)} characters, at most "
            f"{MAX_FIELD_CHARS}).",
        )
    return cleaned


def validate_project(
    raw: Mapping[str, str | None],
) -> tuple[ProjectDraft | None, list[ProjectInputError]]:
    """Validate a new project's fields as typed (keys from PROJECT_FIELDS; missing or empty
    values are "not given"). Returns the draft, or None and every error found (so a form can
    mark each field at once)."""
    errors: list[ProjectInputError] = []
    values: dict[str, Any] = {}

    def check(name: str, parse: Callable[[str], Any]) -> None:
        value = (raw.get(name) or "").strip()
        if not value:
            return
        try:
            values[name] = parse(value)
        except ProjectInputError as error:
            errors.append(error)

    try:
        values["name"] = clean_name(raw.get("name") or "")
    except ProjectInputError as error:
        errors.append(error)
    if not (raw.get("region") or "").strip():
        errors.append(
            ProjectInputError(
                "region",
                "Précisez la région du projet (ex. région:Mauricie).",
                "Give the project's region (e.g. region:Mauricie).",
            )
        )
    check("region", parse_region)
    for name in ("mrc", "mandataire", "measure", "promoter"):
        check(name, lambda value, name=name: _clean_short(value, name))
    check("plan", parse_plan)
    check("status", parse_status)
    check("budget", lambda value: parse_money(value, "budget"))
    check("start_date", lambda value: parse_date(value, "start_date"))
    check("end_date", lambda value: parse_date(value, "end_date"))
    check("description", lambda value: clean_text(value, "description", required=False))
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors.append(
            ProjectInputError(
                "end_date",
                f"La fin ({end}) précède le début ({start}).",
                f"The end ({end}) comes before the start ({start}).",
            )
        )
    if errors:
        return None, errors
    return (
        ProjectDraft(
            name=values["name"],
            region=values["region"],
            mrc=values.get("mrc"),
            mandataire=values.get("mandataire"),
            plan=values.get("plan"),
            measure=values.get("measure"),
            promoter=values.get("promoter"),
            status=values.get("status") or DEFAULT_STATUS,
            budget_cents=values.get("budget"),
            start_date=start,
            end_date=end,
            description=values.get("description"),
        ),
        [],
    )


def validate_update(
    raw: Mapping[str, str | None],
) -> tuple[UpdateDraft | None, list[ProjectInputError]]:
    """Validate an update as typed: text (required), status, amount_spent, people_reached."""
    errors: list[ProjectInputError] = []
    text = status = amount = people = None
    try:
        text = clean_text(raw.get("text") or "", "text")
    except ProjectInputError as error:
        errors.append(error)
    try:
        if (raw.get("status") or "").strip():
            status = parse_status(raw["status"] or "")
        if (raw.get("amount_spent") or "").strip():
            amount = parse_money(raw["amount_spent"] or "", "amount_spent")
        if (raw.get("people_reached") or "").strip():
            people = parse_people(raw["people_reached"] or "")
    except ProjectInputError as error:
        errors.append(error)
    if errors or text is None:
        return None, errors
    return UpdateDraft(text, status, amount, people), []


def name_key(name: str) -> str:
    """The comparison key of a project name: folded, without a leading article."""
    return re.sub(r"^(?:les|le|la|l|the)\s+", "", fold_key(name))


# --- the store ------------------------------------------------------------------------------


_PROJECT_COLUMNS = (
    "id, name, region, status, created_at, created_by, created_by_name, platform, updated_at, "
    "mrc, mandataire, plan, measure, promoter, budget_cents, start_date, end_date, description"
)
_UPDATE_COLUMNS = (
    "id, project_id, author, text, created_at, author_name, platform, channel, status_from, "
    "status_to, amount_spent_cents, people_reached"
)
CHOICE_TTL_S = 24 * 3600.0
MAX_ROW_ID = 2**63 - 1  # the largest SQLite INTEGER


class ProjectStore:
    """The projects, their updates and the audit trail. Thread-safe (one connection behind
    a lock); several processes may share the file (WAL, busy timeout, immediate
    transactions)."""

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Callable[[], float] = time.time,
        migrations: Sequence[Migration] | None = None,
    ):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        connection = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
        self.db = sqlite_utils.Database(connection)
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.enable_wal()
        self._migrations = tuple(MIGRATIONS if migrations is None else migrations)
        self._migrate()

    @classmethod
    def open(cls, home: Path | str) -> ProjectStore:
        """The store of a data folder (`knowledge.paths.database_path(home)`)."""
        return cls(database_path(Path(home)))

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> ProjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema -----------------------------------------------------------------------

    @property
    def latest_version(self) -> int:
        return max((version for version, _, _ in self._migrations), default=0)

    def schema_version(self) -> int:
        with self._lock:
            if not self.db["projects_schema"].exists():
                return 0
            row = self.db.execute("SELECT max(version) FROM projects_schema").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        with self._lock:
            self.db["projects_schema"].create(
                {"version": int, "applied_at": str, "description": str},
                pk="version",
                not_null={"applied_at"},
                if_not_exists=True,
            )
            current = self.schema_version()
            if current > self.latest_version:
                raise ProjectStoreError(
                    f"{self.path} a été écrit par une version plus récente de l'application "
                    f"(schéma des projets {current}, celle-ci connaît {self.latest_version}) : "
                    "mettez l'application à jour."
                )
            for version, description, migration in self._migrations:
                if version <= current:
                    continue
                with self._transaction():
                    if self.schema_version() >= version:  # another process got there first
                        continue
                    migration(self.db)
                    self.db.execute(
                        "INSERT INTO projects_schema (version, applied_at, description) "
                        "VALUES (?, ?, ?)",
                        [version, iso_utc(self._clock()), description],
                    )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One immediate transaction: the write lock is taken at once, so a concurrent
        writer waits (busy timeout) instead of failing halfway."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.rollback()
                raise
            self.db.execute("COMMIT")

    # --- writing ----------------------------------------------------------------------

    def create_project(
        self, draft: ProjectDraft, actor: Actor, *, request_key: str | None = None
    ) -> WriteResult:
        """Create a project (with its audit row). Raises DuplicateProjectError when the
        region already has a project of that name; a known `request_key` returns the
        first result with `replayed=True` and writes nothing."""
        with self._transaction():
            replay = self._replay(request_key)
            if replay is not None:
                return replay
            return self._insert_project(draft, actor, request_key, action="project.create")

    def import_project(
        self, draft: ProjectDraft, actor: Actor, *, request_key: str | None = None
    ) -> WriteResult:
        """Create one imported project (one line of a sheet) with its audit row, in one
        transaction of its own: a crash or a bad line never undoes the lines before it,
        never leaves a project without its audit row. A known `request_key` (the file and
        the line) replays; a duplicate raises DuplicateProjectError and writes nothing."""
        with self._transaction():
            replay = self._replay(request_key)
            if replay is not None:
                return replay
            return self._insert_project(draft, actor, request_key, action="project.import")

    def _insert_project(
        self, draft: ProjectDraft, actor: Actor, request_key: str | None, *, action: str
    ) -> WriteResult:
        existing = self._same_name(draft.name, draft.region)
        if existing is not None:
            raise DuplicateProjectError(existing)
        now = iso_utc(self._clock())
        row = {
            "name": draft.name,
            "name_key": name_key(draft.name),
            "region": draft.region,
            "mrc": draft.mrc,
            "mandataire": draft.mandataire,
            "plan": draft.plan,
            "measure": draft.measure,
            "promoter": draft.promoter,
            "status": draft.status,
            "budget_cents": draft.budget_cents,
            "start_date": draft.start_date,
            "end_date": draft.end_date,
            "description": draft.description,
            "created_at": now,
            "created_by": actor.user_id,
            "created_by_name": actor.name,
            "platform": actor.platform,
            "updated_at": now,
        }
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(
            f"INSERT INTO projects ({columns}) VALUES ({marks})", list(row.values())
        )
        project = self._project(int(cursor.lastrowid or 0))
        assert project is not None
        audit_id = self._audit(
            action, actor, request_key, project_id=project.id, before=None, after=project.to_dict()
        )
        return WriteResult(project, audit_id=audit_id)

    def add_update(
        self,
        project_id: int,
        draft: UpdateDraft,
        actor: Actor,
        *,
        request_key: str | None = None,
    ) -> WriteResult:
        """Log an update; a status given changes the project's status in the same
        transaction. Raises UnknownProjectError; a known `request_key` replays."""
        with self._transaction():
            replay = self._replay(request_key)
            if replay is not None:
                return replay
            before = self._project(project_id)
            if before is None:
                raise UnknownProjectError(project_id)
            now = iso_utc(self._clock())
            status_to = draft.status if draft.status and draft.status != before.status else None
            cursor = self.db.execute(
                "INSERT INTO project_updates (project_id, author, author_name, platform, "
                "channel, text, status_from, status_to, amount_spent_cents, people_reached, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    project_id,
                    actor.user_id,
                    actor.name,
                    actor.platform,
                    actor.channel,
                    draft.text,
                    before.status if status_to else None,
                    status_to,
                    draft.amount_spent_cents,
                    draft.people_reached,
                    now,
                ],
            )
            update_id = int(cursor.lastrowid or 0)
            self.db.execute(
                "UPDATE projects SET status = ?, updated_at = ? WHERE id = ?",
                [status_to or before.status, now, project_id],
            )
            project = self._project(project_id)
            update = self._update(update_id)
            assert project is not None and update is not None
            audit_id = self._audit(
                "update.create",
                actor,
                request_key,
                project_id=project_id,
                update_id=update_id,
                before=before.to_dict(),
                after={**project.to_dict(), "update": update.to_dict()},
            )
        return WriteResult(project, update, audit_id=audit_id, status_before=before.status)

    def _audit(
        self,
        action: str,
        actor: Actor,
        request_key: str | None,
        *,
        project_id: int | None = None,
        update_id: int | None = None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO project_audit (at, action, actor, actor_name, platform, channel, "
            "project_id, update_id, request_key, before_json, after_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                iso_utc(self._clock()),
                action,
                actor.user_id,
                actor.name,
                actor.platform,
                actor.channel,
                project_id,
                update_id,
                request_key,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
            ],
        )
        return int(cursor.lastrowid or 0)

    def _replay(self, request_key: str | None) -> WriteResult | None:
        if not request_key:
            return None
        row = self.db.execute(
            "SELECT id, project_id, update_id, before_json FROM project_audit "
            "WHERE request_key = ?",
            [request_key],
        ).fetchone()
        if row is None:
            return None
        audit_id, project_id, update_id, before_json = row
        project = self._project(project_id)
        update = self._update(update_id) if update_id is not None else None
        if project is None:  # cannot happen: projects are never deleted
            raise ProjectStoreError(f"audit {audit_id} names a missing project {project_id}")
        before = json.loads(before_json) if before_json else None
        return WriteResult(
            project,
            update,
            replayed=True,
            audit_id=audit_id,
            status_before=before.get("status") if before else None,
        )

    def result_for_request(self, request_key: str) -> WriteResult | None:
        """The result a request key produced, or None when it was never seen."""
        with self._lock:
            return self._replay(request_key)

    # --- pick-lists ---------------------------------------------------------------------

    def save_choice(self, payload: Mapping[str, Any], *, user_id: str, platform: str) -> str:
        """Remember a command waiting for the user to pick a project; returns its token."""
        token = secrets.token_urlsafe(12)
        now = self._clock()
        with self._transaction():
            self.db.execute(
                "DELETE FROM project_choices WHERE created_at < ?", [now - CHOICE_TTL_S]
            )
            self.db.execute(
                "INSERT INTO project_choices (token, user_id, platform, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [token, user_id, platform, json.dumps(dict(payload), ensure_ascii=False), now],
            )
        return token

    def choice(self, token: str) -> dict[str, Any] | None:
        """A pending pick-list's payload (with `user_id`), or None when unknown or expired."""
        with self._lock:
            row = self.db.execute(
                "SELECT user_id, platform, payload, created_at FROM project_choices "
                "WHERE token = ?",
                [token],
            ).fetchone()
        if row is None or row[3] < self._clock() - CHOICE_TTL_S:
            return None
        return {**json.loads(row[2]), "user_id": row[0], "platform": row[1]}

    # --- reading ----------------------------------------------------------------------

    def get(self, project_id: int) -> Project | None:
        with self._lock:
            return self._project(project_id)

    def get_update(self, update_id: int) -> ProjectUpdate | None:
        with self._lock:
            return self._update(update_id)

    def _project(self, project_id: int) -> Project | None:
        if not 0 < project_id <= MAX_ROW_ID:  # SQLite cannot even compare a larger number
            return None
        row = self.db.execute(
            f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id = ?", [project_id]
        ).fetchone()
        return _project_from_row(row) if row else None

    def _update(self, update_id: int) -> ProjectUpdate | None:
        if not 0 < update_id <= MAX_ROW_ID:
            return None
        row = self.db.execute(
            f"SELECT {_UPDATE_COLUMNS} FROM project_updates WHERE id = ?", [update_id]
        ).fetchone()
        return _update_from_row(row) if row else None

    def _same_name(self, name: str, region: str) -> Project | None:
        row = self.db.execute(
            f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE name_key = ? AND region = ?",
            [name_key(name), region],
        ).fetchone()
        return _project_from_row(row) if row else None

    def find_same_name(self, name: str, region: str) -> Project | None:
        """The project of that name in that region, if any (names compare folded)."""
        with self._lock:
            return self._same_name(name, region)

    def projects(
        self,
        *,
        region: str | Iterable[str] | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[Project]:
        """Projects by region then name; `region` may be several territories."""
        where, args = [], []
        if region is not None:
            regions = [region] if isinstance(region, str) else list(region)
            where.append(f"region IN ({', '.join('?' for _ in regions)})")
            args += regions
        if status is not None:
            where.append("status = ?")
            args.append(status)
        sql = f"SELECT {_PROJECT_COLUMNS} FROM projects"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY region, name_key, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self.db.execute(sql, args).fetchall()
        return [_project_from_row(row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM projects").fetchone()[0])

    def updates(self, project_id: int, *, limit: int | None = None) -> list[ProjectUpdate]:
        """A project's updates, newest first."""
        sql = f"SELECT {_UPDATE_COLUMNS} FROM project_updates WHERE project_id = ? ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self.db.execute(sql, [project_id]).fetchall()
        return [_update_from_row(row) for row in rows]

    def all_updates(self) -> list[ProjectUpdate]:
        with self._lock:
            rows = self.db.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM project_updates ORDER BY id"
            ).fetchall()
        return [_update_from_row(row) for row in rows]

    def update_summary(self, project_id: int) -> tuple[int, int | None, str | None]:
        """(number of updates, total amount spent in cents or None, time of the last one)."""
        with self._lock:
            row = self.db.execute(
                "SELECT count(*), sum(amount_spent_cents), max(created_at) FROM project_updates "
                "WHERE project_id = ?",
                [project_id],
            ).fetchone()
        return int(row[0]), (None if row[1] is None else int(row[1])), row[2]

    def updates_between(
        self, start: str, end: str, *, region: str | Iterable[str] | None = None
    ) -> list[tuple[Project, ProjectUpdate]]:
        """Updates logged in [start, end) (ISO UTC times), oldest first, with their project:
        what a digest of the period reports."""
        sql = (
            f"SELECT {_UPDATE_COLUMNS} FROM project_updates WHERE created_at >= ? "
            "AND created_at < ? ORDER BY created_at, id"
        )
        with self._lock:
            rows = self.db.execute(sql, [start, end]).fetchall()
            pairs = [(self._project(row[1]), _update_from_row(row)) for row in rows]
        regions = None if region is None else ({region} if isinstance(region, str) else set(region))
        return [
            (project, update)
            for project, update in pairs
            if project is not None and (regions is None or project.region in regions)
        ]

    def projects_created_between(
        self, start: str, end: str, *, region: str | Iterable[str] | None = None
    ) -> list[Project]:
        regions = None if region is None else ({region} if isinstance(region, str) else set(region))
        with self._lock:
            rows = self.db.execute(
                f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE created_at >= ? AND "
                "created_at < ? ORDER BY created_at, id",
                [start, end],
            ).fetchall()
        projects = [_project_from_row(row) for row in rows]
        return [p for p in projects if regions is None or p.region in regions]

    def find(self, typed: str, *, limit: int = 8) -> ProjectMatches:
        """The projects a typed name designates (see ProjectMatches)."""
        key = name_key(typed)
        if not key:
            return ProjectMatches()
        with self._lock:
            rows = self.db.execute(f"SELECT {_PROJECT_COLUMNS}, name_key FROM projects").fetchall()
        exact = [_project_from_row(row[:-1]) for row in rows if row[-1] == key]
        if exact:
            return ProjectMatches(exact=exact)
        scored = []
        for row in rows:
            score = _closeness(key, row[-1])
            if score >= 80:
                scored.append((score, _project_from_row(row[:-1])))
        scored.sort(key=lambda item: (-item[0], item[1].id))
        return ProjectMatches(close=[project for _, project in scored[:limit]])

    def name_keys(self) -> list[tuple[str, Project]]:
        """Every project with its name key (to find a name at the start of a text)."""
        with self._lock:
            rows = self.db.execute(f"SELECT {_PROJECT_COLUMNS}, name_key FROM projects").fetchall()
        return [(row[-1], _project_from_row(row[:-1])) for row in rows]

    def audit(self, project_id: int | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first (of one project when given)."""
        sql = (
            "SELECT id, at, action, actor, actor_name, platform, project_id, update_id, "
            "request_key, before_json, after_json FROM project_audit"
        )
        args: list[Any] = []
        if project_id is not None:
            sql += " WHERE project_id = ?"
            args.append(project_id)
        with self._lock:
            rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [
            AuditEntry(
                *row[:9],
                before=json.loads(row[9]) if row[9] else None,
                after=json.loads(row[10]) if row[10] else None,
            )
            for row in rows
        ]


_LINK_WORDS = frozenset("de des du d la le les l et en au aux a the of and".split())


def _closeness(key: str, candidate: str) -> float:
    """How well a typed name key designates a project's name key (0-100)."""
    words = [word for word in key.split() if word not in _LINK_WORDS]
    if not words:
        return 0.0
    if set(words) <= set(candidate.split()) or (len(key) >= 4 and key in candidate):
        return 100.0
    if len(key) < 4:
        return 0.0
    scores = [fuzz.ratio(key, candidate), fuzz.token_set_ratio(key, candidate)]
    if len(key) >= 6:
        scores.append(fuzz.partial_ratio(key, candidate) - 5)
    return float(max(scores))


def _project_from_row(row: Sequence[Any]) -> Project:
    return Project(*row)


def _update_from_row(row: Sequence[Any]) -> ProjectUpdate:
    return ProjectUpdate(*row)


# --- migrations -----------------------------------------------------------------------------


def _schema_v1(db: sqlite_utils.Database) -> None:
    db["projects"].create(
        {
            "id": int,
            "name": str,
            "name_key": str,
            "region": str,
            "mrc": str,
            "mandataire": str,
            "plan": str,
            "measure": str,
            "promoter": str,
            "status": str,
            "budget_cents": int,
            "start_date": str,
            "end_date": str,
            "description": str,
            "created_at": str,
            "created_by": str,
            "created_by_name": str,
            "platform": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "name_key", "region", "status", "created_at", "created_by"},
        defaults={"status": DEFAULT_STATUS},
    )
    db["projects"].create_index(["name_key", "region"], unique=True)
    db["projects"].create_index(["region", "status"])
    db["project_updates"].create(
        {
            "id": int,
            "project_id": int,
            "author": str,
            "author_name": str,
            "platform": str,
            "channel": str,
            "text": str,
            "status_from": str,
            "status_to": str,
            "amount_spent_cents": int,
            "people_reached": int,
            "created_at": str,
        },
        pk="id",
        not_null={"project_id", "author", "text", "created_at"},
        foreign_keys=[("project_id", "projects", "id")],
    )
    db["project_updates"].create_index(["project_id", "id"])
    db["project_updates"].create_index(["created_at"])
    db["project_audit"].create(
        {
            "id": int,
            "at": str,
            "action": str,
            "actor": str,
            "actor_name": str,
            "platform": str,
            "channel": str,
            "project_id": int,
            "update_id": int,
            "request_key": str,
            "before_json": str,
            "after_json": str,
        },
        pk="id",
        not_null={"at", "action", "actor"},
    )
    db["project_audit"].create_index(["request_key"], unique=True)
    db["project_audit"].create_index(["project_id", "id"])
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER project_audit_append_only_{event.lower()} BEFORE {event} ON "
            "project_audit BEGIN SELECT RAISE(ABORT, 'project_audit is append-only'); END"
        )
    db["project_choices"].create(
        {"token": str, "user_id": str, "platform": str, "payload": str, "created_at": float},
        pk="token",
        not_null={"user_id", "payload", "created_at"},
    )


Migration = tuple[int, str, Callable[[sqlite_utils.Database], None]]
# (version reached, what it does, the step). Append new steps; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    (1, "projects, project_updates, project_audit, project_choices", _schema_v1),
)


def territory_choices() -> list[str]:
    """The territories a project can belong to (forms offer exactly these)."""
    return territory_names()


__all__ = [
    "DEFAULT_STATUS",
    "FIELD_LABELS",
    "MAX_TEXT_CHARS",
    "MIGRATIONS",
    "PROJECT_FIELDS",
    "STATUSES",
    "STATUS_ENGLISH",
    "Actor",
    "AuditEntry",
    "DuplicateProjectError",
    "Project",
    "ProjectDraft",
    "ProjectInputError",
    "ProjectMatches",
    "ProjectStore",
    "ProjectStoreError",
    "ProjectUpdate",
    "UnknownProjectError",
    "UpdateDraft",
    "WriteResult",
    "cents_to_decimal",
    "format_date",
    "format_money",
    "local_date",
    "name_key",
    "parse_date",
    "parse_money",
    "parse_people",
    "parse_plan",
    "parse_region",
    "parse_status",
    "status_label",
    "validate_project",
    "validate_update",
]
