"""A document's identity, read from the document itself: title, source address,
publication date, periods, plan, regions and kind.

`describe_document(info, loaded)` completes a `DocumentInfo` (from the manifest, or made
from a file name) with what the loaded document says. What a person wrote wins over what
is detected: a sidecar file beside the document (`rapport.pdf.meta.json`), then the
front matter of a .md/.txt file; a field the shipped manifest gives is kept as it is.
Each detection is a small rule, in order of trust:

- title: the format's own title (HTML <title> / og:title / <h1>, Word or PDF title
  property) without its site name, else the text's `#` title (skipping a bare
  "COMMUNIQUÉ"), else the line after a site's breadcrumb, else the file name;
- url: the page's canonical address (or og:url), else an address the text gives as its
  source ("Source :", "Lien de l'article :"), else one it gives "pour plus
  d'information"; a link given in passing is not the document's address;
- date: the page's publication <meta>, else "Publié le …" or a news-release dateline,
  else "Mis à jour le …", else the Word or PDF creation date;
- periods: every valid span, the most frequent first (the title counts more);
- plan: the plan of the main period, else the first plan the text names;
- regions: the territories whose names, MRCs, towns and numbers dominate the text (a
  mention in the title or the first paragraph weighs more, so does "Alliance pour la
  solidarité de X"); none when no territory dominates or when many share the text (a
  national document);
- kind: communique, appel-de-projets, annonce-plan, page-mrc, page-region or document.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from knowledge.addresses import locate_urls
from knowledge.dates import dateline_date, parse_timestamp, publication_date
from knowledge.folding import fold, fold_key
from knowledge.gazetteer import Place, find_places
from knowledge.loaders import LoadedDocument, manifest_entry
from knowledge.manifest import DocumentInfo, fallback_title
from knowledge.metadata_fields import normalize_fields, read_sidecar
from knowledge.periods import rank_periods
from knowledge.plan_names import plan_for_period, plans_named_in
from knowledge.regions import REGION_GROUPS
from knowledge.titles import clean_title, title_from_file_name

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (
    "communique", "appel-de-projets", "page-region", "page-mrc", "annonce-plan", "document",
)  # fmt: skip
DEFAULT_KIND = "document"
_FIELDS = ("title", "url", "date", "periods", "plan", "regions", "kind")


def describe_document(info: DocumentInfo, loaded: LoadedDocument) -> DocumentInfo:
    """`info` completed from the document: what a person wrote (sidecar, then front
    matter) first, then what the manifest gives, then what the text and the file say."""
    person = person_given(info.path, loaded)
    given = manifest_given(info)
    facts = _Facts.read(loaded)
    values: dict[str, Any] = {}
    for name in _FIELDS:
        if name in person:
            values[name] = person[name]
        elif name in given:
            values[name] = getattr(info, name)
    if "title" not in values:
        values["title"] = detect_title(facts, info.path)
    if "url" not in values:
        values["url"] = detect_url(facts)
    if "date" not in values:
        values["date"] = detect_date(facts)
    if "periods" not in values:
        values["periods"] = tuple(rank_periods(facts.text, values["title"]))
    if "plan" not in values:
        values["plan"] = detect_plan(facts.text, values["periods"])
    if "regions" not in values:
        values["regions"] = tuple(detect_regions(facts.text, values["title"]))
    if "kind" not in values:
        values["kind"] = classify_kind(facts, values["title"], values["regions"], values["plan"])
    periods = values["periods"]
    period = periods[0] if periods else info.period
    if "period" in given and "periods" not in person:
        period = info.period  # the manifest's own main period
    return replace(info, period=period, **values)


# ---------------------------------------------------------------------------------------
# Who said what
# ---------------------------------------------------------------------------------------


def person_given(path: Path, loaded: LoadedDocument) -> dict[str, Any]:
    """Fields a person wrote: the front matter, overridden by the sidecar file."""
    front = normalize_fields(loaded.properties.front_matter_fields())
    sidecar = read_sidecar(path)
    for problem in (*front.problems, *sidecar.problems):
        logger.warning("%s : %s", path.name, problem)
    return {**front.fields, **sidecar.fields}


def manifest_given(info: DocumentInfo) -> set[str]:
    """The fields of `info` that were given rather than guessed: those of its manifest
    entry (a key present, even an empty list of regions), else any field set to
    something other than its default (a title other than the file name's)."""
    entry = manifest_entry(info.path)
    if entry:
        given = {key for key, value in entry.items() if value is not None}
        if "period" in given:
            given.add("periods")
        return given & {*_FIELDS, "period"}
    given = {name for name in _FIELDS if getattr(info, name) not in (None, (), "")}
    if info.title in (fallback_title(info.path), title_from_file_name(info.path)):
        given.discard("title")
    if info.kind == DEFAULT_KIND:
        given.discard("kind")
    if info.period:
        given.add("period")
    return given


@dataclass(frozen=True)
class _Facts:
    """The clean text and what the file says about itself."""

    text: str
    title: str | None
    site_name: str | None
    url: str | None
    published: str | None
    created: str | None

    @classmethod
    def read(cls, loaded: LoadedDocument) -> _Facts:
        properties = loaded.properties
        return cls(
            text=loaded.text,
            title=properties.title,
            site_name=properties.site_name,
            url=properties.url,
            published=properties.published,
            created=properties.created or properties.modified,
        )


# ---------------------------------------------------------------------------------------
# Title
# ---------------------------------------------------------------------------------------

# Titles that say what kind of page it is, not what it is about.
_GENERIC_TITLE = re.compile(
    r"(?:communique(?: de presse)?|nouvelles?|avis(?: public)?|actualites?|accueil|home"
    r"|pour (?:diffusion|publication) immediate|document sans titre|sans titre|untitled"
    r"|microsoft (?:word|powerpoint).*|document\s*\d*|diapositive\s*\d*|presentation\s*\d*)",
)
_FILE_NAME_TITLE = re.compile(r".*\.(?:docx?|pdf|pptx?|txt|md|html?)$", re.IGNORECASE)
_BREADCRUMB = re.compile(r"^(?:accueil|home)\s*(?:>|›|»|/|\|)", re.IGNORECASE)
_MAX_TITLE_CHARS = 200


def detect_title(facts: _Facts, path: Path) -> str:
    """The format's title, else the text's `#` title, else the line after a breadcrumb,
    else the file name."""
    own = clean_title(facts.title, facts.site_name)
    if own and _is_meaningful_title(own):
        return own
    lines = [line.strip() for line in facts.text.split("\n") if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("# "):
            heading = clean_title(line[2:], facts.site_name) or ""
            if _is_meaningful_title(heading):
                return heading
            following = _first_title_line(lines[index + 1 : index + 6])
            if following:
                return following
            break
    for index, line in enumerate(lines[:40]):
        if _BREADCRUMB.match(line):
            following = _first_title_line(lines[index + 1 : index + 3])
            if following:
                return following
    return title_from_file_name(path)


def _is_meaningful_title(title: str) -> bool:
    key = fold(title).strip(" .:!")
    return bool(
        len(key) >= 4
        and not _GENERIC_TITLE.fullmatch(key)
        and not _FILE_NAME_TITLE.fullmatch(title.strip())
    )


def _first_title_line(lines: Iterable[str]) -> str | None:
    """The first line that reads as a title: short, not a sentence, not boilerplate, not
    a dateline."""
    for line in lines:
        text = line.lstrip("#").strip()
        if not _is_meaningful_title(text):
            continue
        if (
            len(text) <= _MAX_TITLE_CHARS
            and not text.endswith((".", ";", ","))
            and dateline_date(text) is None
            and not _BREADCRUMB.match(text)
        ):
            return text
        return None
    return None


# ---------------------------------------------------------------------------------------
# Source address
# ---------------------------------------------------------------------------------------

# "Source : https://…", "Lien de l'article : …", "Version en ligne : …" and "Pour plus
# d'information : …" — on folded text, punctuation as spaces. An address given in passing
# ("sur la plateforme de dépôt : https://…") is a link, not the document's own address.
_SOURCE_LABEL = re.compile(
    r"(?:\bsource|\blien(?: de l article| permanent| vers l article| de la page)?|\burl"
    r"|\badresse (?:de la page|web|url)|\bversion (?:en ligne|originale|web)|\btire de"
    r"|\bpublie sur|\breference|\btexte original|\blink to (?:this|the) (?:article|page)"
    r"|\bpermalink|\bread (?:it )?online|\boriginal (?:article|story))\s*:?\s*$"
)
_MORE_INFO_LABEL = re.compile(
    r"\bpour (?:plus d informations?|plus de renseignements|en savoir plus|de plus amples"
    r" renseignements)\s*:?\s*$"
)
_LABEL_REACH = 60


def detect_url(facts: _Facts) -> str | None:
    """The canonical address, else the one the text gives as its source, else the one it
    gives "pour plus d'information"."""
    if facts.url and facts.url.lower().startswith(("http://", "https://")):
        return facts.url
    text = facts.text
    labelled: list[tuple[int, int, str]] = []
    for position, url in locate_urls(text):
        line_start = text.rfind("\n", 0, position) + 1
        before = fold(text[max(line_start, position - _LABEL_REACH) : position])
        before = re.sub(r"[^a-z0-9:]+", " ", before)
        if _SOURCE_LABEL.search(before):
            labelled.append((0, position, url))
        elif _MORE_INFO_LABEL.search(before):
            labelled.append((1, position, url))
    if not labelled:
        return None
    url = min(labelled)[2]
    return url if url.lower().startswith("http") else f"https://{url}"


# ---------------------------------------------------------------------------------------
# Date and plan
# ---------------------------------------------------------------------------------------


def detect_date(facts: _Facts) -> str | None:
    """The page's publication <meta>, else what the text says, else the file's creation
    date."""
    return parse_timestamp(facts.published) or publication_date(facts.text) or facts.created


def detect_plan(text: str, periods: Iterable[str]) -> str | None:
    """The plan of the main period, else the first plan the text names."""
    for period in list(periods)[:1]:
        plan = plan_for_period(period)
        if plan:
            return plan
    named = plans_named_in(text)
    return named[0] if named else None


# ---------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------

TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
ABOUT_WEIGHT = 2.0  # "Alliance pour la solidarité de X", "région de X", "MRC de X"
MIN_SCORE = 3.0  # below it, a territory is only mentioned in passing
DOMINANCE = 0.5  # a territory kept scores at least this share of the best one
MAX_REGIONS = 3  # more than this sharing the text: a national document
_LEAD_CHARS = 700
_ABOUT_BEFORE = re.compile(
    r"(?:alliance(?: regionale)? pour la solidarite|alliance|region(?: administrative)?"
    r"|territoire|en|au|aux|dans)(?: (?:de|du|des|d))?(?: (?:la|le|les|l))? *$"
)


def detect_regions(text: str, title: str = "") -> list[str]:
    """The territories the document is about, the most present first; [] for a
    document about no territory in particular or about all of them."""
    scores = region_scores(text, title)
    if not scores:
        return []
    best = max(scores.values())
    if best < MIN_SCORE:
        return []
    kept = [name for name, score in scores.most_common() if score >= DOMINANCE * best]
    return kept if len(kept) <= MAX_REGIONS else []


def region_scores(text: str, title: str = "") -> Counter[str]:
    """Each territory's weight in the text: one per mention, times TITLE_WEIGHT in the
    title, LEAD_WEIGHT in the first paragraph, ABOUT_WEIGHT after "Alliance pour la
    solidarité de" or "région de"; a region group's mentions are shared by its parts."""
    scores: Counter[str] = Counter()
    lead_end = min(len(text), _LEAD_CHARS)
    title_key = fold_key(title)
    for place in find_places(title):
        _add(scores, place, TITLE_WEIGHT * _about(title, place))
    for place in find_places(text):
        weight = _about(text, place)
        line_start = text.rfind("\n", 0, place.start) + 1
        line_end = text.find("\n", place.start)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if line.startswith("# ") and title_key and fold_key(line[2:]) == title_key:
            continue  # the title line, already counted
        if place.start < lead_end:
            weight *= LEAD_WEIGHT
        _add(scores, place, weight)
    return scores


def _add(scores: Counter[str], place: Place, weight: float) -> None:
    parts = REGION_GROUPS.get(place.territory, (place.territory,))
    for part in parts:
        scores[part] += weight / len(parts)


def _about(text: str, place: Place) -> float:
    before = fold(text[max(0, place.start - 45) : place.start]).replace("'", " ")
    before = re.sub(r"[^a-z0-9 ]+", " ", before)
    before = re.sub(r" +", " ", before)
    if place.kind in ("mrc", "numero") or _ABOUT_BEFORE.search(before):
        return ABOUT_WEIGHT
    return 1.0


# ---------------------------------------------------------------------------------------
# Kind
# ---------------------------------------------------------------------------------------

_RELEASE_MARKS = re.compile(
    r"/cnw/|^communique(?: de presse)?$|^pour (?:diffusion|publication) immediate|^-30-$",
    re.MULTILINE,
)
_CALL = re.compile(
    r"\bappels? (?:de projets|d initiatives|de propositions|a projets|de candidatures)\b"
)
# A newspaper article: a journalist's byline ("Par Marie Roy, journaliste", "By Heather
# Morrison · Townships Bulletin"), "À lire aussi", "Lien de l'article", and their English.
_ARTICLE_MARKS = re.compile(
    r"^par [^\n,]{3,60}, (?:journaliste|collaborat|correspondant|redact|chroniqueu)"
    r"|^(?:par|by) [a-z][\w'-]+(?: [a-z][\w'.-]+)+ *[|·•]"
    r"|^a lire aussi\b|^lien de l'article\b|^articles? connexes?\b"
    r"|^link to (?:this|the) article\b|^related (?:articles|stories)\b|^read (?:also|more)\b",
    re.MULTILINE,
)
_PLAN_NAMES = re.compile(r"\bplan d action gouvernemental\b|\bplan de lutte\b|\bquatrieme plan\b")


def classify_kind(facts: _Facts, title: str, regions: Iterable[str], plan: str | None) -> str:
    """appel-de-projets, annonce-plan (a plan announced for the whole province),
    communique, page-mrc, page-region, or document (a newspaper article, anything else)."""
    lines = [fold(line).strip(" #*") for line in facts.text.split("\n")]
    title_key = fold_key(title)
    lead_key = fold_key(facts.text[:_LEAD_CHARS])
    regions = [name for name in regions if name != "*"]
    if _CALL.search(title_key) or (_CALL.search(lead_key) and not _is_release(facts, lines)):
        return "appel-de-projets"
    if not regions and plan and _PLAN_NAMES.search(f"{title_key} {lead_key}"):
        return "annonce-plan"
    if _is_release(facts, lines):
        return "communique"
    if _ARTICLE_MARKS.search("\n".join(lines)):
        return DEFAULT_KIND
    if regions:
        return "page-mrc" if _is_mrc_page(facts, title) else "page-region"
    return DEFAULT_KIND


def _is_mrc_page(facts: _Facts, title: str) -> bool:
    """An MRC's own page: the site is an MRC's ("MRC de X", www.mrcx.ca), or the title
    names an MRC."""
    site = fold(facts.site_name or "")
    host = re.sub(r"^https?://(?:www\.)?", "", (facts.url or "").lower())
    return (
        site.startswith("mrc ")
        or host.startswith("mrc")
        or any(place.kind == "mrc" for place in find_places(title))
    )


def _is_release(facts: _Facts, folded_lines: list[str]) -> bool:
    """A news release: "/CNW/", "COMMUNIQUÉ", "Pour diffusion immédiate", "-30-", or a
    dateline."""
    head = "\n".join(folded_lines[:80])
    return bool(_RELEASE_MARKS.search(head) or dateline_date(facts.text))
