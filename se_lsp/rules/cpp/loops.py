"""Loops: whether a statement repeats, and whether a loop's length is known before it starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.decls import declared
from se_lsp.rules.cpp.syntax import FUNCTIONS, LOOPS, args, squash

if TYPE_CHECKING:
    from se_lsp.rules.cpp.model import Model


def loop_bound(model: Model, loop: Node) -> str | None:
    """For `for (i = 0; i < n; ++i)` with a bound that stays put, the bound `n`; for a
    range-for over a sized container named in the file, `c.size()`. Else None."""
    ctx = model.ctx
    if loop.type == "for_range_loop":
        rng = loop.child_by_field_name("right")
        if rng is None or rng.type not in ("identifier", "field_expression"):
            return None
        if rng.type == "field_expression" and not plain_member(rng):
            return None
        rt = model.type_of(rng)
        if rt is None:
            return None
        r = model.resolve(rt)
        if r.pointer or r.base not in stdlib.SIZED:
            return None
        return f"{ctx.text(rng)}.size()"
    if loop.type != "for_statement":
        return None
    init = loop.child_by_field_name("initializer")
    cond = loop.child_by_field_name("condition")
    update = loop.child_by_field_name("update")
    if init is None or cond is None or update is None or cond.type != "binary_expression":
        return None
    op = cond.child_by_field_name("operator")
    var = cond.child_by_field_name("left")
    bound = cond.child_by_field_name("right")
    if op is None or op.type != "<" or var is None or var.type != "identifier" or bound is None:
        return None
    name = ctx.text(var)
    if update.type != "update_expression" or squash(ctx.text(update)).strip("+") != name:
        return None
    if not squash(ctx.text(update)).count("+") == 2:
        return None
    decls = list(declared(ctx, init, "local")) if init.type == "declaration" else []
    if len(decls) != 1 or decls[0].name != name or decls[0].value is None:
        return None
    start = decls[0].value
    if start.type == "initializer_list" and len(start.named_children) == 1:
        start = start.named_children[0]
    if start.type != "number_literal" or ctx.text(start).rstrip("uUlL") != "0":
        return None
    if not _stable_bound(model, bound, name):
        return None
    return ctx.text(bound)


def _stable_bound(model: Model, node: Node, counter: str) -> bool:
    """A bound that is cheap to evaluate again before the loop and does not use the counter."""
    t = node.type
    if t == "identifier":
        return model.ctx.text(node) != counter
    if t in ("number_literal", "qualified_identifier"):
        return True
    if t == "field_expression":
        return plain_member(node)
    if t == "call_expression":
        mc = node.child_by_field_name("function")
        if mc is None or mc.type != "field_expression" or args(node):
            return False
        name = model.ctx.text(mc.child_by_field_name("field"))
        recv = mc.child_by_field_name("argument")
        return (
            name in ("size", "length") and recv is not None and _stable_bound(model, recv, counter)
        )
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        return (
            op is not None
            and op.type in ("+", "-", "*", "/")
            and left is not None
            and right is not None
            and _stable_bound(model, left, counter)
            and _stable_bound(model, right, counter)
        )
    if t == "parenthesized_expression" and node.named_children:
        return _stable_bound(model, node.named_children[0], counter)
    return False


def plain_member(node: Node) -> bool:
    """`a.b` or `a->b.c`: member accesses down to a name (no calls)."""
    cur: Node | None = node
    while cur is not None and cur.type == "field_expression":
        cur = cur.child_by_field_name("argument")
    return cur is not None and cur.type in ("identifier", "this")


def loops_between(node: Node, stop: Node) -> bool:
    """Whether a loop lies between `node` and its ancestor `stop` (the use repeats)."""
    cur = node.parent
    child = node
    while cur is not None and cur != stop:
        if cur.type in LOOPS and child != cur.child_by_field_name("initializer"):
            if cur.type != "for_range_loop" or child == cur.child_by_field_name("body"):
                return True
        if cur.type in FUNCTIONS:
            return False
        child = cur
        cur = cur.parent
    return False
