"""Suppressions carried across edits equal the ones a fresh scan finds.

Re-analysis moves the previous suppression spans past an edit instead of scanning the
whole file again (engine.reanalyze, Suppressions.moved). These tests type, delete and
insert lines around suppression comments of every kind, including typing a marker one
character at a time (the keystroke that completes `NOLINT` is a single `T`), and compare
after each keystroke with a scan of the new text.
"""

from __future__ import annotations

import random

import pytest

from se_lsp.core.languages import parser
from se_lsp.core.positions import LineIndex
from se_lsp.rules import analyze
from se_lsp.rules.engine import reanalyze
from se_lsp.rules.suppress import Suppressions
from tests.rules.markers import FIXTURES

EXTRA = {
    "cpp": """#include <string>
#include <vector>
// NOLINTBEGIN(performance-*)
void a(std::vector<std::string> v) {
  for (auto s : v) { (void)s; }
}
// NOLINTEND(performance-*)
void b(std::vector<std::string> v) {
  // NOLINTNEXTLINE(performance-for-range-copy)
  for (auto s : v) { (void)s; }
  for (auto s : v) { (void)s; }
}
""",
    "go": """package p

//lint:file-ignore SA6000 generated patterns

import "regexp"

func f(lines []string) {
	for _, l := range lines {
		//nolint:gocritic
		ok, _ := regexp.MatchString(`x+`,
			l)
		_ = ok
	}
}
""",
    "rust": """fn f(v: &[String]) -> usize {
    let mut n = 0;
    for s in v {
        // se-lsp: ignore
        let t = s.clone();
        n += t.len();
    }
    n
}
""",
}

MARKERS = {
    "cpp": ["// NOLINT", "// NOLINTNEXTLINE(performance-for-range-copy)", "// se-lsp: ignore"],
    "go": ["//nolint", "//lint:ignore SA6000 why", "// se-lsp: ignore"],
    "rust": ["// se-lsp: ignore", "// se-lsp: ignore[rust/redundant-clone]"],
}
CODE = {"cpp": "  int z = 0;", "go": "\tz := 0", "rust": "    let z = 0;"}
EXT = {"cpp": "cpp", "go": "go", "rust": "rs"}


def _scan(text: str, language: str) -> list[tuple[object, ...]]:
    source = text.encode("utf-8")
    tree = parser(language).parse(source)
    found = Suppressions.scan(source, tree.root_node, LineIndex(text))
    return sorted((s.first, s.last, s.kind, s.names) for s in found.spans)


def _carried(analysis: object) -> list[tuple[object, ...]]:
    marks = analysis.suppressions  # type: ignore[attr-defined]
    assert marks is not None
    return sorted((s.first, s.last, s.kind, s.names) for s in marks.spans)


def _keystrokes(lines: list[str], rng: random.Random, language: str) -> list[list[str]]:
    """One user action as the texts after each of its keystrokes."""
    i = rng.randrange(len(lines))
    kind = rng.choice(["marker", "blank", "code", "delete", "char", "join"])
    if kind == "marker":
        # Typed one character at a time at the end of a line, or on a new line.
        marker = rng.choice(MARKERS[language])
        own_line = rng.random() < 0.5
        base = list(lines)
        if own_line:
            base.insert(i, "")
        out = []
        for k in range(1, len(marker) + 1):
            step = list(base)
            step[i] = base[i] + (" " if base[i] and not own_line else "") + marker[:k]
            out.append(step)
        return out
    new = list(lines)
    if kind == "blank":
        new.insert(i, "")
    elif kind == "code":
        new.insert(i, CODE[language])
    elif kind == "delete" and len(new) > 1:
        del new[i]
    elif kind == "join" and i + 1 < len(new):
        new[i : i + 2] = [new[i] + " " + new[i + 1].strip()]
    else:
        j = rng.randrange(len(new[i]) + 1)
        new[i] = new[i][:j] + rng.choice("x;{}( ") + new[i][j:]
    return [new]


@pytest.mark.parametrize("language", ["cpp", "go", "rust"])
def test_carried_suppressions_equal_a_fresh_scan(language):
    sources = [
        (FIXTURES / language / f"suppressions.{EXT[language]}").read_text(encoding="utf-8"),
        EXTRA[language],
    ]
    keys = lambda fs: [(f.code, f.span, f.severity) for f in fs]  # noqa: E731
    checked = moved = 0
    for n, source in enumerate(sources):
        rng = random.Random(f"{language}-{n}")
        lines = source.split("\n")
        typing = exact = analyze(source, language)
        for _ in range(40):
            for step in _keystrokes(lines, rng, language):
                lines = step
                text = "\n".join(lines)
                want = _scan(text, language)
                typing = reanalyze(typing, text, language, exact=False)
                assert _carried(typing) == want, text
                exact = reanalyze(exact, text, language)
                assert _carried(exact) == want, text
                assert keys(exact.findings) == keys(analyze(text, language).findings), text
                checked += 1
                moved += bool(want)
            typing = reanalyze(typing, "\n".join(lines), language)
    # The edits met suppressions that had to move, not only empty files.
    assert checked > 80 and moved > 40
