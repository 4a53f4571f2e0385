"""Source files as `se-lsp check` finds and reads them: which files, and their text or why not.

A folder is walked the way the project's own tools would: hidden folders, third-party
code (`vendor/`, `node_modules/`, `third_party/` and its spellings), build output (any
folder with a `CACHEDIR.TAG`, which cargo writes into `target/`) and whatever git ignores
are left out, so `se-lsp check .` reviews the project's code and not its dependencies or
generated files. A file or folder named on the command line is always checked.

A file named `.rs` may hold anything. Reading it as text with replacement characters would
check garbage and report findings at made-up places, so a file that is binary (a NUL byte,
as git decides) or not UTF-8 is refused with the reason, and the caller skips it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from se_lsp.core.languages import EXTENSIONS

# Folders of code the project does not own: Go's vendored modules, npm's packages, and
# the names C++ projects keep their copies of other projects under.
_THIRD_PARTY = frozenset(
    {
        "vendor",
        "node_modules",
        "third_party",
        "third-party",
        "thirdparty",
        "3rdparty",
        "3rd-party",
        "3rd_party",
    }
)

# git calls a file binary when its first 8,000 bytes hold a NUL; so do we.
_BINARY_PROBE = 8000


class SourceError(Exception):
    """A path given on the command line, or a file found, that cannot be used (message says why)."""


def find_sources(paths: Iterable[str]) -> list[Path]:
    """Every Rust, C++ or Go file named, or found under the named folders (see above)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"no such file or directory: {raw}")
        if path.is_dir():
            found.extend(sorted(_walk(path)))
        elif path.suffix.lower() in EXTENSIONS:
            found.append(path)
        else:
            names = ", ".join(sorted(EXTENSIONS))
            raise SourceError(f"{raw}: not a Rust, C++ or Go file (extensions: {names})")
    return found


def _walk(root: Path) -> Iterator[Path]:
    listed = _git_listed(root)
    folders: set[Path] | None = None
    if listed is not None:  # only folders that hold a file git would list are entered
        folders = {root}
        for path in listed:
            for parent in path.parents:
                if parent in folders:
                    break
                folders.add(parent)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [  # pruned in place, so os.walk does not enter them
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _THIRD_PARTY
            and (folders is None or here / d in folders)
            and not (here / d / "CACHEDIR.TAG").exists()
        ]
        for name in files:
            child = here / name
            if (
                child.suffix.lower() in EXTENSIONS
                and not name.startswith(".")
                and (listed is None or child in listed)
                and child.is_file()
            ):
                yield child


def _git_listed(root: Path) -> set[Path] | None:
    """Files under `root` git tracks or would add; None without git or outside a repository."""
    from se_lsp.toolchain.process import run  # every program se-lsp starts goes through it

    argv = ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        done = asyncio.run(run(argv, timeout=60))
    except OSError:
        return None
    if not done.ok:
        return None
    # Paths are relative to `root` (git's -C folder).
    return {root / name for name in done.stdout.split("\0") if name}


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
