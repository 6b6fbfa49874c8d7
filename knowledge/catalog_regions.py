"""Territory names in headings and sentences, fast enough to ask of every clause.

Same answers as `knowledge.regions` (exact names and aliases, folded); the difference is
speed: a text that names no territory at all is recognised by a cheap word look-up before
`find_regions_in_text` runs, and an unknown heading costs no fuzzy suggestions.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.folding import fold_key
from knowledge.regions import REGION_GROUPS, TERRITORIES, find_regions_in_text

_CANONICAL: dict[str, str] = {}
for _territory in TERRITORIES:
    for _name in (_territory.name, _territory.region, *_territory.aliases):
        _CANONICAL.setdefault(fold_key(_name), _territory.name)
for _group in REGION_GROUPS:
    _CANONICAL[fold_key(_group)] = _group
_KEYS = tuple(_CANONICAL)


def canonical_name(text: str) -> str | None:
    """The territory or region group a whole text names exactly ("BSL", "cote nord")."""
    return _CANONICAL.get(fold_key(text))


@lru_cache(maxsize=4096)
def regions_in(text: str) -> tuple[str, ...]:
    """Territories (and groups) a text mentions, in order, as `find_regions_in_text`."""
    folded = f" {fold_key(text)} "
    if not any(f" {key} " in folded for key in _KEYS):
        return ()
    return tuple(find_regions_in_text(text))


def territories_in_text(text: str) -> tuple[str, ...]:
    """The territories a text mentions, groups left out (a group's part is more precise)."""
    return tuple(name for name in regions_in(text) if name not in REGION_GROUPS)


def territory_of_heading(heading: str) -> str | None:
    """The canonical territory (or group) a section heading names, if any."""
    if not heading or len(heading) > 100:
        return None
    exact = canonical_name(heading)
    if exact:
        return exact
    named = territories_in_text(heading)
    return named[0] if len(named) == 1 else None
