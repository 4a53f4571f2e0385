"""Go rules, after staticcheck, go-critic's performance checks, prealloc and perfsprint.

The rules share one semantic model of the file (model.py); each family module holds its
rules' metadata and checks together, and RULES lists them explicitly.
"""

from __future__ import annotations

from pathlib import PurePath

from se_lsp.rules.engine import Rule, RuleSet
from se_lsp.rules.go import conversions, copies, formatting, loops, slices, writers
from se_lsp.rules.go.cold import cold_lines, generated, says_generated, test_lines
from se_lsp.rules.go.syntax import in_function_body

RULES: tuple[Rule, ...] = (
    # loops
    loops.regexp_in_loop,
    loops.defer_in_loop,
    loops.time_after_in_loop,
    loops.string_concat_loop,
    loops.busy_wait,
    loops.lock_in_loop,
    # slices
    slices.append_loop,
    slices.copy_loop,
    slices.append_combine,
    slices.prealloc,
    slices.slice_clear,
    slices.zero_byte_repeat,
    # string, []byte and []rune conversions
    conversions.range_rune_conversion,
    conversions.decode_rune,
    conversions.conversion_in_loop,
    conversions.index_alloc,
    conversions.equal_fold,
    conversions.buffer_bytes_string,
    conversions.string_bytes,
    conversions.map_key_conversion,
    conversions.write_string_bytes,
    # writers
    writers.write_sprintf,
    writers.prefer_string_writer,
    writers.prefer_write_byte,
    # fmt
    formatting.sprint_literal,
    formatting.errorf_constant,
    formatting.redundant_sprintf,
    formatting.sprint_int,
    formatting.sprint_bool,
    formatting.sprint_hex,
    # copies
    copies.range_val_copy,
    copies.range_expr_copy,
    copies.huge_param,
    copies.pool_put_value,
)


def is_test_path(path: str) -> bool:
    """`foo_test.go` files, and anything under a `testdata` directory (never built)."""
    p = PurePath(path)
    return p.name.endswith("_test.go") or "testdata" in p.parts[:-1]


RULESET = RuleSet(
    "go",
    RULES,
    test_path=is_test_path,
    test_lines=test_lines,
    cold_lines=cold_lines,
    suppressed=generated,
    in_function_body=in_function_body,
    file_facts=says_generated,
)
