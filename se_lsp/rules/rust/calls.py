"""Rules about single calls with a cheaper or clearer equivalent."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule
from se_lsp.rules.rust import stdlib as S
from se_lsp.rules.rust.model import Model
from se_lsp.rules.rust.stdlib import Ty
from se_lsp.rules.rust.syntax import (
    args,
    guarded_fix,
    hint_any_of,
    hint_args_start,
    leaves_early,
    macro_name,
    token_tree,
    unparen,
)

CALLS: list[str] = []

# Method -> index of the pattern argument, number of arguments (clippy's list).
PATTERN_METHODS = {
    "contains": (0, 1),
    "starts_with": (0, 1),
    "ends_with": (0, 1),
    "find": (0, 1),
    "rfind": (0, 1),
    "split": (0, 1),
    "split_inclusive": (0, 1),
    "rsplit": (0, 1),
    "split_terminator": (0, 1),
    "rsplit_terminator": (0, 1),
    "splitn": (1, 2),
    "rsplitn": (1, 2),
    "split_once": (0, 1),
    "rsplit_once": (0, 1),
    "matches": (0, 1),
    "rmatches": (0, 1),
    "match_indices": (0, 1),
    "rmatch_indices": (0, 1),
    "trim_start_matches": (0, 1),
    "trim_end_matches": (0, 1),
    "replace": (0, 2),
    "replacen": (0, 3),
}
_EAGER_TO_LAZY = {
    "unwrap_or": "unwrap_or_else",
    "or_insert": "or_insert_with",
    "ok_or": "ok_or_else",
    "get_or_insert": "get_or_insert_with",
    "map_or": "map_or_else",
}
METHODS = frozenset({"truncate", "sort", *PATTERN_METHODS, *_EAGER_TO_LAZY})


def _short_literal(source: bytes, dot: int, end: int) -> bool:
    """A string literal of at most a few bytes among the first arguments."""
    tail = source[end : end + 48]
    at = tail.find(b'"')
    if at < 0:
        return False
    close = tail.find(b'"', at + 1)
    if close < 0:
        return False
    return close - at - 1 <= 8 or tail[at + 1 : at + 2] == b"\\"


_ALLOCATING = hint_any_of(
    b"format!", b"to_string", b"to_owned", b"to_vec", b"String::from", b"with_capacity", b"vec!"
)
# Byte prefilters for those calls (see Model.hints).
HINTS = {
    "truncate": hint_args_start(b"(0)"),
    "sort": hint_args_start(b"()"),
    **{name: _short_literal for name in PATTERN_METHODS},
    **{name: _ALLOCATING for name in _EAGER_TO_LAZY},
}


# -- manual-clear ---------------------------------------------------------------------


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
let mut buf: Vec<u8> = Vec::new();
buf.truncate(0);
""",
    good="""
let mut buf: Vec<u8> = Vec::new();
buf.clear();
buf.truncate(8);
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def manual_clear(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("truncate"):
        if len(mc.args) != 1 or ctx.text(mc.args[0]) != "0":
            continue
        t = model.type_of(mc.receiver).auto_deref()
        if not t.is_std("Vec", "VecDeque", "String", "OsString"):
            continue  # a type of its own may mean something else by `truncate`
        span = ctx.span_between(mc.name, mc.call)
        yield ctx.finding(info, span, fix=guarded_fix(ctx, span, "clear()", "Use `.clear()`"))


# -- single-char-pattern ---------------------------------------------------------------

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def _literal_value(text: str) -> tuple[str, str] | None:
    """(the string's value, its source spelling between the quotes) of a string literal."""
    if text.startswith("r"):
        hashes = len(text) - len(text.lstrip("r").lstrip("#")) - 1
        inner = text[1 + hashes + 1 : len(text) - 1 - hashes]
        return inner, inner
    if text.startswith("b") or not text.startswith('"') or not text.endswith('"'):
        return None
    inner = text[1:-1]
    out = []
    i = 0
    while i < len(inner):
        c = inner[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = inner[i + 1 : i + 2]
        if nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt == "x" and len(inner) >= i + 4:
            try:
                out.append(chr(int(inner[i + 2 : i + 4], 16)))
            except ValueError:
                return None
            i += 4
        else:
            return None  # `\u{..}`, line continuations: not a single ASCII char anyway
    return "".join(out), inner


def _char_literal(text: str) -> str | None:
    """`'x'` for a string literal holding exactly one ASCII character (clippy's rule)."""
    parsed = _literal_value(text)
    if parsed is None:
        return None
    value, spelled = parsed
    if len(value.encode()) != 1:
        return None
    if text.startswith("r"):
        spelled = {"'": "\\'", "\\": "\\\\"}.get(spelled, spelled)
        return f"'{spelled}'"
    if spelled == "'":
        return "'\\''"
    if spelled == '\\"':
        return "'\"'"
    return f"'{spelled}'"


def _is_text(t: Ty) -> bool:
    d = t.auto_deref()
    return d.name == "str" or d.is_std("String")


@rule(
    "rust/single-char-pattern",
    title="One-character string used as a pattern",
    severity=Severity.HINT,
    category="other",
    explanation="""
A `&str` pattern goes through the substring searcher, while a `char` pattern uses a
simpler single-character (memchr-style) search. For one ASCII character the `char` is
never slower and is the clearer statement; the gain is usually small.
""",
    fix="Use a `char` literal: `split(',')` instead of `split(\",\")`.",
    measure="cargo bench (criterion) on the parsing loop.",
    mirrors=["clippy:single_char_pattern"],
    bad="""
let line = String::new();
let fields: Vec<&str> = line.split(",").collect();
""",
    good="""
let line = String::new();
let fields: Vec<&str> = line.split(',').collect();
let parts: Vec<&str> = line.split(", ").collect();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
    gaps=[
        "receivers whose type the file does not show (so may be a `Path` or a set) are not reported"
    ],
)
def single_char_pattern(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for name, (at, count) in PATTERN_METHODS.items():
        for mc in model.methods(name):
            if len(mc.args) != count or mc.args[at].type not in (
                "string_literal",
                "raw_string_literal",
            ):
                continue
            lit = mc.args[at]
            char = _char_literal(ctx.text(lit))
            if char is None or not _is_text(model.type_of(mc.receiver)):
                continue
            yield ctx.finding(info, lit, fix=guarded_fix(ctx, lit, char, "Use a `char` pattern"))


# -- or-fun-call --------------------------------------------------------------------

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


def _allocates(ctx: Context, model: Model, node: Node) -> bool:
    """An argument expression that certainly allocates (`format!`, `.to_string()`, ...)."""
    node = unparen(node) or node
    name = macro_name(ctx, node)
    if name == "format":
        return True
    if name == "vec":
        tree = token_tree(node)
        return tree is not None and bool(tree.named_children)
    mc = model.method(node)
    if mc is not None:
        if _empty_literal(ctx, mc.receiver):
            return False  # `"".to_string()`: an empty `String` holds no heap memory
        return ctx.text(mc.name) in ("to_string", "to_owned", "to_vec") and not mc.args
    path = model.call_path(node)
    if path.endswith("String::from"):
        arg = node.child_by_field_name("arguments")
        given = args(arg) if arg is not None else []
        return not (len(given) == 1 and _empty_literal(ctx, given[0]))
    return path.endswith(("Vec::with_capacity", "String::with_capacity"))


def _empty_literal(ctx: Context, node: Node) -> bool:
    return node.type == "string_literal" and ctx.text(node) == '""'


def _kind(ctx: Context, model: Model, receiver: Node) -> str:
    """ "option", "result" or "" for the receiver of `unwrap_or` and friends."""
    t = model.type_of(receiver).auto_deref()
    if t.is_std("Option"):
        return "option"
    if t.is_std("Result"):
        return "result"
    for _ in range(4):
        mc = model.method(receiver)
        if mc is None:
            return ""
        name = ctx.text(mc.name)
        if name in _OPTION_SOURCES:
            return "option"
        if name in _RESULT_SOURCES:
            return "result"
        if name not in ("cloned", "copied", "as_deref", "as_ref"):
            return ""
        receiver = mc.receiver
    return ""


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
    scope="body",
    has_fix=True,
    confidence=0.85,
    gaps=[
        "calls that do not allocate (a plain function, a constructor the file does not "
        'show, `"".to_string()`) are not reported: clippy\'s nursery lint reports every '
        "call, whose eager cost is usually negligible",
        "a fallback that can leave the function (`unwrap_or(f()?)`) is not reported, as in clippy",
    ],
)
def or_fun_call(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods(*_EAGER_TO_LAZY):
        name = ctx.text(mc.name)
        if name == "map_or":
            if len(mc.args) != 2 or not _allocates(ctx, model, mc.args[0]):
                continue
        elif len(mc.args) != 1 or not _allocates(ctx, model, mc.args[0]):
            continue
        if leaves_early(mc.args[0]):
            continue  # `unwrap_or(f()?.to_owned())`: in a closure the `?` would not compile
        closure = ""
        if name in ("or_insert", "ok_or", "get_or_insert"):
            closure = "||"
        else:
            kind = _kind(ctx, model, mc.receiver)
            closure = "||" if kind == "option" else "|_|" if kind == "result" else ""
        fix = None
        span = ctx.span_between(mc.name, mc.call)
        if closure and name != "map_or":
            new = f"{_EAGER_TO_LAZY[name]}({closure} {ctx.text(mc.args[0])})"
            fix = guarded_fix(ctx, span, new, "Build the fallback lazily")
        yield ctx.finding(info, span, fix=fix)


# -- stable-sort-primitive ---------------------------------------------------------------


def _primitive(t: Ty | None) -> bool:
    if t is None:
        return False
    if t.name in S.PRIMITIVES:
        return t.name != "str"
    if t.is_ref and t.args and t.args[0].name == "str":
        return True
    if t.name in ("tuple", "array"):
        return bool(t.args) and all(_primitive(a) for a in t.args)
    return False


@rule(
    "rust/stable-sort-primitive",
    title="Stable sort of primitive values",
    severity=Severity.INFO,
    category="algorithm",
    explanation="""
`sort()` is a stable merge sort: it allocates a buffer of half the slice and keeps equal
elements in their order. For numbers, `char`s, `bool`s, `&str`s (and tuples and arrays of
them), equal elements cannot be told apart, so `sort_unstable()` gives the same result in
place, without the allocation, and is usually faster.
""",
    fix="Use `sort_unstable()`.",
    measure="cargo bench (criterion) on realistic input sizes.",
    mirrors=["clippy:stable_sort_primitive"],
    bad="""
let mut ids = vec![3, 1, 2];
ids.sort();
""",
    good="""
let mut ids = vec![3, 1, 2];
ids.sort_unstable();
let mut names = vec![String::from("b")];
names.sort();
""",
    node_types=CALLS,
    scope="body",
    has_fix=True,
)
def stable_sort_primitive(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    model = Model.of(ctx)
    for mc in model.methods("sort"):
        if mc.args:
            continue
        t = model.type_of(mc.receiver).auto_deref()
        if not (t.name in ("[]", "array") or t.is_std("Vec", "VecDeque")):
            continue
        if t.is_std("VecDeque"):
            continue  # no `sort` of its own
        if not _primitive(S.element(t)):
            continue
        span = ctx.span_between(mc.name, mc.call)
        yield ctx.finding(
            info, span, fix=guarded_fix(ctx, span, "sort_unstable()", "Sort in place")
        )
