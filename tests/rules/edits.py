"""Random edits over every fixture of a language, re-analysed the two ways the server does.

Used by the body-scope tests of each language: a rule scoped too narrowly shows as a
finding that differs from a full analysis of the same text.
"""

from __future__ import annotations

import random

from se_lsp.rules import analyze
from se_lsp.rules.engine import reanalyze
from tests.rules.markers import fixture_files


def random_edit(lines: list[str], rng: random.Random, typed: str, words: list[str]) -> list[str]:
    """One edit: a typed line, a line deleted or doubled, a character, or a word inserted."""
    i = rng.randrange(len(lines))
    kind = rng.choice(["insert", "delete", "dup", "char", "word"])
    new = list(lines)
    if kind == "insert":
        new.insert(i, typed)
    elif kind == "delete" and len(new) > 1:
        del new[i]
    elif kind == "dup":
        new.insert(i, new[i])
    elif kind == "char" and new[i]:
        j = rng.randrange(len(new[i]))
        new[i] = new[i][:j] + rng.choice("x;{}( &*") + new[i][j:]
    else:
        j = rng.randrange(len(new[i]) + 1)
        new[i] = new[i][:j] + rng.choice(words) + new[i][j:]
    return new


def reanalysis_mismatches(
    language: str, seed: str, typed: str, words: list[str], steps: int = 6
) -> list[tuple[str, int, str]]:
    """(fixture, step, "exact" | "settled") wherever a re-analysis differs from a full one:
    after one exact pass, and after typing passes settled by an exact one."""
    rng = random.Random(seed)
    keys = lambda fs: [(f.code, f.span, f.title, f.severity) for f in fs]  # noqa: E731
    mismatches = []
    for path in fixture_files(language):
        lines = path.read_text(encoding="utf-8").split("\n")
        base = typing = analyze("\n".join(lines), language)
        for step in range(steps):
            lines = random_edit(lines, rng, typed, words)
            text = "\n".join(lines)
            full = analyze(text, language)
            if keys(reanalyze(base, text, language).findings) != keys(full.findings):
                mismatches.append((path.name, step, "exact"))
            typing = reanalyze(typing, text, language, exact=False)
            if step % 2:
                typing = reanalyze(typing, text, language, exact=True)
                if keys(typing.findings) != keys(full.findings):
                    mismatches.append((path.name, step, "settled"))
            base = full
    return mismatches
