"""Precision and recall of the built-in rules on the labelled corpus in tests/corpus/.

A corpus file marks each line where a finding is expected with a trailing comment
`// expect: <rule-id>` (several ids separated by commas). Every other finding is a
false positive. Run `python -m tests.corpus_score` to print the figures per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from se_lsp.core.languages import language_for
from se_lsp.rules import analyze

CORPUS = Path(__file__).resolve().parent / "corpus"
# A language whose corpus moved into the rule fixtures keeps it there, marked `//~ id`.
FIXTURE_CORPUS = Path(__file__).resolve().parent / "rules" / "fixtures"
_EXPECT = re.compile(r"//\s*expect:\s*([\w/,\s-]+)$|//~\s+([\w/,\s-]+)$")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def expected(text: str) -> set[tuple[int, str]]:
    """The expected (line, rule) pairs. Fixture marks are read as the fixtures read them: a
    `//~ MISS id` line is expected (and missed), a `//~ FP id` line is not expected, and
    `//~^` / `//~v` point at the line above or below."""
    from tests.rules.markers import expectations

    marks = expectations(text)
    out = marks.flagged | marks.missed
    for n, line in enumerate(text.splitlines()):
        m = _EXPECT.search(line)
        if m and m.group(1):
            out |= {(n, rid.strip()) for rid in m.group(1).split(",") if rid.strip()}
    return out


def corpus_files(language: str) -> list[Path]:
    """The labelled corpus files of `language`, wherever they live."""
    files = sorted((CORPUS / language).glob("*"))
    files += sorted((FIXTURE_CORPUS / language / "corpus").glob("*"))
    # `x.fixed.go` beside a fixture is what its quick fixes make of it, not corpus.
    return [p for p in files if language_for(str(p)) == language and ".fixed." not in p.name]


def score(language: str) -> Score:
    s = Score()
    for path in corpus_files(language):
        if language_for(str(path)) != language:
            continue
        text = path.read_text(encoding="utf-8")
        want = expected(text)
        got = {(f.span.start.line, f.code) for f in analyze(text, language).findings}
        s.tp += len(want & got)
        for line, rid in sorted(got - want):
            s.fp += 1
            s.false_alarms.append(f"{path.name}:{line + 1}: {rid}")
        for line, rid in sorted(want - got):
            s.fn += 1
            s.misses.append(f"{path.name}:{line + 1}: {rid}")
    return s


def main() -> None:
    for language in ("rust", "cpp", "go"):
        s = score(language)
        print(
            f"{language:5} expected {s.tp + s.fn:4}  found {s.tp + s.fp:4}  "
            f"precision {s.precision:.3f}  recall {s.recall:.3f}"
        )
        for m in s.misses:
            print(f"    missed      {m}")
        for m in s.false_alarms:
            print(f"    false alarm {m}")


if __name__ == "__main__":
    main()
