"""The built-in analyzer over files (`se-lsp check`) and with the user's rule choices."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from se_lsp.core.findings import Severity
from se_lsp.core.languages import language_for
from se_lsp.core.policy import Excluder
from se_lsp.core.positions import LineIndex
from se_lsp.core.settings import PROJECT_FILE, ProjectSettings, Settings, load_project_settings
from se_lsp.core.sources import SourceError, read_source
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cycle collector out of one analysis.

    An analysis allocates tens of thousands of short-lived objects (nodes, model tables)
    and sets off 11-18 young-generation collections that find nothing: 1.3-5.1 ms of a
    10,000-line file with start-up objects frozen (docs/performance.md), more in the
    analysis process, where the last documents' analyses stay alive for the next edit.
    Only for a caller that owns its process and runs one analysis at a time (the
    analysis process, `se-lsp check`): the switch is process-wide.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass
class CheckRun:
    """What `se-lsp check` found: records per analysed file, and what it met on the way."""

    results: list[tuple[Path, list[dict[str, Any]]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Files found but not analysed, with the reason (excluded, language off, binary, not UTF-8).
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def check_files(files: list[Path], config: tuple[Path, ProjectSettings] | None = None) -> CheckRun:
    """Findings per file as JSON-ready records (1-based lines and columns in code points).

    `config` is a project file the user named (its folder, its settings); without it each
    file takes the `.se-lsp.yaml` nearest above it.
    """
    run = CheckRun()
    settings_by_root: dict[Path | None, tuple[Settings, Excluder]] = {}

    def settings_for(path: Path) -> tuple[Settings, Excluder]:
        root = config[0] if config else _project_root(path.resolve().parent)
        if root not in settings_by_root:
            if config:
                project = config[1]
            else:
                project, found = load_project_settings(root)
                run.problems.extend(found)
            settings = Settings(project=project)
            settings_by_root[root] = (settings, Excluder(root, settings.exclude))
        return settings_by_root[root]

    for path in files:
        language = language_for(str(path))
        if language is None:
            continue
        settings, excluder = settings_for(path)
        if excluder.patterns and (pattern := excluder.excluded(path)):
            run.skipped.append((path, f"excluded by '{pattern}'"))
            continue
        if not settings.language_enabled(language):
            run.skipped.append((path, f"language '{language}' is off"))
            continue
        try:
            text = read_source(path)
        except SourceError as err:
            run.problems.append(str(err))
            run.skipped.append((path, str(err)))
            continue
        index = LineIndex(text)
        with collector_paused():
            found = run_rules(text, language, settings, index, path=str(path)).findings
        records = [record(path, f) for f in found]
        run.results.append((path, records))
    return run
