"""Finding helpers that rebuild findings field by field."""

from __future__ import annotations

import dataclasses

from se_lsp.core.findings import Finding, Fix, Severity, from_row, to_row
from se_lsp.core.positions import Pos, Span


def _every_field_set() -> Finding:
    """A finding whose every field differs from its default, so a field a helper forgets
    to carry shows as a difference."""
    return Finding(
        span=Span(Pos(3, 1), Pos(4, 2)),
        code="rust/x",
        title="t",
        severity=Severity.HINT,
        category="copy",
        explanation="e",
        fix=Fix(Span(Pos(3, 1), Pos(3, 5)), "new", "d"),
        impact="i",
        measure="m",
        confidence=0.25,
        source="clippy",
        anchor="a",
        extra={"run": "1"},
    )


def test_shifted_moves_the_lines_and_keeps_every_other_field():
    f = _every_field_set()
    defaults = Finding(Span(Pos(0, 0), Pos(0, 0)), "", "")
    for field in dataclasses.fields(Finding):
        assert getattr(f, field.name) != getattr(defaults, field.name), field.name
    moved = f.shifted(5)
    assert moved.span == Span(Pos(8, 1), Pos(9, 2))
    assert moved.fix == Fix(Span(Pos(8, 1), Pos(8, 5)), "new", "d")
    for field in dataclasses.fields(Finding):
        if field.name not in ("span", "fix"):
            assert getattr(moved, field.name) == getattr(f, field.name), field.name
    assert moved.shifted(-5) == f


def test_a_row_round_trip_keeps_every_field():
    f = _every_field_set()
    back = from_row(to_row(f))
    for field in dataclasses.fields(Finding):
        assert getattr(back, field.name) == getattr(f, field.name), field.name
