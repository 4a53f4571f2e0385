"""Containers used the slow way: growth without reserve, linear searches of sets, size()==0,
and temporaries pushed instead of constructed in place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import Span
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.loops import loop_bound
from se_lsp.rules.cpp.model import MODEL_NODE_TYPES, ClassInfo, Model, TypeSpec, parse_spelled
from se_lsp.rules.cpp.syntax import (
    FUNCTIONS,
    LOOPS,
    args,
    callee,
    calls,
    calls_within,
    has_word,
    line_indent,
    method_call,
    squash,
)
from se_lsp.rules.engine import Context, RuleInfo, rule

# -- performance-inefficient-vector-operation -------------------------------------------------

_EXITS = frozenset(
    {
        "break_statement",
        "return_statement",
        "goto_statement",
        "throw_statement",
        "continue_statement",
        "co_return_statement",
    }
)


def _exits_early(body: Node) -> bool:
    """A break, continue, return, goto or throw that leaves this loop's iteration early."""
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        t = node.type
        if t in _EXITS:
            if t in ("break_statement", "continue_statement"):
                return True
            return True
        if t in FUNCTIONS:
            continue
        if t in LOOPS or t == "switch_statement":
            # A break in there belongs to the inner statement, and so does a continue in an
            # inner loop; a return does not, nor a continue in a switch (it skips the rest of
            # this loop's iteration). Over nested loops in a switch it errs towards silence.
            leaves: tuple[str, ...] = ("return_statement", "goto_statement", "throw_statement")
            if t == "switch_statement":
                leaves = (*leaves, "continue_statement")
            stack.extend(c for c in _descendants(node) if c.type in leaves)
            continue
        stack.extend(node.named_children)
    return False


def _descendants(node: Node) -> Iterator[Node]:
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        if n.type in FUNCTIONS:
            continue
        yield n
        stack.extend(n.named_children)


@rule(
    "cpp/inefficient-vector-operation",
    title="Vector grows inside a loop of known length without reserve()",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
A `std::vector` that grows by `push_back`/`emplace_back` reallocates each time its capacity runs
out: about log₂(n) allocations, each moving every element so far (for n = 1e6, around 20
reallocations that move about n elements in total). When the loop's trip count is known before
it starts (a counted loop from 0, or a range-for over a sized container) and every iteration
appends exactly once, one `reserve(n)` makes it a single allocation.
""",
    fix="Call `v.reserve(n)` before the loop.",
    measure="Google Benchmark the function; `heaptrack` or `valgrind --tool=massif` show the "
    "repeated reallocations; `perf stat -e page-faults` for large vectors.",
    mirrors=["clang-tidy:performance-inefficient-vector-operation"],
    bad="""
#include <vector>
std::vector<int> squares(int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(i * i);
    }
    return out;
}
""",
    good="""
#include <vector>
std::vector<int> squares(int n) {
    std::vector<int> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
        out.push_back(i * i);
    }
    return out;
}
std::vector<int> evens(const std::vector<int>& xs) {
    std::vector<int> out;
    for (int x : xs) {
        if (x % 2 == 0) {
            out.push_back(x);
        }
    }
    return out;
}
""",
    scope="body",  # the vector's and the range's types may be aliases declared elsewhere
    node_types=["for_statement", "for_range_loop", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "Protobuf repeated fields (EnableProto, off by default) and VectorLikeClasses other "
        "than std::vector are not covered.",
        "Loops that may leave early (break, continue, return, throw) are left alone: their "
        "trip count is only an upper bound.",
    ),
)
def inefficient_vector_operation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for method in ("push_back", "emplace_back"):
        for call in calls(ctx, method):
            mc = method_call(ctx, call, arrow=False)
            if mc is None or mc[0].type != "identifier":
                continue
            stmt = call.parent
            if stmt is None or stmt.type != "expression_statement":
                continue
            block = stmt.parent
            if block is None:
                continue
            loop = block if block.type in LOOPS else block.parent
            if loop is None or loop.type not in ("for_statement", "for_range_loop"):
                continue
            body = loop.child_by_field_name("body")
            if body not in (block, stmt):
                continue
            outer = loop.parent
            name = ctx.text(mc[0])
            d = model.lookup(name, call)
            if d is None or d.kind != "local" or d.node.parent != outer or outer is None:
                continue
            if d.value is not None or d.node.start_byte > loop.start_byte:
                continue  # initialised with contents or a size
            ts = model.type_of_decl(d)
            if ts is None or model.resolve(ts).base != "std::vector" or not ts.by_value:
                continue
            if has_word(ctx.source, name, d.node.end_byte, loop.start_byte):
                continue  # used (perhaps reserved or filled) before the loop
            bound = loop_bound(model, loop)
            if bound is None or has_word(bound.encode(), name, 0, len(bound)):
                continue
            assert body is not None
            if _exits_early(body):
                continue
            pushes = [
                c
                for m in ("push_back", "emplace_back", "insert", "emplace", "resize")
                for c in calls_within(ctx, m, body.start_byte, body.end_byte)
                if (mc2 := method_call(ctx, c)) is not None and ctx.text(mc2[0]) == name
            ]
            if len(pushes) != 1:
                continue  # appends twice, or conditionally elsewhere: n is not the final size
            fix = None
            indent = line_indent(ctx, loop)
            if indent is not None:
                start = ctx.index.pos_at_byte(loop.start_byte)
                fix = ctx.fix(
                    Span(start, start),
                    f"{name}.reserve({bound});\n{indent}",
                    "Reserve the capacity before the loop",
                )
            found = ctx.finding(
                info,
                call,
                title=f"`{name}` grows by {method} in a loop of {bound} iterations: reserve first",
                fix=fix,
            )
            if bound.isdigit() and int(bound) <= _FEW:
                # A handful of elements: one or two reallocations saved, honestly a hint.
                found = replace(found, severity=Severity.HINT)
            yield found


# A loop bound up to this literal is a handful of elements (read on taskflow: 3 pipes).
_FEW = 16


# -- readability-container-size-empty -------------------------------------------------------

_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def _emptiness(op: str, value: int, unsigned: bool) -> bool | None:
    """For `size() OP value`: True when it means empty(), False for !empty(), None otherwise."""
    if value == 0:
        if op == "==":
            return True
        if op == "!=":
            return False
        if op == ">" and unsigned:
            return False
        if op == "<=" and unsigned:
            return True
    if value == 1 and unsigned:
        if op == "<":
            return True
        if op == ">=":
            return False
    return None


def _size_receiver(ctx: Context, model: Model, call: Node) -> tuple[Node, str, bool] | None:
    """For `x.size()`/`x->length()` on a type with empty(): (receiver, access, unsigned size)."""
    mc = method_call(ctx, call)
    if mc is None or args(call):
        return None
    recv, method, op = mc
    rt = model.type_of(recv)
    if rt is None:
        return None
    r = model.resolve(rt)
    if op == "->":
        if r.pointer:
            r = TypeSpec(r.spelling, r.const)
        elif r.base in ("std::unique_ptr", "std::shared_ptr") and r.args:
            r = model.resolve(parse_spelled(r.args[0]))
        else:
            return None
    elif r.pointer:
        return None
    if stdlib.is_library(r.base):
        if r.base not in stdlib.HAS_EMPTY:
            return None
        if method == "length" and r.base not in stdlib.STRINGS | stdlib.STRING_VIEWS:
            return None
        return recv, op, True
    cls = model.class_of(r)
    if cls is None:
        return None
    unsigned = _user_size(model, cls, method)
    if unsigned is None:
        return None
    return recv, op, unsigned


def _user_size(model: Model, cls: ClassInfo, method: str) -> bool | None:
    """For a class the file defines with a public empty(): whether its size() is unsigned."""
    empties = [m for m in model.methods(cls, "empty") if not m.params]
    if not empties or any(m.access != "public" for m in empties):
        return None
    sizes = [m for m in model.methods(cls, method) if not m.params and m.ret is not None]
    if not sizes or sizes[0].ret is None:
        return None
    ret = model.resolve(sizes[0].ret).base
    if ret in ("bool",) or ret in model.enums:
        return None
    words = ret.replace("std::", "").split()
    if (
        ret in ("size_t", "std::size_t", "size_type")
        or "unsigned" in words
        or ret.startswith("uint")
    ):
        return True
    if words and all(w in stdlib.PRIMITIVES for w in words):
        return False
    return None


def _inside_own_empty(ctx: Context, model: Model, call: Node) -> bool:
    """The call is inside the `empty()` that would replace it (a container's own definition)."""
    fn = next((a for a in _ancestors(call) if a.type == "function_definition"), None)
    if fn is None:
        return False
    decl = fn.child_by_field_name("declarator")
    text = ctx.text(decl)
    return squash(text).split("(", 1)[0].rsplit("::", 1)[-1] == "empty"


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def _bool_context(ctx: Context, model: Model, node: Node) -> Node | None:
    """If `node` (a size() call) is used as a truth value, the node to replace and whether it
    is negated: returns the replaced node, or None when it is used as a number."""
    parent = node.parent
    if parent is None:
        return None
    pt = parent.type
    if pt == "parenthesized_expression":
        grand = parent.parent
        if grand is not None and grand.type in ("if_statement", "while_statement", "do_statement"):
            return node
        return None
    if pt == "condition_clause":
        grand = parent.parent
        return None if grand is not None and grand.type == "switch_statement" else node
    if pt == "for_statement" and parent.child_by_field_name("condition") == node:
        return node
    if pt == "binary_expression":
        op = parent.child_by_field_name("operator")
        if op is not None and op.type in ("&&", "||"):
            return node
        return None
    if pt == "conditional_expression" and parent.child_by_field_name("condition") == node:
        return node
    if pt == "init_declarator" or (
        pt == "argument_list"
        and parent.parent is not None
        and parent.parent.type == "init_declarator"
    ):
        holder = parent if pt == "init_declarator" else parent.parent
        decl = holder.parent if holder is not None else None
        tnode = decl.child_by_field_name("type") if decl is not None else None
        return node if tnode is not None and ctx.text(tnode) == "bool" else None
    if pt == "argument_list" and parent.parent is not None:
        call = parent.parent
        fn = call.child_by_field_name("function")
        if fn is not None and squash(ctx.text(fn)) in ("static_cast<bool>", "bool"):
            return node
        return None
    if pt == "cast_expression":
        tnode = parent.child_by_field_name("type")
        return node if tnode is not None and ctx.text(tnode) == "bool" else None
    if pt == "return_statement":
        fn = next((a for a in _ancestors(node) if a.type in FUNCTIONS), None)
        if fn is not None and fn.type == "function_definition":
            tnode = fn.child_by_field_name("type")
            if tnode is not None and ctx.text(tnode) == "bool":
                return node
        return None
    return None


@rule(
    "cpp/container-size-empty",
    title="Emptiness tested through size(): call empty()",
    severity=Severity.HINT,
    category="other",
    explanation="""
`empty()` states the intent and is O(1) for every standard container, while `size()` is only
guaranteed O(1) since C++11 (older `std::list` implementations counted the nodes) and is not
provided at all by `std::forward_list`. A readability hint more than a measurable cost.
""",
    fix="Write `x.empty()` or `!x.empty()`.",
    measure="Usually not measurable; for a hand-written list type `perf record` would show the "
    "node count walk.",
    mirrors=["clang-tidy:readability-container-size-empty"],
    bad="""
#include <vector>
void flush(std::vector<int>& pending) {
    if (pending.size() == 0) {
        return;
    }
}
""",
    good="""
#include <vector>
struct Queue { int size() const; };
void flush(std::vector<int>& pending, Queue& q) {
    if (pending.empty() || q.size() == 0 || pending.size() == 2) {
        return;
    }
}
""",
    scope="body",
    node_types=[*MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "Comparisons with an empty object (`v == std::vector<int>()`) are only recognised for "
        'an empty string literal (`s == ""`).',
        "Arguments passed to a `bool` parameter (`takes_bool(v.size())`) are left alone.",
    ),
)
def container_size_empty(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for method in ("size", "length"):
        for call in calls(ctx, method):
            if _size_test(ctx, model, call, True)[0] is None:
                continue  # used as a number: no type needed to know that
            got = _size_receiver(ctx, model, call)
            if got is None or _inside_own_empty(ctx, model, call):
                continue
            recv, op, unsigned = got
            empty = f"{ctx.text(recv)}{op}empty()"
            target, negate = _size_test(ctx, model, call, unsigned)
            if target is None:
                continue
            new = f"!{empty}" if negate else empty
            yield ctx.finding(
                info,
                target,
                title=f"Use {new} to test for emptiness instead of {method}()",
                fix=ctx.fix(target, new, f"Use {new}"),
            )
    yield from _empty_string_comparisons(ctx, model, info)


def _size_test(ctx: Context, model: Model, call: Node, unsigned: bool) -> tuple[Node | None, bool]:
    """The node to replace and whether the replacement is negated (None: not a test)."""
    parent = call.parent
    if parent is None:
        return None, False
    if parent.type == "binary_expression":
        op = parent.child_by_field_name("operator")
        left = parent.child_by_field_name("left")
        right = parent.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None, False
        other = right if left == call else left
        if other.type != "number_literal":
            return _bool_context(ctx, model, call), True
        try:
            value = int(ctx.text(other).rstrip("uUlL"), 0)
        except ValueError:
            return None, False
        o = op.type if left == call else _FLIP.get(op.type, op.type)
        verdict = _emptiness(o, value, unsigned)
        if verdict is None:
            return None, False
        return parent, not verdict
    if parent.type == "unary_expression" and ctx.text(parent).lstrip().startswith("!"):
        return parent, False
    target = _bool_context(ctx, model, call)
    return target, True


def _empty_string_comparisons(ctx: Context, model: Model, info: RuleInfo) -> Iterator[Finding]:
    """`s == ""` and `s != ""` on a std::string."""
    lo, hi = ctx.scan_range
    src = ctx.source
    for needle in (b'""', b'L""', b'u8""'):
        pos = src.find(needle, lo, hi)
        while pos >= 0:
            node = ctx.root.named_descendant_for_byte_range(pos, pos + len(needle))
            pos = src.find(needle, pos + len(needle), hi)
            if node is None or node.type != "string_literal":
                continue
            parent = node.parent
            if parent is None or parent.type != "binary_expression":
                continue
            op = parent.child_by_field_name("operator")
            if op is None or op.type not in ("==", "!="):
                continue
            left = parent.child_by_field_name("left")
            right = parent.child_by_field_name("right")
            other = left if right == node else right
            if other is None or other == node:
                continue
            t = model.type_of(other)
            if t is None or t.pointer or model.resolve(t).base not in stdlib.STRINGS:
                continue
            text = ctx.text(other)
            if other.type not in (
                "identifier",
                "field_expression",
                "call_expression",
                "parenthesized_expression",
            ):
                text = f"({text})"
            new = f"{'!' if op.type == '!=' else ''}{text}.empty()"
            yield ctx.finding(
                info,
                parent,
                title=f'Use {new} to test for emptiness instead of comparing with ""',
                fix=ctx.fix(parent, new, f"Use {new}"),
            )


# -- performance-inefficient-algorithm ------------------------------------------------------

_SET_MEMBERS = {
    "std::set": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::multiset": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::unordered_set": ("find", "count", "equal_range"),
    "std::unordered_multiset": ("find", "count", "equal_range"),
}
_MAP_MEMBERS = {
    "std::map": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::multimap": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::unordered_map": ("find", "count", "equal_range"),
    "std::unordered_multimap": ("find", "count", "equal_range"),
}


def _strip_parens(node: Node) -> Node:
    while node.type == "parenthesized_expression" and len(node.named_children) == 1:
        node = node.named_children[0]
    return node


@rule(
    "cpp/inefficient-algorithm",
    title="Linear std:: algorithm on a set that has a fast member",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`std::find(s.begin(), s.end(), v)` walks every element: O(n), chasing tree or bucket pointers
with a cache miss per node. A `std::set` finds the same element in O(log n) and an
`unordered_set` in O(1) average with `s.find(v)`; `count`, `lower_bound` and friends likewise.
For 100k elements that is up to 100k node visits against about 17.
""",
    fix="Call the container's member: `s.find(v)`, `s.count(v)`.",
    measure="Google Benchmark the lookup at realistic sizes; `perf stat -e cache-misses` shows "
    "the pointer chasing of the linear scan.",
    mirrors=["clang-tidy:performance-inefficient-algorithm"],
    bad="""
#include <algorithm>
#include <set>
bool known(const std::set<int>& ids, int id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}
""",
    good="""
#include <algorithm>
#include <set>
#include <vector>
bool known(const std::set<int>& ids, const std::vector<int>& order, int id) {
    return ids.find(id) != ids.end() &&
           std::find(order.begin(), order.end(), id) != order.end();
}
""",
    scope="body",
    node_types=[*MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "A call with a comparator different from the container's is not reported (clang-tidy "
        "reports it as a different problem).",
        "A container ordered by another comparator than the algorithm's default "
        "(`std::lower_bound` over a `std::set<int, std::greater<int>>`) is left alone: the "
        "member function would search by the container's order, so the result could change.",
    ),
)
def inefficient_algorithm(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for algo in ("find", "count", "lower_bound", "upper_bound", "equal_range"):
        for call in calls(ctx, algo):
            name = callee(ctx, call)
            if name not in (f"std::{algo}", algo):
                continue
            items = args(call)
            if len(items) != 3:
                continue
            ends = []
            for a in items[:2]:
                a = _strip_parens(a)
                mc = method_call(ctx, a) if a.type == "call_expression" else None
                ends.append(mc)
            begin, end = ends
            if begin is None or end is None or begin[1] != "begin" or end[1] != "end":
                continue
            recv_b, recv_e = _strip_parens(begin[0]), _strip_parens(end[0])
            if squash(ctx.text(recv_b)) != squash(ctx.text(recv_e)) or begin[2] != end[2]:
                continue
            rt = model.type_of(recv_b)
            if rt is None:
                continue
            r = model.resolve(rt)
            if begin[2] == "->":
                if not r.pointer:
                    continue
                r = TypeSpec(r.spelling, r.const)
            elif r.pointer:
                continue
            if name == algo and not model.using_std and not stdlib.is_library(r.base):
                continue
            base = r.base
            is_set = algo in _SET_MEMBERS.get(base, ())
            is_map = algo in _MAP_MEMBERS.get(base, ())
            if not is_set and not is_map:
                continue
            if len(r.args) > (1 if is_set else 2) and not base.startswith("std::unordered"):
                continue  # a custom comparator: the member may order differently
            recv = f"{ctx.text(recv_b)}{begin[2]}"
            fix = None
            if is_set:
                fix = ctx.fix(call, f"{recv}{algo}({ctx.text(items[2])})", f"Use the member {algo}")
            yield ctx.finding(
                info,
                call,
                title=f"std::{algo} scans `{ctx.text(recv_b)}` linearly; its member {algo} does "
                "not",
                fix=fix,
            )


# -- modernize-use-emplace ----------------------------------------------------------------------


@rule(
    "cpp/use-emplace",
    title="push_back of a temporary: construct it in place",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`v.push_back(T(a, b))` first builds a temporary `T`, then move-constructs (or, without a move
constructor, copy-constructs) it into the vector and destroys the temporary. `emplace_back(a, b)`
constructs the element directly in the vector's storage. The saving is one move and one
destructor per element; more for types that are expensive to move.
""",
    fix="Call `emplace_back` with the constructor arguments.",
    measure="Google Benchmark the filling loop; `perf record` shows the temporary's move "
    "constructor and destructor.",
    mirrors=["clang-tidy:modernize-use-emplace", "clang-tidy:hicpp-use-emplace"],
    gaps=(
        "Braced temporaries (`push_back(Point{1, 2})`) are not reported: `emplace_back(1, 2)` "
        "needs a constructor, and aggregates gained parenthesised initialisation only in C++20.",
        "A temporary built from a new-expression (`push_back(Owner<T>(new T))`) is left alone "
        "for any owner type, not only clang-tidy's SmartPointers: emplacing the raw pointer "
        "leaks it if the vector throws while growing.",
        "ContainersWithPush, ContainersWithPushBack, ContainersWithPushFront, SmartPointers, "
        "TupleTypes and TupleMakeFunctions (their defaults) are not configurable; std::vector, "
        "std::deque and std::list are checked.",
    ),
    bad="""
#include <string>
#include <utility>
#include <vector>
void load(std::vector<std::pair<std::string, int>>& out) {
    out.push_back(std::make_pair(std::string("a"), 1));
}
""",
    good="""
#include <string>
#include <utility>
#include <vector>
void load(std::vector<std::pair<std::string, int>>& out, const std::pair<std::string, int>& p) {
    out.emplace_back("a", 1);
    out.push_back(p);
}
""",
    scope="body",
    node_types=[*MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
)
def use_emplace(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for method, emplace in (("push_back", "emplace_back"), ("push_front", "emplace_front")):
        for call in calls(ctx, method):
            mc = method_call(ctx, call)
            items = args(call)
            if mc is None or len(items) != 1 or items[0].type != "call_expression":
                continue
            inner = items[0]
            ctor = callee(ctx, inner)
            if ctor.startswith("std::") and ctor not in ("std::make_pair", *stdlib.STRINGS):
                if "<" not in ctor:
                    continue  # std::move, std::to_string, ...: not a constructor call
            rt = model.type_of(mc[0])
            if rt is None:
                continue
            r = model.resolve(rt)
            if mc[2] == "->":
                if not r.pointer:
                    continue
                r = TypeSpec(r.spelling, r.const)
            if r.pointer or r.base not in ("std::vector", "std::deque", "std::list"):
                continue
            element = r.args[0] if r.args else ""
            if model.resolve(TypeSpec(ctor)).base in _SMART_POINTERS:
                continue  # clang-tidy's SmartPointers: emplacing the raw pointer may leak it
            if ctor in ("std::make_pair", "make_pair"):
                if not element.startswith("std::pair<"):
                    continue
            elif model.canonical(TypeSpec(ctor)) != model.canonical(TypeSpec(element)):
                continue
            inner_args = inner.child_by_field_name("arguments")
            if inner_args is not None and any(
                a.type == "new_expression" for a in inner_args.named_children
            ):
                # `push_back(Owner(new T))`: were emplace_back to throw while growing, the
                # raw pointer would leak; the temporary owns it before push_back runs.
                continue
            fn = call.child_by_field_name("function")
            field_node = fn.child_by_field_name("field") if fn is not None else None
            if inner_args is None or field_node is None:
                continue
            fix = ctx.fix(
                Span(
                    ctx.index.pos_at_byte(field_node.start_byte),
                    ctx.index.pos_at_byte(call.end_byte),
                ),
                f"{emplace}{ctx.text(inner_args)}",
                f"Construct in place with {emplace}",
            )
            yield ctx.finding(info, call, fix=fix)


# clang-tidy's SmartPointers default: the owners use-emplace leaves alone.
_SMART_POINTERS = frozenset(
    {"std::unique_ptr", "std::shared_ptr", "std::weak_ptr", "std::auto_ptr"}
)


RULES = [inefficient_vector_operation, container_size_empty, inefficient_algorithm, use_emplace]
