"""Markdown markup to plain lines.

Links are unwrapped (`[text](url)` -> `text (url)`), backslash escapes and emphasis markers
removed, `*`/`•` bullets made `- ` items, setext underlines read as headings, pipe tables
read as field lines; rules, fences and block quote markers go. `#` heading lines stay: they
are the clean text's own structure, and `HEADING` / `is_heading` recognise them for the
other cleaning modules.
"""

from __future__ import annotations

import re

from knowledge.form_fields import table_rows_to_lines

_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+)>", re.I)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s\n]+)(?:\s+\"[^\"\n]*\")?\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>~&%\"'])")
_BULLET = re.compile(r"^(\s*)(?:[*•▪◦●○■□➢➤►✓✔·]|\+(?=\s))\s+")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def is_heading(line: str) -> bool:
    """Whether the line is a Markdown `#` heading."""
    return bool(HEADING.match(line))


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
    return bool(HEADING.match(line)) or line.lstrip().startswith("- ")
