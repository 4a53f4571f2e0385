"""Scratch places where a toolchain may write: never the user's tree.

For Rust, cargo needs the whole workspace around the file it checks, and the path
dependencies around the workspace (`dep = { path = "../dep" }`). Copying all that is
slow for a large repository, so the scratch workspace is a mirror made of symlinks
that keeps the absolute layout: the mirror's root stands for `/`, only the directories
from `/` down to the workspace and to a replaced file are real, each holding symlinks
to its siblings, and the replaced file is a real file with the new text. A relative
path dependency therefore resolves in the mirror as it does on disk. The mirror keeps
its path from one check to the next, so cargo's own incremental state in the mirror's
target directory stays warm (a second check costs what `cargo check` after an edit
costs), and the user's `target/` is never written or locked.

cargo decides what to rebuild by modification times. A file replaced for one check
and restored for the next must therefore get a new time when its text goes back,
not become a symlink to an older file again; `sync` takes care of that.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from se_lsp.agent.cache import cache_dir

# Directories at the workspace root that are build output, not sources.
_NOT_MIRRORED = {"target"}
# Files cargo may write (a lock file it updates): copied, never linked, so a write
# lands in the mirror, not in the user's tree.
_COPIED = ("Cargo.lock",)


def scratch_home() -> Path:
    return cache_dir() / "scratch"


def scratch_dir(prefix: str) -> Path:
    """A new empty directory for one job (a compile check, a benchmark run)."""
    home = scratch_home()
    home.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=home))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Mirror:
    """A symlink copy of the tree around one Cargo workspace, where one file may differ."""

    def __init__(self, workspace: Path, home: Path | None = None) -> None:
        self.workspace = workspace
        key = hashlib.sha256(str(workspace).encode("utf-8")).hexdigest()[:16]
        self.home = home or cache_dir() / "verify" / "rust" / key
        self.root = self.home / "root"  # stands for "/"
        self.target = self.home / "target"
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._ws = self._rel(workspace)
        # Relative to "/": the directories that are real here, and the files written here.
        self._real_dirs: set[Path] = {Path("."), *self._ws.parents, self._ws}
        self._written: dict[Path, str] = {}

    @staticmethod
    def _rel(path: Path) -> Path:
        return path.relative_to(path.anchor)

    def lock(self) -> asyncio.Lock:
        """The lock that orders jobs in this mirror (one per event loop: tests run several)."""
        loop = asyncio.get_running_loop()
        found = self._locks.get(loop)
        if found is None:
            self._locks = {k: v for k, v in self._locks.items() if not k.is_closed()}
            found = self._locks[loop] = asyncio.Lock()
        return found

    def path_of(self, original: Path) -> Path:
        return self.root / self._rel(original)

    def original_of(self, mirrored: str | Path) -> Path:
        """The user's path for a path cargo printed (relative to the workspace, or absolute)."""
        p = Path(mirrored)
        if not p.is_absolute():
            return self.workspace / p
        try:
            return Path(self.workspace.anchor) / p.relative_to(self.root)
        except ValueError:
            return p

    def sync(self, replace: Path | None = None, text: str | None = None) -> None:
        """Make the mirror match the user's tree, with `replace` holding `text`.

        Blocking file work: call it from a worker thread, under `lock()`.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        rel = self._rel(replace) if replace is not None else None
        if rel is not None:
            self._real_dirs.update(rel.parents)
        for d in sorted(self._real_dirs, key=lambda p: len(p.parts)):
            self._sync_dir(d)
        for other, written in list(self._written.items()):
            if other == rel:
                continue
            source = Path(self.workspace.anchor) / other
            try:
                current = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                (self.root / other).unlink(missing_ok=True)
                del self._written[other]
                continue
            if current != written:
                self._write(other, current)
        if rel is not None and text is not None:
            self._write(rel, text)
        for name in _COPIED:
            self._copy(self._ws / name)

    def _write(self, rel: Path, text: str) -> None:
        dest = self.root / rel
        if dest.is_symlink() or dest.is_dir():
            _unlink(dest)
        # Written whole and moved into place: cargo never reads half a file.
        tmp = dest.with_name(f".{dest.name}.se-lsp-tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, dest)
        self._written[rel] = text

    def _copy(self, rel: Path) -> None:
        source = Path(self.workspace.anchor) / rel
        dest = self.root / rel
        if not source.is_file():
            if dest.is_symlink():
                dest.unlink()
            return  # cargo writes its own lock file in the mirror
        data = source.read_bytes()
        if dest.is_symlink():
            dest.unlink()
        if not dest.exists() or dest.read_bytes() != data:
            dest.write_bytes(data)

    def _keep(self, rel: Path) -> bool:
        """Entries of a real directory that are not symlinks to the user's tree."""
        if rel in self._real_dirs or rel in self._written:
            return True
        return rel.parent == self._ws and rel.name in _COPIED

    def _sync_dir(self, rel: Path) -> None:
        source = Path(self.workspace.anchor) / rel
        dest = self.root / rel
        if dest.is_symlink():
            dest.unlink()
        dest.mkdir(parents=True, exist_ok=True)
        try:
            wanted = {e.name for e in os.scandir(source)}
        except OSError:
            wanted = set()
        if rel == self._ws:
            wanted -= _NOT_MIRRORED
        for entry in os.scandir(dest):
            child = rel / entry.name
            if entry.name.endswith(".se-lsp-tmp"):
                _unlink(Path(entry.path))
            elif entry.name not in wanted and not self._keep(child):
                _unlink(Path(entry.path))
        for name in wanted:
            child = rel / name
            if self._keep(child):
                continue
            link = dest / name
            target = source / name
            if link.is_symlink() and os.readlink(link) == str(target):
                continue
            if link.exists() or link.is_symlink():
                _unlink(link)
            link.symlink_to(target)


def _unlink(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


_mirrors: dict[Path, Mirror] = {}


def mirror_for(workspace: Path) -> Mirror:
    """One mirror per workspace for the life of the process (its lock orders the checks)."""
    found = _mirrors.get(workspace)
    if found is None:
        found = _mirrors[workspace] = Mirror(workspace)
    return found
