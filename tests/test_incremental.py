"""Re-analysis after an edit gives the same findings as analysing the new text from scratch."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from se_lsp.rules.engine import _common_prefix, _common_suffix, analyze, reanalyze
from tests.corpus_score import corpus_files


def _keys(findings):
    return [(f.code, f.span.start, f.span.end, f.title) for f in findings]


def _edits(text: str, rng: random.Random):
    """Realistic single edits: type a line, delete a line, change a token, duplicate a line."""
    lines = text.split("\n")
    for _ in range(60):
        i = rng.randrange(len(lines))
        kind = rng.choice(["insert", "delete", "dup", "char", "comment"])
        new = list(lines)
        if kind == "insert":
            new.insert(i, "    let_me_type = 1;")
        elif kind == "delete" and len(new) > 1:
            del new[i]
        elif kind == "dup":
            new.insert(i, new[i])
        elif kind == "char" and new[i]:
            j = rng.randrange(len(new[i]))
            new[i] = new[i][:j] + rng.choice("x;{}( ") + new[i][j:]
        else:
            new.insert(i, "// se-lsp: ignore")
        yield "\n".join(new)


@pytest.mark.parametrize("language", ["rust", "cpp", "go"])
def test_reanalysis_matches_full_analysis(language):
    rng = random.Random(f"{language}-7")
    files = corpus_files(language)
    assert files
    mismatches = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        base = analyze(text, language)
        for edited in _edits(text, rng):
            inc = reanalyze(base, edited, language)
            full = analyze(edited, language)
            if _keys(inc.findings) != _keys(full.findings):
                only_inc = set(_keys(inc.findings)) - set(_keys(full.findings))
                only_full = set(_keys(full.findings)) - set(_keys(inc.findings))
                mismatches.append((path.name, sorted(only_inc)[:3], sorted(only_full)[:3]))
    assert not mismatches, mismatches[:5]


def test_unchanged_text_reuses_everything():
    text = corpus_files("go")[0].read_text(encoding="utf-8")
    base = analyze(text, "go")
    again = reanalyze(base, text, "go")
    assert again.findings is base.findings


@pytest.mark.parametrize("language", ["rust", "cpp", "go"])
def test_fast_reanalysis_then_exact_pass_converges(language):
    """While typing, file-scoped rules may lag; the exact pass on the same text repairs them."""
    rng = random.Random(f"{language}-fast")
    path = corpus_files(language)[0]
    text = path.read_text(encoding="utf-8")
    current = analyze(text, language)
    for edited in list(_edits(text, rng))[:20]:
        current = reanalyze(current, edited, language, exact=False)
        settled = reanalyze(current, edited, language, exact=True)
        assert settled.exact
        assert _keys(settled.findings) == _keys(analyze(edited, language).findings)
        current = settled


@given(
    st.binary(min_size=1, max_size=64),
    st.integers(0, 40_000),
    st.integers(0, 3_000),
    st.binary(max_size=3_000),
    st.integers(1, 300),
)
def test_common_prefix_and_suffix_find_the_edit(unit, at, removed, inserted, repeat):
    """The edit found by comparing the texts in chunks is the edit made, across chunk
    boundaries and for texts shorter than a chunk."""
    old = (unit * repeat * 700)[: max(at + removed, len(unit) * repeat)]
    at = min(at, len(old))
    new = old[:at] + inserted + old[at + removed :]
    start = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - start)
    naive_start = next(
        (i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y),
        min(len(old), len(new)),
    )
    assert start == naive_start
    limit = min(len(old), len(new)) - start
    naive_suffix = next(
        (i for i in range(limit) if old[len(old) - 1 - i] != new[len(new) - 1 - i]), limit
    )
    assert suffix == naive_suffix
    assert old[:start] + new[start : len(new) - suffix] + old[len(old) - suffix :] == new
