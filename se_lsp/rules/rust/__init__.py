"""Rust rules, after clippy's perf group and its performance-minded neighbours."""

from __future__ import annotations

from pathlib import PurePath

from se_lsp.rules.engine import RuleSet
from se_lsp.rules.rust import legacy


def is_test_path(path: str) -> bool:
    """Integration tests, benchmarks and examples live in these Cargo directories."""
    parts = PurePath(path).parts[:-1]
    return any(p in ("tests", "benches") for p in parts)


RULESET = RuleSet("rust", tuple(legacy.RULES), test_path=is_test_path)
