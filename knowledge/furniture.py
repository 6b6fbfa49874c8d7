"""Page furniture: the text a web page or a slide-sharing site wraps around a document.

Slide-sharing sites put "Slides:", "Advertisements" and a "Présentations similaires"
list of unrelated decks before the "Transcription de la présentation:" marker; ministry
pages start with "Menu principal." and the like. Only whole lines are dropped, never
words inside a sentence.
"""

from __future__ import annotations

import re

# Lines that are furniture wherever they appear (matched on the whole stripped line).
_FURNITURE_LINE = re.compile(
    r"(?:slides?|diapositives?)\s*:"
    r"|advertisements?|publicités?"
    r"|menu(?: principal)?\.?|main menu\.?"
    r"|(?:aller|passer) au contenu(?: principal)?\.?|skip to (?:main )?content\.?"
    r"|haut de (?:la )?page\.?|retour en haut(?: de (?:la )?page)?\.?|back to top\.?"
    r"|(?:télécharger|download) (?:la |cette |the )?présentation\.?"
    r"|download (?:the )?presentation\.?|download ppt\.?"
    r"|transcription de la présentation\s*:?|presentation transcript\s*:?"
    r"|(?:présentations similaires|similar presentations)\s*:?",
    re.IGNORECASE,
)
# A slide-sharing site's related-decks list starts here ...
_RELATED_START = re.compile(r"(?:présentations similaires|similar presentations)\s*:?", re.I)
# ... and the deck's own text starts after this marker.
_TRANSCRIPT_MARKER = re.compile(
    r"(?:transcription de la présentation|presentation transcript)\s*:?", re.I
)
# Site furniture that may open the block which the transcript marker closes.
_SITE_BLOCK_START = re.compile(
    r"(?:slides?|diapositives?)\s*:|advertisements?|publicités?"
    r"|(?:présentations similaires|similar presentations)\s*:?",
    re.I,
)


def is_furniture_line(line: str) -> bool:
    """Whether a whole line is page furniture ("Menu principal.", "Advertisements"…)."""
    return bool(_FURNITURE_LINE.fullmatch(line.strip()))


def has_transcript_marker(text: str) -> bool:
    """Whether the text is a slide-sharing page ("Transcription de la présentation:")."""
    return any(_TRANSCRIPT_MARKER.fullmatch(line.strip()) for line in text.split("\n"))


def remove_page_furniture(text: str) -> str:
    """Drop furniture lines and the unrelated-presentations block of slide-sharing pages."""
    lines = text.split("\n")
    lines = _drop_site_block(lines)
    lines = _drop_related_lists(lines)
    return "\n".join(line for line in lines if not is_furniture_line(line))


def _drop_site_block(lines: list[str]) -> list[str]:
    """Everything from the first site marker up to the transcript marker goes."""
    marker = next(
        (i for i, line in enumerate(lines) if _TRANSCRIPT_MARKER.fullmatch(line.strip())), None
    )
    if marker is None:
        return lines
    start = next(
        (i for i in range(marker) if _SITE_BLOCK_START.fullmatch(lines[i].strip())), marker
    )
    return lines[:start] + lines[marker + 1 :]


def _drop_related_lists(lines: list[str]) -> list[str]:
    """A related-presentations list with no transcript marker ends at the next blank line."""
    kept: list[str] = []
    skipping = False
    for line in lines:
        if _RELATED_START.fullmatch(line.strip()):
            skipping = True
            continue
        if skipping and not line.strip():
            skipping = False
        if not skipping:
            kept.append(line)
    return kept
