"""The built-in analyzer's machinery: rule metadata, registration and one analysis pass.

A rule is a small Python function over a parsed tree. It asks the context for
the nodes of the types it declared (collected for all rules of a language in a
single tree-sitter query run, so adding a rule does not add a tree walk) and
reports findings through the context, which turns nodes into code-point spans.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tree_sitter import Node, Query, QueryCursor, Tree

from se_lsp.findings import Finding, Fix, Severity
from se_lsp.languages import grammar, parser
from se_lsp.positions import LineIndex, Pos, Span


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
    mirrors: tuple[str, ...]
    bad: str
    good: str
    has_fix: bool = False
    confidence: float = 0.9
    # True when `bad`/`good` are statements of a function body rather than whole files.
    body_examples: bool = True

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


_REGISTRY: dict[str, list[Rule]] = {}


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
) -> Callable[[Check], Check]:
    """Register a rule; the language is the part of `id` before the slash."""
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
    )

    def register(check: Check) -> Check:
        rules = _REGISTRY.setdefault(language, [])
        if any(r.info.id == id for r in rules):
            raise ValueError(f"rule {id} registered twice")
        rules.append(Rule(info, check, tuple(node_types)))
        _combined_query.cache_clear()
        return check

    return register


def rules_for(language: str) -> list[Rule]:
    _load_rule_modules()
    return list(_REGISTRY.get(language, []))


def all_rules() -> list[Rule]:
    _load_rule_modules()
    return [r for lang in sorted(_REGISTRY) for r in _REGISTRY[lang]]


def rule_info(rule_id: str) -> RuleInfo | None:
    for r in all_rules():
        if r.info.id == rule_id:
            return r.info
    return None


@cache
def _load_rule_modules() -> None:
    # Imported for their registrations.
    from se_lsp.rules import cpp, go, rust  # noqa: F401


@cache
def _combined_query(language: str) -> Query:
    types = sorted({t for r in _REGISTRY.get(language, []) for t in r.node_types})
    source = "\n".join(f"({t}) @{t}" for t in types)
    return Query(grammar(language), source)


# tree-sitter holds the GIL for a whole parse or query call: ~50 ms on a 10,000-line
# file, during which the server's event loop cannot answer a hover. Feeding the parser
# through a read callback and querying in byte-range slices returns to Python often
# enough for the interpreter to switch threads (max stall measured: 200 ms -> 15 ms).
PARSE_CHUNK = 8 * 1024
QUERY_CHUNK = 16 * 1024


def parse(language: str, source: bytes, old_tree: Tree | None = None) -> Tree:
    """Parse `source`, in chunks so other threads keep running."""
    p = parser(language)
    if len(source) <= PARSE_CHUNK:
        return p.parse(source, old_tree) if old_tree else p.parse(source)

    def read(offset: int, _point: object) -> bytes:
        return source[offset : offset + PARSE_CHUNK]

    return p.parse(read, old_tree) if old_tree else p.parse(read)


def _captures(query: Query, root: Node, size: int) -> dict[str, list[Node]]:
    """All captures under `root` in document order, collected slice by slice."""
    cursor = QueryCursor(query)
    if size <= QUERY_CHUNK:
        found = cursor.captures(root)
    else:
        found = {}
        seen: set[int] = set()
        for start in range(0, size, QUERY_CHUNK):
            cursor.set_byte_range(start, min(start + QUERY_CHUNK, size))
            for name, nodes in cursor.captures(root).items():
                bucket = found.setdefault(name, [])
                for n in nodes:
                    # A node crossing a slice boundary is reported by both slices.
                    if n.id not in seen:
                        seen.add(n.id)
                        bucket.append(n)
    for nodes in found.values():
        nodes.sort(key=lambda n: n.start_byte)
    return found


class Context:
    """One analysis of one document: the tree, its text and the helpers rules use."""

    def __init__(self, language: str, source: bytes, tree: Tree, index: LineIndex) -> None:
        self.language = language
        self.source = source
        self.tree = tree
        self.index = index
        self.root = tree.root_node
        self._nodes: dict[str, list[Node]] | None = None
        self._rule: RuleInfo | None = None

    # -- nodes ----------------------------------------------------------

    def nodes(self, node_type: str) -> list[Node]:
        """All nodes of `node_type` in document order (the type must be declared by the rule)."""
        if self._nodes is None:
            self._nodes = _captures(_combined_query(self.language), self.root, len(self.source))
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


IsEnabled = Callable[[RuleInfo], bool]
SeverityOf = Callable[[RuleInfo], Severity]

_IGNORE = re.compile(r"se-lsp:\s*ignore(?:\[([^\]]*)\])?")


def _suppressed(index: LineIndex, finding: Finding) -> bool:
    line = finding.span.start.line
    for n in (line, line - 1):
        text = index.line(n)
        if "se-lsp" not in text:
            continue
        for m in _IGNORE.finditer(text):
            ids = m.group(1)
            if ids is None:
                return True
            if finding.code in {i.strip() for i in ids.split(",")}:
                return True
    return False


def analyze(
    text: str,
    language: str,
    *,
    enabled: IsEnabled | None = None,
    severity_of: SeverityOf | None = None,
    index: LineIndex | None = None,
    old_tree: Tree | None = None,
) -> Analysis:
    """Parse `text` and run every enabled rule of `language` over it."""
    index = index or LineIndex(text)
    source = text.encode("utf-8", "surrogatepass")
    tree = parse(language, source, old_tree)
    ctx = Context(language, source, tree, index)
    found: list[Finding] = []
    for r in rules_for(language):
        if enabled is not None and not enabled(r.info):
            continue
        sev = severity_of(r.info) if severity_of else r.info.severity
        for f in r.check(ctx, r.info):
            if _suppressed(index, f):
                continue
            if sev != f.severity:
                f = _with_severity(f, sev)
            found.append(f)
    found.sort(key=lambda f: (f.span.start, f.code))
    return Analysis(_dedupe(found), tree, source)


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
