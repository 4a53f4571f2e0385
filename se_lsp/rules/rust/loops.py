"""Rules about work repeated by loops: regexes rebuilt, index loops, copies, spinning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import MethodCall, Model
from se_lsp.rules.rust.syntax import (
    COMMENTS,
    args,
    guarded_fix,
    hint_after_dot,
    is_string_literal,
    macro_head,
    mentions,
    statements,
    unparen,
    walk,
)

CALLS: list[str] = []  # found through the model's call index, not the engine's query
# The method names this family's rules start from (Model.methods scans for them).
METHODS = frozenset({"nth"})
# Byte prefilters for those calls (see Model.hints).
HINTS = {"nth": hint_after_dot(b"chars()")}


# -- regex-in-loop -------------------------------------------------------------------

_REGEX_NEW = (
    "Regex::new",
    "RegexBuilder::new",
    "RegexSet::new",
    "RegexSetBuilder::new",
)


@rule(
    "rust/regex-in-loop",
    title="Regex compiled inside a loop",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`Regex::new` parses the pattern and builds an automaton every time it runs: typically
microseconds to milliseconds, far more than the match itself. Inside a loop that cost is
paid on every iteration although the pattern never changes.
""",
    fix="Build the regex once before the loop, or in a `static LazyLock<Regex>`.",
    measure="cargo bench (criterion) on the enclosing function; the regex build shows in "
    "`perf record` as regex_automata / regex_syntax frames.",
    mirrors=["clippy:regex_creation_in_loops"],
    bad="""
for line in lines {
    let re = Regex::new(r"^\\d+").unwrap();
    if re.is_match(line) { n += 1; }
}
""",
    good="""
let re = Regex::new(r"^\\d+").unwrap();
for line in lines {
    if re.is_match(line) { n += 1; }
}
""",
    node_types=CALLS,
    scope="body",
    gaps=[
        "a pattern held in a `const` declared in another file is not known to be constant, "
        "so it is not reported",
    ],
)
def regex_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for call, path in model.path_calls(*_REGEX_NEW):
        if path.startswith(("crate::", "self::", "super::")):
            continue  # a project's own `Regex` type, not a regex engine
        arguments = args(call.child_by_field_name("arguments"))
        # Only a literal pattern (or a const one) is known to be loop-invariant.
        if len(arguments) != 1 or not _constant_str(ctx, model, arguments[0]):
            continue
        # Like clippy, a closure inside the loop counts (it belongs to the same function);
        # a `static` inside the loop is an item of its own and does not.
        if model.loops_around(call, stop_at_closure=False) and not _in_static(call):
            yield ctx.finding(info, call)


def _constant_str(ctx: Context, model: Model, node: Node) -> bool:
    if is_string_literal(node):
        return True
    if node.type == "identifier" and model.const_type(ctx.text(node)) is not None:
        return model.binding(node) is None
    return False


def _in_static(node: Node) -> bool:
    n = node.parent
    while n is not None:
        if n.type in ("static_item", "const_item"):
            return True
        if n.type == "function_item":
            return False
        n = n.parent
    return False


# -- needless-range-loop ---------------------------------------------------------------


@dataclass
class _IndexUse:
    root: str  # the container's variable name
    container: Node  # the indexed expression (`v`, `self.v`, `m[0]`)
    direct: bool  # indexed by the loop variable itself
    nested: int  # how many index levels use the loop variable


def _range_of(node: Node | None) -> tuple[Node | None, Node | None, bool] | None:
    """(start, end, inclusive) of a range literal `a..b` / `a..=b` / `a..`."""
    node = unparen(node)
    if node is None or node.type != "range_expression":
        return None
    parts = args(node)
    ops = [c.type for c in node.children if not c.is_named]
    inclusive = "..=" in ops
    if not parts or node.children[0].type in ("..", "..="):
        return None  # `..b`: no start
    start = parts[0]
    end = parts[1] if len(parts) > 1 else None
    return start, end, inclusive


def _root_name(ctx: Context, node: Node) -> tuple[str, Node] | None:
    """`v` for `v`, `self.v`, `a.b.c`, `v.0`: the variable a place expression starts from."""
    n = node
    while n.type in ("field_expression", "index_expression"):
        inner = (
            n.child_by_field_name("value")
            if n.type == "field_expression"
            else (n.named_children[0] if n.named_children else None)
        )
        if inner is None:
            return None
        n = inner
    if n.type in ("identifier", "self"):
        return ctx.text(n), n
    return None


def _is_var(ctx: Context, node: Node | None, name: str) -> bool:
    node = unparen(node)
    return node is not None and node.type == "identifier" and ctx.text(node) == name


def _macro_tokens(tree: Node) -> Iterator[tuple[Node, Node | None]]:
    """Each token of a macro's token tree with the token after it (nested trees included)."""
    stack = [tree]
    while stack:
        t = stack.pop()
        kids = [c for c in t.children if c.type not in COMMENTS]
        for i, k in enumerate(kids):
            yield k, kids[i + 1] if i + 1 < len(kids) else None
            if k.type == "token_tree":
                stack.append(k)


class _Uses:
    """How a loop body uses the loop variable `var`, the way clippy's needless_range_loop
    looks at it: which containers it indexes, directly or not, and what else it touches."""

    def __init__(self, ctx: Context, var: str) -> None:
        self.ctx = ctx
        self.var = var
        self.direct: dict[str, Node] = {}  # container text -> first index expression
        self.direct_roots: dict[str, str] = {}  # container text -> root name
        self.indirect = False
        self.unnamed = False
        self.nonindex = False
        self.referenced: set[str] = set()
        self.mutated: set[str] = set()
        self.unknown = False

    def scan(self, body: Node) -> None:
        ctx = self.ctx
        skip: set[int] = set()
        for n in walk(body):
            if n.id in skip:
                continue
            t = n.type
            if t == "index_expression":
                self._index(n, skip)
            elif t == "identifier":
                name = ctx.text(n)
                if name == self.var:
                    self.nonindex = True
                else:
                    self.referenced.add(name)
            elif t == "self":
                self.referenced.add("self")
            elif t == "token_tree" and (n.parent is None or n.parent.type != "token_tree"):
                self._macro(n)
                for d in walk(n):
                    skip.add(d.id)
            elif t in ("assignment_expression", "compound_assignment_expr"):
                left = n.child_by_field_name("left")
                root = _root_name(ctx, left) if left is not None else None
                if root is not None and left is not None and left.type == "index_expression":
                    self.mutated.add(root[0])
            elif t == "reference_expression" and any(
                c.type == "mutable_specifier" for c in n.children
            ):
                value = n.child_by_field_name("value")
                root = _root_name(ctx, value) if value is not None else None
                if root is not None and value is not None and value.type == "index_expression":
                    self.mutated.add(root[0])

    def _index(self, n: Node, skip: set[int]) -> None:
        ctx = self.ctx
        used = 0
        direct = True
        seq = n
        container = n
        while seq.type == "index_expression":
            parts = args(seq)
            if len(parts) != 2:
                self.unknown = True
                return
            inner, idx = parts
            if mentions(ctx, idx, self.var):
                used += 1
                direct &= _is_var(ctx, idx, self.var)
                container = inner
                # The index expression is consumed here; nested uses are counted above.
                for d in walk(idx):
                    skip.add(d.id)
            else:
                if used == 0:
                    return  # `a[k][i]` is found when the walk reaches `a[k][i]` itself
                break
            seq = inner
        if used == 0:
            return
        if used > 1:
            self.nonindex = True
        root = _root_name(ctx, container)
        for d in walk(container):
            skip.add(d.id)
        if root is None:
            if container.type in ("array_expression",):
                if direct:
                    self.unnamed = True
                else:
                    self.indirect = True
                return
            self.unknown = True
            return
        if not direct:
            self.indirect = True
            return
        key = ctx.text(container)
        self.direct.setdefault(key, n)
        self.direct_roots[key] = root[0]

    def _macro(self, tree: Node) -> None:
        """`println!("{}", v[i])`: tokens, not expressions; an identifier followed by
        `[var]` is an index, any other use of `var` is a use outside indexing."""
        ctx = self.ctx
        tokens = list(_macro_tokens(tree))
        consumed: set[int] = set()
        for tok, nxt in tokens:
            if tok.id in consumed:
                continue
            if tok.type == "self":
                self.referenced.add("self")
                continue
            if tok.type == "identifier":
                name = ctx.text(tok)
                if (
                    nxt is not None
                    and nxt.type == "token_tree"
                    and ctx.text(nxt)[:1] == "["
                    and mentions(ctx, nxt, self.var)
                ):
                    inside = [c for c in nxt.children[1:-1] if c.type not in COMMENTS]
                    if (
                        len(inside) == 1
                        and inside[0].type == "identifier"
                        and ctx.text(inside[0]) == self.var
                    ):
                        self.direct.setdefault(name, nxt)
                        self.direct_roots[name] = name
                    else:
                        self.indirect = True
                    for d in walk(nxt):
                        consumed.add(d.id)
                    continue
                if name == self.var:
                    self.nonindex = True
                else:
                    self.referenced.add(name)


@rule(
    "rust/needless-range-loop",
    title="Index loop over a range where an iterator would do",
    severity=Severity.INFO,
    category="other",
    explanation="""
`for i in 0..v.len() { .. v[i] .. }` checks the bounds of `v` on every access and hides
from the optimizer that the accesses walk the collection in order. Iterating the
collection (`for x in &v`, or `.iter().enumerate()` when the index is needed too)
removes the checks and lets the loop vectorize more often.
""",
    fix="Iterate the collection: `for x in &v`, `v.iter().skip(a).take(n)`, or "
    "`.iter().enumerate()` when the index is needed.",
    measure="cargo bench (criterion); compare `cargo asm` output for the bounds checks.",
    mirrors=["clippy:needless_range_loop"],
    bad="""
let scores: Vec<u32> = load();
for i in 0..scores.len() {
    total += scores[i];
}
""",
    good="""
let scores: Vec<u32> = load();
for s in &scores {
    total += s;
}
for i in 1..scores.len() {
    diffs.push(scores[i] - scores[i - 1]);
}
""",
    node_types=["for_expression"],
    scope="body",
    confidence=0.8,
    gaps=[
        "containers whose type the file does not show (a parameter of a generic type, a "
        "value returned by another crate) are not reported",
        "differs: also reports a container reached through a field (`self.items[i]`, "
        "`w.0[i]`); clippy follows only a plain path",
    ],
)
def needless_range_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_expression"):
        pat = loop.child_by_field_name("pattern")
        body = loop.child_by_field_name("body")
        rng = _range_of(loop.child_by_field_name("value"))
        if pat is None or pat.type != "identifier" or body is None or rng is None:
            continue
        var = ctx.text(pat)
        if any(
            b.site.id != loop.id and body.start_byte <= b.start < body.end_byte
            for b in model.bindings_of(model.fn_of(loop) or loop, var)
        ):
            continue  # the loop variable is shadowed inside: uses may not be the loop's
        if _copy_body(ctx, model, loop, body, var)[0]:
            continue  # manual-memcpy reports this loop (clippy checks that lint first)
        uses = _Uses(ctx, var)
        uses.scan(body)
        if uses.indirect or uses.unnamed or uses.unknown or len(uses.direct) != 1:
            continue
        ((container_text, index_node),) = uses.direct.items()
        root = uses.direct_roots[container_text]
        if root in uses.referenced:
            continue  # used whole too (`g(&mut v, i)`): the index loop is needed
        # The container must exist before the loop and have an `.iter()`.
        binding = model.binding_named(root, loop) if root != "self" else None
        if binding is not None and binding.start >= body.start_byte:
            continue
        container = _container_node(ctx, index_node, container_text)
        ty = model.type_of(container) if container is not None else S.UNKNOWN
        if container is None and root == container_text:
            # Inside a macro: the container is a plain name.
            b = model.binding_named(root, loop)
            if b is not None:
                ty = model.binding_type(b)
            elif (const := model.const_type(root)) is not None:
                ty = model.type_from(const)
        if not _iterable_by_index(ty):
            continue
        start, end, _incl = rng
        if root in uses.mutated and (
            (start is not None and mentions(ctx, start, root))
            or (end is not None and mentions(ctx, end, root))
        ):
            continue
        header = loop.child_by_field_name("value") or loop
        title = (
            f"`{var}` is used to index `{container_text}`: iterate it with `.enumerate()`"
            if uses.nonindex
            else f"`{var}` is only used to index `{container_text}`: iterate it directly"
        )
        yield ctx.finding(info, ctx.span_between(loop, header), title=title)


def _container_node(ctx: Context, index_node: Node, text: str) -> Node | None:
    if index_node.type != "index_expression":
        return None
    n = index_node
    while n.type == "index_expression":
        inner = n.named_children[0] if n.named_children else None
        if inner is None:
            return None
        if ctx.text(inner) == text:
            return inner
        n = inner
    return None


def _iterable_by_index(t: S.Ty) -> bool:
    t = t.auto_deref()
    return t.name in ("[]", "array") or t.is_std("Vec", "VecDeque")


# -- manual-memcpy -------------------------------------------------------------------


@dataclass
class _Index:
    root: str  # the variable the container starts from
    container: str  # `dst`, `self.buf`, `src[0]`
    offset: str  # "" or "+ k" / "- k" (as written, sign included)
    counter: str  # "" or the counter variable indexing instead of the loop variable


def _index_of(ctx: Context, node: Node, var: str, counters: set[str]) -> _Index | None:
    """`dst[i + 3]` -> (dst, "+ 3"); `src[count]` with a counter -> counter."""
    node = unparen(node) or node
    if node.type != "index_expression":
        return None
    parts = args(node)
    if len(parts) != 2:
        return None
    container, idx = parts
    idx = unparen(idx) or idx
    if mentions(ctx, container, var) or any(mentions(ctx, container, c) for c in counters):
        return None  # `a[i][i]`, `a[i][0]`: not a contiguous copy
    root = _root_name(ctx, container)
    if root is None:
        return None
    if _is_var(ctx, idx, var):
        return _Index(root[0], ctx.text(container), "", "")
    if idx.type == "identifier" and ctx.text(idx) in counters:
        return _Index(root[0], ctx.text(container), "", ctx.text(idx))
    if idx.type == "binary_expression":
        op = idx.child_by_field_name("operator")
        left = idx.child_by_field_name("left")
        right = idx.child_by_field_name("right")
        if op is None or left is None or right is None or op.type not in ("+", "-"):
            return None
        if _is_var(ctx, left, var) and not mentions(ctx, right, var):
            return _Index(root[0], ctx.text(container), f"{op.type} {ctx.text(right)}", "")
        if op.type == "+" and _is_var(ctx, right, var) and not mentions(ctx, left, var):
            return _Index(root[0], ctx.text(container), f"+ {ctx.text(left)}", "")
        for c in counters:
            if _is_var(ctx, left, c) and not mentions(ctx, right, var):
                return _Index(root[0], ctx.text(container), f"{op.type} {ctx.text(right)}", c)
    return None


def _slice_like(t: S.Ty) -> bool:
    t = t.auto_deref()
    return t.name in ("[]", "array") or t.is_std("Vec")


@rule(
    "rust/manual-memcpy",
    title="Slice copied element by element",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`for i in a..b { dst[i] = src[i]; }` copies one element per iteration with two bounds
checks each. `dst[a..b].copy_from_slice(&src[a..b])` checks the bounds once and copies the
block with `memcpy`, which moves many bytes per instruction.
""",
    fix="Use `dst[..n].copy_from_slice(&src[..n])` (`clone_from_slice` for `.clone()`).",
    measure="cargo bench (criterion) at realistic lengths; `perf stat` for instructions.",
    mirrors=["clippy:manual_memcpy"],
    bad="""
let src: Vec<u8> = load();
let mut dst = vec![0u8; 64];
for i in 0..src.len() {
    dst[i] = src[i];
}
""",
    good="""
let src: Vec<u8> = load();
let mut dst = vec![0u8; 64];
dst[..src.len()].copy_from_slice(&src);
for i in 0..src.len() {
    dst[i] = src[src.len() - 1 - i];
}
""",
    node_types=["for_expression"],
    scope="body",
    has_fix=True,
    gaps=[
        "a copy whose source or destination type the file does not show is not reported "
        "(clippy knows every type)",
    ],
)
def manual_memcpy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_expression"):
        pat = loop.child_by_field_name("pattern")
        body = loop.child_by_field_name("body")
        value = loop.child_by_field_name("value")
        rng = _range_of(value)
        if pat is None or pat.type != "identifier" or body is None or rng is None:
            continue
        start, end, inclusive = rng
        if start is None or end is None:
            continue
        var = ctx.text(pat)
        copies, counters = _copy_body(ctx, model, loop, body, var)
        if not copies:
            continue
        fix = None
        if not counters and not inclusive and len(copies) == 1:
            (dst, src, clone) = copies[0]
            new = _memcpy_text(ctx, dst, src, clone, ctx.text(start), ctx.text(end))
            fix = guarded_fix(ctx, loop, new, "Copy the slice at once")
        header = value or loop
        yield ctx.finding(info, ctx.span_between(loop, header), fix=fix)


def _copy_body(
    ctx: Context, model: Model, loop: Node, body: Node, var: str
) -> tuple[list[tuple[_Index, _Index, bool]], set[str]]:
    """The `dst[..] = src[..]` copies that make up a loop body (nothing else but counter
    increments), or an empty list."""
    stmts = statements(body)
    counters: set[str] = set()
    for s in stmts:
        e = s.named_children[0] if s.type == "expression_statement" and s.named_children else s
        if e.type == "compound_assignment_expr":
            left = e.child_by_field_name("left")
            op = e.child_by_field_name("operator")
            right = e.child_by_field_name("right")
            if (
                left is not None
                and left.type == "identifier"
                and op is not None
                and op.type == "+="
                and right is not None
                and ctx.text(right) == "1"
            ):
                counters.add(ctx.text(left))
    # A counter counts only when its increment is the body's last statement(s).
    kinds = ["inc" if _is_increment(ctx, s) else "copy" for s in stmts]
    if "inc" in kinds and "copy" in kinds[kinds.index("inc") :]:
        return [], set()  # an increment before a copy shifts the index: not handled
    copies: list[tuple[_Index, _Index, bool]] = []
    for s in stmts:
        e = s.named_children[0] if s.type == "expression_statement" and s.named_children else s
        if e.type == "compound_assignment_expr":
            continue
        if e.type != "assignment_expression":
            return [], set()
        left = e.child_by_field_name("left")
        right = unparen(e.child_by_field_name("right"))
        if left is None or right is None:
            return [], set()
        clone = False
        mc = model.method_named(right, "clone")
        if mc is not None and not mc.args:
            right, clone = mc.receiver, True
        dst = _index_of(ctx, left, var, counters)
        src = _index_of(ctx, right, var, counters)
        if dst is None or src is None or dst.root == src.root:
            return [], set()
        for side in (dst, src):
            container = _container_text_node(ctx, left if side is dst else right)
            if container is None or not _slice_like(model.type_of(container)):
                return [], set()
        copies.append((dst, src, clone))
    for c in counters:
        b = model.binding_named(c, loop)
        if b is None or b.start > loop.start_byte:
            return [], set()
    return copies, counters


def _is_increment(ctx: Context, stmt: Node) -> bool:
    e = (
        stmt.named_children[0]
        if stmt.type == "expression_statement" and stmt.named_children
        else stmt
    )
    return e.type == "compound_assignment_expr" and ctx.text(e).replace(" ", "").endswith("+=1")


def _container_text_node(ctx: Context, index: Node) -> Node | None:
    index = unparen(index) or index
    parts = args(index) if index.type == "index_expression" else []
    return parts[0] if len(parts) == 2 else None


def _bound(base: str, offset: str) -> str:
    if not offset:
        return base
    sign, _, amount = offset.partition(" ")
    if base.isdigit() and amount.isdigit():
        value = int(base) + int(amount) if sign == "+" else int(base) - int(amount)
        if value >= 0:
            return str(value)
    if base == "0" and sign == "+":
        return amount
    return f"{base} {offset}"


def _memcpy_text(ctx: Context, dst: _Index, src: _Index, clone: bool, a: str, b: str) -> str:
    def rng(x: _Index) -> str:
        lo = _bound(a, x.offset)
        hi = _bound(b, x.offset)
        lo_txt = "" if lo == "0" else lo
        hi_txt = "" if hi == f"{x.container}.len()" else hi
        return f"{lo_txt}..{hi_txt}"

    method = "clone_from_slice" if clone else "copy_from_slice"
    src_range, dst_range = rng(src), rng(dst)
    src_text = f"&{src.container}" if src_range == ".." else f"&{src.container}[{src_range}]"
    dst_text = dst.container if dst_range == ".." else f"{dst.container}[{dst_range}]"
    return f"{dst_text}.{method}({src_text});"


# -- missing-spin-loop ----------------------------------------------------------------


def _atomic_poll(ctx: Context, model: Model, cond: Node | None) -> bool:
    """A condition that only polls an atomic: `a.load(..)`, `!a.load(..)`, `a.load(..) ==
    false`, `{ a.load(..) }`, `a.compare_exchange(..) != Ok(..)`."""
    for _ in range(6):
        cond = unparen(cond)
        if cond is None:
            return False
        if cond.type == "unary_expression" and cond.children and cond.children[0].type == "!":
            cond = cond.named_children[0] if cond.named_children else None
            continue
        if cond.type == "block":
            inner = statements(cond)
            cond = (
                inner[0] if len(inner) == 1 and inner[0].type != "expression_statement" else (None)
            )
            continue
        if cond.type == "binary_expression":
            op = cond.child_by_field_name("operator")
            left = cond.child_by_field_name("left")
            right = cond.child_by_field_name("right")
            if op is None or op.type not in ("==", "!="):
                return False
            if _is_poll_call(ctx, model, left):
                return _constant_like(ctx, right)
            if _is_poll_call(ctx, model, right):
                return _constant_like(ctx, left)
            return False
        return _is_poll_call(ctx, model, cond)
    return False


def _constant_like(ctx: Context, node: Node | None) -> bool:
    node = unparen(node)
    if node is None:
        return False
    if node.type in ("boolean_literal", "integer_literal"):
        return True
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is not None and ctx.text(fn) in ("Ok", "Err"):
            return all(_constant_like(ctx, a) for a in args(node.child_by_field_name("arguments")))
    return False


def _is_poll_call(ctx: Context, model: Model, node: Node | None) -> bool:
    mc = model.method(unparen(node))
    if mc is None:
        return False
    name = ctx.text(mc.name)
    recv = model.type_of(mc.receiver).auto_deref()
    atomic = recv.std and recv.name.startswith("Atomic")
    ordering = any(
        "Ordering::" in ctx.text(a)
        or ctx.text(a) in ("SeqCst", "Acquire", "Relaxed", "AcqRel", "Release")
        for a in mc.args
    )
    if name == "load" and len(mc.args) == 1:
        return atomic or ordering
    if name in ("compare_exchange", "compare_exchange_weak") and len(mc.args) == 4:
        return atomic or ordering
    return False


def _no_std(ctx: Context) -> bool:
    return (
        b"no_std" in ctx.source[:4096]
        and re.search(rb"#!\[\s*no_std\s*\]", ctx.source[:4096]) is not None
    )


@rule(
    "rust/missing-spin-loop",
    title="Busy-wait loop without a spin-loop hint",
    severity=Severity.WARNING,
    category="concurrency",
    explanation="""
`while flag.load(Ordering::Acquire) {}` spins on one core as fast as it can. Without
`std::hint::spin_loop()` the CPU does not know it is spinning: it keeps speculating, burns
power, starves a hyper-threaded sibling (which may be the thread that would release the
flag) and pays a memory-order pipeline flush when the value changes.
""",
    fix="Put `std::hint::spin_loop()` in the loop body (or block on a `Condvar`/park the "
    "thread if the wait can be long).",
    measure="`perf stat -e cycles,instructions` on the contended case; criterion with two "
    "threads sharing a core's hyper-threads.",
    mirrors=["clippy:missing_spin_loop"],
    bad="""
while !ready.load(Ordering::Acquire) {}
""",
    good="""
while !ready.load(Ordering::Acquire) {
    std::hint::spin_loop();
}
""",
    node_types=["while_expression"],
    scope="body",
    has_fix=True,
    gaps=[
        "differs: also reports an atomic reached through a reference or `Arc` (`&AtomicBool`), "
        "which clippy 1.95 misses because it checks the receiver's type before auto-deref",
    ],
)
def missing_spin_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("while_expression"):
        body = loop.child_by_field_name("body")
        cond = loop.child_by_field_name("condition")
        if body is None or cond is None or cond.type == "let_condition":
            continue
        if any(c.is_named and c.type not in COMMENTS for c in body.children):
            continue  # comments do not count: the loop still spins
        if not _atomic_poll(ctx, model, cond):
            continue
        krate = "core" if _no_std(ctx) else "std"
        fix = guarded_fix(ctx, body, f"{{ {krate}::hint::spin_loop() }}", "Add a spin-loop hint")
        yield ctx.finding(info, ctx.span_between(loop, body), fix=fix)


@rule(
    "rust/busy-wait",
    title="Loop polls an atomic until it changes, with nothing else to do",
    severity=Severity.WARNING,
    category="concurrency",
    explanation="""
A `loop` whose only work is to check an atomic and `break` spins at full speed on its
core, like an empty `while flag.load(..) {}`: it competes with the thread it is waiting
for and burns power. A spin-loop hint makes short waits cheaper; a long wait belongs on a
`Condvar`, a channel or `thread::park`.
""",
    fix="Add `std::hint::spin_loop()` in the loop, or block (`Condvar`, channel, park) "
    "when the wait may be long.",
    measure="`perf stat -e cycles` while waiting; compare wall time with the waker on the "
    "same core.",
    mirrors=[],
    related=["clippy:missing_spin_loop (the `while` form)"],
    bad="""
loop {
    if done.load(Ordering::Acquire) {
        break;
    }
}
""",
    good="""
loop {
    if done.load(Ordering::Acquire) {
        break;
    }
    std::hint::spin_loop();
}
""",
    node_types=["loop_expression"],
    scope="body",
)
def busy_wait(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("loop_expression"):
        body = loop.child_by_field_name("body")
        stmts = statements(body)
        if len(stmts) != 1:
            continue
        e = stmts[0].named_children[0] if stmts[0].type == "expression_statement" else stmts[0]
        if e is None or e.type != "if_expression" or e.child_by_field_name("alternative"):
            continue
        then = statements(e.child_by_field_name("consequence"))
        if len(then) != 1 or ctx.text(then[0]).rstrip(";").strip() != "break":
            continue
        if _atomic_poll(ctx, model, e.child_by_field_name("condition")):
            yield ctx.finding(info, ctx.span_between(loop, e))


# -- chars-nth-in-loop -----------------------------------------------------------------


@rule(
    "rust/chars-nth-in-loop",
    title="`chars().nth(i)` inside a loop walks the string from the start every time",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`s.chars().nth(i)` decodes the string from its first byte up to character `i` on every
call: O(i). Called for each index of a loop it makes the loop quadratic in the length of
the string (a 10,000-character string costs ~50 million character decodes).
""",
    fix="Iterate once (`for (i, c) in s.chars().enumerate()`, `char_indices()`), or "
    "collect the chars into a `Vec<char>` before the loop; for ASCII data index "
    "`s.as_bytes()[i]`.",
    measure="cargo bench (criterion) at two string lengths: the time grows with the square "
    "of the length.",
    mirrors=[],
    related=["clippy:iter_nth", "go-critic:preferDecodeRune"],
    bad="""
for i in 0..text.len() {
    if text.chars().nth(i) == Some(' ') { spaces += 1; }
}
""",
    good="""
for c in text.chars() {
    if c == ' ' { spaces += 1; }
}
let first = text.chars().nth(0);
""",
    node_types=CALLS,
)
def chars_nth_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("nth"):
        if len(mc.args) != 1 or mc.args[0].type == "integer_literal":
            continue
        chars = model.method_named(mc.receiver, "chars")
        if chars is None or chars.args:
            continue
        loops = model.loops_around(mc.call)
        if not loops:
            continue
        # The index must change with the loop (else the call is merely repeated).
        loop = loops[0]
        if not _varies_with(ctx, loop, mc.args[0]):
            continue
        if any(mentions(ctx, chars.receiver, v) for v in _loop_vars(ctx, loop)):
            continue  # a different string each iteration
        yield ctx.finding(info, ctx.span_between(chars.name, mc.call))


def _loop_vars(ctx: Context, loop: Node) -> list[str]:
    pat = loop.child_by_field_name("pattern")
    if pat is None:
        return []
    return [ctx.text(n) for n in walk(pat) if n.type == "identifier"]


def _varies_with(ctx: Context, loop: Node, arg: Node) -> bool:
    names = [ctx.text(n) for n in walk(arg) if n.type == "identifier"]
    if not names:
        return False
    if loop.type == "for_expression":
        return any(v in names for v in _loop_vars(ctx, loop)) or any(
            _assigned_in(ctx, loop, n) for n in names
        )
    return any(_assigned_in(ctx, loop, n) for n in names)


def _assigned_in(ctx: Context, loop: Node, name: str) -> bool:
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    for n in walk(body):
        if n.type in ("assignment_expression", "compound_assignment_expr"):
            left = n.child_by_field_name("left")
            if left is not None and ctx.text(left) == name:
                return True
    return False


# -- lock-in-loop ---------------------------------------------------------------------


@rule(
    "rust/lock-in-loop",
    title="Mutex locked on every iteration for a short update",
    severity=Severity.INFO,
    category="concurrency",
    explanation="""
The loop body is a single update made through a freshly taken lock. Each `lock()` is an
atomic read-modify-write (a cache-line transfer when other threads use the lock too),
and between iterations other threads may grab the lock and make this loop wait again.
Taking the lock once around the loop, or building the batch locally and merging it
under one lock, pays that cost once.
""",
    fix="Lock once before the loop (`let mut guard = m.lock().unwrap();`), or collect "
    "locally and extend under a single lock.",
    measure="criterion with the real thread count; `perf stat -e cache-misses` and "
    "`perf lock` for contention.",
    mirrors=[],
    related=["clippy:significant_drop_in_scrutinee"],
    bad="""
for item in batch {
    shared.lock().unwrap().push(item);
}
""",
    good="""
let mut guard = shared.lock().unwrap();
for item in batch {
    guard.push(item);
}
""",
    node_types=["for_expression"],
    scope="body",
    confidence=0.7,
)
def lock_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_expression"):
        body = loop.child_by_field_name("body")
        stmts = statements(body)
        if not stmts or body is None:
            continue
        # The update through the lock is the body's last statement; anything before it
        # only prepares values (no calls beyond cheap ones), so holding the lock across
        # the whole loop would not hold it across real work.
        if not all(_cheap_let(ctx, model, s) for s in stmts[:-1]):
            continue
        last = stmts[-1]
        e = last.named_children[0] if last.type == "expression_statement" else None
        if e is None:
            continue
        lock = _lock_call(ctx, model, e)
        if lock is None:
            continue
        if any(mentions(ctx, lock.receiver, v) for v in _loop_vars(ctx, loop)):
            continue  # a different mutex each iteration
        yield ctx.finding(info, lock.call)


_CHEAP_CALLS = frozenset({"clone", "to_string", "to_owned", "len", "as_str", "into"})


def _cheap_let(ctx: Context, model: Model, stmt: Node) -> bool:
    """`let x = <expression without calls other than clone/format/..>;`"""
    if stmt.type != "let_declaration":
        return False
    value = stmt.child_by_field_name("value")
    if value is None:
        return False
    for n in walk(value):
        if n.type == "call_expression":
            mc = model.method(n)
            if mc is None or ctx.text(mc.name) not in _CHEAP_CALLS:
                return False
        elif n.type == "macro_invocation" and macro_head(ctx, n) != "format":
            return False
        elif n.type in (
            "closure_expression",
            "loop_expression",
            "for_expression",
            "while_expression",
            "await_expression",
        ):
            return False
    return True


def _lock_call(ctx: Context, model: Model, expr: Node) -> MethodCall | None:
    """In `m.lock().unwrap().push(x)`, the `m.lock()`; None when the statement is not one
    call through a guard taken right there."""
    mc = model.method(expr)
    if mc is None:
        return None
    guard = mc.receiver
    unwrap = model.method_named(guard, "unwrap", "expect")
    if unwrap is not None:
        guard = unwrap.receiver
    lock = model.method_named(guard, "lock", "write")
    if lock is None or lock.args:
        return None
    recv_ty = model.type_of(lock.receiver).auto_deref()
    if ctx.text(lock.name) == "write":
        if not (recv_ty.name == "RwLock"):
            return None
    elif not (recv_ty.name in ("Mutex",) or unwrap is not None):
        return None
    if ctx.text(mc.name) in ("lock", "wait", "wait_while"):
        return None
    return lock
