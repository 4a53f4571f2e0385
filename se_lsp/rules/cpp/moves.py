"""Moves that do not happen: `std::move` that copies, `const` that blocks the move on return,
and move constructors that copy their members."""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import replace

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.model import (
    MODEL_NODE_TYPES,
    ClassInfo,
    Function,
    Model,
    TypeSpec,
    UseKind,
    base_of,
)
from se_lsp.rules.cpp.stdlib import Cost
from se_lsp.rules.cpp.syntax import args, callee, calls, const_qualified, squash
from se_lsp.rules.engine import Context, RuleInfo, rule

# -- performance-move-const-arg ---------------------------------------------------------------


def _mentions_any(spelling: str, names: Set[str]) -> bool:
    word = ""
    for ch in spelling + " ":
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word in names:
                return True
            word = ""
    return False


def _lvalue_ok(ctx: Context, model: Model, call: Node) -> bool:
    """Whether `x` can stand where `std::move(x)` is (no `T&&` parameter needs the rvalue)."""
    parent = call.parent
    if parent is None:
        return False
    if parent.type in ("return_statement", "init_declarator", "expression_statement"):
        return True
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == call:
        return True
    if parent.type in ("argument_list", "initializer_list") and parent.parent is not None:
        holder = parent.parent
        if holder.type in ("init_declarator", "field_initializer", "lambda_capture_specifier"):
            return True
        if holder.type == "call_expression":
            items = [c for c in parent.named_children if c.type != "comment"]
            position = items.index(call) if call in items else -1
            fn = holder.child_by_field_name("function")
            if fn is None or position < 0:
                return False
            if fn.type == "field_expression":
                recv = fn.child_by_field_name("argument")
                method = ctx.text(fn.child_by_field_name("field"))
                rt = model.type_of(recv) if recv is not None else None
                if rt is not None and model.is_library_type(rt):
                    return method in stdlib.READING_METHODS
                return False
            if fn.type == "identifier":
                fns = [
                    f
                    for f in model.free_functions(ctx.text(fn))
                    if f.arity[0] <= len(items) <= f.arity[1]
                ]
                return bool(fns) and all(
                    len(f.params) > position
                    and f.params[position].type.ref != "&&"
                    and not (
                        f.params[position].type.ref == "&" and not f.params[position].type.const
                    )
                    for f in fns
                )
    if parent.type == "lambda_capture_initializer":
        return True
    return False


def _const_ref_only(ctx: Context, model: Model, call: Node) -> bool:
    """`f(std::move(x))` where every `f` the file declares takes that argument by const&."""
    parent = call.parent
    if parent is None or parent.type != "argument_list" or parent.parent is None:
        return False
    holder = parent.parent
    if holder.type != "call_expression":
        return False
    fn = holder.child_by_field_name("function")
    if fn is None or fn.type != "identifier":
        return False
    items = [c for c in parent.named_children if c.type != "comment"]
    position = items.index(call) if call in items else -1
    fns = [f for f in model.free_functions(ctx.text(fn)) if f.arity[0] <= len(items) <= f.arity[1]]
    if not fns or position < 0:
        return False
    return all(
        len(f.params) > position
        and f.params[position].type.ref == "&"
        and f.params[position].type.const
        for f in fns
    )


def _no_move_class(model: Model, ts: TypeSpec) -> ClassInfo | None:
    """A class the file defines that has a user-declared copy constructor and no move one."""
    cls = model.class_of(ts)
    if cls is None or cls.move_ctor or cls.template_params:
        return None
    copy = cls.copy_ctor
    if not copy or any(c.deleted for c in copy):
        return None
    return cls


@rule(
    "cpp/move-const-arg",
    title="std::move that cannot move",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`std::move` only casts to an rvalue. A `const` object cannot be moved from, so the "move"
silently selects the copy constructor; a trivially copyable value (an `int`, a pointer, a plain
struct) is copied either way; and a `const&` parameter or a class without a move constructor
takes the copy path as well. The code looks like it avoids a copy but does not, which hides the
real cost (for a const string or vector, a full allocation and copy).
""",
    fix="Drop the `std::move`, or drop the `const` from the source if it should be moved.",
    measure="`heaptrack` shows the copy's allocation still there; a Google Benchmark of the "
    "function with and without `const` shows the difference.",
    mirrors=["clang-tidy:performance-move-const-arg", "clang-tidy:hicpp-move-const-arg"],
    bad="""
#include <string>
#include <utility>
#include <vector>
void store(std::vector<std::string>& out, std::string (*make_key)()) {
    const std::string key = make_key();
    out.push_back(std::move(key));
}
""",
    good="""
#include <string>
#include <utility>
#include <vector>
void store(std::vector<std::string>& out, std::string (*make_key)()) {
    std::string key = make_key();
    out.push_back(std::move(key));
}
""",
    scope="body",
    node_types=["function_definition", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "Calls inside templates whose argument type depends on a template parameter are left "
        "alone, as in clang-tidy.",
        "CheckTriviallyCopyableMove and CheckMoveToConstRef are on (their defaults); moving "
        "a trivially copyable value or into a const reference is reported as a hint, since "
        "removing it saves nothing.",
        "`T x(std::move(c));` is not seen: tree-sitter reads that declaration as a function "
        "prototype (the most vexing parse), so the call is not in the tree.",
    ),
)
def move_const_arg(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for call in calls(ctx, "move"):
        name = callee(ctx, call)
        if name != "std::move" and not (name == "move" and model.using_std):
            continue
        items = args(call)
        if len(items) != 1:
            continue
        arg = items[0]
        what = f"`{ctx.text(arg)}`" if arg.type == "identifier" else "the expression"
        declared_const = False
        d = None
        if arg.type == "identifier":
            d = model.lookup(ctx.text(arg), arg)
            if d is None:
                continue
            declared_const = d.type.const and not d.type.pointer
            ts = model.type_of_decl(d)
        else:
            ts = model.type_of(arg)
        if ts is None and not declared_const:
            continue
        resolved = model.resolve(ts) if ts is not None else None
        plain = TypeSpec(resolved.spelling) if resolved is not None else None
        const_move = False
        trivial = False
        if declared_const or (
            resolved is not None
            and resolved.const
            and not resolved.pointer
            and plain is not None
            and model.cost(plain) != Cost.TRIVIAL
        ):
            title = f"{what} is const: std::move has no effect (it is copied, or bound as const)"
            const_move = True
        elif (
            resolved is not None
            and plain is not None
            and (resolved.pointer or _known_trivial(model, plain))
        ):
            title = f"{what} is trivially copyable: std::move has no effect"
            trivial = True
        elif _const_ref_only(ctx, model, call):
            title = "std::move into a const reference parameter: nothing is moved"
            trivial = True  # nor copied: removing it changes no cost
        elif (
            arg.type == "identifier"
            and resolved is not None
            and _no_move_class(model, resolved) is not None
            and (_constructs_or_assigns(call))
        ):
            title = f"{what} has no move constructor: std::move copies it"
        else:
            continue
        # In a template, a type naming a template parameter is judged per instantiation.
        spelled = [resolved.spelling] if resolved is not None else []
        if arg.type == "identifier" and d is not None:
            spelled.append(d.type.spelling)
        tparams = model.template_params_at(call)
        if tparams and any(_mentions_any(sp, tparams) for sp in spelled):
            continue
        fix = None
        # Moving from a const object only ever bound it as `const T&&`, which a `const T&`
        # takes as well: dropping the std::move is safe there. Elsewhere a `T&&` parameter
        # might need the rvalue, so the fix is offered only where an lvalue is known to fit.
        if const_move or _lvalue_ok(ctx, model, call):
            fix = ctx.fix(call, ctx.text(arg), "Remove std::move")
        found = ctx.finding(info, call, title=title, fix=fix)
        if trivial:
            # Nothing is copied that a move would have saved: removing the std::move changes
            # no cost (and in a move constructor, moving every member is the usual style).
            # A hint, honest about being minor.
            found = replace(found, severity=Severity.HINT)
        yield found


def _known_trivial(model: Model, ts: TypeSpec) -> bool:
    """Trivially copyable and known to be (a scalar, an enum, a struct the file defines)."""
    words = ts.base.split()
    if words and all(w in stdlib.PRIMITIVES for w in words):
        return True
    return model.cost(TypeSpec(ts.spelling)) == Cost.TRIVIAL


def _constructs_or_assigns(call: Node) -> bool:
    parent = call.parent
    if parent is None:
        return False
    if parent.type == "assignment_expression":
        return True
    if parent.type == "init_declarator":
        return True
    return parent.type in ("argument_list", "initializer_list") and (
        parent.parent is not None and parent.parent.type == "init_declarator"
    )


# -- performance-no-automatic-move -------------------------------------------------------------


def _return_type(ctx: Context, model: Model, fn: Node) -> TypeSpec | None:
    decl = fn.child_by_field_name("declarator")
    if decl is None or decl.type != "function_declarator":
        return None  # returns a reference or pointer
    tnode = fn.child_by_field_name("type")
    if tnode is None:
        return None
    ts = TypeSpec(squash(ctx.text(tnode)))
    if ts.is_auto or any(c.type == "trailing_return_type" for c in decl.children):
        return None
    return model.resolve(ts)


def _constructible_from_rvalue(model: Model, ret: TypeSpec, value: TypeSpec) -> bool:
    """Whether the return type has a constructor taking the local's type by `&&`."""
    base = ret.base
    want = model.canonical(TypeSpec(value.spelling))
    if base in (
        "std::optional",
        "absl::StatusOr",
        "std::variant",
        "std::expected",
        "std::any",
        "absl::optional",
        "absl::variant",
    ):
        return base == "std::any" or any(model.canonical(TypeSpec(a)) == want for a in ret.args)
    cls = model.class_of(ret)
    if cls is None:
        return False
    for ctor in cls.ctors:
        if len(ctor.params) < 1 or ctor.arity[0] > 1:
            continue
        p = ctor.params[0].type
        if p.ref != "&&" or p.const:
            continue
        spelled = model.substitute(p.spelling, cls, ret.args) if cls.template_params else p.spelling
        if spelled is not None and model.canonical(TypeSpec(spelled)) == want:
            return True
    return False


@rule(
    "cpp/no-automatic-move",
    title="A const local blocks the move on return",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`return x;` of a local moves it out automatically, or elides the copy altogether. When the
function returns a different type built from the local (`std::optional<T>`, `StatusOr<T>`, a
wrapper), or returns different locals on different paths (so the copy cannot be elided), that
move needs a non-const local: a `const` local is copied instead, a full allocation and copy for a
string or container on every call.
""",
    fix="Drop `const` from the local that is returned.",
    measure="Google Benchmark the function; `heaptrack` shows an extra allocation per call at "
    "the return.",
    mirrors=["clang-tidy:performance-no-automatic-move"],
    bad="""
#include <optional>
#include <string>
std::optional<std::string> greeting(const std::string& name) {
    const std::string text = "Hello, " + name;
    return text;
}
""",
    good="""
#include <optional>
#include <string>
std::optional<std::string> greeting(const std::string& name) {
    std::string text = "Hello, " + name;
    return text;
}
std::string plain(const std::string& name) {
    const std::string text = "Hello, " + name;
    return text;
}
""",
    scope="body",
    node_types=["return_statement", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "A return type the file does not define (other than std::optional, std::variant, "
        "std::expected, std::any and absl::StatusOr) is left alone: whether it can be built "
        "from `T&&` is not visible.",
        "AllowedTypes (empty by default) is not configurable.",
    ),
)
def no_automatic_move(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    consts = _const_local_names(ctx)
    for ret in ctx.nodes("return_statement"):
        values = [c for c in ret.named_children if c.type != "comment"]
        if len(values) != 1 or values[0].type != "identifier":
            continue
        name = ctx.text(values[0])
        if name not in consts:
            continue  # no const local of that name anywhere: nothing to look up
        d = model.lookup(name, ret)
        if d is None or d.kind != "local" or d.static or d.node.type != "declaration":
            continue
        if not const_qualified(ctx, d.node) or any(
            ctx.text(c) == "constexpr" for c in d.node.children
        ):
            continue
        ts = model.type_of_decl(d)
        if ts is None or not ts.by_value or model.cost(ts) != Cost.EXPENSIVE:
            continue
        if model.dependent(ts, ret):
            continue
        if not model.movable(TypeSpec(ts.spelling)):
            continue
        fn = next(
            (a for a in _ancestors(ret) if a.type in ("function_definition", "lambda_expression")),
            None,
        )
        if fn is None or fn.type != "function_definition":
            continue
        rtype = _return_type(ctx, model, fn)
        if rtype is None or not rtype.by_value:
            continue
        same = model.canonical(TypeSpec(rtype.spelling)) == model.canonical(TypeSpec(ts.spelling))
        if same:
            if not _other_returns(ctx, fn, d.node, name):
                continue  # the copy is elided (NRVO) even for a const local
        elif not _constructible_from_rvalue(model, rtype, ts):
            continue
        fix = None
        quals = [
            c for c in d.node.children if c.type == "type_qualifier" and ctx.text(c) == "const"
        ]
        typ = d.node.child_by_field_name("type")
        scope = d.node.parent
        if (
            len(quals) == 1
            and typ is not None
            and quals[0].end_byte <= typ.start_byte
            and scope is not None
            and all(
                u.kind in (UseKind.READ, UseKind.COPY, UseKind.MOVE)
                for u in model.uses(name, scope, d.start, TypeSpec(ts.spelling))
            )
        ):
            fix = ctx.fix(ctx.span_between(quals[0], typ), ctx.text(typ), "Drop const")
        yield ctx.finding(
            info,
            values[0],
            title=f"`{name}` is const, so returning it copies instead of moving",
            fix=fix,
        )


def _const_local_names(ctx: Context) -> set[str]:
    """Names declared by `const` declarations in blocks (a cheap first test)."""
    names: set[str] = set()
    src = ctx.source
    for node in ctx.nodes("declaration"):
        typ = node.child_by_field_name("type")
        if typ is None or src.find(b"const", node.start_byte, typ.start_byte) < 0:
            continue
        for d in node.children_by_field_name("declarator"):
            inner = d.child_by_field_name("declarator") if d.type == "init_declarator" else d
            if inner is not None and inner.type == "identifier":
                names.add(ctx.text(inner))
    return names


def _other_returns(ctx: Context, fn: Node, decl: Node, name: str) -> bool:
    """Whether a return in the local's scope returns something else (no elision then)."""
    scope = decl.parent
    if scope is None:
        return False
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "return_statement" and node.start_byte > decl.end_byte:
            values = [c for c in node.named_children if c.type != "comment"]
            if len(values) != 1 or ctx.text(values[0]) != name:
                return True
            continue
        if node.type in ("lambda_expression", "function_definition") and node != fn:
            continue
        stack.extend(node.named_children)
    return False


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


# -- performance-move-constructor-init ----------------------------------------------------------


@rule(
    "cpp/move-constructor-init",
    title="Move constructor copies a member or base",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
Inside a move constructor the source parameter has a name, so it is an lvalue: `m_(other.m_)`
or `Base(other)` calls the **copy** constructor. For a string, a container or any member with a
real move constructor the "move" then allocates and copies everything it was meant to steal.
""",
    fix="Move each member and base: `m_(std::move(other.m_))`, `Base(std::move(other))`.",
    measure="Google Benchmark moving the object (or a vector of them growing); `heaptrack` shows "
    "the copies' allocations inside the move constructor.",
    mirrors=["clang-tidy:performance-move-constructor-init", "clang-tidy:cert-oop11-cpp"],
    bad="""
#include <string>
class Record {
public:
    Record(Record&& other) noexcept : name_(other.name_), id_(other.id_) {}
private:
    std::string name_;
    int id_;
};
""",
    good="""
#include <string>
#include <utility>
class Record {
public:
    Record(Record&& other) noexcept : name_(std::move(other.name_)), id_(other.id_) {}
private:
    std::string name_;
    int id_;
};
""",
    scope="file",
    node_types=["class_specifier", "struct_specifier", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
)
def move_constructor_init(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for cls in model.all_classes():
        body = cls.node.child_by_field_name("body")
        if body is None or b"&&" not in ctx.source[body.start_byte : body.end_byte]:
            continue  # no move constructor declared here (reading the members costs more)
        for ctor in cls.move_ctor:
            definition = model.definition(ctor)
            if definition.inits is None or definition.deleted or definition.defaulted:
                continue
            if ctx.limit is not None and not (
                ctx.limit[0] <= definition.node.start_byte < ctx.limit[1]
            ):
                continue
            yield from _copying_inits(ctx, info, model, cls, definition)


def _copying_inits(
    ctx: Context, info: RuleInfo, model: Model, cls: ClassInfo, ctor: Function
) -> Iterator[Finding]:
    param = ctor.params[0].name if ctor.params else ""
    if not param or ctor.inits is None:
        return
    for init in ctor.inits.named_children:
        if init.type != "field_initializer":
            continue
        target = next(
            (
                c
                for c in init.named_children
                if c.type
                in ("field_identifier", "type_identifier", "template_type", "qualified_identifier")
            ),
            None,
        )
        arglist = next((c for c in init.named_children if c.type == "argument_list"), None)
        if target is None or arglist is None:
            continue
        items = [c for c in arglist.named_children if c.type != "comment"]
        if len(items) != 1:
            continue
        arg = items[0]
        tname = ctx.text(target)
        field = cls.fields.get(tname)
        if field is not None:
            if field.type.const or not field.type.by_value:
                continue
            if arg.type != "field_expression":
                continue
            base = arg.child_by_field_name("argument")
            if (
                base is None
                or ctx.text(base) != param
                or ctx.text(arg.child_by_field_name("operator")) != "."
            ):
                continue
            member = ctx.text(arg.child_by_field_name("field"))
            source = model.field(cls, member)
            if source is None or source.type.ref or source.type.pointer:
                continue
            ftype = field.type
            kind = "member"
        else:
            base_spec = next(
                (
                    b
                    for b in cls.bases
                    if base_of(b.spelling).rsplit("::", 1)[-1] == base_of(tname).rsplit("::", 1)[-1]
                ),
                None,
            )
            if base_spec is None or arg.type != "identifier" or ctx.text(arg) != param:
                continue
            ftype = base_spec
            kind = "base class"
        if model.cost(ftype) != Cost.EXPENSIVE or not model.movable(TypeSpec(ftype.spelling)):
            continue
        fix = ctx.fix(arg, f"std::move({ctx.text(arg)})", "Move instead of copying")
        yield ctx.finding(
            info,
            arg,
            title=f"The move constructor of `{cls.name}` copies its {kind} `{tname}`",
            fix=fix,
        )


RULES = [move_const_arg, no_automatic_move, move_constructor_init]
