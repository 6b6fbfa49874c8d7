"""Accent and case folding, shared by every place that compares French text.

Documents and queries must be folded the same way, so that "securite alimentaire"
typed in chat finds "sécurité alimentaire" in a document.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "‐": "-"})
_LIGATURES = {"œ": "oe", "æ": "ae"}  # after case folding: "Œ" is "œ" by then
_SPACES = re.compile(r"\s+")


def normalize_punctuation(text: str) -> str:
    """Typographic apostrophes and dashes become their ASCII forms."""
    return text.translate(_APOSTROPHES).translate(_DASHES)


def fold(text: str) -> str:
    """Lower-case, strip accents, expand ligatures, unify apostrophes and dashes."""
    # Decompose before and after case folding: either can produce what the other
    # changes ("ℌ" decomposes to "H"; "İ" folds to "i" and a combining dot), and the
    # punctuation comes last because decomposing makes some ("｀" → "`").
    stripped = _without_marks(_without_marks(text).casefold())
    for ligature, expansion in _LIGATURES.items():
        stripped = stripped.replace(ligature, expansion)
    return normalize_punctuation(stripped)


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_key(text: str) -> str:
    """A comparison key: folded, hyphens and punctuation as spaces, spaces collapsed."""
    folded = re.sub(r"[^0-9a-z]+", " ", fold(text))
    return _SPACES.sub(" ", folded).strip()
