"""Source files as `se-lsp check` finds and reads them: which files, and their text or why not.

A file named `.rs` may hold anything. Reading it as text with replacement characters would
check garbage and report findings at made-up places, so a file that is binary (a NUL byte,
as git decides) or not UTF-8 is refused with the reason, and the caller skips it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from se_lsp.core.languages import EXTENSIONS

# git calls a file binary when its first 8,000 bytes hold a NUL; so do we.
_BINARY_PROBE = 8000


class SourceError(Exception):
    """A path given on the command line, or a file found, that cannot be used (message says why)."""


def find_sources(paths: Iterable[str]) -> list[Path]:
    """Every Rust, C++ or Go file named or under the named folders (hidden ones left out)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"no such file or directory: {raw}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix.lower() in EXTENSIONS and child.is_file():
                    if not any(part.startswith(".") for part in child.relative_to(path).parts):
                        found.append(child)
        elif path.suffix.lower() in EXTENSIONS:
            found.append(path)
        else:
            names = ", ".join(sorted(EXTENSIONS))
            raise SourceError(f"{raw}: not a Rust, C++ or Go file (extensions: {names})")
    return found


def read_source(path: Path) -> str:
    """The file's text; SourceError when it cannot be read, is binary or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(f"{path}: cannot be read ({err.strerror or err})") from None
    if b"\0" in data[:_BINARY_PROBE]:
        raise SourceError(f"{path}: binary file (NUL byte), skipped")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        raise SourceError(f"{path}:{line}: not UTF-8 text (byte 0x{bad}), skipped") from None
