"""Large values copied on every call or iteration, and values boxed into a sync.Pool."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.model import GoModel, call_args, fix_for, model, unparen
from se_lsp.rules.go.syntax import BENCH, is_blank, range_loops, written
from se_lsp.rules.go.types import (
    ARRAY,
    BASIC,
    CHAN,
    FUNC,
    INTERFACE,
    MAP,
    NIL,
    POINTER,
    SLICE,
    TYPEPARAM,
    named,
    pointer,
)

RANGE_COPY_BYTES = 128
RANGE_EXPR_BYTES = 512
PARAM_COPY_BYTES = 80


def is_unit_test(m: GoModel, fn: Node | None) -> bool:
    """`func TestX(t *testing.T)`: go-critic leaves those to the tests' own judgement."""
    if fn is None or fn.type != "function_declaration":
        return False
    if not m.text(fn.child_by_field_name("name")).startswith("Test"):
        return False
    params = fn.child_by_field_name("parameters")
    decls = (
        [p for p in params.named_children if p.type == "parameter_declaration"] if params else []
    )
    if len(decls) != 1:
        return False
    t = m.type_from_node(decls[0].child_by_field_name("type"))
    return t == pointer(named("testing", "T"))


@rule(
    "go/range-val-copy",
    title="Range value copies a large value on every iteration",
    severity=Severity.INFO,
    category="copy",
    explanation=f"""
`for _, v := range xs` copies each element into `v`. For an element of {RANGE_COPY_BYTES}
bytes or more (sized from its type as the file declares it, with Go's padding on 64-bit
targets) that is a memmove per iteration which the compiler usually cannot remove, and it
also hides that writes to `v` do not reach the slice. Indexing avoids the copy.
""",
    fix="`for i := range xs { v := &xs[i]; .. }`.",
    measure=f"{BENCH}; ns/op drops in proportion to the element size.",
    mirrors=["gocritic:rangeValCopy"],
    gaps=[
        "Element types declared in other files or packages have no known size and are not flagged.",
        "Ranging over a map is not flagged: a map value cannot be addressed, so `m[k]` "
        "copies it just the same (go-critic flags it).",
    ],
    bad="""
package example

type Sample struct {
	Name   string
	Values [32]float64
}

func total(samples []Sample) (sum float64) {
	for _, s := range samples {
		sum += s.Values[0]
	}
	return sum
}
""",
    good="""
package example

type Sample struct {
	Name   string
	Values [32]float64
}

func total(samples []Sample) (sum float64) {
	for i := range samples {
		sum += samples[i].Values[0]
	}
	return sum
}
""",
    scope="body",  # sizes come from type declarations anywhere in the file
    node_types=[],
    body_examples=False,
)
def range_val_copy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    may_copy: dict[int, bool] = {}
    for rl in range_loops(ctx):
        value = rl.value
        if value is None or is_blank(value, ctx.source):
            continue
        m = m or model(ctx)
        unit = m.unit_of(rl.loop)
        if not _may_hold_big(ctx, m, unit, may_copy, RANGE_COPY_BYTES):
            continue
        info_ = m.range_info(rl.clause)
        if info_.kind == "map":
            continue  # a map value cannot be addressed: indexing it copies just the same
        t = info_.value if rl.declares else m.type_of(value)
        size = m.size_of(t)
        if t is None or size is None or size < RANGE_COPY_BYTES:
            continue
        if is_unit_test(m, m.enclosing_function(rl.clause)):
            continue
        title = f"Each iteration copies {size} bytes into `{ctx.text(value)}` ({t})"
        yield ctx.finding(info, value, title=title)


def _may_hold_big(
    ctx: Context, m: GoModel, unit: Node, cache: dict[int, bool], threshold: int
) -> bool:
    """Cheap test before sizing anything: does the function name a big type of this file,
    or spell an array or struct type (the only ways to get a big value)?"""
    found = cache.get(unit.id)
    if found is None:
        body = ctx.source[unit.start_byte : unit.end_byte]
        big = m.big_types(threshold)
        found = (
            b"struct" in body
            or any(n.encode() in body for n in big)
            or _ARRAY.search(body) is not None
        )
        cache[unit.id] = found
    return found


# An array type `[N]T` (an index expression is never followed by a type).
_ARRAY = re.compile(rb"\[[ \t]*\w+[ \t]*\][\w*\[]")


def _addressable(m: GoModel, n: Node) -> bool:
    """Whether `&n` is allowed: a variable, a field of one, an element of a slice or array."""
    n = unparen(n) or n
    t = n.type
    if t == "identifier":
        d = m.lookup(n)
        return d is not None and d.kind in ("var", "param", "result", "range", "receive")
    if t == "selector_expression":
        operand = n.child_by_field_name("operand")
        if operand is None:
            return False
        ot = m.underlying(m.type_of(operand))
        return ot is not None and (ot.kind == POINTER or _addressable(m, operand))
    if t == "index_expression":
        operand = n.child_by_field_name("operand")
        ot = m.underlying(m.type_of(operand)) if operand is not None else None
        if ot is None:
            return False
        if ot.kind in (SLICE, POINTER):
            return True
        return ot.kind == ARRAY and operand is not None and _addressable(m, operand)
    if t == "unary_expression":
        return m.text(n.child_by_field_name("operator")) == "*"
    return False


@rule(
    "go/range-expr-copy",
    title="Ranging over an array by value copies the whole array first",
    severity=Severity.INFO,
    category="copy",
    explanation=f"""
`for i, v := range arr` over an array (not a slice) evaluates `arr` once, and when the
loop reads the elements that means copying the whole array before the first iteration. For
arrays of {RANGE_EXPR_BYTES} bytes or more the copy is a noticeable memmove (and stack
growth); ranging over `&arr` reads the elements in place with the same results, unless
the loop body modifies the array and relies on seeing the old values.
""",
    fix="`for i, v := range &arr`.",
    measure=f"{BENCH}; ns/op drops by the cost of copying the array.",
    mirrors=["gocritic:rangeExprCopy"],
    bad="""
var table [1024]byte
for i, b := range table {
    sum += int(b) * i
}
""",
    good="""
var table [1024]byte
for i, b := range &table {
    sum += int(b) * i
}
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def range_expr_copy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    may_copy: dict[int, bool] = {}
    for rl in range_loops(ctx):
        if rl.key is None or rl.value is None:
            continue  # `for i := range arr` copies nothing
        m = m or model(ctx)
        if not _may_hold_big(ctx, m, m.unit_of(rl.loop), may_copy, RANGE_EXPR_BYTES):
            continue
        if m.range_info(rl.clause).kind != "array":
            continue
        right = rl.right
        size = m.size_of(m.type_of(right))
        if size is None or size < RANGE_EXPR_BYTES or not _addressable(m, right):
            continue
        if is_unit_test(m, m.enclosing_function(rl.clause)):
            continue
        text = ctx.text(right)
        title = f"Ranging over `{text}` copies {size} bytes first; range over `&{text}`"
        yield ctx.finding(
            info, right, title=title, fix=fix_for(ctx, right, f"&{text}", "Range over a pointer")
        )


def _is_stringer(m: GoModel, fn: Node) -> bool:
    """`func (x T) String() string`: go-critic leaves Stringers alone (fmt calls them by value)."""
    if fn.type != "method_declaration" or m.text(fn.child_by_field_name("name")) != "String":
        return False
    params = fn.child_by_field_name("parameters")
    if params is not None and any(
        p.type.endswith("parameter_declaration") for p in params.named_children
    ):
        return False
    return m.text(fn.child_by_field_name("result")) == "string"


@rule(
    "go/huge-param",
    title="Large struct or array passed by value",
    severity=Severity.INFO,
    category="copy",
    explanation=f"""
Go passes arguments by value, so a parameter (or receiver) whose type is a struct or
array of {PARAM_COPY_BYTES} bytes or more is copied on every call, unless the call is
inlined. Sizes are computed from the types the file declares, with Go's padding on 64-bit
targets. A pointer costs 8 bytes; it does let the callee modify the value, which is the
trade-off to weigh. `String() string` methods are left alone: fmt calls them on values,
and so are parameters the function assigns to, increments or takes the address of: that
copy is one it needs, and a pointer would change the caller's value.
""",
    fix="Take a pointer (`*T`) if the callee does not need its own copy.",
    measure=f"{BENCH}; `go build -gcflags=-m` shows whether the call is inlined anyway.",
    mirrors=["gocritic:hugeParam"],
    gaps=[
        "Types declared in other files or packages have no known size and are not flagged.",
        "go-critic also flags value parameters the function writes to; se-lsp does not, "
        "because passing a pointer there would change the caller's value.",
    ],
    bad="""
package example

type Config struct {
	Name    string
	Weights [16]float64
}

func score(c Config, x float64) float64 {
	return c.Weights[0] * x
}
""",
    good="""
package example

type Config struct {
	Name    string
	Weights [16]float64
}

func score(c *Config, x float64) float64 {
	return c.Weights[0] * x
}
""",
    scope="body",  # sizes come from type declarations anywhere in the file
    node_types=[],
    body_examples=False,
    confidence=0.8,
)
def huge_param(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    lo, hi = ctx.scan_range
    src = ctx.source
    candidates: dict[int, Node] = {}
    if ctx.limit is not None:
        # An edit pass: a few functions, whose parameter types are sized one by one.
        words = None
        for top in m.tops_within(lo, hi):
            candidates[top.id] = top
    else:
        big = m.big_types(PARAM_COPY_BYTES)
        words = [n.encode() for n in big]
        # Only functions that spell a big type or an array type somewhere can take one.
        # One pattern per name, each starting with a literal: `re` finds those fast.
        for pattern in (_ARRAY, *(_word(n) for n in sorted(big))):
            for hit in pattern.finditer(src, lo, hi):
                pos = hit.start()
                if pos > 0 and src[pos - 1] in _WORD_OR_DOT:
                    continue  # `a[i]x`, `pkg.Name`, `OtherName`
                fn = m.top_at(pos)
                if fn is not None:
                    candidates.setdefault(fn.id, fn)
    for fn in candidates.values():
        if fn.type not in ("function_declaration", "method_declaration"):
            continue
        writes: set[str] | None = None
        for field in ("receiver", "parameters"):
            plist = fn.child_by_field_name(field)
            if plist is None:
                continue
            text = src[plist.start_byte : plist.end_byte]
            if words is not None and b"[" not in text and not any(w in text for w in words):
                continue  # no array type and no big type named: nothing to size
            for p in plist.named_children:
                if p.type != "parameter_declaration":
                    continue
                typ = p.child_by_field_name("type")
                if typ is None or typ.type not in ("type_identifier", "array_type"):
                    continue  # pointers, slices, maps... are one to three words
                if typ.type == "type_identifier" and not _big(m, ctx.text(typ), words):
                    continue
                t = m.type_from_node(typ)
                size = m.size_of(t)
                if t is None or size is None or size < PARAM_COPY_BYTES or _is_stringer(m, fn):
                    continue
                if writes is None:
                    body = fn.child_by_field_name("body")
                    writes = written(body, src) if body is not None else set()
                for name in p.children_by_field_name("name"):
                    if is_blank(name, ctx.source) or ctx.text(name) in writes:
                        continue  # a copy the function writes to is one it needs
                    what = f"{size} bytes ({ctx.text(typ)})"
                    title = f"`{ctx.text(name)}` is {what}, copied on every call"
                    yield ctx.finding(info, name, title=title)


def _big(m: GoModel, name: str, words: list[bytes] | None) -> bool:
    """Whether `name` is a package-level type of PARAM_COPY_BYTES or more."""
    if words is not None:
        return name.encode() in words
    return (m.size_of(named("", name)) or 0) >= PARAM_COPY_BYTES


@cache
def _word(name: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(name).encode() + rb"\b")


_WORD_OR_DOT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.)]")


# -- SA6002 -------------------------------------------------------------------------------------

_POINTER_LIKE = frozenset({POINTER, MAP, CHAN, FUNC, INTERFACE})


@rule(
    "go/pool-put-value",
    title="sync.Pool.Put of a non-pointer value allocates",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`sync.Pool` stores `any`, so putting in a value that is not pointer-shaped (a slice, a
struct, a number) copies it to the heap to box it: the pool meant to save an allocation
makes one on every `Put`. Slices are the usual case: their 24-byte header does not fit in
an interface. Keep pointers in the pool (`*[]byte`, `*T`).
""",
    fix="Put a pointer: `pool.Put(&buf)` with `*[]byte` (and `*p := (*p)[:0]` on Get).",
    measure=f"{BENCH}; allocs/op drops by one per Put.",
    mirrors=["staticcheck:SA6002"],
    bad="""
var pool sync.Pool
buf := make([]byte, 0, 1024)
pool.Put(buf)
""",
    good="""
var pool sync.Pool
buf := make([]byte, 0, 1024)
pool.Put(&buf)
""",
    node_types=[],
    scope="body",
)
def pool_put_value(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    pool = named("sync", "Pool")
    for call in m.method_calls("Put"):
        fn = call.child_by_field_name("function")
        recv = fn.child_by_field_name("operand") if fn is not None else None
        args = call_args(call)
        if recv is None or len(args) != 1:
            continue
        rt = m.type_of(recv)
        if rt != pool and rt != pointer(pool):
            continue
        t = m.type_of(args[0])
        u = m.underlying(t)
        if t is None or u is None or u.kind in (TYPEPARAM, NIL):
            continue
        if u.kind in _POINTER_LIKE or (u.kind == BASIC and u.name == "unsafe.Pointer"):
            continue
        what = "a slice header" if u.kind == SLICE else f"a {t}"
        yield ctx.finding(
            info, args[0], title=f"Put boxes {what} on the heap; store a pointer instead"
        )
