"""The diagnostics JSON the store and the analysis process send equals lsprotocol's own."""

from __future__ import annotations

import json

import pytest
from lsprotocol.converters import get_converter

from se_lsp.core.findings import Finding
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.lsp.convert import diagnostic
from se_lsp.lsp.render import diagnostic_json, render, rule_href
from se_lsp.rules import analyze

SRC = '#include <iostream>\nvoid f(int n) {\n    std::cout << "é😀" << n << std::endl;\n}\n'
URI = "file:///a.cpp"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_json_matches_lsprotocol(encoding):
    findings = analyze(SRC, "cpp").findings
    assert findings
    agent = Finding(Span(Pos(2, 4), Pos(2, 40)), "agent/io", "Flush once", source="reviewer")
    index = LineIndex(SRC)
    conv = get_converter()
    for f in [*findings, agent]:
        typed = conv.unstructure(diagnostic(f, index, encoding, URI))
        assert diagnostic_json(f, index, encoding, URI, rule_href) == typed


def test_render_is_the_diagnostics_of_an_array():
    findings = analyze(SRC, "cpp").findings
    text = render(findings, LineIndex(SRC), "utf-16", URI, rule_href)
    assert json.loads(f"[{text}]") == [
        diagnostic_json(f, LineIndex(SRC), "utf-16", URI, rule_href) for f in findings
    ]
    assert render([], LineIndex(SRC), "utf-16", URI) == ""
