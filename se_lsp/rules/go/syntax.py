"""Small questions about Go syntax trees that several rule families ask."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from se_lsp.rules.common import inside_function_body

if TYPE_CHECKING:
    from se_lsp.rules.engine import Context
    from se_lsp.rules.go.model import GoModel

FUNCTIONS = frozenset({"function_declaration", "method_declaration", "func_literal"})
LOOP = "for_statement"
BENCH = "`go test -bench . -benchmem` on a benchmark of the enclosing function"
STRING_LITERALS = frozenset({"interpreted_string_literal", "raw_string_literal"})
# Statements after which control never reaches the next statement.
_BREAKABLE = frozenset(
    {"for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"}
)


def statements(block: Node | None) -> list[Node]:
    """The statements of a block or case clause, comments left out (statement_list unwrapped)."""
    if block is None:
        return []
    out: list[Node] = []
    for c in block.named_children:
        if c.type == "statement_list":
            out.extend(s for s in c.named_children if s.type != "comment")
        elif c.type != "comment" and block.type in ("block", "statement_list"):
            out.append(c)
    return out


def next_statement(node: Node) -> Node | None:
    """The statement after `node` in its list, comments skipped."""
    n = node.next_named_sibling
    while n is not None and n.type == "comment":
        n = n.next_named_sibling
    return n


def prev_statement(node: Node) -> Node | None:
    n = node.prev_named_sibling
    while n is not None and n.type == "comment":
        n = n.prev_named_sibling
    return n


def walk(node: Node, skip: frozenset[str] = frozenset()) -> Iterator[Node]:
    """`node` and its named descendants, not entering nodes of the `skip` types."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if n.type in skip and n is not node:
            continue
        stack.extend(reversed(n.named_children))


def identifiers(node: Node, source: bytes) -> Iterator[tuple[str, Node]]:
    """Every identifier under `node` with its text (field names in selectors are not ones)."""
    for n in walk(node):
        if n.type == "identifier":
            yield source[n.start_byte : n.end_byte].decode("utf-8", "replace"), n


def mentions(node: Node, source: bytes, name: str) -> bool:
    """Whether identifier `name` occurs under `node`: the bytes first, the tree to confirm."""
    word = name.encode()
    end = node.end_byte
    pos = source.find(word, node.start_byte, end)
    while pos >= 0:
        stop = pos + len(word)
        if (pos == 0 or source[pos - 1] not in _WORD) and (
            stop >= len(source) or source[stop] not in _WORD
        ):
            hit = node.descendant_for_byte_range(pos, stop)
            if (
                hit is not None
                and hit.type == "identifier"
                and hit.start_byte == pos
                and hit.end_byte == stop
            ):
                return True
        pos = source.find(word, stop, end)
    return False


def root_name(expr: Node, source: bytes) -> str | None:
    """The variable an lvalue starts from: `x` in `x`, `x.f.g`, `x[i]`, `(x).f`."""
    while expr.type in ("selector_expression", "index_expression", "parenthesized_expression"):
        inner = (
            expr.child_by_field_name("operand")
            if expr.type != "parenthesized_expression"
            else (expr.named_children[0] if expr.named_children else None)
        )
        if inner is None:
            return None
        expr = inner
    if expr.type != "identifier":
        return None
    return source[expr.start_byte : expr.end_byte].decode("utf-8", "replace")


def written(body: Node, source: bytes) -> set[str]:
    """Variables `body` assigns to (whole or in part), increments, or takes the address of.

    A value parameter written this way is a copy the function relies on: passing a
    pointer instead would change the caller's value.
    """
    out: set[str] = set()
    for n in walk(body):  # closures included: they write the same copy
        targets: list[Node] = []
        if n.type == "assignment_statement":
            left = n.child_by_field_name("left")
            targets = list(left.named_children) if left is not None else []
        elif n.type in ("inc_statement", "dec_statement") and n.named_children:
            targets = [n.named_children[0]]
        elif n.type == "unary_expression" and source[n.start_byte : n.start_byte + 1] == b"&":
            operand = n.child_by_field_name("operand")
            targets = [operand] if operand is not None else []
        for t in targets:
            name = root_name(t, source)
            if name is not None:
                out.add(name)
    return out


def keyword_nodes(
    m: GoModel, node: Node, source: bytes, keyword: str, types: frozenset[str]
) -> Iterator[Node]:
    """Statements of `types` under `node` that start with `keyword`, found from the bytes."""
    word = keyword.encode()
    end = node.end_byte
    pos = source.find(word, node.start_byte, end)
    while pos >= 0:
        stop = pos + len(word)
        if (pos == 0 or source[pos - 1] not in _WORD) and (
            stop >= len(source) or source[stop] not in _WORD
        ):
            hit = node.descendant_for_byte_range(pos, stop)
            if hit is not None:
                for n in reversed(m.path(hit)):
                    if n.start_byte != pos:
                        break
                    if n.type in types:
                        yield n
                        break
        pos = source.find(word, stop, end)


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def has_call(node: Node) -> bool:
    """Whether evaluating `node` may call something or receive from a channel."""
    for n in walk(node, frozenset({"func_literal"})):
        if n.type == "call_expression":
            return True
        if n.type == "unary_expression" and n.child_count and n.children[0].type == "<-":
            return True
    return False


def has_comment(node: Node) -> bool:
    return any(n.type == "comment" for n in walk(node))


def is_blank(node: Node | None, source: bytes) -> bool:
    return node is not None and source[node.start_byte : node.end_byte] == b"_"


def squash(text: str) -> str:
    """`text` without whitespace, so `[] byte` and `[]byte` compare equal."""
    if " " not in text and "\n" not in text and "\t" not in text:
        return text
    return "".join(text.split())


def single_assignment(stmt: Node, op: str = "=") -> tuple[Node, Node] | None:
    """(left, right) of `left op right` with one expression on each side."""
    if stmt.type != "assignment_statement":
        return None
    operator = stmt.child_by_field_name("operator")
    if operator is None or operator.type != op:
        return None
    left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
    if left is None or right is None or left.named_child_count != 1 or right.named_child_count != 1:
        return None
    return left.named_children[0], right.named_children[0]


def range_parts(clause: Node) -> tuple[Node | None, Node | None, bool]:
    """(key, value, declares) of a range clause: `k, v := range x` -> (k, v, True)."""
    left = clause.child_by_field_name("left")
    names = [n for n in left.named_children if n.type != "comment"] if left is not None else []
    declares = any(c.type == ":=" for c in clause.children)
    key = names[0] if names else None
    value = names[1] if len(names) > 1 else None
    return key, value, declares


def breaks_target(m: GoModel, stmt: Node, source: bytes) -> Node | None:
    """The loop, switch or select a `break` leaves (its label's statement when labelled)."""
    label = stmt.named_children[0] if stmt.named_children else None
    if label is not None:
        name = source[label.start_byte : label.end_byte]
        for p in reversed(m.path(stmt)[:-1]):
            if p.type in FUNCTIONS:
                return None
            if p.type == "labeled_statement":
                lab = p.child_by_field_name("label")
                if lab is not None and source[lab.start_byte : lab.end_byte] == name:
                    inner = [c for c in p.named_children if c.type != "label_name"]
                    return inner[0] if inner else None
        return None
    return m.up(stmt, _BREAKABLE, FUNCTIONS)


def terminates(stmt: Node) -> bool:
    """Whether control never falls through `stmt`: return, panic, os.Exit-like calls, goto."""
    t = stmt.type
    if t in ("return_statement", "goto_statement"):
        return True
    if t == "expression_statement" and stmt.named_children:
        call = stmt.named_children[0]
        if call.type == "call_expression":
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "identifier" and fn.text == b"panic":
                return True
    return False


@dataclass(slots=True)
class RangeLoop:
    """A `for k, v := range x { ... }` loop, taken apart once for all rules."""

    loop: Node
    clause: Node
    key: Node | None
    value: Node | None
    declares: bool  # `:=` rather than `=`
    right: Node
    body: Node | None
    _stmts: list[Node] | None = None

    @property
    def stmts(self) -> list[Node]:
        """The body's statements (comments left out), computed once."""
        if self._stmts is None:
            self._stmts = statements(self.body)
        return self._stmts


# No leading `\b`: `re` finds a pattern that starts with a literal ten times faster.
_KEYWORDS = {w: re.compile(w.encode() + rb"\b") for w in ("for", "defer")}


_STATEMENT_OF = {"for": "for_statement", "defer": "defer_statement"}


def keyword_statements(ctx: Context, keyword: str) -> list[Node]:
    """The `for` or `defer` statements of the analysed range, in order, found from the bytes.

    A file has a few hundred of them among hundreds of thousands of nodes: finding the
    keyword and asking the tree what it starts is several times cheaper than a query
    that visits every node.
    """
    key = "go.kw." + keyword
    found: list[Node] | None = ctx.shared.get(key)
    if found is None:
        lo, hi = ctx.scan_range
        found = []
        src = ctx.source
        root = ctx.root
        for hit in _KEYWORDS[keyword].finditer(src, lo, hi):
            pos = hit.start()
            if pos > 0 and src[pos - 1] in _WORD:
                continue
            # The smallest named node around the keyword is the statement it starts.
            stmt = root.named_descendant_for_byte_range(pos, hit.end())
            if stmt is not None and stmt.start_byte == pos and stmt.end_byte <= hi:
                if stmt.type == _STATEMENT_OF[keyword]:
                    found.append(stmt)
        ctx.shared[key] = found
    return found


def loop_clauses(ctx: Context, clause_type: str) -> list[tuple[Node, Node]]:
    """The loops of the analysed range with a `range_clause` or `for_clause`, in order,
    each with its clause."""
    found = []
    for loop in keyword_statements(ctx, "for"):
        if loop.type != LOOP:
            continue
        clause: Node | None = loop.child(1)
        while clause is not None and clause.type == "comment":
            clause = clause.next_sibling
        if clause is not None and clause.type == clause_type:
            found.append((loop, clause))
    return found


def range_loops(ctx: Context) -> list[RangeLoop]:
    """Every range loop of the analysed range."""
    found: list[RangeLoop] | None = ctx.shared.get("go.range-loops")
    if found is None:
        found = []
        for loop, clause in loop_clauses(ctx, "range_clause"):
            right = clause.child_by_field_name("right")
            if right is None:
                continue
            key, value, declares = range_parts(clause)
            found.append(
                RangeLoop(
                    loop, clause, key, value, declares, right, loop.child_by_field_name("body")
                )
            )
        ctx.shared["go.range-loops"] = found
    return found


# Declarations inside a body that other functions' findings may depend on.
_BODY_DECLARATIONS = frozenset({"type_declaration", "type_spec", "type_alias"})


def in_function_body(root: Node, lo: int, hi: int) -> bool:
    """Whether an edit of bytes [lo, hi) stays inside one function's or method's body and
    out of any type declared there (the engine's "body" rule scope)."""
    return inside_function_body(
        root,
        lo,
        hi,
        functions=frozenset({"function_declaration", "method_declaration"}),
        declarations=_BODY_DECLARATIONS,
    )
