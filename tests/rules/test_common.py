"""Tree helpers shared by the engine and the language packages, against plain definitions."""

from __future__ import annotations

import pytest

from se_lsp.rules.common import children_touching
from se_lsp.rules.engine import parse

SOURCES = {
    "go": (
        "package p\n// c\n\nconst n = 0\n\n\nfunc f() {\n\tx := 1\n\n\t_ = x\n}\n"
        "\ntype T struct{}\n"
    ),
    "rust": "use a::b;\n\n// c\nfn f() {\n    let x = 1;\n}\n\n\nstruct S;\n",
    "cpp": "#include <x>\n\n// c\nint f() {\n  return 1;\n}\n\nstruct S {};\n",
}


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_children_touching_equals_testing_every_child(language):
    """Every byte range, including ranges that start or end between two children (the
    line breaks and blank lines between items), at the root and one level down."""
    source = SOURCES[language].encode()
    root = parse(language, source).root_node
    nodes = [root, *(c for c in root.children if c.child_count)]
    checked = 0
    for node in nodes:
        for lo in range(len(source) + 1):
            for hi in range(lo, len(source) + 1):
                want = [c.id for c in node.children if c.end_byte >= lo and c.start_byte <= hi]
                got = [c.id for c in children_touching(node, lo, hi)]
                assert got == want, (node.type, lo, hi)
                checked += 1
    assert checked > 1000
