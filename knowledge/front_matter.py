"""YAML front matter at the top of a .md or .txt file: the fields a person wrote about the
document (`title`, `url`, `date`, `periods`, `regions`, `plan`, `kind`…).

Only the simple forms people write by hand are read, without a YAML library:

    ---
    title: Alliance pour la solidarité de l'Outaouais
    url: https://exemple.org/alliance
    periods: [2024-2029, 2019-2023]
    regions:
      - Outaouais
    ---

A block that is not made only of such lines (a Markdown rule followed by prose, say) is
not front matter and stays in the text.
"""

from __future__ import annotations

import re

FrontMatterValue = str | tuple[str, ...]

_OPENING = "---"
_CLOSINGS = ("---", "...")
_MAX_LINES = 60
_FIELD = re.compile(r"^([A-Za-z_][\w-]{0,40})\s*:(?:\s+(.*?))?\s*$")
_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$|^-\s+(.*?)\s*$")
_NULLS = frozenset({"", "~", "null", "none"})


def split_front_matter(text: str) -> tuple[dict[str, FrontMatterValue], str]:
    """(fields, the text without its front matter); ({}, text) when there is none."""
    body = text.lstrip("\ufeff")
    lines = body.split("\n")
    if not lines or lines[0].rstrip() != _OPENING:
        return {}, text
    closing = next(
        (i for i in range(1, min(len(lines), _MAX_LINES + 1)) if lines[i].rstrip() in _CLOSINGS),
        None,
    )
    if closing is None or closing == 1:
        return {}, text
    block = lines[1:closing]
    fields = _parse(block)
    if fields is None or not any(_FIELD.match(line) for line in block):
        return {}, text  # "---", blank lines, "---": two Markdown rules, not front matter
    return fields, "\n".join(lines[closing + 1 :])


def _parse(lines: list[str]) -> dict[str, FrontMatterValue] | None:
    fields: dict[str, FrontMatterValue] = {}
    items: list[str] | None = None
    key = ""
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if item and items is not None:
            items.append(_scalar(item.group(1) if item.group(1) is not None else item.group(2)))
            fields[key] = tuple(value for value in items if value)
            continue
        if line[:1].isspace() and key and not item:
            # A value continued on indented lines (a `|` or `>` block, a long title).
            previous = fields.get(key, "")
            text = previous if isinstance(previous, str) else " ".join(previous)
            fields[key] = f"{text} {line.strip()}".strip()
            items = None
            continue
        field = _FIELD.match(line)
        if field is None:
            return None
        key = field.group(1).lower()
        raw = (field.group(2) or "").strip()
        if raw.startswith("[") and raw.endswith("]"):
            values = tuple(v for v in (_scalar(part) for part in _split_list(raw[1:-1])) if v)
            fields[key] = values
            items = None
        elif raw.casefold() in _NULLS or raw == "|" or raw == ">":
            items = []
        else:
            fields[key] = _scalar(raw)
            items = None
    return fields


def _split_list(inner: str) -> list[str]:
    """`a, "b, c", d` → ["a", '"b, c"', "d"]: commas inside quotes do not split."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for ch in inner:
        if ch in "\"'" and (not quote or quote == ch):
            quote = "" if quote else ch
        if ch == "," and not quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _scalar(raw: str) -> str:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
        if raw.strip()[0] == "'":
            value = value.replace("''", "'")
    elif " #" in value:
        value = value.split(" #", 1)[0].rstrip()  # a trailing YAML comment
    return "" if value.casefold() in _NULLS else value
