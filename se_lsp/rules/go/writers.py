"""Writing to an io.Writer through a temporary: Write([]byte(...)), WriteRune of an ASCII byte."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.go.model import GoModel, call_args, fix_for, is_string_type, model, unparen
from se_lsp.rules.go.syntax import BENCH, has_comment, squash
from se_lsp.rules.go.types import INTERFACE, NAMED, POINTER, GoType

_WRITE = ("int", "error")
_SPRINT_TO_FPRINT = {"Sprintf": "Fprintf", "Sprint": "Fprint", "Sprintln": "Fprintln"}
_SPRINTS = frozenset(f"fmt.{n}" for n in _SPRINT_TO_FPRINT)


def is_writer(m: GoModel, t: GoType | None) -> bool:
    return t is not None and m.implements(t, "Write", _WRITE) is True


def is_string_writer(m: GoModel, t: GoType | None) -> bool:
    return t is not None and m.implements(t, "WriteString", _WRITE) is True


def writer_arg(m: GoModel, recv: Node) -> str:
    """How to pass `recv` as an io.Writer: `&buf` for a value whose methods need a pointer."""
    text = m.text(recv)
    t = m.type_of(recv)
    u = m.underlying(t)
    if t is not None and t.kind == NAMED and u is not None and u.kind not in (INTERFACE, POINTER):
        found, _ = m.method(t, "Write", addressable=False)
        if not found:
            return "&" + text
    return text


def _byte_conversion(m: GoModel, node: Node | None) -> Node | None:
    """The operand of `[]byte(x)` written as such, else None."""
    node = unparen(node)
    if node is None or node.type != "type_conversion_expression":
        return None
    if squash(m.text(node.child_by_field_name("type"))) != "[]byte":
        return None
    return node.child_by_field_name("operand")


@rule(
    "go/write-sprintf",
    title="Formatting to a string and converting it to []byte just to write it",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`w.Write([]byte(fmt.Sprintf(..)))` formats into a new string, then copies that string into
a new byte slice, then writes it: two allocations and two copies of the output.
`fmt.Fprintf(w, ..)` formats straight into the writer using the formatter's pooled buffer.
The same applies to `w.WriteString(fmt.Sprintf(..))` and `io.WriteString(w, fmt.Sprintf(..))`
(one extra allocation each). Flagged when the file shows `w` is an io.Writer.
""",
    fix="`fmt.Fprintf(w, ..)` (`Fprint`/`Fprintln` for the other variants).",
    measure=f"{BENCH}; allocs/op drops by one or two per write.",
    mirrors=["staticcheck:QF1012", "gocritic:preferFprint"],
    bad="""
package example

import (
	"fmt"
	"io"
)

func header(w io.Writer, n int) {
	w.Write([]byte(fmt.Sprintf("count: %d\\n", n)))
}
""",
    good="""
package example

import (
	"fmt"
	"io"
)

func header(w io.Writer, n int) {
	fmt.Fprintf(w, "count: %d\\n", n)
}
""",
    node_types=[],
    body_examples=False,
    has_fix=True,
    scope="body",
)
def write_sprintf(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for inner in m.calls("fmt", *_SPRINT_TO_FPRINT):
        fn = inner.child_by_field_name("function")
        name = m.text(fn.child_by_field_name("field")) if fn is not None else ""
        fprint = m.text(fn.child_by_field_name("operand")) + "." + _SPRINT_TO_FPRINT[name]  # type: ignore[union-attr]
        arglist = inner.child_by_field_name("arguments")
        inner_args = ctx.text(arglist)[1:-1].strip() if arglist is not None else ""
        found = _write_of(m, inner)
        if found is None:
            continue
        outer, writer = found
        fix = None
        if inner_args and not has_comment(outer):
            fix = fix_for(ctx, outer, f"{fprint}({writer}, {inner_args})", f"Use {fprint}")
        title = f"Format straight into the writer with {fprint.split('.')[-1]}"
        yield ctx.finding(info, outer, title=title, fix=fix)


def _write_of(m: GoModel, inner: Node) -> tuple[Node, str] | None:
    """(the writing call, the writer argument) around a fmt.Sprint* call, if it writes it."""
    parent = m.parent(inner)
    if parent is None:
        return None
    if parent.type == "type_conversion_expression":
        if _byte_conversion(m, parent) is None:
            return None
        arglist = m.parent(parent)
        outer = m.parent(arglist) if arglist is not None else None
        method = "Write"
        arg_node = parent
    elif parent.type == "argument_list":
        outer = m.parent(parent)
        method = "WriteString"
        arg_node = inner
    else:
        return None
    if outer is None or outer.type != "call_expression":
        return None
    args = call_args(outer)
    if m.callee(outer) == "io.WriteString" and method == "WriteString":
        if len(args) == 2 and args[1] == arg_node:
            return outer, m.text(args[0])
        return None
    fn = outer.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression" or len(args) != 1:
        return None
    if m.text(fn.child_by_field_name("field")) != method:
        return None
    recv = fn.child_by_field_name("operand")
    t = m.type_of(recv) if recv is not None else None
    if recv is None or not is_writer(m, t):
        return None
    if method == "WriteString" and not is_string_writer(m, t):
        return None
    return outer, writer_arg(m, recv)


@rule(
    "go/prefer-string-writer",
    title="w.Write([]byte(s)) copies s; w.WriteString(s) does not",
    severity=Severity.HINT,
    category="allocation",
    explanation="""
`w.Write([]byte(s))` converts the string to a new byte slice (an allocation and a copy
unless the compiler proves it small) just to write it. Writers that have a `WriteString`
method (`*bytes.Buffer`, `*strings.Builder`, `*bufio.Writer`, `*os.File`) take the string
as it is. `io.WriteString(w, s)` on such a writer is a detour through an interface check
to the same method.
""",
    fix="`w.WriteString(s)`.",
    measure=f"{BENCH}; allocs/op drops by one per write of a long string.",
    mirrors=["gocritic:preferStringWriter"],
    gaps=[
        "`w.Write([]byte(fmt.Sprintf(..)))` is left to go/write-sprintf, whose fix removes "
        "the string altogether (go-critic reports it under both checks)."
    ],
    bad="""
func greet(b *strings.Builder, name string) {
	b.Write([]byte(name))
}
""",
    good="""
func greet(b *strings.Builder, name string) {
	b.WriteString(name)
}
""",
    body_examples=False,
    node_types=[],
    has_fix=True,
    scope="body",
)
def prefer_string_writer(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.method_calls("Write"):
        args = call_args(call)
        s = _byte_conversion(m, args[0]) if len(args) == 1 else None
        if s is None or not is_string_type(m.type_of(s), m):
            continue
        if s.type == "call_expression" and m.callee(s) in _SPRINTS:
            continue  # go/write-sprintf offers the better fix: no string at all
        fn = call.child_by_field_name("function")
        recv = fn.child_by_field_name("operand") if fn is not None else None
        if recv is None or not is_string_writer(m, m.type_of(recv)):
            continue
        new = f"{ctx.text(recv)}.WriteString({ctx.text(s)})"
        yield ctx.finding(
            info,
            call,
            title=f"Use `{new}`: no []byte copy",
            fix=fix_for(ctx, call, new, "Use WriteString"),
        )
    for call in m.calls("io", "WriteString"):
        args = call_args(call)
        if len(args) != 2 or not is_string_writer(m, m.type_of(args[0])):
            continue
        if args[0].type not in (
            "identifier",
            "selector_expression",
            "index_expression",
            "call_expression",
        ):
            continue
        new = f"{ctx.text(args[0])}.WriteString({ctx.text(args[1])})"
        yield ctx.finding(
            info,
            call,
            title=f"Call `{new}` directly",
            fix=fix_for(ctx, call, new, "Call WriteString"),
        )


@rule(
    "go/prefer-write-byte",
    title="WriteRune of an ASCII character; WriteByte skips the UTF-8 encoding",
    severity=Severity.HINT,
    category="other",
    explanation="""
`WriteRune` encodes its argument as UTF-8 (a branch on the rune's size and a multi-byte
write path) and returns a count and an error; for a character below 0x80 that encodes to
itself, `WriteByte` appends the one byte directly. The difference is a few nanoseconds
per call: worth it in a tight formatting loop.
""",
    fix="`w.WriteByte('\\n')`.",
    measure=f"{BENCH}; ns/op drops slightly per call.",
    mirrors=["gocritic:preferWriteByte"],
    gaps=[
        "Calls whose results are used (`n, err := b.WriteRune('x')`) are not flagged: "
        "WriteByte returns only an error, so the fix would not compile."
    ],
    bad="""
var b strings.Builder
b.WriteRune('\\n')
""",
    good="""
var b strings.Builder
b.WriteRune('é')
""",
    node_types=[],
    has_fix=True,
    scope="body",
)
def prefer_write_byte(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    m = model(ctx)
    for call in m.method_calls("WriteRune"):
        args = call_args(call)
        holder = m.parent(call)
        if len(args) != 1 or holder is None or holder.type != "expression_statement":
            continue
        v = m.const_value(args[0])
        if not isinstance(v, int) or not 0 <= v < 0x80:
            continue
        fn = call.child_by_field_name("function")
        recv = fn.child_by_field_name("operand") if fn is not None else None
        t = m.type_of(recv) if recv is not None else None
        if recv is None or t is None or m.implements(t, "WriteByte", ("error",)) is not True:
            continue
        field = fn.child_by_field_name("field")  # type: ignore[union-attr]
        if field is None:
            continue
        title = f"{ctx.text(args[0])} is one byte: {ctx.text(recv)}.WriteByte({ctx.text(args[0])})"
        yield ctx.finding(
            info, call, title=title, fix=fix_for(ctx, field, "WriteByte", "Use WriteByte")
        )
