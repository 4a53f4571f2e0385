"""C++ rules, after clang-tidy's performance-* checks.

Tree-sitter gives syntax, not types, so the rules that need a type read it from
the declaration in scope (a parameter, a local, a field or a global spelled
with a `std::` type). Where the declaration is not in the file, the rule stays
quiet: a missed finding costs less than a false alarm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.core.positions import Span
from se_lsp.rules.engine import Context, Rule, RuleInfo, rule

# -- shared facts -------------------------------------------------------------

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
        "translation_unit",
        "namespace_definition",
        "declaration_list",
    }
)
_FUNCTIONS = frozenset({"function_definition", "lambda_expression"})
_LOOPS = frozenset({"for_statement", "for_range_loop", "while_statement", "do_statement"})

_STRINGS = frozenset(
    {
        "std::string",
        "std::wstring",
        "std::u8string",
        "std::u16string",
        "std::u32string",
        "std::string_view",
        "std::wstring_view",
    }
)
_OWNING_STRINGS = _STRINGS - {"std::string_view", "std::wstring_view"}
_CONTAINERS = frozenset(
    {
        "std::vector",
        "std::deque",
        "std::list",
        "std::map",
        "std::set",
        "std::multimap",
        "std::multiset",
        "std::unordered_map",
        "std::unordered_set",
        "std::unordered_multimap",
        "std::unordered_multiset",
        "std::function",
        "std::basic_string",
    }
)
_SEQUENCES = frozenset({"std::vector", "std::deque", "std::list"})


@dataclass(frozen=True, slots=True)
class Decl:
    """One declared name: its spelled type, `const`-ness and whether it is a reference/pointer."""

    name: str
    type: str  # whitespace-free spelling, e.g. "std::vector<std::string>"
    const: bool
    indirect: bool  # reference or pointer
    node: Node  # the declaration or parameter node
    start: int  # byte offset from which the name is visible
    kind: str  # "param", "local", "field", "global"

    @property
    def base(self) -> str:
        """The type without template arguments: `std::vector<int>` -> `std::vector`."""
        return self.type.split("<", 1)[0]

    @property
    def args(self) -> str:
        """The template arguments as written: `std::vector<int>` -> `int`."""
        if "<" not in self.type:
            return ""
        return self.type[self.type.index("<") + 1 : self.type.rindex(">")]

    @property
    def is_string(self) -> bool:
        return self.type in _STRINGS

    @property
    def is_expensive(self) -> bool:
        """Copying it allocates: an owning string or a standard container (by spelling)."""
        return self.type in _OWNING_STRINGS or self.base in _CONTAINERS


@dataclass
class _Facts:
    """Per-document caches shared by the rules of one analysis."""

    using_std: bool
    scopes: dict[tuple[int, str], list[Decl]] = field(default_factory=dict)
    candidates: dict[int, list[tuple[Node, str, int]]] = field(default_factory=dict)
    fields: dict[str, list[Decl]] | None = None
    calls: dict[str, list[Node]] | None = None
    value_params: list[tuple[Node, Node, Node]] | None = None
    expensive_classes: set[str] | None = None
    free_functions: dict[str, list[Node]] | None = None
    # Per free function name: its overloads' per-parameter "cannot change the argument".
    overloads: dict[str, list[list[bool]]] = field(default_factory=dict)


def _facts(ctx: Context) -> _Facts:
    facts: _Facts | None = ctx.shared.get("cpp")
    if facts is None:
        facts = ctx.shared["cpp"] = _Facts(using_std=b"using namespace std;" in ctx.source)
    return facts


def _norm_type(ctx: Context, node: Node | None) -> str:
    text = "".join(ctx.text(node).split())
    if _facts(ctx).using_std and not text.startswith("std::"):
        base = text.split("<", 1)[0]
        if f"std::{base}" in _STRINGS or f"std::{base}" in _CONTAINERS:
            text = "std::" + text
    return text


def _declared(ctx: Context, node: Node, kind: str, only: str | None = None) -> Iterator[Decl]:
    """The names a declaration, parameter or field introduces (just `only`, when given)."""
    typ: str | None = None
    const = False
    for d in node.children_by_field_name("declarator"):
        indirect = False
        value: Node | None = None
        cur: Node | None = d
        while cur is not None and cur.type != "identifier" and cur.type != "field_identifier":
            if cur.type in ("reference_declarator", "pointer_declarator"):
                indirect = True
            if cur.type in ("function_declarator", "array_declarator"):
                cur = None
                break
            if cur.type == "init_declarator":
                value = cur.child_by_field_name("value")
                cur = cur.child_by_field_name("declarator")
            else:
                cur = next((c for c in cur.named_children if c.type != "type_qualifier"), None)
        if cur is None:
            continue
        name = ctx.text(cur)
        if only is not None and name != only:
            continue
        if typ is None:
            typ = _norm_type(ctx, node.child_by_field_name("type"))
            const = _const_qualified(ctx, node)
        spelled = typ
        if typ == "auto" and value is not None and not indirect:
            spelled = _infer_type(ctx, value) or typ
        yield Decl(name, spelled, const, indirect, node, node.end_byte, kind)


def _infer_type(ctx: Context, value: Node) -> str | None:
    """The type of a few obvious initialisers of an `auto` variable: substr, to_string, T(..)."""
    if value.type != "call_expression":
        return None
    callee = _callee(ctx, value)
    if callee in ("std::to_string", "std::to_wstring"):
        return "std::string" if callee == "std::to_string" else "std::wstring"
    if callee in _STRINGS:
        return callee
    mc = _method_call(ctx, value)
    if mc is not None and mc[1] == "substr":
        recv = _decl_of(ctx, mc[0])
        if recv is not None and recv.is_string:
            return recv.type
    return None


_DECLARING = frozenset(
    {"declaration", "parameter_declaration", "for_range_loop", "optional_parameter_declaration"}
)


def _scope_candidates(ctx: Context, scope: Node) -> list[tuple[Node, str, int]]:
    """The nodes that may declare names directly in `scope`, with their kind and name-region end."""
    facts = _facts(ctx)
    found = facts.candidates.get(scope.id)
    if found is not None:
        return found
    children: list[tuple[Node, str]] = []
    if scope.type in _FUNCTIONS:
        decl = scope.child_by_field_name("declarator")
        while decl is not None and decl.type not in (
            "function_declarator",
            "abstract_function_declarator",
        ):
            decl = decl.child_by_field_name("declarator")
        params = decl.child_by_field_name("parameters") if decl is not None else None
        if params is not None:
            children = [(p, "param") for p in params.named_children]
    elif scope.type == "for_statement":
        init = scope.child_by_field_name("initializer")
        children = [(init, "local")] if init is not None else []
    elif scope.type == "for_range_loop":
        children = [(scope, "local")]
    elif scope.type == "condition_clause":
        children = [(c, "local") for c in scope.children_by_field_name("initializer")]
        children += [(c, "local") for c in scope.children_by_field_name("value")]
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
    facts.candidates[scope.id] = found
    return found


def _scope_decls(ctx: Context, scope: Node, name: str) -> list[Decl]:
    """Declarations of `name` directly in `scope` (a block, a loop header, a parameter list)."""
    facts = _facts(ctx)
    key = (scope.id, name)
    table = facts.scopes.get(key)
    if table is not None:
        return table
    table = []
    word = name.encode()
    src = ctx.source
    for child, kind, end in _scope_candidates(ctx, scope):
        if src.find(word, child.start_byte, end) < 0:  # no slice copied
            continue
        for d in _declared(ctx, child, kind, name):
            if child.type == "for_range_loop":
                d = Decl(d.name, d.type, d.const, d.indirect, child, child.start_byte, kind)
            table.append(d)
    facts.scopes[key] = table
    return table


def _expensive_classes(ctx: Context) -> set[str]:
    """Classes defined in this file with a string or container member: costly to copy."""
    facts = _facts(ctx)
    if facts.expensive_classes is None:
        facts.expensive_classes = set()
        for node in ctx.nodes("field_declaration"):
            if not _EXPENSIVE_HINT.search(ctx.source, node.start_byte, node.end_byte):
                continue
            owner = node.parent
            spec = owner.parent if owner is not None else None
            if spec is None or spec.type not in ("struct_specifier", "class_specifier"):
                continue
            name = spec.child_by_field_name("name")
            if name is None or name.type != "type_identifier":
                continue
            if any(not d.indirect and d.is_expensive for d in _declared(ctx, node, "field")):
                facts.expensive_classes.add(ctx.text(name))
    return facts.expensive_classes


def _fields(ctx: Context) -> dict[str, list[Decl]]:
    facts = _facts(ctx)
    if facts.fields is None:
        facts.fields = {}
        for node in ctx.nodes("field_declaration"):
            for d in _declared(ctx, node, "field"):
                facts.fields.setdefault(d.name, []).append(d)
    return facts.fields


def lookup(ctx: Context, name: str, at: Node) -> Decl | None:
    """The declaration of `name` visible at `at`: innermost scope first, then fields."""
    cur = at.parent
    at_start = at.start_byte
    while cur is not None:
        if cur.type in _SCOPES:
            table = _scope_decls(ctx, cur, name)
            if table:  # most scopes declare nothing of that name
                found = [d for d in table if d.kind == "param" or d.start <= at_start]
                if found:
                    return found[-1]
        cur = cur.parent
    candidates = _fields(ctx).get(name, [])
    # A field name declared with two different types in the file is ambiguous.
    if candidates and all(c.type == candidates[0].type for c in candidates):
        return candidates[0]
    return None


def _decl_of(ctx: Context, expr: Node | None) -> Decl | None:
    """The declaration behind a plain name or `this->name`."""
    if expr is None:
        return None
    if expr.type == "identifier":
        return lookup(ctx, ctx.text(expr), expr)
    if expr.type == "field_expression":
        arg = expr.child_by_field_name("argument")
        if arg is not None and arg.type == "this":
            f = _fields(ctx).get(ctx.text(expr.child_by_field_name("field")), [])
            return f[0] if len(f) == 1 else None
    return None


def _in_loop(node: Node, stop_at_function: bool = True) -> Node | None:
    """The nearest loop whose body holds `node`, within the same function."""
    cur = node.parent
    child = node
    while cur is not None:
        if cur.type in _FUNCTIONS and stop_at_function:
            return None
        if cur.type in _LOOPS and cur.child_by_field_name("body") == child:
            return cur
        child = cur
        cur = cur.parent
    return None


def _enclosing_function(node: Node) -> Node | None:
    cur = node.parent
    while cur is not None and cur.type not in _FUNCTIONS:
        cur = cur.parent
    return cur


def _callee(ctx: Context, call: Node) -> str:
    return re.sub(r"\s+", "", ctx.text(call.child_by_field_name("function")))


def _method_call(ctx: Context, call: Node, arrow: bool = False) -> tuple[Node, str] | None:
    """For `recv.name(...)` (and `recv->name(...)` when `arrow`), the receiver and the name."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return None
    op = fn.child_by_field_name("operator")
    if op is not None and ctx.text(op) not in ((".", "->") if arrow else (".",)):
        return None
    recv = fn.child_by_field_name("argument")
    name = fn.child_by_field_name("field")
    if recv is None or name is None:
        return None
    return recv, ctx.text(name)


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


# Methods that leave a string or container unchanged.
_CONST_METHODS = frozenset(
    """size length empty c_str cbegin cend crbegin crend rfind find_first_of find_last_of
    find_first_not_of find_last_not_of substr compare starts_with ends_with contains count
    capacity max_size get_allocator key_comp value_comp hash_function bucket_count load_factor
    str""".split()
)
# Methods that hand out access to the elements: a read only when their result is only read.
_ELEMENT_METHODS = frozenset(
    "data begin end rbegin rend at front back find lower_bound upper_bound equal_range".split()
)
# Standard algorithms that write through the iterators they are given.
_MUTATING_ALGORITHMS = frozenset(
    """sort stable_sort partial_sort nth_element reverse rotate shuffle fill fill_n generate
    generate_n iota transform copy copy_n copy_if copy_backward move move_backward remove
    remove_if unique replace replace_if partition stable_partition make_heap push_heap pop_heap
    sort_heap next_permutation prev_permutation inplace_merge swap_ranges iter_swap""".split()
)
_MOVERS = frozenset(
    {
        "std::move",
        "move",
        "std::swap",
        "swap",
        "std::forward",
        "std::exchange",
        "std::getline",
        "getline",
        "std::ranges::sort",
        "std::sort",
    }
)


_TEXTUAL = frozenset(
    {
        "string_content",
        "comment",
        "raw_string_content",
        "character",
        "preproc_arg",
        "escape_sequence",
    }
)


def _only_read(ctx: Context, name: str, body: Node) -> bool:
    """True when `name` is only read inside `body`: never assigned, moved, mutated or escaped.

    Any use the check does not understand counts as a write, so the answer errs
    towards "not only read" and the rules using it stay quiet.
    """
    word = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
    for m in word.finditer(ctx.source, body.start_byte, body.end_byte):
        node = body.descendant_for_byte_range(m.start(), m.end())
        if node is None or node.type in _TEXTUAL:
            continue
        if node.type != "identifier":
            # A capture list names it (`[&name]`), or a field or type shares the spelling.
            if node.type in ("field_identifier", "type_identifier", "namespace_identifier"):
                continue
            return False
        if not _read_use(ctx, node):
            return False
    return not _captures_all_by_reference(ctx, body)


def _captures_all_by_reference(ctx: Context, body: Node) -> bool:
    return (
        b"[&" in ctx.source[body.start_byte : body.end_byte]
        and re.search(rb"\[\s*&\s*[\],]", ctx.source[body.start_byte : body.end_byte]) is not None
    )


def _read_use(ctx: Context, ident: Node, whole: bool = True) -> bool:
    """Whether this use of a value (the variable itself when `whole`) leaves it unchanged."""
    parent = ident.parent
    if parent is None:
        return False
    pt = parent.type
    # A new declaration of the same name: shadowing, which this check does not follow.
    if (
        pt
        in (
            "init_declarator",
            "declaration",
            "parameter_declaration",
            "reference_declarator",
            "pointer_declarator",
            "for_range_loop",
        )
        and parent.child_by_field_name("declarator") == ident
    ):
        return False
    # Climb member and index accesses: `x.a.b`, `x[i]`.
    top = ident
    while (
        parent is not None
        and parent.type in ("field_expression", "subscript_expression")
        and parent.child_by_field_name("argument") == top
    ):
        if parent.type == "field_expression":
            grand = parent.parent
            if (
                grand is not None
                and grand.type == "call_expression"
                and grand.child_by_field_name("function") == parent
            ):
                method = ctx.text(parent.child_by_field_name("field"))
                if method in _CONST_METHODS:
                    return True
                return method in _ELEMENT_METHODS and _read_use(ctx, grand, whole=False)
        top = parent
        parent = parent.parent
    if parent is None:
        return False
    pt = parent.type
    if pt == "assignment_expression":
        # Written when on the left; copied from (a read) when on the right.
        return parent.child_by_field_name("right") == top
    if pt == "update_expression":
        return False
    if pt == "pointer_expression" and ctx.text(parent).startswith("&"):
        return False
    if pt == "binary_expression":
        op = parent.child_by_field_name("operator")
        if op is not None and op.type == ">>" and parent.child_by_field_name("right") == top:
            return False
        return True
    if pt == "for_range_loop":
        # `for (auto& e : x)` may change the elements; a const or by-value element does not.
        decl = parent.child_by_field_name("declarator")
        const = any(c.type == "type_qualifier" and ctx.text(c) == "const" for c in parent.children)
        return const or (decl is not None and decl.type == "identifier")
    if pt == "init_declarator" and parent.child_by_field_name("value") == top:
        # `auto& alias = x;` lets the alias change it; a copy or a const reference does not.
        inner = parent.child_by_field_name("declarator")
        decl = parent.parent
        const = decl is not None and any(
            c.type == "type_qualifier" and ctx.text(c) == "const" for c in decl.children
        )
        return const or inner is None or inner.type != "reference_declarator"
    if pt == "return_statement":
        # Returning a by-value object moves it out; a reference would force a copy.
        return not whole
    if pt == "call_expression" and parent.child_by_field_name("function") == top:
        return True  # calling it, as a std::function: operator() is const
    if pt == "conditional_expression":
        if parent.child_by_field_name("condition") == top:
            return True
        return _read_use(ctx, parent, whole)
    if pt == "parenthesized_expression":
        return _read_use(ctx, parent, whole)
    if pt == "argument_list":
        call = parent.parent
        if call is None or call.type != "call_expression":
            return False
        callee = _callee(ctx, call)
        if callee in _MOVERS or callee.rsplit("::", 1)[-1] in _MUTATING_ALGORITHMS:
            return False
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            # A function defined in this file: read when no overload of that arity takes the
            # argument by non-const reference or pointer.
            position = [a for a in parent.named_children if a.type != "comment"].index(top)
            overloads = [o for o in _free_functions(ctx, callee) if len(o) > position]
            return bool(overloads) and all(o[position] for o in overloads)
        # A std:: function or a method of another object (a stream, a container) takes the
        # value or a const reference; an unknown free function might take a non-const reference.
        return fn is not None and (callee.startswith("std::") or fn.type == "field_expression")
    return pt in (
        "condition_clause",
        "init_declarator",
        "field_expression",
        "subscript_expression",
        "subscript_argument_list",
        "conditional_expression",
        "parenthesized_expression",
        "expression_statement",
        "for_range_loop",
        "initializer_list",
        "unary_expression",
    ) and not (pt == "field_expression" and top != ident)


def _free_functions(ctx: Context, name: str) -> list[list[bool]]:
    """For each definition of function `name` in this file: per parameter, whether it cannot
    change the caller's argument (taken by value or by const reference/pointer)."""
    facts = _facts(ctx)
    if facts.free_functions is None:
        facts.free_functions = {}
        for fn in ctx.nodes("function_definition"):
            decl = fn.child_by_field_name("declarator")
            if decl is None or decl.type != "function_declarator":
                continue
            ident = decl.child_by_field_name("declarator")
            if ident is not None and ident.type == "identifier":
                facts.free_functions.setdefault(ctx.text(ident), []).append(fn)
    overloads = facts.overloads.get(name)
    if overloads is not None:
        return overloads
    overloads = []
    for fn in facts.free_functions.get(name, []):
        safe = []
        for param in _function_params(fn):
            pdecl = param.child_by_field_name("declarator")
            by_value = pdecl is None or pdecl.type == "identifier"
            safe.append(by_value or _const_qualified(ctx, param))
        overloads.append(safe)
    facts.overloads[name] = overloads
    return overloads


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
# Nodes between a callee's last name and the call: `x.f`, `std::f`, `f<int>`, `std::f<int>`.
_CALLEE_PARTS = frozenset(
    {"field_expression", "qualified_identifier", "template_function", "template_method"}
)


def _word_hits(ctx: Context, word: str) -> Iterator[int]:
    """Byte offsets where `word` occurs as a whole word (a plain substring scan: fast)."""
    src = ctx.source
    needle = word.encode()
    n = len(needle)
    lo, hi = ctx.scan_range
    pos = src.find(needle, lo, hi)
    while pos >= 0:
        end = pos + n
        if (pos == 0 or src[pos - 1] not in _WORD_BYTES) and (
            end >= len(src) or src[end] not in _WORD_BYTES
        ):
            yield pos
        pos = src.find(needle, end, hi)


def _calls(ctx: Context, name: str) -> list[Node]:
    """Calls whose callee ends in `name` (`f(..)`, `x.f(..)`, `std::f(..)`), in document order.

    Found by scanning the bytes for the name and asking the tree what is there, which is
    much cheaper than capturing and sorting every call of the file.
    """
    facts = _facts(ctx)
    if facts.calls is None:
        facts.calls = {}
    found = facts.calls.get(name)
    if found is not None:
        return found
    found = _calls_in(ctx, name, _word_hits(ctx, name))
    facts.calls[name] = found
    return found


def _calls_in(ctx: Context, name: str, hits: Iterable[int]) -> list[Node]:
    """The calls of `name` at the given byte offsets of the name (other hits are dropped)."""
    found = []
    src = ctx.source
    for pos in hits:
        j = pos + len(name)
        while j < len(src) and src[j] in b" \t\r\n":
            j += 1
        if j >= len(src) or src[j] not in b"(<":
            continue
        node = ctx.root.named_descendant_for_byte_range(pos, pos + len(name))
        if node is None or node.type not in ("identifier", "field_identifier"):
            continue
        # Each `.parent` searches down from the root: ask once per level.
        callee = node
        parent = callee.parent
        while parent is not None and parent.type in _CALLEE_PARTS:
            last = parent.child_by_field_name("field") or parent.child_by_field_name("name")
            if last != callee:
                break
            callee = parent
            parent = callee.parent
        call = parent
        if call is not None and call.type == "call_expression":
            if call.child_by_field_name("function") == callee:
                found.append(call)
    return found


def _has_word(text: bytes, word: str) -> bool:
    return re.search(rb"(?<![\w$])" + re.escape(word.encode()) + rb"(?![\w$])", text) is not None


def _const_qualified(ctx: Context, node: Node) -> bool:
    return any(c.type == "type_qualifier" and ctx.text(c) == "const" for c in node.children)


# -- rules ------------------------------------------------------------------------

_CALL_TYPES = ["field_declaration", "function_definition"]


@rule(
    "cpp/avoid-endl",
    title="std::endl flushes the stream",
    severity=Severity.WARNING,
    category="io",
    explanation="""
`std::endl` writes a newline **and flushes** the stream. On a file or a pipe each flush is a
`write` system call, so printing N lines costs N syscalls instead of a few buffered writes.
""",
    fix="Write `'\\n'`; call `std::flush` only where the output must be visible at once.",
    measure="Time the output loop with Google Benchmark, or count syscalls with "
    "`strace -c -e trace=write ./prog > out.txt`.",
    mirrors=["clang-tidy:performance-avoid-endl"],
    bad="""
for (const auto& row : rows) {
    out << row << std::endl;
}
""",
    good="""
for (const auto& row : rows) {
    out << row << '\\n';
}
""",
    node_types=[],
    has_fix=True,
)
def avoid_endl(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    # `endl` is rare, so finding it by bytes and asking the tree for the node at that spot
    # is much cheaper than capturing every qualified name in the query.
    for pos in _word_hits(ctx, "endl"):
        node = ctx.root.named_descendant_for_byte_range(pos, pos + 4)
        if node is not None and node.type == "identifier":
            node = node.parent
        if node is None or node.type != "qualified_identifier":
            continue
        if "".join(ctx.text(node).split()) != "std::endl":
            continue
        parent = node.parent
        if parent is None or parent.type != "binary_expression":
            continue
        if parent.child_by_field_name("right") != node:
            continue
        op = parent.child_by_field_name("operator")
        if op is None or op.type != "<<":
            continue
        yield ctx.finding(info, node, fix=ctx.fix(node, "'\\n'", "Replace std::endl with '\\n'"))


_FIND_METHODS = frozenset(
    {"find", "rfind", "find_first_of", "find_last_of", "find_first_not_of", "find_last_not_of"}
)


def _one_char_literal(ctx: Context, node: Node) -> str | None:
    """For `"x"` or `"\\n"`, the body of the equivalent char literal; else None."""
    if node.type != "string_literal" or not ctx.text(node).startswith('"'):
        return None
    parts = node.named_children
    if len(parts) != 1:
        return None
    body = ctx.text(parts[0])
    if parts[0].type == "escape_sequence":
        return "\\'" if body == "\\'" else body if len(body) == 2 or body == "\\0" else None
    if parts[0].type == "string_content" and len(body) == 1:
        return "\\'" if body == "'" else body
    return None


@rule(
    "cpp/faster-string-find",
    title="String search for a one-character string literal",
    severity=Severity.INFO,
    category="other",
    explanation="""
`s.find("x")` calls the `const char*` overload: it has to measure the needle with `strlen` and
then run a general substring search. The `char` overload is a single `memchr`-style scan, which
is typically a few times faster for short haystacks. The same holds for `rfind` and the
`find_*_of` family.
""",
    fix="Pass a character literal: `s.find('x')`.",
    measure="A Google Benchmark case over representative strings comparing both overloads; "
    "`perf record` shows the time in `strlen`/`__memcmp` when it matters.",
    mirrors=["clang-tidy:performance-faster-string-find"],
    bad="""
void split_path(const std::string& path) {
    auto slash = path.find("/");
    use(slash);
}
""",
    good="""
void split_path(const std::string& path) {
    auto slash = path.find('/');
    auto scheme = path.find("://");
    use(slash, scheme);
}
""",
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def faster_string_find(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for method in _FIND_METHODS:
        for call in _calls(ctx, method):
            mc = _method_call(ctx, call, arrow=True)
            args = _args(call)
            if mc is None or not args or len(args) > 2:
                continue
            char = _one_char_literal(ctx, args[0])
            if char is None:
                continue
            decl = _decl_of(ctx, mc[0])
            if decl is None or not decl.is_string:
                continue
            fix = ctx.fix(args[0], f"'{char}'", "Search for a character instead of a string")
            yield ctx.finding(info, args[0], fix=fix)


@rule(
    "cpp/for-range-copy",
    title="Range-for copies each element",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
A range-for loop variable declared by value is copy-constructed from every element. For strings
and containers each copy allocates and copies the payload (tens to hundreds of nanoseconds per
element, plus the matching free), even though the loop only reads it.
""",
    fix="Bind a const reference: `for (const auto& x : xs)`.",
    measure="Google Benchmark the loop; `heaptrack ./prog` shows one allocation per iteration "
    "coming from the loop line.",
    mirrors=["clang-tidy:performance-for-range-copy"],
    bad="""
void print_all(const std::vector<std::string>& names) {
    for (std::string name : names) {
        std::printf("%s\\n", name.c_str());
    }
}
""",
    good="""
void print_all(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
        std::printf("%s\\n", name.c_str());
    }
    for (std::string name : names) {
        name += ".txt";
        open_file(name);
    }
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["for_range_loop", "field_declaration", "function_definition"],
    has_fix=True,
    body_examples=False,
)
def for_range_copy(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for loop in ctx.nodes("for_range_loop"):
        decl = loop.child_by_field_name("declarator")
        typ = loop.child_by_field_name("type")
        body = loop.child_by_field_name("body")
        if decl is None or typ is None or body is None or decl.type != "identifier":
            continue
        spelled = _norm_type(ctx, typ)
        confidence = 0.9
        if spelled == "auto":
            rng = _decl_of(ctx, loop.child_by_field_name("right"))
            element = rng.args if rng is not None and rng.base in _SEQUENCES else ""
            element = element.rsplit(",std::allocator", 1)[0]
            probe = Decl("", element, False, False, loop, 0, "local")
            if not probe.is_expensive or element.startswith("std::function"):
                continue
            confidence = 0.75
        else:
            probe = Decl("", spelled, False, False, loop, 0, "local")
            if spelled in _expensive_classes(ctx):
                confidence = 0.75
            elif not probe.is_expensive or probe.base == "std::function":
                continue
        name = ctx.text(decl)
        const = _const_qualified(ctx, loop)
        if not const and not _only_read(ctx, name, body):
            continue
        first = loop.child_by_field_name("type")
        for c in loop.named_children:
            if c.type == "type_qualifier":
                first = c
                break
        assert first is not None
        fix = ctx.fix(
            ctx.span_between(first, decl),
            f"const {ctx.text(typ)}& {name}",
            "Bind the element by const reference",
        )
        yield ctx.finding(info, ctx.span_between(first, decl), fix=fix, confidence=confidence)


def _function_params(fn: Node) -> list[Node]:
    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    params = decl.child_by_field_name("parameters") if decl is not None else None
    return list(params.named_children) if params is not None else []


def _value_params(ctx: Context) -> list[tuple[Node, Node, Node]]:
    """(function, body, parameter) for each by-value named parameter of a defined function."""
    facts = _facts(ctx)
    if facts.value_params is None:
        facts.value_params = []
        for fn in ctx.nodes("function_definition"):
            body = fn.child_by_field_name("body")
            if body is None or body.type != "compound_statement":
                continue
            for param in _function_params(fn):
                if param.type != "parameter_declaration":
                    continue
                decl = param.child_by_field_name("declarator")
                if decl is not None and decl.type == "identifier":
                    facts.value_params.append((fn, body, param))
    return facts.value_params


_EXPENSIVE_HINT = re.compile(rb"string|vector|map|set|list|deque|function")


def _is_override(ctx: Context, fn: Node) -> bool:
    """Virtual functions and overrides keep their signature: changing it breaks the hierarchy."""
    if any(c.type == "virtual" or ctx.text(c) == "virtual" for c in fn.children):
        return True
    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    return decl is not None and any(c.type == "virtual_specifier" for c in decl.children)


@rule(
    "cpp/unnecessary-value-param",
    title="Expensive parameter passed by value but only read",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
A `std::string`, container or `std::function` parameter taken by value is copied at every call
(an allocation plus a copy of the contents) unless the caller moves into it. When the body only
reads the parameter, a `const&` gives the same semantics with no copy.
""",
    fix="Take the parameter as `const T&` (or move from it if the body keeps a copy).",
    measure="Google Benchmark the caller; `heaptrack` or `valgrind --tool=massif` attribute the "
    "extra allocations to the call site.",
    mirrors=["clang-tidy:performance-unnecessary-value-param"],
    bad="""
int count_words(std::string text) {
    int n = 0;
    for (char c : text) {
        n += c == ' ';
    }
    return n + !text.empty();
}
""",
    good="""
int count_words(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), ' ')) + !text.empty();
}
std::string with_suffix(std::string text) {
    text += ".txt";
    return text;
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["function_definition", "field_declaration"],
    confidence=0.8,
    body_examples=False,
)
def unnecessary_value_param(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for fn, body, param in _value_params(ctx):
        if not _EXPENSIVE_HINT.search(ctx.source, param.start_byte, param.end_byte):
            continue
        if _is_override(ctx, fn):
            continue
        inits = next((c for c in fn.children if c.type == "field_initializer_list"), None)
        for d in _declared(ctx, param, "param"):
            if d.indirect or not d.is_expensive:
                continue
            if inits is not None and _has_word(
                ctx.source[inits.start_byte : inits.end_byte], d.name
            ):
                continue  # a sink parameter that a member is built from
            if not _only_read(ctx, d.name, body):
                continue
            yield ctx.finding(
                info,
                param,
                title=f"`{d.name}` is copied on every call but never modified or moved: "
                "take it by const reference (or std::move it where it is stored)",
            )


_SHARED = ("std::shared_ptr",)


def _only_dereferenced(ctx: Context, name: str, body: Node) -> bool:
    """True when `name` is used only through `->`, `*`, `.get()` or as a truth value."""
    src = name.encode()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "identifier":
            if ctx.source[node.start_byte : node.end_byte] != src:
                continue
            parent = node.parent
            if parent is None:
                return False
            if parent.type == "field_expression":
                op = parent.child_by_field_name("operator")
                if op is not None and ctx.text(op) == "->":
                    continue
                grand = parent.parent
                if ctx.text(parent.child_by_field_name("field")) in ("get", "use_count") and (
                    grand is not None and grand.type == "call_expression"
                ):
                    continue
                return False
            if parent.type == "pointer_expression" and ctx.text(parent).startswith("*"):
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
        if (
            node.type in ("lambda_capture_specifier",)
            and src in ctx.source[node.start_byte : node.end_byte]
        ):
            return False
        if node.type == "lambda_default_capture":
            return False
        if node.child_count:
            stack.extend(node.children)
    return True


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
double area(std::shared_ptr<Shape> shape) {
    return shape->width() * shape->height();
}
""",
    good="""
double area(const Shape& shape) {
    return shape.width() * shape.height();
}
void remember(std::shared_ptr<Shape> shape) {
    cache.push_back(std::move(shape));
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["function_definition", "field_declaration"],
    confidence=0.8,
    body_examples=False,
)
def shared_ptr_by_value(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for fn, body, param in _value_params(ctx):
        if b"shared_ptr" not in ctx.source[param.start_byte : param.end_byte]:
            continue
        if _is_override(ctx, fn):
            continue
        inits = next((c for c in fn.children if c.type == "field_initializer_list"), None)
        for d in _declared(ctx, param, "param"):
            if d.indirect or d.base not in _SHARED:
                continue
            if inits is not None and _has_word(
                ctx.source[inits.start_byte : inits.end_byte], d.name
            ):
                continue  # kept by a member: sharing ownership is the point
            if _only_dereferenced(ctx, d.name, body):
                yield ctx.finding(info, param)


def _plus_chain(node: Node) -> list[Node] | None:
    """The operands of a left-associated `a + b + c` chain, or None."""
    operands: list[Node] = []
    cur = node
    while cur.type == "binary_expression":
        op = cur.child_by_field_name("operator")
        left = cur.child_by_field_name("left")
        right = cur.child_by_field_name("right")
        if op is None or op.type != "+" or left is None or right is None:
            return None
        operands.append(right)
        cur = left
    operands.append(cur)
    operands.reverse()
    return operands if len(operands) >= 2 else None


@rule(
    "cpp/inefficient-string-concatenation",
    title="`s = s + ...` in a loop builds a new string each time",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`s = s + a` creates a temporary string holding a copy of all of `s` plus `a`, then assigns it
back. In a loop that is quadratic: appending n pieces copies O(n²) characters and allocates on
every iteration. `s += a` appends in place and reuses the capacity, so the loop is linear with
O(log n) reallocations.
""",
    fix="Append in place: `s += a;` (one `+=` per piece).",
    measure="Google Benchmark the loop at a few sizes (the old form grows quadratically); "
    "`heaptrack` shows one allocation per iteration.",
    mirrors=["clang-tidy:performance-inefficient-string-concatenation"],
    bad="""
std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out = out + p + ",";
    }
    return out;
}
""",
    good="""
std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out += p;
        out += ',';
    }
    std::string label = "total: ";
    label = label + std::to_string(parts.size());
    return out + label;
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["assignment_expression", "field_declaration", "function_definition"],
    has_fix=True,
    body_examples=False,
)
def inefficient_string_concatenation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node in ctx.nodes("assignment_expression"):
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or op.type != "=" or left is None or right is None:
            continue
        operands = _plus_chain(right)
        if operands is None:
            continue
        target = ctx.text(left)
        if ctx.text(operands[0]) != target or _in_loop(node) is None:
            continue
        decl = _decl_of(ctx, left)
        if decl is None or decl.type not in _OWNING_STRINGS or (decl.indirect and decl.const):
            continue
        fix = None
        stmt = node.parent
        if stmt is not None and stmt.type == "expression_statement":
            pieces = " ".join(f"{target} += {ctx.text(o)};" for o in operands[1:])
            fix = ctx.fix(stmt, pieces, "Append each piece in place")
        yield ctx.finding(info, node, fix=fix)


def _simple_bound(ctx: Context, node: Node | None) -> str | None:
    """A loop bound that is safe to evaluate once more before the loop."""
    if node is None:
        return None
    if node.type in ("identifier", "number_literal", "field_expression", "qualified_identifier"):
        return ctx.text(node)
    if node.type == "call_expression":
        mc = _method_call(ctx, node)
        if mc is not None and mc[1] in ("size", "length") and not _args(node):
            return ctx.text(node)
    return None


_EARLY_EXIT = re.compile(rb"\b(?:break|return|goto|throw)\b")


def _counted_bound(ctx: Context, loop: Node) -> tuple[bool, str | None]:
    """Whether `loop` is `for (i = a; i < n; ++i)`, and `n` when `a` is 0 and `n` is simple."""
    init = loop.child_by_field_name("initializer")
    cond = loop.child_by_field_name("condition")
    update = loop.child_by_field_name("update")
    if init is None or cond is None or update is None or cond.type != "binary_expression":
        return False, None
    op = cond.child_by_field_name("operator")
    var = cond.child_by_field_name("left")
    if op is None or op.type not in ("<", "!=") or var is None or var.type != "identifier":
        return False, None
    name = ctx.text(var)
    if update.type != "update_expression" or ctx.text(update).strip("+ ") != name:
        return False, None
    # An integer counter declared in the loop, not an iterator walking an unknown range.
    if init.type != "declaration" or not (
        _norm_type(ctx, init.child_by_field_name("type")) in _TRIVIAL
        or re.search(rb"=\s*\d", ctx.source[init.start_byte : init.end_byte])
    ):
        return False, None
    body = loop.child_by_field_name("body")
    if body is not None and _EARLY_EXIT.search(ctx.source, body.start_byte, body.end_byte):
        return False, None  # the trip count is only an upper bound
    starts_at_zero = (
        re.search(
            rf"\b{re.escape(name)}\s*=\s*0\b|\b{re.escape(name)}\s*{{\s*0\s*}}", ctx.text(init)
        )
        is not None
    )
    bound = _simple_bound(ctx, cond.child_by_field_name("right"))
    return True, bound if starts_at_zero else None


@rule(
    "cpp/inefficient-vector-operation",
    title="Vector grows inside a counted loop without reserve()",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
A `std::vector` that grows by `push_back`/`emplace_back` reallocates each time its capacity runs
out: about log₂(n) allocations, each moving every element so far (for n = 1e6, around 20
reallocations that move about n elements in total). When the loop's trip count is known,
one `reserve(n)` makes it a single allocation.
""",
    fix="Call `v.reserve(n)` before the loop.",
    measure="Google Benchmark the function; `heaptrack` or `valgrind --tool=massif` show the "
    "repeated reallocations; `perf stat -e page-faults` for large vectors.",
    mirrors=["clang-tidy:performance-inefficient-vector-operation"],
    bad="""
std::vector<int> squares(int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(i * i);
    }
    return out;
}
""",
    good="""
std::vector<int> squares(int n) {
    std::vector<int> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
        out.push_back(i * i);
    }
    return out;
}
std::vector<int> evens(const std::vector<int>& xs) {
    std::vector<int> out;
    for (int x : xs) {
        if (x % 2 == 0) {
            out.push_back(x);
        }
    }
    return out;
}
""",
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def inefficient_vector_operation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for method in ("push_back", "emplace_back"):
        for call in _calls(ctx, method):
            mc = _method_call(ctx, call)
            if mc is None or mc[0].type != "identifier":
                continue
            stmt = call.parent
            if stmt is None or stmt.type != "expression_statement":
                continue
            block = stmt.parent
            if block is None:
                continue
            loop = block if block.type in _LOOPS else block.parent
            if loop is None or loop.type not in ("for_statement", "for_range_loop"):
                continue
            if loop.child_by_field_name("body") not in (block, stmt):
                continue
            outer = loop.parent
            if outer is None:
                continue
            # The declaration must be the one mention of the name in the block before the loop.
            word = re.compile(rb"(?<![\w$])" + re.escape(mc[0].text or b"") + rb"(?![\w$])")
            if len(word.findall(ctx.source, outer.start_byte, loop.start_byte)) != 1:
                continue
            decl = _decl_of(ctx, mc[0])
            if decl is None or decl.kind != "local" or decl.base != "std::vector":
                continue
            if decl.node.parent is None or decl.node.parent != outer:
                continue
            if (
                decl.node.start_byte > loop.start_byte
                or "=" in ctx.text(decl.node)
                or "{" in ctx.text(decl.node)
                or "(" in ctx.text(decl.node)
            ):
                continue  # initialised with contents or a size: not the plain grow pattern
            between = ctx.source[decl.node.end_byte : loop.start_byte]
            if _has_word(between, decl.name):
                continue  # used (perhaps reserved or filled) before the loop
            if loop.type == "for_statement":
                counted, bound = _counted_bound(ctx, loop)
                if not counted:
                    continue
            else:
                rng = _decl_of(ctx, loop.child_by_field_name("right"))
                if rng is None or not (rng.is_string or rng.base in _CONTAINERS):
                    continue
                if _EARLY_EXIT.search(ctx.source, block.start_byte, block.end_byte):
                    continue
                bound = f"{ctx.text(loop.child_by_field_name('right'))}.size()"
            fix = None
            if bound is not None:
                start = ctx.index.pos_at_byte(loop.start_byte)
                indent = ctx.index.line(start.line)[: start.col]
                if not indent.strip():
                    fix = ctx.fix(
                        Span(start, start),
                        f"{decl.name}.reserve({bound});\n{indent}",
                        "Reserve the capacity before the loop",
                    )
            yield ctx.finding(info, call, fix=fix)


_TRIVIAL = frozenset(
    """bool char int short long float double unsigned signed size_t std::size_t int8_t int16_t
    int32_t int64_t uint8_t uint16_t uint32_t uint64_t std::int8_t std::int16_t std::int32_t
    std::int64_t std::uint8_t std::uint16_t std::uint32_t std::uint64_t ptrdiff_t
    std::ptrdiff_t""".split()
)


_CONST_OR_TRIVIAL = (
    rb"\b(?:const|auto|bool|char|short|int|long|float|double|unsigned|signed|size_t|"
    rb"u?int\d+_t|ptrdiff_t)\b[^;{}]*?\b"
)


@rule(
    "cpp/move-const-arg",
    title="std::move of a const or trivially copyable value has no effect",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`std::move` only casts to an rvalue. A `const` object cannot be moved from, so the "move"
silently selects the copy constructor; for an `int` or `double` the move is a plain copy anyway.
The code looks like it avoids a copy but does not, which hides the real cost (for a const string
or vector, a full allocation and copy).
""",
    fix="Drop the `std::move`, or drop the `const` from the source if it should be moved.",
    measure="`heaptrack` shows the copy's allocation still there; a Google Benchmark of the "
    "function with and without `const` shows the difference.",
    mirrors=["clang-tidy:performance-move-const-arg", "clang-tidy:hicpp-move-const-arg"],
    bad="""
void store(Registry& reg) {
    const std::string key = make_key();
    reg.add(std::move(key));
}
""",
    good="""
void store(Registry& reg) {
    std::string key = make_key();
    reg.add(std::move(key));
}
""",
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def move_const_arg(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in _calls(ctx, "move"):
        if _callee(ctx, call) != "std::move":
            continue
        args = _args(call)
        if len(args) != 1 or args[0].type != "identifier":
            continue
        name = ctx.text(args[0])
        fn = _enclosing_function(call)
        if fn is None or not re.search(
            _CONST_OR_TRIVIAL + re.escape(name.encode()) + rb"\b",
            ctx.source[fn.start_byte : call.start_byte],
        ):
            continue  # cheap test first: no const or scalar declaration of the name
        decl = lookup(ctx, name, call)
        if decl is None:
            continue
        if decl.const:
            title = f"`{decl.name}` is const: std::move makes a copy"
        elif decl.type in _TRIVIAL and not decl.indirect:
            title = f"`{decl.name}` is trivially copyable: std::move has no effect"
        else:
            continue
        fix = ctx.fix(call, decl.name, "Remove std::move")
        yield ctx.finding(info, call, title=title, fix=fix)


def _class_of(node: Node) -> str | None:
    """The name of the class or struct whose body holds `node` directly."""
    cur = node.parent
    while cur is not None:
        if cur.type == "field_declaration_list":
            spec = cur.parent
            name = spec.child_by_field_name("name") if spec is not None else None
            if name is None or spec is None:
                return None
            text = (spec.text or b"").decode()[
                name.start_byte - spec.start_byte : name.end_byte - spec.start_byte
            ]
            return text.split("<", 1)[0]
        if cur.type in ("compound_statement", "translation_unit"):
            return None
        cur = cur.parent
    return None


def _has_noexcept(ctx: Context, fdecl: Node) -> bool:
    """A `noexcept`/`throw()` specifier (also behind `#if` lines the parser skips), a macro
    standing for one (`FOO_NOEXCEPT`), or a deleted or defaulted function, which needs none."""
    if any(c.type in ("noexcept", "throw_specifier") for c in fdecl.children):
        return True
    tail = _COMMENT.sub(b" ", _header_tail(ctx, fdecl))
    return re.search(rb"noexcept|NOEXCEPT|=\s*(?:delete|default)\b", tail) is not None


_COMMENT = re.compile(rb"//[^\n]*|/\*.*?\*/", re.S)


def _header_tail(ctx: Context, fdecl: Node) -> bytes:
    """The source after a declarator's parameter list, up to its body or semicolon."""
    params = fdecl.child_by_field_name("parameters")
    if params is None:
        return b""
    tail = ctx.source[params.end_byte : params.end_byte + 200]
    cut = min((i for i in (tail.find(b"{"), tail.find(b";")) if i >= 0), default=len(tail))
    return tail[:cut]


def _noexcept_insert_point(fdecl: Node) -> Node | None:
    last = None
    for c in fdecl.children:
        if c.type in ("parameter_list", "type_qualifier", "ref_qualifier"):
            last = c
    return last


def _definition_of(fdecl: Node) -> Node | None:
    """The function_definition (with a body) that `fdecl` declares, if it is one."""
    cur = fdecl.parent
    while cur is not None and cur.type in ("reference_declarator", "pointer_declarator"):
        cur = cur.parent
    if cur is None or cur.type != "function_definition":
        return None
    return cur


def _defaulted_or_deleted(fdecl: Node) -> bool:
    cur = fdecl.parent
    while cur is not None and cur.type in ("reference_declarator", "pointer_declarator"):
        cur = cur.parent
    if cur is None:
        return False
    return any(c.type in ("default_method_clause", "delete_method_clause") for c in cur.children)


def _noexcept_fix(ctx: Context, fdecl: Node) -> tuple[Node | None, bool]:
    """Where to insert `noexcept`, and whether doing so is safe (an in-class definition)."""
    point = _noexcept_insert_point(fdecl)
    fn = _definition_of(fdecl)
    body = fn.child_by_field_name("body") if fn is not None else None
    return point, body is not None and _class_of(fn) is not None if fn is not None else False


def _member_template(fdecl: Node) -> bool:
    """Whether the function declared by `fdecl` is itself a template."""
    cur = fdecl.parent
    while cur is not None and cur.type in (
        "reference_declarator",
        "pointer_declarator",
        "function_definition",
        "declaration",
        "field_declaration",
    ):
        cur = cur.parent
    return cur is not None and cur.type == "template_declaration"


def _classes_in_file(ctx: Context) -> set[str]:
    return {m.decode() for m in re.findall(rb"\b(?:class|struct)\s+(\w+)[^;]*?\{", ctx.source)}


@rule(
    "cpp/noexcept-move-constructor",
    title="Move constructor or move assignment is not noexcept",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`std::vector` and other containers keep the strong exception guarantee when they grow: they move
elements into the new buffer only if the move constructor is `noexcept`, and otherwise **copy**
every element. A move constructor without `noexcept` therefore turns each reallocation of a
`std::vector<T>` into a full deep copy (`std::move_if_noexcept`).
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
""",
    scope="file",  # which class a member belongs to can be decided elsewhere
    node_types=["function_declarator", "field_declaration", "function_definition"],
    has_fix=True,
    confidence=0.85,
    body_examples=False,
)
def noexcept_move_constructor(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    classes: set[str] | None = None
    for fdecl in ctx.nodes("function_declarator"):
        params = fdecl.child_by_field_name("parameters")
        if params is None or b"&&" not in ctx.source[params.start_byte : params.end_byte]:
            continue
        name_node = fdecl.child_by_field_name("declarator")
        if name_node is None or _has_noexcept(ctx, fdecl) or _defaulted_or_deleted(fdecl):
            continue
        plist = [p for p in params.named_children if p.type != "comment"]
        if len(plist) != 1 or plist[0].type != "parameter_declaration":
            continue
        ptype = _norm_type(ctx, plist[0].child_by_field_name("type"))
        pdecl = plist[0].child_by_field_name("declarator")
        if _const_qualified(ctx, plist[0]) or pdecl is None or not ctx.text(pdecl).startswith("&&"):
            continue
        name = re.sub(r"\s+", "", ctx.text(name_node))
        if _member_template(fdecl):
            continue  # a constructor template is never the move constructor
        owner = _class_of(fdecl)
        if owner is None:
            # An out-of-line definition `T::T(T&&)`: reported at the in-class declaration when the
            # class is in this file.
            if "::" not in name:
                continue
            owner, _, member = name.rpartition("::")
            owner = owner.rsplit("::", 1)[-1].split("<", 1)[0]
            if classes is None:
                classes = _classes_in_file(ctx)
            if owner in classes:
                continue
        else:
            member = name
        if ptype.split("<", 1)[0] != owner or member not in (owner, "operator="):
            continue
        what = "move constructor" if member == owner else "move assignment"
        point, safe = _noexcept_fix(ctx, fdecl)
        fix = None
        if point is not None and safe:
            end = ctx.index.pos_at_byte(point.end_byte)
            fix = ctx.fix(Span(end, end), " noexcept", "Declare it noexcept")
        yield ctx.finding(info, fdecl, title=f"The {what} of `{owner}` is not noexcept", fix=fix)


@rule(
    "cpp/noexcept-swap",
    title="swap is not noexcept",
    severity=Severity.INFO,
    category="other",
    explanation="""
Generic code asks `std::is_nothrow_swappable` before choosing a fast path: copy-and-swap
assignment, `std::swap`-based algorithms and containers that must keep the strong exception
guarantee fall back to copying when a `swap` may throw. A swap that only exchanges pointers
cannot throw and should say so.
""",
    fix="Declare `swap` `noexcept`.",
    measure="Google Benchmark the container or algorithm that swaps; check "
    "`static_assert(std::is_nothrow_swappable_v<T>)`.",
    mirrors=["clang-tidy:performance-noexcept-swap"],
    bad="""
struct Handle {
    void swap(Handle& other) { std::swap(fd_, other.fd_); }
    int fd_;
};
""",
    good="""
struct Handle {
    void swap(Handle& other) noexcept { std::swap(fd_, other.fd_); }
    int fd_;
};
void shuffle(Deck& deck) { deck.swap(0, 1); }
""",
    scope="file",  # which class a member belongs to can be decided elsewhere
    node_types=["function_declarator", "field_declaration", "function_definition"],
    has_fix=True,
    body_examples=False,
)
def noexcept_swap(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    seen: set[str] = set()
    classes: set[str] | None = None
    for fdecl in ctx.nodes("function_declarator"):
        name_node = fdecl.child_by_field_name("declarator")
        if name_node is None or not ctx.source[name_node.start_byte : name_node.end_byte].endswith(
            b"swap"
        ):
            continue
        params = fdecl.child_by_field_name("parameters")
        if params is None:
            continue
        name = re.sub(r"\s+", "", ctx.text(name_node))
        member = name.rsplit("::", 1)[-1]
        if member not in ("swap", "iter_swap") or _has_noexcept(ctx, fdecl):
            continue
        plist = [p for p in params.named_children if p.type != "comment"]
        if not 1 <= len(plist) <= 2 or not all(
            p.type == "parameter_declaration"
            and ctx.text(p.child_by_field_name("declarator")).startswith("&")
            and not ctx.text(p.child_by_field_name("declarator")).startswith("&&")
            and not _const_qualified(ctx, p)
            for p in plist
        ):
            continue
        if _defaulted_or_deleted(fdecl):
            continue
        if "::" in name and _class_of(fdecl) is None:
            if classes is None:
                classes = _classes_in_file(ctx)
            if name.rsplit("::", 2)[-2] in classes:
                continue  # reported at the declaration inside the class
        key = re.sub(r"\s+", "", f"{member}{ctx.text(params)}")
        if key in seen:
            continue  # a declaration then a definition of the same free function
        seen.add(key)
        point, safe = _noexcept_fix(ctx, fdecl)
        fix = None
        if point is not None and safe:
            end = ctx.index.pos_at_byte(point.end_byte)
            fix = ctx.fix(Span(end, end), " noexcept", "Declare swap noexcept")
        yield ctx.finding(info, fdecl, fix=fix)


def _int_value(text: str) -> int | None:
    t = text.replace("'", "").rstrip("uUlL")
    try:
        if len(t) > 1 and t[0] == "0" and t[1].isdigit():
            return int(t, 8)
        return int(t, 0)
    except ValueError:
        return None


def _enumerator_values(ctx: Context, body: Node) -> list[int] | None:
    values: list[int] = []
    nxt = 0
    for e in body.named_children:
        if e.type == "comment":
            continue
        if e.type != "enumerator":
            return None
        value = e.child_by_field_name("value")
        if value is not None:
            neg = value.type == "unary_expression" and ctx.text(value).startswith("-")
            lit = value.named_children[-1] if neg else value
            if lit.type != "number_literal":
                return None
            v = _int_value(ctx.text(lit))
            if v is None:
                return None
            nxt = -v if neg else v
        values.append(nxt)
        nxt += 1
    return values


@rule(
    "cpp/enum-size",
    title="Enum uses a 4-byte int for a few small values",
    severity=Severity.INFO,
    category="memory",
    explanation="""
Without an explicit underlying type an enum is stored as an `int` (4 bytes) even when every
enumerator fits in one byte. In structs, `std::optional`s and arrays of records that pads and
widens every object, so fewer fit per 64-byte cache line.
""",
    fix="Give it a small underlying type: `enum class Kind : std::uint8_t { ... }`.",
    measure="`static_assert(sizeof(Record) == ...)` before and after; `perf stat -e cache-misses` "
    "on a loop over many records.",
    mirrors=["clang-tidy:performance-enum-size"],
    bad="""
enum class Level { Debug, Info, Warning, Error };
""",
    good="""
enum class Level : std::uint8_t { Debug, Info, Warning, Error };
enum Flags { Big = 70000, Small = 1 };
enum { kBufferSize = 64 };
""",
    node_types=["enum_specifier", "field_declaration", "function_definition"],
    body_examples=False,
)
def enum_size(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node in ctx.nodes("enum_specifier"):
        body = node.child_by_field_name("body")
        name = node.child_by_field_name("name")
        if body is None or name is None or node.child_by_field_name("base") is not None:
            continue
        values = _enumerator_values(ctx, body)
        if not values:
            continue
        lo, hi = min(values), max(values)
        if 0 <= lo and hi <= 0xFF:
            small = "std::uint8_t"
        elif -0x80 <= lo and hi <= 0x7F:
            small = "std::int8_t"
        elif 0 <= lo and hi <= 0xFFFF:
            small = "std::uint16_t"
        elif -0x8000 <= lo and hi <= 0x7FFF:
            small = "std::int16_t"
        else:
            continue
        yield ctx.finding(
            info,
            ctx.span_between(node, name),
            title=f"Enum `{ctx.text(name)}` fits in {small} but is stored as int",
        )


_C_MATH = frozenset(
    """acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh erf erfc exp exp2 expm1
    fabs fdim floor fma fmax fmin fmod hypot ldexp lgamma log log10 log1p log2 logb nearbyint pow
    remainder rint round sin sinh sqrt tan tanh tgamma trunc""".split()
)


def _is_float(ctx: Context, arg: Node) -> bool:
    if arg.type == "number_literal":
        text = ctx.text(arg).lower()
        return text.endswith("f") and not text.startswith("0x") and ("." in text or "e" in text)
    if arg.type == "identifier":
        decl = lookup(ctx, ctx.text(arg), arg)
        return decl is not None and decl.type == "float" and not decl.indirect
    return False


@rule(
    "cpp/type-promotion-in-math-fn",
    title="C math function promotes a float to double",
    severity=Severity.INFO,
    category="simd",
    explanation="""
`::sqrt`, `::sin`, `::pow` and the other C `<math.h>` functions take and return `double`. A
`float` argument is converted to double, computed in double precision (several times slower for
`sin`/`exp`/`pow`, and half the SIMD lanes when vectorised) and converted back. `std::sqrt` has a
`float` overload that stays in single precision.
""",
    fix="Call the `std::` overload (`std::sqrt(x)`) or the `f` variant (`sqrtf`).",
    measure="Google Benchmark the numeric loop; `perf record` shows `cvtss2sd`/`cvtsd2ss` and "
    "the double-precision `libm` entry points.",
    mirrors=["clang-tidy:performance-type-promotion-in-math-fn"],
    bad="""
#include <cmath>
float length(float x, float y) {
    return ::sqrt(x * x + y * y) + ::fabs(x);
}
""",
    good="""
#include <cmath>
float length(float x, float y) {
    return std::sqrt(x * x + y * y) + std::fabs(x);
}
double hyp(double a) { return ::sqrt(a); }
""",
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def type_promotion_in_math_fn(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    using_std = _facts(ctx).using_std
    has_cmath = b"<cmath>" in ctx.source
    for call in _math_calls_near_floats(ctx):
        callee = _callee(ctx, call)
        name = callee.rsplit("::", 1)[-1]
        if callee != f"::{name}" and (callee != name or using_std):
            continue
        args = _args(call)
        if not args or (
            not any(_is_float(ctx, a) for a in args)
            and not (args[0].type == "binary_expression" and _float_expression(ctx, args[0]))
        ):
            continue
        fn = call.child_by_field_name("function")
        assert fn is not None
        fix = ctx.fix(fn, f"std::{name}", f"Call std::{name}") if has_cmath else None
        yield ctx.finding(info, call, fix=fix)


# Every digit becomes "0", so a float suffix (`1f`, `2.5F`) is a plain substring search for
# "0f" or "0F": several times faster than a regex over a character class.
_DIGITS_TO_ZERO = bytes(ord("0") if ord("0") <= i <= ord("9") else i for i in range(256))
# The lookahead lets the regex engine skip positions that cannot start a name before it tries
# the lookbehind and the alternation (about twice as fast, the same matches).
_MATH_CALL = re.compile(
    rb"(?=[a-z])(?<![\w$.>])(" + b"|".join(n.encode() for n in sorted(_C_MATH)) + rb")\s*\("
)


def _float_suffixes(src: bytes, lo: int, hi: int) -> Iterator[int]:
    """Offsets in [lo, hi) of a digit followed by `f`/`F` that ends the word (`1f`, not `0xff`)."""
    zeroed = src[lo:hi].translate(_DIGITS_TO_ZERO)
    for needle in (b"0f", b"0F"):
        pos = zeroed.find(needle)
        while pos >= 0:
            end = lo + pos + 2
            if end >= len(src) or src[end] not in _WORD_BYTES:
                yield lo + pos
            pos = zeroed.find(needle, pos + 2)


def _math_calls_near_floats(ctx: Context) -> list[Node]:
    """Calls of C math functions inside functions that mention `float` or a float literal.

    Scanning only those functions keeps the rule cheap on the (common) code without floats.
    """
    calls: list[Node] = []
    src = ctx.source
    done_until = -1
    hits = set(_word_hits(ctx, "float"))
    hits.update(_float_suffixes(src, *ctx.scan_range))
    for start in sorted(hits):
        if start < done_until:
            continue
        node = ctx.root.named_descendant_for_byte_range(start, start + 1)
        fn = _enclosing_function(node) if node is not None else None
        while fn is not None and fn.type != "function_definition":
            fn = _enclosing_function(fn)
        if fn is None:
            continue
        done_until = fn.end_byte
        for hit in _MATH_CALL.finditer(src, fn.start_byte, fn.end_byte):
            calls.extend(_calls_in(ctx, hit.group(1).decode(), [hit.start(1)]))
    return calls


def _float_expression(ctx: Context, node: Node) -> bool:
    """An arithmetic expression whose leaves are all float literals or float variables."""
    if node.type == "binary_expression":
        op = node.child_by_field_name("operator")
        if op is None or op.type not in ("+", "-", "*", "/"):
            return False
        return all(
            _float_expression(ctx, c)
            for c in (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if c is not None
        )
    if node.type == "parenthesized_expression" and node.named_children:
        return _float_expression(ctx, node.named_children[0])
    return _is_float(ctx, node)


def _return_type(ctx: Context, fn: Node) -> str:
    decl = fn.child_by_field_name("declarator")
    if decl is None or decl.type != "function_declarator":
        return ""  # returns a reference or pointer, or a lambda
    return _norm_type(ctx, fn.child_by_field_name("type"))


@rule(
    "cpp/no-automatic-move",
    title="Returning a const local forces a copy",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`return x;` of a local normally moves it out (or elides the copy altogether). A `const` local
cannot be moved from, so the return copy-constructs the result instead: a full allocation and
copy for a string or container, on every call.
""",
    fix="Drop `const` from the local that is returned.",
    measure="Google Benchmark the function; `heaptrack` shows an extra allocation per call at "
    "the return.",
    mirrors=["clang-tidy:performance-no-automatic-move"],
    bad="""
std::string greeting(const std::string& name) {
    const std::string text = "Hello, " + name;
    return text;
}
""",
    good="""
std::string greeting(const std::string& name) {
    std::string text = "Hello, " + name;
    return text;
}
int answer() {
    const int value = 42;
    return value;
}
""",
    node_types=["return_statement", "field_declaration", "function_definition"],
    has_fix=True,
    body_examples=False,
)
def no_automatic_move(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for ret in ctx.nodes("return_statement"):
        values = [c for c in ret.named_children if c.type != "comment"]
        if len(values) != 1 or values[0].type != "identifier":
            continue
        fn = _enclosing_function(ret)
        name = ctx.text(values[0])
        if fn is None or not re.search(
            rb"\bconst\b[^;{}()]*\b" + re.escape(name.encode()) + rb"\s*[=;({]",
            ctx.source[fn.start_byte : ret.start_byte],
        ):
            continue
        decl = lookup(ctx, name, ret)
        if decl is None or decl.kind != "local" or not decl.const or decl.indirect:
            continue
        if not decl.is_expensive or decl.node.type != "declaration":
            continue
        if fn.type != "function_definition" or _return_type(ctx, fn) != decl.type:
            continue
        quals = [
            c for c in decl.node.children if c.type == "type_qualifier" and ctx.text(c) == "const"
        ]
        typ = decl.node.child_by_field_name("type")
        fix = None
        if len(quals) == 1 and typ is not None and quals[0].end_byte <= typ.start_byte:
            fix = ctx.fix(ctx.span_between(quals[0], typ), ctx.text(typ), "Drop const")
        yield ctx.finding(info, values[0], fix=fix)


def _element_type(decl: Decl) -> str:
    """The first template argument: `std::vector<std::pair<int,int>>` -> `std::pair<int,int>`."""
    args = decl.args
    depth = 0
    for i, ch in enumerate(args):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            return args[:i]
    return args


@rule(
    "cpp/use-emplace",
    title="push_back of a temporary: construct it in place",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`v.push_back(T(a, b))` first builds a temporary `T`, then move-constructs (or, without a move
constructor, copy-constructs) it into the vector and destroys the temporary. `emplace_back(a, b)`
constructs the element directly in the vector's storage. The saving is one move and one
destructor per element; more for types that are expensive to move.
""",
    fix="Call `emplace_back` with the constructor arguments.",
    measure="Google Benchmark the filling loop; `perf record` shows the temporary's move "
    "constructor and destructor.",
    mirrors=["clang-tidy:modernize-use-emplace", "clang-tidy:hicpp-use-emplace"],
    bad="""
void load(std::vector<std::pair<std::string, int>>& out) {
    out.push_back(std::make_pair(std::string("a"), 1));
}
""",
    good="""
void load(std::vector<std::pair<std::string, int>>& out, const std::pair<std::string, int>& p) {
    out.emplace_back("a", 1);
    out.push_back(p);
    out.push_back(make_entry(2));
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def use_emplace(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for method, emplace in (("push_back", "emplace_back"), ("push_front", "emplace_front")):
        for call in _calls(ctx, method):
            mc = _method_call(ctx, call)
            args = _args(call)
            if mc is None or len(args) != 1 or args[0].type != "call_expression":
                continue
            inner = args[0]
            ctor = _callee(ctx, inner)
            if ctor.startswith("std::") and ctor not in ("std::make_pair", *_STRINGS):
                if "<" not in ctor:
                    continue  # std::move, std::to_string, ...: not a constructor call
            # The callee test above needs no declaration: it goes first, before the lookup.
            decl = _decl_of(ctx, mc[0])
            if decl is None or decl.base not in _SEQUENCES:
                continue
            element = _element_type(decl)
            if ctor in ("std::make_pair", "make_pair"):
                if not element.startswith("std::pair<"):
                    continue
            elif ctor != element:
                continue
            inner_args = inner.child_by_field_name("arguments")
            fn = call.child_by_field_name("function")
            field_node = fn.child_by_field_name("field") if fn is not None else None
            if inner_args is None or field_node is None:
                continue
            fix = ctx.fix(
                Span(
                    ctx.index.pos_at_byte(field_node.start_byte),
                    ctx.index.pos_at_byte(call.end_byte),
                ),
                f"{emplace}{ctx.text(inner_args)}",
                f"Construct in place with {emplace}",
            )
            yield ctx.finding(info, call, fix=fix)


_SET_MEMBERS = {
    "std::set": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::multiset": ("find", "count", "lower_bound", "upper_bound", "equal_range"),
    "std::unordered_set": ("find", "count"),
    "std::unordered_multiset": ("find", "count"),
}


@rule(
    "cpp/inefficient-algorithm",
    title="Linear std:: algorithm on a set that has a fast member",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`std::find(s.begin(), s.end(), v)` walks every element: O(n), chasing tree or bucket pointers
with a cache miss per node. A `std::set` finds the same element in O(log n) and an
`unordered_set` in O(1) average with `s.find(v)`; `count`, `lower_bound` and friends likewise.
For 100k elements that is up to 100k node visits against about 17.
""",
    fix="Call the container's member: `s.find(v)`, `s.count(v)`.",
    measure="Google Benchmark the lookup at realistic sizes; `perf stat -e cache-misses` shows "
    "the pointer chasing of the linear scan.",
    mirrors=["clang-tidy:performance-inefficient-algorithm"],
    bad="""
bool known(const std::set<int>& ids, int id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}
""",
    good="""
bool known(const std::set<int>& ids, const std::vector<int>& order, int id) {
    return ids.find(id) != ids.end() &&
           std::find(order.begin(), order.end(), id) != order.end();
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def inefficient_algorithm(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for algo in ("find", "count", "lower_bound", "upper_bound", "equal_range"):
        for call in _calls(ctx, algo):
            if _callee(ctx, call) != f"std::{algo}":
                continue
            args = _args(call)
            if len(args) != 3:
                continue
            begin, end = (
                _method_call(ctx, a) if a.type == "call_expression" else None for a in args[:2]
            )
            if begin is None or end is None or begin[1] != "begin" or end[1] != "end":
                continue
            recv = ctx.text(begin[0])
            if recv != ctx.text(end[0]):
                continue
            decl = _decl_of(ctx, begin[0])
            if decl is None or algo not in _SET_MEMBERS.get(decl.base, ()):
                continue
            fix = ctx.fix(call, f"{recv}.{algo}({ctx.text(args[2])})", f"Use {recv}.{algo}")
            yield ctx.finding(
                info,
                call,
                title=f"std::{algo} scans `{recv}` linearly; use {recv}.{algo}",
                fix=fix,
            )


@rule(
    "cpp/container-size-empty",
    title="Compare size() with 0: call empty()",
    severity=Severity.HINT,
    category="other",
    explanation="""
`empty()` states the intent and is O(1) for every standard container, while `size()` is only
guaranteed O(1) since C++11 (older `std::list` implementations counted the nodes) and is not
provided at all by `std::forward_list`. A readability hint more than a measurable cost.
""",
    fix="Write `x.empty()` or `!x.empty()`.",
    measure="Usually not measurable; for a hand-written list type `perf record` would show the "
    "node count walk.",
    mirrors=["clang-tidy:readability-container-size-empty"],
    bad="""
void flush(std::vector<int>& pending) {
    if (pending.size() == 0) {
        return;
    }
}
""",
    good="""
void flush(std::vector<int>& pending, Queue& q) {
    if (pending.empty() || q.size() == 0 || pending.size() == 2) {
        return;
    }
}
""",
    node_types=_CALL_TYPES,
    has_fix=True,
    body_examples=False,
)
def container_size_empty(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for method in ("size", "length"):
        for call in _calls(ctx, method):
            mc = _method_call(ctx, call)
            cmp = call.parent
            if mc is None or _args(call) or cmp is None or cmp.type != "binary_expression":
                continue
            op = cmp.child_by_field_name("operator")
            left = cmp.child_by_field_name("left")
            right = cmp.child_by_field_name("right")
            if op is None or left is None or right is None:
                continue
            other = right if left == call else left
            if other.type != "number_literal" or ctx.text(other) != "0":
                continue
            o = op.type
            if left != call:  # `0 == x.size()`: mirror the operator
                o = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(o, o)
            if o == "==" or o == "<=":
                negate = False
            elif o in ("!=", ">"):
                negate = True
            else:
                continue
            decl = _decl_of(ctx, mc[0])
            if (
                decl is None
                or not (decl.is_string or decl.base in _CONTAINERS)
                or decl.base == "std::function"
            ):
                continue
            recv = ctx.text(mc[0])
            new = f"{'!' if negate else ''}{recv}.empty()"
            yield ctx.finding(info, cmp, fix=ctx.fix(cmp, new, f"Use {new}"))


# Listed explicitly for registry.py (in definition order); split into rule families next.
RULES: list[Rule] = [v for v in list(globals().values()) if isinstance(v, Rule)]
