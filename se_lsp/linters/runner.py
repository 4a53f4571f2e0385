"""Which linter runs for which files, with the user's choices, in as few runs as possible.

A file is linted where its toolchain builds it: clippy per Cargo package, clang-tidy
per compilation database (all the files of one database in one run), staticcheck and
go vet per Go package directory of a module. A tool that is missing, or a file
outside any project it can build, gives one info line, never an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from se_lsp.core.findings import Finding
from se_lsp.core.languages import CPP, GO, RUST, language_for
from se_lsp.core.settings import LinterSettings
from se_lsp.linters import clang_tidy, clippy, golang
from se_lsp.linters.catalog import (
    BY_LANGUAGE,
    CLANG_TIDY,
    CLIPPY,
    GO_VET,
    STATICCHECK,
    TOOLS,
    Tool,
    default_checks,
)
from se_lsp.linters.findings import findings_by_file
from se_lsp.linters.model import LintRun
from se_lsp.toolchain.projects import cargo_project, find_database, go_package, which

_HEADERS = {".h", ".hh", ".hpp", ".hxx"}


@dataclass
class Outcome:
    """Findings per file, the runs that produced them, and the info lines to show."""

    findings: dict[Path, list[Finding]] = field(default_factory=dict)
    runs: list[LintRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def covers(self, path: Path) -> bool:
        return any(r.covers(path) for r in self.runs if not r.note or r.diagnostics)


def enabled_tools(settings: LinterSettings, language: str) -> list[Tool]:
    if not settings.enabled:
        return []
    return [t for t in BY_LANGUAGE.get(language, ()) if settings.tool(t.setting).enabled]


def checks_for(settings: LinterSettings, tool: Tool) -> list[str]:
    return list(settings.tool(tool.setting).checks) or default_checks(tool)


def missing(tool: Tool) -> bool:
    return which(*tool.executables) is None


async def lint(
    paths: Iterable[Path], settings: LinterSettings, root: Path | None = None
) -> Outcome:
    """Run every enabled linter that applies to `paths` (absolute paths of files on disk).

    Findings are keyed by real path (links resolved), as the tools report them.
    """
    out = Outcome()
    timeout = settings.timeout_ms / 1000
    units: dict[tuple[str, Path], list[Path]] = {}
    outside: dict[str, int] = {}
    reported_missing: set[str] = set()
    for path in paths:
        language = language_for(str(path))
        if language is None:
            continue
        for tool in enabled_tools(settings, language):
            if missing(tool):
                if tool.name not in reported_missing:
                    reported_missing.add(tool.name)
                    note = f"{tool.name}: not found on PATH, so its checks are off"
                    out.notes.append(f"{note} ({tool.install_hint})")
                continue
            unit = await _unit(tool, path, root)
            if unit is None:
                outside[tool.name] = outside.get(tool.name, 0) + 1
                continue
            units.setdefault((tool.name, unit), []).append(path)
    for name, n in sorted(outside.items()):
        where = {
            CLIPPY: "a Cargo package",
            CLANG_TIDY: "a compile_commands.json",
            STATICCHECK: "a Go module",
            GO_VET: "a Go module",
        }[name]
        out.notes.append(f"{name}: {n} file{'s' if n != 1 else ''} not in {where}, not linted")
    jobs = [
        _run(TOOLS[name], unit, files, settings, timeout) for (name, unit), files in units.items()
    ]
    # One at a time: each tool already uses every core, and a shared Cargo mirror is locked.
    for job in jobs:
        run = await job
        out.runs.append(run)
        if run.note:
            out.notes.append(run.note)
        language = TOOLS[run.tool].language
        texts = await asyncio.to_thread(_texts, {d.path for d in run.diagnostics})
        for path, found in findings_by_file(run.diagnostics, texts, language).items():
            out.findings.setdefault(path.resolve(), []).extend(found)
    return out


async def _unit(tool: Tool, path: Path, root: Path | None) -> Path | None:
    """What one run of `tool` covers for `path`: a package, a database, a directory."""
    if tool.language == RUST:
        cargo = which("cargo")
        project = await cargo_project(path, cargo) if cargo else None
        return project.package if project is not None else None
    if tool.language == CPP:
        if path.suffix.lower() in _HEADERS:
            return None
        return await asyncio.to_thread(find_database, path, root)
    if tool.language == GO:
        package = go_package(path)
        return package.directory if package.module is not None else None
    return None


async def _run(
    tool: Tool, unit: Path, files: list[Path], settings: LinterSettings, timeout: float
) -> LintRun:
    try:
        return await _run_tool(tool, unit, files, settings, timeout)
    except OSError as err:  # found on PATH but cannot be started (permissions, a bad binary)
        return LintRun(tool.name, note=f"{tool.name}: could not be started ({err})")


async def _run_tool(
    tool: Tool, unit: Path, files: list[Path], settings: LinterSettings, timeout: float
) -> LintRun:
    checks = checks_for(settings, tool)
    if tool.name == CLIPPY:
        cargo = which("cargo")
        assert cargo is not None
        project = await cargo_project(files[0], cargo)
        assert project is not None
        return await clippy.lint(project, checks, timeout)
    if tool.name == CLANG_TIDY:
        return await clang_tidy.lint(files, unit, checks, timeout)
    if tool.name == STATICCHECK:
        return await golang.staticcheck(unit, checks, timeout)
    return await golang.go_vet(unit, checks, timeout)


def _texts(paths: set[Path]) -> dict[Path, str]:
    out = {}
    for p in paths:
        try:
            out[p] = p.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
    return out
