"""Does a quote hold the kind of answer a question wants: an amount, a share, a count, a
date, a name of a body or a person, a list, a definition?

These are detectors of forms (a number with a currency, a month and a year, a capitalised
name after "Ministère", list items), not of wordings: they tell the scorer whether a quote
could answer at all, whatever the question's phrasing.
"""

from __future__ import annotations

import re

from knowledge.folding import fold
from knowledge.number_formats import extract_amounts
from retrieval.spans import spans_in

_MONTHS = (
    r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|hiver|printemps|ete|automne|winter|spring|summer|fall|autumn"
)
_DATE = re.compile(rf"\b({_MONTHS})\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:19|20)\d{{2}}\b")
# Trois-Rivières, Sept-Îles, Deux-Montagnes: places, not numbers.
_HYPHENATED_NAME = re.compile(r"\b[A-ZÀ-Þ][\wÀ-ÿ]*(?:-[A-ZÀ-Þ][\wÀ-ÿ]*)+")
_NUMBER_WORDS = re.compile(
    r"\b(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|cent|mille"
    r"|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|plusieurs)\b"
)
# Words that head the name of a body ("Table des MRC de l'Estrie", "Ville de Laval").
_BODY_HEADS = re.compile(
    r"\b(Minist[eè]re|Ministry|Secr[ée]tariat|Table|Conf[ée]rence|Conseil|Commission|Comit[ée]"
    r"|Regroupement|Assembl[ée]e|Administration|Gouvernement|Government|Ville|City|MRC"
    r"|Municipalit[ée]|Communaut[ée]|Consortium|Collectif|Carrefour|Corporation|Centre"
    r"|Soci[ée]t[ée]|Office|Agence|Fondation|Coop(?:[ée]rative)?|Alliance|Groupe|Forum|Service"
    r"|Association|F[ée]d[ée]ration|Maison|R[ée]seau|Banque|Moisson|Organisme|Institut"
    r"|Club|Entraide|Chambre|Mme|M\.|Madame|Monsieur|ministre|pr[ée]fet|pr[ée]sident)\b"
)
_ACRONYM = re.compile(r"\b[A-ZÉ]{3,}\b")
_DEFINES = re.compile(
    r"\b(est une?|sont des|est le|est la|vise(?:nt)? a|a pour (?:mandat|mission|but|objectif)"
    r"|ont pour|consiste|permet(?:tent)? de|is an?|are the|aims? to|refers to|signifie"
    r"|c est|ce sont)\b"
)
_LIST_ITEM = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s*\S", re.MULTILINE)


def has_amount(text: str) -> bool:
    return any(amount.kind == "money" for amount in extract_amounts(text))


def has_percent(text: str) -> bool:
    return any(amount.kind == "percent" for amount in extract_amounts(text))


def has_count(text: str) -> bool:
    """A number that is neither a year, nor money, nor a share; or a number word."""
    years = {str(span.start) for span in spans_in(text)} | {str(s.end) for s in spans_in(text)}
    for amount in extract_amounts(text):
        if amount.kind == "number" and amount.canonical not in years:
            return True
    return bool(_NUMBER_WORDS.search(fold(_HYPHENATED_NAME.sub(" ", text))))


def has_date(text: str) -> bool:
    return bool(_DATE.search(fold(text)) or spans_in(text))


def names_a_body(text: str) -> bool:
    return bool(_BODY_HEADS.search(text) or _ACRONYM.search(text))


def is_list(text: str) -> bool:
    return len(_LIST_ITEM.findall(text)) >= 2


def defines(text: str) -> bool:
    return bool(_DEFINES.search(" " + re.sub(r"[^0-9a-z]+", " ", fold(text)) + " "))


def has_quantity(text: str) -> bool:
    return has_amount(text) or has_count(text) or has_percent(text)


DETECTORS = {
    "amount": has_amount,
    "percent": has_percent,
    "count": has_count,
    "quantity": has_quantity,
    "date": has_date,
    "who": names_a_body,
    "list": is_list,
    "definition": defines,
}


def holds(answer_type: str, text: str) -> bool | None:
    """Whether `text` holds an answer of that type; None for a type with no detector."""
    detector = DETECTORS.get(answer_type)
    return None if detector is None else detector(text)
