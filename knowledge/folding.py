"""Accent and case folding, shared by every place that compares French text.

Documents and queries must be folded the same way, so that "securite alimentaire"
typed in chat finds "sécurité alimentaire" in a document.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "‐": "-"})
_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
_SPACES = re.compile(r"\s+")


def normalize_punctuation(text: str) -> str:
    """Typographic apostrophes and dashes become their ASCII forms."""
    return text.translate(_APOSTROPHES).translate(_DASHES)


def fold(text: str) -> str:
    """Lower-case, strip accents, expand ligatures, unify apostrophes and dashes."""
    text = normalize_punctuation(text)
    for ligature, expansion in _LIGATURES.items():
        text = text.replace(ligature, expansion)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def fold_key(text: str) -> str:
    """A comparison key: folded, hyphens and punctuation as spaces, spaces collapsed."""
    folded = re.sub(r"[^0-9a-z]+", " ", fold(text))
    return _SPACES.sub(" ", folded).strip()
