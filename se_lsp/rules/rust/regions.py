"""Which lines of a Rust file are test code, cold code, or under an `#[allow(clippy::..)]`.

The engine asks these only when a rule has found something, so each table is built on
first use and kept for the rest of the analysis. Every table comes from one linear scan of
the source for the words that can start such a region, confirmed by asking the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from tree_sitter import Node, Query, QueryCursor

from se_lsp.core.findings import Finding
from se_lsp.core.languages import grammar
from se_lsp.rules.common import inside_function_body
from se_lsp.rules.engine import Context, RuleInfo
from se_lsp.rules.rust.model import Model
from se_lsp.rules.rust.syntax import ASSERT_MACROS, COMMENTS, NOT_STATEMENTS, args, find_words
from se_lsp.rules.suppress import mirror_parts

Lines = list[tuple[int, int]]

# The clippy group of each lint a Rust rule mirrors (from clippy's `declare_clippy_lint!`
# declarations): `#[allow(clippy::perf)]` silences the perf ones, `clippy::all` the groups
# it contains.
CLIPPY_GROUPS = {
    "assigning_clones": "pedantic",
    "box_collection": "perf",
    "bytes_nth": "style",
    "cmp_owned": "perf",
    "drain_collect": "perf",
    "expect_fun_call": "perf",
    "extend_with_drain": "perf",
    "format_in_format_args": "perf",
    "format_push_string": "pedantic",
    "implicit_clone": "pedantic",
    "inefficient_to_string": "pedantic",
    "iter_count": "complexity",
    "iter_nth": "style",
    "iter_overeager_cloned": "perf",
    "large_enum_variant": "perf",
    "linkedlist": "pedantic",
    "manual_clear": "perf",
    "manual_contains": "perf",
    "manual_ignore_case_cmp": "perf",
    "manual_memcpy": "perf",
    "manual_retain": "perf",
    "manual_str_repeat": "perf",
    "map_entry": "perf",
    "missing_spin_loop": "perf",
    "mutex_atomic": "restriction",
    "mutex_integer": "restriction",
    "needless_collect": "nursery",
    "needless_range_loop": "style",
    "or_fun_call": "nursery",
    "redundant_allocation": "perf",
    "redundant_clone": "nursery",
    "redundant_iter_cloned": "perf",
    "regex_creation_in_loops": "perf",
    "search_is_some": "nursery",
    "set_contains_or_insert": "nursery",
    "single_char_pattern": "pedantic",
    "slow_vector_initialization": "perf",
    "stable_sort_primitive": "pedantic",
    "to_string_in_format_args": "perf",
    "unnecessary_fold": "style",
    "unnecessary_to_owned": "perf",
    "useless_format": "complexity",
    "useless_vec": "perf",
    "vec_init_then_push": "perf",
}
# `clippy::all` is every lint that is on by default.
_IN_ALL = {"correctness", "suspicious", "style", "complexity", "perf"}


def is_test_path(path: str) -> bool:
    """Integration tests and benchmarks live in these Cargo directories; a unit-test
    module split into its own file is conventionally `tests.rs` or `<name>_tests.rs`
    (declared `#[cfg(test)] mod tests;`, which the file itself cannot show)."""
    pure = PurePath(path)
    if pure.name == "tests.rs" or pure.name.endswith("_tests.rs"):
        return True
    return any(p in ("tests", "benches") for p in pure.parts[:-1])


# -- #[allow] / #[expect] -------------------------------------------------------------

# Attributes that may silence lints. Linear: a literal start, then a bounded word.
_ALLOW = re.compile(rb"#!?\[\s*+(?:allow|expect|cfg_attr)\b")
_CLIPPY_NAME = re.compile(r"clippy\s*+::\s*+(\w++)")


@dataclass(frozen=True, slots=True)
class _Allowed:
    first: int  # 0-based lines, inclusive
    last: int
    names: frozenset[str]


def _allowed(ctx: Context) -> list[_Allowed]:
    found: list[_Allowed] | None = ctx.shared.get("rust-allowed")
    if found is not None:
        return found
    found = []
    if b"clippy" in ctx.source:
        for m in _ALLOW.finditer(ctx.source):
            attr = ctx.root.descendant_for_byte_range(m.start(), m.start() + 1)
            while attr is not None and attr.type not in ("attribute_item", "inner_attribute_item"):
                attr = attr.parent if attr.type not in ("source_file",) else None
            if attr is None:
                continue
            body = ctx.text(attr)
            if not re.match(r"#!?\[\s*(?:allow|expect|cfg_attr)", body):
                continue
            if body.lstrip("#![ \t").startswith("cfg_attr") and not re.search(
                r"\b(?:allow|expect)\s*\(", body
            ):
                continue
            names = frozenset(_CLIPPY_NAME.findall(body))
            if not names:
                continue
            target = _annotated(attr)
            if target is None:
                continue
            found.append(_Allowed(target.start_point.row, target.end_point.row, names))
    ctx.shared["rust-allowed"] = found
    return found


def _annotated(attr: Node) -> Node | None:
    """What an attribute applies to: the next item or statement, or (inner) its container."""
    if attr.type == "inner_attribute_item":
        parent = attr.parent
        if parent is not None and parent.type in ("declaration_list", "block"):
            return parent.parent or parent
        return parent
    sib = attr.next_named_sibling
    while sib is not None and sib.type in NOT_STATEMENTS:
        sib = sib.next_named_sibling
    return sib


def suppressed(ctx: Context, finding: Finding, info: RuleInfo) -> bool:
    """`#[allow(clippy::x)]` / `#[expect(..)]` naming a mirrored lint (or its group) on any
    enclosing item or statement, or `#![allow(..)]` on the crate or module, silences the
    finding. se-lsp's own ids cannot be spelled there (rustc rejects an unknown lint tool),
    so those are silenced with `// se-lsp: ignore[rule-id]` comments."""
    lints = {check for tool, check in map(mirror_parts, info.mirrors) if tool == "clippy"}
    if not lints:
        return False
    wanted = set(lints)
    for lint in lints:
        group = CLIPPY_GROUPS.get(lint)
        if group:
            wanted.add(group)
            if group in _IN_ALL:
                wanted.add("all")
    line = finding.span.start.line
    return any(a.first <= line <= a.last and a.names & wanted for a in _allowed(ctx))


# -- test code ---------------------------------------------------------------------

_TEST_ATTR = re.compile(
    rb"#!?\[\s*+(?:cfg\s*+\(|test\b|bench\b|(?:[A-Za-z_]\w{0,40}+::){1,3}+test\b|rstest\b|"
    rb"test_case\b|quickcheck\b|proptest\b)"
)
_TEST_NAMES = {"test", "bench", "rstest", "test_case", "quickcheck", "proptest"}


def _implies_test(tree: Node | None) -> bool:
    """Whether a `cfg(..)` predicate holds only when compiling tests."""
    if tree is None:
        return False
    parts = [c for c in tree.children[1:-1] if c.type not in COMMENTS]
    items: list[list[Node]] = [[]]
    for p in parts:
        if p.type == ",":
            items.append([])
        else:
            items[-1].append(p)
    preds = [i for i in items if i]
    if len(preds) != 1:
        return False
    pred = preds[0]
    head = pred[0]
    name = head.text.decode() if head.text else ""
    if len(pred) == 1 and head.type == "identifier":
        return name == "test"
    if len(pred) == 2 and pred[1].type == "token_tree":
        inner = _split(pred[1])
        if name == "all":
            return any(_implies_test_list(i) for i in inner)
        if name == "any":
            return bool(inner) and all(_implies_test_list(i) for i in inner)
    return False


def _split(tree: Node) -> list[list[Node]]:
    out: list[list[Node]] = [[]]
    for p in tree.children[1:-1]:
        if p.type == ",":
            out.append([])
        elif p.type not in COMMENTS:
            out[-1].append(p)
    return [i for i in out if i]


def _implies_test_list(pred: list[Node], depth: int = 0) -> bool:
    if depth > 16:
        return False
    head = pred[0]
    name = head.text.decode() if head.text else ""
    if len(pred) == 1:
        return head.type == "identifier" and name == "test"
    if len(pred) == 2 and pred[1].type == "token_tree":
        inner = _split(pred[1])
        if name == "all":
            return any(_implies_test_list(i, depth + 1) for i in inner)
        if name == "any":
            return bool(inner) and all(_implies_test_list(i, depth + 1) for i in inner)
    return False


def test_lines(ctx: Context) -> Lines:
    """`#[cfg(test)]` items (and `cfg(all(test, ..))`), `#[test]`/`#[bench]`/`#[tokio::test]`
    functions, and a whole file under `#![cfg(test)]`."""
    out: Lines = []
    for m in _TEST_ATTR.finditer(ctx.source):
        attr = ctx.root.descendant_for_byte_range(m.start(), m.start() + 1)
        while attr is not None and attr.type not in ("attribute_item", "inner_attribute_item"):
            attr = attr.parent if attr.type != "source_file" else None
        if attr is None or not attr.named_children:
            continue
        a = attr.named_children[0]
        head = a.named_children[0] if a.named_children else None
        if head is None:
            continue
        name = ctx.text(head)
        is_test = False
        if name == "cfg":
            is_test = _implies_test(a.child_by_field_name("arguments"))
        elif name.rsplit("::", 1)[-1] in _TEST_NAMES:
            is_test = True
        if not is_test:
            continue
        target = _annotated(attr)
        if target is not None:
            out.append((target.start_point.row, target.end_point.row))
    return _merged(out)


# -- cold code ---------------------------------------------------------------------

# Macros whose arguments only run when something failed, or once (initialisers).
_COLD_MACROS = frozenset(
    {"panic", "unreachable", "todo", "unimplemented", "bail", "anyhow"}
    | {"lazy_static", "thread_local"}
)
# Methods whose closure argument runs on the error path or once (the model's shared scan
# finds them with the rules' methods: see METHODS, merged in __init__).
METHODS = frozenset(
    {"map_err", "ok_or_else", "unwrap_or_else", "with_context", "get_or_init"}
    | {"get_or_try_init", "call_once"}
)
# Node types cold_lines reads from the engine's one query (added to every rule's types).
NODE_TYPES = ("function_item", "macro_invocation", "const_item", "static_item", "let_declaration")
_LOOP_QUERY = "(for_expression) @l (while_expression) @l (loop_expression) @l"


def _loop_query() -> Query:
    q: Query | None = _QUERIES.get("loops")
    if q is None:
        q = _QUERIES["loops"] = Query(grammar("rust"), _LOOP_QUERY)
    return q


_QUERIES: dict[str, Query] = {}


def _rows(node: Node) -> tuple[int, int]:
    return node.start_point.row, node.end_point.row


def cold_lines(ctx: Context) -> Lines:
    """Code that runs once or only when something failed: findings there are hints.

    `fn main`'s set-up before its first loop (all of it when it has none); closures given
    to `map_err`, `ok_or_else`, `unwrap_or_else(|e| ..)`, `with_context`; `Err(..)`
    values and `Err(..) =>` arms; `if let Err(..)` bodies; `let .. else` blocks;
    `panic!`/`unreachable!`/`todo!`/`bail!`/`anyhow!` arguments; the failure message of
    `assert!`-family macros (on lines of its own); `const`/`static` initialisers;
    `lazy_static!`, `thread_local!`, `LazyLock::new`, `get_or_init`.

    Nodes come from the engine's query and the model's method scan (shared with the
    rules); only `Err` and `Lazy…` are found by substring search.
    """
    out: Lines = []
    root = ctx.root
    model = Model.of(ctx)
    source = ctx.source
    for fn in ctx.nodes("function_item"):
        if fn.parent is not None and fn.parent.type == "source_file":
            fn_name = fn.child_by_field_name("name")
            if fn_name is not None and ctx.text(fn_name) == "main":
                out.extend(_main_setup(ctx, fn))
    for kind in ("const_item", "static_item"):
        for item in ctx.nodes(kind):
            value = item.child_by_field_name("value")
            if value is not None:
                out.append(_rows(value))
    for let in ctx.nodes("let_declaration"):
        alt = let.child_by_field_name("alternative")
        if alt is not None:
            out.append(_rows(alt))
    for mac in ctx.nodes("macro_invocation"):
        name = _macro_name(ctx, mac)
        if name in _COLD_MACROS:
            out.append(_rows(mac))
        elif name in ASSERT_MACROS:
            out.extend(_assert_message(mac, ASSERT_MACROS[name]))
    for mc in model.methods(*METHODS):
        method = ctx.text(mc.name)
        for a in mc.args:
            if a.type != "closure_expression":
                continue
            if method == "unwrap_or_else" and not args(a.child_by_field_name("parameters")):
                continue  # Option's fallback: the usual path, not an error
            out.append(_rows(a))
    lo, hi = ctx.scan_range
    for at, _ in find_words(source, (b"Err",), lo, hi):
        node = root.descendant_for_byte_range(at, at + 1)
        if node is not None:
            out.extend(_err_region(node))
    at = source.find(b"Lazy", lo, hi)
    while at >= 0:
        node = root.descendant_for_byte_range(at, at + 1)
        word_end = at + 4
        while word_end < hi and (source[word_end : word_end + 1].isalnum()):
            word_end += 1
        if (
            node is not None
            and source[at:word_end] in (b"LazyLock", b"LazyCell", b"Lazy")
            and source[word_end : word_end + 2] == b"::"
        ):
            call = node.parent
            while call is not None and call.type in (
                "scoped_identifier",
                "generic_function",
                "scoped_type_identifier",
                "generic_type",
            ):
                call = call.parent
            if call is not None and call.type == "call_expression":
                out.append(_rows(call))
        at = source.find(b"Lazy", word_end, hi)
    return _merged(out)


def _macro_name(ctx: Context, mac: Node) -> str:
    head = mac.child_by_field_name("macro")
    if head is None:
        return ""
    return ctx.text(head).rsplit("::", 1)[-1]


def _assert_message(mac: Node, checked: int) -> Lines:
    """The rows of an assertion's failure message that hold none of its checked
    arguments (so a one-line `assert!` stays hot)."""
    if mac.type != "macro_invocation":
        return []
    tree = next((c for c in mac.children if c.type == "token_tree"), None)
    if tree is None:
        return []
    commas = 0
    last_checked_row = tree.start_point.row
    for tok in tree.children[1:-1]:
        if tok.type == ",":
            commas += 1
            if commas == checked:
                last_checked_row = tok.start_point.row
            continue
        if commas >= checked:
            first = max(tok.start_point.row, last_checked_row + 1)
            end = tree.end_point.row
            return [(first, end)] if first <= end else []
    return []


def _merged(lines: Lines) -> Lines:
    """Overlapping or nested ranges merged, so the engine checks a short list per finding."""
    out: Lines = []
    for a, b in sorted(lines):
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _err_region(node: Node) -> Lines:
    """An `Err(..)` call's arguments, an `Err(..) =>` arm, an `if let Err(..)` body."""
    parent = node.parent
    if parent is None:
        return []
    if parent.type == "call_expression":
        return [_rows(parent)]
    if parent.type == "tuple_struct_pattern":
        owner = parent.parent
        if owner is not None and owner.type == "match_pattern":
            arm = owner.parent
            if arm is not None and arm.type == "match_arm":
                value = arm.child_by_field_name("value")
                return [_rows(value)] if value is not None else []
        if owner is not None and owner.type == "let_condition":
            ifx = owner.parent
            if ifx is not None and ifx.type == "if_expression":
                body = ifx.child_by_field_name("consequence")
                return [_rows(body)] if body is not None else []
    return []


def _main_setup(ctx: Context, fn: Node) -> Lines:
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    cursor = QueryCursor(_loop_query())
    cursor.set_byte_range(body.start_byte, body.end_byte)
    loops = [n for ns in cursor.captures(body).values() for n in ns]
    if not loops:
        return [_rows(body)]
    first = min(loops, key=lambda n: n.start_byte)
    stmt = first
    while stmt.parent is not None and stmt.parent.id != body.id:
        stmt = stmt.parent
    if stmt.start_point.row <= body.start_point.row:
        return []
    return [(body.start_point.row, stmt.start_point.row - 1)]


# Words whose presence anywhere in a file changes findings elsewhere: the model reads every
# `use` (also one inside a function), missing-spin-loop asks whether the crate is `no_std`,
# mutex-atomic leaves files with a `Condvar` alone, linkedlist files that splice lists or
# take rayon's `collect_vec_list`. An edit touching one is a declaration edit.
_FILE_WIDE_WORDS = (b"use ", b"no_std", b"Condvar", b"append(", b"split_off", b"collect_vec_list")
# Items that may be declared inside a function body and seen by the file's model.
_BODY_DECLARATIONS = frozenset(
    {"struct_item", "enum_item", "union_item", "type_item", "trait_item", "impl_item"}
    | {"use_declaration", "mod_item", "macro_definition", "const_item", "static_item"}
)


def in_function_body(root: Node, lo: int, hi: int) -> bool:
    """Whether bytes [lo, hi) lie strictly inside a function's body, in no item declared
    there and without a word the whole file's findings depend on: an edit there changes
    nothing another function's findings depend on (the "body" rule scope)."""
    text = root.text
    if text is not None and any(w in text[max(0, lo - 16) : hi + 16] for w in _FILE_WIDE_WORDS):
        return False
    return inside_function_body(
        root,
        lo,
        hi,
        functions=frozenset({"function_item"}),
        declarations=_BODY_DECLARATIONS | {"function_signature_item"},
    )
