"""Which project a file belongs to, as its own toolchain sees it.

Rust: the Cargo workspace (asked of `cargo locate-project`, which knows the member
rules) and the package whose manifest is nearest. C++: the entry for the file in a
`compile_commands.json`. Go: the module (`go.mod`) and the package directory.
Nothing here writes anywhere; answers are cached by the files they were read from.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from se_lsp.toolchain.process import run


def which(*names: str) -> str | None:
    """The first of `names` found on PATH (Debian calls staticcheck `go-staticcheck`)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def ancestors(start: Path, stop: Path | None = None) -> list[Path]:
    """`start` and its parents, ending at `stop` when `start` is inside it."""
    out = []
    for d in (start, *start.parents):
        out.append(d)
        if stop is not None and d == stop:
            break
    return out


# -- Rust ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CargoProject:
    workspace: Path  # directory of the workspace's root manifest
    package: Path  # directory of the package's own manifest


_workspaces: dict[Path, Path] = {}


async def cargo_project(path: Path, cargo: str, timeout: float = 30.0) -> CargoProject | None:
    """The workspace and package that compile `path`, or None outside any package."""
    package = next((d for d in ancestors(path.parent) if (d / "Cargo.toml").is_file()), None)
    if package is None:
        return None
    manifest = package / "Cargo.toml"
    known = _workspaces.get(manifest)
    if known is None:
        done = await run(
            [
                cargo,
                "locate-project",
                "--workspace",
                "--message-format",
                "plain",
                "--manifest-path",
                str(manifest),
            ],
            cwd=package,
            timeout=timeout,
            env={"CARGO_TERM_COLOR": "never"},
        )
        if not done.ok or not done.stdout.strip():
            return None
        known = Path(done.stdout.strip()).parent
        _workspaces[manifest] = known
    return CargoProject(workspace=known, package=package)


# -- C++ ---------------------------------------------------------------------------------


class _Command(BaseModel):
    """One entry of a JSON compilation database (clang's documented format)."""

    model_config = ConfigDict(extra="ignore")
    directory: str
    file: str
    arguments: list[str] | None = None
    command: str | None = None
    output: str | None = None


_DATABASE = TypeAdapter(list[_Command])


@dataclass(frozen=True)
class CompileCommand:
    database: Path  # the compile_commands.json it came from
    directory: Path  # where the compiler runs
    argv: tuple[str, ...]  # the compiler and its arguments, the source file among them
    file: Path


_databases: dict[Path, tuple[float, dict[str, CompileCommand]]] = {}


def find_database(path: Path, root: Path | None) -> Path | None:
    """The nearest compile_commands.json: beside the file or above it, or in a build/ there."""
    for d in ancestors(path.parent, root):
        for candidate in (d / "compile_commands.json", d / "build" / "compile_commands.json"):
            if candidate.is_file():
                return candidate
    return None


def _load(database: Path) -> dict[str, CompileCommand]:
    mtime = database.stat().st_mtime
    cached = _databases.get(database)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        entries = _DATABASE.validate_json(database.read_bytes())
    except (OSError, ValidationError):
        entries = []
    table: dict[str, CompileCommand] = {}
    for e in entries:
        directory = Path(e.directory)
        file = Path(os.path.normpath(directory / e.file))
        if e.arguments:
            argv = tuple(e.arguments)
        elif e.command:
            argv = tuple(shlex.split(e.command))
        else:
            continue
        table.setdefault(str(file), CompileCommand(database, directory, argv, file))
    _databases[database] = (mtime, table)
    return table


def compile_command(path: Path, root: Path | None) -> CompileCommand | None:
    """The database's command for `path` (absolute and normalised), if it has one."""
    database = find_database(path, root)
    if database is None:
        return None
    return _load(database).get(os.path.normpath(path))


# Arguments that make the compiler write something: output, dependency files.
_DROP_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ", "--output"}
_DROP = {"-c", "-MD", "-MMD", "-MP", "-M", "-MM", "-S", "-E"}


def syntax_only(command: CompileCommand, source: Path) -> list[str]:
    """The database's command turned into one that only checks `source` and writes nothing.

    Output and dependency-file arguments are dropped; the original directory goes on
    the quoted include path first, so `#include "x.h"` finds what it found before
    although the checked text lives in a scratch file.
    """
    argv = list(command.argv)
    out = [argv[0]]
    skip = False
    original = os.path.normpath(command.file)
    for arg in argv[1:]:
        if skip:
            skip = False
            continue
        if arg in _DROP_WITH_VALUE:
            skip = True
            continue
        if arg in _DROP or _joined_output(arg):
            continue
        if arg == "--":
            continue
        if os.path.normpath(Path(command.directory) / arg) == original:
            continue
        out.append(arg)
    return [*out, "-fsyntax-only", "-iquote", str(command.file.parent), str(source)]


def _joined_output(arg: str) -> bool:
    """`-ofile.o`, `-MFfile.d` and the like: an output argument with its value attached."""
    if arg.startswith("-o") and len(arg) > 2:
        return True
    return arg[:3] in ("-MF", "-MT", "-MQ") and len(arg) > 3


def fallback_compiler() -> str | None:
    return which("c++", "g++", "clang++")


# -- Go ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoPackage:
    module: Path | None  # directory of go.mod, None for a file outside any module
    directory: Path


def go_package(path: Path) -> GoPackage:
    module = next((d for d in ancestors(path.parent) if (d / "go.mod").is_file()), None)
    return GoPackage(module, path.parent)


def dumps_overlay(replace: dict[Path, Path]) -> str:
    """The JSON `go build -overlay` reads: real path -> the file to use instead."""
    return json.dumps({"Replace": {str(k): str(v) for k, v in replace.items()}})
