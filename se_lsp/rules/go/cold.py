"""Go code that runs once or rarely (findings there are hints at most), and test functions.

Cold: `init()`, `main()` up to its first loop, package-level variable initialisers, the
body of `if err != nil { ... }`, statements that return a freshly made error, panics and
fatal exits. Test code inside a non-test file: `func TestX(t *testing.T)` and its
Benchmark and Fuzz kin.

Found from the spelling of those forms (`!= nil`, `Errorf(`, `panic(`), each confirmed in
the tree, so a file without them costs nothing but the scan.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from se_lsp.core.findings import Finding
from se_lsp.rules.engine import Context, RuleInfo
from se_lsp.rules.go.model import GoModel, model
from se_lsp.rules.go.syntax import LOOP, statements

Lines = list[tuple[int, int]]

_ERR_NAME = re.compile(r"(?:err|\w*Err)\Z")
# Spellings that make an error to return, and calls that stop the program: plain bytes,
# searched with bytes.find (a regular expression without a literal prefix scans far slower).
_MAKE_ERROR = (b"Errorf(", b"errors.New(", b"errors.Join(", b".Wrap(", b".Wrapf(", b".WithStack(")
_STOP = (b"panic(", b"os.Exit(", b".Fatal(", b".Fatalf(", b".Fatalln(", b".Panic(", b".Panicf(")


def _found(src: bytes, needle: bytes, lo: int = 0, hi: int | None = None) -> list[int]:
    out = []
    hi = len(src) if hi is None else hi
    pos = src.find(needle, lo, hi)
    while pos >= 0:
        out.append(pos)
        pos = src.find(needle, pos + len(needle), hi)
    return out


def _lines(node: Node) -> tuple[int, int]:
    return node.start_point[0], node.end_point[0]


def _up(m: GoModel, node: Node | None, kind: str, limit: int) -> Node | None:
    """The nearest `kind` ancestor of `node` (or `node`) within `limit` levels."""
    if node is None:
        return None
    for n in list(reversed(m.path(node)))[: limit + 1]:
        if n.type == kind:
            return n
    return None


def cold_lines(ctx: Context) -> Lines:
    """The cold line ranges of the analysed range (an edit pass asks about its own items
    only, and a cold form always lies inside the declaration it makes cold)."""
    out: Lines = []
    src = ctx.source
    lo, hi = ctx.scan_range
    root = ctx.root
    m = model(ctx)
    is_main = any(
        src[max(0, p - 1) : p] in (b"", b"\n")
        and src[p + 12 : p + 13] in (b"", b"\n", b" ", b"\t", b"\r")
        for p in _found(src[:4096], b"package main")
    )
    for top in m.tops_within(lo, hi):
        if top.type == "var_declaration":
            out.append(_lines(top))
    for needle in (b"func init(", b"func main("):
        for pos in _found(src, needle, lo, hi):
            top = m.unit_of(root.descendant_for_byte_range(pos, pos + 4) or root)
            if top.type != "function_declaration" or top.start_byte != pos:
                continue
            if needle == b"func init(":
                out.append(_lines(top))
            elif is_main:
                end = top.end_point[0]
                for s in statements(top.child_by_field_name("body")):
                    inner = (
                        s.named_children[-1]
                        if s.type == "labeled_statement" and s.named_children
                        else s
                    )
                    if inner.type == LOOP:
                        end = s.start_point[0] - 1
                        break
                out.append((top.start_point[0], end))
    for pos in _found(src, b"!= nil", lo, hi):
        cond = _up(m, root.descendant_for_byte_range(pos, pos + 1), "binary_expression", 3)
        holder = m.parent(cond) if cond is not None else None
        if cond is None or holder is None or holder.type != "if_statement":
            continue
        left = cond.child_by_field_name("left")
        if left is None or left.type != "identifier" or not _ERR_NAME.match(ctx.text(left)):
            continue
        body = holder.child_by_field_name("consequence")
        if body is not None and holder.child_by_field_name("condition") == cond:
            # From the line after `{`: the if's own line also holds its initialiser.
            first, last = _lines(body)
            if last > first:
                out.append((first + 1, last))
    for needle in _MAKE_ERROR:
        for pos in _found(src, needle, lo, hi):
            ret = _up(m, root.descendant_for_byte_range(pos, pos + 1), "return_statement", 6)
            if ret is not None:
                out.append(_lines(ret))
    for needle in _STOP:
        for pos in _found(src, needle, lo, hi):
            if (
                needle[0:1] != b"."
                and pos > 0
                and (src[pos - 1 : pos].isalnum() or src[pos - 1 : pos] in b"_.")
            ):
                continue
            stmt = _up(m, root.descendant_for_byte_range(pos, pos + 1), "expression_statement", 5)
            if stmt is not None:
                out.append(_lines(stmt))
    return out


# The Go convention for generated files (https://go.dev/s/generatedcode): a line before
# the package clause reading exactly `// Code generated ... DO NOT EDIT.`
_GENERATED_START = b"// Code generated "
_GENERATED_END = b" DO NOT EDIT."


def generated(ctx: Context, finding: Finding, info: RuleInfo) -> bool:
    """Findings in generated code are not actionable there (staticcheck filters them too)."""
    found: bool | None = ctx.shared.get("go.generated")
    if found is None:
        found = ctx.shared["go.generated"] = says_generated(ctx.source)
    return found


def says_generated(source: bytes) -> bool:
    """Whether a line before the package clause is Go's generated-code marker (byte
    searches, no line splitting: the engine asks this of both texts on every edit)."""
    stop = 0 if source.startswith(b"package") else source.find(b"\npackage")
    stop = len(source) if stop < 0 else stop
    at = source.find(_GENERATED_START, 0, stop)
    while at >= 0:
        end = source.find(b"\n", at)
        line = source[at : len(source) if end < 0 else end]
        if (at == 0 or source[at - 1 : at] == b"\n") and line.rstrip().endswith(_GENERATED_END):
            return True
        at = source.find(_GENERATED_START, at + 1, stop)
    return False


_TEST_KINDS = {"Test": "*testing.T", "Benchmark": "*testing.B", "Fuzz": "*testing.F"}


def test_lines(ctx: Context) -> Lines:
    """`func TestX(t *testing.T)` and friends written in a file not named `_test.go`."""
    if b"testing." not in ctx.source:
        return []
    out: Lines = []
    lo, hi = ctx.scan_range
    for top in ctx.root.named_children:
        if top.type != "function_declaration" or top.end_byte <= lo or top.start_byte >= hi:
            continue
        name = ctx.text(top.child_by_field_name("name"))
        kind = next((k for k in _TEST_KINDS if name.startswith(k)), None)
        if kind is None:
            continue
        params = top.child_by_field_name("parameters")
        decls = (
            [p for p in params.named_children if p.type == "parameter_declaration"]
            if params
            else []
        )
        if len(decls) != 1:
            continue
        typ = "".join(ctx.text(decls[0].child_by_field_name("type")).split())
        if typ == _TEST_KINDS[kind]:
            out.append(_lines(top))
    return out
