"""The shipped gold set: it loads, validates, covers what it must, and its facts are real."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from evaluations.gold_set import (
    GOLD_TYPES,
    GoldQuestion,
    GoldSetError,
    default_gold_path,
    known_document_files,
    load_gold_set,
)
from evaluations.metrics import comparison_key, fact_alternatives, missing_facts
from knowledge.regions import TERRITORIES, find_regions_in_text

DOCUMENTS_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "documents"


@pytest.fixture(scope="module")
def gold() -> list[GoldQuestion]:
    return load_gold_set()


def test_default_path_is_the_packaged_file() -> None:
    path = default_gold_path()
    assert path.name == "questions.jsonl"
    assert path.is_file()


def test_loads_and_validates(gold: list[GoldQuestion]) -> None:
    assert len(gold) >= 130
    assert all(isinstance(q, GoldQuestion) for q in gold)


def test_ids_unique_and_descriptive(gold: list[GoldQuestion]) -> None:
    ids = [q.id for q in gold]
    assert len(ids) == len(set(ids))
    for q in gold:
        assert re.fullmatch(r"(fr|en)-[a-z0-9]+(-[a-z0-9]+)+", q.id), q.id
        assert q.id.startswith(f"{q.language}-"), q.id


def test_coverage_minimums(gold: list[GoldQuestion]) -> None:
    languages = Counter(q.language for q in gold)
    types = Counter(t for q in gold for t in q.types)
    assert languages["en"] >= 25
    assert languages["fr"] >= 80
    assert sum(not q.answerable for q in gold) >= 22
    assert types["chat-style"] >= 16
    assert sum(q.has_type("list") or q.has_type("multi-fact") for q in gold) >= 10
    assert types["factual"] + types["numeric"] >= 80
    # Every type but "time-aware" is used at least once: the shipped documents cover one
    # period each, so time-aware questions live in the suites with added documents.
    assert set(types) == GOLD_TYPES - {"time-aware"}
    assert sum(not q.answerable for q in gold if q.language == "en") >= 5
    assert sum(q.has_type("chat-style") for q in gold if q.language == "en") >= 2


def test_every_document_is_used(gold: list[GoldQuestion]) -> None:
    used = Counter(d for q in gold for d in q.documents)
    for name in known_document_files():
        assert used[name] >= 10, f"{name} has only {used[name]} questions"


def test_every_territory_has_a_mandataire_question(gold: list[GoldQuestion]) -> None:
    covered: set[str] = set()
    for q in gold:
        if "mandataire" in q.id and q.answerable:
            covered.update(find_regions_in_text(q.question))
    missing = [t.name for t in TERRITORIES if t.name not in covered]
    assert not missing, f"no mandataire question for {missing}"


@pytest.mark.parametrize(
    "fact",
    [
        "160,1 M$",
        "115 M$",
        "93 %",
        "1,2 M$",
        "12,5 M$",
        "13,7 M$",
        "22",
        "1er mars 2019",
        "27",
        "29",
        "18 000",
        "2002, c. 61, a. 11",
        "90 %",
        "3 %",
        "7 %",
        "hiver 2012",
        "Table Québec-Régions",
        "analyse différenciée selon les sexes",
        "Centre d'étude sur la pauvreté et l'exclusion",
        "Groupe des partenaires pour la solidarité",
    ],
)
def test_key_corpus_facts_are_asked(gold: list[GoldQuestion], fact: str) -> None:
    wanted = comparison_key(fact)
    assert any(
        comparison_key(alternative) == wanted
        for q in gold
        for f in q.required_facts
        for alternative in fact_alternatives(f)
    ), f"no question requires {fact!r}"


def test_unanswerable_questions_have_no_facts(gold: list[GoldQuestion]) -> None:
    for q in gold:
        if not q.answerable:
            assert q.required_facts == () and q.documents == (), q.id
            assert q.has_type("out-of-scope"), q.id
            assert q.notes, f"{q.id}: say why it is out of scope"


def test_reference_answers_contain_their_facts(gold: list[GoldQuestion]) -> None:
    """A reference answer must itself pass the grader, or the facts are wrong."""
    failures = {
        q.id: missing_facts(q.reference_answer, q.required_facts) for q in gold if q.answerable
    }
    assert not {k: v for k, v in failures.items() if v}


_TAG = re.compile(r"<[^>]+>")
# The raw slide transcript lost its elided apostrophes ("lAdministration"): a variant key
# with "l"/"d"/"qu"... split off before a vowel lets "Administration" be found there too.
_GLUED_ELISION = re.compile(r"\b(l|d|qu|n|s|j|c)(?=[aeiouyh])")


@cache
def _raw_document_keys(name: str) -> tuple[str, ...]:
    raw = (DOCUMENTS_DIR / name).read_text(encoding="utf-8")
    key = comparison_key(_TAG.sub(" ", raw))
    return (key, _GLUED_ELISION.sub(r"\1 ", key))


def _occurs(fact_text: str, keys: tuple[str, ...]) -> bool:
    needle = f" {comparison_key(fact_text)} "
    return any(needle in f" {key} " for key in keys)


def test_required_facts_occur_in_raw_documents(gold: list[GoldQuestion]) -> None:
    """Protects the set from typos: the first alternative of every fact is corpus wording.

    (Further alternatives may be translations such as "March 1, 2019" or usual spellings.)
    """
    problems = []
    for q in gold:
        keys = tuple(k for name in q.documents for k in _raw_document_keys(name))
        for fact in q.required_facts:
            first = fact_alternatives(fact)[0]
            if not _occurs(first, keys):
                problems.append(f"{q.id}: {first!r} not in {list(q.documents)}")
    assert not problems, "\n".join(problems)


def test_required_facts_occur_in_cleaned_documents(gold: list[GoldQuestion]) -> None:
    """Same check on the loader's clean text, which is what an extractive answerer quotes."""
    loaders = pytest.importorskip("knowledge.loaders")
    cleaned = {
        name: (comparison_key(loaders.load_document(DOCUMENTS_DIR / name).text),)
        for name in known_document_files()
    }
    problems = []
    for q in gold:
        keys = tuple(cleaned[name][0] for name in q.documents)
        for fact in q.required_facts:
            first = fact_alternatives(fact)[0]
            if not _occurs(first, keys):
                problems.append(f"{q.id}: {first!r} not in cleaned {list(q.documents)}")
    assert not problems, "\n".join(problems)


def test_round_trip(gold: list[GoldQuestion]) -> None:
    for q in gold:
        again = GoldQuestion.from_dict(json.loads(json.dumps(q.to_dict())), line=q.line)
        assert again == q


# ---------------------------------------------------------------- validation errors

_GOOD = {
    "id": "fr-exemple",
    "question": "Qui est le mandataire en Mauricie ?",
    "language": "fr",
    "types": ["factual"],
    "answerable": True,
    "required_facts": ["Consortium en développement social de la Mauricie"],
    "reference_answer": "Le Consortium en développement social de la Mauricie.",
    "documents": ["mtess-alliances-mandataires-regions-2019-2023.txt"],
}


def _write(tmp_path: Path, *records: object) -> Path:
    path = tmp_path / "gold.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _problems(tmp_path: Path, *records: object) -> str:
    with pytest.raises(GoldSetError) as error:
        load_gold_set(_write(tmp_path, *records))
    return str(error.value)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    [question] = load_gold_set(_write(tmp_path, _GOOD, ""))
    assert question.id == "fr-exemple"
    assert question.line == 1
    assert question.required_facts == ("Consortium en développement social de la Mauricie",)


def test_unknown_type_is_reported(tmp_path: Path) -> None:
    message = _problems(tmp_path, {**_GOOD, "types": ["factual", "trivia"]})
    assert "unknown type 'trivia'" in message
    assert "line 1 (fr-exemple)" in message


def test_answerable_without_facts_is_reported(tmp_path: Path) -> None:
    assert "answerable question with no required fact" in _problems(
        tmp_path, {**_GOOD, "required_facts": []}
    )


def test_unknown_document_is_reported(tmp_path: Path) -> None:
    assert "unknown document file 'rapport-2031.pdf'" in _problems(
        tmp_path, {**_GOOD, "documents": ["rapport-2031.pdf"]}
    )


def test_unanswerable_rules(tmp_path: Path) -> None:
    message = _problems(tmp_path, {**_GOOD, "answerable": False})
    assert "unanswerable question with required facts" in message
    # An unanswerable question may name the near-miss documents a reader would look in.
    assert "unanswerable question with documents" not in message
    assert "must be typed 'out-of-scope'" in message


def test_duplicate_ids_and_every_problem_listed(tmp_path: Path) -> None:
    message = _problems(tmp_path, _GOOD, {**_GOOD, "language": "de"})
    assert "duplicate id, first used on line 1" in message
    assert "unknown language 'de'" in message
    assert "2 problem(s)" in message


def test_structural_errors(tmp_path: Path) -> None:
    missing = dict(_GOOD)
    del missing["question"]
    message = _problems(
        tmp_path,
        "{not json",
        missing,
        {**_GOOD, "id": "fr-b", "required_facts": [["A", 3]]},
        {**_GOOD, "id": "fr-c", "answerable": "yes", "extra": 1},
    )
    assert "line 1: not valid JSON" in message
    assert "line 2 (fr-exemple): missing field 'question'" in message
    assert "line 3 (fr-b): bad required fact" in message
    assert "unknown field 'extra'" in message
