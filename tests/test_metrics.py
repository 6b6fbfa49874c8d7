"""Metrics and French number normalisation used to grade the gold set."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluations.metrics import (
    AbstentionScores,
    abstention_scores,
    answer_correct,
    comparison_key,
    dedupe_ranking,
    fact_present,
    fact_recall,
    missing_facts,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    summarize,
    token_f1,
)
from evaluations.numbers import extract_amounts, normalize_numbers

# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "written",
    [
        "160,1 M$",
        "160.1 million",
        "160,1 millions de dollars",
        "$160.1M",
        "$160.1 million",
        "160.1 million dollars",
        "160,1\u00a0M$",
        "160,1 M $",
        "160 100 000 $",
        "160,100,000 $",
    ],
)
def test_same_amount_many_spellings(written: str) -> None:
    assert normalize_numbers(written) == "160100000"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("115 M$", "115000000"),
        ("13,7 M$", "13700000"),
        ("1,2 M$", "1200000"),
        ("$1.2 million", "1200000"),
        ("12,5 M$", "12500000"),
        ("12 500 $", "12500"),
        ("12,500 $", "12500"),  # English thousands: comma + exactly three digits
        ("$12,500", "12500"),
        ("12\u202f500 $", "12500"),
        ("1 234,5 M$", "1234500000"),
        ("1,234.5 million", "1234500000"),
        ("2 milliards de dollars", "2000000000"),
        ("$1.2bn", "1200000000"),
        ("12,50 $", "12.5"),
    ],
)
def test_money_canonical(written: str, canonical: str) -> None:
    assert normalize_numbers(written) == canonical


@pytest.mark.parametrize(
    "written", ["90 %", "90%", "90\u00a0%", "90 percent", "90 per cent", "90 pour cent"]
)
def test_percent_spellings(written: str) -> None:
    assert normalize_numbers(written) == "90%"


def test_decimal_percent() -> None:
    assert normalize_numbers("2,5 %") == normalize_numbers("2.5%") == "2.5%"


@pytest.mark.parametrize(
    "untouched",
    [
        "2010-2011",
        "2004-2005 : s. o.",
        "PSIS 2010-2015",
        "mesure 1.1",
        "Alliance régionale pour la solidarité 02",
        "1er mars 2019",
        "2002, c. 61, a. 11.",
        "M 11 - Poursuivre",
        "en 2019 150 projets",
        "mesures 9 et 10",
    ],
)
def test_years_ranges_and_measure_numbers_untouched(untouched: str) -> None:
    assert normalize_numbers(untouched) == untouched


def test_plain_numbers_lose_grouping_and_decimal_comma() -> None:
    assert normalize_numbers("18 000 Cris") == "18000 Cris"
    assert normalize_numbers("près de 2 300 résidents") == "près de 2300 résidents"
    assert normalize_numbers("(PDF, 2,5 Mo)") == "(PDF, 2.5 Mo)"  # "Mo" is not "M$"
    assert normalize_numbers("mesure 1,1") == "mesure 1.1"
    assert normalize_numbers("12,000 residents") == "12000 residents"


def test_number_words() -> None:
    assert normalize_numbers("huit organismes") == "8 organismes"
    assert normalize_numbers("eight organizations") == "8 organizations"
    assert normalize_numbers("dix-sept") == "17"
    assert normalize_numbers("septembre") == "septembre"
    assert normalize_numbers("un plan") == "un plan"  # articles are left alone


def test_markdown_escaped_dollar() -> None:
    assert normalize_numbers("160,1 M\\$") == "160100000"


def test_extract_amounts() -> None:
    text = "Le FQIS est doté de 115 M$ : 90 % aux CRÉ, 18 000 Cris, en 2010-2011."
    amounts = extract_amounts(text)
    assert [(a.kind, a.value) for a in amounts] == [
        ("money", Decimal("115000000")),
        ("percent", Decimal("90")),
        ("number", Decimal("18000")),
        ("number", Decimal("2010")),
        ("number", Decimal("2011")),
    ]
    assert text[amounts[0].start : amounts[0].end] == "115 M$"
    assert [a.value for a in extract_amounts(text, kinds=("money",))] == [Decimal("115000000")]


def _french(value: Decimal, separator: str) -> str:
    whole, _, decimals = f"{value:f}".partition(".")
    groups = f"{int(whole):,}".replace(",", separator)
    return groups + ("," + decimals if decimals else "")


def _english(value: Decimal) -> str:
    whole, _, decimals = f"{value:f}".partition(".")
    return f"{int(whole):,}" + ("." + decimals if decimals else "")


_amounts = st.builds(
    lambda units, scale: Decimal(units).scaleb(-scale),
    st.integers(min_value=1, max_value=9_999_999),
    st.sampled_from([0, 1, 2]),
)


@settings(max_examples=200, deadline=None)
@given(
    value=_amounts,
    separator=st.sampled_from([" ", "\u00a0", "\u202f"]),
    french_style=st.sampled_from(["{} M$", "{} M $", "{} millions de dollars", "{} millions"]),
    english_style=st.sampled_from(["${} million", "${}M", "{} million dollars", "{} million"]),
)
def test_french_and_english_millions_normalise_equal(
    value: Decimal, separator: str, french_style: str, english_style: str
) -> None:
    french = french_style.format(_french(value, separator))
    english = english_style.format(_english(value))
    assert normalize_numbers(french) == normalize_numbers(english)
    assert extract_amounts(french)[0].value == value * 1_000_000
    assert extract_amounts(english)[0].value == value * 1_000_000


@settings(max_examples=200, deadline=None)
@given(value=st.integers(min_value=0, max_value=10**9), separator=st.sampled_from([" ", "\u00a0"]))
def test_french_and_english_dollars_normalise_equal(value: int, separator: str) -> None:
    french = f"{value:,} $".replace(",", separator)
    english = f"${value:,}"
    assert normalize_numbers(french) == normalize_numbers(english) == str(value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1900, max_value=2100), st.integers(min_value=1, max_value=9))
def test_year_ranges_never_change(start: int, length: int) -> None:
    text = f"{start}-{start + length}"
    assert normalize_numbers(text) == text


# ---------------------------------------------------------------- facts and answers


def test_comparison_key_folds_and_keeps_decimals() -> None:
    assert comparison_key("La Table des MRC de l’Estrie.") == "la table des mrc de l estrie"
    assert comparison_key("Mesure 1.1 : 13,7 M$.") == "mesure 1.1 13700000"
    assert comparison_key("Les maraîchers du cœur – 90 %") == "les maraichers du coeur 90%"


def test_fact_present_accents_case_apostrophes_dashes() -> None:
    answer = "Le mandataire est la table des mrc de l'estrie, à saguenay lac saint jean."
    assert fact_present(answer, "Table des MRC de l’Estrie")
    assert fact_present(answer, "Saguenay–Lac-Saint-Jean")
    assert fact_present("Les maraichers du coeur", "maraîchers du cœur")


def test_fact_present_numbers_across_languages() -> None:
    assert fact_present("The PAGIEPS plans $160.1 million from the FQIS.", "160,1 M$")
    assert fact_present("Inuit make up 91 percent of the population.", "91 %")
    assert fact_present("About 12,000 residents.", "12 000")
    assert fact_present("Eight organizations.", "huit")


def test_fact_present_whole_words_only() -> None:
    assert not fact_present("Le coût est de 160 M$.", "16 M$")
    assert not fact_present("Le coût est de 160 M$.", "160,1 M$")
    assert not fact_present("mesure 1.10", "1.1")
    assert not fact_present("les CRÉations", "CRÉ")
    assert fact_present("les CRÉ.", "CRÉ")
    assert fact_present("C'est la mesure 1.1.", "1.1")


def test_fact_present_as_the_document_writes_the_figure() -> None:
    # A fact may give a figure as written, without its unit: "13,7 M" for "13,7 M$".
    assert fact_present("2010-2011 : 13,7 M$", "13,7 M")
    assert fact_present("investissements totaux de 160,1 M$ du FQIS", "160,1")
    assert fact_present("Le FQIS est doté de 115 M\\$", "115 M")
    assert not fact_present("Les parts : 3,1 et 2,5.", "1,2")
    assert not fact_present("12,5 M$", "2,5")
    assert not fact_present("une enveloppe de 1 845 200 $", "200 $")
    assert not fact_present("une enveloppe de 1 845 200 $", "845 200")


@settings(max_examples=200, deadline=None)
@given(whole=st.integers(min_value=1, max_value=999), tenth=st.integers(min_value=0, max_value=9),
       other=st.integers(min_value=1, max_value=999))
def test_a_figure_as_written_is_found_only_in_itself(whole: int, tenth: int, other: int) -> None:
    written = f"{whole},{tenth}"
    assert fact_present(f"une enveloppe de {written} M$ du FQIS", f"{written} M")
    assert fact_present(f"une enveloppe de {written} M$ du FQIS", written)
    assert fact_present(f"{other} 000 $ puis {written} M$", written)
    if other != whole:
        assert not fact_present(f"une enveloppe de {other},{tenth} M$", written)


def test_fact_alternatives_any_of() -> None:
    assert fact_present("Par le FQIS.", ["Fonds québécois d'initiatives sociales", "FQIS"])
    assert not fact_present("Par le fonds.", ["Fonds québécois d'initiatives sociales", "FQIS"])
    assert fact_present("March 1, 2019", ["1er mars 2019", "March 1, 2019"])


def test_fact_validation() -> None:
    with pytest.raises(ValueError):
        fact_present("texte", [])
    with pytest.raises(ValueError):
        fact_present("texte", "  ")


def test_answer_correct_needs_every_fact() -> None:
    facts = ["90 %", "3 %", ["7 %", "sept pour cent"]]
    assert answer_correct("90 % aux CRÉ, 3 % à la CSSSPNQL et 7 % au national.", facts)
    assert not answer_correct("90 % aux CRÉ et 3 % à la CSSSPNQL.", facts)
    assert missing_facts("90 % aux CRÉ et 3 % à la CSSSPNQL.", facts) == [facts[2]]
    assert fact_recall("90 % aux CRÉ et 3 % à la CSSSPNQL.", facts) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        answer_correct("n'importe quoi", [])


# ---------------------------------------------------------------- token F1


def test_token_f1() -> None:
    assert token_f1("Ville de Laval", "la Ville de Laval") == 1.0  # stop words ignored
    assert token_f1("Montréal", "montreal") == 1.0
    assert token_f1("Ville de Laval", "Conférence des préfets") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("le la les", "the of") == 1.0  # no content tokens on either side
    assert token_f1("", "Ville de Laval") == 0.0
    assert token_f1("160,1 M$", "$160.1 million") == 1.0
    partial = token_f1("Table des MRC de l'Estrie", "Table des MRC du Centre-du-Québec")
    # prediction tokens: table mrc estrie; reference: table mrc centre quebec -> 2 common
    assert partial == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))


# ---------------------------------------------------------------- retrieval


def test_dedupe_ranking_keeps_first_occurrence() -> None:
    assert dedupe_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_recall_at_k() -> None:
    ranking = ["x", "x", "y", "rel", "z"]
    assert recall_at_k(ranking, ["rel"], 1) == 0.0
    assert recall_at_k(ranking, ["rel"], 2) == 0.0
    assert recall_at_k(ranking, ["rel"], 3) == 1.0  # document level: x, y, rel
    assert recall_at_k(ranking, ["rel", "other"], 3) == 1.0
    assert recall_at_k([], ["rel"], 5) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(ranking, [], 5)
    with pytest.raises(ValueError):
        recall_at_k(ranking, ["rel"], 0)


def test_mrr_at_k() -> None:
    assert mrr_at_k(["rel", "x"], ["rel"], 10) == 1.0
    assert mrr_at_k(["x", "x", "rel"], ["rel"], 10) == 0.5
    assert mrr_at_k(["x", "y", "rel"], ["rel"], 2) == 0.0
    assert mrr_at_k(["x", "a", "b"], ["a", "b"], 3) == 0.5


def test_ndcg_at_k() -> None:
    assert ndcg_at_k(["a", "b"], ["a", "b"], 2) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "a", "a"], ["a"], 3) == pytest.approx(1.0)  # repeats do not add
    assert ndcg_at_k(["x", "a"], ["a"], 2) == pytest.approx(1 / 1.584962500721156)
    assert ndcg_at_k(["x", "y"], ["a"], 2) == 0.0
    # two relevant, one found at rank 1: DCG 1, IDCG 1 + 1/log2(3)
    assert ndcg_at_k(["a", "x"], ["a", "b"], 2) == pytest.approx(1 / (1 + 1 / 1.584962500721156))


_doc = st.sampled_from(list("abcdefgh"))


@settings(max_examples=200, deadline=None)
@given(
    ranking=st.lists(_doc, max_size=15),
    relevant=st.sets(_doc, min_size=1, max_size=4),
    k=st.integers(min_value=1, max_value=12),
)
def test_ranking_metrics_bounded_and_monotone(ranking, relevant, k) -> None:
    ndcg = ndcg_at_k(ranking, relevant, k)
    mrr = mrr_at_k(ranking, relevant, k)
    recall = recall_at_k(ranking, relevant, k)
    assert 0.0 <= ndcg <= 1.0 + 1e-12
    assert 0.0 <= mrr <= 1.0
    assert recall in (0.0, 1.0)
    assert recall_at_k(ranking, relevant, k + 1) >= recall
    assert mrr_at_k(ranking, relevant, k + 1) >= mrr
    assert (mrr > 0) == (recall == 1.0) == (ndcg > 0)


# ---------------------------------------------------------------- abstention and summary


def test_abstention_scores() -> None:
    pairs = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    scores = abstention_scores(pairs)
    assert isinstance(scores, AbstentionScores)
    precision, recall = scores
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)


def test_abstention_scores_vacuous_cases() -> None:
    assert abstention_scores([]) == (1.0, 1.0)
    assert abstention_scores([(False, False)]) == (1.0, 1.0)
    assert abstention_scores([(True, False)]) == (1.0, 0.0)  # never abstained: no false one
    assert abstention_scores([(False, True)]) == (0.0, 1.0)


def test_summarize_groups_by_language_and_type() -> None:
    records = [
        {"id": "a", "language": "fr", "types": ["factual"], "accuracy": True, "f1": 0.5},
        {
            "id": "b",
            "language": "fr",
            "types": ["list", "chat-style"],
            "accuracy": False,
            "f1": 1.0,
        },
        {"id": "c", "language": "en", "types": ["factual"], "accuracy": 1.0, "f1": None},
        {"id": "d", "language": "en", "types": ["out-of-scope"], "note": "texte"},
    ]
    summary = summarize(records)
    assert summary["overall"]["all"]["accuracy"] == {"mean": pytest.approx(2 / 3), "count": 3}
    assert summary["overall"]["all"]["f1"] == {"mean": pytest.approx(0.75), "count": 2}
    assert summary["by_language"]["fr"]["accuracy"]["mean"] == 0.5
    assert summary["by_language"]["en"]["accuracy"] == {"mean": 1.0, "count": 1}
    assert summary["by_type"]["factual"]["accuracy"] == {"mean": 1.0, "count": 2}
    assert summary["by_type"]["chat-style"]["f1"] == {"mean": 1.0, "count": 1}
    assert "out-of-scope" not in summary["by_type"]  # no metric value there
    only = summarize(records, metrics=["f1"])
    assert set(only["overall"]["all"]) == {"f1"}
    assert summarize([]) == {"overall": {}, "by_language": {}, "by_type": {}}
