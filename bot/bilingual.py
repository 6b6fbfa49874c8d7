"""What users read is French, or English where they wrote English: `say` picks the text, and
the few phrasings several features share are written here once."""

from __future__ import annotations

from collections.abc import Iterable


def say(language: str, french: str, english: str) -> str:
    """The English text for an English conversation, the French one otherwise."""
    return english if language == "en" else french


def counted_title(language: str, title: str, filters: Iterable[str], shown: int, total: int) -> str:
    """A list's title with what it is filtered on and how many it shows:
    `Projets — région Estrie (40 sur 52)`, `Projects (3)`."""
    filters = tuple(filters)
    if filters:
        title += " — " + " · ".join(filters)
    if total > shown:
        return title + say(language, f" ({shown} sur {total})", f" ({shown} of {total})")
    return title + f" ({total})"


def sources_heading(language: str, abstained: bool) -> str:
    """The title of an answer's citations: the closest sources when it abstained."""
    if abstained:
        return say(language, "Sources les plus proches", "Closest sources")
    return "Sources"
