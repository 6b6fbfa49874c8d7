"""The parts of the evidence answerer that need no model: periods in text, candidate
quotes, quote selection and the fitting script's guards."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evaluations.fit_evidence import (
    FOLDS,
    FitError,
    QuestionRows,
    held_out_folds,
    minimal_answers,
    tuning_questions,
)
from retrieval.answer_composer import (
    JOIN_MARGIN,
    RIVAL_MARGIN,
    ScoredQuote,
    Selection,
    closest_sources,
    compose,
    joined_quotes,
    select_quotes,
)
from retrieval.chunking import Chunk
from retrieval.evidence_candidates import candidates, passage_candidates
from retrieval.evidence_features import (
    FEATURE_NAMES,
    TermStats,
    candidate_facts,
    question_unknown_share,
    stems_in_base_words,
)
from retrieval.evidence_model import LONE_LEAD, EvidenceModel, Ranking, fit_logistic, sigmoid
from retrieval.filters import SearchFilters
from retrieval.index import SearchHit
from retrieval.question_profile import profile_question
from retrieval.spans import Span, row_period, spans_in


def _hit(
    text: str, doc_id: str = "doc.txt", chunk_id: str = "doc.txt#0", periods: str = ""
) -> SearchHit:
    chunk = Chunk(chunk_id=chunk_id, doc_id=doc_id, section="Section", text=text,
                  position=0, metadata={"title": "Titre", "periods": periods})
    return SearchHit(chunk=chunk, score=1.0)


@given(st.integers(1990, 2089), st.integers(1, 10))
@example(2089, 10)  # periods are read in 1900-2099: the last one that fits
def test_a_period_is_read_back_in_both_spellings(start: int, length: int) -> None:
    end = min(start + length, 2099)
    assert spans_in(f"l'entente {start}-{end}") == [Span(start, end)]
    assert spans_in(f"pour {start}-{str(end)[2:]}") == [Span(start, end)]


@given(st.text(max_size=200))
def test_spans_never_fail_and_are_ordered_years(text: str) -> None:
    for span in spans_in(text):
        assert span.start <= span.end


def test_a_year_inside_a_period_is_not_counted_twice() -> None:
    assert spans_in("De 2019-2023, puis en 2025.") == [Span(2019, 2023), Span(2025, 2025)]


def test_candidates_are_lines_pairs_lists_and_short_passages() -> None:
    text = "Le mandataire est le CRDS.\nIl reçoit 2 M$.\nPriorités :\n- logement\n- transport"
    found = passage_candidates(_hit(text), 0)
    kinds = {c.kind for c in found}
    assert kinds == {"line", "pair", "list", "block"}
    assert any(c.kind == "pair" and c.text == "Le mandataire est le CRDS.\nIl reçoit 2 M$."
               for c in found)
    assert any(c.kind == "list" and c.text.startswith("Priorités :") for c in found)


def test_a_quote_two_passages_share_is_kept_once() -> None:
    hits = [_hit("Même phrase.", chunk_id="a#0"), _hit("Même phrase.", chunk_id="b#0")]
    assert [c.hit.chunk.chunk_id for c in candidates(hits)] == ["a#0"]


def test_only_the_shortest_answering_quote_is_a_positive_example() -> None:
    found = passage_candidates(_hit("Réponse : 42 projets.\nAutre chose."), 0)
    answers = ["42" in c.text for c in found]
    labels = minimal_answers(found, answers)
    positives = [c.text for c, label in zip(found, labels, strict=True) if label]
    assert positives == ["Réponse : 42 projets."]


def test_fitting_refuses_the_held_out_suites() -> None:
    with pytest.raises(FitError, match="blind"):
        tuning_questions(["dev", "blind"])


def test_fitting_refuses_the_validation_suite() -> None:
    with pytest.raises(FitError, match="paraphrase-dev"):
        tuning_questions(["dev", "paraphrase-dev"])


def _rows(suites: list[str]) -> list[QuestionRows]:
    empty = np.zeros((0, len(FEATURE_NAMES)))
    return [
        QuestionRows(None, empty, np.zeros(0), np.zeros(0, dtype=bool), suite=suite)  # type: ignore[arg-type]
        for suite in suites
    ]


def test_the_calibration_folds_hold_out_one_suite_at_a_time() -> None:
    rows = _rows(["dev", "unseen-dev", "dev", "paraphrase-fit", "unseen-dev"])
    folds = held_out_folds(rows)
    assert sorted(map(sorted, folds)) == [[0, 2], [1, 4], [3]]


def test_a_single_suite_is_held_out_by_question_folds() -> None:
    folds = held_out_folds(_rows(["dev"] * 23))
    assert len(folds) == FOLDS
    assert sorted(i for fold in folds for i in fold) == list(range(23))


def test_every_suite_has_one_role_and_the_fit_suites_are_the_default() -> None:
    from evaluations.suites import FIT_SUITES, HELD_OUT_SUITES, SUITES, VALIDATION_SUITES

    assert sorted(FIT_SUITES + VALIDATION_SUITES + HELD_OUT_SUITES) == sorted(SUITES)
    assert "paraphrase-dev" in VALIDATION_SUITES and "blind" in VALIDATION_SUITES
    assert {"blind-2", "unseen-2"} <= set(HELD_OUT_SUITES)
    assert not any(SUITES[name].tuning for name in HELD_OUT_SUITES)


def test_logistic_fit_learns_a_separating_feature() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 2))
    labels = (features[:, 0] > 0).astype(float)
    weights, _ = fit_logistic(features, labels, l2=0.1)
    assert weights[0] > 3 * abs(weights[1])


def test_ranking_reads_the_lead_the_share_and_the_agreeing_sources() -> None:
    features = np.arange(12, dtype=float).reshape(6, 2)
    scores = np.array([0.0, 3.0, 1.0, 1.0, -2.0, 2.0])
    documents = ["a", "b", "b", "c", "b", "a"]
    ranking = Ranking.of(features, scores, documents)
    assert ranking.best_features.tolist() == [2.0, 3.0]
    assert ranking.best_score == 3.0
    assert ranking.lead == pytest.approx(1.0)
    assert ranking.share == pytest.approx(float(np.exp(3.0) / np.exp(scores).sum()))
    # after "b" (3.0) come "a" (2.0), then "b" and "c" (1.0), then "a" (0.0): one of four
    assert ranking.agreement == pytest.approx(0.25)


def test_a_lone_quote_has_the_whole_share_and_the_lone_lead() -> None:
    ranking = Ranking.of(np.zeros((1, 3)), np.array([-4.0]), ["a"])
    assert (ranking.lead, ranking.share, ranking.agreement) == (LONE_LEAD, 1.0, 0.0)


def _model(threshold: float) -> EvidenceModel:
    size = len(FEATURE_NAMES)
    calibration = (0.0,) * (size + 4) + (0.0,)  # confidence 0.5 whatever the quote
    return EvidenceModel(FEATURE_NAMES, np.zeros(size), 0.0, np.zeros(size), np.ones(size),
                         calibration, threshold)


def test_select_quotes_abstains_below_the_threshold_and_answers_above() -> None:
    found = passage_candidates(_hit("Le CRDS est mandataire.\nAutre ligne."), 0)
    scores = np.arange(len(found), dtype=float)
    features = np.zeros((len(found), len(FEATURE_NAMES)))
    profile = profile_question("Qui est mandataire ?", "fr", lambda _: ())
    assert select_quotes(profile, found, features, scores, _model(0.6)).quotes == []
    chosen = select_quotes(profile, found, features, scores, _model(0.4))
    assert chosen.quotes[0].candidate is found[-1]
    assert chosen.confidence == pytest.approx(float(sigmoid(0.0)))


def _joined(hits: list[SearchHit], scores: list[float]) -> list[str]:
    found = [c for c in candidates(hits) if c.kind == "line"]
    profile = profile_question("Que dit-on de la table ?", "fr", lambda _: ())
    return [q.candidate.text for q in joined_quotes(profile, found, np.asarray(scores))]


def test_a_close_line_of_the_same_document_joins_the_best_one() -> None:
    hits = [_hit("La table se réunit chaque année.\nLe ministre préside la table.")]
    assert _joined(hits, [2.0, 2.0 - JOIN_MARGIN / 2]) == [
        "La table se réunit chaque année.", "Le ministre préside la table."]
    assert _joined(hits, [2.0, 2.0 - 2 * JOIN_MARGIN]) == ["La table se réunit chaque année."]


def test_other_documents_join_before_a_second_line_of_the_same_one() -> None:
    hits = [
        _hit("Ligne un.\nLigne deux.\nLigne trois.", doc_id="a.txt", chunk_id="a#0"),
        _hit("Autre source.", doc_id="b.txt", chunk_id="b#0"),
        _hit("Troisième source.", doc_id="c.txt", chunk_id="c#0"),
    ]
    # a's second and third lines score above b and c, yet b and c fill the places left
    assert _joined(hits, [3.0, 2.9, 2.8, 2.7, 2.6]) == [
        "Ligne un.", "Autre source.", "Troisième source."]


def test_an_abstention_cites_the_passages_of_the_best_scored_quotes_first() -> None:
    hits = [
        _hit("Le plan est interministériel.", doc_id="a.txt", chunk_id="a#0"),
        _hit("Autre ligne.\nMinistère responsable : MESS", doc_id="b.txt", chunk_id="b#0"),
        _hit("Un passage de plus.", doc_id="c.txt", chunk_id="c#0"),
        _hit("Et un dernier.", doc_id="d.txt", chunk_id="d#0"),
    ]
    found = [c for c in candidates(hits) if c.kind == "line"]
    scores = np.asarray(
        [3.0 if c.text.startswith("Ministère") else 1.0 if c.text == "Autre ligne." else 0.0
         for c in found]
    )
    closest = closest_sources(found, scores, hits)
    # b's best quote first, with that quote as its excerpt; each passage once; then the
    # others in score order, three in all
    assert [(c.chunk_id, c.excerpt) for c in closest[:1]] == [
        ("b#0", "Ministère responsable : MESS")]
    assert [c.chunk_id for c in closest] == ["b#0", "a#0", "c#0"]


def test_without_scored_quotes_an_abstention_cites_the_best_ranked_passages() -> None:
    hits = [_hit(f"Passage {n}.", chunk_id=f"p#{n}") for n in range(5)]
    closest = closest_sources([], np.zeros(0), hits)
    assert [c.chunk_id for c in closest] == ["p#0", "p#1", "p#2"]
    assert closest[0].excerpt == "Passage 0."


def _lead_model(threshold: float) -> EvidenceModel:
    """A model whose log-odds are the ranking's lead (capped at LONE_LEAD)."""
    model = _model(threshold)
    model.calibration = (1.0,) + (0.0,) * (len(FEATURE_NAMES) + 3) + (0.0,)
    return model


def _ranking(lead: float) -> Ranking:
    return Ranking(np.zeros(len(FEATURE_NAMES)), 0.0, lead, 0.5, 0.0)


@given(st.floats(0.05, 3.0), st.floats(-2.0, 2.0), st.floats(0.2, 0.8))
def test_rescaling_the_confidence_gives_the_same_answers(
    scale: float, offset: float, threshold: float
) -> None:
    model = _lead_model(threshold)
    leads = np.linspace(-4.0, 4.0, 33)
    shown = [model.confidence(_ranking(lead)) >= model.threshold for lead in leads]
    model.rescale_confidence(scale, offset)
    for lead, was_shown in zip(leads, shown, strict=True):
        confidence = model.confidence(_ranking(lead))
        assert confidence == pytest.approx(float(sigmoid(scale * lead + offset)))
        if abs(confidence - model.threshold) > 1e-9:  # ties aside
            assert (confidence >= model.threshold) == was_shown


def test_the_confidence_is_rescaled_on_the_suites_written_from_the_documents_only() -> None:
    from evaluations.fit_evidence import CONFIDENCE_SUITES, Outcome, rescale_confidence

    rng = np.random.default_rng(3)
    leads = rng.uniform(-3.0, 3.0, 600)
    # the confidence suites' answers are right less often than the lead says
    outcomes = [Outcome(_ranking(lead), bool(rng.random() < sigmoid(0.5 * lead - 0.5)), True)
                for lead in leads]
    suites = [CONFIDENCE_SUITES[i % len(CONFIDENCE_SUITES)] for i in range(len(leads))]
    # gold questions worded after the documents, always right: they must not count
    outcomes += [Outcome(_ranking(lead), True, True) for lead in leads[:200]]
    suites += ["dev"] * 200
    model = _lead_model(0.6)
    scale, offset = rescale_confidence(model, outcomes, suites)
    assert 0.3 < scale < 0.7 and -0.9 < offset < -0.1
    assert model.confidence(_ranking(3.0)) < float(sigmoid(3.0))
    assert model.threshold == pytest.approx(float(sigmoid(scale * np.log(0.6 / 0.4) + offset)))


def _stats(words: set[str]) -> TermStats:
    return TermStats(idf=lambda stem: 1.0, known=words.__contains__)


def test_an_acronym_the_base_never_writes_counts_as_the_words_it_stands_for() -> None:
    expand = {"APS": ("Alliance pour la solidarité",)}.get
    profile = profile_question("qui gère l'aps en outaouais", "fr", lambda a: expand(a, ()))
    base = _stats({"ger", "outaou", "allianc", "solidarit"})
    stems = stems_in_base_words(profile, base)
    assert "ap" not in stems and {"allianc", "solidarit"} <= set(stems)
    assert question_unknown_share(stems, base) == 0.0
    # where the base writes the acronym itself, the question keeps it
    assert "ap" in stems_in_base_words(profile, _stats({"ger", "ap"}))


def _composed(scores: list[float]) -> list[str]:
    """The lines of an answer quoting the 2019-2023 page (scored first) and a 2024-2029
    release, which score `scores`."""
    older = _hit("Mandataire : Regroupement des MRC de la Gaspésie", "page.txt", "page#0",
                 periods="2019-2023")
    newer = _hit("La MRC de La Côte-de-Gaspé gère désormais l'Alliance.", "release.txt",
                 "release#0", periods="2024-2029")
    quotes = [
        ScoredQuote(candidate, score) for hit, score in zip((older, newer), scores, strict=True)
        for candidate in candidates([hit])
    ]
    profile = profile_question("Qui gère l'Alliance en Gaspésie ?", "fr", lambda _: ())
    answer = compose(profile.text, profile, Selection(quotes, 0.9), SearchFilters())
    return answer.text.splitlines()


def test_rival_answers_of_two_periods_give_the_most_recent_first() -> None:
    lines = _composed([3.0, 3.0 - RIVAL_MARGIN / 2])
    assert lines[0].startswith("Les sources portent sur des périodes différentes")
    assert lines[1].startswith("(2024-2029) « La MRC de La Côte-de-Gaspé")
    assert lines[2].startswith("(auparavant, 2019-2023) « Mandataire : Regroupement")


def test_a_quote_of_another_period_far_behind_only_follows_the_best_one() -> None:
    lines = _composed([3.0, 3.0 - (RIVAL_MARGIN + JOIN_MARGIN) / 2])
    assert lines[0] == "D'après les documents :"
    assert lines[1].startswith("« Mandataire : Regroupement des MRC de la Gaspésie »")
    assert lines[2].startswith("« La MRC de La Côte-de-Gaspé")


@pytest.mark.parametrize(("quote", "lead"), [
    ("Mandataire : Table des MRC de l'Estrie", "According to the documents (quoted in French):"),
    ("Région : Estrie\nStatut : en cours\nBudget : 120 000 $",
     "According to the documents (quoted in French):"),
    ("The call closes on Friday, September 26, 2025, at 4 p.m.", "According to the documents:"),
])
def test_an_english_answer_says_quoted_in_french_only_when_it_is(quote: str, lead: str) -> None:
    # The passage's last line alone, as « Budget : 120 000 $ » is quoted from a card.
    quotes = [ScoredQuote(candidates([_hit(quote)])[len(quote.splitlines()) - 1], 2.0)]
    profile = profile_question("When does the call close?", "en", lambda _: ())
    answer = compose(profile.text, profile, Selection(quotes, 0.9), SearchFilters())
    assert answer.text.splitlines()[0] == lead


@given(st.integers(2000, 2090), st.integers(1, 5), st.integers(1, 5))
def test_periods_that_only_touch_share_no_year(start: int, first: int, second: int) -> None:
    earlier, later = Span(start, start + first), Span(start + first, start + first + second)
    assert not earlier.overlaps(later) and not later.overlaps(earlier)
    assert Span(start + first, start + first).overlaps(earlier)  # the year itself does
    assert Span(start, start + first + second).overlaps(later)


def test_a_table_row_is_about_its_own_period() -> None:
    row = candidates([_hit("2009-2010 : s. o.", periods="2010-2011")])[0]
    listed = candidates([_hit("- Enveloppe du FQIS pour 2019-2023 : 3 874 255 $",
                              periods="2024-2029")])[0]
    assert candidate_facts(row).spans == (Span(2009, 2010),)
    assert Span(2024, 2029) in candidate_facts(listed).spans  # not a row: its document's too


@pytest.mark.parametrize(("line", "period"), [
    ("2009-2010 : s. o.", Span(2009, 2010)),
    ("2010-11 : 13,7 M$", Span(2010, 2011)),
    ("- Enveloppe du FQIS pour 2019-2023 : 3 874 255 $", None),
    ("Mandataire : Consortium", None),
])
def test_a_row_period_is_a_period_labelling_the_line(line: str, period: Span | None) -> None:
    assert row_period(line) == period
