"""describe_document against the development suite's expected metadata, when the suite is
present (evaluations/unseen_dev/). Prints how many fields match; fails below a floor.

Titles: the suite keeps a page's <title> as written ("… | CRDSL"), the metadata drops the
site's name; a title counts as matching when it is the expected one, or the expected one
without its site name. Kind: the suite's "autre" is our "document". Periods: as a set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.document_metadata import describe_document
from knowledge.loaders import load_document
from knowledge.manifest import infer_document_info
from knowledge.titles import clean_title

SUITE = Path(__file__).resolve().parents[1] / "evaluations" / "unseen_dev"
EXPECTED = SUITE / "expected_metadata.json"
FIELDS = ("title", "url", "date", "periods", "regions", "kind")
KIND_NAMES = {"autre": "document"}
MIN_SHARE = 0.9

pytestmark = pytest.mark.skipif(not EXPECTED.exists(), reason="development suite absent")


def _matches(field: str, expected: object, found: object) -> bool:
    if field == "title":
        return found in (expected, clean_title(str(expected)))
    if field == "periods":
        return set(expected or ()) == set(found or ())
    if field == "regions":
        return list(expected or ()) == list(found or ())
    if field == "kind":
        return KIND_NAMES.get(str(expected), expected) == found
    return expected == found


def test_describe_document_on_the_development_suite() -> None:
    entries = json.loads(EXPECTED.read_text(encoding="utf-8"))
    matched = 0
    exact_titles = 0
    misses: list[str] = []
    for entry in entries:
        path = SUITE / "documents" / entry["file"]
        info = describe_document(infer_document_info(path), load_document(path))
        for field in FIELDS:
            if field not in entry:
                continue
            found = getattr(info, field)
            exact_titles += field == "title" and found == entry[field]
            if _matches(field, entry[field], found):
                matched += 1
            else:
                misses.append(f"{entry['file']} {field}: attendu {entry[field]!r}, lu {found!r}")
    total = sum(1 for entry in entries for field in FIELDS if field in entry)
    print(f"\nunseen_dev metadata: {matched}/{total} fields match")
    print(f"  titles identical to the suite's (site name kept): {exact_titles}/{len(entries)}")
    for miss in misses:
        print("  ", miss)
    assert matched >= MIN_SHARE * total, "\n".join(misses)
