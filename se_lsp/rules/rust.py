"""Rust rules, after clippy's perf group and its performance-minded neighbours."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from se_lsp.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule

LOOPS = ("for_expression", "while_expression", "loop_expression")
FUNCTION_BOUNDARY = ("function_item", "closure_expression")


def in_loop(ctx: Context, node: Node) -> bool:
    return ctx.ancestor(node, LOOPS, stop=FUNCTION_BOUNDARY) is not None


@rule(
    "rust/regex-in-loop",
    title="Regex compiled inside a loop",
    severity=Severity.WARNING,
    category="algorithm",
    explanation="""
`Regex::new` parses the pattern and builds an automaton every time it runs: typically
microseconds to milliseconds, far more than the match itself. Inside a loop that cost is
paid on every iteration although the pattern never changes.
""",
    fix="Build the regex once before the loop, or in a `static LazyLock<Regex>`.",
    measure="cargo bench (criterion) on the enclosing function; the regex build shows in "
    "`perf record` as regex_automata / regex_syntax frames.",
    mirrors=["clippy::regex_creation_in_loops"],
    bad="""
for line in lines {
    let re = Regex::new(r"^\\d+").unwrap();
    if re.is_match(line) { n += 1; }
}
""",
    good="""
let re = Regex::new(r"^\\d+").unwrap();
for line in lines {
    if re.is_match(line) { n += 1; }
}
""",
    node_types=["call_expression"],
)
def regex_in_loop(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for call in ctx.nodes("call_expression"):
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "scoped_identifier":
            continue
        name = ctx.text(fn)
        if name.split("::")[-2:] not in (["Regex", "new"], ["RegexBuilder", "new"]):
            continue
        args = call.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        # Only a literal pattern is known to be loop-invariant.
        if first is None or first.type not in ("string_literal", "raw_string_literal"):
            continue
        if in_loop(ctx, call):
            yield ctx.finding(info, call)
