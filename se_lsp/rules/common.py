"""Tree helpers with one meaning each, shared by the language packages."""

from __future__ import annotations

from bisect import bisect_left

from tree_sitter import Node


def inside_function_body(
    root: Node,
    lo: int,
    hi: int,
    *,
    functions: frozenset[str],
    declarations: frozenset[str],
) -> bool:
    """Whether bytes [lo, hi) lie strictly inside the braces of the body of a node of one
    of the `functions` types, and in no node of the `declarations` types declared there.

    An edit there changes nothing another function's findings depend on: this is the
    question behind the engine's "body" rule scope (RuleSet.in_function_body).
    """
    node: Node | None = root.descendant_for_byte_range(lo, max(lo, hi))
    while node is not None:
        t = node.type
        if t in declarations:
            return False
        parent = node.parent
        if parent is not None and parent.type in functions:
            body = parent.child_by_field_name("body")
            if body is not None and body.id == node.id:
                return node.start_byte < lo and hi < node.end_byte
        if t in functions:
            return False  # in its signature, not its body
        node = parent
    return False


def children_touching(node: Node, lo: int, hi: int) -> list[Node]:
    """The children of `node` that overlap or touch bytes [lo, hi], found by a binary
    search over the child list rather than by testing every child (a file's root has
    hundreds of items, and re-analysis after an edit asks this on every keystroke)."""
    # Not TreeCursor.goto_first_child_for_byte: in py-tree-sitter 0.26 it finds only a
    # child that contains the byte, and None for a byte between two children (the line
    # break after `package p`); Node.first_child_for_byte crashes the process there.
    children = node.children
    i = bisect_left(children, lo, key=_end_byte)
    hits = []
    while i < len(children) and children[i].start_byte <= hi:
        hits.append(children[i])
        i += 1
    return hits


def _end_byte(node: Node) -> int:
    return node.end_byte


def _in_comment(root: Node, source: bytes, lo: int, hi: int) -> bool:
    """Whether bytes [lo, hi), less the white space at their ends, lie in one comment."""
    while lo < hi and source[lo : lo + 1].isspace():
        lo += 1
    while hi > lo and source[hi - 1 : hi].isspace():
        hi -= 1
    if lo == hi:
        return True
    node = root.descendant_for_byte_range(lo, hi)
    return (
        node is not None
        and "comment" in node.type
        and node.start_byte <= lo
        and hi <= node.end_byte
    )


def comment_only_edit(
    old_root: Node,
    old: bytes,
    new_root: Node,
    new: bytes,
    edit: tuple[int, int, int],
    changed: list[tuple[int, int]],
) -> bool:
    """Whether an edit (start, old end, new end) changed only comments and white space
    between tokens, after the file's leading comments: then it changed no declaration.

    The edited bytes must lie in comments (or be blank) in both texts, and every range
    whose syntax tree-sitter reports as changed must too (white space typed into a word
    splits it: that shows as a changed range). A file's leading comments are left out:
    they can say the file is generated or set build constraints.
    """
    start, old_end, new_end = edit
    cursor = new_root.walk()  # the first item that is not a comment (not the whole list)
    found = cursor.goto_first_child()
    while found and cursor.node is not None and "comment" in cursor.node.type:
        found = cursor.goto_next_sibling()
    if not found or cursor.node is None or start <= cursor.node.start_byte:
        return False
    if not _in_comment(old_root, old, start, old_end):
        return False
    if not _in_comment(new_root, new, start, new_end):
        return False
    return all(_in_comment(new_root, new, a, b) for a, b in changed)
