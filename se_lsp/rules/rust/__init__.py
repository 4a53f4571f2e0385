"""Rust rules, after clippy's perf group and its performance-minded neighbours.

The rules are grouped in families, one module each (metadata, check and helpers
together); every family shares one semantic model per analysis (model.py). regions.py
says which lines are test code, cold code or under `#[allow(clippy::..)]`. The list below
is the rule set, in the order the docs show it.
"""

from __future__ import annotations

from dataclasses import replace

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
from se_lsp.rules.rust.model import MODEL_NODE_TYPES, Hint, Model

_RULES: list[Rule] = [
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
    iterators.collect_then_iterate,
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
    clones.clone_in_loop,
    # lookups.py: maps and sets searched twice
    lookups.map_entry,
    lookups.set_contains_or_insert,
    lookups.map_double_lookup,
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

# The model builds its tables from nodes the engine's one query over the file captures, so
# every rule carries the model's node types too (they cost no extra pass over the tree).
# The region hooks (regions.cold_lines) read nodes from the same query.
_SHARED_NODE_TYPES = (*MODEL_NODE_TYPES, *regions.NODE_TYPES)
RULES: list[Rule] = [
    replace(r, node_types=tuple(dict.fromkeys((*r.node_types, *_SHARED_NODE_TYPES))))
    for r in _RULES
]

# Every method name a rule asks the model for: the first request scans for all of them in
# one pass over the source. A family's hint for a name (a byte test around the match) is
# used only when every family that asks for that name gives one.
_FAMILIES: list[tuple[frozenset[str], dict[str, Hint]]] = [
    (loops.METHODS, loops.HINTS),
    (formatting.METHODS, formatting.HINTS),
    (iterators.METHODS, iterators.HINTS),
    (clones.METHODS, {}),
    (lookups.METHODS, {}),
    (calls.METHODS, calls.HINTS),
    (regions.METHODS, {}),
]


def _hints() -> dict[str, Hint]:
    per_name: dict[str, list[Hint]] = {}
    unhinted: set[str] = set()
    for methods, hints in _FAMILIES:
        for name in methods:
            if name in hints:
                per_name.setdefault(name, []).append(hints[name])
            else:
                unhinted.add(name)
    out: dict[str, Hint] = {}
    for name, hs in per_name.items():
        if name in unhinted:
            continue
        out[name] = hs[0] if len(hs) == 1 else _either(tuple(hs))
    return out


def _either(hints: tuple[Hint, ...]) -> Hint:
    return lambda source, dot, end: any(h(source, dot, end) for h in hints)


Model.wanted = frozenset(name for methods, _ in _FAMILIES for name in methods)
Model.hints = _hints()

RULESET = RuleSet(
    "rust",
    tuple(RULES),
    test_path=regions.is_test_path,
    test_lines=regions.test_lines,
    suppressed=regions.suppressed,
    cold_lines=regions.cold_lines,
    in_function_body=regions.in_function_body,
)
