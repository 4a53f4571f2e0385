"""The per-file semantic model the C++ rules share: what the file says about types and names.

Tree-sitter gives syntax. This module reads from it, once per analysis and lazily, what a
compiler would know as far as one file can tell:

- declarations and scopes: the type of each local, parameter, field and global, with
  `auto` read from its initialiser where the initialiser says;
- type aliases (`typedef`, `using X = ...`, `using std::string;`, `using namespace std;`);
- user types with their members: fields, bases, user-declared copy/move constructors,
  assignments and destructors, methods with their `const`-ness, return and parameter
  types, `noexcept` specifications and bodies (also when defined out of line);
- free functions declared or defined in the file;
- what a type costs to copy (stdlib.Cost), decided by what it holds, and whether it can be
  moved cheaply and without throwing;
- how each use of a variable treats it (read, copied, moved, written), which is what the
  copy rules need to know that a `const&` would do.

Where the file does not say, the answer is "unknown" and the rules stay silent.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterator

from tree_sitter import Node

from se_lsp.rules.common import children_touching
from se_lsp.rules.cpp import stdlib
from se_lsp.rules.cpp.decls import (
    ClassInfo,
    Decl,
    Function,
    MemberIndex,
    Param,
    declarator_chain,
    declared,
    declared_names,
    function_params,
    init_items,
    type_text,
)
from se_lsp.rules.cpp.stdlib import Cost
from se_lsp.rules.cpp.syntax import FUNCTIONS, const_qualified, squash
from se_lsp.rules.cpp.types import TypeSpec, args_of, base_of, normalize, parse_spelled
from se_lsp.rules.cpp.uses import Use, UseKind, Uses
from se_lsp.rules.engine import Context

__all__ = [
    "ClassInfo",
    "Decl",
    "Function",
    "Model",
    "TypeSpec",
    "Use",
    "UseKind",
    "base_of",
    "declared",
    "function_params",
    "parse_spelled",
    "type_text",
]

_SCOPES = frozenset(
    {
        "compound_statement",
        "for_statement",
        "for_range_loop",
        "if_statement",
        "while_statement",
        "switch_statement",
        "condition_clause",
        "function_definition",
        "lambda_expression",
        "catch_clause",
        "translation_unit",
        "namespace_definition",
        "declaration_list",
    }
)
_DECLARING = frozenset(
    {
        "declaration",
        "parameter_declaration",
        "for_range_loop",
        "optional_parameter_declaration",
    }
)
_MODEL_TYPES = (
    "class_specifier",
    "struct_specifier",
    "type_definition",
    "alias_declaration",
    "using_declaration",
    "enum_specifier",
)


class Model:
    """What one C++ file says about its names and types. Build with `Model.of(ctx)`."""

    def __init__(self, ctx: Context) -> None:
        # The context keeps the model (in `ctx.shared`); the model and the tables it hands
        # out point back only weakly, so that all of it is freed by reference counting when
        # the analysis ends, without waiting for (and feeding) the cyclic garbage collector.
        self.ctx: Context = weakref.proxy(ctx)
        # Where the file's declarations are read from: the whole file when the engine
        # re-checks only some items but hands over the whole-file context (`ctx.file`).
        self._tables: Context = weakref.proxy(ctx.file) if ctx.file is not None else self.ctx
        self.using_std = b"using namespace std;" in ctx.source
        self._scope_candidates: dict[int, list[tuple[Node, str, int]]] = {}
        self._scope_decls: dict[tuple[int, str], list[Decl]] = {}
        self._scope_names: dict[int, dict[str, list[tuple[Node, str, int]]]] = {}
        self._declares: dict[int, list[str]] = {}  # node id -> the names it declares
        self._types: dict[int, TypeSpec | None] = {}  # expression node id -> its type
        self._outer_fns: list[Node] | None = None
        self._outer_starts: list[int] = []
        self._above: dict[int, list[Node]] = {}  # function id -> the scopes around it
        self._starts: dict[str, list[int]] = {}  # node type -> the start of each such node
        self._fn_locals: dict[int, list[tuple[Node, str, Node | None]]] = {}
        self._decl_scopes: dict[int, Node] = {}
        self._fn_names: dict[tuple[int, str], list[tuple[Node, str, Node]]] = {}
        self._node_decls: dict[tuple[int, str], list[Decl]] = {}
        self._lookups: dict[tuple[int, str], Decl | None] = {}
        self._tables_built = False
        self._functions_built = False
        self._constants_loaded = False
        self.classes: dict[str, list[ClassInfo]] = {}
        self.aliases: dict[str, list[TypeSpec]] = {}
        self._functions: dict[str, list[Function]] = {}
        self._function_nodes: dict[str, list[tuple[Node, bool]]] = {}
        self._member_nodes: dict[tuple[str, str], list[tuple[Node, bool]]] = {}
        self._parsed_members: dict[tuple[str, str], list[Function]] = {}
        self.enums: dict[str, Node] = {}
        self.bool_constants: dict[str, Node] = {}
        self._cost: dict[str, Cost] = {}
        self._class_cost: dict[int, Cost] = {}
        self._uses = Uses(self)

    @staticmethod
    def of(ctx: Context) -> Model:
        model: Model | None = ctx.shared.get("cpp.model")
        if model is None:
            model = ctx.shared["cpp.model"] = Model(ctx)
        return model

    # -- the file's tables ------------------------------------------------------------

    def _nodes(self, node_type: str) -> list[Node]:
        """The file's nodes of a type. When the analysis is limited to the code an edit
        touched (`reanalyze(..., exact=False)`), only those in that code: the model then
        knows less, and the exact pass that follows sees the whole file again."""
        return self._tables.nodes(node_type)

    def _build(self) -> None:
        if self._tables_built:
            return
        self._tables_built = True
        ctx = self.ctx
        for t in ("class_specifier", "struct_specifier"):
            for node in self._nodes(t):
                self._add_class(node)
        for node in self._nodes("type_definition"):
            tnode = node.child_by_field_name("type")
            spec = TypeSpec(type_text(ctx, tnode), const_qualified(ctx, node))
            for d in node.children_by_field_name("declarator"):
                name_node, ref, pointer, array, _, function = declarator_chain(d)
                if name_node is None or function:
                    continue
                alias = ctx.text(name_node)
                if (
                    tnode is not None
                    and tnode.type in ("struct_specifier", "class_specifier")
                    and tnode.child_by_field_name("name") is None
                    and tnode.child_by_field_name("body") is not None
                ):
                    self._add_class(tnode, alias)
                    continue
                target = TypeSpec(spec.spelling, spec.const, ref, pointer, array)
                self.aliases.setdefault(alias, []).append(target)
        for node in self._nodes("alias_declaration"):
            name = node.child_by_field_name("name")
            tdesc = node.child_by_field_name("type")
            if name is None or tdesc is None:
                continue
            self.aliases.setdefault(ctx.text(name), []).append(self._descriptor(tdesc))
        for node in self._nodes("using_declaration"):
            # `using std::string;` makes `string` mean `std::string`.
            used = next((c for c in node.named_children if c.type == "qualified_identifier"), None)
            if used is None:
                continue
            spelled = normalize(ctx.text(used))
            last = spelled.rsplit("::", 1)[-1]
            if spelled.startswith(("std::", "absl::")):
                self.aliases.setdefault(last, []).append(TypeSpec(spelled))
        for node in self._nodes("enum_specifier"):
            name = node.child_by_field_name("name")
            if name is not None and node.child_by_field_name("body") is not None:
                self.enums[ctx.text(name).rsplit("::", 1)[-1]] = node

    def _descriptor(self, tdesc: Node) -> TypeSpec:
        """A type_descriptor (`const A&`) as a TypeSpec."""
        ctx = self.ctx
        spelled = type_text(ctx, tdesc.child_by_field_name("type"))
        decl = tdesc.child_by_field_name("declarator")
        ref, pointer, array = "", False, False
        if decl is not None:
            _, ref, pointer, array, _, function = declarator_chain(decl)
            if function:
                # `using F = std::string (*)();`: a function (pointer), not a std::string.
                return TypeSpec(normalize(ctx.text(tdesc)), False, "", True)
        return TypeSpec(spelled, const_qualified(ctx, tdesc), ref, pointer, array)

    def _walk_items(self, node: Node, template: Node | None) -> None:
        """Namespace-level items: free functions, prototypes, out-of-line members. Only their
        names are read here; a function's signature is read when a rule asks for it."""
        ctx = self.ctx
        lo, hi = self._tables.scan_range
        # Only the children around the code being analysed (see `_nodes`).
        for child in children_touching(node, lo, hi):
            if not child.is_named:
                continue
            t = child.type
            if t in ("namespace_definition", "linkage_specification"):
                body = child.child_by_field_name("body")
                if body is not None:
                    self._walk_items(body, None)
            elif t in ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"):
                self._walk_items(child, None)
            elif t == "template_declaration":
                self._walk_items(child, child)
            elif t in ("function_definition", "declaration"):
                for d in child.children_by_field_name("declarator"):
                    cur: Node | None = d
                    while cur is not None and cur.type in (
                        "reference_declarator",
                        "pointer_declarator",
                    ):
                        cur = next(
                            (c for c in cur.named_children if c.type != "type_qualifier"), None
                        )
                    if cur is None or cur.type != "function_declarator":
                        continue
                    name_node = cur.child_by_field_name("declarator")
                    name = squash(ctx.text(name_node)) if name_node is not None else ""
                    entry = (child, template is not None)
                    if "::" in name:
                        owner, _, member = name.rpartition("::")
                        key = (base_of(owner).rsplit("::", 1)[-1], member)
                        if entry not in self._member_nodes.setdefault(key, []):
                            self._member_nodes[key].append(entry)
                    elif entry not in self._function_nodes.setdefault(name, []):
                        self._function_nodes[name].append(entry)
                if t == "declaration":
                    self._constants(child)
            elif t == "declaration_list":
                self._walk_items(child, None)

    def _parse_functions(self, entries: list[tuple[Node, bool]]) -> list[Function]:
        out: list[Function] = []
        for node, template in entries:
            for fn in self.functions_of(node, None, "public", template):
                if "::" in fn.name:
                    owner, _, member = fn.name.rpartition("::")
                    fn.owner = base_of(owner).rsplit("::", 1)[-1]
                    fn.name = member
                out.append(fn)
        return out

    def out_of_line_where(self, keep: Callable[[str, str], bool]) -> list[Function]:
        """Out-of-line member definitions `C::f` whose (class, member) names pass `keep`."""
        self._build_functions()
        out: list[Function] = []
        for key, entries in self._member_nodes.items():
            if not keep(*key):
                continue
            parsed = self._parsed_members.get(key)
            if parsed is None:
                parsed = self._parsed_members[key] = self._parse_functions(entries)
            out.extend(parsed)
        return sorted(out, key=lambda f: f.node.start_byte)

    def _constants(self, node: Node) -> None:
        """`constexpr bool kX = ...;` at namespace or class scope, for noexcept(kX)."""
        ctx = self.ctx
        if type_text(ctx, node.child_by_field_name("type")) != "bool":
            return
        if not any(ctx.text(c) in ("constexpr", "const") for c in node.children):
            return
        for d in node.children_by_field_name("declarator"):
            if d.type == "init_declarator":
                name = d.child_by_field_name("declarator")
                value = d.child_by_field_name("value")
                if name is not None and value is not None:
                    self.bool_constants[ctx.text(name)] = value
        default = node.child_by_field_name("default_value")
        for d in node.children_by_field_name("declarator"):
            if default is not None and d.type in ("field_identifier", "identifier"):
                self.bool_constants[ctx.text(d)] = default

    def _build_functions(self) -> None:
        """Free functions, prototypes, friends and out-of-line members (on first use)."""
        if self._functions_built:
            return
        self._functions_built = True
        self._build()
        self._walk_items(self.ctx.root, None)
        for infos in self.classes.values():
            for cls in infos:
                self._friends(cls)

    def _friends(self, cls: ClassInfo) -> None:
        """Friend functions defined or declared in a class body count as free functions."""
        body = cls.node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type != "friend_declaration":
                continue
            inner = next(
                (
                    c
                    for c in member.named_children
                    if c.type in ("declaration", "function_definition")
                ),
                None,
            )
            if inner is None:
                continue
            for fn in self.functions_of(inner, None, "public", False):
                self._function_nodes.setdefault(fn.name, []).append((inner, False))

    def _add_class(self, node: Node, alias: str | None = None) -> None:
        ctx = self.ctx
        body = node.child_by_field_name("body")
        if body is None:
            return
        name_node = node.child_by_field_name("name")
        if alias is not None:
            name = alias
        elif name_node is None or name_node.type == "template_type":
            return  # anonymous, or a specialisation: not what the name means in general
        else:
            name = ctx.text(name_node).rsplit("::", 1)[-1]
        params: list[str] = []
        parent = node.parent
        if parent is not None and parent.type == "template_declaration":
            plist = parent.child_by_field_name("parameters")
            for p in plist.named_children if plist is not None else []:
                name_node = next(
                    (c for c in p.named_children if c.type in ("type_identifier", "identifier")),
                    None,
                )
                params.append(ctx.text(name_node) if name_node is not None else "")
        info = ClassInfo(
            name, node, template_params=tuple(params), is_struct=node.type != "class_specifier"
        )
        bases = next((c for c in node.children if c.type == "base_class_clause"), None)
        if bases is not None:
            for c in bases.children:
                if c.type == "virtual":
                    info.virtual_bases = True
                elif c.is_named and c.type not in ("access_specifier", "comment"):
                    info.bases.append(TypeSpec(type_text(ctx, c)))
        info.source = weakref.proxy(self)
        self.classes.setdefault(name, []).append(info)

    def _index_members(self, info: ClassInfo) -> MemberIndex:
        """One pass over a class body: which member functions it declares (by name, not yet
        parsed), its field declarations, and whether anything in it is virtual."""
        ctx = self.ctx
        functions: dict[str, list[tuple[Node, str, bool]]] = {}
        fields: list[Node] = []
        virtual = False
        body = info.node.child_by_field_name("body")
        access = "public" if info.is_struct else "private"
        for member in body.named_children if body is not None else []:
            t = member.type
            if t == "access_specifier":
                access = ctx.text(member)
                continue
            template = False
            if t == "template_declaration":
                template = True
                inner = next(
                    (
                        c
                        for c in member.named_children
                        if c.type in ("function_definition", "declaration", "field_declaration")
                    ),
                    None,
                )
                if inner is None:
                    continue
                member, t = inner, inner.type
            if t not in ("function_definition", "declaration", "field_declaration"):
                continue
            fdecl = _function_declarator(member)
            if fdecl is None:
                if t == "field_declaration":
                    fields.append(member)
                continue
            name_node = fdecl.child_by_field_name("declarator")
            if name_node is None:
                continue
            name = squash(ctx.text(name_node))
            functions.setdefault(name, []).append((member, access, template))
            if not virtual and (
                ctx.source.find(b"virtual", member.start_byte, fdecl.start_byte) >= 0
                or any(c.type == "virtual_specifier" for c in fdecl.children)
            ):
                virtual = True
        return MemberIndex(functions, fields, virtual)

    def _parse_members(self, info: ClassInfo, name: str) -> list[Function]:
        out: list[Function] = []
        for node, access, template in info.member_index().functions.get(name, []):
            for fn in self.functions_of(node, info.name, access, template):
                fn.owner = info.name
                out.append(fn)
        return out

    def _read_fields(self, info: ClassInfo) -> dict[str, Decl]:
        out: dict[str, Decl] = {}
        for node in info.member_index().fields:
            for d in declared(self.ctx, node, "field"):
                out[d.name] = d
            self._constants(node)
        return out

    def functions_of(
        self, node: Node, owner: str | None, access: str, template: bool
    ) -> Iterator[Function]:
        """The functions a member, declaration or definition node declares."""
        ctx = self.ctx
        for d in node.children_by_field_name("declarator"):
            ref, pointer = "", False
            cur: Node | None = d
            while cur is not None and cur.type in ("reference_declarator", "pointer_declarator"):
                if cur.type == "pointer_declarator":
                    pointer = True
                elif not ref:
                    ref = "&&" if cur.children and cur.children[0].type == "&&" else "&"
                cur = next((c for c in cur.named_children if c.type != "type_qualifier"), None)
            if cur is None or cur.type != "function_declarator":
                continue
            name_node = cur.child_by_field_name("declarator")
            if name_node is None:
                continue
            name = squash(ctx.text(name_node))
            if "<" in name and name_node.type == "template_function":
                continue  # an explicit specialisation
            if "::" in name and "<" in name:
                scope, _, member = name.rpartition("::")
                name = f"{base_of(scope)}::{member}"
            params = []
            plist = cur.child_by_field_name("parameters")
            for p in plist.named_children if plist is not None else []:
                if p.type == "variadic_parameter_declaration" or ctx.text(p) == "...":
                    params.append(Param("", TypeSpec("..."), p, True))
                    continue
                if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
                    continue
                spelled = type_text(ctx, p.child_by_field_name("type"))
                pd = p.child_by_field_name("declarator")
                pname, pref, pptr, parr = "", "", False, False
                if pd is not None:
                    nn, pref, pptr, parr, _, _ = declarator_chain(pd)
                    pname = ctx.text(nn) if nn is not None else ""
                params.append(
                    Param(
                        pname,
                        TypeSpec(spelled, const_qualified(ctx, p), pref, pptr, parr),
                        p,
                        p.type == "optional_parameter_declaration",
                    )
                )
            if len(params) == 1 and params[0].type.spelling == "void" and params[0].type.by_value:
                params = []
            tnode = node.child_by_field_name("type")
            # One pass over each node's children (materialising them is what costs).
            const = static = virtual = defaulted = deleted = node_const = False
            inits: Node | None = None
            for c in node.children:
                ct = c.type
                if ct == "virtual":
                    virtual = True
                elif ct == "default_method_clause":
                    defaulted = True
                elif ct == "delete_method_clause":
                    deleted = True
                elif ct == "field_initializer_list":
                    inits = c
                elif ct == "storage_class_specifier" and ctx.text(c) == "static":
                    static = True
                elif ct == "type_qualifier" and ctx.text(c) in ("const", "constexpr"):
                    node_const = True
            override = False
            noexcept: Node | None = None
            for c in cur.children:
                ct = c.type
                if ct == "type_qualifier" and ctx.text(c) == "const":
                    const = True
                elif ct == "virtual_specifier":
                    override = True
                elif ct in ("noexcept", "throw_specifier") and noexcept is None:
                    noexcept = c
            ret = (
                TypeSpec(type_text(ctx, tnode), node_const, ref, pointer)
                if tnode is not None
                else None
            )
            fn = Function(
                name=name,
                node=node,
                declarator=cur,
                params=params,
                ret=ret,
                const=const,
                static=static,
                virtual=virtual,
                override=override,
                noexcept=noexcept,
                defaulted=defaulted,
                deleted=deleted,
                body=node.child_by_field_name("body")
                if node.type == "function_definition"
                else None,
                inits=inits,
                access=access,
                template=template,
                owner=owner,
            )
            yield fn

    # -- looking things up --------------------------------------------------------------

    @property
    def out_of_line(self) -> list[Function]:
        """Member functions defined outside their class (`C::f(...) {...}`)."""
        return self.out_of_line_where(lambda owner, name: True)

    def _load_constants(self) -> None:
        """The file's `constexpr bool` constants live in class bodies and namespaces."""
        if self._constants_loaded:
            return
        self._constants_loaded = True
        self._build_functions()
        for cls in self.all_classes():
            cls.fields  # noqa: B018 - reading the body records its constants

    def all_classes(self) -> list[ClassInfo]:
        """Every class the file defines, in document order."""
        self._build()
        found = [c for infos in self.classes.values() for c in infos]
        return sorted(found, key=lambda c: c.node.start_byte)

    def class_named(self, name: str) -> ClassInfo | None:
        """The one class of that (simple) name the file defines; None if none or several."""
        self._build()
        found = self.classes.get(name.rsplit("::", 1)[-1])
        return found[0] if found is not None and len(found) == 1 else None

    def class_of(self, ts: TypeSpec) -> ClassInfo | None:
        resolved = self.resolve(ts)
        if stdlib.is_library(resolved.base):
            return None
        return self.class_named(resolved.base)

    def free_functions(self, name: str) -> list[Function]:
        self._build_functions()
        found = self._functions.get(name)
        if found is None:
            found = self._functions[name] = self._parse_functions(
                self._function_nodes.get(name, [])
            )
        return found

    def methods(
        self, cls: ClassInfo, name: str, seen: frozenset[str] = frozenset()
    ) -> list[Function]:
        """The methods named `name` of a class and of its bases the file defines."""
        found = list(cls.members(name))
        if not found:
            found = self.out_of_line_where(lambda o, n: o == cls.name and n == name)
        if found:
            return found
        for b in cls.bases:
            base = self.class_of(b)
            if base is not None and base.name not in seen:
                found += self.methods(base, name, seen | {cls.name})
        return found

    def definition(self, fn: Function) -> Function:
        """The definition (with a body) of a declared method, when the file has it."""
        if fn.body is not None or fn.defaulted or fn.deleted or fn.owner is None:
            return fn
        if len(self.classes.get(fn.owner, [])) > 1:
            return fn  # several classes of that name: `C::f` could be any of them
        owner = fn.owner
        for other in self.out_of_line_where(lambda o, n: o == owner and n == fn.name):
            if _same_params(other, fn):
                return other
        return fn

    def declaration_of(self, fn: Function) -> Function | None:
        """For an out-of-line member definition, its declaration in the class (if in this file)."""
        if fn.owner is None:
            return None
        cls = self.class_named(fn.owner)
        if cls is None:
            return None
        for decl in cls.members(fn.name):
            if _same_params(decl, fn):
                return decl
        return None

    def resolve(self, ts: TypeSpec, depth: int = 0) -> TypeSpec:
        """`ts` with the file's type aliases seen through (and `using namespace std` applied)."""
        self._build()
        spelling = ts.spelling
        base = base_of(spelling)
        targets = self.aliases.get(base.rsplit("::", 1)[-1]) if "<" not in spelling else None
        if targets and base in self.classes and not base.startswith("std::"):
            # A class and an alias of one name (`struct Outer { struct Value {...}; };` beside
            # `using Value = T;` in another class): which one a use means depends on the
            # scope, which is not tracked, so the type is unknown. `typedef struct S {...} S;`
            # names the same class twice and stays known.
            last = base.rsplit("::", 1)[-1]
            if any(base_of(t.spelling).split()[-1].rsplit("::", 1)[-1] != last for t in targets):
                return TypeSpec("?" + spelling, ts.const, ts.ref, ts.pointer, ts.array)
        if targets and depth < 8 and base not in self.classes and not base.startswith("std::"):
            first = targets[0]
            if all(t == first for t in targets):
                merged = TypeSpec(
                    first.spelling,
                    ts.const or first.const,
                    ts.ref or first.ref,
                    ts.pointer or first.pointer,
                    ts.array or first.array,
                )
                return self.resolve(merged, depth + 1)
            return TypeSpec("?" + spelling, ts.const, ts.ref, ts.pointer, ts.array)
        if self.using_std and "::" not in base and base in stdlib.STD_NAMES:
            if base not in self.classes and base not in self.aliases:
                return TypeSpec("std::" + spelling, ts.const, ts.ref, ts.pointer, ts.array)
        return ts

    def template_params_at(self, node: Node) -> frozenset[str]:
        """The template parameter names in scope at `node` (they shadow any other meaning)."""
        names: set[str] = set()
        cur = node.parent
        while cur is not None:
            if cur.type == "template_declaration":
                plist = cur.child_by_field_name("parameters")
                for p in plist.named_children if plist is not None else []:
                    for c in p.named_children:
                        if c.type in ("type_identifier", "identifier"):
                            names.add(self.ctx.text(c))
            cur = cur.parent
        return frozenset(names)

    def dependent(self, ts: TypeSpec, at: Node) -> bool:
        """Whether the type names a template parameter in scope at `at` (judged per
        instantiation by a compiler; unknown here)."""
        params = self.template_params_at(at)
        return bool(params) and _mentions(ts.spelling, params)

    def is_library_type(self, ts: TypeSpec) -> bool:
        return stdlib.is_library(self.resolve(ts).base)

    # -- scopes -----------------------------------------------------------------------

    def _candidates(self, scope: Node) -> list[tuple[Node, str, int]]:
        found = self._scope_candidates.get(scope.id)
        if found is not None:
            return found
        children: list[tuple[Node, str]] = []
        if scope.type in FUNCTIONS:
            children = [(p, "param") for p in function_params(scope)]
        elif scope.type == "for_statement":
            init = scope.child_by_field_name("initializer")
            children = [(init, "local")] if init is not None else []
        elif scope.type == "for_range_loop":
            children = [(scope, "loop")]
        elif scope.type == "condition_clause":
            children = [(c, "local") for c in scope.children_by_field_name("initializer")]
            children += [(c, "local") for c in scope.children_by_field_name("value")]
        elif scope.type == "catch_clause":
            params = scope.child_by_field_name("parameters")
            children = [(p, "local") for p in params.named_children] if params is not None else []
        else:
            kind = "global" if scope.type in ("translation_unit", "declaration_list") else "local"
            children = [(c, kind) for c in scope.named_children]
        found = []
        for child, kind in children:
            if child.type not in _DECLARING:
                continue
            end = child.end_byte
            if child.type == "for_range_loop":
                right = child.child_by_field_name("right")
                end = right.start_byte if right is not None else end
            found.append((child, kind, end))
        self._scope_candidates[scope.id] = found
        return found

    def _decls_in(self, scope: Node, name: str) -> list[Decl]:
        key = (scope.id, name)
        table = self._scope_decls.get(key)
        if table is not None:
            return table
        table = []
        candidates = self._candidates(scope)
        if len(candidates) > 24:  # a namespace or the file: index its names once
            index = self._scope_names.get(scope.id)
            if index is None:
                index = {}
                for child, kind, _ in candidates:
                    for n in declared_names(self.ctx, child):
                        index.setdefault(n, []).append((child, kind, 0))
                self._scope_names[scope.id] = index
            candidates = index.get(name, [])
            for child, kind, _ in candidates:
                table.extend(declared(self.ctx, child, kind, name))
            self._scope_decls[key] = table
            return table
        word = name.encode()
        src = self.ctx.source
        known = self._declares
        for child, kind, end in candidates:
            if src.find(word, child.start_byte, end) < 0:
                continue
            names = known.get(child.id)
            if names is None:
                names = known[child.id] = declared_names(self.ctx, child)
            if name in names:
                table.extend(declared(self.ctx, child, kind, name))
        self._scope_decls[key] = table
        return table

    def scopes(self, at: Node) -> list[Node]:
        """The scope-making ancestors of `at`, innermost first. tree-sitter finds a node's
        parent by searching down from the root, so one walk down finds them all (asking each
        ancestor for its parent would repeat that search per level); the walk starts at the
        function around `at`, whose own scopes are found once."""
        target = at.id
        cur: Node | None
        fn = self._function_around(at)
        if fn is None or fn.id == target:
            found: list[Node] = []
            cur = self.ctx.root
        else:
            above = self._above.get(fn.id)
            if above is None:
                above = self._above[fn.id] = self._walk_scopes(self.ctx.root, fn)
            found = list(above)
            cur = fn
        found.extend(self._walk_scopes(cur, at))
        found.reverse()
        return found

    @staticmethod
    def _walk_scopes(cur: Node | None, at: Node) -> list[Node]:
        """The scope-making nodes from `cur` down to `at` (not `at`), outermost first."""
        found = []
        target = at.id
        while cur is not None and cur.id != target:
            if cur.type in _SCOPES:
                found.append(cur)
            cur = cur.child_with_descendant(at)
        return found

    def _function_around(self, at: Node) -> Node | None:
        """The outermost function definition holding `at`, if the file's list has it."""
        if self._outer_fns is None:
            self._outer_fns = []
            end = -1
            for fn in sorted(self._nodes("function_definition"), key=lambda n: n.start_byte):
                if fn.start_byte >= end:
                    self._outer_fns.append(fn)
                    end = fn.end_byte
            self._outer_starts = [fn.start_byte for fn in self._outer_fns]
        i = bisect.bisect_right(self._outer_starts, at.start_byte) - 1
        if i < 0:
            return None
        fn = self._outer_fns[i]
        return fn if fn.end_byte >= at.end_byte else None

    def lookup(self, name: str, at: Node) -> Decl | None:
        """The declaration of `name` visible at `at`: innermost scope first, then the fields
        of the class whose member function holds `at`."""
        key = (at.id, name)
        if key in self._lookups:
            return self._lookups[key]
        found = self._lookup(name, at)
        self._lookups[key] = found
        return found

    def _lookup(self, name: str, at: Node) -> Decl | None:
        fn = self._function_around(at)
        if fn is not None and fn.id != at.id:
            return self._lookup_in_function(fn, name, at)
        at_start = at.start_byte
        fn_node: Node | None = None
        for cur in self.scopes(at):
            if cur.type == "function_definition" and fn_node is None:
                fn_node = cur
            table = self._decls_in(cur, name)
            if table:
                found = [d for d in table if d.kind == "param" or d.start <= at_start]
                if found:
                    return found[-1]
        if fn_node is not None:
            cls = self.owner_class(fn_node)
            if cls is not None:
                return self.field(cls, name)
        return None

    def _lookup_in_function(self, fn: Node, name: str, at: Node) -> Decl | None:
        """`lookup` inside the function definition `fn`: its own names from a table of the
        names it declares, with the scope each is visible in (no walk up the tree); then the
        scopes around it and the fields of its class."""
        at_start, at_end = at.start_byte, at.end_byte
        best: Decl | None = None
        best_key = (-1, -1)
        for node, kind, scope in self._locals(fn, name):
            if scope.start_byte > at_start or scope.end_byte < at_end:
                continue
            key = (node.id, name)
            decls = self._node_decls.get(key)
            if decls is None:
                decls = self._node_decls[key] = list(declared(self.ctx, node, kind, name))
            for d in decls:
                if kind != "param" and d.start > at_start:
                    continue
                rank = (scope.start_byte, d.start)
                if rank >= best_key:
                    best, best_key = d, rank
        if best is not None:
            return best
        above = self._above.get(fn.id)
        if above is None:
            above = self._above[fn.id] = self._walk_scopes(self.ctx.root, fn)
        for cur in reversed(above):
            table = self._decls_in(cur, name)
            found = [d for d in table if d.kind == "param" or d.start <= at_start]
            if found:
                return found[-1]
        inner = fn
        for nested in self._within("function_definition", fn.start_byte + 1, fn.end_byte):
            if nested.start_byte <= at_start and at_end <= nested.end_byte:
                inner = nested
        cls = self.owner_class(inner)
        return self.field(cls, name) if cls is not None else None

    def _within(self, node_type: str, lo: int, hi: int) -> list[Node]:
        """The file's nodes of a type that start inside [lo, hi), the range of a node."""
        nodes = self._nodes(node_type)
        starts = self._starts.get(node_type)
        if starts is None:
            starts = self._starts[node_type] = [n.start_byte for n in nodes]
        first = bisect.bisect_left(starts, lo)
        # A node that starts inside another node lies inside it: no need to check its end.
        return nodes[first : bisect.bisect_left(starts, hi, first)]

    def _locals(self, fn: Node, name: str) -> list[tuple[Node, str, Node]]:
        """What declares `name` inside `fn` (a parameter, a local, a loop variable, also of the
        lambdas and local classes in it): (declaring node, kind, the scope it is seen in)."""
        key = (fn.id, name)
        found = self._fn_names.get(key)
        if found is not None:
            return found
        found = self._fn_names[key] = []
        word = name.encode()
        src = self.ctx.source
        for node, kind, scope in self._declaring(fn):
            if src.find(word, node.start_byte, node.end_byte) < 0:
                continue
            names = self._declares.get(node.id)
            if names is None:
                names = self._declares[node.id] = declared_names(self.ctx, node)
            if name not in names:
                continue
            if scope is None:
                scope = self._decl_scopes.get(node.id)
                if scope is None:
                    scope = _declaration_scope(node)
                    if scope is None:
                        continue
                    self._decl_scopes[node.id] = scope
            found.append((node, kind, scope))
        return found

    def _declaring(self, fn: Node) -> list[tuple[Node, str, Node | None]]:
        """The nodes inside `fn` that can declare a name, with their kind and, where known
        without asking for a parent, the scope their names are seen in."""
        table = self._fn_locals.get(fn.id)
        if table is not None:
            return table
        lo, hi = fn.start_byte, fn.end_byte
        table = []
        for f in (
            *self._within("function_definition", lo, hi),
            *self._within("lambda_expression", lo, hi),
        ):
            for param in function_params(f):
                if param.type in _DECLARING:
                    table.append((param, "param", f))
        table.extend((d, "local", None) for d in self._within("declaration", lo, hi))
        table.extend((loop, "loop", loop) for loop in self._within("for_range_loop", lo, hi))
        for clause in self._within("catch_clause", lo, hi):
            params = clause.child_by_field_name("parameters")
            for param in params.named_children if params is not None else []:
                if param.type in _DECLARING:
                    table.append((param, "local", clause))
        self._fn_locals[fn.id] = table
        return table

    def field(self, cls: ClassInfo, name: str, seen: frozenset[str] = frozenset()) -> Decl | None:
        found = cls.fields.get(name)
        if found is not None:
            return found
        for b in cls.bases:
            base = self.class_of(b)
            if base is not None and base.name not in seen:
                got = self.field(base, name, seen | {cls.name})
                if got is not None:
                    return got
        return None

    def owner_class(self, fn_node: Node) -> ClassInfo | None:
        """The class a member function definition belongs to (in-class or `C::f`)."""
        parent = fn_node.parent
        if parent is not None and parent.type == "template_declaration":
            parent = parent.parent
        if parent is not None and parent.type == "field_declaration_list":
            spec = parent.parent
            if spec is not None:
                name = spec.child_by_field_name("name")
                if name is not None:
                    return self.class_named(base_of(self.ctx.text(name)))
            return None
        decl = fn_node.child_by_field_name("declarator")
        while decl is not None and decl.type in ("reference_declarator", "pointer_declarator"):
            decl = next((c for c in decl.named_children if c.type != "type_qualifier"), None)
        if decl is None or decl.type != "function_declarator":
            return None
        name = decl.child_by_field_name("declarator")
        if name is None or name.type != "qualified_identifier":
            return None
        scope = name.child_by_field_name("scope")
        if scope is None:
            return None
        return self.class_named(base_of(self.ctx.text(scope)))

    def decl_of(self, expr: Node | None) -> Decl | None:
        """The declaration behind a plain name, `this->name` or `(name)`."""
        if expr is None:
            return None
        if expr.type == "parenthesized_expression" and expr.named_children:
            return self.decl_of(expr.named_children[0])
        if expr.type == "identifier":
            return self.lookup(self.ctx.text(expr), expr)
        if expr.type == "field_expression":
            arg = expr.child_by_field_name("argument")
            fld = expr.child_by_field_name("field")
            if arg is not None and arg.type == "this" and fld is not None:
                fn = next((a for a in _ancestors(expr) if a.type == "function_definition"), None)
                cls = self.owner_class(fn) if fn is not None else None
                return self.field(cls, self.ctx.text(fld)) if cls is not None else None
        return None

    # -- types of expressions ------------------------------------------------------------

    def type_of_decl(self, d: Decl) -> TypeSpec | None:
        """A declaration's type, resolved; `auto` read from the initialiser where it can be."""
        ts = self.resolve(d.type)
        if not ts.is_auto:
            return ts
        if d.kind == "loop":
            rng = d.node.child_by_field_name("right")
            elem = self.element_of(rng) if rng is not None else None
            if elem is None or d.node.child_by_field_name("declarator") is None:
                return None
            const = ts.const or (elem.const and bool(ts.ref))
            return TypeSpec(elem.spelling, const, ts.ref, ts.pointer or elem.pointer)
        value = d.value
        if value is None:
            return None
        if value.type in ("argument_list", "initializer_list", "parameter_list"):
            inner = init_items(value)
            if len(inner) != 1:
                return None
            value = inner[0]
        got = self.type_of(value)
        if got is None:
            return None
        if ts.ref or ts.pointer:
            return TypeSpec(
                got.spelling, ts.const or (got.const and bool(ts.ref)), ts.ref, ts.pointer
            )
        # `auto x = <T>` and `auto x = <const T&>` both declare a `T`.
        if got.pointer:
            return TypeSpec(got.spelling, got.const, "", True)
        return TypeSpec(got.spelling, ts.const, "", False)

    def type_of(self, expr: Node | None, depth: int = 0) -> TypeSpec | None:
        """The type of an expression as far as the file says, with `ref="&"` for lvalues
        that are references into something else (a method returning `const T&`...)."""
        if expr is None or depth > 6:
            return None
        if depth == 0:  # several rules ask about the same expressions
            key = expr.id
            if key in self._types:
                return self._types[key]
            found = self._type_of(expr, 0)
            self._types[key] = found
            return found
        return self._type_of(expr, depth)

    def _type_of(self, expr: Node, depth: int) -> TypeSpec | None:
        t = expr.type
        ctx = self.ctx
        if t == "parenthesized_expression":
            inner = [c for c in expr.named_children if c.type != "comment"]
            return self.type_of(inner[0], depth + 1) if len(inner) == 1 else None
        if t in ("identifier", "type_identifier"):
            # A type_identifier here is a name in `T copy(other);` (see decls.declared).
            d = self.lookup(ctx.text(expr), expr)
            if d is None:
                return None
            ts = self.type_of_decl(d)
            return ts
        if t in ("string_literal", "concatenated_string", "raw_string_literal"):
            return TypeSpec("char", True, "", True)
        if t == "number_literal":
            text = ctx.text(expr).lower()
            is_float = ("." in text or "e" in text) and not text.startswith("0x")
            if is_float:
                return TypeSpec("float" if text.endswith("f") else "double")
            return TypeSpec("int")
        if t in ("true", "false"):
            return TypeSpec("bool")
        if t == "field_expression":
            return self._field_type(expr, depth)
        if t == "subscript_expression":
            arr = expr.child_by_field_name("argument")
            at = self.type_of(arr, depth + 1)
            if at is None:
                return None
            at = self.resolve(at)
            if at.pointer or at.array:
                return TypeSpec(at.spelling, at.const, "&")
            elem = stdlib.element_type(at.base, at.args)
            if elem is not None and at.base not in stdlib.MAPS:
                e = parse_spelled(elem)
                return TypeSpec(e.spelling, at.const or e.const, "&", e.pointer)
            mapped = stdlib.mapped_type(at.base, at.args)
            if mapped is not None:
                m = parse_spelled(mapped)
                return TypeSpec(m.spelling, False, "&", m.pointer)
            cls = self.class_of(at)
            if cls is not None:
                return self._method_return(cls, "operator[]", at.const)
            return None
        if t == "pointer_expression":
            unary = expr.children[0].type if expr.children else ""
            operand = self.type_of(expr.child_by_field_name("argument"), depth + 1)
            if operand is None:
                return None
            pointee = self.resolve(operand)
            if unary == "*":
                if pointee.pointer:
                    return TypeSpec(pointee.spelling, pointee.const, "&")
                if (
                    pointee.base in ("std::unique_ptr", "std::shared_ptr", "std::optional")
                    and pointee.args
                ):
                    p = parse_spelled(pointee.args[0])
                    return TypeSpec(p.spelling, p.const, "&", p.pointer)
            if unary == "&" and not pointee.pointer:
                return TypeSpec(pointee.spelling, pointee.const, "", True)
            return None
        if t == "call_expression":
            return self._call_type(expr, depth)
        if t == "compound_literal_expression":
            tnode = expr.child_by_field_name("type")
            return TypeSpec(type_text(ctx, tnode)) if tnode is not None else None
        if t == "binary_expression":
            op = expr.child_by_field_name("operator")
            if op is not None and op.type == "+":
                left = self.type_of(expr.child_by_field_name("left"), depth + 1)
                right = self.type_of(expr.child_by_field_name("right"), depth + 1)
                for side in (left, right):
                    if side is not None and self.resolve(side).base in stdlib.STRINGS:
                        return TypeSpec(self.resolve(side).spelling)
            return None
        return None

    def _field_type(self, expr: Node, depth: int) -> TypeSpec | None:
        arg = expr.child_by_field_name("argument")
        fld = expr.child_by_field_name("field")
        op = expr.child_by_field_name("operator")
        if arg is None or fld is None:
            return None
        name = self.ctx.text(fld)
        if arg.type == "this":
            fn = next((a for a in _ancestors(expr) if a.type == "function_definition"), None)
            cls = self.owner_class(fn) if fn is not None else None
            owner_const = False
        else:
            at = self.type_of(arg, depth + 1)
            if at is None:
                return None
            at = self.resolve(at)
            if self.ctx.text(op) == "->":
                if not at.pointer:
                    if at.base in ("std::unique_ptr", "std::shared_ptr") and at.args:
                        at = parse_spelled(at.args[0])
                    else:
                        return None
            elif at.pointer:
                return None
            if at.base == "std::pair" and name in ("first", "second") and len(at.args) == 2:
                p = parse_spelled(at.args[0 if name == "first" else 1])
                return TypeSpec(p.spelling, at.const or p.const, "&", p.pointer)
            cls = self.class_of(at)
            owner_const = at.const
        if cls is None:
            return None
        d = self.field(cls, name)
        if d is None:
            return None
        ft = self.resolve(d.type)
        if ft.ref or ft.pointer:
            return ft
        return TypeSpec(ft.spelling, ft.const or owner_const, "&", False, ft.array)

    def _method_return(self, cls: ClassInfo, name: str, const_object: bool) -> TypeSpec | None:
        overloads = [m for m in self.methods(cls, name) if m.ret is not None]
        if not overloads:
            return None
        if const_object:
            overloads = [m for m in overloads if m.const]
        else:
            non_const = [m for m in overloads if not m.const]
            overloads = non_const or overloads
        rets = {self.resolve(m.ret) for m in overloads if m.ret is not None}
        return rets.pop() if len(rets) == 1 else None

    def _call_type(self, call: Node, depth: int) -> TypeSpec | None:
        ctx = self.ctx
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        if fn.type == "field_expression":
            recv = fn.child_by_field_name("argument")
            name_node = fn.child_by_field_name("field")
            if recv is None or name_node is None:
                return None
            name = ctx.text(name_node)
            rt = self.type_of(recv, depth + 1)
            if rt is None:
                return None
            rt = self.resolve(rt)
            if ctx.text(fn.child_by_field_name("operator")) == "->":
                if rt.pointer:
                    rt = TypeSpec(rt.spelling, rt.const)
                elif rt.base in ("std::unique_ptr", "std::shared_ptr") and rt.args:
                    rt = parse_spelled(rt.args[0])
                else:
                    return None
            if stdlib.is_library(rt.base):
                return self._library_method_type(rt, name)
            cls = self.class_of(rt)
            if cls is not None:
                return self._method_return(cls, name, rt.const)
            return None
        text = squash(ctx.text(fn))
        if fn.type == "template_function" or "<" in text:
            base = base_of(text)
            targs = args_of(text)
            if (
                base in ("std::make_shared", "std::make_unique", "make_shared", "make_unique")
                and targs
            ):
                kind = "shared_ptr" if base.endswith("shared") else "unique_ptr"
                return TypeSpec(f"std::{kind}<{targs[0]}>")
            if self.class_named(base) is not None:
                return TypeSpec(text)
            if stdlib.is_library(base) and base in _LIBRARY_VALUE_TYPES:
                return TypeSpec(text)
            return None
        if text in ("std::to_string", "to_string"):
            return TypeSpec("std::string")
        if text in ("std::to_wstring",):
            return TypeSpec("std::wstring")
        if text in stdlib.STRINGS:
            return TypeSpec(text)
        if fn.type == "identifier":
            fns = [f for f in self.free_functions(text) if f.ret is not None]
            if fns:
                rets = {self.resolve(f.ret) for f in fns if f.ret is not None}
                return rets.pop() if len(rets) == 1 else None
            if self.class_named(text) is not None:
                return TypeSpec(text)
            return None
        if fn.type == "qualified_identifier":
            scope, _, member = text.rpartition("::")
            cls = self.class_named(base_of(scope))
            if cls is not None:
                if member == cls.name:
                    return TypeSpec(scope)
                statics = [m for m in self.methods(cls, member) if m.static and m.ret is not None]
                rets = {self.resolve(m.ret) for m in statics if m.ret is not None}
                return rets.pop() if len(rets) == 1 else None
            if stdlib.is_library(base_of(text)) and base_of(text) in _LIBRARY_VALUE_TYPES:
                return TypeSpec(text)
        return None

    def _library_method_type(self, rt: TypeSpec, name: str) -> TypeSpec | None:
        base, targs = rt.base, rt.args
        if name in ("size", "length", "capacity", "count"):
            return TypeSpec("size_t")
        if name in ("empty", "contains", "starts_with", "ends_with"):
            return TypeSpec("bool")
        if name == "c_str":
            return TypeSpec("char", True, "", True)
        if name == "substr" and base in stdlib.STRINGS:
            return TypeSpec(rt.spelling)
        if name == "substr" and base in stdlib.STRING_VIEWS:
            return TypeSpec(rt.spelling)
        if name == "str" and "stringstream" in base:
            return TypeSpec("std::string")
        if name in ("front", "back", "at"):
            elem = stdlib.element_type(base, targs)
            if name == "at":
                elem = stdlib.mapped_type(base, targs) or elem
            if elem is None:
                return None
            e = parse_spelled(elem)
            return TypeSpec(e.spelling, rt.const or e.const, "&", e.pointer)
        if name in ("value", "operator*") and base == "std::optional" and targs:
            e = parse_spelled(targs[0])
            return TypeSpec(e.spelling, rt.const or e.const, "&", e.pointer)
        if name == "get" and base in ("std::unique_ptr", "std::shared_ptr") and targs:
            e = parse_spelled(targs[0])
            return TypeSpec(e.spelling, e.const, "", True)
        return None

    def element_of(self, rng: Node) -> TypeSpec | None:
        """What a range-for over `rng` yields, when the file says (references into the range)."""
        rt = self.type_of(rng)
        if rt is None:
            return None
        rt = self.resolve(rt)
        if rt.array and not rt.pointer:
            return TypeSpec(rt.spelling, rt.const, "&")
        if rt.pointer:
            return None
        elem = stdlib.element_type(rt.base, rt.args)
        if elem is None:
            return self._user_element(rt)
        e = parse_spelled(elem)
        const = rt.const or e.const or rt.base in stdlib.SETS
        return TypeSpec(e.spelling, const, "&", e.pointer)

    def _user_element(self, rt: TypeSpec) -> TypeSpec | None:
        """A range type the file defines: what `*begin()` yields (by value or by reference)."""
        cls = self.class_of(rt)
        if cls is None:
            return None
        begin = self._member_returning(cls, rt, "begin")
        if begin is None:
            return None
        if begin.pointer:
            return TypeSpec(begin.spelling, begin.const, "&")
        it = self.class_of(begin)
        if it is None:
            return None
        return self._member_returning(it, self.resolve(begin), "operator*")

    def _member_returning(self, cls: ClassInfo, owner: TypeSpec, name: str) -> TypeSpec | None:
        """The return type of `owner.name()` with the class's template arguments put in."""
        fns = [m for m in self.methods(cls, name) if m.ret is not None and not m.params]
        if owner.const:
            fns = [m for m in fns if m.const] or fns
        else:
            fns = [m for m in fns if not m.const] or fns
        if not fns or fns[0].ret is None:
            return None
        ret = fns[0].ret
        spelled = self.substitute(ret.spelling, cls, owner.args)
        if spelled is None:
            return None
        inner = parse_spelled(spelled)
        return self.resolve(
            TypeSpec(
                inner.spelling,
                ret.const or inner.const,
                ret.ref or inner.ref,
                ret.pointer or inner.pointer,
            )
        )

    def substitute(self, spelling: str, cls: ClassInfo, targs: list[str]) -> str | None:
        """`spelling` with the class's template parameters replaced by `targs`; None when
        a parameter has no argument."""
        if not cls.template_params:
            return spelling
        mapping = dict(zip(cls.template_params, targs, strict=False))
        out: list[str] = []
        word: list[str] = []
        for ch in spelling + "\0":
            if ch.isalnum() or ch == "_":
                word.append(ch)
                continue
            if word:
                w = "".join(word)
                if w in cls.template_params:
                    if w not in mapping:
                        return None
                    w = mapping[w]
                out.append(w)
                word = []
            if ch != "\0":
                out.append(ch)
        return normalize("".join(out))

    def canonical(self, ts: TypeSpec) -> str:
        """A spelling two types share when they are the same type (aliases seen through)."""
        r = self.resolve(ts)
        base = r.base
        base = _PRIMITIVE_SPELLINGS.get(base, base)
        if base.startswith("std::") and base[5:] in stdlib.PRIMITIVES:
            base = base[5:]
        targs = r.args
        if targs:
            inner = ",".join(self.canonical(parse_spelled(a)) for a in targs)
            base = f"{base}<{inner}>"
        return ("const " if r.const else "") + base + ("*" if r.pointer else "")

    # -- costs ----------------------------------------------------------------------------

    def cost(self, ts: TypeSpec) -> Cost:
        """What copying a value of this type costs (references and pointers are trivial)."""
        r = self.resolve(ts)
        if r.ref or r.pointer:
            return Cost.TRIVIAL
        return self._cost_of(r.spelling, 0)

    def _cost_of(self, spelling: str, depth: int) -> Cost:
        cached = self._cost.get(spelling)
        if cached is not None:
            return cached
        if depth > 8:
            return Cost.UNKNOWN
        self._cost[spelling] = Cost.UNKNOWN  # a guard against recursive types
        result = self._compute_cost(spelling, depth)
        self._cost[spelling] = result
        return result

    def _compute_cost(self, spelling: str, depth: int) -> Cost:
        r = self.resolve(TypeSpec(spelling))
        if r.spelling != spelling:
            if r.ref or r.pointer:
                return Cost.TRIVIAL
            return self._cost_of(r.spelling, depth + 1)
        base = r.base
        if base.startswith("?") or base in ("auto", "decltype(auto)") or "decltype" in base:
            return Cost.UNKNOWN
        words = base.split()
        if words and all(w in stdlib.PRIMITIVES or w in ("const", "volatile") for w in words):
            return Cost.TRIVIAL
        if stdlib.is_library(base):
            inner = [
                self._cost_of(parse_spelled(a).spelling, depth + 1)
                if not _is_ptr(a)
                else Cost.TRIVIAL
                for a in r.args
            ]
            return stdlib.std_cost(base, inner)
        if base in self.enums or base.rsplit("::", 1)[-1] in self.enums:
            return Cost.TRIVIAL
        cls = self.class_named(base)
        if cls is None:
            return Cost.UNKNOWN
        return self.class_cost(cls, depth)

    def class_cost(self, cls: ClassInfo, depth: int = 0) -> Cost:
        cached = self._class_cost.get(cls.node.id)
        if cached is not None:
            return cached
        self._class_cost[cls.node.id] = Cost.UNKNOWN
        result = self._class_cost_uncached(cls, depth)
        self._class_cost[cls.node.id] = result
        return result

    def _class_cost_uncached(self, cls: ClassInfo, depth: int) -> Cost:
        copy = cls.copy_ctor
        if any(c.deleted for c in copy):
            return Cost.NONCOPYABLE
        if any(not c.defaulted for c in copy):
            return Cost.EXPENSIVE
        if not copy and (cls.move_ctor or cls.move_assign):
            return Cost.NONCOPYABLE  # a declared move deletes the implicit copy
        if any(not d.defaulted for d in cls.dtor):
            return Cost.EXPENSIVE
        if cls.has_virtual:
            return Cost.EXPENSIVE
        costs: list[Cost] = []
        for d in cls.fields.values():
            if d.static:
                continue
            if _mentions(d.type.spelling, cls.template_params):
                costs.append(Cost.UNKNOWN)
                continue
            costs.append(
                Cost.TRIVIAL
                if d.type.ref or d.type.pointer
                else self._cost_of(d.type.spelling, depth + 1)
            )
        for b in cls.bases:
            if _mentions(b.spelling, cls.template_params):
                costs.append(Cost.UNKNOWN)
            else:
                costs.append(self._cost_of(b.spelling, depth + 1))
        return stdlib.combine(costs)

    def expensive(self, ts: TypeSpec) -> bool:
        return self.cost(ts) == Cost.EXPENSIVE

    def movable(self, ts: TypeSpec) -> bool:
        """Whether moving a value of this type is cheaper than copying it."""
        r = self.resolve(ts)
        if r.ref or r.pointer:
            return False
        base = r.base
        if stdlib.is_library(base):
            if base in (
                "std::optional",
                "std::pair",
                "std::tuple",
                "std::variant",
                "absl::StatusOr",
            ):
                return any(self.movable(parse_spelled(a)) for a in r.args)
            return stdlib.has_move(base)
        cls = self.class_named(base)
        if cls is None:
            return False
        if cls.move_ctor:
            return not all(m.deleted for m in cls.move_ctor)
        if cls.copy_ctor or cls.copy_assign or cls.move_assign or cls.dtor:
            return False  # no implicit move: "moving" copies
        fields = [d.type for d in cls.fields.values() if not d.static]
        return any(self.movable(f) for f in fields + cls.bases)

    def nothrow_move(self, ts: TypeSpec, depth: int = 0) -> bool | None:
        """Whether moving (or, lacking a move, copying) this type cannot throw."""
        r = self.resolve(ts)
        if r.ref or r.pointer or depth > 6:
            return True
        base = r.base
        words = base.split()
        if (words and all(w in stdlib.PRIMITIVES for w in words)) or base in self.enums:
            return True
        if stdlib.is_library(base):
            if base in ("std::optional", "std::pair", "std::tuple", "std::variant", "std::array"):
                parts = [
                    self.nothrow_move(parse_spelled(a), depth + 1)
                    for a in r.args[: (1 if base == "std::array" else None)]
                ]
                if any(p is False for p in parts):
                    return False
                return True if parts and all(parts) else None
            known = stdlib.nothrow_move(base)
            if known is None and self.cost(r) == Cost.TRIVIAL:
                return True
            return known
        cls = self.class_named(base)
        if cls is None:
            return None
        if cls.move_ctor:
            fn = cls.move_ctor[0]
            if fn.deleted:
                return None
            spec = self.noexcept_value(fn)
            if spec is not None:
                return spec
            if fn.defaulted:
                return self.members_nothrow(cls, depth)
            return False
        if cls.copy_ctor or cls.copy_assign or cls.move_assign or cls.dtor:
            # Moves fall back to the copy constructor.
            if self.class_cost(cls) == Cost.TRIVIAL:
                return True
            copy = cls.copy_ctor
            if copy and not copy[0].defaulted:
                return self.noexcept_value(copy[0]) or False
            return self.members_nothrow(cls, depth)
        return self.members_nothrow(cls, depth)

    def members_nothrow(self, cls: ClassInfo, depth: int) -> bool | None:
        parts = [
            self.nothrow_move(d.type, depth + 1)
            for d in cls.fields.values()
            if not d.static and not _mentions(d.type.spelling, cls.template_params)
        ]
        parts += [
            self.nothrow_move(b, depth + 1)
            for b in cls.bases
            if not _mentions(b.spelling, cls.template_params)
        ]
        if any(_mentions(d.type.spelling, cls.template_params) for d in cls.fields.values()):
            parts.append(None)
        if any(p is False for p in parts):
            return False
        return True if all(p is True for p in parts) else None

    # -- noexcept specifications ----------------------------------------------------------

    def noexcept_value(self, fn: Function) -> bool | None:
        """True for `noexcept`, `noexcept(true)`, `throw()`; False for `noexcept(false)` or
        an expression the file shows to be false; None for no specification or an unknown one."""
        spec = fn.noexcept
        if spec is None:
            return None
        if spec.type == "throw_specifier":
            return not [c for c in spec.named_children if c.type != "comment"]
        inner = [c for c in spec.named_children if c.type != "comment"]
        if not inner:
            return True
        return self.eval_bool(inner[0])

    def eval_bool(self, expr: Node, depth: int = 0) -> bool | None:
        """A constant boolean expression as far as the file says (`kFalse`, `noexcept(f())`)."""
        if depth > 8:
            return None
        ctx = self.ctx
        t = expr.type
        if t == "true":
            return True
        if t == "false":
            return False
        if t == "parenthesized_expression" and expr.named_children:
            return self.eval_bool(expr.named_children[0], depth + 1)
        if t == "unary_expression" and ctx.text(expr).lstrip().startswith("!"):
            arg = expr.child_by_field_name("argument")
            v = self.eval_bool(arg, depth + 1) if arg is not None else None
            return None if v is None else not v
        if t == "binary_expression":
            op = expr.child_by_field_name("operator")
            left = expr.child_by_field_name("left")
            right = expr.child_by_field_name("right")
            if op is None or left is None or right is None:
                return None
            lv, rv = self.eval_bool(left, depth + 1), self.eval_bool(right, depth + 1)
            if op.type == "&&":
                return False if lv is False or rv is False else (True if lv and rv else None)
            if op.type == "||":
                return True if lv or rv else (False if lv is False and rv is False else None)
            return None
        if t in ("identifier", "qualified_identifier"):
            self._load_constants()
            name = squash(ctx.text(expr))
            value = self.bool_constants.get(name) or self.bool_constants.get(
                base_of(name).rsplit("::", 1)[-1]
            )
            return self.eval_bool(value, depth + 1) if value is not None else None
        if t == "call_expression" and ctx.text(expr.child_by_field_name("function")) == "noexcept":
            # The noexcept operator (parsed like a call): can the expression inside throw?
            inner = init_items(expr.child_by_field_name("arguments") or expr)
            if len(inner) == 1:
                return self.call_noexcept(inner[0])
            return None
        return None

    def call_noexcept(self, expr: Node) -> bool | None:
        """For `noexcept(f())`: whether the function called is declared noexcept in the file."""
        if expr.type == "parenthesized_expression" and expr.named_children:
            return self.call_noexcept(expr.named_children[0])
        target = expr.child_by_field_name("function") if expr.type == "call_expression" else expr
        if target is None:
            return None
        text = squash(self.ctx.text(target))
        fns: list[Function]
        if target.type == "identifier":
            fns = self.free_functions(text)
        elif "::" in text:
            scope, _, member = text.rpartition("::")
            if "<" in scope:
                return None  # which specialisation is meant is a question for a compiler
            cls = self.class_named(base_of(scope))
            fns = self.methods(cls, member) if cls is not None else self.free_functions(member)
        else:
            return None
        if not fns:
            return None
        values = {self.noexcept_value(f) for f in fns}
        if values == {True}:
            return True
        if values <= {False, None}:
            return False
        return None

    # -- uses ----------------------------------------------------------------------------

    def uses(
        self,
        name: str,
        region: Node,
        after: int = 0,
        typ: TypeSpec | None = None,
        deep: bool = False,
    ) -> list[Use]:
        """Every use of `name` (a variable of type `typ`) in `region` from byte `after`;
        with `deep`, a change through a pointer counts as a change of the variable."""
        return self._uses.of(name, region, after, typ, deep)


_PRIMITIVE_SPELLINGS = {
    "unsigned": "unsigned int",
    "signed": "int",
    "signed int": "int",
    "long int": "long",
    "long long int": "long long",
    "short int": "short",
    "unsigned long int": "unsigned long",
    "unsigned short int": "unsigned short",
    "unsigned long long int": "unsigned long long",
}
# Library types a qualified call constructs: `std::string(...)` is a std::string.
_LIBRARY_VALUE_TYPES = stdlib.STRINGS | {"std::vector", "std::string_view"}


def _is_ptr(spelled: str) -> bool:
    return spelled.rstrip().endswith("*")


def _mentions(spelling: str, names: tuple[str, ...] | frozenset[str]) -> bool:
    if not names:
        return False
    word = []
    for ch in spelling + " ":
        if ch.isalnum() or ch == "_":
            word.append(ch)
        else:
            if word and "".join(word) in names:
                return True
            word = []
    return False


def _same_params(a: Function, b: Function) -> bool:
    if len(a.params) != len(b.params):
        return False
    return all(
        base_of(p.type.spelling).rsplit("::", 1)[-1] == base_of(q.type.spelling).rsplit("::", 1)[-1]
        and p.type.ref == q.type.ref
        and p.type.pointer == q.type.pointer
        for p, q in zip(a.params, b.params, strict=True)
    )


def _function_declarator(member: Node) -> Node | None:
    """The function declarator of a member declaration (through `&`/`*` of its return)."""
    cur = member.child_by_field_name("declarator")
    while cur is not None and cur.type in ("reference_declarator", "pointer_declarator"):
        cur = next((c for c in cur.named_children if c.type != "type_qualifier"), None)
    return cur if cur is not None and cur.type == "function_declarator" else None


def _declaration_scope(decl: Node) -> Node | None:
    """The statement or block a local declaration's names are visible in (to its end)."""
    parent = decl.parent
    if parent is None:
        return None
    t = parent.type
    if t in ("compound_statement", "for_statement"):
        return parent
    if t == "init_statement":  # `if (auto x = f(); x)`, `for (auto v = f(); auto& x : v)`
        parent = parent.parent
        if parent is not None and parent.type == "condition_clause":
            return parent.parent
        return parent
    if t == "condition_clause":  # `while (int n = next())`: also seen in the body
        return parent.parent
    if t == "case_statement":  # `case 1: int x = 0;`: seen to the end of the switch body
        return parent.parent
    return None


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


# What the model reads through `ctx.nodes`: the type tables, and the nodes that declare
# the names inside functions.
MODEL_NODE_TYPES = (
    *_MODEL_TYPES,
    "declaration",
    "function_definition",
    "lambda_expression",
    "for_range_loop",
    "catch_clause",
)
