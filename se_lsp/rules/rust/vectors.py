"""Rules about how vectors are created and filled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import Span
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import MethodCall, Model, int_value
from se_lsp.rules.rust.syntax import (
    COMMENTS,
    args,
    call_args,
    find_words,
    guarded_fix,
    has_comment,
    is_literal,
    macro_head,
    mentions,
    statements,
    statements_after,
    token_tree,
    unparen,
    walk,
)

CALLS: list[str] = []


@dataclass(frozen=True, slots=True)
class VecInit:
    """`let mut v = Vec::new();` (or `v = Vec::new();` on an existing local)."""

    stmt: Node  # the let_declaration, or the expression_statement of the assignment
    name: str
    value: Node
    kind: str  # "new" (empty), "const" (with_capacity(literal)), "expr" (with_capacity(e))
    capacity: Node | None
    is_let: bool


def _init_kind(ctx: Context, model: Model, value: Node) -> tuple[str, Node | None] | None:
    if value.type == "macro_invocation":
        if macro_head(ctx, value) == "vec":
            tree = token_tree(value)
            if tree is not None and not [c for c in tree.named_children if c.type not in COMMENTS]:
                return "new", None
        return None
    if value.type != "call_expression":
        return None
    path = model.call_path(value)
    arguments = call_args(value)
    tail = path.rsplit("::", 1)[-1]
    owner = path.rsplit("::", 2)[-2] if path.count("::") >= 1 else ""
    if owner.startswith("Vec") or path.endswith("Vec::new") or "Vec::<" in ctx.text(value):
        if tail in ("new", "default") and not arguments:
            return "new", None
        if tail == "with_capacity" and len(arguments) == 1:
            cap = arguments[0]
            return ("const" if cap.type == "integer_literal" else "expr"), cap
        return None
    if path in ("Default::default", "std::prelude::Default::default") and not arguments:
        return "default", None
    return None


def vec_inits(ctx: Context, model: Model) -> list[VecInit]:
    """Vector creations bound to a name, found from the calls rather than every `let`."""
    cached: list[VecInit] | None = ctx.shared.get("rust-vec-inits")
    if cached is not None:
        return cached
    found: list[VecInit] = []
    candidates = [
        c
        for c, _ in model.path_calls(
            "Vec::new", "Vec::with_capacity", "Vec::default", "Default::default"
        )
    ]
    candidates += [m for m in ctx.nodes("macro_invocation") if macro_head(ctx, m) == "vec"]
    for value in candidates:
        shape = _init_kind(ctx, model, value)
        if shape is None:
            continue
        kind, cap = shape
        parent = value.parent
        if parent is None:
            continue
        if parent.type == "let_declaration" and parent.child_by_field_name("value") == value:
            pat = parent.child_by_field_name("pattern")
            if pat is None or pat.type != "identifier":
                continue
            if kind == "default":
                ty = parent.child_by_field_name("type")
                if ty is None or not model.type_from(ty).is_std("Vec"):
                    continue
                kind = "new"
            found.append(VecInit(parent, ctx.text(pat), value, kind, cap, True))
        elif (
            parent.type == "assignment_expression" and parent.child_by_field_name("right") == value
        ):
            left = parent.child_by_field_name("left")
            stmt = parent.parent
            if (
                left is None
                or left.type != "identifier"
                or stmt is None
                or (stmt.type != "expression_statement")
            ):
                continue
            if kind == "default":
                continue
            found.append(VecInit(stmt, ctx.text(left), value, kind, cap, False))
    found.sort(key=lambda v: v.stmt.start_byte)
    ctx.shared["rust-vec-inits"] = found
    return found


def _method_statement(
    ctx: Context, model: Model, stmt: Node, receiver: str, *names: str
) -> MethodCall | None:
    """`receiver.name(..);` as a statement of its own."""
    if stmt.type != "expression_statement":
        return None
    inner = [c for c in stmt.named_children if c.type not in COMMENTS]
    if len(inner) != 1:
        return None
    mc = model.method(inner[0])
    if mc is None or ctx.text(mc.name) not in names or ctx.text(mc.receiver) != receiver:
        return None
    return mc


def _is_mut_binding(model: Model, init: VecInit) -> bool:
    if not init.is_let:
        return True
    return any(c.type == "mutable_specifier" for c in init.stmt.children)


# Vec methods that grow or shrink it (`&mut self` on the Vec, not on its slice).
_GROWING = frozenset(
    {
        "push",
        "extend",
        "extend_from_slice",
        "insert",
        "append",
        "truncate",
        "clear",
        "retain",
        "dedup",
        "reserve",
        "resize",
        "remove",
        "pop",
        "drain",
        "split_off",
        "swap_remove",
    }
)


@rule(
    "rust/vec-init-then-push",
    title="Empty `Vec` filled by pushes right after it is made",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`Vec::new()` followed by a fixed run of `push` calls checks capacity on every push and
grows the buffer as it goes (first to 4 elements for most types, then doubling, each
growth a reallocation and copy). `vec![a, b, c]` knows the length, allocates exactly once
and writes the elements directly.
""",
    fix="Build it with `vec![a, b, c]`.",
    measure="cargo bench (criterion); DHAT or heaptrack for the reallocations.",
    mirrors=["clippy:vec_init_then_push"],
    bad="""
let mut args = Vec::new();
args.push("--quiet");
args.push("--color=never");
""",
    good="""
let mut args = vec!["--quiet", "--color=never"];
let mut other = Vec::new();
if verbose { other.push("-v"); }
""",
    node_types=["macro_invocation"],
    scope="body",
    has_fix=True,
    gaps=[
        "pushes whose argument reads the vector itself (`v.push(v.len())`) end the run "
        "here; clippy counts them and suggests a `vec![..]` that would not compile",
    ],
)
def vec_init_then_push(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for init in vec_inits(ctx, model):
        if init.kind == "expr" or not _is_mut_binding(model, init):
            continue
        pushes: list[tuple[Node, Node]] = []
        rest: list[Node] = []
        stmts = list(statements_after(init.stmt))
        for i, stmt in enumerate(stmts):
            mc = _method_statement(ctx, model, stmt, init.name, "push")
            if mc is None or len(mc.args) != 1 or mentions(ctx, mc.args[0], init.name):
                rest = stmts[i:]
                break
            pushes.append((stmt, mc.args[0]))
        if not pushes:
            continue
        required = 3
        if init.kind == "const":
            cap = int_value(ctx.text(init.capacity)) if init.capacity is not None else None
            if cap is None or cap > len(pushes):
                continue
            required = cap
        if _extended_later(ctx, model, init.name, rest) and len(pushes) <= required:
            continue
        last = pushes[-1][0]
        items = ", ".join(ctx.text(arg) for _, arg in pushes)
        fix = None
        if not has_comment(ctx, init.value, last):
            fix = ctx.fix(
                Span(ctx.span(init.value).start, ctx.span(last).end),
                f"vec![{items}];",
                "Build the vector with `vec![..]`",
            )
        yield ctx.finding(info, ctx.span_between(init.stmt, last), fix=fix)


def _extended_later(ctx: Context, model: Model, name: str, rest: list[Node]) -> bool:
    """Whether the vector grows (or is lent mutably) after its run of pushes, before it is
    given a new value."""
    if not rest:
        return False
    block = rest[0].parent
    hi = block.end_byte if block is not None else rest[-1].end_byte
    for use in model.occurrences(name, rest[0].start_byte, hi):
        parent = use.parent
        if parent is None:
            continue
        if parent.type == "assignment_expression" and parent.child_by_field_name("left") == use:
            return False  # a new value from here on
        if parent.type == "reference_expression" and any(
            c.type == "mutable_specifier" for c in parent.children
        ):
            return True
        if parent.type == "field_expression":
            mc = model.method(parent.parent)
            if mc is not None and mc.receiver.id == use.id and ctx.text(mc.name) in _GROWING:
                return True
    return False


def _is_zero(node: Node | None) -> bool:
    return (
        node is not None
        and node.type == "integer_literal"
        and re.fullmatch(r"0+(?:_?[iu](?:8|16|32|64|128|size))?", (node.text or b"").decode())
        is not None
    )


@rule(
    "rust/slow-vector-initialization",
    title="Zero-filled `Vec` built in two steps",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`Vec::with_capacity(n)` (or `Vec::new()`) followed by `resize(n, 0)` or
`extend(repeat(0).take(n))` allocates and then writes every zero in a loop. `vec![0; n]`
asks the allocator for already-zeroed memory (`calloc`), which for large buffers is served
by fresh zero pages from the OS without touching them.
""",
    fix="Use `vec![0; n]`.",
    measure="cargo bench (criterion) with a large `n`; `perf stat -e page-faults,cycles`.",
    mirrors=["clippy:slow_vector_initialization"],
    bad="""
let mut buf = Vec::with_capacity(len);
buf.resize(len, 0);
""",
    good="""
let mut buf = vec![0; len];
let mut pad = Vec::with_capacity(len);
pad.resize(len, b' ');
""",
    node_types=["macro_invocation"],
    scope="body",
    has_fix=True,
)
def slow_vector_initialization(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for init in vec_inits(ctx, model):
        stmt = next(statements_after(init.stmt), None)
        if stmt is None:
            continue
        fill = _zero_fill(ctx, model, stmt, init)
        if fill is None:
            continue
        length = fill
        fix = None
        if not has_comment(ctx, init.value, stmt):
            fix = ctx.fix(
                Span(ctx.span(init.value).start, ctx.span(stmt).end),
                f"vec![0; {length}];",
                "Allocate zeroed memory with `vec![0; n]`",
            )
        yield ctx.finding(info, ctx.span_between(init.stmt, stmt), fix=fix)


def _zero_fill(ctx: Context, model: Model, stmt: Node, init: VecInit) -> str | None:
    """The length of a `v.resize(n, 0)` / `v.extend(repeat(0).take(n))` matching `init`."""
    mc = _method_statement(ctx, model, stmt, init.name, "resize", "extend")
    if mc is None:
        return None
    name = ctx.text(mc.name)
    if name == "resize":
        if len(mc.args) != 2 or not _is_zero(mc.args[1]):
            return None
        length = mc.args[0]
    else:
        if len(mc.args) != 1:
            return None
        take = model.method_named(mc.args[0], "take")
        if take is None or len(take.args) != 1:
            return None
        rep = take.receiver
        path = model.call_path(rep)
        if (
            not path.endswith("iter::repeat")
            or len(call_args(rep)) != 1
            or not _is_zero(call_args(rep)[0])
        ):
            return None
        length = take.args[0]
    text = ctx.text(length)
    if init.kind in ("const", "expr"):
        assert init.capacity is not None
        cap = ctx.text(init.capacity)
        if text.replace(" ", "") == f"{init.name}.capacity()":
            return cap
        if text.replace(" ", "") != cap.replace(" ", ""):
            return None
        return cap
    if mentions(ctx, length, init.name):
        return None
    return text


# -- useless-vec ----------------------------------------------------------------------

_SLICE_METHODS = frozenset(
    {
        "len",
        "is_empty",
        "iter",
        "iter_mut",
        "contains",
        "first",
        "last",
        "get",
        "fill",
        "starts_with",
        "ends_with",
        "sort",
        "sort_unstable",
        "sort_by",
        "sort_by_key",
        "sort_unstable_by",
        "sort_unstable_by_key",
        "reverse",
        "swap",
        "windows",
        "chunks",
        "to_vec",
        "binary_search",
        "concat",
        "join",
    }
)
_STACK_LIMIT = 200  # bytes, clippy's `too-large-for-stack` default


def _vec_elements(ctx: Context, model: Model, mac: Node) -> tuple[str, int | None, S.Ty] | None:
    """(the `[..]` text for the array, the number of elements, their type) of a `vec![..]`."""
    tree = token_tree(mac)
    if tree is None:
        return None
    inner = tree.children[1:-1]
    semis = [i for i, c in enumerate(inner) if c.type == ";"]
    text = ctx.source[tree.start_byte + 1 : tree.end_byte - 1].decode("utf-8", "replace")
    if semis:
        count_toks = [c for c in inner[semis[0] + 1 :] if c.type not in COMMENTS]
        elem_toks = [c for c in inner[: semis[0]] if c.type not in COMMENTS]
        if len(count_toks) != 1 or count_toks[0].type != "integer_literal":
            return None
        if len(elem_toks) != 1 or not is_literal(elem_toks[0]):
            return None  # `[x; n]` needs a Copy (here: literal) element
        n = int_value(ctx.text(count_toks[0]))
        if n is None:
            return None
        return f"[{text}]", n, model.type_of(elem_toks[0])
    elems = [s for s in _split(inner) if s]
    first = elems[0][0] if elems and len(elems[0]) == 1 else None
    t = model.type_of(first) if first is not None else S.UNKNOWN
    return f"[{text}]", len(elems), t


def _split(tokens: list[Node]) -> list[list[Node]]:
    out: list[list[Node]] = [[]]
    for t in tokens:
        if t.type == ",":
            out.append([])
        elif t.type not in COMMENTS:
            out[-1].append(t)
    return out


def _small_enough(n: int | None, t: S.Ty) -> bool:
    if n is None:
        return False
    size = S.size_of(t)
    if size is None:
        size = 8  # an element the file does not size: assume a word
    return n * size <= _STACK_LIMIT


@rule(
    "rust/useless-vec",
    title="`vec![..]` where an array or slice would do",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`vec![..]` allocates on the heap. When the vector is only iterated, borrowed as a slice
or indexed, a stack array (`[..]`, `&[..]`) gives the same without an allocation and a
free.
""",
    fix="Use an array `[..]` (or `&[..]` where a slice is taken).",
    measure="cargo bench (criterion); DHAT shows the allocation gone.",
    mirrors=["clippy:useless_vec"],
    bad="""
for port in vec![80, 443] {
    open(port);
}
""",
    good="""
for port in [80, 443] {
    open(port);
}
let mut ports = vec![80];
ports.push(8080);
""",
    node_types=["macro_invocation"],
    scope="body",
    has_fix=True,
    gaps=[
        "`&vec![..]` passed to a function is reported only when the function is declared in "
        "the same file and takes a slice",
    ],
)
def useless_vec(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mac in ctx.nodes("macro_invocation"):
        if macro_head(ctx, mac) != "vec" or ctx.text(mac.child_by_field_name("macro")) != "vec":
            continue
        if mac.parent is not None and mac.parent.type == "token_tree":
            continue  # inside another macro's arguments: what it expands to is unknown
        shape = _vec_elements(ctx, model, mac)
        if shape is None:
            continue
        array, n, elem = shape
        if not _small_enough(n, elem):
            continue
        use = _slice_only_use(ctx, model, mac)
        if use is None:
            continue
        target, new = use
        new_text = new.replace("ARRAY", array)
        yield ctx.finding(info, mac, fix=guarded_fix(ctx, target, new_text, "Use an array"))


def _slice_only_use(ctx: Context, model: Model, mac: Node) -> tuple[Node, str] | None:
    """Where the `vec![..]` is used in a way an array serves: the node to replace and the
    replacement pattern (ARRAY stands for `[..]`)."""
    parent = mac.parent
    if parent is None:
        return None
    if parent.type == "parenthesized_expression":
        outer = parent.parent
        if outer is not None and outer.type == "reference_expression":
            return mac, "ARRAY"
    if parent.type == "for_expression" and parent.child_by_field_name("value") == mac:
        return mac, "ARRAY"
    if parent.type == "reference_expression":
        mutable = any(c.type == "mutable_specifier" for c in parent.children)
        grand = parent.parent
        if grand is not None and grand.type == "let_declaration":
            ty = grand.child_by_field_name("type")
            if (
                ty is not None
                and ty.type == "reference_type"
                and model.type_from(ty).args
                and (model.type_from(ty).args[0].name == "[]")
            ):
                return mac, "ARRAY"
            if ty is None and not mutable:
                return mac, "ARRAY"  # `let v = &vec![..]`: a reference to the array serves
        if (
            grand is not None
            and grand.type == "arguments"
            and _slice_param(ctx, model, grand, parent, mutable)
        ):
            return mac, "ARRAY"
        if grand is not None and grand.type == "for_expression":
            return mac, "ARRAY"
        return None
    if parent.type == "field_expression":
        mc = model.method(parent.parent)
        if mc is not None and ctx.text(mc.name) in _SLICE_METHODS and mc.receiver.id == mac.id:
            return mac, "ARRAY"
        return None
    if parent.type == "let_declaration" and parent.child_by_field_name("type") is None:
        pat = parent.child_by_field_name("pattern")
        if pat is None or pat.type != "identifier":
            return None
        if _only_slice_uses(ctx, model, parent, ctx.text(pat)):
            return mac, "ARRAY"
    return None


def _slice_param(ctx: Context, model: Model, arglist: Node, arg: Node, mutable: bool) -> bool:
    call = arglist.parent
    if call is None or call.type != "call_expression":
        return False
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "identifier":
        return False
    target = model.items().fns.get(ctx.text(fn))
    if target is None:
        return False
    positions = [a.id for a in args(arglist)]
    if arg.id not in positions:
        return False
    i = positions.index(arg.id)
    if i >= len(target.params):
        return False
    t = model.type_from(target.params[i][1], model.generics_at(target.node))
    return t.is_ref and t.mutable == mutable and bool(t.args) and t.args[0].name == "[]"


def _only_slice_uses(ctx: Context, model: Model, let: Node, name: str) -> bool:
    """Every later use of `name` is an index, a slice method, or a borrow as a slice."""
    binding = model.binding_named(name, let.next_named_sibling or let)
    if binding is None or binding.site.id != let.id:
        return False
    uses = model.occurrences(name, let.end_byte, model.scope_end(binding))
    for n in uses:
        parent = n.parent
        if parent is None:
            return False
        if parent.type == "token_tree":
            # Printed or passed through a macro (`dbg!(v[0])`): only when indexed.
            nxt = n.next_sibling
            if nxt is not None and nxt.type == "token_tree" and ctx.text(nxt).startswith("["):
                continue
            if (
                nxt is not None
                and nxt.type == "."
                and nxt.next_sibling is not None
                and (ctx.text(nxt.next_sibling) in _SLICE_METHODS)
            ):
                continue
            return False
        if parent.type == "index_expression" and parent.named_children[0].id == n.id:
            continue
        if parent.type == "field_expression":
            mc = model.method(parent.parent)
            if mc is not None and ctx.text(mc.name) in _SLICE_METHODS:
                continue
        return False
    return bool(uses)


# -- push-without-capacity / manual-extend ------------------------------------------------


def _push_loop(ctx: Context, model: Model, loop: Node, name: str) -> MethodCall | None:
    """The one unconditional `name.push(..)` of a `for` loop's body, if it has one."""
    body = loop.child_by_field_name("body")
    if body is None:
        return None
    # The push is the only thing the body does with the vector (no extend, no insert).
    if len(find_words(ctx.source, (name.encode(),), body.start_byte, body.end_byte)) != 1:
        return None
    found = None
    for s in statements(body):
        mc = _method_statement(ctx, model, s, name, "push")
        if mc is not None and len(mc.args) == 1:
            if found is not None:
                return None
            found = mc
    return found


_EXIT = re.compile(rb"\b(?:break|continue|return)\b")


def _exits_early(ctx: Context, body: Node) -> bool:
    """Whether the loop body may end an iteration before its push."""
    text = ctx.source[body.start_byte : body.end_byte]
    if _EXIT.search(text) is not None:
        for n in walk(body):
            if n.type in ("break_expression", "continue_expression", "return_expression"):
                return True
    if b"?" in text:
        return any(n.type == "try_expression" for n in walk(body))
    return False


def _copy_of(ctx: Context, model: Model, loop: Node, push: MethodCall) -> str | None:
    """When the loop only copies the iterated elements: "slice" for `for x in &src { push(*x)
    / x.clone() }`, "move" for `for x in src { push(x) }`."""
    pat = loop.child_by_field_name("pattern")
    value = loop.child_by_field_name("value")
    if pat is None or value is None or pat.type != "identifier":
        return None
    body = loop.child_by_field_name("body")
    if body is None or len(statements(body)) != 1:
        return None
    var = ctx.text(pat)
    arg = unparen(push.args[0])
    if arg is None:
        return None
    src = value
    by_ref = False
    if src.type == "reference_expression" and not any(
        c.type == "mutable_specifier" for c in src.children
    ):
        src, by_ref = src.child_by_field_name("value") or src, True
    else:
        it = model.method_named(src, "iter")
        if it is not None and not it.args:
            src, by_ref = it.receiver, True
        elif model.type_of(src).is_ref:
            by_ref = not model.type_of(src).mutable
            if not by_ref:
                return None
    src_t = model.type_of(src).auto_deref()
    if not (src_t.name in ("[]", "array") or src_t.is_std("Vec")):
        return None
    elem = S.element(src_t)
    if by_ref:
        text = ctx.text(arg).replace(" ", "")
        copies = text in (f"*{var}", f"{var}.clone()", f"{var}.to_owned()")
        if copies and (text != f"*{var}" or model.is_copy(elem)):
            return "slice"
        return None
    if ctx.text(arg) == var:
        return "move"
    return None


@rule(
    "rust/push-without-capacity",
    title="`Vec` grown one push per iteration of a loop of known length",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
The loop pushes exactly one element per iteration over something whose length is known
before it starts, into a vector created empty. The vector reallocates and copies its
contents about log2(n) times on the way. `Vec::with_capacity(len)` (or building it with
`.map(..).collect()`, which uses the iterator's size hint) allocates once.
""",
    fix="Create it with `Vec::with_capacity(src.len())`, or use `.iter().map(..).collect()`.",
    measure="cargo bench (criterion) at realistic sizes; DHAT or heaptrack for reallocations.",
    mirrors=[],
    related=["prealloc (Go)", "clang-tidy:performance-inefficient-vector-operation (C++)"],
    bad="""
let users: Vec<User> = load();
let mut ids = Vec::new();
for user in &users {
    ids.push(user.id);
}
""",
    good="""
let users: Vec<User> = load();
let mut ids = Vec::with_capacity(users.len());
for user in &users {
    ids.push(user.id);
}
let mut adults = Vec::new();
for user in &users {
    if user.age < 18 { continue; }
    adults.push(user.id);
}
""",
    node_types=["macro_invocation"],
    scope="body",
    confidence=0.75,
)
def push_without_capacity(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for init in vec_inits(ctx, model):
        if init.kind != "new" or not init.is_let:
            continue
        for stmt in statements_after(init.stmt):
            if not mentions(ctx, stmt, init.name):
                continue
            # The first statement that touches the vector must be the filling loop.
            loop = (
                stmt.named_children[0]
                if stmt.type == "expression_statement" and (stmt.named_children)
                else None
            )
            if loop is not None and loop.type == "for_expression":
                push = _push_loop(ctx, model, loop, init.name)
                value = loop.child_by_field_name("value")
                body = loop.child_by_field_name("body")
                if (
                    push is not None
                    and body is not None
                    and _known_length(ctx, model, value)
                    and not _exits_early(ctx, body)
                    and _copy_of(ctx, model, loop, push) is None
                ):
                    yield ctx.finding(info, ctx.span_between(loop, value or loop))
            break


def _known_length(ctx: Context, model: Model, value: Node | None) -> bool:
    """A length known up front and worth reserving: not a handful of literal iterations."""
    if value is None or not model.length_known(value):
        return False
    rng = unparen(value)
    if rng is not None and rng.type == "range_expression":
        parts = args(rng)
        if len(parts) == 2 and all(p.type == "integer_literal" for p in parts):
            lo, hi = (int_value(ctx.text(p)) for p in parts)
            if lo is None or hi is None:
                return True
            inclusive = any(c.type == "..=" for c in rng.children)
            return hi - lo + (1 if inclusive else 0) > 8
    # An array of a handful of elements (`for x in [a, b]`, `let xs = [..]; for x in xs`).
    t = model.type_of(value).deref()
    return not (t.name == "array" and t.length is not None and t.length <= 8)


@rule(
    "rust/manual-extend",
    title="Elements copied into a `Vec` one push at a time",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`for x in &src { dst.push(*x); }` checks capacity and may grow `dst` on every element.
`dst.extend_from_slice(&src)` (or `dst.extend(src)` for a moved vector) reserves the
whole length once and copies the block, a `memcpy` for `Copy` elements.
""",
    fix="Use `dst.extend_from_slice(&src)` / `dst.extend(src)`.",
    measure="cargo bench (criterion) with realistic lengths.",
    mirrors=[],
    related=["staticcheck:S1011 (Go)", "clippy:extend_with_drain"],
    bad="""
let src: Vec<u8> = load();
let mut dst: Vec<u8> = Vec::new();
for b in &src {
    dst.push(*b);
}
""",
    good="""
let src: Vec<u8> = load();
let mut dst: Vec<u8> = Vec::new();
dst.extend_from_slice(&src);
for b in &src {
    dst.push(*b + 1);
}
""",
    node_types=["for_expression"],
    scope="body",
    has_fix=True,
)
def manual_extend(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_expression"):
        body = loop.child_by_field_name("body")
        stmts = statements(body)
        if len(stmts) != 1:
            continue
        inner = (
            [c for c in stmts[0].named_children if c.type not in COMMENTS]
            if stmts[0].type == "expression_statement"
            else []
        )
        mc = model.method(inner[0]) if len(inner) == 1 else None
        if mc is None or ctx.text(mc.name) != "push" or len(mc.args) != 1:
            continue
        if not model.type_of(mc.receiver).auto_deref().is_std("Vec"):
            continue
        kind = _copy_of(ctx, model, loop, mc)
        if kind is None:
            continue
        value = loop.child_by_field_name("value")
        assert value is not None
        src = value
        if src.type == "reference_expression":
            src = src.child_by_field_name("value") or src
        it = model.method_named(src, "iter")
        if it is not None:
            src = it.receiver
        dst = ctx.text(mc.receiver)
        src_t = model.type_of(src)
        borrowed = ctx.text(src) if src_t.is_ref else f"&{ctx.text(src)}"
        new = (
            f"{dst}.extend_from_slice({borrowed});"
            if kind == "slice"
            else f"{dst}.extend({ctx.text(src)});"
        )
        outer = (
            loop.parent
            if loop.parent is not None and loop.parent.type == ("expression_statement")
            else loop
        )
        yield ctx.finding(
            info,
            ctx.span_between(loop, value),
            fix=guarded_fix(ctx, outer, new, "Copy the slice at once"),
        )
