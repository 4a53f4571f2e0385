"""Where C++ test code and cold code are, so findings there can be dropped or softened.

Test code: bodies of gtest/Catch2/doctest/Boost.Test test macros (`TEST(...) { }`,
`TEST_CASE("...") { }`, `SECTION("...") { }`...), Google Benchmark functions (taking a
`benchmark::State&`) and gtest fixture classes. Cold code runs once or rarely: `main`'s
set-up (everything in `main` outside its loops), `catch` blocks, error paths (an `if` whose
branch ends by throwing, aborting or returning an error, the message streamed into a failing
`CHECK(...)` or an error-level `LOG(...)`), and static initialisers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath

from tree_sitter import Node

from se_lsp.core.findings import Finding
from se_lsp.rules.common import inside_function_body
from se_lsp.rules.cpp.syntax import LOOPS, WORD_BYTES, squash, word_hits
from se_lsp.rules.engine import Context, RuleInfo

_TEST_FILE = re.compile(
    r"(?:^test_|^mock_|_(?:unit|perf)?tests?$|_testing$|_test_?(?:utils?|helpers?|common)$"
    r"|_mocks?$|_benchmark$|_bench$|_fuzzer$)",
    re.I,
)


def is_test_path(path: str) -> bool:
    """Files under test/, tests/, testing/, test_util/, unittests/, benchmarks/, and `foo_test.cc`,
    `foo_perftest.cc`, `test_foo.cpp`, and the helpers only tests include: `foo_testing.h`,
    `foo_test_util.h`, `foo_mock.h`."""
    p = PurePath(path)
    dirs = {part.lower() for part in p.parts[:-1]}
    if dirs & {
        "test",
        "tests",
        "testing",
        "test_util",
        "test_utils",
        "testutil",
        "unittests",
        "unittest",
        "benchmark",
        "benchmarks",
        "bench",
    }:
        return True
    return bool(_TEST_FILE.search(p.stem))


# Macros whose following block is a test body.
_TEST_MACROS = (
    "TEST",
    "TEST_F",
    "TEST_P",
    "TYPED_TEST",
    "TYPED_TEST_P",
    "TEST_CASE",
    "TEST_CASE_METHOD",
    "TEST_CASE_FIXTURE",
    "TEMPLATE_TEST_CASE",
    "TEMPLATE_TEST_CASE_SIG",
    "TEMPLATE_PRODUCT_TEST_CASE",
    "SCENARIO",
    "SECTION",
    "SUBCASE",
    "TEST_SUITE",
    "BENCHMARK",
    "BENCHMARK_F",
    "BENCHMARK_DEFINE_F",
    "BENCHMARK_ADVANCED",
    "BOOST_AUTO_TEST_CASE",
    "BOOST_FIXTURE_TEST_CASE",
    "BOOST_DATA_TEST_CASE",
)


def _lines(ctx: Context, node: Node, end: Node | None = None) -> tuple[int, int]:
    last = end if end is not None else node
    return node.start_point[0], last.end_point[0]


def _macro_body(ctx: Context, ident: Node) -> tuple[int, int] | None:
    """The lines of the block a test macro at `ident` introduces."""
    parent = ident.parent
    if parent is None:
        return None
    if parent.type == "function_declarator":
        fn = parent.parent
        if fn is not None and fn.type == "function_definition":
            return _lines(ctx, fn)
        return None
    if parent.type != "call_expression" or parent.child_by_field_name("function") != ident:
        return None
    stmt = parent.parent
    while stmt is not None and stmt.type not in ("expression_statement", "declaration"):
        if stmt.type in ("compound_statement", "translation_unit", "declaration_list"):
            stmt = None
            break
        stmt = stmt.parent
    if stmt is None:
        return None
    nxt = stmt.next_named_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_named_sibling
    if nxt is not None and nxt.type == "compound_statement":
        return _lines(ctx, stmt, nxt)
    return None


_TEST_MACRO_SET = frozenset(_TEST_MACROS)
# Every test macro starts with one of these: one substring search each, not one per macro.
_TEST_PREFIXES = (b"TEST", b"SECTION", b"SUBCASE", b"SCENARIO", b"BENCHMARK", b"BOOST_")
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def test_lines(ctx: Context) -> list[tuple[int, int]]:
    src = ctx.source
    lo, hi = ctx.scan_range
    # A `TEST_CASE("...")` call precedes the block it introduces: look a little before the
    # analysed range too.
    lo = max(0, lo - 512)
    out: list[tuple[int, int]] = []
    for prefix in _TEST_PREFIXES:
        pos = src.find(prefix, lo, hi)
        while pos >= 0:
            end = pos
            while end < len(src) and src[end] in _WORD:
                end += 1
            name = src[pos:end].decode("ascii", "replace")
            if (pos == 0 or src[pos - 1] not in _WORD) and name in _TEST_MACRO_SET:
                node = ctx.root.named_descendant_for_byte_range(pos, end)
                if node is not None and node.type == "identifier":
                    found = _macro_body(ctx, node)
                    if found is not None:
                        out.append(found)
            pos = src.find(prefix, max(end, pos + 1), hi)
    if b"benchmark::State" in src:
        for pos in word_hits(src, "State", 0, len(src)):
            node = ctx.root.named_descendant_for_byte_range(pos, pos + 5)
            cur = node
            while cur is not None and cur.type not in (
                "function_definition",
                "lambda_expression",
                "translation_unit",
            ):
                cur = cur.parent
            if cur is not None and cur.type != "translation_unit":
                params = cur.child_by_field_name("declarator")
                if params is not None and b"benchmark::State" in (params.text or b""):
                    out.append(_lines(ctx, cur))
    if b"testing::Test" in src or b"testing::TestWithParam" in src:
        for pos in word_hits(src, "testing", 0, len(src)):
            node = ctx.root.named_descendant_for_byte_range(pos, pos + 7)
            cur = node
            while cur is not None and cur.type not in (
                "class_specifier",
                "struct_specifier",
                "translation_unit",
            ):
                if cur.type in ("compound_statement", "field_declaration_list"):
                    cur = None
                    break
                cur = cur.parent
            if cur is not None and cur.type != "translation_unit":
                out.append(_lines(ctx, cur))
    return out


# -- cold code -----------------------------------------------------------------------------

_ABORTS = frozenset(
    """abort std::abort exit std::exit _exit _Exit std::terminate quick_exit std::quick_exit
    __builtin_trap __builtin_unreachable std::unreachable""".split()
)
_ERROR_VALUES = frozenset({"false", "nullptr", "NULL", "nullopt", "std::nullopt", "-1", "EOF"})
_ERROR_WORDS = (
    "error",
    "Error",
    "ERROR",
    "status",
    "Status",
    "fail",
    "Fail",
    "invalid",
    "Invalid",
    "unexpected",
    "Corruption",
    "NotFound",
    "IOError",
    "err",
)


def _ends_badly(ctx: Context, node: Node) -> bool:
    """The statement (or block) ends by throwing, aborting, logging fatally or returning an
    error value."""
    last = node
    while last.type == "compound_statement":
        stmts = [c for c in last.named_children if c.type != "comment"]
        if not stmts:
            return False
        last = stmts[-1]
    t = last.type
    if t == "throw_statement":
        return True
    if t == "expression_statement":
        inner = last.named_children[0] if last.named_children else None
        if inner is not None and inner.type == "throw_expression":
            return True
        if inner is not None and inner.type == "call_expression":
            fn = squash(ctx.text(inner.child_by_field_name("function")))
            return fn in _ABORTS
        text = ctx.text(last)
        return "FATAL" in text or "PANIC" in text
    if t == "return_statement":
        values = [c for c in last.named_children if c.type != "comment"]
        if not values:
            return False
        text = squash(ctx.text(values[0]))
        if text in _ERROR_VALUES or text.startswith("-"):
            return True
        return any(w in text for w in _ERROR_WORDS)
    return False


def _main_setup(ctx: Context, fn: Node, out: list[tuple[int, int]]) -> None:
    """Every statement of `main` that is not a loop nor inside one."""
    body = fn.child_by_field_name("body")
    if body is None:
        return
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        if node.type in LOOPS:
            continue
        if node.type in (
            "compound_statement",
            "if_statement",
            "else_clause",
            "try_statement",
            "switch_statement",
            "case_statement",
        ):
            stack.extend(node.named_children)
            continue
        if any(d.type in LOOPS for d in _loops_inside(node)):
            continue
        out.append(_lines(ctx, node))


def _loops_inside(node: Node) -> list[Node]:
    found = []
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        if n.type in LOOPS:
            found.append(n)
            continue
        stack.extend(n.named_children)
    return found


# Assertion macros whose streamed message is built only when the check fails, and logging
# macros at levels that report errors.
_CHECKS = (
    "CHECK",
    "DCHECK",
    "QCHECK",
    "PCHECK",
    "GTEST_CHECK_",
    "ABSL_CHECK",
    "ABSL_DCHECK",
    "CHECK_EQ",
    "CHECK_NE",
    "CHECK_LT",
    "CHECK_LE",
    "CHECK_GT",
    "CHECK_GE",
    "DCHECK_EQ",
    "DCHECK_NE",
    "DCHECK_LT",
    "DCHECK_LE",
    "DCHECK_GT",
    "DCHECK_GE",
)
_LOGS = ("LOG", "PLOG", "ABSL_LOG", "GTEST_LOG_")
_ERROR_LEVELS = frozenset({"FATAL", "DFATAL", "QFATAL", "ERROR", "LEVEL_FATAL", "LEVEL_ERROR"})


_MACROS = frozenset((*_CHECKS, *_LOGS))


def _macro_hits(src: bytes, lo: int, hi: int) -> Iterator[tuple[str, int]]:
    """Each whole word in [lo, hi) that is one of `_MACROS`, with its offset: two scans of the
    text (every name holds CHECK or LOG) instead of one per macro."""
    size = len(src)
    for needle in (b"CHECK", b"LOG"):
        pos = src.find(needle, lo, hi)
        while pos >= 0:
            start = pos
            while start > 0 and src[start - 1] in WORD_BYTES:
                start -= 1
            end = pos + len(needle)
            while end < size and src[end] in WORD_BYTES:
                end += 1
            word = src[start:end].decode("ascii", "replace")
            if word in _MACROS and start >= lo:
                yield word, start
            pos = src.find(needle, end, hi)


def _failure_messages(ctx: Context, out: list[tuple[int, int]]) -> None:
    """`CHECK(cond) << msg;` and `LOG(ERROR) << msg;` statements: they run when things fail."""
    src = ctx.source
    lo, hi = ctx.scan_range
    for macro, pos in _macro_hits(src, lo, hi):
        node = ctx.root.named_descendant_for_byte_range(pos, pos + len(macro))
        call = node.parent if node is not None else None
        if call is None or call.type != "call_expression":
            continue
        if macro in _LOGS:
            items = [c for c in (call.child_by_field_name("arguments") or call).named_children]
            level = squash(ctx.text(items[0])).rsplit("::", 1)[-1] if items else ""
            if level not in _ERROR_LEVELS:
                continue
        cur = call
        parent = cur.parent
        while (
            parent is not None
            and parent.type == "binary_expression"
            and (parent.child_by_field_name("left") == cur)
        ):
            cur, parent = parent, parent.parent
        if cur is not call and parent is not None and parent.type == "expression_statement":
            out.append(_lines(ctx, parent))


def cold_lines(ctx: Context) -> list[tuple[int, int]]:
    src = ctx.source
    # Findings are only asked about inside the analysed range (all of it, or the items an
    # edit touched), and every construct below lies inside the item it belongs to.
    lo, hi = ctx.scan_range
    out: list[tuple[int, int]] = []
    _failure_messages(ctx, out)
    for pos in word_hits(src, "main", lo, hi):
        node = ctx.root.named_descendant_for_byte_range(pos, pos + 4)
        if node is None or node.type != "identifier":
            continue
        decl = node.parent
        fn = decl.parent if decl is not None and decl.type == "function_declarator" else None
        if fn is not None and fn.type == "function_definition":
            _main_setup(ctx, fn, out)
    for pos in word_hits(src, "catch", lo, hi):
        node = ctx.root.descendant_for_byte_range(pos, pos + 5)
        clause = node.parent if node is not None else None
        if clause is not None and clause.type == "catch_clause":
            out.append(_lines(ctx, clause))
    for pos in word_hits(src, "if", lo, hi):
        node = ctx.root.descendant_for_byte_range(pos, pos + 2)
        stmt = node.parent if node is not None else None
        if stmt is None or stmt.type != "if_statement":
            continue
        branch = stmt.child_by_field_name("consequence")
        if branch is not None and _ends_badly(ctx, branch):
            out.append(_lines(ctx, branch))
    for pos in word_hits(src, "static", lo, hi):
        node = ctx.root.named_descendant_for_byte_range(pos, pos + 6)
        decl = node.parent if node is not None else None
        if (
            decl is not None
            and decl.type == "declaration"
            and any(d.type == "init_declarator" for d in decl.children_by_field_name("declarator"))
        ):
            out.append(_lines(ctx, decl))
    # Namespace-scope variables: their initialisers run once, before main.
    stack = [ctx.root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.end_byte < lo or child.start_byte > hi:
                continue
            if child.type in ("namespace_definition", "linkage_specification"):
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif child.type == "declaration" and any(
                d.type == "init_declarator" for d in child.children_by_field_name("declarator")
            ):
                out.append(_lines(ctx, child))
    return out


# Declarations inside a function body that other code can depend on: a local type is still
# a class of the file's table (by name), and `using namespace std;` changes how every name
# in the file is read.
_BODY_DECLARATIONS = frozenset(
    {
        "class_specifier",
        "struct_specifier",
        "union_specifier",
        "enum_specifier",
        "type_definition",
        "alias_declaration",
        "using_declaration",
        "namespace_alias_definition",
        "template_declaration",
    }
)


def in_function_body(root: Node, lo: int, hi: int) -> bool:
    """Whether an edit of bytes [lo, hi) stays inside one function's body and out of any
    type or `using` declared there (see the "body" rule scope)."""
    return inside_function_body(root, lo, hi, functions=_FUNCTIONS, declarations=_BODY_DECLARATIONS)


_FUNCTIONS = frozenset({"function_definition"})


_GENERATED_SUFFIXES = (".pb.h", ".pb.cc", "_generated.h", ".grpc.pb.h", ".grpc.pb.cc")


def is_generated(ctx: Context) -> bool:
    """Whether the file is generated code (protoc, flatc, or a header comment saying it is
    generated and not to be edited): a finding there cannot be acted on, and the layout
    it would change (an enum's size) is often a wire format."""
    found = ctx.shared.get("cpp.generated")
    if found is None:
        found = (ctx.path or "").endswith(_GENERATED_SUFFIXES) or says_generated(ctx.source)
        ctx.shared["cpp.generated"] = found
    return bool(found)


def says_generated(source: bytes) -> bool:
    """Whether the file's first 2 KB say it is generated and not to be edited."""
    head = source[:2048].lower()
    return b"generated" in head and (b"do not edit" in head or b"do not modify" in head)


def suppressed(ctx: Context, finding: Finding, info: RuleInfo) -> bool:
    """Findings the file itself rules out: all of them in generated code."""
    return is_generated(ctx)
