"""The per-file semantic model the Rust rules share: names, items, bindings, types, loops.

Built lazily, once per analysis, and kept in `ctx.shared`: a rule asks only for what it
needs, and each answer is computed on first request. Calls are found by scanning the
source bytes for the method and path names the rules ask about and asking the tree only
at those spots; bindings are collected per function, only for functions a rule looks
into; types come from annotations, constructors, literals and a table of standard
methods (stdlib.py). When the file does not say, the answer is "unknown" and rules stay
silent.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from tree_sitter import Node

from se_lsp.rules.engine import Context
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.stdlib import UNKNOWN, Ty
from se_lsp.rules.rust.syntax import (
    COMMENTS,
    FUNCTIONS,
    LOOPS,
    args,
    call_args,
    find_words,
    segments,
)

# -- calls ------------------------------------------------------------------------

# A prefilter on the bytes around a method-name match: (source, dot offset, end of name).
Hint = Callable[[bytes, int, int], bool]


class MethodCall:
    """`receiver.name::<turbofish>(args)`, taken apart once for every rule (the arguments
    only when a rule asks: most calls the scan finds are dismissed before that)."""

    __slots__ = ("_args", "call", "name", "receiver", "turbofish")

    def __init__(self, call: Node, receiver: Node, name: Node, turbofish: Node | None) -> None:
        self.call = call
        self.receiver = receiver
        self.name = name
        self.turbofish = turbofish
        self._args: list[Node] | None = None

    @property
    def args(self) -> list[Node]:
        if self._args is None:
            self._args = call_args(self.call)
        return self._args


# `.` then whitespace or comments, as tree-sitter allows between a receiver and a method.
# Atomic alternatives and a possessive repeat: no backtracking, so a run of `//` inside
# doc comments costs linear time.
_GAP = rb"(?>\s+|//[^\n]*+|/\*.*?\*/)*+"


@lru_cache(maxsize=64)
def _method_pattern(names: frozenset[str]) -> re.Pattern[bytes]:
    """`.name` for any of `names`, past whitespace and comments after the dot."""
    alternatives = b"|".join(
        re.escape(n.encode()) for n in sorted(names, key=lambda n: (-len(n), n))
    )
    return re.compile(rb"\." + _GAP + rb"(" + alternatives + rb")\b", re.S)


@lru_cache(maxsize=256)
def _path_pattern(spelling: str) -> re.Pattern[bytes]:
    """`Type::f` (also `Type::<T>::f`). A literal first, no leading `\b` (that makes the
    scan ten times slower): the boundary before it is checked by the caller."""
    first, sep, rest = spelling.partition("::")
    return re.compile(
        re.escape(first.encode())
        + (rb"(?:::<[^<>;{}\n]{0,120}+>)?::" + re.escape(rest.encode()) if sep else b"")
        + rb"\b"
    )


def _call_of(fn: Node) -> tuple[Node, Node | None] | None:
    """The call whose `function` is `fn`, and its `::<..>` turbofish node if there is one."""
    parent = fn.parent
    generic = None
    if parent is not None and parent.type == "generic_function":
        if parent.start_byte != fn.start_byte:
            return None
        generic, parent = parent, parent.parent
    if parent is None or parent.type != "call_expression" or parent.start_byte != fn.start_byte:
        return None
    return parent, generic


def take_apart(call: Node) -> MethodCall | None:
    fn = call.child_by_field_name("function")
    turbofish = None
    if fn is not None and fn.type == "generic_function":
        turbofish = fn.child_by_field_name("type_arguments")
        fn = fn.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return None
    value = fn.child_by_field_name("value")
    name = fn.child_by_field_name("field")
    if value is None or name is None or name.type != "field_identifier":
        return None
    return MethodCall(call, value, name, turbofish)


# -- items ------------------------------------------------------------------------


class Fn:
    """A function or method declared in the file; its signature is read when first asked."""

    __slots__ = ("_impl", "_params", "name", "node", "source")

    def __init__(self, node: Node, name: str, impl: Impl | None, source: bytes) -> None:
        self.node = node
        self.name = name
        # Weak: the impl lists its methods, and a cycle between them would leave every
        # impl of the file to the cycle collector after each analysis.
        self._impl = weakref.ref(impl) if impl is not None else None
        self.source = source
        self._params: list[tuple[str, Node | None]] | None = None

    @property
    def impl(self) -> Impl | None:
        """The impl block the function is a method of (None for a free function)."""
        return self._impl() if self._impl is not None else None

    def _text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    @property
    def params(self) -> list[tuple[str, Node | None]]:
        """(pattern text, type node) per parameter; `("self", None)` first for methods."""
        if self._params is None:
            out: list[tuple[str, Node | None]] = []
            for p in args(self.node.child_by_field_name("parameters")):
                if p.type == "self_parameter":
                    out.append(("self", None))
                elif p.type == "parameter":
                    pat = p.child_by_field_name("pattern")
                    out.append((self._text(pat), p.child_by_field_name("type")))
            self._params = out
        return self._params

    @property
    def ret(self) -> Node | None:
        return self.node.child_by_field_name("return_type")

    @property
    def public(self) -> bool:
        return any(c.type == "visibility_modifier" for c in self.node.children)


@dataclass(slots=True, weakref_slot=True)
class Impl:
    node: Node
    self_name: str  # `Foo` for `impl<T> Trait for Foo<T>`
    self_type: Node | None
    trait: str  # "" for inherent impls; last segment (`PartialEq`)
    trait_node: Node | None
    methods: dict[str, Fn] = field(default_factory=dict)


@dataclass(slots=True)
class TypeDecl:
    """A struct, enum or union declared in the file."""

    node: Node
    kind: str  # "struct", "enum", "union"
    name: str
    fields: dict[str, Node]  # name (or "0", "1" for tuple structs) -> type node
    variants: dict[str, list[Node]]  # enums: variant -> its field type nodes
    derives: frozenset[str]
    public: bool
    generics: frozenset[str]


@dataclass(slots=True)
class Items:
    types: dict[str, TypeDecl] = field(default_factory=dict)
    aliases: dict[str, Node] = field(default_factory=dict)  # `type X = ...;`
    traits: set[str] = field(default_factory=set)
    mods: set[str] = field(default_factory=set)
    fns: dict[str, Fn | None] = field(default_factory=dict)  # free fns (None: ambiguous)
    impls: list[Impl] = field(default_factory=list)
    consts: dict[str, Node] = field(default_factory=dict)  # const/static name -> type node
    by_node: dict[int, Fn] = field(default_factory=dict)  # function_item id -> Fn


# -- bindings ---------------------------------------------------------------------


class Binding:
    """A name a pattern introduces: where, how, and over which bytes it is visible. The
    written type and the initialiser are read from the tree only when asked."""

    __slots__ = ("end", "holder", "ident", "kind", "name", "site", "start", "whole")

    def __init__(
        self,
        name: str,
        ident: Node,
        site: Node,
        kind: str,
        whole: bool,
        start: int,
        end: int,
        holder: Node | None,
    ) -> None:
        self.name = name
        self.ident = ident
        self.site = site  # let_declaration, parameter, self_parameter, for_expression, ...
        self.kind = kind  # "let", "param", "self", "for", "closure", "cond", "arm", "const"
        self.whole = whole  # the pattern is this one identifier (not destructured)
        self.start = start
        self.end = end
        self.holder = holder  # the node whose `type` / `value` fields belong to the binding

    @property
    def type_node(self) -> Node | None:
        """The written type, when the binding is the whole pattern."""
        h = self.holder
        if not self.whole or h is None or self.kind not in ("let", "param", "const", "closure"):
            return None
        if self.kind == "closure" and h.type != "parameter":
            return None
        return h.child_by_field_name("type")

    @property
    def value(self) -> Node | None:
        """The initialiser (let, const) or the matched / iterated value (if let, for)."""
        h = self.holder
        if h is None or self.kind not in ("let", "const", "for", "cond"):
            return None
        return h.child_by_field_name("value")


# Node types whose nodes introduce bindings, with the binding kind and the field holding the
# pattern (the engine's query captures them for every rule that uses the model).
_SITE_KINDS = (
    ("let_declaration", "let", "pattern"),
    ("parameter", "param", "pattern"),
    ("self_parameter", "self", ""),
    ("closure_parameters", "closure", ""),
    ("for_expression", "for", "pattern"),
    ("let_condition", "cond", "pattern"),
    ("match_arm", "arm", "pattern"),
    ("const_item", "const", "name"),
    ("static_item", "const", "name"),
)
MODEL_NODE_TYPES = ("function_item", *(t for t, _, _ in _SITE_KINDS))


_NOT_BINDING_PARENTS = ("scoped_identifier", "tuple_struct_pattern", "struct_pattern")


def _pattern_idents(pat: Node) -> Iterator[tuple[Node, bool]]:
    """Identifiers a pattern binds, with whether each is `mut`."""
    stack = [(pat, False)]
    while stack:
        n, mut = stack.pop()
        t = n.type
        if t == "identifier":
            # `None`, `Foo` in a pattern are constants or unit variants, not bindings.
            first = n.text[:1] if n.text else b""
            if not first.isupper():
                yield n, mut
            continue
        if t == "mut_pattern":
            stack.extend((c, True) for c in n.named_children)
            continue
        if t in ("scoped_identifier", "type_identifier", "field_identifier") or t in COMMENTS:
            continue
        if t == "tuple_struct_pattern":
            stack.extend((c, mut) for c in n.named_children[1:])
            continue
        if t == "field_pattern":
            # `Foo { a, b: pat }`: shorthand binds `a`; otherwise the sub-pattern binds.
            pattern = n.child_by_field_name("pattern")
            if pattern is not None:
                stack.append((pattern, mut))
            else:
                stack.extend(
                    (c, mut or any(x.type == "mutable_specifier" for x in n.children))
                    for c in n.named_children
                    if c.type in ("shorthand_field_identifier", "identifier")
                )
            continue
        if t == "shorthand_field_identifier":
            yield n, mut
            continue
        if t in ("range_pattern", "string_literal", "integer_literal", "char_literal"):
            continue
        stack.extend((c, mut) for c in n.named_children)


# -- the model --------------------------------------------------------------------


class Model:
    """Everything rules know about one file beyond its syntax; see the module docstring."""

    # Every method name the rules ask `methods()` about (set by the package's __init__):
    # the first request scans the source for all of them in one pass.
    wanted: ClassVar[frozenset[str]] = frozenset()
    # Per method name, a cheap test on the bytes around a match (`source`, the dot's offset,
    # the offset after the name): when it says no, no rule could use the call and the tree
    # is not asked. Set by the package's __init__ from the families' HINTS.
    hints: ClassVar[dict[str, Hint]] = {}

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._methods: dict[str, list[Node]] = {}
        self._by_call: dict[int, MethodCall | None] = {}
        self._paths: dict[str, list[tuple[Node, str]]] = {}
        self._imports: dict[str, str] | None = None
        self._globs: list[str] = []
        self._scoped: dict[int, dict[str, str]] = {}
        self._scoped_globs: dict[int, list[str]] = {}
        self._mod_names: dict[int, set[str]] = {}
        self._mod_nodes: dict[int, Node] = {}
        self._no_mods: bool | None = None
        self._module_of: dict[int, int] = {}
        self._declared: set[bytes] | None = None
        self._const_names: set[bytes] | None = None
        self._depth = 0
        self._items: Items | None = None
        self._bindings: dict[tuple[int, str], list[Binding]] = {}
        self._site_names: dict[int, dict[str, list[tuple[str, Node]]]] = {}
        self._types: dict[int, Ty] = {}
        self._fns: tuple[list[int], list[Node], list[int]] | None = None
        self._fn_of: dict[int, Node | None] = {}
        self._site_index: dict[int, list[tuple[str, Node]]] | None = None
        self._generics: dict[int, frozenset[str]] = {}
        self._resolved: dict[tuple[int, str], str] = {}
        self._written: dict[tuple[int, frozenset[str]], Ty] = {}

    @staticmethod
    def of(ctx: Context) -> Model:
        model: Model | None = ctx.shared.get("rust-model")
        if model is None:
            model = ctx.shared["rust-model"] = Model(ctx)
        return model

    # -- calls ------------------------------------------------------------------

    def methods(self, *names: str) -> Iterator[MethodCall]:
        """Calls `x.name(..)` of the given method names, in document order per name."""
        missing = {n for n in names if n not in self._methods}
        if missing:
            # The first request scans for every method any rule asks about, in one pass.
            wanted = missing if self._methods else missing | self.wanted
            self._scan_methods(wanted)
        for name in names:
            for call in self._methods[name]:
                mc = self.method(call)
                if mc is not None:
                    yield mc

    def method(self, node: Node | None) -> MethodCall | None:
        """`node` taken apart as a method call, if it is one (cached)."""
        if node is None or node.type != "call_expression":
            return None
        key = node.id
        if key not in self._by_call:
            self._by_call[key] = take_apart(node)
        return self._by_call[key]

    def method_named(self, node: Node | None, *names: str) -> MethodCall | None:
        mc = self.method(node)
        if mc is None or self.ctx.text(mc.name) not in names:
            return None
        return mc

    def _scan_methods(self, names: set[str]) -> None:
        ctx = self.ctx
        found: dict[str, list[Node]] = {n: [] for n in names}
        pattern = _method_pattern(frozenset(names))
        lo, hi = ctx.scan_range
        root = ctx.root
        hints = self.hints
        source = ctx.source
        for m in pattern.finditer(source, lo, hi):
            start, end = m.span(1)
            hint = hints.get(m.group(1).decode())
            if hint is not None and not hint(source, m.start(), end):
                continue
            # The smallest node spanning the dot and the `(` after the name is the call
            # itself: one look-up, and no `parent` climbs (each walks down from the root).
            paren = source.find(b"(", end, end + 240)
            if paren < 0:
                continue
            call = root.descendant_for_byte_range(m.start(), paren + 1)
            if call is None or call.type != "call_expression":
                continue
            fn = call.child_by_field_name("function")
            generic = None
            if fn is not None and fn.type == "generic_function":
                generic = fn
                fn = fn.child_by_field_name("function")
            if fn is None or fn.type != "field_expression":
                continue
            name = fn.child_by_field_name("field")
            if name is None or name.start_byte != start or name.end_byte != end:
                continue
            found[m.group(1).decode()].append(call)
            if call.id not in self._by_call:
                value = fn.child_by_field_name("value")
                turbofish = generic.child_by_field_name("type_arguments") if generic else None
                mc = MethodCall(call, value, name, turbofish) if value is not None else None
                self._by_call[call.id] = mc
        for n, calls in found.items():
            self._methods[n] = self._inside_limit(calls)

    def _inside_limit(self, calls: list[Node]) -> list[Node]:
        lo, hi = self.ctx.scan_range
        unique = {c.id: c for c in calls if c.start_byte >= lo and c.end_byte <= hi}
        return sorted(unique.values(), key=lambda c: (c.start_byte, -c.end_byte))

    def path_calls(self, *paths: str) -> Iterator[tuple[Node, str]]:
        """Calls of the given paths (`Regex::new`), by any name they are imported as.

        Yields (call, resolved path): `R::new(..)` after `use regex::Regex as R` comes back
        as `regex::Regex::new`; `std::iter::repeat(..)` and `repeat(..)` (imported) both
        match `repeat`.
        """
        seen: set[int] = set()
        for p in paths:
            if p not in self._paths:
                self._paths[p] = self._scan_path(p)
            for call, resolved in self._paths[p]:
                if call.id not in seen:
                    seen.add(call.id)
                    yield call, resolved

    def _spellings(self, path: str) -> set[str]:
        """How `Type::f` (or `f`) may be written in this file: the path, and aliases of its head."""
        head, _, rest = path.partition("::")
        out = {path}
        if not self._may_be_aliased(head):
            return out  # no `use ..::Head as Other` anywhere: no alias to look for
        for local, full in self.imports().items():
            if local != head and (full == head or full.endswith("::" + head)):
                out.add(f"{local}::{rest}" if rest else local)
        return out

    def _may_be_aliased(self, head: str) -> bool:
        """Whether `Head as` occurs in the file (a byte search per name, ~0.1 ms on a
        10,000-line file). Passes while the user types reuse the previous answers: a new
        alias is seen by the exact pass that follows."""
        known: dict[str, bool] = self.ctx.facts.setdefault("rust.aliased", {})
        found = known.get(head)
        if found is None:
            found = known[head] = (head + " as").encode() in self.ctx.source
        return found

    def _scan_path(self, path: str) -> list[tuple[Node, str]]:
        ctx = self.ctx
        head, _, rest = path.partition("::")
        lo, hi = ctx.scan_range
        if rest and ctx.source.find(rest.rsplit("::", 1)[-1].encode(), lo, hi) < 0:
            return []  # every spelling ends in the same name: no need to read the `use`s
        calls: list[Node] = []
        for spelling in sorted(self._spellings(path)):
            last = spelling.rsplit("::", 1)[-1].encode()
            pattern = _path_pattern(spelling)  # also `Vec::<u8>::new`
            for m in pattern.finditer(ctx.source, lo, hi):
                if m.start() > 0 and _ident(ctx.source[m.start() - 1]):
                    continue
                end = m.end()
                leaf = ctx.root.descendant_for_byte_range(end - len(last), end)
                if leaf is None or leaf.type != "identifier" or leaf.end_byte != end:
                    continue
                fn = leaf.parent if leaf.start_byte != m.start() else leaf
                if fn is None or fn.type not in ("scoped_identifier", "identifier"):
                    continue
                if fn.end_byte != end:
                    continue
                hit = _call_of(fn)
                if hit is not None:
                    calls.append(hit[0])
        out = []
        for call in self._inside_limit(calls):
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "generic_function":
                fn = fn.child_by_field_name("function")
            resolved = self.resolve_path(_strip_turbofish(ctx.text(fn)), call)
            want_tail = path if "::" in path else "::" + path
            if resolved.endswith(want_tail) or resolved == path or resolved.endswith("::" + path):
                out.append((call, resolved))
            elif head == path and resolved == path:
                out.append((call, resolved))
        return out

    def call_path(self, call: Node | None) -> str:
        """The resolved path of a path call (`std::collections::HashMap::new`), else ""."""
        if call is None or call.type != "call_expression":
            return ""
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "generic_function":
            fn = fn.child_by_field_name("function")
        if fn is None or fn.type not in ("scoped_identifier", "identifier"):
            return ""
        return self.resolve_path(_strip_turbofish(self.ctx.text(fn)), call)

    # -- names ------------------------------------------------------------------

    def imports(self) -> dict[str, str]:
        """Local name -> full path, from every `use` in the file (`R` -> `regex::Regex`)."""
        if self._imports is None:
            self._imports = {}
            self._scan_uses()
        return self._imports

    def module_of(self, node: Node) -> int:
        """The id of the `mod` item `node` is in (0 for the file itself): a walk up the
        tree (once per function), so a question about one spot does not collect the
        file's items."""
        if self._no_mods is None:
            self._no_mods = b"mod " not in self.ctx.source
        if self._no_mods:
            return 0
        fn = self.fn_of(node)
        start = fn if fn is not None else node
        found = self._module_of.get(start.id)
        if found is None:
            found = 0
            n = start.parent
            while n is not None:
                if n.type == "mod_item":
                    self._mod_nodes[n.id] = n
                    found = n.id
                    break
                n = n.parent
            self._module_of[start.id] = found
        return found

    def const_type(self, name: str) -> Node | None:
        """The declared type of the file's `const`/`static` called `name` (a byte search
        first: most names are not constants, and then no items are collected)."""
        if self._const_names is None:
            self._const_names = self._names_after((b"const ", b"static ", b"static mut "))
        if name.encode() not in self._const_names:
            return None
        return self.items().consts.get(name)

    def _names_after(self, keywords: tuple[bytes, ...]) -> set[bytes]:
        """The words that follow any of `keywords` in the file (one substring scan each)."""
        source = self.ctx.source
        names: set[bytes] = set()
        for kw in keywords:
            at = source.find(kw)
            while at >= 0:
                start = at + len(kw)
                if at == 0 or not _ident(source[at - 1]):
                    m = _IDENT_AT.match(source, start)
                    if m is not None:
                        names.add(m.group())
                at = source.find(kw, start)
        return names

    def _may_declare(self, name: str) -> bool:
        """Whether the file may declare a type, trait or module called `name`: the words
        after `struct `, `enum `, … (byte searches, once per file), so that when it says
        no the file's items need not be collected to know."""
        if self._declared is None:
            self._declared = self._names_after(_DECLARING)
        return name.encode() in self._declared

    def _scan_uses(self) -> None:
        ctx = self.ctx
        assert self._imports is not None
        # `use` is followed by a space in formatted code (and "use" starts many words, so a
        # search for the bare word would stop at every "user" and "used").
        for start, _ in find_words(ctx.source, (b"use ",)):
            node = ctx.root.descendant_for_byte_range(start, start + 3)
            decl = node.parent if node is not None else None
            if decl is None or decl.type != "use_declaration":
                continue
            arg = decl.child_by_field_name("argument")
            if arg is not None:
                self._add_use(arg, "", self.module_of(decl))

    def _add_use(self, node: Node, prefix: str, module: int) -> None:
        assert self._imports is not None
        text = self.ctx.text
        t = node.type
        join = (lambda s: f"{prefix}::{s}") if prefix else (lambda s: s)
        scoped = self._scoped.setdefault(module, {})
        if t in ("identifier", "scoped_identifier", "crate", "self", "super"):
            full = join(text(node))
            local = full.rsplit("::", 1)[-1]
            if local == "self":  # `use std::collections::{self}`
                full = full.rsplit("::", 1)[0]
                local = full.rsplit("::", 1)[-1]
            self._imports[local] = full
            scoped[local] = full
        elif t == "use_as_clause":
            path = node.child_by_field_name("path")
            alias = node.child_by_field_name("alias")
            if path is not None and alias is not None and text(alias) != "_":
                self._imports[text(alias)] = join(text(path))
                scoped[text(alias)] = join(text(path))
        elif t == "scoped_use_list":
            path = node.child_by_field_name("path")
            lst = node.child_by_field_name("list")
            inner = join(text(path)) if path is not None else prefix
            if lst is not None:
                for c in lst.named_children:
                    self._add_use(c, inner, module)
        elif t == "use_list":
            for c in node.named_children:
                self._add_use(c, prefix, module)
        elif t == "use_wildcard":
            base = node.named_children[0] if node.named_children else None
            glob = join(text(base)) if base is not None else prefix
            self._globs.append(glob)
            self._scoped_globs.setdefault(module, []).append(glob)

    def resolve_path(self, path: str, at: Node | None = None) -> str:
        """A path as written, with its first segment expanded through the file's `use`s.

        `HashMap` -> `std::collections::HashMap`; `collections::HashMap` after `use
        std::collections;` likewise; a name from the prelude -> `std::prelude::Vec`; a
        name declared in this file -> `crate::Name`; unknown -> the path as written.
        With `at`, names are looked up in the module `at` is in (a nested `mod` sees its
        own declarations and imports, and its parent's only through `use super::*`);
        without, in all of the file's imports together.
        """
        head, sep, rest = path.partition("::")
        if head in ("std", "core", "alloc"):
            return "std" + path[len(head) :]
        if head in ("crate", "self", "super"):
            return path
        if at is not None:
            module = self.module_of(at)
            key = (module, path)
            cached = self._resolved.get(key)
            if cached is None:
                cached = self._resolved[key] = self._resolve_in(module, at, head, sep, rest, path)
            return cached
        imports = self.imports()
        if head in imports:
            return _std_spelling(imports[head]) + sep + rest
        if not self._may_declare(head):
            return self._outside(head, path, self._globs)
        items = self.items()
        if (
            head in items.types
            or head in items.aliases
            or head in items.traits
            or (head in items.mods)
        ):
            return "crate::" + path
        return self._outside(head, path, self._globs)

    def _resolve_in(self, module: int, at: Node, head: str, sep: str, rest: str, path: str) -> str:
        self.imports()
        declared = self._may_declare(head)
        if declared:
            self.items()
        for _ in range(8):
            if declared and head in self._mod_names.get(module, ()):
                return "crate::" + path
            scoped = self._scoped.get(module, {})
            if head in scoped:
                return _std_spelling(scoped[head]) + sep + rest
            globs = self._scoped_globs.get(module, [])
            if module != 0 and any(g in ("super", "self::super") for g in globs):
                module = self._parent_module(module)
                continue
            return self._outside(head, path, globs)
        return path

    def _parent_module(self, module: int) -> int:
        node = self._mod_nodes.get(module)
        return self.module_of(node) if node is not None else 0

    @staticmethod
    def _outside(head: str, path: str, globs: list[str]) -> str:
        if head in S.PRELUDE:
            return "std::prelude::" + path
        for glob in globs:
            g = _std_spelling(glob)
            module = g.removeprefix("std::")
            if g.startswith("std::") and head in S.STD_MODULES.get(module, ()):
                return f"{g}::{path}"
        return path

    def is_std_path(self, path: str, *names: str) -> bool:
        """Whether `path` (as written) resolves to std and ends with one of `names`."""
        resolved = self.resolve_path(path)
        return resolved.startswith("std::") and resolved.rsplit("::", 1)[-1] in names

    # -- items ------------------------------------------------------------------

    def items(self) -> Items:
        if self._items is None:
            self._items = Items()
            self._collect_items(self.ctx.root, None, 0)
        return self._items

    def _collect_items(self, parent: Node, _impl: Impl | None, module: int) -> None:
        items = self._items
        assert items is not None
        text = self.ctx.text
        names = self._mod_names.setdefault(module, set())
        for node in parent.named_children:
            t = node.type
            declared = (
                node.child_by_field_name("name")
                if t
                in ("struct_item", "enum_item", "union_item", "type_item", "trait_item", "mod_item")
                else None
            )
            if declared is not None:
                names.add(text(declared))
            if t in ("struct_item", "enum_item", "union_item"):
                decl = self._type_decl(node)
                if decl is not None:
                    items.types[decl.name] = decl
            elif t == "type_item":
                name = node.child_by_field_name("name")
                ty = node.child_by_field_name("type")
                if name is not None and ty is not None:
                    items.aliases[text(name)] = ty
            elif t == "trait_item":
                name = node.child_by_field_name("name")
                if name is not None:
                    items.traits.add(text(name))
            elif t == "mod_item":
                name = node.child_by_field_name("name")
                if name is not None:
                    items.mods.add(text(name))
                body = node.child_by_field_name("body")
                if body is not None:
                    self._mod_nodes[node.id] = node
                    self._collect_items(body, None, node.id)
            elif t == "function_item":
                fn = self._fn(node, None)
                items.by_node[node.id] = fn
                items.fns[fn.name] = None if fn.name in items.fns else fn
            elif t == "impl_item":
                impl = self._impl(node)
                if impl is not None:
                    items.impls.append(impl)
            elif t in ("const_item", "static_item"):
                name = node.child_by_field_name("name")
                ty = node.child_by_field_name("type")
                if name is not None and ty is not None:
                    items.consts[text(name)] = ty

    def _impl(self, node: Node) -> Impl | None:
        text = self.ctx.text
        self_type = node.child_by_field_name("type")
        trait = node.child_by_field_name("trait")
        name = _type_head(self_type, text)
        if not name:
            return None
        impl = Impl(node, name, self_type, _type_head(trait, text) if trait else "", trait)
        body = node.child_by_field_name("body")
        assert self._items is not None
        for c in body.named_children if body is not None else ():
            if c.type == "function_item":
                fn = self._fn(c, impl)
                impl.methods[fn.name] = fn
                self._items.by_node[c.id] = fn
        return impl

    def _fn(self, node: Node, impl: Impl | None) -> Fn:
        name = node.child_by_field_name("name")
        return Fn(node, self.ctx.text(name), impl, self.ctx.source)

    def _type_decl(self, node: Node) -> TypeDecl | None:
        text = self.ctx.text
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return None
        kind = node.type.removesuffix("_item")
        fields: dict[str, Node] = {}
        variants: dict[str, list[Node]] = {}
        body = node.child_by_field_name("body")
        if body is not None:
            if kind == "enum":
                for v in body.named_children:
                    if v.type != "enum_variant":
                        continue
                    vname = text(v.child_by_field_name("name"))
                    vbody = v.child_by_field_name("body")
                    variants[vname] = _field_types(vbody)
            else:
                for i, (fname, ftype) in enumerate(_named_fields(body, text)):
                    fields[fname or str(i)] = ftype
        generics = frozenset(
            text(p.child_by_field_name("name") or p)
            for p in args(node.child_by_field_name("type_parameters"))
            if p.type in ("type_parameter", "const_parameter", "type_identifier")
        )
        return TypeDecl(
            node,
            kind,
            text(name_node),
            fields,
            variants,
            self.derives(node),
            any(c.type == "visibility_modifier" for c in node.children),
            generics,
        )

    def derives(self, item: Node) -> frozenset[str]:
        """Trait names in `#[derive(..)]` attributes on `item`."""
        out: set[str] = set()
        for attr in attributes_of(item):
            a = attr.named_children[0] if attr.named_children else None
            if a is None or self.ctx.text(a.named_children[0] if a.named_children else None) != (
                "derive"
            ):
                continue
            for tok in a.named_children[1:]:
                for ident in tok.named_children:
                    if ident.type == "identifier":
                        out.add(self.ctx.text(ident))
        return frozenset(out)

    def impls_for(self, name: str, trait: str | None = None) -> list[Impl]:
        return [
            i
            for i in self.items().impls
            if i.self_name == name and (trait is None or i.trait == trait)
        ]

    def user_type(self, t: Ty | None) -> TypeDecl | None:
        if t is None or not t.local:
            return None
        return self.items().types.get(t.name)

    def is_copy(self, t: Ty | None) -> bool:
        if t is None:
            return False
        if S.is_copy(t):
            return True
        decl = self.user_type(t)
        if decl is None:
            return False
        return "Copy" in decl.derives or bool(self.impls_for(t.name, "Copy"))

    # -- types ------------------------------------------------------------------

    def type_from(self, node: Node | None, generics: frozenset[str] = frozenset()) -> Ty:
        """A written type (`&mut Vec<String>`) as a Ty."""
        if node is None or self._depth > _MAX_DEPTH:
            return UNKNOWN
        key = (node.id, generics)
        cached = self._written.get(key)
        if cached is not None:
            return cached
        self._depth += 1
        try:
            t = self._written[key] = self._type_from(node, generics)
        finally:
            self._depth -= 1
        return t

    def _type_from(self, node: Node, generics: frozenset[str]) -> Ty:
        text = self.ctx.text
        t = node.type
        if t == "primitive_type":
            return S.prim(text(node))
        if t in ("type_identifier", "scoped_type_identifier"):
            return self._named_type(text(node), (), generics, node)
        if t == "generic_type":
            base = node.child_by_field_name("type")
            targs = node.child_by_field_name("type_arguments")
            type_args = tuple(
                self.type_from(a, generics)
                for a in args(targs)
                if a.type not in ("lifetime", "type_binding", "trait_bounds")
            )
            return self._named_type(text(base), type_args, generics, node)
        if t == "reference_type":
            inner = node.child_by_field_name("type")
            mutable = any(c.type == "mutable_specifier" for c in node.children)
            return S.ref(self.type_from(inner, generics), mutable)
        if t == "array_type":
            elem = self.type_from(node.child_by_field_name("element"), generics)
            length = node.child_by_field_name("length")
            if length is None:
                return Ty("[]", (elem,))
            n = int_value(text(length))
            return Ty("array", (elem,), length=n)
        if t == "tuple_type":
            return Ty("tuple", tuple(self.type_from(a, generics) for a in args(node)))
        if t == "unit_type":
            return Ty("tuple")
        if t == "abstract_type":
            return Ty("impl", (self.type_from(node.child_by_field_name("trait"), generics),))
        if t in ("dynamic_type", "bounded_type"):
            return Ty("dyn")
        if t == "function_type":
            return Ty("fn")
        if t == "pointer_type":
            return Ty("ptr")
        return UNKNOWN

    def _named_type(
        self, path: str, type_args: tuple[Ty, ...], generics: frozenset[str], at: Node | None = None
    ) -> Ty:
        last = path.rsplit("::", 1)[-1]
        if "::" not in path and last in generics:
            return UNKNOWN
        if last == "Self":
            return UNKNOWN
        declared = "::" not in path and self._may_declare(last)
        if declared and last in self.items().aliases:
            return self.type_from(self.items().aliases[last], generics)
        resolved = self.resolve_path(path, at)
        if resolved.startswith("std::"):
            return Ty(last, type_args, std=True)
        if declared and resolved.startswith("crate::") and last in self.items().types:
            return Ty(last, type_args, local=True)
        return Ty(last, type_args)

    def _functions(self) -> tuple[list[int], list[Node], list[int]]:
        """Function items by start byte (from the engine's one query over the file), with
        the index of the function each one is nested in (-1 for none)."""
        if self._fns is None:
            fns = sorted(self.ctx.nodes("function_item"), key=lambda n: n.start_byte)
            outer: list[int] = []
            open_: list[int] = []  # indices of functions still open at this start
            for i, f in enumerate(fns):
                while open_ and fns[open_[-1]].end_byte <= f.start_byte:
                    open_.pop()
                outer.append(open_[-1] if open_ else -1)
                open_.append(i)
            self._fns = ([f.start_byte for f in fns], fns, outer)
        return self._fns

    def fn_of(self, node: Node) -> Node | None:
        """The function item (not closure) `node` is in: the innermost one around it."""
        key = node.id
        if key in self._fn_of:
            return self._fn_of[key]
        found = self._fn_of[key] = self._find_fn(node)
        return found

    def _find_fn(self, node: Node) -> Node | None:
        starts, fns, outer = self._functions()
        pos = node.start_byte
        i = bisect_right(starts, pos) - 1
        if i >= 0 and fns[i].id == node.id:
            i = outer[i]  # a function's own node: the one around it
        while i >= 0:
            f = fns[i]
            if f.start_byte <= pos and node.end_byte <= f.end_byte:
                return f
            i = outer[i]
        return None

    def generics_at(self, node: Node) -> frozenset[str]:
        """Type parameter names in scope at `node` (its function's and its impl's)."""
        fn = self.fn_of(node)
        key = fn.id if fn is not None else -node.id
        cached = self._generics.get(key)
        if cached is None:
            cached = self._generics[key] = self._generics_of(fn if fn is not None else node)
        return cached

    def _generics_of(self, node: Node) -> frozenset[str]:
        out: set[str] = set()
        n: Node | None = node
        while n is not None:
            if n.type in ("function_item", "impl_item", "trait_item", "struct_item", "enum_item"):
                for p in args(n.child_by_field_name("type_parameters")):
                    name = p.child_by_field_name("name") if p.type != "type_identifier" else p
                    if name is not None:
                        out.add(self.ctx.text(name))
            n = n.parent
        return frozenset(out)

    # -- bindings ---------------------------------------------------------------

    def _sites(self) -> dict[int, list[tuple[str, Node]]]:
        """Every place a binding is introduced, grouped by the function it is in (captured by
        the engine's one query over the file: the node types are in MODEL_NODE_TYPES)."""
        if self._site_index is None:
            index: dict[int, list[tuple[str, Node]]] = {}
            for node_type, kind, field in _SITE_KINDS:
                for site in self.ctx.nodes(node_type):
                    target = site.child_by_field_name(field) if field else site
                    if target is None:
                        continue
                    fn = self._find_fn(site)  # each site is asked about once: no cache
                    if fn is not None:
                        index.setdefault(fn.id, []).append((kind, target))
            self._site_index = index
        return self._site_index

    def _names(self, fn: Node) -> dict[str, list[tuple[str, Node]]]:
        """The names a function binds, each with its binding sites (cheap: a simple pattern's
        name is its text; only destructuring patterns are walked)."""
        key = fn.id
        names = self._site_names.get(key)
        if names is not None:
            return names
        names = {}
        text = self.ctx.text
        for kind, node in self._sites().get(key, ()):
            t = node.type
            if t == "identifier":
                names.setdefault(text(node), []).append((kind, node))
            elif kind == "self":
                names.setdefault("self", []).append((kind, node))
            elif kind == "closure":
                for p in args(node):
                    pat = p.child_by_field_name("pattern") if p.type == "parameter" else p
                    if pat is not None:
                        for ident, _ in _pattern_idents(pat):
                            names.setdefault(text(ident), []).append((kind, node))
            else:
                for ident, _ in _pattern_idents(node):
                    names.setdefault(text(ident), []).append((kind, node))
        self._site_names[key] = names
        return names

    def _table_for(self, fn: Node, name: str) -> list[Binding]:
        """The bindings of `name` in a function, in order (built when first asked)."""
        key = (fn.id, name)
        found = self._bindings.get(key)
        if found is not None:
            return found
        found = []
        seen: set[int] = set()
        for kind, node in self._names(fn).get(name, ()):
            if node.id in seen:
                continue
            seen.add(node.id)
            found.extend(b for b in self._bindings_at(kind, node) if b.name == name)
        found.sort(key=lambda b: b.start)
        self._bindings[key] = found
        return found

    def _bindings_at(self, kind: str, node: Node) -> Iterator[Binding]:
        text = self.ctx.text
        if kind == "self":
            fn = node.parent.parent if node.parent is not None else None
            body = fn.child_by_field_name("body") if fn is not None else None
            if body is not None:
                yield Binding(
                    "self", node, node, "self", True, body.start_byte, body.end_byte, None
                )
            return
        if kind == "const":
            item = node.parent
            block = item.parent if item is not None else None
            if item is None or block is None or block.type != "block":
                return
            yield Binding(
                text(node), node, item, "const", True, block.start_byte, block.end_byte, item
            )
            return
        if kind == "closure":
            closure = node.parent
            body = closure.child_by_field_name("body") if closure is not None else None
            if closure is None or body is None:
                return
            for p in args(node):
                pat = p.child_by_field_name("pattern") if p.type == "parameter" else p
                if pat is None:
                    continue
                whole = pat.type == "identifier"
                for ident, _mut in _pattern_idents(pat):
                    yield Binding(
                        text(ident),
                        ident,
                        closure,
                        "closure",
                        whole,
                        body.start_byte,
                        body.end_byte,
                        p,
                    )
            return
        site = node.parent
        if site is None:
            return
        start = end = 0
        if kind == "let":
            block = site.parent
            if block is None:
                return
            start, end = site.end_byte, block.end_byte
        elif kind == "param":
            fn = site.parent.parent if site.parent is not None else None
            body = fn.child_by_field_name("body") if fn is not None else None
            if fn is None or body is None or fn.type != "function_item":
                return
            start, end = body.start_byte, body.end_byte
        elif kind == "for":
            body = site.child_by_field_name("body")
            if body is None:
                return
            start, end = body.start_byte, body.end_byte
        elif kind == "cond":
            # `if let P = v { .. }` / `while let P = v { .. }`: the block after the condition.
            owner = site.parent
            while owner is not None and owner.type not in ("if_expression", "while_expression"):
                owner = owner.parent
            body = None
            if owner is not None:
                body = owner.child_by_field_name("consequence") or owner.child_by_field_name("body")
            if body is None:
                return
            start, end = site.end_byte, body.end_byte
        elif kind == "arm":
            if node.type == "match_pattern":
                # The pattern itself, not its `if` guard (`_ if x.len() == 1` binds nothing:
                # `_` is not a named node, so the guard would come first).
                guard = node.child_by_field_name("condition")
                inner = [
                    c
                    for c in node.named_children
                    if c.type not in COMMENTS and (guard is None or c.id != guard.id)
                ]
                if not inner:
                    return
                node = inner[0]
                site = node.parent if node.parent is not None else site
            arm = site.parent if site.type == "match_pattern" else site
            if arm is None:
                return
            start, end = node.end_byte, arm.end_byte
        whole = node.type == "identifier"
        holder = site if kind in ("let", "param", "for", "cond") else None
        if whole:
            yield Binding(text(node), node, site, kind, True, start, end, holder)
            return
        for ident, _mut in _pattern_idents(node):
            yield Binding(text(ident), ident, site, kind, False, start, end, holder)

    def binding(self, ident: Node) -> Binding | None:
        """The binding an identifier (or `self`) refers to, if the function declares it."""
        name = self.ctx.text(ident)
        fn = self.fn_of(ident)
        if fn is None:
            return None
        best = None
        for b in self._table_for(fn, name):
            if b.start <= ident.start_byte < b.end:
                best = b  # sorted by start: the last visible one is the innermost
        if best is not None and best.ident.id == ident.id:
            return None  # the identifier is the declaration itself
        return best

    def binding_named(self, name: str, at: Node) -> Binding | None:
        fn = self.fn_of(at)
        if fn is None:
            return None
        best = None
        for b in self._table_for(fn, name):
            if b.start <= at.start_byte < b.end:
                best = b
        return best

    def occurrences(self, name: str, lo: int, hi: int) -> list[Node]:
        """The uses of `name` in bytes [lo, hi): identifier nodes, found by substring search
        and confirmed by the tree (comments and strings do not count), and the string
        contents where a format string captures it (`"{name}"`, `"{name:?}"`)."""
        out = []
        source = self.ctx.source
        size = len(name)
        for at, _ in find_words(source, (name.encode(),), lo, hi):
            node = self.ctx.root.descendant_for_byte_range(at, at + size)
            if node is None:
                continue
            if node.type in ("identifier", "self"):
                out.append(node)
            elif (
                node.type == "string_content"
                and at > 0
                and source[at - 1] == 123  # `{`
                and source[at + size : at + size + 1] in (b"}", b":")
                and (at < 2 or source[at - 2] != 123)  # `{{name}}` prints braces
            ):
                out.append(node)
        return out

    def scope_end(self, b: Binding) -> int:
        """Where `b` stops being visible: its block's end, or where a shadowing binding
        starts to be visible (after its `let`: `let x = f(x);` still reads the old `x`)."""
        fn = self.fn_of(b.ident)
        end = b.end
        if fn is not None:
            for other in self._table_for(fn, b.name):
                if b.start < other.start < end and other.ident.id != b.ident.id:
                    end = min(end, other.start)
        return end

    def bindings_of(self, fn: Node, name: str) -> list[Binding]:
        """Every binding of `name` in the function `fn`, in source order."""
        return self._table_for(fn, name)

    def binding_type(self, b: Binding) -> Ty:
        key = b.ident.id
        if key in self._types:
            return self._types[key]
        self._types[key] = UNKNOWN  # guards recursion through `let x = f(x)`
        t = self._binding_type(b)
        self._types[key] = t
        return t

    def _binding_type(self, b: Binding) -> Ty:
        if b.kind == "self":
            impl = self._impl_of(b.site)
            if impl is None:
                return UNKNOWN
            self_ty = self.type_from(impl.self_type, self.generics_at(b.site))
            raw = self.ctx.text(b.site).replace(" ", "")
            if raw.startswith("&"):
                return S.ref(self_ty, "mut" in raw)
            return self_ty
        if b.type_node is not None:
            written = self.type_from(b.type_node, self.generics_at(b.site))
            if written.known and not _has_placeholder(b.type_node):
                return written
            if b.value is not None and written.known:
                inferred = self.type_of(b.value)
                if inferred.known and inferred.name == written.name:
                    return inferred
            return written
        if b.kind == "let" and b.whole and b.value is not None:
            return self.type_of(b.value)
        if b.kind == "for" and b.whole and b.value is not None:
            return self.item_type(b.value) or UNKNOWN
        if b.kind == "closure" and b.whole:
            return self._closure_param_type(b)
        if not b.whole and b.kind in ("cond", "let", "arm"):
            return self._unwrapped(b)
        return UNKNOWN

    def _unwrapped(self, b: Binding) -> Ty:
        """`x` in `if let Some(x) = e` / `let Ok(x) = e else ..` / `Some(x) =>`: the type
        inside `e`'s Option or Result."""
        parent = b.ident.parent
        if parent is not None and parent.type == "mut_pattern":
            parent = parent.parent
        if parent is None or parent.type != "tuple_struct_pattern":
            return UNKNOWN
        head = parent.child_by_field_name("type")
        inner = [c for c in parent.named_children[1:] if c.type not in COMMENTS]
        if head is None or len(inner) != 1 or self.ctx.text(head) not in ("Some", "Ok"):
            return UNKNOWN
        value = b.value
        if b.kind == "arm":
            owner: Node | None = b.site
            while owner is not None and owner.type != "match_expression":
                owner = owner.parent
            value = owner.child_by_field_name("value") if owner is not None else None
        if (
            value is None
            or parent.parent is None
            or parent.parent.type not in ("let_condition", "let_declaration", "match_pattern")
        ):
            return UNKNOWN
        t = self.type_of(value)
        if t.is_std("Option", "Result") and t.args:
            return t.args[0]
        return UNKNOWN

    def _closure_param_type(self, b: Binding) -> Ty:
        """The parameter of a closure passed to an iterator adapter over a known item type."""
        closure = b.site
        params = args(closure.child_by_field_name("parameters"))
        if len(params) != 1:
            return UNKNOWN
        arglist = closure.parent
        call = arglist.parent if arglist is not None else None
        mc = self.method(call)
        if mc is None or len(mc.args) != 1:
            return UNKNOWN
        name = self.ctx.text(mc.name)
        item = self.item_type(mc.receiver)
        if item is None:
            return UNKNOWN
        if name in (
            "map",
            "for_each",
            "any",
            "all",
            "position",
            "rposition",
            "filter_map",
            "flat_map",
            "map_while",
            "take_while_by_value",
        ):
            return item
        if name in ("filter", "find", "skip_while", "take_while", "inspect"):
            return S.ref(item)
        return UNKNOWN

    def _impl_of(self, node: Node) -> Impl | None:
        fn: Node | None = node
        while fn is not None and fn.type != "function_item":
            fn = fn.parent
        if fn is None:
            return None
        info = self.items().by_node.get(fn.id)
        return info.impl if info is not None else None

    def fn_info(self, fn: Node | None) -> Fn | None:
        if fn is None:
            return None
        return self.items().by_node.get(fn.id)

    # -- expression types -------------------------------------------------------

    def type_of(self, node: Node | None) -> Ty:
        """The type of an expression as far as the file says (UNKNOWN otherwise)."""
        if node is None:
            return UNKNOWN
        key = node.id
        cached = self._types.get(key)
        if cached is not None:
            return cached
        self._types[key] = UNKNOWN
        if self._depth > _MAX_DEPTH:
            return UNKNOWN  # pathological nesting: give up rather than recurse further
        self._depth += 1
        try:
            t = self._type_of(node)
        finally:
            self._depth -= 1
        self._types[key] = t
        return t

    def _type_of(self, node: Node) -> Ty:
        t = node.type
        text = self.ctx.text
        if t == "identifier" or t == "self":
            b = self.binding(node)
            if b is not None:
                return self.binding_type(b)
            if t == "identifier":
                name = text(node)
                const = self.const_type(name)
                if const is not None:
                    return self.type_from(const)
                if not self._may_declare(name):
                    return UNKNOWN
                decl = self.items().types.get(name)
                if decl is not None and decl.kind == "struct" and not decl.fields:
                    return Ty(name, local=True)  # a unit struct's value
            return UNKNOWN
        if t == "string_literal":
            raw = self.ctx.source[node.start_byte : node.start_byte + 1]
            if raw == b"b":
                return S.ref(Ty("array", (S.prim("u8"),)))
            return S.REF_STR
        if t == "raw_string_literal":
            if self.ctx.source[node.start_byte : node.start_byte + 1] == b"b":
                return S.ref(Ty("array", (S.prim("u8"),)))
            return S.REF_STR
        if t == "char_literal":
            return S.prim("u8") if text(node).startswith("b") else S.CHAR
        if t == "boolean_literal":
            return S.BOOL
        if t == "integer_literal":
            return S.prim(_literal_suffix(text(node), S.INTEGERS + S.FLOATS) or "{integer}")
        if t == "float_literal":
            return S.prim(_literal_suffix(text(node), S.FLOATS) or "{float}")
        if t == "reference_expression":
            inner = self.type_of(node.child_by_field_name("value"))
            mutable = any(c.type == "mutable_specifier" for c in node.children)
            return S.ref(inner, mutable) if inner.known else UNKNOWN
        if t == "unary_expression":
            op = node.children[0].type if node.children else ""
            inner = self.type_of(node.named_children[0] if node.named_children else None)
            if op == "*":
                if inner.name == "&" and inner.args:
                    return inner.args[0]
                if inner.std and inner.name in ("Box", "Rc", "Arc") and inner.args:
                    return inner.args[0]
                if inner.std and inner.name == "String":
                    return S.STR
                return UNKNOWN
            if op == "!" and inner.name == "bool":
                return S.BOOL
            return inner
        if t == "parenthesized_expression":
            parts = args(node)
            return self.type_of(parts[0]) if len(parts) == 1 else UNKNOWN
        if t == "call_expression":
            return self._call_type(node)
        if t == "macro_invocation":
            return self._macro_type(node)
        if t == "array_expression":
            return self._array_type(node)
        if t == "tuple_expression":
            return Ty("tuple", tuple(self.type_of(a) for a in args(node)))
        if t == "struct_expression":
            type_name = node.child_by_field_name("name")
            if type_name is None:
                return UNKNOWN
            return self._named_type(text(type_name), (), frozenset(), type_name)
        if t == "index_expression":
            return self._index_type(node)
        if t == "field_expression":
            return self._field_type(node)
        if t == "range_expression":
            return Ty("Range", (S.INT,), exact=self._range_bounded(node))
        if t == "type_cast_expression":
            return self.type_from(node.child_by_field_name("type"))
        if t == "try_expression":
            tried = self.type_of(node.named_children[0] if node.named_children else None)
            if tried.std and tried.name in ("Option", "Result") and tried.args:
                return tried.args[0]
            return UNKNOWN
        if t == "closure_expression":
            return Ty("closure")
        if t == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type in (
                "==",
                "!=",
                "<",
                ">",
                "<=",
                ">=",
                "&&",
                "||",
            ):
                return S.BOOL
            left = self.type_of(node.child_by_field_name("left"))
            if left.std and left.name == "String":
                return left
            if left.name in S.PRIMITIVES:
                return left
            return UNKNOWN
        return UNKNOWN

    @staticmethod
    def _range_bounded(node: Node) -> bool:
        """`a..b` and `a..=b` have a length; `a..` runs forever."""
        return len(args(node)) == 2

    def _array_type(self, node: Node) -> Ty:
        items = args(node)
        semicolon = any(c.type == ";" for c in node.children)
        if semicolon and len(items) == 2:
            return Ty("array", (self.type_of(items[0]),), length=int_value(self.ctx.text(items[1])))
        elem = self.type_of(items[0]) if items else UNKNOWN
        return Ty("array", (elem,), length=len(items))

    def _index_type(self, node: Node) -> Ty:
        parts = args(node)
        if len(parts) != 2:
            return UNKNOWN
        target = self.type_of(parts[0]).auto_deref()
        if parts[1].type == "range_expression":
            if (target.std and target.name == "String") or target.name == "str":
                return S.STR
            elem = S.element(target)
            return Ty("[]", (elem,)) if elem is not None else UNKNOWN
        if target.std and target.name in S.MAPS and target.args:
            return target.arg(1) or UNKNOWN
        if target.std and target.name in S.SETS:
            return UNKNOWN
        return S.element(target) or UNKNOWN

    def _field_type(self, node: Node) -> Ty:
        value = node.child_by_field_name("value")
        fld = node.child_by_field_name("field")
        if value is None or fld is None:
            return UNKNOWN
        base = self.type_of(value).auto_deref()
        name = self.ctx.text(fld)
        if base.name == "tuple" and name.isdigit():
            i = int(name)
            return base.args[i] if i < len(base.args) else UNKNOWN
        decl = self.user_type(base)
        if decl is None or name not in decl.fields:
            return UNKNOWN
        return self.type_from(decl.fields[name], decl.generics)

    def _macro_type(self, node: Node) -> Ty:
        name = self.ctx.text(node.child_by_field_name("macro")).rsplit("::", 1)[-1]
        if name == "format":
            return S.STRING
        if name in ("concat", "stringify", "include_str", "env"):
            return S.REF_STR
        if name == "vec":
            tree = next((c for c in node.children if c.type == "token_tree"), None)
            elem = UNKNOWN
            if tree is not None:
                first: list[Node] = []
                for c in tree.children[1:-1]:
                    if c.type in (",", ";"):
                        break
                    if c.type not in COMMENTS:
                        first.append(c)
                elem = self.tokens_type(first)
            return S.std("Vec", elem)
        return UNKNOWN

    def tokens_type(self, tokens: list[Node]) -> Ty:
        """The type of an expression inside a macro, given as tokens (`1u8`, `(1, 'a')`,
        `"x".to_string()`, `String::from(..)`), for the few shapes that say it plainly."""
        if self._depth > _MAX_DEPTH:
            return UNKNOWN
        self._depth += 1
        try:
            return self._tokens_type(tokens)
        finally:
            self._depth -= 1

    def _tokens_type(self, tokens: list[Node]) -> Ty:
        if len(tokens) == 1:
            tok = tokens[0]
            if tok.type.endswith("literal"):
                return self.type_of(tok)
            if tok.type == "token_tree":
                inner = tok.children[1:-1]
                parts: list[list[Node]] = [[]]
                for c in inner:
                    if c.type == ",":
                        parts.append([])
                    elif c.type not in COMMENTS:
                        parts[-1].append(c)
                parts = [p for p in parts if p]
                types = tuple(self.tokens_type(p) for p in parts)
                if self.ctx.text(tok).startswith("(") and len(parts) > 1:
                    return Ty("tuple", types)
                if self.ctx.text(tok).startswith("[") and types:
                    return Ty("array", (types[0],), length=len(types))
            if tok.type == "identifier":
                b = self.binding_named(self.ctx.text(tok), tok)
                return self.binding_type(b) if b is not None else UNKNOWN
            return UNKNOWN
        text = "".join(self.ctx.text(t) for t in tokens)
        if text.endswith(".to_string()") or text.startswith(("String::from(", "String::new(")):
            return S.STRING
        if text.startswith("format!"):
            return S.STRING
        return UNKNOWN

    def _call_type(self, node: Node) -> Ty:
        mc = self.method(node)
        if mc is not None:
            return self.method_type(mc)
        fn = node.child_by_field_name("function")
        if fn is not None and fn.type == "generic_function":
            fn = fn.child_by_field_name("function")
        if fn is None:
            return UNKNOWN
        text = self.ctx.text(fn)
        call_args_ = call_args(node)
        if fn.type == "identifier":
            if text in ("Some",):
                return S.std("Option", self.type_of(call_args_[0]) if call_args_ else UNKNOWN)
            if text in ("Ok", "Err"):
                return S.std("Result")
            items = self.items()
            if text in items.types:
                return Ty(text, local=True)
            f = items.fns.get(text)
            if f is not None and f.ret is not None:
                return self.type_from(f.ret, self.generics_at(f.node))
            return UNKNOWN
        if fn.type != "scoped_identifier":
            return UNKNOWN
        owner, _, func = text.rpartition("::")
        if owner in _PRIMITIVE_CALLS and func in _PRIMITIVE_CALLS[owner]:
            return _PRIMITIVE_CALLS[owner][func]
        owner_base = owner.split("<", 1)[0].rstrip(":")
        resolved = self.resolve_path(owner_base)
        last = resolved.rsplit("::", 1)[-1]
        if resolved.startswith("std::"):
            return self._std_constructor(last, func, call_args_)
        items = self.items()
        if last in items.types and "::" not in owner_base:
            if func in ("new", "default", "from", "with_capacity", "empty"):
                m = self._impl_method(last, func)
                if m is None or m.ret is None:
                    return Ty(last, local=True) if func in ("new", "default") else UNKNOWN
                ret = self.ctx.text(m.ret)
                if ret in ("Self", last) or ret.startswith(last + "<"):
                    return Ty(last, local=True)
                return UNKNOWN
            m = self._impl_method(last, func)
            if m is not None and m.ret is not None:
                if self.ctx.text(m.ret) == "Self":
                    return Ty(last, local=True)
                return self.type_from(m.ret, self.generics_at(m.node))
        return UNKNOWN

    def _impl_method(self, type_name: str, name: str) -> Fn | None:
        for impl in self.impls_for(type_name):
            if name in impl.methods:
                return impl.methods[name]
        return None

    def _std_constructor(self, owner: str, func: str, call_args_: list[Node]) -> Ty:
        first = call_args_[0] if call_args_ else None
        if owner == "String" and func in ("new", "from", "with_capacity"):
            return S.STRING
        if owner == "String" and func == "from_utf8_lossy":
            return S.std("Cow", S.STR)  # borrowed when the bytes were valid
        if owner == "Vec" and func in ("new", "with_capacity", "from"):
            return S.std("Vec")
        if owner in S.COLLECTIONS and func in (
            "new",
            "with_capacity",
            "from",
            "default",
            "from_iter",
        ):
            return S.std(owner)
        if owner == "PathBuf" and func in ("new", "from"):
            return S.std("PathBuf")
        if owner == "Path" and func == "new":
            return S.ref(S.std("Path"))
        if owner == "OsString" and func in ("new", "from"):
            return S.std("OsString")
        if owner == "OsStr" and func == "new":
            return S.ref(S.std("OsStr"))
        if owner in ("Box", "Rc", "Arc", "Mutex", "RwLock", "RefCell", "Cell") and func == "new":
            return S.std(owner, self.type_of(first) if first is not None else UNKNOWN)
        if owner.startswith("Atomic") and func == "new":
            return S.std(owner)
        if owner == "Cow" and func in ("Borrowed", "Owned", "from"):
            return S.std("Cow")
        if func == "repeat" and owner == "iter":
            return S.iterator(self.type_of(first), exact=False)
        return UNKNOWN

    def method_type(self, mc: MethodCall) -> Ty:
        """What a method call returns, from the receiver's type and the standard table."""
        name = self.ctx.text(mc.name)
        if name in S.BOOL_METHODS:
            return S.BOOL
        if name in S.USIZE_METHODS:
            return S.USIZE
        if name == "to_string":
            return S.STRING
        recv_full = self.type_of(mc.receiver)
        recv = recv_full.auto_deref()
        if name in S.STRING_METHODS and (recv.name == "str" or recv.is_std("String")):
            return S.STRING
        if name in S.STR_METHODS and (recv.name == "str" or recv.is_std("String")):
            return S.REF_STR
        if name == "collect":
            if mc.turbofish is not None:
                targs = args(mc.turbofish)
                if len(targs) == 1:
                    return self.type_from(targs[0], self.generics_at(mc.call))
            return UNKNOWN
        if name in ("clone", "to_owned"):
            if name == "to_owned":
                base = recv_full.deref()
                owned = S.OWNED_OF.get("[]" if base.name in ("[]", "array") else base.name)
                if owned == "Vec":
                    return S.std("Vec", base.arg() or UNKNOWN)
                if owned is not None and (base.std or base.name in ("[]", "array")):
                    return S.std(owned)
            if recv_full.name == "&" and recv_full.args:
                return recv_full.args[0]
            return recv_full
        if name == "to_vec":
            elem = S.element(recv)
            return S.std("Vec", elem) if elem is not None else UNKNOWN
        if name == "encode_utf8" and recv.name == "char":
            return S.ref(S.prim("str"), mutable=True)
        if name in ("as_bytes",):
            return S.ref(Ty("[]", (S.prim("u8"),)))
        if name == "into_bytes":
            return S.std("Vec", S.prim("u8"))
        if name in ("as_path",):
            return S.ref(S.std("Path"))
        if name in ("to_path_buf", "join") and recv.std and recv.name in ("Path", "PathBuf"):
            return S.std("PathBuf")
        if (name == "join" and recv.name in ("[]", "array")) or (
            name == "join" and recv.is_std("Vec")
        ):
            elem = S.element(recv)
            if elem is not None and (elem.deref().name == "str" or elem.deref().is_std("String")):
                return S.STRING
            return UNKNOWN
        if (
            name in ("lock", "read", "write", "try_lock")
            and recv.std
            and recv.name in ("Mutex", "RwLock")
        ):
            return S.std("Result", S.std("Guard", recv.arg() or UNKNOWN))
        if name in ("unwrap", "expect", "unwrap_or_default", "unwrap_unchecked") and recv.std:
            if recv.name in ("Option", "Result") and recv.args:
                inner = recv.args[0]
                return inner.args[0] if inner.is_std("Guard") and inner.args else inner
        if name in ("unwrap_or", "unwrap_or_else", "unwrap_or_default") and recv.is_std(
            "Option", "Result"
        ):
            return recv.arg() or UNKNOWN
        if name == "unwrap_or" and len(mc.args) == 1:
            # `T` is the fallback's type, whatever the receiver.
            fallback = self.type_of(mc.args[0])
            if fallback.known:
                return fallback
        if name in ("ok_or", "ok_or_else") and recv.is_std("Option"):
            return S.std("Result", recv.arg() or UNKNOWN)
        if name in ("map_err", "or_else") and recv.is_std("Result"):
            return recv
        if name == "ok" and recv.is_std("Result"):
            return S.std("Option", recv.arg() or UNKNOWN)
        if name == "load" and recv.std and recv.name.startswith("Atomic"):
            return S.prim("bool" if recv.name == "AtomicBool" else recv.name[6:].lower())
        return self._iter_method(recv, name, mc)

    def _iter_method(self, recv: Ty, name: str, mc: MethodCall) -> Ty:
        """Methods that start or continue an iterator, and what an iterator's end gives."""
        if recv.name in ("Iter", "Range"):
            item = recv.arg() or UNKNOWN
            if name in S.ADAPTERS:
                keeps, becomes = S.ADAPTERS[name]
                exact = recv.exact and keeps
                if name == "zip":
                    other = self.type_of(mc.args[0]) if mc.args else UNKNOWN
                    exact = exact and (other.exact or S.is_sized_collection(other))
                if becomes == "same":
                    return S.iterator(item, exact)
                if becomes == "enum":
                    return S.iterator(Ty("tuple", (S.USIZE, item)), exact)
                if becomes == "deref":
                    return S.iterator(item.deref() if item.is_ref else item, exact)
                return S.iterator(None, exact)
            if name in ("next", "last", "nth", "find", "min", "max", "max_by_key", "min_by_key"):
                return S.std("Option", item)
            if name == "iter" or name == "into_iter":
                return recv
            return UNKNOWN
        if recv.name in ("str",) or recv.is_std("String"):
            if name == "chars":
                return S.iterator(S.CHAR, exact=False)
            if name == "bytes":
                return S.iterator(S.prim("u8"), exact=True)
            if name in (
                "lines",
                "split",
                "split_whitespace",
                "split_terminator",
                "rsplit",
                "splitn",
                "rsplitn",
                "split_ascii_whitespace",
                "matches",
            ):
                return S.iterator(S.REF_STR, exact=False)
            if name == "char_indices":
                return S.iterator(Ty("tuple", (S.USIZE, S.CHAR)), exact=False)
            if name in ("find", "rfind"):
                return S.std("Option", S.USIZE)
            return UNKNOWN
        elem = S.element(recv)
        if elem is not None:
            is_map = recv.std and recv.name in S.MAPS
            if name == "iter":
                if is_map:
                    return S.iterator(Ty("tuple", tuple(S.ref(a) for a in elem.args)), True)
                return S.iterator(S.ref(elem), exact=True)
            if name == "iter_mut":
                return S.iterator(S.ref(elem, mutable=True), exact=True)
            if name in ("into_iter", "drain"):
                return S.iterator(elem, exact=True)
            if name == "keys" and is_map:
                return S.iterator(S.ref(elem.args[0]), exact=True)
            if name == "values" and is_map:
                return S.iterator(S.ref(elem.args[1]), exact=True)
            if name in ("windows", "chunks", "chunks_exact"):
                return S.iterator(S.ref(Ty("[]", (elem,))), exact=True)
            if name in ("first", "last", "get", "iter().next"):
                return S.std("Option", S.ref(elem))
            if name == "pop":
                return S.std("Option", elem)
            if name == "as_slice":
                return S.ref(Ty("[]", (elem,)))
        if recv.is_std("Option", "Result"):
            if name in ("cloned", "copied") and recv.args:
                inner = recv.args[0]
                return S.std(recv.name, inner.deref() if inner.is_ref else inner)
            if name == "as_ref" and recv.args:
                return S.std(recv.name, S.ref(recv.args[0]))
            if name in ("iter", "into_iter"):
                return S.iterator(recv.arg(), exact=False)
        return UNKNOWN

    def item_type(self, iterable: Node) -> Ty | None:
        """The type of what `for x in iterable` binds to `x`, when the file says."""
        t = self.type_of(iterable)
        if t.name in ("Iter", "Range"):
            return t.arg()
        if t.name == "&":
            inner = t.args[0] if t.args else UNKNOWN
            elem = S.element(inner)
            if elem is None:
                return None
            if inner.std and inner.name in S.MAPS:
                return Ty("tuple", tuple(S.ref(a, t.mutable) for a in elem.args))
            return S.ref(elem, t.mutable)
        return S.element(t)

    def length_known(self, iterable: Node | None) -> bool:
        """Whether what a loop iterates has a length known before it starts."""
        if iterable is None:
            return False
        t = self.type_of(iterable)
        if t.name in ("Iter", "Range"):
            return t.exact
        return S.is_sized_collection(t)

    # -- loops ------------------------------------------------------------------

    def loops_around(self, node: Node, stop_at_closure: bool = True) -> list[Node]:
        """Enclosing loops, innermost first, up to the function (and closure) boundary. A
        `for` loop's iterable is evaluated once, before the loop, so it is not inside it."""
        out = []
        stops = FUNCTIONS if stop_at_closure else ("function_item",)
        child = node
        n = node.parent
        while n is not None:
            if n.type in LOOPS:
                if not _is_for_iterable(n, child):
                    out.append(n)
            elif n.type in stops:
                break
            child = n
            n = n.parent
        return out

    def in_loop(self, node: Node) -> bool:
        child = node
        n = node.parent
        while n is not None:
            if n.type in LOOPS and not _is_for_iterable(n, child):
                return True
            if n.type in FUNCTIONS:
                return False
            child = n
            n = n.parent
        return False


# -- helpers ------------------------------------------------------------------------

_IDENT_AT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*+")
# Keywords that declare a name resolve_path treats as the crate's own.
_DECLARING = (b"struct ", b"enum ", b"union ", b"type ", b"trait ", b"mod ")


def _is_for_iterable(loop: Node, child: Node) -> bool:
    if loop.type != "for_expression":
        return False
    value = loop.child_by_field_name("value")
    return value is not None and value.id == child.id


# How deep type questions may recurse (nested parentheses, references, macro tokens): real
# code stays far below; generated or broken code gets "unknown" instead of a stack overflow.
_MAX_DEPTH = 48

# Associated functions of primitive types that return a known type.
_PRIMITIVE_CALLS = {
    "char": {"from_u32": S.std("Option", S.CHAR), "from_digit": S.std("Option", S.CHAR)},
    "str": {"from_utf8": S.std("Result", S.REF_STR)},
    **{i: {"from_str_radix": S.std("Result", S.prim(i))} for i in S.INTEGERS},
}


def _ident(b: int) -> bool:
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def _std_spelling(path: str) -> str:
    """`std::..` for `core::..`/`alloc::..` (the same items, re-exported)."""
    head = path.split("::", 1)[0]
    if head in ("core", "alloc") and "::" in path:
        return "std" + path[path.index("::") :]
    return path


def _strip_turbofish(path: str) -> str:
    """`Vec::new` for `Vec::<u8>::new` (nesting handled by counting brackets)."""
    if "<" not in path:
        return path
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(path):
        c = path[i]
        if c == "<":
            depth += 1
            if depth == 1 and out[-2:] == [":", ":"]:
                del out[-2:]
        elif c == ">":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def attributes_of(item: Node) -> list[Node]:
    """The `#[..]` attribute items written directly before `item` (comments between allowed)."""
    out = []
    sib = item.prev_named_sibling
    while sib is not None and sib.type in ("attribute_item", *COMMENTS):
        if sib.type == "attribute_item":
            out.append(sib)
        sib = sib.prev_named_sibling
    return out


def _type_head(node: Node | None, text: object) -> str:
    """`Foo` for `Foo<T>`, `a::Foo`, `&Foo`."""
    if node is None:
        return ""
    while node is not None and node.type in ("reference_type", "generic_type"):
        node = node.child_by_field_name("type")
    if node is None:
        return ""
    if node.type == "scoped_type_identifier":
        node = node.child_by_field_name("name")
    if node is None or node.type not in ("type_identifier", "primitive_type"):
        return ""
    return text(node)  # type: ignore[operator,no-any-return]


def _named_fields(body: Node, text: object) -> Iterator[tuple[str, Node]]:
    for f in body.named_children:
        if f.type == "field_declaration":
            name = f.child_by_field_name("name")
            ty = f.child_by_field_name("type")
            if ty is not None:
                yield (text(name) if name is not None else "", ty)  # type: ignore[operator]
        elif body.type == "ordered_field_declaration_list" and f.type not in (
            *COMMENTS,
            "attribute_item",
            "visibility_modifier",
        ):
            yield "", f


def _field_types(body: Node | None) -> list[Node]:
    if body is None:
        return []
    out = []
    for f in body.named_children:
        if f.type == "field_declaration":
            ty = f.child_by_field_name("type")
            if ty is not None:
                out.append(ty)
        elif body.type == "ordered_field_declaration_list" and f.type not in (
            *COMMENTS,
            "attribute_item",
            "visibility_modifier",
        ):
            out.append(f)
    return out


def _has_placeholder(type_node: Node) -> bool:
    """`Vec<_>`: the written type leaves something to inference."""
    raw = type_node.text or b""
    return b"_" in raw and re.search(rb"(?<![\w])_(?![\w])", raw) is not None


def int_value(text: str) -> int | None:
    digits = text.replace("_", "")
    for suffix in S.INTEGERS:
        if digits.endswith(suffix):
            digits = digits[: -len(suffix)]
            break
    try:
        return int(digits, 0)
    except ValueError:
        return None


def _literal_suffix(text: str, suffixes: tuple[str, ...]) -> str | None:
    for s in sorted(suffixes, key=len, reverse=True):
        if text.endswith(s) and not text.startswith("0x"):
            return s
        if text.startswith("0x") and text.endswith(s) and s[0] in "ui":
            return s
    return None


def format_segments(tree: Node) -> list[list[Node]]:
    """Comma-separated pieces of a macro's token tree (re-exported for the rule families)."""
    return segments(tree)
