"""The Go linters: `staticcheck -f json` and `go vet -json`, both per package directory.

staticcheck prints one JSON object per line (its documented `-f json` format). go vet
prints, on stderr, a `# package` comment line and then a JSON object per package,
`{"pkg": {"analyzer": [{"posn": "file:line:col", "message": ...}]}}`, pretty-printed
over many lines; the objects are read one after another with the json module's
decoder and validated with pydantic.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from se_lsp.linters.catalog import GO_VET, STATICCHECK
from se_lsp.linters.model import Edit, LintDiagnostic, LintRun
from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import which
from se_lsp.verify.verdict import split_location


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- staticcheck ----------------------------------------------------------------------


class Location(_Model):
    file: str = ""
    line: int = 0
    column: int = 0


class StaticcheckProblem(_Model):
    code: str
    severity: str = "error"
    location: Location
    end: Location = Location()
    message: str


def staticcheck_problems(stdout: str) -> Iterator[StaticcheckProblem]:
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                yield StaticcheckProblem.model_validate_json(line)
            except ValidationError:
                continue


async def staticcheck(directory: Path, checks: list[str], timeout: float) -> LintRun:
    result = LintRun(STATICCHECK)
    exe = which("staticcheck", "go-staticcheck")
    if exe is None:
        result.note = "staticcheck: not found on PATH; its checks are off"
        return result
    argv = [exe, "-f", "json", "-checks", ",".join(checks), "."]
    done = await run(argv, cwd=directory, timeout=timeout)
    result.seconds = done.seconds
    if done.timed_out:
        result.note = f"staticcheck: took longer than {timeout:g} s; its findings are not shown"
        return result
    for p in staticcheck_problems(done.stdout):
        if p.code == "compile":
            result.note = f"staticcheck: the package does not compile ({p.message})"
            continue
        if not any(fnmatch.fnmatchcase(p.code, c) for c in checks):
            continue
        end = (p.end.line, p.end.column) if p.end.line else None
        result.diagnostics.append(
            LintDiagnostic(
                tool=STATICCHECK,
                check=p.code,
                path=Path(p.location.file),
                message=p.message,
                start=(p.location.line, p.location.column),
                end=end,
            )
        )
    if done.returncode not in (0, 1) and not result.diagnostics and not result.note:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        result.note = f"staticcheck: {lines[0] if lines else 'failed'}"
        return result
    result.covered = set(directory.glob("*.go"))
    return result


# -- go vet ------------------------------------------------------------------------------


class VetEdit(_Model):
    filename: str
    start: int
    end: int
    new: str


class VetFix(_Model):
    message: str
    edits: list[VetEdit] = []


class VetProblem(_Model):
    posn: str
    end: str = ""
    message: str
    suggested_fixes: list[VetFix] = []


_VET = TypeAdapter(dict[str, dict[str, list[VetProblem] | dict[str, str]]])


def vet_objects(stderr: str) -> Iterator[dict[str, dict[str, list[VetProblem] | dict[str, str]]]]:
    """The JSON objects in go vet's stream, skipping its `# package` comment lines."""
    text = "\n".join(ln for ln in stderr.splitlines() if not ln.startswith("#"))
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        start = text.find("{", pos)
        if start < 0:
            return
        try:
            obj, pos = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            return
        try:
            yield _VET.validate_python(obj)
        except ValidationError:
            continue


async def go_vet(directory: Path, checks: list[str], timeout: float) -> LintRun:
    result = LintRun(GO_VET)
    go = which("go")
    if go is None:
        result.note = "go vet: go is not on PATH; its checks are off"
        return result
    argv = [go, "vet", "-json", *(f"-{c}" for c in checks), "."]
    done = await run(argv, cwd=directory, timeout=timeout)
    result.seconds = done.seconds
    if done.timed_out:
        result.note = f"go vet: took longer than {timeout:g} s; its findings are not shown"
        return result
    for obj in vet_objects(done.stderr):
        for analyzers in obj.values():
            for analyzer, problems in analyzers.items():
                if not isinstance(problems, list) or analyzer not in checks:
                    continue  # {"error": ...} entries: a package that does not type-check
                for p in problems:
                    diag = _vet_diagnostic(analyzer, p, directory)
                    if diag is not None:
                        result.diagnostics.append(diag)
    if not done.ok and not result.diagnostics:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip() and not ln.startswith("#")]
        if lines and not lines[0].startswith("{"):
            result.note = f"go vet: {lines[0]}"
            return result
    result.covered = set(directory.glob("*.go"))
    return result


def _vet_diagnostic(analyzer: str, p: VetProblem, directory: Path) -> LintDiagnostic | None:
    loc = split_location(p.posn + ": ")
    if loc is None:
        return None
    file, line, col, _ = loc
    path = Path(file) if Path(file).is_absolute() else directory / file
    edits: tuple[Edit, ...] = ()
    description = ""
    if p.suggested_fixes:
        fix = p.suggested_fixes[0]
        same = [e for e in fix.edits if Path(e.filename) == path]
        edits = tuple(Edit(e.start, e.end, e.new) for e in same)
        description = fix.message
    return LintDiagnostic(
        tool=GO_VET,
        check=analyzer,
        path=path,
        message=p.message,
        start=(line, col),
        edits=edits,
        fix_description=description,
    )
