"""Rules about iterator chains and collections built from them."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import MethodCall, Model
from se_lsp.rules.rust.stdlib import Ty
from se_lsp.rules.rust.syntax import (
    COMMENTS,
    args,
    closure_body,
    closure_params,
    fn_tail,
    guarded_fix,
    hint_after_dot,
    hint_any_of,
    hint_args_start,
    is_str_literal,
    is_word_at,
    macro_name,
    mentions,
    mentions_between,
    unparen,
    walk,
)

CALLS: list[str] = []

# The method names this family's rules start from (Model.methods scans for them).
METHODS = frozenset(
    {"collect", "extend", "cloned", "nth", "fold", "count", "is_some", "is_none", "any"}
)


def _cloned_then(source: bytes, dot: int, end: int) -> bool:
    """`.cloned()` followed by one of the steps the rule looks at."""
    tail = source[end : end + 48].replace(b" ", b"").replace(b"\n", b"")
    return tail.startswith(b"().") and tail[3:].split(b"(", 1)[0] in _NEXT_STEPS


_NEXT_STEPS = frozenset(
    {
        b"last",
        b"next",
        b"nth",
        b"skip",
        b"take",
        b"filter",
        b"find",
        b"flatten",
        b"count",
        b"map",
        b"for_each",
        b"all",
        b"any",
    }
)
# Byte prefilters for those calls (see Model.hints); `collect` has none.
HINTS = {
    "extend": hint_any_of(b"drain", size=120),
    "cloned": _cloned_then,
    "nth": hint_after_dot(b"iter()", b"iter_mut()", b"bytes()"),
    "fold": hint_args_start(b"(false,", b"(true,", b"(0,", b"(1,"),
    "count": hint_after_dot(b"iter()", b"iter_mut()", b"into_iter()"),
    "is_some": hint_after_dot(b")"),
    "is_none": hint_after_dot(b")"),
    "any": hint_args_start(b"(|"),
}

_MUTATORS = frozenset(
    {
        "push",
        "push_back",
        "push_front",
        "insert",
        "remove",
        "pop",
        "extend",
        "clear",
        "take",
        "append",
        "retain",
        "truncate",
        "drain",
        "set",
        "replace",
        "swap",
    }
)


_PURE_MACROS = frozenset({"format", "vec", "matches", "concat", "stringify"})
# Methods the closures of a chain may call without the laziness of an iterator changing
# anything (they read, or build a value from what they read).
_PURE = frozenset(
    {
        "clone",
        "len",
        "is_empty",
        "to_string",
        "to_owned",
        "as_str",
        "as_ref",
        "as_bytes",
        "trim",
        "to_lowercase",
        "to_uppercase",
        "to_ascii_lowercase",
        "to_ascii_uppercase",
        "starts_with",
        "ends_with",
        "contains",
        "get",
        "first",
        "last",
        "iter",
        "chars",
        "bytes",
        "eq",
        "cmp",
        "partial_cmp",
        "min",
        "max",
        "abs",
        "is_some",
        "is_none",
        "is_ok",
        "is_err",
        "unwrap_or",
        "copied",
        "cloned",
        "map",
        "filter",
        "count",
        "sum",
        "any",
        "all",
        "split",
        "parse",
        "into",
        "from",
        "as_path",
        "display",
        "borrow",
    }
)


def _chain_has_side_effects(ctx: Context, model: Model, node: Node) -> bool:
    """Closures in an iterator chain that do more than read: making the chain lazy (or
    dropping a step) would change when, or whether, their effects happen. A call of a
    function or of a method this file cannot vouch for counts as an effect (it may panic,
    lock, or count), so does an assignment or a `&mut` borrow."""
    for n in walk(node):
        if n.type == "closure_expression":
            for m in walk(n):
                if m.type in ("assignment_expression", "compound_assignment_expr"):
                    return True
                if m.type == "macro_invocation" and macro_name(ctx, m) not in _PURE_MACROS:
                    return True
                if m.type == "call_expression":
                    mc = model.method(m)
                    if mc is None:
                        fn = m.child_by_field_name("function")
                        text = ctx.text(fn)
                        if text not in ("Some", "Ok", "Err") and not text.endswith(
                            ("::new", "::from", "::clone")
                        ):
                            return True
                    elif ctx.text(mc.name) not in _PURE:
                        return True
                if m.type == "reference_expression" and any(
                    c.type == "mutable_specifier" for c in m.children
                ):
                    return True
    return False


def collect_target(ctx: Context, model: Model, mc: MethodCall) -> Ty:
    """What `.collect()` builds: its turbofish, the `let` annotation, or the function's return
    type when the call is the function's tail or returned."""
    if mc.turbofish is not None:
        targs = args(mc.turbofish)
        if len(targs) == 1:
            return model.type_from(targs[0], model.generics_at(mc.call))
        return S.UNKNOWN
    parent = mc.call.parent
    if parent is None:
        return S.UNKNOWN
    if parent.type == "let_declaration":
        ty = parent.child_by_field_name("type")
        return model.type_from(ty, model.generics_at(mc.call)) if ty is not None else S.UNKNOWN
    if parent.type == "return_expression" or fn_tail(mc.call):
        fn = model.fn_info(model.fn_of(mc.call))
        if fn is not None and fn.ret is not None:
            return model.type_from(fn.ret, model.generics_at(mc.call))
    return S.UNKNOWN


def _has_placeholder(ctx: Context, node: Node | None) -> bool:
    """`Vec<_>`: a `_` left for inference somewhere in the written type."""
    if node is None:
        return False
    raw = ctx.source[node.start_byte : node.end_byte]
    at = raw.find(b"_")
    while at >= 0:
        if is_word_at(raw, at, at + 1):
            return True
        at = raw.find(b"_", at + 1)
    return False


# -- needless-collect ---------------------------------------------------------------

_LEN_TARGETS = ("Vec", "VecDeque", "LinkedList", "BinaryHeap")
_EMPTY_TARGETS = (*_LEN_TARGETS, "HashSet", "BTreeSet", "HashMap", "BTreeMap")
_CONTAINS_TARGETS = ("Vec", "VecDeque", "LinkedList", "HashSet", "BTreeSet")


@rule(
    "rust/needless-collect",
    title="Collection built only to be counted, tested or iterated once",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`.collect::<Vec<_>>().len()` allocates a collection, moves every element into it, reads
one fact and frees it. The iterator can give that fact itself: `.count()`,
`.next().is_none()`, `.any(..)`, or the iterator is simply used where the collection
was. Also reported when the collection is bound to a name and used once that way.
""",
    fix="Use `.count()`, `.next().is_none()`, `.any(|x| x == y)`, or iterate directly.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:needless_collect"],
    bad="""
let n = words.iter().filter(|w| w.len() > 3).collect::<Vec<_>>().len();
""",
    good="""
let n = words.iter().filter(|w| w.len() > 3).count();
let unique = words.iter().collect::<HashSet<_>>().len();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "a collection passed where an `IntoIterator` is taken (`f(it.collect::<Vec<_>>())`) "
        "needs the callee's signature and is not reported",
        "`collect` followed by pushes and then iteration (clippy's chain-extension case) is "
        "not reported",
        "indexing the collected `Vec` (`[i]`) is not reported",
        "a collected `Vec` whose `into_iter()` is returned, or followed by `rev()`/`len()`, "
        "is not reported: the chain may borrow a local or not be double-ended, and clippy's "
        "suggestion then does not compile",
    ],
)
def needless_collect(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("collect"):
        if mc.args:
            continue
        parent = mc.call.parent
        outer = _outer_call(model, mc.call)
        if outer is not None:
            if std_iterator_chain(ctx, model, mc):
                yield from _direct(ctx, model, info, mc, outer)
        elif parent is not None and parent.type == "let_declaration":
            if std_iterator_chain(ctx, model, mc):
                yield from _indirect(ctx, model, info, mc, parent)


def std_iterator_chain(ctx: Context, model: Model, mc: MethodCall) -> bool:
    """Whether the chain ending in `mc` is plausibly a std `Iterator`: not rayon's
    parallel iterators (`par_iter`, `into_par_iter`, …), whose `collect` does the parallel
    work, and not a bare value of unknown type collected (`pi.collect()`)."""
    steps = 0
    cur = mc
    while True:
        name = ctx.text(cur.name)
        if name.startswith(("par_", "into_par_")) or name == "par_bridge":
            return False
        inner = model.method(cur.receiver)
        if inner is None:
            break
        cur = inner
        steps += 1
    if steps == 0:
        t = model.type_of(mc.receiver)
        return t.known and t.std
    return True


def _called(fe: Node) -> Node | None:
    """The call a method's `x.name` belongs to, through a turbofish (`x.collect::<T>()`)."""
    n = fe.parent
    if n is not None and n.type == "generic_function":
        n = n.parent
    return n


def _outer_call(model: Model, call: Node) -> MethodCall | None:
    fe = call.parent
    if fe is None or fe.type != "field_expression":
        return None
    return model.method(_called(fe))


def _direct(
    ctx: Context, model: Model, info: RuleInfo, mc: MethodCall, outer: MethodCall
) -> Iterator[Finding]:
    if mc.turbofish is None or not _has_placeholder(ctx, mc.turbofish):
        return  # a concrete turbofish may be what fixes the iterator's type: clippy skips it
    target = collect_target(ctx, model, mc)
    name = ctx.text(outer.name)
    fix_text = None
    if name == "len" and not outer.args and target.is_std(*_LEN_TARGETS):
        fix_text = "count()"
    elif name == "is_empty" and not outer.args and target.is_std(*_EMPTY_TARGETS):
        fix_text = "next().is_none()"
    elif name == "contains" and len(outer.args) == 1 and target.is_std(*_CONTAINS_TARGETS):
        fix_text = ""
    else:
        return
    if _chain_has_side_effects(ctx, model, mc.receiver):
        return
    span = ctx.span_between(mc.name, outer.call)
    fix = guarded_fix(ctx, span, fix_text, f"Use `.{fix_text}`") if fix_text else None
    yield ctx.finding(info, span, fix=fix)


def _closure_between(use: Node, let: Node) -> bool:
    """Whether `use` sits in a closure the `let` is not in: a closure may run many times
    (`rows.map(|r| .. names.iter() ..)`), and the collection is what it walks each time."""
    n = use.parent
    block = let.parent
    while n is not None and (block is None or n.id != block.id):
        if n.type == "closure_expression":
            return True
        n = n.parent
    return False


# Methods a `Vec`'s iterator has that an arbitrary iterator may lack (double-ended,
# exact-size): after `into_iter()` they make the vector necessary unless the chain has them
# too (`s.split(":")` with a `&str` pattern cannot `rev()`).
_SEQUENCE_ONLY = frozenset(
    {"rev", "len", "next_back", "nth_back", "rfind", "rfold", "rposition", "try_rfold"}
)


_ADAPTERS = frozenset(
    {"map", "filter", "filter_map", "flat_map", "flatten", "rev", "chain", "zip", "enumerate"}
    | {"skip", "take", "skip_while", "take_while", "step_by", "cloned", "copied", "peekable"}
    | {"fuse", "inspect", "map_while", "scan", "into_iter"}
)


def _escapes(ctx: Context, expr: Node) -> bool:
    """Whether the value of `expr` (through a method chain or a wrapping constructor) is
    what its function or closure returns: an iterator over a local's items cannot leave,
    which is why it was collected (`let v = local.iter()..collect(); v.into_iter()`)."""
    n = expr
    while n.parent is not None:
        parent = n.parent
        if parent.type == "return_expression":
            return True
        if parent.type == "field_expression":
            field = parent.child_by_field_name("field")
            call = _called(parent)
            if field is None or call is None or call.type != "call_expression":
                return False
            if ctx.text(field) not in _ADAPTERS:
                return False  # consumed here (`sum()`, `count()`): no iterator leaves
            n = call
            continue
        if parent.type == "arguments":
            call = parent.parent
            if call is None or not _constructor(ctx, call):
                return False
            n = call  # `Either::Left(it)`, `Box::new(it)`: still the iterator
            continue
        if parent.type in ("parenthesized_expression", "else_clause", "if_expression"):
            n = parent
            continue
        if parent.type == "block":
            tail = [c for c in parent.named_children if c.type not in COMMENTS]
            if not tail or tail[-1].id != n.id:
                return False
            owner = parent.parent
            if owner is None or owner.type in (
                "function_item",
                "closure_expression",
                "async_block",
            ):
                return True  # what the function, closure or future gives back
            n = parent
            continue
        if parent.type == "closure_expression":
            return True  # `|x| v.into_iter()`: the closure's value
        if parent.type == "let_declaration":
            return True  # kept in a variable: where it goes from there is not followed
        return False
    return False


def _needs_more_than_iterator(ctx: Context, model: Model, into_iter: MethodCall) -> bool:
    fe = into_iter.call.parent
    if fe is None or fe.type != "field_expression":
        return False
    nxt = model.method(_called(fe))
    return nxt is not None and ctx.text(nxt.name) in _SEQUENCE_ONLY


_INDIRECT_USES = ("len", "is_empty", "contains", "into_iter")
# The collections clippy follows into a later use (sequences: no dedup, no reordering).
_INDIRECT_TARGETS = ("Vec", "VecDeque", "LinkedList", "BinaryHeap")


def _indirect(
    ctx: Context, model: Model, info: RuleInfo, mc: MethodCall, let: Node
) -> Iterator[Finding]:
    pat = let.child_by_field_name("pattern")
    if pat is None or pat.type != "identifier":
        return
    name = ctx.text(pat)
    block = let.parent
    if block is None:
        return
    # Cheap first: the next use in the block must be the one wanted method call.
    first = model.occurrences(name, let.end_byte, block.end_byte)
    if not first:
        return
    use = first[0]
    user = model.method(use.parent.parent if use.parent is not None else None)
    if user is None or user.receiver.id != use.id:
        return
    method = ctx.text(user.name)
    if method not in _INDIRECT_USES:
        return
    target = collect_target(ctx, model, mc)
    if not target.is_std(*_INDIRECT_TARGETS):
        return  # a set or map kept in a variable dedups or sorts: not the same items
    binding = model.binding_named(name, let.next_named_sibling or let)
    if binding is None or binding.site.id != let.id:
        return
    uses = model.occurrences(name, let.end_byte, model.scope_end(binding))
    if len(uses) != 1 or uses[0].id != use.id:
        return
    if method == "len" and not target.is_std(*_LEN_TARGETS):
        return
    if method == "contains" and not target.is_std(*_CONTAINS_TARGETS):
        return
    # The single use must not run more often than the collection is built.
    if len(model.loops_around(use)) > len(model.loops_around(let)):
        return
    if _closure_between(use, let):
        return
    if method == "into_iter" and (
        _needs_more_than_iterator(ctx, model, user)
        or _escapes(ctx, user.call)
        or _chain_names_reused(ctx, mc, let, use)
        or _through_guard_chain(ctx, model, mc)
    ):
        return
    if _chain_has_side_effects(ctx, model, mc.receiver):
        return
    yield ctx.finding(
        info,
        ctx.span_between(mc.name, mc.call),
        title=f"`{name}` is collected only for `.{method}()`: use the iterator directly",
    )


# -- manual-str-repeat ---------------------------------------------------------------


def _is_std_repeat(model: Model, call: Node) -> bool:
    path = model.call_path(call)
    return path in ("std::iter::repeat",) or path.endswith("iter::repeat")


@rule(
    "rust/manual-str-repeat",
    title="String built by repeating a piece through an iterator",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`iter::repeat("ab").take(n).collect::<String>()` appends the piece `n` times, growing
the buffer as it goes. `str::repeat` computes the final length, allocates once and fills
the buffer by doubling copies: for large `n` often several times faster.
""",
    fix='Use `"ab".repeat(n)`.',
    measure="cargo bench (criterion) comparing both forms at realistic `n`.",
    mirrors=["clippy:manual_str_repeat"],
    bad="""
let rule = std::iter::repeat("-").take(width).collect::<String>();
""",
    good="""
let rule = "-".repeat(width);
let cells = std::iter::repeat(0u8).take(width).collect::<Vec<u8>>();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def manual_str_repeat(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("collect"):
        if mc.args:
            continue
        take = model.method_named(mc.receiver, "take")
        if take is None or len(take.args) != 1:
            continue
        rep = take.receiver
        if rep.type != "call_expression" or not _is_std_repeat(model, rep):
            continue
        if not collect_target(ctx, model, mc).is_std("String"):
            continue
        rep_args = args(rep.child_by_field_name("arguments"))
        if len(rep_args) != 1:
            continue
        piece = _repeat_piece(ctx, model, rep_args[0])
        if piece is None:
            continue
        new = f"{piece}.repeat({ctx.text(take.args[0])})"
        yield ctx.finding(info, mc.call, fix=guarded_fix(ctx, mc.call, new, "Use `str::repeat`"))


def _repeat_piece(ctx: Context, model: Model, piece: Node) -> str | None:
    """The receiver text for `.repeat(n)`, when the repeated item is string-like."""
    if piece.type == "char_literal":
        text = ctx.text(piece)
        if text.startswith("b"):
            return None
        return _char_to_str_literal(text)
    if is_str_literal(ctx, piece):
        return ctx.text(piece)
    target = piece
    if piece.type == "unary_expression" and ctx.text(piece).startswith("*"):
        target = piece.named_children[0] if piece.named_children else piece
    t = model.type_of(target)
    base = t.deref()
    stringy = (
        base.name == "str"
        or base.is_std("String", "Cow")
        or (
            base.is_std("Box") and base.arg() is not None and base.arg().name == "str"  # type: ignore[union-attr]
        )
    )
    if not stringy:
        return None
    if target.type in ("identifier", "field_expression", "call_expression"):
        return ctx.text(target)
    return f"({ctx.text(target)})"


def _char_to_str_literal(char_lit: str) -> str | None:
    inner = char_lit[1:-1]
    if inner == "\\'":
        return '"\'"'
    if inner == '"':
        return '"\\""'
    return f'"{inner}"' if inner else None


# -- extend-with-drain / drain-collect ---------------------------------------------------


def _whole_range(ctx: Context, arg: Node, receiver: Node) -> bool:
    """`..`, `0..`, `..v.len()`, `0..v.len()` for receiver `v`."""
    text = ctx.text(arg).replace(" ", "")
    recv = ctx.text(receiver).replace(" ", "")
    return text in ("..", "0..", f"..{recv}.len()", f"0..{recv}.len()")


@rule(
    "rust/extend-with-drain",
    title="`extend(v.drain(..))` moves elements one by one",
    severity=Severity.INFO,
    category="copy",
    explanation="""
Draining a whole vector into another through `extend` moves the elements one at a time
through the iterator machinery. `Vec::append` reserves once and moves the whole block with
a single `memcpy`, leaving the source empty as `drain(..)` does.
""",
    fix="Use `dst.append(&mut src)` when both are `Vec`s.",
    measure="cargo bench (criterion) with realistic lengths; `perf stat` for instructions.",
    mirrors=["clippy:extend_with_drain"],
    bad="""
let mut pending: Vec<u8> = Vec::new();
let mut incoming: Vec<u8> = Vec::new();
pending.extend(incoming.drain(..));
""",
    good="""
let mut pending: Vec<u8> = Vec::new();
let mut incoming: Vec<u8> = Vec::new();
pending.append(&mut incoming);
pending.extend(incoming.drain(..10));
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    confidence=0.8,
)
def extend_with_drain(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("extend"):
        if len(mc.args) != 1:
            continue
        drain = model.method_named(mc.args[0], "drain")
        if (
            drain is None
            or len(drain.args) != 1
            or ctx.text(drain.args[0]).replace(" ", "") != ("..")
        ):
            continue
        src_t = model.type_of(drain.receiver)
        dst_t = model.type_of(mc.receiver)
        if not src_t.auto_deref().is_std("Vec") or not dst_t.auto_deref().is_std("Vec"):
            continue
        src = ctx.text(drain.receiver)
        arg = src if src_t.is_ref and src_t.mutable else f"&mut {src}"
        new = f"{ctx.text(mc.receiver)}.append({arg})"
        yield ctx.finding(info, mc.call, fix=guarded_fix(ctx, mc.call, new, "Use `append`"))


_DRAIN_NO_ARGS = ("HashMap", "HashSet", "BinaryHeap")
_DRAIN_RANGE = ("Vec", "VecDeque", "String")


@rule(
    "rust/drain-collect",
    title="Whole collection drained into a new one",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`v.drain(..).collect::<Vec<_>>()` allocates a new collection and moves every element into
it just to leave `v` empty. `std::mem::take(&mut v)` hands over the existing buffer in
O(1) without copying anything (`v` keeps an empty, unallocated collection).
""",
    fix="Use `std::mem::take(&mut v)` when the source and target types are the same.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:drain_collect"],
    bad="""
let mut queue: Vec<u32> = Vec::new();
let batch: Vec<u32> = queue.drain(..).collect();
""",
    good="""
let mut queue: Vec<u32> = Vec::new();
let batch = std::mem::take(&mut queue);
let head: Vec<u32> = queue.drain(..8).collect();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    confidence=0.8,
)
def drain_collect(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("collect"):
        if mc.args:
            continue
        drain = model.method_named(mc.receiver, "drain")
        if drain is None:
            continue
        src_t = model.type_of(drain.receiver)
        src = src_t.auto_deref()
        if not src.std:
            continue
        if src.name in _DRAIN_NO_ARGS and drain.args:
            continue
        if src.name in _DRAIN_RANGE and (
            len(drain.args) != 1 or not _whole_range(ctx, drain.args[0], drain.receiver)
        ):
            continue
        if src.name not in _DRAIN_NO_ARGS + _DRAIN_RANGE:
            continue
        target = collect_target(ctx, model, mc)
        if not target.std or target.name != src.name:
            continue
        recv = ctx.text(drain.receiver)
        arg = recv if src_t.is_ref and src_t.mutable else f"&mut {recv}"
        new = f"std::mem::take({arg})"
        yield ctx.finding(
            info, mc.call, fix=guarded_fix(ctx, mc.call, new, "Take the whole collection")
        )


# -- iter-overeager-cloned ---------------------------------------------------------------

_OVEREAGER = {"last", "next", "nth", "skip", "take", "filter", "find", "flatten"}
_SWAPPABLE = {"last", "next", "nth", "skip", "take"}
_REDUNDANT = {"count", "map", "for_each", "all", "any"}
_READ_ONLY = S.READ_ONLY_METHODS


def _only_borrows(ctx: Context, model: Model, closure: Node) -> bool:
    """Whether a closure uses its one parameter only through `&`-methods (never moves it)."""
    if closure.type != "closure_expression":
        return False
    if any(c.type == "move" for c in closure.children) or b"async move" in (closure.text or b""):
        params = closure_params(closure)
        if len(params) == 1 and mentions(
            ctx, closure_body(closure) or closure, ctx.text(params[0])
        ):
            body = closure_body(closure)
            if body is not None and any(
                n.type in ("async_block", "closure_expression") for n in walk(body)
            ):
                return False
    params = closure_params(closure)
    if len(params) != 1 or params[0].type != "identifier":
        return False
    name = ctx.text(params[0])
    body = closure_body(closure)
    if body is None:
        return False
    for n in walk(body):
        if (
            n.type == "closure_expression"
            and any(c.type == "move" for c in n.children)
            and (mentions(ctx, n, name))
        ):
            return False
        if n.type == "async_block" and mentions(ctx, n, name):
            return False
    for n in walk(body):
        if n.type != "identifier" or ctx.text(n) != name:
            continue
        parent = n.parent
        if parent is None:
            return False
        if parent.type == "field_expression" and parent.child_by_field_name("value") == n:
            mc = model.method(parent.parent)
            if mc is not None and ctx.text(mc.name) in _READ_ONLY:
                continue
            if mc is None and _field_read_copies_nothing(model, parent):
                continue  # a field read that borrows or copies
            return False
        if parent.type == "reference_expression":
            continue
        if parent.type == "token_tree":
            continue  # inside a formatting macro: printed by reference
        return False
    return True


def _field_read_copies_nothing(model: Model, field: Node) -> bool:
    """`x.f` where `x` is a borrowed item: fine when compared, borrowed, called on,
    indexed, printed, or of a `Copy` type; moved out otherwise (`(x.region, ..)`), which a
    borrowed item cannot do."""
    top = field
    while top.parent is not None and top.parent.type == "field_expression":
        top = top.parent
    parent = top.parent
    if parent is not None and parent.type in (
        "reference_expression",
        "binary_expression",
        "index_expression",
        "token_tree",
        "call_expression",
    ):
        return True
    return model.is_copy(model.type_of(top))


@rule(
    "rust/iter-overeager-cloned",
    title="Elements cloned before the iterator throws them away",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`.cloned()` placed before `filter`, `find`, `skip`, `take`, `nth`, `last` or `next`
clones elements that the next step discards, and before `count`, or a `map`/`any`/`all`/
`for_each` that only reads the element, it clones for nothing. For `String` or `Vec`
elements each clone is an allocation plus a copy. Cloning after the selection (or not at
all) clones only what is kept.
""",
    fix="Move `.cloned()` after the selecting step (`.last().cloned()`), or drop it.",
    measure="cargo bench (criterion); DHAT shows the allocation count drop.",
    mirrors=["clippy:iter_overeager_cloned", "clippy:redundant_iter_cloned"],
    bad="""
let names: Vec<String> = load();
let newest = names.iter().cloned().last();
""",
    good="""
let names: Vec<String> = load();
let newest = names.iter().last().cloned();
let all: Vec<String> = names.iter().cloned().collect();
let ids: Vec<u32> = vec![1, 2];
let few: Vec<u32> = ids.iter().cloned().take(1).collect();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "elements whose type the file does not show are not reported (clippy knows whether "
        "they are `Copy`)",
    ],
)
def iter_overeager_cloned(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for cloned in model.methods("cloned"):
        if cloned.args:
            continue
        nxt = _outer_call(model, cloned.call)
        if nxt is None:
            continue
        name = ctx.text(nxt.name)
        if name not in _OVEREAGER and name not in _REDUNDANT:
            continue
        item = model.type_of(cloned.receiver)
        if item.name != "Iter" or not item.args:
            continue
        elem = item.args[0]
        if not elem.is_ref or model.is_copy(elem.deref()) or not elem.deref().known:
            continue
        if elem.deref().name in S.PRIMITIVES:
            continue
        if elem.deref().name in ("Range", "Iter") or (
            name == "flatten" and not elem.deref().is_std("Option", "Vec")
        ):
            continue
        base = ctx.text(cloned.receiver)
        fix = None
        if name in _REDUNDANT:
            if name != "count":
                if len(nxt.args) != 1 or not _only_borrows(ctx, model, nxt.args[0]):
                    continue
            arg_text = ctx.text(nxt.call.child_by_field_name("arguments"))
            fix = guarded_fix(
                ctx,
                ctx.span_between(cloned.receiver, nxt.call),
                f"{base}.{name}{arg_text}",
                "Drop the clones",
            )
        elif name in _SWAPPABLE:
            arg_text = ctx.text(nxt.call.child_by_field_name("arguments"))
            fix = guarded_fix(
                ctx,
                ctx.span_between(cloned.receiver, nxt.call),
                f"{base}.{name}{arg_text}.cloned()",
                "Clone only what is kept",
            )
        yield ctx.finding(info, ctx.span_between(cloned.name, nxt.call), fix=fix)


# -- small iterator calls -------------------------------------------------------------


def _is_collection(t: Ty) -> bool:
    return S.is_sized_collection(t)


@rule(
    "rust/iter-nth",
    title="`.iter().nth(i)` on an indexable collection",
    severity=Severity.INFO,
    category="other",
    explanation="""
`v.iter().nth(i)` builds an iterator to reach an element that `v.get(i)` returns
directly. For slices and vectors the optimizer usually makes them equal, but `get` says
what is meant, and on a `VecDeque` it skips the iterator's two-slice bookkeeping.
""",
    fix="Use `.get(i)` (or `.get_mut(i)` for `iter_mut`).",
    measure="cargo bench (criterion); expect little difference on slices.",
    mirrors=["clippy:iter_nth"],
    bad="""
let v: Vec<u32> = Vec::new();
let third = v.iter().nth(2);
""",
    good="""
let v: Vec<u32> = Vec::new();
let third = v.get(2);
let third_char = name.chars().nth(2);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def iter_nth(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("nth"):
        if len(mc.args) != 1:
            continue
        it = model.method_named(mc.receiver, "iter", "iter_mut")
        if it is None or it.args:
            continue
        t = model.type_of(it.receiver).auto_deref()
        if not (t.name in ("[]", "array") or t.is_std("Vec", "VecDeque")):
            continue
        get = "get_mut" if ctx.text(it.name) == "iter_mut" else "get"
        span = ctx.span_between(it.name, mc.call)
        new = f"{get}({ctx.text(mc.args[0])})"
        yield ctx.finding(info, span, fix=guarded_fix(ctx, span, new, f"Use `.{get}()`"))


@rule(
    "rust/bytes-nth",
    title="`.bytes().nth(i)` instead of indexing the bytes",
    severity=Severity.INFO,
    category="other",
    explanation="""
`s.bytes().nth(i)` goes through the byte iterator to read one byte that
`s.as_bytes().get(i)` reads directly; the intent is also clearer.
""",
    fix="Use `s.as_bytes().get(i).copied()`.",
    measure="cargo bench (criterion); expect little difference.",
    mirrors=["clippy:bytes_nth"],
    bad="""
let s = String::from("abc");
let b = s.bytes().nth(1);
""",
    good="""
let s = String::from("abc");
let b = s.as_bytes().get(1).copied();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def bytes_nth(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("nth"):
        if len(mc.args) != 1:
            continue
        it = model.method_named(mc.receiver, "bytes")
        if it is None or it.args:
            continue
        t = model.type_of(it.receiver).auto_deref()
        if not (t.name == "str" or t.is_std("String")):
            continue
        span = ctx.span_between(it.name, mc.call)
        new = f"as_bytes().get({ctx.text(mc.args[0])}).copied()"
        yield ctx.finding(info, span, fix=guarded_fix(ctx, span, new, "Index the bytes"))


@rule(
    "rust/iter-count",
    title="`.iter().count()` on a collection that knows its length",
    severity=Severity.INFO,
    category="algorithm",
    explanation="""
`v.iter().count()` walks every element to count them, O(n) for maps, sets and lists,
while `v.len()` reads a stored length in O(1).
""",
    fix="Use `.len()`.",
    measure="cargo bench (criterion) on a large map or list.",
    mirrors=["clippy:iter_count"],
    bad="""
let seen: std::collections::HashSet<u32> = Default::default();
let n = seen.iter().count();
""",
    good="""
let seen: std::collections::HashSet<u32> = Default::default();
let n = seen.len();
let words = text.split(' ').count();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def iter_count(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("count"):
        if mc.args:
            continue
        it = model.method_named(mc.receiver, "iter", "iter_mut", "into_iter")
        if it is None or it.args:
            continue
        t = model.type_of(it.receiver).auto_deref()
        if not _is_collection(t) or t.is_std("String"):
            continue
        span = ctx.span_between(it.name, mc.call)
        yield ctx.finding(info, span, fix=guarded_fix(ctx, span, "len()", "Use `.len()`"))


# -- unnecessary-fold -----------------------------------------------------------------

_FOLDS = {
    # init literal -> (operator, replacement)
    "false": ("||", "any"),
    "true": ("&&", "all"),
    "0": ("+", "sum"),
    "1": ("*", "product"),
}


def _fold_operands(ctx: Context, body: Node | None, op: str) -> tuple[Node, Node] | None:
    body = unparen(body)
    if body is None or body.type != "binary_expression":
        return None
    operator = body.child_by_field_name("operator")
    if operator is None or operator.type != op:
        return None
    left = body.child_by_field_name("left")
    right = body.child_by_field_name("right")
    if left is None or right is None:
        return None
    return left, right


def _is_iterator(model: Model, node: Node) -> bool:
    t = model.type_of(node)
    return t.name in ("Iter", "Range")


@rule(
    "rust/unnecessary-fold",
    title="`fold` that re-implements `any`, `all`, `sum` or `product`",
    severity=Severity.INFO,
    category="other",
    explanation="""
`.fold(false, |acc, x| acc || p(x))` visits every element even after the answer is
known; `.any(p)` stops at the first match (and `.all` at the first miss). `sum` and
`product` say the same as their folds and can use specialised implementations.
""",
    fix="Use `.any(..)`, `.all(..)`, `.sum::<T>()` or `.product::<T>()`.",
    measure="cargo bench (criterion) on inputs where the answer is found early.",
    mirrors=["clippy:unnecessary_fold"],
    bad="""
let any_big = (0..10).fold(false, |acc, x| acc || x > 5);
""",
    good="""
let any_big = (0..10).any(|x| x > 5);
let weird = (0..10).fold(1, |acc, x| acc + x);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "folds over an `Option`'s iterator (`opt.iter().fold(..)`, which clippy turns into "
        "`map_or`) are not reported",
        "`fold(0, Add::add)` is reported only when `Add` comes from `std::ops` by a `use` in "
        "the file",
    ],
)
def unnecessary_fold(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("fold"):
        if len(mc.args) != 2:
            continue
        init = ctx.text(mc.args[0])
        if init not in _FOLDS or not _is_iterator(model, mc.receiver):
            continue
        recv_t = model.type_of(mc.receiver)
        if recv_t.name == "Iter" and recv_t.arg() is not None and recv_t.args[0].is_std("Option"):
            continue
        op, method = _FOLDS[init]
        f = mc.args[1]
        replacement = None
        if f.type == "closure_expression":
            params = closure_params(f)
            if len(params) != 2 or any(p.type != "identifier" for p in params):
                continue
            acc, item = (ctx.text(p) for p in params)
            operands = _fold_operands(ctx, closure_body(f), op)
            if operands is None:
                continue
            left, right = operands
            if ctx.text(left) == acc and not mentions(ctx, right, acc):
                other = right
            elif ctx.text(right) == acc and not mentions(ctx, left, acc):
                other = left
            else:
                continue
            if method in ("any", "all"):
                replacement = f"{method}(|{item}| {ctx.text(other)})"
            elif ctx.text(other) != item:
                continue
            else:
                replacement = method + _turbofish_for(ctx, model, mc)
        elif f.type in ("identifier", "scoped_identifier") and method in ("sum", "product"):
            path = ctx.text(f)
            wanted = "add" if method == "sum" else "mul"
            head, _, last = path.rpartition("::")
            if last != wanted:
                continue
            trait = "Add" if method == "sum" else "Mul"
            if head == trait:
                if not model.resolve_path(trait).startswith("std::ops"):
                    continue
            elif head not in S.INTEGERS + S.FLOATS:
                continue
            replacement = method + _turbofish_for(ctx, model, mc)
        else:
            continue
        span = ctx.span_between(mc.name, mc.call)
        fix = None
        if replacement is not None and "::<_>" not in replacement:
            fix = guarded_fix(
                ctx,
                span,
                replacement + ("()" if method in ("sum", "product") else ""),
                f"Use `.{method}`",
            )
        yield ctx.finding(info, span, fix=fix)


def _turbofish_for(ctx: Context, model: Model, mc: MethodCall) -> str:
    """`::<i32>` when the result's type is written (a `let` annotation or the function's
    return type), so `sum`/`product` can infer what they build; `::<_>` otherwise."""
    parent = mc.call.parent
    if parent is not None and parent.type == "let_declaration":
        ty = parent.child_by_field_name("type")
        if ty is not None:
            return f"::<{ctx.text(ty)}>"
    if parent is not None and fn_tail(mc.call) and parent.parent is not None:
        fn = model.fn_info(parent.parent)
        if fn is not None and fn.ret is not None and fn.ret.type == "primitive_type":
            return f"::<{ctx.text(fn.ret)}>"
    return "::<_>"


# -- search-is-some -----------------------------------------------------------------


@rule(
    "rust/search-is-some",
    title="Search for a position only to ask whether there is one",
    severity=Severity.INFO,
    category="other",
    explanation="""
`.find(p).is_some()`, `.position(p).is_some()` and `s.find("x").is_some()` compute where
the match is and then throw the answer away. `.any(p)` and `s.contains("x")` ask the
question directly and read better.
""",
    fix="Use `.any(..)` (or `!….any(..)` for `is_none`), `s.contains(..)` for strings.",
    measure="No measurable cost difference expected: this is about intent.",
    mirrors=["clippy:search_is_some"],
    bad="""
let values: Vec<i32> = load();
let has_neg = values.iter().position(|&x| x < 0).is_some();
""",
    good="""
let values: Vec<i32> = load();
let has_neg = values.iter().any(|&x| x < 0);
let at = values.iter().position(|&x| x < 0);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "`find` on an iterator gets no quick fix: its closure takes `&Item` where `any`'s "
        "takes `Item`, and rewriting the closure's pattern needs the item type",
    ],
)
def search_is_some(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("is_some", "is_none"):
        if mc.args:
            continue
        search = model.method_named(mc.receiver, "find", "position", "rposition")
        if search is None or len(search.args) != 1:
            continue
        negate = ctx.text(mc.name) == "is_none"
        name = ctx.text(search.name)
        recv_t = model.type_of(search.receiver)
        fix = None
        span = ctx.span_between(search.name, mc.call)
        if recv_t.name in ("Iter", "Range"):
            if name in ("position", "rposition"):
                new = f"{ctx.text(search.receiver)}.any({ctx.text(search.args[0])})"
                target = ctx.span_between(search.receiver, mc.call)
                fix = guarded_fix(ctx, target, ("!" if negate else "") + new, "Use `any`")
            yield ctx.finding(info, span, fix=fix)
            continue
        base = recv_t.auto_deref()
        if name == "find" and (base.name == "str" or base.is_std("String")):
            pattern = search.args[0]
            if pattern.type == "closure_expression":
                continue
            pt = model.type_of(pattern)
            if not (
                is_str_literal(ctx, pattern)
                or pt.deref().name == "str"
                or pt.deref().is_std("String")
            ):
                continue
            recv_text = ctx.text(search.receiver)
            if search.receiver.type not in (
                "identifier",
                "field_expression",
                "call_expression",
                "string_literal",
                "index_expression",
            ):
                recv_text = f"({recv_text})"
            new = f"{recv_text}.contains({ctx.text(pattern)})"
            target = ctx.span_between(search.receiver, mc.call)
            fix = guarded_fix(ctx, target, ("!" if negate else "") + new, "Use `contains`")
            yield ctx.finding(info, span, fix=fix)


# -- manual-contains ------------------------------------------------------------------


@rule(
    "rust/manual-contains",
    title="`iter().any(|x| *x == v)` on a slice",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
A generic `any` with an equality closure compares one element at a time through the
iterator. `<[T]>::contains` is specialised: for bytes it is a `memchr`, and for other
primitive types it is a tight loop the compiler vectorises.
""",
    fix="Use `slice.contains(&v)`.",
    measure="cargo bench (criterion) with realistic slice lengths.",
    mirrors=["clippy:manual_contains"],
    bad="""
let bytes: &[u8] = b"hello";
let has_l = bytes.iter().any(|&b| b == b'l');
""",
    good="""
let bytes: &[u8] = b"hello";
let has_l = bytes.contains(&b'l');
let has_big = bytes.iter().any(|&b| b > 100);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def manual_contains(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("any"):
        if len(mc.args) != 1 or mc.args[0].type != "closure_expression":
            continue
        it = model.method_named(mc.receiver, "iter")
        if it is None or it.args:
            continue
        container = model.type_of(it.receiver).auto_deref()
        if not (container.name in ("[]", "array") or container.is_std("Vec")):
            continue
        elem = S.element(container)
        if elem is None or not elem.known:
            continue
        needle = _equality_needle(ctx, model, mc.args[0], elem)
        if needle is None:
            continue
        text, by_ref = needle
        arg = text if by_ref else f"&{text}"
        span = ctx.span_between(it.name, mc.call)
        yield ctx.finding(
            info, span, fix=guarded_fix(ctx, span, f"contains({arg})", "Use `contains`")
        )


def _equality_needle(
    ctx: Context, model: Model, closure: Node, elem: Ty
) -> tuple[str, bool] | None:
    """For `|&v| v == e`, `|v| *v == e`, `|&v| e == v`, `|v| *v == *a`: the needle `e`
    (and whether it is already a reference), when `e` does not use the element."""
    params = closure_params(closure)
    if len(params) != 1:
        return None
    p = params[0]
    by_pattern = p.type == "reference_pattern"
    if by_pattern:
        inner = p.named_children[0] if p.named_children else None
        if inner is None or inner.type != "identifier":
            return None
        name = ctx.text(inner)
    elif p.type == "identifier":
        name = ctx.text(p)
    else:
        return None
    body = unparen(closure_body(closure))
    if body is None or body.type != "binary_expression":
        return None
    op = body.child_by_field_name("operator")
    left = body.child_by_field_name("left")
    right = body.child_by_field_name("right")
    if op is None or op.type != "==" or left is None or right is None:
        return None
    elem_side = f"{name}" if by_pattern else f"*{name}"
    if ctx.text(left).replace(" ", "") == elem_side:
        other = right
    elif ctx.text(right).replace(" ", "") == elem_side:
        other = left
    else:
        return None
    if _uses_name(ctx, other, name) or not _pure(ctx, model, other):
        return None
    if not _same_type(ctx, model, other, elem):
        return None
    other_text = ctx.text(other)
    if other.type == "unary_expression" and other_text.startswith("*"):
        inner_node = other.named_children[0] if other.named_children else None
        if inner_node is not None and inner_node.type == "identifier":
            return ctx.text(inner_node), True
    if other.type == "binary_expression":
        other_text = f"({other_text})"
    return other_text, False


def _uses_name(ctx: Context, node: Node, name: str) -> bool:
    """Whether the identifier `name` occurs in `node` (as a token, not inside a literal)."""
    return any(n.type == "identifier" and ctx.text(n) == name for n in walk(node))


def _pure(ctx: Context, model: Model, node: Node) -> bool:
    """No calls (a closure call may count or mutate) in the needle expression."""
    return not any(n.type in ("call_expression", "macro_invocation") for n in walk(node))


def _same_type(ctx: Context, model: Model, node: Node, elem: Ty) -> bool:
    t = model.type_of(node)
    if node.type == "unary_expression" and ctx.text(node).startswith("*"):
        inner = model.type_of(node.named_children[0] if node.named_children else None)
        t = inner.args[0] if inner.is_ref and inner.args else S.UNKNOWN
    if not t.known:
        return False
    if t == elem:
        return True
    numeric = set(S.INTEGERS) | set(S.FLOATS)
    if t.name == "{integer}" and elem.name in S.INTEGERS:
        return True
    if t.name == "{float}" and elem.name in S.FLOATS:
        return True
    if t.name in numeric and elem.name in numeric:
        return t.name == elem.name
    if t.is_ref and elem.is_ref and t.deref().name == "str" and elem.deref().name == "str":
        return True
    return t.name == elem.name and t.args == elem.args


# -- manual-retain --------------------------------------------------------------------

_RETAIN = ("Vec", "VecDeque", "HashSet", "BTreeSet", "HashMap", "BTreeMap", "BinaryHeap", "String")


@rule(
    "rust/manual-retain",
    title="Collection rebuilt by filtering itself",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`v = v.into_iter().filter(..).collect()` allocates a second collection, moves the kept
elements into it and frees the first. `v.retain(..)` removes the unwanted elements in
place, with no allocation (for hash maps and sets it also keeps the table's capacity).
""",
    fix="Use `v.retain(..)` with the same predicate (taking `&T`).",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:manual_retain"],
    bad="""
let mut ids: Vec<u32> = load();
ids = ids.into_iter().filter(|x| x % 2 == 0).collect();
""",
    good="""
let mut ids: Vec<u32> = load();
ids.retain(|x| x % 2 == 0);
let evens: Vec<u32> = ids.iter().filter(|&x| x % 2 == 0).copied().collect();
""",
    node_types=["assignment_expression"],
    scope="body",
    has_fix=True,
    gaps=[
        "no quick fix for maps and for closures whose pattern must change (`|v| **v != 1` "
        "after `iter()`)",
        "differs: also reports `s = s.chars().filter(..).collect()` on a `String`, which "
        "clippy reports only with `.to_owned()` before `collect()`",
    ],
)
def manual_retain(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for assign in ctx.nodes("assignment_expression"):
        left = assign.child_by_field_name("left")
        right = assign.child_by_field_name("right")
        collect = model.method_named(right, "collect")
        if left is None or collect is None or collect.args or collect.turbofish is not None:
            continue
        target_t = model.type_of(left).auto_deref()
        if not target_t.is_std(*_RETAIN):
            continue
        shape = _filter_shape(ctx, model, collect, ctx.text(left), target_t.name)
        if shape is None:
            continue
        closure, strip = shape
        fix = None
        new_closure = _retain_closure(ctx, closure, strip)
        if new_closure is not None and target_t.name not in ("HashMap", "BTreeMap"):
            fix = guarded_fix(
                ctx, assign, f"{ctx.text(left)}.retain({new_closure})", "Filter in place"
            )
        yield ctx.finding(info, assign, fix=fix)


def _filter_shape(
    ctx: Context, model: Model, collect: MethodCall, name: str, kind: str
) -> tuple[Node, bool] | None:
    """(the filter closure, whether its pattern has one `&` too many for `retain`)."""
    recv = collect.receiver
    copied = model.method_named(recv, "copied", "cloned", "to_owned")
    strip = False
    if copied is not None and not copied.args:
        recv = copied.receiver
        strip = True
    flt = model.method_named(recv, "filter")
    if flt is None or len(flt.args) != 1 or flt.args[0].type != "closure_expression":
        return None
    src = model.method_named(flt.receiver, "iter", "into_iter", "chars")
    if src is None or src.args or ctx.text(src.receiver) != name:
        return None
    method = ctx.text(src.name)
    if kind == "String":
        if method != "chars":
            return None
        strip = True
    elif method == "chars":
        return None
    elif method == "iter" and copied is None:
        return None  # references collected into the same variable cannot type-check
    elif method == "into_iter" and copied is not None:
        return None
    params = closure_params(flt.args[0])
    if len(params) != 1:
        return None
    if kind in ("HashMap", "BTreeMap") and params[0].type != "tuple_pattern":
        return None
    if strip and kind != "String" and params[0].type not in ("reference_pattern", "tuple_pattern"):
        return None  # `|v| **v != 1`: the closure itself would have to change
    if kind == "String" and params[0].type != "reference_pattern":
        return None
    return flt.args[0], strip


def _retain_closure(ctx: Context, closure: Node, strip: bool) -> str | None:
    params = closure_params(closure)
    body = closure_body(closure)
    if len(params) != 1 or body is None:
        return None
    p = params[0]
    if strip:
        if p.type != "reference_pattern":
            return None
        inner = p.named_children[0] if p.named_children else None
        if inner is None:
            return None
        return f"|{ctx.text(inner)}| {ctx.text(body)}"
    return ctx.text(closure)


# -- collect-then-iterate ---------------------------------------------------------------


@rule(
    "rust/collect-then-iterate",
    title="Collection built only to be iterated once",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
The iterator's items are collected into a new `Vec` (an allocation, plus regrowth when
the length is not known) and the vector is then only walked once, by reference: summed,
searched, printed. Using the iterator where the vector is walked does the same work
without the allocation.
""",
    fix="Drop the `collect` and iterate the chain where the vector was iterated.",
    measure="cargo bench (criterion); DHAT for the allocation.",
    mirrors=[],
    related=["clippy:needless_collect (which covers `into_iter`, `len`, `contains`)"],
    bad="""
let words: Vec<String> = load();
let lens: Vec<usize> = words.iter().map(|w| w.len()).collect();
let total: usize = lens.iter().sum();
""",
    good="""
let words: Vec<String> = load();
let total: usize = words.iter().map(|w| w.len()).sum();
let lens: Vec<usize> = words.iter().map(|w| w.len()).collect();
let first = lens.first().copied();
let again = lens.iter().max();
""",
    node_types=CALLS,
    scope="body",
    confidence=0.8,
)
def collect_then_iterate(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("collect"):
        if mc.args:
            continue
        let = mc.call.parent
        if let is None or let.type != "let_declaration":
            continue
        pat = let.child_by_field_name("pattern")
        if pat is None or pat.type != "identifier" or let.parent is None:
            continue
        name = ctx.text(pat)
        # Cheap first: the next use in the block must walk the vector.
        first = model.occurrences(name, let.end_byte, let.parent.end_byte)
        if not first or first[0].type != "identifier":
            continue
        use = first[0]
        if not _walked_by_reference(ctx, model, use):
            continue
        if not std_iterator_chain(ctx, model, mc):
            continue
        binding = model.binding_named(name, let.next_named_sibling or let)
        if binding is None or binding.site.id != let.id:
            continue
        uses = model.occurrences(name, let.end_byte, model.scope_end(binding))
        if len(uses) != 1 or uses[0].id != use.id:
            continue
        if not collect_target(ctx, model, mc).is_std("Vec", "VecDeque"):
            continue
        if len(model.loops_around(use)) > len(model.loops_around(let)):
            continue
        if _closure_between(use, let):
            continue
        if _chain_has_side_effects(ctx, model, mc.receiver):
            continue
        if not _source_free_until(ctx, model, mc, let, use):
            continue
        if _loop_keeps_items(ctx, model, use):
            continue
        if _through_guard_chain(ctx, model, mc):
            continue
        if _chain_names_reused(ctx, mc, let, use):
            continue
        yield ctx.finding(
            info,
            ctx.span_between(mc.name, mc.call),
            title=f"`{name}` is collected only to be iterated once: iterate the chain",
        )


_BORROWING_SOURCES = frozenset(
    {"iter", "iter_mut", "chars", "char_indices", "bytes", "lines", "keys", "values", "windows"}
    | {"chunks", "split", "split_whitespace", "drain", "as_bytes", "as_str", "as_slice"}
)


def _source_free_until(ctx: Context, model: Model, mc: MethodCall, let: Node, use: Node) -> bool:
    """Whether the chain could run where the vector is walked: what it borrows from is a
    named place (not a temporary that dies with the `let`), and that place is not touched
    between the `let` and the end of the statement that walks the vector (the loop body
    may need it mutably: collecting first is how such code satisfies the borrow checker)."""
    first = mc
    while True:
        inner = model.method(first.receiver)
        if inner is None:
            break
        first = inner
    root = first.receiver
    while root.type in ("field_expression", "reference_expression", "parenthesized_expression"):
        nxt = root.child_by_field_name("value") or root.named_child(0)
        if nxt is None:
            break
        root = nxt
    if root.type not in ("identifier", "self"):
        # A temporary or a call: fine only when the chain owns it (`into_iter`, ranges).
        return (
            ctx.text(first.name) not in _BORROWING_SOURCES
            and first.receiver.type != "array_expression"
        )
    block = let.parent
    if block is None:
        return False
    stmt = use
    while stmt.parent is not None and stmt.parent.id != block.id:
        stmt = stmt.parent
    return not mentions_between(ctx, let.end_byte, stmt.end_byte, ctx.text(root))


def _chain_names_reused(ctx: Context, mc: MethodCall, let: Node, use: Node) -> bool:
    """Whether a name the chain reads (`store` in `exn.fields(&mut store)..collect()`)
    occurs again before the statement walking the vector ends: the chain may hold a borrow
    of it, so it could not run there; collecting first ends that borrow."""
    block = let.parent
    if block is None:
        return True
    stmt = use
    while stmt.parent is not None and stmt.parent.id != block.id:
        stmt = stmt.parent
    bound = {ctx.text(i) for c in _closures(mc.call) for i in _closure_param_names(c)}
    idents = [n for n in _identifiers(mc.call) if _is_value(n)]
    names = {ctx.text(n) for n in idents} - bound
    # One step back: `let obj = root.get(..)`, then `obj.keys()..collect()` borrows `root`.
    for ident in idents:
        b = _model_of(ctx).binding(ident)
        if b is not None and b.kind in ("let", "cond") and b.holder is not None:
            value = b.holder.child_by_field_name("value")
            if value is not None:
                names |= {ctx.text(n) for n in _identifiers(value) if _is_value(n)}
    pat = let.child_by_field_name("pattern")
    if pat is not None:
        names.discard(ctx.text(pat))
    return any(mentions_between(ctx, let.end_byte, stmt.end_byte, n) for n in names)


def _model_of(ctx: Context) -> Model:
    return Model.of(ctx)


def _is_value(ident: Node) -> bool:
    """Not a macro's or a called function's name: a value that can be borrowed."""
    parent = ident.parent
    if parent is None:
        return True
    if parent.type == "macro_invocation":
        return False
    called = parent.child_by_field_name("function") if parent.type == "call_expression" else None
    return called is None or called.id != ident.id


def _closures(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "closure_expression":
            yield n
        stack.extend(n.named_children)


def _closure_param_names(closure: Node) -> list[Node]:
    params = closure.child_by_field_name("parameters")
    return list(_identifiers(params)) if params is not None else []


_GUARD_METHODS = frozenset({"borrow", "borrow_mut", "lock", "read", "write", "try_lock"})


def _through_guard_chain(ctx: Context, model: Model, mc: MethodCall) -> bool:
    """`cell.borrow().iter()..collect()`: collecting releases the `RefCell` borrow or the
    lock before the vector is walked; walking the chain would hold it across the walk."""
    cur: MethodCall | None = mc
    while cur is not None:
        if ctx.text(cur.name) in _GUARD_METHODS:
            return True
        cur = model.method(unparen(cur.receiver) or cur.receiver)
    return False


def _chain_top(model: Model, mc: MethodCall) -> Node:
    """The outermost call of the method chain `mc` starts (`v.iter().map(..).sum()`)."""
    cur = mc.call
    while True:
        fe = cur.parent
        if fe is None or fe.type != "field_expression":
            return cur
        nxt = model.method(_called(fe))
        if nxt is None:
            return cur
        cur = nxt.call


def _lends_items(ctx: Context, start: Node, top: Node) -> bool:
    """A closure in the chain above `start` that returns a borrow (`|s| s.as_str()`,
    `|x| &x.name`)."""
    for c in _closures(top):
        if c.start_byte < start.end_byte:
            continue
        body = c.child_by_field_name("body")
        if body is None:
            continue
        text = ctx.text(body).lstrip("{ \n")
        if text.startswith("&") or any(f".{m}(" in text for m in _LENDING):
            return True
    return False


def _ends_in_collect(ctx: Context, model: Model, mc: MethodCall) -> bool:
    cur = mc
    while True:
        fe = cur.call.parent
        if fe is None or fe.type != "field_expression":
            return False
        nxt = model.method(_called(fe))
        if nxt is None:
            return False
        if ctx.text(nxt.name) in ("collect", "unzip", "partition"):
            return True
        cur = nxt


def _loop_keeps_items(ctx: Context, model: Model, use: Node) -> bool:
    """Whether a `for` loop walking the vector hands its items (or borrows of them) to
    something that outlives an iteration: `trie.insert(&item.key)`, `out.push(item)`.
    Walking the chain instead, each item would be a temporary dropped at the end of its
    iteration, and such a borrow would not compile; the vector is what keeps them."""
    loop = use.parent
    while loop is not None and loop.type != "for_expression":
        if loop.type not in ("reference_expression", "field_expression", "call_expression"):
            return False
        loop = loop.parent
    if loop is None:
        return False
    pat = loop.child_by_field_name("pattern")
    body = loop.child_by_field_name("body")
    if pat is None or body is None:
        return False
    names = {ctx.text(n) for n in _identifiers(pat)}
    for item in names:
        for occ in model.occurrences(item, body.start_byte, body.end_byte):
            # Follow the item while the value is still (a borrow of) it or a part of it.
            n = occ
            while n.parent is not None and n.parent.id != body.id:
                parent = n.parent
                if parent.type in ("field_expression", "reference_expression"):
                    n = parent
                    continue
                if parent.type == "parenthesized_expression":
                    n = parent
                    continue
                if parent.type == "call_expression" and n.type == "field_expression":
                    method = n.child_by_field_name("field")
                    if method is not None and ctx.text(method) in _LENDING:
                        n = parent  # `item.key.as_str()`: still a borrow of the item
                        continue
                    break
                if parent.type in _WRAPPING:
                    n = parent  # `(k, &item.v)`, `Entry { key: &item.k }`: still held
                    continue
                if parent.type == "arguments":
                    call = parent.parent
                    if _outer_receiver(ctx, model, call, body, names):
                        return True
                    if call is not None and _constructor(ctx, call):
                        n = call  # `Some(&item.key)`: the item wrapped
                        continue
                    break
                if parent.type == "assignment_expression":
                    if parent.child_by_field_name("right") == n:
                        return True
                    break
                break
    return False


_WRAPPING = frozenset(
    {"tuple_expression", "array_expression", "field_initializer", "field_initializer_list"}
    | {"struct_expression", "shorthand_field_initializer"}
)


def _constructor(ctx: Context, call: Node) -> bool:
    """`Some(..)`, `Ok(..)`, `Wrapper(..)`, `Kind::Variant(..)`, `Box::new(..)`: builds a
    value holding its arguments (by Rust naming, a capitalised last path segment, or a
    type's `new`)."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type not in ("identifier", "scoped_identifier"):
        return False
    parts = ctx.text(fn).split("::")
    if parts[-1] == "new" and len(parts) > 1:
        return parts[-2][:1].isupper()
    return parts[-1][:1].isupper()


# Methods that read an argument during the call and keep nothing borrowed from it.
_BORROWS_ONLY = frozenset(
    {"push_str", "extend_from_slice", "insert_str", "write_str", "write_all", "contains"}
    | {"contains_key", "starts_with", "ends_with", "eq", "cmp", "binary_search", "find"}
)


# Methods whose result borrows from the receiver.
_LENDING = frozenset(
    {"as_str", "as_ref", "as_slice", "as_path", "as_bytes", "as_deref", "borrow", "iter"}
    | {"components", "keys", "values", "first", "last", "get", "chars", "lines", "trim"}
)


def _identifiers(pat: Node) -> Iterator[Node]:
    stack = [pat]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            yield n
        stack.extend(n.named_children)


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _outer_receiver(
    ctx: Context, model: Model, call: Node | None, body: Node, items: set[str]
) -> bool:
    """A call made on a value declared before the loop (`trie.insert(..)`), or a free
    function whose result may keep what it is given: either can keep a loop item."""
    if call is None or call.type != "call_expression":
        return False
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return False  # a free function returns what it returns: the caller decides
    root = fn.child_by_field_name("value")
    while root is not None and root.type in ("field_expression", "index_expression"):
        root = root.child_by_field_name("value") or root.named_child(0)
    if root is None or root.type not in ("identifier", "self"):
        return False
    if ctx.text(root) in items:
        return False  # a method on the item itself
    method = fn.child_by_field_name("field")
    if method is not None and ctx.text(method) in _BORROWS_ONLY:
        return False  # reads its argument during the call, keeps a copy at most
    b = model.binding(root)
    return b is None or not _inside(b.site, body)


def _walked_by_reference(ctx: Context, model: Model, use: Node) -> bool:
    """`v.iter()…` or `for x in &v` / `for x in v.iter()`."""
    parent = use.parent
    if parent is None:
        return False
    if parent.type == "field_expression":
        mc = model.method(parent.parent)
        if mc is None or mc.receiver.id != use.id or ctx.text(mc.name) != "iter":
            return False
        # `f(v.iter())`, `f(v.iter().map(..))`: the callee may want `&T` items, and the
        # chain yields others.
        top = _chain_top(model, mc)
        outer = top.parent
        if outer is not None and outer.type == "arguments":
            return False
        # `v.iter().map(|x| Info { data: x }).collect()`: the new collection may keep
        # borrows of the items, which the vector is what keeps alive; so may a closure
        # lending from an item (`.map(|s| s.as_str())`).
        return not _ends_in_collect(ctx, model, mc) and not _lends_items(ctx, mc.call, top)
    if parent.type == "reference_expression":
        loop = parent.parent
        return (
            loop is not None
            and loop.type == "for_expression"
            and (loop.child_by_field_name("value") == parent)
        )
    return False
