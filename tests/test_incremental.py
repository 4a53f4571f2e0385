"""Re-analysis after an edit gives the same findings as analysing the new text from scratch."""

from __future__ import annotations

import random

import pytest

from se_lsp.rules.engine import analyze, reanalyze
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
