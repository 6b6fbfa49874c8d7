"""The document metadata a person may give or correct, checked and normalised.

The same rules serve a sidecar file (`rapport.pdf.meta.json`), a Markdown front matter and
a correction typed in chat (`knowledge.sources`): a title is not empty, an address is
http(s), a date is a real day, a period a valid span, a region an Alliance territory, a
plan a known plan. A bad value raises `MetadataValueError`, whose message is a short French
sentence naming the field and saying what is expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.dates import parse_date, parse_timestamp
from knowledge.periods import parse_period
from knowledge.plan_names import resolve_plan_name
from knowledge.regions import UnknownRegionError, resolve_region, territories_in

SIDECAR_SUFFIX = ".meta.json"
# Fields a person can set, in the order they are shown.
EDITABLE_FIELDS: tuple[str, ...] = ("title", "url", "date", "periods", "regions", "plan", "kind")
# Other names people use for them (front matter, sidecar, chat: "région:", "période:").
FIELD_ALIASES: dict[str, str] = {
    "titre": "title", "source": "url", "lien": "url", "adresse": "url", "link": "url",
    "publié": "date", "publie": "date", "published": "date", "date_publication": "date",
    "période": "periods", "periode": "periods", "périodes": "periods", "period": "periods",
    "région": "regions", "region": "regions", "régions": "regions", "territoire": "regions",
    "territoires": "regions", "type": "kind", "genre": "kind",
}  # fmt: skip
FIELD_LABELS: dict[str, str] = {
    "title": "titre", "url": "adresse (url)", "date": "date", "periods": "période",
    "regions": "région", "plan": "plan", "kind": "type",
}  # fmt: skip
MAX_TITLE_CHARS = 300
MAX_URL_CHARS = 2000
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_KIND = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_ALL_REGIONS = "*"


class MetadataValueError(ValueError):
    """A metadata value that cannot be stored as given; str() is a French sentence."""

    def __init__(self, field_name: str, message: str, suggestions: Iterable[str] = ()):
        self.field = field_name
        self.suggestions = tuple(suggestions)
        super().__init__(message)


def canonical_field(name: str) -> str | None:
    """The field a name stands for ("région" → "regions"); None for an unknown name."""
    key = name.strip().lower()
    if key in EDITABLE_FIELDS:
        return key
    return FIELD_ALIASES.get(key)


def normalize_title(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise MetadataValueError("title", "Le titre ne peut pas être vide.")
    if len(text) > MAX_TITLE_CHARS:
        raise MetadataValueError(
            "title", f"Le titre est trop long (au plus {MAX_TITLE_CHARS} caractères)."
        )
    return text


def normalize_url(value: Any) -> str:
    text = str(value or "").strip().strip("<>")
    if not _URL.fullmatch(text) or len(text) > MAX_URL_CHARS:
        raise MetadataValueError(
            "url",
            f"Adresse invalide : « {text} ». Donnez une adresse web complète qui commence "
            "par http:// ou https://.",
        )
    return text


def normalize_date(value: Any) -> str:
    text = str(value or "").strip()
    iso = parse_timestamp(text) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else parse_date(text)
    if iso is None:
        raise MetadataValueError(
            "date",
            f"Date invalide : « {text} ». Écrivez par exemple 2025-03-12 ou 12 mars 2025.",
        )
    return iso


def normalize_period(value: Any) -> str:
    text = str(value or "").strip()
    period = parse_period(text)
    if period is None:
        raise MetadataValueError(
            "periods",
            f"Période invalide : « {text} ». Écrivez deux années, la seconde plus tardive "
            "et au plus dix ans après la première, par exemple 2024-2029 ou 2024-2025.",
        )
    return period


def normalize_periods(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize_period(item) for item in _items(value)))


def normalize_regions(value: Any) -> tuple[str, ...]:
    """Territory names; a region group ("Nord-du-Québec") stands for its territories,
    "*" for all of them (a page about every region)."""
    names: list[str] = []
    for item in _items(value):
        if item.strip() == _ALL_REGIONS:
            return (_ALL_REGIONS,)
        try:
            resolved = resolve_region(item)
        except UnknownRegionError as error:
            raise MetadataValueError("regions", str(error), error.suggestions) from error
        names.extend(territories_in(resolved))
    return tuple(dict.fromkeys(names))


def normalize_plan(value: Any) -> str:
    text = str(value or "").strip()
    name = resolve_plan_name(text) if text else None
    if name is None:
        raise MetadataValueError(
            "plan",
            f"Plan inconnu : « {text} ». Plans connus : PSIS, PAGIEPS, Plan 2004-2010, "
            "Plan 2024-2029.",
        )
    return name


def normalize_kind(value: Any) -> str:
    text = str(value or "").strip().lower().replace(" ", "-")
    if not _KIND.fullmatch(text):
        raise MetadataValueError(
            "kind",
            f"Type invalide : « {text} ». Exemples : communique, appel-de-projets, "
            "page-region, page-mrc, annonce-plan, document.",
        )
    return text


_NORMALIZERS = {
    "title": normalize_title,
    "url": normalize_url,
    "date": normalize_date,
    "periods": normalize_periods,
    "regions": normalize_regions,
    "plan": normalize_plan,
    "kind": normalize_kind,
}


def normalize_value(field_name: str, value: Any) -> Any:
    """One field's value checked and normalised; raises MetadataValueError."""
    return _NORMALIZERS[field_name](value)


@dataclass(frozen=True)
class GivenMetadata:
    """Fields a person gave (normalised), and the French message for each value refused."""

    fields: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def normalize_fields(values: Mapping[str, Any]) -> GivenMetadata:
    """The editable fields among `values` (any known name), each normalised; a bad value
    is left out and its message kept in `problems`; other keys are ignored.

    A field's own name is read before its other names, and the first good value wins: a
    front matter often has both `url:` and a `source:` that names the publisher, which then
    says nothing about the address and is no problem."""
    fields: dict[str, Any] = {}
    problems: dict[str, str] = {}
    own_name_first = sorted(
        values.items(), key=lambda item: str(item[0]).strip().lower() not in EDITABLE_FIELDS
    )
    for name, value in own_name_first:
        canonical = canonical_field(str(name))
        if canonical is None or canonical in fields or value is None or value in ("", []):
            continue
        try:
            fields[canonical] = normalize_value(canonical, value)
        except MetadataValueError as error:
            problems.setdefault(canonical, str(error))
        else:
            problems.pop(canonical, None)
    return GivenMetadata(fields, tuple(problems.values()))


def sidecar_path(document: Path) -> Path:
    """`rapport.pdf` → `rapport.pdf.meta.json`, beside it."""
    return document.with_name(document.name + SIDECAR_SUFFIX)


def read_sidecar(document: Path) -> GivenMetadata:
    """The fields of the sidecar file beside a document (nothing when there is none);
    an unreadable file is one problem, not an exception."""
    path = sidecar_path(document)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return GivenMetadata()
    except (OSError, ValueError) as error:
        return GivenMetadata(problems=(f"Fichier {path.name} illisible : {error}.",))
    if not isinstance(data, dict):
        return GivenMetadata(problems=(f"Fichier {path.name} : un objet JSON est attendu.",))
    return normalize_fields(data)


def _items(value: Any) -> list[str]:
    """A list given as a list, or as text separated by commas or semicolons."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if str(item).strip()]
    return [part for part in re.split(r"[;,]", str(value)) if part.strip()]
