"""The fast JSON diagnostics equal what lsprotocol's own types serialize to."""

from __future__ import annotations

import pytest
from lsprotocol.converters import get_converter

from se_lsp.core.positions import LineIndex
from se_lsp.lsp.convert import diagnostic, diagnostic_json
from se_lsp.rules import analyze

SRC = '#include <iostream>\nvoid f(int n) {\n    std::cout << "é😀" << n << std::endl;\n}\n'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_json_matches_lsprotocol(encoding):
    findings = analyze(SRC, "cpp").findings
    assert findings
    index = LineIndex(SRC)
    conv = get_converter()
    for f in findings:
        typed = conv.unstructure(diagnostic(f, index, encoding, "file:///a.cpp"))
        assert diagnostic_json(f, index, encoding, "file:///a.cpp") == typed
