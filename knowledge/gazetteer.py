"""Places of Québec and the Alliance territory each lies in: the regions' own names, the
MRCs and equivalent territories, the main towns, and region numbers.

A document rarely says "Outaouais" as often as it names Gatineau, the MRC de Papineau or
"la région 07"; `find_places` finds all of these in a text and `regions_mentioned` counts
them per territory (canonical names of `knowledge.regions.TERRITORIES`; a region group
such as "Nord-du-Québec" counts under the group's name).

Matching is on folded text (no accents, no case, punctuation as spaces), whole words only.
An MRC is found as "MRC de/du/des/de la X" and, when its name is not also an ordinary word
or another place, as the bare name; a town as "Ville de X" and its bare name. Bare names of
MRCs and towns count only when written with a capital (`la tuque` is a hat, `La Tuque` a
town), acronyms (BSL, SLSJ) only in capitals, and a name inside a street or institution
name (`boulevard des Laurentides`, `Université Laval`) is not a place.

Administrative regions as of 2025: La Haute-Yamaska and Brome-Missisquoi belong to Estrie
(moved from Montérégie in 2021); Robert-Cliche is also found under its new name,
Beauce-Centre.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from knowledge.regions import REGION_GROUPS, REGION_NUMBER_PATTERN, TERRITORIES, region_numbers_in

# MRCs (and the regional county municipalities' equivalents run by a town are under TOWNS),
# by Alliance territory. A name in QUALIFIED_ONLY is found only as "MRC de …".
MRCS: dict[str, tuple[str, ...]] = {
    "Bas-Saint-Laurent": (
        "La Matapédia", "La Matanie", "La Mitis", "Rimouski-Neigette", "Les Basques",
        "Rivière-du-Loup", "Témiscouata", "Kamouraska",
    ),
    "Saguenay-Lac-Saint-Jean": (
        "Le Domaine-du-Roy", "Maria-Chapdelaine", "Lac-Saint-Jean-Est", "Le Fjord-du-Saguenay",
    ),
    "Capitale-Nationale": (
        "Charlevoix", "Charlevoix-Est", "La Côte-de-Beaupré", "La Jacques-Cartier",
        "L'Île-d'Orléans", "Portneuf",
    ),
    "Mauricie": ("Les Chenaux", "Maskinongé", "Mékinac"),
    "Estrie": (
        "Le Granit", "Les Sources", "Le Haut-Saint-François", "Le Val-Saint-François",
        "Coaticook", "Memphrémagog", "Brome-Missisquoi", "La Haute-Yamaska",
    ),
    "Outaouais": (
        "Papineau", "Les Collines-de-l'Outaouais", "La Vallée-de-la-Gatineau", "Pontiac",
    ),
    "Abitibi-Témiscamingue": ("Abitibi", "Abitibi-Ouest", "La Vallée-de-l'Or", "Témiscamingue"),
    "Côte-Nord": (
        "La Haute-Côte-Nord", "Manicouagan", "Sept-Rivières", "Caniapiscau", "Minganie",
        "Le Golfe-du-Saint-Laurent",
    ),
    "Gaspésie": (
        "La Haute-Gaspésie", "La Côte-de-Gaspé", "Le Rocher-Percé", "Bonaventure", "Avignon",
    ),
    "Chaudière-Appalaches": (
        "Beauce-Sartigan", "Bellechasse", "Les Appalaches", "La Nouvelle-Beauce",
        "Les Etchemins", "Lotbinière", "L'Islet", "Montmagny", "Robert-Cliche", "Beauce-Centre",
    ),
    "Lanaudière": (
        "D'Autray", "Joliette", "L'Assomption", "Les Moulins", "Matawinie", "Montcalm",
    ),
    "Laurentides": (
        "Antoine-Labelle", "Argenteuil", "Deux-Montagnes", "La Rivière-du-Nord",
        "Les Laurentides", "Les Pays-d'en-Haut", "Thérèse-De Blainville",
    ),
    "Montérégie": (
        "Acton", "Beauharnois-Salaberry", "Le Haut-Richelieu", "Le Haut-Saint-Laurent",
        "Les Jardins-de-Napierville", "Les Maskoutains", "Marguerite-D'Youville",
        "La Vallée-du-Richelieu", "Pierre-De Saurel", "Roussillon", "Rouville",
        "Vaudreuil-Soulanges",
    ),
    "Centre-du-Québec": ("Arthabaska", "Bécancour", "Drummond", "L'Érable", "Nicolet-Yamaska"),
}  # fmt: skip

# Towns, including those that are an MRC's equivalent (Lévis, Shawinigan, La Tuque…), and
# First Nations and Inuit communities. A name in QUALIFIED_ONLY needs "Ville de …".
TOWNS: dict[str, tuple[str, ...]] = {
    "Bas-Saint-Laurent": (
        "Rimouski", "Matane", "Amqui", "Mont-Joli", "Trois-Pistoles", "Témiscouata-sur-le-Lac",
        "La Pocatière", "Dégelis", "Pohénégamook", "Saint-Pascal", "Cacouna", "Sayabec",
        "Causapscal", "Pointe-au-Père",
    ),
    "Saguenay-Lac-Saint-Jean": (
        "Chicoutimi", "Jonquière", "Alma", "Roberval", "Dolbeau-Mistassini", "Saint-Félicien",
        "Normandin", "Mashteuiatsh", "Saint-Honoré", "Métabetchouan-Lac-à-la-Croix",
        "Saint-Prime", "Hébertville", "L'Anse-Saint-Jean", "Saint-Fulgence", "Girardville",
    ),
    "Capitale-Nationale": (
        "Québec", "Wendake", "Baie-Saint-Paul", "La Malbaie", "Saint-Raymond", "Donnacona",
        "L'Ancienne-Lorette", "Saint-Augustin-de-Desmaures", "Beaupré", "Château-Richer",
        "Sainte-Anne-de-Beaupré", "Stoneham-et-Tewkesbury", "Pont-Rouge",
        "Saint-Marc-des-Carrières", "Neuville", "Charlesbourg", "Beauport", "Sainte-Foy",
        "Limoilou", "Saint-Siméon", "L'Isle-aux-Coudres", "Les Éboulements",
        "Sainte-Catherine-de-la-Jacques-Cartier",
    ),
    "Mauricie": (
        "Shawinigan", "La Tuque", "Louiseville", "Saint-Tite", "Batiscan", "Wemotaci",
        "Opitciwan", "Cap-de-la-Madeleine", "Grand-Mère", "Yamachiche", "Haut-Saint-Maurice",
        "Sainte-Thècle", "Saint-Alexis-des-Monts",
    ),
    "Estrie": (
        "Magog", "Granby", "Cowansville", "Lac-Mégantic", "Val-des-Sources", "East Angus",
        "Bromont", "Valcourt", "Stanstead", "Lennoxville", "Farnham", "Lac-Brome", "Knowlton",
        "Rock Forest", "Fleurimont", "Cookshire-Eaton", "Weedon", "Compton", "Mansonville",
        "Potton", "North Hatley", "Danville",
    ),
    "Montréal": (
        "Dorval", "Pointe-Claire", "Westmount", "Kirkland", "Beaconsfield",
        "Dollard-des-Ormeaux", "Côte-Saint-Luc", "Montréal-Est", "Montréal-Nord", "Hampstead",
        "Baie-D'Urfé", "Sainte-Anne-de-Bellevue", "Hochelaga-Maisonneuve", "Rosemont",
        "Villeray", "Verdun", "LaSalle", "Lachine", "Anjou", "Outremont",
        "Pierrefonds-Roxboro", "Rivière-des-Prairies", "Ahuntsic", "Côte-des-Neiges",
    ),
    "Outaouais": (
        "Hull", "Aylmer", "Maniwaki", "Buckingham", "Masson-Angers", "Chelsea", "Cantley",
        "Val-des-Monts", "Shawville", "Thurso", "Montebello", "Papineauville", "Gracefield",
        "Wakefield", "La Pêche", "Kitigan Zibi", "Fort-Coulonge", "Saint-André-Avellin",
    ),
    "Abitibi-Témiscamingue": (
        "Rouyn-Noranda", "Val-d'Or", "Amos", "La Sarre", "Ville-Marie", "Malartic",
        "Senneterre", "Témiscaming", "Macamic", "Lorrainville", "Notre-Dame-du-Nord",
        "Barraute", "Lac-Simon", "Pikogan", "Kitcisakik", "Duparquet", "Palmarolle",
    ),
    "Côte-Nord": (
        "Baie-Comeau", "Sept-Îles", "Port-Cartier", "Fermont", "Havre-Saint-Pierre",
        "Forestville", "Les Escoumins", "Tadoussac", "Blanc-Sablon", "Natashquan", "Uashat",
        "Mani-utenam", "Pessamit", "Schefferville", "Kawawachikamach", "Basse-Côte-Nord",
        "Longue-Pointe-de-Mingan", "Chute-aux-Outardes", "Pointe-Lebel", "Ragueneau",
        "Godbout", "Baie-Trinité", "Essipit", "Unamen Shipu", "Ekuanitshit", "Nutashkuan",
        "Pakua Shipi",
    ),
    "Baie-James": (
        "Eeyou Istchee Baie-James", "Chibougamau", "Chapais", "Lebel-sur-Quévillon",
        "Matagami", "Radisson", "Valcanton", "Villebois", "Val-Paradis",
    ),
    "Nation crie": (
        "Chisasibi", "Mistissini", "Waskaganish", "Wemindji", "Eastmain", "Waswanipi",
        "Oujé-Bougoumou", "Nemaska", "Nemiscau", "Whapmagoostui", "Washaw Sibi",
    ),
    "Kativik": (
        "Kuujjuaq", "Inukjuak", "Puvirnituq", "Salluit", "Kuujjuarapik", "Kangiqsujuaq",
        "Ivujivik", "Akulivik", "Umiujaq", "Tasiujaq", "Aupaluk", "Kangirsuk", "Quaqtaq",
        "Kangiqsualujjuaq",
    ),
    "Gaspésie": (
        "Gaspé", "Sainte-Anne-des-Monts", "New Richmond", "Carleton-sur-Mer", "Paspébiac",
        "Grande-Rivière", "Murdochville", "Cap-Chat", "Pointe-à-la-Croix", "Listuguj",
        "Gesgapegiag", "Caplan", "Port-Daniel", "Mont-Louis", "Rivière-au-Renard",
        "Grande-Vallée", "Cloridorme", "Chandler", "Percé",
    ),
    "Îles-de-la-Madeleine": (
        "Cap-aux-Meules", "Havre-Aubert", "Grande-Entrée", "L'Étang-du-Nord",
        "Havre-aux-Maisons", "Grosse-Île",
    ),
    "Chaudière-Appalaches": (
        "Lévis", "Thetford Mines", "Beauceville", "Saint-Joseph-de-Beauce", "Lac-Etchemin",
        "Saint-Jean-Port-Joli", "Saint-Apollinaire", "Saint-Lambert-de-Lauzon", "Saint-Anselme",
        "Black Lake", "East Broughton", "Saint-Pamphile", "Saint-Prosper", "Vallée-Jonction",
        "Beauce", "Saint-Georges",
    ),
    "Laval": (
        "Chomedey", "Vimont", "Fabreville", "Laval-des-Rapides", "Pont-Viau", "Duvernay",
        "Laval-Ouest",
    ),
    "Lanaudière": (
        "Terrebonne", "Repentigny", "Mascouche", "Berthierville", "Rawdon",
        "Saint-Lin-Laurentides", "Lavaltrie", "Saint-Charles-Borromée",
        "Notre-Dame-des-Prairies", "Saint-Donat", "Saint-Michel-des-Saints", "Manawan",
        "Charlemagne", "Lachenaie", "Sainte-Julienne", "Crabtree", "L'Épiphanie",
    ),
    "Laurentides": (
        "Mirabel", "Saint-Jérôme", "Blainville", "Boisbriand", "Sainte-Thérèse",
        "Saint-Eustache", "Mont-Tremblant", "Sainte-Agathe-des-Monts", "Mont-Laurier",
        "Lachute", "Sainte-Adèle", "Saint-Sauveur", "Rosemère", "Bois-des-Filion",
        "Sainte-Anne-des-Plaines", "Saint-Colomban", "Prévost", "Val-David",
        "Brownsburg-Chatham", "Kanesatake", "Pointe-Calumet", "Sainte-Marthe-sur-le-Lac",
        "Saint-Joseph-du-Lac", "Rivière-Rouge", "Ferme-Neuve", "Morin-Heights",
        "Sainte-Sophie", "Saint-Hippolyte", "Val-Morin",
    ),
    "Montérégie": (
        "Longueuil", "Saint-Jean-sur-Richelieu", "Brossard", "Saint-Hyacinthe", "Châteauguay",
        "Vaudreuil-Dorion", "Salaberry-de-Valleyfield", "Valleyfield", "Sorel-Tracy",
        "Boucherville", "Chambly", "Beloeil", "Saint-Bruno-de-Montarville", "Candiac",
        "Varennes", "Kahnawake", "Akwesasne", "Saint-Constant", "Sainte-Julie",
        "Mont-Saint-Hilaire", "Otterburn Park", "Marieville", "Huntingdon", "Beauharnois",
        "Napierville", "Delson", "Acton Vale", "Saint-Rémi", "Contrecoeur", "Carignan",
        "Saint-Basile-le-Grand", "McMasterville", "Rigaud", "Coteau-du-Lac", "Pincourt",
        "L'Île-Perrot", "Saint-Lazare", "La Prairie", "Saint-Césaire", "Saint-Lambert",
    ),
    "Centre-du-Québec": (
        "Drummondville", "Victoriaville", "Nicolet", "Plessisville", "Princeville",
        "Daveluyville", "Saint-Léonard-d'Aston", "Odanak", "Wôlinak", "Kingsey Falls",
        "Saint-Cyrille-de-Wendover", "Gentilly", "Pierreville", "Saint-Germain-de-Grantham",
        "Tingwick", "Lyster", "Laurierville",
    ),
}  # fmt: skip

# Names that are also ordinary words, people, other places or the province: found only
# after "MRC de" / "Ville de" ("les sources", "Papineau", "Québec", "Avignon").
QUALIFIED_ONLY: frozenset[str] = frozenset(
    {
        "Les Basques", "La Jacques-Cartier", "Les Chenaux", "Le Granit", "Les Sources",
        "Papineau", "Le Golfe-du-Saint-Laurent", "Bonaventure", "Avignon", "Les Appalaches",
        "L'Islet", "Robert-Cliche", "L'Assomption", "Les Moulins", "Montcalm", "Acton",
        "Marguerite-D'Youville", "Pierre-De Saurel", "Drummond", "L'Érable", "Québec",
        "Chandler", "Percé", "Saint-Georges", "Saint-Lambert", "Beauce",
    }
)  # fmt: skip

# English names of territories, as English documents write them.
ENGLISH_NAMES: dict[str, tuple[str, ...]] = {
    "Bas-Saint-Laurent": ("Lower St. Lawrence", "Lower Saint Lawrence"),
    "Capitale-Nationale": ("Quebec City", "Québec City"),
    "Estrie": ("Eastern Townships",),
    "Laurentides": ("Laurentians",),
    "Gaspésie": ("Gaspé Peninsula", "Gaspe Peninsula"),
    "Îles-de-la-Madeleine": ("Magdalen Islands",),
    "Centre-du-Québec": ("Centre-du-Quebec",),
}

# Territory aliases of `knowledge.regions` that name something else in a document
# ("Premières Nations" is a people, not the CSSSPNQL; "Cris", "crie", "Îles" likewise).
_IGNORED_ALIASES: frozenset[str] = frozenset(
    {"Québec (région)", "Premières Nations", "First Nations", "Cris", "crie", "Îles", "AT", "CN",
     "C-A", "Mtl"}
)  # fmt: skip

# A place name right after one of these words is part of a street or an institution.
_NOT_A_PLACE_BEFORE = re.compile(
    r"(?:^|\s)(?:rue|boulevard|boul|avenue|av|chemin|route|autoroute|rang|pont|universite"
    r"|college|cegep|ecole|hopital|station|metro|promenade|place)"
    r"(?: +(?:de|du|des|d))?(?: +(?:la|le|les|l))? +$"
)
_LOOK_BACK = 40
_ARTICLES = ("la ", "le ", "les ", "l ")


@dataclass(frozen=True)
class Place:
    """One place found in a text: the words found, the territory (or region group) it lies
    in, its kind ("territoire", "region", "mrc", "ville", "numero") and where it is."""

    text: str
    territory: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    territory: str
    kind: str
    bare: bool  # found without "MRC de" / "Ville de"
    capital: bool  # a bare match must start with a capital letter
    acronym: bool  # a bare match must be in capitals


_FOLDED: dict[int, str] = {}  # code point → its folded character, filled as met


def fold_positions(text: str) -> str:
    """Lower case without accents, every other character a space: same length as `text`,
    so that a match's span is the span of the original words."""
    table = _FOLDED
    out: list[str] = []
    for ch in text:
        folded = table.get(ord(ch))
        if folded is None:
            base = unicodedata.normalize("NFKD", ch)[:1].lower()[:1] or " "
            folded = base if base.isascii() and base.isalnum() else " "
            table[ord(ch)] = folded
        out.append(folded)
    return "".join(out)


def _key(name: str) -> str:
    """The folded words of a name, single-spaced, "St-" read as "Saint-"."""
    words = fold_positions(name).split()
    return " ".join({"st": "saint", "ste": "sainte"}.get(word, word) for word in words)


def _core(key: str) -> str:
    """The name without its leading article ("la vallee de l or" → "vallee de l or")."""
    for article in _ARTICLES:
        if key.startswith(article) and len(key) > len(article) + 3:
            return key[len(article) :]
    return key


@cache
def _entries() -> tuple[dict[str, _Entry], dict[str, _Entry], dict[str, _Entry]]:
    """Folded name → entry, for territory names, MRC names and town names."""
    territories: dict[str, _Entry] = {}
    for territory in TERRITORIES:
        for name in (territory.name, *territory.aliases):
            if name in _IGNORED_ALIASES:
                continue
            acronym = name.isupper() and len(name) <= 8
            entry = _Entry(territory.name, "territoire", True, False, acronym)
            territories.setdefault(_key(name), entry)
    for name, english in ENGLISH_NAMES.items():
        for alias in english:
            territories.setdefault(_key(alias), _Entry(name, "territoire", True, True, False))
    territories.setdefault(
        _key("Northern Quebec"), _Entry("Nord-du-Québec", "region", True, True, False)
    )
    for group in REGION_GROUPS:
        territories[_key(group)] = _Entry(group, "region", True, False, False)
    mrcs = {
        _core(_key(name)): _Entry(territory, "mrc", name not in QUALIFIED_ONLY, True, False)
        for territory, names in MRCS.items()
        for name in names
    }
    towns = {
        _core(_key(name)): _Entry(territory, "ville", name not in QUALIFIED_ONLY, True, False)
        for territory, names in TOWNS.items()
        for name in names
    }
    return territories, mrcs, towns


def _alternation(keys: list[str]) -> str:
    """A regex alternation of folded names, longest first, spaces as runs of spaces and
    "saint"/"sainte" also as "st"/"ste"."""

    def word(w: str) -> str:
        return {"saint": "(?:saint|st)", "sainte": "(?:sainte|ste)"}.get(w, re.escape(w))

    ordered = sorted(set(keys), key=len, reverse=True)
    return "|".join(" +".join(word(w) for w in key.split()) for key in ordered)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    territories, mrcs, towns = _entries()
    articles = r"(?: +(?:la|le|les|l))?"
    mrc = re.compile(
        r"(?<![a-z0-9])(?:mrc|m r c|municipalite regionale de comte)(?: +(?:de|du|des|d))?"
        + articles
        + rf" +({_alternation(list(mrcs))})(?![a-z0-9])"
    )
    town = re.compile(
        r"(?<![a-z0-9])(?:ville|agglomeration|municipalite) +(?:de|d)"
        + articles
        + rf" +({_alternation(list(towns))})(?![a-z0-9])"
    )
    bare_keys = [k for k, e in {**towns, **mrcs, **territories}.items() if e.bare]
    bare = re.compile(rf"(?<![a-z0-9])({_alternation(bare_keys)})(?![a-z0-9])")
    number = re.compile(REGION_NUMBER_PATTERN.replace(" ", " +"))
    return mrc, town, bare, number


def find_places(text: str) -> list[Place]:
    """Every place of the gazetteer named in the text, in order of appearance."""
    folded = fold_positions(text)
    territories, mrcs, towns = _entries()
    mrc_pattern, town_pattern, bare_pattern, number_pattern = _patterns()
    places: list[Place] = []
    for pattern, table in ((mrc_pattern, mrcs), (town_pattern, towns)):
        for match in pattern.finditer(folded):
            entry = table[_key(match.group(1))]
            places.append(_place(text, match.start(), match.end(), entry))
    for start, end, name in region_numbers_in(folded, number_pattern):
        kind = "region" if name in REGION_GROUPS else "numero"
        places.append(Place(text[start:end], name, kind, start, end))
    taken = [(p.start, p.end) for p in places]
    for match in bare_pattern.finditer(folded):
        start, end = match.span(1)
        if any(a < end and start < b for a, b in taken):
            continue
        key = _key(match.group(1))
        entry = territories.get(key) or mrcs.get(key) or towns.get(key)
        if entry is None or not _bare_allowed(text, folded, start, end, entry):
            continue
        places.append(_place(text, start, end, entry))
    return sorted(places, key=lambda place: place.start)


def _place(text: str, start: int, end: int, entry: _Entry) -> Place:
    return Place(text[start:end], entry.territory, entry.kind, start, end)


def _bare_allowed(text: str, folded: str, start: int, end: int, entry: _Entry) -> bool:
    written = text[start:end]
    if entry.acronym and not written.replace("-", "").isupper():
        return False
    if entry.capital and not written[:1].isupper():
        return False
    return not _NOT_A_PLACE_BEFORE.search(folded[max(0, start - _LOOK_BACK) : start])


def regions_mentioned(text: str) -> Counter[str]:
    """How many times the text names each territory (or region group), through any of its
    places."""
    return Counter(place.territory for place in find_places(text))


def territory_of_place(name: str) -> str | None:
    """The territory of a place name typed alone ("MRC de Joliette", "Gatineau", "07")."""
    places = find_places(name)
    if places and len({place.territory for place in places}) == 1:
        return places[0].territory
    key = _key(name)
    territories, mrcs, towns = _entries()
    for table in (territories, mrcs, towns):
        entry = table.get(key) or table.get(_core(key))
        if entry is not None:
            return entry.territory
    return None
