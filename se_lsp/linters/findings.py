"""A linter's diagnostic as a Finding, explained the way se-lsp explains its own rules.

When a built-in rule mirrors the check, the finding carries the rule's explanation of
the cost, its category and its "how to measure"; otherwise the tool's message and a
link to its documentation. The tool's own suggestion becomes the finding's fix.
"""

from __future__ import annotations

from pathlib import Path

from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.linters.catalog import TOOLS, rule_for
from se_lsp.linters.model import Edit, LintDiagnostic, Where

MIRROR = "mirror"  # Finding.extra key: the check as "tool:check"
RULE = "rule"  # Finding.extra key: the built-in rule that mirrors it, if any


def _pos(index: LineIndex, where: Where) -> Pos:
    """A tool's byte offset, or 1-based line and byte column, in code points."""
    if isinstance(where, int):
        return index.pos_at_byte(max(0, where))
    line, col = where
    line = min(max(line - 1, 0), index.line_count - 1)
    raw = index.line(line).encode("utf-8")
    prefix = raw[: max(col - 1, 0)].decode("utf-8", "ignore")
    return Pos(line, len(prefix))


def _span(index: LineIndex, start: Where, end: Where | None) -> Span:
    a = _pos(index, start)
    b = _pos(index, end) if end is not None else a
    if b <= a:
        b = Pos(a.line, len(index.line(a.line)))  # a point: flag the rest of its line
    return Span(a, b)


def _fix(index: LineIndex, edits: tuple[Edit, ...], description: str) -> Fix | None:
    """Several edits (clang-tidy's `const ` ... `&`) as one replacement of the text between."""
    if not edits:
        return None
    spans = sorted((_pos(index, e.start), _pos(index, e.end), e.text) for e in edits)
    first, last = spans[0][0], max(s[1] for s in spans)
    out: list[str] = []
    cursor = first
    for start, end, text in spans:
        if start < cursor:
            return None  # overlapping edits: not one clean replacement
        out.append(index.text[index.offset(cursor) : index.offset(start)])
        out.append(text)
        cursor = end
    return Fix(Span(first, last), "".join(out), description)


def to_finding(d: LintDiagnostic, index: LineIndex, language: str) -> Finding:
    tool = TOOLS[d.tool]
    info = rule_for(tool, d.check, language)
    url = tool.docs_url(d.check)
    shown = f"clippy::{d.check}" if d.tool == "clippy" else d.check
    span = _span(index, d.start, d.end)
    by = f"Found by {tool.name} ([`{shown}`]({url})): {d.message}"
    said = d.fix_description.strip()
    if len(said.split()) < 3:  # clippy's "try": say whose fix it is instead
        said = f"{tool.name}'s fix for {shown}"
    else:
        said = f"{said} ({tool.name})"
    fix = _fix(index, d.edits, said)
    if info is not None:
        explanation = f"{info.explanation}\n\n{by}\n\nse-lsp's rule for it: `{info.id}`."
        severity, category, measure = info.severity, info.category, info.measure
    else:
        explanation = by
        severity, category, measure = Severity.WARNING, "other", ""
    return Finding(
        span=span,
        code=shown,
        title=d.message,
        severity=severity,
        category=category,
        explanation=explanation,
        fix=fix,
        measure=measure,
        confidence=1.0,
        source=tool.name,
        anchor=index.line(span.start.line),
        extra={MIRROR: tool.mirror_id(d.check), RULE: info.id if info else ""},
    )


def findings_by_file(
    diagnostics: list[LintDiagnostic], texts: dict[Path, str], language: str
) -> dict[Path, list[Finding]]:
    """Group and convert; `texts` holds each file's text as the linter read it."""
    out: dict[Path, list[Finding]] = {}
    indexes: dict[Path, LineIndex] = {}
    for d in diagnostics:
        text = texts.get(d.path)
        if text is None:
            continue
        index = indexes.get(d.path)
        if index is None:
            index = indexes[d.path] = LineIndex(text)
        out.setdefault(d.path, []).append(to_finding(d, index, language))
    return out
