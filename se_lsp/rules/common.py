"""Tree helpers with one meaning each, shared by the language packages."""

from __future__ import annotations

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
    """The children of `node` that overlap or touch bytes [lo, hi], found from `lo`
    rather than by building the whole child list (a file's root has hundreds of items,
    and re-analysis after an edit asks this on every keystroke)."""
    # A cursor, not Node.first_child_for_byte: py-tree-sitter 0.26 crashes on that when
    # no child qualifies. The first child found ends after lo - 1: it touches `lo`.
    cursor = node.walk()
    hits: list[Node] = []
    if cursor.goto_first_child_for_byte(max(0, lo - 1)) is None:
        return hits
    while True:
        child = cursor.node
        if child is None or child.start_byte > hi:
            return hits
        if child.end_byte >= lo:
            hits.append(child)
        if not cursor.goto_next_sibling():
            return hits
