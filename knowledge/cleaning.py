"""Turning raw converted text into the clean Markdown-like text the knowledge base stores.

Every cleaner is a pure function from string to string doing one job; `clean_text`
composes them, then gives the text its structure (`#` title, `##` sections) according to
the kind of document: a measure report sheet (form fields), a slide transcript, a page
listing the Alliance territories, or a general document. The structure rules recognise
patterns (upper-case form labels, numbered slide lines, `Region : Mandataire` lines, short
title lines), never the exact text of the shipped files.

Output shape: one paragraph, field or list item per line, no blank lines (except one
kept where removing it would glue a line that ends on "de"/"pour"… to the next),
no HTML, no tabs, no Markdown escapes, NFC Unicode. `clean_text` is idempotent.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Literal

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag

from knowledge.elisions import restore_elisions
from knowledge.folding import fold_key
from knowledge.furniture import has_transcript_marker, remove_page_furniture
from knowledge.regions import REGION_GROUPS, TERRITORIES

DocumentKind = Literal["report", "slides", "regional", "general"]
DOCUMENT_KINDS: tuple[str, ...] = ("report", "slides", "regional", "general")
# The manifest's `kind` values, mapped to the structure they call for (None: detect).
KIND_ALIASES: dict[str, str | None] = {
    "rapport-mesure": "report",
    "presentation": "slides",
    "vue-ensemble": "general",
    "page-web": None,
}

# ---------------------------------------------------------------------------------------
# Characters and whitespace
# ---------------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE = re.compile(r" {2,}")


def normalize_characters(text: str) -> str:
    """NFC; one kind of line break; odd spaces to spaces; control and format characters out.

    Tabs and newlines stay (tabs carry form layout until `form_rows_to_fields`).
    Private-use characters (symbol-font bullets from Word and PDF) become spaces.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    kept: list[str] = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs"):
            continue
        kept.append(" " if category == "Co" else ch)
    return unicodedata.normalize("NFC", "".join(kept))


def normalize_whitespace(text: str) -> str:
    """Tabs and space runs to one space, lines stripped, `( x )` tightened, `x ,` fixed."""
    lines = []
    for line in text.split("\n"):
        line = _MULTI_SPACE.sub(" ", line.replace("\t", " ")).strip()
        line = re.sub(r"([(\[]) +(?=\w)", r"\1", line)
        line = re.sub(r"(?<=\w) +([)\]])", r"\1", line)
        line = re.sub(r"(?<=\w) +,", ",", line)
        lines.append(line)
    return "\n".join(lines)


def collapse_blank_lines(text: str) -> str:
    """Runs of blank lines become one blank line; leading and trailing blanks go."""
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"\n[ \t]+\n", "\n\n", text)).strip("\n")


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------

# A tag: `<p>`, `</b>`, `<ul style="…">`, `<input type="checkbox"/>`; also comments,
# doctypes and processing instructions.
HTML_TAG = re.compile(
    r"<!--.*?-->|<![A-Za-z\[][^<>]*>|<\?[^<>]*\?>|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>",
    re.DOTALL,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Elements whose content is never document text.
DROPPED_ELEMENTS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "header", "footer", "head",
        "title", "iframe", "svg", "canvas", "object", "embed", "button", "select",
        "textarea", "meta", "link", "map",
    }
)  # fmt: skip
_DROPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "search"})
_BLOCK_ELEMENTS = frozenset(
    {
        "p", "div", "section", "article", "main", "aside", "blockquote", "pre", "address",
        "figure", "figcaption", "dl", "dt", "dd", "form", "fieldset", "legend", "center",
        "details", "summary", "hr", "body", "html", "caption", "label",
    }
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def unescape_entities(text: str) -> str:
    """`&amp;`, `&#233;`, `&eacute;` decoded, repeatedly (`&amp;lt;` ends as `<`)."""
    for _ in range(len(text)):
        decoded = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if decoded == text:
            break
        text = decoded
    return text


def remove_tags(text: str) -> str:
    """Any tag-like `<…>` left (even one formed by removing another) is deleted."""
    for _ in range(len(text)):
        stripped = HTML_TAG.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text


@dataclass
class _Renderer:
    """Walks parsed HTML and writes one line per block, list item or heading."""

    keep_tabs: bool = False
    lines: list[str] = field(default_factory=list)
    buffer: list[str] = field(default_factory=list)
    prefix: str = ""

    def flush(self) -> None:
        raw = "".join(self.buffer)
        self.buffer = []
        pattern = r"[ \n\r\f\v]+" if self.keep_tabs else r"\s+"
        for part in raw.split("\x00"):  # "\x00" marks a forced break (<br>)
            text = re.sub(pattern, " ", part).strip(" ")
            if text.strip():
                self.lines.append(self.prefix + text)
                self.prefix = ""

    def render(self, node: Tag) -> list[str]:
        self.visit_children(node)
        self.flush()
        return self.lines

    def visit_children(self, node: Tag) -> None:
        for child in list(node.children):
            self.visit(child)

    def visit(self, node: object) -> None:
        if isinstance(node, (Comment, Doctype, Declaration)):
            return
        if isinstance(node, NavigableString):
            self.buffer.append(str(node))
            return
        if not isinstance(node, Tag):
            return
        name = (node.name or "").lower()
        if _is_dropped(node, name):
            return
        if name in _HEADINGS:
            self.flush()
            self.prefix = "#" * min(_HEADINGS[name], 3) + " "
            self.visit_children(node)
            self.flush()
            self.prefix = ""
        elif name == "li":
            self.flush()
            self.prefix = "- "
            self.visit_children(node)
            self.flush()
            self.prefix = ""
        elif name in ("ul", "ol") and node.find("li") is None:
            self.flush()
            self._inline_list(node)
        elif name == "table":
            self.flush()
            self.lines.extend(table_rows_to_lines(_html_table_rows(node)))
        elif name == "input":
            if str(node.get("type", "")).lower() in ("checkbox", "radio"):
                self.flush()
                self.prefix = "- "
        elif name == "br":
            self.buffer.append("\x00")
        elif name in ("td", "th"):
            self.buffer.append("\t" if self.keep_tabs else " ")
            self.visit_children(node)
            self.buffer.append("\t" if self.keep_tabs else " ")
        elif name in _BLOCK_ELEMENTS or name == "tr":
            self.flush()
            self.visit_children(node)
            self.flush()
        else:
            self.visit_children(node)

    def _inline_list(self, node: Tag) -> None:
        """A `<ul>` with no `<li>`: its items are the `;`-separated parts of its text."""
        inner = _Renderer(keep_tabs=self.keep_tabs)
        text = " ".join(inner.render(node))
        items = [item.strip() for item in re.split(r"(?<=;)\s+", text) if item.strip()]
        if len(items) < 2:
            self.lines.extend(items)
            return
        self.lines.extend(f"- {item}" for item in items)


def _is_dropped(node: Tag, name: str) -> bool:
    if name in DROPPED_ELEMENTS:
        return True
    attrs = node.attrs or {}
    if str(attrs.get("role", "")).lower() in _DROPPED_ROLES:
        return True
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    return name == "input" and str(attrs.get("type", "")).lower() == "hidden"


def _html_table_rows(table: Tag) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue
        cells = []
        for cell in row.find_all(("td", "th")):
            if cell.find_parent("tr") is not row:
                continue
            cells.append(" ".join(_Renderer().render(cell)))
        rows.append(cells)
    return rows


def html_to_lines(markup: str | bytes, *, fragment: bool = False) -> list[str]:
    """Text lines of an HTML page (or, with `fragment`, of a piece of one).

    Scripts, styles, navigation, page header and footer are dropped; `h1`-`h6` become
    `#`/`##`/`###` headings, list items and checkboxes `- ` items, tables
    `LABEL : value` lines, every paragraph one line. Fragments keep their tabs.
    """
    soup = BeautifulSoup(markup, "lxml")
    root = soup.body or soup
    return _Renderer(keep_tabs=fragment).render(root)


def html_title(markup: str | bytes) -> str | None:
    """The page's `<title>` text, if any."""
    soup = BeautifulSoup(markup, "lxml")
    if soup.title and soup.title.string and soup.title.string.strip():
        return re.sub(r"\s+", " ", soup.title.string).strip()
    return None


def strip_html_fragments(text: str) -> str:
    """HTML pieces inside plain text (`<p>`, `<b>`, `<ul style=…>`, checkboxes) to text.

    Only lines that hold a tag are parsed, each on its own, so an unclosed `<ul>` cannot
    swallow the rest of the document; entities are decoded everywhere.
    """
    text = unescape_entities(text)
    out: list[str] = []
    for line in text.split("\n"):
        if HTML_TAG.search(line):
            out.extend(html_to_lines(line, fragment=True))
        else:
            out.append(line)
    return remove_tags("\n".join(out))


# ---------------------------------------------------------------------------------------
# Markdown and typography
# ---------------------------------------------------------------------------------------

_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+)>", re.I)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s\n]+)(?:\s+\"[^\"\n]*\")?\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>~&%\"'])")
_BULLET = re.compile(r"^(\s*)(?:[*•▪◦●○■□➢➤►✓✔·]|\+(?=\s))\s+")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def unwrap_links(text: str) -> str:
    """`<https://…>` autolinks to bare addresses, `[text](url)` to `text (url)`."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _IMAGE.sub(r"\1", text)

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        return f"{label} ({target})" if re.match(r"https?://", target) else label

    return _LINK.sub(link, text)


def unescape_markdown(text: str) -> str:
    """Backslash escapes (`\\$` -> `$`), `**bold**`/`*italic*` markers, `*`/`•` bullets,
    setext underlines, rules, fences, block quotes and pipe tables."""
    for _ in range(len(text)):
        unescaped = _MD_ESCAPE.sub(r"\1", text)
        if unescaped == text:
            break
        text = unescaped
    lines: list[str] = []
    table: list[str] = []
    for line in text.split("\n"):
        if _TABLE_ROW.match(line):
            table.append(line)
            continue
        if table:
            lines.extend(_pipe_table_lines(table))
            table = []
        lines.append(line)
    if table:
        lines.extend(_pipe_table_lines(table))
    out: list[str] = []
    for line in lines:
        if _FENCE.match(line):
            continue
        if re.fullmatch(r"\s*=+\s*", line) and out and out[-1].strip() and len(line.strip()) >= 3:
            out[-1] = "# " + out[-1].strip()
            continue
        if _RULE.match(line):
            if (
                line.strip().startswith("-")
                and out
                and out[-1].strip()
                and not _is_structural(out[-1])
            ):
                out[-1] = "## " + out[-1].strip()
            continue
        line = re.sub(r"^\s*>+\s?", "", line)
        line = _BULLET.sub(r"\1- ", line)
        out.append(line)
    text = "\n".join(out)
    for pattern in (_BOLD, _ITALIC_STAR, _ITALIC_UNDERSCORE):
        for _ in range(len(text)):
            replaced = pattern.sub(lambda m: m.group(m.lastindex or 1), text)
            if replaced == text:
                break
            text = replaced
    return text


def _pipe_table_lines(rows: list[str]) -> list[str]:
    """A pipe table (it has a `|---|` delimiter row) to field lines; other `|` lines stay."""
    if not any(_TABLE_SEPARATOR.match(row) for row in rows):
        return rows
    cells = [
        [cell.strip() for cell in row.strip().strip("|").split("|")]
        for row in rows
        if not _TABLE_SEPARATOR.match(row)
    ]
    return table_rows_to_lines(cells)


def _is_structural(line: str) -> bool:
    return bool(_HEADING.match(line)) or line.lstrip().startswith("- ")


_ORDINAL = re.compile(r"(?<![\w.,])(\d{1,3}) (er|re|ère|e|ème|es|ers|res|èmes)(?=[\s,;:)]|$)", re.M)


def join_superscripts(text: str) -> str:
    """Superscripts flattened by conversion: `N^o` -> `N°`, `M ^{me}` -> `Mme`,
    `3 e colloque` -> `3e colloque`, `1 re orientation` -> `1re orientation`."""
    text = re.sub(r"\b([Nn]) ?\^ ?\{? ?o ?\}?(?![\w])", r"\1°", text)
    text = re.sub(r"(\w) ?\^ ?\{ ?([^\W_]{1,4}) ?\}", r"\1\2", text)
    text = re.sub(r"(\w) ?\^ ?([^\W_]{1,4})\b", r"\1\2", text)
    return _ORDINAL.sub(r"\1\2", text)


# ---------------------------------------------------------------------------------------
# Form layout, year fields, numbered items, hard-wrapped lines
# ---------------------------------------------------------------------------------------

_LETTER = re.compile(r"[^\W\d_]")
_YEAR_FIELD = re.compile(r"(?<!\S)(?:19|20)\d{2}-(?:(?:19|20)?\d{2})\s*:")
_YEAR_LINE = re.compile(r"(?:19|20)\d{2}(?:\s*[-–]\s*(?:(?:19|20)?\d{2}))?")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)


def is_form_label(cell: str) -> bool:
    """An upper-case form label cell: `TITRE DE LA MESURE`, `N° DE LA MESURE`."""
    cell = cell.strip()
    letters = _LETTER.findall(cell)
    return (
        len(letters) >= 2
        and not any(ch.islower() for ch in cell)
        and len(cell.split()) <= 12
        and not cell.endswith((".", ";", ","))
    )


def form_rows_to_fields(text: str) -> str:
    """Tab-separated form rows to one `LABEL : value` line per field; other tabs to ` ; `.

    `TITRE DE LA MESURE<TAB>Créer…<TAB>N° DE LA MESURE<TAB>1.1` becomes two lines. The cell
    right after a label is its value (whatever its case); later non-label cells extend it.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if "\t" not in line:
            out.append(line)
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        while cells and not cells[0]:
            cells.pop(0)
        if cells and is_form_label(cells[0]):
            out.extend(_form_fields(cells))
        else:
            out.append(" ; ".join(cell for cell in cells if cell))
    return "\n".join(out)


def _form_fields(cells: list[str]) -> list[str]:
    fields: list[list[str]] = []
    expecting_value = False
    for cell in cells:
        if not cell:
            expecting_value = False
            continue
        if expecting_value:
            fields[-1].append(cell)
            expecting_value = False
        elif is_form_label(cell):
            fields.append([cell])
            expecting_value = True
        else:
            fields[-1].append(cell)
    return [f"{label} : {' '.join(values)}".rstrip() for label, *values in fields]


def table_rows_to_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """Table rows (lists of cell texts) to text lines.

    A header row over several data rows gives `HEADER : value ; HEADER : value` per row;
    rows of label/value pairs give one `LABEL : value` line per pair; a one-cell row is a
    plain line; anything else is joined with ` ; `.
    """
    clean_rows: list[list[str]] = []
    for row in rows:
        cells = [re.sub(r"\s+", " ", cell).strip() for cell in row]
        deduped: list[str] = []
        for cell in cells:  # merged cells repeat their text
            if not deduped or cell != deduped[-1] or not cell:
                deduped.append(cell)
        if any(deduped):
            clean_rows.append(deduped)
    if not clean_rows:
        return []
    header = clean_rows[0]
    if (
        len(clean_rows) >= 2
        and len(header) >= 3
        and all(_is_short_label(cell) for cell in header)
        and all(len(row) == len(header) for row in clean_rows[1:])
    ):
        return [
            " ; ".join(
                f"{label} : {value}" for label, value in zip(header, row, strict=True) if value
            )
            for row in clean_rows[1:]
            if any(row)
        ]
    lines: list[str] = []
    for row in clean_rows:
        filled = [cell for cell in row if cell]
        if len(filled) == 1:
            lines.append(filled[0])
        elif len(row) % 2 == 0 and all(
            _is_short_label(row[i]) for i in range(0, len(row), 2) if row[i]
        ):
            for i in range(0, len(row), 2):
                label, value = row[i], row[i + 1]
                if label:
                    lines.append(f"{label} : {value}".rstrip())
                elif value:
                    lines.append(value)
        else:
            lines.append(" ; ".join(filled))
    return lines


def _is_short_label(cell: str) -> bool:
    return bool(cell) and len(cell.split()) <= 8 and not cell.endswith((".", ";", "!", "?"))


def split_year_fields(text: str) -> str:
    """`2004-2005 : 2005-2006 : … 2010-2011 : s. o.` on one line becomes one line per year."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        matches = list(_YEAR_FIELD.finditer(stripped))
        if len(matches) < 2 or matches[0].start() != 0:
            out.append(line)
            continue
        bounds = [m.start() for m in matches] + [len(stripped)]
        out.extend(stripped[a:b].strip() for a, b in pairwise(bounds))
    return "\n".join(out)


_ITEM_MARKER = re.compile(r"(?:(?<=\s)|^)(\d{1,2})\. ?(?=[^\W\d_])")


def split_numbered_items(text: str) -> str:
    """`… 1.Revoir … 2.Valoriser …` on one line: one `N. item` line each.

    Only a run numbered 1, 2, 3… in order on the same line counts, so `1.1` or a lone
    `2.` in a sentence stays put.
    """
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(_split_items(line))
    return "\n".join(out)


def _split_items(line: str) -> list[str]:
    markers = list(_ITEM_MARKER.finditer(line))
    sequence: list[re.Match[str]] = []
    for match in markers:
        if int(match.group(1)) == len(sequence) + 1:
            sequence.append(match)
    if len(sequence) < 2:
        return [line]
    head = line[: sequence[0].start()].strip()
    pieces = [head] if head else []
    bounds = [m.start() for m in sequence] + [len(line)]
    for match, end in zip(sequence, bounds[1:], strict=False):
        body = line[match.end() : end].strip()
        pieces.append(f"{match.group(1)}. {body}")
    return pieces


# Words a line cannot end on unless the sentence goes on on the next line.
CONTINUATION_WORDS = frozenset(
    {
        "à", "au", "aux", "de", "du", "des", "la", "le", "les", "pour", "par", "sur",
        "dans", "avec", "sans", "et", "ou", "en", "entre", "contre", "chez", "vers",
        "selon", "un", "une", "que", "qui", "dont", "son", "sa", "ses", "leur", "leurs",
        "ce", "cette", "ces", "notre", "nos", "votre", "vos",
    }
)  # fmt: skip
_LIST_ITEM = re.compile(
    r"^(?:[-–•*]\s|\d{1,3}[.)]\s|\d{1,3}(?:\.\d{1,3})+\s|[A-Z]{1,3} ?\d{1,3}(?:\.\d+)* ?[-–:])"
)
_FIELD = re.compile(r"^[^:]{1,120} : ")


def _last_word(line: str) -> str:
    words = line.split()
    return words[-1].lower() if words else ""


_ELIDED_END = re.compile(r"(?:^|[\s(«])(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]$", re.I)


def _ends_with_continuation(line: str) -> bool:
    return _last_word(line) in CONTINUATION_WORDS or bool(_ELIDED_END.search(line.rstrip()))


def _is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))


def _is_plain(line: str) -> bool:
    """A line of running text: not blank, a heading, a list item, a field or a year field."""
    return bool(
        line.strip()
        and not _is_heading(line)
        and not _LIST_ITEM.match(line)
        and not _FIELD.match(line)
        and not _YEAR_FIELD.match(line)
    )


def _would_join(previous: str, line: str) -> bool:
    return (
        bool(previous.strip())
        and not _is_heading(previous)
        and _ends_with_continuation(previous)
        and _is_plain(line)
    )


def join_continuation_lines(text: str) -> str:
    """A line ending on `pour`, `de`, `la`… is glued to the plain line right under it."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and _would_join(out[-1], line):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


_URL_ONLY = re.compile(r"(?:https?://|www\.)\S+", re.I)


def label_source_url(text: str) -> str:
    """A document ending on a bare address ends on `Source : <address>`."""
    lines = text.rstrip("\n").split("\n")
    if lines and _URL_ONLY.fullmatch(lines[-1].strip()):
        lines[-1] = f"Source : {lines[-1].strip()}"
    return "\n".join(lines)


def drop_blank_lines(text: str) -> str:
    """Blank lines go, except one where dropping it would let two lines be glued later."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.strip():
            out.append(line)
            continue
        following = next((candidate for candidate in lines[i + 1 :] if candidate.strip()), "")
        if out and out[-1].strip() and following and _would_join(out[-1], following):
            out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Document kinds and structure
# ---------------------------------------------------------------------------------------

_SLIDE_LINE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_SECTION_HEADING = re.compile(r"^#{2,6}\s")
_MAX_TITLE_WORDS = 12
_MAX_TITLE_CHARS = 100


@cache
def _territory_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for territory in TERRITORIES:
        for name in (territory.name, *territory.aliases):
            keys.setdefault(fold_key(name), territory.name)
    for group in REGION_GROUPS:
        keys.setdefault(fold_key(group), group)
    return keys


def territory_of_label(label: str) -> str | None:
    """The canonical territory a region label names, e.g. `Nord-du-Québec / Baie-James`
    -> `Baie-James`, `Nord-du-Québec Administration régionale Kativik` -> `Kativik`.

    The whole label must be made of territory names and aliases (in any number, with
    `/` or `-` between them); the most specific one wins. None when it is not.
    """
    words = fold_key(label).split()
    if not words or len(words) > 20:
        return None
    keys = _territory_keys()
    # best[i]: a segmentation of words[:i] into known names (list of canonical names).
    best: list[list[str] | None] = [None] * (len(words) + 1)
    best[0] = []
    for end in range(1, len(words) + 1):
        for start in range(end - 1, -1, -1):
            prefix = best[start]
            key = " ".join(words[start:end])
            if prefix is not None and key in keys:
                best[end] = [*prefix, keys[key]]
                break
    names = best[len(words)]
    if not names:
        return None
    specific = list(dict.fromkeys(name for name in names if name not in REGION_GROUPS))
    if len(specific) == 1:
        return specific[0]
    groups = list(dict.fromkeys(name for name in names if name in REGION_GROUPS))
    if not specific and len(groups) == 1:
        return groups[0]
    for group, parts in REGION_GROUPS.items():
        if specific and set(specific) <= set(parts):
            return group
    return None


def region_line(line: str) -> tuple[str, str] | None:
    """(territory, mandataire) for a `Region : Mandataire` line, else None."""
    if _is_heading(line) or " : " not in line:
        return None
    label, value = line.split(" : ", 1)
    territory = territory_of_label(label)
    if territory is None or not value.strip():
        return None
    return territory, value.strip()


def detect_kind(text: str) -> DocumentKind:
    """Guess the kind of document from its patterns (before furniture is removed)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if has_transcript_marker(text) or _looks_like_slides(lines):
        return "slides"
    if sum(1 for line in lines if region_line(line)) >= 3:
        return "regional"
    if any("\t" in line and is_form_label(line.split("\t")[0]) for line in lines) or any(
        _is_form_field(line) for line in lines
    ):
        return "report"
    return "general"


def _is_form_field(line: str) -> bool:
    if " : " not in line:
        return False
    label, value = line.split(" : ", 1)
    return is_form_label(label) and bool(value.strip()) and not _is_heading(line)


def _looks_like_slides(lines: list[str]) -> bool:
    numbers: list[int] = []
    for line in lines:
        match = _SLIDE_LINE.match(line)
        if match and (not numbers or numbers[-1] < int(match.group(1)) <= numbers[-1] + 5):
            numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and len(numbers) > 0.6 * len(lines)


def _is_upper_title(line: str) -> bool:
    """A short all-capitals line: `DESCRIPTION DE LA MESURE`, `AXE 3 DU PLAN D'ACTION`."""
    stripped = line.strip()
    if (
        _is_heading(stripped)
        or _LIST_ITEM.match(stripped)
        or len(_LETTER.findall(stripped)) < 2
        or any(ch.islower() for ch in stripped)
        or len(stripped.split()) > 15
        or len(stripped) > 120
        or stripped.endswith((",", ";"))
        or _URL.search(stripped)
    ):
        return False
    return " : " not in stripped  # `LABEL : value` is a form field


def _is_mixed_title(line: str) -> bool:
    """A short title line in running case: `De la loi découle`, `Les Alliances pour…`."""
    stripped = line.strip()
    words = stripped.split()
    return bool(
        stripped
        and (stripped[0].isupper() or stripped[0].isdigit())
        and any(ch.islower() for ch in stripped)
        and len(words) <= _MAX_TITLE_WORDS
        and len(stripped) <= _MAX_TITLE_CHARS
        and not stripped.endswith((".", ",", ";", ":", "!", "?", "…"))
        and not _is_heading(stripped)
        and not _LIST_ITEM.match(stripped)
        and " : " not in stripped
        and not _URL.search(stripped)
        and not _YEAR_LINE.fullmatch(stripped)
        and not _ends_with_continuation(stripped)
    )


def _is_title_line(line: str) -> bool:
    return _is_upper_title(line) or _is_mixed_title(line)


def _neighbours_blank(lines: list[str], index: int) -> bool:
    before = index == 0 or not lines[index - 1].strip()
    after = index == len(lines) - 1 or not lines[index + 1].strip()
    return before and after


def _previous_text(lines: list[str], index: int) -> str:
    return next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")


def add_document_title(lines: list[str]) -> list[str]:
    """The first line becomes the `#` title when it reads as one (short, no final period,
    in capitals or standing alone)."""
    if any(line.startswith("# ") for line in lines):
        return lines
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        standalone = index == len(lines) - 1 or not lines[index + 1].strip()
        if _is_upper_title(line) or (standalone and _is_mixed_title(line)):
            return [*lines[:index], f"# {line.strip()}", *lines[index + 1 :]]
        return lines
    return lines


def structure_general(lines: list[str], *, running_case_titles: bool = True) -> list[str]:
    """`##` headings at capitals lines, at standalone short lines (when
    `running_case_titles`), and at a year line merged with the title under it
    (`2004-2010` + `Premier plan…` -> `## 2004-2010 : Premier plan…`)."""
    lines = add_document_title(lines)
    out: list[str] = []
    consumed: set[int] = set()
    for index, line in enumerate(lines):
        if index in consumed:
            continue
        stripped = line.strip()
        if not stripped or _is_heading(stripped):
            out.append(line)
            continue
        if _YEAR_LINE.fullmatch(stripped):
            following = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if following is not None and _is_title_line(lines[following]):
                out.append(f"## {stripped} : {lines[following].strip()}")
                consumed.add(following)
            else:
                out.append(f"## {stripped}")
            continue
        if _is_upper_title(stripped) or (
            running_case_titles
            and _neighbours_blank(lines, index)
            and _is_mixed_title(stripped)
            and not _ends_with_continuation(_previous_text(lines, index))
        ):
            out.append(f"## {stripped}")
            continue
        out.append(line)
    return out


def structure_regional(lines: list[str]) -> list[str]:
    """One `## <territory>` section per `Region : Mandataire` line, mandataire first."""
    out: list[str] = []
    for line in add_document_title(lines):
        found = region_line(line.strip())
        if found is None:
            out.append(line)
            continue
        territory, mandataire = found
        out.extend((f"## {territory}", f"Mandataire : {mandataire}"))
    return out


_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_TRAILING_DATE = re.compile(rf"(?<!,) (\d{{1,2}}(?:er)? (?:{_MONTHS}) \d{{4}})$", re.I)


def _upper_word(word: str) -> bool:
    return not any(ch.islower() for ch in word)


def _has_letters(word: str) -> bool:
    return bool(_LETTER.search(word))


def _trim_run(run: list[str]) -> list[str]:
    while run and not _has_letters(run[-1]):
        run = run[:-1]
    while run and not _has_letters(run[0]):
        run = run[1:]
    return run


def leading_capitals(text: str) -> tuple[str, str] | None:
    """(title, rest) when `text` starts with two or more words in capitals."""
    words = text.split()
    count = 0
    while count < len(words) and _upper_word(words[count]):
        count += 1
    run = _trim_run(words[:count])
    if sum(1 for word in run if len(_LETTER.findall(word)) >= 1) < 2:
        return None
    rest_start = len(run)
    while rest_start < len(words) and rest_start < count and not _has_letters(words[rest_start]):
        rest_start += 1
    rest = " ".join(words[rest_start:])
    return " ".join(run), rest.lstrip(":;,-– ").strip()


def trailing_capitals(text: str) -> tuple[str, str] | None:
    """(title, rest) when `text` ends with two or more words in capitals."""
    words = text.split()
    count = 0
    while count < len(words) and _upper_word(words[len(words) - 1 - count]):
        count += 1
    run = words[len(words) - count :]
    while run and (not _has_letters(run[0]) or run[0].startswith("(")):
        run = run[1:]
    run = _trim_run(run)
    if len(run) < 2 or len(run) == len(words):
        return None
    rest = " ".join(words[: len(words) - len(run)])
    return " ".join(run), rest.strip()


def slide_title(text: str) -> tuple[str, str]:
    """(title, body) of one slide's text.

    The title is the leading words in capitals when there are some, else the trailing
    words in capitals (where many decks put the title placeholder), else the text up to
    the first colon, else the whole text when it is short.
    """
    text = text.strip()
    for finder in (leading_capitals, trailing_capitals):
        found = finder(text)
        if found:
            return found
    if " : " in f"{text} ":
        head, _, body = f"{text} ".partition(" : ")
        if head.strip() and len(head.split()) <= 15:
            return head.strip(), body.strip()
    if len(text.split()) <= _MAX_TITLE_WORDS:
        return text, ""
    return "", text


def deck_title(line: str) -> str:
    """A deck's title line `3e colloque … 20 mars 2014 LES ALLIANCES …` reordered as
    `LES ALLIANCES … — 3e colloque …, 20 mars 2014`."""
    line = line.strip()
    found = trailing_capitals(line) or leading_capitals(line)
    if not found or not found[1]:
        return line
    title, rest = found
    rest = _TRAILING_DATE.sub(r", \1", rest)
    return f"{title} — {rest}"


_REPEATED_PHRASE = re.compile(r"(?<!\S)([A-ZÀ-ÖØ-Þ]\S*(?: \S+){1,12}?) \1(?!\S)")


def drop_repeated_phrases(text: str) -> str:
    """`Un Groupe des partenaires Un Groupe des partenaires` (a text box exported twice)
    -> `Un Groupe des partenaires`."""
    for _ in range(len(text)):
        reduced = _REPEATED_PHRASE.sub(r"\1", text)
        if reduced == text:
            break
        text = reduced
    return text


@dataclass
class _Slide:
    number: int
    lines: list[str]


def structure_slides(lines: list[str]) -> list[str]:
    """`# deck title` then one `## Diapositive N : TITLE` section per slide.

    A slide starts at a line opening with its number; an unnumbered line between slides
    N-1 and N+1 is slide N (its number was lost); other unnumbered lines continue the
    slide before. A slide repeating the deck title is dropped.
    """
    text_lines = [line.strip() for line in lines if line.strip()]
    out: list[str] = [line for line in text_lines if line.startswith("# ")]
    text_lines = [line for line in text_lines if not line.startswith("# ")]
    title_line = ""
    if not out and text_lines and not _SLIDE_LINE.match(text_lines[0]):
        title_line = text_lines.pop(0)
        out.append(f"# {deck_title(title_line)}")
    slides: list[_Slide] = []
    for index, line in enumerate(text_lines):
        match = _SLIDE_LINE.match(line)
        previous = slides[-1].number if slides else 0
        if match and previous < int(match.group(1)) <= previous + 5:
            slides.append(_Slide(int(match.group(1)), [match.group(2)]))
            continue
        if line == title_line:
            continue
        upcoming = _next_slide_number(text_lines[index + 1 :], previous)
        if not slides or upcoming == previous + 2:
            slides.append(_Slide(previous + 1, [line.lstrip(":;,.-– ").strip()]))
        else:
            slides[-1].lines.append(line)
    for slide in slides:
        out.extend(_slide_lines(slide))
    return out


def _next_slide_number(lines: list[str], previous: int) -> int | None:
    for line in lines:
        match = _SLIDE_LINE.match(line)
        if match and previous < int(match.group(1)) <= previous + 5:
            return int(match.group(1))
    return None


def _slide_lines(slide: _Slide) -> list[str]:
    first, *others = [drop_repeated_phrases(line) for line in slide.lines]
    body: list[str] = []
    if others and not _LIST_ITEM.match(others[-1]):
        title, first_body = slide_title(first)
    else:
        title, first_body = _title_from_first_line(first, bool(others))
    if first_body:
        body.append(first_body)
    body.extend(others)
    heading = f"## Diapositive {slide.number}"
    if title:
        heading += f" : {title}"
    return [heading, *[line for line in body if line.strip()]]


def _title_from_first_line(first: str, has_more: bool) -> tuple[str, str]:
    found = leading_capitals(first)
    if found:
        return found
    if not has_more:
        return slide_title(first)
    if " : " in f"{first} ":
        head, _, body = f"{first} ".partition(" : ")
        if head.strip() and len(head.split()) <= 15:
            return head.strip(), body.strip()
    if _is_mixed_title(first.rstrip(":").strip()) or len(first.split()) <= _MAX_TITLE_WORDS:
        return first.rstrip(": ").strip(), ""
    return "", first


def normalize_headings(lines: list[str]) -> list[str]:
    """One `#` title; later `#` lines become `##`; deeper than `###` becomes `###`;
    closing `#`s and empty headings dropped."""
    out: list[str] = []
    seen_title = False
    for line in lines:
        match = _HEADING.match(line)
        if not match:
            out.append(line)
            continue
        level = len(match.group(1))
        text = re.sub(r"(?:[ \t]+#+)+$", "", match.group(2)).strip()
        if not text:
            continue
        if level == 1:
            if seen_title:
                level = 2
            seen_title = True
        out.append(f"{'#' * min(level, 3)} {text}")
    return out


def _resolve_kind(kind_hint: str | None, text: str) -> DocumentKind:
    if kind_hint is None:
        return detect_kind(text)
    if kind_hint in KIND_ALIASES:
        alias = KIND_ALIASES[kind_hint]
        return detect_kind(text) if alias is None else alias  # type: ignore[return-value]
    if kind_hint not in DOCUMENT_KINDS:
        raise ValueError(
            f"Unknown document kind {kind_hint!r}; expected one of {', '.join(DOCUMENT_KINDS)}"
        )
    return kind_hint  # type: ignore[return-value]


def structure(text: str, kind: DocumentKind) -> str:
    """Give the text its headings, unless it already has `##` sections (then the
    source's own structure is trusted, and cleaning stays idempotent)."""
    lines = text.split("\n")
    if any(_SECTION_HEADING.match(line) for line in lines):
        return text
    builders: dict[str, Callable[[list[str]], list[str]]] = {
        "slides": structure_slides,
        "regional": structure_regional,
        "report": lambda ls: structure_general(ls, running_case_titles=False),
        "general": structure_general,
    }
    return "\n".join(builders[kind](lines))


# ---------------------------------------------------------------------------------------
# The whole pipeline
# ---------------------------------------------------------------------------------------

LINE_CLEANERS: tuple[Callable[[str], str], ...] = (
    unwrap_links,
    unescape_markdown,
    strip_html_fragments,
    join_superscripts,
    normalize_characters,
)
_MAX_ROUNDS = 6


def apply_until_stable(text: str, cleaners: Sequence[Callable[[str], str]]) -> str:
    """Run the cleaners in turn until a round changes nothing (one may uncover work for
    another: an entity decoding to a tag, an escape hiding a bold marker)."""
    for _ in range(_MAX_ROUNDS):
        cleaned = text
        for cleaner in cleaners:
            cleaned = cleaner(cleaned)
        if cleaned == text:
            break
        text = cleaned
    return text


def clean_text(raw: str, kind_hint: str | None = None, *, title: str | None = None) -> str:
    """Clean raw converted text and give it its Markdown structure.

    `kind_hint`: "report", "slides", "regional" or "general" (or the manifest's
    "rapport-mesure", "presentation", "vue-ensemble", "page-web"); None detects it.
    `title`: the `#` title to use when the text has none of its own.
    """
    text = apply_until_stable(normalize_characters(raw), LINE_CLEANERS)
    text = form_rows_to_fields(text)
    kind = _resolve_kind(kind_hint, text)
    text = remove_page_furniture(text)
    text = normalize_whitespace(text)
    text = restore_elisions(text)
    text = split_year_fields(text)
    text = split_numbered_items(text)
    text = normalize_whitespace(join_continuation_lines(text))
    text = collapse_blank_lines(text)
    # Structure may set side by side two lines that belong together (a slide's body).
    text = remove_page_furniture(structure(text, kind))  # a split may isolate "Slides:"
    text = normalize_whitespace(join_continuation_lines(text))
    text = label_source_url(text)
    lines = text.split("\n")
    if title and title.strip() and not any(line.startswith("# ") for line in lines):
        lines = [f"# {normalize_whitespace(normalize_characters(title)).strip()}", *lines]
    text = "\n".join(normalize_headings(lines))
    text = drop_blank_lines(text)
    return unicodedata.normalize("NFC", text).strip()


def clean_lines(lines: Iterable[str], kind_hint: str | None = None) -> str:
    """`clean_text` over lines already split (as extracted from PDF or DOCX)."""
    return clean_text("\n".join(lines), kind_hint)
