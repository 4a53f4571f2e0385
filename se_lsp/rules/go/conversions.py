"""Conversions between string, []byte and []rune that copy data nobody needed copied."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.model import (
    GoModel,
    call_args,
    fix_for,
    is_byte_slice,
    is_string_type,
    model,
    unparen,
)
from se_lsp.rules.go.syntax import (
    BENCH,
    has_call,
    is_blank,
    range_loops,
    root_name,
    squash,
    walk,
    written,
)
from se_lsp.rules.go.types import (
    BYTES,
    INT,
    RUNE,
    SLICE,
    STRING,
    GoType,
    is_basic,
    named,
    pointer,
)


def conversion(m: GoModel, node: Node | None) -> tuple[GoType, Node] | None:
    """(target type, operand) when `node` converts one value to a type, else None.

    `[]byte(s)` and `T(x)` with T a type of this file, a builtin type that is not shadowed
    (`string(b)`) or a library type (`time.Duration(n)`).
    """
    node = unparen(node)
    if node is None:
        return None
    if node.type == "type_conversion_expression":
        t = m.type_from_node(node.child_by_field_name("type"))
        operand = node.child_by_field_name("operand")
        return (t, operand) if t is not None and operand is not None else None
    if node.type != "call_expression":
        return None
    args = call_args(node)
    fn = unparen(node.child_by_field_name("function"))
    if len(args) != 1 or args[0].type == "variadic_argument" or fn is None:
        return None
    if fn.type == "identifier":
        name = m.text(fn)
        d = m.lookup(fn, name)
        if d is None:
            if name in ("string", "error", "any") or name in _BASIC:
                t = m.type_from_node(fn)
                return (t, args[0]) if t is not None and m.is_universe(fn) else None
            return None
        if d.kind in ("type", "alias"):
            t = m.type_from_node(fn)
            return (t, args[0]) if t is not None else None
        return None
    if fn.type == "selector_expression":
        operand = fn.child_by_field_name("operand")
        path = (
            m.package_path(operand)
            if operand is not None and operand.type == "identifier"
            else None
        )
        if path is not None:
            from se_lsp.rules.go import stdlib

            name = m.text(fn.child_by_field_name("field"))
            if f"{path}.{name}" in stdlib.TYPES:
                return named(path, name), args[0]
    return None


_BASIC = frozenset(
    {
        "bool",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "byte",
        "rune",
    }
)


def string_of_bytes(m: GoModel, node: Node | None, exact: bool = False) -> Node | None:
    """The byte slice `b` when `node` is `string(b)` (b's type known), else None."""
    got = conversion(m, node)
    if got is None or not is_basic(got[0], "string"):
        return None
    return got[1] if is_byte_slice(m.type_of(got[1]), m, exact) else None


# -- SA6003 / S1029 -------------------------------------------------------------------------


def _is_rune_slice(m: GoModel, t: GoType) -> bool:
    u = m.underlying(t)
    return u is not None and u.kind == SLICE and u.elem is not None and m.underlying(u.elem) == RUNE


@rule(
    "go/range-rune-conversion",
    title="Ranging over []rune(s) allocates a rune slice; range over the string",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`[]rune(s)` decodes the whole string into a new slice of 4-byte runes (one heap
allocation of up to 4x the string's size) before the loop starts. Ranging over the string
itself decodes UTF-8 on the fly and yields the same runes without allocating. Only the
index differs (byte offset instead of rune number), which is why only loops that ignore
the index are flagged; so is a `[]rune` variable used for nothing but that loop.
""",
    fix="`for _, r := range s` instead of `for _, r := range []rune(s)`.",
    measure=f"{BENCH}; allocs/op drops by one and B/op by about 4 bytes per rune.",
    mirrors=["staticcheck:SA6003", "staticcheck:S1029"],
    gaps=["A conversion through a type parameter (`T2(x)` with `T2 []rune`) is not recognised."],
    bad="""
for _, r := range []rune(name) {
    if unicode.IsUpper(r) {
        n++
    }
}
""",
    good="""
for i, r := range []rune(name) {
    if unicode.IsUpper(r) {
        pos = append(pos, i)
    }
}
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def range_rune_conversion(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = None
    if b"rune" not in ctx.source:
        return
    for rl in range_loops(ctx):
        right = rl.right
        if not is_blank(rl.key, ctx.source):
            continue
        if (
            b"rune" not in ctx.source[right.start_byte : right.end_byte]
            and right.type != "identifier"
        ):
            continue
        m = m or model(ctx)
        got = _rune_conversion(m, right)
        if got is not None:
            fix = fix_for(ctx, right, ctx.text(got), "Range over the string directly")
            yield ctx.finding(info, right, fix=fix)
        elif right.type == "identifier" and _only_ranged(ctx, m, right):
            name = ctx.text(right)
            title = f"`{name}` is a []rune copy used only to range over; range over the string"
            yield ctx.finding(info, right, title=title)


def _rune_conversion(m: GoModel, node: Node) -> Node | None:
    got = conversion(m, node)
    if got is None or not _is_rune_slice(m, got[0]):
        return None
    source_type = m.type_of(got[1])
    if source_type is not None and not is_string_type(source_type, m):
        return None  # converting a []rune (or anything else): nothing to save
    return got[1]


def _only_ranged(ctx: Context, m: GoModel, ident: Node) -> bool:
    """`x` declared as `x := []rune(s)` and used nowhere but in this range clause."""
    unit = m.unit_of(ident)
    if b"rune" not in ctx.source[unit.start_byte : unit.end_byte]:
        return False
    d = m.lookup(ident)
    if d is None or d.kind != "var" or d.value is None or d.node is None:
        return False
    if _rune_conversion(m, d.value) is None:
        return False
    scope_end = d.end
    name = d.name
    for n in walk(unit):
        if n.type == "identifier" and n.start_byte >= d.visible and n.start_byte < scope_end:
            if n.id != ident.id and ctx.text(n) == name and m.lookup(n) is d:
                return False
    return True


# -- preferDecodeRune -----------------------------------------------------------------------


@rule(
    "go/decode-rune",
    title="[]rune(s)[0] converts the whole string to read one rune",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`[]rune(s)[0]` decodes every rune of `s` into a freshly allocated slice (4 bytes per rune)
to read the first one: O(len(s)) work and an allocation for an O(1) question.
`utf8.DecodeRuneInString(s)` decodes just the first rune and allocates nothing.
""",
    fix="`r, _ := utf8.DecodeRuneInString(s)`.",
    measure=f"{BENCH}; allocs/op drops to 0 and ns/op no longer grows with len(s).",
    mirrors=["gocritic:preferDecodeRune"],
    bad="""
func initial(word string) rune {
	return []rune(word)[0]
}
""",
    good="""
func initial(word string) rune {
	r, _ := utf8.DecodeRuneInString(word)
	return r
}
""",
    body_examples=False,
    node_types=[],
    scope="body",
)
def decode_rune(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    lo, hi = ctx.scan_range
    for hit in _RUNE_CONVERSION.finditer(ctx.source, lo, hi):
        operand = ctx.root.descendant_for_byte_range(hit.start(), hit.start() + 1)
        while operand is not None and operand.type != "type_conversion_expression":
            operand = m.parent(operand) if operand.start_byte == hit.start() else None
        expr = m.parent(operand) if operand is not None else None
        if operand is None or expr is None or expr.type != "index_expression":
            continue
        if expr.child_by_field_name("operand") != operand:
            continue
        if ctx.text(expr.child_by_field_name("index")) != "0":
            continue
        if squash(ctx.text(operand.child_by_field_name("type"))) != "[]rune":
            continue  # go-critic leaves `[]int32(s)[0]` alone, though it is the same type
        got = conversion(m, operand)
        if got is None or got[0] != slice_rune():
            continue
        t = m.type_of(got[1])
        if t is not None and is_basic(t, "string"):
            yield ctx.finding(info, expr)


_RUNE_CONVERSION = re.compile(rb"\[\][ \t]*rune[ \t]*\(")


def slice_rune() -> GoType:
    return GoType(SLICE, elem=RUNE)


# -- whole-string conversions repeated in a loop ------------------------------------------


@rule(
    "go/conversion-in-loop",
    title="The whole string converted on every loop iteration to index it",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`[]rune(s)[i]`, `[]byte(s)[i]` and `len([]rune(s))` copy the whole string into a new slice
every time they run. In a loop over the string that is O(n) work and an allocation per
iteration, O(n^2) in all: a 10,000-character string costs about 100 million rune decodes.
Convert once before the loop, or skip the conversion: `s[i]` already is the i-th byte,
and `utf8.RuneCountInString(s)` counts runes without a copy.
""",
    fix="Convert once before the loop (`rs := []rune(s)`), then index `rs[i]`; `[]byte(s)[i]` "
    "is just `s[i]`.",
    measure=f"{BENCH} with a long string: ns/op grows with the square of its length before, "
    "linearly after.",
    mirrors=[],
    related=["`[]rune(s)[0]` outside a loop is go/decode-rune (go-critic preferDecodeRune)."],
    bad="""
func vowels(s string) int {
	n := 0
	for i := 0; i < len([]rune(s)); i++ {
		switch []rune(s)[i] {
		case 'a', 'e', 'i', 'o', 'u':
			n++
		}
	}
	return n
}
""",
    good="""
func vowels(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case 'a', 'e', 'i', 'o', 'u':
			n++
		}
	}
	return n
}
""",
    body_examples=False,
    node_types=[],
    scope="body",
)
def conversion_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    lo, hi = ctx.scan_range
    for hit in _SLICE_CONVERSION.finditer(ctx.source, lo, hi):
        conv = ctx.root.descendant_for_byte_range(hit.start(), hit.start() + 1)
        while conv is not None and conv.type != "type_conversion_expression":
            conv = m.parent(conv) if conv.start_byte == hit.start() else None
        parent = m.parent(conv) if conv is not None else None
        if conv is None or parent is None:
            continue
        # The shape first (cheap), the types and the loop after.
        indexed = (
            parent.type == "index_expression" and parent.child_by_field_name("operand") == conv
        )
        call = m.parent(parent) if parent.type == "argument_list" else None
        fn = call.child_by_field_name("function") if call is not None else None
        counted = fn is not None and m.text(fn) == "len" and m.is_universe(fn)
        if not indexed and not counted:
            continue
        if indexed and ctx.text(parent.child_by_field_name("index")) == "0":
            continue  # go/decode-rune's case
        loop = m.enclosing_loop(conv)
        if loop is None:
            continue
        got = conversion(m, conv)
        if got is None or got[0] not in (slice_rune(), BYTES):
            continue
        t = m.type_of(got[1])
        if t is None or not is_basic(t, "string"):
            continue
        name = root_name(got[1], ctx.source)
        if name is None or name in written(loop, ctx.source):
            continue  # the string changes in the loop: nothing to hoist
        kind = ctx.text(conv.child_by_field_name("type"))
        fix = None
        if indexed and got[0] == BYTES and got[1].type == "identifier":
            index = ctx.text(parent.child_by_field_name("index"))
            fix = ctx.fix(parent, f"{name}[{index}]", f"Index the string: {name}[{index}]")
        title = f"`{kind}({name})` copies the whole string on every iteration"
        yield ctx.finding(info, parent if indexed else conv, title=title, fix=fix)


_SLICE_CONVERSION = re.compile(rb"\[\][ \t]*(?:rune|byte)[ \t]*\(")


# -- indexAlloc -------------------------------------------------------------------------------

_SEARCHES = ("Index", "Contains", "HasPrefix", "HasSuffix", "Count", "LastIndex")


@rule(
    "go/index-alloc",
    title="string(b) conversion just to search it; use the bytes package",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`strings.Index(string(b), s)` copies the byte slice into a new string (one allocation and a
copy of `len(b)` bytes, unless the compiler can prove it short and non-escaping) only to
search it. The `bytes` package has the same functions working on the slice directly:
`bytes.Index(b, []byte(s))`, or `bytes.Contains`, `bytes.HasPrefix` and so on.
""",
    fix="`bytes.Index(b, []byte(s))` (and the matching `bytes.*` function).",
    measure=f"{BENCH}; B/op drops by about len(b).",
    mirrors=["gocritic:indexAlloc"],
    related=[
        "`strings.Contains`, `HasPrefix`, `HasSuffix`, `Count` and `LastIndex` are "
        "flagged the same way (go-critic checks `strings.Index` only)."
    ],
    bad="""
package example

import (
	"bytes"
	"strings"
)

var _ = bytes.MinRead
var _ = strings.ToUpper

func has(b []byte, word string) bool {
	return strings.Index(string(b), word) >= 0
}
""",
    good="""
package example

import "bytes"

func has(b []byte, word string) bool {
	return bytes.Index(b, []byte(word)) >= 0
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
    scope="body",
)
def index_alloc(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    found = m.calls("strings", *_SEARCHES)
    if not found:
        return
    pkg = m.imported("bytes")
    for call in found:
        a = call_args(call)
        if len(a) != 2:
            continue
        b = string_of_bytes(m, a[0])
        if b is None or has_call(b) or has_call(a[1]):
            continue  # go-critic asks for pure arguments: they would be evaluated differently
        name = m.text(call.child_by_field_name("function")).rsplit(".", 1)[-1].strip()
        new = f"{pkg}.{name}({ctx.text(b)}, []byte({ctx.text(a[1])}))"
        fix = fix_for(ctx, call, new, f"Use bytes.{name}") if pkg else None
        yield ctx.finding(
            info, call, title=f"string(b) is copied only to search it; use bytes.{name}", fix=fix
        )


# -- SA6005 / equalFold ----------------------------------------------------------------------

_FOLDS = ("ToLower", "ToUpper")


def _fold_call(m: GoModel, node: Node | None, pkg: str) -> tuple[str, Node] | None:
    node = unparen(node)
    if node is None or node.type != "call_expression":
        return None
    callee = m.callee(node)
    a = call_args(node)
    if (
        callee in (f"{pkg}.ToLower", f"{pkg}.ToUpper")
        and len(a) == 1
        and a[0].type != "variadic_argument"
    ):
        return callee.rsplit(".", 1)[1], a[0]
    return None


def _folded_literal(m: GoModel, node: Node, fold: str) -> str | None:
    """The text of a string literal (or `[]byte("lit")`) already in `fold`'s case, else None."""
    lit = node
    if node.type == "type_conversion_expression":
        if m.type_from_node(node.child_by_field_name("type")) != BYTES:
            return None
        lit = node.child_by_field_name("operand")  # type: ignore[assignment]
    if lit is None or lit.type != "interpreted_string_literal":
        return None
    value = m.const_value(lit)
    if not isinstance(value, str) or not any(ch.isalpha() for ch in value):
        return None
    folded = value.lower() if fold == "ToLower" else value.upper()
    if folded != value or not value.isascii():
        return None
    return m.text(node)


@rule(
    "go/equal-fold",
    title="Case-insensitive comparison via ToLower/ToUpper allocates; use EqualFold",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`strings.ToLower(a) == strings.ToLower(b)` builds up to two new strings (one allocation
each whenever the input has a letter to change) and walks both inputs fully before the
comparison can start. `strings.EqualFold` compares rune by rune with Unicode case folding,
allocates nothing and stops at the first difference. Comparing one lowered string with a
literal that is already lower case costs the same and is flagged too; the `bytes`
functions likewise (`bytes.Equal(bytes.ToLower(a), bytes.ToLower(b))`).
""",
    fix="`strings.EqualFold(a, b)` (negate it for `!=`), `bytes.EqualFold(a, b)`.",
    measure=f"{BENCH}; allocs/op falls to 0 for the comparison.",
    mirrors=["staticcheck:SA6005", "gocritic:equalFold"],
    gaps=[
        "`strings.ToLower(x) == y` with `y` not a lower-case literal is not flagged: "
        "EqualFold would also accept an upper-case `y`, which the original rejects "
        "(go-critic flags it).",
    ],
    bad="""
if strings.ToLower(got) == strings.ToLower(want) {
    return true
}
""",
    good="""
if strings.ToLower(got) == want {
    return true
}
""",
    node_types=[],
    has_fix=True,
    scope="body",  # package names come from the imports
)
def equal_fold(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    seen: set[int] = set()
    for call in m.calls("strings", *_FOLDS):
        expr = m.parent(call)
        while expr is not None and expr.type == "parenthesized_expression":
            expr = m.parent(expr)
        if expr is None or expr.type != "binary_expression" or expr.id in seen:
            continue
        seen.add(expr.id)
        op = ctx.text(expr.child_by_field_name("operator"))
        if op not in ("==", "!="):
            continue
        pair = _fold_pair(
            m, expr.child_by_field_name("left"), expr.child_by_field_name("right"), "strings"
        )
        if pair is None:
            continue
        neg = "!" if op == "!=" else ""
        pkg = m.text(call.child_by_field_name("function")).rsplit(".", 1)[0]
        new = f"{neg}{pkg}.EqualFold({pair[0]}, {pair[1]})"
        yield ctx.finding(info, expr, fix=fix_for(ctx, expr, new, "Use strings.EqualFold"))
    for call in m.calls("bytes", "Equal"):
        a = call_args(call)
        if len(a) != 2:
            continue
        pair = _fold_pair(m, a[0], a[1], "bytes")
        if pair is None:
            continue
        pkg = m.text(call.child_by_field_name("function")).rsplit(".", 1)[0]
        new = f"{pkg}.EqualFold({pair[0]}, {pair[1]})"
        yield ctx.finding(
            info,
            call,
            title="Case-insensitive comparison via bytes.ToLower/ToUpper "
            "allocates; use bytes.EqualFold",
            fix=fix_for(ctx, call, new, "Use bytes.EqualFold"),
        )


def _fold_pair(
    m: GoModel, left: Node | None, right: Node | None, pkg: str
) -> tuple[str, str] | None:
    if left is None or right is None:
        return None
    lc, rc = _fold_call(m, left, pkg), _fold_call(m, right, pkg)
    if lc and rc:
        if lc[0] != rc[0] or m.text(lc[1]) == m.text(rc[1]):
            return None
        return m.text(lc[1]), m.text(rc[1])
    if lc or rc:
        fold, arg = lc or rc  # type: ignore[misc]
        other = unparen(right if lc else left)
        lit = _folded_literal(m, other, fold) if other is not None else None
        if lit is None:
            return None
        return m.text(arg), lit
    return None


# -- S1030 -----------------------------------------------------------------------------------


def _is_buffer(m: GoModel, recv: Node) -> bool:
    t = m.type_of(recv)
    buf = named("bytes", "Buffer")
    return t is not None and (t == buf or t == pointer(buf))


@rule(
    "go/buffer-bytes-string",
    title="string(buf.Bytes()) copies the buffer; buf.String() says the same",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`string(buf.Bytes())` on a `bytes.Buffer` is exactly what `buf.String()` does, written in a
way that hides it; `[]byte(buf.String())` copies twice where `buf.Bytes()` copies nothing.
Flagged only when the file shows `buf` is a `bytes.Buffer`, and never as a map key:
`m[string(buf.Bytes())]` is the one place where the conversion is free.
""",
    fix="`buf.String()` / `buf.Bytes()`.",
    measure=f"{BENCH}; allocs/op drops for the []byte form.",
    mirrors=["staticcheck:S1030"],
    bad="""
var buf bytes.Buffer
render(&buf)
return string(buf.Bytes())
""",
    good="""
var buf bytes.Buffer
render(&buf)
return buf.String()
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def buffer_bytes_string(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for inner in m.method_calls("Bytes", "String"):
        node = m.parent(inner)
        if node is not None and node.type == "argument_list":
            node = m.parent(node)  # string(buf.Bytes()), AliasSlice(buf.String())
        got = conversion(m, node)
        if node is None or got is None or unparen(got[1]) != inner or call_args(inner):
            continue
        target = got[0]
        fn = inner.child_by_field_name("function")
        method = m.text(fn.child_by_field_name("field")) if fn is not None else ""
        recv = fn.child_by_field_name("operand") if fn is not None else None
        if recv is None or not _is_buffer(m, recv):
            continue
        if method == "Bytes" and is_basic(target, "string"):
            parent = m.parent(node)
            if (
                parent is not None
                and parent.type == "index_expression"
                and parent.child_by_field_name("index") == node
            ):
                continue  # m[string(buf.Bytes())] does not allocate; buf.String() would
            new = f"{ctx.text(recv)}.String()"
        elif method == "String" and target == BYTES:
            new = f"{ctx.text(recv)}.Bytes()"
        else:
            continue
        title = f"Use {new} instead of {ctx.text(node)}"
        yield ctx.finding(info, node, title=title, fix=fix_for(ctx, node, new, f"Use {new}"))


# -- stringXbytes -------------------------------------------------------------------------------


@rule(
    "go/string-bytes",
    title="Needless conversion between string and []byte",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
`copy(b, []byte(s))` converts (allocates and copies) `s` only to copy it again; `copy`
takes a string source directly. `re.Match([]byte(s))` and its `FindIndex` relatives copy
the string where the `...String` methods read it in place. `len(string(b))`,
`string(b) == ""` and `string(x) == string(y)` do not allocate (the compiler sees through
them) but say in a roundabout way what `len(b)` and `bytes.Equal` say directly.
""",
    fix="`copy(b, s)`, `re.MatchString(s)`, `len(b)`, `len(b) == 0`, `bytes.Equal(x, y)`.",
    measure=f"{BENCH}; allocs/op drops for the copy and regexp forms.",
    mirrors=["gocritic:stringXbytes"],
    bad="""
copy(buf, []byte(name))
""",
    good="""
copy(buf, name)
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def string_bytes(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.builtin_calls("copy"):
        a = call_args(call)
        if len(a) == 2 and a[1].type == "type_conversion_expression":
            if m.text(a[1].child_by_field_name("type")).replace(" ", "") == "[]byte":
                s = a[1].child_by_field_name("operand")
                if s is not None:
                    yield ctx.finding(
                        info,
                        a[1],
                        title=f"copy takes a string: `{ctx.text(s)}` needs no []byte conversion",
                        fix=fix_for(ctx, a[1], ctx.text(s), "Copy from the string"),
                    )
    seen: set[int] = set()
    for conv in m.builtin_calls("string"):
        b = string_of_bytes(m, conv, exact=True)
        if b is None:
            continue
        parent = m.parent(conv)
        if parent is not None and parent.type == "argument_list":
            outer = m.parent(parent)
            if (
                outer is not None
                and outer.type == "call_expression"
                and m.callee(outer) == "len"
                and len(call_args(outer)) == 1
            ):
                yield ctx.finding(
                    info,
                    outer,
                    title=f"len(string({ctx.text(b)})) is len({ctx.text(b)})",
                    fix=fix_for(ctx, outer, f"len({ctx.text(b)})", "Take the length of the slice"),
                )
            continue
        if parent is None or parent.type != "binary_expression" or parent.id in seen:
            continue
        op = ctx.text(parent.child_by_field_name("operator"))
        left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
        if op not in ("==", "!=") or left is None or right is None or left != conv:
            continue
        seen.add(parent.id)
        if right.type == "interpreted_string_literal" and ctx.text(right) == '""':
            new = f"len({ctx.text(b)}) {op} 0"
            yield ctx.finding(
                info,
                parent,
                title=f"Test the slice's length: `{new}`",
                fix=fix_for(ctx, parent, new, "Test the length"),
            )
            continue
        other = string_of_bytes(m, right, exact=True)
        if other is not None:
            pkg = m.imported("bytes")
            neg = "!" if op == "!=" else ""
            new = f"{neg}{pkg or 'bytes'}.Equal({ctx.text(b)}, {ctx.text(other)})"
            yield ctx.finding(
                info,
                parent,
                title=f"Compare the slices with `{new}`",
                fix=fix_for(ctx, parent, new, "Use bytes.Equal") if pkg else None,
            )
    for call in m.method_calls("Match", "FindIndex", "FindAllIndex"):
        fn = call.child_by_field_name("function")
        recv = fn.child_by_field_name("operand") if fn is not None else None
        a = call_args(call)
        method = m.text(fn.child_by_field_name("field")) if fn is not None else ""
        if recv is None or not a or len(a) != (2 if method == "FindAllIndex" else 1):
            continue
        if m.type_of(recv) != pointer(named("regexp", "Regexp")):
            continue
        got = conversion(m, a[0])
        if got is None or got[0] != BYTES or a[0].type != "type_conversion_expression":
            continue
        s = got[1]
        t = m.type_of(s)
        if t is None or not is_basic(t, "string"):
            continue
        better = {
            "Match": "MatchString",
            "FindIndex": "FindStringIndex",
            "FindAllIndex": "FindAllStringIndex",
        }[method]
        rest = "".join(f", {ctx.text(x)}" for x in a[1:])
        new = f"{ctx.text(recv)}.{better}({ctx.text(s)}{rest})"
        yield ctx.finding(
            info,
            call,
            title=f"Use `{new}`: it reads the string without copying it",
            fix=fix_for(ctx, call, new, f"Use {better}"),
        )


# -- SA6001 ----------------------------------------------------------------------------------


@rule(
    "go/map-key-conversion",
    title="k := string(b) used only as a map key; index with m[string(b)]",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
Converting a `[]byte` to a string copies it (one allocation), except in one place: the
compiler recognises `m[string(b)]` and looks the key up in `b`'s own bytes. Storing the
conversion in a variable first (`k := string(b); v := m[k]`) forces the copy, so inlining
the conversion into each lookup makes it free. Flagged only when the variable serves as a
map key for reads and nothing else.
""",
    fix="Write `m[string(b)]` at each lookup and drop the variable.",
    measure=f"{BENCH}; allocs/op drops by one per lookup.",
    mirrors=["staticcheck:SA6001"],
    gaps=["A conversion from a type parameter whose type set includes []byte is not recognised."],
    bad="""
func lookup(cache map[string]int, key []byte) int {
	k := string(key)
	if v, ok := cache[k]; ok {
		return v
	}
	return -1
}
""",
    good="""
func lookup(cache map[string]int, key []byte) int {
	if v, ok := cache[string(key)]; ok {
		return v
	}
	return -1
}
""",
    body_examples=False,
    node_types=[],
    scope="body",
)
def map_key_conversion(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for conv in m.builtin_calls("string"):
        exprs = m.parent(conv)
        decl = m.parent(exprs) if exprs is not None else None
        if exprs is None or decl is None or exprs.named_child_count != 1:
            continue
        if decl.type == "short_var_declaration":
            left = decl.child_by_field_name("left")
            names = left.named_children if left is not None else []
        elif decl.type == "var_spec":
            names = decl.children_by_field_name("name")
        else:
            continue
        if len(names) != 1 or string_of_bytes(m, conv) is None:
            continue
        d = m.declaration(names[0])
        if d is None or d.kind != "var":
            continue
        if _used_only_as_map_key(ctx, m, d):
            yield ctx.finding(
                info,
                conv,
                title=f"m[string(key)] would not allocate; `{d.name}` is used only as a map key",
            )


def _used_only_as_map_key(ctx: Context, m: GoModel, d) -> bool:  # type: ignore[no-untyped-def]
    uses = 0
    unit = m.unit_of(d.node)
    for n in walk(unit):
        if n.type != "identifier" or n.start_byte < d.visible or n.start_byte >= d.end:
            continue
        if ctx.text(n) != d.name or m.lookup(n) is not d:
            continue
        parent = m.parent(n)
        if (
            parent is None
            or parent.type != "index_expression"
            or parent.child_by_field_name("index") != n
        ):
            return False
        holder = m.parent(parent)
        if holder is not None and holder.type == "expression_list":
            stmt = m.parent(holder)
            if (
                stmt is not None
                and stmt.type == "assignment_statement"
                and stmt.child_by_field_name("left") == holder
            ):
                return False  # m[k] = v writes the map: the key string is kept
        if holder is not None and holder.type in ("inc_statement", "dec_statement"):
            return False
        if (
            holder is not None
            and holder.type == "unary_expression"
            and ctx.text(holder).startswith("&")
        ):
            return False
        uses += 1
    return uses > 0


# -- SA6006 ----------------------------------------------------------------------------------


@rule(
    "go/write-string-bytes",
    title="io.WriteString(w, string(b)) copies b; call w.Write(b)",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`io.WriteString(w, string(b))` converts the byte slice to a string (allocating and copying
it) only for `io.WriteString` to hand the bytes to a writer, which may convert them back.
`w.Write(b)` writes the slice as it is.
""",
    fix="`w.Write(b)`.",
    measure=f"{BENCH}; allocs/op drops by one per write and B/op by len(b).",
    mirrors=["staticcheck:SA6006"],
    bad="""
package example

import "io"

func send(w io.Writer, payload []byte) {
	io.WriteString(w, string(payload))
}
""",
    good="""
package example

import "io"

func send(w io.Writer, payload []byte) {
	w.Write(payload)
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def write_string_bytes(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("io", "WriteString"):
        a = call_args(call)
        if len(a) != 2:
            continue
        b = string_of_bytes(m, a[1])
        if b is None:
            continue
        w = ctx.text(a[0])
        fix = None
        if a[0].type in (
            "identifier",
            "selector_expression",
            "call_expression",
            "index_expression",
        ):
            fix = fix_for(ctx, call, f"{w}.Write({ctx.text(b)})", "Write the bytes")
        yield ctx.finding(info, call, fix=fix)


__all__ = ["INT", "STRING", "conversion", "string_of_bytes"]
