"""Go rules, after staticcheck, go-critic's performance checks, prealloc and perfsprint."""

from __future__ import annotations

from pathlib import PurePath

from se_lsp.rules.engine import RuleSet
from se_lsp.rules.go import legacy


def is_test_path(path: str) -> bool:
    """`foo_test.go` files, and anything under a `testdata` directory (never built)."""
    p = PurePath(path)
    return p.name.endswith("_test.go") or "testdata" in p.parts[:-1]


RULESET = RuleSet("go", tuple(legacy.RULES), test_path=is_test_path)
