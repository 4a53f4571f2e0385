"""Compile-checking Rust: `cargo check` in a mirror of the workspace, else `rustc` alone.

The mirror (toolchain/scratch.py) holds the new text in place of the file and links
everything else, with a target directory of its own under se-lsp's cache: the user's
tree and `target/` are never written, and rust-analyzer's cargo never waits for ours.
A build script is never checked: cargo would run the new text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from se_lsp.toolchain.cargo import Diagnostic, cargo_messages, first_error_line, rustc_diagnostics
from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import cargo_project, which
from se_lsp.toolchain.scratch import mirror_for, remove, scratch_dir
from se_lsp.verify.verdict import Attempt, CompilerError

CARGO = "cargo check"
RUSTC = "rustc --emit=metadata"


async def check(path: Path, text: str, root: Path | None, timeout: float) -> Attempt:
    if path.name == "build.rs":
        return Attempt(
            CARGO,
            unchecked="a build script runs when it is checked; se-lsp never runs "
            "suggested code unasked",
        )
    cargo = which("cargo")
    if cargo is None:
        return await _rustc_alone(path, text, timeout)
    project = await cargo_project(path, cargo)
    if project is None:
        return await _rustc_alone(path, text, timeout)
    mirror = mirror_for(project.workspace)
    argv = [cargo, "check", "--message-format=json", "--target-dir", str(mirror.target)]
    package = mirror.path_of(project.package)
    argv += ["--manifest-path", str(package / "Cargo.toml")]
    if (project.package / "src") not in path.parents:
        argv.append("--all-targets")  # tests/, benches/, examples/ build only then
    async with mirror.lock():
        await asyncio.to_thread(mirror.sync, path, text)
        done = await run(argv, cwd=package, timeout=timeout, env={"CARGO_TERM_COLOR": "never"})
    if done.timed_out:
        return Attempt(
            CARGO,
            unchecked=f"`cargo check` took longer than {timeout:g} s",
            seconds=done.seconds,
            timed_out=True,
        )
    errors = []
    finished = False
    for msg in cargo_messages(done.stdout):
        if msg.reason == "build-finished":
            finished = True
        if msg.reason == "compiler-message" and msg.message is not None:
            error = _error(msg.message, mirror.original_of)
            if error is not None:
                errors.append(error)
    if not errors and not done.ok:
        why = first_error_line(done.stderr) if done.returncode else "cargo did not finish"
        return Attempt(CARGO, unchecked=f"`cargo check` could not run: {why}", seconds=done.seconds)
    if not finished and not errors:
        return Attempt(CARGO, unchecked="`cargo check` gave no result", seconds=done.seconds)
    return Attempt(CARGO, tuple(_first_in(errors, path)), seconds=done.seconds)


def _error(d: Diagnostic, original_of: Callable[[str], Path]) -> CompilerError | None:
    if not d.is_error:
        return None
    span = d.primary()
    if span is None:
        return None  # "aborting due to 2 previous errors" and the like
    return CompilerError(
        path=original_of(span.file_name),
        line=span.line_start,
        column=span.column_start,
        message=d.message,
        code=d.code.code if d.code else "",
    )


def _first_in(errors: list[CompilerError], path: Path) -> list[CompilerError]:
    """The checked file's own errors first: they are the ones the fix is likely to cause."""
    return sorted(errors, key=lambda e: e.path != path)


async def _rustc_alone(path: Path, text: str, timeout: float) -> Attempt:
    """A file outside any Cargo package: rustc checks it as a library on its own."""
    rustc = which("rustc")
    if rustc is None:
        return Attempt(RUSTC, unchecked="no Rust toolchain (cargo, rustc) on PATH")
    work = await asyncio.to_thread(scratch_dir, "rustc-")
    try:
        source = work / path.name
        await asyncio.to_thread(source.write_text, text, "utf-8")
        argv = [
            rustc,
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit=metadata",
            "--error-format=json",
            "-o",
            str(work / "out.rmeta"),
            str(source),
        ]
        done = await run(argv, cwd=work, timeout=timeout)
    finally:
        await asyncio.to_thread(remove, work)
    if done.timed_out:
        return Attempt(
            RUSTC,
            unchecked=f"`rustc` took longer than {timeout:g} s",
            seconds=done.seconds,
            timed_out=True,
        )

    def original_of(name: str) -> Path:
        return path if Path(name).name == path.name else Path(name)

    errors = [e for d in rustc_diagnostics(done.stderr) if (e := _error(d, original_of))]
    if not errors and not done.ok:
        return Attempt(
            RUSTC,
            unchecked=f"`rustc` failed: {first_error_line(done.stderr)}",
            seconds=done.seconds,
        )
    return Attempt(RUSTC, tuple(errors), seconds=done.seconds)
