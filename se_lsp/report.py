"""Findings as `se-lsp check` prints them: compiler-style text, JSON records, SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from se_lsp import __version__
from se_lsp.core.findings import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def to_sarif(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One SARIF log with one run holding every finding of `se-lsp check`."""
    from se_lsp.rules import all_rules

    rules = all_rules()
    rule_index = {r.info.id: i for i, r in enumerate(rules)}
    results = []
    for rec in records:
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
        if rec["code"] in rule_index:
            result["ruleIndex"] = rule_index[rec["code"]]
        results.append(result)
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
            }
        ],
    }


def write_findings(records: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """The findings in one of the `--format` choices: text, json or sarif."""
    if fmt == "json":
        out.write(json.dumps({"findings": records}, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "sarif":
        out.write(json.dumps(to_sarif(records), indent=2, ensure_ascii=False) + "\n")
    else:
        for r in records:
            out.write(
                f"{r['path']}:{r['line']}:{r['column']}: {r['severity']} {r['code']} {r['title']}\n"
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
