"""fmt calls that reflect and allocate where a direct conversion says the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.model import GoModel, call_args, fix_for, model
from se_lsp.rules.go.syntax import BENCH, STRING_LITERALS
from se_lsp.rules.go.types import ARRAY, BASIC, NAMED, SLICE, TYPEPARAM, GoType, is_basic, named

_PRIMARY = frozenset(
    {
        "identifier",
        "selector_expression",
        "call_expression",
        "index_expression",
        "parenthesized_expression",
        "composite_literal",
        "type_conversion_expression",
    }
)


def _fmt_name(m: GoModel, call: Node) -> str:
    """`Sprintf` for a call of fmt.Sprintf (under any import name)."""
    fn = call.child_by_field_name("function")
    return m.text(fn.child_by_field_name("field")) if fn is not None else ""


@rule(
    "go/sprint-literal",
    title="fmt.Sprint/Sprintf of a constant string; use the literal",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
`fmt.Sprintf("text")` with no verbs and no arguments returns its format string, but only
after the formatter has scanned it and copied it into a fresh string (tens of
nanoseconds and one allocation per call). `fmt.Sprint("text")` does the same for any
literal. The literal itself costs nothing.
""",
    fix='The literal itself: `"text"`.',
    measure=f"{BENCH}; allocs/op drops by one per call.",
    mirrors=["staticcheck:S1039"],
    related=["perfsprint `string-format` (its `sprintf1` form)"],
    bad="""
label := fmt.Sprintf("total")
""",
    good="""
label := fmt.Sprintf("total %d", n)
""",
    node_types=[],
    has_fix=True,
    scope="body",  # package names come from the imports
)
def sprint_literal(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("fmt", "Sprintf", "Sprint"):
        a = call_args(call)
        if len(a) != 1 or a[0].type not in STRING_LITERALS:
            continue
        name = _fmt_name(m, call)
        if name == "Sprintf" and "%" in ctx.text(a[0]):
            continue  # might be a format with a missing argument
        title = f"Unnecessary fmt.{name} of a constant string; use the literal"
        yield ctx.finding(
            info,
            call,
            title=title,
            fix=fix_for(ctx, call, ctx.text(a[0]), "Use the string literal"),
        )


@rule(
    "go/errorf-constant",
    title="fmt.Errorf with a constant message; errors.New is cheaper",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
Without verbs `fmt.Errorf` still runs the formatter over the message and allocates a copy
before wrapping it; `errors.New` just stores the string. The difference is small per call
(tens of nanoseconds) but error paths in hot loops (parsers, validators) add up, and for
a sentinel error a package-level `var errX = errors.New(..)` removes the allocation
entirely.
""",
    fix='`errors.New("message")` (or a package-level sentinel error).',
    measure=f"{BENCH} on the error path.",
    mirrors=["perfsprint:error-format"],
    gaps=[
        "`fmt.Errorf(msg)` with a string variable is not flagged: errors.New would keep "
        "a `%` in it that Errorf interprets (perfsprint flags it)."
    ],
    bad="""
package example

import (
	"errors"
	"fmt"
)

var errEmpty = errors.New("empty")

func check(s string) error {
	fmt.Println("checking", s)
	if s == "" {
		return fmt.Errorf("missing value")
	}
	return nil
}
""",
    good="""
package example

import "fmt"

func check(s string) error {
	if s == "" {
		return fmt.Errorf("missing value for %q", s)
	}
	return nil
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
    scope="body",  # package names come from the imports
)
def errorf_constant(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    found = m.calls("fmt", "Errorf")
    if not found:
        return
    errors = m.imported("errors")
    for call in found:
        a = call_args(call)
        if len(a) != 1 or a[0].type not in STRING_LITERALS or "%" in ctx.text(a[0]):
            continue
        fix = (
            fix_for(ctx, call, f"{errors}.New({ctx.text(a[0])})", "Use errors.New")
            if errors
            else None
        )
        yield ctx.finding(info, call, fix=fix)


# -- S1025 ------------------------------------------------------------------------------------


def _wrap(m: GoModel, node: Node) -> str:
    text = m.text(node)
    return text if node.type in _PRIMARY else f"({text})"


@rule(
    "go/redundant-sprintf",
    title='fmt.Sprintf("%s", x) of a value that is already a string',
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`fmt.Sprintf("%s", x)` parses the format, boxes `x` in an interface and goes through the
formatter's reflection to produce a string it could have had directly: `x` when it is a
string, `string(x)` when its underlying type is string or a byte slice, `x.String()` when
it is a Stringer. Types that implement `fmt.Formatter`, and `reflect.Value`, print
differently and are left alone.
""",
    fix="`x`, `string(x)` or `x.String()`.",
    measure=f"{BENCH}; allocs/op drops by one or two per call.",
    mirrors=["staticcheck:S1025"],
    related=["perfsprint `string-format`"],
    gaps=[
        "Methods of a type declared in this file are assumed to be declared in this file "
        "too; a type from another file is left alone."
    ],
    bad="""
func name(host string) string {
	return fmt.Sprintf("%s", host)
}
""",
    good="""
func name(host string, port int) string {
	return fmt.Sprintf("%s:%d", host, port)
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def redundant_sprintf(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.calls("fmt", "Sprintf"):
        a = call_args(call)
        if len(a) != 2 or a[1].type == "variadic_argument" or m.const_value(a[0]) != "%s":
            continue
        x = a[1]
        t = m.type_of(x)
        if t is None or t.kind == TYPEPARAM or t == named("reflect", "Value"):
            continue
        if m.implements(t, "Format", (), addressable=False, closed=True, params=2) is not False:
            continue  # a fmt.Formatter decides what %s prints (or the file does not say)
        string_ok = m.lookup(call, "string") is None
        stringer = m.implements(t, "String", ("string",), addressable=False, closed=True, params=0)
        if stringer:
            new, title = f"{_wrap(m, x)}.String()", "Use the String method instead of fmt.Sprintf"
        elif stringer is None:
            continue
        elif is_basic(t, "string"):
            new, title = m.text(x), "The argument is already a string; fmt.Sprintf is not needed"
        elif _underlying_is(m, t, "string") and string_ok:
            new, title = (
                f"string({m.text(x)})",
                "The argument's underlying type is string; convert it",
            )
        elif _is_bytes(m, t) and string_ok:
            new, title = (
                f"string({m.text(x)})",
                "The argument is a byte slice; convert it to string",
            )
        else:
            continue
        yield ctx.finding(info, call, title=title, fix=fix_for(ctx, call, new, "Drop fmt.Sprintf"))


def _underlying_is(m: GoModel, t: GoType, name: str) -> bool:
    u = m.underlying(t)
    return u is not None and u.kind == BASIC and u.name == name


def _is_bytes(m: GoModel, t: GoType) -> bool:
    u = m.underlying(t)
    if u is None or u.kind != SLICE or u.elem is None:
        return False
    e = m.underlying(u.elem)
    return e is not None and e.kind == BASIC and e.name == "uint8"


# -- perfsprint: integer, bool and hex formats ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Conversion:
    check: str  # integer-format, bool-format, hex-format
    call: Node
    package: str  # import path of the replacement
    function: str  # strconv.Itoa ...
    prefix: str  # replacement text before the value
    suffix: str  # after it
    value: Node


def _verb(m: GoModel, call: Node) -> tuple[str, Node] | None:
    """(verb, value) of `fmt.Sprint(v)` or `fmt.Sprintf("%d", v)` (a literal format only)."""
    name = _fmt_name(m, call)
    a = call_args(call)
    if name == "Sprint" and len(a) == 1 and a[0].type != "variadic_argument":
        return "%v", a[0]
    if (
        name == "Sprintf"
        and len(a) == 2
        and a[0].type in STRING_LITERALS
        and a[1].type != "variadic_argument"
    ):
        verb = m.const_value(a[0])
        if not isinstance(verb, str):
            return None
        if verb.startswith("%[1]"):
            verb = "%" + verb[4:]
        return verb, a[1]
    return None


def _conversions(ctx: Context) -> list[_Conversion]:
    """perfsprint's replacements of fmt.Sprint/Sprintf of integers, bools and byte slices."""
    cached: list[_Conversion] | None = ctx.shared.get("go.sprint-conversions")
    if cached is not None:
        return cached
    out: list[_Conversion] = []
    m = model(ctx)
    for call in m.calls("fmt", "Sprint", "Sprintf"):
        got = _verb(m, call)
        if got is None:
            continue
        verb, value = got
        t = m.type_of(value)
        if t is None:
            continue
        t = t.typed()
        conv = _classify(m, call, verb, value, t)
        if conv is not None:
            out.append(conv)
    ctx.shared["go.sprint-conversions"] = out
    return out


def _classify(m: GoModel, call: Node, verb: str, value: Node, t: GoType) -> _Conversion | None:
    sc = "strconv"
    if t.kind == BASIC and verb in ("%d", "%v", "%x"):
        n = t.name
        base = "16" if verb == "%x" else "10"
        if verb != "%x" and n == "int":
            return _Conversion("integer-format", call, sc, "Itoa", "Itoa(", ")", value)
        if verb != "%x" and n in ("int8", "int16", "int32"):
            return _Conversion("integer-format", call, sc, "Itoa", "Itoa(int(", "))", value)
        if verb != "%x" and n == "int64":
            return _Conversion(
                "integer-format", call, sc, "FormatInt", "FormatInt(", ", 10)", value
            )
        if n in ("uint8", "uint16", "uint32", "uint"):
            return _Conversion(
                "integer-format", call, sc, "FormatUint", "FormatUint(uint64(", f"), {base})", value
            )
        if n == "uint64":
            return _Conversion(
                "integer-format", call, sc, "FormatUint", "FormatUint(", f", {base})", value
            )
    if t.kind == BASIC and t.name == "bool" and verb in ("%t", "%v"):
        return _Conversion("bool-format", call, sc, "FormatBool", "FormatBool(", ")", value)
    if (
        verb == "%x"
        and t.kind in (SLICE, ARRAY)
        and t.elem is not None
        and is_basic(t.elem, "uint8")
    ):
        if t.elem.kind == NAMED:
            return None
        if t.kind == ARRAY:
            if value.type != "identifier":
                return None  # perfsprint leaves array literals alone
            return _Conversion(
                "hex-format",
                call,
                "encoding/hex",
                "EncodeToString",
                "EncodeToString(",
                "[:])",
                value,
            )
        return _Conversion(
            "hex-format", call, "encoding/hex", "EncodeToString", "EncodeToString(", ")", value
        )
    return None


def _report(ctx: Context, info: RuleInfo, check: str) -> Iterator[Finding]:
    m = model(ctx)
    for c in _conversions(ctx):
        if c.check != check:
            continue
        pkg = m.imported(c.package)
        shown = c.package.rsplit("/", 1)[-1]
        title = f"fmt.{_fmt_name(m, c.call)} can be replaced with faster {shown}.{c.function}"
        fix = None
        if pkg is not None:
            new = f"{pkg}.{c.prefix}{ctx.text(c.value)}{c.suffix}"
            fix = fix_for(ctx, c.call, new, f"Use {shown}.{c.function}")
        yield ctx.finding(info, c.call, title=title, fix=fix)


_CONVERSION_MEASURE = f"{BENCH}; ns/op and allocs/op drop (no interface boxing, no format parsing)."


@rule(
    "go/sprint-int",
    title="fmt.Sprint/Sprintf of an integer; strconv is faster",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`fmt.Sprintf("%d", n)` and `fmt.Sprint(n)` box the integer in an interface (an allocation
for most values), parse the format and dispatch through reflection before formatting.
`strconv.Itoa`, `FormatInt` and `FormatUint` format the number directly, 3-5x faster with
one allocation for the result. Flagged for the plain integer types (a named type such as
`time.Duration` has its own String method and prints differently).
""",
    fix="`strconv.Itoa(n)`, `strconv.FormatInt(n, 10)`, `strconv.FormatUint(u, 10)` "
    "(base 16 for `%x` of unsigned values).",
    measure=_CONVERSION_MEASURE,
    mirrors=["perfsprint:integer-format"],
    bad="""
package example

import (
	"fmt"
	"strconv"
)

var _ = strconv.Itoa
var _ = fmt.Sprint

func id(items []string) string {
	return fmt.Sprintf("%d", len(items))
}
""",
    good="""
package example

import "fmt"

func id(items []string) string {
	return fmt.Sprintf("%05d", len(items))
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def sprint_int(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    yield from _report(ctx, info, "integer-format")


@rule(
    "go/sprint-bool",
    title="fmt.Sprint/Sprintf of a bool; strconv.FormatBool is faster",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`fmt.Sprintf("%t", b)` parses a format and goes through the formatter's reflection to
choose between two constant strings; `strconv.FormatBool(b)` returns one of them directly
without allocating.
""",
    fix="`strconv.FormatBool(b)`.",
    measure=_CONVERSION_MEASURE,
    mirrors=["perfsprint:bool-format"],
    bad="""
package example

import (
	"fmt"
	"strconv"
)

var _ = strconv.Itoa
var _ = fmt.Sprint

func flag(items []string) string {
	return fmt.Sprintf("%t", len(items) > 0)
}
""",
    good="""
package example

import "fmt"

func flag(items []string) string {
	return fmt.Sprintf("%5t", len(items) > 0)
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def sprint_bool(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    yield from _report(ctx, info, "bool-format")


@rule(
    "go/sprint-hex",
    title='fmt.Sprintf("%x") of bytes; hex.EncodeToString is faster',
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`fmt.Sprintf("%x", b)` boxes the slice, parses the format and hex-encodes through the
formatter's generic path; `hex.EncodeToString(b)` encodes with a table lookup into one
exactly-sized allocation, several times faster for digests and keys.
""",
    fix="`hex.EncodeToString(b)` (`b[:]` for an array).",
    measure=_CONVERSION_MEASURE,
    mirrors=["perfsprint:hex-format"],
    bad="""
package example

import (
	"encoding/hex"
	"fmt"
)

var _ = hex.EncodeToString
var _ = fmt.Sprint

func key(digest []byte) string {
	return fmt.Sprintf("%x", digest)
}
""",
    good="""
package example

import "fmt"

func key(digest []byte) string {
	return fmt.Sprintf("% x", digest)
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def sprint_hex(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    yield from _report(ctx, info, "hex-format")
