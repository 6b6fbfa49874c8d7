"""What an acronym stands for, as the documents define it: "Fonds québécois d'initiatives
sociales (FQIS)" teaches that FQIS is that fund; "Table Québec-Régions (TQR)" teaches TQR.

Definitions are read from the passages that write the acronym between parentheses, the
first time a question uses it, and remembered per document: when the index changes, only
the documents written or removed since are read again (the chunk store's change log), so
a stream of project updates does not rescan every passage for every acronym. Beside them, a
short glossary of what staff say that no document defines ("APS" for an Alliance pour la
solidarité) and the action plans' own names (`knowledge.plans.PLANS`).
"""

from __future__ import annotations

import re

from knowledge.folding import fold
from knowledge.plans import PLANS
from retrieval.chunk_store import ChunkStore
from retrieval.document_memo import DocumentMemo

# Staff usage no document spells out.
STAFF_GLOSSARY: dict[str, tuple[str, ...]] = {
    "APS": ("Alliance pour la solidarité", "Alliances pour la solidarité"),
    "FQIS": ("Fonds québécois d'initiatives sociales",),
}
_MAX_ROWS = 40
_MAX_WORDS_BEFORE = 20
# Small words a definition may hold that its acronym skips ("Centre d'étude sur la…").
_SKIPPABLE = frozenset(
    "de du des d la le les l et en pour sur au aux a of the and for on in".split()
)
_WORD = re.compile(r"[\wÀ-ÿ]+(?:['’-][\wÀ-ÿ]+)*")


def _plan_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, tuple[str, ...]] = {}
    for plan in PLANS:
        if plan.acronym:
            names[plan.acronym] = (plan.title, plan.period)
    return names


def _initials(word: str) -> str:
    """A word's initials as acronyms take them: "d'initiatives" -> "i",
    "Québec-Régions" -> "qr"; small words give none."""
    folded = fold(word)
    if folded in _SKIPPABLE:
        return ""
    folded = folded.split("'")[-1]
    return "".join(part[0] for part in folded.split("-") if part and part not in _SKIPPABLE)


def _spells(initials: str, letters: str) -> bool:
    """The initials start like the acronym and hold its letters in order, with at most
    one initial to spare ("analyse différenciée selon les sexes" spells ADS)."""
    if not initials or initials[0] != letters[:1] or len(initials) > len(letters) + 1:
        return False
    remaining = iter(initials)
    return all(letter in remaining for letter in letters)


def definition_before(text: str, acronym: str) -> str | None:
    """The words just before "(ACRONYM)" whose initials spell it, if any: the shortest run
    of words ending there whose significant words start with the acronym's letters."""
    words = _WORD.findall(text)[-_MAX_WORDS_BEFORE:]
    letters = fold(acronym).replace("-", "")
    for start in range(len(words) - 1, -1, -1):
        initials = "".join(_initials(word) for word in words[start:])
        if _spells(initials, letters) and _initials(words[start]):
            return " ".join(words[start:])
        if len(initials) > len(letters) + 1:
            return None
    return None


class AcronymExpansions:
    """Acronym -> the phrases it stands for, learned from the index's passages."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store
        # acronym -> document -> the definitions that document gives
        self._defined: DocumentMemo[list[str]] = DocumentMemo(store, self._definitions)
        self._plans = _plan_names()

    def expansions(self, acronym: str) -> tuple[str, ...]:
        key = acronym.upper()
        found = list(STAFF_GLOSSARY.get(key, ())) + list(self._plans.get(key, ()))
        for definitions in self._defined.by_document(key).values():
            found += [d for d in definitions if d not in found]
        return tuple(found)

    def _definitions(self, acronym: str, doc_ids: set[str] | None) -> dict[str, list[str]]:
        marker = f"({acronym})"
        by_document: dict[str, list[str]] = {}
        for doc_id, text in self._store.passages_containing(marker, _MAX_ROWS, doc_ids):
            for match in re.finditer(re.escape(marker), text):
                definition = definition_before(text[: match.start()], acronym)
                known = by_document.setdefault(doc_id, [])
                if definition and definition not in known:
                    known.append(definition)
        return by_document
