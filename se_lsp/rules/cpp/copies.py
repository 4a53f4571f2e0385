"""Copies a `const&` would avoid: range-for variables, locals, parameters, conversions.

Each rule here mirrors a clang-tidy performance check and follows its test file: a copy is
flagged only when the type is expensive to copy (not trivially copyable, as the model
decides from what the type holds) and the copy is only read, so a const reference keeps
the behaviour. What the file does not show (a method's const-ness, a type's members)
keeps a rule silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.decls import init_items
from se_lsp.rules.cpp.loops import loops_between
from se_lsp.rules.cpp.model import (
    MODEL_NODE_TYPES,
    Decl,
    Function,
    Model,
    TypeSpec,
    Use,
    UseKind,
    declared,
    function_params,
    parse_spelled,
    type_text,
)
from se_lsp.rules.cpp.stdlib import Cost
from se_lsp.rules.cpp.syntax import const_qualified
from se_lsp.rules.engine import Context, RuleInfo, rule

_READS = frozenset({UseKind.READ, UseKind.COPY})


def _only_reads(uses: list[Use]) -> bool:
    return all(u.kind in _READS for u in uses)


def _const_ref_fix_text(ctx: Context, owner: Node, typ: Node, decl: Node) -> str | None:
    """`const T& name` for a declaration `[const] T name` (None for unusual spellings)."""
    quals = [c for c in owner.children if c.type == "type_qualifier"]
    if any(q.start_byte > typ.start_byte for q in quals):
        return None  # `T const x`: rare enough to leave to the user
    return f"const {ctx.text(typ)}& {ctx.text(decl)}"


# -- performance-for-range-copy ---------------------------------------------------------------


@rule(
    "cpp/for-range-copy",
    title="Range-for copies each element",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
A range-for loop variable declared by value is copy-constructed from every element. For a type
that is expensive to copy (a string, a container, a class holding one, or any class with a
user-written copy constructor or destructor) each copy allocates or runs that code, tens to
hundreds of nanoseconds per element plus the matching destruction, even though the loop only
reads it.
""",
    fix="Bind a const reference: `for (const auto& x : xs)`.",
    measure="Google Benchmark the loop; `heaptrack ./prog` shows one allocation per iteration "
    "coming from the loop line.",
    mirrors=["clang-tidy:performance-for-range-copy"],
    bad="""
#include <cstdio>
#include <string>
#include <vector>
void print_all(const std::vector<std::string>& names) {
    for (std::string name : names) {
        std::printf("%s\\n", name.c_str());
    }
}
""",
    good="""
#include <cstdio>
#include <string>
#include <vector>
void print_all(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
        std::printf("%s\\n", name.c_str());
    }
    for (std::string name : names) {
        name += ".txt";
        std::printf("%s\\n", name.c_str());
    }
}
""",
    scope="body",
    node_types=["for_range_loop", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "WarnOnAllAutoCopies and WarnOnModificationOfCopiedLoopVariable (both off by default in "
        "clang-tidy) are not offered.",
        "AllowedTypes (empty by default) is not configurable.",
        "A range whose element type the file does not show (a function declared in another "
        "file, a template parameter) is left alone: clang-tidy sees the instantiation.",
    ),
)
def for_range_copy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_range_loop"):
        decl = loop.child_by_field_name("declarator")
        typ = loop.child_by_field_name("type")
        body = loop.child_by_field_name("body")
        rng = loop.child_by_field_name("right")
        if decl is None or typ is None or body is None or rng is None:
            continue
        if decl.type not in ("identifier", "structured_binding_declarator"):
            continue  # a reference or a pointer already
        const = const_qualified(ctx, loop)
        spelled = TypeSpec(type_text(ctx, typ))
        elem = model.element_of(rng)
        if elem is None or elem.ref != "&" or elem.pointer:
            continue  # unknown, or an iterator that yields values: nothing to save
        if spelled.is_auto:
            target = TypeSpec(elem.spelling)
        else:
            target = spelled
        if model.dependent(target, loop):
            continue
            if model.canonical(TypeSpec(elem.spelling)) != model.canonical(target):
                continue  # a conversion, not a copy (implicit-conversion-in-loop's business)
        if model.cost(target) != Cost.EXPENSIVE:
            continue
        if not const:
            if decl.type == "structured_binding_declarator":
                names = [ctx.text(c) for c in decl.named_children if c.type == "identifier"]
                types = _binding_types(model, target, len(names))
            else:
                names, types = [ctx.text(decl)], [target]
            uses = [
                u for n, t in zip(names, types, strict=True) for u in model.uses(n, body, typ=t)
            ]
            if not uses or not _only_reads(uses):
                continue
            title = "Loop variable is copied but only read: bind it as a const reference"
        else:
            title = "Const loop variable is a copy of each element: make it a reference"
        text = _const_ref_fix_text(ctx, loop, typ, decl)
        first = next((c for c in loop.children if c.type == "type_qualifier"), typ)
        span = ctx.span_between(first, decl)
        fix = ctx.fix(span, text, "Bind the element by const reference") if text else None
        yield ctx.finding(info, span, title=title, fix=fix)


def _binding_types(model: Model, whole: TypeSpec, count: int) -> list[TypeSpec | None]:
    """The types of `auto [a, b]`'s names: a pair's arguments, or a struct's fields in order."""
    r = model.resolve(whole)
    if r.base == "std::pair" and len(r.args) == 2 and count == 2:
        return [TypeSpec(parse_spelled(a).spelling) for a in r.args]
    cls = model.class_of(r)
    if cls is not None:
        fields = [d.type for d in cls.fields.values() if not d.static]
        if len(fields) == count:
            return list(fields)
    return [None] * count


# -- performance-implicit-conversion-in-loop -----------------------------------------------


@rule(
    "cpp/implicit-conversion-in-loop",
    title="Range-for reference binds to a converted temporary",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`for (const T& x : range)` where the range yields something other than `T` does not bind to the
element: every iteration converts the element into a temporary `T` and binds the reference to
that. The classic case is a map: its elements are `std::pair<const K, V>`, so
`const std::pair<K, V>&` copies every key and value. The `&` hides a full copy.
""",
    fix="Write `const auto&` (or the exact element type).",
    measure="Google Benchmark the loop; `heaptrack` shows an allocation per element from the "
    "converted copies.",
    mirrors=["clang-tidy:performance-implicit-conversion-in-loop"],
    bad="""
#include <map>
#include <string>
#include <vector>
std::size_t total(const std::map<int, std::vector<std::string>>& groups) {
    std::size_t n = 0;
    for (const std::pair<int, std::vector<std::string>>& g : groups) {
        n += g.second.size();
    }
    return n;
}
""",
    good="""
#include <map>
#include <string>
#include <vector>
std::size_t total(const std::map<int, std::vector<std::string>>& groups) {
    std::size_t n = 0;
    for (const auto& g : groups) {
        n += g.second.size();
    }
    return n;
}
""",
    scope="body",
    node_types=["for_range_loop", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "Conversions between arithmetic types (`const long&` over ints) are left alone: the "
        "temporary is a register copy.",
    ),
)
def implicit_conversion_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for loop in ctx.nodes("for_range_loop"):
        decl = loop.child_by_field_name("declarator")
        typ = loop.child_by_field_name("type")
        rng = loop.child_by_field_name("right")
        if decl is None or typ is None or rng is None or decl.type != "reference_declarator":
            continue
        if not decl.children or decl.children[0].type != "&" or not const_qualified(ctx, loop):
            continue
        spelled = TypeSpec(type_text(ctx, typ))
        if spelled.is_auto:
            continue
        elem = model.element_of(rng)
        if elem is None or elem.pointer:
            continue
        want = model.canonical(TypeSpec(spelled.spelling))
        have = model.canonical(TypeSpec(elem.spelling))
        if want == have:
            continue
        target = model.resolve(spelled)
        source = model.resolve(TypeSpec(elem.spelling))
        if target.pointer or source.pointer:
            continue
        if _arithmetic(target) and _arithmetic(source):
            continue
        if _derives(model, source, target):
            continue  # a base-class reference binds without a conversion
        if model.class_of(source) is None and not stdlib.is_library(source.base):
            if not _arithmetic(source):
                continue  # the file does not show what the element is
        fix = None
        if target.base == source.base:
            fix = ctx.fix(typ, "auto", "Bind the element itself with auto")
        yield ctx.finding(
            info,
            ctx.span_between(typ, decl),
            title=f"`{spelled.spelling}` is not the element type `{elem.spelling}`: each "
            "iteration converts into a temporary",
            fix=fix,
        )


def _arithmetic(ts: TypeSpec) -> bool:
    words = ts.base.split()
    return bool(words) and all(w in stdlib.PRIMITIVES for w in words) and not ts.pointer


def _derives(model: Model, derived: TypeSpec, base: TypeSpec, depth: int = 0) -> bool:
    cls = model.class_of(derived)
    if cls is None or depth > 8:
        return False
    want = model.canonical(TypeSpec(base.spelling))
    for b in cls.bases:
        if model.canonical(TypeSpec(b.spelling)) == want:
            return True
        if _derives(model, b, base, depth + 1):
            return True
    return False


# -- performance-unnecessary-copy-initialization -------------------------------------------


@rule(
    "cpp/unnecessary-copy-initialization",
    title="Local copy that is never modified",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
A local of an expensive type initialised from a const reference (an accessor returning
`const T&`, another variable, a member of a const object) is a full copy: an allocation and a
copy of the contents for a string or container. When neither the copy nor the original is
changed afterwards, a `const&` names the same value for free.
""",
    fix="Declare it `const T&` (or `const auto&`).",
    measure="Google Benchmark the function; `heaptrack` attributes the copy's allocation to the "
    "declaration.",
    mirrors=["clang-tidy:performance-unnecessary-copy-initialization"],
    bad="""
#include <string>
struct User {
    const std::string& name() const;
};
std::size_t name_length(const User& user) {
    const std::string name = user.name();
    return name.size();
}
""",
    good="""
#include <string>
struct User {
    const std::string& name() const;
};
std::size_t name_length(const User& user) {
    const std::string& name = user.name();
    return name.size();
}
std::string shout(const User& user) {
    std::string name = user.name();
    name += "!";
    return name;
}
""",
    scope="body",
    node_types=["declaration", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "AllowedTypes and ExcludedContainerTypes (empty by default) are not configurable.",
        "Copies in templates are judged only where the type does not depend on a template "
        "parameter: clang-tidy checks each instantiation.",
    ),
)
def unnecessary_copy_initialization(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for node in ctx.nodes("declaration"):
        first = node.child_by_field_name("declarator")
        if first is None or first.type not in ("init_declarator", "function_declarator"):
            continue
        typ = node.child_by_field_name("type")
        if typ is None or typ.type in ("primitive_type", "sized_type_specifier"):
            continue  # a number is never expensive to copy
        if first.type == "init_declarator":
            value = first.child_by_field_name("value")
            if value is None or value.type not in _COPY_SOURCES:
                continue  # a literal, an arithmetic expression, a temporary...
        if typ.type != "placeholder_type_specifier" and (
            model.cost(TypeSpec(type_text(ctx, typ))) != Cost.EXPENSIVE
        ):
            continue
        if any(
            c.type == "storage_class_specifier" and ctx.text(c) in ("static", "thread_local")
            for c in node.children
        ):
            continue
        parent = node.parent  # asked late: tree-sitter searches down from the root for it
        if parent is None or parent.type != "compound_statement":
            continue  # a global, a for-loop initialiser, a condition
        decls = node.children_by_field_name("declarator")
        d = next(declared(ctx, node, "local"), None)
        inner = d.name_node if d is not None else None
        if d is None or d.value is None or inner is None or inner.type != "identifier":
            continue
        found = _copy_initialisation(ctx, model, node, d)
        if found is None:
            continue
        title, target = found
        const = const_qualified(ctx, node)
        uses = model.uses(d.name, parent, d.start, target)
        if not const and (not uses or not _only_reads(uses)):
            continue
        if const and not _only_reads(uses):
            continue  # moved from: the copy is needed
        if not uses:
            title = f"`{d.name}` is a copy that is never used; remove it"
        fix = None
        text = _const_ref_fix_text(ctx, node, typ, inner)
        if text is not None and len(decls) == 1 and uses:
            lead = next((c for c in node.children if c.type == "type_qualifier"), typ)
            fix = ctx.fix(
                ctx.span_between(lead, inner), text, "Bind a const reference instead of copying"
            )
        yield ctx.finding(info, inner, title=title, fix=fix)


# Initialisers that can be a copy of something a reference could name instead.
_COPY_SOURCES = frozenset(
    {
        "identifier",
        "field_expression",
        "call_expression",
        "subscript_expression",
        "argument_list",
        "initializer_list",
        "parenthesized_expression",
    }
)


def _copy_initialisation(
    ctx: Context, model: Model, node: Node, d: Decl
) -> tuple[str, TypeSpec] | None:
    """Why this local is an unneeded copy (a title) and its type, or None."""
    ts = model.resolve(d.type)
    if not ts.by_value:
        return None
    value = d.value
    if value is None:
        return None
    if value.type in ("argument_list", "initializer_list", "parameter_list"):
        items = init_items(value)
        if len(items) != 1:
            return None
        value = items[0]
    source = model.type_of(value)
    if source is None:
        return None
    target = TypeSpec(source.spelling) if ts.is_auto else ts
    if model.dependent(target, node) or model.dependent(source, node):
        return None
    if model.canonical(TypeSpec(target.spelling)) != model.canonical(TypeSpec(source.spelling)):
        return None  # a conversion
    if model.cost(target) != Cost.EXPENSIVE:
        return None
    if model.resolve(target).base in ("std::function", "std::move_only_function"):
        return None  # invoking a std::function may change its target
    scope = node.parent
    assert scope is not None
    after = node.end_byte
    if value.type in ("identifier", "type_identifier"):
        # A copy of another variable: both must stay unchanged.
        orig = model.lookup(ctx.text(value), value)
        if orig is None or orig.kind not in ("local", "param", "loop") or orig.static:
            return None
        if orig.kind == "param" and orig.type.by_value and not orig.type.const:
            return None  # cpp/unnecessary-value-param says what to do with the parameter
        root = _unchanged_root(ctx, model, orig, scope, after)
        if not root:
            return None
        return f"`{d.name}` copies `{orig.name}` but neither is changed afterwards", target
    if value.type == "field_expression":
        root_decl = _member_root(ctx, model, value)
        if root_decl is None:
            return None
        return (
            f"`{d.name}` copies `{ctx.text(value)}` of a const object and is never changed",
            target,
        )
    if source.ref != "&" or not source.const:
        return None  # not a const reference: a temporary or a mutable alias
    if value.type == "call_expression":
        fn = value.child_by_field_name("function")
        if fn is None:
            return None
        if fn.type == "field_expression":
            recv = fn.child_by_field_name("argument")
            if not _receiver_unchanged(ctx, model, recv, scope, after):
                return None
        elif fn.type in ("identifier", "qualified_identifier"):
            if any(c.type != "comment" for c in _args(value)):
                return None  # an argument could be what the reference points into
        else:
            return None
    elif value.type == "subscript_expression":
        if not _receiver_unchanged(ctx, model, value.child_by_field_name("argument"), scope, after):
            return None
    else:
        return None
    return f"`{d.name}` is copied from a const reference and never changed", target


def _args(call: Node) -> list[Node]:
    a = call.child_by_field_name("arguments")
    return list(a.named_children) if a is not None else []


def _receiver_unchanged(
    ctx: Context, model: Model, recv: Node | None, scope: Node, after: int
) -> bool:
    """The object an accessor was called on is a local or parameter not changed later."""
    while recv is not None and recv.type in ("parenthesized_expression", "pointer_expression"):
        if recv.type == "pointer_expression" and not ctx.text(recv).lstrip().startswith("*"):
            return False
        recv = next((c for c in recv.named_children if c.type != "comment"), None)
    if recv is None or recv.type != "identifier":
        return False
    d = model.lookup(ctx.text(recv), recv)
    if d is None or d.kind not in ("local", "param", "loop") or d.static:
        return False
    return _unchanged_root(ctx, model, d, scope, after)


def _unchanged_root(ctx: Context, model: Model, d: Decl, scope: Node, after: int) -> bool:
    """`d` (and what it refers to, for a reference bound to a local) is only read after `after`."""
    ts = model.type_of_decl(d)
    if ts is None:
        return False
    if ts.ref == "&" and not ts.const:
        return False  # a mutable reference: the referent may change elsewhere
    if not _only_reads(model.uses(d.name, scope, after, ts, deep=True)):
        return False
    if ts.ref and d.value is not None:
        # A reference to another local: that one must stay unchanged too.
        v = d.value
        while v.type == "call_expression":
            fn = v.child_by_field_name("function")
            if fn is None or fn.type != "field_expression":
                break
            v = fn.child_by_field_name("argument") or v
        if v.type == "identifier":
            other = model.lookup(ctx.text(v), v)
            if other is None:
                return False
            if other.kind in ("local", "param", "loop"):
                typ = model.type_of_decl(other)
                return _only_reads(model.uses(other.name, scope, after, typ, deep=True))
    return True


def _member_root(ctx: Context, model: Model, value: Node) -> Decl | None:
    """For `a.b.c` where `a` is a const local, a const parameter or a const global: `a`."""
    cur: Node | None = value
    while cur is not None and cur.type == "field_expression":
        op = cur.child_by_field_name("operator")
        if ctx.text(op) != ".":
            return None
        cur = cur.child_by_field_name("argument")
    if cur is None or cur.type != "identifier":
        return None
    d = model.lookup(ctx.text(cur), cur)
    if d is None:
        return None
    ts = model.type_of_decl(d)
    if ts is None or ts.pointer or not ts.const:
        return None
    return d


# -- performance-unnecessary-value-param -----------------------------------------------------


def _coroutine(ctx: Context, body: Node) -> bool:
    chunk = ctx.source[body.start_byte : body.end_byte]
    return b"co_await" in chunk or b"co_yield" in chunk or b"co_return" in chunk


def _overrides(model: Model, fn_node: Node, fn: Function | None) -> bool:
    """Virtual functions and overrides keep their signature (others must match it)."""
    if fn is None:
        return False
    if fn.virtual or fn.override:
        return True
    decl = model.declaration_of(fn) if fn.owner is not None and fn.body is not None else None
    if decl is not None and (decl.virtual or decl.override):
        return True
    cls = model.owner_class(fn_node)
    if cls is None:
        return fn.owner is not None  # a member of a class defined elsewhere: cannot tell
    if fn.name in (cls.name, "~" + cls.name) or fn.static:
        return False
    for b in cls.bases:
        base = model.class_of(b)
        if base is None:
            return True  # a base the file does not show may declare it virtual
        if any(m.virtual or m.override for m in model.methods(base, fn.name)):
            return True
    return False


def _function_of(model: Model, fn_node: Node) -> Function | None:
    """The model's Function for a definition node (a member, a free function or C::f)."""
    fns = list(model.functions_of(fn_node, None, "public", _in_template(fn_node)))
    if not fns:
        return None
    fn = fns[0]
    if "::" in fn.name:
        owner, _, member = fn.name.rpartition("::")
        fn.owner = owner.rsplit("::", 1)[-1]
        fn.name = member
    else:
        cls = model.owner_class(fn_node)
        if cls is not None:
            fn.owner = cls.name
    return fn


def _function_for(model: Model, fn_node: Node) -> Function | None:
    """`_function_of`, once per function node in an analysis (lambdas have none)."""
    if fn_node.type != "function_definition":
        return None
    cache: dict[int, Function | None] = model.ctx.shared.setdefault("cpp.function_of", {})
    if fn_node.id not in cache:
        cache[fn_node.id] = _function_of(model, fn_node)
    return cache[fn_node.id]


def _in_template(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "template_declaration"


def _specialisation(node: Node) -> bool:
    """`template <> ...`: an explicit specialisation (its signature must match the template)."""
    parent = node.parent
    if parent is None or parent.type != "template_declaration":
        return False
    params = parent.child_by_field_name("parameters")
    return params is not None and not params.named_children


def _value_params(model: Model) -> list[tuple[Node, Node, Function | None, Node, Decl]]:
    """(function node, body, Function, parameter node, declaration) for each by-value
    parameter of an expensive type, in every function or lambda with a body."""
    ctx = model.ctx
    cached: list[tuple[Node, Node, Function | None, Node, Decl]] | None = ctx.shared.get(
        "cpp.value_params"
    )
    if cached is not None:
        return cached
    out: list[tuple[Node, Node, Function | None, Node, Decl]] = []
    for kind in ("function_definition", "lambda_expression"):
        for fn_node in ctx.nodes(kind):
            body = fn_node.child_by_field_name("body")
            if body is None or body.type != "compound_statement":
                continue
            params = function_params(fn_node)
            if not params:
                continue
            for p in params:
                if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
                    continue
                typ = p.child_by_field_name("type")
                pd = p.child_by_field_name("declarator")
                if typ is None or (pd is not None and pd.type != "identifier"):
                    continue
                if typ.type in ("primitive_type", "sized_type_specifier"):
                    continue
                spelled = TypeSpec(type_text(ctx, typ), const_qualified(ctx, p))
                if spelled.spelling in ("void", "...") or spelled.is_auto:
                    continue
                if model.cost(spelled) != Cost.EXPENSIVE or model.dependent(spelled, p):
                    continue
                name = ctx.text(pd) if pd is not None else ""
                d = Decl(name, spelled, p, p.end_byte, "param", None, False, pd)
                out.append((fn_node, body, None, p, d))
    ctx.shared["cpp.value_params"] = out
    return out


def _fix_allowed(ctx: Context, model: Model, fn_node: Node, fn: Function | None) -> bool:
    """Whether changing this function's signature here changes it everywhere it is declared."""
    if fn_node.type == "lambda_expression":
        return True
    if fn is None or _specialisation(fn_node):
        return False
    if fn.owner is not None:
        # An in-class definition with no other declaration: the only signature there is.
        in_class = (
            model.owner_class(fn_node) is not None
            and fn_node.parent is not None
            and (
                fn_node.parent.type == "field_declaration_list"
                or (
                    fn_node.parent.type == "template_declaration"
                    and fn_node.parent.parent is not None
                    and fn_node.parent.parent.type == "field_declaration_list"
                )
            )
        )
        return in_class
    others = [f for f in model.free_functions(fn.name) if f.node != fn_node]
    if any(len(o.params) == len(fn.params) for o in others):
        return False  # declared again in this file: both would have to change
    if any(ctx.text(c) == "static" for c in fn_node.children):
        return True
    if any(
        a.type == "namespace_definition" and a.child_by_field_name("name") is None
        for a in _ancestors(fn_node)
    ):
        return True
    path = (ctx.path or "").lower()
    return path.endswith((".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp"))


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def _param_uses(model: Model, fn_node: Node, body: Node, d: Decl) -> list[Use]:
    if not d.name:
        return []
    uses = model.uses(d.name, body, typ=model.resolve(d.type))
    # A constructor's initialiser list lies between the parameters and the body.
    if model.ctx.source.find(d.name.encode(), d.node.end_byte, body.start_byte) >= 0:
        inits = next((c for c in fn_node.children if c.type == "field_initializer_list"), None)
        if inits is not None:
            uses = model.uses(d.name, inits, typ=model.resolve(d.type)) + uses
    return uses


def _only_dereferenced(ctx: Context, uses: list[Use]) -> bool:
    """Each use of a shared_ptr goes through `->`, `*`, `.get()` or a null test."""
    for u in uses:
        node = u.node
        parent = node.parent
        if parent is None:
            return False
        if parent.type == "field_expression":
            op = parent.child_by_field_name("operator")
            if ctx.text(op) == "->":
                continue
            grand = parent.parent
            if ctx.text(parent.child_by_field_name("field")) in ("get", "use_count") and (
                grand is not None and grand.type == "call_expression"
            ):
                continue
            return False
        if parent.type == "pointer_expression" and ctx.text(parent).lstrip().startswith("*"):
            continue
        if parent.type in ("condition_clause", "unary_expression"):
            continue
        if (
            parent.type == "conditional_expression"
            and parent.child_by_field_name("condition") == node
        ):
            continue
        if parent.type == "binary_expression":
            op = parent.child_by_field_name("operator")
            if op is not None and op.type in ("==", "!=", "&&", "||"):
                continue
        return False
    return True


def _skip_function(
    ctx: Context, model: Model, fn_node: Node, body: Node, fn: Function | None
) -> bool:
    if fn_node.type == "function_definition":
        if any(
            c.type in ("default_method_clause", "delete_method_clause") for c in fn_node.children
        ):
            return True
        if _overrides(model, fn_node, fn):
            return True
    return _coroutine(ctx, body)


@rule(
    "cpp/unnecessary-value-param",
    title="Expensive parameter passed by value but only read",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
A parameter of an expensive type (a string, a container, a `std::function`, a class holding one
or with a user-written copy constructor) taken by value is copied at every call unless the
caller moves into it. When the body only reads it, a `const&` has the same meaning with no copy;
when the body copies it exactly once, moving from it makes that copy free.
""",
    fix="Take it as `const T&`; or, if the body stores one copy, `std::move` it there.",
    measure="Google Benchmark the caller; `heaptrack` or `valgrind --tool=massif` attribute the "
    "extra allocations to the call site.",
    mirrors=["clang-tidy:performance-unnecessary-value-param"],
    bad="""
#include <string>
static int count_words(std::string text) {
    int n = 0;
    for (char c : text) {
        n += c == ' ';
    }
    return n + !text.empty();
}
""",
    good="""
#include <string>
#include <utility>
int count_words(const std::string& text) {
    int n = 0;
    for (char c : text) {
        n += c == ' ';
    }
    return n + !text.empty();
}
std::string with_suffix(std::string text) {
    text += ".txt";
    return text;
}
struct Named {
    explicit Named(std::string n) : name(std::move(n)) {}
    std::string name;
};
""",
    scope="body",
    node_types=["function_definition", "lambda_expression", *MODEL_NODE_TYPES],
    confidence=0.8,
    body_examples=False,
    has_fix=True,
    gaps=(
        "Virtual methods are left alone (clang-tidy warns without a fix): their overrides "
        "elsewhere would have to change too.",
        "Methods of a class with a base the file does not show are left alone: they may "
        "override a virtual method declared there.",
        "Parameters whose type depends on a template parameter are judged by clang-tidy per "
        "instantiation; se-lsp leaves them alone.",
        "AllowedTypes (empty by default) is not configurable; IsAllowedInCoroutines is off, as "
        "in clang-tidy.",
    ),
)
def unnecessary_value_param(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for fn_node, body, _, param, d in _value_params(model):
        uses = _param_uses(model, fn_node, body, d)
        if any(u.kind in (UseKind.WRITE, UseKind.MOVE) for u in uses):
            continue
        fn = _function_for(model, fn_node)
        if _skip_function(ctx, model, fn_node, body, fn):
            continue
        shared = model.resolve(d.type).base == "std::shared_ptr"
        if shared and not d.type.const and _only_dereferenced(ctx, uses):
            continue  # cpp/shared-ptr-by-value says it better
        label = f"`{d.name}`" if d.name else "The parameter"
        if (
            not d.type.const
            and len(uses) == 1
            and uses[0].kind == UseKind.COPY
            and not loops_between(uses[0].node, body)
            and model.movable(d.type)
            and _copy_is_same_type(model, uses[0], d.type)
        ):
            use = uses[0]
            move = ctx.fix(use.node, f"std::move({d.name})", f"Move {d.name} instead of copying it")
            yield ctx.finding(
                info,
                use.node,
                title=f"{label} is passed by value and copied once: move it instead of copying",
                fix=move,
            )
            continue
        if d.type.const:
            title = f"{label} is const and copied on every call: take it by const reference"
        else:
            title = f"{label} is copied on every call but only read: take it by const reference"
        fix: Fix | None = None
        typ = param.child_by_field_name("type")
        if typ is not None and _fix_allowed(ctx, model, fn_node, fn):
            quals = [c for c in param.children if c.type == "type_qualifier"]
            if not any(q.start_byte > typ.start_byte for q in quals):
                new = f"{ctx.text(typ)}&" if d.type.const else f"const {ctx.text(typ)}&"
                fix = ctx.fix(typ, new, "Take the parameter by const reference")
        yield ctx.finding(info, param, title=title, fix=fix)


def _copy_is_same_type(model: Model, use: Use, ts: TypeSpec) -> bool:
    """A copy into an object of the parameter's own type (so a move constructs it instead)."""
    top = use.top
    parent = top.parent
    if parent is None:
        return False
    want = model.canonical(TypeSpec(ts.spelling))
    if parent.type == "init_declarator":
        decl = parent.parent
        if decl is None:
            return False
        tnode = decl.child_by_field_name("type")
        spelled = TypeSpec(type_text(model.ctx, tnode)) if tnode is not None else None
        return spelled is not None and (spelled.is_auto or model.canonical(spelled) == want)
    if parent.type == "assignment_expression":
        lhs = model.type_of(parent.child_by_field_name("left"))
        return lhs is not None and model.canonical(TypeSpec(lhs.spelling)) == want
    if parent.type == "argument_list" and parent.parent is not None:
        holder = parent.parent
        if holder.type == "field_initializer":
            name = next((c for c in holder.named_children if c.type == "field_identifier"), None)
            fn = next((a for a in _ancestors(holder) if a.type == "function_definition"), None)
            cls = model.owner_class(fn) if fn is not None else None
            if name is None or cls is None:
                return False
            f = model.field(cls, model.ctx.text(name))
            if f is None:
                return any(model.canonical(b) == want for b in cls.bases)
            return f.type.by_value and model.canonical(TypeSpec(f.type.spelling)) == want
        if holder.type == "call_expression":
            # Passed by value to a function the file declares: the parameter is the copy.
            fn = holder.child_by_field_name("function")
            items = [c for c in parent.named_children if c.type != "comment"]
            position = items.index(top) if top in items else -1
            if fn is None or fn.type != "identifier" or position < 0:
                return False
            # Overloads that cannot take this many arguments are not the one called.
            fns = [
                f
                for f in model.free_functions(model.ctx.text(fn))
                if len(f.params) >= len(items)
                and all(p.has_default for p in f.params[len(items) :])
            ]
            return bool(fns) and all(
                len(f.params) > position
                and f.params[position].type.by_value
                and model.canonical(TypeSpec(f.params[position].type.spelling)) == want
                for f in fns
            )
        if holder.type == "init_declarator":
            decl = holder.parent
            tnode = decl.child_by_field_name("type") if decl is not None else None
            spelled = TypeSpec(type_text(model.ctx, tnode)) if tnode is not None else None
            return spelled is not None and (spelled.is_auto or model.canonical(spelled) == want)
    return False


# -- shared_ptr by value -------------------------------------------------------------------


@rule(
    "cpp/shared-ptr-by-value",
    title="std::shared_ptr passed by value but only dereferenced",
    severity=Severity.INFO,
    category="concurrency",
    explanation="""
Copying a `std::shared_ptr` bumps the reference count with an atomic increment, and destroying
the copy does an atomic decrement. Each is a locked read-modify-write on a shared cache line,
roughly 5-50 ns and far worse under contention across cores. A function that only uses the
object does not need to share ownership.
""",
    fix="Take `const T&` (or `T*` when null is allowed); take the `shared_ptr` only to keep it.",
    measure="`perf stat -e cache-misses` and `perf record` on a multithreaded benchmark show the "
    "time in the atomic refcount operations.",
    mirrors=["clang-tidy:performance-unnecessary-value-param"],
    bad="""
#include <memory>
struct Shape { double width() const; double height() const; };
double area(std::shared_ptr<Shape> shape) {
    return shape->width() * shape->height();
}
""",
    good="""
#include <memory>
#include <utility>
#include <vector>
struct Shape { double width() const; double height() const; };
double area(const Shape& shape) {
    return shape.width() * shape.height();
}
struct Cache {
    void remember(std::shared_ptr<Shape> shape) { shapes.push_back(std::move(shape)); }
    std::vector<std::shared_ptr<Shape>> shapes;
};
""",
    scope="body",
    node_types=["function_definition", "lambda_expression", *MODEL_NODE_TYPES],
    confidence=0.8,
    body_examples=False,
)
def shared_ptr_by_value(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for fn_node, body, _, param, d in _value_params(model):
        if model.resolve(d.type).base != "std::shared_ptr" or d.type.const or not d.name:
            continue
        uses = _param_uses(model, fn_node, body, d)
        if not uses or not _only_dereferenced(ctx, uses):
            continue
        if _skip_function(ctx, model, fn_node, body, _function_for(model, fn_node)):
            continue
        if fn_node.type == "lambda_expression":
            # A lambda's parameter type is dictated by what calls it (a std::function of a
            # shared_ptr, say): only a const reference to the same pointer is sure to fit.
            title = (
                f"`{d.name}` is a shared_ptr copied on every call but only dereferenced: "
                "take it by const reference"
            )
        else:
            title = (
                f"`{d.name}` is a shared_ptr copied on every call but only dereferenced: "
                "take the object by reference"
            )
        yield ctx.finding(info, param, title=title)


RULES = [
    for_range_copy,
    implicit_conversion_in_loop,
    unnecessary_copy_initialization,
    unnecessary_value_param,
    shared_ptr_by_value,
]
