"""What a C++ declaration introduces: names with their types, functions, classes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from tree_sitter import Node

from se_lsp.rules.cpp.syntax import const_qualified
from se_lsp.rules.cpp.types import TypeSpec, normalize
from se_lsp.rules.engine import Context


# Not frozen (never changed after construction): a frozen __init__ costs four times more.
@dataclass(slots=True, unsafe_hash=True)
class Decl:
    """One declared name: its type as written, where it is visible from, what declared it."""

    name: str
    type: TypeSpec
    node: Node  # the declaration, parameter, field or for-range loop
    start: int  # byte offset from which the name is visible
    kind: str  # "param", "local", "field", "global", "loop"
    value: Node | None = None  # the initialiser
    static: bool = False
    name_node: Node | None = None


def declarator_chain(d: Node) -> tuple[Node | None, str, bool, bool, Node | None, bool]:
    """Walk a declarator to its name: (name node, ref, pointer, array, initialiser, function)."""
    ref = ""
    pointer = False
    array = False
    value: Node | None = None
    cur: Node | None = d
    while cur is not None:
        t = cur.type
        if t in (
            "identifier",
            "field_identifier",
            "type_identifier",
            "structured_binding_declarator",
        ):
            return cur, ref, pointer, array, value, False
        if t == "qualified_identifier":
            return cur, ref, pointer, array, value, False
        if t == "init_declarator":
            value = cur.child_by_field_name("value")
            cur = cur.child_by_field_name("declarator")
        elif t in ("reference_declarator", "abstract_reference_declarator"):
            if not ref:
                ref = "&&" if cur.child_count and cur.children[0].type == "&&" else "&"
            cur = next((c for c in cur.named_children if c.type != "type_qualifier"), None)
            if cur is None:
                return None, ref, pointer, array, value, False
        elif t in ("pointer_declarator", "abstract_pointer_declarator"):
            pointer = True
            cur = cur.child_by_field_name("declarator")
            if cur is None:
                return None, ref, pointer, array, value, False
        elif t in ("array_declarator", "abstract_array_declarator"):
            array = True
            cur = cur.child_by_field_name("declarator")
        elif t in ("function_declarator", "abstract_function_declarator"):
            return cur, ref, pointer, array, value, True
        elif t == "parenthesized_declarator":
            cur = cur.named_children[0] if cur.named_children else None
        elif t == "attributed_declarator":
            cur = cur.named_children[0] if cur.named_children else None
        else:
            return None, ref, pointer, array, value, False
    return None, ref, pointer, array, value, False


def type_text(ctx: Context, node: Node | None) -> str:
    if node is None:
        return ""
    if node.type == "placeholder_type_specifier":
        return "decltype(auto)" if "decltype" in ctx.text(node) else "auto"
    if node.type in ("struct_specifier", "class_specifier", "union_specifier", "enum_specifier"):
        name = node.child_by_field_name("name")
        return normalize(ctx.text(name)) if name is not None else ""
    return normalize(ctx.text(node))


def is_static(ctx: Context, node: Node) -> bool:
    return any(
        c.type == "storage_class_specifier" and ctx.text(c) == "static" for c in node.children
    )


def _declarators(
    ctx: Context, node: Node
) -> Iterator[tuple[str, Node, str, bool, bool, Node | None]]:
    """(name, name node, ref, pointer, array, initialiser) per name `node` declares."""
    decls: list[Node | None]
    first = node.child_by_field_name("declarator")
    if node.type == "for_range_loop" or first is None:
        decls = [first]
    elif first.next_sibling is not None and first.next_sibling.type == ",":
        decls = list(node.children_by_field_name("declarator"))  # `int a, b;`: rare
    else:
        decls = [first]
    for d in decls:
        if d is None:
            continue
        name_node, ref, pointer, array, value, function = declarator_chain(d)
        if function and name_node is not None and _looks_like_variable(node, name_node):
            # `T copy(other);` in a block parses like a function declaration.
            value = name_node.child_by_field_name("parameters")
            name_node = name_node.child_by_field_name("declarator")
            function = False
        if name_node is None or function:
            continue
        if name_node.type == "qualified_identifier":
            last = name_node.child_by_field_name("name")
            name = ctx.text(last) if last is not None else ctx.text(name_node)
        else:
            name = ctx.text(name_node)
        yield name, name_node, ref, pointer, array, value


def declared_names(ctx: Context, node: Node) -> list[str]:
    """The names a declaration, parameter, field or range-for introduces."""
    return [d[0] for d in _declarators(ctx, node)]


def declared(ctx: Context, node: Node, kind: str, only: str | None = None) -> Iterator[Decl]:
    """The names a declaration, parameter, field or range-for introduces (just `only`)."""
    spelled: str | None = None
    const = False
    static = False
    for name, name_node, ref, pointer, array, value in _declarators(ctx, node):
        if only is not None and name != only:
            continue
        if spelled is None:
            spelled = type_text(ctx, node.child_by_field_name("type"))
            const = const_qualified(ctx, node)
            static = is_static(ctx, node)
        ts = TypeSpec(spelled, const, ref, pointer, array)
        start = node.end_byte
        if node.type == "for_range_loop":
            start = node.start_byte
        yield Decl(name, ts, node, start, kind, value, static, name_node)


def init_items(value: Node) -> list[Node]:
    """The expressions inside `(a, b)` or `{a, b}` of an initialiser (also the bare names of
    `T x(a, b);`, which parses like a parameter list)."""
    if value.type == "parameter_list":
        out = []
        for p in value.named_children:
            t = p.child_by_field_name("type") if p.type == "parameter_declaration" else None
            if t is not None:
                out.append(t)
        return out
    return [c for c in value.named_children if c.type != "comment"]


def _looks_like_variable(node: Node, fdecl: Node) -> bool:
    """`T name(a, b);` inside a block, where every "parameter" is a bare name: a variable
    constructed from those names, not a function declared in the middle of a block."""
    parent = node.parent
    if node.type != "declaration" or parent is None or parent.type != "compound_statement":
        return False
    name = fdecl.child_by_field_name("declarator")
    params = fdecl.child_by_field_name("parameters")
    if name is None or name.type != "identifier" or params is None:
        return False
    items = [p for p in params.named_children if p.type != "comment"]
    return bool(items) and all(
        p.type == "parameter_declaration"
        and p.child_by_field_name("declarator") is None
        and (t := p.child_by_field_name("type")) is not None
        and t.type == "type_identifier"
        and len(p.named_children) == 1
        for p in items
    )


def function_params(fn: Node) -> list[Node]:
    """The parameter nodes of a function definition, declaration or lambda."""
    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type not in (
        "function_declarator",
        "abstract_function_declarator",
    ):
        decl = decl.child_by_field_name("declarator") or (
            decl.named_children[0]
            if decl.type in ("reference_declarator", "pointer_declarator") and decl.named_children
            else None
        )
    params = decl.child_by_field_name("parameters") if decl is not None else None
    return [p for p in params.named_children if p.type != "comment"] if params is not None else []


# -- functions and classes ----------------------------------------------------------------


@dataclass
class Param:
    name: str
    type: TypeSpec
    node: Node
    has_default: bool


@dataclass
class Function:
    """A function or method the file declares or defines."""

    name: str  # `f`, `operator==`, the class name for a constructor, `~C` for a destructor
    node: Node  # the member/declaration/definition node
    declarator: Node  # the function_declarator
    params: list[Param]
    ret: TypeSpec | None
    const: bool = False
    static: bool = False
    virtual: bool = False
    override: bool = False
    noexcept: Node | None = None  # the noexcept/throw() specifier node
    defaulted: bool = False
    deleted: bool = False
    body: Node | None = None
    inits: Node | None = None
    access: str = "public"
    template: bool = False
    owner: str | None = None  # the class it belongs to

    @property
    def arity(self) -> tuple[int, int]:
        required = sum(1 for p in self.params if not p.has_default)
        if any(p.type.spelling == "..." for p in self.params):
            return required, 1 << 30
        return required, len(self.params)


@dataclass
class MemberIndex:
    """A class body read cheaply: member functions by name (unparsed), field declarations."""

    functions: dict[str, list[tuple[Node, str, bool]]]  # name -> (node, access, template)
    fields: list[Node]
    virtual: bool


class MemberSource(Protocol):
    """What reads a class body when a rule first asks about it (the model)."""

    def _index_members(self, info: ClassInfo) -> MemberIndex: ...
    def _parse_members(self, info: ClassInfo, name: str) -> list[Function]: ...
    def _read_fields(self, info: ClassInfo) -> dict[str, Decl]: ...


@dataclass
class ClassInfo:
    """A class the file defines. Its body is indexed on first use and a member's signature
    is read only when a rule asks for that member (most of a file's classes, and most of
    their members, are never asked about)."""

    name: str
    node: Node
    bases: list[TypeSpec] = field(default_factory=list)
    virtual_bases: bool = False
    template_params: tuple[str, ...] = ()
    is_struct: bool = False
    source: MemberSource | None = None  # reads the body on demand (a weak proxy: no cycle)
    _index: MemberIndex | None = None
    _fields: dict[str, Decl] | None = None
    _members: dict[str, list[Function]] = field(default_factory=dict)

    def member_index(self) -> MemberIndex:
        if self._index is None:
            assert self.source is not None
            self._index = self.source._index_members(self)
        return self._index

    @property
    def fields(self) -> dict[str, Decl]:
        if self._fields is None:
            assert self.source is not None
            self._fields = self.source._read_fields(self)
        return self._fields

    def members(self, name: str) -> list[Function]:
        found = self._members.get(name)
        if found is None:
            assert self.source is not None
            found = self._members[name] = self.source._parse_members(self, name)
        return found

    def member_names(self) -> list[str]:
        return list(self.member_index().functions)

    @property
    def ctors(self) -> list[Function]:
        return self.members(self.name)

    def _special(self, kind: str) -> list[Function]:
        """User-declared copy/move constructors and assignments."""
        found = []
        for fn in self.ctors if kind.endswith("ctor") else self.members("operator="):
            if fn.template:
                continue
            required, total = fn.arity
            if total < 1 or required > 1:
                continue
            p = fn.params[0].type
            if p.base != self.name:
                continue
            if kind.startswith("move"):
                if p.ref == "&&" and not p.const:
                    found.append(fn)
            elif p.ref == "&" or (kind == "copy_assign" and p.by_value):
                found.append(fn)
        return found

    @property
    def copy_ctor(self) -> list[Function]:
        return self._special("copy_ctor")

    @property
    def move_ctor(self) -> list[Function]:
        return self._special("move_ctor")

    @property
    def copy_assign(self) -> list[Function]:
        return self._special("copy_assign")

    @property
    def move_assign(self) -> list[Function]:
        return self._special("move_assign")

    @property
    def dtor(self) -> list[Function]:
        return self.members("~" + self.name)

    @property
    def has_virtual(self) -> bool:
        return self.virtual_bases or self.member_index().virtual


# Nodes that scope names declared directly in them.
