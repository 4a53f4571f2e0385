"""Small questions about the C++ tree, each with one meaning: calls, callees, loops, text."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from tree_sitter import Node

from se_lsp.rules.engine import Context

FUNCTIONS = frozenset({"function_definition", "lambda_expression"})
LOOPS = frozenset({"for_statement", "for_range_loop", "while_statement", "do_statement"})
# Nodes whose text is not code: a name inside one is not a use of that name.
TEXTUAL = frozenset(
    {
        "string_content",
        "comment",
        "raw_string_content",
        "character",
        "preproc_arg",
        "escape_sequence",
        "char_literal",
        "string_literal",
        "raw_string_literal",
        "system_lib_string",
    }
)
WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
# Nodes between a callee's last name and the call: `x.f`, `std::f`, `f<int>`, `std::f<int>`.
_CALLEE_PARTS = frozenset(
    {"field_expression", "qualified_identifier", "template_function", "template_method"}
)


def squash(text: str) -> str:
    """`text` without whitespace (for comparing spellings such as `std :: move`)."""
    return "".join(text.split())


def word_hits(source: bytes, word: str, lo: int, hi: int) -> Iterator[int]:
    """Byte offsets in [lo, hi) where `word` occurs as a whole word (a plain substring scan)."""
    needle = word.encode()
    n = len(needle)
    if not n:
        return
    pos = source.find(needle, lo, hi)
    while pos >= 0:
        end = pos + n
        if (pos == 0 or source[pos - 1] not in WORD_BYTES) and (
            end >= len(source) or source[end] not in WORD_BYTES
        ):
            yield pos
        pos = source.find(needle, end, hi)


def has_word(source: bytes, word: str, lo: int, hi: int) -> bool:
    return next(word_hits(source, word, lo, hi), None) is not None


def callee(ctx: Context, call: Node) -> str:
    """The callee of a call as written, without whitespace: `std::move`, `v.push_back`."""
    return squash(ctx.text(call.child_by_field_name("function")))


def method_call(ctx: Context, call: Node, arrow: bool = True) -> tuple[Node, str, str] | None:
    """For `recv.name(...)` (and `recv->name(...)` when `arrow`): receiver, name, operator."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "template_method" or (
        fn.type == "field_expression"
        and (f := fn.child_by_field_name("field")) is not None
        and f.type == "template_method"
    ):
        return None
    if fn.type != "field_expression":
        return None
    op = fn.child_by_field_name("operator")
    op_text = ctx.text(op)
    if op_text not in ((".", "->") if arrow else (".",)):
        return None
    recv = fn.child_by_field_name("argument")
    name = fn.child_by_field_name("field")
    if recv is None or name is None:
        return None
    return recv, ctx.text(name), op_text


def args(call: Node) -> list[Node]:
    """A call's arguments (comments left out)."""
    a = call.child_by_field_name("arguments")
    return [c for c in a.named_children if c.type != "comment"] if a is not None else []


def named(node: Node | None) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"] if node is not None else []


def in_loop(node: Node, stop: Node | None = None) -> Node | None:
    """The nearest loop whose body (or condition) holds `node`, within the same function."""
    child = node
    cur = node.parent
    while cur is not None and (stop is None or cur != stop):
        if cur.type in FUNCTIONS:
            return None
        if cur.type in LOOPS and child != cur.child_by_field_name("initializer"):
            if cur.type != "for_range_loop" or child == cur.child_by_field_name("body"):
                return cur
        child = cur
        cur = cur.parent
    return None


def enclosing_function(node: Node) -> Node | None:
    cur = node.parent
    while cur is not None and cur.type not in FUNCTIONS:
        cur = cur.parent
    return cur


def ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def first_of(node: Node, types: Iterable[str]) -> Node | None:
    wanted = set(types)
    return next((c for c in node.children if c.type in wanted), None)


def calls_at(ctx: Context, name: str, hits: Iterable[int]) -> list[Node]:
    """The calls of `name` at the given byte offsets of the name (other hits are dropped)."""
    found = []
    src = ctx.source
    for pos in hits:
        j = pos + len(name)
        while j < len(src) and src[j] in b" \t\r\n":
            j += 1
        if j >= len(src) or src[j] not in b"(<":
            continue
        node = ctx.root.named_descendant_for_byte_range(pos, pos + len(name))
        if node is None or node.type not in ("identifier", "field_identifier"):
            continue
        # Each `.parent` searches down from the root: ask once per level.
        cur = node
        parent = cur.parent
        while parent is not None and parent.type in _CALLEE_PARTS:
            last = parent.child_by_field_name("field") or parent.child_by_field_name("name")
            if last != cur:
                break
            cur = parent
            parent = cur.parent
        if parent is not None and parent.type == "call_expression":
            if parent.child_by_field_name("function") == cur:
                found.append(parent)
    return found


def calls(ctx: Context, name: str) -> list[Node]:
    """Calls whose callee ends in `name` (`f(..)`, `x.f(..)`, `std::f(..)`), in document order.

    Found by scanning the bytes for the name and asking the tree what is there, which is
    much cheaper than capturing every call of the file. Shared by the rules of one analysis.
    """
    table: dict[str, list[Node]] = ctx.shared.setdefault("cpp.calls", {})
    found = table.get(name)
    if found is None:
        lo, hi = ctx.scan_range
        found = table[name] = calls_at(ctx, name, word_hits(ctx.source, name, lo, hi))
    return found


def calls_within(ctx: Context, name: str, lo: int, hi: int) -> list[Node]:
    """`calls(ctx, name)` that start in [lo, hi)."""
    table: dict[str, tuple[list[int], list[Node]]] = ctx.shared.setdefault("cpp.calls_by_start", {})
    entry = table.get(name)
    if entry is None:
        ordered = sorted(calls(ctx, name), key=lambda c: c.start_byte)
        entry = table[name] = ([c.start_byte for c in ordered], ordered)
    starts, found = entry
    return found[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]


def const_qualified(ctx: Context, node: Node) -> bool:
    """Whether `node` (a declaration or parameter) carries `const` (or `constexpr`)."""
    return any(
        c.type == "type_qualifier" and ctx.text(c) in ("const", "constexpr") for c in node.children
    )


def line_indent(ctx: Context, node: Node) -> str | None:
    """The whitespace before `node` on its line, or None when code precedes it there."""
    start = ctx.index.pos_at_byte(node.start_byte)
    indent = ctx.index.line(start.line)[: start.col]
    return indent if not indent.strip() else None
