"""Restoring the apostrophes that PDF and web conversions drop from French elisions.

Converted documents often read `lexclusion`, `daction`, `cest`, `Quest-ce` or
`lAdministration` where the source had `l'exclusion`, `d'action`, `c'est`, `Qu'est-ce`,
`l'Administration`. A token is repaired only when it is not itself a French word and
splits into an elision prefix (`l`, `d`, `qu`, `c`, `n`, `s`, `j`, `m`, `t`, `jusqu`,
`lorsqu`, `puisqu`, `quoiqu`) and a rest beginning with a vowel or `h` that is a
French word (pyspellchecker's French dictionary) or a word the document itself uses.
So `dans`, `dont`, `lui`, `les`, `des`, `cette`, `donc` and `lutte` are left alone,
while `dune` is read as `d'une` (the noun "dune" is far rarer in this domain than the
article; see `ELIDED_DESPITE_BEING_WORDS`).

Capitalised tokens are treated with care, since they are often names (`Laval` is
`L` + `aval`, `Josée` is `J` + `osée`): a capitalised token is repaired only where a
sentence could start (line start, after punctuation or an upper-case word), never when
it is a territory name from `knowledge.regions`, never when the document also uses it
after an ordinary word, and never when a capitalised word follows it (a first name).
The inserted apostrophe is the ASCII one; typographic apostrophes already in the text
are kept as they are. Web and e-mail addresses are never touched
(`…/fonds-quebecois-dinitiatives-sociales` stays as it is).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import cache

from knowledge.addresses import address_spans
from knowledge.folding import fold_key
from knowledge.regions import REGION_GROUPS, TERRITORIES

# Longest first, so that "qu" wins over "q" and "jusqu" over "j".
ELISION_PREFIXES: tuple[str, ...] = (
    "jusqu",
    "lorsqu",
    "puisqu",
    "quoiqu",
    "qu",
    "l",
    "d",
    "c",
    "j",
    "m",
    "n",
    "s",
    "t",
)

# Real words whose elided reading is the one these documents mean.
ELIDED_DESPITE_BEING_WORDS: frozenset[str] = frozenset({"dune"})

_VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüyÿhœæ")
_TOKEN = re.compile(r"[^\W\d_]+")
_APOSTROPHES = "'’‘`´ʼ"
# An all-capitals token shorter than this is taken for an acronym (NAS, SOS), not an elision.
_MIN_UPPER_LENGTH = 4
# How far back (in characters) to look for the word before a token.
_LOOK_BACK = 60


@cache
def french_words() -> frozenset[str]:
    """The lower-case French word list (pyspellchecker's French frequency dictionary)."""
    try:
        from spellchecker import SpellChecker
    except ImportError as exc:  # pragma: no cover - the dependency is declared
        raise RuntimeError(
            "Le dictionnaire français est introuvable : installez le paquet pyspellchecker."
        ) from exc
    dictionary = SpellChecker(language="fr", distance=1).word_frequency.dictionary
    return frozenset(dictionary)


def is_french_word(word: str) -> bool:
    """Whether a word (any case, `œ` or `oe`) is in the French word list."""
    lowered = word.lower()
    words = french_words()
    return lowered in words or lowered.replace("œ", "oe").replace("æ", "ae") in words


@cache
def _territory_words() -> frozenset[str]:
    names: list[str] = list(REGION_GROUPS)
    for territory in TERRITORIES:
        names.extend((territory.name, territory.region, *territory.aliases))
    return frozenset(word for name in names for word in fold_key(name).split())


def document_vocabulary(text: str) -> frozenset[str]:
    """Lower-case words the text uses on their own (after an apostrophe counts too)."""
    return frozenset(match.group(0).lower() for match in _TOKEN.finditer(text))


def split_elision(token: str, vocabulary: Iterable[str] = ()) -> tuple[str, str] | None:
    """(prefix, rest) when `token` is an elision that lost its apostrophe, else None.

    Context is not considered here: see `restore_elisions` for capitalised tokens.
    """
    known = vocabulary if isinstance(vocabulary, (set, frozenset)) else frozenset(vocabulary)
    lowered = token.lower()
    camel = token[:1].islower() and any(ch.isupper() for ch in token[1:])
    if token.isupper() and len(token) < _MIN_UPPER_LENGTH:
        return None
    if not camel and lowered not in ELIDED_DESPITE_BEING_WORDS and is_french_word(lowered):
        return None
    for prefix in ELISION_PREFIXES:
        if not lowered.startswith(prefix) or len(lowered) <= len(prefix):
            continue
        rest = token[len(prefix) :]
        if rest[0].lower() not in _VOWELS:
            return None
        if prefix == "c" and rest[0].lower() not in "eé":
            return None  # c' only before "est", "était", "en"
        if camel:
            # "lAdministration", "lAFQM", "dEastmain": lower-case prefix, capital rest.
            if not token[: len(prefix)].islower() or not rest[0].isupper():
                return None
            if not (rest.isupper() and len(rest) >= 2) and not (
                is_french_word(rest) or rest.lower() in known or len(rest) >= 3
            ):
                return None
            return token[: len(prefix)], rest
        if is_french_word(rest) or rest.lower() in known:
            return token[: len(prefix)], rest
        return None
    return None


def restore_elisions(text: str, vocabulary: Iterable[str] | None = None) -> str:
    """Insert the missing apostrophe in elided tokens (`lexclusion` -> `l'exclusion`).

    `vocabulary` is the document's own word list (defaults to the words of `text`).
    """
    known = document_vocabulary(text) if vocabulary is None else frozenset(vocabulary)
    protected = _capitalised_names(text)
    addresses = address_spans(text)
    pieces: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        start, end = match.span()
        if _touches_apostrophe(text, start, end) or _inside(addresses, start):
            continue
        split = split_elision(token, known)
        if split is None:
            continue
        if _is_capitalised(token) and not _may_start_sentence(text, start, end, protected):
            continue
        prefix, rest = split
        pieces.append(text[last:start])
        pieces.append(f"{prefix}'{rest}")
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` falls in one of the sorted (start, end) spans."""
    index = bisect_right(spans, (position, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _touches_apostrophe(text: str, start: int, end: int) -> bool:
    """Tokens glued to an apostrophe, or parts of an address (`gouv.qc.ca`, `a@b`)."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    after_next = text[end + 1] if end + 1 < len(text) else ""
    if (before and before in _APOSTROPHES) or (after and after in _APOSTROPHES):
        return True
    before_previous = text[start - 2] if start > 1 else ""
    if (before and before in "/@_\\#=&?~%+") or (after and after in "/@_\\=&?~%+"):
        return True
    if before and before in ".:" and before_previous.isalnum():
        return True  # `gouv.qc.ca`, `https:x`
    if not after or after not in ".:" or not after_next:
        return False
    return after_next.isalnum() or after_next in "/_-"


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and not token.isupper()


def _previous_token(text: str, start: int) -> str:
    """The non-space run just before `start` on the same line ('' at a line start)."""
    line_start = text.rfind("\n", max(0, start - _LOOK_BACK), start) + 1
    words = text[max(line_start, start - _LOOK_BACK) : start].split()
    return words[-1] if words else ""


def _blocks_capital(previous: str) -> bool:
    """True when `previous` shows we are inside a sentence (a name then, not an elision)."""
    if not previous:
        return False
    if previous.endswith(","):
        return True
    return any(ch.islower() for ch in previous) and previous[-1].isalpha()


def _capitalised_names(text: str) -> frozenset[str]:
    """Capitalised tokens the text uses inside a sentence or before another capital."""
    names: set[str] = set()
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if not _is_capitalised(token):
            continue
        if _blocks_capital(_previous_token(text, match.start())):
            names.add(token)
    return frozenset(names)


def _may_start_sentence(text: str, start: int, end: int, protected: frozenset[str]) -> bool:
    token = text[start:end]
    if token in protected or fold_key(token) in _territory_words():
        return False
    if _blocks_capital(_previous_token(text, start)):
        return False
    following = text[end:].split("\n", 1)[0].lstrip(" ")
    next_word = _TOKEN.match(following)
    return not (next_word and next_word.start() == 0 and _is_capitalised(next_word.group(0)))
