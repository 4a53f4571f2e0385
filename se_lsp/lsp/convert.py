"""Findings to LSP types, in the position encoding negotiated with the client."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from lsprotocol import types

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.rules import rule_info

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


_SEVERITY_NUMBER = {s: int(v) for s, v in _SEVERITY.items()}


@cache
def _href(code: str) -> str | None:
    info = rule_info(code)
    return info.href if info is not None else None


def diagnostic_json(finding: Finding, index: LineIndex, encoding: str, uri: str) -> dict[str, Any]:
    """The same Diagnostic as `diagnostic`, built directly as JSON-ready data.

    Publishing hundreds of diagnostics through attrs objects and cattrs costs tens of
    milliseconds on the event loop for a large file; plain dicts cost a fraction.
    """
    sl, sc = index.to_client(finding.span.start, encoding)
    el, ec = index.to_client(finding.span.end, encoding)
    d: dict[str, Any] = {
        "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
        "message": finding.title,
        "severity": _SEVERITY_NUMBER[finding.severity],
        "code": finding.code,
        "source": finding.source,
        "data": {"key": finding.key, "uri": uri},
    }
    href = _href(finding.code)
    if href is not None:
        d["codeDescription"] = {"href": href}
    return d


def diagnostics_json_text(
    findings: list[Finding], index: LineIndex, encoding: str, uri: str
) -> str:
    """The JSON array of `findings` as diagnostics, ready to splice into a message.

    One small json.dumps per diagnostic rather than one for the list: a single call
    holds the GIL for milliseconds on a big file, stalling the event loop meanwhile.
    """
    dumps = json.dumps
    return "[" + ", ".join(dumps(diagnostic_json(f, index, encoding, uri)) for f in findings) + "]"
