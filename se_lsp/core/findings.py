"""The Finding model every backend produces and every LSP feature consumes.

Ranges are in code points (see positions.py); they become LSP ranges only when
published, in the encoding negotiated with that client.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from se_lsp.core.positions import Pos, Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


CATEGORIES = (
    "allocation",
    "copy",
    "cache",
    "concurrency",
    "algorithm",
    "io",
    "simd",
    "branching",
    "memory",
    "other",
)

BUILTIN_SOURCE = "se-lsp"
# The linters merged in (se_lsp/linters): each finding's source is the tool's name.
LINTER_SOURCES = frozenset({"clippy", "clang-tidy", "staticcheck", "go vet"})


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical edit: replace `span` with `new_text`."""

    span: Span
    new_text: str
    description: str


@dataclass(frozen=True, slots=True)
class Finding:
    span: Span
    code: str
    title: str
    severity: Severity = Severity.WARNING
    category: str = "other"
    explanation: str = ""
    fix: Fix | None = None
    impact: str = ""
    measure: str = ""
    confidence: float = 1.0
    source: str = BUILTIN_SOURCE
    anchor: str = ""
    # Free-form extras a backend wants to keep (e.g. the agent run's id).
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """A stable id for this finding, used to find it again from a code action."""
        raw = f"{self.source}|{self.code}|{self.span.start.line}:{self.span.start.col}|"
        raw += f"{self.span.end.line}:{self.span.end.col}|{self.title}"
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]

    def shifted(self, delta: int) -> Finding:
        """The same finding moved by `delta` lines (used when lines are inserted above).

        Built field by field rather than with dataclasses.replace, which inspects the
        fields on every call: an Enter key in a 10,000-line file moves ~260 findings,
        and replace made that ~3 ms of the keystroke.
        """
        fix = self.fix
        if fix is not None:
            fix = Fix(_moved(fix.span, delta), fix.new_text, fix.description)
        return Finding(
            _moved(self.span, delta),
            self.code,
            self.title,
            self.severity,
            self.category,
            self.explanation,
            fix,
            self.impact,
            self.measure,
            self.confidence,
            self.source,
            self.anchor,
            self.extra,
        )


def _moved(span: Span, delta: int) -> Span:
    start, end = span.start, span.end
    return Span(Pos(start.line + delta, start.col), Pos(end.line + delta, end.col))


def hover_markdown(finding: Finding) -> str:
    """The hover text for one finding: title, why, fix, impact and how to measure."""
    parts = [f"**{finding.title}** `{finding.code}`"]
    if finding.explanation:
        parts.append(finding.explanation)
    if finding.fix is not None:
        parts.append(f"**Fix:** {finding.fix.description}")
    if finding.impact:
        parts.append(f"**Impact:** {finding.impact}")
    if finding.measure:
        parts.append(f"**Measure:** {finding.measure}")
    if finding.source != BUILTIN_SOURCE:
        parts.append(f"*{finding.source}, confidence {finding.confidence:.0%}*")
    return "\n\n".join(parts)


# -- a compact form for crossing a process boundary --------------------------------------
#
# Unpickling 600 Finding dataclasses costs 7-15 ms; the same findings as plain tuples of
# strings and numbers unpickle in ~0.3 ms. The analysis process sends rows; the server
# turns a row back into a Finding only when a hover or code action needs that one.

Row = tuple[Any, ...]
# Row layout: start line, start col, end line, end col, key, then the rest.
ROW_KEY = 4


def to_row(f: Finding) -> Row:
    fix = f.fix
    packed_fix = None
    if fix is not None:
        s, e = fix.span.start, fix.span.end
        packed_fix = (s.line, s.col, e.line, e.col, fix.new_text, fix.description)
    s, e = f.span.start, f.span.end
    return (
        s.line,
        s.col,
        e.line,
        e.col,
        f.key,
        f.code,
        f.title,
        f.severity.value,
        f.category,
        f.explanation,
        packed_fix,
        f.impact,
        f.measure,
        f.confidence,
        f.source,
        f.anchor,
        f.extra or None,
    )


def from_row(row: Row) -> Finding:
    sl, sc, el, ec, _key, code, title, sev, category, expl, fix, impact, measure = row[:13]
    confidence, source, anchor, extra = row[13:]
    made_fix = None
    if fix is not None:
        made_fix = Fix(Span(Pos(fix[0], fix[1]), Pos(fix[2], fix[3])), fix[4], fix[5])
    return Finding(
        span=Span(Pos(sl, sc), Pos(el, ec)),
        code=code,
        title=title,
        severity=Severity(sev),
        category=category,
        explanation=expl,
        fix=made_fix,
        impact=impact,
        measure=measure,
        confidence=confidence,
        source=source,
        anchor=anchor,
        extra=dict(extra) if extra else {},
    )
