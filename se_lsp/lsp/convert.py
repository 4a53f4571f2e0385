"""Findings to LSP types, in the position encoding negotiated with the client."""

from __future__ import annotations

from lsprotocol import types

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import LineIndex, Pos, Span

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def lsp_range(index: LineIndex, span: Span, encoding: str) -> types.Range:
    sl, sc = index.to_client(span.start, encoding)
    el, ec = index.to_client(span.end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def span_of(index: LineIndex, rng: types.Range, encoding: str) -> Span:
    start = index.from_client(rng.start.line, rng.start.character, encoding)
    end = index.from_client(rng.end.line, rng.end.character, encoding)
    return Span(start, end) if start <= end else Span(end, start)


def pos_of(index: LineIndex, pos: types.Position, encoding: str) -> Pos:
    return index.from_client(pos.line, pos.character, encoding)


def diagnostic(finding: Finding, index: LineIndex, encoding: str, uri: str) -> types.Diagnostic:
    from se_lsp.rules import rule_info  # the rules load only where they run

    info = rule_info(finding.code)
    return types.Diagnostic(
        range=lsp_range(index, finding.span, encoding),
        message=finding.title,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=info.href) if info is not None else None,
        source=finding.source,
        data={"key": finding.key, "uri": uri},
    )
