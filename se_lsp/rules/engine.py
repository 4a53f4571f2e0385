"""The built-in analyzer's machinery: rule metadata, registration and one analysis pass.

A rule is a small Python function over a parsed tree. It asks the context for
the nodes of the types it declared (collected for all rules of a language in a
single tree-sitter query run, so adding a rule does not add a tree walk) and
reports findings through the context, which turns nodes into code-point spans.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tree_sitter import Node, Query, QueryCursor, Tree

from se_lsp.core.findings import Finding, Fix, Severity
from se_lsp.core.languages import grammar, parser
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.rules.common import children_touching, comment_only_edit
from se_lsp.rules.suppress import Suppressions, touches_marker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule is, for users: shown in hovers, `se-lsp rules` and docs/rules.md."""

    id: str
    language: str
    title: str
    severity: Severity
    category: str
    explanation: str
    fix: str
    measure: str
    # The established linter checks this rule means, as "tool:check" (clippy:map_entry,
    # clang-tidy:performance-for-range-copy, staticcheck:SA6001, gocritic:rangeExprCopy,
    # prealloc, perfsprint:integer-format). Their own tests are the rule's specification, and
    # their suppression comments silence it (see suppress.py).
    mirrors: tuple[str, ...]
    bad: str
    good: str
    has_fix: bool = False
    confidence: float = 0.9
    # True when `bad`/`good` are statements of a function body rather than whole files.
    body_examples: bool = True
    # "item": a finding depends only on the function (or method, class) it is in, so an
    # edit elsewhere cannot change it. "file": it also depends on declarations elsewhere
    # in the file (a struct's size, a container's type), so re-analysis runs it over the
    # whole file. "body": it depends on the function body it is in and on declarations
    # anywhere in the file, but on no other function body; while edits stay inside function
    # bodies (the language's RuleSet says), re-analysis re-checks only the items they
    # touched, with the whole file's declarations at hand (`Context.file`).
    scope: str = "item"
    # Behaviours of the mirrored checks this rule does not cover, each with the reason
    # (shown in docs/rules.md).
    gaps: tuple[str, ...] = ()
    # Checks in other tools or languages this rule resembles without mirroring them.
    related: tuple[str, ...] = ()

    def example(self, which: str) -> str:
        """A complete source file holding the `bad` or `good` example, as the tests parse it."""
        code = self.bad if which == "bad" else self.good
        if self.body_examples:
            indented = "\n".join("    " + ln if ln else ln for ln in code.splitlines())
            if self.language == "rust":
                code = f"fn example() {{\n{indented}\n}}"
            elif self.language == "go":
                code = f"func example() {{\n{indented}\n}}"
            else:
                code = f"void example() {{\n{indented}\n}}"
        if self.language == "go" and not code.lstrip().startswith("package "):
            code = "package example\n\n" + code
        return code + "\n"

    @property
    def anchor(self) -> str:
        """The heading anchor of this rule in docs/rules.md."""
        return re.sub(r"[^a-z0-9-]", "", self.id.replace("/", "").lower())

    @property
    def href(self) -> str:
        return f"{docs_uri()}#{self.anchor}"


@cache
def docs_uri() -> str:
    """The rules reference on this machine: the checkout's docs/, else the packaged copy."""
    here = Path(__file__).resolve()
    checkout = here.parents[2] / "docs" / "rules.md"
    return (checkout if checkout.is_file() else here.parent / "rules.md").as_uri()


Check = Callable[["Context", RuleInfo], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    info: RuleInfo
    check: Check
    node_types: tuple[str, ...]


def rule(
    id: str,
    *,
    title: str,
    severity: Severity = Severity.WARNING,
    category: str,
    explanation: str,
    fix: str,
    measure: str,
    mirrors: Sequence[str],
    bad: str,
    good: str,
    node_types: Sequence[str],
    has_fix: bool = False,
    confidence: float = 0.9,
    body_examples: bool = True,
    scope: str = "item",
    gaps: Sequence[str] = (),
    related: Sequence[str] = (),
) -> Callable[[Check], Rule]:
    """Make a rule from its metadata and check; the language is the part of `id` before '/'.

    Nothing is registered: a language package lists its rules explicitly (registry.py).
    """
    language = id.split("/", 1)[0]
    info = RuleInfo(
        id=id,
        language=language,
        title=title,
        severity=severity,
        category=category,
        explanation=explanation.strip(),
        fix=fix,
        measure=measure,
        mirrors=tuple(mirrors),
        bad=bad.strip("\n"),
        good=good.strip("\n"),
        has_fix=has_fix,
        confidence=confidence,
        body_examples=body_examples,
        scope=scope,
        gaps=tuple(gaps),
        related=tuple(related),
    )

    def make(check: Check) -> Rule:
        return Rule(info, check, tuple(node_types))

    return make


@cache
def _combined_query(language: str) -> Query:
    from se_lsp.rules.registry import rules_for

    types = sorted({t for r in rules_for(language) for t in r.node_types})
    source = "\n".join(f"({t}) @{t}" for t in types)
    return Query(grammar(language), source)


# tree-sitter holds the GIL for a whole parse or query call: ~50 ms on a 10,000-line
# file, during which the server's event loop cannot answer a hover. Querying in
# byte-range slices returns to Python often enough for the interpreter to switch
# threads. Parsing is left whole: py-tree-sitter 0.26's read-callback parse would yield
# too, but it leaks a reference to every chunk it is given (~0.5 MB per parse of a
# 270 KB file, measured), and after the first parse of a document the incremental
# re-parse takes only a few milliseconds anyway.
QUERY_CHUNK = 16 * 1024


def parse(language: str, source: bytes, old_tree: Tree | None = None) -> Tree:
    p = parser(language)
    return p.parse(source, old_tree) if old_tree else p.parse(source)


def _captures(
    query: Query, root: Node, size: int, limit: tuple[int, int] | None = None
) -> dict[str, list[Node]]:
    """All captures under `root` (within `limit`, if given) in document order, slice by slice."""
    cursor = QueryCursor(query)
    lo, hi = limit if limit is not None else (0, size)
    if hi - lo <= QUERY_CHUNK:
        if limit is not None:
            cursor.set_byte_range(lo, hi)
        found = cursor.captures(root)
    else:
        found = {}
        seen: set[int] = set()
        for start in range(lo, hi, QUERY_CHUNK):
            cursor.set_byte_range(start, min(start + QUERY_CHUNK, hi))
            for name, nodes in cursor.captures(root).items():
                bucket = found.setdefault(name, [])
                for n in nodes:
                    # A node crossing a slice boundary is reported by both slices.
                    if n.id not in seen:
                        seen.add(n.id)
                        bucket.append(n)
    if limit is not None:
        # Only nodes wholly inside the limit: the ones around it belong to unchanged code.
        found = {
            k: [n for n in v if n.start_byte >= lo and n.end_byte <= hi] for k, v in found.items()
        }
    for nodes in found.values():
        nodes.sort(key=lambda n: n.start_byte)
    return found


class Context:
    """One analysis of one document: the tree, its text and the helpers rules use."""

    def __init__(
        self,
        language: str,
        source: bytes,
        tree: Tree,
        index: LineIndex,
        limit: tuple[int, int] | None = None,
        path: str | None = None,
        file: Context | None = None,
        suppressions: Suppressions | None = None,
        facts: dict[str, Any] | None = None,
    ) -> None:
        self.language = language
        self.path = path
        # With `limit`: the whole-file context of the same tree, whose nodes a language's
        # model may read for declarations (body-scoped rules in an exact re-analysis).
        self.file = file
        # Given when known from the previous analysis (moved past an edit, see reanalyze).
        self._suppressions = suppressions
        # When set, `nodes()` returns only nodes inside this byte range (re-analysis of
        # the code an edit touched); `root` and `source` still cover the whole file.
        self.limit = limit
        self.source = source
        self.tree = tree
        self.index = index
        self.root = tree.root_node
        self._nodes: dict[str, list[Node]] | None = None
        # Tables a language module computes once per analysis and shares between its
        # rules (declarations, calls by name...). They live and die with the context.
        self.shared: dict[str, Any] = {}
        # Whole-file facts a language module may reuse in the next pass while the user
        # types (the names imported under another name): given by reanalyze for typing
        # passes only, which may be approximate until the exact pass recomputes them.
        self.facts: dict[str, Any] = {} if facts is None else facts

    def release(self) -> None:
        """Drop the language tables of this context once an analysis is over. A model
        refers back to its context, so without this every table it built (tens of
        thousands of objects on a large file) waits for the cycle collector, which the
        analysis process pauses and then pays for after each analysis."""
        self.shared.clear()

    @property
    def scan_range(self) -> tuple[int, int]:
        """The bytes a rule that scans `source` directly should look at (all of it, or `limit`)."""
        return self.limit if self.limit is not None else (0, len(self.source))

    @property
    def suppressions(self) -> Suppressions:
        """The file's suppression comments (the whole file, also when `limit` is set)."""
        if self._suppressions is None:
            self._suppressions = Suppressions.scan(self.source, self.root, self.index)
        return self._suppressions

    # -- nodes ----------------------------------------------------------

    def nodes(self, node_type: str) -> list[Node]:
        """All nodes of `node_type` in document order (the type must be declared by the rule)."""
        if self._nodes is None:
            self._nodes = _captures(
                _combined_query(self.language), self.root, len(self.source), self.limit
            )
        return self._nodes.get(node_type, [])

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def span(self, node: Node) -> Span:
        return Span(self.index.pos_at_byte(node.start_byte), self.index.pos_at_byte(node.end_byte))

    def span_between(self, first: Node, last: Node) -> Span:
        return Span(self.index.pos_at_byte(first.start_byte), self.index.pos_at_byte(last.end_byte))

    @staticmethod
    def ancestors(node: Node) -> Iterator[Node]:
        parent = node.parent
        while parent is not None:
            yield parent
            parent = parent.parent

    def ancestor(self, node: Node, types: Iterable[str], stop: Iterable[str] = ()) -> Node | None:
        """The nearest enclosing node of one of `types`, not looking past a node of `stop`."""
        wanted = set(types)
        stops = set(stop)
        for a in self.ancestors(node):
            if a.type in wanted:
                return a
            if a.type in stops:
                return None
        return None

    # -- reporting ------------------------------------------------------

    def fix(self, target: Node | Span, new_text: str, description: str) -> Fix:
        span = target if isinstance(target, Span) else self.span(target)
        return Fix(span, new_text, description)

    def finding(
        self,
        info: RuleInfo,
        target: Node | Span,
        *,
        title: str | None = None,
        fix: Fix | None = None,
        explanation: str | None = None,
        confidence: float | None = None,
    ) -> Finding:
        span = target if isinstance(target, Span) else self.span(target)
        return Finding(
            span=span,
            code=info.id,
            title=title or info.title,
            severity=info.severity,
            category=info.category,
            explanation=explanation or info.explanation,
            fix=fix,
            impact="",
            measure=info.measure,
            confidence=info.confidence if confidence is None else confidence,
            anchor=self.index.line(span.start.line),
        )


@dataclass
class Analysis:
    """The result of analysing one text: findings plus the tree, reusable for the next parse."""

    findings: list[Finding]
    tree: Tree
    source: bytes = field(repr=False)
    line_count: int = 0
    # False when file-scoped rules were limited to the edited code (see reanalyze).
    exact: bool = True
    # When not exact: the bytes of `source` that the passes since the last exact one
    # re-checked without the whole file, and whether each of their edits stayed inside a
    # function body (then the exact pass re-checks body-scoped rules only there).
    stale: tuple[int, int] | None = None
    stale_in_body: bool = False
    # The suppression comments of `source`: the next edit moves them rather than scanning
    # the whole file again, unless it touches one.
    suppressions: Suppressions | None = field(default=None, repr=False, compare=False)
    # Context.facts of the pass that made this analysis, for the next typing pass.
    facts: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


IsEnabled = Callable[[RuleInfo], bool]
SeverityOf = Callable[[RuleInfo], Severity]

TestCode = str  # "off": findings in test code are dropped; "hint": shown as hints; "on": as is
TEST_CODE_MODES = ("off", "hint", "on")


def _never(*_: Any) -> bool:
    return False


def _no_ranges(_: Context) -> list[tuple[int, int]]:
    return []


def _no_facts(_: bytes) -> object:
    return None


@dataclass(frozen=True)
class RuleSet:
    """One language's rules, and the language-specific questions the engine asks about them."""

    language: str
    rules: tuple[Rule, ...]
    # True when a file is test code by its path (`foo_test.go`, `tests/`, `benches/`...).
    test_path: Callable[[str], bool] = _never
    # 0-based line ranges (inclusive) of test code inside a file (`#[cfg(test)]` modules,
    # gtest `TEST(...)` bodies...).
    test_lines: Callable[[Context], list[tuple[int, int]]] = _no_ranges
    # Suppressions written in the language itself rather than in comments
    # (Rust's `#[allow(clippy::x)]` on an enclosing item).
    suppressed: Callable[[Context, Finding, RuleInfo], bool] = _never
    # 0-based line ranges (inclusive) of code that runs once or rarely (`main` set-up,
    # `init()`, static initialisers, error paths): findings there are hints at most.
    cold_lines: Callable[[Context], list[tuple[int, int]]] = _no_ranges
    # Whether bytes [lo, hi) of the tree under `root` lie inside one function's body and
    # inside no type declared there: an edit there changes no declaration that another
    # function's findings depend on (see the "body" rule scope). Never, by default.
    in_function_body: Callable[[Node, int, int], bool] = _never
    # What in a file's text decides findings everywhere in it, beyond its suppression
    # comments (a header saying the code is generated): when an edit changes it, the
    # edit re-analyses the whole file. Cheap: asked of both texts on every edit.
    file_facts: Callable[[bytes], object] = _no_facts


def analyze(
    text: str,
    language: str,
    *,
    enabled: IsEnabled | None = None,
    severity_of: SeverityOf | None = None,
    index: LineIndex | None = None,
    path: str | None = None,
    test_code: TestCode = "off",
) -> Analysis:
    """Parse `text` and run every enabled rule of `language` over it (see reanalyze for edits).

    `path` (when known) lets the language tell test files apart; `test_code` says what to
    do with findings in test code.
    """
    index = index or LineIndex(text)
    source = text.encode("utf-8", "surrogatepass")
    tree = parse(language, source)
    ctx = Context(language, source, tree, index, path=path)
    rules = _ruleset(language)
    found = _run_rules(ctx, rules, list(rules.rules), enabled, severity_of, test_code)
    ctx.release()
    return Analysis(
        _dedupe(found),
        tree,
        source,
        index.line_count,
        suppressions=ctx.suppressions,
        facts=ctx.facts,
    )


def _ruleset(language: str) -> RuleSet:
    from se_lsp.rules.registry import ruleset

    return ruleset(language)


class _Lines:
    """Line ranges a language computes for one analysis, asked only when a rule finds something."""

    def __init__(self, ctx: Context, compute: Callable[[Context], list[tuple[int, int]]]) -> None:
        self._ctx = ctx
        self._compute = compute
        self._lines: list[tuple[int, int]] | None = None
        self._starts: list[int] = []

    def covers(self, line: int) -> bool:
        if self._lines is None:
            # Sorted and merged, so a question is a binary search (a file has hundreds of
            # error paths and a rule may find hundreds of things).
            merged: list[tuple[int, int]] = []
            for a, b in sorted(self._compute(self._ctx)):
                if merged and a <= merged[-1][1] + 1:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], b))
                else:
                    merged.append((a, b))
            self._lines = merged
            self._starts = [a for a, _ in merged]
        i = bisect_right(self._starts, line) - 1
        return i >= 0 and line <= self._lines[i][1]


class _TestCode(_Lines):
    """Where test code is: the whole file by its path, or ranges inside it."""

    def __init__(self, ctx: Context, rules: RuleSet) -> None:
        super().__init__(ctx, rules.test_lines)
        self._whole = bool(ctx.path) and rules.test_path(ctx.path or "")

    def covers(self, line: int) -> bool:
        return self._whole or super().covers(line)


def _order(f: Finding) -> tuple[int, int, str]:
    """Document order, then rule id: plain tuples, since Pos's generated comparison
    costs ~1.5 ms per sort of a 10,000-line file's findings."""
    start = f.span.start
    return (start.line, start.col, f.code)


def _start_line(f: Finding) -> int:
    return f.span.start.line


def _checked(r: Rule, ctx: Context) -> Iterator[Finding]:
    """The rule's findings; a rule that fails is reported once and the others go on.

    One rule's bug must not cost the user every other finding in the file (`se-lsp check`
    once stopped on a whole project because one rule misread `0x2000`). Findings the rule
    gave before it failed are kept. Nesting too deep for the tree walk is not a rule's bug:
    it propagates, and the caller says the file cannot be analysed.
    """
    try:
        yield from r.check(ctx, r.info)
    except RecursionError:
        raise
    except Exception as err:
        where = ctx.path or "<document>"
        log.warning(
            "se-lsp: rule %s failed on %s (%s: %s); its other findings are skipped",
            r.info.id,
            where,
            type(err).__name__,
            err,
        )


def _run_rules(
    ctx: Context,
    rules: RuleSet,
    selected: list[Rule],
    enabled: IsEnabled | None,
    severity_of: SeverityOf | None,
    test_code: TestCode = "off",
) -> list[Finding]:
    found: list[Finding] = []
    lines = None
    if ctx.limit is not None:
        lines = (
            ctx.index.row_at_byte(ctx.limit[0]),
            ctx.index.row_at_byte(ctx.limit[1]),
        )
    suppressions = ctx.suppressions
    tests = _TestCode(ctx, rules) if test_code != "on" else None
    cold = _Lines(ctx, rules.cold_lines)
    for r in selected:
        if enabled is not None and not enabled(r.info):
            continue
        sev = severity_of(r.info) if severity_of else r.info.severity
        for f in _checked(r, ctx):
            line = f.span.start.line
            if lines is not None and not lines[0] <= line <= lines[1]:
                continue  # outside the re-analysed code: the previous result stands there
            if suppressions.covers(line, r.info.id, r.info.mirrors):
                continue
            if rules.suppressed(ctx, f, r.info):
                continue
            want = sev
            if f.severity == Severity.HINT and r.info.severity != Severity.HINT:
                want = Severity.HINT  # the rule itself judged this case minor
            if tests is not None and tests.covers(line):
                if test_code == "off":
                    continue
                want = Severity.HINT
            elif want != Severity.HINT and cold.covers(line):
                want = Severity.HINT
            if want != f.severity:
                f = _with_severity(f, want)
            found.append(f)
    found.sort(key=_order)
    return found


# Nodes whose children are separate items (functions, methods, classes) that rules
# look at one by one: an edit inside one of them re-analyses only that item.
_BODIES = frozenset({"declaration_list", "field_declaration_list"})


def _dirty_range(root: Node, start: int, end: int) -> tuple[int, int]:
    """The byte range of the items an edit at [start, end] touched, in the new tree."""
    node = root
    while True:
        hits = children_touching(node, start, end)
        if not hits:
            return start, end
        if len(hits) == 1:
            h = hits[0]
            body = h if h.type in _BODIES else None
            if body is None:
                body = next((c for c in h.children if c.type in _BODIES), None)
            # Descend only when the edit is strictly inside the braces: an edit to a
            # class or namespace header changes what every member means.
            if body is not None and body.start_byte < start and end < body.end_byte:
                node = body
                continue
        return min(start, hits[0].start_byte), max(end, hits[-1].end_byte)


def _whole_lines(source: bytes, lo: int, hi: int) -> tuple[int, int]:
    """[lo, hi) widened to whole lines: findings are kept or replaced line by line, so a
    range that starts mid-line (a comment at the top level of broken code) must not leave
    the code before it on that line unchecked."""
    end = source.find(b"\n", hi)
    return source.rfind(b"\n", 0, lo) + 1, len(source) if end < 0 else end


_CHUNK = 8192


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the common prefix: whole chunks compared first (each comparison a
    memcmp in C), then a binary search inside the first chunk that differs."""
    n = min(len(a), len(b))
    i = 0
    while i + _CHUNK <= n and a[i : i + _CHUNK] == b[i : i + _CHUNK]:
        i += _CHUNK
    lo, hi = i, min(n, i + _CHUNK)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i:mid] == b[i:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the common suffix, at most `limit` (as _common_prefix, from the end)."""
    la, lb = len(a), len(b)
    i = 0
    while i + _CHUNK <= limit and a[la - i - _CHUNK : la - i] == b[lb - i - _CHUNK : lb - i]:
        i += _CHUNK
    lo, hi = i, min(limit, i + _CHUNK)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - i] == b[lb - mid : lb - i]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _points(
    old: bytes, source: bytes, index: LineIndex, start: int, old_end: int, new_end: int
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """tree-sitter points (row, byte column) of an edit's start, old end and new end, from
    the new text's line index and the edited bytes (not by counting lines from the top)."""
    row = index.row_at_byte(start)
    line_start = source.rfind(b"\n", 0, start) + 1

    def after(text: bytes, offset: int) -> tuple[int, int]:
        rows = text.count(b"\n", start, offset)
        if rows == 0:
            return row, offset - line_start
        return row + rows, offset - (text.rfind(b"\n", start, offset) + 1)

    return (row, start - line_start), after(old, old_end), after(source, new_end)


def reanalyze(
    previous: Analysis,
    text: str,
    language: str,
    *,
    enabled: IsEnabled | None = None,
    severity_of: SeverityOf | None = None,
    index: LineIndex | None = None,
    exact: bool = True,
    path: str | None = None,
    test_code: TestCode = "off",
) -> Analysis:
    """Analyse `text` again after an edit, re-checking only the items the edit touched.

    Findings elsewhere are carried over (moved by the number of lines the edit added
    or removed). With `exact=False`, file-scoped rules are also limited to the touched
    items: much cheaper while the user types, but such a rule may miss or keep a finding
    that depends on a declaration elsewhere until the next exact pass (the result says
    `exact=False`; the server runs a full analysis when typing pauses).
    A rule whose result depends on code in another item (a declaration
    elsewhere in the file) is brought up to date by the next full `analyze`, which the
    server runs on save and when the user pauses.
    """
    index = index or LineIndex(text)
    source = text.encode("utf-8", "surrogatepass")
    old = previous.source
    full = dict(
        enabled=enabled, severity_of=severity_of, index=index, path=path, test_code=test_code
    )
    if b"\r" in old or b"\r" in source:
        # A lone CR is a line break to LSP but not to tree-sitter rows: keep it simple.
        return analyze(text, language, **full)  # type: ignore[arg-type]
    ruleset = _ruleset(language)
    rules = list(ruleset.rules)
    body_rules = [r for r in rules if r.info.scope == "body"]
    file_rules = [r for r in rules if r.info.scope not in ("item", "body")]
    opts = (enabled, severity_of, test_code)
    start = _common_prefix(old, source)
    if start == len(old) == len(source):
        if previous.exact or not exact:
            return previous
        # The same text, made exact: the file-scoped rules need a whole-file pass, the
        # body-scoped ones one over the code typed since the last exact pass (or all of it).
        whole = Context(
            language, source, previous.tree, index, path=path, suppressions=previous.suppressions
        )
        stale = previous.stale if previous.stale_in_body else None
        return _settle(previous, previous.tree, whole, ruleset, body_rules, file_rules, stale, opts)
    suffix = _common_suffix(old, source, min(len(old), len(source)) - start)
    old_end, new_end = len(old) - suffix, len(source) - suffix
    if (
        touches_marker(old, start, old_end)
        or touches_marker(source, start, new_end)
        or ruleset.file_facts(old) != ruleset.file_facts(source)
    ):
        # A suppression comment's line changed, or what the file says of itself (it is
        # generated): either can silence code far from the edit.
        return analyze(text, language, **full)  # type: ignore[arg-type]
    tree = previous.tree.copy()
    start_point, old_end_point, new_end_point = _points(old, source, index, start, old_end, new_end)
    tree.edit(
        start_byte=start,
        old_end_byte=old_end,
        new_end_byte=new_end,
        start_point=start_point,
        old_end_point=old_end_point,
        new_end_point=new_end_point,
    )
    edited = tree
    tree = parse(language, source, edited)
    # Error recovery can re-shape code away from the edit (a deleted brace): widen the
    # region to every range whose syntax changed.
    first, last = start, new_end
    changed = [(r.start_byte, r.end_byte) for r in edited.changed_ranges(tree)]
    for a, b in changed:
        first, last = min(first, a), max(last, b)
    carried = None
    if previous.suppressions is not None and (first, last) == (start, new_end):
        carried = previous.suppressions.moved(
            start_point[0], old_end_point[0], index.line_count - previous.line_count
        )
    # What body-scoped rules have not re-checked with the whole file since the last exact
    # pass: this edit, and the earlier ones moved to the new text.
    # A comment typed into a declaration changes no declaration either.
    in_body = bool(body_rules) and (
        (
            ruleset.in_function_body(previous.tree.root_node, start, old_end)
            and ruleset.in_function_body(tree.root_node, first, last)
        )
        or comment_only_edit(
            previous.tree.root_node, old, tree.root_node, source, (start, old_end, new_end), changed
        )
    )
    stale = (first, last)
    if not previous.exact:
        if previous.stale is None:
            in_body = False
        else:
            delta_b = new_end - old_end
            a, b = previous.stale
            a = a if a <= start else (a + delta_b if a >= old_end else start)
            b = b if b <= start else (b + delta_b if b >= old_end else new_end)
            stale = (min(a, first), max(b, last))
            in_body = in_body and previous.stale_in_body
    if in_body and exact:
        whole = Context(language, source, tree, index, path=path, suppressions=carried)
        return _settle(previous, tree, whole, ruleset, body_rules, file_rules, stale, opts)
    lo, hi = _whole_lines(source, *_dirty_range(tree.root_node, first, last))
    redo = [*file_rules, *body_rules] if exact else []
    item_rules = [r for r in rules if r not in redo]
    facts = None if exact else previous.facts
    ctx = Context(
        language,
        source,
        tree,
        index,
        limit=(lo, hi),
        path=path,
        suppressions=carried,
        facts=facts,
    )
    fresh = _run_rules(ctx, ruleset, item_rules, *opts)
    ctx.release()
    if redo:
        whole = Context(language, source, tree, index, path=path, suppressions=ctx.suppressions)
        fresh += _run_rules(whole, ruleset, redo, *opts)
        whole.release()
    found = _merge(previous, index, {r.info.id for r in redo}, (lo, hi), fresh)
    # Exact when file-scoped rules ran over the whole file now, or there are none.
    exact = exact or all(r.info.scope == "item" for r in rules)
    marks = ctx.suppressions
    if exact:
        return Analysis(found, tree, source, index.line_count, suppressions=marks)
    return Analysis(
        found,
        tree,
        source,
        index.line_count,
        exact=False,
        stale=stale,
        stale_in_body=in_body,
        suppressions=marks,
        facts=ctx.facts,
    )


def _settle(
    previous: Analysis,
    tree: Tree,
    whole: Context,
    ruleset: RuleSet,
    body_rules: list[Rule],
    file_rules: list[Rule],
    stale: tuple[int, int] | None,
    opts: tuple[IsEnabled | None, SeverityOf | None, TestCode],
) -> Analysis:
    """An exact analysis of `whole`'s text from `previous`: file-scoped rules over the whole
    file; item- and body-scoped rules over the items around `stale` (with the whole file's
    declarations at hand), or body-scoped ones everywhere when `stale` is None."""
    index, source = whole.index, whole.source
    redo = list(file_rules) if stale is not None else [*file_rules, *body_rules]
    fresh = _run_rules(whole, ruleset, redo, *opts)
    limit = None
    if stale is not None:
        limit = _whole_lines(source, *_dirty_range(tree.root_node, *stale))
        local = [r for r in ruleset.rules if r not in redo]
        ctx = Context(
            whole.language,
            source,
            tree,
            index,
            limit=limit,
            path=whole.path,
            file=whole,
            suppressions=whole.suppressions,
        )
        fresh += _run_rules(ctx, ruleset, local, *opts)
        ctx.release()
    whole.release()
    found = _merge(previous, index, {r.info.id for r in redo}, limit, fresh)
    return Analysis(found, tree, source, index.line_count, suppressions=whole.suppressions)


def _merge(
    previous: Analysis,
    index: LineIndex,
    redone: set[str],
    limit: tuple[int, int] | None,
    fresh: list[Finding],
) -> list[Finding]:
    """`fresh` findings, with the previous ones kept where nothing re-checked them: rules not
    in `redone`, outside the lines of `limit` (moved by the lines the edit added)."""
    kept: list[Finding] = []
    if limit is None:
        kept = [f for f in previous.findings if f.code not in redone]
    elif not redone:
        # Only the lines of `limit` were re-checked, and fresh findings lie on them: the
        # previous findings above and below go around them, already in order.
        lo_line, hi_line = index.row_at_byte(limit[0]), index.row_at_byte(limit[1])
        delta = index.line_count - previous.line_count
        old = previous.findings
        i = bisect_left(old, lo_line, key=_start_line)
        j = bisect_right(old, hi_line - delta, key=_start_line)
        above = [f for f in old[:i] if f.span.end.line < lo_line]
        below = [f.shifted(delta) for f in old[j:]] if delta else old[j:]
        return [*above, *_dedupe(fresh), *below]
    else:
        lo_line, hi_line = index.row_at_byte(limit[0]), index.row_at_byte(limit[1])
        delta = index.line_count - previous.line_count
        for f in previous.findings:
            if f.code in redone:
                continue
            if f.span.end.line < lo_line:
                kept.append(f)
            elif f.span.start.line > hi_line - delta:
                kept.append(f.shifted(delta) if delta else f)
    # Both lists are already in order and free of duplicates: sorting two runs is cheap.
    return sorted([*kept, *_dedupe(fresh)], key=_order)


def _with_severity(f: Finding, sev: Severity) -> Finding:
    from dataclasses import replace

    return replace(f, severity=sev)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, Pos, Pos]] = set()
    out = []
    for f in findings:
        k = (f.code, f.span.start, f.span.end)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out
