"""What a digest says, platform-neutral: built from the project store, rendered by each door
(Block Kit in bot/slack/digest_blocks.py, Adaptive Cards in bot/teams/digest_cards.py, plain
text here for the CLI and for platforms without a renderer).

    digest = build_digest(project_store, start, end, region="Mauricie")
    reply = DigestReply(digest)        # a ChatReply: what commands return and doors post

A digest covers the period [start, end) (aware datetimes): the projects created, the updates
logged, the status changes, the money spent and the people reached, per project (each item
carries its project id, which the renderers turn into a link to the project's card), grouped
by MRC — by region then MRC when it covers every region. `Digest.empty` tells the scheduler
to apply the empty-period policy (skip, or post "Rien de nouveau cette semaine").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.bilingual import say as _say
from bot.digests.schedule import TIME_ZONE
from knowledge.projects import (
    Project,
    ProjectStore,
    ProjectUpdate,
    format_date,
    format_money,
    status_label,
)
from knowledge.regions import territories_in

UPDATES_PER_PROJECT = 3  # update lines shown per project; the others are counted
UPDATE_TEXT_CHARS = 200  # an update's text is shortened to this in a digest
NO_MRC_FR, NO_MRC_EN = "MRC non précisée", "MRC not given"


@dataclass(frozen=True)
class UpdateLine:
    """One update as a digest shows it."""

    update_id: int
    created_at: str  # ISO UTC
    author: str
    text: str  # shortened to UPDATE_TEXT_CHARS
    status_from: str | None = None
    status_to: str | None = None
    amount_spent_cents: int | None = None
    people_reached: int | None = None


@dataclass(frozen=True)
class ProjectItem:
    """A project with what happened to it during the period."""

    project_id: int
    name: str
    region: str
    mrc: str | None
    status: str
    created: bool  # created during the period
    budget_cents: int | None
    updates: tuple[UpdateLine, ...]  # oldest first
    update_count: int
    status_changes: tuple[tuple[str, str], ...]  # (from, to), in order
    amount_spent_cents: int  # during the period
    people_reached: int  # during the period

    @property
    def reference(self) -> str:
        return f"#{self.project_id}"


@dataclass(frozen=True)
class DigestGroup:
    """The projects of one MRC (of one region when the digest covers them all)."""

    region: str
    mrc: str | None
    items: tuple[ProjectItem, ...]

    def label(self, language: str = "fr", *, with_region: bool = False) -> str:
        mrc = self.mrc or _say(language, NO_MRC_FR, NO_MRC_EN)
        return f"{self.region} — {mrc}" if with_region else mrc


@dataclass(frozen=True)
class DigestTotals:
    projects_created: int = 0
    updates_logged: int = 0
    status_changes: int = 0
    amount_spent_cents: int = 0
    people_reached: int = 0
    projects: int = 0


@dataclass(frozen=True)
class Digest:
    """What happened to the projects during [start, end), for a region or all."""

    start: datetime
    end: datetime
    region: str | None
    groups: tuple[DigestGroup, ...]
    totals: DigestTotals
    language: str = "fr"

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def items(self) -> list[ProjectItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def weekly(self) -> bool:
        return timedelta(days=6) <= self.end - self.start <= timedelta(days=8)

    # --- words shared by the renderers ----------------------------------------------------

    def title(self) -> str:
        lang = self.language
        where = self.region or _say(lang, "toutes les régions", "all regions")
        length = self.end - self.start
        if self.weekly:
            what = _say(lang, "Résumé de la semaine", "Weekly digest")
        elif length <= timedelta(hours=26):
            what = _say(lang, "Résumé du jour", "Daily digest")
        elif timedelta(days=27) <= length <= timedelta(days=32):
            what = _say(lang, "Résumé du mois", "Monthly digest")
        else:
            what = _say(lang, "Résumé des projets", "Project digest")
        return f"{what} — {where}"

    def period_text(self) -> str:
        """`Du 2 juin 2025 au 9 juin 2025` (Québec dates)."""
        start = self.start.astimezone(TIME_ZONE).date()
        end = self.end.astimezone(TIME_ZONE).date()
        if self.language == "en":
            return f"From {format_date(start, 'en')} to {format_date(end, 'en')}"
        return f"Du {format_date(start)} au {format_date(end)}"

    def empty_text(self) -> str:
        lang = self.language
        if self.weekly:
            return _say(lang, "Rien de nouveau cette semaine.", "Nothing new this week.")
        since = format_date(self.start.astimezone(TIME_ZONE).date(), lang)
        return _say(lang, f"Rien de nouveau depuis le {since}.", f"Nothing new since {since}.")

    def totals_parts(self) -> list[str]:
        """`2 nouveaux projets`, `5 mises à jour`, … (only what is not zero)."""
        lang, totals = self.language, self.totals
        parts = []
        if totals.projects_created:
            parts.append(
                _count(totals.projects_created, lang, "nouveau projet", "nouveaux projets",
                       "new project", "new projects")
            )  # fmt: skip
        if totals.updates_logged:
            parts.append(
                _count(totals.updates_logged, lang, "mise à jour", "mises à jour",
                       "update", "updates")
            )  # fmt: skip
        if totals.status_changes:
            parts.append(
                _count(totals.status_changes, lang, "changement de statut",
                       "changements de statut", "status change", "status changes")
            )  # fmt: skip
        if totals.amount_spent_cents:
            spent = format_money(totals.amount_spent_cents, lang)
            parts.append(_say(lang, f"{spent} dépensés", f"{spent} spent"))
        if totals.people_reached:
            parts.append(
                _count(totals.people_reached, lang, "personne rejointe", "personnes rejointes",
                       "person reached", "people reached")
            )  # fmt: skip
        return parts

    def group_label(self, group: DigestGroup) -> str:
        return group.label(self.language, with_region=self.region is None)


def _count(number: int, language: str, one_fr: str, many_fr: str, one_en: str, many_en: str):
    shown = f"{number:,}".replace(",", "\u00a0") if language != "en" else f"{number:,}"
    if language == "en":
        return f"{shown} {one_en if number == 1 else many_en}"
    return f"{shown} {one_fr if number <= 1 else many_fr}"


def item_facts(item: ProjectItem, language: str = "fr") -> list[str]:
    """The short facts of a project's period: new, status changes, money, people."""
    facts = []
    if item.created:
        fact = _say(language, "🆕 nouveau projet", "🆕 new project")
        if item.budget_cents is not None:
            budget = format_money(item.budget_cents, language)
            fact += _say(language, f" (budget {budget})", f" (budget {budget})")
        facts.append(fact)
    for before, after in item.status_changes:
        facts.append(
            _say(language, "statut : ", "status: ")
            + f"{status_label(before, language)} → {status_label(after, language)}"
        )
    if item.amount_spent_cents:
        spent = format_money(item.amount_spent_cents, language)
        facts.append(_say(language, f"💰 {spent} dépensés", f"💰 {spent} spent"))
    if item.people_reached:
        facts.append(
            "👥 "
            + _count(item.people_reached, language, "personne rejointe", "personnes rejointes",
                     "person reached", "people reached")
        )  # fmt: skip
    return facts


def update_line_text(line: UpdateLine, language: str = "fr") -> str:
    """`3 juin — Marie Tremblay : 12 jeunes inscrits` (without the status or money facts,
    which `item_facts` sums up)."""
    day = datetime.fromisoformat(line.created_at).astimezone(TIME_ZONE).date()
    when = format_date(day, language)
    separator = ": " if language == "en" else " : "
    return f"{when} — {line.author}{separator}{line.text}"


def more_updates_text(item: ProjectItem, language: str = "fr") -> str | None:
    hidden = item.update_count - len(item.updates)
    if hidden <= 0:
        return None
    return _say(
        language,
        f"… et {hidden} autre{'s' if hidden > 1 else ''} mise{'s' if hidden > 1 else ''} à jour",
        f"… and {hidden} more update{'s' if hidden > 1 else ''}",
    )


# --- building ---------------------------------------------------------------------------------


def build_digest(
    store: ProjectStore,
    start: datetime,
    end: datetime,
    *,
    region: str | None = None,
    language: str = "fr",
) -> Digest:
    """The digest of [start, end) for a region (a territory or a group of territories) or,
    with None, for all."""
    regions = None if region is None else territories_in(region)
    start_iso = _iso(start)
    # Stored times have whole seconds: an end within a second (now) counts that second.
    end_iso = _iso(end + timedelta(microseconds=999_999) if end.microsecond else end)
    created = store.projects_created_between(start_iso, end_iso, region=regions)
    updates = store.updates_between(start_iso, end_iso, region=regions)
    projects: dict[int, Project] = {project.id: project for project in created}
    by_project: dict[int, list[ProjectUpdate]] = defaultdict(list)
    for project, update in updates:
        projects.setdefault(project.id, project)
        by_project[project.id].append(update)
    created_ids = {project.id for project in created}
    items = [
        _item(project, project.id in created_ids, by_project.get(project.id, []))
        for project in projects.values()
    ]
    grouped: dict[tuple[str, str | None], list[ProjectItem]] = defaultdict(list)
    for item in items:
        grouped[(item.region, item.mrc)].append(item)
    groups = tuple(
        DigestGroup(group_region, mrc, tuple(sorted(members, key=_item_order)))
        for (group_region, mrc), members in sorted(grouped.items(), key=_group_order)
    )
    totals = DigestTotals(
        projects_created=len(created_ids),
        updates_logged=sum(item.update_count for item in items),
        status_changes=sum(len(item.status_changes) for item in items),
        amount_spent_cents=sum(item.amount_spent_cents for item in items),
        people_reached=sum(item.people_reached for item in items),
        projects=len(items),
    )
    return Digest(start, end, region, groups, totals, language)


def _item(project: Project, created: bool, updates: list[ProjectUpdate]) -> ProjectItem:
    lines = tuple(
        UpdateLine(
            update_id=update.id,
            created_at=update.created_at,
            author=update.author_display,
            text=_shorten(update.text),
            status_from=update.status_from,
            status_to=update.status_to,
            amount_spent_cents=update.amount_spent_cents,
            people_reached=update.people_reached,
        )
        for update in updates
    )
    changes = tuple(
        (update.status_from, update.status_to)
        for update in updates
        if update.status_from and update.status_to
    )
    return ProjectItem(
        project_id=project.id,
        name=project.name,
        region=project.region,
        mrc=project.mrc,
        status=project.status,
        created=created,
        budget_cents=project.budget_cents,
        updates=lines[-UPDATES_PER_PROJECT:],
        update_count=len(lines),
        status_changes=changes,  # type: ignore[arg-type]
        amount_spent_cents=sum(update.amount_spent_cents or 0 for update in updates),
        people_reached=sum(update.people_reached or 0 for update in updates),
    )


def _shorten(text: str, limit: int = UPDATE_TEXT_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def _item_order(item: ProjectItem) -> tuple[Any, ...]:
    return (item.name.casefold(), item.project_id)


def _group_order(entry: tuple[tuple[str, str | None], list[ProjectItem]]) -> tuple[Any, ...]:
    (region, mrc), _ = entry
    return (region.casefold(), mrc is None, (mrc or "").casefold())


def _iso(moment: datetime) -> str:
    from bot.digests.store import iso_utc

    return iso_utc(moment)


# --- the reply --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestReply:
    """A digest as a chat reply: posted in a channel by the scheduler, or shown privately
    as a preview (`preview`, with the next sending time in `next_fire`)."""

    digest: Digest
    preview: bool = False
    private: bool = False
    next_fire: datetime | None = None
    schedule_text: str | None = None  # how the subscription's schedule reads
    notes: tuple[str, ...] = field(default=())  # extra lines under a preview

    @property
    def language(self) -> str:
        return self.digest.language

    def fallback_text(self) -> str:
        return digest_text(self)


def preview_note(reply: DigestReply) -> str:
    """The line that says a preview is one: what it is and when it would go out."""
    lang = reply.language
    from bot.digests.schedule import format_fire_time

    if reply.next_fire is not None:
        when = format_fire_time(reply.next_fire, lang)
        text = _say(
            lang,
            f"👀 Aperçu du prochain résumé, qui partira {when}"
            + (f" ({reply.schedule_text})" if reply.schedule_text else "")
            + " ; il comprendra aussi ce qui sera consigné d'ici là.",
            f"👀 Preview of the next digest, to be posted {when}"
            + (f" ({reply.schedule_text})" if reply.schedule_text else "")
            + "; it will also include what is logged until then.",
        )
    else:
        text = _say(
            lang,
            "👀 Aperçu : ce canal n'est pas abonné aux résumés.",
            "👀 Preview: this channel is not subscribed to digests.",
        )
    return " ".join([text, *reply.notes])


def digest_text(reply: DigestReply | Digest) -> str:
    """The digest as plain text (the CLI, the notification text, platforms without cards)."""
    digest = reply.digest if isinstance(reply, DigestReply) else reply
    lang = digest.language
    lines = [digest.title(), digest.period_text()]
    if isinstance(reply, DigestReply) and reply.preview:
        lines.insert(0, preview_note(reply))
    if digest.empty:
        lines.append(digest.empty_text())
        return "\n".join(lines)
    parts = digest.totals_parts()
    if parts:
        lines.append(" · ".join(parts))
    for group in digest.groups:
        lines.append("")
        lines.append(f"{digest.group_label(group)}")
        for item in group.items:
            lines.append(f"• {item.reference} {item.name} ({status_label(item.status, lang)})")
            facts = item_facts(item, lang)
            if facts:
                lines.append("  " + " · ".join(facts))
            for line in item.updates:
                lines.append("  – " + update_line_text(line, lang))
            more = more_updates_text(item, lang)
            if more:
                lines.append("  " + more)
    return "\n".join(lines)


__all__ = [
    "Digest",
    "DigestGroup",
    "DigestReply",
    "DigestTotals",
    "ProjectItem",
    "UpdateLine",
    "build_digest",
    "digest_text",
    "item_facts",
    "more_updates_text",
    "preview_note",
    "update_line_text",
]
