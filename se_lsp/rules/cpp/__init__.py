"""C++ rules, after clang-tidy's performance-* checks (and readability-container-size-empty).

The rules share one per-file semantic model (model.py, with the standard-library table in
stdlib.py); each family of rules lives in its own module with its metadata and check.
"""

from __future__ import annotations

from se_lsp.rules.cpp import containers, copies, layout, moves, noexcept, numeric, strings
from se_lsp.rules.cpp.regions import (
    cold_lines,
    in_function_body,
    is_test_path,
    says_generated,
    suppressed,
    test_lines,
)
from se_lsp.rules.engine import Rule, RuleSet

RULES: tuple[Rule, ...] = (
    *strings.RULES,  # avoid-endl, faster-string-find, inefficient-string-concatenation
    *copies.RULES,  # for-range-copy, implicit-conversion-in-loop,
    # unnecessary-copy-initialization, unnecessary-value-param, shared-ptr-by-value
    *moves.RULES,  # move-const-arg, no-automatic-move, move-constructor-init
    *noexcept.RULES,  # noexcept-move-constructor, noexcept-swap
    *containers.RULES,  # inefficient-vector-operation, container-size-empty,
    # inefficient-algorithm, use-emplace
    *layout.RULES,  # enum-size
    *numeric.RULES,  # type-promotion-in-math-fn
)

RULESET = RuleSet(
    "cpp",
    RULES,
    test_path=is_test_path,
    test_lines=test_lines,
    cold_lines=cold_lines,
    in_function_body=in_function_body,
    suppressed=suppressed,
    file_facts=says_generated,
)

__all__ = ["RULES", "RULESET", "is_test_path"]
