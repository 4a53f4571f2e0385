"""How each use of a C++ variable treats it: read, copied, moved or written.

The copy rules need to know that a `const&` would do: that nothing changes the variable,
moves from it or keeps a mutable alias to it. Each mention is classified from its place in
the tree and what the model knows of the types and functions involved; anything the model
does not understand counts as a write, so the rules err towards silence.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from tree_sitter import Node

from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.decls import Function, is_static, type_text
from se_lsp.rules.cpp.stdlib import Cost
from se_lsp.rules.cpp.syntax import TEXTUAL, const_qualified, squash, word_hits
from se_lsp.rules.cpp.types import TypeSpec, base_of, parse_spelled
from se_lsp.rules.engine import Context

if TYPE_CHECKING:
    from se_lsp.rules.cpp.model import Model


class UseKind(Enum):
    READ = "read"  # only read: a const& would do
    COPY = "copy"  # copied into another object (a by-value variable, member, argument)
    MOVE = "move"  # moved from (std::move, or returned and so moved implicitly)
    WRITE = "write"  # changed, or a use this model does not understand


# Not frozen (never changed after construction): a frozen __init__ costs four times more.
@dataclass(slots=True, unsafe_hash=True)
class Use:
    kind: UseKind
    node: Node  # the identifier
    top: Node  # the whole expression the use is part of (for a COPY, what is copied)


class Uses:
    """Classifies the uses of variables in one file (see `Model.uses`)."""

    def __init__(self, model: Model) -> None:
        self.model: Model = weakref.proxy(model)  # the model owns this: no cycle back
        # When set, a change made through a pointer counts as a change of the variable.
        self.deep = False

    @property
    def ctx(self) -> Context:
        return self.model.ctx

    def of(
        self,
        name: str,
        region: Node,
        after: int = 0,
        typ: TypeSpec | None = None,
        deep: bool = False,
    ) -> list[Use]:
        """Every use of `name` (a variable of type `typ`) in `region` from byte `after`;
        with `deep`, changes made through it (a pointer) count as changes too."""
        self.deep = deep
        try:
            return self._of(name, region, after, typ)
        finally:
            self.deep = False

    def _of(self, name: str, region: Node, after: int, typ: TypeSpec | None) -> list[Use]:
        out: list[Use] = []
        src = self.ctx.source
        lo = max(region.start_byte, after)
        for pos in word_hits(src, name, lo, region.end_byte):
            node = region.descendant_for_byte_range(pos, pos + len(name))
            if node is None or node.type in TEXTUAL:
                continue
            if node.type != "identifier":
                if node.type in (
                    "field_identifier",
                    "type_identifier",
                    "namespace_identifier",
                    "statement_identifier",
                ):
                    continue
                out.append(Use(UseKind.WRITE, node, node))
                continue
            parent = node.parent
            if parent is not None and parent.type == "lambda_capture_specifier":
                prev = node.prev_sibling
                by_ref = prev is not None and prev.type == "&"
                out.append(Use(UseKind.READ if by_ref else UseKind.COPY, node, node))
                continue
            kind, top = self._classify(node, typ)
            out.append(Use(kind, node, top))
        return out

    def _classify(self, ident: Node, typ: TypeSpec | None) -> tuple[UseKind, Node]:
        parent = ident.parent
        if parent is None:
            return UseKind.WRITE, ident
        pt = parent.type
        if (
            pt
            in (
                "init_declarator",
                "declaration",
                "parameter_declaration",
                "optional_parameter_declaration",
                "reference_declarator",
                "pointer_declarator",
                "for_range_loop",
                "field_declaration",
            )
            and parent.child_by_field_name("declarator") == ident
        ):
            return UseKind.WRITE, ident  # a new declaration of the name: shadowing
        if pt == "reference_declarator" or pt == "structured_binding_declarator":
            return UseKind.WRITE, ident
        # Member and index accesses: `x.a.b`, `x[i]`, `x->f()`.
        top = ident
        owner_type = typ
        while parent is not None and (
            (parent.type == "field_expression" or parent.type == "subscript_expression")
            and parent.child_by_field_name("argument") == top
        ):
            if parent.type == "field_expression":
                grand = parent.parent
                fld = parent.child_by_field_name("field")
                if (
                    grand is not None
                    and grand.type == "call_expression"
                    and grand.child_by_field_name("function") == parent
                ):
                    method = self.ctx.text(fld)
                    arrow = self.ctx.text(parent.child_by_field_name("operator")) == "->"
                    return self._method_use(owner_type, method, grand, arrow), grand
                owner_type = self._member_type(owner_type, self.ctx.text(fld))
            else:
                if owner_type is not None and self._subscript_is_const_access(owner_type):
                    owner_type = None
                else:
                    # `x[i]` on a type with only a mutable operator[]: assume it changes x.
                    return UseKind.WRITE, parent
            top = parent
            parent = parent.parent
        return self._context(top, top == ident), top

    def _member_type(self, owner: TypeSpec | None, name: str) -> TypeSpec | None:
        if owner is None:
            return None
        r = self.model.resolve(owner)
        if r.pointer:
            r = TypeSpec(r.spelling, r.const)
        cls = self.model.class_of(r)
        if cls is None:
            return None
        d = self.model.field(cls, name)
        return self.model.resolve(d.type) if d is not None else None

    def _subscript_is_const_access(self, owner: TypeSpec) -> bool:
        """Whether `x[i]` reads x when only the result is read (containers, arrays)."""
        r = self.model.resolve(owner)
        if r.pointer or r.array:
            return True
        if stdlib.is_library(r.base):
            return r.base not in stdlib.MAPS  # map[] inserts a missing key
        cls = self.model.class_of(r)
        if cls is None:
            return False
        ops = self.model.methods(cls, "operator[]")
        return bool(ops) and any(o.const for o in ops)

    def _method_use(self, owner: TypeSpec | None, method: str, call: Node, arrow: bool) -> UseKind:
        """A method called on the variable (or on a member of it)."""
        r = self.model.resolve(owner) if owner is not None else None
        if r is not None and arrow:
            if not self.deep:
                # Through a pointer: the pointer itself is only read.
                if r.pointer or r.base in ("std::unique_ptr", "std::shared_ptr", "std::weak_ptr"):
                    return UseKind.READ
            elif r.pointer:
                if r.const:
                    return UseKind.READ  # a pointer to const: nothing changes through it
                r = TypeSpec(r.spelling, r.const)
            elif r.base in ("std::unique_ptr", "std::shared_ptr") and r.args:
                r = self.model.resolve(parse_spelled(r.args[0]))
            else:
                return UseKind.WRITE
        cls = self.model.class_of(r) if r is not None else None
        if cls is not None:
            overloads = self.model.methods(cls, method)
            if not overloads:
                return UseKind.WRITE
            if all(m.const or m.static for m in overloads):
                return UseKind.READ
            if any(m.const for m in overloads):
                return UseKind.READ if self._context(call, False) == UseKind.READ else UseKind.WRITE
            return UseKind.WRITE
        if r is not None and not stdlib.is_library(r.base) and not r.pointer:
            cost = self.model.cost(r)
            if cost == Cost.UNKNOWN:
                return UseKind.WRITE
        if method in stdlib.CONST_METHODS:
            return UseKind.READ
        if method in stdlib.ELEMENT_METHODS:
            ctx_kind = self._context(call, False)
            return UseKind.READ if ctx_kind in (UseKind.READ, UseKind.COPY) else UseKind.WRITE
        return UseKind.WRITE

    def _context(self, top: Node, whole: bool) -> UseKind:
        """How the expression `top` (the variable, or a part of it when not `whole`) is used."""
        parent = top.parent
        if parent is None:
            return UseKind.WRITE
        ctx = self.ctx
        pt = parent.type
        if pt == "assignment_expression":
            if parent.child_by_field_name("right") == top:
                op = parent.child_by_field_name("operator")
                return UseKind.COPY if whole and op is not None and op.type == "=" else UseKind.READ
            return UseKind.WRITE
        if pt == "update_expression":
            return UseKind.WRITE
        if pt == "pointer_expression":
            unary = parent.children[0].type if parent.children else ""
            if unary == "*":
                return self._context(parent, False)
            return UseKind.WRITE
        if pt == "binary_expression":
            op = parent.child_by_field_name("operator")
            optype = op.type if op is not None else ""
            left = parent.child_by_field_name("left") == top
            if optype in ("<<", ">>") and left and whole:
                return UseKind.WRITE if self._is_object(top) else UseKind.READ
            if optype == ">>" and not left:
                return UseKind.WRITE
            if whole and optype in _COMPARISON_OR_ARITHMETIC:
                return self._operator_use(top, optype, left)
            return UseKind.READ
        if pt == "for_range_loop":
            if parent.child_by_field_name("right") != top:
                return UseKind.WRITE
            decl = parent.child_by_field_name("declarator")
            const = const_qualified(ctx, parent)
            if decl is not None and decl.type == "reference_declarator" and not const:
                return UseKind.WRITE
            return UseKind.READ
        if pt == "init_declarator" and parent.child_by_field_name("value") == top:
            return self._init_use(parent, whole)
        if pt in ("argument_list", "initializer_list") and parent.parent is not None:
            holder = parent.parent
            if holder.type == "init_declarator":
                items = [c for c in parent.named_children if c.type != "comment"]
                if len(items) == 1:
                    return self._init_use(holder, whole)
                return self._constructor_use(
                    holder, items.index(top) if top in items else -1, whole
                )
            if pt == "argument_list" and holder.type == "call_expression":
                return self._argument_use(holder, parent, top, whole)
            if pt == "argument_list" and holder.type == "field_initializer":
                return UseKind.COPY if whole else UseKind.READ
            if holder.type == "new_expression":
                return UseKind.COPY if whole else UseKind.READ
            if pt == "initializer_list":
                return UseKind.COPY if whole else UseKind.READ
            return UseKind.WRITE
        if pt == "return_statement":
            return UseKind.MOVE if whole else UseKind.READ
        if pt == "call_expression" and parent.child_by_field_name("function") == top:
            return self._call_operator_use(top)
        if pt == "conditional_expression":
            if parent.child_by_field_name("condition") == top:
                return UseKind.READ
            return self._context(parent, whole)
        if pt in ("parenthesized_expression", "comma_expression"):
            if pt == "comma_expression" and parent.child_by_field_name("right") != top:
                return UseKind.READ
            return self._context(parent, whole)
        if pt in ("static_cast_expression", "cast_expression") or (
            pt == "call_expression" and "_cast" in ctx.text(parent.child_by_field_name("function"))
        ):
            return UseKind.WRITE
        if pt == "throw_statement":
            return UseKind.COPY if whole else UseKind.READ
        if pt in (
            "condition_clause",
            "expression_statement",
            "unary_expression",
            "sizeof_expression",
            "subscript_argument_list",
            "subscript_expression",
            "template_argument_list",
            "alignof_expression",
            "field_initializer",
        ):
            if pt == "subscript_expression" and parent.child_by_field_name("argument") == top:
                return UseKind.WRITE
            if pt == "field_initializer":
                return UseKind.COPY if whole else UseKind.READ
            return UseKind.READ
        if pt in ("if_statement", "while_statement", "do_statement", "switch_statement"):
            return UseKind.READ
        return UseKind.WRITE

    def _is_object(self, node: Node) -> bool:
        """Whether a `<<`/`>>` operand is an object (a stream...) rather than a number."""
        t = self.model.type_of(node)
        if t is None:
            return True
        r = self.model.resolve(t)
        words = r.base.split()
        return not (r.pointer is False and words and all(w in stdlib.PRIMITIVES for w in words))

    def _operator_use(self, top: Node, op: str, left: bool) -> UseKind:
        """`x == y`, `x + y`...: const for library types; for user types, as the file says."""
        t = self.model.type_of(top)
        cls = self.model.class_of(t) if t is not None else None
        if cls is None:
            return UseKind.READ
        name = f"operator{op}"
        members = self.model.methods(cls, name)
        if left and members:
            return UseKind.READ if any(m.const for m in members) else UseKind.WRITE
        free = [f for f in self.model.free_functions(name) if len(f.params) == 2]
        if free:
            p = [f.params[0 if left else 1].type for f in free]
            if all(x.const or x.by_value for x in p):
                return UseKind.READ
            return UseKind.WRITE
        return UseKind.READ

    def _call_operator_use(self, top: Node) -> UseKind:
        t = self.model.type_of(top)
        cls = self.model.class_of(t) if t is not None else None
        if cls is None:
            return UseKind.READ  # std::function's operator() is const
        ops = self.model.methods(cls, "operator()")
        return UseKind.READ if ops and all(o.const for o in ops) else UseKind.WRITE

    def _init_use(self, init: Node, whole: bool) -> UseKind:
        """The variable initialises another: a copy, a const or a mutable reference."""
        inner = init.child_by_field_name("declarator")
        decl = init.parent
        const = decl is not None and const_qualified(self.ctx, decl)
        if inner is not None and inner.type == "reference_declarator":
            if inner.children and inner.children[0].type == "&&":
                return UseKind.WRITE
            return UseKind.READ if const else UseKind.WRITE
        if inner is not None and inner.type == "pointer_declarator":
            return UseKind.READ
        if decl is not None and decl.type == "declaration" and is_static(self.ctx, decl):
            return UseKind.COPY if whole else UseKind.READ
        return UseKind.COPY if whole else UseKind.READ

    def _constructor_use(self, init: Node, position: int, whole: bool) -> UseKind:
        """`T y(a, x)`: the parameter of T's constructors at that position."""
        decl = init.parent
        tnode = decl.child_by_field_name("type") if decl is not None else None
        cls = (
            self.model.class_of(TypeSpec(type_text(self.ctx, tnode))) if tnode is not None else None
        )
        if cls is None or position < 0:
            return UseKind.READ if stdlib.is_library(type_text(self.ctx, tnode)) else UseKind.WRITE
        return self._param_use(cls.ctors, position, whole)

    def _param_use(self, fns: list[Function], position: int, whole: bool) -> UseKind:
        cands = [f for f in fns if f.arity[1] > position and len(f.params) > position]
        if not cands:
            return UseKind.WRITE
        kinds = set()
        for f in cands:
            p = f.params[position].type
            if p.spelling == "...":
                kinds.add(UseKind.WRITE)
            elif p.ref == "&&":
                kinds.add(UseKind.WRITE)
            elif p.ref == "&" or p.pointer:
                kinds.add(UseKind.READ if p.const else UseKind.WRITE)
            else:
                kinds.add(UseKind.COPY if whole else UseKind.READ)
        if UseKind.WRITE in kinds:
            return UseKind.WRITE
        return UseKind.COPY if UseKind.COPY in kinds else UseKind.READ

    def _argument_use(self, call: Node, arglist: Node, top: Node, whole: bool) -> UseKind:
        ctx = self.ctx
        fn = call.child_by_field_name("function")
        if fn is None:
            return UseKind.WRITE
        text = squash(ctx.text(fn))
        base = base_of(text)
        last = base.rsplit("::", 1)[-1]
        if base in ("std::move", "move", "std::forward", "forward"):
            return UseKind.MOVE if whole else UseKind.WRITE
        if base in stdlib.MOVERS or last in ("swap", "exchange", "getline", "tie"):
            return UseKind.WRITE
        if base.startswith("std::") and last in stdlib.MUTATING_ALGORITHMS:
            return UseKind.WRITE
        items = [c for c in arglist.named_children if c.type != "comment"]
        position = items.index(top) if top in items else -1
        if fn.type == "field_expression":
            recv = fn.child_by_field_name("argument")
            method = ctx.text(fn.child_by_field_name("field"))
            rt = self.model.type_of(recv) if recv is not None else None
            r = self.model.resolve(rt) if rt is not None else None
            if r is not None and self.ctx.text(fn.child_by_field_name("operator")) == "->":
                if r.pointer:
                    r = TypeSpec(r.spelling, r.const)
                elif r.base in ("std::unique_ptr", "std::shared_ptr") and r.args:
                    r = parse_spelled(r.args[0])
            cls = self.model.class_of(r) if r is not None else None
            if cls is not None:
                found = self.model.methods(cls, method)
                if found:
                    return self._param_use(found, position, whole)
                return UseKind.READ
            if r is not None and stdlib.is_library(r.base):
                if method == "swap":
                    return UseKind.WRITE
                return UseKind.READ
            # Another object's method: takes the value or a const reference in practice.
            return UseKind.READ
        if fn.type in ("identifier", "qualified_identifier", "template_function"):
            if base.startswith("std::") or base.startswith("absl::"):
                return UseKind.READ
            if "::" in base:
                scope, _, member = base.rpartition("::")
                cls = self.model.class_named(scope.rsplit("::", 1)[-1])
                if cls is not None:
                    fns = self.model.methods(cls, member) if member != cls.name else cls.ctors
                    return self._param_use(fns, position, whole) if fns else UseKind.WRITE
            cls = self.model.class_named(last) if fn.type != "qualified_identifier" else None
            if cls is not None and not self.model.free_functions(last):
                return (
                    self._param_use(cls.ctors, position, whole)
                    if cls.ctors
                    else (UseKind.COPY if whole else UseKind.READ)
                )
            fns = self.model.free_functions(last)
            if fns:
                return self._param_use(fns, position, whole)
            return UseKind.WRITE
        return UseKind.WRITE


_COMPARISON_OR_ARITHMETIC = frozenset({"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"})
