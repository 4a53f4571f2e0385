"""One finding where a built-in rule and the linter check it mirrors flag the same line.

The built-in finding stays (it has se-lsp's explanation and hover) and names the
linter's check too; the linter's fix is taken when the rule has none. The comparison
is by the rule's `mirrors` ("clippy:map_entry") and the finding's line range.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from se_lsp.core.findings import Finding
from se_lsp.linters.catalog import qualified
from se_lsp.linters.findings import MIRROR
from se_lsp.rules import rule_info

ALSO = "also"  # Finding.extra key: the linter checks folded into this finding


def same_check(
    rule_code: str, rule_lines: tuple[int, int], mirror: str, lint_lines: tuple[int, int]
) -> bool:
    """A built-in finding and a linter finding that say the same thing about the same line."""
    info = rule_info(rule_code)
    if info is None or mirror not in info.mirrors:
        return False
    return rule_lines[0] <= lint_lines[1] and lint_lines[0] <= rule_lines[1]


def combine(builtin: Finding, linted: Finding) -> Finding:
    also = [
        *filter(None, builtin.extra.get(ALSO, "").split("\n")),
        qualified(linted.source, linted.code),
    ]
    explanation = (
        f"{builtin.explanation}\n\nAlso reported by {linted.source} as `{linted.code}`: "
        f"{linted.title}"
    )
    return replace(
        builtin,
        title=f"{builtin.title} (also {qualified(linted.source, linted.code)})",
        explanation=explanation,
        fix=builtin.fix or linted.fix,
        extra={**builtin.extra, ALSO: "\n".join(also)},
    )


def merge(builtin: list[Finding], linted: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(built-in findings, some naming a linter check too; linter findings left over)."""
    out = list(builtin)
    left: list[Finding] = []
    for lf in linted:
        mirror = lf.extra.get(MIRROR, "")
        lines = (lf.span.start.line, lf.span.end.line)
        for i, bf in enumerate(out):
            if same_check(bf.code, (bf.span.start.line, bf.span.end.line), mirror, lines):
                out[i] = combine(bf, lf)
                break
        else:
            left.append(lf)
    return out, left


def merge_records(
    builtin: list[dict[str, Any]], linted: list[tuple[dict[str, Any], str]]
) -> list[dict[str, Any]]:
    """The same for `se-lsp check` records; `linted` pairs each record with its mirror."""
    out = [dict(r) for r in builtin]
    for rec, mirror in linted:
        lines = (rec["line"], rec["end_line"])
        for r in out:
            if r["path"] == rec["path"] and same_check(
                r["code"], (r["line"], r["end_line"]), mirror, lines
            ):
                named = qualified(rec["source"], rec["code"])
                r["title"] = f"{r['title']} (also {named})"
                r.setdefault("also", []).append({"source": rec["source"], "code": rec["code"]})
                if r.get("fix") is None and rec.get("fix") is not None:
                    r["fix"] = rec["fix"]
                break
        else:
            out.append(rec)
    return out
