"""Loading a document file (.txt, .md, .html/.htm, .pdf, .docx) as clean text.

`load_document(path)` reads the file with a real parser (pypdf, python-docx,
BeautifulSoup with lxml), then hands the text to `knowledge.cleaning.clean_text`.
Every failure is a `DocumentLoadError` whose str() is a short French sentence naming
the file: missing or empty file, unsupported extension, binary content, corrupt PDF,
password-protected PDF, PDF without a text layer, invalid .docx, nothing left to read.

A file whose extension lies is judged by its content (magic bytes): a PDF or a Word
document is loaded as what it really is, whatever its name (`format` then tells the real
type); any other binary content (image, archive, old .doc, executable…) is refused with
a message naming what it is; a .pdf or .docx that holds none of that is refused as
invalid rather than read as text.

When a shipped file has no title of its own (the ministry's regional page), the title
and kind recorded for it in a `manifest.json` beside it are used.

Besides the text, `LoadedDocument.properties` keeps what the file says about itself: an
HTML page's title, site name, canonical address and publication date, a Word or PDF
file's title and dates, a Markdown file's front matter (which never reaches the text).
`knowledge.document_metadata` turns these into the document's metadata.
"""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.cleaning import clean_text
from knowledge.dates import parse_timestamp
from knowledge.elisions import is_french_word
from knowledge.form_fields import table_rows_to_lines as _table_rows_to_lines
from knowledge.front_matter import split_front_matter
from knowledge.html_text import html_properties, html_to_lines
from knowledge.line_breaks import continues_number
from knowledge.structure import DOCUMENT_KINDS, KIND_ALIASES
from knowledge.titles import clean_title

FORMAT_BY_EXTENSION: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(FORMAT_BY_EXTENSION)
MAX_FILE_BYTES = 50 * 1024 * 1024
MANIFEST_NAME = "manifest.json"

# Binary signatures we recognise to name what a file really is.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF87a", "une image GIF"),
    (b"GIF89a", "une image GIF"),
    (b"II*\x00", "une image TIFF"),
    (b"MM\x00*", "une image TIFF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "un ancien document Office (.doc, .xls, .ppt)"),
    (b"{\\rtf", "un document RTF"),
    (b"\x1f\x8b", "une archive gzip"),
    (b"7z\xbc\xaf\x27\x1c", "une archive 7-Zip"),
    (b"Rar!\x1a\x07", "une archive RAR"),
    (b"\x7fELF", "un programme exécutable"),
    (b"OggS", "un fichier audio"),
    (b"ID3", "un fichier audio MP3"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_PDF_MAGIC = b"%PDF-"
_CONTROL_SHARE = 0.01


FrontMatter = tuple[tuple[str, str | tuple[str, ...]], ...]


@dataclass(frozen=True)
class DocumentProperties:
    """What a file says about itself besides its text (None: it does not say).

    `title`: HTML <title> (else og:title, else the first <h1>), DOCX or PDF title property,
    as written (site name included); `site_name`: og:site_name; `url`: the canonical
    address (<link rel="canonical">, else og:url); `published`: a page's publication-date
    <meta>, as written; `created` / `modified`: DOCX or PDF properties, ISO dates;
    `front_matter`: the YAML front matter of a .md/.txt file, as (key, value) pairs.
    """

    title: str | None = None
    site_name: str | None = None
    url: str | None = None
    published: str | None = None
    created: str | None = None
    modified: str | None = None
    front_matter: FrontMatter = ()

    def front_matter_fields(self) -> dict[str, str | tuple[str, ...]]:
        return dict(self.front_matter)


@dataclass(frozen=True)
class LoadedDocument:
    """A document's clean text, its real format (txt, md, html, pdf, docx), its path, and
    what the file says about itself (`properties`)."""

    text: str
    format: str
    path: Path
    properties: DocumentProperties = DocumentProperties()


class DocumentLoadError(Exception):
    """A file that cannot be loaded; str() is a short French sentence naming the file."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Impossible de charger « {self.path.name} » : {reason}")


def load_document(
    path: str | Path, *, kind_hint: str | None = None, title: str | None = None
) -> LoadedDocument:
    """Read and clean one document. Raises DocumentLoadError, never anything else.

    `kind_hint` and `title` override what the file's manifest entry (if any) says.
    """
    path = Path(path)
    data = _read_bytes(path)
    declared = FORMAT_BY_EXTENSION.get(path.suffix.lower())
    if declared is None:
        supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise DocumentLoadError(
            path,
            f"le format « {path.suffix or 'sans extension'} » n'est pas pris en charge "
            f"(formats acceptés : {supported}).",
        )
    if not data.strip():
        raise DocumentLoadError(path, "le fichier est vide.")
    real = sniff_format(path, data, declared)
    entry = manifest_entry(path)
    kind = kind_hint if kind_hint is not None else _manifest_kind(entry)
    hint_title = title if title is not None else _manifest_title(entry)
    if kind_hint is not None and kind_hint not in KIND_ALIASES and kind_hint not in DOCUMENT_KINDS:
        raise ValueError(f"Unknown document kind {kind_hint!r}")
    try:
        text, properties = _EXTRACTORS[real](path, data, kind, hint_title)
    except DocumentLoadError:
        raise
    except Exception as exc:  # a parser's own failure must not surface as a traceback
        raise DocumentLoadError(
            path, f"erreur inattendue pendant la lecture ({type(exc).__name__})."
        ) from exc
    if not text.strip():
        raise DocumentLoadError(path, "le document ne contient aucun texte exploitable.")
    return LoadedDocument(text=text, format=real, path=path, properties=properties)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DocumentLoadError(path, "le fichier est introuvable.")
    if not path.is_file():
        raise DocumentLoadError(path, "ce n'est pas un fichier.")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentLoadError(
                path, f"le fichier est trop volumineux (plus de {MAX_FILE_BYTES // 2**20} Mo)."
            )
        return path.read_bytes()
    except OSError as exc:
        raise DocumentLoadError(path, "le fichier n'a pas pu être lu.") from exc


def sniff_format(path: Path, data: bytes, declared: str) -> str:
    """The format the content really has; raises DocumentLoadError for other binaries."""
    if _PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        if _is_docx_archive(data):
            return "docx"
        if declared == "docx":
            raise DocumentLoadError(path, "l'archive n'est pas un document Word (.docx) valide.")
        raise DocumentLoadError(
            path, "le contenu est une archive ZIP, pas un document pris en charge."
        )
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise DocumentLoadError(path, f"le contenu est {what}, format non pris en charge.")
    if declared == "pdf":
        raise DocumentLoadError(path, "ce n'est pas un PDF valide (en-tête %PDF absent).")
    if declared == "docx":
        raise DocumentLoadError(path, "ce n'est pas un document Word (.docx) valide.")
    return declared


def _is_docx_archive(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def manifest_entry(path: Path) -> dict[str, Any]:
    """The entry for this file in a `manifest.json` beside it ({} when there is none)."""
    manifest = path.parent / MANIFEST_NAME
    try:
        documents = json.loads(manifest.read_text(encoding="utf-8")).get("documents", [])
    except (OSError, ValueError, AttributeError):
        return {}
    for entry in documents if isinstance(documents, list) else []:
        if isinstance(entry, dict) and entry.get("file") == path.name:
            return entry
    return {}


def _manifest_kind(entry: dict[str, Any]) -> str | None:
    kind = entry.get("kind")
    return (
        kind if isinstance(kind, str) and (kind in KIND_ALIASES or kind in DOCUMENT_KINDS) else None
    )


def _manifest_title(entry: dict[str, Any]) -> str | None:
    """The manifest title as a heading: its trailing `(2019-2023)` period dropped (the
    period is document metadata, the heading names the document)."""
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        return None
    return re.sub(r"\s*\((?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)?\d{2})?\)\s*$", "", title).strip()


# ---------------------------------------------------------------------------------------
# Text and HTML
# ---------------------------------------------------------------------------------------


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; binary is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _check_readable(path, data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise _binary(path) from exc
    if b"\x00" in data:
        raise _binary(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _binary(path) from exc
    return _check_readable(path, text)


def _binary(path: Path) -> DocumentLoadError:
    return DocumentLoadError(path, "le contenu est binaire, ce n'est pas un texte lisible.")


def _check_readable(path: Path, text: str) -> str:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if text and controls / len(text) > _CONTROL_SHARE:
        raise _binary(path)
    if not text.strip():
        raise DocumentLoadError(path, "le fichier est vide.")
    return text


Extracted = tuple[str, DocumentProperties]


def _extract_text(path: Path, data: bytes, kind: str | None, title: str | None) -> Extracted:
    """A text or Markdown file; its front matter is read apart and never reaches the text."""
    fields, body = split_front_matter(decode_text(path, data))
    if not body.strip():
        raise DocumentLoadError(path, "le document ne contient aucun texte exploitable.")
    given_title = fields.get("title") if isinstance(fields.get("title"), str) else None
    text = clean_text(body, kind, title=title or given_title)
    return text, DocumentProperties(front_matter=tuple(fields.items()))


def _extract_html(path: Path, data: bytes, kind: str | None, title: str | None) -> Extracted:
    markup = decode_text(path, data)
    lines = html_to_lines(markup)
    found = html_properties(markup)
    page_title = found.get("title") or found.get("og_title") or found.get("h1")
    properties = DocumentProperties(
        title=page_title,
        site_name=found.get("site_name"),
        url=found.get("canonical") or found.get("og_url"),
        published=found.get("published"),
    )
    heading = title or clean_title(page_title, found.get("site_name"))
    return clean_text("\n".join(lines), kind, title=heading), properties


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------

# "3", "- 3 -", "Page 3", "p. 3", "3 / 12", "Page 3 de 12" (a bare number has at most 3
# digits, so a lone year stays).
_PAGE_NUMBER = re.compile(
    r"(?:(?:page|p\.)\s*\d{1,4}|[-–]?\s*\d{1,3}\s*[-–]?)(?:\s*(?:/|de|sur|of)\s*\d{1,4})?",
    re.I,
)
_EDGE_LINES = 2
_SENTENCE_END = (".", "!", "?", ":", ";", "»", "…")


def _extract_pdf(path: Path, data: bytes, kind: str | None, title: str | None) -> Extracted:
    pages, properties = read_pdf(path, data)
    if not any(page.strip() for page in pages):
        raise DocumentLoadError(
            path, "le PDF ne contient aucun texte extractible (document numérisé ?)."
        )
    return clean_text("\n".join(pdf_text_lines(pages)), kind, title=title), properties


def read_pdf_pages(path: Path, data: bytes) -> list[str]:
    """The text of every page, in order; a damaged or locked PDF raises."""
    return read_pdf(path, data)[0]


def read_pdf(path: Path, data: bytes) -> tuple[list[str], DocumentProperties]:
    """The text of every page, in order, and the PDF's title and dates; a damaged or
    locked PDF raises."""
    from pypdf import PdfReader

    logger = logging.getLogger("pypdf")
    previous_level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentLoadError(path, "le PDF est protégé par un mot de passe.")
        pages = [page.extract_text() or "" for page in reader.pages]
        properties = _pdf_properties(reader)
    except DocumentLoadError:
        raise
    except Exception as exc:
        raise DocumentLoadError(path, "le PDF est endommagé ou illisible.") from exc
    finally:
        logger.setLevel(previous_level)
    if not pages:
        raise DocumentLoadError(path, "le PDF ne contient aucune page.")
    return pages, properties


_PDF_INFO_KEYS = ("/Title", "/CreationDate", "/ModDate")


def _pdf_properties(reader: Any) -> DocumentProperties:
    """Title and dates from the PDF's document information; a damaged dictionary gives
    nothing rather than an error."""
    try:
        info = reader.metadata or {}
        raw = {key: str(info.get(key) or "").strip() for key in _PDF_INFO_KEYS}
    except Exception:  # the information dictionary is optional and often malformed
        return DocumentProperties()
    return DocumentProperties(
        title=raw["/Title"] or None,
        created=parse_timestamp(raw["/CreationDate"]),
        modified=parse_timestamp(raw["/ModDate"]),
    )


def pdf_text_lines(pages: list[str]) -> list[str]:
    """Page texts to paragraph lines: repeated headers and footers and bare page numbers
    dropped, lines of a paragraph (and hyphenated words) rejoined, pages joined."""
    page_lines = [[line.strip() for line in page.split("\n") if line.strip()] for page in pages]
    repeated = _repeated_edge_lines(page_lines)
    lines: list[str] = []
    for page in page_lines:
        last = len(page) - 1
        for index, line in enumerate(page):
            at_edge = index < _EDGE_LINES or index > last - _EDGE_LINES
            if at_edge and (_edge_key(line) in repeated or _PAGE_NUMBER.fullmatch(line)):
                continue
            lines.append(line)
    return reflow_lines(lines)


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def _repeated_edge_lines(pages: list[list[str]]) -> set[str]:
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        edges = {_edge_key(line) for line in page[:_EDGE_LINES] + page[-_EDGE_LINES:]}
        counts.update(edges)
    threshold = max(2, int(0.6 * len(pages) + 0.5))
    return {key for key, count in counts.items() if count >= threshold}


def reflow_lines(lines: list[str]) -> list[str]:
    """Rejoin a paragraph's wrapped lines: a line that does not end a sentence is glued to
    a next line starting in lower case; `dévelop-` + `pement` gives `développement`; a
    figure cut between its digit groups is whole again (`4 215` + `300 $` gives
    `4 215 300 $`)."""
    out: list[str] = []
    for line in lines:
        if out and continues_number(out[-1], line):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        elif out and _continues(out[-1], line):
            previous = out[-1]
            if previous.endswith("-") and previous[-2:-1].isalpha():
                head = previous[:-1].split()[-1] if previous[:-1].split() else ""
                tail = line.split()[0]
                joined_word = head + tail
                glue = "" if is_french_word(re.sub(r"\W+$", "", joined_word)) else "-"
                out[-1] = previous[:-1] + glue + line
            else:
                out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


def _continues(previous: str, line: str) -> bool:
    return (
        not previous.endswith(_SENTENCE_END) and line[:1].islower() and not previous.startswith("#")
    )


# ---------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.I)
_TITLE_STYLES = frozenset({"title", "titre"})


def _extract_docx(path: Path, data: bytes, kind: str | None, title: str | None) -> Extracted:
    lines, properties = read_docx(path, data)
    return clean_text("\n".join(lines), kind, title=title or properties.title), properties


def read_docx_lines(path: Path, data: bytes) -> tuple[list[str], str | None]:
    """Lines of a Word document (headings as Markdown, tables as `LABEL : value`) and
    its core-properties title."""
    lines, properties = read_docx(path, data)
    return lines, properties.title


# python-docx's blank template says it was made on this day by "python-docx": not a date
# the document's author chose.
_DOCX_TEMPLATE_DAY = "2013-12-23"


def _docx_properties(core: Any) -> DocumentProperties:
    def day(value: Any) -> str | None:
        iso = parse_timestamp(value.isoformat()) if value is not None else None
        return None if iso == _DOCX_TEMPLATE_DAY else iso

    return DocumentProperties(
        title=(core.title or "").strip() or None,
        created=day(core.created),
        modified=day(core.modified),
    )


def read_docx(path: Path, data: bytes) -> tuple[list[str], DocumentProperties]:
    """Lines of a Word document (headings as Markdown, tables as `LABEL : value`) and
    its core properties (title, creation and modification dates)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        properties = _docx_properties(document.core_properties)
    except Exception as exc:
        raise DocumentLoadError(path, "ce n'est pas un document Word (.docx) valide.") from exc
    paragraphs = [block for block in blocks if isinstance(block, Paragraph)]
    levels = _heading_levels(paragraphs)
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            lines.extend(_table_rows_to_lines(rows))
            continue
        text = block.text.strip()
        if not text:
            lines.append("")
            continue
        style = _style_name(block)
        level = levels.get(style)
        if level:
            lines.append(f"{'#' * level} {' '.join(text.split())}")
        elif _is_list_paragraph(block, style):
            lines.append(f"- {text}")
        else:
            lines.extend(text.split("\n"))
        lines.append("")
    return lines, properties


def _style_name(paragraph: Any) -> str:
    try:
        return (paragraph.style.name or "").strip().lower() if paragraph.style else ""
    except (KeyError, AttributeError, ValueError):
        return ""


def _heading_levels(paragraphs: list[Any]) -> dict[str, int]:
    """Markdown level per style name: Title is `#`; else a lone Heading 1 is the title."""
    styles = [_style_name(paragraph) for paragraph in paragraphs if paragraph.text.strip()]
    has_title = any(style in _TITLE_STYLES for style in styles)
    heading_ones = sum(
        1 for style in styles if (m := _HEADING_STYLE.match(style)) and m.group(1) == "1"
    )
    shift = 1 if has_title or heading_ones != 1 else 0
    levels: dict[str, int] = {style: 1 for style in styles if style in _TITLE_STYLES}
    for style in styles:
        match = _HEADING_STYLE.match(style)
        if match:
            levels[style] = min(int(match.group(1)) + shift, 3)
    return levels


def _is_list_paragraph(paragraph: Any, style: str) -> bool:
    if "list" in style or "liste" in style:
        return True
    properties = paragraph._p.pPr  # python-docx exposes numbering only through the XML
    return properties is not None and properties.numPr is not None


_EXTRACTORS = {
    "txt": _extract_text,
    "md": _extract_text,
    "html": _extract_html,
    "pdf": _extract_pdf,
    "docx": _extract_docx,
}
