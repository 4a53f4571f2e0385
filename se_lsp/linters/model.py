"""What every linter's output becomes before it is a Finding: a tool-neutral diagnostic.

Tools count positions differently (rustc and clang-tidy give byte offsets, Go tools a
line and a byte column), so a diagnostic keeps the tool's own numbers and the one
conversion to code points happens in findings.py, against the file's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# A place in a file as the tool gave it: a byte offset, or a 1-based line and byte column.
Where = int | tuple[int, int]


@dataclass(frozen=True)
class Edit:
    """Replace bytes [start, end) of the file with `text`."""

    start: Where
    end: Where
    text: str


@dataclass(frozen=True)
class LintDiagnostic:
    tool: str  # catalog name: "clippy", "clang-tidy", "staticcheck", "go vet"
    check: str  # the tool's own check name: "map_entry", "performance-for-range-copy", "SA6005"
    path: Path
    message: str
    start: Where
    end: Where | None = None
    edits: tuple[Edit, ...] = ()
    fix_description: str = ""


@dataclass
class LintRun:
    """One run of one tool: what it found, and anything the user should know about the run."""

    tool: str
    diagnostics: list[LintDiagnostic] = field(default_factory=list)
    # What the run speaks for: a file covered with no diagnostic is clean now.
    covered: set[Path] = field(default_factory=set)
    covered_trees: tuple[Path, ...] = ()  # every file below these directories
    note: str = ""  # one info line (tool missing, no compilation database, timed out)
    seconds: float = 0.0

    def covers(self, path: Path) -> bool:
        """Whether this run speaks for `path` (compared as real paths: tools resolve links)."""
        real = path.resolve()
        if real in {p.resolve() for p in self.covered}:
            return True
        return any(t.resolve() in real.parents for t in self.covered_trees)
