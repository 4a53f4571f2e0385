"""Strings and streams: flushing with std::endl, one-character searches, concatenation in loops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.model import MODEL_NODE_TYPES, Model, TypeSpec
from se_lsp.rules.cpp.syntax import args, calls, in_loop, method_call, squash, word_hits
from se_lsp.rules.engine import Context, RuleInfo, rule

# -- performance-avoid-endl -------------------------------------------------------------------


@rule(
    "cpp/avoid-endl",
    title="std::endl flushes the stream",
    severity=Severity.WARNING,
    category="io",
    explanation="""
`std::endl` writes a newline **and flushes** the stream. On a file or a pipe each flush is a
`write` system call, so printing N lines costs N syscalls instead of a few buffered writes.
""",
    fix="Write `'\\n'`; call `std::flush` only where the output must be visible at once.",
    measure="Time the output loop with Google Benchmark, or count syscalls with "
    "`strace -c -e trace=write ./prog > out.txt`.",
    mirrors=["clang-tidy:performance-avoid-endl"],
    bad="""
for (const auto& row : rows) {
    out << row << std::endl;
}
""",
    good="""
for (const auto& row : rows) {
    out << row << '\\n';
}
""",
    node_types=[],
    has_fix=True,
    gaps=(
        "`std::endl` hidden in a macro body is not seen: macro bodies are not parsed.",
        "`std::endl` into a string stream is left alone: flushing a string buffer does "
        "nothing, so the newline costs the same either way.",
    ),
)
def avoid_endl(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    using_std = b"using namespace std;" in ctx.source
    lo, hi = ctx.scan_range
    for pos in word_hits(ctx.source, "endl", lo, hi):
        node = ctx.root.named_descendant_for_byte_range(pos, pos + 4)
        if node is None or node.type != "identifier":
            continue
        target = node
        parent = node.parent
        if parent is not None and parent.type == "qualified_identifier":
            if squash(ctx.text(parent)) != "std::endl":
                continue
            target = parent
            parent = parent.parent
        elif not using_std:
            continue
        if parent is None:
            continue
        if parent.type == "binary_expression":
            if parent.child_by_field_name("right") != target:
                continue
            op = parent.child_by_field_name("operator")
            if op is None or op.type != "<<":
                continue
            if _string_stream(ctx, parent):
                continue  # a string stream's flush does nothing: endl costs nothing there
            found = ctx.finding(
                info, target, fix=ctx.fix(target, "'\\n'", "Replace std::endl with '\\n'")
            )
            if _unbuffered(ctx, parent, using_std):
                found = replace(found, severity=Severity.HINT, title=_UNBUFFERED_TITLE)
            yield found
        elif parent.type == "call_expression" and parent.child_by_field_name("function") == target:
            # `std::endl(stream)`: the manipulator called directly.
            items = args(parent)
            if len(items) != 1:
                continue
            stream = ctx.text(items[0])
            yield ctx.finding(
                info,
                parent,
                fix=ctx.fix(parent, f"{stream} << '\\n'", "Write '\\n' instead of std::endl"),
            )


_STRING_STREAMS = frozenset(
    {
        "std::ostringstream",
        "std::stringstream",
        "std::wostringstream",
        "std::wstringstream",
        "std::basic_ostringstream",
        "std::basic_stringstream",
    }
)


_UNBUFFERED_TITLE = "std::endl on std::cerr, which flushes after every write anyway: costs little"


def _leftmost(chain: Node) -> Node | None:
    """The stream a `<<` chain writes into."""
    cur = chain
    while cur.type == "binary_expression":
        left = cur.child_by_field_name("left")
        if left is None:
            return None
        cur = left
    return cur


def _unbuffered(ctx: Context, chain: Node, using_std: bool) -> bool:
    """Whether the chain writes into std::cerr or std::wcerr, which are unit-buffered (they
    flush after every output operation), so std::endl adds no flush of its own."""
    stream = _leftmost(chain)
    if stream is None:
        return False
    name = squash(ctx.text(stream))
    return name in ("std::cerr", "std::wcerr") or (using_std and name in ("cerr", "wcerr"))


def _string_stream(ctx: Context, chain: Node) -> bool:
    """Whether the `<<` chain writes into a string stream (its leftmost operand's type)."""
    cur = _leftmost(chain)
    if cur is None or cur.type != "identifier":
        return False
    model = Model.of(ctx)
    d = model.lookup(ctx.text(cur), cur)
    if d is None:
        return False
    return model.resolve(d.type).base in _STRING_STREAMS


# -- performance-faster-string-find -----------------------------------------------------------

_FIND_METHODS = (
    "find",
    "rfind",
    "find_first_of",
    "find_last_of",
    "find_first_not_of",
    "find_last_not_of",
    "starts_with",
    "ends_with",
    "contains",
)


def one_char_literal(ctx: Context, node: Node) -> str | None:
    """For `"x"`, `"\\n"` or `L"x"`, the equivalent character literal; else None."""
    if node.type != "string_literal":
        return None
    text = ctx.text(node)
    prefix = text[: text.index('"')] if '"' in text else ""
    if prefix not in ("", "L", "u", "U", "u8"):
        return None
    parts = [c for c in node.named_children]
    if len(parts) != 1:
        return None
    body = ctx.text(parts[0])
    if parts[0].type == "escape_sequence":
        if body == "\\'":
            char = "\\'"
        elif len(body) == 2 or body == "\\0" or (body.startswith("\\x") and len(body) <= 6):
            char = body
        else:
            return None
    elif parts[0].type == "string_content" and len(body) == 1:
        if prefix in ("", "u8") and ord(body) > 0x7F:
            return None  # several UTF-8 code units: not one `char`
        if prefix == "u" and ord(body) > 0xFFFF:
            return None  # a surrogate pair in UTF-16
        char = "\\'" if body == "'" else body
    else:
        return None
    if prefix == "u8":
        prefix = ""
    return f"{prefix}'{char}'"


@rule(
    "cpp/faster-string-find",
    title="String search for a one-character string literal",
    severity=Severity.INFO,
    category="other",
    explanation="""
`s.find("x")` calls the `const char*` overload: it has to measure the needle with `strlen` and
then run a general substring search. The `char` overload is a single `memchr`-style scan, which
is typically a few times faster for short haystacks. The same holds for `rfind`, the
`find_*_of` family and C++20's `starts_with`, `ends_with` and `contains`.
""",
    fix="Pass a character literal: `s.find('x')`.",
    measure="A Google Benchmark case over representative strings comparing both overloads; "
    "`perf record` shows the time in `strlen`/`__memcmp` when it matters.",
    mirrors=["clang-tidy:performance-faster-string-find"],
    bad="""
#include <string>
std::size_t split_path(const std::string& path) {
    return path.find("/");
}
""",
    good="""
#include <string>
std::size_t split_path(const std::string& path) {
    return path.find('/') + path.find("://");
}
""",
    scope="body",
    node_types=[*MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=("StringLikeClasses other than the standard strings and string views are not covered.",),
)
def faster_string_find(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for method in _FIND_METHODS:
        for call in calls(ctx, method):
            mc = method_call(ctx, call)
            items = args(call)
            if mc is None or not items or len(items) > 2:
                continue
            char = one_char_literal(ctx, items[0])
            if char is None:
                continue
            if len(items) == 2 and method not in ("find", "rfind"):
                continue
            rt = model.type_of(mc[0])
            if rt is None:
                continue
            r = model.resolve(rt)
            if mc[2] == "->" and r.pointer:
                r = TypeSpec(r.spelling, r.const)
            elif r.pointer:
                continue
            if r.base not in stdlib.STRINGS | stdlib.STRING_VIEWS:
                continue
            fix = ctx.fix(items[0], char, "Search for a character instead of a string")
            yield ctx.finding(info, items[0], fix=fix)


# -- performance-inefficient-string-concatenation ---------------------------------------------


def _plus_chain(node: Node) -> list[Node] | None:
    """The operands of a left-associated `a + b + c` chain, or None."""
    operands: list[Node] = []
    cur = node
    while cur.type == "binary_expression":
        op = cur.child_by_field_name("operator")
        left = cur.child_by_field_name("left")
        right = cur.child_by_field_name("right")
        if op is None or op.type != "+" or left is None or right is None:
            return None
        operands.append(right)
        cur = left
    operands.append(cur)
    operands.reverse()
    return operands if len(operands) >= 2 else None


@rule(
    "cpp/inefficient-string-concatenation",
    title="String concatenation in a loop builds temporary strings",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`s = s + a` creates a temporary string holding a copy of all of `s` plus `a`, then assigns it
back. In a loop that is quadratic: appending n pieces copies O(n²) characters and allocates on
every iteration. `s += a` appends in place and reuses the capacity, so the loop is linear with
O(log n) reallocations. A longer chain `a + b + c` in a loop likewise allocates a temporary on
every iteration.
""",
    fix="Append in place: `s += a;` (one `+=` per piece), or `append()`.",
    measure="Google Benchmark the loop at a few sizes (the old form grows quadratically); "
    "`heaptrack` shows one allocation per iteration.",
    mirrors=["clang-tidy:performance-inefficient-string-concatenation"],
    bad="""
#include <string>
#include <vector>
std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out = out + p + ",";
    }
    return out;
}
""",
    good="""
#include <string>
#include <vector>
std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out += p;
        out += ',';
    }
    std::string label = "total: ";
    label = label + std::to_string(parts.size());
    return out + label;
}
""",
    scope="body",
    node_types=[
        "assignment_expression",
        "for_statement",
        "for_range_loop",
        "while_statement",
        "do_statement",
        *MODEL_NODE_TYPES,
    ],
    has_fix=True,
    body_examples=False,
    gaps=("StrictMode (off by default: only loops are checked) is not offered.",),
)
def inefficient_string_concatenation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    flagged: set[int] = set()
    for node in ctx.nodes("assignment_expression"):
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or op.type != "=" or left is None or right is None:
            continue
        operands = _plus_chain(right)
        if operands is None:
            continue
        target = ctx.text(left)
        if ctx.text(operands[0]) != target or in_loop(node) is None:
            continue
        lt = model.type_of(left)
        if lt is None or lt.pointer or model.resolve(lt).base not in stdlib.STRINGS:
            continue
        if lt.const and lt.ref:
            continue
        flagged.add(right.id)
        fix = None
        stmt = node.parent
        if stmt is not None and stmt.type == "expression_statement":
            pieces = " ".join(f"{target} += {ctx.text(o)};" for o in operands[1:])
            fix = ctx.fix(stmt, pieces, "Append each piece in place")
        yield ctx.finding(
            info, node, title=f"`{target} = {target} + ...` copies the whole string", fix=fix
        )
    for node in _plus_operators_in_loops(ctx):
        if node.id in flagged or not _string_plus_of_plus(ctx, model, node):
            continue
        parent = node.parent
        if parent is not None and parent.type == "binary_expression":
            op = parent.child_by_field_name("operator")
            if op is not None and op.type == "+" and parent.child_by_field_name("left") == node:
                continue  # reported once, for the whole chain
        op = node.child_by_field_name("operator")
        assert op is not None
        yield ctx.finding(
            info,
            op,
            title="Chained string + in a loop allocates a temporary string each time",
        )


def _plus_operators_in_loops(ctx: Context) -> Iterator[Node]:
    """Binary `+` expressions inside loop bodies, found by scanning the loops' bytes for `+`
    (far fewer nodes to look at than every binary expression of the file)."""
    src = ctx.source
    done_until = -1
    loops = sorted(
        (
            n
            for t in ("for_statement", "for_range_loop", "while_statement", "do_statement")
            for n in ctx.nodes(t)
        ),
        key=lambda n: n.start_byte,
    )
    for loop in loops:
        if loop.start_byte < done_until:
            continue  # inside a loop already scanned
        done_until = loop.end_byte
        pos = src.find(b"+", loop.start_byte, loop.end_byte)
        while pos >= 0:
            nxt = src[pos + 1 : pos + 2]
            prev = src[pos - 1 : pos]
            if nxt not in (b"+", b"=") and prev != b"+":
                token = ctx.root.descendant_for_byte_range(pos, pos + 1)
                parent = token.parent if token is not None else None
                if parent is not None and parent.type == "binary_expression" and in_loop(parent):
                    yield parent
            pos = src.find(b"+", pos + 1, loop.end_byte)


def _string_var(ctx: Context, model: Model, node: Node | None) -> bool:
    if node is None or node.type != "identifier":
        return False
    t = model.type_of(node)
    return t is not None and not t.pointer and model.resolve(t).base in stdlib.STRINGS


def _string_plus_of_plus(ctx: Context, model: Model, node: Node) -> bool:
    """`x + y + z` where the outer `+` has a string variable operand and so does the inner."""
    op = node.child_by_field_name("operator")
    if op is None or op.type != "+":
        return False
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None or left.type != "binary_expression":
        return False
    lop = left.child_by_field_name("operator")
    if lop is None or lop.type != "+":
        return False
    if not _string_var(ctx, model, right):
        return False
    return _string_var(ctx, model, left.child_by_field_name("left")) or _string_var(
        ctx, model, left.child_by_field_name("right")
    )


RULES = [avoid_endl, faster_string_find, inefficient_string_concatenation]
