"""The labelled corpus: the rules find what is marked and nothing else."""

from __future__ import annotations

import pytest

from tests.corpus_score import score


@pytest.mark.parametrize("language", ["rust", "cpp", "go"])
def test_corpus_precision_and_recall(language):
    s = score(language)
    assert s.tp + s.fn > 0, f"no labelled findings in tests/corpus/{language}"
    # Precision matters more than recall: a reviewer that cries wolf gets switched off.
    assert s.precision >= 0.95, f"false alarms: {s.false_alarms}"
    assert s.recall >= 0.85, f"missed: {s.misses}"
