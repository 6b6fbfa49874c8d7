"""Add a document to the knowledge base by sharing it in chat, platform-neutral.

A curator shares a file (Slack: a direct message with the bot, or a channel message that
mentions it; Teams: a personal chat). The adapter describes it as an `OfferedFile` (its
name, the size the platform announces, and how to download it) and calls
`UploadService.offer` from the chat's command thread:

1. refused at once, before any download, when the person is not a curator (a polite
   notice), the type is not supported or the announced size is over the limit;
2. downloaded (at most the limit, plus one byte) into a private staging folder under
   `$ALLIANCES_HOME/uploads/pending/`, checked and loaded (knowledge/upload_checks.py:
   type by content, decompression bombs, encrypted or damaged PDFs, empty text);
3. recognised by the SHA-256 of its bytes when a document of the base has the same
   content → `UploadDuplicateReply` (« Déjà dans la base … »), nothing kept;
4. otherwise kept as a pending offer (`pending/<id>/`) and shown as `UploadOfferReply`:
   « Ajouter « titre » à la base de connaissances ? » with Ajouter / Annuler, or, when a
   document of the base has the same file name or the same title, « Remplacer « titre »
   (ajouté par … le …) par cette nouvelle version ? » with Remplacer / Annuler.

The buttons carry the pending id only; they come back as the hidden text command
`fichier ajouter <id>` / `fichier annuler <id>` (Slack buttons and Teams cards alike),
which checks that the id exists and that the person clicking is a curator:

- Ajouter / Remplacer → the file moves to `$ALLIANCES_HOME/uploads/<safe name>` and is
  ingested through the usual path (`Assistant.add_document`: the source registry records
  who added it and when); a replaced document is then removed through the `sources
  retirer` path (registry marked removed, index cleaned; its file and history stay). The
  reply, `UploadAddedReply`, shows what was recorded and one question the document can now
  answer, checked by asking it (shown only when the answer cites the new document);
- Annuler → the pending file is deleted, « Ajout annulé ».

A bad file leaves nothing behind: no pending file, no registry row, no passages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import shutil
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bilingual import say as _say
from bot.chat import ChatReply, ChatRequest, ChatService, Command, NoticeReply, starting_notice
from bot.sources_commands import regions_text, when_text
from knowledge.folding import fold_key
from knowledge.manifest import infer_document_info
from knowledge.sources import Source, SourceRegistry
from knowledge.upload_checks import (
    UploadRejected,
    check_announced,
    inspect_upload,
    max_upload_bytes,
    too_big,
)

log = logging.getLogger(__name__)

EXTENSION = "uploads"  # key in ChatService.extensions
COMMAND_NAME = "fichier"
UPLOAD_ROOT = "uploads"  # the registry root of shared documents
PENDING_TTL_S = 24 * 3600.0
DOWNLOAD_TIMEOUT_S = 30.0
MAX_FILES_PER_MESSAGE = 5
PENDING_ID = re.compile(r"[A-Za-z0-9_-]{16}")
_DECISIONS = {
    "ajouter": "add", "add": "add", "remplacer": "add", "replace": "add",
    "annuler": "cancel", "cancel": "cancel",
}  # fmt: skip
_COMMAND = re.compile(r"(?P<verb>[a-z]+)\s+(?P<id>[A-Za-z0-9_-]{16})", re.IGNORECASE)


# --- what the adapters give --------------------------------------------------------------------


class DownloadError(Exception):
    """The platform did not give the file's bytes (HTTP error, timeout, refused)."""


Fetch = Callable[[int], bytes]  # max bytes → the bytes (raises DownloadError, UploadRejected)


@dataclass(frozen=True)
class OfferedFile:
    """A file shared in chat: its name, the size the platform announces (None: unknown) and
    how to download it (`fetch(max_bytes)`, blocking)."""

    name: str
    size: int | None
    fetch: Fetch


def download(
    url: str,
    max_bytes: int,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> bytes:
    """GET `url`, at most `max_bytes` (UploadRejected past it, announced or received);
    DownloadError for any HTTP error, timeout or network failure. `headers` (a bearer
    token) are not carried over a redirect."""
    if not url.startswith(("https://", "http://")):
        raise DownloadError("not a web address")
    request = urllib.request.Request(url, method="GET")
    for name, value in (headers or {}).items():
        request.add_unredirected_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > max_bytes:
                raise too_big(max_bytes, int(announced))
            data = response.read(max_bytes + 1)
    except UploadRejected:
        raise
    except urllib.error.HTTPError as error:
        raise DownloadError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise DownloadError(type(error).__name__) from error
    if len(data) > max_bytes:
        raise too_big(max_bytes)
    return data


# --- the pending area --------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingUpload:
    """A checked file waiting for a curator's decision."""

    id: str
    folder: Path
    name: str  # the safe file name
    user: str
    platform: str
    language: str
    sha256: str
    size: int
    title: str
    created_at: float
    replaces: str | None = None  # doc_id of the document it would replace

    @property
    def path(self) -> Path:
        return self.folder / self.name


class PendingStore:
    """`$ALLIANCES_HOME/uploads/pending/<id>/`: the file and `offer.json` (written last,
    so a folder without it is a staging folder, never offered)."""

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.time):
        self.root = root
        self._clock = clock

    def staging(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f".staging-{secrets.token_hex(8)}"
        folder.mkdir()
        return folder

    def commit(self, staging: Path, meta: dict[str, Any]) -> PendingUpload:
        pending_id = secrets.token_urlsafe(12)[:16]
        while not PENDING_ID.fullmatch(pending_id):  # pragma: no cover - 16 url-safe chars
            pending_id = secrets.token_urlsafe(12)[:16]
        folder = self.root / pending_id
        staging.rename(folder)
        meta = {**meta, "id": pending_id, "created_at": self._clock()}
        temporary = folder / "offer.json.tmp"
        temporary.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        temporary.replace(folder / "offer.json")
        return _pending(folder, meta)

    def get(self, pending_id: str) -> PendingUpload | None:
        """The pending upload with this id; None for an unknown, malformed or expired id."""
        if not PENDING_ID.fullmatch(pending_id or ""):
            return None
        folder = self.root / pending_id
        try:
            meta = json.loads((folder / "offer.json").read_text(encoding="utf-8"))
            pending = _pending(folder, meta)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if self._clock() - pending.created_at > PENDING_TTL_S or not pending.path.is_file():
            return None
        return pending

    def discard(self, folder: Path) -> None:
        if folder.parent == self.root:
            shutil.rmtree(folder, ignore_errors=True)

    def purge(self) -> None:
        """Drop expired offers and staging folders left by a crash."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir() or self.get(folder.name) is not None:
                continue
            if PENDING_ID.fullmatch(folder.name) and (folder / "offer.json").is_file():
                self.discard(folder)  # expired (or unreadable) offer
                continue
            try:
                age = time.time() - folder.stat().st_mtime
            except OSError:
                continue
            if age > PENDING_TTL_S:  # a staging folder a crash left behind
                self.discard(folder)

    def folders(self) -> list[Path]:
        return sorted(self.root.iterdir()) if self.root.is_dir() else []


def _pending(folder: Path, meta: dict[str, Any]) -> PendingUpload:
    return PendingUpload(
        id=str(meta["id"]), folder=folder, name=str(meta["name"]), user=str(meta["user"]),
        platform=str(meta["platform"]), language=str(meta.get("language") or "fr"),
        sha256=str(meta["sha256"]), size=int(meta["size"]), title=str(meta["title"]),
        created_at=float(meta["created_at"]), replaces=meta.get("replaces"),
    )  # fmt: skip


def safe_file_name(name: str) -> str:
    """A name safe to store: no folder, ASCII letters, digits, `-`, `_`, `.`; the extension
    kept (lower-case). "../Rapport annuel 2024 (final).PDF" → "Rapport-annuel-2024-final.pdf"."""
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    stem = base[: -len(suffix)] if suffix else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_stem).strip(".-_")[:100]
    suffix = re.sub(r"[^a-z0-9.]", "", suffix)[:10]
    return (cleaned or "document") + suffix


def _version_key(name: str) -> str:
    """`rapport-2.pdf` and "rapport.pdf" name the same document (a stored new version)."""
    path = Path(name)
    return fold_key(re.sub(r"-\d{1,3}$", "", path.stem)) + path.suffix.lower()


# --- replies -----------------------------------------------------------------------------------


def _who(actor: str | None, language: str) -> str:
    return actor or _say(language, "la ligne de commande", "the command line")


def _added_by(
    source: Source, language: str, who: Callable[[str | None], str] | None
) -> str:
    """Who added a source: as the adapter shows a person (`who`, given their id), else by
    name when known, else by id."""
    if who is not None:
        return who(source.added_by)
    return _who(source.added_by_label, language)


@dataclass(frozen=True)
class UploadOfferReply:
    """« Ajouter « titre » à la base de connaissances ? » (or « Remplacer … »), with the
    buttons; the buttons carry `pending_id` only."""

    pending_id: str
    title: str
    file_name: str
    size: int
    replaces: Source | None = None
    language: str = "fr"
    private: bool = True

    @property
    def confirm_label(self) -> str:
        if self.replaces is not None:
            return _say(self.language, "Remplacer", "Replace")
        return _say(self.language, "Ajouter", "Add")

    @property
    def cancel_label(self) -> str:
        return _say(self.language, "Annuler", "Cancel")

    def question(self, who: Callable[[str | None], str] | None = None) -> str:
        lang = self.language
        old = self.replaces
        if old is None:
            return _say(
                lang,
                f"Ajouter « {self.title} » à la base de connaissances ?",
                f"Add “{self.title}” to the knowledge base?",
            )
        by = _added_by(old, lang, who)
        if old.shipped:
            by = _say(lang, "fourni avec l'assistant", "shipped with the assistant")
            return _say(
                lang,
                f"Remplacer « {old.title} » ({by}) par cette nouvelle version ?",
                f"Replace “{old.title}” ({by}) with this new version?",
            )
        return _say(
            lang,
            f"Remplacer « {old.title} » (ajouté par {by} le {when_text(old.added_at)}) par "
            "cette nouvelle version ?",
            f"Replace “{old.title}” (added by {by} on {when_text(old.added_at)}) with this "
            "new version?",
        )

    def detail(self) -> str:
        size = (
            f"{self.size / 1024:.0f} Ko" if self.language != "en" else f"{self.size / 1024:.0f} KB"
        )
        text = f"{self.file_name} · {size}"
        if self.replaces is not None:
            text += _say(
                self.language,
                f" · titre détecté : « {self.title} »",
                f" · detected title: “{self.title}”",
            )
        return text

    def fallback_text(self) -> str:
        return f"{self.question()}\n{self.detail()}"


@dataclass(frozen=True)
class UploadDuplicateReply:
    """The same bytes are already in the base: « Déjà dans la base : « titre », ajouté
    par … le … »; no buttons."""

    source: Source
    language: str = "fr"
    private: bool = True

    def text(self, who: Callable[[str | None], str] | None = None) -> str:
        source, lang = self.source, self.language
        if source.shipped:
            return _say(
                lang,
                f"Déjà dans la base : « {source.title} » [{source.number}], fourni avec "
                "l'assistant. Rien n'a été ajouté.",
                f"Already in the knowledge base: “{source.title}” [{source.number}], shipped "
                "with the assistant. Nothing was added.",
            )
        by = _added_by(source, lang, who)
        return _say(
            lang,
            f"Déjà dans la base : « {source.title} » [{source.number}], ajouté par {by} le "
            f"{when_text(source.added_at)}. Rien n'a été ajouté.",
            f"Already in the knowledge base: “{source.title}” [{source.number}], added by {by} "
            f"on {when_text(source.added_at)}. Nothing was added.",
        )

    def fallback_text(self) -> str:
        return self.text()


@dataclass(frozen=True)
class UploadRefusedReply:
    """A bad file: why, in one sentence; nothing was kept."""

    file_name: str
    reason: str  # knowledge.upload_checks.REASONS
    text: str
    language: str = "fr"
    private: bool = True

    def title(self) -> str:
        return _say(
            self.language,
            f"⛔ « {self.file_name} » n'a pas été ajouté",
            f"⛔ “{self.file_name}” was not added",
        )

    def fallback_text(self) -> str:
        return f"{self.title()}\n{self.text}"


@dataclass(frozen=True)
class UploadAddedReply:
    """What was recorded for a document just added (or a new version): its metadata, its
    passages, who added it and when, and a question it can now answer (with the answer)
    when asking it cited the document."""

    source: Source
    passages: int
    replaced: Source | None = None
    question: str | None = None
    answer: str | None = None
    language: str = "fr"
    private: bool = True

    def title(self) -> str:
        lang, source = self.language, self.source
        if self.replaced is not None:
            return _say(
                lang,
                f"✅ Nouvelle version ajoutée : « {source.title} » [{source.number}]",
                f"✅ New version added: “{source.title}” [{source.number}]",
            )
        return _say(
            lang,
            f"✅ Ajouté à la base : « {source.title} » [{source.number}]",
            f"✅ Added to the knowledge base: “{source.title}” [{source.number}]",
        )

    def facts(self, who: Callable[[str | None], str] | None = None) -> list[tuple[str, str]]:
        lang, source = self.language, self.source
        by = _added_by(source, lang, who)
        return [
            (_say(lang, "Titre", "Title"), source.title),
            (_say(lang, "Adresse (URL)", "Source URL"), source.url or "—"),
            ("Date", source.date or "—"),
            (_say(lang, "Période(s)", "Period(s)"), ", ".join(source.periods) or "—"),
            (_say(lang, "Régions", "Regions"), regions_text(source.regions, lang)),
            ("Passages", str(self.passages)),
            (
                _say(lang, "Ajouté par", "Added by"),
                _say(
                    lang,
                    f"{by}, le {when_text(source.added_at)}",
                    f"{by}, {when_text(source.added_at)}",
                ),
            ),
        ]

    def notes(self) -> list[str]:
        lang = self.language
        notes = []
        if self.replaced is not None:
            notes.append(
                _say(
                    lang,
                    f"L'ancienne version [{self.replaced.number}] « {self.replaced.title} » est "
                    "retirée de la base (son fichier et son historique restent).",
                    f"The old version [{self.replaced.number}] “{self.replaced.title}” is removed "
                    "from the knowledge base (its file and history are kept).",
                )
            )
        notes.append(
            _say(
                lang,
                "Les prochaines questions peuvent s'appuyer sur ce document. "
                f"`sources voir {self.source.number}` pour le détail, `sources corriger "
                f"{self.source.number} …` pour corriger ses métadonnées.",
                "The next questions can use this document. "
                f"`sources show {self.source.number}` for the details, `sources correct "
                f"{self.source.number} …` to correct its metadata.",
            )
        )
        return notes

    def check_lines(self) -> list[str]:
        if not self.question or not self.answer:
            return []
        return [
            _say(self.language, "Question vérifiée : ", "Checked question: ") + self.question,
            self.answer,
        ]

    def fallback_text(self) -> str:
        lang = self.language
        colon = _say(lang, " : ", ": ")
        lines = [self.title()]
        lines += [f"{label}{colon}{value}" for label, value in self.facts()]
        lines += self.check_lines()
        lines += self.notes()
        return "\n".join(lines)


UploadReply = UploadOfferReply | UploadDuplicateReply | UploadRefusedReply | UploadAddedReply


# --- the service -------------------------------------------------------------------------------


class UploadService:
    """The offered-document flow. Blocking (downloads, parsing, embeddings): call it from
    the chat's command thread (`ChatService.run_blocking`, or the `fichier` command)."""

    def __init__(
        self,
        home: Path,
        curators: Iterable[str],
        *,
        assistant: Callable[[], Any] = lambda: None,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.home = home
        self.curators = frozenset(curators)
        self._assistant = assistant
        self.max_bytes = max_bytes or max_upload_bytes(None)
        self._clock = clock
        self._hashes: dict[tuple[str, int, int], str] = {}

    @property
    def data_home(self) -> Path:
        home = getattr(self._assistant(), "home", None)
        return home if isinstance(home, Path) else self.home

    @property
    def uploads_dir(self) -> Path:
        return self.data_home / "uploads"

    @property
    def pending(self) -> PendingStore:
        return PendingStore(self.uploads_dir / "pending", clock=self._clock)

    def is_curator(self, user_id: str) -> bool:
        return user_id in self.curators

    def command(self) -> Command:
        """`fichier ajouter <id>` / `fichier annuler <id>`: what the buttons send."""
        return Command(
            (COMMAND_NAME,),
            self.handle,
            needs_assistant=True,
            accepts=is_upload_command,
        )

    # offering -----------------------------------------------------------------------------

    def refusal_for(self, request: ChatRequest) -> NoticeReply | None:
        """The polite notice for a person who may not add documents (None for a curator)."""
        if self.is_curator(request.user_id):
            return None
        language = language_of(request.text)
        return NoticeReply(
            _say(
                language,
                "Merci pour ce fichier ! Seuls les responsables de la base de connaissances "
                "peuvent y ajouter des documents ; je ne l'ai pas enregistré. Transmettez-le "
                "à l'un d'eux, ou demandez à l'administrateur d'ajouter votre identifiant "
                f"({request.user_id}) à ALLIANCES_CURATORS.",
                "Thanks for the file! Only the knowledge base's curators can add documents; "
                "I did not keep it. Send it to one of them, or ask the administrator to add "
                f"your id ({request.user_id}) to ALLIANCES_CURATORS.",
            ),
            kind="refusal",
            private=True,
        )

    def offer(self, request: ChatRequest, offered: OfferedFile) -> ChatReply:
        """Check, download and inspect a shared file; the offer (or why not)."""
        refusal = self.refusal_for(request)
        if refusal is not None:
            return refusal
        language = language_of(request.text)
        name = safe_file_name(offered.name)
        try:
            check_announced(offered.name, offered.size, self.max_bytes)
        except UploadRejected as error:
            return UploadRefusedReply(offered.name, error.reason, error.text(language), language)
        store = self.pending
        store.purge()
        staging = store.staging()
        try:
            data = self._fetch(offered)
            path = staging / name
            path.write_bytes(data)
            inspected = inspect_upload(path, self.max_bytes)
            digest = hashlib.sha256(data).hexdigest()
            duplicate, version = self._known(digest, name, inspected.title)
            if duplicate is not None:
                return UploadDuplicateReply(duplicate, language)
            pending = store.commit(
                staging,
                {
                    "name": name, "user": request.user_id,
                    "platform": request.conversation.platform, "language": language,
                    "sha256": digest, "size": len(data), "title": inspected.title,
                    "replaces": version.doc_id if version is not None else None,
                },
            )  # fmt: skip
            staging = None
        except UploadRejected as error:
            return UploadRefusedReply(offered.name, error.reason, error.text(language), language)
        finally:
            if staging is not None:
                store.discard(staging)
        return UploadOfferReply(
            pending.id, pending.title, name, pending.size, version, language, private=True
        )

    def _fetch(self, offered: OfferedFile) -> bytes:
        try:
            data = offered.fetch(self.max_bytes)
        except UploadRejected:
            raise
        except Exception as error:  # DownloadError, or whatever the platform client raised
            log.warning("downloading a shared file failed: %s", error)
            raise UploadRejected(
                "download",
                "Le fichier n'a pas pu être téléchargé depuis la plateforme (erreur ou délai "
                "dépassé) ; rien n'a été ajouté. Partagez-le à nouveau dans un instant.",
                "The file could not be downloaded from the platform (error or timeout); "
                "nothing was added. Share it again in a moment.",
            ) from error
        if len(data) > self.max_bytes:
            raise too_big(self.max_bytes, len(data))
        return data

    def _known(self, digest: str, name: str, title: str) -> tuple[Source | None, Source | None]:
        """The document with these very bytes, else one this file is a new version of
        (same file name or same title)."""
        with SourceRegistry.open(self.data_home) as registry:
            sources = registry.list()
        version = None
        for source in sources:
            if self._file_hash(Path(source.path)) == digest:
                return source, None
            same_name = _version_key(Path(source.path).name) == _version_key(name)
            same_title = fold_key(source.title) == fold_key(title) and fold_key(title)
            if version is None and (same_name or same_title):
                version = source
        return None, version

    def _file_hash(self, path: Path) -> str | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._hashes:
            try:
                self._hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None
        return self._hashes[key]

    # deciding -----------------------------------------------------------------------------

    def handle(self, request: ChatRequest, arguments: str) -> ChatReply:
        """ChatCore handler of `fichier ajouter|remplacer|annuler <id>`."""
        match = _COMMAND.fullmatch(arguments.strip())
        decision = _DECISIONS.get(match.group("verb").lower()) if match else None
        if match is None or decision is None:
            return self._gone("fr")
        return self.decide(request, match.group("id"), decision)

    def will_index(
        self, request: ChatRequest, pending_id: str, decision: str
    ) -> PendingUpload | None:
        """The offer that `decide` is about to index (a curator's Ajouter on an offer of
        this platform), so that the adapters can say « Indexation en cours… » first; None
        when the decision will not index anything."""
        pending = self.pending.get(pending_id)
        if (
            decision == "add"
            and pending is not None
            and pending.platform == request.conversation.platform
            and self.is_curator(request.user_id)
        ):
            return pending
        return None

    def decide(self, request: ChatRequest, pending_id: str, decision: str) -> ChatReply:
        pending = self.pending.get(pending_id)
        if pending is None or pending.platform != request.conversation.platform:
            return self._gone("fr" if pending is None else pending.language)
        language = pending.language
        if not self.is_curator(request.user_id):
            return NoticeReply(
                _say(
                    language,
                    "Seuls les responsables de la base de connaissances peuvent décider de "
                    "l'ajout d'un document.",
                    "Only the knowledge base's curators can decide to add a document.",
                ),
                kind="refusal",
                private=True,
            )
        if decision == "cancel":
            self.pending.discard(pending.folder)
            return NoticeReply(
                _say(
                    language,
                    f"Ajout annulé : « {pending.title} » n'a pas été ajouté, le fichier est "
                    "effacé.",
                    f"Cancelled: “{pending.title}” was not added, the file is deleted.",
                ),
                private=True,
            )
        assistant = self._assistant()
        if assistant is None or not hasattr(assistant, "add_document"):
            return starting_notice(language, "rien n'a été ajouté", "nothing was added")
        return self._add(request, pending, assistant)

    def _add(self, request: ChatRequest, pending: PendingUpload, assistant: Any) -> ChatReply:
        language = pending.language
        with SourceRegistry.open(self.data_home) as registry:
            registry.remember_name(request.user_id, request.user_name)
            same = [s for s in registry.list() if self._file_hash(Path(s.path)) == pending.sha256]
            if same:  # added meanwhile (another click, another curator)
                self.pending.discard(pending.folder)
                return UploadDuplicateReply(same[0], language)
            replaced = registry.get(pending.replaces) if pending.replaces else None
        target = _free_path(self.uploads_dir, pending.name)
        shutil.move(str(pending.path), target)
        self.pending.discard(pending.folder)
        info = infer_document_info(target)
        try:
            report = assistant.add_document(info, UPLOAD_ROOT, added_by=request.user_id)
            failed = report.failed
        except Exception:
            log.exception("ingesting the shared file %s failed", target.name)
            failed = [(info.doc_id, "error")]
        if failed:
            self._undo(assistant, info.doc_id, target, request.user_id)
            return UploadRefusedReply(
                pending.name,
                "corrupt",
                _say(
                    language,
                    "L'indexation a échoué (le détail est dans le journal du serveur) ; rien "
                    "n'a été ajouté.",
                    "Indexing failed (details in the server log); nothing was added.",
                ),
                language,
            )
        if replaced is not None and not replaced.removed:
            replaced = self._retire(assistant, replaced, request.user_id)
        with SourceRegistry.open(self.data_home) as registry:
            source = registry.get(info.doc_id)
        assert source is not None
        record = assistant.index.store.document(info.doc_id)
        question, answer = self._check_question(assistant, source, language, request)
        return UploadAddedReply(
            source, record.chunk_count if record is not None else 0, replaced,
            question, answer, language,
        )  # fmt: skip

    def _retire(self, assistant: Any, old: Source, user: str) -> Source:
        with SourceRegistry.open(self.data_home) as registry:
            after = registry.remove(old.number, by=user)
        try:
            assistant.remove_document(old.doc_id)
        except Exception:
            log.exception("removing the replaced source %s from the index failed", old.number)
        return after

    def _undo(self, assistant: Any, doc_id: str, target: Path, user: str) -> None:
        """After a failed ingestion: nothing of the file stays (index, registry, file)."""
        try:
            assistant.remove_document(doc_id)
        except Exception:
            log.exception("cleaning up after a failed ingestion of %s", doc_id)
        with SourceRegistry.open(self.data_home) as registry:
            if registry.get(doc_id) is not None:
                registry.remove(doc_id, by=user)
        target.unlink(missing_ok=True)

    def _check_question(
        self, assistant: Any, source: Source, language: str, request: ChatRequest
    ) -> tuple[str | None, str | None]:
        """A question the document can now answer, asked for real: kept only when the
        answer cites the new document."""
        for question in check_questions(source.title, language):
            try:
                answer = assistant.ask(
                    question, user=f"{request.conversation.platform}:{request.user_id}"
                )
            except Exception:
                log.warning("the check question %r failed", question, exc_info=True)
                continue
            if not answer.abstained and any(
                citation.doc_id == source.doc_id for citation in answer.citations
            ):
                return question, _shortened(answer.text, 700)
        return None, None

    @staticmethod
    def _gone(language: str) -> NoticeReply:
        return NoticeReply(
            _say(
                language,
                "Cette proposition d'ajout n'est plus valable (déjà traitée, annulée ou "
                "expirée) : partagez le fichier à nouveau.",
                "This offer is no longer valid (already handled, cancelled or expired): share "
                "the file again.",
            ),
            kind="error",
            private=True,
        )


def is_upload_command(rest: str) -> bool:
    """Whether what follows `fichier` is a decision on a pending upload."""
    match = _COMMAND.fullmatch(rest.strip())
    return match is not None and match.group("verb").lower() in _DECISIONS


def decision_command(decision: str, pending_id: str) -> str:
    """The text command a button sends: `fichier ajouter <id>`, `fichier annuler <id>`."""
    verb = "annuler" if decision == "cancel" else "ajouter"
    return f"{COMMAND_NAME} {verb} {pending_id}"


def check_questions(title: str, language: str) -> list[str]:
    """The questions tried to show what a new document answers, from its title."""
    if language == "en":
        return [f"What is “{title}” about?", f"What does the document “{title}” say?"]
    return [f"De quoi parle « {title} » ?", f"Que dit le document « {title} » ?"]


def progress_text(title: str, language: str = "fr") -> str:
    """« Indexation en cours… » while a confirmed file is ingested."""
    return _say(language, f"⏳ Indexation en cours… « {title} »", f"⏳ Indexing “{title}”…")


def language_of(text: str) -> str:
    """The language of a message ("fr" when there is none)."""
    if not text or not text.strip():
        return "fr"
    from retrieval.language import detect_language

    return detect_language(text)


def _shortened(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/stem-2.ext`, `-3`… when taken (an earlier version keeps
    its file)."""
    folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


# --- wiring -----------------------------------------------------------------------------------


def install_uploads(chat: ChatService, settings: Any) -> UploadService:
    """Register the `fichier` command (what the Ajouter / Annuler buttons send) and the
    service (`chat.extensions["uploads"]`, what the doors call when a file is shared)."""
    curators = getattr(settings, "curators", None) or getattr(settings, "admins", frozenset())
    megabytes = getattr(settings, "max_upload_mb", None)
    service = UploadService(
        Path(settings.home), curators, assistant=lambda: chat.core.assistant,
        max_bytes=max_upload_bytes(megabytes),
    )  # fmt: skip
    chat.core.register(service.command())
    chat.extensions[EXTENSION] = service
    if getattr(settings, "teams", None) is not None:
        import bot.teams.upload_cards  # noqa: F401  (registers the Adaptive Card renderers)
    return service


def uploads_of(chat: ChatService) -> UploadService | None:
    return chat.extensions.get(EXTENSION)
