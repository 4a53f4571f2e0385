"""Go rules, after staticcheck's SA6xxx, go-critic's performance checks, prealloc and perfsprint."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule

LOOPS = ("for_statement",)
FUNCTION_BOUNDARY = ("function_declaration", "method_declaration", "func_literal")


def in_loop(ctx: Context, node: Node) -> bool:
    return ctx.ancestor(node, LOOPS, stop=FUNCTION_BOUNDARY) is not None


@rule(
    "go/regexp-in-loop",
    title="regexp.Match* compiles the pattern on every call",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`regexp.MatchString` (and `Match`, `MatchReader`) compile the pattern each time they are
called. Inside a loop the same pattern is compiled on every iteration; compiling costs far
more than matching.
""",
    fix="Compile once with `regexp.MustCompile` outside the loop (or at package level) and "
    "call the method on the compiled value.",
    measure="`go test -bench . -benchmem` on the enclosing function; allocations per op drop.",
    mirrors=["SA6000"],
    bad="""
for _, s := range lines {
    if ok, _ := regexp.MatchString(`^\\d+`, s); ok {
        n++
    }
}
""",
    good="""
re := regexp.MustCompile(`^\\d+`)
for _, s := range lines {
    if re.MatchString(s) {
        n++
    }
}
""",
    node_types=["call_expression"],
)
def regexp_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in ctx.nodes("call_expression"):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            continue
        if ctx.text(fn) not in ("regexp.Match", "regexp.MatchString", "regexp.MatchReader"):
            continue
        if in_loop(ctx, call):
            yield ctx.finding(info, call)
