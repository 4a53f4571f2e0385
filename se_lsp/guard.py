"""What may be read and sent: exclusion globs (gitignore syntax) for files.

Redaction of secrets and the local-only endpoint policy live here too as the
agent grows; everything that decides whether user code may leave the process
is in this one module so it can be reviewed in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pathspec

# Files that hold secrets by convention: never analysed by the agent, never read into a prompt.
DEFAULT_SECRET_GLOBS = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.kdbx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "secrets/",
    ".git/",
)

IGNORE_FILE = ".se-lspignore"


class Excluder:
    """Decides whether a path is excluded, from gitignore-style patterns relative to a root."""

    def __init__(self, root: Path | None, patterns: Iterable[str] = (), *, secrets: bool = False):
        self.root = root
        lines = list(patterns)
        if secrets:
            lines = [*DEFAULT_SECRET_GLOBS, *lines]
        self.problems: list[str] = []
        if root is not None:
            ignore = root / IGNORE_FILE
            if ignore.is_file():
                try:
                    lines.extend(ignore.read_text(encoding="utf-8").splitlines())
                except (OSError, UnicodeDecodeError) as err:
                    self.problems.append(f"{ignore}: cannot be read ({err})")
        self._spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self.patterns = lines

    def relative(self, path: Path) -> str | None:
        if self.root is None:
            return path.name
        try:
            return PurePosixPath(path.resolve().relative_to(self.root.resolve())).as_posix()
        except ValueError:
            return None

    def excluded(self, path: Path) -> str | None:
        """The pattern that excludes `path`, or None when it is not excluded."""
        rel = self.relative(path)
        if rel is None:
            rel = path.name
        result = self._spec.check_file(rel)
        if result.include:
            index = result.index
            return self.patterns[index] if index is not None else "an exclusion pattern"
        return None
