"""What a file shared in chat must be before it is offered to the knowledge base.

`check_announced(name, size, max_bytes)` runs before anything is downloaded (the name and
the size the platform announces); `inspect_upload(path, max_bytes)` runs on the bytes
received, written to `path` (a private folder: the pending area of bot/uploads.py):

- size: over the limit (`ALLIANCES_MAX_UPLOAD_MB`, default 25) → "too_big";
- type: by extension (.pdf .docx .html .htm .md .markdown .txt) and by content (magic
  bytes: an image, an archive, an old Office file, a program… named as what it is) →
  "unsupported";
- a DOCX: its zip entries are checked before it is parsed — more than
  `MAX_UNCOMPRESSED_BYTES` in all, an entry whose compression ratio is over
  `MAX_COMPRESSION_RATIO`, or too many entries → "bomb";
- a PDF that is password-protected → "encrypted"; damaged, or any file a parser chokes on
  → "corrupt";
- nothing left to read once loaded → "empty".

Every refusal is an `UploadRejected` with a short French and English sentence; nothing
else is ever raised (a property test feeds arbitrary bytes).
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

from knowledge.document_metadata import describe_document
from knowledge.loaders import (
    FORMAT_BY_EXTENSION,
    SUPPORTED_EXTENSIONS,
    DocumentLoadError,
    LoadedDocument,
    load_document,
    sniff_format,
)
from knowledge.manifest import DocumentInfo, infer_document_info

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_MB = 25.0
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100.0
MAX_ZIP_ENTRIES = 5_000
_RATIO_FLOOR_BYTES = 1024 * 1024  # tiny entries compress well and are harmless

REASONS = ("too_big", "unsupported", "bomb", "encrypted", "corrupt", "empty", "download")


class UploadRejected(Exception):
    """A file that cannot be added; `text(language)` says why in one short sentence."""

    def __init__(self, reason: str, french: str, english: str):
        super().__init__(french)
        self.reason = reason
        self.french = french
        self.english = english

    def text(self, language: str = "fr") -> str:
        return self.english if language == "en" else self.french


@dataclass(frozen=True)
class InspectedUpload:
    """A file that passed every check: its real format, its clean text and the metadata
    ingestion will record (title detected from the document itself)."""

    format: str
    loaded: LoadedDocument
    info: DocumentInfo

    @property
    def title(self) -> str:
        return self.info.title


def max_upload_bytes(megabytes: float | None) -> int:
    return int((megabytes or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024)


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def too_big(limit: int, size: int | None = None) -> UploadRejected:
    shown = f" ({size / (1024 * 1024):.1f} Mo)".replace(".", ",") if size else ""
    shown_en = f" ({size / (1024 * 1024):.1f} MB)" if size else ""
    return UploadRejected(
        "too_big",
        f"Le fichier est trop volumineux{shown} : la limite est de {_megabytes(limit)} Mo.",
        f"The file is too large{shown_en}: the limit is {_megabytes(limit)} MB.",
    )


def unsupported(name: str, what: str | None = None) -> UploadRejected:
    accepted = "PDF, Word (.docx), HTML, Markdown, texte"
    accepted_en = "PDF, Word (.docx), HTML, Markdown, text"
    suffix = Path(name).suffix or "sans extension"
    found = f" ({what})" if what else ""
    return UploadRejected(
        "unsupported",
        f"Ce type de fichier n'est pas pris en charge : « {suffix} »{found}. Formats "
        f"acceptés : {accepted}.",
        f"This file type is not supported: “{Path(name).suffix or 'no extension'}”. "
        f"Accepted formats: {accepted_en}.",
    )


def check_announced(name: str, size: int | None, max_bytes: int) -> None:
    """Refuse, before downloading, what the platform's own description rules out."""
    if Path(name).suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise unsupported(name)
    if size is not None and size > max_bytes:
        raise too_big(max_bytes, size)


def check_docx_archive(data: bytes) -> None:
    """A decompression bomb (or a broken archive) is refused before any parser opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as error:
        raise UploadRejected(
            "corrupt",
            "Le document Word est endommagé (archive illisible).",
            "The Word document is damaged (unreadable archive).",
        ) from error
    bomb = UploadRejected(
        "bomb",
        "Le document Word a été refusé : décompressé, il serait démesurément grand "
        "(archive piégée ?).",
        "The Word document was refused: uncompressed, it would be enormous (a zip bomb?).",
    )
    if len(entries) > MAX_ZIP_ENTRIES:
        raise bomb
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise bomb
        compressed = max(entry.compress_size, 1)
        if entry.file_size > _RATIO_FLOOR_BYTES and entry.file_size / compressed > (
            MAX_COMPRESSION_RATIO
        ):
            raise bomb


def inspect_upload(path: Path, max_bytes: int) -> InspectedUpload:
    """Check the file at `path` (its bytes as received) and load it; raises UploadRejected,
    never anything else."""
    try:
        return _inspect(path, max_bytes)
    except UploadRejected:
        raise
    except Exception as error:  # a parser's own failure is a refusal, never a traceback
        log.warning("an offered file could not be read (%s)", type(error).__name__)
        raise UploadRejected(
            "corrupt",
            "Le fichier est endommagé ou illisible.",
            "The file is damaged or unreadable.",
        ) from error


def _inspect(path: Path, max_bytes: int) -> InspectedUpload:
    name = path.name
    declared = FORMAT_BY_EXTENSION.get(path.suffix.lower())
    if declared is None:
        raise unsupported(name)
    data = path.read_bytes()
    if len(data) > max_bytes:
        raise too_big(max_bytes, len(data))
    if not data.strip():
        raise _empty()
    try:
        real = sniff_format(path, data, declared)
    except DocumentLoadError as error:
        raise unsupported(name, error.reason.rstrip(".")) from error
    if real == "docx":
        check_docx_archive(data)
    if real != declared and {real, declared} != {"md", "txt"}:
        # A PDF named .docx (or the reverse) is loaded as what it is, but it is not what
        # the person meant to share: say so rather than guess.
        raise unsupported(name, f"le contenu est en réalité un fichier {real.upper()}")
    try:
        loaded = load_document(path)
    except DocumentLoadError as error:
        raise _load_refusal(error) from error
    if not loaded.text.strip():
        raise _empty()
    info = describe_document(infer_document_info(path), loaded)
    return InspectedUpload(real, loaded, info)


def _empty() -> UploadRejected:
    return UploadRejected(
        "empty",
        "Le document ne contient aucun texte à indexer (fichier vide, ou PDF numérisé sans "
        "couche texte).",
        "The document holds no text to index (an empty file, or a scanned PDF without a "
        "text layer).",
    )


def _load_refusal(error: DocumentLoadError) -> UploadRejected:
    reason = error.reason
    if "mot de passe" in reason:
        return UploadRejected(
            "encrypted",
            "Le PDF est protégé par un mot de passe : enregistrez-en une copie sans "
            "protection, puis partagez-la.",
            "The PDF is password-protected: save a copy without protection, then share it.",
        )
    if "aucun texte" in reason or "vide" in reason or "aucune page" in reason:
        return _empty()
    if "binaire" in reason or "format" in reason:
        return UploadRejected(
            "unsupported",
            f"Ce fichier n'a pas pu être lu comme un document : {reason}",
            "This file could not be read as a document (binary or unknown content).",
        )
    return UploadRejected(
        "corrupt",
        f"Le fichier est endommagé ou illisible : {reason}",
        "The file is damaged or unreadable.",
    )
