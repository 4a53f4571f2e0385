"""The linters in `se-lsp check`: their findings added to the built-in records, merged."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from se_lsp.core.settings import LinterSettings
from se_lsp.linters.findings import MIRROR
from se_lsp.linters.merge import merge_records
from se_lsp.linters.runner import lint
from se_lsp.report import record

Results = list[tuple[Path, list[dict[str, Any]]]]


def add_linter_findings(
    results: Results, settings: LinterSettings | None = None
) -> tuple[Results, list[str]]:
    """`results` with each file's linter findings merged in, and the linters' info lines."""
    settings = settings or LinterSettings()
    if not settings.enabled or not results:
        return results, []
    absolute = {path.resolve(): path for path, _ in results}
    outcome = asyncio.run(lint(list(absolute), settings))
    merged: Results = []
    for path, records in results:
        found = outcome.findings.get(path.resolve(), [])
        linted = [(record(path, f), f.extra.get(MIRROR, "")) for f in found]
        if linted:
            records = merge_records(records, linted)
            records.sort(key=lambda r: (r["line"], r["column"]))
        merged.append((path, records))
    return merged, outcome.notes
