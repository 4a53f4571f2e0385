"""Compile-checking C++: the project's own compile command with `-fsyntax-only`.

The new text goes to a scratch file of the same name; the command from
`compile_commands.json` runs with its output arguments dropped and the original
directory first on the quoted include path (projects.syntax_only). Without a
database, the compiler on PATH checks the file with its directory on the include
path: weaker (the project's flags and defines are unknown), and the comparison with
the original text keeps it from blaming a fix for an include it cannot find.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import compile_command, fallback_compiler, syntax_only
from se_lsp.toolchain.scratch import remove, scratch_dir
from se_lsp.verify.verdict import Attempt, CompilerError, split_location

_HEADERS = {".h", ".hh", ".hpp", ".hxx"}


async def check(path: Path, text: str, root: Path | None, timeout: float) -> Attempt:
    command = await asyncio.to_thread(compile_command, path, root)
    work = await asyncio.to_thread(scratch_dir, "cpp-")
    try:
        source = work / path.name
        await asyncio.to_thread(source.write_text, text, "utf-8")
        if command is not None:
            argv = syntax_only(command, source)
            cwd = command.directory if command.directory.is_dir() else path.parent
            tool = f"{Path(argv[0]).name} -fsyntax-only (compile_commands.json)"
        else:
            compiler = fallback_compiler()
            if compiler is None:
                return Attempt(
                    "c++ -fsyntax-only",
                    unchecked="no C++ compiler on PATH and no compile_commands.json for this file",
                )
            language = ["-x", "c++"] if path.suffix.lower() in _HEADERS else []
            argv = [
                compiler,
                "-std=c++17",
                "-fsyntax-only",
                "-iquote",
                str(path.parent),
                "-I",
                str(path.parent),
                *language,
                str(source),
            ]
            cwd = path.parent if path.parent.is_dir() else work
            tool = f"{Path(compiler).name} -fsyntax-only"
        try:
            done = await run(argv, cwd=cwd, timeout=timeout, env={"LC_ALL": "C"})
        except OSError as err:
            return Attempt(tool, unchecked=f"the compiler could not be started ({err.strerror})")
    finally:
        await asyncio.to_thread(remove, work)
    if done.timed_out:
        return Attempt(
            tool,
            unchecked=f"the compiler took longer than {timeout:g} s",
            seconds=done.seconds,
            timed_out=True,
        )
    errors = parse_errors(done.stderr, source, path)
    if not errors and not done.ok:
        last = [ln for ln in done.stderr.splitlines() if ln.strip()]
        why = last[-1] if last else f"exit status {done.returncode}"
        return Attempt(tool, unchecked=f"the compiler failed: {why}", seconds=done.seconds)
    return Attempt(tool, tuple(errors), seconds=done.seconds)


def parse_errors(stderr: str, scratch: Path, original: Path) -> list[CompilerError]:
    """`file:line:col: error: message` lines of gcc or clang, on the user's path."""
    out = []
    for line in stderr.splitlines():
        loc = split_location(line)
        if loc is None:
            continue
        file, ln, col, rest = loc
        for kind in ("fatal error: ", "error: "):
            if rest.startswith(kind):
                message = rest[len(kind) :]
                break
        else:
            continue
        where = original if Path(file) == scratch else Path(file)
        out.append(CompilerError(where, ln, col, message))
    return out
