"""Slices grown, copied and cleared one element at a time."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.model import GoModel, call_args, fix_for, model, unparen
from se_lsp.rules.go.syntax import (
    BENCH,
    LOOP,
    breaks_target,
    has_call,
    has_comment,
    is_blank,
    keyword_nodes,
    loop_clauses,
    mentions,
    next_statement,
    prev_statement,
    range_loops,
    range_parts,
    single_assignment,
    squash,
    statements,
)
from se_lsp.rules.go.types import ARRAY, BYTES, POINTER, SLICE, GoType


@dataclass(frozen=True, slots=True)
class Append:
    """One `x = append(x, ...)` statement."""

    target: str  # the text of x, whitespace removed
    stmt: Node
    left: Node  # x itself
    call: Node
    values: list[Node]
    spread: bool  # appends `ys...`: the number of new elements is unknown


def self_append(ctx: Context, stmt: Node, m: GoModel | None = None) -> Append | None:
    """`x = append(x, ...)` with `append` the builtin: its parts, else None."""
    got = single_assignment(stmt)
    if got is None:
        return None
    left, call = got
    call = unparen(call) or call
    if call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "identifier" or ctx.text(fn) != "append":
        return None
    a = call_args(call)
    if not a or squash(ctx.text(a[0])) != squash(ctx.text(left)):
        return None
    if m is not None and not m.is_universe(fn):
        return None
    spread = any(x.type == "variadic_argument" for x in a[1:])
    return Append(squash(ctx.text(left)), stmt, left, call, a[1:], spread)


def _appends(ctx: Context) -> dict[int, Append]:
    """Every `x = append(x, ..)` statement in the analysed range, by statement id."""
    found: dict[int, Append] | None = ctx.shared.get("go.appends")
    if found is None:
        found = {}
        m = model(ctx)
        src = ctx.source
        for call in m.builtin_calls("append"):
            # `x = append(`: the statement is the smallest named node around the `=`.
            eq = call.start_byte - 1
            while eq > 0 and src[eq] in b" \t":
                eq -= 1
            if src[eq] != 61 or src[eq - 1] in b":=!<>+-*/%&|^":  # not a plain `=`
                continue
            stmt = ctx.root.named_descendant_for_byte_range(eq, eq + 1)
            if stmt is not None and stmt.type == "assignment_statement":
                a = self_append(ctx, stmt)
                if a is not None:
                    found[stmt.id] = a
        ctx.shared["go.appends"] = found
    return found


def _pure(node: Node) -> bool:
    return not has_call(node)


# -- S1011 ----------------------------------------------------------------------------------


@rule(
    "go/append-loop",
    title="Appending a slice element by element; append the whole slice at once",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`for _, e := range src { dst = append(dst, e) }` checks capacity on every element and may
grow `dst` several times (each growth copies everything appended so far).
`dst = append(dst, src...)` grows at most once to the final size and copies with a single
memmove. Flagged only when `src` and `dst` have the same slice type as far as the file
says, so the fix compiles (a map, an array or a slice of another element type is left
alone).
""",
    fix="`dst = append(dst, src...)`.",
    measure=f"{BENCH}; fewer allocs/op and less time for large slices.",
    mirrors=["staticcheck:S1011"],
    gaps=[
        "Types declared in other files of the package are not known, so those loops are "
        "not flagged."
    ],
    bad="""
func merge(dst, src []string) []string {
	for _, s := range src {
		dst = append(dst, s)
	}
	return dst
}
""",
    good="""
func merge(dst []string, src map[string]bool) []string {
	for _, s := range src {
		dst = append(dst, s)
	}
	return dst
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
    scope="body",
)
def append_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = _appends(ctx)
    if not appends:
        return
    m = model(ctx)
    for rl in range_loops(ctx):
        loop, key, value, src = rl.loop, rl.key, rl.value, rl.right
        stmts = rl.stmts
        if not stmts or stmts[-1].id not in appends or len(stmts) > 2:
            continue
        app = appends[stmts[-1].id]
        if key is None or len(app.values) != 1 or app.spread:
            continue
        val = app.values[0]
        names: list[str] = []
        if len(stmts) == 1 and value is not None and is_blank(key, ctx.source):
            # for _, v := range src { dst = append(dst, v) }
            if val.type != "identifier" or ctx.text(val) != ctx.text(value):
                continue
            names = [ctx.text(value)]
        elif value is None and key.type == "identifier":
            idx = ctx.text(key)
            item = f"{squash(ctx.text(src))}[{idx}]"
            if len(stmts) == 1:
                # for i := range src { dst = append(dst, src[i]) }
                if squash(ctx.text(val)) != item:
                    continue
            else:
                # for i := range src { v := src[i]; dst = append(dst, v) }
                first = stmts[0]
                if first.type != "short_var_declaration":
                    continue
                lhs, rhs = first.child_by_field_name("left"), first.child_by_field_name("right")
                if (
                    lhs is None
                    or rhs is None
                    or lhs.named_child_count != 1
                    or rhs.named_child_count != 1
                ):
                    continue
                if squash(ctx.text(rhs)) != item or ctx.text(lhs) != ctx.text(val):
                    continue
                names.append(ctx.text(lhs))
            if not _pure(src):
                continue  # src is evaluated again on every iteration
            names.append(idx)
        else:
            continue
        left = app.left
        if not _pure(left) or any(mentions(left, ctx.source, n) for n in names):
            continue
        st, dt = m.type_of(src), m.type_of(left)
        if st is None or dt is None or st != dt or m.underlying(st) is None:
            continue
        if m.underlying(st).kind != SLICE:  # type: ignore[union-attr]
            continue
        target = ctx.text(left)
        new = f"{target} = append({target}, {ctx.text(src)}...)"
        fix = (
            None if has_comment(loop) else fix_for(ctx, loop, new, "Append the whole slice at once")
        )
        yield ctx.finding(info, loop, title=f"Replace the loop with `{new}`", fix=fix)


# -- S1001 ----------------------------------------------------------------------------------


def _elem(m: GoModel, t: GoType | None) -> tuple[GoType | None, bool, bool]:
    """(element type, is an array, is a pointer to one) of a slice, array or *array."""
    u = m.underlying(t)
    if u is None:
        return None, False, False
    if u.kind == SLICE:
        return u.elem, False, False
    if u.kind == ARRAY:
        return u.elem, True, False
    if u.kind == POINTER and u.elem is not None:
        inner = m.underlying(u.elem)
        if inner is not None and inner.kind == ARRAY:
            return inner.elem, True, True
    return None, False, False


def _copy_loops(ctx: Context) -> Iterator[tuple[Node, Node, Node, Node, list[str]]]:
    """(loop, dst index expression, src, right-hand side, loop variable names) of copy loops."""
    src_text = ctx.text
    for rl in range_loops(ctx):
        loop, key, value, src = rl.loop, rl.key, rl.value, rl.right
        if not rl.declares or key is None or key.type != "identifier" or rl.body is None:
            continue
        if b"]" not in ctx.source[rl.body.start_byte : rl.body.end_byte]:
            continue  # the one statement must be `dst[i] = ..`
        stmts = rl.stmts
        if len(stmts) != 1:
            continue
        got = single_assignment(stmts[0])
        if got is None or got[0].type != "index_expression":
            continue
        lhs, rhs = got
        if src_text(lhs.child_by_field_name("index")) != src_text(key):
            continue
        if value is not None:
            if value.type != "identifier" or src_text(rhs) != src_text(value):
                continue
            yield loop, lhs, src, rhs, [src_text(key), src_text(value)]
        elif squash(src_text(rhs)) == f"{squash(src_text(src))}[{src_text(key)}]":
            yield loop, lhs, src, rhs, [src_text(key)]
    for counting_loop, clause in loop_clauses(ctx, "for_clause"):
        counting = _counting(ctx, clause)
        if counting is None:
            continue
        i, bound = counting
        stmts = statements(counting_loop.child_by_field_name("body"))
        if len(stmts) != 1 or bound.type != "call_expression":
            continue
        fn = bound.child_by_field_name("function")
        args = call_args(bound)
        if fn is None or src_text(fn) != "len" or len(args) != 1 or not model(ctx).is_universe(fn):
            continue
        counted = args[0]
        assign = single_assignment(stmts[0])
        if assign is None or assign[0].type != "index_expression":
            continue
        lhs, rhs = assign
        if src_text(lhs.child_by_field_name("index")) != i:
            continue
        if squash(src_text(rhs)) != f"{squash(src_text(counted))}[{i}]":
            continue
        yield counting_loop, lhs, counted, rhs, [i]


def _counting(ctx: Context, clause: Node) -> tuple[str, Node] | None:
    """(i, n) for the clause `i := 0; i < n; i++` (or `i += 1`)."""
    init = clause.child_by_field_name("initializer")
    cond = clause.child_by_field_name("condition")
    update = clause.child_by_field_name("update")
    if init is None or cond is None or update is None or init.type != "short_var_declaration":
        return None
    left, right = init.child_by_field_name("left"), init.child_by_field_name("right")
    if left is None or right is None or left.named_child_count != 1 or ctx.text(right) != "0":
        return None
    i = ctx.text(left)
    if cond.type != "binary_expression" or ctx.text(cond.child_by_field_name("left")) != i:
        return None
    if ctx.text(cond.child_by_field_name("operator")) != "<":
        return None
    if squash(ctx.text(update)) not in (f"{i}++", f"{i}+=1"):
        return None
    bound = cond.child_by_field_name("right")
    return (i, bound) if bound is not None else None


@rule(
    "go/copy-loop",
    title="Copying a slice element by element; use copy",
    severity=Severity.INFO,
    category="copy",
    explanation="""
A loop that assigns `dst[i] = src[i]` for every index does a bounds check and a store per
element. The built-in `copy(dst, src)` does the same work as one memmove, which is several
times faster for anything but tiny slices; two arrays of the same type are copied with one
assignment. Flagged only when both sides are slices, arrays or pointers to arrays of the
same element type as far as the file says, so the fix compiles (a map is never taken for
a slice). `copy` stops at the shorter of the two where the loop would have panicked.
""",
    fix="`copy(dst, src)` (`dst[:]` / `src[:]` for arrays), or `dst = src` for two arrays of "
    "one type.",
    measure=f"{BENCH}; ns/op falls for slices of more than a few elements.",
    mirrors=["staticcheck:S1001"],
    bad="""
func clone(src []int) []int {
	dst := make([]int, len(src))
	for i, v := range src {
		dst[i] = v
	}
	return dst
}
""",
    good="""
func index(src []string) map[int]string {
	dst := make(map[int]string, len(src))
	for i, v := range src {
		dst[i] = v
	}
	return dst
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
    scope="body",
)
def copy_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    for loop, lhs, src, _rhs, names in _copy_loops(ctx):
        dst = lhs.child_by_field_name("operand")
        if dst is None or has_call(dst) or has_call(src):
            continue
        if any(mentions(dst, ctx.source, n) or mentions(src, ctx.source, n) for n in names):
            continue
        m = m or model(ctx)
        builtin = m.lookup(loop, "copy") is None
        s_elem, s_array, s_ptr = _elem(m, m.type_of(src))
        d_elem, d_array, d_ptr = _elem(m, m.type_of(dst))
        if s_elem is None or d_elem is None or s_elem != d_elem:
            continue
        src_t, dst_t = ctx.text(src), ctx.text(dst)
        if s_array and d_array and _array_type(m, src) == _array_type(m, dst):
            new = f"{'*' if d_ptr else ''}{dst_t} = {'*' if s_ptr else ''}{src_t}"
            title = f"Copy the array with one assignment: `{new}`"
        elif builtin:
            new = f"copy({dst_t}{'[:]' if d_array else ''}, {src_t}{'[:]' if s_array else ''})"
            title = f"Replace the loop with `{new}`"
        else:
            continue  # `copy` is shadowed here
        fix = None if has_comment(loop) else fix_for(ctx, loop, new, "Copy in one call")
        yield ctx.finding(info, loop, title=title, fix=fix)


def _array_type(m: GoModel, n: Node) -> GoType | None:
    t = m.underlying(m.type_of(n))
    if t is not None and t.kind == POINTER:
        t = m.underlying(t.elem)
    return t


# -- appendCombine ------------------------------------------------------------------------


def _combinable(ctx: Context, stmt: Node, appends: dict[int, Append]) -> Append | None:
    """An append whose values can move into the append before it: plain values that do not
    read the slice being appended to (combining would change what they see)."""
    a = appends.get(stmt.id)
    if a is None or a.spread or not a.values:
        return None
    root = a.target.split("[", 1)[0].split(".", 1)[0]
    if any(mentions(v, ctx.source, root) for v in a.values):
        return None
    return a


@rule(
    "go/append-combine",
    title="Consecutive appends to the same slice; combine them into one call",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
Each `xs = append(xs, v)` checks the capacity and may grow (reallocate and copy) the slice
on its own. One `append(xs, a, b, c)` checks once and grows at most once to fit all the
values, and reads better. Comments between the appends do not break the run; an append of
`ys...`, or of a value that reads `xs`, does.
""",
    fix="`xs = append(xs, a, b)`.",
    measure=f"{BENCH}; fewer growth steps show as fewer allocs/op on cold slices.",
    mirrors=["gocritic:appendCombine"],
    gaps=[
        "Appends whose values read the slice (`xs = append(xs, len(xs))`) end a run: "
        "combining them would change what the value sees.",
    ],
    bad="""
args = append(args, "-o")
args = append(args, out)
""",
    good="""
args = append(args, "-o")
if verbose {
    args = append(args, "-v")
}
""",
    node_types=[],
    has_fix=True,
    scope="body",  # package names come from the imports
)
def append_combine(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = _appends(ctx)
    for stmt in sorted((a.stmt for a in appends.values()), key=lambda n: n.start_byte):
        first = _combinable(ctx, stmt, appends)
        if first is None:
            continue
        prev = prev_statement(stmt)
        if prev is not None:
            p = _combinable(ctx, prev, appends)
            if p is not None and p.target == first.target:
                continue  # reported with the run that starts earlier
        run = [first]
        nxt = next_statement(stmt)
        while nxt is not None:
            more = _combinable(ctx, nxt, appends)
            if more is None or more.target != first.target:
                break
            run.append(more)
            nxt = next_statement(nxt)
        if len(run) < 2:
            continue
        span = ctx.span_between(run[0].stmt, run[-1].stmt)
        target = ctx.text(first.left)
        joined = ", ".join(ctx.text(v) for a in run for v in a.values)
        fix = None
        between = ctx.source[run[0].stmt.start_byte : run[-1].stmt.end_byte]
        if b"//" not in between and b"/*" not in between:
            fix = ctx.fix(span, f"{target} = append({target}, {joined})", "Combine the appends")
        title = f"{len(run)} consecutive appends to `{target}`; combine them into one"
        yield ctx.finding(info, span, title=title, fix=fix)


# -- prealloc -------------------------------------------------------------------------------


def _empty_slice(m: GoModel, ctx: Context, value: Node) -> GoType | None:
    """The slice type of `T{}`, `make(T, 0)` or `T(nil)`, else None."""
    value = unparen(value) or value
    t: GoType | None = None
    if value.type == "composite_literal":
        body = value.child_by_field_name("body")
        if body is not None and not [c for c in body.named_children if c.type != "comment"]:
            t = m.type_from_node(value.child_by_field_name("type"))
    elif value.type == "call_expression":
        fn = value.child_by_field_name("function")
        a = call_args(value)
        if fn is not None and ctx.text(fn) == "make" and len(a) == 2 and ctx.text(a[1]) == "0":
            t = m.type_from_node(a[0]) if m.is_universe(fn) else None
        elif len(a) == 1 and ctx.text(a[0]) == "nil" and fn is not None:
            t = m.type_from_node(fn) if fn.type in ("identifier", "qualified_type") else None
    elif value.type == "type_conversion_expression":
        if ctx.text(value.child_by_field_name("operand")) == "nil":
            t = m.type_from_node(value.child_by_field_name("type"))
    u = m.underlying(t)
    return t if u is not None and u.kind == SLICE else None


def _declared_empty(ctx: Context, m: GoModel, stmt: Node) -> list[tuple[str, GoType]]:
    """(name, slice type) for each slice `stmt` declares (or resets) empty."""
    out: list[tuple[str, GoType]] = []
    if stmt.type == "var_declaration":
        for spec in stmt.named_children:
            if spec.type != "var_spec":
                continue
            names = spec.children_by_field_name("name")
            typ = spec.child_by_field_name("type")
            value = spec.child_by_field_name("value")
            values = [v for v in value.named_children if v.type != "comment"] if value else []
            if typ is not None and not values:
                t = m.type_from_node(typ)
                u = m.underlying(t)
                if t is not None and u is not None and u.kind == SLICE:
                    out.extend((ctx.text(n), t) for n in names)
            elif typ is None and len(values) == len(names):
                for n, v in zip(names, values, strict=True):
                    t = _empty_slice(m, ctx, v)
                    if t is not None:
                        out.append((ctx.text(n), t))
    elif stmt.type in ("short_var_declaration", "assignment_statement"):
        if stmt.type == "assignment_statement":
            op = stmt.child_by_field_name("operator")
            if op is None or op.type != "=":
                return out
        left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
        names = left.named_children if left is not None else []
        values = [v for v in right.named_children if v.type != "comment"] if right else []
        if len(names) == len(values):
            for n, v in zip(names, values, strict=True):
                if n.type != "identifier":
                    continue
                t = _empty_slice(m, ctx, v)
                if t is None and stmt.type == "assignment_statement" and ctx.text(v) == "nil":
                    d = m.lookup(n)
                    t = m.decl_type(d) if d is not None else None
                    u = m.underlying(t)
                    t = t if u is not None and u.kind == SLICE else None
                if t is not None:
                    out.append((ctx.text(n), t))
    return out


_JUMPS = frozenset({"return_statement", "goto_statement", "break_statement", "continue_statement"})


def _leaves_early(m: GoModel, loop: Node, source: bytes) -> bool:
    """Whether an iteration can end early or the loop stop before its last one: a return,
    goto or labelled branch anywhere in it, or a break/continue of this very loop."""
    body = loop.child_by_field_name("body") or loop
    for word in ("return", "goto", "break", "continue"):
        for n in keyword_nodes(m, body, source, word, _JUMPS):
            if m.enclosing_function(n) != m.enclosing_function(loop):
                continue  # inside a closure
            t = n.type
            if t in ("return_statement", "goto_statement") or n.named_children:
                return True  # a return, goto or labelled branch
            target = breaks_target(m, n, source) if t == "break_statement" else m.enclosing_loop(n)
            if target == loop:
                return True
    return False


def _trip_count(ctx: Context, m: GoModel, loop: Node, outer_vars: list[str]) -> str | None:
    """How many times the loop body runs, as Go source (`len(xs)`, `n`), if the file says."""
    clause = next(
        (c for c in loop.named_children if c.type in ("range_clause", "for_clause")), None
    )
    if clause is None:
        return None
    if clause.type == "for_clause":
        got = _counting(ctx, clause)
        if got is None:
            return None
        bound = got[1]
        if any(mentions(bound, ctx.source, v) for v in outer_vars):
            return None
        return ctx.text(bound)
    src = clause.child_by_field_name("right")
    if src is None or any(mentions(src, ctx.source, v) for v in outer_vars):
        return None
    info = m.range_info(clause)
    text = ctx.text(src)
    if info.kind == "int":
        return text
    if info.kind in ("slice", "array", "array-pointer", "map", "string"):
        if src.type not in ("identifier", "selector_expression", "interpreted_string_literal"):
            if has_call(src):
                return None
        return f"len({text})"
    return None  # a channel, an iterator function or something the file does not show


def _loop_vars(loop: Node, ctx: Context) -> list[str]:
    clause = next(
        (c for c in loop.named_children if c.type in ("range_clause", "for_clause")), None
    )
    if clause is None:
        return []
    if clause.type == "range_clause":
        key, value, _ = range_parts(clause)
        return [ctx.text(n) for n in (key, value) if n is not None]
    init = clause.child_by_field_name("initializer")
    left = init.child_by_field_name("left") if init is not None else None
    return [ctx.text(n) for n in left.named_children] if left is not None else []


def _capacity(
    ctx: Context, m: GoModel, loop: Node, name: str, appends: dict[int, Append]
) -> list[str] | None:
    """The terms of the capacity the appends to `name` in `loop` need, or None when unknown."""
    terms: list[str] = []
    if not _visit_capacity(ctx, m, loop, [], [], name, appends, terms) or not terms:
        return None
    return terms


def _visit_capacity(
    ctx: Context,
    m: GoModel,
    current: Node,
    factors: list[str],
    outer: list[str],
    name: str,
    appends: dict[int, Append],
    terms: list[str],
) -> bool:
    """Add to `terms` the appends to `name` in loop `current` (nested loops multiply);
    False when their number is unknown. A module-level function, not a closure that
    calls itself: that closure is a reference cycle left for the cycle collector."""
    count = _trip_count(ctx, m, current, outer)
    if count is None or _leaves_early(m, current, ctx.source):
        return False
    here = [*factors, count]
    inner_vars = [*outer, *_loop_vars(current, ctx)]
    body = current.child_by_field_name("body")
    for s in statements(body):
        a = appends.get(s.id)
        if a is not None and a.target == name:
            if a.spread:
                return False
            k = len(a.values)
            terms.append("*".join(([str(k)] if k > 1 else []) + _parenthesised(here)))
            continue
        if s.type == LOOP:
            if not _visit_capacity(ctx, m, s, here, inner_vars, name, appends, terms):
                if _appends_to(ctx, s, name):
                    return False
            continue
        if _appends_to(ctx, s, name):
            return False  # appended under a condition: the final length is unknown
    return True


def _parenthesised(factors: list[str]) -> list[str]:
    return [
        f if f.replace(".", "").replace("_", "").isalnum() or f.startswith("len(") else f"({f})"
        for f in factors
    ]


def _appends_to(ctx: Context, node: Node, name: str) -> bool:
    """Whether an append to `name` starts inside `node` (a binary search, no tree walk)."""
    starts: dict[str, list[int]] | None = ctx.shared.get("go.append-starts")
    if starts is None:
        starts = {}
        for a in _appends(ctx).values():
            starts.setdefault(a.target, []).append(a.stmt.start_byte)
        for v in starts.values():
            v.sort()
        ctx.shared["go.append-starts"] = starts
    found = starts.get(name, [])
    i = bisect_left(found, node.start_byte)
    return i < len(found) and found[i] < node.end_byte


@rule(
    "go/prealloc",
    title="Slice grows by append in a loop of known length; preallocate its capacity",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
A slice that starts empty and gets one `append` per iteration of a loop is reallocated
and copied about log2(n) times as it doubles (then by 1.25x past 256 elements), leaving
garbage for the GC each time. When the loop appends on every iteration the final length
is known up front: `make([]T, 0, len(src))` allocates once. Flagged only when the appends
are unconditional, the loop cannot exit early and what it ranges over has a length (a
slice, array, map, string or integer: never a channel or an iterator function), so the
capacity is exact rather than a guess.
""",
    fix="Declare it as `x := make([]T, 0, len(src))`.",
    measure=f"{BENCH}; allocs/op drops to one for the slice; `GODEBUG=gctrace=1` shows less GC.",
    mirrors=["prealloc"],
    gaps=[
        "A slice appended outside any loop is not reported: one append allocates once "
        "either way (prealloc reports it).",
        "Loops whose trip count the file does not show (`for cond {}`, a three-clause loop "
        "not counting up from 0, a range over a type from another file) are left alone.",
    ],
    bad="""
func names(users []User) []string {
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	return names
}
""",
    good="""
func names(users []User) []string {
	var names []string
	for _, u := range users {
		if u.Active {
			names = append(names, u.Name)
		}
	}
	return names
}
""",
    body_examples=False,
    node_types=[],
    scope="body",
)
def prealloc(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    appends = _appends(ctx)
    if not appends:
        return
    m = model(ctx)
    done: set[int] = set()
    asked: set[tuple[int, str]] = set()
    for a in sorted(appends.values(), key=lambda a: a.stmt.start_byte):
        if a.spread or not a.target.isidentifier():
            continue
        loop = m.enclosing_loop(a.stmt)
        if loop is None or (loop.id, a.target) in asked:
            continue
        asked.add((loop.id, a.target))
        fn = m.enclosing_function(loop)
        if fn is None or not _spells_empty(a.target, ctx.source, fn.start_byte, loop.start_byte):
            continue  # cheap test: nothing before the loop spells an empty slice of that name
        found = _declaration_before(ctx, m, a, appends)
        if found is None or found[0].id in done:
            continue
        stmt, typ = found
        done.add(stmt.id)
        cap = _following_capacity(ctx, m, stmt, a.target, appends)
        if cap is None:
            continue
        made = f"make({m.spell(typ)}, 0, {cap})"
        title = f"`{a.target}` grows by append in a loop; `{made}` allocates once"
        yield ctx.finding(info, stmt, title=title)


def _spells_empty(name: str, source: bytes, start: int, end: int) -> bool:
    """Whether source[start:end] spells `var name` or `name := []T{}`-like (a prefilter)."""
    var, assign = _EMPTY_DECL(name)
    return bool(var.search(source, start, end) or assign.search(source, start, end))


@cache
def _EMPTY_DECL(name: str) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    # Two patterns that start with literals, which `re` finds several times faster than an
    # alternation or a pattern starting with `\b`.
    n = re.escape(name).encode()
    return (
        re.compile(rb"var[ \t]+" + n + rb"\b"),
        re.compile(n + rb"[ \t]*:?=[ \t]*(?:\[|make\b|nil\b|[\w.]+[ \t]*[{(])"),
    )


def _declaration_before(
    ctx: Context, m: GoModel, a: Append, appends: dict[int, Append]
) -> tuple[Node, GoType] | None:
    """The empty-slice declaration of `a.target` in the statement list of a loop around `a`
    (the innermost that has one), with only appends to it or loops appending to it between."""
    name = a.target
    loop = m.enclosing_loop(a.stmt)
    while loop is not None:
        s = prev_statement(loop)
        while s is not None:
            for declared, typ in _declared_empty(ctx, m, s):
                if declared == name:
                    return s, typ
            b = appends.get(s.id)
            if b is not None and b.target == name:
                s = prev_statement(s)
                continue
            if mentions(s, ctx.source, name):
                if s.type == LOOP and _appends_to(ctx, s, name):
                    s = prev_statement(s)
                    continue
                return None  # used before the loop: not a fresh slice any more
            s = prev_statement(s)
        loop = m.enclosing_loop(loop)
    return None


def _following_capacity(
    ctx: Context, m: GoModel, decl: Node, name: str, appends: dict[int, Append]
) -> str | None:
    """The capacity the statements after `decl` need for `name`, if loops append to it."""
    terms: list[str] = []
    loops = 0
    fixed = 0
    s = next_statement(decl)
    while s is not None:
        a = appends.get(s.id)
        if a is not None and a.target == name:
            if a.spread:
                return None
            fixed += len(a.values)
        elif s.type == LOOP and _appends_to(ctx, s, name):
            got = _capacity(ctx, m, s, name, appends)
            if got is None:
                return None
            terms.extend(got)
            loops += 1
        elif mentions(s, ctx.source, name):
            break  # used (or reset) here: what follows is another story
        s = next_statement(s)
    if not loops:
        return None
    # Like terms together: two appends per iteration are `2*len(xs)`, not `len(xs)+len(xs)`.
    counts: dict[str, int] = {}
    for t in terms:
        factor, _, rest = t.partition("*") if t.split("*", 1)[0].isdigit() else ("1", "", t)
        counts[rest] = counts.get(rest, 0) + int(factor)
    merged = [rest if k == 1 else f"{k}*{rest}" for rest, k in counts.items()]
    if fixed:
        merged.append(str(fixed))
    return "+".join(merged)


# -- sliceClear -----------------------------------------------------------------------------


@rule(
    "go/slice-clear",
    title="Index loop zeroing a slice is not turned into memclr; use range or clear",
    severity=Severity.INFO,
    category="simd",
    explanation="""
The Go compiler recognises `for i := range xs { xs[i] = zero }` and replaces it with a
single memory clear (vectorised, many bytes per cycle). The same loop written with a
three-clause header (`for i := 0; i < len(xs); i++`) is not recognised and zeroes one
element at a time with a bounds check each. On Go 1.21+ `clear(xs)` says it directly.
""",
    fix="`for i := range xs { xs[i] = 0 }` or `clear(xs)`.",
    measure=f"{BENCH} on a large slice; ns/op drops several-fold.",
    mirrors=["gocritic:sliceClear"],
    related=[
        'The zero values `""`, `nil` and `false` are flagged too: the compiler clears '
        "those the same way (go-critic matches integer zero only)."
    ],
    bad="""
counts := make([]int, 256)
for i := 0; i < len(counts); i++ {
    counts[i] = 0
}
""",
    good="""
counts := make([]int, 256)
for i := 0; i < len(counts); i++ {
    counts[i] = -1
}
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def slice_clear(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    for loop, clause in loop_clauses(ctx, "for_clause"):
        got = _counting(ctx, clause)
        if got is None:
            continue
        i, bound = got
        if (
            bound.type != "call_expression"
            or ctx.text(bound.child_by_field_name("function")) != "len"
        ):
            continue
        args = call_args(bound)
        stmts = statements(loop.child_by_field_name("body"))
        if len(args) != 1 or len(stmts) != 1:
            continue
        xs = args[0]
        assign = single_assignment(stmts[0])
        if assign is None or squash(ctx.text(assign[0])) != f"{squash(ctx.text(xs))}[{i}]":
            continue
        m = m or model(ctx)
        if not _is_zero(m, ctx, assign[1]) or has_call(xs):
            continue
        fn = bound.child_by_field_name("function")
        if fn is None or not m.is_universe(fn):
            continue
        if _elem(m, m.type_of(xs))[0] is None:
            continue  # not a slice or array as far as the file says (a map would differ)
        fix = fix_for(ctx, clause, f"{i} := range {ctx.text(xs)}", "Range over the slice")
        yield ctx.finding(info, clause, fix=fix)


def _is_zero(m: GoModel, ctx: Context, value: Node) -> bool:
    """Whether `value` is a zero value the compiler's clearing loop recognises."""
    if value.type in ("nil", "false") or ctx.text(value) in ('""', "``"):
        return True
    if value.type == "float_literal":
        try:
            return float(ctx.text(value).replace("_", "")) == 0
        except ValueError:
            return False
    v = m.const_value(value)
    return isinstance(v, int) and v == 0


# -- zeroByteRepeat ------------------------------------------------------------------------------


@rule(
    "go/zero-byte-repeat",
    title="bytes.Repeat of a zero byte; make([]byte, n) is already zeroed",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`bytes.Repeat([]byte{0}, n)` allocates the result and then fills it by repeated copying,
although Go zeroes every new allocation anyway. `make([]byte, n)` gets the same zeroed
slice from the allocator (often straight from pre-zeroed memory) without the fill pass
and without the one-byte temporary.
""",
    fix="`make([]byte, n)`.",
    measure=f"{BENCH}; ns/op falls for large n.",
    mirrors=["gocritic:zeroByteRepeat"],
    bad="""
pad := bytes.Repeat([]byte{0}, size)
""",
    good="""
pad := bytes.Repeat([]byte{' '}, size)
""",
    node_types=[],
    has_fix=True,
    scope="body",  # the byte may be a package-level constant
)
def zero_byte_repeat(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("bytes", "Repeat"):
        a = call_args(call)
        if len(a) != 2 or a[0].type != "composite_literal":
            continue
        if m.type_from_node(a[0].child_by_field_name("type")) != BYTES:
            continue
        body = a[0].child_by_field_name("body")
        elems = [e for e in body.named_children if e.type != "comment"] if body else []
        if len(elems) != 1:
            continue
        elem = (
            elems[0].named_children[0]
            if elems[0].type == "literal_element" and elems[0].named_children
            else elems[0]
        )
        if m.const_value(elem) != 0:
            continue
        fix = fix_for(ctx, call, f"make([]byte, {ctx.text(a[1])})", "Use make")
        yield ctx.finding(info, call, fix=fix)
