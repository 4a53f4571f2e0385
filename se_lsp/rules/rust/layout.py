"""Rules about how data is laid out: needless indirection, pointer-chasing containers,
locks around a single integer, enums sized by one huge variant."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import Model, TypeDecl, attributes_of
from se_lsp.rules.rust.stdlib import Ty
from se_lsp.rules.rust.syntax import args, call_args

CALLS: list[str] = []


def _visibility_public(node: Node) -> bool:
    """`pub` (not `pub(crate)`/`pub(super)`): part of the crate's API."""
    for c in node.children:
        if c.type == "visibility_modifier":
            return (c.text or b"").strip() == b"pub"
    return False


def _signature_site(node: Node) -> tuple[str, Node] | None:
    """Where a type is written, the way clippy's type lints see it: ("fn", fn) for a
    function signature, ("field", field), ("item", const/static/type alias/trait item);
    None for places they do not check (`let` types, expressions, impl headers)."""
    n = node.parent
    while n is not None:
        t = n.type
        if t in _NOT_CHECKED:
            return None
        if t in ("function_item", "function_signature_item"):
            return "fn", n
        if t in ("field_declaration", "ordered_field_declaration_list"):
            return "field", n
        if t in ("const_item", "static_item", "type_item", "associated_type"):
            return "item", n
        if t in ("struct_item", "enum_item", "impl_item", "trait_item", "source_file"):
            return None
        n = n.parent
    return None


_NOT_CHECKED = frozenset(
    {
        "block",
        "closure_expression",
        "let_declaration",
        "macro_invocation",
        "token_tree",
        "call_expression",
        "generic_function",
        "type_cast_expression",
    }
)


def _in_trait_impl(node: Node) -> bool:
    n = node.parent
    while n is not None:
        if n.type == "impl_item":
            return n.child_by_field_name("trait") is not None
        if n.type in ("source_file", "mod_item"):
            return False
        n = n.parent
    return False


def _exported(site: tuple[str, Node]) -> bool:
    """Part of the public API (clippy's `avoid-breaking-exported-api`, on by default)."""
    kind, node = site
    holder = node.parent
    if kind in ("fn", "item") and holder is not None and holder.type == "declaration_list":
        trait = holder.parent
        if trait is not None and trait.type == "trait_item":
            return _visibility_public(trait)  # a public trait's items are its API
    if kind == "fn":
        return _visibility_public(node)
    if kind == "field":
        owner = node.parent
        while owner is not None and owner.type not in ("struct_item", "enum_item"):
            owner = owner.parent
        if owner is None:
            return False
        if owner.type == "enum_item":
            return _visibility_public(owner)
        return _visibility_public(node) and _visibility_public(owner)
    if kind == "item":
        return _visibility_public(node)
    return False


def _type_sites(ctx: Context, model: Model, base: set[str]) -> Iterator[tuple[Node, Ty, Node]]:
    """Generic types named in `base` (resolved through `use`), where clippy's type lints
    look: private signatures, fields, consts and statics, not trait impls."""
    cached: dict[str, list[Node]] | None = ctx.shared.get("rust-generic-types")
    if cached is None:
        cached = {}
        for node in ctx.nodes("generic_type"):
            head = node.child_by_field_name("type")
            if head is None:
                continue
            cached.setdefault(ctx.text(head).rsplit("::", 1)[-1], []).append(node)
        ctx.shared["rust-generic-types"] = cached
    for name in base:
        for node in cached.get(name, ()):
            site = _signature_site(node)
            if site is None or _exported(site) or _in_trait_impl(node):
                continue
            yield node, model.type_from(node, model.generics_at(node)), node


def _container_names(t: Ty) -> bool:
    return t.std and t.name in S.COLLECTIONS


@rule(
    "rust/box-collection",
    title="Collection behind a `Box`",
    severity=Severity.INFO,
    category="memory",
    explanation="""
`Vec`, `String` and the map and set types already keep their contents on the heap and
are a few words in size. Boxing one adds a second heap allocation and a second pointer
hop on every access for nothing.
""",
    fix="Use the collection directly (`Vec<T>` instead of `Box<Vec<T>>`).",
    measure="cargo bench (criterion) on code that reads through it; `perf stat -e "
    "cache-misses` for the extra indirection.",
    mirrors=["clippy:box_collection"],
    bad="""
struct Cache {
    entries: Box<Vec<Entry>>,
}
""",
    good="""
struct Cache {
    entries: Vec<Entry>,
}
pub struct Api {
    pub entries: Box<Vec<Entry>>,
}
""",
    scope="body",
    node_types=["generic_type"],
    body_examples=False,
    gaps=[
        "a collection boxed in an enum variant, which can be deliberate to keep the enum "
        "small, is not reported",
    ],
)
def box_collection(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for node, t, _ in _type_sites(ctx, model, {"Box"}):
        if not t.is_std("Box") or not t.args or not _container_names(t.args[0]):
            continue
        if _in_enum_variant(node):
            continue
        yield ctx.finding(info, node)


def _in_enum_variant(node: Node) -> bool:
    n = node.parent
    while n is not None:
        if n.type == "enum_variant":
            return True
        if n.type in ("function_item", "struct_item", "source_file"):
            return False
        n = n.parent
    return False


_SMART = ("Box", "Rc", "Arc")


@rule(
    "rust/redundant-allocation",
    title="Smart pointer wrapping another pointer",
    severity=Severity.WARNING,
    category="memory",
    explanation="""
`Rc<Box<T>>`, `Arc<Box<T>>`, `Box<Rc<T>>` and `Rc<Arc<T>>` allocate twice and make every
access follow two pointers; `Box<&T>` and `Rc<&T>` heap-allocate a single reference. One
layer does the same job. (A `Box<dyn Trait>` or `Box<str>` inside is a fat pointer that
code boxes again on purpose to get a thin one, so those are not reported.)
""",
    fix="Keep one layer: `Rc<T>` instead of `Rc<Box<T>>`, `&T` instead of `Box<&T>`.",
    measure="cargo bench (criterion); `perf stat -e cache-misses`; DHAT for allocations.",
    mirrors=["clippy:redundant_allocation"],
    bad="""
use std::rc::Rc;
struct Node {
    parent: Rc<Box<Node>>,
}
""",
    good="""
use std::rc::Rc;
struct Node {
    parent: Rc<Node>,
    callback: Box<Box<dyn Fn()>>,
}
""",
    scope="body",
    node_types=["generic_type"],
    body_examples=False,
)
def redundant_allocation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for node, t, _ in _type_sites(ctx, model, set(_SMART)):
        if not t.std or t.name not in _SMART or not t.args:
            continue
        inner = t.args[0]
        if inner.is_ref:
            yield ctx.finding(info, node)
            continue
        if not inner.std or inner.name not in _SMART or not inner.args:
            continue
        innermost = inner.args[0]
        if inner.name == "Box" and _unsized(model, innermost):
            continue  # `Rc<Box<str>>`: the inner box is a thin pointer to a fat one
        yield ctx.finding(info, node)


def _unsized(model: Model, t: Ty) -> bool:
    if t.name in ("dyn", "[]", "str", "?"):
        return True
    if t.std and t.name in ("Path", "OsStr", "CStr"):
        return True
    decl = model.user_type(t)
    if decl is not None and decl.fields:
        last = list(decl.fields.values())[-1]
        return model.type_from(last).name in ("[]", "str", "dyn")
    return not t.known


def _std_linked_list(model: Model, path: str, at: Node) -> bool:
    resolved = model.resolve_path(path, at)
    return resolved.startswith("std::") and resolved.rsplit("::", 1)[-1] == "LinkedList"


@rule(
    "rust/linkedlist",
    title="`LinkedList` used as a container",
    severity=Severity.INFO,
    category="cache",
    explanation="""
Every `LinkedList` node is its own heap allocation, and walking the list chases a pointer
per element, which defeats the cache and the prefetcher. `Vec` or `VecDeque` store the
elements contiguously and are faster for iteration and for pushes at either end in
nearly all workloads. Only the standard library's `LinkedList` is meant: a project's own
(often intrusive) list is its own design.
""",
    fix="Use `Vec<T>` or `VecDeque<T>`.",
    measure="cargo bench (criterion); `perf stat -e cache-misses,cycles`.",
    mirrors=["clippy:linkedlist"],
    bad="""
use std::collections::LinkedList;
struct Jobs {
    queue: LinkedList<Job>,
}
""",
    good="""
use std::collections::VecDeque;
struct Jobs {
    queue: VecDeque<Job>,
}
""",
    scope="body",
    node_types=["generic_type"],
    body_examples=False,
    gaps=[
        "a file that splices lists (`.append(&mut …)`, `.split_off(…)`) is left alone, as "
        "O(1) splicing is what a `LinkedList` is for; clippy reports it",
        "a file calling rayon's `collect_vec_list()` (which returns `LinkedList<Vec<T>>`) is "
        "left alone; clippy reports the type",
    ],
)
def linkedlist(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    if b".append(&mut " in ctx.source or b".split_off(" in ctx.source:
        return  # splicing lists in O(1) is what a linked list is for
    if b"collect_vec_list" in ctx.source:
        return  # rayon's `collect_vec_list()` hands back a `LinkedList<Vec<T>>`
    model = Model.of(ctx)
    for node, _t, _ in _type_sites(ctx, model, {"LinkedList"}):
        head = node.child_by_field_name("type")
        if head is None or not _std_linked_list(model, ctx.text(head), head):
            continue
        yield ctx.finding(info, node)


# -- mutex-atomic ---------------------------------------------------------------------

_ATOMIC_FOR = {
    "bool": "AtomicBool",
    "u8": "AtomicU8",
    "u16": "AtomicU16",
    "u32": "AtomicU32",
    "u64": "AtomicU64",
    "usize": "AtomicUsize",
    "i8": "AtomicI8",
    "i16": "AtomicI16",
    "i32": "AtomicI32",
    "i64": "AtomicI64",
    "isize": "AtomicIsize",
    "{integer}": "AtomicI32",
}
_FALLBACK_CFGS = (b"target_has_atomic", b"portable_atomic", b"loom", b"no_atomic")


@rule(
    "rust/mutex-atomic",
    title="`Mutex` guarding a single bool or integer",
    severity=Severity.INFO,
    category="concurrency",
    explanation="""
Locking a `Mutex` to read or bump one integer or flag costs an atomic acquire and release
plus possible contention and parking. An `AtomicBool`/`AtomicUsize` does the operation in
one atomic instruction. (When the mutex pairs with a `Condvar`, or guards other state by
convention, it is needed: files using `Condvar` are not reported, nor mutexes under a
`cfg` that stands in for missing atomics.)
""",
    fix="Use `AtomicBool` / `AtomicUsize` (and friends) from `std::sync::atomic`.",
    measure="cargo bench (criterion) with several threads; `perf stat` for cycles and "
    "context switches.",
    mirrors=["clippy:mutex_atomic", "clippy:mutex_integer"],
    bad="""
use std::sync::Mutex;
let hits = Mutex::new(0usize);
""",
    good="""
use std::sync::Mutex;
let hits = std::sync::atomic::AtomicUsize::new(0);
let names = Mutex::new(Vec::<String>::new());
""",
    node_types=CALLS,
    scope="body",
    gaps=[
        "clippy reports any `Mutex` of a number in a `let` or `static`; a file that also "
        "uses a `Condvar` is left alone here, as the mutex then usually guards a condition",
    ],
)
def mutex_atomic(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    if b"Mutex" not in ctx.source or b"Condvar" in ctx.source:
        return
    model = Model.of(ctx)
    for call, path in model.path_calls("Mutex::new"):
        if not path.startswith("std::sync::"):
            continue
        holder = call.parent
        if holder is None or holder.type not in ("let_declaration", "static_item"):
            continue
        if holder.child_by_field_name("value") != call:
            continue
        inner = _mutex_payload(ctx, model, holder, call)
        if inner is None or _fallback_cfg(ctx, holder):
            continue
        yield ctx.finding(
            info,
            call,
            title=f"`Mutex` guarding a `{inner.text()}`: "
            f"`{_ATOMIC_FOR.get(inner.name, 'an atomic')}` would do",
        )


def _mutex_payload(ctx: Context, model: Model, holder: Node, call: Node) -> Ty | None:
    ty = holder.child_by_field_name("type")
    if ty is not None:
        t = model.type_from(ty)
        if t.is_std("Mutex") and t.args and t.args[0].name in _ATOMIC_FOR:
            return t.args[0]
        if t.is_std("Mutex") and t.args and t.args[0].name == "ptr" and b"mut" in (ty.text or b""):
            return t.args[0]
        return None
    arguments = call_args(call)
    if len(arguments) != 1:
        return None
    arg = arguments[0]
    if arg.type == "type_cast_expression":
        cast = arg.child_by_field_name("type")
        if cast is not None and cast.type == "pointer_type" and b"mut" in (cast.text or b""):
            return Ty("ptr")
        return None
    t = model.type_of(arg)
    return t if t.name in _ATOMIC_FOR else None


def _fallback_cfg(ctx: Context, node: Node) -> bool:
    """Under a `cfg` about atomics (a fallback where the platform lacks them)."""
    n: Node | None = node
    while n is not None:
        for attr in attributes_of(n) if n.type != "source_file" else []:
            raw = attr.text or b""
            if b"cfg" in raw and any(k in raw for k in _FALLBACK_CFGS):
                return True
        n = n.parent
    return False


# -- large-enum-variant ---------------------------------------------------------------

_THRESHOLD = 200  # bytes, clippy's `enum-variant-size-threshold` default
_ATOMIC_SIZES = {
    "AtomicBool": 1,
    "AtomicU8": 1,
    "AtomicI8": 1,
    "AtomicU16": 2,
    "AtomicI16": 2,
    "AtomicU32": 4,
    "AtomicI32": 4,
    "AtomicU64": 8,
    "AtomicI64": 8,
    "AtomicUsize": 8,
    "AtomicIsize": 8,
    "AtomicPtr": 8,
}


def _size(model: Model, t: Ty, depth: int = 0) -> int | None:
    """Bytes on a 64-bit target, summing fields (padding ignored); None when unknown."""
    if depth > 6:
        return None
    known = S.size_of(t)
    if known is not None:
        return known
    if t.std and t.name in _ATOMIC_SIZES:
        return _ATOMIC_SIZES[t.name]
    if t.std and t.name == "Option" and t.args:
        inner = t.args[0]
        base = _size(model, inner, depth + 1)
        if base is None:
            return None
        niche = (
            inner.is_ref
            or inner.name == "ptr"
            or (inner.std and inner.name in ("Box", "Rc", "Arc", "Vec", "String"))
        )
        return base if niche else base + 8
    if t.name == "array" and t.length is not None and t.args:
        elem_size = _size(model, t.args[0], depth + 1)
        return None if elem_size is None else elem_size * t.length
    if t.name == "tuple":
        total = 0
        for a in t.args:
            s = _size(model, a, depth + 1)
            if s is None:
                return None
            total += s
        return total
    if t.name in ("fn", "ptr"):
        return 8
    decl = model.user_type(t)
    if decl is None:
        return None
    subst = dict(zip(_generic_names(model, decl), t.args, strict=False))
    if decl.kind == "struct":
        total = 0
        for ftype in decl.fields.values():
            s = _size(model, _substitute(model, decl, ftype, subst), depth + 1)
            if s is None:
                return None
            total += s
        return total
    if decl.kind == "enum":
        sizes = _variant_sizes(model, decl, subst, depth + 1)
        if sizes is None or not sizes:
            return None
        return max(sizes.values()) + (8 if len(sizes) > 1 else 0)
    return None


def _generic_names(model: Model, decl: TypeDecl) -> list[str]:
    out = []
    for p in args(decl.node.child_by_field_name("type_parameters")):
        name = p.child_by_field_name("name") if p.type != "type_identifier" else p
        if name is not None:
            out.append(model.ctx.text(name))
    return out


def _substitute(model: Model, decl: TypeDecl, type_node: Node, subst: dict[str, Ty]) -> Ty:
    if type_node.type == "type_identifier" and model.ctx.text(type_node) in subst:
        return subst[model.ctx.text(type_node)]
    return model.type_from(type_node, decl.generics - set(subst))


def _variant_sizes(
    model: Model, decl: TypeDecl, subst: dict[str, Ty], depth: int
) -> dict[str, int] | None:
    out = {}
    for name, fields in decl.variants.items():
        total = 0
        for f in fields:
            s = _size(model, _substitute(model, decl, f, subst), depth)
            if s is None:
                return None
            total += s
        out[name] = total
    return out


@rule(
    "rust/large-enum-variant",
    title="Enum sized by one much larger variant",
    severity=Severity.INFO,
    category="memory",
    explanation="""
Every value of an enum takes the space of its largest variant. When one variant is
hundreds of bytes larger than the others, every small value pays for it: more memory,
more bytes copied on every move, fewer values per cache line. Boxing the large variant's
payload makes the enum as small as its other variants.
""",
    fix="Box the large payload (`Big(Box<Payload>)`), or move it out of the enum.",
    measure="`std::mem::size_of::<E>()` before and after; cargo bench (criterion) on code "
    "that moves the values.",
    mirrors=["clippy:large_enum_variant"],
    bad="""
enum Message {
    Ping,
    Frame([u8; 4096]),
}
""",
    good="""
enum Message {
    Ping,
    Frame(Box<[u8; 4096]>),
}
""",
    scope="body",
    node_types=["enum_item"],
    body_examples=False,
    gaps=[
        "sizes are summed from what the file declares (padding ignored); a variant holding "
        "a type from another file, a generic parameter or a const generic is not sized, and "
        "the enum is then not reported",
    ],
)
def large_enum_variant(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for enum in ctx.nodes("enum_item"):
        name = enum.child_by_field_name("name")
        if name is None:
            continue
        decl = model.items().types.get(ctx.text(name))
        if decl is None or decl.node.id != enum.id or len(decl.variants) < 2:
            continue
        sizes = _variant_sizes(model, decl, {}, 0)
        if sizes is None:
            continue
        ordered = sorted(sizes.items(), key=lambda kv: kv[1], reverse=True)
        (big, big_size), (_second, second_size) = ordered[0], ordered[1]
        if big_size - second_size < _THRESHOLD:
            continue
        yield ctx.finding(
            info,
            ctx.span_between(enum, name),
            title=f"Variant `{big}` is {big_size} bytes, the next largest {second_size}: "
            f"every `{decl.name}` takes {big_size} bytes",
        )
