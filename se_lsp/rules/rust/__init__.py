"""Rust rules, after clippy's perf group and its performance-minded neighbours.

The rules are grouped in families, one module each (metadata, check and helpers
together); every family shares one semantic model per analysis (model.py). regions.py
says which lines are test code, cold code or under `#[allow(clippy::..)]`. The list below
is the rule set, in the order the docs show it.
"""

from __future__ import annotations

from se_lsp.rules.engine import Rule, RuleSet
from se_lsp.rules.rust import (
    calls,
    clones,
    comparisons,
    formatting,
    iterators,
    layout,
    lookups,
    loops,
    regions,
    vectors,
)
from se_lsp.rules.rust.model import Model

RULES: list[Rule] = [
    # loops.py: work repeated by loops
    loops.regex_in_loop,
    loops.needless_range_loop,
    loops.manual_memcpy,
    loops.missing_spin_loop,
    loops.busy_wait,
    loops.chars_nth_in_loop,
    loops.lock_in_loop,
    # formatting.py: temporary strings around the formatting macros
    formatting.format_in_format_args,
    formatting.to_string_in_format_args,
    formatting.format_push_string,
    formatting.expect_fun_call,
    formatting.useless_format,
    # iterators.py: iterator chains and what they collect into
    iterators.needless_collect,
    iterators.manual_str_repeat,
    iterators.extend_with_drain,
    iterators.drain_collect,
    iterators.iter_overeager_cloned,
    iterators.iter_nth,
    iterators.bytes_nth,
    iterators.iter_count,
    iterators.unnecessary_fold,
    iterators.search_is_some,
    iterators.manual_contains,
    iterators.manual_retain,
    # comparisons.py: copies made only to be compared
    comparisons.cmp_owned,
    comparisons.manual_ignore_case_cmp,
    # clones.py: copies nobody needs
    clones.redundant_clone,
    clones.unnecessary_to_owned,
    clones.implicit_clone,
    clones.inefficient_to_string,
    clones.assigning_clones,
    # lookups.py: maps and sets searched twice
    lookups.map_entry,
    lookups.set_contains_or_insert,
    # vectors.py: how vectors are made and filled
    vectors.vec_init_then_push,
    vectors.slow_vector_initialization,
    vectors.useless_vec,
    vectors.push_without_capacity,
    vectors.manual_extend,
    # layout.py: how data is laid out
    layout.box_collection,
    layout.redundant_allocation,
    layout.linkedlist,
    layout.mutex_atomic,
    layout.large_enum_variant,
    # calls.py: single calls with a cheaper equivalent
    calls.manual_clear,
    calls.single_char_pattern,
    calls.or_fun_call,
    calls.stable_sort_primitive,
]

# Every method name a rule asks the model for: the first request scans for all of them in
# one pass over the source.
Model.wanted = frozenset(
    {
        "nth",
        "any",
        "is_some",
        "is_none",
        "iter",
        *formatting.METHODS,
        *iterators.METHODS,
        *clones.METHODS,
        *lookups.METHODS,
        *vectors.METHODS,
        *calls.METHODS,
    }
)

RULESET = RuleSet(
    "rust",
    tuple(RULES),
    test_path=regions.is_test_path,
    test_lines=regions.test_lines,
    suppressed=regions.suppressed,
    cold_lines=regions.cold_lines,
)
