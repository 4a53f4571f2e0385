"""Rules about the formatting macros: temporary strings built only to be formatted again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust.model import Model
from se_lsp.rules.rust.syntax import (
    ASSERT_MACROS,
    COMMENTS,
    guarded_fix,
    hint_any_of,
    is_string_literal,
    macro_head,
    macro_name,
    segments,
    token_tree,
    unparen,
)

CALLS: list[str] = []
METHODS = frozenset({"push_str", "expect"})


def _not_a_literal(source: bytes, dot: int, end: int) -> bool:
    """`expect("..")` builds nothing: only other arguments can hold a call."""
    return not source[end : end + 8].replace(b" ", b"").startswith((b'("', b'(r"', b"(r#"))


# Byte prefilters for those calls (see Model.hints).
HINTS = {"push_str": hint_any_of(b"format!", size=40), "expect": _not_a_literal}

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
    "todo": 0,
    "unimplemented": 0,
    # An assertion's format string comes right after the arguments it checks.
    **ASSERT_MACROS,
}
# Placeholders: `{{`, `}}`, or `{...}` without braces inside. Linear: no nested repetition.
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*+)\}")


@dataclass(frozen=True, slots=True)
class FormatArg:
    """One argument after the format string, with how the string uses it."""

    tokens: list[Node]  # the expression's tokens, without a `name =` prefix
    specs: list[str]  # the format specs of the placeholders that print it


@dataclass(frozen=True, slots=True)
class FormatCall:
    mac: Node
    literal: Node
    args: list[FormatArg]
    inline: dict[str, list[str]]  # `{name}` captures of variables, with their specs
    pieces: int  # placeholders in the string


def _placeholders(literal: str) -> tuple[dict[int | str, list[str]], int] | None:
    """Which argument each `{}` prints, with its spec; None when `*`/`$` make it unclear."""
    body = literal
    if body.startswith("r"):
        body = body.lstrip("r").strip("#")
    body = body[1:-1]
    uses: dict[int | str, list[str]] = {}
    position = 0
    count = 0
    for m in _PLACEHOLDER.finditer(body):
        inside = m.group(1)
        if inside is None:
            continue
        count += 1
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
    return uses, count


def parse_format(ctx: Context, mac: Node, tree: Node, fmt_index: int) -> FormatCall | None:
    """A formatting macro's arguments, or None if it is not plainly one."""
    segs = segments(tree)
    if len(segs) <= fmt_index:
        return None
    fmt = segs[fmt_index]
    if len(fmt) != 1 or not is_string_literal(fmt[0]):
        return None
    parsed = _placeholders(ctx.text(fmt[0]))
    if parsed is None:
        return None
    uses, count = parsed
    out = []
    positional = 0
    named: set[str] = set()
    for seg in segs[fmt_index + 1 :]:
        key: int | str = positional
        if len(seg) > 2 and seg[0].type == "identifier" and seg[1].type == "=":
            key = ctx.text(seg[0])
            named.add(key)
            seg = seg[2:]
        else:
            positional += 1
        out.append(FormatArg(seg, uses.get(key, [])))
    # Rust rejects unused positional arguments, so a count that does not match the
    # placeholders means a comma was split wrongly (`f::<A, B>()`): trust nothing then.
    used = [k for k in uses if isinstance(k, int)]
    if positional != (max(used) + 1 if used else 0):
        return None
    inline = {k: v for k, v in uses.items() if isinstance(k, str) and k not in named}
    return FormatCall(mac, fmt[0], out, inline, count)


def displayed_once(arg: FormatArg) -> bool:
    """Printed exactly once, through a plain `{}`: not `{:?}`/`{:x}`, not `{:>8}` (a
    `Display` impl may ignore width that a `String` honours), and not twice (formatting a
    cached string twice may be cheaper than running `Display` twice)."""
    return len(arg.specs) == 1 and not arg.specs[0]


def format_calls(ctx: Context) -> list[FormatCall]:
    """Every formatting macro with its arguments (parsed once per analysis), including a
    `format!` nested in another's arguments."""
    cached: list[FormatCall] | None = ctx.shared.get("rust-format-calls")
    if cached is not None:
        return cached
    out: list[FormatCall] = []
    for mac in ctx.nodes("macro_invocation"):
        head = macro_head(ctx, mac)
        if head not in FORMAT_MACROS:
            continue
        # The rules look for `format!` itself, a nested `format!` or a `.to_string()`
        # argument: any other macro is not worth taking apart.
        if head != "format":
            raw = ctx.source[mac.start_byte + len(head) : mac.end_byte]
            if b"format" not in raw and b"to_string" not in raw:
                continue
        name = macro_name(ctx, mac)
        tree = token_tree(mac)
        if name not in FORMAT_MACROS or tree is None:
            continue
        todo = [(tree, FORMAT_MACROS[name])]
        while todo:
            tt, at = todo.pop()
            parsed = parse_format(ctx, mac, tt, at)
            if parsed is None:
                continue
            out.append(parsed)
            for arg in parsed.args:
                t = arg.tokens
                if len(t) == 3 and _is_nested_format(ctx, t):
                    todo.append((t[2], 0))
    ctx.shared["rust-format-calls"] = out
    return out


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
    gaps=["formatting macros defined by the user (`#[clippy::format_args]`) are not known"],
)
def format_in_format_args(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in format_calls(ctx):
        for arg in call.args:
            t = arg.tokens
            if len(t) == 3 and _is_nested_format(ctx, t) and displayed_once(arg):
                yield ctx.finding(info, ctx.span_between(t[0], t[2]))


# Tokens that may make up the receiver of `.to_string()` in a macro argument (a path, a
# call, a field, an index): anything else (an operator) makes the argument an expression
# whose parts the fix could regroup.
_RECEIVER_TOKENS = frozenset(
    {
        "identifier",
        "self",
        ".",
        "::",
        "token_tree",
        "string_literal",
        "raw_string_literal",
        "integer_literal",
        "float_literal",
        "char_literal",
        "field_identifier",
        "metavariable",
        "&",
        "*",
        "!",
    }
)


def _user_to_string_types(model: Model) -> set[str]:
    """Types with their own `impl ToString` (and no `Display`): `.to_string()` is theirs."""
    impls = model.items().impls
    display = {i.self_name for i in impls if i.trait == "Display"}
    return {i.self_name for i in impls if i.trait == "ToString"} - display


@rule(
    "rust/to-string-in-format-args",
    title="`.to_string()` on a formatting macro argument",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
`x.to_string()` runs `x`'s `Display` into a fresh `String`, and the macro then formats
that string again. Passing `x` itself prints the same text through the same `Display`
without the allocation and the extra copy. Only plain `{}` placeholders that print the
argument once are reported: with `{:?}` or `{:>8}` the output could differ, and a string
printed twice may be worth caching.
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
    scope="body",
    has_fix=True,
)
def to_string_in_format_args(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    own: set[str] | None = None
    for call in format_calls(ctx):
        for arg in call.args:
            t = arg.tokens
            while len(t) == 1 and t[0].type == "token_tree" and ctx.text(t[0]).startswith("("):
                t = [c for c in t[0].children[1:-1] if c.type not in COMMENTS]
            if len(t) < 4 or not displayed_once(arg):
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
            if any(tok.type not in _RECEIVER_TOKENS for tok in head):
                continue
            if own is None:
                own = _user_to_string_types(model)
            if own and _mentions_type(ctx, model, call.mac, head, own):
                continue
            gone = ctx.span_between(dot, parens)
            fix = guarded_fix(ctx, gone, "", "Remove `.to_string()`")
            if head[-1].type == "token_tree" and ctx.text(head[-1]).startswith("["):
                # `s[..1].to_string()` -> `&s[..1]`: a `str` cannot be passed by value.
                whole = ctx.span_between(head[0], parens)
                value = ctx.source[head[0].start_byte : head[-1].end_byte].decode()
                fix = guarded_fix(ctx, whole, f"&{value}", "Borrow instead of copying")
            yield ctx.finding(info, ctx.span_between(head[0], parens), fix=fix)


def _mentions_type(
    ctx: Context, model: Model, mac: Node, head: list[Node], names: set[str]
) -> bool:
    for tok in head:
        if tok.type != "identifier":
            continue
        text = ctx.text(tok)
        if text in names:
            return True
        b = model.binding_named(text, mac)
        if b is not None and model.binding_type(b).deref().name in names:
            return True
    return False


def _format_macro(ctx: Context, model: Model, node: Node | None) -> Node | None:
    """The `format!(..)` in `&format!(..)`, `format!(..).as_str()`, `&format!(..)[..]`."""
    node = unparen(node)
    if node is None:
        return None
    if node.type == "reference_expression":
        inner = unparen(node.child_by_field_name("value"))
        if inner is not None and inner.type == "index_expression":
            inner = inner.named_children[0] if inner.named_children else None
        return inner if macro_name(ctx, inner) == "format" else None
    mc = model.method(node)
    if mc is not None and ctx.text(mc.name) in ("as_str", "as_ref") and not mc.args:
        return mc.receiver if macro_name(ctx, mc.receiver) == "format" else None
    return None


@rule(
    "rust/format-push-string",
    title="Appending a `format!` result to a `String`",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`s += &format!(..)` and `s.push_str(&format!(..))` allocate a temporary `String`, format
into it, copy it into `s` and free it. `write!(s, ..)` (with `std::fmt::Write` in scope)
formats straight into `s`'s buffer. In a loop building output this is one allocation
per iteration saved; outside a loop it is one allocation, reported as a hint.
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
    gaps=[
        "differs: also reports `s.push_str(format!(..).as_str())`, which clippy 1.95 does "
        "not look through",
    ],
)
def format_push_string(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("push_str"):
        if len(mc.args) == 1 and _format_macro(ctx, model, mc.args[0]) is not None:
            if _not_a_string(model, mc.receiver):
                continue  # a type's own `push_str` (a code generator's buffer, ...)
            yield _hint_unless_looped(ctx, model, info, mc.call)
    for node in ctx.nodes("compound_assignment_expr"):
        op = node.child_by_field_name("operator")
        if op is None or op.type != "+=":
            continue
        if _format_macro(ctx, model, node.child_by_field_name("right")) is not None:
            left = node.child_by_field_name("left")
            if left is not None and _not_a_string(model, left):
                continue
            yield _hint_unless_looped(ctx, model, info, node)


def _not_a_string(model: Model, target: Node) -> bool:
    """The file says `target` is something other than a `String`: `write!` may not apply."""
    t = model.type_of(target).deref()
    return t.known and not t.is_std("String")


def _hint_unless_looped(ctx: Context, model: Model, info: RuleInfo, node: Node) -> Finding:
    """One temporary `String` saved is negligible: outside a loop, a hint."""
    finding = ctx.finding(info, node)
    if model.in_loop(node):
        return finding
    return replace(finding, severity=Severity.HINT)


# -- expect-fun-call --------------------------------------------------------------------


def _arg_root(ctx: Context, model: Model, arg: Node) -> Node:
    """`format!(..)` for `&format!(..)`, `format!(..).as_str()`; `s` for `&s`."""
    node = arg
    for _ in range(6):
        inner = unparen(node)
        if inner is None:
            break
        node = inner
        if node.type == "reference_expression":
            value = node.child_by_field_name("value")
            if value is None:
                break
            node = value
            continue
        mc = model.method(node)
        if mc is not None and ctx.text(mc.name) in ("as_str", "as_ref") and not mc.args:
            node = mc.receiver
            continue
        break
    return node


def _contains_call(node: Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("call_expression",) or (
            n.type == "macro_invocation" and (n.text or b"").startswith(b"format")
        ):
            return True
        if n.type in ("const_block", "closure_expression", "return_expression"):
            if n.type == "return_expression":
                return False
            continue
        stack.extend(n.named_children)
    return False


def _has_return(node: Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "return_expression":
            return True
        stack.extend(n.named_children)
    return False


@rule(
    "rust/expect-fun-call",
    title="`expect` message built even when nothing fails",
    severity=Severity.WARNING,
    category="allocation",
    explanation="""
The argument of `.expect(..)` is evaluated before the call, so `.expect(&format!(..))`
(or any call building the message) runs and allocates on every call, including the
(usual) calls that succeed. A closure that panics defers that work to the failure path.
""",
    fix="Use `.unwrap_or_else(|| panic!(..))` (Option) or `.unwrap_or_else(|_| panic!(..))` "
    "(Result).",
    measure="cargo bench (criterion) on the hot caller; `perf record` shows "
    "`alloc::fmt::format` under it.",
    mirrors=["clippy:expect_fun_call"],
    bad="""
let cfg: Vec<u16> = load();
let port = cfg.first().expect(&format!("missing port in {}", path));
""",
    good="""
let cfg: Vec<u16> = load();
let port = cfg.first().unwrap_or_else(|| panic!("missing port in {}", path));
let host = cfg.last().expect("missing host");
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "the quick fix is offered only when the file shows the receiver is an `Option` or "
        "a `Result`"
    ],
)
def expect_fun_call(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("expect"):
        if len(mc.args) != 1:
            continue
        root = _arg_root(ctx, model, mc.args[0])
        if not _contains_call(root) or _has_return(root):
            continue
        recv = model.type_of(mc.receiver).auto_deref()
        if recv.known and not recv.is_std("Option", "Result"):
            continue
        if not recv.known and _local_expect(model):
            continue  # a type of this file has its own `expect`: the receiver may be one
        span = ctx.span_between(mc.name, mc.call)
        fix = None
        if recv.is_std("Option", "Result"):
            closure = "||" if recv.name == "Option" else "|_|"
            if macro_name(ctx, root) == "format":
                tree = token_tree(root)
                inner = ctx.text(tree)[1:-1] if tree is not None else ""
                new = f"unwrap_or_else({closure} panic!({inner}))"
            else:
                shown = ctx.text(root)
                if root.type == "index_expression":
                    shown = f"&{shown}"  # a `str` slice is printed through a reference
                new = f'unwrap_or_else({closure} panic!("{{}}", {shown}))'
            fix = guarded_fix(ctx, span, new, "Build the message only on failure")
        yield ctx.finding(info, span, fix=fix)


def _local_expect(model: Model) -> bool:
    return any("expect" in i.methods for i in model.items().impls if not i.trait)


# -- useless-format ------------------------------------------------------------------


@rule(
    "rust/useless-format",
    title="`format!` that only copies a string",
    severity=Severity.INFO,
    category="allocation",
    explanation="""
`format!("text")` and `format!("{}", s)` (with `s` a string) run the formatting machinery
to produce a copy of a string: parsing the template at run time, dispatching through
`Display`, growing the buffer. `"text".to_string()`, `s.to_string()` or `String::new()`
allocate the exact size and copy once.
""",
    fix='Use `"text".to_string()`, `s.to_string()` or `String::new()`.',
    measure="cargo bench (criterion); the difference shows in hot paths only.",
    mirrors=["clippy:useless_format"],
    bad="""
let greeting = format!("hello");
""",
    good="""
let greeting = "hello".to_string();
let padded = format!("{:8}", name);
""",
    node_types=["macro_invocation"],
    scope="body",
    has_fix=True,
)
def useless_format(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for call in format_calls(ctx):
        mac = call.mac
        if macro_name(ctx, mac) != "format" or call.literal.parent != token_tree(mac):
            continue
        if mac.parent is not None and mac.parent.type == "token_tree":
            continue  # inside another macro's arguments: its own rules apply
        lit = ctx.text(call.literal)
        new: str | None = None
        if call.pieces == 0 and not call.args:
            if lit in ('""', 'r""', 'r#""#'):
                new = "String::new()"
            else:
                new = f"{lit.replace('{{', '{').replace('}}', '}')}.to_string()"
        elif call.pieces == 1 and _whole_placeholder(lit):
            value = _single_string_value(ctx, model, call)
            if value is None:
                continue
            new = value
        else:
            continue
        yield ctx.finding(info, mac, fix=guarded_fix(ctx, mac, new, "Copy the string directly"))


def _whole_placeholder(literal: str) -> bool:
    """The template is nothing but one `{..}` placeholder with no options."""
    body = literal[1:-1] if literal.startswith('"') else ""
    m = re.fullmatch(r"\{(\w*)\}", body)
    return m is not None


def _single_string_value(ctx: Context, model: Model, call: FormatCall) -> str | None:
    if call.args:
        if len(call.args) != 1 or not displayed_once(call.args[0]):
            return None
        toks = call.args[0].tokens
        if len(toks) == 1 and is_string_literal(toks[0]):
            return f"{ctx.text(toks[0])}.to_string()"
        if len(toks) == 1 and toks[0].type == "identifier":
            return _string_var(ctx, model, call.mac, ctx.text(toks[0]))
        if (
            len(toks) >= 4
            and toks[-3].type == "."
            and ctx.text(toks[-2]) == "to_string"
            and ctx.text(toks[-1]) == "()"
        ):
            if not all(t.type in _RECEIVER_TOKENS for t in toks[:-3]):
                return None
            return ctx.source[toks[0].start_byte : toks[-1].end_byte].decode("utf-8", "replace")
        return None
    if len(call.inline) != 1:
        return None
    ((name, specs),) = call.inline.items()
    if specs != [""]:
        return None
    return _string_var(ctx, model, call.mac, name)


def _string_var(ctx: Context, model: Model, at: Node, name: str) -> str | None:
    b = model.binding_named(name, at)
    if b is None:
        return None
    t = model.binding_type(b).deref()
    if t.name == "str" or t.is_std("String"):
        return f"{name}.to_string()"
    return None
