"""`noexcept` where containers and algorithms look for it: move operations and swap.

A missing `noexcept` on a move constructor makes `std::vector` copy instead of move when it
grows. But `noexcept` is a promise: if the function does throw, the program terminates. So
these rules suggest it only when the function's body cannot throw as far as the file shows
(it only moves, swaps and assigns plain values, or calls what is itself `noexcept`), and say
nothing when the body calls something that may throw or that the file does not show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import Span
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.model import MODEL_NODE_TYPES, ClassInfo, Function, Model, TypeSpec, base_of
from se_lsp.rules.cpp.stdlib import Cost
from se_lsp.rules.cpp.syntax import squash
from se_lsp.rules.engine import Context, RuleInfo, rule

# -- can a body throw? --------------------------------------------------------------------

_PLAIN = frozenset(
    {
        "identifier",
        "field_identifier",
        "number_literal",
        "true",
        "false",
        "null",
        "nullptr",
        "this",
        "string_literal",
        "char_literal",
        "comment",
        "field_expression",
        "parenthesized_expression",
        "binary_expression",
        "unary_expression",
        "pointer_expression",
        "update_expression",
        "subscript_expression",
        "subscript_argument_list",
        "conditional_expression",
        "expression_statement",
        "compound_statement",
        "return_statement",
        "if_statement",
        "condition_clause",
        "else_clause",
        "for_statement",
        "while_statement",
        "do_statement",
        "break_statement",
        "continue_statement",
        "qualified_identifier",
        "namespace_identifier",
        "type_identifier",
        "primitive_type",
        "sized_type_specifier",
        "type_qualifier",
        "sizeof_expression",
        "delete_expression",
        "escape_sequence",
        "string_content",
        "comma_expression",
        "template_argument_list",
        "type_descriptor",
        "abstract_pointer_declarator",
        "abstract_reference_declarator",
        "using_declaration",
        "static_assert_declaration",
        "argument_list",
        "initializer_list",
        "labeled_statement",
        "statement_identifier",
        "goto_statement",
        "switch_statement",
        "case_statement",
    }
)


@dataclass
class _Throws:
    """Decides, with a budget, whether code can throw (True when it may or cannot tell)."""

    model: Model
    depth: int = 0

    @property
    def ctx(self) -> Context:
        return self.model.ctx

    def function(self, fn: Function, cls: ClassInfo | None) -> bool:
        spec = self.model.noexcept_value(fn)
        if spec is True:
            return False
        if fn.defaulted:
            return cls is None or self.model.members_nothrow(cls, 0) is not True
        definition = self.model.definition(fn)
        if definition.defaulted:
            return cls is None or self.model.members_nothrow(cls, 0) is not True
        body = definition.body
        if body is None or self.depth > 3:
            return True
        inner = _Throws(self.model, self.depth + 1)
        if definition.inits is not None and inner.inits(definition.inits, cls):
            return True
        return inner.node(body)

    def inits(self, inits: Node, cls: ClassInfo | None) -> bool:
        model = self.model
        for init in inits.named_children:
            if init.type != "field_initializer":
                continue
            target_name = next(
                (
                    c
                    for c in init.named_children
                    if c.type
                    in (
                        "field_identifier",
                        "type_identifier",
                        "template_type",
                        "qualified_identifier",
                    )
                ),
                None,
            )
            arglist = next(
                (c for c in init.named_children if c.type in ("argument_list", "initializer_list")),
                None,
            )
            if target_name is None or arglist is None or cls is None:
                return True
            name = model.ctx.text(target_name)
            field = model.field(cls, name)
            if field is not None:
                target = field.type
            elif any(
                base_of(b.spelling).rsplit("::", 1)[-1] == base_of(name).rsplit("::", 1)[-1]
                for b in cls.bases
            ):
                target = TypeSpec(name)
            else:
                return True  # a delegating constructor or something the file does not show
            items = [c for c in arglist.named_children if c.type != "comment"]
            if self.construct(target, items):
                return True
        return False

    def construct(self, target: TypeSpec, items: list[Node]) -> bool:
        """Whether constructing `target` from these arguments may throw."""
        model = self.model
        trivial = model.cost(target) == Cost.TRIVIAL
        if not items:
            return not trivial and model.nothrow_move(target) is not True
        if len(items) == 1:
            arg = items[0]
            if _moved(self.ctx, arg):
                inner = _moved_operand(arg)
                return model.nothrow_move(target) is not True or (
                    inner is not None and self.node(inner)
                )
            if trivial:
                return self.node(arg)
            if arg.type in ("nullptr", "number_literal") and model.resolve(target).base in (
                "std::unique_ptr",
                "std::shared_ptr",
            ):
                return False
            return True
        return not trivial or any(self.node(a) for a in items)

    def node(self, node: Node) -> bool:
        t = node.type
        if t in (
            "throw_statement",
            "throw_expression",
            "new_expression",
            "try_statement",
            "co_await_expression",
            "co_return_statement",
            "co_yield_statement",
            "lambda_expression",
        ):
            return True
        if t == "call_expression":
            return self.call(node)
        if t == "assignment_expression":
            return self.assignment(node)
        if t == "declaration":
            return self.declaration(node)
        if t == "binary_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            for side in (left, right):
                if side is None:
                    continue
                st = self.model.type_of(side)
                if st is not None and self.model.cost(st) != Cost.TRIVIAL and not st.pointer:
                    op = node.child_by_field_name("operator")
                    if op is None or op.type not in ("==", "!=", "<", ">", "<=", ">="):
                        return True  # a class's operator: may allocate (string +)
        if t not in _PLAIN:
            return True
        return any(self.node(c) for c in node.named_children)

    def declaration(self, node: Node) -> bool:
        model = self.model
        for d in node.children_by_field_name("declarator"):
            if d.type != "init_declarator":
                continue
            inner = d.child_by_field_name("declarator")
            value = d.child_by_field_name("value")
            if inner is None or value is None:
                continue
            if inner.type in ("pointer_declarator", "reference_declarator"):
                if self.node(value):
                    return True
                continue
            tnode = node.child_by_field_name("type")
            spelled = TypeSpec(squash(self.ctx.text(tnode))) if tnode is not None else None
            if spelled is None:
                return True
            if spelled.is_auto:
                got = model.type_of(value)
                if got is None:
                    return True
                spelled = TypeSpec(got.spelling, False, "", got.pointer)
            items = (
                [c for c in value.named_children if c.type != "comment"]
                if value.type in ("argument_list", "initializer_list")
                else [value]
            )
            if self.construct(spelled, items):
                return True
        return False

    def assignment(self, node: Node) -> bool:
        model = self.model
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return True
        lt = model.type_of(left)
        if lt is None:
            # `*this = std::move(other)` and friends: the class's own move assignment.
            if (
                left.type == "pointer_expression"
                and model.ctx.text(left).replace(" ", "") == "*this"
            ):
                fn_node = next(
                    (a for a in _ancestors(node) if a.type == "function_definition"), None
                )
                cls = model.owner_class(fn_node) if fn_node is not None else None
                if cls is None:
                    return True
                assign = cls.move_assign if _moved(self.ctx, right) else cls.copy_assign
                return not assign or self.function(assign[0], cls) or self.node(right)
            return True
        if model.cost(lt) == Cost.TRIVIAL or lt.pointer:
            return self.node(right)
        if _moved(self.ctx, right):
            inner = _moved_operand(right)
            return model.nothrow_move(lt) is not True or (inner is not None and self.node(inner))
        if right.type in ("nullptr", "number_literal") and model.resolve(lt).base in (
            "std::unique_ptr",
            "std::shared_ptr",
        ):
            return False
        return True

    def call(self, call: Node) -> bool:
        model = self.model
        ctx = self.ctx
        fn = call.child_by_field_name("function")
        if fn is None:
            return True
        args = (
            [
                c
                for c in (call.child_by_field_name("arguments") or call).named_children
                if c.type != "comment"
            ]
            if call.child_by_field_name("arguments")
            else []
        )
        text = squash(ctx.text(fn))
        base = base_of(text)
        last = base.rsplit("::", 1)[-1]
        if base in stdlib.NOTHROW_CALLS:
            return any(self.node(a) for a in args if not _moved(ctx, a))
        if last in ("swap", "iter_swap") and fn.type != "field_expression" and len(args) == 2:
            if base in ("std::swap", "swap", "std::ranges::swap"):
                return any(self.swaps(a) for a in args)
        if base == "std::exchange" and len(args) == 2:
            t = model.type_of(args[0])
            if t is None:
                return True
            return (model.cost(t) != Cost.TRIVIAL and model.nothrow_move(t) is not True) or (
                self.node(args[1])
            )
        if base.endswith("_cast") and base.rsplit("::", 1)[-1] in (
            "static_cast",
            "reinterpret_cast",
            "const_cast",
        ):
            return any(self.node(a) for a in args)
        if fn.type == "field_expression":
            recv = fn.child_by_field_name("argument")
            method = ctx.text(fn.child_by_field_name("field"))
            rt = model.type_of(recv) if recv is not None else None
            if rt is None and recv is not None and recv.type == "this":
                owner = next((a for a in _ancestors(call) if a.type == "function_definition"), None)
                cls = model.owner_class(owner) if owner is not None else None
                return cls is None or self.methods(cls, method, args)
            if rt is None:
                return True
            r = model.resolve(rt)
            if ctx.text(fn.child_by_field_name("operator")) == "->":
                if r.pointer:
                    r = TypeSpec(r.spelling, r.const)
                elif r.base in ("std::unique_ptr", "std::shared_ptr") and r.args:
                    r = TypeSpec(r.args[0])
                else:
                    return True
            if stdlib.is_library(r.base):
                if method == "reset" and args and r.base == "std::shared_ptr":
                    return True  # allocates a control block
                return method not in stdlib.NOTHROW_METHODS or any(self.node(a) for a in args)
            cls = model.class_of(r)
            return cls is None or self.methods(cls, method, args)
        if fn.type == "identifier":
            owner = next((a for a in _ancestors(call) if a.type == "function_definition"), None)
            cls = model.owner_class(owner) if owner is not None else None
            if cls is not None and model.methods(cls, text):
                return self.methods(cls, text, args)
            fns = model.free_functions(text)
            if not fns:
                return True
            return any(self.function(f, None) for f in fns) or any(self.node(a) for a in args)
        return True

    def methods(self, cls: ClassInfo, name: str, args: list[Node]) -> bool:
        fns = [f for f in self.model.methods(cls, name) if f.arity[0] <= len(args) <= f.arity[1]]
        if not fns:
            return True
        return any(self.function(f, cls) for f in fns) or any(self.node(a) for a in args)

    def swaps(self, arg: Node) -> bool:
        t = self.model.type_of(arg)
        if t is None:
            return True
        if self.model.cost(t) == Cost.TRIVIAL or t.pointer:
            return False
        return self.model.nothrow_move(t) is not True


def _moved(ctx: Context, node: Node) -> bool:
    """`std::move(x)` or `static_cast<T&&>(x)`."""
    if node.type != "call_expression":
        return False
    fn = node.child_by_field_name("function")
    text = squash(ctx.text(fn))
    return text in ("std::move", "move") or (text.startswith("static_cast<") and "&&" in text)


def _moved_operand(node: Node) -> Node | None:
    a = node.child_by_field_name("arguments")
    items = [c for c in a.named_children if c.type != "comment"] if a is not None else []
    return items[0] if len(items) == 1 else None


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


# -- shared reporting ---------------------------------------------------------------------


def _explicit_false(ctx: Context, fn: Function) -> bool:
    """`noexcept(false)` written out: a deliberate choice, left alone."""
    spec = fn.noexcept
    if spec is None or spec.type != "noexcept":
        return False
    inner = [c for c in spec.named_children if c.type != "comment"]
    return len(inner) == 1 and inner[0].type == "false"


def _in_class_definition(fn: Function) -> bool:
    """Defined where it is declared, in the class (a member or a friend): one place to edit."""
    parent = fn.node.parent
    if parent is not None and parent.type in ("template_declaration", "friend_declaration"):
        parent = parent.parent
    return fn.body is not None and parent is not None and parent.type == "field_declaration_list"


def _spec_in_text(ctx: Context, fn: Function) -> bool:
    """A `noexcept` the parser did not attach: behind a macro (`FOO_NOEXCEPT`) or in `#if`
    branches. Read from the text after the parameter list, comments left out."""
    params = fn.declarator.child_by_field_name("parameters")
    if params is None:
        return False
    tail = ctx.source[params.end_byte : params.end_byte + 300]
    out = bytearray()
    i = 0
    while i < len(tail):
        two = tail[i : i + 2]
        if two == b"//":
            end = tail.find(b"\n", i)
            i = len(tail) if end < 0 else end
            continue
        if two == b"/*":
            end = tail.find(b"*/", i + 2)
            i = len(tail) if end < 0 else end + 2
            continue
        ch = tail[i : i + 1]
        if ch in (b"{", b";", b":") and b"#" not in out:
            break
        out += ch
        i += 1
    return b"noexcept" in out or b"NOEXCEPT" in out


def _insert_point(fn: Function) -> Node | None:
    last = None
    for c in fn.declarator.children:
        if c.type in ("parameter_list", "type_qualifier", "ref_qualifier"):
            last = c
    return last


def _verdict(
    ctx: Context, model: Model, fn: Function, cls: ClassInfo | None
) -> tuple[str, float] | None:
    """("missing" | "false", confidence) when the function should say noexcept, else None."""
    if fn.deleted or (fn.noexcept is None and _spec_in_text(ctx, fn)):
        return None
    spec = model.noexcept_value(fn)
    if spec is True or _explicit_false(ctx, fn):
        return None
    if fn.noexcept is not None and spec is None:
        return None  # an expression the file cannot evaluate
    kind = "false" if fn.noexcept is not None else "missing"
    if fn.defaulted and kind == "missing":
        return None  # `= default` is noexcept by itself when the members' moves are
    definition = model.definition(fn)
    if definition.body is None and not definition.defaulted:
        # Declared here, defined elsewhere: whether the body can throw is not in this file
        # (a move constructor that allocates is common), so noexcept could turn a throw into
        # std::terminate. The definition's own file is where this is judged.
        return None
    if _Throws(model).function(_without_spec(fn), cls):
        return None  # it may throw: noexcept would turn that exception into a crash
    return kind, 0.85


def _without_spec(fn: Function) -> Function:
    from dataclasses import replace

    return replace(fn, noexcept=None)


def _report(
    ctx: Context, info: RuleInfo, fn: Function, what: str, kind: str, confidence: float
) -> Finding:
    fix = None
    if kind == "missing" and _in_class_definition(fn):
        point = _insert_point(fn)
        if point is not None:
            end = ctx.index.pos_at_byte(point.end_byte)
            fix = ctx.fix(Span(end, end), " noexcept", "Declare it noexcept")
    if kind == "false":
        spec = fn.noexcept
        assert spec is not None
        return ctx.finding(
            info,
            spec,
            title=f"The noexcept specification of {what} evaluates to false",
            confidence=confidence,
        )
    title = f"{what[0].upper()}{what[1:]} is not noexcept"
    return ctx.finding(info, fn.declarator, title=title, fix=fix, confidence=confidence)


# -- performance-noexcept-move-constructor ----------------------------------------------------


@rule(
    "cpp/noexcept-move-constructor",
    title="Move constructor or move assignment is not noexcept",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`std::vector` and other containers keep the strong exception guarantee when they grow: they move
elements into the new buffer only if the move constructor is `noexcept`, and otherwise **copy**
every element (`std::move_if_noexcept`). A move constructor that cannot throw but does not say so
turns each reallocation of a `std::vector<T>` into a full deep copy. se-lsp suggests `noexcept`
only when the body cannot throw as far as the file shows: on a function that can throw,
`noexcept` would turn the exception into `std::terminate`.
""",
    fix="Declare the move constructor and move assignment `noexcept` (or `= default` them).",
    measure="Google Benchmark pushing into a `std::vector<T>` without reserve; `heaptrack` shows "
    "the copies' allocations during reallocation.",
    mirrors=["clang-tidy:performance-noexcept-move-constructor", "clang-tidy:hicpp-noexcept-move"],
    bad="""
class Buffer {
public:
    Buffer(Buffer&& other) : data_(other.data_), size_(other.size_) {
        other.data_ = nullptr;
    }
private:
    char* data_;
    int size_;
};
""",
    good="""
#include <string>
class Buffer {
public:
    Buffer(Buffer&& other) noexcept : data_(other.data_), size_(other.size_) {
        other.data_ = nullptr;
    }
    Buffer(const Buffer& other);
    Buffer& operator=(Buffer&&) = default;
private:
    char* data_;
    int size_;
};
class Named {
public:
    Named(Named&& other) : name_(other.name_ + "'") {}
private:
    std::string name_;
};
""",
    scope="file",
    node_types=["class_specifier", "struct_specifier", "function_definition", *MODEL_NODE_TYPES],
    has_fix=True,
    confidence=0.85,
    body_examples=False,
    gaps=(
        "A move operation whose body may throw (it allocates, or calls a function not marked "
        "noexcept in this file) is left alone: clang-tidy asks for noexcept there too, which "
        "would turn that exception into std::terminate.",
        "A move operation only declared in this file (defined in another) is left alone: its "
        "body is judged where it is defined.",
        "`= default` move operations over a member whose move may throw are left alone for "
        "the same reason.",
        "A move operation declared in its class and defined outside it is reported once, at "
        "the declaration, where the fix goes; clang-tidy reports the definition as well.",
        "AllowFalseEvaluated (off by default) is not configurable.",
    ),
)
def noexcept_move_constructor(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    reported: set[int] = set()
    for cls in model.all_classes():
        if b"&&" in _body_bytes(ctx, cls):
            for fn, what in [(f, "move constructor") for f in cls.move_ctor] + [
                (f, "move assignment operator") for f in cls.move_assign
            ]:
                if ctx.limit is not None and not (
                    ctx.limit[0] <= fn.node.start_byte < ctx.limit[1]
                ):
                    continue
                verdict = _verdict(ctx, model, fn, cls)
                if verdict is not None:
                    reported.add(model.definition(fn).node.id)
                    yield _report(ctx, info, fn, f"the {what} of `{cls.name}`", *verdict)
    # Out-of-line definitions of a class the file does not define (a .cc file).
    for fn in model.out_of_line_where(lambda owner, name: name in (owner, "operator=")):
        if fn.node.id in reported or fn.owner is None or model.class_named(fn.owner) is not None:
            continue
        kind = _move_kind(fn)
        if kind is None or fn.body is None:
            continue
        verdict = _verdict(ctx, model, fn, None)
        if verdict is not None:
            yield _report(ctx, info, fn, f"the {kind} of `{fn.owner}`", *verdict)


def _move_kind(fn: Function) -> str | None:
    if len(fn.params) != 1 or fn.template:
        return None
    p = fn.params[0].type
    if p.ref != "&&" or p.const or base_of(p.spelling).rsplit("::", 1)[-1] != fn.owner:
        return None
    if fn.name == fn.owner:
        return "move constructor"
    if fn.name == "operator=":
        return "move assignment operator"
    return None


# -- performance-noexcept-swap --------------------------------------------------------------


def _swap_like(fn: Function, member: bool) -> bool:
    if fn.name not in ("swap", "iter_swap"):
        return False
    want = 1 if member else 2
    if len(fn.params) != want:
        return False
    return all(p.type.ref == "&" and not p.type.const for p in fn.params)


@rule(
    "cpp/noexcept-swap",
    title="swap is not noexcept",
    severity=Severity.INFO,
    category="other",
    explanation="""
Generic code asks `std::is_nothrow_swappable` before choosing a fast path: copy-and-swap
assignment, `std::swap`-based algorithms and containers that must keep the strong exception
guarantee fall back to copying when a `swap` may throw. A swap that only exchanges pointers and
plain values cannot throw and should say so; one that may throw is left alone.
""",
    fix="Declare `swap` `noexcept`.",
    measure="Google Benchmark the container or algorithm that swaps; check "
    "`static_assert(std::is_nothrow_swappable_v<T>)`.",
    mirrors=["clang-tidy:performance-noexcept-swap"],
    bad="""
#include <utility>
struct Handle {
    void swap(Handle& other) { std::swap(fd_, other.fd_); }
    int fd_;
};
""",
    good="""
#include <utility>
struct Handle {
    void swap(Handle& other) noexcept { std::swap(fd_, other.fd_); }
    int fd_;
};
""",
    scope="file",
    node_types=["class_specifier", "struct_specifier", "function_definition", *MODEL_NODE_TYPES],
    has_fix=True,
    body_examples=False,
    gaps=(
        "A swap whose body may throw, as far as the file shows, is left alone: clang-tidy "
        "asks for noexcept there too.",
        "A swap only declared in this file (defined in another) is left alone: its body is "
        "judged where it is defined.",
    ),
)
def noexcept_swap(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    reported: set[int] = set()
    seen: set[str] = set()
    for cls in model.all_classes():
        if b"swap" in _body_bytes(ctx, cls):
            for fn in cls.members("swap") + cls.members("iter_swap"):
                if not _swap_like(fn, True) or not _limited(ctx, fn):
                    continue
                verdict = _verdict(ctx, model, fn, cls)
                reported.add(model.definition(fn).node.id)
                if verdict is not None:
                    yield _report(ctx, info, fn, f"`{cls.name}::swap`", *verdict)
    for name in ("swap", "iter_swap"):
        for fn in model.free_functions(name):
            if not _swap_like(fn, False) or not _limited(ctx, fn):
                continue
            key = "|".join(squash(p.type.text()) for p in fn.params)
            if key in seen:
                continue  # a declaration then the definition of the same function
            seen.add(key)
            same = [
                f
                for f in model.free_functions(name)
                if "|".join(squash(p.type.text()) for p in f.params) == key
            ]
            defined = next((f for f in same if f.body is not None), None)
            judged = _merge(fn, defined) if defined is not None and defined is not fn else fn
            verdict = _verdict(ctx, model, judged, None)
            if verdict is not None:
                found = _report(ctx, info, fn, "this swap", *verdict)
                if len(same) > 1 and found.fix is not None:
                    from dataclasses import replace

                    found = replace(found, fix=None)
                yield found
    for fn in model.out_of_line_where(lambda owner, name: name in ("swap", "iter_swap")):
        if fn.node.id in reported or fn.owner is None or model.class_named(fn.owner) is not None:
            continue
        if fn.body is None or not _swap_like(fn, True) or not _limited(ctx, fn):
            continue
        verdict = _verdict(ctx, model, fn, None)
        if verdict is not None:
            yield _report(ctx, info, fn, f"`{fn.owner}::swap`", *verdict)


def _merge(decl: Function, definition: Function) -> Function:
    """A declaration judged by its definition's body (the declaration carries the spec)."""
    from dataclasses import replace

    return replace(decl, body=definition.body, inits=definition.inits)


def _body_bytes(ctx: Context, cls: ClassInfo) -> bytes:
    """A class body's text: a cheap test before its members are read."""
    body = cls.node.child_by_field_name("body")
    return ctx.source[body.start_byte : body.end_byte] if body is not None else b""


def _limited(ctx: Context, fn: Function) -> bool:
    return ctx.limit is None or ctx.limit[0] <= fn.node.start_byte < ctx.limit[1]


RULES = [noexcept_move_constructor, noexcept_swap]
