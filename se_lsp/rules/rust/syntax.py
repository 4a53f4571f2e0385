"""Small questions about Rust syntax trees, each with one meaning, shared by the rule families.

Nothing here knows about types: that is the semantic model's job (model.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tree_sitter import Node

from se_lsp.core.findings import Fix
from se_lsp.core.positions import Span
from se_lsp.rules.engine import Context

COMMENTS = ("line_comment", "block_comment")
# Siblings that sit between statements without being one: "the next statement" skips them.
NOT_STATEMENTS = (*COMMENTS, "attribute_item", "inner_attribute_item")
LOOPS = ("for_expression", "while_expression", "loop_expression")
FUNCTIONS = ("function_item", "closure_expression")
STRING_LITERALS = ("string_literal", "raw_string_literal")


def args(node: Node | None) -> list[Node]:
    """The named children of an argument list (or any node), without comments."""
    if node is None:
        return []
    return [c for c in node.named_children if c.type not in COMMENTS]


def call_args(call: Node) -> list[Node]:
    return args(call.child_by_field_name("arguments"))


def is_string_literal(node: Node | None) -> bool:
    return node is not None and node.type in STRING_LITERALS


def is_str_literal(ctx: Context, node: Node | None) -> bool:
    """A `&str` literal: `"a"` or `r#"a"#`, not the byte strings `b"a"`/`br"a"`."""
    return is_string_literal(node) and ctx.source[node.start_byte] != 98  # type: ignore[union-attr]


def unparen(node: Node | None) -> Node | None:
    """`x` for `(x)`, `((x))`."""
    while node is not None and node.type == "parenthesized_expression":
        inner = args(node)
        node = inner[0] if len(inner) == 1 else None
    return node


def macro_name(ctx: Context, node: Node | None) -> str:
    """`format` for `format!(..)` and `std::format!(..)`; "" when `node` is no macro call."""
    if node is None or node.type != "macro_invocation":
        return ""
    name = node.child_by_field_name("macro")
    return ctx.text(name).rsplit("::", 1)[-1] if name is not None else ""


def macro_head(ctx: Context, mac: Node) -> str:
    """The macro's name read straight from the source bytes (cheaper than macro_name)."""
    head = ctx.source[mac.start_byte : mac.start_byte + 64].split(b"!", 1)[0]
    return head.rsplit(b"::", 1)[-1].strip().decode("utf-8", "replace")


def token_tree(mac: Node) -> Node | None:
    return next((c for c in mac.children if c.type == "token_tree"), None)


def segments(tree: Node) -> list[list[Node]]:
    """The comma-separated top-level pieces of a macro's token tree."""
    inner = tree.children[1:-1]
    out: list[list[Node]] = [[]]
    for tok in inner:
        if tok.type == ",":
            out.append([])
        elif tok.type not in COMMENTS:
            out[-1].append(tok)
    return [s for s in out if s]


def _ident_byte(b: int) -> bool:
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def is_word_at(source: bytes, start: int, end: int) -> bool:
    """Whether source[start:end] is a whole identifier-like word (not part of a longer one)."""
    return (start == 0 or not _ident_byte(source[start - 1])) and (
        end >= len(source) or not _ident_byte(source[end])
    )


def find_words(
    source: bytes, words: tuple[bytes, ...], lo: int = 0, hi: int = -1
) -> list[tuple[int, bytes]]:
    """Where each word occurs as a whole word, in order: one `bytes.find` scan per word
    (C-speed substring search; a regular expression starting with `\\b` or an alternation
    is many times slower over a large file)."""
    if hi < 0:
        hi = len(source)
    out = []
    for w in words:
        # A word ending in a space only needs its start checked.
        size = len(w.rstrip())
        at = source.find(w, lo, hi)
        while at >= 0:
            if is_word_at(source, at, at + size):
                out.append((at, w))
            at = source.find(w, at + len(w), hi)
    out.sort()
    return out


def mentions(ctx: Context, node: Node, name: str) -> bool:
    """Whether the identifier `name` occurs as a word in `node`'s text (bytes, no decoding)."""
    return mentions_between(ctx, node.start_byte, node.end_byte, name)


def mentions_between(ctx: Context, start: int, end: int, name: str) -> bool:
    raw = ctx.source
    word = name.encode()
    at = raw.find(word, start, end)
    while at >= 0:
        stop = at + len(word)
        if (at == 0 or not _ident_byte(raw[at - 1])) and (
            stop >= len(raw) or not _ident_byte(raw[stop])
        ):
            return True
        at = raw.find(word, stop, end)
    return False


def statements_after(node: Node) -> Iterator[Node]:
    """The statements after `node` in its block, past comments and attributes between them."""
    sib = node.next_named_sibling
    while sib is not None:
        if sib.type not in NOT_STATEMENTS:
            yield sib
        sib = sib.next_named_sibling


def statements(block: Node | None) -> list[Node]:
    """A block's statements (and tail expression), without comments and attributes."""
    if block is None:
        return []
    return [c for c in block.named_children if c.type not in NOT_STATEMENTS]


def expression_of(stmt: Node) -> Node | None:
    """The expression an expression statement (or a block's tail expression) holds."""
    if stmt.type == "expression_statement":
        inner = args(stmt)
        return inner[0] if inner else None
    if stmt.type in ("let_declaration", "function_item", "struct_item", "empty_statement"):
        return None
    return stmt


def let_name(ctx: Context, let: Node) -> str:
    """The name a `let` binds when its pattern is one identifier (`let mut v`)."""
    pat = let.child_by_field_name("pattern")
    return ctx.text(pat) if pat is not None and pat.type == "identifier" else ""


def has_comment(ctx: Context, first: Node, last: Node) -> bool:
    """Whether replacing `first..last` could delete a comment (then no fix is offered)."""
    text = ctx.source[first.start_byte : last.end_byte]
    return b"//" in text or b"/*" in text


def guarded_fix(ctx: Context, target: Node | Span, new_text: str, description: str) -> Fix | None:
    """A fix, unless the text it replaces holds a comment that the new text would drop."""
    span = target if isinstance(target, Span) else ctx.span(target)
    old = ctx.index.text[ctx.index.offset(span.start) : ctx.index.offset(span.end)]

    def comments(t: str) -> int:
        return t.count("//") + t.count("/*")

    if comments(old) > comments(new_text):
        return None
    return ctx.fix(span, new_text, description)


def in_macro_body(node: Node) -> bool:
    """True inside a macro's token tree, where tree-sitter sees tokens, not expressions."""
    parent = node.parent
    return parent is not None and parent.type == "token_tree"


def is_literal(node: Node | None) -> bool:
    return node is not None and node.type in (
        "integer_literal",
        "float_literal",
        "string_literal",
        "raw_string_literal",
        "char_literal",
        "boolean_literal",
    )


def closure_params(closure: Node) -> list[Node]:
    """The parameter patterns of `|a, (b, c), d: T|` (the pattern, not the `: T`)."""
    params = closure.child_by_field_name("parameters")
    out = []
    for p in args(params):
        if p.type == "parameter":
            pat = p.child_by_field_name("pattern")
            if pat is not None:
                out.append(pat)
        else:
            out.append(p)
    return out


def closure_body(closure: Node) -> Node | None:
    return closure.child_by_field_name("body")


def single_expression(block: Node | None) -> Node | None:
    """`e` for a block `{ e }` (or the node itself when it is no block)."""
    if block is None:
        return None
    if block.type != "block":
        return block
    inner = statements(block)
    if len(inner) != 1:
        return None
    return inner[0] if inner[0].type != "expression_statement" else None


def fn_tail(node: Node) -> bool:
    """Whether `node` is the tail expression (the returned value) of a function's body."""
    block = node.parent
    if block is None or block.type != "block" or block.parent is None:
        return False
    if block.parent.type != "function_item":
        return False
    inner = statements(block)
    return bool(inner) and inner[-1].id == node.id


# -- byte prefilters for the method scan (see Model.hints) ----------------------------


def after(source: bytes, end: int, size: int = 160) -> bytes:
    """The bytes right after a method name, as far as `size`."""
    return source[end : end + size]


def before_dot(source: bytes, dot: int, size: int = 24) -> bytes:
    """The bytes before a method's dot, trailing whitespace removed."""
    return source[max(0, dot - size) : dot].rstrip()


def hint_any_of(*markers: bytes, size: int = 160) -> Callable[[bytes, int, int], bool]:
    """A hint: one of `markers` occurs within `size` bytes after the name."""

    def hint(source: bytes, dot: int, end: int) -> bool:
        tail = source[end : end + size]
        return any(m in tail for m in markers)

    return hint


def hint_after_dot(*endings: bytes) -> Callable[[bytes, int, int], bool]:
    """A hint: the receiver before the dot ends with one of `endings` (`iter()`)."""

    def hint(source: bytes, dot: int, end: int) -> bool:
        return before_dot(source, dot).replace(b" ", b"").endswith(endings)

    return hint


def hint_args_start(*starts: bytes) -> Callable[[bytes, int, int], bool]:
    """A hint: the argument list starts with one of `starts` (spaces ignored)."""

    def hint(source: bytes, dot: int, end: int) -> bool:
        return source[end : end + 40].replace(b" ", b"").replace(b"\n", b"").startswith(starts)

    return hint


def leaves_early(node: Node) -> bool:
    """Whether evaluating `node` may leave the function (`?`, `return`, `break`,
    `continue`) outside any closure of its own: clippy skips such fallbacks too."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("try_expression", "return_expression", "break_expression"):
            return True
        if n.type == "continue_expression":
            return True
        if n.type == "closure_expression":
            continue
        stack.extend(n.named_children)
    return False


def walk(node: Node) -> Iterator[Node]:
    """`node` and every named node below it, in document order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.named_children))


# Assertion macros: how many leading arguments are checked every time. The failure
# message (a format string and its arguments) follows them and is formatted only when
# the assertion fails.
ASSERT_MACROS = {
    "assert": 1,
    "debug_assert": 1,
    "assert_eq": 2,
    "assert_ne": 2,
    "debug_assert_eq": 2,
    "debug_assert_ne": 2,
}
