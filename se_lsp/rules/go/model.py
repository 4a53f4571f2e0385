"""The per-file semantic model of Go code, built lazily once per analysis and shared by rules.

It answers, as far as the file says: what a name refers to (a local in its block scope,
a parameter, a package-level declaration, an import under whatever name it was given, a
builtin), the type of an expression (declarations, `:=` from composite literals and known
calls, parameters and results, struct fields, receivers, the standard library table),
what a `range` ranges over, the methods a type has, and how many bytes a value occupies.
Anything the file does not show (another file of the package, another module) is
unknown, and rules stay silent on unknowns.

Everything is computed on demand: a rule that never asks about a function never pays for
its declarations. Nodes are remembered by id; tree-sitter creates a fresh wrapper on every
access, so they are never compared with `is`.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node

from se_lsp.core.findings import Fix
from se_lsp.core.languages import parser
from se_lsp.rules.common import children_touching
from se_lsp.rules.engine import Context
from se_lsp.rules.go import stdlib
from se_lsp.rules.go.types import (
    ANY,
    ARRAY,
    BASIC,
    BASIC_NAMES,
    BOOL,
    CHAN,
    ERROR,
    FUNC,
    INT,
    INTEGERS,
    INTERFACE,
    MAP,
    NAMED,
    NIL_TYPE,
    POINTER,
    RUNE,
    SLICE,
    STRING,
    STRUCT,
    TUPLE,
    TYPEPARAM,
    Field,
    GoType,
    array_of,
    basic,
    basic_layout,
    map_of,
    named,
    pointer,
    render,
    slice_of,
    struct_layout,
    tuple_of,
)

BUILTIN_FUNCS = frozenset(
    {
        "append",
        "cap",
        "clear",
        "close",
        "complex",
        "copy",
        "delete",
        "imag",
        "len",
        "make",
        "max",
        "min",
        "new",
        "panic",
        "print",
        "println",
        "real",
        "recover",
    }
)
UNIVERSE_TYPES = BASIC_NAMES | {"error", "any", "comparable"}
UNIVERSE = BUILTIN_FUNCS | UNIVERSE_TYPES | {"true", "false", "nil", "iota"}

FUNCTIONS = frozenset({"function_declaration", "method_declaration", "func_literal"})
LOOPS = frozenset({"for_statement"})
# Nodes that open a scope for the names declared directly in them (Go spec "Blocks").
_SCOPES = frozenset(
    {
        "block",
        "if_statement",
        "for_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "expression_case",
        "type_case",
        "default_case",
        "communication_case",
        "func_literal",
        "function_declaration",
        "method_declaration",
    }
)
_STRINGS = frozenset({"interpreted_string_literal", "raw_string_literal"})
_UNITS_WITH_LOCALS = frozenset(
    {
        "function_declaration",
        "method_declaration",
        "var_declaration",
        "const_declaration",
        "type_declaration",
    }
)


@dataclass(slots=True)
class Decl:
    """One declared name: where it is visible and what the file says about its type."""

    name: str
    # var, const, param, result, func, type, alias, typeparam, range, receive, switch, import
    kind: str
    node: Node | None = None  # the declaring identifier, or the declaration itself
    type_node: Node | None = None
    value: Node | None = None  # this name's own initialiser
    multi: Node | None = None  # one multi-valued initialiser shared by several names
    index: int = 0  # position among the names sharing `multi`, the range variables, iota
    owner: Node | None = None  # range_clause, receive_statement, spec, declaration
    start: int = 0  # the bytes of the scope the name is declared in
    end: int = 0
    visible: int = 0  # where the name starts to be visible
    variadic: bool = False
    path: str = ""  # import: the import path
    pointer_receiver: bool = False  # methods


@dataclass(slots=True)
class RangeInfo:
    """What a `range` clause ranges over: slice, array, map, chan, string, int, func."""

    kind: str | None  # None: the file does not say
    key: GoType | None = None
    value: GoType | None = None
    source: GoType | None = None


@cache
def _default_name(path: str) -> str:
    """The package name an import path is usually known by (`yaml` for gopkg.in/yaml.v3)."""
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v[0-9]+", last) and len(parts) > 1:
        last = parts[-2]
    last = last.split(".", 1)[0] if last.startswith("yaml") or "." in last else last
    return last.replace("-", "_")


class GoModel:
    """Declarations, scopes and types of one Go file (see the module docstring)."""

    def __init__(self, ctx: Context) -> None:
        # A proxy: the model lives in ctx.shared; a strong reference back would make a
        # cycle holding the whole tree until the garbage collector runs.
        self.ctx: Context = weakref.proxy(ctx)
        self.source = ctx.source
        self.root = ctx.root
        self._package: dict[str, Decl] | None = None
        self._imports: dict[str, str] = {}  # local name -> path
        self._import_names: dict[str, list[str]] = {}  # path -> local names
        self._dot_imports = False
        self._imports_done = False
        self._import_decls: dict[str, Decl] = {}
        self._elsewhere: dict[str, bool] = {}
        self._methods: dict[str, dict[str, Decl]] = {}
        self._types: dict[int, GoType | None] = {}
        self._decl_types: dict[int, GoType | None] = {}
        self._underlying: dict[GoType, GoType | None] = {}
        self._sizes: dict[GoType, tuple[int, int] | None] = {}
        self._local_types: dict[str, Decl] = {}  # "#start" -> type decl inside a function
        self._consts: dict[int, int | str | None] = {}
        self._unit_decls: dict[tuple[int, str], list[Decl]] = {}
        self._tops: list[Node] | None = None
        self._parents: dict[int, Node | None] = {}
        self._top_starts: list[int] = []
        self._package_calls: dict[str, dict[str, list[Node]]] = {}
        self._big: dict[str, set[str]] = {}
        self._maybe_declared: dict[str, bool] = {}
        self._method_decls: list[Node] = []
        self._builtin_calls: dict[str, list[Node]] = {}

    # -- text -----------------------------------------------------------------

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    # -- package level --------------------------------------------------------

    @property
    def package(self) -> dict[str, Decl]:
        if self._package is None:
            self._package = {}
            self._collect_package()
        return self._package

    def _collect_package(self) -> None:
        assert self._package is not None
        pkg = self._package
        end = len(self.source)
        self._ensure_imports()
        for top in self.root.named_children:
            t = top.type
            if t == "function_declaration":
                name = top.child_by_field_name("name")
                n = self.text(name)
                if n and n not in ("init", "_"):
                    pkg[n] = Decl(n, "func", name, owner=top, end=end)
            elif t == "method_declaration":
                self._method_decls.append(top)  # taken apart when a method is asked for
            elif t == "type_declaration":
                for spec in top.named_children:
                    if spec.type in ("type_spec", "type_alias"):
                        name = spec.child_by_field_name("name")
                        n = self.text(name)
                        kind = "type" if spec.type == "type_spec" else "alias"
                        pkg[n] = Decl(
                            n, kind, name, spec.child_by_field_name("type"), owner=spec, end=end
                        )
            elif t in ("var_declaration", "const_declaration"):
                specs: list[Node] = []
                for c in top.named_children:
                    if c.type in ("var_spec", "const_spec"):
                        specs.append(c)
                    elif c.type in ("var_spec_list", "const_spec_list"):
                        specs.extend(s for s in c.named_children if s.type.endswith("_spec"))
                for d in self._spec_decls(specs, 0, end, 0):
                    pkg[d.name] = d
        for local in self._imports:
            decl = self._import_decl(local)
            if decl is not None:
                pkg.setdefault(local, decl)

    def _ensure_imports(self) -> None:
        if not self._imports_done:
            self._imports_done = True
            # Go puts every import before the other declarations (a file with a later
            # one does not compile): the leading declarations are all there is to read.
            for top in self._leading_tops():
                if top.type == "import_declaration":
                    self._collect_imports(top)
                elif top.type not in ("package_clause", "comment", "ERROR"):
                    break

    def _import_decl(self, local: str) -> Decl | None:
        decl = self._import_decls.get(local)
        if decl is None:
            path = self._imports.get(local)
            if path is None:
                return None
            decl = Decl(local, "import", None, path=path, end=len(self.source))
            self._import_decls[local] = decl
        return decl

    def package_decl(self, name: str) -> Decl | None:
        """The package-level declaration of `name` in this file, if any.

        Without building the whole package table when `name` is spelled nowhere a
        package-level declaration could spell it: then only an import can declare it.
        An edit pass, which analyses one function, mostly asks about such names
        (`append`, `fmt`, `len`).
        """
        if (
            self._package is None
            and not self._declarable(name)
            and not self._elsewhere_declarable(name)
        ):
            self._ensure_imports()
            return self._import_decl(name)
        return self.package.get(name)

    def _elsewhere_declarable(self, name: str) -> bool:
        """Declaring spellings `_spelled` does not cover: `func name`, a generic type's
        `type name[`, a const alone on its line in an iota group."""
        found = self._elsewhere.get(name)
        if found is None:
            src = self.source
            found = _func_named(name).search(src) is not None
            if not found:
                for hit in _bare_or_generic(name).finditer(src):
                    line = src.rfind(b"\n", 0, hit.start()) + 1
                    if src[line : hit.start()].strip() in (b"", b"type"):
                        found = True
                        break
            self._elsewhere[name] = found
        return found

    def _collect_imports(self, decl: Node) -> None:
        stack = list(decl.named_children)
        while stack:
            n = stack.pop()
            if n.type == "import_spec_list":
                stack.extend(n.named_children)
            elif n.type == "import_spec":
                path = self.text(n.child_by_field_name("path")).strip('"`')
                alias = n.child_by_field_name("name")
                if alias is None:
                    name = _default_name(path)
                elif alias.type == "dot":
                    self._dot_imports = True
                    continue
                elif alias.type == "blank_identifier":
                    continue
                else:
                    name = self.text(alias)
                self._imports[name] = path
                self._import_names.setdefault(path, []).append(name)

    def _collect_method(self, decl: Node) -> None:
        recv = decl.child_by_field_name("receiver")
        name = self.text(decl.child_by_field_name("name"))
        params = (
            [p for p in recv.named_children if p.type == "parameter_declaration"] if recv else []
        )
        if len(params) != 1:
            return
        typ = params[0].child_by_field_name("type")
        ptr = False
        while typ is not None and typ.type in ("pointer_type", "parenthesized_type"):
            ptr = ptr or typ.type == "pointer_type"
            typ = typ.named_children[0] if typ.named_children else None
        if typ is not None and typ.type == "generic_type":
            typ = typ.child_by_field_name("type")
        if typ is None or typ.type != "type_identifier":
            return
        self._methods.setdefault(self.text(typ), {})[name] = Decl(
            name, "func", decl.child_by_field_name("name"), owner=decl, pointer_receiver=ptr
        )

    def _spec_decls(self, specs: list[Node], start: int, end: int, visible: int) -> list[Decl]:
        """Decls of var or const specs; a const spec without values repeats the one before."""
        out: list[Decl] = []
        prev_type: Node | None = None
        prev_values: list[Node] = []
        for iota, spec in enumerate(specs):
            names = spec.children_by_field_name("name")
            typ = spec.child_by_field_name("type")
            value = spec.child_by_field_name("value")
            values = [v for v in value.named_children if v.type != "comment"] if value else []
            const = spec.type == "const_spec"
            if const and not values and prev_values:
                typ, values = prev_type, prev_values
            elif const:
                prev_type, prev_values = typ, values
            for i, name in enumerate(names):
                d = Decl(self.text(name), "const" if const else "var", name, typ, owner=spec)
                d.start, d.end, d.visible, d.index = start, end, visible, iota
                if len(values) == len(names):
                    d.value = values[i]
                elif len(values) == 1:
                    d.multi, d.index = values[0], i
                out.append(d)
        return out

    @property
    def imports(self) -> dict[str, str]:
        """Import paths by the name the file uses for them (aliases included)."""
        self._ensure_imports()
        return self._imports

    def import_name(self, path: str) -> str | None:
        """The name under which this file can call package `path`, if it can."""
        self._ensure_imports()
        names = self._import_names.get(path)
        if names:
            return names[0]
        default = _default_name(path)
        if default in self._imports or self._dot_imports:
            return None
        return default

    def spell(self, t: GoType) -> str:
        """`t` as this file writes it: named types with the file's name for their package."""
        return render(t, lambda path: self.imported(path) or path.rsplit("/", 1)[-1])

    def imported(self, path: str) -> str | None:
        """The name `path` is imported under in this file, or None when it is not imported."""
        _ = self.package
        names = self._import_names.get(path)
        return names[0] if names else None

    # -- scopes ---------------------------------------------------------------

    def tops(self) -> list[Node]:
        """The top-level declarations of the file, in order."""
        if self._tops is None:
            self._tops = list(self.root.named_children)
            self._top_starts = [t.start_byte for t in self._tops]
        return self._tops

    def tops_within(self, lo: int, hi: int) -> list[Node]:
        """The top-level declarations that overlap bytes (lo, hi): on an edit pass, found
        from `lo` instead of listing the whole file's declarations."""
        tops = self._tops if self._tops is not None else children_touching(self.root, lo, hi)
        return [t for t in tops if t.is_named and t.end_byte > lo and t.start_byte < hi]

    def _leading_tops(self) -> Iterator[Node]:
        """The top-level declarations from the first, one at a time."""
        cursor = self.root.walk()
        if not cursor.goto_first_child():
            return
        while True:
            node = cursor.node
            if node is not None and node.is_named:
                yield node
            if not cursor.goto_next_sibling():
                return

    def top_at(self, pos: int) -> Node | None:
        """The top-level declaration containing byte `pos`, if any."""
        self.tops()
        assert self._tops is not None
        i = bisect_right(self._top_starts, pos) - 1
        if i < 0 or self._tops[i].end_byte <= pos:
            return None
        return self._tops[i]

    def unit_of(self, node: Node) -> Node:
        """The top-level declaration `node` is in (its own function, for a function body)."""
        self.tops()
        assert self._tops is not None
        i = bisect_right(self._top_starts, node.start_byte) - 1
        if i < 0 or self._tops[i].end_byte < node.end_byte:
            return self.root
        return self._tops[i]

    # -- ancestors ----------------------------------------------------------------

    def path(self, node: Node) -> list[Node]:
        """The nodes from the root down to `node` (both included)."""
        got = []
        up: Node | None = node
        while up is not None:
            got.append(up)
            up = self.parent(up)
        got.reverse()
        return got

    def parent(self, node: Node) -> Node | None:
        """`node.parent`, without its cost: tree-sitter finds a parent by scanning down
        from the root, past every top-level declaration before the node's, so in a long
        file each step up costs microseconds. Here the way down starts at the node's own
        declaration, and every parent met on it is remembered."""
        nid = node.id
        parents = self._parents
        if nid in parents:
            return parents[nid]
        top = self.top_at(node.start_byte)
        if top is None or top.id == nid or top.end_byte < node.end_byte:
            found = node.parent
        else:
            found = top
            while True:
                child = found.child_with_descendant(node)
                if child is None:  # zero-width or otherwise unfindable: ask tree-sitter
                    found = node.parent
                    break
                if child.id == nid:
                    break
                parents[child.id] = found
                found = child
        parents[nid] = found
        return found

    def up(
        self, node: Node, types: frozenset[str], stop: frozenset[str] = frozenset()
    ) -> Node | None:
        """The nearest ancestor of one of `types`, not looking past one of `stop`."""
        p = self.parent(node)
        while p is not None:
            t = p.type
            if t in types:
                return p
            if t in stop:
                return None
            p = self.parent(p)
        return None

    def enclosing_loop(self, node: Node) -> Node | None:
        """The innermost `for` around `node` in its function (a closure is a new function)."""
        return self.up(node, LOOPS, FUNCTIONS)

    def enclosing_function(self, node: Node) -> Node | None:
        return self.up(node, FUNCTIONS)

    def _declarable(self, name: str) -> bool:
        """Whether `name` is spelled anywhere a declaration could spell it (`fmt` and
        `append` usually are not: only `fmt.` and `append(`), decided once per name."""
        found = self._maybe_declared.get(name)
        if found is None:
            found = self._maybe_declared[name] = _spelled(name).search(self.source) is not None
        return found

    def _decls(self, unit: Node, name: str) -> list[Decl]:
        """The local declarations of `name` in `unit`, found from the places it is spelled.

        A function has hundreds of names and a rule asks about a few, so instead of taking
        every declaration apart, the spellings of `name` are found in the bytes and only
        those that can be a declaring identifier are asked of the tree.
        """
        key = (unit.id, name)
        found = self._unit_decls.get(key)
        if found is not None:
            return found
        found = []
        self._unit_decls[key] = found
        if unit.type not in _UNITS_WITH_LOCALS:
            return found
        src = self.source
        for hit in _spelled(name).finditer(src, unit.start_byte, unit.end_byte):
            pos, end = hit.start(), hit.end()
            node = self.root.descendant_for_byte_range(pos, end)
            if (
                node is not None
                and node.start_byte == pos
                and node.end_byte == end
                and node.type in ("identifier", "type_identifier")
            ):
                found.extend(self._declared_by(node, name))
        return found

    def _scope(self, node: Node) -> Node | None:
        return self.up(node, _SCOPES)

    def _declared_by(self, ident: Node, name: str) -> list[Decl]:
        """The declaration `ident` makes when it is a declaring identifier, else []."""
        p = self.parent(ident)
        if p is None:
            return []
        t = p.type
        if t == "expression_list":
            owner = self.parent(p)
            if owner is None or (
                owner.child_by_field_name("left") != p and owner.type != "type_switch_statement"
            ):
                return []
            ot = owner.type
            if ot == "short_var_declaration":
                scope = self._scope(owner)
                return [d for d in self._assigned(owner, scope, ident)] if scope is not None else []
            if ot in ("range_clause", "receive_statement"):
                if not any(c.type == ":=" for c in owner.children):
                    return []
                index = next((i for i, c in enumerate(p.named_children) if c.id == ident.id), 0)
                if ot == "range_clause":
                    loop = self.parent(owner)
                    if loop is None:
                        return []
                    return [
                        Decl(
                            name,
                            "range",
                            ident,
                            owner=owner,
                            index=index,
                            start=loop.start_byte,
                            end=loop.end_byte,
                            visible=owner.end_byte,
                        )
                    ]
                scope = self._scope(owner)
                if scope is None:
                    return []
                return [
                    Decl(
                        name,
                        "receive",
                        ident,
                        owner=owner,
                        index=index,
                        start=scope.start_byte,
                        end=scope.end_byte,
                        visible=owner.end_byte,
                    )
                ]
            if ot == "type_switch_statement" and owner.child_by_field_name("alias") == p:
                return [
                    Decl(
                        name,
                        "switch",
                        ident,
                        owner=owner,
                        start=owner.start_byte,
                        end=owner.end_byte,
                        visible=ident.end_byte,
                    )
                ]
            return []
        if t in ("var_spec", "const_spec"):
            if not any(n.id == ident.id for n in p.children_by_field_name("name")):
                return []
            scope = self._scope(p)
            decl = self.up(p, frozenset({"var_declaration", "const_declaration"}))
            if scope is None or decl is None:
                return []
            specs = [p]
            if t == "const_spec":
                specs = [s for s in _flat_specs(decl) if s.start_byte <= p.start_byte]
            return [
                d
                for d in self._spec_decls(specs, scope.start_byte, scope.end_byte, decl.end_byte)
                if d.node is not None and d.node.id == ident.id
            ]
        if t in ("parameter_declaration", "variadic_parameter_declaration"):
            if not any(n.id == ident.id for n in p.children_by_field_name("name")):
                return []
            plist = self.parent(p)
            fn = self.parent(plist) if plist is not None else None
            if plist is None or fn is None or fn.type not in FUNCTIONS:
                return []  # a parameter of a function type or interface method: not a variable
            kind = "result" if plist == fn.child_by_field_name("result") else "param"
            return [
                Decl(
                    name,
                    kind,
                    ident,
                    p.child_by_field_name("type"),
                    owner=p,
                    start=fn.start_byte,
                    end=fn.end_byte,
                    visible=fn.start_byte,
                    variadic=t == "variadic_parameter_declaration",
                )
            ]
        if t == "type_parameter_declaration":
            tlist = self.parent(p)
            owner = self.parent(tlist) if tlist is not None else None
            if owner is None:
                return []
            return [
                Decl(
                    name,
                    "typeparam",
                    ident,
                    start=owner.start_byte,
                    end=owner.end_byte,
                    visible=owner.start_byte,
                )
            ]
        if t in ("type_spec", "type_alias") and p.child_by_field_name("name") == ident:
            scope = self._scope(p)
            if scope is None:
                return []
            kind = "type" if t == "type_spec" else "alias"
            d = Decl(
                name,
                kind,
                ident,
                p.child_by_field_name("type"),
                owner=p,
                start=scope.start_byte,
                end=scope.end_byte,
                visible=p.start_byte,
            )
            self._local_types[f"#{p.start_byte}"] = d
            return [d]
        return []

    def _assigned(self, n: Node, scope: Node, ident: Node) -> Iterator[Decl]:
        left = n.child_by_field_name("left")
        right = n.child_by_field_name("right")
        names = left.named_children if left is not None else []
        values = [v for v in right.named_children if v.type != "comment"] if right else []
        for i, name in enumerate(names):
            if name.id != ident.id:
                continue
            d = Decl(
                self.text(name),
                "var",
                name,
                owner=n,
                start=scope.start_byte,
                end=scope.end_byte,
                visible=n.end_byte,
            )
            if len(values) == len(names):
                d.value = values[i]
            elif len(values) == 1:
                d.multi, d.index = values[0], i
            yield d

    def declared_locally(self, unit: Node, name: str) -> bool:
        """Whether `name` is declared anywhere inside `unit` (a function, say)."""
        return bool(self._decls(unit, name))

    def declaration(self, ident: Node) -> Decl | None:
        """The declaration made by the declaring identifier `ident` (`x` in `x := 1`)."""
        name = self.text(ident)
        for d in self._decls(self.unit_of(ident), name):
            if d.node is not None and d.node.id == ident.id:
                return d
        top = self.package.get(name)
        return top if top is not None and top.node is not None and top.node.id == ident.id else None

    def lookup(self, ident: Node, name: str | None = None) -> Decl | None:
        """The declaration `ident` (or `name` at its place) refers to; None if not in this file."""
        name = name if name is not None else self.text(ident)
        if not self._declarable(name):
            return self.package_decl(name)  # never spelled where a local could declare it
        pos = ident.start_byte
        best: Decl | None = None
        for d in self._decls(self.unit_of(ident), name):
            if d.start <= pos < d.end and d.visible <= pos:
                if best is None or (d.start, d.visible) >= (best.start, best.visible):
                    best = d
        if best is not None:
            return best
        return self.package_decl(name)

    def is_universe(self, ident: Node, name: str | None = None) -> bool:
        """True when `ident` names Go's builtin (`string`, `len`, `append`...), not a shadow."""
        name = name if name is not None else self.text(ident)
        if name not in UNIVERSE or self.package_decl(name) is not None:
            return False
        return self.lookup(ident, name) is None

    def package_path(self, ident: Node) -> str | None:
        """The import path when `ident` is a package qualifier (aliases resolved), else None."""
        if ident.type not in ("identifier", "package_identifier"):
            return None
        d = self.lookup(ident)
        if d is not None:
            return d.path if d.kind == "import" else None
        # Not declared in this file: a standard package by its usual name, unless the file
        # imports something else under that name (then it does not compile anyway).
        if self._dot_imports:
            return None
        return stdlib.PACKAGES.get(self.text(ident))

    def callee(self, call: Node) -> str | None:
        """`fmt.Sprintf`-style name of a call to a package function or builtin, else None.

        Package functions are named by import path (`net/http.Get`); builtins by their name
        when not shadowed (`append`, `len`, `string` for the conversion).
        """
        fn = unparen(call.child_by_field_name("function"))
        if fn is None:
            return None
        if fn.type == "identifier":
            return self.text(fn) if self.is_universe(fn) else None
        if fn.type == "selector_expression":
            operand = fn.child_by_field_name("operand")
            if operand is not None and operand.type == "identifier":
                path = self.package_path(operand)
                if path is not None:
                    return f"{path}.{self.text(fn.child_by_field_name('field'))}"
        return None

    def used_outside(self, name: str, start: int, end: int) -> bool:
        """Whether the file uses the import named `name` (`name.X`) outside [start, end)."""
        for hit in _qualifier(name).finditer(self.source):
            at = hit.start()
            if start <= at < end or (at > 0 and self.source[at - 1] in _WORD_OR_DOT):
                continue
            node = self.root.descendant_for_byte_range(at, at + len(name))
            if node is not None and node.type in ("identifier", "package_identifier"):
                if self.package_path(node) is not None:
                    return True
        return False

    def keeps_imports(self, node: Node, new_text: str) -> bool:
        """Whether replacing `node` by `new_text` leaves every import of the file used.

        A quick fix is a single replacement; it cannot delete an import the replacement
        made unused, and Go refuses to compile one. Such a fix is not offered.
        """
        text = self.text(node).replace(" ", "")
        for name in self.imports:
            if f"{name}." not in text or f"{name}." in new_text:
                continue
            if not self.used_outside(name, node.start_byte, node.end_byte):
                return False
        return True

    # -- calls by name ----------------------------------------------------------

    def calls(self, path: str, *names: str) -> list[Node]:
        """Calls of `path.Name` for each of `names`, wherever the file calls them (any alias)."""
        by_name = self._package_calls.get(path)
        if by_name is None:
            by_name = self._package_calls[path] = self._scan_package_calls(path)
        if len(names) == 1:
            return by_name.get(names[0], [])
        out = [c for n in names for c in by_name.get(n, [])]
        out.sort(key=lambda n: n.start_byte)
        return out

    def _scan_package_calls(self, path: str) -> dict[str, list[Node]]:
        """Every call `pkg.Name(...)` of package `path` in the analysed range, by Name.

        The spellings are found in the bytes (a big file has thousands of calls and rules
        ask about a few packages) and each is confirmed in the tree, where a local
        variable with the package's name is told apart from the package.
        """
        out: dict[str, list[Node]] = {}
        local = self.import_name(path)
        if local is None:
            return out
        lo, hi = self.ctx.scan_range
        src = self.source
        for m in _qualified(local).finditer(src, lo, hi):
            if m.start() > 0 and src[m.start() - 1] in _WORD_OR_DOT:
                continue
            call = self._call_at(m.start(), m.end())
            if call is None or call.start_byte < lo or call.end_byte > hi:
                continue
            fn = call.child_by_field_name("function")
            operand = fn.child_by_field_name("operand") if fn is not None else None
            if operand is None or self.package_path(operand) != path:
                continue
            out.setdefault(m.group(1).decode(), []).append(call)
        return out

    def builtin_calls(self, *names: str) -> list[Node]:
        """Calls of builtins (`append`, `len`, `string` conversions...) that are not shadowed."""
        out: list[Node] = []
        for name in names:
            found = self._builtin_calls.get(name)
            if found is None:
                found = self._builtin_calls[name] = self._scan_builtin(name)
            out.extend(found)
        if len(names) > 1:
            out.sort(key=lambda n: n.start_byte)
        return out

    def _scan_builtin(self, name: str) -> list[Node]:
        out = []
        lo, hi = self.ctx.scan_range
        src = self.source
        for m in _bare_call(name).finditer(src, lo, hi):
            if m.start() > 0 and src[m.start() - 1] in _WORD_OR_DOT:
                continue
            call = self._call_at(m.start(), m.end())
            if call is None or call.start_byte < lo or call.end_byte > hi:
                continue
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "identifier" and self.is_universe(fn):
                out.append(call)
        return out

    def method_calls(self, *names: str) -> list[Node]:
        """Calls `x.Name(...)` of methods (or functions of a package) spelled `names`."""
        out = []
        lo, hi = self.ctx.scan_range
        for m in _method_call(tuple(sorted(names))).finditer(self.source, lo, hi):
            node = self.root.descendant_for_byte_range(m.end() - 1, m.end() - 1)
            if node is None or node.type != "field_identifier":
                continue
            sel = self.parent(node)
            call = self.parent(sel) if sel is not None else None
            if sel is None or call is None or sel.type != "selector_expression":
                continue
            if call.type != "call_expression":
                continue
            if call.child_by_field_name("function") != sel:
                continue
            if call.start_byte < lo or call.end_byte > hi:
                continue
            out.append(call)
        return out

    def _call_at(self, start: int, end: int) -> Node | None:
        """The call whose callee starts at `start` and contains source[start:end]."""
        src = self.source
        paren = end
        while paren < len(src) and src[paren] in b" \t":
            paren += 1
        if paren < len(src) and src[paren] == 40:  # `(`: the call is the smallest named
            call = self.root.named_descendant_for_byte_range(start, paren + 1)  # node around
            if call is not None and call.type == "call_expression" and call.start_byte == start:
                fn = call.child_by_field_name("function")
                if fn is not None and fn.start_byte == start and fn.end_byte <= paren:
                    return call
        node: Node | None = self.root.descendant_for_byte_range(start, max(start, end - 1))
        while node is not None and node.start_byte == start:
            parent = self.parent(node)
            if parent is not None and parent.type == "call_expression":
                fn = parent.child_by_field_name("function")
                if fn is not None and fn.id == node.id:
                    return parent
            node = parent
        return None

    # -- types of declarations ------------------------------------------------

    def decl_type(self, d: Decl) -> GoType | None:
        key = id(d)
        if key in self._decl_types:
            return self._decl_types[key]
        self._decl_types[key] = None  # cuts cycles (var x = x)
        t = self._decl_type(d)
        self._decl_types[key] = t
        return t

    def _decl_type(self, d: Decl) -> GoType | None:
        k = d.kind
        if k == "typeparam":
            return GoType(TYPEPARAM, d.name)
        if k == "func":
            return self.func_type(d.owner) if d.owner is not None else None
        if k in ("type", "alias", "import", "switch"):
            return None
        if d.type_node is not None:
            t = self.type_from_node(d.type_node)
            return slice_of(t) if d.variadic and t is not None else t
        if k == "range" and d.owner is not None:
            info = self.range_info(d.owner)
            return info.key if d.index == 0 else info.value
        if k == "receive" and d.owner is not None:
            right = d.owner.child_by_field_name("right")
            operand = right.child_by_field_name("operand") if right is not None else None
            ch = self.underlying(self.type_of(operand)) if operand is not None else None
            if d.index == 1:
                return BOOL
            return ch.elem if ch is not None and ch.kind == CHAN else None
        if d.value is not None:
            t = self.type_of(d.value)
            if t is None or t.kind == TUPLE:
                return None
            return t if k == "const" else t.typed()
        if d.multi is not None:
            return self._multi_type(d.multi, d.index)
        return None

    def _multi_type(self, value: Node, index: int) -> GoType | None:
        value = unparen(value) or value
        if value.type == "index_expression":
            m = self.underlying(self.type_of(value.child_by_field_name("operand")))
            if m is not None and m.kind == MAP:
                return m.elem if index == 0 else BOOL
            return None
        if value.type == "type_assertion_expression":
            return self.type_from_node(value.child_by_field_name("type")) if index == 0 else BOOL
        if (
            value.type == "unary_expression"
            and self.text(value.child_by_field_name("operator")) == "<-"
        ):
            ch = self.underlying(self.type_of(value.child_by_field_name("operand")))
            if ch is not None and ch.kind == CHAN:
                return ch.elem if index == 0 else BOOL
            return None
        t = self.type_of(value)
        if t is not None and t.kind == TUPLE and index < len(t.results):
            return t.results[index]
        return None

    def func_type(self, decl: Node) -> GoType | None:
        """The signature of a function or method declaration, or of a func literal."""
        params = self._param_types(decl.child_by_field_name("parameters"))
        results = self._result_types(decl.child_by_field_name("result"))
        if params is None or results is None:
            return None
        ps, variadic = params
        return GoType(FUNC, params=ps, results=results, variadic=variadic)

    def _param_types(self, plist: Node | None) -> tuple[tuple[GoType, ...], bool] | None:
        out: list[GoType] = []
        variadic = False
        for p in plist.named_children if plist is not None else []:
            if p.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                continue
            t = self.type_from_node(p.child_by_field_name("type"))
            if t is None:
                t = GoType(TYPEPARAM, "?")
            if p.type == "variadic_parameter_declaration":
                t, variadic = slice_of(t), True
            out.extend([t] * max(1, len(p.children_by_field_name("name"))))
        return tuple(out), variadic

    def _result_types(self, result: Node | None) -> tuple[GoType, ...] | None:
        if result is None:
            return ()
        if result.type == "parameter_list":
            got = self._param_types(result)
            return got[0] if got is not None else None
        t = self.type_from_node(result)
        return (t,) if t is not None else (GoType(TYPEPARAM, "?"),)

    # -- types written in the source --------------------------------------------

    def type_from_node(self, n: Node | None) -> GoType | None:
        """The type a type expression denotes, with names resolved in its scope."""
        if n is None:
            return None
        key = -n.id - 1  # type expressions and value expressions share the memo
        if key in self._types:
            return self._types[key]
        self._types[key] = None
        t = self._type_from_node(n)
        self._types[key] = t
        return t

    def _type_from_node(self, n: Node) -> GoType | None:
        t = n.type
        if t in ("type_identifier", "identifier"):
            name = self.text(n)
            if t == "type_identifier" and name in UNIVERSE_TYPES and name not in self.package:
                # A variable named `string` cannot be used as a type, and nobody declares
                # a local type called `int`: no scope to search.
                return {"error": ERROR, "any": ANY, "comparable": None}.get(name, basic(name))
            d = self.lookup(n, name)
            if d is not None:
                if d.kind == "typeparam":
                    return GoType(TYPEPARAM, name)
                if d.kind == "alias":
                    return self.type_from_node(d.type_node)
                if d.kind == "type":
                    local = d.start != 0 and d.owner is not None
                    return named(f"#{d.owner.start_byte}" if local else "", name)  # type: ignore[union-attr]
                return None
            if name in BASIC_NAMES:
                return basic(name)
            if name == "error":
                return ERROR
            if name == "any":
                return ANY
            return named("", name)  # declared in another file of the package
        if t == "qualified_type":
            pkg = n.child_by_field_name("package")
            name = self.text(n.child_by_field_name("name"))
            path = self.package_path(pkg) if pkg is not None else None
            if path is None:
                return None
            if path == "unsafe" and name == "Pointer":
                return basic("unsafe.Pointer")
            return named(path, name)
        if t == "generic_type":
            base = self.type_from_node(n.child_by_field_name("type"))
            targs = n.child_by_field_name("type_arguments")
            args: list[GoType] = []
            for a in targs.named_children if targs is not None else []:
                arg = a.named_children[0] if a.type == "type_elem" and a.named_children else a
                at = self.type_from_node(arg)
                args.append(at if at is not None else GoType(TYPEPARAM, "?"))
            if base is None or base.kind != NAMED:
                return None
            return named(base.pkg, base.name, tuple(args))
        if t == "pointer_type":
            inner = self.type_from_node(n.named_children[0] if n.named_children else None)
            return pointer(inner) if inner is not None else None
        if t == "slice_type":
            inner = self.type_from_node(n.child_by_field_name("element"))
            return slice_of(inner) if inner is not None else None
        if t in ("array_type", "implicit_length_array_type"):
            inner = self.type_from_node(n.child_by_field_name("element"))
            length = n.child_by_field_name("length")
            count = self.const_int(length) if length is not None else None
            return array_of(inner, count) if inner is not None else None
        if t == "map_type":
            k = self.type_from_node(n.child_by_field_name("key"))
            v = self.type_from_node(n.child_by_field_name("value"))
            return map_of(k, v) if k is not None and v is not None else None
        if t == "channel_type":
            v = self.type_from_node(n.child_by_field_name("value"))
            head = self.source[n.start_byte : n.start_byte + 8]
            if head.startswith(b"<-"):
                direction = "recv"
            elif b"<-" in self.source[n.start_byte : n.child_by_field_name("value").start_byte]:  # type: ignore[union-attr]
                direction = "send"
            else:
                direction = ""
            return GoType(CHAN, elem=v, dir=direction) if v is not None else None
        if t == "function_type":
            return self.func_type(n)
        if t == "struct_type":
            return self._struct(n)
        if t == "interface_type":
            return self._interface(n)
        if t in ("parenthesized_type", "type_elem") and n.named_children:
            return self.type_from_node(n.named_children[0])
        return None

    def _struct(self, n: Node) -> GoType:
        fields: list[Field] = []
        flist = next((c for c in n.named_children if c.type == "field_declaration_list"), None)
        for f in flist.named_children if flist is not None else []:
            if f.type != "field_declaration":
                continue
            ft = self.type_from_node(f.child_by_field_name("type"))
            if ft is None:
                ft = GoType(TYPEPARAM, "?")  # unknown: its size and methods are unknown
            names = f.children_by_field_name("name")
            if not names:
                # `*T` embedded: the grammar keeps the star as a token beside the type
                if any(c.type == "*" for c in f.children) and ft.kind != TYPEPARAM:
                    ft = pointer(ft)
                embedded = ft.elem if ft.kind == POINTER and ft.elem is not None else ft
                fields.append(Field(embedded.name, ft, True))
            for name in names:
                fields.append(Field(self.text(name), ft))
        return GoType(STRUCT, fields=tuple(fields))

    def _interface(self, n: Node) -> GoType:
        methods: list[str] = []
        unknown = False
        for c in n.named_children:
            if c.type == "method_elem":
                methods.append(self.text(c.child_by_field_name("name")))
            elif c.type == "type_elem":
                inner = self.type_from_node(c.named_children[0] if c.named_children else None)
                u = self.underlying(inner) if inner is not None else None
                if u is not None and u.kind == INTERFACE and not u.embeds_unknown:
                    methods.extend(u.methods)
                else:
                    unknown = True
        return GoType(INTERFACE, methods=tuple(methods), embeds_unknown=unknown)

    # -- types of expressions -----------------------------------------------------

    def type_of(self, n: Node | None) -> GoType | None:
        """The type of expression `n` as far as the file says, else None."""
        if n is None:
            return None
        key = n.id
        if key in self._types:
            return self._types[key]
        self._types[key] = None
        t = self._type_of(n)
        self._types[key] = t
        return t

    def _type_of(self, n: Node) -> GoType | None:
        t = n.type
        if t == "identifier":
            return self._ident_type(n)
        if t == "int_literal":
            return basic("int", untyped=True)
        if t == "float_literal":
            return basic("float64", untyped=True)
        if t == "imaginary_literal":
            return basic("complex128", untyped=True)
        if t == "rune_literal":
            return basic("int32", untyped=True)
        if t in _STRINGS:
            return basic("string", untyped=True)
        if t in ("true", "false"):
            return basic("bool", untyped=True)
        if t == "nil":
            return NIL_TYPE
        if t == "iota":
            return basic("int", untyped=True)
        if t == "parenthesized_expression":
            return self.type_of(n.named_children[0]) if n.named_children else None
        if t == "call_expression":
            return self._call_type(n)
        if t in ("type_conversion_expression",):
            return self.type_from_node(n.child_by_field_name("type"))
        if t == "composite_literal":
            return self._literal_type(n)
        if t == "func_literal":
            return self.func_type(n)
        if t == "selector_expression":
            return self._selector_type(n)
        if t == "index_expression":
            return self._index_type(n)
        if t == "slice_expression":
            sliced = self.type_of(n.child_by_field_name("operand"))
            u = self.underlying(sliced)
            if u is None:
                return None
            if u.kind == SLICE or (u.kind == BASIC and u.name == "string"):
                return sliced.typed() if sliced is not None else None
            if u.kind == ARRAY and u.elem is not None:
                return slice_of(u.elem)
            if u.kind == POINTER and u.elem is not None:
                inner = self.underlying(u.elem)
                if inner is not None and inner.kind == ARRAY and inner.elem is not None:
                    return slice_of(inner.elem)
            return None
        if t == "unary_expression":
            op = self.text(n.child_by_field_name("operator"))
            operand = n.child_by_field_name("operand")
            if op == "&":
                inner = self.type_of(operand)
                return pointer(inner) if inner is not None else None
            if op == "*":
                p = self.underlying(self.type_of(operand))
                return p.elem if p is not None and p.kind == POINTER else None
            if op == "<-":
                ch = self.underlying(self.type_of(operand))
                return ch.elem if ch is not None and ch.kind == CHAN else None
            if op == "!":
                return BOOL
            return self.type_of(operand)
        if t == "binary_expression":
            op = self.text(n.child_by_field_name("operator"))
            if op in ("==", "!=", "<", "<=", ">", ">=", "&&", "||"):
                return basic("bool", untyped=True)
            left = self.type_of(n.child_by_field_name("left"))
            if op in ("<<", ">>"):
                return left
            right = self.type_of(n.child_by_field_name("right"))
            if left is not None and left.untyped and right is not None:
                return right
            return left
        if t == "type_assertion_expression":
            return self.type_from_node(n.child_by_field_name("type"))
        return None

    def _ident_type(self, n: Node) -> GoType | None:
        name = self.text(n)
        d = self.lookup(n, name)
        if d is None:
            if name in ("true", "false"):
                return basic("bool", untyped=True)
            if name == "nil":
                return NIL_TYPE
            return None
        return self.decl_type(d)

    def _literal_type(self, n: Node) -> GoType | None:
        tnode = n.child_by_field_name("type")
        if tnode is None:
            return None
        if tnode.type == "implicit_length_array_type":
            elem = self.type_from_node(tnode.child_by_field_name("element"))
            body = n.child_by_field_name("body")
            count = len([c for c in body.named_children if c.type != "comment"]) if body else 0
            return array_of(elem, count) if elem is not None else None
        return self.type_from_node(tnode)

    def _selector_type(self, n: Node) -> GoType | None:
        operand = n.child_by_field_name("operand")
        name = self.text(n.child_by_field_name("field"))
        if operand is None:
            return None
        if operand.type == "identifier":
            path = self.package_path(operand)
            if path is not None:
                q = f"{path}.{name}"
                if q in stdlib.VARS:
                    return self.std_type(stdlib.VARS[q])
                if q in stdlib.FUNCS:
                    known = _all_known(self.std_type(r) for r in stdlib.FUNCS[q])
                    return GoType(FUNC, results=known) if known is not None else None
                return None
        base = self.type_of(operand)
        if base is None:
            return None
        ft = self.field_type(base, name)
        if ft is not None:
            return ft
        res = self.method_results(base, name)
        return GoType(FUNC, results=res) if res is not None else None

    def _index_type(self, n: Node) -> GoType | None:
        u = self.underlying(self.type_of(n.child_by_field_name("operand")))
        if u is None:
            return None
        if u.kind in (SLICE, ARRAY, MAP):
            return u.elem
        if u.kind == POINTER and u.elem is not None:
            inner = self.underlying(u.elem)
            return inner.elem if inner is not None and inner.kind == ARRAY else None
        if u.kind == BASIC and u.name == "string":
            return basic("uint8")
        return None

    def _call_type(self, n: Node) -> GoType | None:
        fn = unparen(n.child_by_field_name("function"))
        if fn is None:
            return None
        args = call_args(n)
        if fn.type == "identifier":
            name = self.text(fn)
            d = self.lookup(fn, name)
            if d is None:
                if name in BUILTIN_FUNCS:
                    return self._builtin_type(name, args)
                if name in BASIC_NAMES:
                    return basic(name)
                if name == "error":
                    return ERROR
                return None
            if d.kind in ("type", "alias"):
                return self.type_from_node(fn)
            sig = self.underlying(self.decl_type(d))
            return _results(sig)
        if fn.type == "selector_expression":
            operand = fn.child_by_field_name("operand")
            name = self.text(fn.child_by_field_name("field"))
            if operand is not None and operand.type == "identifier":
                path = self.package_path(operand)
                if path is not None:
                    q = f"{path}.{name}"
                    if q in stdlib.FUNCS:
                        res = [self.std_type(r) for r in stdlib.FUNCS[q]]
                        if any(r is None for r in res):
                            return None
                        return res[0] if len(res) == 1 else tuple_of(*res)  # type: ignore[arg-type]
                    if q in stdlib.TYPES:
                        return named(path, name)  # a conversion, time.Duration(n)
                    return None
            base = self.type_of(operand)
            if base is None:
                return None
            res2 = self.method_results(base, name)
            if res2 is None:
                ft = self.underlying(self.field_type(base, name))
                return _results(ft)
            if not res2:
                return None
            return res2[0] if len(res2) == 1 else tuple_of(*res2)
        if fn.type in ("func_literal",):
            return _results(self.func_type(fn))
        if fn.type in ("slice_type", "array_type", "map_type", "pointer_type", "qualified_type"):
            return self.type_from_node(fn)
        return None

    def _builtin_type(self, name: str, args: list[Node]) -> GoType | None:
        if name in ("len", "cap", "copy"):
            return INT
        if name == "make" and args:
            return self.type_from_node(args[0])
        if name == "new" and args:
            inner = self.type_from_node(args[0])
            return pointer(inner) if inner is not None else None
        if name == "append" and args:
            t = self.type_of(args[0])
            return t if t is not None and t.kind != "nil" else None
        if name in ("min", "max"):
            for a in args:
                t = self.type_of(a)
                if t is not None and not t.untyped:
                    return t
            return self.type_of(args[0]).typed() if args and self.type_of(args[0]) else None  # type: ignore[union-attr]
        if name == "recover":
            return ANY
        return None

    def std_type(self, text: str) -> GoType | None:
        """A type written in stdlib.py's tables."""
        return _std_type(text)

    # -- named types ------------------------------------------------------------

    def type_decl(self, t: GoType) -> Decl | None:
        """The declaration of a named type of this file (package level or local)."""
        if t.kind != NAMED:
            return None
        if t.pkg.startswith("#"):
            return self._local_types.get(t.pkg)
        if t.pkg == "":
            d = self.package.get(t.name)
            return d if d is not None and d.kind in ("type", "alias") else None
        return None

    def underlying(self, t: GoType | None) -> GoType | None:
        """The underlying type (Go spec "Underlying types"); None when not known here."""
        if t is None or t.kind != NAMED:
            return t
        if t in self._underlying:
            return self._underlying[t]
        self._underlying[t] = None
        u = self._resolve_underlying(t)
        self._underlying[t] = u
        return u

    def _resolve_underlying(self, t: GoType) -> GoType | None:
        if t.pkg == "" and t.name == "error":
            return GoType(INTERFACE, methods=("Error",))
        d = self.type_decl(t)
        if d is not None:
            return self.underlying(self.type_from_node(d.type_node))
        if t.pkg and not t.pkg.startswith("#"):
            info = stdlib.TYPES.get(t.qualified)
            if info is None:
                return None
            if info.interface:
                return GoType(INTERFACE, methods=tuple(m for m, _ in info.methods))
            if info.underlying is not None:
                return self.underlying(self.std_type(info.underlying))
            return GoType(STRUCT, name=t.qualified)  # opaque: fields not needed
        return None

    def big_types(self, threshold: int) -> set[str]:
        """Names of this file's package-level types of at least `threshold` bytes."""
        key = f"big{threshold}"
        found = self._big.get(key)
        if found is None:
            found = set()
            for name, d in self.package.items():
                if d.kind == "type" and (self.size_of(named("", name)) or 0) >= threshold:
                    found.add(name)
            self._big[key] = found
        return found

    def is_named_local(self, t: GoType) -> bool:
        return t.kind == NAMED and (t.pkg == "" or t.pkg.startswith("#")) and t.name != "error"

    # -- fields and methods ------------------------------------------------------

    def field_type(self, t: GoType, name: str, depth: int = 0) -> GoType | None:
        """The type of field `name` of a struct (or pointer to struct), promoted ones included."""
        u = self.underlying(t)
        if u is not None and u.kind == POINTER:
            u = self.underlying(u.elem)
        if u is None or u.kind != STRUCT:
            return None
        for f in u.fields:
            if f.name == name and not f.embedded:
                return f.type
        for f in u.fields:
            if f.embedded:
                if f.name == name:
                    return f.type
                if depth < 2:
                    found = self.field_type(f.type, name, depth + 1)
                    if found is not None:
                        return found
        return None

    def method(
        self, t: GoType, name: str, addressable: bool = True, closed: bool = False
    ) -> tuple[bool | None, tuple[GoType, ...] | None]:
        """Whether a value of type `t` has method `name`, and its results.

        (True, results) when the file or the library table shows it; (False, None) when `t`
        is known not to have it; (None, None) when it cannot be told (declared elsewhere).
        A pointer-receiver method counts for a value only when the value is addressable.
        With `closed`, a type declared in this file is taken to have only the methods
        declared in this file (where Go code nearly always puts them).
        """
        _ = self.package
        if self._method_decls:
            for decl in self._method_decls:
                self._collect_method(decl)
            self._method_decls = []
        ptr = False
        base = t
        if t.kind == POINTER and t.elem is not None:
            ptr, base = True, t.elem
        if base.kind == TYPEPARAM:
            return None, None
        u = self.underlying(base)
        if u is not None and u.kind == INTERFACE and not ptr:
            if name in u.methods:
                return True, self._iface_results(base, name)
            return (None if u.embeds_unknown else False), None
        if base.kind != NAMED:
            if u is not None and u.kind == STRUCT:
                return self._promoted(u, name, addressable or ptr)
            return (False if u is not None else None), None
        if self.is_named_local(base):
            d = self._methods.get(base.name, {}).get(name) if not base.pkg else None
            if d is not None:
                if d.pointer_receiver and not (ptr or addressable):
                    return False, None
                sig = self.func_type(d.owner) if d.owner is not None else None
                return True, (sig.results if sig is not None else None)
            if u is not None and u.kind == STRUCT:
                found, res = self._promoted(u, name, addressable or ptr)
                if found or (found is False and closed and self.type_decl(base) is not None):
                    return found, res
            if closed and self.type_decl(base) is not None and (u is None or u.kind != STRUCT):
                return False, None
            return None, None  # may be declared in another file of the package
        info = stdlib.TYPES.get(base.qualified)
        if info is None:
            return None, None
        for m, results in info.methods:
            if m == name:
                if info.pointer and not info.interface and not (ptr or addressable):
                    return False, None
                return True, _all_known(self.std_type(r) for r in results)
        return False, None

    def _promoted(
        self, u: GoType, name: str, addressable: bool
    ) -> tuple[bool | None, tuple[GoType, ...] | None]:
        unknown = False
        for f in u.fields:
            if f.embedded:
                found, res = self.method(f.type, name, addressable)
                if found:
                    return True, res
                if found is None:
                    unknown = True
        return (None if unknown else False), None

    def _iface_results(self, base: GoType, name: str) -> tuple[GoType, ...] | None:
        if base.kind == NAMED and not self.is_named_local(base):
            info = stdlib.TYPES.get(base.qualified if base.pkg else base.name)
            for m, results in info.methods if info is not None else ():
                if m == name:
                    res = tuple(self.std_type(r) for r in results)
                    return None if any(r is None for r in res) else res  # type: ignore[return-value]
        if base.kind == NAMED:
            d = self.type_decl(base)
            if d is not None and d.type_node is not None:
                for c in d.type_node.named_children:
                    if c.type == "method_elem" and self.text(c.child_by_field_name("name")) == name:
                        return self._result_types(c.child_by_field_name("result"))
        return None

    def method_results(self, t: GoType, name: str) -> tuple[GoType, ...] | None:
        found, res = self.method(t, name)
        return res if found else None

    def implements(
        self,
        t: GoType,
        method: str,
        results: tuple[str, ...],
        addressable: bool = True,
        closed: bool = False,
        params: int | None = None,
    ) -> bool | None:
        """Whether `t` has `method` returning `results` (written as Go types), and taking
        `params` parameters when given: True, False or unknown."""
        found, res = self.method(t, method, addressable, closed)
        if not found:
            return found
        if res is None:
            return None
        if tuple(str(r) for r in res) != results:
            return False
        if params is not None:
            count = self._local_param_count(t, method)
            if count is not None and count != params:
                return False
        return True

    def _local_param_count(self, t: GoType, name: str) -> int | None:
        base = t.elem if t.kind == POINTER and t.elem is not None else t
        if not self.is_named_local(base) or base.pkg:
            return None
        d = self._methods.get(base.name, {}).get(name)
        sig = self.func_type(d.owner) if d is not None and d.owner is not None else None
        return len(sig.params) if sig is not None else None

    # -- ranges -------------------------------------------------------------------

    def range_info(self, clause: Node) -> RangeInfo:
        right = clause.child_by_field_name("right")
        src = self.type_of(right)
        u = self.underlying(src)
        if u is None:
            return RangeInfo(None, source=src)
        k = u.kind
        if k == BASIC and u.name in INTEGERS:
            return RangeInfo("int", u.typed(), None, src)
        if k == BASIC and u.name == "string":
            return RangeInfo("string", INT, RUNE, src)
        if k == SLICE:
            return RangeInfo("slice", INT, u.elem, src)
        if k == ARRAY:
            return RangeInfo("array", INT, u.elem, src)
        if k == POINTER and u.elem is not None:
            inner = self.underlying(u.elem)
            if inner is not None and inner.kind == ARRAY:
                return RangeInfo("array-pointer", INT, inner.elem, src)
            return RangeInfo(None, source=src)
        if k == MAP:
            return RangeInfo("map", u.key, u.elem, src)
        if k == CHAN:
            return RangeInfo("chan", u.elem, None, src)
        if k == FUNC:
            return RangeInfo("func", source=src)
        return RangeInfo(None, source=src)

    # -- sizes ----------------------------------------------------------------------

    def layout(self, t: GoType | None, depth: int = 0) -> tuple[int, int] | None:
        """(size, align) in bytes on 64-bit targets, or None when a part is unknown."""
        if t is None or depth > 20:
            return None
        if t in self._sizes:
            return self._sizes[t]
        self._sizes[t] = None
        got = self._layout(t, depth)
        self._sizes[t] = got
        return got

    def _layout(self, t: GoType, depth: int) -> tuple[int, int] | None:
        k = t.kind
        if k == BASIC:
            return basic_layout(t.typed().name)
        if k in (POINTER, MAP, CHAN, FUNC):
            return 8, 8
        if k == SLICE:
            return 24, 8
        if k == INTERFACE:
            return 16, 8
        if k == ARRAY:
            if t.length is None:
                return None
            inner = self.layout(t.elem, depth + 1)
            return (t.length * inner[0], inner[1]) if inner is not None else None
        if k == STRUCT:
            if t.name:  # an opaque library struct
                info = stdlib.TYPES.get(t.name)
                return (info.size, info.align) if info and info.size is not None else None
            members = []
            for f in t.fields:
                one = self.layout(f.type, depth + 1)
                if one is None:
                    return None
                members.append(one)
            return struct_layout(members)
        if k == NAMED:
            if t.pkg and not t.pkg.startswith("#"):
                info = stdlib.TYPES.get(t.qualified)
                if info is not None and info.size is not None:
                    return info.size, info.align
            if t.pkg == "" and t.name == "error":
                return 16, 8
            if t.args:
                return None  # generic instance: sizes depend on the arguments
            d = self.type_decl(t)
            if (
                d is not None
                and d.owner is not None
                and d.owner.child_by_field_name("type_parameters")
            ):
                return None
            return self.layout(self.underlying(t), depth + 1)
        return None

    def size_of(self, t: GoType | None) -> int | None:
        got = self.layout(t)
        return got[0] if got is not None else None

    # -- constants ------------------------------------------------------------------

    def const_value(self, n: Node | None) -> int | str | None:
        """The value of a constant expression the file spells out (ints and strings)."""
        if n is None:
            return None
        if n.id in self._consts:
            return self._consts[n.id]
        self._consts[n.id] = None
        v = self._const_value(n, None)
        self._consts[n.id] = v
        return v

    def const_int(self, n: Node | None) -> int | None:
        v = self.const_value(n)
        return v if isinstance(v, int) else None

    def _const_value(self, n: Node, iota: int | None) -> int | str | None:
        t = n.type
        if t == "int_literal":
            return _go_int(self.text(n))
        if t == "rune_literal":
            return _go_rune(self.text(n))
        if t in _STRINGS:
            return _go_string(self.text(n))
        if t == "iota":
            return iota
        if t == "parenthesized_expression" and n.named_children:
            return self._const_value(n.named_children[0], iota)
        if t == "identifier":
            name = self.text(n)
            if name == "iota":
                return iota
            d = self.lookup(n, name)
            if d is None or d.kind != "const":
                return None
            if d.value is None:
                return None
            if d.value.id in self._consts and self._consts[d.value.id] is not None:
                return self._consts[d.value.id]
            return self._const_value(d.value, d.index)
        if t == "unary_expression":
            v = self._const_value(n.child_by_field_name("operand"), iota)  # type: ignore[arg-type]
            op = self.text(n.child_by_field_name("operator"))
            if isinstance(v, int):
                return {"-": -v, "+": v, "^": ~v}.get(op)
            return None
        if t == "binary_expression":
            a = self._const_value(n.child_by_field_name("left"), iota)  # type: ignore[arg-type]
            b = self._const_value(n.child_by_field_name("right"), iota)  # type: ignore[arg-type]
            op = self.text(n.child_by_field_name("operator"))
            if isinstance(a, int) and isinstance(b, int):
                try:
                    return _INT_OPS[op](a, b) if op in _INT_OPS else None
                except (ZeroDivisionError, ValueError, OverflowError):
                    return None
            if isinstance(a, str) and isinstance(b, str) and op == "+":
                return a + b
            return None
        if t == "call_expression":
            fn = n.child_by_field_name("function")
            args = call_args(n)
            name = self.text(fn)
            if len(args) == 1 and name in BASIC_NAMES and name != "string":
                return self._const_value(args[0], iota)
            if len(args) == 1 and name == "len":
                v = self._const_value(args[0], iota)
                return len(v.encode()) if isinstance(v, str) else None
        return None


_INT_OPS: dict[str, Callable[[int, int], int | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: int(a / b) if b else None,
    "%": lambda a, b: a % b,
    "<<": lambda a, b: a << b if 0 <= b < 64 else None,
    ">>": lambda a, b: a >> b if b >= 0 else None,
    "|": lambda a, b: a | b,
    "&": lambda a, b: a & b,
    "^": lambda a, b: a ^ b,
}


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@cache
def _func_named(name: str) -> re.Pattern[bytes]:
    return re.compile(rb"func[ \t]+" + re.escape(name).encode() + rb"\b")


@cache
def _bare_or_generic(name: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(name).encode() + rb"(?=[ \t]*(?:\r?\n|//|/\*|$)|\[)")


@cache
def _spelled(name: str) -> re.Pattern[bytes]:
    """`name` where a declaration could spell it: a whole word, not a selector (`x.name`,
    `name.x`), a call (`name(`) or a type (`[]name`, `*name`). The literal comes first, so
    the scan runs at memchr speed."""
    n = re.escape(name).encode()
    # The name, then (a lookbehind as long as the name plus one) what precedes it: not a
    # word character (part of a longer name), `.` (a field), `]` or `*` (a type). After
    # it, what follows a declared name: `,` `:=` `=` (x, y := ...; var x = ...), or a
    # space and a type (a parameter or `var x T`; `...T` for a variadic one).
    return re.compile(
        n + rb"(?<![\w.\]*]" + n + rb")(?=[ \t]*[,:=]|[ \t]+[\w\[*(<.])(?![ \t]+(?:\(|\.(?!\.\.)))"
    )


def _all_known(types: Iterable[GoType | None]) -> tuple[GoType, ...] | None:
    """The types as a tuple, or None when one of them is unknown."""
    out = tuple(types)
    if any(t is None for t in out):
        return None
    return tuple(t for t in out if t is not None)


def _flat_specs(decl: Node) -> list[Node]:
    out = []
    for c in decl.named_children:
        if c.type.endswith("_spec"):
            out.append(c)
        elif c.type.endswith("_spec_list"):
            out.extend(s for s in c.named_children if s.type.endswith("_spec"))
    return out


def _results(sig: GoType | None) -> GoType | None:
    if sig is None or sig.kind != FUNC or not sig.results:
        return None
    if any(r.kind == TYPEPARAM for r in sig.results):
        return None
    return sig.results[0] if len(sig.results) == 1 else tuple_of(*sig.results)


def unparen(n: Node | None) -> Node | None:
    while n is not None and n.type == "parenthesized_expression" and n.named_children:
        n = n.named_children[0]
    return n


def call_args(call: Node) -> list[Node]:
    arglist = call.child_by_field_name("arguments")
    if arglist is None:
        return []
    return [a for a in arglist.named_children if a.type != "comment"]


def _go_int(text: str) -> int | None:
    s = text.replace("_", "")
    try:
        if len(s) > 1 and s[0] == "0" and s[1].isdigit():
            return int(s, 8)
        return int(s, 0)
    except ValueError:
        return None


_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34}


def _go_rune(text: str) -> int | None:
    body = text[1:-1]
    if not body:
        return None
    if body[0] != "\\":
        return ord(body[0]) if len(body) == 1 else None
    if len(body) == 2 and body[1] in _ESCAPES:
        return _ESCAPES[body[1]]
    try:
        if body[1] in "xuU":
            return int(body[2:], 16)
        if body[1].isdigit():
            return int(body[1:], 8)
    except ValueError:
        return None
    return None


def _go_string(text: str) -> str | None:
    if text.startswith("`"):
        return text[1:-1].replace("\r", "")
    body = text[1:-1]
    if "\\" not in body:
        return body
    try:
        return body.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None


_WORD_OR_DOT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


@cache
def _qualified(local: str) -> re.Pattern[bytes]:
    """`pkg.Name` followed by `(`: the literal comes first so the scan runs at memchr speed."""
    return re.compile(re.escape(local).encode() + rb"[ \t]*\.[ \t]*(\w+)(?=[ \t]*[(\[])")


@cache
def _qualifier(name: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(name).encode() + rb"[ \t]*\.")


@cache
def _bare_call(name: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(name).encode() + rb"(?=[ \t]*\()")


@cache
def _method_call(names: tuple[str, ...]) -> re.Pattern[bytes]:
    alts = b"|".join(re.escape(n).encode() for n in names)
    return re.compile(rb"\.[ \t]*(?:" + alts + rb")(?=[ \t]*\()")


@cache
def _std_type(text: str) -> GoType | None:
    """Parse a type written in stdlib.py with the Go grammar (package names as in stdlib)."""
    src = f"package p\n\nvar _ {text}\n".encode()
    tree = parser("go").parse(src)
    spec = tree.root_node.named_children[-1].named_children[0]
    typ = spec.child_by_field_name("type")
    return _StdTypes(src).convert(typ) if typ is not None else None


class _StdTypes:
    """Turns a type node of a table entry into a GoType (no scopes: names are std ones)."""

    def __init__(self, src: bytes) -> None:
        self.src = src

    def text(self, n: Node | None) -> str:
        return self.src[n.start_byte : n.end_byte].decode() if n is not None else ""

    def convert(self, n: Node | None) -> GoType | None:
        if n is None:
            return None
        t = n.type
        if t == "type_identifier":
            name = self.text(n)
            if name in BASIC_NAMES:
                return basic(name)
            return {"error": ERROR, "any": ANY}.get(name)
        if t == "qualified_type":
            pkg = self.text(n.child_by_field_name("package"))
            return named(stdlib.PACKAGES[pkg], self.text(n.child_by_field_name("name")))
        if t == "generic_type":
            base = self.convert(n.child_by_field_name("type"))
            return named(base.pkg, base.name) if base is not None else None
        if t == "pointer_type":
            inner = self.convert(n.named_children[0])
            return pointer(inner) if inner else None
        if t == "slice_type":
            inner = self.convert(n.child_by_field_name("element"))
            return slice_of(inner) if inner else None
        if t == "map_type":
            k = self.convert(n.child_by_field_name("key"))
            v = self.convert(n.child_by_field_name("value"))
            return map_of(k, v) if k and v else None
        if t == "channel_type":
            v = self.convert(n.child_by_field_name("value"))
            d = "recv" if self.text(n).startswith("<-") else ""
            return GoType(CHAN, elem=v, dir=d) if v else None
        if t == "function_type":
            return GoType(FUNC)
        if t == "struct_type":
            return GoType(STRUCT)
        if t == "interface_type":
            return ANY
        return None


def fix_for(ctx: Context, node: Node, new_text: str, description: str) -> Fix | None:
    """A quick fix replacing `node`, unless it would leave an import unused (no compile)."""
    if not model(ctx).keeps_imports(node, new_text):
        return None
    return ctx.fix(node, new_text, description)


def model(ctx: Context) -> GoModel:
    """The model of the context's file, made on first use and shared by all rules."""
    m: GoModel | None = ctx.shared.get("go.model")
    if m is None:
        m = ctx.shared["go.model"] = GoModel(ctx)
    return m


def is_string_type(t: GoType | None, m: GoModel) -> bool:
    """A string or a type defined from string (also an untyped string constant)."""
    u = m.underlying(t)
    return u is not None and u.kind == BASIC and u.name == "string"


def is_byte_slice(t: GoType | None, m: GoModel, exact: bool = False) -> bool:
    """[]byte, or (unless `exact`) any slice type whose element's underlying type is byte."""
    if t is None:
        return False
    if exact:
        return (
            t.kind == SLICE
            and t.elem is not None
            and t.elem.kind == BASIC
            and t.elem.name == "uint8"
        )
    u = m.underlying(t)
    if u is None or u.kind != SLICE or u.elem is None:
        return False
    e = m.underlying(u.elem)
    return e is not None and e.kind == BASIC and e.name == "uint8"


__all__ = [
    "ARRAY",
    "BASIC",
    "CHAN",
    "FUNC",
    "INTERFACE",
    "MAP",
    "NAMED",
    "POINTER",
    "SLICE",
    "STRING",
    "STRUCT",
    "Decl",
    "GoModel",
    "GoType",
    "RangeInfo",
    "call_args",
    "is_byte_slice",
    "is_string_type",
    "model",
    "unparen",
]
