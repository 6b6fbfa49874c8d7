"""A question about a measure, a name or a time that no passage mentions is abstained,
saying so; the base learns the measures its passages name, and forgets them with their
documents."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from retrieval.analysis import analyze
from retrieval.chunk_store import ChunkStore, DocumentRecord
from retrieval.chunking import Chunk
from retrieval.evidence_features import TermStats
from retrieval.known_subjects import (
    MeasureMentions,
    names_measure,
    time_covered,
    unknown_subject,
)
from retrieval.question_profile import profile_question
from retrieval.spans import MAX_SPAN_YEARS, Span


def _document(doc_id: str, text: str) -> tuple[DocumentRecord, list[Chunk], list[list[str]]]:
    chunk = Chunk(f"{doc_id}::0000", doc_id, "", text, 0, {"doc_id": doc_id})
    record = DocumentRecord(doc_id, doc_id, "docs", f"hash-{text}", doc_id, 1, 0.0)
    return record, [chunk], [analyze(text)]


def _stats(known_words: str) -> TermStats:
    known = set(analyze(known_words))
    return TermStats(idf=lambda stem: 1.0, known=lambda stem: stem in known)


def test_the_ways_a_passage_names_a_measure() -> None:
    assert names_measure("La mesure 11 concerne les Alliances.", "11")
    assert names_measure("M 11 - Poursuivre les Alliances pour la solidarité", "11")
    assert names_measure("N° DE LA MESURE : 1.1", "1.1")
    assert names_measure("Axe 3\n3.2 Soutenir les actions en sécurité alimentaire", "3.2")
    assert not names_measure("52 projets ont été financés.", "52")
    assert not names_measure("Une enveloppe de 1 052 $ pour la mesure 11.", "52")
    assert not names_measure("La mesure 11 concerne les Alliances.", "1.1")


@given(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=99))
def test_a_count_or_an_amount_is_not_a_measure(number: int, other: int) -> None:
    text = f"{number} projets et {number} $ pour la mesure {other}."
    assert names_measure(text, str(number)) == (number == other)


def test_measures_are_learned_from_the_passages_and_follow_the_documents(
    tmp_path: Path,
) -> None:
    store = ChunkStore(tmp_path / "alliances.db")
    store.replace_documents([_document("plan", "La mesure 11 poursuit les Alliances. 52 projets.")])
    measures = MeasureMentions(store)
    assert measures.known("11") and not measures.known("52")

    store.replace_documents([_document("new", "La mesure 52 soutient l'action communautaire.")])
    assert measures.known("52")
    store.remove_document("new")
    assert not measures.known("52")


def test_a_question_about_what_no_passage_mentions_has_an_unknown_subject() -> None:
    stats = _stats("Alliances PAGIEPS mesure plan")

    def known(number: str) -> bool:
        return number == "11"

    trap = profile_question("Que prévoit la mesure 52 du PAGIEPS ?", "fr")
    unknown = unknown_subject(trap, stats, known)
    assert unknown is not None and unknown.measures == ("52",)
    assert unknown.describe("fr") == "la mesure 52"
    asked_about_11 = profile_question("Que prévoit la mesure 11 ?", "fr")
    assert unknown_subject(asked_about_11, stats, known) is None

    stranger = profile_question("What does the Trillium Foundation fund?", "en")
    unknown = unknown_subject(stranger, stats, known)
    assert unknown is not None and unknown.names == ("Trillium", "Foundation")
    # One name the base knows is enough to look for an answer.
    assert unknown_subject(
        profile_question("Le PAGIEPS et la fondation Trillium ?", "fr"), stats, known
    ) is None


def test_a_year_is_covered_when_named_or_inside_a_period_the_base_names() -> None:
    def known(year: str) -> bool:
        return year in {"2019", "2023", "2024", "2029"}  # « 2019-2023 », « 2024-2029 »

    assert time_covered(Span(2024, 2024), known)
    assert time_covered(Span(2026, 2026), known)  # inside 2024-2029
    assert time_covered(Span(2030, 2035), known) is False
    assert time_covered(Span(2031, 2031), known) is False
    assert time_covered(Span(1998, 1998), known) is False


@given(st.integers(1950, 2080), st.integers(1, MAX_SPAN_YEARS), st.integers(0, MAX_SPAN_YEARS))
def test_every_year_of_a_named_period_is_covered(start: int, length: int, offset: int) -> None:
    named = {str(start), str(start + length)}
    year = start + min(offset, length)
    assert time_covered(Span(year, year), named.__contains__)


def test_a_question_only_about_times_no_passage_speaks_of_is_unknown() -> None:
    stats = _stats("Alliances FQIS mandataire Mauricie 2024 2029")
    unknown = unknown_subject(
        profile_question("Qui sera le mandataire en Mauricie en 2031 ?", "fr"), stats,
        lambda _: False,
    )
    assert unknown is not None and unknown.periods == ("2031",)
    assert unknown.describe("fr") == "2031"
    assert unknown_subject(
        profile_question("Qui est le mandataire en Mauricie en 2026 ?", "fr"), stats,
        lambda _: False,
    ) is None


def test_the_answer_says_which_measure_the_base_never_mentions(assistant) -> None:
    answer = assistant.ask("Que prévoit la mesure 52 du PAGIEPS ?")
    assert answer.abstained and answer.confidence == 0.0
    assert "Aucun document ne mentionne la mesure 52" in answer.text
    assert answer.citations, "the closest sources are still shown"

    english = assistant.ask("What is measure 45 of the PAGIEPS about?")
    assert english.abstained and "No document mentions measure 45" in english.text

    later = assistant.ask("Quel montant le FQIS prévoit-il pour les Alliances en 2031 ?")
    assert later.abstained and "Aucun document ne mentionne 2031" in later.text


def test_a_measure_the_base_names_is_weighed_as_usual(assistant) -> None:
    answer = assistant.ask("Qui est responsable de la mesure 3.1 de soutien aux projets locaux ?")
    assert "ne mentionne" not in answer.text and answer.confidence > 0.0
