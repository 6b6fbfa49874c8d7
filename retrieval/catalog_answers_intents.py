"""What a question asks the catalog: the entities it names and the intents its words show.

French, English and chat style (no accents, abbreviations): everything is matched on
folded text (`knowledge.folding`), territories through `knowledge.regions` and plans
through `knowledge.catalog_plans`. Parsing never guesses: it reports what is there, and
what is there but unknown (a place the catalog does not know, another province, a year
range that is no plan), so the answerer can decline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.amounts import find_amounts
from knowledge.catalog_plans import PLANS, find_plans_in_text, normalize_period
from knowledge.catalog_queries import normalize_measure_number
from knowledge.catalog_regions import canonical_name, regions_in
from knowledge.folding import fold, fold_key
from knowledge.regions import TERRITORIES, mentions_other_province


def _cue(patterns: str) -> re.Pattern[str]:
    """Alternatives ("a|b|c") matched as whole words on fold_key text (lower case, no
    accents, words and single spaces)."""
    return re.compile(r"\b(?:" + patterns + r")\b")


MANDATAIRE = _cue(r"mandataires?|mandatary|mandataries|gestionnaires?|trustees?|fiduciaires?")
MANAGE = _cue(
    r"gere|gerent|gerer|gestion|administre|administrent|pilote|pilotent|s occupe|coordonne"
    r"|responsable|en charge|manages?|managed|managing|runs?|administers|handles|in charge"
    r"|responsible|oversees|leads"
)
MANAGED_OBJECT = _cue(r"alliances?|fqis|enveloppe|fonds|fund")
# Questions about a mandataire other than its name: the catalog only knows the name.
ATTRIBUTE = _cue(
    r"roles?|courriels?|e ?mails?|adresses?|address|telephones?|phones?|coordonnees"
    r"|contacts?|contacter|site web|website|url|designes?|designees?|designated|appointed"
    r"|nommes?|choisis?|chosen|pourquoi|why|quand|when|depuis quand|since when|mandat"
    r"|duties|responsabilites|obligations|employes|staff"
)
LIST = _cue(
    r"liste|list|tous|toutes|all|quels|quelles|which|lesquels|lesquelles|what are|qui sont"
    r"|sont des|are|every|chaque|each|nomme|name"
)
COST = _cue(
    r"couts?|coute|coutent|coute t il|costs?|costed|combien|how much|montants?|budgets?"
    r"|depenses?|depense|spent|spend|spending|amount|financement|funding|argent|money"
)
AMOUNT = _cue(
    r"combien|how much|montants?|budgets?|enveloppes?|dote|dotation|financements?|finance"
    r"|funding|funded|argent|money|investissements?|investit|invest|invested|investment"
    r"|sommes?|total|amount|worth|valeur|vaut|dollars?"
    r"|endowment|endowed|verse|versee|verses|versees|paid|recu|recue|received"
)
# What the amounts are about: the fund and the Alliances (not a plan's whole budget).
AMOUNT_SUBJECT = _cue(
    r"fqis|fonds quebecois d initiatives sociales|alliances?|enveloppes?|envelopes?|fund"
)
SPLIT = _cue(
    r"reparti|repartie|repartis|repartit|repartition|split|divided|divise|divisee"
    r"|breakdown|ventilation|partage|pourcentages?|percent|percentages?|shares?|distribue"
    r"|distribuee|distribution|distributed|allocated|alloue|allouee|allocation|proportion"
    r"|quelle part|parts|what share"
)
# "combien de projets", "for how many First Nations communities": the counted noun is one
# of the next few words.
COUNT = re.compile(
    r"\b(?:combien d|combien de|how many|nombre d|nombre de|number of)\s+"
    r"(?P<words>(?:[a-z]+ ){0,3}[a-z]+)"
)
COUNT_NOUNS = {
    "alliance": "alliance",
    "alliances": "alliance",
    "projet": "projet",
    "projets": "projet",
    "project": "projet",
    "projects": "projet",
    "communaute": "communaute",
    "communautes": "communaute",
    "community": "communaute",
    "communities": "communaute",
    "mrc": "mrc",
    "region": "region",
    "regions": "region",
    "organisme": "organisme",
    "organismes": "organisme",
    "territoire": "territoire",
    "territoires": "territoire",
    "territory": "territoire",
    "territories": "territoire",
}
PROJECTS = _cue(r"projets?|projects?|initiatives?|realisations?")
# Asking for projects themselves: "exemples de projets", "quels projets", "which projects",
# "quel projet est cité" (not "les projets" in a question about something else).
EXAMPLES = re.compile(
    r"\b(?:exemples?|examples?)\b"
    r"|\b(?:quel|quels|quelle|quelles|which|what|some|quelques|donne moi|give|list|liste|name"
    r"|nomme|cite|y a t il des|is there|are there|any)\s+(?:\w+\s+){0,2}(?:projets?|projects?)\b"
)
ORIENTATIONS = _cue(r"orientations?|axes?|axis|grandes lignes|pillars?")
ORIENTATION_NUMBER = re.compile(r"\b(?:orientation|axe|axis)\s+(?:no |n |numero |number )?(\d)\b")
ALL_PLANS = _cue(r"plans|trois plans|chaque plan|each plan|all plans|les plans|three plans")
MEASURE_TITLE = _cue(
    r"titre|intitule|title|nom|name|s intitule|c est quoi|qu est ce que|quest ce que"
    r"|what is|whats|what s|describe|decris|decrire|decrit|consiste|about|porte sur|objet"
    r"|c quoi|cest quoi|kossa|de quoi"
    r"|vise|visent|objectifs?|aims?|goal|purpose"
)
# "Quelle mesure du PAGIEPS prévoit…", "le numéro de la mesure qui…": found by its title.
WHICH_MEASURE = _cue(
    r"quelle mesure|which measure|what measure|numero de la mesure|number of the measure"
    r"|quelle est la mesure"
)
PLAN_PERIOD = _cue(r"periode|period|couvre|couverte|covers?|covered|annees|years|duree")
MEASURE_MINISTRY = _cue(
    r"ministeres?|ministry|ministries|department|organismes? responsables?|responsables?"
    r"|responsible|porteur|qui porte|qui pilote|who runs|who leads|in charge|en charge"
    r"|organismes|portent"
)
# A ministry named outright (not just "responsable", which also asks for a mandataire).
MINISTRY_NAMED = _cue(r"ministeres?|ministry|ministries|department|organismes")
MEASURE_ORIENTATION = _cue(r"orientations?|axes?|axis|rattache|releve")
MEASURE_CLIENTELE = _cue(
    r"clienteles?|clients?|rejoint|rejointe|rejoints|reached|reach|reaches|cibles?|ciblee"
    r"|targets?|targeted|beneficiaires?|beneficiaries|audience|public vise|public cible"
    r"|pour qui|who benefits|clientele"
)
MEASURE_NEXT_STEPS = _cue(
    r"etapes? a venir|prochaines? etapes?|next steps?|a venir|upcoming|suites?|what s next"
    r"|whats next|what is next|plans for|prevu|prevues?"
)

# Kinds of organisations a mandataire can be, as people name them (longest match wins).
MANDATAIRE_KINDS: tuple[tuple[str, str], ...] = tuple(
    (fold_key(typed), kind)
    for typed, kind in (
        ("table des MRC", "table des MRC"),
        ("tables des MRC", "table des MRC"),
        ("table des préfets", "table des préfets"),
        ("tables des préfets", "table des préfets"),
        ("table de concertation", "table de concertation"),
        ("tables de concertation", "table de concertation"),
        ("conférence des préfets", "conférence des préfets"),
        ("conférences des préfets", "conférence des préfets"),
        ("conseil des préfets", "conseil des préfets"),
        ("regroupement des MRC", "regroupement des MRC"),
        ("assemblée des MRC", "assemblée des MRC"),
        ("administration régionale", "administration régionale"),
        ("administrations régionales", "administration régionale"),
        ("communauté métropolitaine", "communauté métropolitaine"),
        ("carrefour jeunesse-emploi", "carrefour jeunesse-emploi"),
        ("préfets", "préfets"),
        ("prefects", "préfets"),
        ("tables", "table"),
        ("table", "table"),
        ("MRC", "MRC"),
        ("villes", "ville"),
        ("ville", "ville"),
        ("cities", "ville"),
        ("city", "ville"),
        ("municipalités", "ville"),
        ("consortium", "consortium"),
        ("collectif", "collectif"),
        ("gouvernement", "gouvernement"),
        ("government", "gouvernement"),
        ("regroupement", "regroupement"),
        ("assemblée", "assemblée"),
        ("commission", "commission"),
    )
)
_KINDS_LONGEST_FIRST = sorted(MANDATAIRE_KINDS, key=lambda pair: -len(pair[0]))

# Upper-case aliases ("BSL", "SLSJ") typed in lower case in chat: accepted from 3 letters.
_CAPS_ALIASES = {
    fold_key(alias): territory.name
    for territory in TERRITORIES
    for alias in territory.aliases
    if alias.isupper() and len(fold_key(alias).replace(" ", "")) >= 3
}
_LOCATIVE = re.compile(
    r"(?<![\w'’])(?i:en|au|aux|à|dans|in|at)\s+(?i:la |le |les |l['’]|the )?"
    r"(?P<place>[A-ZÀ-Ý][\w'’-]*(?:[ -][A-ZÀ-Ý][\w'’-]*)*)"
)
# After "en / au / dans / in", words that are no place ("en cours", "au total", "in 2010").
_NOT_PLACE_WORDS = frozenset(
    """the les des une cours general particulier lien matiere place vigueur oeuvre faveur
    fonction bref ce
    cette ces son sa ses leur leurs chaque tout toute tous toutes total moyenne plus moins
    niveau cadre regions region territoire territoires milieu milieux date vue quoi quel
    quelle quels quelles lequel laquelle francais anglais french english each every all
    any total general particular order which what this that these those other terms
    annee annees year years periode period mars avril mai juin juillet aout septembre
    octobre novembre decembre janvier fevrier matiere bref effet outre fait nombre moyen
    vertu marge attente cas detail""".split()
)
_LOWERCASE_LOCATIVE = re.compile(
    r"\b(?:en|au|aux|dans|in)\s+(?:la |le |les |l |the )?(?P<word>[a-z][a-z-]{2,})\b"
)
_NOT_PLACES = {
    "quebec",
    "psis",
    "pagieps",
    "fqis",
    "alliance",
    "alliances",
    "alliance pour la solidarite",
    "cre",
    "mess",
    "mtess",
    "gps",
    "ads",
    "mrc",
    "canada",
    "french",
    "english",
    "francais",
    "anglais",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
}
_MEASURE = re.compile(
    r"\b(?:mesures?|measures?|mes)\s*(?:n[o°º]?\.?\s*|numero\s*|number\s*|#\s*)?"
    r"(?P<number>\d{1,2}(?:[.,]\d{1,2})?)(?![\d])"
)
_PLAN_MEASURE = re.compile(r"(?<![\w$,.])m\s?(?P<number>\d{1,2})(?![\d.,]|\s*\$)\b")
_YEAR_RANGE = re.compile(r"\b((?:19|20)\d{2})\s*[-/]\s*((?:19|20)?\d{2})\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SPAN = re.compile(
    r"\b(?:de|du|from|entre|between)\s+(?:19|20)\d{2}\s*[-/]\s*(?:19|20)?\d{2}\s+"
    r"(?:a|à|au|to|et|and|through|until|jusqu'?a|jusqu'?à)\s+(?:19|20)\d{2}"
)
# "la présentation de 2014", "the 2014 deck": a year that names a source, not a period.
_SOURCE_WORDS = (
    r"(?:presentation|deck|colloque|colloquium|rapport|report|document|page|slides?|"
    r"diaporama|fiche)"
)
_SOURCE_YEAR = re.compile(
    rf"\b{_SOURCE_WORDS}\s+(?:de |du |of |from |in )?(?:l |la |le |the )?((?:19|20)\d{{2}})\b"
    rf"|\b((?:19|20)\d{{2}})\s+{_SOURCE_WORDS}\b"
)


@dataclass(frozen=True)
class ParsedQuestion:
    """The entities a question names, folded forms for cue matching."""

    text: str
    key: str  # fold_key(text) padded with spaces
    regions: tuple[str, ...]
    unknown_place: str | None
    other_province: str | None
    plans: tuple[str, ...]
    unknown_periods: tuple[str, ...]  # multi-year ranges no plan has
    fiscal_years: tuple[str, ...]  # one-year ranges ("2010-2011")
    fiscal_span: bool  # "de 2004-2005 à 2009-2010": the two fiscal years bound a span
    bare_years: tuple[str, ...]  # years that constrain the facts' period
    source_years: tuple[str, ...]  # years that name a source ("la présentation de 2014")
    amounts: tuple[float, ...]  # amounts the question quotes ("l'enveloppe de 160 M$")
    measure_numbers: tuple[str, ...]
    mandataire_kind: str | None
    mandataire_kind_typed: str | None  # the kind as the question writes it, folded

    def has(self, cue: re.Pattern[str]) -> bool:
        return bool(cue.search(self.key))

    @property
    def counted(self) -> str | None:
        """The noun a "combien de / how many" question counts, when the catalog counts it."""
        match = COUNT.search(self.key)
        if match is None:
            return None
        words = match.group("words").split()
        return next((COUNT_NOUNS[word] for word in words if word in COUNT_NOUNS), None)

    def stems(self) -> set[str]:
        return content_stems(self.text)

    @property
    def years_named(self) -> bool:
        return bool(self.fiscal_years or self.bare_years or self.unknown_periods)


_STOPWORDS = frozenset(
    """quel quelle quels quelles quoi qui que est sont dans pour avec les des une aux par sur
    cette ces leur leurs plan plans mesure mesures measure measures psis pagieps action
    gouvernemental which what does the this that from with into about numero number est-ce
    vise visent porte portent prevoit prevu ministere ministry organisme organismes
    responsable responsible comment""".split()
)


def content_stems(text: str) -> set[str]:
    """Crude stems (first four letters) of a text's content words, to compare topics."""
    return {
        word[:4] for word in fold_key(text).split() if len(word) >= 4 and word not in _STOPWORDS
    }


def parse_question(text: str) -> ParsedQuestion:
    folded = fold(text)
    key = f" {fold_key(text)} "
    plans, unknown_periods, fiscal_years = _plans_and_years(folded)
    ranges = " ".join(m.group(0) for m in _YEAR_RANGE.finditer(folded))
    source_years = tuple(a or b for a, b in _SOURCE_YEAR.findall(key))
    bare_years = tuple(
        y for y in _YEAR.findall(folded) if y not in ranges and y not in source_years
    )
    regions = _regions(text, key)
    kind = _mandataire_kind(key)
    return ParsedQuestion(
        text=text,
        key=key,
        regions=regions,
        unknown_place=_unknown_place(text, regions),
        other_province=mentions_other_province(text),
        plans=plans,
        unknown_periods=unknown_periods,
        fiscal_years=fiscal_years,
        fiscal_span=len(fiscal_years) == 2 and bool(_SPAN.search(folded)),
        bare_years=bare_years,
        source_years=source_years,
        amounts=tuple(float(m.dollars) for m in find_amounts(text)),
        measure_numbers=_measure_numbers(folded),
        mandataire_kind=kind[1] if kind else None,
        mandataire_kind_typed=kind[0] if kind else None,
    )


def _regions(text: str, key: str) -> tuple[str, ...]:
    found = list(regions_in(text))
    for alias_key, name in _CAPS_ALIASES.items():
        if f" {alias_key} " in key and name not in found:
            found.append(name)
    return tuple(found)


def _unknown_place(text: str, regions: tuple[str, ...]) -> str | None:
    """A capitalised place after "en / au / dans / in" that is no known territory."""
    for match in _LOCATIVE.finditer(text):
        place = match.group("place")
        if fold_key(place) in _NOT_PLACES or find_plans_in_text(place):
            continue
        if regions_in(place) or canonical_name(place):
            continue
        return place
    if regions:
        return None
    # Chat style, no capitals: "projets en floride".
    for match in _LOWERCASE_LOCATIVE.finditer(fold_key(text)):
        word = match.group("word")
        if word in _NOT_PLACE_WORDS or word in _NOT_PLACES or find_plans_in_text(word):
            continue
        if canonical_name(word) or regions_in(word) or word in _KNOWN_WORDS:
            continue
        return word
    return None


# Domain words that may follow "en / au / dans" without naming a place.
_KNOWN_WORDS = frozenset(
    """alliance alliances fqis psis pagieps plan plans mesure mesures measure measures
    projet projets project projects mandataire mandataires orientation orientations axe axes
    argent money dollars financement funding budget milieu communautaire communautes
    communities premieres""".split()
)


def _plans_and_years(folded: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    plans = list(find_plans_in_text(folded))
    unknown: list[str] = []
    fiscal: list[str] = []
    for match in _YEAR_RANGE.finditer(folded):
        period = normalize_period(match.group(0))
        if period is None:
            continue
        start, end = (int(part) for part in period.split("-"))
        if end - start == 1:
            fiscal.append(period)
        elif not any(plan.period == period for plan in PLANS):
            unknown.append(period)
    return tuple(plans), tuple(unknown), tuple(fiscal)


# "selon le rapport de la mesure 1.1", "in the measure 1.1 report": the measure names a
# source, the question is about something else.
_MEASURE_AS_SOURCE = re.compile(
    r"\b(?:selon|dans|d apres|according to|in|from)\s+(?:le |la |l |the )?"
    r"(?:(?:rapport|fiche|report|sheet)\s+(?:de |du |of |for )?(?:la |the )?)?"
    r"(?:mesure|measure)\s+(?P<number>\d{1,2}(?:[.,]\d{1,2})?)(?:\s+(?:report|sheet))?"
    r"|\b(?:rapport|fiche|report|sheet)\s+(?:de |du |of |for )?(?:la |the )?"
    r"(?:mesure|measure)\s+(?P<number2>\d{1,2}(?:[.,]\d{1,2})?)"
    r"|\b(?:the\s+)?(?P<number3>\d{1,2}[.,]\d{1,2})\s+(?:report|sheet)\b"
)


def _measure_numbers(folded: str) -> tuple[str, ...]:
    sources = {
        normalize_measure_number(next(n for n in match.groups() if n))
        for match in _MEASURE_AS_SOURCE.finditer(folded)
    }
    numbers: list[str] = []
    for pattern in (_MEASURE, _PLAN_MEASURE):
        for match in pattern.finditer(folded):
            number = normalize_measure_number(match.group("number"))
            if number not in numbers and number not in sources:
                numbers.append(number)
    return tuple(numbers)


def _mandataire_kind(key: str) -> tuple[str, str] | None:
    """(kind as typed, canonical kind) of the longest organisation kind the question names."""
    for typed, kind in _KINDS_LONGEST_FIRST:
        if f" {typed} " in key:
            return typed, kind
    return None
