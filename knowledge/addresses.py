"""Web addresses and e-mail addresses in text: finding them, and keeping cleaners off them.

A cleaner that repairs French prose (apostrophes in elisions, Markdown emphasis, HTML
entities, superscripts) would damage an address: `…/fonds-quebecois-dinitiatives-sociales`
must not become `…d'initiatives…`, `…/_brouillon_/` must keep its underscores.
`protect_addresses(cleaner)` runs a cleaner with every address replaced by a placeholder
character, then puts the addresses back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import islice

# An address runs to the first space or character that cannot be in one; the punctuation
# that ends a sentence or closes a parenthesis after it is not part of it.
URL = re.compile(r"""(?:https?://|www\.)[^\s<>"«»\[\]{}|\\^`]+""", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_TRAILING = ".,;:!?'’)*_"
# Placeholders come from Unicode plane 15 (private use), which no cleaner touches.
_PLACEHOLDER_BASE = 0xF0000
_PLACEHOLDER_COUNT = 0xFFFE
_PLACEHOLDER = re.compile("[\U000f0000-\U000ffffd]")


def _trim(address: str) -> str:
    """Sentence punctuation after an address is not part of it; a `)` closing a `(` of the
    address itself is (`…/Loi_(Québec)`)."""
    while address and address[-1] in _TRAILING:
        if address[-1] == ")" and address.count("(") >= address.count(")"):
            break
        address = address[:-1]
    return address


def address_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every web or e-mail address in the text, in order, not overlapping."""
    spans = [(start, start + len(address)) for start, address in locate_urls(text)]
    for match in EMAIL.finditer(text):
        start, end = match.span()
        if not any(a < end and start < b for a, b in spans):
            spans.append((start, end))
    return sorted(spans)


def locate_urls(text: str) -> list[tuple[int, str]]:
    """(position, address) of each web address of the text (http, https, www.), in order."""
    found: list[tuple[int, str]] = []
    for match in URL.finditer(text):
        address = _trim(match.group(0))
        if len(address) > len("www."):
            found.append((match.start(), address))
    return found


def find_urls(text: str) -> list[str]:
    """The web addresses of the text (http, https, www.), in order of appearance."""
    return [address for _, address in locate_urls(text)]


def protect_addresses(cleaner: Callable[[str], str]) -> Callable[[str], str]:
    """`cleaner`, run with the text's addresses hidden from it and restored unchanged."""

    def protected(text: str) -> str:
        spans = address_spans(text)
        if not spans:
            return cleaner(text)
        used = set(_PLACEHOLDER.findall(text))
        marks = (chr(_PLACEHOLDER_BASE + i) for i in range(_PLACEHOLDER_COUNT))
        free = list(islice((mark for mark in marks if mark not in used), len(spans)))
        if len(free) < len(spans):
            return cleaner(text)
        pieces: list[str] = []
        originals: dict[str, str] = {}
        last = 0
        for (start, end), mark in zip(spans, free, strict=False):
            pieces.append(text[last:start])
            pieces.append(mark)
            originals[mark] = text[start:end]
            last = end
        pieces.append(text[last:])
        cleaned = cleaner("".join(pieces))
        return _PLACEHOLDER.sub(lambda m: originals.get(m.group(0), m.group(0)), cleaned)

    protected.__name__ = getattr(cleaner, "__name__", "protected")
    protected.__doc__ = cleaner.__doc__
    return protected
