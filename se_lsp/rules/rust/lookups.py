"""Rules about maps and sets searched twice: a membership test followed by an insert."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust.model import MethodCall, Model
from se_lsp.rules.rust.syntax import (
    COMMENTS,
    LOOPS,
    guarded_fix,
    is_literal,
    leaves_early,
    mentions,
    statements,
    unparen,
    walk,
)

CALLS: list[str] = []
METHODS = frozenset({"contains_key", "contains"})


def _peel_borrow(ctx: Context, node: Node) -> Node:
    """`x` for `&x`, `(&x)`, `*x`, `&*x`."""
    for _ in range(4):
        inner = unparen(node)
        if inner is None:
            return node
        node = inner
        if node.type == "reference_expression":
            value = node.child_by_field_name("value")
            if value is None:
                return node
            node = value
            continue
        if node.type == "unary_expression" and ctx.text(node).startswith("*"):
            if not node.named_children:
                return node
            node = node.named_children[0]
            continue
        return node
    return node


def _condition_test(ctx: Context, model: Model, mc: MethodCall) -> tuple[Node, bool] | None:
    """The `if` whose whole condition is this call (maybe under `!`), and the negation."""
    node = mc.call
    negated = False
    while True:
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "parenthesized_expression":
            node = parent
            continue
        if parent.type == "unary_expression" and ctx.text(parent).startswith("!"):
            negated = not negated
            node = parent
            continue
        break
    if parent.type != "if_expression" or parent.child_by_field_name("condition") != node:
        return None
    return parent, negated


def _root(ctx: Context, node: Node) -> str:
    n = node
    while n.type in ("field_expression", "index_expression", "call_expression"):
        inner = (
            n.child_by_field_name("value")
            or n.child_by_field_name("function")
            or (n.named_children[0] if n.named_children else None)
        )
        if inner is None:
            break
        n = inner
    return ctx.text(n)


def _same(ctx: Context, a: Node, b: Node) -> bool:
    return ctx.text(_peel_borrow(ctx, a)).replace(" ", "") == ctx.text(
        _peel_borrow(ctx, b)
    ).replace(" ", "")


class _Search:
    """What a branch does with the map: its inserts of the key, and whether anything else
    touches the map (then the double lookup is not a plain insert-if-absent)."""

    def __init__(
        self, ctx: Context, model: Model, receiver: Node, key: Node, if_node: Node, insert: str
    ) -> None:
        self.ctx = ctx
        self.model = model
        self.receiver = receiver
        self.key = key
        self.if_node = if_node
        self.insert = insert
        self.root = _root(ctx, _peel_borrow(ctx, receiver))
        self.inserts: list[MethodCall] = []
        self.spoiled = False

    def scan(self, branch: Node | None) -> _Search:
        if branch is None:
            return self
        ctx = self.ctx
        claimed: set[int] = set()
        for n in walk(branch):
            if n.id in claimed:
                continue
            if n.type in ("await_expression",) or (
                n.type == "macro_invocation" and (n.text or b"").startswith(b"asm")
            ):
                self.spoiled = True
            mc = self.model.method(n) if n.type == "call_expression" else None
            if (
                mc is not None
                and ctx.text(mc.name) == self.insert
                and len(mc.args) >= 1
                and (_same(ctx, mc.receiver, self.receiver))
            ):
                if not _same(ctx, mc.args[0], self.key):
                    self.spoiled = True  # a different key: clippy leaves it
                    continue
                if any(mentions(ctx, a, self.root) for a in mc.args):
                    self.spoiled = True  # the map is read inside the insert
                    continue
                if self._repeated(mc.call):
                    self.spoiled = True
                    continue
                self.inserts.append(mc)
                for d in walk(mc.receiver):
                    claimed.add(d.id)
                continue
            if n.type in ("identifier", "self") and ctx.text(n) == self.root:
                self.spoiled = True
            if n.type == "token_tree" and mentions(ctx, n, self.root):
                self.spoiled = True
        return self

    def _repeated(self, call: Node) -> bool:
        """An insert inside a loop or closure of the branch may run more than once."""
        n = call.parent
        while n is not None and n.id != self.if_node.id:
            if n.type in LOOPS or n.type == "closure_expression":
                return True
            n = n.parent
        return False


_MAPS = ("HashMap", "BTreeMap")
_SETS = ("HashSet", "BTreeSet")


def _container(model: Model, receiver: Node, names: tuple[str, ...]) -> bool:
    t = model.type_of(receiver).auto_deref()
    return t.std and t.name in names


@rule(
    "rust/map-entry",
    title="Map searched twice: `contains_key` then `insert`",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`if !m.contains_key(&k) { m.insert(k, v); }` hashes the key and walks the bucket twice
(for a `BTreeMap`, walks the tree twice). The entry API finds the slot once and then
fills it: `m.entry(k).or_insert(v)`, or `match m.entry(k)` when the branches do more.
""",
    fix="Use `m.entry(k).or_insert(v)` / `or_insert_with(|| ..)`, or match on `m.entry(k)`.",
    measure="cargo bench (criterion) on the insert path; `perf stat` for the hashing cost.",
    mirrors=["clippy:map_entry"],
    bad="""
let mut seen: std::collections::HashMap<String, u32> = Default::default();
if !seen.contains_key(&name) {
    seen.insert(name, 1);
}
""",
    good="""
let mut seen: std::collections::HashMap<String, u32> = Default::default();
seen.entry(name).or_insert(1);
if !seen.contains_key(&other) {
    let n = seen.len();
    seen.insert(other, n as u32);
}
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "an insert on the absent branch with a read on the other (`if !m.contains_key(..) "
        "{ insert } else { get }`) is reported by map-double-lookup, not as an `Entry` match",
        "maps reached through a guard (`m.lock().unwrap().contains_key(..)`) are not reported",
        "differs: keys written differently but equal (`contains_key(k)`, `insert(*k, ..)`) "
        "count as one key; clippy 1.95 wants the same expression and stays silent",
    ],
)
def map_entry(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("contains_key"):
        if len(mc.args) != 1:
            continue
        test = _condition_test(ctx, model, mc)
        if test is None:
            continue
        if_node, negated = test
        if not _container(model, mc.receiver, _MAPS):
            continue
        key = mc.args[0]
        then = if_node.child_by_field_name("consequence")
        alt = if_node.child_by_field_name("alternative")
        else_block = None
        if alt is not None:
            inner = [c for c in alt.named_children if c.type not in COMMENTS]
            else_block = inner[0] if inner else None
            if else_block is not None and else_block.type == "if_expression":
                continue  # `else if`: more than an insert-or-not decision
        first = _Search(ctx, model, mc.receiver, key, if_node, "insert").scan(then)
        second = _Search(ctx, model, mc.receiver, key, if_node, "insert").scan(else_block)
        if first.spoiled or second.spoiled or not (first.inserts or second.inserts):
            continue
        fix = None
        if negated and else_block is None and len(first.inserts) == 1:
            fix = _entry_fix(ctx, if_node, then, first.inserts[0])
        span = ctx.span_between(if_node, mc.call)
        yield ctx.finding(info, span, fix=fix)


def _entry_fix(ctx: Context, if_node: Node, then: Node | None, insert: MethodCall) -> Fix | None:
    """`if !m.contains_key(&k) { m.insert(k, v); }` as a statement -> `m.entry(k).or_insert(v);`"""
    if then is None or if_node.parent is None or if_node.parent.type != "expression_statement":
        return None
    body = statements(then)
    if len(body) != 1:
        return None
    stmt = body[0]
    call = (
        stmt.named_children[0]
        if stmt.type == "expression_statement" and stmt.named_children
        else stmt
    )
    if call.id != insert.call.id or len(insert.args) != 2:
        return None
    key, value = insert.args
    if leaves_early(value):
        return None  # `m.insert(k, f()?)`: a closure cannot hold the `?`
    simple = is_literal(value) or value.type in (
        "identifier",
        "scoped_identifier",
        "field_expression",
    )
    tail = f"or_insert({ctx.text(value)})" if simple else f"or_insert_with(|| {ctx.text(value)})"
    new = f"{ctx.text(insert.receiver)}.entry({ctx.text(key)}).{tail};"
    return guarded_fix(ctx, if_node.parent, new, "Use the entry API")


@rule(
    "rust/set-contains-or-insert",
    title="Set searched twice: `contains` then `insert`",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`if !s.contains(&x) { s.insert(x); .. }` hashes `x` and probes the table twice.
`insert` already reports whether the value was new: `if s.insert(x) { .. }` does the
same with one lookup.
""",
    fix="Use `if s.insert(x) { .. }` (true when the value was not there).",
    measure="cargo bench (criterion) on the insert path.",
    mirrors=["clippy:set_contains_or_insert"],
    bad="""
let mut seen: std::collections::HashSet<u32> = Default::default();
if !seen.contains(&id) {
    seen.insert(id);
    fresh += 1;
}
""",
    good="""
let mut seen: std::collections::HashSet<u32> = Default::default();
if seen.insert(id) {
    fresh += 1;
}
""",
    node_types=CALLS,
    scope="body",
)
def set_contains_or_insert(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("contains"):
        if len(mc.args) != 1:
            continue
        test = _condition_test(ctx, model, mc)
        if test is None:
            continue
        if_node, _negated = test
        receiver = _peel_borrow(ctx, mc.receiver)
        if not _container(model, receiver, _SETS):
            continue
        then = if_node.child_by_field_name("consequence")
        if then is None:
            continue
        hit = _first_insert(ctx, model, receiver, mc.args[0], then)
        if hit is not None:
            yield ctx.finding(info, ctx.span_between(if_node, mc.call))


_SET_READS = frozenset({"contains", "len", "is_empty", "get", "iter", "is_subset", "is_superset"})


def _first_insert(
    ctx: Context, model: Model, receiver: Node, value: Node, then: Node
) -> MethodCall | None:
    """The first `s.insert(v)` of the branch, unless the set is changed otherwise before."""
    name = ctx.text(receiver)
    for n in walk(then):
        if n.type == "call_expression":
            mc = model.method(n)
            if mc is not None and _same(ctx, mc.receiver, receiver):
                method = ctx.text(mc.name)
                if method == "insert" and len(mc.args) == 1 and _same(ctx, mc.args[0], value):
                    return mc
                if method not in _SET_READS:
                    return None  # cleared, or changed in another way first
                continue
            args_node = n.child_by_field_name("arguments")
            if args_node is not None and any(
                ctx.text(_peel_borrow(ctx, a)) == name for a in args_node.named_children
            ):
                return None  # handed to a function that may change it
    return None


# -- map-double-lookup ------------------------------------------------------------------

_KEY_WRAPPERS = (".to_string()", ".to_owned()", ".clone()", ".as_str()", ".into()")


def _key_text(ctx: Context, node: Node) -> str:
    """A key as written, without the borrows and copies that make no other key."""
    text = ctx.text(_peel_borrow(ctx, node)).replace(" ", "")
    changed = True
    while changed:
        changed = False
        for w in _KEY_WRAPPERS:
            if text.endswith(w):
                text = text[: -len(w)]
                changed = True
        while text.startswith(("&", "*")):
            text = text[1:]
            changed = True
    return text


def _second_lookups(
    ctx: Context, model: Model, branch: Node | None, receiver: Node, key: str
) -> list[Node]:
    """`m.get(k)`, `m.get_mut(k)`, `m[k]` of the same map and key in a branch."""
    if branch is None:
        return []
    out = []
    recv = ctx.text(_peel_borrow(ctx, receiver)).replace(" ", "")
    for n in walk(branch):
        if n.type == "call_expression":
            mc = model.method(n)
            if mc is not None and ctx.text(mc.name) in ("get", "get_mut") and len(mc.args) == 1:
                if ctx.text(_peel_borrow(ctx, mc.receiver)).replace(" ", "") == recv and (
                    _key_text(ctx, mc.args[0]) == key
                ):
                    out.append(n)
        elif n.type == "index_expression":
            parts = [c for c in n.named_children if c.type not in COMMENTS]
            if (
                len(parts) == 2
                and ctx.text(parts[0]).replace(" ", "") == recv
                and (_key_text(ctx, parts[1]) == key)
            ):
                out.append(n)
    return out


@rule(
    "rust/map-double-lookup",
    title="Map searched again right after `contains_key`",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`if m.contains_key(&k) { *m.get_mut(&k).unwrap() += 1 } else { m.insert(k, 1); }` hashes
the key and probes the table two or three times for one update. `get`/`get_mut` already
answer whether the key is there (`if let Some(v) = m.get_mut(&k)`), and the entry API
does the whole update with one lookup: `*m.entry(k).or_insert(0) += 1`.
""",
    fix="Use `if let Some(v) = m.get_mut(&k) { .. }`, or `*m.entry(k).or_insert(0) += 1`.",
    measure="cargo bench (criterion) on the update loop; `perf stat` for the hashing cost.",
    mirrors=[],
    related=["clippy:map_entry (the insert-only case)"],
    bad="""
let mut counts: std::collections::HashMap<String, u32> = Default::default();
if counts.contains_key(&word) {
    *counts.get_mut(&word).unwrap() += 1;
} else {
    counts.insert(word, 1);
}
""",
    good="""
let mut counts: std::collections::HashMap<String, u32> = Default::default();
*counts.entry(word).or_insert(0) += 1;
""",
    node_types=CALLS,
    scope="body",
)
def map_double_lookup(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("contains_key"):
        if len(mc.args) != 1:
            continue
        test = _condition_test(ctx, model, mc)
        if test is None:
            continue
        if_node, negated = test
        if not _container(model, mc.receiver, _MAPS):
            continue
        then = if_node.child_by_field_name("consequence")
        alt = if_node.child_by_field_name("alternative")
        other = None
        if alt is not None:
            inner = [c for c in alt.named_children if c.type not in COMMENTS]
            other = inner[0] if inner else None
        present = other if negated else then
        if present is None:
            continue
        key = _key_text(ctx, mc.args[0])
        if _returns_borrow(ctx, model, if_node) and _mutates(ctx, if_node, mc.receiver):
            # `if let Some(v) = m.get_mut(k) { return v } else { m.insert(..) }` is rejected
            # by today's borrow checker when `v` leaves the function: the double lookup is
            # the known workaround (NLL "problem case #3").
            continue
        if _second_lookups(ctx, model, present, mc.receiver, key):
            yield ctx.finding(info, ctx.span_between(if_node, mc.call))


def _mutates(ctx: Context, if_node: Node, map_expr: Node) -> bool:
    """Whether the `if` borrows the map mutably (`m.get_mut`, `m.insert`, `m.entry`, ..)."""
    text = ctx.text(if_node)
    name = ctx.text(map_expr)
    return any(
        f"{name}.{m}(" in text for m in ("get_mut", "insert", "entry", "remove", "get_or_insert")
    )


def _returns_borrow(ctx: Context, model: Model, node: Node) -> bool:
    """Whether the function around `node` returns a reference or a lifetime-bound type."""
    fn = model.fn_of(node)
    ret = fn.child_by_field_name("return_type") if fn is not None else None
    if ret is None:
        return False
    text = ctx.text(ret)
    return "&" in text or "'" in text
