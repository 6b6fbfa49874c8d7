"""What people type after `sources` in chat, read into a `SourcesCommand`.

    sources                                   the documents (list)
    sources région:Estrie période:2019-2023   the list, filtered
    sources voir 3                            one document
    sources corriger 3 région:Outaouais période:2024-2029 titre:"Bilan 2024" url:https://…
    sources retirer 3
    sources aide

English works too: `sources show 3`, `sources correct 3 region:… period:… title:…`,
`sources remove 3`, `sources help`, `sources region:Estrie period:2019-2023`.

A field is `name:value` with no space before the colon. An unquoted value runs to the next
field (`titre:Bilan des Alliances 2024 région:Mauricie`); a value holding a `name:` of its
own goes in quotes ("…", «…», “…”). Only the syntax is checked here: values (is it a
region, a period, an address?) are checked by the source registry
(`knowledge.sources.normalize_changes`). Anything unreadable raises `SourceSyntaxError`,
whose text says, in French or in English, what is wrong and how to write it; nothing else
is ever raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.bilingual import say
from knowledge.folding import fold_key
from knowledge.metadata_fields import canonical_field

Action = Literal["list", "show", "correct", "remove", "help"]
Language = Literal["fr", "en"]

MAX_ARGUMENTS_CHARS = 4000

# Action words, folded (accents and case ignored) → (action, language).
_ACTIONS: dict[str, tuple[Action, Language]] = {
    "liste": ("list", "fr"), "lister": ("list", "fr"), "list": ("list", "en"),
    "voir": ("show", "fr"), "afficher": ("show", "fr"), "fiche": ("show", "fr"),
    "show": ("show", "en"), "view": ("show", "en"),
    "corriger": ("correct", "fr"), "modifier": ("correct", "fr"), "correction": ("correct", "fr"),
    "correct": ("correct", "en"), "fix": ("correct", "en"), "edit": ("correct", "en"),
    "retirer": ("remove", "fr"), "supprimer": ("remove", "fr"), "enlever": ("remove", "fr"),
    "remove": ("remove", "en"), "delete": ("remove", "en"),
    "aide": ("help", "fr"), "?": ("help", "fr"), "help": ("help", "en"),
}  # fmt: skip
# The list's filters: typed name (folded) → filter; and the names only English uses.
_FILTERS = {
    "region": "region", "regions": "region", "territoire": "region",
    "periode": "period", "periodes": "period", "period": "period", "periods": "period",
}  # fmt: skip
_ENGLISH_KEYS = {"period", "periods", "title", "link", "published", "kind"}
_NUMBER_PREFIXES = {"n°", "no", "no.", "numéro", "numero", "#", "number", "nº"}
# A field: a word right before a colon, at the start or after a space; not a web
# address's "https://".
_FIELD = re.compile(r"(?<!\S)([^\s:\"«“]+):(?!//)")
_QUOTES = {'"': '"', "«": "»", "“": "”"}
_WORDS = {"show": ("voir", "show"), "correct": ("corriger", "correct"),
          "remove": ("retirer", "remove")}  # fmt: skip


class SourceSyntaxError(ValueError):
    """A `sources` command that cannot be read; `text(language)` says why and how."""

    def __init__(self, french: str, english: str):
        self.french = french
        self.english = english
        super().__init__(french)

    def text(self, language: str = "fr") -> str:
        return say(language, self.french, self.english)


@dataclass(frozen=True)
class SourcesCommand:
    """A `sources` command read. `filters`: "region" / "period" → typed value (list);
    `changes`: canonical field name ("regions", "periods", "title", "url"…) → typed value
    (correct); `number`: the document's number (show, correct, remove)."""

    action: Action
    language: Language = "fr"
    number: int | None = None
    filters: dict[str, str] = field(default_factory=dict)
    changes: dict[str, str] = field(default_factory=dict)


def looks_like_sources_command(rest: str) -> bool:
    """Whether the text after `sources` is this command rather than a question ("sources de
    financement en Mauricie ?" is a question): nothing, an action word, or fields only."""
    rest = rest.strip()
    if not rest:
        return True
    first = rest.split(None, 1)[0]
    if fold_key(first) in _ACTIONS or first in _ACTIONS:
        return True
    return bool(_FIELD.match(rest)) and not rest.rstrip().endswith("?")


def parse_sources_command(arguments: str, language: Language = "fr") -> SourcesCommand:
    """Read what follows `sources`; raises SourceSyntaxError only."""
    text = " ".join(arguments.split())
    if len(text) > MAX_ARGUMENTS_CHARS:
        raise SourceSyntaxError(
            f"Commande trop longue (au plus {MAX_ARGUMENTS_CHARS} caractères).",
            f"Command too long (at most {MAX_ARGUMENTS_CHARS} characters).",
        )
    if not text:
        return SourcesCommand("list", language)
    first, _, rest = text.partition(" ")
    known = _ACTIONS.get(fold_key(first)) or _ACTIONS.get(first)
    if known is None:
        if _FIELD.match(text):
            return _list(text, language)
        raise SourceSyntaxError(
            f"Je ne comprends pas « {_shown(first)} ». Commandes : `sources`, "
            "`sources voir 3`, `sources corriger 3 région:Outaouais`, `sources retirer 3`, "
            "`sources aide`.",
            f"I do not understand “{_shown(first)}”. Commands: `sources`, `sources show 3`, "
            "`sources correct 3 region:Outaouais`, `sources remove 3`, `sources help`.",
        )
    action, language = known
    rest = rest.strip()
    if action == "help":
        return SourcesCommand("help", language)
    if action == "list":
        return _list(rest, language)
    number, rest = _number(rest, action)
    if action in ("show", "remove"):
        if rest:
            french, english = _WORDS[action]
            raise SourceSyntaxError(
                f"Après le numéro, rien d'autre n'est attendu : `sources {french} {number}`.",
                f"Nothing is expected after the number: `sources {english} {number}`.",
            )
        return SourcesCommand(action, language, number=number)
    changes = _correct_fields(rest, language)
    return SourcesCommand("correct", language, number=number, changes=changes)


def _list(text: str, language: Language) -> SourcesCommand:
    filters: dict[str, str] = {}
    for name, value in _fields(text, language, usage=_LIST_USAGE):
        key = fold_key(name)
        target = _FILTERS.get(key)
        if target is None:
            raise SourceSyntaxError(
                f"Filtre inconnu : « {_shown(name)} ». Filtres : région:… et période:…, par "
                "exemple `sources région:Mauricie période:2019-2023`.",
                f"Unknown filter: “{_shown(name)}”. Filters: region:… and period:…, e.g. "
                "`sources region:Mauricie period:2019-2023`.",
            )
        if target in filters:
            raise _twice(name)
        if key in _ENGLISH_KEYS:
            language = "en"
        filters[target] = value
    return SourcesCommand("list", language, filters=filters)


def _correct_fields(text: str, language: Language) -> dict[str, str]:
    if not text:
        raise SourceSyntaxError(
            "Rien à corriger. Exemple : `sources corriger 3 région:Outaouais "
            'période:2024-2029 titre:"Bilan 2024" url:https://exemple.org/bilan`.',
            "Nothing to correct. Example: `sources correct 3 region:Outaouais "
            'period:2024-2029 title:"2024 report" url:https://example.org/report`.',
        )
    changes: dict[str, str] = {}
    for name, value in _fields(text, language, usage=_CORRECT_USAGE):
        canonical = canonical_field(name)
        if canonical is None:
            raise SourceSyntaxError(
                f"Champ inconnu : « {_shown(name)} ». Champs modifiables : titre, url, date, "
                "période, région, plan, type. Exemple : `sources corriger 3 région:Outaouais`.",
                f"Unknown field: “{_shown(name)}”. Fields you can correct: title, url, date, "
                "period, region, plan, kind. Example: `sources correct 3 region:Outaouais`.",
            )
        if canonical in changes:
            raise _twice(name)
        changes[canonical] = value
    return changes


_LIST_USAGE = (
    "Les filtres s'écrivent `région:Mauricie` ou `période:2019-2023`, sans espace avant le "
    "deux-points.",
    "Filters are written `region:Mauricie` or `period:2019-2023`, with no space before the colon.",
)
_CORRECT_USAGE = (
    "Écrivez les champs sous la forme champ:valeur, sans espace avant le deux-points : "
    '`sources corriger 3 région:Outaouais titre:"Bilan 2024"`.',
    "Write the fields as name:value, with no space before the colon: "
    '`sources correct 3 region:Outaouais title:"2024 report"`.',
)


def _fields(text: str, language: Language, usage: tuple[str, str]) -> list[tuple[str, str]]:
    """(name, value) of each `name:value` of the text; the text must be fields only."""
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _FIELD.match(text, position)
        if match is None:
            stray = text[position:].split(" ", 1)[0]
            raise SourceSyntaxError(
                f"Je ne comprends pas « {_shown(stray)} ». {usage[0]}",
                f"I do not understand “{_shown(stray)}”. {usage[1]}",
            )
        name = match.group(1)
        value, position = _value(text, match.end(), name)
        if not value:
            raise SourceSyntaxError(
                f"Valeur manquante après « {_shown(name)}: ». {usage[0]}",
                f"Missing value after “{_shown(name)}:”. {usage[1]}",
            )
        found.append((name, value))
    return found


def _value(text: str, start: int, name: str) -> tuple[str, int]:
    """The value starting at `start` and where the next field may start."""
    while start < len(text) and text[start] == " ":
        start += 1
    opening = text[start : start + 1]
    if opening in _QUOTES:
        end = text.find(_QUOTES[opening], start + 1)
        if end < 0:
            raise SourceSyntaxError(
                f"Guillemet non fermé dans la valeur de « {_shown(name)} ».",
                f"Unclosed quote in the value of “{_shown(name)}”.",
            )
        after = end + 1
        if after < len(text) and not text[after].isspace():
            raise SourceSyntaxError(
                f"Laissez une espace après le guillemet fermant de « {_shown(name)} ».",
                f"Leave a space after the closing quote of “{_shown(name)}”.",
            )
        return text[start + 1 : end].strip(), after
    following = _FIELD.search(text, start)
    end = following.start() if following is not None else len(text)
    return text[start:end].strip(), end


def _number(rest: str, action: Action) -> tuple[int, str]:
    """The document's number at the start of `rest` ("3", "#3", "n° 3"), and what follows."""
    words = rest.split(" ")
    typed = words[0] if words and words[0] else ""
    used = 1
    if typed.lower() in _NUMBER_PREFIXES and len(words) > 1:
        typed, used = words[1], 2
    elif typed.lower().startswith(("n°", "nº", "#")):
        typed = typed.lstrip("#").removeprefix("n°").removeprefix("nº").removeprefix("N°")
    french, english = _WORDS.get(action, (action, action))
    if not (typed.isascii() and typed.isdecimal() and len(typed) <= 9 and int(typed) > 0):
        shown = f" (« {_shown(typed)} » n'en est pas un)" if typed else ""
        shown_en = f" (“{_shown(typed)}” is not one)" if typed else ""
        raise SourceSyntaxError(
            f"Donnez le numéro du document{shown} : `sources {french} 3`. La liste et les "
            "numéros : `sources`.",
            f"Give the document's number{shown_en}: `sources {english} 3`. The list and the "
            "numbers: `sources`.",
        )
    return int(typed), " ".join(words[used:]).strip()


def _twice(name: str) -> SourceSyntaxError:
    return SourceSyntaxError(
        f"« {_shown(name)} » est donné deux fois : gardez-en un seul.",
        f"“{_shown(name)}” is given twice: keep only one.",
    )


def _shown(text: str, limit: int = 60) -> str:
    """What the user typed, shortened and with no backquote, to be quoted in a message."""
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
