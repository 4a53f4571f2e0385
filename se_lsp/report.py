"""Findings as `se-lsp check` prints them: compiler-style text, JSON records, SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from se_lsp import __version__
from se_lsp.core.findings import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def _result(rec: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rec["code"],
        "level": _LEVEL.get(rec["severity"], "warning"),
        "message": {"text": rec["title"]},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": Path(rec["path"]).as_posix()},
                    "region": {
                        "startLine": rec["line"],
                        "startColumn": rec["column"],
                        "endLine": rec["end_line"],
                        "endColumn": rec["end_column"],
                    },
                }
            }
        ],
    }
    if rec.get("also"):
        # A built-in finding that a linter reported too: both names are kept.
        result["properties"] = {
            "alsoReportedBy": [f"{a['source']}:{a['code']}" for a in rec["also"]]
        }
    return result


def to_sarif(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One SARIF log: a run for se-lsp's own findings, one per linter for theirs.

    A linter's findings stay under the linter's own name (a run's `tool.driver`), so code
    scanning shows "clippy", not se-lsp, as what found them.
    """
    from se_lsp.linters.catalog import TOOLS
    from se_lsp.rules import all_rules

    rules = all_rules()
    rule_index = {r.info.id: i for i, r in enumerate(rules)}
    results = []
    by_tool: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        if rec.get("source") in TOOLS:
            by_tool.setdefault(rec["source"], []).append(rec)
            continue
        result = _result(rec)
        if rec["code"] in rule_index:
            result["ruleIndex"] = rule_index[rec["code"]]
        results.append(result)
    runs = [_linter_run(TOOLS[name], recs) for name, recs in sorted(by_tool.items())]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "se-lsp",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r.info.id,
                                "name": r.info.id.split("/", 1)[1],
                                "shortDescription": {"text": r.info.title},
                                "fullDescription": {"text": r.info.explanation},
                                "help": {"text": f"{r.info.explanation}\n\nFix: {r.info.fix}"},
                                "defaultConfiguration": {
                                    "level": _LEVEL.get(r.info.severity.value, "warning")
                                },
                                "properties": {
                                    "category": r.info.category,
                                    "mirrors": list(r.info.mirrors),
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            },
            *runs,
        ],
    }


def _linter_run(tool: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF run for one linter's findings, its checks as the run's rules."""
    checks = sorted({r["code"] for r in records})
    index = {c: i for i, c in enumerate(checks)}
    results = []
    for rec in records:
        result = _result(rec)
        result["ruleIndex"] = index[rec["code"]]
        results.append(result)
    return {
        "tool": {
            "driver": {
                "name": tool.name,
                "informationUri": tool.home,
                "rules": [
                    {"id": c, "helpUri": tool.docs_url(c.removeprefix("clippy::"))} for c in checks
                ],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }


def write_findings(records: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """The findings in one of the `--format` choices: text, json or sarif."""
    if fmt == "json":
        out.write(json.dumps({"findings": records}, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "sarif":
        out.write(json.dumps(to_sarif(records), indent=2, ensure_ascii=False) + "\n")
    else:
        from se_lsp.linters.catalog import TOOLS, qualified

        for r in records:
            # A linter's check is named with its tool: "go vet:copylocks".
            code = qualified(r["source"], r["code"]) if r["source"] in TOOLS else r["code"]
            out.write(
                f"{r['path']}:{r['line']}:{r['column']}: {r['severity']} {code} {r['title']}\n"
            )
    out.flush()


def summary(findings: int, with_findings: int, checked: int, skipped: int) -> str:
    """The closing line: "3 findings in 2 of 5 files (1 skipped)"."""
    line = (
        f"{findings} finding{'s' if findings != 1 else ''} in {with_findings} of "
        f"{checked} file{'s' if checked != 1 else ''}"
    )
    return line + (f" ({skipped} skipped)" if skipped else "")


def rules_table(rules: list[dict[str, Any]]) -> str:
    """`se-lsp rules`: one line per rule under a header naming the columns."""
    lines = [f"{'RULE':<34} {'SEVERITY':<8} FIX TITLE  [MIRRORS]"]
    for r in rules:
        fix = "fix" if r["fix"] else "   "
        mirrors = ", ".join(r["mirrors"])
        lines.append(f"{r['id']:<34} {r['severity']:<8} {fix} {r['title']}  [{mirrors}]")
    return "\n".join(lines) + "\n"


def record(path: Path, f: Finding) -> dict[str, Any]:
    """One finding as `se-lsp check --format json` prints it (1-based, code points)."""
    return {
        "path": str(path),
        "line": f.span.start.line + 1,
        "column": f.span.start.col + 1,
        "end_line": f.span.end.line + 1,
        "end_column": f.span.end.col + 1,
        "severity": f.severity.value,
        "code": f.code,
        "source": f.source,
        "title": f.title,
        "category": f.category,
        "fix": f.fix.description if f.fix else None,
    }
