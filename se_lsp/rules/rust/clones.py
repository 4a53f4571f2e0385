"""Rules about copies nobody needs: clones of temporaries, of values at their last use,
owned copies made only to be borrowed, and clones that could reuse a buffer."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import Binding, MethodCall, Model
from se_lsp.rules.rust.project import msrv
from se_lsp.rules.rust.stdlib import Ty
from se_lsp.rules.rust.syntax import (
    args,
    call_args,
    guarded_fix,
    is_str_literal,
    mentions,
    mentions_between,
    unparen,
    walk,
)

CALLS: list[str] = []
# The method names this family's rules start from (Model.methods scans for them).
METHODS = frozenset({"clone", "to_owned", "to_string", "to_vec", "to_path_buf", "to_os_string"})
# The copies clippy's redundant_clone follows (not `to_vec`).
_OWNING = ("clone", "to_owned", "to_string", "to_path_buf", "to_os_string")


def _owned_type(model: Model, t: Ty) -> bool:
    """A type whose clone allocates (or whose clone the file says is not trivial)."""
    d = t
    if d.std and d.name in S.HEAP_OWNING:
        return True
    if d.is_std("Option", "Result", "Box") or d.name == "tuple":
        # `Some(String)`, `(Vec<u8>, u32)`: cloning copies what they own.
        return any(a.known and not a.is_ref and _owned_type(model, a) for a in d.args)
    decl = model.user_type(d)
    return decl is not None and not model.is_copy(d)


def _is_temporary(node: Node) -> bool:
    node = unparen(node) or node
    return node.type in ("call_expression", "macro_invocation")


def _same_owned(model: Model, method: str, recv_t: Ty) -> bool:
    """Whether `recv.method()` returns a copy of a value of the receiver's own type."""
    if recv_t.is_ref or not recv_t.known:
        return False
    if method == "clone":
        return _owned_type(model, recv_t)
    if method in ("to_string", "to_owned"):
        if recv_t.is_std("String"):
            return True
        if (
            method == "to_owned"
            and recv_t.std
            and recv_t.name in ("PathBuf", "OsString", "Vec", "CString")
        ):
            return True
        return False
    if method == "to_path_buf":
        return recv_t.is_std("PathBuf")
    if method == "to_os_string":
        return recv_t.is_std("OsString")
    if method == "to_vec":
        return recv_t.is_std("Vec")
    return False


# -- redundant-clone --------------------------------------------------------------------

# Methods taking `&self` and returning something that does not borrow from it: calling
# them on a clone gives what calling them on the original gives.
_BY_REF = frozenset(
    {
        "join",
        "len",
        "is_empty",
        "contains",
        "starts_with",
        "ends_with",
        "to_uppercase",
        "to_lowercase",
        "exists",
        "is_file",
        "is_dir",
        "display_string",
    }
)


@rule(
    "rust/redundant-clone",
    title="Clone of a value that is not used again",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
The value is cloned (`.clone()`, `.to_string()`, `.to_owned()`...) where the original
could be used itself: it is a temporary nobody else holds, or a local that is never used
after this point, or the clone is only read through `&self` by the next call. Each such
clone of a `String`, `Vec` or `PathBuf` is an allocation plus a copy of every byte.
""",
    fix="Drop the `.clone()` (move the value, or call the method on the original).",
    measure="cargo bench (criterion); DHAT (`valgrind --tool=dhat`) shows the allocation gone.",
    mirrors=["clippy:redundant_clone"],
    bad="""
let name = String::from("ada");
let owner = name.clone();
""",
    good="""
let name = String::from("ada");
let owner = name.clone();
greet(&name);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    confidence=0.8,
    gaps=[
        "clippy follows moves and borrows through the MIR; here a local counts as unused "
        "after the clone only when its name does not occur again in the function, and any "
        "earlier borrow of it (`&x` kept in a binding) makes the rule stay silent",
    ],
)
def redundant_clone(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods(*_OWNING):
        if mc.turbofish is not None or mc.args:
            continue
        method = ctx.text(mc.name)
        recv = unparen(mc.receiver) or mc.receiver
        if recv.type == "binary_expression":
            continue
        # Cheap shape tests first; a type is asked for only when the shape can match.
        temporary = _is_temporary(recv)
        nxt = None
        if _discarded(ctx, mc.call) and recv.type in ("identifier", "field_expression"):
            # `let _ = x.clone();` copies and drops; `let _ = x;` moves nothing.
            if _same_owned(model, method, model.type_of(recv)):
                span = ctx.span_between(mc.receiver, mc.call)
                fix = guarded_fix(ctx, span, ctx.text(recv), "Drop the copy")
                yield ctx.finding(info, ctx.span_between(mc.name, mc.call), fix=fix)
            continue
        if not temporary:
            if recv.type == "identifier" and method in ("to_string", "to_owned", "clone"):
                if _used_after(ctx, model, mc, recv):
                    if method != "clone":
                        continue
                    nxt = _next_method(model, mc.call)
                    if nxt is None or ctx.text(nxt.name) not in _BY_REF:
                        continue
            elif method == "clone" and recv.type == "field_expression":
                nxt = _next_method(model, mc.call)
                if nxt is None or ctx.text(nxt.name) not in _BY_REF:
                    # Only a field of a plain local that is not used again can move out.
                    base = recv.child_by_field_name("value")
                    if base is None or base.type != "identifier":
                        continue
                    if _used_after(ctx, model, mc, base):
                        continue
            elif method == "clone":
                nxt = _next_method(model, mc.call)
                if nxt is None or ctx.text(nxt.name) not in _BY_REF:
                    continue
            else:
                continue
        recv_t = model.type_of(recv)
        why = ""
        if _guard_binding(ctx, model, recv):
            continue  # `let g = m.lock().unwrap(); g.clone()`: a copy out of the guard
        if temporary:
            if _through_guard(ctx, model, recv):
                continue  # `m.lock().unwrap().clone()` copies out of a guard, releasing it
            if _same_owned(model, method, recv_t):
                why = "Drop the copy"  # `String::from("x").to_string()`
        elif method != "clone":
            if _same_owned(model, method, recv_t) and _last_use(ctx, model, mc, recv):
                why = "Move the value"
        elif (
            nxt is not None
            and ctx.text(nxt.name) in _BY_REF
            and recv_t.known
            and (recv_t.deref().std and recv_t.deref().name in ("String", "PathBuf", "Vec"))
            and not any(mentions(ctx, a, _root(ctx, recv)) for a in nxt.args)
        ):
            why = "Call it on the original"
        elif _same_owned(model, "clone", recv_t) and (
            recv.type == "identifier"
            or (recv.type == "field_expression" and _plain_field(ctx, model, recv))
        ):
            if _last_use(ctx, model, mc, recv):
                why = "Move the value"
        if why:
            span = ctx.span_between(mc.receiver, mc.call)
            fix = guarded_fix(ctx, span, ctx.text(recv), why)
            yield ctx.finding(info, ctx.span_between(mc.name, mc.call), fix=fix)


_GUARDS = frozenset(
    {"lock", "read", "write", "try_lock", "try_read", "try_write", "borrow", "borrow_mut"}
)


def _through_guard(ctx: Context, model: Model, recv: Node) -> bool:
    """`m.lock().unwrap()`, `cell.borrow()`: a guard whose `clone()` copies the value it
    guards. Dropping the clone would hand out the guard itself (another type, and a lock
    held for as long as the value lives)."""
    node = recv
    while True:
        mc = model.method(node)
        if mc is None:
            return False
        name = ctx.text(mc.name)
        if name in _GUARDS:
            return True
        if name not in ("unwrap", "expect", "unwrap_or_else"):
            return False
        node = unparen(mc.receiver) or mc.receiver


def _guard_binding(ctx: Context, model: Model, recv: Node) -> bool:
    """A local bound to a guard (`let g = m.lock().unwrap();`), or a field of one."""
    root = recv
    while root.type == "field_expression":
        value = root.child_by_field_name("value")
        if value is None:
            return False
        root = value
    if root.type != "identifier":
        return False
    b = model.binding(root)
    if b is None or b.kind != "let" or b.holder is None:
        return False
    value = b.holder.child_by_field_name("value")
    return value is not None and _through_guard(ctx, model, unparen(value) or value)


def _discarded(ctx: Context, call: Node) -> bool:
    """`let _ = <call>;`: the value is dropped at once."""
    let = call.parent
    if let is None or let.type != "let_declaration":
        return False
    pat = let.child_by_field_name("pattern")
    return pat is not None and (pat.type == "_" or ctx.text(pat) == "_")


def _used_after(ctx: Context, model: Model, mc: MethodCall, recv: Node) -> bool:
    """Whether the receiver's name occurs again later in its function (a cheap byte test;
    `_last_use` makes the exact decision)."""
    fn = model.fn_of(mc.call)
    end = fn.end_byte if fn is not None else len(ctx.source)
    return mentions_between(ctx, mc.call.end_byte, end, ctx.text(recv))


def _root(ctx: Context, node: Node) -> str:
    while node.type in ("field_expression", "index_expression"):
        value = (
            node.child_by_field_name("value")
            if node.type == "field_expression"
            else node.named_child(0)
        )
        if value is None:
            break
        node = value
    return ctx.text(node)


def _plain_field(ctx: Context, model: Model, node: Node) -> bool:
    """`t.0` / `s.x` of a local tuple or struct of this file that has no `Drop` (moving a
    field out of a value with `Drop` does not compile)."""
    value = node.child_by_field_name("value")
    if value is None or value.type != "identifier":
        return False
    t = model.type_of(value)
    if t.name == "tuple":
        return True
    decl = model.user_type(t)
    return decl is not None and not model.impls_for(decl.name, "Drop")


def _next_method(model: Model, call: Node) -> MethodCall | None:
    fe = call.parent
    if fe is None or fe.type != "field_expression":
        return None
    return model.method(fe.parent)


def _last_use(ctx: Context, model: Model, mc: MethodCall, recv: Node) -> bool:
    """Whether `recv` (a local, or a field of one) is not used after this clone, and nothing
    borrowed from it can still be alive."""
    name = _root(ctx, recv)
    ident = recv
    while ident.type == "field_expression":
        value = ident.child_by_field_name("value")
        if value is None:
            return False
        ident = value
    b = model.binding(ident)
    if b is None or b.kind not in ("let", "param") or not b.whole:
        return False
    if b.kind == "param":
        if b.type_node is None or b.type_node.type == "reference_type":
            return False
    # Not in a loop that the binding is outside of (the clone runs again).
    fn = model.fn_of(mc.call)
    for loop in model.loops_around(mc.call, stop_at_closure=False):
        if loop.start_byte > b.start or b.kind == "param":
            return False
    # Inside a closure the value may be captured by reference: leave it.
    n = mc.call.parent
    while n is not None and n.type != "function_item":
        if n.type == "closure_expression":
            return False
        n = n.parent
    # Never mentioned after the clone, within the binding's scope.
    if mentions_between(ctx, mc.call.end_byte, b.end, name):
        return False
    # Nothing borrowed from it before: a `&name`, a closure, a method result kept in a let.
    if _borrowed_before(ctx, model, b, mc.call.start_byte, name):
        return False
    return fn is not None


# Places where a mention of the value may keep a borrow of it alive past the statement.
_HOLDERS = frozenset(
    {
        "let_declaration",
        "closure_expression",
        "struct_expression",
        "reference_expression",
        "assignment_expression",
        "return_expression",
        "call_expression",
        "array_expression",
        "tuple_expression",
    }
)


def _borrowed_before(ctx: Context, model: Model, b: Binding, until: int, name: str) -> bool:
    """Whether an earlier mention of the value may have lent it out to something still alive:
    `&x` kept in a binding, a closure, a struct, a call result. A mention that is only a
    method call on it in a statement of its own, or a formatting macro, lends nothing that
    lasts."""
    for use in model.occurrences(name, b.start, until):
        n = use.parent
        if n is not None and n.type == "field_expression":
            mc = model.method(n.parent)
            if mc is not None and mc.receiver.id == use.id and ctx.text(mc.name) in _LENDS_NOTHING:
                continue  # `x.clone()…`, `x.len()`: what the statement keeps is not a borrow
        while n is not None and n.type not in ("expression_statement", "block"):
            if n.type == "macro_invocation" or n.type == "token_tree":
                break  # printed or asserted: borrowed for the call only
            if n.type in _HOLDERS and not (
                n.type == "call_expression" and _plain_method(model, n, use)
            ):
                return True
            if n.type == "let_declaration":
                return True
            n = n.parent
    return False


# Methods whose result owns its data or is plain data: a `let` keeping it borrows nothing.
_LENDS_NOTHING = frozenset(
    {"clone", "to_string", "to_owned", "to_vec", "to_path_buf", "to_os_string", "len"}
    | {"is_empty", "count", "contains", "starts_with", "ends_with"}
)


def _plain_method(model: Model, call: Node, use: Node) -> bool:
    """`x.len()` / `x.push(..)`: a method called on the value itself, returning nothing that
    can borrow from it (for the methods that return plain data)."""
    mc = model.method(call)
    if mc is None or mc.receiver.id != use.id:
        return False
    name = model.ctx.text(mc.name)
    return name in _PLAIN


_PLAIN = frozenset(
    {
        "len",
        "is_empty",
        "push",
        "push_str",
        "insert",
        "remove",
        "clear",
        "contains",
        "starts_with",
        "ends_with",
        "extend",
        "truncate",
        "sort",
        "dedup",
        "reserve",
    }
)


# -- unnecessary-to-owned --------------------------------------------------------------

_BORROWED_PARAM = {
    "str": ("to_string", "to_owned"),
    "[]": ("to_vec", "to_owned"),
    "Path": ("to_path_buf", "to_owned"),
    "OsStr": ("to_os_string", "to_owned"),
    "CStr": ("to_owned",),
}


def _borrowed_kind(model: Model, t: Ty) -> str:
    """ "str" / "[]" / "Path" / "OsStr" / "CStr" for a borrowed value of that kind."""
    d = t.deref()
    if d.name == "str":
        return "str"
    if d.name in ("[]", "array"):
        return "[]"
    if d.std and d.name in ("Path", "OsStr", "CStr"):
        return d.name
    return ""


def _param_kind(model: Model, fn_node: Node, type_node: Node | None) -> tuple[str, bool]:
    """What a parameter accepts: ("str", True) for `&str`; ("str", False) for
    `impl AsRef<str>` / `impl Deref<Target = str>` / a generic bounded that way."""
    if type_node is None:
        return "", False
    t = model.type_from(type_node, model.generics_at(fn_node))
    if t.is_ref and not t.mutable and t.args:
        kind = _borrowed_kind(model, t)
        if kind:
            return kind, True
        return "", False
    text = model.ctx.text(type_node).replace(" ", "")
    bound = text
    if not text.startswith("impl"):
        # `T` with `T: AsRef<str>` in the generics or a where clause.
        bound = _generic_bound(model, fn_node, text)
    for kind, spelled in (("str", "str"), ("Path", "Path"), ("OsStr", "OsStr"), ("[]", "[")):
        for trait in ("AsRef<", "Deref<Target="):
            if f"{trait}{spelled}" in bound or f"{trait}std::path::{spelled}" in bound:
                return kind, False
    return "", False


def _generic_bound(model: Model, fn_node: Node, name: str) -> str:
    params = fn_node.child_by_field_name("type_parameters")
    out = []
    for p in args(params):
        pname = p.child_by_field_name("name")
        if pname is not None and model.ctx.text(pname) == name:
            out.append(model.ctx.text(p))
    where = next((c for c in fn_node.children if c.type == "where_clause"), None)
    if where is not None:
        for pred in args(where):
            left = pred.child_by_field_name("left")
            if left is not None and model.ctx.text(left) == name:
                out.append(model.ctx.text(pred))
    # Used by another parameter too: the type is fixed by that one, leave it.
    uses = sum(
        1
        for p in args(fn_node.child_by_field_name("parameters"))
        if p.type == "parameter" and model.ctx.text(p.child_by_field_name("type")) == name
    )
    if uses != 1:
        return ""
    return "".join(out).replace(" ", "")


_LOOKUPS = ("get", "get_mut", "contains_key", "contains", "remove")


@rule(
    "rust/unnecessary-to-owned",
    title="Owned copy made only to be borrowed",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`f(&s.to_string())` where `f` takes a `&str` (or `map.get(&key.to_owned())` on a map
keyed by `String`) allocates a copy, lends it for the call and frees it: the borrowed
value was already the right thing to pass. The same holds for `&v.to_vec()` where a slice
is taken, `&p.to_path_buf()` where a `&Path` is taken, and `xs.to_vec().into_iter()`.
""",
    fix="Pass the borrowed value itself (`f(s)`, `map.get(key)`, `xs.iter().copied()`).",
    measure="cargo bench (criterion); DHAT shows the allocations disappear.",
    mirrors=["clippy:unnecessary_to_owned"],
    bad="""
fn takes(s: &str) -> usize { s.len() }
fn caller(name: &str) -> usize { takes(&name.to_string()) }
""",
    good="""
fn takes(s: &str) -> usize { s.len() }
fn keeps(s: &String) -> usize { s.len() }
fn caller(name: &str) -> usize { takes(name) + keeps(&name.to_string()) }
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    body_examples=False,
    gaps=[
        "differs: also reports a look-up through a reference to the map (`&HashMap`), which "
        "clippy 1.95 reports only on an owned map",
        "only functions declared in the same file are known: a call into another module or "
        "crate is not reported",
        "`String::from_utf8(x.to_vec())` (clippy suggests `str::from_utf8`) is not reported",
    ],
)
def unnecessary_to_owned(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    seen: set[int] = set()
    for mc in model.methods("to_string", "to_owned", "to_vec", "to_path_buf", "to_os_string"):
        if mc.args or mc.call.id in seen:
            continue
        seen.add(mc.call.id)
        method = ctx.text(mc.name)
        recv_t = model.type_of(mc.receiver)
        kind = "str" if is_str_literal(ctx, mc.receiver) else _borrowed_kind(model, recv_t)
        if not kind or (not recv_t.known and kind != "str"):
            continue
        if method not in _BORROWED_PARAM.get(kind, ()):
            continue
        if (
            kind == "str"
            and method == "to_string"
            and not (is_str_literal(ctx, mc.receiver) or recv_t.deref().name == "str")
        ):
            continue
        finding = _as_argument(ctx, model, info, mc, kind)
        if finding is None:
            finding = _as_lookup_key(ctx, model, info, mc, kind)
        if finding is None:
            finding = _then_into_iter(ctx, model, info, mc, kind)
        if finding is not None:
            yield finding


def _borrowed_text(ctx: Context, model: Model, recv: Node) -> str:
    """How to pass `recv` where a `&str`/`&[T]`/`&Path` is wanted."""
    t = model.type_of(recv)
    if is_str_literal(ctx, recv) or t.is_ref:
        return ctx.text(recv)
    return f"&{ctx.text(recv)}"


def _as_argument(
    ctx: Context, model: Model, info: RuleInfo, mc: MethodCall, kind: str
) -> Finding | None:
    """`f(&x.to_string())` / `f(x.to_owned())` where `f` (in this file) takes a borrow."""
    arg = mc.call
    by_ref = False
    parent = arg.parent
    if (
        parent is not None
        and parent.type == "reference_expression"
        and not any(c.type == "mutable_specifier" for c in parent.children)
    ):
        arg, by_ref = parent, True
        parent = arg.parent
    if parent is None or parent.type != "arguments":
        return None
    call = parent.parent
    if call is None or call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "identifier":
        return None
    target = model.items().fns.get(ctx.text(fn))
    if target is None:
        return None
    position = (
        [a.id for a in args(parent)].index(arg.id) if arg.id in [a.id for a in args(parent)] else -1
    )
    if position < 0 or position >= len(target.params):
        return None
    _pat, type_node = target.params[position]
    want, ref = _param_kind(model, target.node, type_node)
    if want != kind or ref != by_ref:
        return None
    new = _borrowed_text(ctx, model, mc.receiver) if by_ref else ctx.text(mc.receiver)
    return ctx.finding(info, arg, fix=guarded_fix(ctx, arg, new, "Pass the borrowed value"))


def _as_lookup_key(
    ctx: Context, model: Model, info: RuleInfo, mc: MethodCall, kind: str
) -> Finding | None:
    """`map.get(&k.to_string())` on a map or set keyed by the owned form."""
    parent = mc.call.parent
    if parent is None or parent.type != "reference_expression":
        return None
    arglist = parent.parent
    if arglist is None or arglist.type != "arguments" or len(args(arglist)) != 1:
        return None
    lookup = model.method(arglist.parent)
    if lookup is None or ctx.text(lookup.name) not in _LOOKUPS:
        return None
    container = model.type_of(lookup.receiver).auto_deref()
    if not container.std or container.name not in ("HashMap", "HashSet", "BTreeMap", "BTreeSet"):
        return None
    key = container.arg()
    if key is None or not key.known:
        return None
    owned = S.OWNED_OF.get(kind)
    if owned is None or key.name != owned or not key.std:
        return None
    new = _borrowed_text(ctx, model, mc.receiver)
    return ctx.finding(info, parent, fix=guarded_fix(ctx, parent, new, "Look up by the borrow"))


def _then_into_iter(
    ctx: Context, model: Model, info: RuleInfo, mc: MethodCall, kind: str
) -> Finding | None:
    """`xs.to_vec().into_iter()` and `for x in xs.to_vec()` over a borrowed slice."""
    if kind != "[]":
        return None
    elem = S.element(model.type_of(mc.receiver))
    fe = mc.call.parent
    nxt = model.method(fe.parent) if fe is not None and fe.type == "field_expression" else None
    in_for = (
        fe is not None
        and fe.type == "for_expression"
        and fe.child_by_field_name("value") == mc.call
    )
    if not (nxt is not None and ctx.text(nxt.name) == "into_iter" and not nxt.args) and not in_for:
        return None
    copy = elem is not None and model.is_copy(elem)
    adapter = "copied" if copy else "cloned"
    recv = ctx.text(mc.receiver)
    if nxt is not None and not in_for:
        new = f"{recv}.iter().{adapter}()"
        return ctx.finding(
            info,
            ctx.span_between(mc.name, nxt.call),
            fix=guarded_fix(ctx, nxt.call, new, "Iterate the slice"),
        )
    fix = (
        guarded_fix(ctx, mc.call, f"{recv}.iter().copied()", "Iterate the slice") if copy else None
    )
    return ctx.finding(info, mc.call, fix=fix)


# -- implicit-clone / inefficient-to-string --------------------------------------------

_IMPLICIT = {"to_owned", "to_vec", "to_path_buf", "to_os_string", "to_string"}


@rule(
    "rust/implicit-clone",
    title="Clone spelled as a conversion",
    severity=Severity.HINT,
    category="copy",
    explanation="""
`v.to_owned()` on a `Vec`, `s.to_string()` on a `String`, `p.to_path_buf()` on a
`PathBuf` are clones under another name. Writing `.clone()` says that a full copy is
made, which makes the cost visible in review.
""",
    fix="Write `.clone()`.",
    measure="No runtime difference: this is about making copies visible.",
    mirrors=["clippy:implicit_clone"],
    bad="""
let a: Vec<u8> = Vec::new();
let b = a.to_vec();
""",
    good="""
let a: Vec<u8> = Vec::new();
let b = a.clone();
let c = a[..2].to_vec();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        'calls inside macro arguments (`println!("{}", s.to_string())`) are not seen',
        'a copy of a temporary (`[..].join(" ").to_string()`) is reported once, by '
        "redundant-clone; clippy reports it under both lints",
    ],
)
def implicit_clone(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods(*_IMPLICIT):
        if mc.args or _is_temporary(mc.receiver):
            continue
        method = ctx.text(mc.name)
        t = model.type_of(mc.receiver)
        if not t.known:
            continue
        base = t.deref()
        if base.local and _own_method(model, base.name, method):
            continue  # the type's own `to_owned`/`to_vec`: a conversion of its own, not `Clone`
        hits = False
        if method == "to_owned":
            if t.is_ref:
                continue  # `(&T).to_owned()` gives `&T` back, not a clone of `T`
            hits = (base.std and base.name in ("Vec", "String", "PathBuf", "OsString")) or (
                model.user_type(base) is not None and _clone_not_to_owned(model, base)
            )
        elif method == "to_vec":
            hits = base.is_std("Vec")
        elif method == "to_path_buf":
            hits = base.is_std("PathBuf")
        elif method == "to_os_string":
            hits = base.is_std("OsString")
        elif method == "to_string":
            hits = base.is_std("String")
        if not hits:
            continue
        refs = 0
        inner = t
        while inner.is_ref and inner.args:
            refs += 1
            inner = inner.args[0]
        if refs > 1:
            # `(&&T).clone()` would clone the reference: dereference down to `&T` first.
            new = f"({'*' * (refs - 1)}{ctx.text(mc.receiver)}).clone()"
            fix = guarded_fix(ctx, mc.call, new, "Write `.clone()`")
        else:
            fix = guarded_fix(
                ctx, ctx.span_between(mc.name, mc.call), "clone()", "Write `.clone()`"
            )
        yield ctx.finding(info, ctx.span_between(mc.name, mc.call), fix=fix)


def _own_method(model: Model, type_name: str, method: str) -> bool:
    """Whether an `impl` of this file gives the type a method of that name."""
    return any(method in impl.methods for impl in model.impls_for(type_name))


def _clone_not_to_owned(model: Model, t: Ty) -> bool:
    decl = model.user_type(t)
    if decl is None:
        return False
    if model.impls_for(decl.name, "ToOwned"):
        return False
    return "Clone" in decl.derives or bool(model.impls_for(decl.name, "Clone"))


@rule(
    "rust/inefficient-to-string",
    title="`to_string()` through a reference to a reference",
    severity=Severity.INFO,
    category="other",
    explanation="""
`to_string()` on a `&&str` (or `&&String`, `&&Cow<str>`) does not reach the specialised
`str`/`String` implementation before Rust 1.82: it goes through the blanket `Display` one,
which runs the formatting machinery instead of a plain copy. Dereferencing once first
picks the fast path. Like clippy, reported only for a crate whose minimum supported Rust
version (`rust-version` in Cargo.toml, `msrv` in clippy.toml or `#[clippy::msrv]`) is
older than 1.82: newer compilers specialise the reference too.
""",
    fix="Dereference first: `(*x).to_string()`.",
    measure="cargo bench (criterion) on the conversion.",
    mirrors=["clippy:inefficient_to_string"],
    bad="""
#[clippy::msrv = "1.81"]
fn example(words: &[&str]) -> String {
    let first: &&str = &words[0];
    first.to_string()
}
""",
    good="""
#[clippy::msrv = "1.81"]
fn example(words: &[&str]) -> String {
    let first: &&str = &words[0];
    (*first).to_string()
}
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    body_examples=False,
)
def inefficient_to_string(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("to_string"):
        if mc.args:
            continue
        t = model.type_of(mc.receiver)
        depth = 0
        inner = t
        while inner.is_ref and inner.args:
            depth += 1
            inner = inner.args[0]
        # `to_string(&self)` takes `Self` one reference down from a `&&str` receiver; a
        # `&mut str` receiver is auto-referenced, so `Self` is `&mut str` itself.
        behind = depth if t.is_ref and t.mutable else depth - 1
        if behind < 1:
            continue
        if not (inner.name == "str" or inner.is_std("String", "Cow")):
            continue
        version = msrv(ctx, mc.call)
        if version is None or version >= SPECIALIZED_TO_STRING_FOR_REFS:
            continue  # std's own specialisation serves the reference too
        stars = "*" * behind
        new = f"({stars}{ctx.text(mc.receiver)}).to_string()"
        yield ctx.finding(info, mc.call, fix=guarded_fix(ctx, mc.call, new, "Dereference first"))


SPECIALIZED_TO_STRING_FOR_REFS = (1, 82, 0)


# -- assigning-clones -----------------------------------------------------------------

_CLONE_FROM = ("String", "Vec", "VecDeque", "PathBuf", "OsString", "BinaryHeap", "Box")
_CLONE_INTO = ("str", "[]", "Path", "OsStr")


@rule(
    "rust/assigning-clones",
    title="Assigning a clone where the existing buffer could be reused",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`a = b.clone()` allocates a new buffer for the copy and then frees `a`'s old one.
`a.clone_from(&b)` (and `b.clone_into(&mut a)` for `to_owned`) copies into `a`'s existing
allocation when it is large enough: in a loop that refreshes the same value this removes
an allocation and a free per iteration.
""",
    fix="Use `a.clone_from(&b)` / `b.clone_into(&mut a)`.",
    measure="cargo bench (criterion) on the loop; DHAT for allocation counts.",
    mirrors=["clippy:assigning_clones"],
    bad="""
fn refresh(cache: &mut String, latest: &String) {
    *cache = latest.clone();
}
""",
    good="""
fn refresh(cache: &mut String, latest: &String) {
    cache.clone_from(latest);
}
fn first(latest: &String) -> String {
    let cache = latest.clone();
    cache
}
""",
    node_types=["assignment_expression"],
    scope="body",
    has_fix=True,
    body_examples=False,
    gaps=[
        "an assignment whose source borrows from its target (`name = first.to_owned()` "
        "with `first` a slice of `name`) is left alone: clippy 1.95 reports it and suggests "
        "`clone_into`, which does not compile there",
    ],
)
def assigning_clones(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for assign in ctx.nodes("assignment_expression"):
        left = assign.child_by_field_name("left")
        right = unparen(assign.child_by_field_name("right"))
        if left is None or right is None:
            continue
        shape = _clone_call(ctx, model, right)
        if shape is None:
            continue
        kind, src = shape
        place, target_t = _assigned_place(ctx, model, left)
        if place is None or not target_t.known:
            continue
        if _in_clone_from(model, assign):
            continue
        src_t = model.type_of(src)
        if kind == "clone":
            if not (target_t.std and target_t.name in _CLONE_FROM) and not _user_clone_from(
                model, target_t
            ):
                continue
            if src_t.known and src_t.deref().name != target_t.name:
                continue
        else:
            borrowed = _borrowed_kind(model, src_t) if not is_str_literal(ctx, src) else "str"
            if borrowed not in _CLONE_INTO:
                continue
            if S.OWNED_OF.get(borrowed) != target_t.name:
                continue
        if _derived_from(ctx, model, src, _root(ctx, place), assign):
            continue
        if kind == "clone":
            arg = ctx.text(src) if src_t.is_ref else f"&{ctx.text(src)}"
            new = f"{ctx.text(place)}.clone_from({arg})"
        else:
            dest = ctx.text(place)
            # `*target = ..` with `target: &mut String`: `target` is the `&mut` itself.
            by_ref = left.type == "unary_expression" and _place_is_mut_ref(ctx, model, left)
            dest_arg = dest if by_ref else f"&mut {dest}"
            new = f"{ctx.text(src)}.clone_into({dest_arg})"
        yield ctx.finding(info, assign, fix=guarded_fix(ctx, assign, new, "Reuse the buffer"))


def _clone_call(ctx: Context, model: Model, node: Node) -> tuple[str, Node] | None:
    mc = model.method(node)
    if mc is not None:
        name = ctx.text(mc.name)
        if name == "clone" and not mc.args:
            return "clone", mc.receiver
        if name == "to_owned" and not mc.args:
            return "to_owned", mc.receiver
        return None
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        arguments = call_args(node)
        if fn is not None and len(arguments) == 1:
            text = ctx.text(fn)
            inner = arguments[0]
            if text in ("Clone::clone",) and inner.type == "reference_expression":
                value = inner.child_by_field_name("value")
                return ("clone", value) if value is not None else None
            if text in ("ToOwned::to_owned",):
                return "to_owned", inner
    return None


def _assigned_place(ctx: Context, model: Model, left: Node) -> tuple[Node | None, Ty]:
    """The place assigned (`a`, `*a`, `self.x`, `v[i]`) and its type, when it is initialised."""
    if left.type == "identifier":
        b = model.binding(left)
        if b is None or b.kind not in ("let", "param"):
            return None, S.UNKNOWN
        if b.kind == "let" and b.value is None:
            return None, S.UNKNOWN  # late initialisation: nothing to reuse
        return left, model.binding_type(b)
    if left.type == "unary_expression" and ctx.text(left).startswith("*"):
        inner = left.named_children[0] if left.named_children else None
        t = model.type_of(inner)
        if inner is None:
            return None, S.UNKNOWN
        if t.is_ref and t.mutable and t.args:
            return inner, t.args[0]
        if t.is_std("Box") and t.args:
            return left, t.args[0]
        return None, S.UNKNOWN
    if left.type in ("field_expression", "index_expression"):
        t = model.type_of(left)
        return (left, t) if t.known else (None, S.UNKNOWN)
    return None, S.UNKNOWN


def _place_is_mut_ref(ctx: Context, model: Model, left: Node) -> bool:
    inner = left.named_children[0] if left.named_children else None
    t = model.type_of(inner)
    return t.is_ref and t.mutable


def _user_clone_from(model: Model, t: Ty) -> bool:
    decl = model.user_type(t)
    if decl is None:
        return False
    return any("clone_from" in i.methods for i in model.impls_for(decl.name, "Clone"))


def _in_clone_from(model: Model, node: Node) -> bool:
    fn = model.fn_info(model.fn_of(node))
    return fn is not None and fn.name == "clone_from"


def _derived_from(ctx: Context, model: Model, src: Node, target: str, at: Node) -> bool:
    """Whether the source may borrow from the target (`name = first.to_owned()` where
    `first` came from `name.split(..)`): clone_from would then not compile."""
    seen: set[str] = set()
    todo = [src]
    for _ in range(8):
        if not todo:
            return False
        node = todo.pop()
        if mentions(ctx, node, target):
            return True
        for n in walk(node):
            if n.type != "identifier":
                continue
            name = ctx.text(n)
            if name in seen:
                continue
            seen.add(name)
            b = model.binding_named(name, at)
            if b is None:
                continue
            if b.value is not None:
                todo.append(b.value)
            elif b.kind in ("cond", "arm", "for"):
                owner: Node | None = b.site
                while owner is not None and owner.type in (
                    "match_pattern",
                    "match_arm",
                    "match_block",
                ):
                    owner = owner.parent
                value = owner.child_by_field_name("value") if owner is not None else None
                if value is not None:
                    todo.append(value)
    return bool(todo)


# -- clone-in-loop --------------------------------------------------------------------


@rule(
    "rust/clone-in-loop",
    title="Value cloned on every iteration only to be read",
    severity=Severity.INFO,
    category="copy",
    explanation="""
Each iteration clones a value that does not change in the loop (an allocation and a copy
for a `String`, `Vec` or map), and the clone is then only read: printed, borrowed, asked
for its length. Borrowing the original gives the same reads without the copies.
""",
    fix="Borrow it (`let name = &config.name;`), once before the loop if you like.",
    measure="cargo bench (criterion) on the loop; DHAT (`valgrind --tool=dhat`) for the "
    "allocations.",
    mirrors=[],
    related=["clippy:redundant_clone", "clippy:unnecessary_to_owned"],
    bad="""
let names: Vec<String> = load();
let prefix = String::from("id");
for n in &names {
    let p = prefix.clone();
    println!("{p}-{n}");
}
""",
    good="""
let names: Vec<String> = load();
let prefix = String::from("id");
for n in &names {
    println!("{prefix}-{n}");
}
""",
    node_types=CALLS,
    scope="body",
    confidence=0.8,
)
def clone_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("clone", "to_owned", "to_string"):
        if mc.args or mc.turbofish is not None:
            continue
        let = mc.call.parent
        if let is None or let.type != "let_declaration":
            continue
        pat = let.child_by_field_name("pattern")
        if pat is None or pat.type != "identifier" or let.child_by_field_name("type") is not None:
            continue
        recv = mc.receiver
        if recv.type not in ("identifier", "field_expression"):
            continue
        loops = model.loops_around(mc.call)
        if not loops:
            continue
        loop = loops[0]
        root = _root(ctx, recv)
        if _varies_in(ctx, model, loop, root, mc.call):
            continue
        t = model.type_of(recv)
        if t.is_ref or not (t.std and t.name in S.HEAP_OWNING):
            continue
        if ctx.text(mc.name) != "clone" and not t.is_std("String"):
            continue
        name = ctx.text(pat)
        binding = model.binding_named(name, let.next_named_sibling or let)
        if binding is None or binding.site.id != let.id:
            continue
        uses = model.occurrences(name, let.end_byte, model.scope_end(binding))
        if not uses or any(_captured(u, let) for u in uses):
            continue  # a clone that a closure or async block captures is moved there
        if all(_read_only_use(ctx, model, u) for u in uses):
            yield ctx.finding(info, ctx.span_between(recv, mc.call))


def _captured(use: Node, let: Node) -> bool:
    """Whether `use` sits in a closure or async block that does not also hold `let`."""
    n = use.parent
    while n is not None and not (n.start_byte <= let.start_byte and let.end_byte <= n.end_byte):
        if n.type in ("closure_expression", "async_block"):
            return True
        n = n.parent
    return False


def _varies_in(ctx: Context, model: Model, loop: Node, root: str, clone: Node) -> bool:
    """Whether the cloned value can change from one iteration to the next: it is (or comes
    from) the loop variable, or the loop assigns it, borrows it mutably or calls a method
    on it that is not known to only read."""
    pat = loop.child_by_field_name("pattern")
    if pat is not None and mentions(ctx, pat, root):
        return True
    body = loop.child_by_field_name("body")
    if body is None:
        return True
    for use in model.occurrences(root, body.start_byte, body.end_byte):
        if clone.start_byte <= use.start_byte < clone.end_byte:
            continue
        n = use
        parent = n.parent
        while (
            parent is not None
            and parent.type == "field_expression"
            and (parent.child_by_field_name("value") == n)
            and model.method(parent.parent) is None
        ):
            n, parent = parent, parent.parent
        if parent is None:
            return True
        if parent.type in ("assignment_expression", "compound_assignment_expr") and (
            parent.child_by_field_name("left") == n
        ):
            return True
        if parent.type == "reference_expression" and any(
            c.type == "mutable_specifier" for c in parent.children
        ):
            return True
        call = parent.parent if parent.type == "field_expression" else None
        mc = model.method(call)
        if mc is not None and mc.receiver == n and ctx.text(mc.name) not in S.READ_ONLY_METHODS:
            return True
    return False


def _read_only_use(ctx: Context, model: Model, use: Node) -> bool:
    """A use that only reads: in a formatting macro's arguments, behind `&`, as the
    receiver of a reading method, or in a comparison."""
    if use.type == "string_content":
        return True  # captured by a format string: printed by reference
    parent = use.parent
    if parent is None:
        return False
    if parent.type == "token_tree":
        return True
    if parent.type == "reference_expression" and not any(
        c.type == "mutable_specifier" for c in parent.children
    ):
        return True
    if parent.type == "field_expression" and parent.child_by_field_name("value") == use:
        mc = model.method(parent.parent)
        return mc is not None and ctx.text(mc.name) in S.READ_ONLY_METHODS
    if parent.type == "binary_expression":
        op = parent.child_by_field_name("operator")
        return op is not None and op.type in ("==", "!=", "<", ">", "<=", ">=")
    return False
