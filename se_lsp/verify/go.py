"""Compile-checking Go: `go build -overlay`, which reads the new text instead of the file.

The overlay maps the file's real path to a scratch file, so nothing is copied and
nothing in the module is written (`-o` goes to the null device; the build cache is
Go's own). A `_test.go` file builds only with its tests: `go test -c`. `go vet` is
not used here: in Go 1.19 its analysis reads the file on disk, not the overlay.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import dumps_overlay, go_package, which
from se_lsp.toolchain.scratch import remove, scratch_dir
from se_lsp.verify.verdict import Attempt, CompilerError, split_location


async def check(path: Path, text: str, root: Path | None, timeout: float) -> Attempt:
    go = which("go")
    testing = path.name.endswith("_test.go")
    tool = "go test -c" if testing else "go build"
    if go is None:
        return Attempt(tool, unchecked="no Go toolchain (go) on PATH")
    package = go_package(path)
    work = await asyncio.to_thread(scratch_dir, "go-")
    try:
        source = work / path.name
        await asyncio.to_thread(source.write_text, text, "utf-8")
        if package.module is not None:
            overlay = work / "overlay.json"
            await asyncio.to_thread(overlay.write_text, dumps_overlay({path: source}), "utf-8")
            verb = ["test", "-c"] if testing else ["build"]
            argv = [go, *verb, "-o", os.devnull, "-overlay", str(overlay), "."]
            cwd = package.directory
        else:
            # Outside a module: the file alone, as `go build file.go` would take it.
            argv = [go, "build", "-o", os.devnull, str(source)]
            cwd = work
        done = await run(argv, cwd=cwd, timeout=timeout)
    finally:
        await asyncio.to_thread(remove, work)
    if done.timed_out:
        return Attempt(
            tool,
            unchecked=f"`{tool}` took longer than {timeout:g} s",
            seconds=done.seconds,
            timed_out=True,
        )
    errors = parse_errors(done.stderr, source, path, cwd)
    if not errors and not done.ok:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip() and not ln.startswith("#")]
        why = lines[0] if lines else f"exit status {done.returncode}"
        return Attempt(tool, unchecked=f"`{tool}` could not run: {why}", seconds=done.seconds)
    return Attempt(tool, tuple(errors), seconds=done.seconds)


def parse_errors(stderr: str, scratch: Path, original: Path, cwd: Path) -> list[CompilerError]:
    """`file.go:line:col: message` lines; the scratch path is put back to the user's."""
    out = []
    for line in stderr.splitlines():
        if line.startswith(("#", "\t")):
            continue
        loc = split_location(line)
        if loc is None or not loc[0].endswith(".go"):
            continue
        file, ln, col, message = loc
        where = Path(os.path.normpath(cwd / file))
        if where == scratch:
            where = original
        out.append(CompilerError(where, ln, col, message))
    return out
