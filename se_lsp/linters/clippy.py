"""clippy: `cargo clippy --message-format=json` in the workspace mirror.

It runs where the compile check runs (toolchain/scratch.py): the user's `target/` is
never written or locked, and the check and the lint share the mirror's build of the
dependencies. Only the chosen lints are turned on (`-A clippy::all -W clippy::<lint>`);
a crate may turn others on in its source (`#![warn(clippy::all)]`), so results are
kept only for the chosen lints, with groups expanded from clippy's own lint list.
"""

from __future__ import annotations

import asyncio

from se_lsp.linters.catalog import CLIPPY
from se_lsp.linters.model import Edit, LintDiagnostic, LintRun
from se_lsp.toolchain.cargo import Diagnostic, cargo_messages, first_error_line
from se_lsp.toolchain.process import run
from se_lsp.toolchain.projects import CargoProject, which
from se_lsp.toolchain.scratch import Mirror, mirror_for

GROUPS = (
    "all",
    "cargo",
    "complexity",
    "correctness",
    "nursery",
    "pedantic",
    "perf",
    "restriction",
    "style",
    "suspicious",
)
# Suggestions safe enough to offer as a fix (the compile check then confirms them).
_APPLICABLE = ("MachineApplicable", "MaybeIncorrect")

_groups: dict[str, frozenset[str]] = {}


async def group_members(group: str) -> frozenset[str] | None:
    """The lints of a clippy group, from `clippy-driver -W help`; None when unknown."""
    if group in _groups:
        return _groups[group]
    driver = which("clippy-driver")
    if driver is None:
        return None
    done = await run([driver, "-W", "help"], timeout=30)
    for line in done.stdout.splitlines():
        name, _, members = line.strip().partition(" ")
        if name.startswith("clippy::") and name[len("clippy::") :] in GROUPS:
            _groups[name[len("clippy::") :]] = frozenset(
                m.strip().removeprefix("clippy::").replace("-", "_")
                for m in members.split(",")
                if m.strip()
            )
    return _groups.get(group)


async def wanted(checks: list[str]) -> frozenset[str] | None:
    """Lint names to keep (groups expanded); None keeps every clippy lint."""
    names: set[str] = set()
    for check in checks:
        check = check.removeprefix("clippy::").replace("-", "_")
        if check in GROUPS:
            members = await group_members(check)
            if members is None:
                return None
            names |= members
        else:
            names.add(check)
    return frozenset(names)


def lint_flags(checks: list[str]) -> list[str]:
    flags = ["-A", "clippy::all"]
    for check in checks:
        flags += ["-W", "clippy::" + check.removeprefix("clippy::")]
    return flags


async def lint(project: CargoProject, checks: list[str], timeout: float) -> LintRun:
    """Lint one package of a workspace; the run covers every Rust file of the package."""
    result = LintRun(CLIPPY)
    cargo = which("cargo")
    if cargo is None:
        result.note = "clippy: cargo is not on PATH; clippy's checks are off"
        return result
    keep = await wanted(checks)
    mirror = mirror_for(project.workspace)
    package = mirror.path_of(project.package)
    argv = [
        cargo,
        "clippy",
        "--message-format=json",
        "--target-dir",
        str(mirror.target),
        "--manifest-path",
        str(package / "Cargo.toml"),
        "--",
        *lint_flags(checks),
    ]
    async with mirror.lock():
        await asyncio.to_thread(mirror.sync)
        done = await run(argv, cwd=package, timeout=timeout, env={"CARGO_TERM_COLOR": "never"})
    result.seconds = done.seconds
    if done.timed_out:
        result.note = f"clippy: took longer than {timeout:g} s; its findings are not shown"
        return result
    if "no such command: `clippy`" in done.stderr or "not installed" in done.stderr:
        result.note = "clippy: not installed (`rustup component add clippy`); its checks are off"
        return result
    finished = False
    for msg in cargo_messages(done.stdout):
        if msg.reason == "build-finished":
            finished = True
        if msg.reason != "compiler-message" or msg.message is None:
            continue
        diag = _diagnostic(msg.message, mirror, keep)
        if diag is not None:
            result.diagnostics.append(diag)
    if not finished:
        result.note = f"clippy: did not run: {first_error_line(done.stderr)}"
        return result
    result.covered_trees = (project.package / "src",)
    return result


def _diagnostic(
    d: Diagnostic, mirror: Mirror, keep: frozenset[str] | None
) -> LintDiagnostic | None:
    if d.code is None or not d.code.code.startswith("clippy::"):
        return None
    name = d.code.code[len("clippy::") :]
    if keep is not None and name not in keep:
        return None
    span = d.primary()
    if span is None:
        return None
    edits: list[Edit] = []
    description = ""
    for child in d.children:
        suggested = [
            s
            for s in child.spans
            if s.suggested_replacement is not None
            and s.suggestion_applicability in _APPLICABLE
            and s.file_name == span.file_name
        ]
        if suggested:
            edits = [
                Edit(s.byte_start, s.byte_end, s.suggested_replacement or "") for s in suggested
            ]
            description = child.message
            break
    return LintDiagnostic(
        tool=CLIPPY,
        check=name,
        path=mirror.original_of(span.file_name),
        message=d.message,
        start=span.byte_start,
        end=span.byte_end,
        edits=tuple(edits),
        fix_description=description,
    )
