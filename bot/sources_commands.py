"""The `sources` commands, platform-neutral: see and fix the documents of the knowledge base
from Slack (`/alliances sources …`, a mention, a direct message) and Teams alike.

    commands = install_sources_commands(chat, settings)   # bot/server.py, once

- `sources [région:…] [période:…]` → `SourceListReply`: the documents with their metadata
  (shipped ones marked « fourni »), filtered;
- `sources voir <n>` → `SourceCardReply`: every field, address, file, who added it and
  when, and its audit history;
- `sources corriger <n> région:… période:… titre:… url:…` → `SourceCorrectedReply`: the
  correction goes through `SourceRegistry.correct` (checked first, one transaction with its
  audit line), then the document is ingested again (`Assistant.refresh_document`), so that
  its passages carry the corrected metadata. The correction is part of the document's
  content hash: if the refresh is interrupted, the next `alliances ingest` or server start
  redoes it;
- `sources retirer <n>` → `SourceRemovedReply`: marked removed in the registry (its row,
  file and audit lines stay), then taken out of the index (vectors, passages and
  so the lexical index, `Assistant.remove_document`); ingestion never brings it back;
- `sources aide` → help.

Reading is open to everyone; writing is for curators (`Settings.curators`:
ALLIANCES_CURATORS, or the admins). Bad input (syntax, an unknown region, a malformed period
or address, an unknown number) → a private notice saying what is wrong and how to write it,
and nothing is written. Replies are in French, in English when the command was typed in
English (`sources show 3`, `sources correct 3 region:…`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.bilingual import counted_title
from bot.bilingual import say as _say
from bot.chat import (
    PLATFORM_SLACK,
    ChatReply,
    ChatRequest,
    ChatService,
    Command,
    NoticeReply,
    starting_notice,
)
from bot.source_syntax import (
    Language,
    SourcesCommand,
    SourceSyntaxError,
    looks_like_sources_command,
    parse_sources_command,
)
from knowledge.manifest import DocumentInfo, infer_document_info, shipped_documents
from knowledge.metadata_fields import EDITABLE_FIELDS
from knowledge.sources import (
    SHIPPED_ROOT,
    Source,
    SourceAuditEntry,
    SourceCorrectionError,
    SourceRegistry,
    normalize_changes,
)

log = logging.getLogger(__name__)

COMMAND_NAMES = ("sources", "source")
EXTENSION = "sources"  # key in ChatService.extensions
LIST_LIMIT = 40
HISTORY_LIMIT = 20

_FIELD_NAMES = {
    "title": ("titre", "title"), "url": ("adresse", "address"), "date": ("date", "date"),
    "periods": ("période", "period"), "regions": ("région", "region"), "plan": ("plan", "plan"),
    "kind": ("type", "kind"),
}  # fmt: skip
_ACTIONS = {
    "added": ("ajouté", "added"),
    "updated": ("réindexé", "re-indexed"),
    "corrected": ("corrigé", "corrected"),
    "removed": ("retiré", "removed"),
}


# --- replies ----------------------------------------------------------------------------------
#
# Each reply carries its own wording (titles, notes, facts), so that the Slack and Teams
# renderings and the plain-text fallback say the same things; they only lay it out.


@dataclass(frozen=True)
class SourceSummary:
    """A document of the list, with its passage count when the index is at hand."""

    source: Source
    passages: int | None = None

    def heading(self, language: str) -> str:
        return source_heading(self.source, language)

    def detail(self, language: str) -> str:
        """`2019-06-01 · 2019-2023 · Mauricie, Estrie · page-web · 12 passages`."""
        source = self.source
        parts = [
            source.date or _say(language, "date ?", "date ?"),
            ", ".join(source.periods) or _say(language, "période ?", "period ?"),
            regions_text(source.regions, language),
            source.kind,
        ]
        if self.passages is not None:
            parts.append(f"{self.passages} passage(s)")
        return " · ".join(parts)


@dataclass(frozen=True)
class SourceListReply:
    items: tuple[SourceSummary, ...]
    total: int
    filters: dict[str, str] = field(default_factory=dict)
    language: str = "fr"
    private: bool = True

    def title(self) -> str:
        title = _say(self.language, "Documents de la base", "Knowledge base documents")
        return counted_title(
            self.language, title, self.filters.values(), len(self.items), self.total
        )

    def empty_text(self) -> str:
        filters = f" ({', '.join(self.filters.values())})" if self.filters else ""
        return _say(
            self.language,
            f"Aucun document{filters}.",
            f"No document{filters}.",
        )

    def notes(self, prefix: str = "") -> list[str]:
        """What is said under the list: that it is shortened, and how to see one document
        (`prefix`: what commands are typed after, `/alliances ` in Slack)."""
        notes = [_shortened_text(self.language)] if self.total > len(self.items) else []
        notes.append(
            _say(
                self.language,
                f"Un document en détail : `{prefix}sources voir <n>`.",
                f"One document in full: `{prefix}sources show <n>`.",
            )
        )
        return notes

    def fallback_text(self) -> str:
        if not self.items:
            return self.empty_text()
        lines = [self.title()]
        for item in self.items:
            lines.append(f"• {item.heading(self.language)}")
            lines.append(f"  {item.detail(self.language)}")
        if self.total > len(self.items):
            lines.append(_shortened_text(self.language))
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceCardReply:
    """One document: its fields, where it comes from, and its history (oldest first)."""

    source: Source
    passages: int | None
    history: tuple[SourceAuditEntry, ...]
    language: str = "fr"
    private: bool = True

    def heading(self) -> str:
        return source_heading(self.source, self.language)

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) of the document's card, in the order shown."""
        source, language = self.source, self.language
        facts = [
            (_say(language, "Titre", "Title"), source.title),
            ("Date", source.date or "—"),
            (_say(language, "Période(s)", "Period(s)"), ", ".join(source.periods) or "—"),
            (_say(language, "Régions", "Regions"), regions_text(source.regions, language)),
            ("Plan", source.plan or "—"),
            ("Type" if language != "en" else "Kind", source.kind),
        ]
        if self.passages is not None:
            facts.append(("Passages", str(self.passages)))
        facts.append((_say(language, "Adresse (URL)", "Source URL"), source.url or "—"))
        facts.append((_say(language, "Fichier", "File"), source.path))
        if source.shipped:
            origin = _say(
                language,
                f"fourni avec l'assistant (indexé le {when_text(source.added_at)})",
                f"shipped with the assistant (indexed {when_text(source.added_at)})",
            )
        else:
            who = source.added_by_label or _say(language, "ligne de commande", "command line")
            origin = _say(
                language,
                f"{who}, le {when_text(source.added_at)}",
                f"{who}, {when_text(source.added_at)}",
            )
        facts.append((_say(language, "Ajouté par", "Added by"), origin))
        if source.corrected:
            fields = ", ".join(field_label(name, language) for name in source.corrected)
            facts.append((_say(language, "Corrigé à la main", "Corrected by hand"), fields))
        if source.removed:
            facts.append(
                (
                    _say(language, "Retiré", "Removed"),
                    f"{when_text(source.removed_at)} ({source.removed_by_label or '?'})",
                )
            )
        return facts

    def history_title(self) -> str:
        return _say(self.language, "Historique", "History")

    def fallback_text(self) -> str:
        lang = self.language
        lines = [self.heading()]
        lines += [f"{label}{colon(lang)}{value}" for label, value in self.facts()]
        lines.append(self.history_title() + colon(lang).rstrip())
        lines += [f"• {history_line(entry, lang)}" for entry in self.history]
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceCorrectedReply:
    """A correction recorded; `indexed`: the passages carry it now (True), the refresh
    failed and will be redone by the next ingestion (False), no index attached (None)."""

    source: Source
    changes: tuple[tuple[str, str, str], ...]  # (field, before, after) as shown
    indexed: bool | None
    passages: int | None = None
    language: str = "fr"
    private: bool = True

    def title(self) -> str:
        return _say(
            self.language,
            f"✅ Document [{self.source.number}] corrigé : « {self.source.title} »",
            f"✅ Document [{self.source.number}] corrected: “{self.source.title}”",
        )

    def note(self) -> str | None:
        lang = self.language
        if not self.changes:
            return _say(
                lang,
                "Ces valeurs étaient déjà les siennes : elles sont désormais fixées (une "
                "nouvelle indexation ne les changera pas).",
                "These values were already its own: they are now fixed (re-indexing will not "
                "change them).",
            )
        if self.indexed is True:
            passages = f" ({self.passages})" if self.passages is not None else ""
            return _say(
                lang,
                f"Ses passages{passages} portent la correction : les questions en tiennent "
                "compte dès maintenant.",
                f"Its passages{passages} carry the correction: questions use it from now on.",
            )
        if self.indexed is False:
            return _say(
                lang,
                "La correction est enregistrée, mais la réindexation a échoué (le détail est "
                "dans le journal) : elle sera refaite à la prochaine indexation ou au "
                "redémarrage.",
                "The correction is saved, but re-indexing failed (details in the log): it will "
                "be redone at the next ingestion or restart.",
            )
        return None

    def fallback_text(self) -> str:
        lines = [self.title()]
        lines += [
            f"• {label}{colon(self.language)}{before} → {after}"
            for label, before, after in self.changes
        ]
        note = self.note()
        if note:
            lines.append(note)
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceRemovedReply:
    """A document removed; `unindexed`: its passages are gone (True), the removal from the
    index failed and will be finished by the next ingestion (False), no index (None);
    `already`: it had been removed before (nothing done)."""

    source: Source
    unindexed: bool | None
    passages_removed: int | None = None
    already: bool = False
    language: str = "fr"
    private: bool = True

    def title(self) -> str:
        source, lang = self.source, self.language
        if self.already:
            return _say(
                lang,
                f"Le document [{source.number}] « {source.title} » était déjà retiré "
                f"({when_text(source.removed_at)}).",
                f"Document [{source.number}] “{source.title}” was already removed "
                f"({when_text(source.removed_at)}).",
            )
        return _say(
            lang,
            f"🗑️ Document [{source.number}] retiré de la base : « {source.title} »",
            f"🗑️ Document [{source.number}] removed from the knowledge base: “{source.title}”",
        )

    def note(self) -> str | None:
        lang = self.language
        if self.already:
            return None
        kept = _say(
            lang,
            "Son fichier et son historique sont conservés ; une nouvelle indexation ne le "
            "ramènera pas.",
            "Its file and history are kept; re-indexing will not bring it back.",
        )
        if self.unindexed is True:
            count = f"{self.passages_removed} " if self.passages_removed is not None else ""
            return _say(
                lang,
                f"Ses {count}passages ne servent plus aux réponses. {kept}",
                f"Its {count}passages no longer serve answers. {kept}",
            )
        if self.unindexed is False:
            return _say(
                lang,
                "Il est marqué retiré, mais son retrait de l'index a échoué (le détail est dans "
                "le journal) : il sera terminé à la prochaine indexation ou au redémarrage. "
                f"{kept}",
                "It is marked removed, but taking it out of the index failed (details in the "
                f"log): this will be finished at the next ingestion or restart. {kept}",
            )
        return kept

    def fallback_text(self) -> str:
        lines = [self.title()]
        note = self.note()
        if note:
            lines.append(note)
        return "\n".join(lines)


SourceReply = SourceListReply | SourceCardReply | SourceCorrectedReply | SourceRemovedReply


# --- wording shared by the replies -------------------------------------------------------------


def colon(language: str) -> str:
    """ " : " in French, ": " in English."""
    return _say(language, " : ", ": ")


def field_label(name: str, language: str) -> str:
    french, english = _FIELD_NAMES.get(name, (name, name))
    return _say(language, french, english)


def regions_text(regions: Iterable[str], language: str) -> str:
    regions = tuple(regions)
    if "*" in regions:
        return _say(language, "toutes les régions", "every region")
    return ", ".join(regions) or "—"


def when_text(iso: str | None) -> str:
    """An ISO time as shown: 2025-06-15T14:03:00+00:00 → 2025-06-15 14:03 UTC."""
    if not iso:
        return "—"
    day, _, time = iso.partition("T")
    return f"{day} {time[:5]} UTC" if time else day


def source_heading(source: Source, language: str) -> str:
    """`[3] Title — fourni` (the number people type, the title, shipped or removed)."""
    text = f"[{source.number}] {source.title}"
    if source.shipped:
        text += " — " + _say(language, "fourni", "shipped")
    if source.removed:
        text += " — " + _say(language, "retiré", "removed")
    return text


def _shortened_text(language: str) -> str:
    return _say(
        language,
        "Liste abrégée : précisez `région:…` ou `période:…`.",
        "List shortened: add `region:…` or `period:…`.",
    )


def history_changes(entry: SourceAuditEntry, language: str) -> list[tuple[str, str, str]]:
    """(field label, before, after) of the editable fields an audit line changed."""
    before, after = entry.before or {}, entry.after or {}
    changes = []
    for name in EDITABLE_FIELDS:
        old, new = before.get(name), after.get(name)
        if entry.before is None or old == new:
            continue
        changes.append(
            (field_label(name, language), _value(name, old, language), _value(name, new, language))
        )
    return changes


def action_label(entry: SourceAuditEntry, language: str) -> str:
    french, english = _ACTIONS.get(entry.action, (entry.action, entry.action))
    return _say(language, french, english)


def history_line(entry: SourceAuditEntry, language: str, actor: str | None = None) -> str:
    """`2025-06-15 14:03 UTC — corrigé par U0MARIE01 — région : Mauricie → Outaouais`
    (`actor`: how to show who did it, default their name when known, else their id)."""
    text = f"{when_text(entry.at)} — {action_label(entry, language)}"
    who = actor or entry.actor_label
    if who:
        text += _say(language, f" par {who}", f" by {who}")
    changes = history_changes(entry, language)
    if changes:
        separator = _say(language, " ; ", "; ")
        text += " — " + separator.join(
            f"{label}{colon(language)}{old} → {new}" for label, old, new in changes
        )
    return text


def _value(name: str, value: Any, language: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "regions":
        return regions_text(value, language)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


# --- the commands -----------------------------------------------------------------------------


class _UnknownNumber(Exception):
    """No document has the number the command gives."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


class SourceCommands:
    """The `sources` command. Blocking (SQLite, and embeddings for a correction): call it
    from the chat's command thread."""

    def __init__(
        self,
        home: Path,
        curators: Iterable[str],
        *,
        assistant: Callable[[], Any] = lambda: None,
    ):
        self.home = home
        self.curators = frozenset(curators)
        self._assistant = assistant

    def command(self) -> Command:
        return Command(
            COMMAND_NAMES,
            self.handle,
            help_lines=(
                "`sources aide` : les documents de la base — les lister, en voir un, "
                "corriger ses métadonnées ou le retirer (responsables de la base)",
            ),
            accepts=looks_like_sources_command,
        )

    def handle(self, request: ChatRequest, arguments: str) -> ChatReply:
        """ChatCore handler: `arguments` is what follows `sources`."""
        try:
            command = parse_sources_command(arguments)
        except SourceSyntaxError as error:
            language = _language_of(arguments)
            return self._error(error.text(language), request)
        if command.action == "help":
            return NoticeReply(self.help_text(request, command.language), kind="help", private=True)
        try:
            if command.action == "list":
                return self._list(request, command)
            if command.action == "show":
                return self._show(request, command)
            refusal = self._write_refusal(request, command.language)
            if refusal is not None:
                return refusal
            if command.action == "correct":
                return self._correct(request, command)
            return self._remove(request, command)
        except _UnknownNumber as unknown:
            return self._unknown(unknown.number, request, command.language)

    def help_text(self, request: ChatRequest, language: str = "fr") -> str:
        p = "/alliances sources" if request.conversation.platform == PLATFORM_SLACK else "sources"
        if language == "en":
            return "\n".join(
                [
                    f"*Knowledge base documents — {p}*",
                    f"• `{p}`: the documents, with their number, title, date, periods, regions, "
                    "kind and passages (shipped ones are marked); filters: "
                    f"`{p} region:Mauricie period:2019-2023`",
                    f"• `{p} show 3`: one document in full, with its address, file, who added "
                    "it and its history",
                    f'• `{p} correct 3 region:Outaouais period:2024-2029 title:"2024 report" '
                    "url:https://…`: correct its metadata (also date:, plan:, kind:); quote a "
                    "value that holds a colon",
                    f"• `{p} remove 3`: take it out of the knowledge base (its file and history "
                    "are kept)",
                    "• Everyone can read; curators (ALLIANCES_CURATORS, by default the admins) "
                    "correct and remove.",
                ]
            )
        return "\n".join(
            [
                f"*Documents de la base — {p}*",
                f"• `{p}` : les documents, avec leur numéro, titre, date, périodes, régions, "
                "type et passages (les documents fournis sont marqués) ; filtres : "
                f"`{p} région:Mauricie période:2019-2023`",
                f"• `{p} voir 3` : un document en détail, avec son adresse, son fichier, qui "
                "l'a ajouté et son historique",
                f'• `{p} corriger 3 région:Outaouais période:2024-2029 titre:"Bilan 2024" '
                "url:https://…` : corriger ses métadonnées (aussi date:, plan:, type:) ; "
                "mettez entre guillemets une valeur qui contient un deux-points",
                f"• `{p} retirer 3` : le retirer de la base (son fichier et son historique "
                "sont conservés)",
                "• Tout le monde peut consulter ; les responsables de la base "
                "(ALLIANCES_CURATORS, par défaut les administrateurs) corrigent et retirent.",
            ]
        )

    # reading --------------------------------------------------------------------------------

    def _list(self, request: ChatRequest, command: SourcesCommand) -> ChatReply:
        region, period = command.filters.get("region"), command.filters.get("period")
        with self._registry() as registry:
            try:
                listed = registry.list(region, period)
            except SourceCorrectionError as error:
                example = ("`sources région:Mauricie`", "`sources region:Mauricie`")
                return self._error(
                    correction_error_text(error, command.filters, command.language, example),
                    request,
                )
        counts = self._passage_counts()
        items = tuple(
            SourceSummary(source, counts.get(source.doc_id, 0) if counts is not None else None)
            for source in listed[:LIST_LIMIT]
        )
        shown_filters = {}
        if region:
            shown_filters["region"] = _say(command.language, "région ", "region ") + region
        if period:
            shown_filters["period"] = _say(command.language, "période ", "period ") + period
        return SourceListReply(items, len(listed), shown_filters, command.language)

    def _show(self, request: ChatRequest, command: SourcesCommand) -> ChatReply:
        with self._numbered(command) as (registry, source):
            history = registry.history(source.number)
        return SourceCardReply(
            source,
            self._passages(source.doc_id),
            tuple(history[-HISTORY_LIMIT:]),
            command.language,
        )

    # writing --------------------------------------------------------------------------------

    def _correct(self, request: ChatRequest, command: SourcesCommand) -> ChatReply:
        language = command.language
        assert command.number is not None
        example = (
            f"`sources corriger {command.number} région:Outaouais période:2024-2029`",
            f"`sources correct {command.number} region:Outaouais period:2024-2029`",
        )
        try:
            normalize_changes(command.changes)  # every value checked before anything else
        except SourceCorrectionError as error:
            return self._error(
                correction_error_text(error, command.changes, language, example), request
            )
        refresh = getattr(self._assistant(), "refresh_document", None)
        with self._numbered(command) as (registry, source):
            if source.removed:
                return self._error(
                    _say(
                        language,
                        f"Le document [{source.number}] est retiré de la base : il n'y a plus "
                        "rien à corriger.",
                        f"Document [{source.number}] was removed from the knowledge base: "
                        "there is nothing left to correct.",
                    ),
                    request,
                )
            info = document_info(source) if refresh is not None else None
            if refresh is not None and info is None:
                return self._error(
                    _say(
                        language,
                        f"Le fichier du document [{source.number}] est introuvable "
                        f"({source.path}) : il ne peut pas être réindexé, rien n'a été "
                        "modifié. Rétablissez le fichier, puis recommencez.",
                        f"The file of document [{source.number}] cannot be found "
                        f"({source.path}): it cannot be re-indexed, nothing was changed. "
                        "Put the file back, then try again.",
                    ),
                    request,
                )
            try:
                registry.remember_name(request.user_id, request.user_name)
                after = registry.correct(source.number, command.changes, by=request.user_id)
            except SourceCorrectionError as error:
                return self._error(
                    correction_error_text(error, command.changes, language, example), request
                )
        changes = tuple(
            (
                field_label(name, language),
                _value(name, getattr(source, name), language),
                _value(name, getattr(after, name), language),
            )
            for name in EDITABLE_FIELDS
            if name in command.changes and getattr(source, name) != getattr(after, name)
        )
        indexed: bool | None = None
        if refresh is not None and info is not None:
            indexed = self._refresh(refresh, info, after)
        return SourceCorrectedReply(after, changes, indexed, self._passages(after.doc_id), language)

    def _refresh(self, refresh: Callable[..., Any], info: DocumentInfo, source: Source) -> bool:
        try:
            report = refresh(info, source.root)
        except Exception:
            log.exception("re-indexing source %s after its correction failed", source.number)
            return False
        if report.failed:
            log.warning("re-indexing source %s failed: %s", source.number, report.failed)
            return False
        return True

    def _remove(self, request: ChatRequest, command: SourcesCommand) -> ChatReply:
        language = command.language
        remove = getattr(self._assistant(), "remove_document", None)
        with self._numbered(command) as (registry, source):
            if source.removed:
                return SourceRemovedReply(source, None, already=True, language=language)
            passages = self._passages(source.doc_id)
            registry.remember_name(request.user_id, request.user_name)
            after = registry.remove(source.number, by=request.user_id)
        unindexed: bool | None = None
        if remove is not None:
            try:
                remove(after.doc_id)
                unindexed = True
            except Exception:
                log.exception("removing source %s from the index failed", after.number)
                unindexed = False
        return SourceRemovedReply(after, unindexed, passages, language=language)

    def _write_refusal(self, request: ChatRequest, language: str) -> NoticeReply | None:
        user = request.user_id
        if not self.curators:
            return NoticeReply(
                _say(
                    language,
                    "Aucun responsable de la base n'est configuré : personne ne peut encore "
                    "corriger ni retirer de document (la consultation reste ouverte à tous). "
                    "Pour en désigner, l'administrateur ajoute leurs identifiants à la "
                    "variable ALLIANCES_CURATORS (séparés par des virgules) ou à la clé "
                    "`curators` du fichier de configuration, puis redémarre `alliances serve`. "
                    f"Votre identifiant : {user}.",
                    "No curator is configured: nobody can correct or remove documents yet "
                    "(reading stays open to all). To appoint curators, the administrator adds "
                    "their user ids to the ALLIANCES_CURATORS variable (comma-separated) or to "
                    "the `curators` key of the config file, then restarts `alliances serve`. "
                    f"Your id: {user}.",
                ),
                kind="refusal",
                private=True,
            )
        if user not in self.curators:
            return NoticeReply(
                _say(
                    language,
                    "Désolé, seuls les responsables de la base peuvent corriger ou retirer des "
                    "documents ; vous pouvez les consulter (`sources`, `sources voir 3`). Pour "
                    "devenir responsable, demandez à l'administrateur d'ajouter votre "
                    f"identifiant ({user}) à ALLIANCES_CURATORS.",
                    "Sorry, only the knowledge base's curators can correct or remove "
                    "documents; you can read them (`sources`, `sources show 3`). To become a "
                    f"curator, ask the administrator to add your id ({user}) to "
                    "ALLIANCES_CURATORS.",
                ),
                kind="refusal",
                private=True,
            )
        if self._assistant() is None:
            return starting_notice(language, "rien n'a été modifié", "nothing was changed")
        return None

    # helpers --------------------------------------------------------------------------------

    @contextmanager
    def _registry(self) -> Iterator[SourceRegistry]:
        """The registry of the assistant's data folder (where ingestion records), else of
        the settings' one."""
        home = getattr(self._assistant(), "home", None)
        with SourceRegistry.open(home if isinstance(home, Path) else self.home) as registry:
            yield registry

    @contextmanager
    def _numbered(self, command: SourcesCommand) -> Iterator[tuple[SourceRegistry, Source]]:
        """The registry and the document numbered in the command; `_UnknownNumber` (a notice
        from `handle`) when there is none."""
        assert command.number is not None
        with self._registry() as registry:
            source = registry.get(command.number)
            if source is None:
                raise _UnknownNumber(command.number)
            yield registry, source

    def _store(self) -> Any:
        index = getattr(self._assistant(), "index", None)
        store = getattr(index, "store", None)
        return store if hasattr(store, "documents") else None

    def _passage_counts(self) -> dict[str, int] | None:
        store = self._store()
        if store is None:
            return None
        return {record.doc_id: record.chunk_count for record in store.documents()}

    def _passages(self, doc_id: str) -> int | None:
        store = self._store()
        if store is None:
            return None
        record = store.document(doc_id)
        return record.chunk_count if record is not None else 0

    def _unknown(self, number: int, request: ChatRequest, language: str) -> NoticeReply:
        return self._error(
            _say(
                language,
                f"Aucun document ne porte le numéro {number}. `sources` montre la liste et "
                "les numéros.",
                f"No document has number {number}. `sources` shows the list and the numbers.",
            ),
            request,
        )

    @staticmethod
    def _error(text: str, request: ChatRequest) -> NoticeReply:
        return NoticeReply(
            for_platform(text, request.conversation.platform), kind="error", private=True
        )


def for_platform(text: str, platform: str) -> str:
    """Commands quoted in a message as the platform types them: `/alliances sources …` in
    Slack (the slash command), `sources …` elsewhere."""
    if platform != PLATFORM_SLACK:
        return text
    return text.replace("`sources", "`/alliances sources")


def _language_of(arguments: str) -> Language:
    """The language of a command that could not be read: English when its first word is."""
    first = arguments.strip().split(" ", 1)[0].lower()
    english = {"show", "view", "correct", "fix", "edit", "remove", "delete", "list", "help"}
    return "en" if first in english or re.match(r"(period|title)s?:", first) else "fr"


def document_info(source: Source) -> DocumentInfo | None:
    """The document's metadata as ingestion builds it from its file (the manifest entry of a
    shipped document, the file's own for another), or None when the file is gone."""
    shipped = {info.doc_id: info for info in shipped_documents()}
    if source.root == SHIPPED_ROOT:
        info = shipped.get(source.doc_id)
        return info if info is not None and info.path.is_file() else None
    path = Path(source.path)
    if not path.is_file():
        path = Path(source.doc_id)
    if not path.is_file():
        return None
    info = infer_document_info(path, shipped)
    return info if info.doc_id == source.doc_id else None


def correction_error_text(
    error: SourceCorrectionError,
    typed: Mapping[str, str],
    language: str,
    example: tuple[str, str],
) -> str:
    """What is wrong with a value and how to write it, in the user's language. The
    registry's own messages are French; the English ones are written here."""
    name = error.field
    value = typed.get(name) or typed.get({"regions": "region", "periods": "period"}.get(name, ""))
    value = (value or "").strip()
    if language != "en":
        return f"{error} Exemple : {example[0]}."
    hint = f" Did you mean: {', '.join(error.suggestions)}?" if error.suggestions else ""
    english = {
        "regions": f"Unknown region: “{value}”.{hint}",
        "periods": f"Invalid period: “{value}”. Write two years, the second later and at most "
        "ten years after the first, e.g. 2024-2029 or 2024-2025.",
        "url": f"Invalid address: “{value}”. Give a full web address starting with http:// or "
        "https://.",
        "title": "The title cannot be empty."
        if not value
        else "The title is too long (300 characters at most).",
        "date": f"Invalid date: “{value}”. Write e.g. 2025-03-12.",
        "plan": f"Unknown plan: “{value}”. Known plans: PSIS, PAGIEPS, Plan 2004-2010, "
        "Plan 2024-2029.",
        "kind": f"Invalid kind: “{value}”. Examples: communique, appel-de-projets, "
        "page-region, page-mrc, annonce-plan, document.",
    }.get(name, str(error))
    return f"{english} Example: {example[1]}."


# --- wiring -----------------------------------------------------------------------------------


def install_sources_commands(chat: ChatService, settings: Any) -> SourceCommands:
    """Register `sources` in the chat core (and its Teams cards when Teams is configured);
    the commands are also `chat.extensions["sources"]`."""
    curators = getattr(settings, "curators", None) or getattr(settings, "admins", frozenset())
    commands = SourceCommands(Path(settings.home), curators, assistant=lambda: chat.core.assistant)
    chat.core.register(commands.command())
    chat.extensions[EXTENSION] = commands
    if getattr(settings, "teams", None) is not None:
        import bot.teams.source_cards  # noqa: F401  (registers the Adaptive Card renderers)
    return commands
