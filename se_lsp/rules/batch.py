"""The built-in analyzer over files (`se-lsp check`) and with the user's rule choices."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from se_lsp.core.findings import Severity
from se_lsp.core.languages import language_for
from se_lsp.core.policy import Excluder
from se_lsp.core.positions import LineIndex
from se_lsp.core.settings import PROJECT_FILE, Settings, load_project_settings
from se_lsp.report import record
from se_lsp.rules.engine import Analysis, RuleInfo, analyze, reanalyze


@cache
def _project_root(directory: Path) -> Path | None:
    for d in (directory, *directory.parents):
        if (d / PROJECT_FILE).is_file():
            return d
    return None


def run_rules(
    text: str,
    language: str,
    settings: Settings,
    index: LineIndex,
    previous: Analysis | None = None,
    exact: bool = True,
    path: str | None = None,
) -> Analysis:
    """One analysis with the user's rule choices applied (runs on a worker thread).

    `path` lets the rules tell test code by its file name (`foo_test.go`, `tests/`).

    With `previous` (made under the same settings), only the code an edit touched is
    checked again; tests/test_incremental.py holds this equal to a full analysis.
    """

    def enabled(info: RuleInfo) -> bool:
        return settings.rule_enabled(info.id, info.language)

    def severity_of(info: RuleInfo) -> Severity:
        return settings.severity(info.id, info.severity)

    if previous is not None:
        return reanalyze(
            previous,
            text,
            language,
            index=index,
            enabled=enabled,
            severity_of=severity_of,
            exact=exact,
            path=path,
            test_code=settings.test_code,
        )
    return analyze(
        text,
        language,
        index=index,
        enabled=enabled,
        severity_of=severity_of,
        path=path,
        test_code=settings.test_code,
    )


def check_files(
    files: list[Path], config: Path | None = None
) -> tuple[list[tuple[Path, list[dict[str, Any]]]], list[str]]:
    """Findings per file as JSON-ready records (1-based lines and columns in code points)."""
    problems: list[str] = []
    settings_by_root: dict[Path | None, tuple[Settings, Excluder]] = {}

    def settings_for(path: Path) -> tuple[Settings, Excluder]:
        root = config.parent if config else _project_root(path.resolve().parent)
        if root not in settings_by_root:
            project, found = load_project_settings(root)
            if config is not None and not config.is_file():
                found.append(f"{config}: no such file; using the defaults")
            problems.extend(found)
            settings = Settings(project=project)
            settings_by_root[root] = (settings, Excluder(root, settings.exclude))
        return settings_by_root[root]

    results = []
    for path in files:
        language = language_for(str(path))
        if language is None:
            continue
        settings, excluder = settings_for(path)
        if excluder.patterns and excluder.excluded(path):
            continue
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError as err:
            problems.append(f"{path}: cannot be read ({err.strerror})")
            continue
        index = LineIndex(text)
        found = run_rules(text, language, settings, index, path=str(path)).findings
        records = [record(path, f) for f in found]
        results.append((path, records))
    return results, problems
