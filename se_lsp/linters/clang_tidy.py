"""clang-tidy with the project's compilation database and `-export-fixes` YAML.

The YAML (clang's tooling `TranslationUnitDiagnostics`) carries every diagnostic
with its byte offset and its replacements; the text clang-tidy prints is ignored.
`--checks=-*,...` starts from nothing, so a project's `.clang-tidy` cannot add
non-performance checks; results are filtered by the same globs all the same.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from se_lsp.linters.catalog import CLANG_TIDY
from se_lsp.linters.model import Edit, LintDiagnostic, LintRun
from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import which
from se_lsp.toolchain.scratch import remove, scratch_dir


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Replacement(_Model):
    file_path: str = Field(alias="FilePath")
    offset: int = Field(alias="Offset")
    length: int = Field(alias="Length")
    text: str = Field(default="", alias="ReplacementText")


class Message(_Model):
    message: str = Field(alias="Message")
    file_path: str = Field(default="", alias="FilePath")
    file_offset: int = Field(default=0, alias="FileOffset")
    replacements: list[Replacement] = Field(default_factory=list, alias="Replacements")


class TidyDiagnostic(_Model):
    name: str = Field(alias="DiagnosticName")
    message: Message = Field(alias="DiagnosticMessage")
    level: str = Field(default="Warning", alias="Level")
    build_directory: str = Field(default="", alias="BuildDirectory")


class ExportedFixes(_Model):
    main_source_file: str = Field(default="", alias="MainSourceFile")
    diagnostics: list[TidyDiagnostic] = Field(default_factory=list, alias="Diagnostics")


def parse_fixes(text: str) -> ExportedFixes:
    """The `-export-fixes` file; an empty or broken one is no diagnostics, not an error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return ExportedFixes()
    if not isinstance(data, dict):
        return ExportedFixes()
    try:
        return ExportedFixes.model_validate(data)
    except ValidationError:
        return ExportedFixes()


def _path(raw: str, base: str) -> Path:
    return Path(os.path.normpath(Path(base) / raw)) if raw else Path()


async def lint(files: list[Path], database: Path, checks: list[str], timeout: float) -> LintRun:
    """Lint `files` (all in `database`'s project) in one clang-tidy run."""
    result = LintRun(CLANG_TIDY)
    exe = which("clang-tidy")
    if exe is None:
        result.note = "clang-tidy: not found on PATH; its checks are off"
        return result
    work = await asyncio.to_thread(scratch_dir, "clang-tidy-")
    try:
        fixes = work / "fixes.yaml"
        argv = [
            exe,
            "-p",
            str(database.parent),
            f"--checks=-*,{','.join(checks)}",
            f"--export-fixes={fixes}",
            "--quiet",
            *map(str, files),
        ]
        done = await run(argv, cwd=database.parent, timeout=timeout)
        text = await asyncio.to_thread(_read, fixes)
    finally:
        await asyncio.to_thread(remove, work)
    result.seconds = done.seconds
    if done.timed_out:
        result.note = f"clang-tidy: took longer than {timeout:g} s; its findings are not shown"
        return result
    exported = parse_fixes(text)
    for d in exported.diagnostics:
        if not any(fnmatch.fnmatchcase(d.name, c) for c in checks):
            continue  # clang-diagnostic-error and the like: the compiler's, not a check's
        base = d.build_directory or str(database.parent)
        path = _path(d.message.file_path, base)
        same_file = [r for r in d.message.replacements if _path(r.file_path, base) == path]
        edits = tuple(Edit(r.offset, r.offset + r.length, r.text) for r in same_file)
        result.diagnostics.append(
            LintDiagnostic(
                tool=CLANG_TIDY,
                check=d.name,
                path=path,
                message=d.message.message,
                start=d.message.file_offset,
                edits=edits,
            )
        )
    if not done.ok and not exported.diagnostics and "error" in done.stderr:
        lines = [ln for ln in done.stderr.splitlines() if "error" in ln]
        result.note = f"clang-tidy: {lines[0].strip()}"
    result.covered = set(files)
    return result


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
