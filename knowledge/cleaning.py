"""Turning raw converted text into the clean Markdown-like text the knowledge base stores.

Every cleaner is a pure function from string to string doing one job; `clean_text`
composes them. This module holds the composition and the character-level cleaners
(Unicode, whitespace, superscripts), plus the closing `Source : <address>` label; the
other steps live with their idea:

- `knowledge.html_text`: HTML pieces and pages to text lines;
- `knowledge.markdown_text`: Markdown links, escapes, emphasis, bullets, pipe tables;
- `knowledge.form_fields`: tab-separated form rows and tables to `LABEL : value` lines;
- `knowledge.furniture`: page furniture of web pages and slide-sharing sites;
- `knowledge.elisions`: apostrophes restored in French elisions;
- `knowledge.line_breaks`: hard-wrapped lines glued, year fields and numbered items split;
- `knowledge.structure`: the document kind, and the `#` title and `##` sections it calls for;
- `knowledge.addresses`: web and e-mail addresses, which no step may alter.

Output shape: one paragraph, field or list item per line, no blank lines (except one
kept where removing it would glue a line that ends on "de"/"pour"… to the next),
no HTML, no tabs, no Markdown escapes, NFC Unicode. `clean_text` is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from knowledge.addresses import protect_addresses
from knowledge.elisions import restore_elisions
from knowledge.form_fields import form_rows_to_fields
from knowledge.furniture import remove_page_furniture
from knowledge.html_text import strip_html_fragments
from knowledge.line_breaks import (
    drop_blank_lines,
    join_continuation_lines,
    split_numbered_items,
    split_year_fields,
)
from knowledge.markdown_text import unescape_markdown, unwrap_links
from knowledge.structure import normalize_headings, resolve_kind, structure

# ---------------------------------------------------------------------------------------
# Characters, whitespace and superscripts
# ---------------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACE = re.compile(r" {2,}")
_SPACE_AFTER_OPENING = re.compile(r"([(\[]) +(?=\w)")
_SPACE_BEFORE_CLOSING = re.compile(r"(?<=\w) +([)\],])")


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
        if " " in line:
            line = _SPACE_AFTER_OPENING.sub(r"\1", line)
            line = _SPACE_BEFORE_CLOSING.sub(r"\1", line)
        lines.append(line)
    return "\n".join(lines)


def collapse_blank_lines(text: str) -> str:
    """Runs of blank lines become one blank line; leading and trailing blanks go."""
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"\n[ \t]+\n", "\n\n", text)).strip("\n")


_ORDINAL = re.compile(r"(?<![\w.,])(\d{1,3}) (er|re|ère|e|ème|es|ers|res|èmes)(?=[\s,;:)]|$)", re.M)


def join_superscripts(text: str) -> str:
    """Superscripts flattened by conversion: `N^o` -> `N°`, `M ^{me}` -> `Mme`,
    `3 e colloque` -> `3e colloque`, `1 re orientation` -> `1re orientation`."""
    text = re.sub(r"\b([Nn]) ?\^ ?\{? ?o ?\}?(?![\w])", r"\1°", text)
    text = re.sub(r"(\w) ?\^ ?\{ ?([^\W_]{1,4}) ?\}", r"\1\2", text)
    text = re.sub(r"(\w) ?\^ ?([^\W_]{1,4})\b", r"\1\2", text)
    return _ORDINAL.sub(r"\1\2", text)


# ---------------------------------------------------------------------------------------
# The whole pipeline
# ---------------------------------------------------------------------------------------

# The cleaners that rewrite words never see a web or e-mail address (`protect_addresses`).
LINE_CLEANERS: tuple[Callable[[str], str], ...] = (
    unwrap_links,
    protect_addresses(unescape_markdown),
    protect_addresses(strip_html_fragments),
    protect_addresses(join_superscripts),
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


def reflow(text: str) -> str:
    """Lines glued where a sentence goes on, then split one year field or numbered item
    per line (splitting never makes a pair that gluing would join again)."""
    text = normalize_whitespace(join_continuation_lines(text))
    return split_numbered_items(split_year_fields(text))


_URL_ONLY = re.compile(r"(?:https?://|www\.)\S+", re.I)


def label_source_url(text: str) -> str:
    """A document ending on a bare address ends on `Source : <address>`."""
    lines = text.rstrip("\n").split("\n")
    if lines and _URL_ONLY.fullmatch(lines[-1].strip()):
        lines[-1] = f"Source : {lines[-1].strip()}"
    return "\n".join(lines)


_MAX_CLEAN_ROUNDS = 3


def clean_text(raw: str, kind_hint: str | None = None, *, title: str | None = None) -> str:
    """Clean raw converted text and give it its Markdown structure.

    `kind_hint`: "report", "slides", "regional" or "general" (or the manifest's
    "rapport-mesure", "presentation", "vue-ensemble", "page-web"); None detects it.
    `title`: the `#` title to use when the text has none of its own.

    Every step is written to be idempotent; as a safety net the whole pass is repeated
    (at most three times) until it changes nothing, for the odd input where a late step
    uncovers work for an early one (structure splitting off a line that reads as a
    Markdown fence, say). Clean text thus goes through unchanged.
    """
    text = _clean_once(raw, kind_hint, title)
    for _ in range(_MAX_CLEAN_ROUNDS - 1):
        again = _clean_once(text, kind_hint, title)
        if again == text:
            break
        text = again
    return text


def _clean_once(raw: str, kind_hint: str | None, title: str | None) -> str:
    """One pass: characters, HTML and Markdown; form rows; kind; furniture; spaces;
    elisions; reflow; structure; source line; title; headings; blank lines."""
    text = apply_until_stable(normalize_characters(raw), LINE_CLEANERS)
    text = form_rows_to_fields(text)
    kind = resolve_kind(kind_hint, text)
    text = remove_page_furniture(text)
    text = normalize_whitespace(text)
    text = restore_elisions(text)
    text = collapse_blank_lines(reflow(text))
    # Structure may set side by side lines that belong together (a slide's body) or
    # isolate a furniture line ("LE PLAN Slides:" -> "LE PLAN" + "Slides:").
    text = reflow(remove_page_furniture(structure(text, kind)))
    text = label_source_url(text)
    lines = text.split("\n")
    if title and title.strip() and not any(line.startswith("# ") for line in lines):
        lines = [f"# {normalize_whitespace(normalize_characters(title)).strip()}", *lines]
    text = "\n".join(normalize_headings(lines))
    text = drop_blank_lines(text)
    return unicodedata.normalize("NFC", text).strip()
