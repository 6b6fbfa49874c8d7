"""Document titles: a page title without its site name, and a title made from a file name.

Web pages title themselves "Alliance pour la solidarité | Québec.ca" or "Appel de projets
– MRC de Joliette": the part after the last separator is the site's name when it is the
`og:site_name`, or when what stays before it is long enough to be a title on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.folding import fold_key

_SEPARATORS = re.compile(r"\s+(?:\||–|—|-|·|::|»)\s+")
_MIN_TITLE_CHARS = 20
_MIN_TITLE_WORDS = 3
_MAX_SITE_CHARS = 60
_SPACES = re.compile(r"\s+")


def clean_title(title: str | None, site_name: str | None = None) -> str | None:
    """The title with the site's name after its last separator dropped; None when empty.

    After " | " any short tail goes when the head is long enough; after a dash only a
    tail that reads as a site or an organisation ("Québec.ca", "MRC de X", "CRDSL"), since
    "Alliance de la Mauricie - 38 projets soutenus" is one title.
    """
    if title is None:
        return None
    title = _SPACES.sub(" ", title).strip()
    pieces = list(_SEPARATORS.finditer(title))
    if not title or not pieces:
        return title or None
    if site_name:
        site = fold_key(site_name)
        first, last = pieces[0], pieces[-1]
        if fold_key(title[last.end() :]) == site:
            return title[: last.start()].strip()
        if fold_key(title[: first.start()]) == site:
            return title[first.end() :].strip()
    last = pieces[-1]
    head, tail = title[: last.start()].strip(), title[last.end() :].strip()
    long_enough = len(head) >= _MIN_TITLE_CHARS and len(head.split()) >= _MIN_TITLE_WORDS
    if not long_enough or len(tail) > _MAX_SITE_CHARS:
        return title
    if "|" in last.group(0) or _is_site_name(tail):
        return head
    return title


def _is_site_name(tail: str) -> bool:
    """A tail that reads as an organisation or a site: "Québec.ca", "MRC de X", "CRDSL",
    "Ville de Gatineau", "Gouvernement du Québec"."""
    key = fold_key(tail)
    return bool(
        re.search(r"\.(?:ca|com|org|net|quebec)\b", tail, re.IGNORECASE)
        or re.match(
            r"(?:mrc|ville|municipalite|gouvernement|conference|table|corporation|conseil"
            r"|ministere|cisss|ciusss|cdc|communaute metropolitaine)\b",
            key,
        )
        or (tail.isupper() and len(tail) <= 12)
    )


def title_from_file_name(path: Path | str) -> str:
    """ "rapport-annuel_2024.pdf" → "Rapport annuel 2024"."""
    path = Path(path)
    text = _SPACES.sub(" ", re.sub(r"[-_]+", " ", path.stem)).strip()
    return text[:1].upper() + text[1:] if text else path.name
