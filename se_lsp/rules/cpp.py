"""C++ rules, after clang-tidy's performance-* checks."""

from __future__ import annotations

from collections.abc import Iterator

from se_lsp.findings import Finding, Severity
from se_lsp.rules.engine import Context, RuleInfo, rule


@rule(
    "cpp/avoid-endl",
    title="std::endl flushes the stream",
    severity=Severity.WARNING,
    category="io",
    explanation="""
`std::endl` writes a newline **and flushes** the stream. On a file or a pipe each flush is a
`write` system call, so printing N lines costs N syscalls instead of a few buffered writes.
""",
    fix="Write `'\\n'`; call `std::flush` only where the output must be visible at once.",
    measure="Time the output loop with Google Benchmark, or count syscalls with "
    "`strace -c -e trace=write ./prog > out.txt`.",
    mirrors=["performance-avoid-endl"],
    bad="""
for (const auto& row : rows) {
    out << row << std::endl;
}
""",
    good="""
for (const auto& row : rows) {
    out << row << '\\n';
}
""",
    node_types=["qualified_identifier", "identifier"],
    has_fix=True,
)
def avoid_endl(ctx: Context, info: RuleInfo) -> Iterator[Finding]:
    for node in ctx.nodes("qualified_identifier"):
        if ctx.text(node).replace(" ", "") != "std::endl":
            continue
        parent = node.parent
        if parent is None or parent.type != "binary_expression":
            continue
        if parent.child_by_field_name("right") != node:
            continue
        op = parent.child_by_field_name("operator")
        if op is None or op.type != "<<":
            continue
        yield ctx.finding(info, node, fix=ctx.fix(node, "'\\n'", "Replace std::endl with '\\n'"))
