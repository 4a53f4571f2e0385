"""Inline expectations in rule fixtures, and what the analyzer says about a fixture.

A fixture is a source file under tests/rules/fixtures/<language>/. Trailing comments mark
what the rules must report, line by line (a finding belongs to the line it starts on):

    let r = Regex::new(p).unwrap(); //~ rust/regex-in-loop
    let s = x.to_string();          //~ rust/a, rust/b      (two findings start here)
    foo(                            //~v rust/x             (on the next line)
    bar();                          //~^ rust/x             (on the line above)

Every finding on the file must be marked and every mark found: a fixture checks its rule
and that no other rule fires. Two marks record an honest difference from the linter a
rule mirrors, so it can be measured (tests.rules.mirror_score) instead of hidden:

    //~ MISS rust/map-entry    the mirrored linter flags this line; se-lsp does not (yet)
    //~ FP rust/map-entry      the mirrored linter leaves this line alone; se-lsp flags it

Header comments (first lines) may set how the file is analysed:

    // path: src/net/conn_test.go     the file's path as the rules see it (test code...)
    // test-code: hint                 off | hint | on (default: on, so fixtures see all)
    // mirrors: clippy tests/ui/map_entry.rs      where the cases came from (informational)

When a fixture's findings carry fixes, `<name>.fixed.<ext>` beside it holds the file after
every fix is applied; `SE_LSP_BLESS=1 pytest tests/rules` writes missing or changed ones
for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from se_lsp.core.findings import Finding
from se_lsp.core.languages import language_for
from se_lsp.core.positions import LineIndex
from se_lsp.rules import analyze

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# `//~`, then an optional direction (^ up, v down, repeatable), an optional MISS/FP, ids.
_MARK = re.compile(r"//~(?P<dir>[\^v]*)\s+(?:(?P<kind>MISS|FP)\s+)?(?P<ids>[\w/.,\s-]+?)\s*$")
_HEADER = re.compile(r"^//\s*(path|test-code|mirrors):\s*(.+?)\s*$")


@dataclass
class Expectations:
    flagged: set[tuple[int, str]] = field(default_factory=set)  # (0-based line, rule id)
    missed: set[tuple[int, str]] = field(default_factory=set)
    false_positive: set[tuple[int, str]] = field(default_factory=set)
    path: str | None = None
    test_code: str = "on"
    mirrors: list[str] = field(default_factory=list)


def expectations(text: str) -> Expectations:
    out = Expectations()
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if n < 12 and (h := _HEADER.match(line.strip())) is not None:
            key, value = h.groups()
            if key == "path":
                out.path = value
            elif key == "test-code":
                out.test_code = value
            else:
                out.mirrors.append(value)
            continue
        m = _MARK.search(line)
        if m is None:
            continue
        target = n - m.group("dir").count("^") + m.group("dir").count("v")
        ids = [i.strip() for i in m.group("ids").split(",") if i.strip()]
        bucket = {"MISS": out.missed, "FP": out.false_positive}.get(m.group("kind") or "")
        for rule_id in ids:
            (bucket if bucket is not None else out.flagged).add((target, rule_id))
    return out


def fixture_files(language: str | None = None) -> list[Path]:
    files = [
        p
        for p in sorted(FIXTURES.rglob("*"))
        if p.is_file() and language_for(p.name) and ".fixed." not in p.name
    ]
    return [p for p in files if language is None or language_for(p.name) == language]


def run(path: Path) -> tuple[str, Expectations, list[Finding]]:
    """The fixture's text, its marks, and what the analyzer reports on it."""
    text = path.read_text(encoding="utf-8")
    exp = expectations(text)
    language = language_for(path.name)
    assert language is not None, path
    findings = analyze(text, language, path=exp.path or path.name, test_code=exp.test_code).findings
    return text, exp, findings


def fixed_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


def apply_fixes(text: str, findings: list[Finding]) -> str | None:
    """`text` with every finding's fix applied (None when no finding has one)."""
    fixes = [f.fix for f in findings if f.fix is not None]
    if not fixes:
        return None
    index = LineIndex(text)
    spans = sorted(
        {(index.offset(x.span.start), index.offset(x.span.end), x.new_text) for x in fixes},
        reverse=True,
    )
    out = text
    last_start = len(text) + 1
    for start, end, new in spans:
        assert end <= last_start, f"overlapping fixes at offset {start}"
        out = out[:start] + new + out[end:]
        last_start = start
    return out
