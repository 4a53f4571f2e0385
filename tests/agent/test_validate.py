"""Placing findings on the lines their anchors name; repairing numbering; dropping with reasons."""

from __future__ import annotations

from typing import Any

from se_lsp.agent.prompt import build_prompt
from se_lsp.agent.reply import ReplyFinding
from se_lsp.agent.validate import (
    ANCHOR_AMBIGUOUS,
    ANCHOR_NOT_FOUND,
    OUTSIDE,
    Checked,
    Checker,
    clean_text,
    to_finding,
)
from se_lsp.core.positions import Pos, Span

RUST = (
    "// 😀 ünï\n"
    "fn total(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new();\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    "    }\n"
    "    v\n"
    "}\n"
)
PROMPT = build_prompt(RUST, "rust", Span(Pos(2, 0), Pos(6, 5)))  # shown as lines 3-7


def item(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "line_start": 3,
        "line_end": 3,
        "anchor": "let mut v = Vec::new();",
        "severity": "warning",
        "category": "allocation",
        "title": "Reserve capacity",
        "explanation": "grows",
        "replacement": "    let mut v = Vec::with_capacity(xs.len());",
        "impact": "fewer reallocations",
        "measure": "cargo bench",
        "confidence": 0.8,
    }
    base.update(kw)
    return base


def check(**kw: object) -> Checked:
    return to_finding(ReplyFinding.model_validate(item(**kw)), PROMPT, RUST, source="se")


def run(*items: dict[str, Any]) -> list[Checked]:
    """A whole reply through one checker, as the pipeline does."""
    checker = Checker(PROMPT, RUST, source="se")
    out = [checker.check(ReplyFinding.model_validate(i)) for i in items]
    return [c for c in out if c is not None] + checker.finish()


def lines(results: list[Checked]) -> list[int | str]:
    return [c.finding.span.start.line if c.finding else c.reason for c in results]


def test_valid_finding_maps_to_document_lines() -> None:
    res = check()
    f = res.finding
    assert f is not None and not res.repaired
    assert f.span.start == Pos(2, 4) and f.span.end.line == 2
    assert f.code == "agent/allocation" and f.source == "se"
    assert f.anchor == "    let mut v = Vec::new();"
    assert f.fix is not None and f.fix.span.start == Pos(2, 0)
    assert f.fix.new_text == "    let mut v = Vec::with_capacity(xs.len());"


def test_a_wrong_line_number_is_repaired_by_the_anchor_anywhere_in_the_selection() -> None:
    res = check(line_start=40, line_end=41)  # far off; the anchor is on line 3 only
    assert res.finding is not None and res.repaired
    assert res.finding.span.start.line == 2 and res.finding.span.end.line == 3


def test_selection_relative_numbering_is_corrected() -> None:
    """Numbers counted from 1 at the top of the selection: every finding still lands."""
    got = run(
        item(line_start=1, line_end=1),  # the model's "1" is the file's line 3
        item(line_start=3, line_end=3, anchor="v.push(*x);", title="copy loop"),
        item(line_start=2, line_end=2, anchor="", title="no anchor: uses the offset"),
        item(line_start=4, line_end=4, anchor="}", title="closing brace"),
    )
    assert sorted(lines(got)) == [2, 3, 4, 5]  # type: ignore[type-var]
    assert all(c.repaired for c in got)


def test_an_anchor_on_several_lines_takes_the_line_the_offset_names() -> None:
    text = "fn f() {\n    g();\n    g();\n    g();\n}\n"
    prompt = build_prompt(text, "rust", Span(Pos(1, 0), Pos(4, 0)))  # lines 2-4, all "g();"
    checker = Checker(prompt, text, source="se")
    raw = ReplyFinding.model_validate({"line_start": 2, "anchor": "g();", "title": "third"})
    assert checker.check(raw) is not None  # line 2 holds the anchor: placed at once
    relative = ReplyFinding.model_validate({"line_start": 9, "anchor": "g();", "title": "x"})
    assert checker.check(relative) is None  # several lines match, 9 is none: it waits
    (late,) = checker.finish()
    assert late.finding is None and late.reason == ANCHOR_AMBIGUOUS


def test_without_a_consistent_offset_nothing_is_guessed() -> None:
    got = run(
        item(line_start=3),  # offset 0
        item(line_start=7, anchor="v.push(*x);", title="off by two"),  # offset -2
        item(line_start=9, anchor="", title="no anchor, outside"),
        item(line_start=6, anchor="", title="no anchor, inside: as stated"),
    )
    assert lines(got) == [2, 4, OUTSIDE, 5]


def test_anchorless_findings_outside_the_selection_are_dropped() -> None:
    assert check(line_start=1, anchor="").reason == OUTSIDE
    assert check(line_start=40, anchor="").reason == OUTSIDE
    f = check(line_start=5, anchor="").finding
    assert f is not None and f.span.start.line == 4


def test_an_anchor_that_is_nowhere_is_dropped() -> None:
    res = check(anchor="let y = compute_something_else();")
    assert res.finding is None and res.reason == ANCHOR_NOT_FOUND


def test_an_anchor_with_the_number_prefix_copied_still_matches() -> None:
    f = check(line_start=9, anchor="   3| let mut v = Vec::new();").finding
    assert f is not None and f.span.start.line == 2


def test_line_end_clamped_to_snippet() -> None:
    res = check(line_end=99, replacement=None)
    assert res.finding is not None and res.finding.span.end.line == 6 and res.repaired


def test_replacement_that_does_not_parse_is_dropped_finding_kept() -> None:
    f = check(replacement="    let mut v = Vec::with_capacity(;").finding
    assert f is not None and f.fix is None


def test_replacement_with_placeholder_is_dropped() -> None:
    f = check(replacement='    let k = "<REDACTED:openai-key#1>";').finding
    assert f is not None and f.fix is None


def test_empty_title_is_a_reason() -> None:
    assert check(title=" \u200b ").reason == "empty title"


def test_confidence_is_clamped() -> None:
    f = check(confidence=7).finding
    assert f is not None and f.confidence == 1.0


def test_text_is_sanitised() -> None:
    dirty = (
        "\x1b[31mred\x1b[0m a\u202eb\u200bc ![x](http://evil/?q=code) "
        "[docs](https://evil.example/?d=1) <img src=x> <script>1</script> `Vec<u8>`"
        " key sk-proj-abcdefghijklmnopqrstuvwxyz0123"
    )
    out = clean_text(dirty, 4000)
    for bad in ("\x1b", "\u202e", "\u200b", "http://evil", "https://evil", "<img", "<script"):
        assert bad not in out
    assert "`Vec<u8>`" in out and "docs" in out and "sk-proj-abc" not in out
    assert len(clean_text("x" * 10_000, 100)) == 100
