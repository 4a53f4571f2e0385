"""Rust rules, after clippy's perf group and its performance-minded neighbours.

The rules share one per-document index of method calls, path calls and
formatting macros (`_index`), built from the engine's single query run, so each
rule looks only at the handful of calls whose method or path name it cares about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.core.positions import Span
from se_lsp.rules.engine import Context, Rule, RuleInfo, rule

LOOPS = ("for_expression", "while_expression", "loop_expression")
FUNCTION_BOUNDARY = ("function_item", "closure_expression")
# Calls are not captured by the query: `methods()`/`path_calls()` find them by name.
CALLS: list[str] = []


def in_loop(ctx: Context, node: Node) -> bool:
    return ctx.ancestor(node, LOOPS, stop=FUNCTION_BOUNDARY) is not None


# -- shared per-document index ------------------------------------------------


@dataclass(frozen=True, slots=True)
class MethodCall:
    """`receiver.name::<turbofish>(args)`, taken apart once for every rule."""

    call: Node
    receiver: Node
    name: Node
    args: list[Node]
    turbofish: Node | None


@dataclass(slots=True)
class _Index:
    # Method name -> the calls of that method, in document order (scanned on first request).
    methods: dict[str, list[Node]] = field(default_factory=dict)
    # Path (`Vec::new`) -> (call, full path text) for calls whose path ends with it.
    paths: dict[str, list[tuple[Node, str]]] = field(default_factory=dict)
    by_call: dict[int, MethodCall | None] = field(default_factory=dict)
    vec_lets: list[VecLet] | None = None
    format_calls: list[tuple[Node, list[FormatArg]]] | None = None
    generics: dict[str, list[Node]] | None = None


def _args(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return [c for c in node.named_children if c.type not in ("line_comment", "block_comment")]


def _index(ctx: Context) -> _Index:
    """The per-analysis tables the rules share (filled lazily, on first request)."""
    idx: _Index | None = ctx.shared.get("rust")
    if idx is None:
        idx = ctx.shared["rust"] = _Index()
    return idx


# Calls are found by scanning the source bytes for the few names the rules ask about
# and asking the tree only at those spots: the document has thousands of calls, and
# taking every one apart (and having the query capture them) cost more than the rules.
# `.` then whitespace or comments, as tree-sitter allows between a receiver and a method.
# Atomic alternatives and a possessive repeat: no backtracking, so a run of `//` inside
# doc comments costs linear time (a plain `*` here took minutes on tokio's doc comments).
_GAP = rb"(?>\s+|//[^\n]*+|/\*.*?\*/)*+"


def _call_of(fn: Node) -> tuple[Node, Node | None] | None:
    """The call whose `function` is `fn`, and its `::<..>` turbofish node if there is one.

    Compared by start byte rather than by asking for the `function` field: the function
    is a call's (and a turbofish's) first child, and the field look-up costs more.
    """
    parent = fn.parent
    generic = None
    if parent is not None and parent.type == "generic_function":
        if parent.start_byte != fn.start_byte:
            return None
        generic, parent = parent, parent.parent
    if parent is None or parent.type != "call_expression" or parent.start_byte != fn.start_byte:
        return None
    return parent, generic


def _inside_limit(ctx: Context, calls: list[Node]) -> list[Node]:
    """Document order, each once, and only calls wholly inside `ctx.limit` (as `nodes()`)."""
    lo, hi = ctx.scan_range
    unique = {c.id: c for c in calls if c.start_byte >= lo and c.end_byte <= hi}
    return sorted(unique.values(), key=lambda c: (c.start_byte, -c.end_byte))


def _scan_methods(ctx: Context, idx: _Index, names: set[str]) -> None:
    found: dict[str, list[Node]] = {n: [] for n in names}
    alternatives = b"|".join(
        re.escape(n.encode()) for n in sorted(names, key=lambda n: (-len(n), n))
    )
    pattern = re.compile(rb"\." + _GAP + rb"(" + alternatives + rb")\b", re.S)
    lo, hi = ctx.scan_range
    root = ctx.root
    for m in pattern.finditer(ctx.source, lo, hi):
        start, end = m.span(1)
        name = root.descendant_for_byte_range(start, end)
        if (
            name is None
            or name.type != "field_identifier"
            or name.start_byte != start
            or name.end_byte != end
        ):
            continue
        fe = name.parent
        if fe is None or fe.type != "field_expression":
            continue
        hit = _call_of(fe)
        if hit is None:
            continue
        call, generic = hit
        found[m.group(1).decode()].append(call)
        if call.id not in idx.by_call:
            # Taken apart here, where the pieces are at hand (what `_take_apart` would find).
            value = fe.child_by_field_name("value")
            turbofish = generic.child_by_field_name("type_arguments") if generic else None
            args = _args(call.child_by_field_name("arguments"))
            mc = MethodCall(call, value, name, args, turbofish) if value is not None else None
            idx.by_call[call.id] = mc
    for n, calls in found.items():
        idx.methods[n] = _inside_limit(ctx, calls)


def _scan_path(ctx: Context, path: str) -> list[tuple[Node, str]]:
    last = path.rsplit("::", 1)[-1].encode()
    pattern = re.compile(re.escape(path.encode()) + rb"\b")
    lo, hi = ctx.scan_range
    calls = []
    for m in pattern.finditer(ctx.source, lo, hi):
        end = m.end()
        leaf = ctx.root.descendant_for_byte_range(end - len(last), end)
        if leaf is None or leaf.type != "identifier" or leaf.end_byte != end:
            continue
        fn = leaf.parent if leaf.start_byte != m.start() else leaf
        if fn is None or fn.type not in ("scoped_identifier", "identifier") or fn.end_byte != end:
            continue
        hit = _call_of(fn)
        if hit is not None:
            calls.append(hit[0])
    out = []
    for call in _inside_limit(ctx, calls):
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "generic_function":
            fn = fn.child_by_field_name("function")
        text = ctx.text(fn)
        if text == path or text.endswith("::" + path):
            out.append((call, text))
    return out


def _take_apart(call: Node) -> MethodCall | None:
    fn = call.child_by_field_name("function")
    turbofish = None
    if fn is not None and fn.type == "generic_function":
        turbofish = fn.child_by_field_name("type_arguments")
        fn = fn.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return None
    value = fn.child_by_field_name("value")
    name = fn.child_by_field_name("field")
    if value is None or name is None:
        return None
    return MethodCall(call, value, name, _args(call.child_by_field_name("arguments")), turbofish)


def methods(ctx: Context, *names: str) -> Iterator[MethodCall]:
    idx = _index(ctx)
    missing = {n for n in names if n not in idx.methods}
    if missing:
        # The first request scans for every method any rule asks about, in one pass.
        _scan_methods(ctx, idx, missing if idx.methods else missing | _RULE_METHODS)
    for name in names:
        for call in idx.methods[name]:
            mc = as_method(ctx, call)
            if mc is not None:
                yield mc


def as_method(ctx: Context, node: Node | None) -> MethodCall | None:
    """`node` taken apart as a method call, if it is one (cached per document)."""
    if node is None or node.type != "call_expression":
        return None
    cache = _index(ctx).by_call
    key = node.id
    if key not in cache:
        cache[key] = _take_apart(node)
    return cache[key]


def path_calls(ctx: Context, *paths: str) -> Iterator[tuple[Node, str]]:
    """Calls of the given paths (`Vec::new`), also when spelled `std::vec::Vec::new`."""
    idx = _index(ctx)
    seen: set[int] = set()
    for p in paths:
        if p not in idx.paths:
            idx.paths[p] = _scan_path(ctx, p)
        for call, text in idx.paths[p]:
            if call.id not in seen:
                seen.add(call.id)
                yield call, text


def is_path_call(ctx: Context, node: Node | None, *paths: str) -> bool:
    if node is None or node.type != "call_expression":
        return False
    fn = node.child_by_field_name("function")
    if fn is None or fn.type not in ("scoped_identifier", "identifier"):
        return False
    text = ctx.text(fn)
    return any(text == p or text.endswith("::" + p) for p in paths)


def macro_name(ctx: Context, node: Node | None) -> str:
    if node is None or node.type != "macro_invocation":
        return ""
    name = node.child_by_field_name("macro")
    return ctx.text(name).rsplit("::", 1)[-1] if name is not None else ""


def is_string_literal(node: Node | None) -> bool:
    return node is not None and node.type in ("string_literal", "raw_string_literal")


def base_type_name(ctx: Context, node: Node | None) -> str:
    """`Vec` for `Vec<T>`, `std::vec::Vec<T>` or `Vec`."""
    if node is None:
        return ""
    if node.type == "generic_type":
        node = node.child_by_field_name("type")
        if node is None:
            return ""
    if node.type == "scoped_type_identifier":
        name = node.child_by_field_name("name")
        return ctx.text(name)
    if node.type in ("type_identifier", "primitive_type"):
        return ctx.text(node)
    return ""


def first_type_arg(node: Node) -> Node | None:
    args = node.child_by_field_name("type_arguments")
    if args is None:
        return None
    named = [c for c in args.named_children if c.type not in ("line_comment", "block_comment")]
    return named[0] if named else None


def mentions(ctx: Context, node: Node, name: str) -> bool:
    """Whether the identifier `name` occurs in `node`'s text (bytes, no decoding)."""
    raw = ctx.source[node.start_byte : node.end_byte]
    word = name.encode()
    at = raw.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _ident_byte(raw[at - 1])) and (
            end == len(raw) or not _ident_byte(raw[end])
        ):
            return True
        at = raw.find(word, end)
    return False


def _ident_byte(b: int) -> bool:
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def _macro_head(ctx: Context, mac: Node) -> str:
    """The macro's name read straight from the source (`format` for `std::format!(..)`)."""
    head = ctx.source[mac.start_byte : mac.start_byte + 64].split(b"!", 1)[0]
    return head.rsplit(b"::", 1)[-1].strip().decode("utf-8", "replace")


def next_statements(node: Node) -> Iterator[Node]:
    """The statements after `node` in its block, past trailing comments, up to a comment line."""
    prev, sib = node, node.next_named_sibling
    while sib is not None:
        if sib.type in ("line_comment", "block_comment"):
            if sib.start_point.row != prev.end_point.row:
                return
        else:
            yield sib
        prev, sib = sib, sib.next_named_sibling


def guarded_fix(ctx: Context, target: Node | Span, new_text: str, description: str) -> Fix | None:
    """A fix, unless the text it replaces holds a comment that the new text would drop."""
    span = target if isinstance(target, Span) else ctx.span(target)
    old = ctx.index.text[ctx.index.offset(span.start) : ctx.index.offset(span.end)]

    def comments(t: str) -> int:
        return t.count("//") + t.count("/*")

    if comments(old) > comments(new_text):
        return None
    return ctx.fix(span, new_text, description)


def has_comment(ctx: Context, first: Node, last: Node) -> bool:
    """Whether replacing `first..last` could delete a comment (then no fix is offered)."""
    text = ctx.source[first.start_byte : last.end_byte]
    return b"//" in text or b"/*" in text


def method_statement(ctx: Context, stmt: Node, receiver: str, name: str) -> MethodCall | None:
    """`receiver.name(..);` as a statement of its own."""
    if stmt.type != "expression_statement" or stmt.named_child_count != 1:
        return None
    mc = as_method(ctx, stmt.named_children[0])
    if mc is None or ctx.text(mc.name) != name or ctx.text(mc.receiver) != receiver:
        return None
    return mc


def let_name(ctx: Context, let: Node) -> str:
    pat = let.child_by_field_name("pattern")
    return ctx.text(pat) if pat is not None and pat.type == "identifier" else ""


# -- loops ---------------------------------------------------------------------


@rule(
    "rust/regex-in-loop",
    title="Regex compiled inside a loop",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`Regex::new` parses the pattern and builds an automaton every time it runs: typically
microseconds to milliseconds, far more than the match itself. Inside a loop that cost is
paid on every iteration although the pattern never changes.
""",
    fix="Build the regex once before the loop, or in a `static LazyLock<Regex>`.",
    measure="cargo bench (criterion) on the enclosing function; the regex build shows in "
    "`perf record` as regex_automata / regex_syntax frames.",
    mirrors=["clippy:regex_creation_in_loops"],
    bad="""
for line in lines {
    let re = Regex::new(r"^\\d+").unwrap();
    if re.is_match(line) { n += 1; }
}
""",
    good="""
let re = Regex::new(r"^\\d+").unwrap();
for line in lines {
    if re.is_match(line) { n += 1; }
}
""",
    node_types=CALLS,
)
def regex_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call, _path in path_calls(ctx, "Regex::new", "RegexBuilder::new"):
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        # Only a literal pattern is known to be loop-invariant.
        if first is None or first.type not in ("string_literal", "raw_string_literal"):
            continue
        if in_loop(ctx, call):
            yield ctx.finding(info, call)


# -- formatting macros ----------------------------------------------------------

# Macro name -> index of its format-string argument.
FORMAT_MACROS = {
    "format": 0,
    "print": 0,
    "println": 0,
    "eprint": 0,
    "eprintln": 0,
    "write": 1,
    "writeln": 1,
    "panic": 0,
    "format_args": 0,
    "unreachable": 0,
    "assert": 1,
    "debug_assert": 1,
    "assert_eq": 2,
    "assert_ne": 2,
    "debug_assert_eq": 2,
    "debug_assert_ne": 2,
    "trace": 0,
    "debug": 0,
    "info": 0,
    "warn": 0,
    "error": 0,
}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class FormatArg:
    """One argument after the format string, with how the string uses it."""

    tokens: list[Node]  # the expression's tokens, without a `name =` prefix
    specs: list[str]  # the format specs of the placeholders that print it


def _segments(tree: Node) -> list[list[Node]]:
    """The comma-separated top-level pieces of a macro's token tree."""
    inner = tree.children[1:-1]
    out: list[list[Node]] = [[]]
    for tok in inner:
        if tok.type == ",":
            out.append([])
        elif tok.type not in ("line_comment", "block_comment"):
            out[-1].append(tok)
    return [s for s in out if s]


def _placeholders(literal: str) -> dict[int | str, list[str]] | None:
    """Which argument each `{}` prints, with its spec; None when `*`/`$` make it unclear."""
    body = literal
    if body.startswith("r"):
        body = body.lstrip("r").strip("#")
    body = body[1:-1]
    uses: dict[int | str, list[str]] = {}
    position = 0
    for m in _PLACEHOLDER.finditer(body):
        inside = m.group(1)
        if inside is None:
            continue
        arg, _, spec = inside.partition(":")
        arg = arg.strip()
        if "$" in spec or "*" in spec:
            return None
        key: int | str
        if not arg:
            key = position
            position += 1
        elif arg.isdigit():
            key = int(arg)
        else:
            key = arg
        uses.setdefault(key, []).append(spec)
    return uses


def format_args(ctx: Context, tree: Node, fmt_index: int) -> list[FormatArg] | None:
    """The arguments of a formatting macro's token tree, or None if it is not plainly one."""
    segs = _segments(tree)
    if len(segs) <= fmt_index:
        return None
    fmt = segs[fmt_index]
    if len(fmt) != 1 or not is_string_literal(fmt[0]):
        return None
    uses = _placeholders(ctx.text(fmt[0]))
    if uses is None:
        return None
    out = []
    positional = 0
    for seg in segs[fmt_index + 1 :]:
        key: int | str = positional
        if len(seg) > 2 and seg[0].type == "identifier" and seg[1].type == "=":
            key = ctx.text(seg[0])
            seg = seg[2:]
        else:
            positional += 1
        out.append(FormatArg(seg, uses.get(key, [])))
    # Rust rejects unused positional arguments, so a count that does not match the
    # placeholders means a comma was split wrongly (`f::<A, B>()`): trust nothing then.
    used = [k for k in uses if isinstance(k, int)]
    if positional != (max(used) + 1 if used else 0):
        return None
    return out


def displayed(arg: FormatArg) -> bool:
    """Printed only through a plain `{}`: not `{:?}`/`{:x}`, and not `{:>8}` either, since
    a `Display` impl may ignore width and precision that a `String` honours."""
    return bool(arg.specs) and all(not s for s in arg.specs)


def format_macro_calls(ctx: Context) -> list[tuple[Node, list[FormatArg]]]:
    """Every formatting macro with its arguments (parsed once per document)."""
    idx = _index(ctx)
    if idx.format_calls is None:
        idx.format_calls = list(_format_macro_calls(ctx))
    return idx.format_calls


def _format_macro_calls(ctx: Context) -> Iterator[tuple[Node, list[FormatArg]]]:
    """Every formatting macro with its arguments, including `format!` nested in another."""
    for mac in ctx.nodes("macro_invocation"):
        if _macro_head(ctx, mac) not in FORMAT_MACROS:
            continue
        # Both users of this table look for `.to_string()` or a nested `format!` only.
        raw = ctx.source[mac.start_byte + 6 : mac.end_byte]
        if b"to_string" not in raw and b"format" not in raw:
            continue
        name = macro_name(ctx, mac)
        if name not in FORMAT_MACROS:
            continue
        tree = next((c for c in mac.children if c.type == "token_tree"), None)
        if tree is None:
            continue
        todo = [(tree, FORMAT_MACROS[name])]
        while todo:
            tt, at = todo.pop()
            parsed = format_args(ctx, tt, at)
            if parsed is None:
                continue
            yield mac, parsed
            for arg in parsed:
                t = arg.tokens
                if len(t) == 3 and _is_nested_format(ctx, t):
                    todo.append((t[2], 0))


def _is_nested_format(ctx: Context, toks: list[Node]) -> bool:
    return (
        toks[0].type == "identifier"
        and ctx.text(toks[0]) == "format"
        and toks[1].type == "!"
        and toks[2].type == "token_tree"
    )


@rule(
    "rust/format-in-format-args",
    title="`format!` nested inside a formatting macro",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
The inner `format!` builds a temporary `String` (a heap allocation plus a copy of every
byte) only for the outer macro to copy it again and drop it. The outer macro can print
the pieces directly: formatting machinery writes straight into its destination.
""",
    fix="Move the inner format string and arguments into the outer macro's format string.",
    measure="cargo bench (criterion) on the caller; count allocations with DHAT "
    "(`valgrind --tool=dhat`) or heaptrack.",
    mirrors=["clippy:format_in_format_args"],
    bad="""
println!("user: {}", format!("{}@{}", name, host));
""",
    good="""
println!("user: {}@{}", name, host);
let debug = format!("{:?}", format!("{}@{}", name, host));
""",
    node_types=["macro_invocation"],
)
def format_in_format_args(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for _mac, args in format_macro_calls(ctx):
        for arg in args:
            t = arg.tokens
            if len(t) == 3 and _is_nested_format(ctx, t) and displayed(arg):
                yield ctx.finding(info, ctx.span_between(t[0], t[2]))


@rule(
    "rust/to-string-in-format-args",
    title="`.to_string()` on a formatting macro argument",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`x.to_string()` runs `x`'s `Display` into a fresh `String`, and the macro then formats
that string again. Passing `x` itself prints the same text through the same `Display`
without the allocation and the extra copy. Only plain `{}` placeholders are reported:
with `{:?}` or `{:>8}` the output could differ.
""",
    fix="Drop `.to_string()` and pass the value itself.",
    measure="cargo bench (criterion) on the caller; allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:to_string_in_format_args"],
    bad="""
println!("{} items for {}", count, user.to_string());
""",
    good="""
println!("{} items for {}", count, user);
println!("{:?}", user.to_string());
""",
    node_types=["macro_invocation"],
    has_fix=True,
)
def to_string_in_format_args(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for _mac, args in format_macro_calls(ctx):
        for arg in args:
            t = arg.tokens
            if len(t) < 4 or not displayed(arg):
                continue
            dot, name, parens = t[-3], t[-2], t[-1]
            if not (
                dot.type == "."
                and name.type == "identifier"
                and ctx.text(name) == "to_string"
                and parens.type == "token_tree"
                and ctx.text(parens) == "()"
            ):
                continue
            head = t[:-3]
            if head[0].type not in ("identifier", "self") or any(
                tok.type not in ("identifier", "self", ".") for tok in head
            ):
                continue
            gone = ctx.span_between(dot, parens)
            fix = None
            if all(not s for s in arg.specs):
                fix = guarded_fix(ctx, gone, "", "Remove `.to_string()`")
            yield ctx.finding(info, ctx.span_between(head[0], parens), fix=fix)


def _format_macro(ctx: Context, node: Node | None) -> Node | None:
    """The `format!(..)` in `&format!(..)` or `format!(..).as_str()`."""
    if node is None:
        return None
    if node.type == "reference_expression":
        inner = node.child_by_field_name("value")
        return inner if macro_name(ctx, inner) == "format" else None
    mc = as_method(ctx, node)
    if mc is not None and ctx.text(mc.name) == "as_str" and not mc.args:
        return mc.receiver if macro_name(ctx, mc.receiver) == "format" else None
    return None


@rule(
    "rust/format-push-string",
    title="Appending a `format!` result to a `String`",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`s += &format!(..)` and `s.push_str(&format!(..))` allocate a temporary `String`, format
into it, copy it into `s` and free it. `write!(s, ..)` (with `std::fmt::Write` in scope)
formats straight into `s`'s buffer. In a loop building output this is one allocation
per iteration saved.
""",
    fix="Use `write!(s, ..)` / `writeln!(s, ..)` with `use std::fmt::Write;`.",
    measure="cargo bench (criterion); allocations with DHAT (`valgrind --tool=dhat`).",
    mirrors=["clippy:format_push_string"],
    bad="""
let mut out = String::new();
for (k, v) in &pairs {
    out.push_str(&format!("{k}={v};"));
}
""",
    good="""
let mut out = String::new();
for (k, v) in &pairs {
    let _ = write!(out, "{k}={v};");
    out.push_str(&prefix);
}
""",
    node_types=["compound_assignment_expr"],
)
def format_push_string(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "push_str"):
        if len(mc.args) == 1 and _format_macro(ctx, mc.args[0]) is not None:
            yield ctx.finding(info, mc.call)
    for node in ctx.nodes("compound_assignment_expr"):
        op = node.child_by_field_name("operator")
        if op is None or op.type != "+=":
            continue
        if _format_macro(ctx, node.child_by_field_name("right")) is not None:
            yield ctx.finding(info, node)


@rule(
    "rust/expect-fun-call",
    title="`expect` message formatted even when nothing fails",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
The argument of `.expect(..)` is evaluated before the call, so `.expect(&format!(..))`
formats and allocates the panic message on every call, including the (usual) calls that
succeed. A closure that panics defers that work to the failure path.
""",
    fix="Use `.unwrap_or_else(|| panic!(..))` (Option) or `.unwrap_or_else(|e| panic!(..))`.",
    measure="cargo bench (criterion) on the hot caller; `perf record` shows "
    "`alloc::fmt::format` under it.",
    mirrors=["clippy:expect_fun_call"],
    bad="""
let port = cfg.get("port").expect(&format!("missing port in {}", path));
""",
    good="""
let port = cfg.get("port").unwrap_or_else(|| panic!("missing port in {}", path));
let host = cfg.get("host").expect("missing host");
""",
    node_types=CALLS,
)
def expect_fun_call(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "expect"):
        if len(mc.args) == 1 and _format_macro(ctx, mc.args[0]) is not None:
            yield ctx.finding(info, ctx.span_between(mc.name, mc.call))


# -- iterator and collection chains -------------------------------------------

SEQUENCE_COLLECTIONS = ("Vec", "VecDeque", "LinkedList", "BinaryHeap")


@rule(
    "rust/needless-collect",
    title="Collected into a `Vec` only to count it",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`.collect::<Vec<_>>().len()` allocates a vector, moves every element into it, reads its
length and frees it. `.count()` walks the same iterator without storing anything; for
`.is_empty()`, `.next().is_none()` stops at the first element.
""",
    fix="Use `.count()` instead of `.collect::<Vec<_>>().len()`, `.next().is_none()` for "
    "`.is_empty()`.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:needless_collect"],
    bad="""
let n = words.iter().filter(|w| w.len() > 3).collect::<Vec<_>>().len();
""",
    good="""
let n = words.iter().filter(|w| w.len() > 3).count();
let unique = words.iter().collect::<HashSet<_>>().len();
""",
    node_types=CALLS,
    has_fix=True,
)
def needless_collect(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "len", "is_empty"):
        if mc.args:
            continue
        inner = as_method(ctx, mc.receiver)
        if inner is None or ctx.text(inner.name) != "collect" or inner.turbofish is None:
            continue
        target = _turbofish_type(inner.turbofish)
        # A set or map deduplicates, so its length is not the element count.
        if base_type_name(ctx, target) not in SEQUENCE_COLLECTIONS:
            continue
        fix = None
        if ctx.text(mc.name) == "len":
            fix = guarded_fix(
                ctx, ctx.span_between(inner.name, mc.call), "count()", "Use `.count()`"
            )
        yield ctx.finding(info, ctx.span_between(inner.name, mc.call), fix=fix)


def _turbofish_type(args: Node) -> Node | None:
    named = [c for c in args.named_children if c.type not in ("line_comment", "block_comment")]
    return named[0] if len(named) == 1 else None


@rule(
    "rust/manual-str-repeat",
    title="String built by repeating a piece through an iterator",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`iter::repeat("ab").take(n).collect::<String>()` appends the piece `n` times, growing
the buffer as it goes. `str::repeat` computes the final length, allocates once and fills
the buffer by doubling copies: for large `n` often several times faster.
""",
    fix='Use `"ab".repeat(n)`.',
    measure="cargo bench (criterion) comparing both forms at realistic `n`.",
    mirrors=["clippy:manual_str_repeat"],
    bad="""
let rule = std::iter::repeat("-").take(width).collect::<String>();
""",
    good="""
let rule = "-".repeat(width);
let cells = std::iter::repeat(0u8).take(width).collect::<Vec<u8>>();
""",
    node_types=CALLS,
    has_fix=True,
)
def manual_str_repeat(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "collect"):
        if mc.turbofish is None or mc.args:
            continue
        if base_type_name(ctx, _turbofish_type(mc.turbofish)) != "String":
            continue
        take = as_method(ctx, mc.receiver)
        if take is None or ctx.text(take.name) != "take" or len(take.args) != 1:
            continue
        rep = take.receiver
        if not is_path_call(ctx, rep, "repeat"):
            continue
        rep_args = _args(rep.child_by_field_name("arguments"))
        if len(rep_args) != 1:
            continue
        piece = rep_args[0]
        if piece.type == "char_literal":
            literal = _char_to_str_literal(ctx.text(piece))
        elif is_string_literal(piece):
            literal = ctx.text(piece)
        else:
            continue
        fix = None
        if literal is not None:
            new = f"{literal}.repeat({ctx.text(take.args[0])})"
            fix = guarded_fix(ctx, mc.call, new, "Use `str::repeat`")
        yield ctx.finding(info, mc.call, fix=fix)


def _char_to_str_literal(char_lit: str) -> str | None:
    inner = char_lit[1:-1]
    if inner == "\\'":
        return '"\'"'
    if inner == '"':
        return '"\\""'
    return f'"{inner}"' if inner else None


@rule(
    "rust/extend-with-drain",
    title="`extend(v.drain(..))` moves elements one by one",
    severity=Severity.INFO,
    category="copy",
    explanation="""
Draining a whole vector into another through `extend` moves the elements one at a time
through the iterator machinery. `Vec::append` (and `VecDeque::append`) reserves once and
moves the whole block with a single `memcpy`, leaving the source empty as `drain(..)` does.
""",
    fix="Use `dst.append(&mut src)` when both are `Vec`s (or both `VecDeque`s).",
    measure="cargo bench (criterion) with realistic lengths; `perf stat` for instructions.",
    mirrors=["clippy:extend_with_drain"],
    bad="""
pending.extend(incoming.drain(..));
""",
    good="""
pending.append(&mut incoming);
pending.extend(incoming.drain(..10));
""",
    node_types=CALLS,
    confidence=0.7,
)
def extend_with_drain(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "extend"):
        if len(mc.args) != 1:
            continue
        drain = as_method(ctx, mc.args[0])
        if drain is None or ctx.text(drain.name) != "drain" or len(drain.args) != 1:
            continue
        if drain.args[0].type == "range_expression" and ctx.text(drain.args[0]) == "..":
            yield ctx.finding(info, mc.call)


@rule(
    "rust/drain-collect",
    title="Whole collection drained into a new one",
    severity=Severity.INFO,
    category="copy",
    explanation="""
`v.drain(..).collect::<Vec<_>>()` allocates a new vector and moves every element into it
just to leave `v` empty. `std::mem::take(&mut v)` hands over the existing buffer in O(1)
without copying anything (`v` keeps an empty, unallocated vector).
""",
    fix="Use `std::mem::take(&mut v)` when the source and target types are the same.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:drain_collect"],
    bad="""
let batch = queue.drain(..).collect::<Vec<_>>();
""",
    good="""
let batch = std::mem::take(&mut queue);
let head = queue.drain(..8).collect::<Vec<_>>();
""",
    node_types=CALLS,
    confidence=0.7,
)
def drain_collect(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "collect"):
        if mc.turbofish is None or mc.args:
            continue
        if base_type_name(ctx, _turbofish_type(mc.turbofish)) not in ("Vec", "String"):
            continue
        drain = as_method(ctx, mc.receiver)
        if drain is None or ctx.text(drain.name) != "drain" or len(drain.args) != 1:
            continue
        if drain.args[0].type == "range_expression" and ctx.text(drain.args[0]) == "..":
            yield ctx.finding(info, mc.call)


_ITER_SOURCES = {"iter", "values", "keys", "windows", "chunks"}
# `.cloned().next()` / `.take(n)` clone only what they yield, so they cost nothing extra.
_OVEREAGER_SWAP = {"last", "nth"}
_OVEREAGER = {"count", "filter", "find", "skip", "step_by"} | _OVEREAGER_SWAP


def _iterates_references(ctx: Context, node: Node) -> bool:
    """True when a chain below `node` starts from `.iter()`/`.values()`/... (items are refs)."""
    for _ in range(8):
        mc = as_method(ctx, node)
        if mc is None:
            return False
        if ctx.text(mc.name) in _ITER_SOURCES:
            return True
        node = mc.receiver
    return False


@rule(
    "rust/iter-overeager-cloned",
    title="Elements cloned before the iterator throws them away",
    severity=Severity.WARNING,
    category="copy",
    explanation="""
`.cloned()` placed before `filter`, `find`, `skip`, `step_by`, `nth`, `last` or `count`
clones every element that passes through, including the ones the next step discards. For `String`
or `Vec` elements each clone is an allocation plus a copy. Cloning after the selection
(or not at all, for `count`) clones only what is kept. (`.cloned().next()` and
`.take(n)` clone only what they yield, so they are not reported.)
""",
    fix="Move `.cloned()` after the selecting adapter (`.last().cloned()`), or drop it for "
    "`.count()`.",
    measure="cargo bench (criterion); DHAT shows the allocation count drop.",
    mirrors=["clippy:iter_overeager_cloned", "clippy:redundant_iter_cloned"],
    bad="""
let newest = names.iter().cloned().last();
""",
    good="""
let newest = names.iter().last().cloned();
let first = names.iter().cloned().next();
let all: Vec<String> = names.iter().cloned().collect();
let again = maybe_name.cloned().filter(|n| !n.is_empty());
""",
    node_types=CALLS,
    has_fix=True,
)
def iter_overeager_cloned(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, *_OVEREAGER):
        name = ctx.text(mc.name)
        cloned = as_method(ctx, mc.receiver)
        if cloned is None or ctx.text(cloned.name) != "cloned" or cloned.args:
            continue
        if not _iterates_references(ctx, cloned.receiver):
            continue
        base = ctx.text(cloned.receiver)
        fix = None
        if name == "count" and not mc.args:
            fix = guarded_fix(ctx, mc.call, f"{base}.count()", "Count without cloning")
        elif name in _OVEREAGER_SWAP:
            args = ctx.text(mc.call.child_by_field_name("arguments"))
            fix = guarded_fix(
                ctx, mc.call, f"{base}.{name}{args}.cloned()", "Clone only the result"
            )
        yield ctx.finding(info, ctx.span_between(cloned.name, mc.call), fix=fix)


# -- comparisons ----------------------------------------------------------------


def _owned_literal(ctx: Context, node: Node | None) -> Node | None:
    """The literal in `"a".to_string()`, `"a".to_owned()` or `String::from("a")`."""
    mc = as_method(ctx, node)
    if mc is not None:
        if ctx.text(mc.name) in ("to_string", "to_owned") and not mc.args:
            return mc.receiver if is_string_literal(mc.receiver) else None
        return None
    if node is not None and is_path_call(ctx, node, "String::from"):
        args = _args(node.child_by_field_name("arguments"))
        if len(args) == 1 and is_string_literal(args[0]):
            return args[0]
    return None


def _comparisons(ctx: Context) -> Iterator[tuple[Node, Node, Node, str]]:
    for node in ctx.nodes("binary_expression"):
        op = node.child_by_field_name("operator")
        if op is None or op.type not in ("==", "!="):
            continue
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is not None and right is not None:
            yield node, left, right, op.type


@rule(
    "rust/cmp-owned",
    title="String allocated only to be compared",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`name == "admin".to_string()` allocates a `String`, copies the literal into it, compares
and frees it. `String`, `&str` and `Cow<str>` all compare directly with a `&str`, so the
literal alone gives the same answer without touching the allocator.
""",
    fix='Compare with the literal: `name == "admin"`.',
    measure="cargo bench (criterion) on the hot comparison; DHAT for allocation counts.",
    mirrors=["clippy:cmp_owned"],
    bad="""
if user.role == "admin".to_string() { grant(); }
""",
    good="""
if user.role == "admin" { grant(); }
let label = "admin".to_string();
""",
    node_types=["binary_expression"],
    has_fix=True,
    confidence=0.8,
)
def cmp_owned(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for _node, left, right, _op in _comparisons(ctx):
        for side, other in ((right, left), (left, right)):
            # `x == &"a".to_string()` (x a reference) becomes `x == "a"` just the same.
            owned = (
                side.child_by_field_name("value") if side.type == "reference_expression" else side
            )
            lit = _owned_literal(ctx, owned)
            if lit is None or owned is None or _owned_literal(ctx, other) is not None:
                continue
            # `*s == "a".to_string()` compares `str` with `String`; `str == &str` has no impl.
            if is_string_literal(other) or ctx.text(other).startswith("*"):
                continue
            fix = guarded_fix(ctx, side, ctx.text(lit), "Compare with the literal")
            yield ctx.finding(info, side, fix=fix)


_CASE = {"to_ascii_lowercase": "lower", "to_ascii_uppercase": "upper"}
_UNICODE_CASE = ("to_lowercase", "to_uppercase")


@rule(
    "rust/manual-ignore-case-cmp",
    title="Case-insensitive comparison that allocates two strings",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`a.to_ascii_lowercase() == b.to_ascii_lowercase()` allocates and fills two new strings
to compare them once. `a.eq_ignore_ascii_case(b)` compares byte by byte in place and
stops at the first difference. For Unicode `to_lowercase()` the same waste applies; a
comparison over `chars().flat_map(char::to_lowercase)` or the `unicase` crate avoids it.
""",
    fix="Use `a.eq_ignore_ascii_case(&b)` (ASCII), or compare lowercased chars lazily.",
    measure="cargo bench (criterion); allocation counts with DHAT or heaptrack.",
    mirrors=["clippy:manual_ignore_case_cmp"],
    bad="""
if ext.to_ascii_lowercase() == wanted.to_ascii_lowercase() { keep(); }
""",
    good="""
if ext.eq_ignore_ascii_case(&wanted) { keep(); }
if ext.to_ascii_lowercase() == "Png" { never(); }
""",
    node_types=["binary_expression"],
    has_fix=True,
)
def manual_ignore_case_cmp(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node, left, right, op in _comparisons(ctx):
        lm, rm = as_method(ctx, left), as_method(ctx, right)
        lname = ctx.text(lm.name) if lm is not None and not lm.args else ""
        rname = ctx.text(rm.name) if rm is not None and not rm.args else ""
        neg = "!" if op == "!=" else ""
        if lm is not None and lname in _CASE:
            recv = ctx.text(lm.receiver)
            other: str | None = None
            if rm is not None and rname == lname:
                other = "&" + ctx.text(rm.receiver)
            elif right.type == "string_literal":
                lit = ctx.text(right)
                # A literal that cannot equal the converted string is a bug, not a slow path.
                folded = lit.lower() if _CASE[lname] == "lower" else lit.upper()
                if folded == lit and lit.isascii():
                    other = lit
            if other is not None:
                new = f"{neg}{recv}.eq_ignore_ascii_case({other})"
                yield ctx.finding(
                    info, node, fix=guarded_fix(ctx, node, new, "Use `eq_ignore_ascii_case`")
                )
        elif lname in _UNICODE_CASE and rname == lname:
            yield ctx.finding(
                info,
                node,
                title="Case-insensitive comparison allocates two lowercased strings",
                confidence=0.7,
            )


# -- types ----------------------------------------------------------------------

_COLLECTIONS = {
    "Vec",
    "String",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "VecDeque",
    "BinaryHeap",
    "LinkedList",
}
_SMART = {"Box", "Rc", "Arc"}
# `dyn Trait` (also `dyn A + Send`, a bounded_type) and `[T]`: the inner box is a fat pointer.
_UNSIZED = ("dynamic_type", "array_type", "bounded_type")


def _generic_types(ctx: Context, base: set[str]) -> Iterator[tuple[Node, str, Node | None]]:
    idx = _index(ctx)
    if idx.generics is None:
        idx.generics = {}
        for node in ctx.nodes("generic_type"):
            idx.generics.setdefault(base_type_name(ctx, node), []).append(node)
    for name in base:
        for node in idx.generics.get(name, ()):
            yield node, name, first_type_arg(node)


@rule(
    "rust/box-collection",
    title="Collection behind a `Box`",
    severity=Severity.INFO,
    category="memory",
    explanation="""
`Vec`, `String` and the map and set types already keep their contents on the heap and
are a few words in size. Boxing one adds a second heap allocation and a second pointer
hop on every access for nothing. (Inside an enum variant a `Box` can be deliberate, to
make the enum smaller, so variants are not reported.)
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
enum Value {
    Small(u32),
    Many(Box<Vec<u64>>),
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["generic_type"],
    body_examples=False,
)
def box_collection(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node, _name, arg in _generic_types(ctx, {"Box"}):
        if base_type_name(ctx, arg) not in _COLLECTIONS:
            continue
        if ctx.ancestor(node, ("enum_variant",), stop=("function_item", "struct_item")):
            continue
        yield ctx.finding(info, node)


@rule(
    "rust/redundant-allocation",
    title="Smart pointer wrapping another pointer",
    severity=Severity.WARNING,
    category="memory",
    explanation="""
`Rc<Box<T>>`, `Arc<Box<T>>`, `Box<Box<T>>` and `Rc<Rc<T>>` allocate twice and make every
access follow two pointers; `Box<&T>` and `Rc<&T>` heap-allocate a single reference. One
layer does the same job. (A `Box<dyn Trait>` or `Box<[T]>` inside is a fat pointer that
some code boxes again on purpose, so those are not reported.)
""",
    fix="Keep one layer: `Rc<T>` instead of `Rc<Box<T>>`, `&T` instead of `Box<&T>`.",
    measure="cargo bench (criterion); `perf stat -e cache-misses`; DHAT for allocations.",
    mirrors=["clippy:redundant_allocation"],
    bad="""
struct Node {
    parent: Rc<Box<Node>>,
}
""",
    good="""
struct Node {
    parent: Rc<Node>,
    callback: Box<Box<dyn Fn()>>,
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["generic_type"],
    body_examples=False,
)
def redundant_allocation(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node, _name, arg in _generic_types(ctx, _SMART):
        if arg is None:
            continue
        if arg.type == "reference_type":
            yield ctx.finding(info, node)
            continue
        if arg.type != "generic_type" or base_type_name(ctx, arg) not in _SMART:
            continue
        inner = first_type_arg(arg)
        if inner is None or inner.type in _UNSIZED or base_type_name(ctx, inner) == "str":
            continue
        yield ctx.finding(info, node)


@rule(
    "rust/linkedlist",
    title="`LinkedList` used as a container",
    severity=Severity.INFO,
    category="cache",
    explanation="""
Every `LinkedList` node is its own heap allocation, and walking the list chases a pointer
per element, which defeats the cache and the prefetcher. `Vec` or `VecDeque` store the
elements contiguously and are faster for iteration and for pushes at either end in
nearly all workloads.
""",
    fix="Use `Vec<T>` or `VecDeque<T>`.",
    measure="cargo bench (criterion); `perf stat -e cache-misses,cycles`.",
    mirrors=["clippy:linkedlist"],
    bad="""
struct Jobs {
    queue: LinkedList<Job>,
}
""",
    good="""
struct Jobs {
    queue: VecDeque<Job>,
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["generic_type"],
    body_examples=False,
)
def linkedlist(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node, _name, _arg in _generic_types(ctx, {"LinkedList"}):
        yield ctx.finding(info, node)


_ATOMIC_PAYLOADS = {
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "isize",
}


@rule(
    "rust/mutex-atomic",
    title="`Mutex` guarding a single bool or integer",
    severity=Severity.INFO,
    category="concurrency",
    explanation="""
Locking a `Mutex` to read or bump one integer or flag costs an atomic acquire and release
plus possible contention and parking. An `AtomicBool`/`AtomicUsize` does the operation in
one atomic instruction. (When the mutex pairs with a `Condvar`, or guards other state by
convention, it is needed; files using `Condvar` are not reported.)
""",
    fix="Use `AtomicBool` / `AtomicUsize` (and friends) from `std::sync::atomic`.",
    measure="cargo bench (criterion) with several threads; `perf stat` for cycles and "
    "context switches.",
    mirrors=["clippy:mutex_atomic", "clippy:mutex_integer"],
    bad="""
struct Stats {
    hits: Mutex<usize>,
}
""",
    good="""
struct Stats {
    hits: AtomicUsize,
    names: Mutex<Vec<String>>,
}
""",
    scope="file",  # reads declarations elsewhere in the file
    node_types=["generic_type"],
    body_examples=False,
)
def mutex_atomic(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    if b"Condvar" in ctx.source:
        return
    for node, _name, arg in _generic_types(ctx, {"Mutex"}):
        if arg is not None and arg.type == "primitive_type" and ctx.text(arg) in _ATOMIC_PAYLOADS:
            yield ctx.finding(info, node)


# -- small calls ------------------------------------------------------------------


@rule(
    "rust/manual-clear",
    title="`truncate(0)` instead of `clear()`",
    severity=Severity.HINT,
    category="other",
    explanation="""
`truncate(0)` and `clear()` do the same work: drop the elements and keep the buffer.
`clear()` says so directly, and is what readers and tools expect. Expect no measurable
speed difference: this is about intent, hence the `hint` level.
""",
    fix="Call `.clear()`.",
    measure="cargo bench (criterion); expect a small or no difference.",
    mirrors=["clippy:manual_clear"],
    bad="""
buf.truncate(0);
""",
    good="""
buf.clear();
buf.truncate(header_len);
""",
    node_types=CALLS,
    has_fix=True,
)
def manual_clear(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, "truncate"):
        if len(mc.args) == 1 and ctx.text(mc.args[0]) == "0":
            span = ctx.span_between(mc.name, mc.call)
            yield ctx.finding(info, span, fix=guarded_fix(ctx, span, "clear()", "Use `.clear()`"))


# Method -> (index of the pattern argument, number of arguments). `contains` is left out:
# `HashSet<String>::contains("x")` is spelled the same and a `char` there would not compile.
_PATTERN_METHODS = {
    "split": (0, 1),
    "rsplit": (0, 1),
    "split_terminator": (0, 1),
    "rsplit_terminator": (0, 1),
    "split_inclusive": (0, 1),
    "split_once": (0, 1),
    "rsplit_once": (0, 1),
    "find": (0, 1),
    "rfind": (0, 1),
    "matches": (0, 1),
    "rmatches": (0, 1),
    "match_indices": (0, 1),
    "rmatch_indices": (0, 1),
    "trim_matches": (0, 1),
    "trim_start_matches": (0, 1),
    "trim_end_matches": (0, 1),
    "splitn": (1, 2),
    "rsplitn": (1, 2),
    "replace": (0, 2),
    "replacen": (0, 3),
    "starts_with": (0, 1),
    "ends_with": (0, 1),
    "strip_prefix": (0, 1),
    "strip_suffix": (0, 1),
}
# `Path` has these too, taking `AsRef<Path>`, which a `char` is not.
_PATH_METHODS = {"starts_with", "ends_with", "strip_prefix", "strip_suffix"}
_PATHY_WORDS = ("path", "dir", "file", "root", "folder")
_STR_RETURNING = {
    "trim",
    "trim_start",
    "trim_end",
    "as_str",
    "to_lowercase",
    "to_uppercase",
    "to_ascii_lowercase",
    "to_ascii_uppercase",
    "to_string",
}


def _maybe_path(ctx: Context, receiver: Node) -> bool:
    """Whether the receiver could be a `Path` (conservatively: yes unless it looks like text)."""
    text = ctx.text(receiver)
    if any(word in text.lower() for word in _PATHY_WORDS):
        return True
    if receiver.type == "call_expression":
        mc = as_method(ctx, receiver)
        return mc is None or ctx.text(mc.name) not in _STR_RETURNING
    if receiver.type in ("string_literal", "raw_string_literal"):
        return False
    if receiver.type != "identifier":
        return True
    # A same-function declaration `name: &Path`, `= Path::new(..)` or `= PathBuf::..`.
    fn = ctx.ancestor(receiver, ("function_item",))
    scope = ctx.source[fn.start_byte : fn.end_byte] if fn is not None else ctx.source
    name = re.escape(text).encode()
    declared = rb"\b" + name + rb"\s*(?::[^=;,)]*\b(?:Path|PathBuf)\b|=\s*Path)"
    looped = rb"(?i)\bfor\s+" + name + rb"\s+in\s[^{]*(?:path|dir|file)"
    return re.search(declared, scope) is not None or re.search(looped, scope) is not None


_SIMPLE_ESCAPES = {"\\n", "\\t", "\\r", "\\0", "\\\\"}


def _single_char(literal: str) -> str | None:
    """`'x'` for the string literal `"x"`, when it holds exactly one character."""
    if literal.startswith("r") or not literal.startswith('"') or not literal.endswith('"'):
        return None
    inner = literal[1:-1]
    if inner in _SIMPLE_ESCAPES:
        return f"'{inner}'"
    if inner == '\\"':
        return "'\"'"
    if inner == "'":
        return "'\\''"
    if len(inner) == 1 and inner != "\\":
        return f"'{inner}'"
    return None


@rule(
    "rust/single-char-pattern",
    title="One-character string used as a pattern",
    severity=Severity.HINT,
    category="other",
    explanation="""
A `&str` pattern goes through the substring searcher, while a `char` pattern uses a
simpler single-character (memchr-style) search. For one character the `char` is never
slower and is the clearer statement; the gain is usually small.
""",
    fix="Use a `char` literal: `split(',')` instead of `split(\",\")`.",
    measure="cargo bench (criterion) on the parsing loop.",
    mirrors=["clippy:single_char_pattern"],
    bad="""
let fields: Vec<&str> = line.split(",").collect();
""",
    good="""
let fields: Vec<&str> = line.split(',').collect();
let parts: Vec<&str> = line.split(", ").collect();
""",
    node_types=CALLS,
    has_fix=True,
)
def single_char_pattern(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for name, (at, count) in _PATTERN_METHODS.items():
        shared_with_path = name in _PATH_METHODS
        for mc in methods(ctx, name):
            if len(mc.args) != count or mc.args[at].type != "string_literal":
                continue
            if shared_with_path and _maybe_path(ctx, mc.receiver):
                continue
            lit = mc.args[at]
            char = _single_char(ctx.text(lit))
            if char is not None:
                yield ctx.finding(
                    info, lit, fix=guarded_fix(ctx, lit, char, "Use a `char` pattern")
                )


_EAGER_TO_LAZY = {
    "unwrap_or": "unwrap_or_else",
    "or_insert": "or_insert_with",
    "ok_or": "ok_or_else",
    "get_or_insert": "get_or_insert_with",
}
# These exist only with a no-argument closure (Entry, Option), so the fix needs no types.
_ALWAYS_NULLARY = {"or_insert", "ok_or", "get_or_insert"}
_OPTION_SOURCES = {
    "get",
    "get_mut",
    "first",
    "last",
    "pop",
    "next",
    "find",
    "max",
    "min",
    "max_by_key",
    "min_by_key",
    "nth",
    "peek",
    "strip_prefix",
    "strip_suffix",
    "split_once",
    "rsplit_once",
    "remove",
}
_RESULT_SOURCES = {"parse", "read_to_string"}


def _allocates(ctx: Context, node: Node) -> bool:
    """An argument expression that certainly allocates (`format!`, `.to_string()`, ...)."""
    name = macro_name(ctx, node)
    if name == "format":
        return True
    if name == "vec":
        return ctx.text(node).replace(" ", "") not in ("vec![]", "vec!()")
    mc = as_method(ctx, node)
    if mc is not None:
        return ctx.text(mc.name) in ("to_string", "to_owned", "to_vec") and not mc.args
    return is_path_call(ctx, node, "String::from", "Vec::with_capacity")


@rule(
    "rust/or-fun-call",
    title="Fallback value allocated even when it is not used",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
Arguments are evaluated before the call, so `.unwrap_or(format!(..))` or
`.or_insert("x".to_string())` builds (allocates) the fallback every time, and throws it
away whenever the value is present. The `_else`/`_with` variants take a closure that
only runs when the fallback is needed.
""",
    fix="Use `unwrap_or_else(|| ..)` / `or_insert_with(|| ..)` (or `unwrap_or_default()`).",
    measure="cargo bench (criterion) on the hot path; DHAT shows the wasted allocations.",
    mirrors=["clippy:or_fun_call"],
    bad="""
let name = names.get(&id).cloned().unwrap_or(format!("user-{id}"));
""",
    good="""
let name = names.get(&id).cloned().unwrap_or_else(|| format!("user-{id}"));
let label = labels.get(&id).copied().unwrap_or("none");
""",
    node_types=CALLS,
    has_fix=True,
    confidence=0.85,
)
def or_fun_call(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for mc in methods(ctx, *_EAGER_TO_LAZY):
        if len(mc.args) != 1 or not _allocates(ctx, mc.args[0]):
            continue
        name = ctx.text(mc.name)
        closure = ""
        if name in _ALWAYS_NULLARY:
            closure = "||"
        else:
            source = _source_method(ctx, mc.receiver)
            closure = (
                "||" if source in _OPTION_SOURCES else "|_|" if source in _RESULT_SOURCES else ""
            )
        fix = None
        if closure:
            new = f"{_EAGER_TO_LAZY[name]}({closure} {ctx.text(mc.args[0])})"
            fix = guarded_fix(
                ctx, ctx.span_between(mc.name, mc.call), new, "Build the fallback lazily"
            )
        yield ctx.finding(info, ctx.span_between(mc.name, mc.call), fix=fix)


def _source_method(ctx: Context, node: Node) -> str:
    """The method that produced an Option/Result, looking through `.cloned()`/`.copied()`."""
    for _ in range(4):
        mc = as_method(ctx, node)
        if mc is None:
            return ""
        name = ctx.text(mc.name)
        if name not in ("cloned", "copied", "as_deref", "as_ref"):
            return name
        node = mc.receiver
    return ""


# -- vector construction ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VecLet:
    """`let [mut] name = Vec::new() | vec![] | Vec::with_capacity(cap);`"""

    let: Node
    name: str
    value: Node
    capacity: Node | None  # None for an empty `Vec::new()` / `vec![]`


def vec_lets(ctx: Context) -> list[VecLet]:
    """The document's vector-creating `let`s, found from the calls, not by scanning every let."""
    idx = _index(ctx)
    if idx.vec_lets is not None:
        return idx.vec_lets
    found: list[VecLet] = []
    for call, _path in path_calls(ctx, "Vec::new", "Vec::with_capacity"):
        let = call.parent
        if let is None or let.type != "let_declaration":
            continue
        args = _args(call.child_by_field_name("arguments"))
        is_new = ctx.text(call.child_by_field_name("function")).endswith("new")
        if (is_new and args) or (not is_new and len(args) != 1):
            continue
        _add_vec_let(ctx, found, let, call, None if is_new else args[0])
    for mac in ctx.nodes("macro_invocation"):
        if _macro_head(ctx, mac) != "vec":
            continue
        let = mac.parent
        if let is not None and let.type == "let_declaration":
            if ctx.text(mac).replace(" ", "") in ("vec![]", "vec!()"):
                _add_vec_let(ctx, found, let, mac, None)
    found.sort(key=lambda v: v.let.start_byte)
    idx.vec_lets = found
    return found


def _add_vec_let(ctx: Context, out: list[VecLet], let: Node, value: Node, cap: Node | None) -> None:
    name = let_name(ctx, let)
    if name and let.child_by_field_name("value") == value:
        out.append(VecLet(let, name, value, cap))


@rule(
    "rust/vec-init-then-push",
    title="Empty `Vec` filled by consecutive pushes",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`Vec::new()` followed by a fixed run of `push` calls checks capacity on every push and
grows the buffer as it goes (first to 4 elements for most types, then doubling, each
growth a reallocation and copy). `vec![a, b, c]` knows the length, allocates exactly once
and writes the elements directly. For two to four small elements the allocation count is
often the same, so the gain there is the checks and code size: small, hence `info`.
""",
    fix="Build it with `vec![a, b, c]`.",
    measure="cargo bench (criterion); DHAT or heaptrack for the reallocations.",
    mirrors=["clippy:vec_init_then_push"],
    bad="""
let mut args = Vec::new();
args.push("--quiet");
args.push("--color=never");
""",
    good="""
let mut args = vec!["--quiet", "--color=never"];
let mut other = Vec::new();
other.push(first);
if verbose { other.push("-v"); }
""",
    node_types=["macro_invocation"],
    has_fix=True,
)
def vec_init_then_push(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for vl in vec_lets(ctx):
        if vl.capacity is not None:
            continue
        let, name, value = vl.let, vl.name, vl.value
        pushes = []
        for stmt in next_statements(let):
            mc = method_statement(ctx, stmt, name, "push")
            if mc is None or len(mc.args) != 1 or mentions(ctx, mc.args[0], name):
                break
            pushes.append((stmt, mc.args[0]))
        if len(pushes) < 2:
            continue
        items = ", ".join(ctx.text(arg) for _, arg in pushes)
        fix = None
        if not has_comment(ctx, value, pushes[-1][0]):
            fix = ctx.fix(
                Span(ctx.span(value).start, ctx.span(pushes[-1][0]).end),
                f"vec![{items}];",
                "Build the vector with `vec![..]`",
            )
        yield ctx.finding(info, ctx.span_between(let, pushes[-1][0]), fix=fix)


_ZEROS = re.compile(r"0(\.0*)?(_?[iuf](8|16|32|64|128|size))?|false")


@rule(
    "rust/slow-vector-initialization",
    title="Zero-filled `Vec` built in two steps",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`Vec::with_capacity(n)` followed by `resize(n, 0)` allocates and then writes every zero
in a loop. `vec![0; n]` asks the allocator for already-zeroed memory (`calloc`), which
for large buffers is served by fresh zero pages from the OS without touching them.
""",
    fix="Use `vec![0; n]`.",
    measure="cargo bench (criterion) with a large `n`; `perf stat -e page-faults,cycles`.",
    mirrors=["clippy:slow_vector_initialization"],
    bad="""
let mut buf = Vec::with_capacity(len);
buf.resize(len, 0);
""",
    good="""
let mut buf = vec![0; len];
let mut pad = Vec::with_capacity(len);
pad.resize(len, b' ');
""",
    node_types=["macro_invocation"],
    has_fix=True,
)
def slow_vector_initialization(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for vl in vec_lets(ctx):
        let, name, value = vl.let, vl.name, vl.value
        wanted = ctx.text(vl.capacity) if vl.capacity is not None else None
        stmt = next(next_statements(let), None)
        mc = method_statement(ctx, stmt, name, "resize") if stmt is not None else None
        if stmt is None or mc is None or len(mc.args) != 2:
            continue
        length, fill = (ctx.text(a) for a in mc.args)
        if wanted is not None and length != wanted:
            continue
        if not _ZEROS.fullmatch(fill) or mentions(ctx, mc.args[0], name):
            continue
        fix = None
        if not has_comment(ctx, value, stmt):
            fix = ctx.fix(
                Span(ctx.span(value).start, ctx.span(stmt).end),
                f"vec![{fill}; {length}];",
                "Allocate zeroed memory with `vec![0; n]`",
            )
        yield ctx.finding(info, ctx.span_between(let, stmt), fix=fix)


_COUNTED_SOURCES = {"iter", "iter_mut", "into_iter", "keys", "values", "enumerate", "drain"}


_SMALL_RANGE = re.compile(r"(\d+)\s*\.\.(=?)\s*(\d+)")


def _short_literal_range(ctx: Context, node: Node) -> bool:
    """`0..4`: a few pushes fit the first allocation, so there is nothing to win."""
    m = _SMALL_RANGE.fullmatch(ctx.text(node))
    if m is None:
        return False
    length = int(m.group(3)) - int(m.group(1)) + (1 if m.group(2) else 0)
    return length <= 8


def _known_length(ctx: Context, node: Node | None) -> bool:
    """An iterable whose length is known up front: a range, `&v`, `v.iter()`, ..."""
    for _ in range(4):
        if node is None:
            return False
        if node.type == "range_expression":
            return not _short_literal_range(ctx, node)
        if node.type in ("identifier", "field_expression"):
            return True
        if node.type == "reference_expression":
            node = node.child_by_field_name("value")
            continue
        mc = as_method(ctx, node)
        if mc is None or ctx.text(mc.name) not in _COUNTED_SOURCES:
            return False
        if ctx.text(mc.name) == "drain" and ctx.text(mc.args[0] if mc.args else None) != "..":
            return False
        node = mc.receiver
    return False


_EXIT_WORDS = re.compile(rb"\b(?:break|continue|return)\b")


def _exits_early(ctx: Context, body: Node) -> bool:
    """Whether the loop body may end an iteration before its push (conservative: by text)."""
    text = ctx.source[body.start_byte : body.end_byte]
    if (b"break" in text or b"continue" in text or b"return" in text) and _EXIT_WORDS.search(text):
        return True
    if b"?" not in text:
        return False
    # `?` also appears in `{:?}` and strings: only a real `try_expression` counts.
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "try_expression":
            return True
        stack.extend(n.named_children)
    return False


@rule(
    "rust/push-without-capacity",
    title="`Vec` grown one push per iteration of a loop of known length",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
The loop pushes exactly one element per iteration over something whose length is known
before it starts, into a vector created empty. The vector reallocates and copies its
contents about log2(n) times on the way. `Vec::with_capacity(len)` (or building it with
`.map(..).collect()`, which uses the iterator's size hint) allocates once.
""",
    fix="Create it with `Vec::with_capacity(src.len())`, or use `.iter().map(..).collect()`.",
    measure="cargo bench (criterion) at realistic sizes; DHAT or heaptrack for reallocations.",
    mirrors=[],
    related=["prealloc (Go)", "clang-tidy:performance-inefficient-vector-operation (C++)"],
    bad="""
let mut ids = Vec::new();
for user in &users {
    ids.push(user.id);
}
""",
    good="""
let mut ids = Vec::with_capacity(users.len());
for user in &users {
    ids.push(user.id);
}
let mut adults = Vec::new();
for user in &users {
    if user.age < 18 { continue; }
    adults.push(user.id);
}
""",
    node_types=["macro_invocation"],
    confidence=0.75,
)
def push_without_capacity(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for vl in vec_lets(ctx):
        if vl.capacity is not None:
            continue
        for stmt in _following(vl.let):
            if stmt.type in ("line_comment", "block_comment") or not mentions(ctx, stmt, vl.name):
                continue
            # The first statement that touches the vector must be the filling loop.
            loop = stmt.named_children[0] if stmt.type == "expression_statement" else None
            if loop is not None and loop.type == "for_expression":
                if _fills_once_per_item(ctx, loop, vl.name):
                    header = loop.child_by_field_name("value") or loop
                    yield ctx.finding(info, ctx.span_between(loop, header))
            break


def _following(node: Node) -> Iterator[Node]:
    sib = node.next_named_sibling
    while sib is not None:
        yield sib
        sib = sib.next_named_sibling


def _fills_once_per_item(ctx: Context, loop: Node, name: str) -> bool:
    """One unconditional `name.push(..)` per iteration over something of known length."""
    body = loop.child_by_field_name("body")
    if body is None or not _known_length(ctx, loop.child_by_field_name("value")):
        return False
    for s in body.named_children:
        if s.type == "expression_statement" and s.named_child_count == 1:
            mc = as_method(ctx, s.named_children[0])
            if mc is not None and ctx.text(mc.name) == "push" and ctx.text(mc.receiver) == name:
                return not _exits_early(ctx, body)
    return False


# Every method name a rule passes to `methods()`, scanned for together in one pass.
_RULE_METHODS = {
    "push_str",
    "expect",
    "len",
    "is_empty",
    "collect",
    "extend",
    "truncate",
    *_OVEREAGER,
    *_EAGER_TO_LAZY,
    *_PATTERN_METHODS,
}


# Listed explicitly for registry.py (in definition order); split into rule families next.
RULES: list[Rule] = [v for v in list(globals().values()) if isinstance(v, Rule)]
