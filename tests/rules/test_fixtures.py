"""Every rule fixture: each marked finding is reported, nothing unmarked is, fixes as written.

See tests/rules/markers.py for the marker syntax.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.rules.markers import FIXTURES, apply_fixes, expectations, fixed_path, fixture_files, run

FILES = fixture_files()


def _where(text: str, pairs: set[tuple[int, str]]) -> str:
    lines = text.splitlines()
    return "\n".join(
        f"  line {n + 1}: {rid}    | {lines[n].strip() if n < len(lines) else ''}"
        for n, rid in sorted(pairs)
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path: Path) -> None:
    text, exp, findings = run(path)
    got = {(f.span.start.line, f.code) for f in findings}
    must = exp.flagged | exp.false_positive
    missing = must - got
    unexpected = got - must
    wrongly_found = got & exp.missed
    assert not missing, f"{path.name}: marked but not reported:\n{_where(text, missing)}"
    assert not wrongly_found, (
        f"{path.name}: marked MISS but now reported (update the mark to //~):\n"
        f"{_where(text, wrongly_found)}"
    )
    assert not unexpected, f"{path.name}: reported but not marked:\n{_where(text, unexpected)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_fixes(path: Path) -> None:
    text, _, findings = run(path)
    after = apply_fixes(text, findings)
    target = fixed_path(path)
    if after is None:
        assert not target.exists(), f"{target.name} exists but no finding has a fix"
        return
    if os.environ.get("SE_LSP_BLESS") and (not target.exists() or target.read_text() != after):
        target.write_text(after, encoding="utf-8")
    assert target.exists(), f"{path.name} has fixes: write {target.name} (SE_LSP_BLESS=1)"
    assert after == target.read_text(encoding="utf-8"), (
        f"fixes of {path.name} differ from {target.name}"
    )


def test_markers_are_read() -> None:
    """The marker reader itself: directions, kinds, several ids, headers."""
    text = (
        "// path: pkg/x_test.go\n"
        "// test-code: hint\n"
        "a //~ go/one\n"
        "b //~^ go/two, go/three\n"
        "c //~v MISS go/four\n"
        "d //~ FP go/five\n"
    )
    exp = expectations(text)
    assert exp.path == "pkg/x_test.go" and exp.test_code == "hint"
    assert exp.flagged == {(2, "go/one"), (2, "go/two"), (2, "go/three")}
    assert exp.missed == {(5, "go/four")}
    assert exp.false_positive == {(5, "go/five")}
