"""`se-lsp check`: the built-in analyzer over files, with each file's nearest .se-lsp.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from se_lsp.analysis import run_rules
from se_lsp.config import PROJECT_FILE, Settings, load_project_settings
from se_lsp.findings import Finding
from se_lsp.guard import Excluder
from se_lsp.languages import language_for
from se_lsp.positions import LineIndex


@cache
def _project_root(directory: Path) -> Path | None:
    for d in (directory, *directory.parents):
        if (d / PROJECT_FILE).is_file():
            return d
    return None


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
        records = [record(path, f) for f in run_rules(text, language, settings, index).findings]
        results.append((path, records))
    return results, problems
