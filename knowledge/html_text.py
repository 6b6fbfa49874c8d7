"""HTML to text lines: whole pages, and HTML pieces left inside plain text.

`html_to_lines` renders a parsed page (BeautifulSoup with lxml) one line per paragraph,
heading, list item or table field, dropping what is never document text (scripts, styles,
navigation, page header and footer, hidden elements); `html_title` reads its `<title>`.
`strip_html_fragments` turns the tags that conversions leave in plain text (`<p>`, `<b>`,
`<ul style=…>`, checkboxes) and their entities into text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag

from knowledge.form_fields import table_rows_to_lines

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
MAIN_MIN_CHARS = 200  # a <main> shorter than this is a stub; read the whole body
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


# Class or id words that mark a page's chrome rather than its text (WordPress, Drupal and
# Bootstrap conventions): cookie banners, breadcrumbs, skip links, screen-reader labels.
_CHROME_MARKERS = ("cookie", "breadcrumb", "skip-link", "screen-reader", "sr-only")


def _is_chrome(attrs: dict) -> bool:
    words = attrs.get("class") or []
    marks = " ".join([*(words if isinstance(words, list) else [str(words)]),
                      str(attrs.get("id") or "")]).lower()
    return any(marker in marks for marker in _CHROME_MARKERS)


def _is_dropped(node: Tag, name: str) -> bool:
    if name in DROPPED_ELEMENTS:
        return True
    attrs = node.attrs or {}
    if _is_chrome(attrs):
        return True
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
    if not fragment:
        # A page that marks its main content is read from there: the rest is the site's
        # menus, banners and side boxes, repeated on every page.
        main = soup.find("main") or soup.find(attrs={"role": "main"})
        if isinstance(main, Tag) and len(main.get_text(" ", strip=True)) >= MAIN_MIN_CHARS:
            root = main
    return _Renderer(keep_tabs=fragment).render(root)


def html_title(markup: str | bytes) -> str | None:
    """The page's `<title>` text, if any."""
    soup = BeautifulSoup(markup, "lxml")
    if soup.title and soup.title.string and soup.title.string.strip():
        return re.sub(r"\s+", " ", soup.title.string).strip()
    return None


# `<meta>` names and properties that carry a page's publication date, best first.
_DATE_METAS = (
    "article:published_time", "datepublished", "dcterms.date", "dcterms.issued",
    "dc.date.issued", "dc.date", "date", "publication_date", "pubdate", "og:published_time",
)  # fmt: skip
_OPEN_GRAPH = {"og:title": "og_title", "og:site_name": "site_name", "og:url": "og_url"}
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def html_properties(markup: str | bytes) -> dict[str, str]:
    """What a page says about itself: `title` (<title>), `og_title`, `h1` (its first),
    `site_name` (og:site_name), `canonical` (<link rel="canonical">), `og_url`, and
    `published` (the first publication-date <meta>, else JSON-LD `datePublished`, else a
    <time> marked as the publication's)."""
    soup = BeautifulSoup(markup, "lxml")
    found: dict[str, str] = {}
    title = html_title(markup)
    if title:
        found["title"] = title
    metas: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "")
        content = str(meta.get("content") or "").strip()
        if key and content:
            metas.setdefault(key.strip().lower(), content)
    for key, name in _OPEN_GRAPH.items():
        if metas.get(key):
            found[name] = re.sub(r"\s+", " ", metas[key]).strip()
    published = next((metas[key] for key in _DATE_METAS if metas.get(key)), None)
    if published is None:
        for script in soup.find_all("script", type="application/ld+json"):
            match = _JSON_LD_DATE.search(script.get_text())
            if match:
                published = match.group(1)
                break
    if published is None:
        stamp = soup.find("time", attrs={"itemprop": "datePublished", "datetime": True}) or (
            soup.find("time", attrs={"class": re.compile("publi", re.I), "datetime": True})
        )
        published = str(stamp["datetime"]) if stamp is not None else None
    if published:
        found["published"] = published
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rels = rel if isinstance(rel, list) else str(rel).split()
        if "canonical" in [str(r).lower() for r in rels]:
            found["canonical"] = str(link["href"]).strip()
            break
    heading = soup.find("h1")
    if heading is not None and heading.get_text(" ", strip=True):
        found["h1"] = re.sub(r"\s+", " ", heading.get_text(" ", strip=True))
    return found


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
