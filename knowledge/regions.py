"""Québec's regions and the other Alliance signatories, with the names staff type.

An Alliance territory is what the ministry signed an Alliance with: an administrative
region, a part of Nord-du-Québec, or the CSSSPNQL (First Nations). Filters and the
project commands resolve what a user typed through `resolve_region`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from knowledge.folding import fold, fold_key


@dataclass(frozen=True)
class Territory:
    """One Alliance territory; `region` is the administrative region it lies in."""

    name: str
    region: str
    code: str
    aliases: tuple[str, ...] = field(default=())


TERRITORIES: tuple[Territory, ...] = (
    Territory("Bas-Saint-Laurent", "Bas-Saint-Laurent", "01", ("BSL", "Bas St-Laurent")),
    Territory(
        "Saguenay-Lac-Saint-Jean",
        "Saguenay-Lac-Saint-Jean",
        "02",
        ("SLSJ", "Saguenay", "Lac-Saint-Jean", "Saguenay Lac St-Jean", "Sag-Lac"),
    ),
    Territory("Capitale-Nationale", "Capitale-Nationale", "03", ("Québec (région)", "CapNat")),
    Territory("Mauricie", "Mauricie", "04", ("Trois-Rivières",)),
    Territory("Estrie", "Estrie", "05", ("Sherbrooke", "Cantons-de-l'Est")),
    Territory("Montréal", "Montréal", "06", ("Mtl", "Ville de Montréal")),
    Territory("Outaouais", "Outaouais", "07", ("Gatineau",)),
    Territory("Abitibi-Témiscamingue", "Abitibi-Témiscamingue", "08", ("AT", "Abitibi")),
    Territory("Côte-Nord", "Côte-Nord", "09", ("CN", "Cote Nord")),
    Territory("Baie-James", "Nord-du-Québec", "10", ("Nord-du-Québec / Baie-James", "Jamésie")),
    Territory(
        "Nation crie",
        "Nord-du-Québec",
        "10",
        ("Gouvernement de la nation crie", "Eeyou Istchee", "Cris", "crie"),
    ),
    Territory(
        "Kativik", "Nord-du-Québec", "10", ("Administration régionale Kativik", "Nunavik", "ARK")
    ),
    Territory("Gaspésie", "Gaspésie-Îles-de-la-Madeleine", "11", ("Gaspesie", "GIM")),
    Territory(
        "Îles-de-la-Madeleine",
        "Gaspésie-Îles-de-la-Madeleine",
        "11",
        ("Îles", "Iles de la Madeleine", "IDLM"),
    ),
    Territory("Chaudière-Appalaches", "Chaudière-Appalaches", "12", ("C-A", "Chaudiere")),
    Territory("Laval", "Laval", "13", ()),
    Territory("Lanaudière", "Lanaudière", "14", ()),
    Territory("Laurentides", "Laurentides", "15", ()),
    Territory("Montérégie", "Montérégie", "16", ("Monteregie",)),
    Territory("Centre-du-Québec", "Centre-du-Québec", "17", ("CDQ", "Centre du Québec")),
    Territory(
        "CSSSPNQL",
        "Premières Nations",
        "PN",
        (
            "Commission de la santé et des services sociaux des Premières Nations du Québec "
            "et du Labrador",
            "Premières Nations",
            "First Nations",
        ),
    ),
)

# Names of administrative regions that group several territories.
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "Nord-du-Québec": ("Baie-James", "Nation crie", "Kativik"),
    "Gaspésie-Îles-de-la-Madeleine": ("Gaspésie", "Îles-de-la-Madeleine"),
}

# Other Canadian provinces and territories: a question about them is outside the corpus.
OTHER_PROVINCES: tuple[str, ...] = (
    "Ontario", "Nouveau-Brunswick", "New Brunswick", "Nouvelle-Écosse", "Nova Scotia",
    "Manitoba", "Saskatchewan", "Alberta", "Colombie-Britannique", "British Columbia",
    "Île-du-Prince-Édouard", "Prince Edward Island", "Terre-Neuve", "Newfoundland",
    "Yukon", "Nunavut", "Territoires du Nord-Ouest", "Northwest Territories",
)


class UnknownRegionError(ValueError):
    """Raised for a region name we cannot resolve; carries the closest valid names."""

    def __init__(self, typed: str, suggestions: list[str]):
        self.typed = typed
        self.suggestions = suggestions
        hint = f" Vouliez-vous dire : {', '.join(suggestions)} ?" if suggestions else ""
        super().__init__(f"Région inconnue : « {typed} ».{hint}")


def _names_by_key() -> dict[str, str]:
    keys: dict[str, str] = {}
    for territory in TERRITORIES:
        for name in (territory.name, territory.region, *territory.aliases):
            keys.setdefault(fold_key(name), territory.name)
    for group in REGION_GROUPS:
        keys[fold_key(group)] = group
    return keys


_BY_KEY = _names_by_key()
# Short aliases ("AT", "CN", "Îles") are matched only as whole words, so they do not fire
# inside ordinary words of a sentence.
_SHORT_ALIAS_LENGTH = 4


def territory_names() -> list[str]:
    """Canonical names of every Alliance territory, in the ministry's order."""
    return [territory.name for territory in TERRITORIES]


def territories_in(name: str) -> tuple[str, ...]:
    """The territories a canonical name covers: itself, or every part of a group."""
    return REGION_GROUPS.get(name, (name,))


def resolve_region(typed: str) -> str:
    """Canonical territory (or region group) name for what a user typed.

    Raises UnknownRegionError with the closest valid names when nothing matches.
    """
    key = fold_key(typed)
    if key in _BY_KEY:
        return _BY_KEY[key]
    raise UnknownRegionError(typed, suggest_regions(typed))


def suggest_regions(typed: str, limit: int = 3) -> list[str]:
    """Closest canonical names to a misspelt region, best first."""
    choices = {key: name for key, name in _BY_KEY.items() if len(key) > 3}
    matches = process.extract(fold_key(typed), list(choices), scorer=fuzz.WRatio, limit=limit * 3)
    suggestions: list[str] = []
    for key, score, _ in matches:
        name = choices[key]
        if score >= 60 and name not in suggestions:
            suggestions.append(name)
    return suggestions[:limit]


def find_regions_in_text(text: str) -> list[str]:
    """Canonical names of the territories mentioned in free text, in order of appearance.

    A region number counts only next to the word that makes it one: "région 07",
    "l'Alliance 02", "APS 04" (a bare "02" is not a region)."""
    folded = f" {fold_key(text)} "
    found: list[tuple[int, str]] = []
    for key, name in _BY_KEY.items():
        position = folded.find(f" {key} ")
        if position < 0 or name in [n for _, n in found]:
            continue
        if len(key) <= _SHORT_ALIAS_LENGTH and not _is_short_alias_in(text, key):
            continue
        found.append((position, name))
    for position, _, name in region_numbers_in(folded):
        if name not in [n for _, n in found]:
            found.append((position, name))
    found.sort()
    # "Nord-du-Québec / Baie-James" mentions both the group and a part: keep the part.
    names = [name for _, name in found]
    return [n for n in names if not (n in REGION_GROUPS and set(REGION_GROUPS[n]) & set(names))]


# "région 07", "région administrative 07", "l'Alliance 02", "Alliance régionale pour la
# solidarité 02", "APS 04", "région no 7"; on folded keys ("l'Alliance" is "l alliance").
# A number that counts something ("l'Alliance 10 ans plus tard") is not a region.
REGION_NUMBER_PATTERN = (
    r"(?<![a-z0-9])(?:region(?: administrative)?|alliance(?: regionale)?(?: pour la solidarite)?"
    r"|aps)(?: (?:no|n|numero))? (0?[1-9]|1[0-7])(?![0-9])"
    r"(?! (?:ans?|annees?|mois|jours?|projets?|organismes?|personnes?|millions?|milliers?"
    r"|mille|fois|membres?|partenaires?|mrc|municipalites?|territoires?|regions?|alliances?"
    r"|initiatives?|[0-9]))"
)
_REGION_NUMBER = re.compile(REGION_NUMBER_PATTERN)


def _territories_by_code() -> dict[str, str]:
    """Region code → canonical name: the territory, or the group of a code shared by
    several territories (10: Nord-du-Québec, 11: Gaspésie-Îles-de-la-Madeleine)."""
    by_code: dict[str, list[str]] = {}
    for territory in TERRITORIES:
        if territory.code.isdigit():
            by_code.setdefault(territory.code, []).append(territory.name)
    names: dict[str, str] = {}
    for code, members in by_code.items():
        group = next((g for g, parts in REGION_GROUPS.items() if set(parts) == set(members)), None)
        names[code] = members[0] if len(members) == 1 else group or members[0]
    return names


_BY_CODE = _territories_by_code()


def territory_for_code(code: str) -> str | None:
    """The canonical name a region number stands for ("07" or "7" → "Outaouais")."""
    return _BY_CODE.get(code.strip().zfill(2))


def region_numbers_in(
    folded_key: str, pattern: re.Pattern[str] = _REGION_NUMBER
) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of each region number in a `fold_key` text."""
    found: list[tuple[int, int, str]] = []
    for match in pattern.finditer(folded_key):
        name = territory_for_code(match.group(1))
        if name:
            found.append((match.start(), match.end(), name))
    return found


def _capitals_only(alias: str) -> bool:
    """Two-letter acronyms count only in capitals ("AT" is not "at"). Longer ones count in
    any case, since chat types them in lowercase ("bsl", "slsj", "gim"); of them only
    "ark" (Kativik) is also an English word, rare in questions about the Alliances."""
    return alias.isupper() and len(fold_key(alias).replace(" ", "")) <= 2


def _short_alias_patterns() -> dict[str, list[re.Pattern[str]]]:
    """Folded short alias → how it must appear: in capitals for two-letter acronyms
    ("CN"), as a whole word otherwise. Compiled once: this runs on every question."""
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for territory in TERRITORIES:
        for alias in territory.aliases:
            key = fold_key(alias)
            if len(key) > _SHORT_ALIAS_LENGTH:
                continue
            capitals = _capitals_only(alias)
            word = alias if capitals else key
            flags = 0 if capitals else re.IGNORECASE
            patterns.setdefault(key, []).append(
                re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", flags)
            )
    return patterns


_SHORT_ALIASES = _short_alias_patterns()


def _is_short_alias_in(text: str, key: str) -> bool:
    """Short aliases count only when typed as a word; two-letter acronyms only in capitals."""
    patterns = _SHORT_ALIASES.get(key)
    if not patterns:
        return True  # a short canonical name ("Laval" is 5 letters; none is shorter)
    folded = fold(text)  # hyphens kept: "Sept-Îles" does not name the Îles
    return any(p.search(text) if not p.flags & re.IGNORECASE else p.search(folded)
               for p in patterns)


def replace_aliases(text: str) -> str:
    """The text with short aliases typed for a territory ("BSL", "SLSJ", "mtl", "CN")
    replaced by the territory's canonical name."""
    for territory in TERRITORIES:
        for alias in territory.aliases:
            if len(fold_key(alias)) > _SHORT_ALIAS_LENGTH or not _is_short_alias_in(
                text, fold_key(alias)
            ):
                continue
            flags = 0 if _capitals_only(alias) else re.IGNORECASE
            text = re.sub(
                rf"(?<![\w-]){re.escape(alias)}(?![\w-])", territory.name, text, flags=flags
            )
    return text


def mentions_other_province(text: str) -> str | None:
    """The first other Canadian province named in the text, if any."""
    folded = f" {fold_key(text)} "
    for province in OTHER_PROVINCES:
        if f" {fold_key(province)} " in folded:
            return province
    return None
