"""What a compile check found, in the words shown to the user.

A check of one text gives an `Attempt` (it compiled, it has errors, or it could not be
checked); comparing the fixed text's attempt with the original's gives a `Verdict`:
only errors the fix brings in count against it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class CompilerError:
    """One error as the compiler reported it, on the user's path (1-based line/column)."""

    path: Path
    line: int
    column: int
    message: str
    code: str = ""

    def quote(self, root: Path | None = None) -> str:
        shown = self.path
        if root is not None:
            try:
                shown = self.path.relative_to(root)
            except ValueError:
                pass
        code = f"[{self.code}]" if self.code else ""
        return f"{shown}:{self.line}:{self.column}: error{code}: {self.message}"

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes two errors the same error although a fix moved it by some lines."""
        return (self.path.name, self.code, self.message)


@dataclass(frozen=True)
class Attempt:
    """One run of the toolchain over one text."""

    tool: str  # e.g. "cargo check", "g++ -fsyntax-only", "go build"
    errors: tuple[CompilerError, ...] = ()
    unchecked: str = ""  # why it could not be checked (no toolchain, timed out...)
    seconds: float = 0.0
    timed_out: bool = False  # says nothing about the text: never cached

    @property
    def compiled(self) -> bool:
        return not self.unchecked and not self.errors


@dataclass(frozen=True)
class Verdict:
    status: Status
    tool: str
    detail: str = ""  # failed: the compiler's first error; unchecked: the reason
    seconds: float = 0.0
    errors: tuple[CompilerError, ...] = field(default=(), compare=False)
    timed_out: bool = False

    def title_suffix(self) -> str:
        """Appended to a quick fix's title when the fix compiled."""
        return f" (compiles: {self.tool})" if self.status is Status.PASSED else ""

    def markdown(self) -> str:
        """The hover line about this check."""
        if self.status is Status.PASSED:
            return (
                f"**Compile-checked:** `{self.tool}` passes with this fix ({self.seconds:.1f} s)."
            )
        if self.status is Status.FAILED:
            return (
                f"**Not offered as a quick fix:** with this fix `{self.tool}` fails:\n\n"
                f"```text\n{self.detail}\n```"
            )
        return f"**Not compile-checked:** {self.detail}."


def judge(fixed: Attempt, original: Attempt | None, root: Path | None) -> Verdict:
    """The verdict on a fix: its own errors count against it, errors it inherits do not."""
    seconds = fixed.seconds + (original.seconds if original is not None else 0.0)
    if fixed.unchecked:
        return Verdict(
            Status.UNCHECKED, fixed.tool, fixed.unchecked, seconds, timed_out=fixed.timed_out
        )
    if not fixed.errors:
        return Verdict(Status.PASSED, fixed.tool, "", seconds)
    if original is None or original.unchecked:
        first = fixed.errors[0]
        return Verdict(Status.FAILED, fixed.tool, first.quote(root), seconds, fixed.errors)
    before = Counter(e.identity for e in original.errors)
    new = []
    for e in fixed.errors:
        if before[e.identity] > 0:
            before[e.identity] -= 1
        else:
            new.append(e)
    if new:
        return Verdict(Status.FAILED, fixed.tool, new[0].quote(root), seconds, tuple(new))
    return Verdict(
        Status.UNCHECKED,
        fixed.tool,
        f"the file does not compile without this fix either (`{original.errors[0].quote(root)}`)",
        seconds,
    )


def split_location(line: str) -> tuple[str, int, int, str] | None:
    """`path:line:col: rest` split into its parts, or None (no regular expression).

    Paths may hold ':' themselves, so every ':' is tried as the end of the path.
    """
    start = 0
    while True:
        colon = line.find(":", start)
        if colon <= 0:
            return None
        parts = line[colon + 1 :].split(":", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            return line[:colon], int(parts[0]), int(parts[1]), parts[2].strip()
        start = colon + 1
