"""Memory layout: enums stored wider than their values need."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.core.findings import Finding, Severity
from se_lsp.rules.cpp.syntax import squash, word_hits
from se_lsp.rules.engine import Context, RuleInfo, rule

_BASE_SIZES = {
    "char": 1,
    "signed char": 1,
    "unsigned char": 1,
    "int8_t": 1,
    "uint8_t": 1,
    "short": 2,
    "unsigned short": 2,
    "int16_t": 2,
    "uint16_t": 2,
    "int": 4,
    "unsigned": 4,
    "unsigned int": 4,
    "int32_t": 4,
    "uint32_t": 4,
    "long": 8,
    "unsigned long": 8,
    "long long": 8,
    "unsigned long long": 8,
    "int64_t": 8,
    "uint64_t": 8,
}


def _int_value(text: str) -> int | None:
    t = text.replace("'", "").rstrip("uUlL")
    try:
        if len(t) > 1 and t[0] == "0" and t[1].isdigit():
            return int(t, 8)
        return int(t, 0)
    except ValueError:
        return None


def _evaluate(ctx: Context, node: Node, known: dict[str, int], depth: int = 0) -> int | None:
    """A constant integer expression of literals and earlier enumerators."""
    if depth > 16:
        return None
    t = node.type
    if t == "number_literal":
        return _int_value(ctx.text(node))
    if t == "char_literal":
        body = ctx.text(node)[1:-1]
        return ord(body) if len(body) == 1 else None
    if t in ("identifier", "qualified_identifier"):
        return known.get(squash(ctx.text(node)).rsplit("::", 1)[-1])
    if t == "parenthesized_expression" and node.named_children:
        return _evaluate(ctx, node.named_children[0], known, depth + 1)
    if t == "unary_expression":
        arg = node.child_by_field_name("argument")
        sign = ctx.text(node).lstrip()[:1]
        v = _evaluate(ctx, arg, known, depth + 1) if arg is not None else None
        if v is None:
            return None
        return {"-": -v, "+": v, "~": ~v}.get(sign)
    if t == "binary_expression":
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        a = _evaluate(ctx, left, known, depth + 1)
        b = _evaluate(ctx, right, known, depth + 1)
        if a is None or b is None:
            return None
        if op.type == "<<" and 0 <= b < 64:
            return a << b
        if op.type == ">>" and 0 <= b < 64:
            return a >> b
        return {"+": a + b, "-": a - b, "*": a * b, "|": a | b, "&": a & b, "^": a ^ b}.get(op.type)
    return None


def _values(ctx: Context, body: Node) -> list[int] | None:
    values: list[int] = []
    known: dict[str, int] = {}
    nxt = 0
    for e in body.named_children:
        if e.type == "comment":
            continue
        if e.type != "enumerator":
            return None
        value = e.child_by_field_name("value")
        if value is not None:
            v = _evaluate(ctx, value, known)
            if v is None:
                return None
            nxt = v
        name = e.child_by_field_name("name")
        if name is not None:
            known[ctx.text(name)] = nxt
        values.append(nxt)
        nxt += 1
    return values


def _smallest(lo: int, hi: int) -> tuple[str, int] | None:
    if 0 <= lo and hi <= 0xFF:
        return "std::uint8_t", 1
    if -0x80 <= lo and hi <= 0x7F:
        return "std::int8_t", 1
    if 0 <= lo and hi <= 0xFFFF:
        return "std::uint16_t", 2
    if -0x8000 <= lo and hi <= 0x7FFF:
        return "std::int16_t", 2
    return None


def _stored_in(ctx: Context, enum: Node, name: str, scope: Node | None) -> str | None:
    """Where the file stores values of this enum: a field, an array, a container's element.
    With `scope` (when several enums share the name), only uses inside it count."""
    holder = enum.parent
    if (
        holder is not None
        and holder.type == "field_declaration"
        and holder.children_by_field_name("declarator")
    ):
        return "a member declared with it"
    lo, hi = (scope.start_byte, scope.end_byte) if scope is not None else (0, len(ctx.source))
    for pos in word_hits(ctx.source, name, lo, hi):
        if enum.start_byte <= pos < enum.end_byte and pos < (
            (enum.child_by_field_name("body") or enum).start_byte
        ):
            continue  # the enum's own name
        node = ctx.root.named_descendant_for_byte_range(pos, pos + len(name))
        if node is None or node.type != "type_identifier":
            continue
        cur = node
        parent = cur.parent
        while parent is not None and parent.type == "qualified_identifier":
            cur, parent = parent, parent.parent
        if parent is None:
            continue
        if parent.type == "type_descriptor":
            holder = parent.parent
            if holder is not None and holder.type == "template_argument_list":
                template = holder.parent
                owner = template.parent if template is not None else None
                while owner is not None and owner.type in ("qualified_identifier", "template_type"):
                    template, owner = owner, owner.parent
                if (
                    owner is not None
                    and owner.type in ("field_declaration", "declaration")
                    and owner.child_by_field_name("type") == template
                    and not any(
                        d.type == "function_declarator"
                        for d in owner.children_by_field_name("declarator")
                    )
                ):
                    return "a container or wrapper"
            continue
        if parent.type == "field_declaration" and parent.child_by_field_name("type") == cur:
            decls = parent.children_by_field_name("declarator")
            # A value or an array of values in the struct (a pointer stores only an address).
            if (
                decls
                and all(d.type in ("field_identifier", "array_declarator") for d in decls)
                and not any(ctx.text(c) == "static" for c in parent.children)
            ):
                spec = parent.parent.parent if parent.parent is not None else None
                owner = spec.child_by_field_name("name") if spec is not None else None
                return f"`{ctx.text(owner)}`" if owner is not None else "a struct"
        if parent.type == "declaration" and parent.child_by_field_name("type") == cur:
            if any(
                d.type == "array_declarator"
                or (
                    d.type == "init_declarator"
                    and (inner := d.child_by_field_name("declarator")) is not None
                    and inner.type == "array_declarator"
                )
                for d in parent.children_by_field_name("declarator")
            ):
                return "an array"
    return None


@rule(
    "cpp/enum-size",
    title="Stored enum is wider than its values need",
    severity=Severity.HINT,
    category="memory",
    explanation="""
Without an explicit underlying type an enum is stored as an `int` (4 bytes) even when every
enumerator fits in one byte. Where the enum is *stored* (a struct member, an array, a container
of records) that pads and widens every object, so fewer fit per 64-byte cache line. An enum only
passed around in registers gains nothing, so se-lsp reports only enums this file stores, and
as a hint: a few bytes per object matter only when there are many objects.
""",
    fix="Give it a small underlying type: `enum class Kind : std::uint8_t { ... }`.",
    measure="`static_assert(sizeof(Record) == ...)` before and after; `perf stat -e cache-misses` "
    "on a loop over many records.",
    mirrors=["clang-tidy:performance-enum-size"],
    bad="""
#include <cstdint>
enum class Level { Debug, Info, Warning, Error };
struct Entry {
    Level level;
    std::uint32_t line;
};
""",
    good="""
#include <cstdint>
enum class Level : std::uint8_t { Debug, Info, Warning, Error };
struct Entry {
    Level level;
    std::uint32_t line;
};
enum class Mode { Fast, Safe };
int run(Mode mode);
""",
    scope="file",
    node_types=["enum_specifier"],
    body_examples=False,
    gaps=(
        "Enums the file does not store (only parameters, locals, return values) are left "
        "alone: clang-tidy reports every enum, but a narrower type saves memory only where "
        "values are stored.",
        "Enumerators computed by a function call (a constexpr function) are not evaluated.",
        "EnumIgnoreList (empty by default) is not configurable.",
    ),
)
def enum_size(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    names: dict[str, int] = {}
    for node in ctx.nodes("enum_specifier"):
        n = node.child_by_field_name("name")
        if n is not None and node.child_by_field_name("body") is not None:
            key = ctx.text(n).rsplit("::", 1)[-1]
            names[key] = names.get(key, 0) + 1
    for node in ctx.nodes("enum_specifier"):
        body = node.child_by_field_name("body")
        name_node = node.child_by_field_name("name")
        if body is None or name_node is None:
            continue
        if any(a.type == "linkage_specification" for a in _ancestors(node)):
            continue  # extern "C": the C ABI fixes the size
        base = node.child_by_field_name("base")
        base_size = 4
        if base is not None:
            spelled = " ".join(ctx.text(base).replace("std::", "").split()).lstrip(":")
            size = _BASE_SIZES.get(spelled)
            if size is None:
                continue
            base_size = size
        values = _values(ctx, body)
        if not values:
            continue
        smallest = _smallest(min(values), max(values))
        if smallest is None or smallest[1] >= base_size:
            continue
        name = ctx.text(name_node).rsplit("::", 1)[-1]
        if not name.isidentifier():
            continue  # `enum : int32_t {...}` has no name (the grammar may read one anyway)
        scope = None
        if names.get(name, 0) > 1:
            # Several enums of that name (nested in different classes): look only inside the
            # class that declares this one, or give up.
            scope = next((a for a in _ancestors(node) if a.type == "field_declaration_list"), None)
            if scope is None:
                continue
        where = _stored_in(ctx, node, name, scope)
        if where is None:
            continue
        yield ctx.finding(
            info,
            ctx.span_between(node, name_node),
            title=f"Enum `{name}` is stored in {where} with {base_size} bytes; its values fit in "
            f"{smallest[0]}",
        )


def _ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


RULES = [enum_size]
