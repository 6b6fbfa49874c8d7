"""French and English number formats made comparable, for grading answers.

The implementation lives in `knowledge.number_formats`, where the LLM answer checks
(retrieval/) can import it too; this module keeps the evaluation's import path.
"""

from knowledge.number_formats import (
    Amount,
    AmountKind,
    extract_amounts,
    normalize_numbers,
    number_words_to_digits,
)

__all__ = ["Amount", "AmountKind", "extract_amounts", "normalize_numbers", "number_words_to_digits"]
